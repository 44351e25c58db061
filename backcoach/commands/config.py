"""`backcoach config show|path`: the effective settings, with secrets masked."""

from __future__ import annotations

import argparse
import json

from backcoach.config import Settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "config",
        help="show the effective settings (secrets masked) or where they are read from",
        description=(
            "Settings come from built-in defaults, then the TOML settings file, then BACKCOACH_* "
            "environment variables (e.g. BACKCOACH_DATA_DIR, BACKCOACH_STORAGE, "
            "BACKCOACH_INFLUX_URL, BACKCOACH_NOTIFY_URLS). Tokens and notification URLs are masked."
        ),
    )
    p.add_argument("action", choices=("show", "path"), nargs="?", default="show")
    p.add_argument("--json", action="store_true", help="print JSON instead of TOML-like text")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    if args.action == "path":
        print(settings.config_file)
        return 0
    shown = settings.redacted()
    if args.json:
        print(json.dumps(shown, indent=2))
        return 0
    print(f"# effective settings (file: {settings.config_file})")
    for key, value in shown.items():
        if not isinstance(value, dict):
            print(f"{key} = {json.dumps(value)}")
    for key, value in shown.items():
        if isinstance(value, dict):
            print(f"\n[{key}]")
            for k, v in value.items():
                print(f"{k} = {json.dumps(v)}")
    return 0
