"""`backcoach export` and `backcoach delete`: the wearer's data is theirs to take or remove.

The dashboard offers the same on its Settings & data page; these commands serve scripts, backups
and people who prefer a terminal. Both go through the configured store.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

from backcoach import outputs, terminal
from backcoach.config import Settings
from backcoach.errors import ConfigError
from backcoach.storage import demo_store


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export",
        help="write the stored epochs, events, summaries, warnings and diary (raw samples with "
        "--raw) to a zip",
        description=(
            "Write what the store holds as one zip of CSV or Parquet tables: epochs, events, "
            "summaries, warnings and diary, and with --raw also the raw samples (large: about "
            "1 GB of CSV per week at 50 Hz). Columns are those of `backcoach analyze` (time, "
            "posture, trunk_angle, side_angle, activity, steps; times in Unix seconds). Written "
            "month by month, so any length of history fits in memory."
        ),
    )
    p.add_argument(
        "--out",
        required=True,
        help="the zip file to write, or a folder (an existing one, or a name ending in /) to "
        "write backcoach-export-DATE-FORMAT.zip into (-2, -3... when taken)",
    )
    p.add_argument("--format", choices=("csv", "parquet"), default="csv", help="default: csv")
    p.add_argument("--raw", action="store_true", help="include the raw samples (time, x, y, z)")
    p.add_argument("--force", action="store_true", help="replace the zip file if it is there")
    demo_store.add_store_option(p)
    p.set_defaults(handler=run_export)

    d = sub.add_parser(
        "delete",
        help="delete stored data for a range of days (shows what and asks first)",
        description=(
            "Delete raw samples, epochs, events, warnings and summaries of the days FROM..TO "
            "(inclusive, the wearer's local days). Diary entries stay unless --diary is given. "
            "It first counts what those days hold and says so; an empty range deletes nothing."
        ),
    )
    d.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
    d.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
    d.add_argument("--diary", action="store_true", help="delete diary entries of those days too")
    d.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    demo_store.add_store_option(d)
    d.set_defaults(handler=run_delete)


def export_target(out: str, fmt: str, today: dt.date, *, force: bool = False) -> Path:
    """The zip to write: `out` itself (replaced only with `force`), or a dated file inside it
    when it is a folder (an existing one, or a name ending in a slash, made owner-only), never
    one already there. Checked before any work (`outputs.py`)."""
    path = Path(out)
    outputs.check_name(path)
    if out.endswith(("/", os.sep)) or path.is_dir():
        folder = outputs.make_folder(path)
        stem = f"backcoach-export-{today.isoformat()}-{fmt}"
        return outputs.free_name(folder, stem, ".zip")
    outputs.check_new_file(path, force=force)
    outputs.make_folder(path.parent if str(path.parent) else Path("."))
    return path


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from rich.progress import Progress

    from backcoach.dashboard.export import write_export
    from backcoach.storage.check import open_for_reading, require_data

    target = export_target(args.out, args.format, settings.today(), force=args.force)
    store = open_for_reading(settings)
    try:
        require_data(store, settings)
        with Progress(console=terminal.STDERR, transient=True) as progress:
            task = progress.add_task("exporting", total=1.0)
            rows = write_export(
                store,
                target,
                fmt=args.format,
                raw=args.raw,
                on_progress=lambda share: progress.update(task, completed=share),
            )
    except OSError as exc:
        raise ConfigError(f"cannot write {target}: {exc.strerror or exc}") from exc
    finally:
        store.close()
    counts = ", ".join(f"{n} {name}" for name, n in rows.items())
    print(f"wrote {target} ({counts})")
    return 0


def _day(text: str, flag: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ConfigError(f"{flag} {text!r} is not a day; write it as YYYY-MM-DD") from exc


def run_delete(args: argparse.Namespace, settings: Settings) -> int:
    from backcoach.processing.days import day_bounds, day_of
    from backcoach.storage.check import open_for_reading, where
    from backcoach.storage.range_contents import count_range

    first, last = _day(args.first, "--from"), _day(args.last, "--to")
    if last < first:
        raise ConfigError(f"--to {last} is before --from {first}")
    span = f"from {first} to {last}"
    store = open_for_reading(settings)
    try:
        found = count_range(store, first, last, settings.timezone)
        note = found.diary_note(args.diary)
        if found.empty(args.diary):
            rng = store.data_range()
            held = (
                f" (it holds recordings from {day_of(rng[0], settings.timezone)} to "
                f"{day_of(rng[1], settings.timezone)})"
                if rng
                else ""
            )
            print(f"nothing to delete {span} in {where(settings)}{held}; {note}".rstrip("; "))
            return 0
        removed = found.removed(args.diary)
        if not args.yes:
            if not sys.stdin.isatty():
                raise ConfigError(
                    f"refusing to delete {removed} {span} without confirmation; add --yes"
                )
            days = f"{found.days} day" + ("s" if found.days > 1 else "")
            print(f"The days {span} ({days}) in {where(settings)} hold {removed}.")
            if note:
                print(f"Kept: {note}.")
            answer = input("Delete all of it? This cannot be undone. [y/N] ")
            if answer.strip().lower() not in ("y", "yes", "j", "ja"):
                print("nothing deleted")
                return 1
        start_s, _ = day_bounds(first, settings.timezone)
        _, end_s = day_bounds(last, settings.timezone)
        store.delete_range(start_s, end_s)
        if args.diary:
            for i in range(found.days):
                store.delete_diary((first + dt.timedelta(days=i)).isoformat())
    finally:
        store.close()
    print(f"deleted {span}: {removed}" + (f"; {note}" if note else ""))
    return 0
