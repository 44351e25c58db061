"""The graded plan over 16 simulated weeks: how it moved, and what building it costs.

Why: issue 22 asks for a simulated wearer whose plan moves as designed (baseline within two
weeks, steps on good weeks, held after a pain rise with a load spike, back after a flare) and
for what the plan does when data is missing. This lives the script of `bench/plan_sim.py`
into a scratch SQLite store (the wearer follows each week's step as the plan gives it), then
prints each week: its decision and reasons, the quota per item, days recorded, pain, the
acute:chronic ratio and how well the step was kept; then how long `build_plan` takes for a
4-week and a 16-week plan (the practice overview builds one per wearer).

    .venv/bin/python bench/plan_weeks.py [--seed 22] [--pace steady] [--png FILE] [--lang en]

`--png` draws the weeks (each item's typical day against the plan's step and final target,
and the weekly pain and load ratio with each week's decision) through Plotly and kaleido,
which needs a Chromium (BROWSER_PATH=/usr/bin/chromium on Debian).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from backcoach import plans  # noqa: E402
from backcoach.processing.guidance import RuleThresholds  # noqa: E402
from backcoach.processing.plan import ITEMS, Plan, build_plan  # noqa: E402
from backcoach.storage.sqlite import SQLiteStore  # noqa: E402
from bench import plan_sim  # noqa: E402

FIRST = dt.date(2026, 1, 5)  # a Monday
SHORT = {
    "walking_plan_min": "walk",
    "sitting_bout_max_min": "sit",
    "breaks_per_sitting_hour_min": "brk",
    "leg_lift_share_min": "legs",
    "over60_share_max": ">60",
    "sleep_target_h": "sleep",
}


#: The pain-and-load panel's words (the bench's own: the dashboard has no such chart).
TITLE = {
    "en": "backcoach: 16 simulated weeks of a graded plan (issue 22)",
    "nl": "backcoach: 16 gesimuleerde weken van een opbouwplan (issue 22)",
}
PANEL_WORDS = {
    "en": {
        "pain": "pain (week's mean, 0-10; n d = days recorded)",
        "acwr": "acute:chronic ratio (week's last recorded day)",
        "days": "{n} d",
    },
    "nl": {
        "pain": "pijn (gemiddelde van de week, 0-10; n d = dagen gemeten)",
        "acwr": "acuut:chronisch-ratio (laatste gemeten dag van de week)",
        "days": "{n} d",
    },
}


def _fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(plan: Plan) -> None:
    head = ["wk", "iso week", "decision", "why", *SHORT.values(), "days", "pain", "acwr", "kept"]
    widths = [-3, -9, -10, -18] + [6] * (len(head) - 4)  # negative: left-aligned
    pairs = zip(head, widths, strict=True)
    print(" ".join(f"{h:<{-w}}" if w < 0 else f"{h:>{w}}" for h, w in pairs))
    script = plan_sim.SCRIPT
    for k, w in enumerate(plan.weeks):
        why = ",".join(r.code for r in w.reasons if r.item is None) or ",".join(
            sorted({r.code for r in w.reasons})
        )
        q = w.quotas()
        cells = [f"{k + 1:<3}", f"{w.week:<9}", f"{w.decision:<10}", f"{why[:18]:<18}"]
        for key in SHORT:
            value = q.get(key)
            if value is not None and key in ("leg_lift_share_min", "over60_share_max"):
                value *= 100
            cells.append(f"{_fmt(value):>6}")
        kept = None if w.adherence is None else w.adherence * 100
        cells += [f"{w.recorded:>6}", f"{_fmt(w.pain):>6}", f"{_fmt(w.acwr, 2):>6}"]
        cells += [f"{_fmt(kept, 0):>6}"]
        print(" ".join(cells), f"  {script[k].note}" if k < len(script) else "")


def cost(store: SQLiteStore, rules: RuleThresholds, runs: int) -> None:
    ps = plans.load(store)
    assert ps is not None
    summaries = store.read_summaries("2000-01-01", "2100-01-01")
    diary = store.read_diary("2000-01-01", "2100-01-01")
    for weeks in (4, 16):
        through = FIRST + dt.timedelta(weeks=weeks) - dt.timedelta(days=1)
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            build_plan(ps, summaries, diary, rules, through=through)
            times.append(time.perf_counter() - t0)
        print(
            f"build_plan, {weeks:2d} weeks: median {statistics.median(times) * 1000:.1f} ms "
            f"({min(times) * 1000:.1f}-{max(times) * 1000:.1f}) over {runs} runs"
        )


def figure(plan: Plan, lang: str):
    """Six item panels and one of pain and load, each week's decision written above it."""
    import pandas as pd
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from backcoach.dashboard.charts import OKABE_ITO
    from backcoach.dashboard.plan_text import decision_text, item_label
    from backcoach.dashboard.plan_view import AXIS_UNIT, weeks_frame
    from backcoach.i18n import t

    frame = weeks_frame(plan)
    specs = [[{}, {}], [{}, {}], [{}, {}], [{"colspan": 2, "secondary_y": True}, None]]
    titles = [item_label(i.key, lang) for i in ITEMS] + [""]
    fig = make_subplots(rows=4, cols=2, specs=specs, subplot_titles=titles, vertical_spacing=0.08)
    for k, item in enumerate(ITEMS):
        row, col = k // 2 + 1, k % 2 + 1
        part = frame[frame["key"] == item.key]
        x_step = [*part["monday"], part["monday"].iloc[-1] + pd.Timedelta(days=7)]
        y_step = [*part["step"], part["step"].iloc[-1]]
        first = k == 0
        fig.add_trace(
            go.Scatter(x=x_step, y=y_step, mode="lines", name=t("plan.legend.step", lang),
                       line={"shape": "hv", "color": OKABE_ITO["blue"], "width": 3},
                       showlegend=first), row=row, col=col)  # fmt: skip
        fig.add_trace(
            go.Scatter(x=part["monday"] + pd.Timedelta(days=3.5), y=part["figure"],
                       mode="markers", name=t("plan.legend.measured", lang),
                       marker={"color": OKABE_ITO["orange"], "size": 8}, showlegend=first),
            row=row, col=col)  # fmt: skip
        fig.add_trace(
            go.Scatter(x=[x_step[0], x_step[-1]], y=[part["target"].iloc[-1]] * 2, mode="lines",
                       name=t("plan.legend.target", lang),
                       line={"color": OKABE_ITO["green"], "dash": "dash"}, showlegend=first),
            row=row, col=col)  # fmt: skip
        fig.update_yaxes(title_text=t(AXIS_UNIT[item.name], lang), rangemode="tozero",
                         row=row, col=col)  # fmt: skip
    mid = [pd.Timestamp(w.monday) + pd.Timedelta(days=3.5) for w in plan.weeks]
    pain = [w.pain for w in plan.weeks]
    acwr = [w.acwr for w in plan.weeks]
    words = PANEL_WORDS[lang]
    days = [words["days"].format(n=w.recorded) for w in plan.weeks]  # missing days, in sight
    bars = go.Bar(x=mid, y=pain, name=words["pain"], opacity=0.6, text=days,
                  textposition="inside", insidetextanchor="start",
                  marker_color=OKABE_ITO["vermillion"])  # fmt: skip
    fig.add_trace(bars, row=4, col=1)
    fig.add_trace(go.Scatter(x=mid, y=acwr, name=words["acwr"],
                             mode="lines+markers", line={"color": OKABE_ITO["black"]}),
                  row=4, col=1, secondary_y=True)  # fmt: skip
    fig.update_yaxes(title_text=t("axis.pain", lang), range=[0, 14], tickvals=[0, 2, 4, 6, 8, 10],
                     row=4, col=1, secondary_y=False)  # fmt: skip
    fig.update_yaxes(title_text=t("axis.ratio", lang), range=[0, 2.8], dtick=0.5, showgrid=False,
                     row=4, col=1, secondary_y=True)  # fmt: skip
    for x, w in zip(mid, plan.weeks, strict=True):  # how each week's step was set
        fig.add_annotation(x=x, y=12.2, text=decision_text(w, lang), textangle=-35,
                           showarrow=False, font={"size": 10}, row=4, col=1)  # fmt: skip
    for k in range(1, 8):  # the baseline weeks, shaded in every panel
        measuring = [w.monday for w in plan.weeks if w.measuring]
        if measuring and k <= 6:
            fig.add_vrect(x0=measuring[0], x1=measuring[-1] + dt.timedelta(days=7), line_width=0,
                          fillcolor=OKABE_ITO["grey"], opacity=0.15, row=(k - 1) // 2 + 1,
                          col=(k - 1) % 2 + 1)  # fmt: skip
    fig.update_layout(
        height=1100, width=1000, template="plotly_white", title=TITLE[lang],
        legend={"orientation": "h", "y": -0.05}, font={"size": 12},
    )  # fmt: skip
    return fig


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=22)
    p.add_argument("--pace", default="steady", choices=("gentle", "steady", "brisk"))
    p.add_argument("--runs", type=int, default=50, help="build_plan timings (default 50)")
    p.add_argument("--png", type=Path, help="also draw the weeks into this PNG")
    p.add_argument("--lang", default="en", choices=("en", "nl"))
    args = p.parse_args()
    rules = RuleThresholds()
    with tempfile.TemporaryDirectory(prefix="backcoach-plan-") as tmp:
        store = SQLiteStore(Path(tmp) / "store.sqlite", tz_name="UTC")
        try:
            t0 = time.perf_counter()
            plan = plan_sim.simulate(store, FIRST, rules=rules, seed=args.seed, pace=args.pace)
            print(f"16 weeks lived into a SQLite store in {time.perf_counter() - t0:.2f} s "
                  f"(seed {args.seed}, pace {args.pace})\n")  # fmt: skip
            b = plan.baseline
            if b is not None:
                print(f"baseline {b.first} .. {b.last}: {b.days} recorded days\n")
            table(plan)
            print()
            cost(store, rules, args.runs)
        finally:
            store.close()
    if args.png:
        figure(plan, args.lang).write_image(str(args.png))
        print(f"\nwrote {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
