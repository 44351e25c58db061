"""`backcoach scan`: nearby sensors backcoach can read (name, address, RSSI, profile), and whether
their own memory fills the time they spend out of range (`collector.sensor_log.GAP_FILL`).
"""

from __future__ import annotations

import argparse
import asyncio

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from backcoach.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "scan",
        help="list nearby Bluetooth LE sensors of a known profile",
        description="Listen for advertising sensors that match a known profile "
        "(open, polar, witmotion, thingy, movesense, metamotion) and list them, strongest "
        "signal first.",
    )
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to listen (default 5)")
    p.add_argument(
        "--profile",
        default="",
        help="only this profile: open, polar, witmotion, thingy, movesense, metamotion",
    )
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    from backcoach.collector.ble import async_scan  # bleak only when a BLE command runs
    from backcoach.collector.sensor_log import GAP_FILL

    found = asyncio.run(async_scan(args.timeout, profile=args.profile))
    out = Console()
    if not found:
        out.print(
            f"No sensor of a known profile heard in {args.timeout:.0f} s. Switch it on, bring it "
            "close (and make sure Bluetooth is on), then scan again."
        )
        return 1
    table = Table(title="Sensors nearby", title_justify="left")
    for col in ("name", "address", "RSSI dBm", "profile", "gaps filled"):
        table.add_column(col)
    for s in found:
        fills = "yes" if GAP_FILL.get(s.profile, (False, ""))[0] else "no"
        name = escape(s.name or "-")  # an advertised name is text, never Rich markup
        table.add_row(name, s.address, str(s.rssi), s.profile, fills)
    out.print(table)
    for profile in sorted({s.profile for s in found}):
        fills, how = GAP_FILL.get(profile, (False, "no on-board log known"))
        said = (
            "out of range, it keeps measuring into" if fills else "time out of range stays a gap:"
        )
        out.print(f"{profile}: {said} {how}", markup=False, highlight=False)
    out.print("Start collecting: [bold]backcoach collect --sensor ADDRESS[/]")
    return 0
