"""The plan in words, English and Dutch: each step's one sentence, item names, figures.

Why here and not in `processing.plan`: the plan gives reasons as codes with figures; what the
wearer reads is chosen here, beside the dashboard's other words (`i18n.STRINGS` takes these
in, so the words test checks both languages). The sentences are meant to encourage and to be
concrete: what to do this week, and what last week looked like ("this week: sit at most 50
minutes at a stretch — last week your longest stretch was 58 minutes on a typical day").
The dashboard pages, the weekly report and `backcoach plan show` all use `sentences`; the
strings themselves are in `i18n/plan.py`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from backcoach.i18n import t
from backcoach.processing.plan import ITEM_BY_KEY, PlanWeek, Reason

#: Item -> (display scale, decimals): shares are shown in percent.
DISPLAY: Mapping[str, tuple[float, int]] = {
    "walking": (1.0, 0),
    "sitting": (1.0, 0),
    "breaks": (1.0, 1),
    "legs": (100.0, 0),
    "over60": (100.0, 1),
    "sleep": (1.0, 2),
}


def display(key: str, value: float, *, figure: bool = False) -> float:
    """An item's value as shown: shares in percent, rounded to the item's decimals (a measured
    figure to at most one decimal: 6.4 h, where a step may be 6.25 h)."""
    scale, decimals = DISPLAY[ITEM_BY_KEY[key].name]
    return round(value * scale, min(decimals, 1) if figure else decimals) + 0.0  # never "-0"


def value_text(key: str, value: float | None, lang: str, *, figure: bool = False) -> str:
    """A quota, target or (`figure`) a measured value with its unit; '–' for none."""
    if value is None or not math.isfinite(value):
        return "–"
    shown = display(key, value, figure=figure)
    return t(f"plan.value.{ITEM_BY_KEY[key].name}", lang, v=shown)


def item_label(key: str, lang: str) -> str:
    return t(f"plan.item.{ITEM_BY_KEY[key].name}", lang)


def _do(key: str, quota: float, lang: str) -> str:
    return t(f"plan.do.{ITEM_BY_KEY[key].name}", lang, q=display(key, quota))


def _saw(key: str, value: float, when: str, lang: str) -> str:
    when_text = t(f"plan.when.{when}", lang)
    if not math.isfinite(value):
        return t("plan.saw.none", lang, when=when_text)
    shown = display(key, value, figure=True)
    return t(f"plan.saw.{ITEM_BY_KEY[key].name}", lang, when=when_text, v=shown)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(reason: Reason, lang: str) -> str:
    """One reason as the sentence the wearer reads."""
    f = {k: round(float(v), 1) + 0.0 for k, v in reason.figures.items()}
    code = reason.code
    if reason.item is None:
        if code in ("flare", "away_back") and not f.get("stepped"):
            code = f"{code}_first"
        if code == "hold_g8" and not math.isfinite(f.get("pain", math.nan)):
            f["pain"] = f.get("usual", 0.0)
        if code in ("hold_g7", "hold_g8"):
            f["ratio"] = round(float(reason.figures.get("ratio", math.nan)), 2) + 0.0
        values = {k: int(v) if k in ("days", "need", "weeks") else v for k, v in f.items()}
        return t(f"plan.why.{code}", lang, **values)
    key, quota = reason.item, float(reason.figures["quota"])
    do = _do(key, quota, lang)
    if code == "start":
        saw = _saw(key, float(reason.figures["baseline"]), "first", lang)
        return t("plan.why.start_item", lang, Do=_capital(do), saw=saw)
    saw = _saw(key, float(reason.figures.get("figure", math.nan)), "last", lang)
    met, days = int(reason.figures.get("met", 0)), int(reason.figures.get("days", 0))
    return t(f"plan.why.{code}", lang, do=do, saw=saw, met=met, days=days)


def sentences(week: PlanWeek, lang: str) -> list[str]:
    """Why this week's step is what it is: whole-plan reasons first, then each item's; the
    items already at their goal in one sentence at the end."""
    out = []
    for r in week.reasons:
        if r.code == "measuring":  # the days before this week, and this week's so far
            days = float(r.figures["days"]) + week.recorded
            r = Reason(r.code, r.item, {**r.figures, "days": days})
        if r.code != "on_target":
            out.append(sentence(r, lang))
    done = [
        item_label(r.item, lang).lower() for r in week.reasons if r.code == "on_target" and r.item
    ]
    if done:
        out.append(t("plan.why.on_target", lang, items=", ".join(done)))
    return out


def headline(week: PlanWeek, lang: str) -> str:
    """'Plan week 5 · 2026-W41 · pace: steady', or the baseline's line."""
    if week.measuring:
        return t("plan.measuring_week", lang, week=week.week)
    pace = t(f"plan.pace.{week.pace}", lang)
    return t("plan.week", lang, n=week.number, week=week.week, pace=pace)


def decision_text(week: PlanWeek, lang: str) -> str:
    return t(f"plan.decision.{week.decision}", lang)


__all__ = [
    "decision_text",
    "display",
    "headline",
    "sentence",
    "sentences",
    "value_text",
]
