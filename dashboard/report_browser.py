"""The report's two uses of a headless Chromium: charts to static SVG, and HTML to an A4 PDF.

Why Chromium (not WeasyPrint): the charts are the dashboard's Plotly figures, and only a browser
draws them; Kaleido (Plotly's own exporter) drives an installed Chromium or Chrome to turn each
into SVG. Printing the finished HTML with the same browser gives a PDF that looks exactly like
the HTML, honours CSS paged media (A4, page numbers in the margins, no break inside a chart), and
needs no system libraries beyond the browser (WeasyPrint needs Pango and friends, and cannot run
Plotly). docs/report.md has the whole choice.

Both run offline: Kaleido gets plotly.js from the installed plotly package and MathJax is off,
and the printed page references nothing outside itself. Each print uses a throw-away browser
profile, so a Chrome the user has open is neither touched nor asked to do the work.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

from backcoach.errors import BackcoachError

log = logging.getLogger(__name__)

SVG_TIMEOUT_S = 60.0  # one chart; a cold browser start on a busy 2-core machine takes seconds
PDF_TIMEOUT_S = 90.0  # the whole print, browser start included
#: Kaleido and its browser driver log every tab at INFO (with temporary paths); keep them at
#: WARNING unless someone set their level on purpose.
CHATTY_LOGGERS = ("kaleido", "choreographer", "logistro")
INSTALL_HINT = (
    "install Chromium or Google Chrome (Debian and Ubuntu: `sudo apt install chromium`), "
    "or set BROWSER_PATH to one"
)


class BrowserMissing(BackcoachError):
    """No Chromium-based browser was found to draw the charts or print the PDF."""


class RenderFailed(BackcoachError):
    """The browser was found but could not draw the charts or print the report."""


def find_browser() -> str | None:
    """The browser Kaleido would use (BROWSER_PATH, then chromium, chrome, edge, ... on PATH),
    or None when there is none or BROWSER_PATH names no program."""
    from choreographer.browsers.chromium import Chromium

    try:
        path = Chromium.find_browser(skip_local=False)
    except (OSError, RuntimeError, ValueError):  # a best-effort search; no browser is the answer
        return None
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def require_browser() -> str:
    """The browser's path, or BrowserMissing saying how to get one."""
    path = find_browser()
    if path is None:
        named = os.environ.get("BROWSER_PATH")
        what = f"BROWSER_PATH={named} is not a program" if named else "no browser was found"
        raise BrowserMissing(
            f"the weekly report draws its charts with a browser, but {what}: {INSTALL_HINT}"
        )
    return path


def _off_the_event_loop(coro_factory):
    """Run a coroutine to its end in a thread of its own (Streamlit may already run a loop)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coro_factory())).result()


def svg_charts(figures: Sequence[go.Figure], *, width_px: int, browser: str) -> list[str]:
    """Each figure as an SVG document (one browser for all of them), at its layout height."""
    import kaleido

    for name in CHATTY_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)

    async def draw() -> list[str]:
        out = []
        async with kaleido.Kaleido(n=1, timeout=SVG_TIMEOUT_S, mathjax=False, path=browser) as k:
            for fig in figures:
                opts = {"format": "svg", "width": width_px, "height": fig.layout.height or 300}
                out.append((await k.calc_fig(fig, opts=opts)).decode("utf-8"))
        return out

    try:
        return _off_the_event_loop(draw)
    except BackcoachError:
        raise
    except Exception as exc:  # Kaleido and choreographer raise a dozen types; one line for all
        raise RenderFailed(
            f"the browser {browser} could not draw the report's charts ({type(exc).__name__}: "
            f"{exc}); check that it starts (`{browser} --headless --version`) or {INSTALL_HINT}"
        ) from exc


def _print_argv(browser: str, profile: Path, html: Path, pdf: Path) -> list[str]:
    argv = [
        browser,
        "--headless",
        "--disable-gpu",
        "--no-first-run",
        "--no-default-browser-check",
        "--disable-extensions",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-pdf-header-footer",  # the margins carry our own footer, never the file's path
        f"--user-data-dir={profile}",
        f"--print-to-pdf={pdf}",
        html.as_uri(),
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return argv


def html_to_pdf(html: str, *, browser: str) -> bytes:
    """The HTML printed to PDF by headless Chromium, with the page size its CSS asks for."""
    with tempfile.TemporaryDirectory(prefix="backcoach-report-") as tmp:
        folder = Path(tmp)
        src, pdf = folder / "report.html", folder / "report.pdf"
        src.write_text(html, encoding="utf-8")
        argv = _print_argv(browser, folder / "profile", src, pdf)
        try:
            proc = subprocess.run(
                argv, capture_output=True, timeout=PDF_TIMEOUT_S, stdin=subprocess.DEVNULL
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise RenderFailed(f"the browser {browser} could not print the report: {exc}") from exc
        if proc.returncode != 0 or not pdf.exists() or pdf.stat().st_size == 0:
            last = (proc.stderr.decode(errors="replace").strip().splitlines() or ["no output"])[-1]
            raise RenderFailed(
                f"the browser {browser} did not print the report (exit {proc.returncode}: "
                f"{last}); check that it starts (`{browser} --headless --version`)"
            )
        return pdf.read_bytes()
