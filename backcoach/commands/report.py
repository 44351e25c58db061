"""`backcoach report`: one week against the guidance, as a report to take to a physiotherapist.

Why a command as well as the Progress page's download: a report is something you make, keep and
send (or print) from a terminal or a script, e.g. every Monday for the week before. It reads the
store like `export` does (never creating one) and writes HTML, PDF, or both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from backcoach import outputs, terminal
from backcoach.config import Settings
from backcoach.errors import ConfigError
from backcoach.storage import demo_store

SUFFIXES = {".html": "html", ".htm": "html", ".pdf": "pdf"}

DESCRIPTION = """\
Write one week (Monday to Sunday) against the guidance rules G1-G12 as a report to take to your
physiotherapist or doctor: every rule's average day with its status, the days on target and the
change against the week before; daily charts (sitting, bending bands, back- and leg-lifts,
walking, back load beside the diary's pain, the acute:chronic ratio); the week's warnings and
diary. It prints on A4 with no chart cut by a page break, and the HTML opens offline.

The charts are drawn, and the PDF printed, by a Chromium-based browser on this machine
(Chromium, Google Chrome, Edge; BROWSER_PATH names another)."""

EXAMPLES = """\
examples:
  backcoach report                              the last complete week, as HTML
  backcoach report --week 2026-W48 --out report.html --pdf
  backcoach report --out week.pdf --lang nl     in Dutch, as PDF only
  backcoach report --force                      replace the report of that week

A report is written owner-only (it holds health data); a file already there is replaced only
with --force."""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="a week against the guidance as a printable report (HTML or PDF)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="the ISO week, e.g. 2026-W48 (default: the last complete week)",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="the file to write, ending in .html or .pdf "
        "(default: backcoach-report-YYYY-Www.html in the current folder)",
    )
    p.add_argument(
        "--pdf", action="store_true", help="also write the PDF beside the HTML (same name, .pdf)"
    )
    p.add_argument(
        "--force", action="store_true", help="replace a report file that is already there"
    )
    p.add_argument("--lang", choices=("en", "nl"), help="language (default: your settings')")
    demo_store.add_store_option(p)
    p.set_defaults(handler=run)


def targets(out: Path | None, also_pdf: bool, week: str) -> tuple[Path | None, Path | None]:
    """(HTML file, PDF file) to write; either may be None. Raises ConfigError for a bad --out."""
    path = out if out is not None else Path(f"backcoach-report-{week}.html")
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"--out {path} must end in .html or .pdf (it says which to write)")
    if kind == "pdf":
        return None, path
    return path, (path.with_suffix(".pdf") if also_pdf else None)


def _check_target(path: Path, force: bool) -> None:
    """Before any work: a name the disk takes, in a folder that exists, replaced only with
    --force (`outputs.py`)."""
    outputs.check_name(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ConfigError(f"cannot write {path}: the folder {folder} does not exist")
    outputs.check_new_file(path, force=force)


def run(args: argparse.Namespace, settings: Settings) -> int:
    # Imported here so `backcoach --help` stays fast.

    from backcoach.dashboard import report, report_browser
    from backcoach.dashboard.weekly import IsoWeek, last_complete_week
    from backcoach.i18n import dates, default_language
    from backcoach.storage.check import open_for_reading, require_data, where

    today = settings.today()
    week = IsoWeek.parse(args.week) if args.week else last_complete_week(today)
    html_path, pdf_path = targets(args.out, args.pdf, str(week))
    for path in (html_path, pdf_path):
        if path is not None:
            _check_target(path, args.force)
    lang = args.lang or default_language(settings.language)
    browser = report_browser.require_browser()
    console = terminal.STDERR
    store = open_for_reading(settings)
    try:
        require_data(store, settings)
        with console.status(f"drawing the charts of week {week}"):
            data, html = report.build(
                store,
                week,
                settings.rules,
                settings.timezone,
                lang,
                where=where(settings),
                today=today,
                browser=browser,
                wearer=settings.wearer,
            )
    finally:
        store.close()
    written = []
    if html_path is not None:
        outputs.write_whole(html_path, html.encode("utf-8"))  # owner-only: health data
        written.append(str(html_path))
    if pdf_path is not None:
        with console.status("printing the PDF"):
            pdf = report_browser.html_to_pdf(html, browser=browser)
        outputs.write_whole(pdf_path, pdf)
        written.append(str(pdf_path))
    span = dates.span(week.monday, week.sunday, "en")
    print(
        f"wrote {' and '.join(written)}: week {week} ({span}), "
        f"{len(data.days_with_data)} of 7 days with data"
    )
    return 0
