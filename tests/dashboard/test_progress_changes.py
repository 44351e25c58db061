"""The Progress page's weekly changes read as changes: a real one never shows as "1 → 1"."""

from backcoach.dashboard.app_pages.progress import COLUMN_LABELS, change_figures


def test_a_change_hidden_by_rounding_gets_one_more_digit():
    assert change_figures("n", 1.3, 0.9, "en") == ("1.3", "0.9")
    assert change_figures("n", 1.3, 0.9, "nl") == ("1,3", "0,9")
    assert change_figures("min", 0.4, 0.2, "en") == ("0.4 min", "0.2 min")


def test_a_visible_change_keeps_the_units_usual_digits():
    assert change_figures("n", 6120.0, 7480.0, "en") == ("6,120", "7,480")
    assert change_figures("h", 7.4, 6.1, "nl") == ("7,4 u", "6,1 u")


def test_every_progress_unit_writes_a_small_change_as_a_change_in_both_languages():
    for _label, unit in COLUMN_LABELS.values():
        for lang in ("en", "nl"):
            before, after = change_figures(unit, 1.04, 0.96, lang)
            assert before != after, (unit, lang)
