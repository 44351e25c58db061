"""The plan shaped for the dashboard and the report: the card's rows and the weeks' figure.

Pure: a `processing.plan.Plan` in, a small table or a Plotly figure out; no Streamlit, no store.
The Today and Progress pages draw the card (`plan_card`), the Progress page and the weekly
report the figure, so they show one plan the same way.

Functions
    card_rows    this week's step per item: quota, final target, the week so far, days on it
    weeks_frame  one row per week and item: typical day, step, target, decision
    weeks_figure the plan's step line against the measured weeks, one panel per item
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backcoach.dashboard.charts import OKABE_ITO
from backcoach.dashboard.plan_text import display, item_label, value_text
from backcoach.i18n import plotly_separators, t
from backcoach.processing.plan import ITEMS, Plan, PlanWeek

#: Each item's axis unit key (the dashboard's `unit.*` words name them in the legend).
AXIS_UNIT = {
    "walking": "axis.minutes",
    "sitting": "axis.minutes",
    "breaks": "axis.per_hour",
    "legs": "plan.axis.percent",
    "over60": "plan.axis.percent",
    "sleep": "axis.hours",
}
FIGURE_HEIGHT_PX = 560


def card_rows(week: PlanWeek, lang: str) -> pd.DataFrame:
    """The plan card's table: one row per item, every column in the page's language."""
    rows = []
    for i in week.items:
        days = f"{i.met}/{i.days}" if i.quota is not None and i.days else "–"
        rows.append(
            {
                "item": item_label(i.key, lang),
                "step": value_text(i.key, i.quota, lang),
                "target": value_text(i.key, i.target, lang),
                "so_far": value_text(i.key, i.figure, lang, figure=True),
                "days": days,
            }
        )
    frame = pd.DataFrame(rows, columns=["item", "step", "target", "so_far", "days"])
    frame.columns = [t(f"plan.col.{c}", lang) for c in frame.columns]
    return frame


def weeks_frame(plan: Plan) -> pd.DataFrame:
    """Per week and item: the typical day, the step and the target, in display units."""
    rows = []
    for w in plan.weeks:
        for i in w.items:
            rows.append(
                {
                    "monday": pd.Timestamp(w.monday),
                    "week": w.week,
                    "item": i.name,
                    "key": i.key,
                    "figure": np.nan if i.figure is None else display(i.key, i.figure, figure=True),
                    "step": np.nan if i.quota is None else display(i.key, i.quota),
                    "target": display(i.key, i.target),
                    "decision": w.decision,
                    "measuring": w.measuring,
                }
            )
    return pd.DataFrame(rows)


def weeks_figure(plan: Plan, lang: str, *, height: int = FIGURE_HEIGHT_PX) -> go.Figure:
    """One panel per item: the typical day of each week (dots), the plan's step (a stepped
    line, one week wide), the final target (dashed); the baseline weeks shaded."""
    frame = weeks_frame(plan)
    names = [i.name for i in ITEMS]
    fig = make_subplots(
        rows=3,
        cols=2,
        subplot_titles=[item_label(i.key, lang) for i in ITEMS],
        vertical_spacing=0.12,
        horizontal_spacing=0.1,
    )
    measuring = [w.monday for w in plan.weeks if w.measuring]
    for k, name in enumerate(names):
        row, col = k // 2 + 1, k % 2 + 1
        part = frame[frame["item"] == name]
        if part.empty:
            continue
        # The step holds for its whole week: draw it from Monday to the next Monday.
        x_step = list(part["monday"]) + [part["monday"].iloc[-1] + pd.Timedelta(days=7)]
        y_step = list(part["step"]) + [part["step"].iloc[-1]]
        legend = k == 0
        fig.add_trace(
            go.Scatter(
                x=x_step,
                y=y_step,
                mode="lines",
                line={"shape": "hv", "color": OKABE_ITO["blue"], "width": 3},
                name=t("plan.legend.step", lang),
                showlegend=legend,
                legendgroup="step",
                hovertemplate="%{y:g}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=part["monday"] + pd.Timedelta(days=3.5),
                y=part["figure"],
                mode="markers",
                marker={"color": OKABE_ITO["orange"], "size": 8, "symbol": "circle"},
                name=t("plan.legend.measured", lang),
                showlegend=legend,
                legendgroup="measured",
                customdata=[t(f"plan.decision.{d}", lang) for d in part["decision"]],
                hovertemplate="%{y:g} · %{customdata}<extra></extra>",
            ),
            row=row,
            col=col,
        )
        fig.add_trace(
            go.Scatter(
                x=[x_step[0], x_step[-1]],
                y=[part["target"].iloc[-1]] * 2,
                mode="lines",
                line={"color": OKABE_ITO["green"], "dash": "dash"},
                name=t("plan.legend.target", lang),
                showlegend=legend,
                legendgroup="target",
                hoverinfo="skip",
            ),
            row=row,
            col=col,
        )
        if measuring:
            fig.add_vrect(
                x0=measuring[0],
                x1=measuring[-1] + dt.timedelta(days=7),
                fillcolor=OKABE_ITO["grey"],
                opacity=0.15,
                line_width=0,
                row=row,
                col=col,
            )
        fig.update_yaxes(title_text=t(AXIS_UNIT[name], lang), rangemode="tozero", row=row, col=col)
    fig.update_layout(
        separators=plotly_separators(lang),
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.06, "x": 0},
        template="plotly_white",
        font={"size": 12},
    )
    return fig
