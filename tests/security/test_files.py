"""What the commands write, tried as an attacker and a hurried user would (issue 19, items 9-12).

A diary note (or a recording's file name) that starts like a formula, `--out` names too long
for the disk, a folder that does not exist yet, a file already there, a `--url-for-wearer` that
closes its string and adds settings, and the modes of what is written: health data is the
owner's only. Commands run as a user runs them (`python -m backcoach ...`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest

from backcoach.collector.simulator import Segment, simulate
from backcoach.processing.types import DiaryEntry
from backcoach.storage import open_store
from tests.dashboard.stores import StoreDir, make_synthetic, yesterday

FORMULAS = ("=1+1", "+SUM(A1)", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1")
PLAIN = "sat a lot; back ok"
LONG = "x" * 300
TIMEOUT_S = 240


def backcoach(env: dict[str, str], *args: str, cwd: Path | None = None):
    return subprocess.run(
        [sys.executable, "-m", "backcoach", *args],
        env={**os.environ, **env, "COLUMNS": "200"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def one_line_error(done: subprocess.CompletedProcess) -> str:
    """The command failed with one line saying why (no traceback)."""
    assert done.returncode == 1, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("backcoach: error:"), done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def store_dir(tmp_path_factory) -> StoreDir:
    """Nine days of summaries, a day of epochs and a diary whose notes start like formulas."""
    base = tmp_path_factory.mktemp("files")
    sd = make_synthetic(base, days_with_epochs=1, days_with_summaries=9)[0]
    store = open_store(sd.settings())
    try:
        for i, note in enumerate((*FORMULAS, PLAIN)):
            day = yesterday() - dt.timedelta(days=i)
            store.write_diary(DiaryEntry(day.isoformat(), 3, note))
    finally:
        store.close()
    return sd


def diary_rows(zip_path: Path) -> list[dict[str, str]]:
    with zipfile.ZipFile(zip_path) as zf:
        text = zf.read("diary.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- item 9: formulas ----------------------------------------------------------------------------
def test_an_export_keeps_a_formula_in_a_diary_note_as_text(store_dir, tmp_path):
    out = tmp_path / "export.zip"
    done = backcoach(store_dir.env(), "export", "--out", str(out))
    assert done.returncode == 0, done.stderr
    notes = {r["note"]: r for r in diary_rows(out)}
    for formula in FORMULAS:
        assert "'" + formula in notes, (formula, sorted(notes))
    assert PLAIN in notes  # other text as it was
    assert {r["pain"] for r in notes.values()} == {"3"}  # numbers stay numbers


def test_an_analysis_keeps_a_formula_in_a_file_name_as_text(tmp_path):
    """A recording named like a formula: its name in the cohort table stays text; and every
    file `analyze` writes is the owner's only (item 12)."""
    sim = simulate([Segment("walk", 60), Segment("sit", 60)], 0.0, fs_hz=25.0, seed=3)
    src = tmp_path / "in"
    src.mkdir()
    name = '=HYPERLINK("evil.example";"open")'
    np.savez(src / f"{name}.npz", t=sim.samples.t_s, acc=sim.samples.acc_g.astype(np.float64))
    (tmp_path / "c.toml").touch()
    env = {"BACKCOACH_CONFIG": str(tmp_path / "c.toml"), "BACKCOACH_DATA_DIR": str(tmp_path)}
    out = tmp_path / "new" / "results"
    done = backcoach(env, "analyze", str(src), "--out", str(out))
    assert done.returncode == 0, done.stderr
    with open(out / "summary.csv", newline="") as fh:
        first = [row[0] for row in csv.reader(fh)][1:]
    assert first and all(cell.startswith("'=") for cell in first), first
    for path in [out, *out.rglob("*")]:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), (path, oct(mode(path)))
    assert mode(tmp_path / "new") == 0o700


@pytest.mark.browser
@pytest.mark.influx
def test_the_practices_csv_download_names_the_wearer_and_keeps_formulas_as_text(
    site, browser, tmp_path, show_log_on_failure
):
    """Settings & data of a wearer, downloaded by a practitioner in Chromium."""
    from tests.dashboard.test_dashboard_browser import PAGE_TIMEOUT_MS, SCRIPT_IDLE_JS

    from .browsing import log_in
    from .conftest import FORMULA_NOTE, PASSWORD

    context = browser.new_context(accept_downloads=True)
    try:
        page = context.new_page()
        log_in(page, site.url, "jdevries", PASSWORD)
        page.get_by_label("Open a wearer").click()
        page.get_by_role("option", name="anna").click()
        page.get_by_role("button", name="Show their pages").click()
        page.get_by_text("Wearer: anna").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.get_by_role("link", name="Settings & data").click()
        page.get_by_role("heading", name="Settings & data").first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_function(SCRIPT_IDLE_JS, timeout=PAGE_TIMEOUT_MS)
        with page.expect_download(timeout=PAGE_TIMEOUT_MS) as info:
            page.get_by_role("button", name="Download CSV").click()
        assert info.value.suggested_filename.startswith("backcoach-anna-"), info.value
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
    finally:
        context.close()
    notes = [r["note"] for r in diary_rows(path)]
    assert "'" + FORMULA_NOTE in notes and FORMULA_NOTE not in notes, notes


# -- item 10: --out ------------------------------------------------------------------------------
def test_export_to_a_name_too_long_for_the_disk_is_one_line(store_dir, tmp_path):
    line = one_line_error(backcoach(store_dir.env(), "export", "--out", str(tmp_path / LONG)))
    assert "shorter name" in line, line


def test_report_to_a_name_too_long_for_the_disk_is_one_line(store_dir, tmp_path):
    done = backcoach(store_dir.env(), "report", "--out", str(tmp_path / f"{LONG}.html"))
    assert "shorter name" in one_line_error(done)


def test_export_into_a_new_folder_writes_a_zip_inside_it_and_never_over_another(
    store_dir, tmp_path
):
    folder = tmp_path / "exports"
    first = backcoach(store_dir.env(), "export", "--out", f"{folder}/")
    assert first.returncode == 0, first.stderr
    assert folder.is_dir(), "a zip named like the folder was written instead"
    (zip1,) = folder.iterdir()
    assert zip1.name.startswith("backcoach-export-") and zip1.name.endswith("-csv.zip")
    before = zip1.read_bytes()
    again = backcoach(store_dir.env(), "export", "--out", str(folder))
    assert again.returncode == 0, again.stderr
    assert {p.name for p in folder.iterdir()} == {zip1.name, zip1.stem + "-2.zip"}
    assert zip1.read_bytes() == before
    assert mode(folder) == 0o700 and all(mode(p) == 0o600 for p in folder.iterdir())


def test_an_existing_file_is_replaced_only_with_force(store_dir, tmp_path):
    kept = tmp_path / "mine.zip"
    kept.write_bytes(b"something the user keeps")
    line = one_line_error(backcoach(store_dir.env(), "export", "--out", str(kept)))
    assert "already exists" in line and "--force" in line, line
    assert kept.read_bytes() == b"something the user keeps"
    report = tmp_path / "week.html"
    report.write_text("an earlier report")
    line = one_line_error(backcoach(store_dir.env(), "report", "--out", str(report)))
    assert "already exists" in line and "--force" in line, line
    assert report.read_text() == "an earlier report"
    done = backcoach(store_dir.env(), "export", "--out", str(kept), "--force")
    assert done.returncode == 0, done.stderr
    assert zipfile.is_zipfile(kept) and mode(kept) == 0o600


# -- item 12: modes ------------------------------------------------------------------------------
@pytest.mark.skipif(not shutil.which("chromium"), reason="the report's charts need Chromium")
def test_a_report_is_the_owners_only(store_dir, tmp_path):
    out = tmp_path / "report.html"
    done = backcoach(store_dir.env(), "report", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert mode(out) == 0o600, oct(mode(out))


@pytest.mark.influx
def test_add_wearer_makes_the_data_folder_owner_only(site):
    """The suite's practice was set up by add-wearer's code in a data folder that did not
    exist: the data folder and the practice folder in it are the owner's only."""
    data = site.world.root / "data"
    assert mode(data) == 0o700, oct(mode(data))
    assert mode(site.world.folder) == 0o700


# -- item 11: the printed config -----------------------------------------------------------------
def printed_config(out: str) -> dict:
    """The config.toml block add-wearer prints for the wearer's machine, parsed."""
    block = out.split("(backcoach config show finds the file):\n\n", 1)[1]
    block = block.split("\nThe password is shown only now", 1)[0]
    return tomllib.loads(block)


@pytest.mark.influx
def test_a_url_for_the_wearer_cannot_add_settings(site):
    evil = 'https://influx.example"\nstorage = "sqlite"\n[warnings]\nnotify_urls = ["x'
    done = site.cli("practice", "add-wearer", "dora", "--url-for-wearer", evil, admin=True)
    assert "not a server address" in one_line_error(done)
    assert "dora" not in site.cli("practice", "list").stdout  # nothing was made
    for bad in ("javascript:alert(1)", "https://", "https://user:pw@influx.example"):
        done = site.cli("practice", "add-wearer", "dora", "--url-for-wearer", bad, admin=True)
        one_line_error(done)
    good = "https://influx.practice.example:8086"
    done = site.cli("practice", "add-wearer", "dora", "--url-for-wearer", good, admin=True)
    assert done.returncode == 0, done.stderr
    doc = printed_config(done.stdout)
    assert set(doc) == {"storage", "wearer", "influx"}, doc
    assert doc["influx"] == {
        "url": good,
        "bucket": "backcoach_dora",
        "token_file": "~/.config/backcoach/influx-token",
    }
