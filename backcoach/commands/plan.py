"""`backcoach plan show|set|import|export|clear`: the wearer's graded plan (docs/plan.md).

Why a command as well as the Settings page: a physiotherapist hands a plan over as a small
file, and a wearer (or a script) imports it; `show` says in a terminal what the dashboard's
plan card says. The plan lives in the wearer's own store (`backcoach/plans.py`), so setting it
needs the wearer's machine and settings; a practice only ever reads it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from backcoach import outputs, plans
from backcoach.config import Settings
from backcoach.errors import ConfigError
from backcoach.processing.plan import ITEM_BY_KEY, PACES, Plan, PlanSettings
from backcoach.storage import demo_store

DESCRIPTION = """\
A plan starts from your own baseline (the first one or two recorded weeks: walking minutes,
longest sitting stretch, breaks per sitting hour, share of lifts with the legs, time bent over
60 degrees, sleep) and moves each target a step a week toward the guidance, never past it. Pain
and load decide the pace: a pain rise after heavy days or a load out of the steady band holds
the plan, a flare steps it back, a good week steps on. Live warnings, the Guidance page, the
weekly report and a practice's overview all follow this week's step."""

EXAMPLES = """\
examples:
  backcoach plan set                            start a plan (baseline: the last two weeks)
  backcoach plan set --pace gentle              a gentler pace from this week on
  backcoach plan set --target walking_plan_min=20
  backcoach plan show --lang nl
  backcoach plan export --out anna-plan.toml    the file to give (or keep)
  backcoach plan import anna-plan.toml          the file a physiotherapist gave

targets: """ + ", ".join(ITEM_BY_KEY)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plan",
        help="a graded plan from your own baseline toward the guidance (show, set, import, "
        "export, clear)",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("action", choices=("show", "set", "import", "export", "clear"))
    p.add_argument("file", nargs="?", type=Path, help="import: the plan file (TOML)")
    p.add_argument("--start", help="set: the first day of the baseline, YYYY-MM-DD (a new plan)")
    p.add_argument(
        "--baseline-weeks", type=int, choices=(1, 2), help="set: baseline weeks (a new plan)"
    )
    p.add_argument("--pace", choices=PACES, help="set: gentle, steady (default) or brisk")
    p.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="set: a final target on the way to the guidance (repeat for more)",
    )
    p.add_argument(
        "--from", dest="since", metavar="YYYY-Www", help="set: the week a change applies from"
    )
    p.add_argument("--out", type=Path, help="export: the file to write (default: print it)")
    p.add_argument("--force", action="store_true", help="export: replace the file if it is there")
    p.add_argument("--lang", choices=("en", "nl"), help="show: language (default: your settings')")
    p.add_argument("--json", action="store_true", help="show: the plan settings as JSON")
    demo_store.add_store_option(p)
    p.set_defaults(handler=run)


def _today(settings: Settings) -> dt.date:
    return settings.today()  # the clock seam (BACKCOACH_NOW), in the wearer's zone


def _targets(pairs: list[str]) -> dict[str, float]:
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in ITEM_BY_KEY:
            raise ConfigError(
                f"--target {pair!r}: write NAME=VALUE with NAME one of {', '.join(ITEM_BY_KEY)}"
            )
        try:
            out[name] = float(value)
        except ValueError:
            raise ConfigError(f"--target {pair!r}: {value!r} is not a number") from None
    return out


def run(args: argparse.Namespace, settings: Settings) -> int:
    from backcoach.storage import open_store
    from backcoach.storage.check import open_for_reading

    if args.action != "import" and args.file is not None:
        raise ConfigError(f"plan {args.action} takes no file; did you mean plan import?")
    writes = args.action in ("set", "import", "clear")
    store = open_store(settings) if writes else open_for_reading(settings)
    try:
        if args.action == "show":
            return _show(store, settings, args)
        if args.action == "export":
            return _export(store, args)
        if args.action == "clear":
            plans.clear(store)
            print("the plan is cleared: days are judged by the guidance again")
            return 0
        if args.action == "import":
            ps = _imported(args, _today(settings))
        else:
            ps = _changed(store, settings, args)
        plans.check_against(ps, settings.rules)
        plans.save(store, ps)
    finally:
        store.close()
    print(_summary(ps))
    return 0


def _imported(args: argparse.Namespace, today: dt.date) -> PlanSettings:
    if args.file is None:
        raise ConfigError("plan import needs the plan file: backcoach plan import FILE")
    try:
        text = args.file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the plan file {args.file}: {exc.strerror}") from None
    return plans.from_toml(text, f"plan file {args.file.name}", today=today)


def _changed(store, settings: Settings, args: argparse.Namespace) -> PlanSettings:
    start = None
    if args.start:
        try:
            start = dt.date.fromisoformat(args.start)
        except ValueError:
            raise ConfigError(f"--start {args.start!r} is not a day; write YYYY-MM-DD") from None
    since = plans.day_or_week(args.since, "--from") if args.since else None
    return plans.change(
        plans.load(store),
        _today(settings),
        start=start,
        baseline_weeks=args.baseline_weeks,
        pace=args.pace,
        targets=_targets(args.target),
        since=since,
    )


def _summary(ps: PlanSettings) -> str:
    phase = ps.phases[-1]
    targets = ", ".join(f"{k}={v:g}" for k, v in sorted(phase.targets.items())) or "the guidance"
    return (
        f"plan kept: baseline from {ps.start} ({ps.baseline_weeks} week(s)), pace {phase.pace}, "
        f"targets: {targets}"
    )


def _export(store, args: argparse.Namespace) -> int:
    ps = plans.load(store)
    if ps is None:
        raise ConfigError("there is no plan to export; make one with: backcoach plan set")
    text = plans.to_toml(ps)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    outputs.check_name(args.out)
    outputs.check_new_file(args.out, force=args.force)
    outputs.write_whole(args.out, text.encode("utf-8"))
    print(f"wrote {args.out}")
    return 0


def _show(store, settings: Settings, args: argparse.Namespace) -> int:
    from backcoach.dashboard.plan_text import headline, item_label, sentences, value_text
    from backcoach.i18n import default_language, t

    today = _today(settings)
    plan = plans.load_plan(store, settings.rules, today)
    if args.json:
        print(json.dumps(None if plan is None else plans.to_dict(plan.settings), indent=2))
        return 0
    lang = args.lang or default_language(settings.language)
    if plan is None:
        print(t("plan.none", lang))
        return 0
    week = plan.week_of(today)
    if week is None:
        print(t("plan.not_started", lang, day=plan.settings.start.isoformat()))
        return 0
    print(f"{t('plan.title', lang)}: {headline(week, lang)}")
    for line in sentences(week, lang):
        print(f"  - {line}")
    if not week.measuring:
        print()
        cols = [t(f"plan.col.{c}", lang) for c in ("item", "step", "target", "so_far", "days")]
        print(" | ".join(cols))
        for i in week.items:
            days = f"{i.met}/{i.days}" if i.days else "-"
            cells = [item_label(i.key, lang), value_text(i.key, i.quota, lang)]
            so_far = value_text(i.key, i.figure, lang, figure=True)
            cells += [value_text(i.key, i.target, lang), so_far, days]
            print(" | ".join(cells))
    _show_baseline(plan, lang)
    return 0


def _show_baseline(plan: Plan, lang: str) -> None:
    from backcoach.dashboard.plan_text import item_label, value_text
    from backcoach.i18n import t

    b = plan.baseline
    if b is None:
        return
    shown = ", ".join(
        f"{item_label(k, lang).lower()} {value_text(k, v, lang, figure=True)}"
        for k, v in b.values.items()
    )
    print()
    print(t("plan.baseline_line", lang, first=b.first, last=b.last, days=b.days, values=shown))
