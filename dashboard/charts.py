"""Plotly figures for the dashboard: colour-blind-safe colours, units on every axis, phone-sized.

Why Okabe-Ito: its eight colours stay distinct for the common colour-vision deficiencies, and
markers also differ in shape, so nothing depends on colour alone. Figures take the frames made
by `views` and a language; they never touch the store.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from backcoach.i18n import plotly_separators, t
from backcoach.processing.types import POSTURES

#: Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}
POSTURE_COLOURS = {
    "lying": OKABE_ITO["sky"],
    "sitting": OKABE_ITO["orange"],
    "standing": OKABE_ITO["green"],
    "walking": OKABE_ITO["blue"],
    "running": OKABE_ITO["purple"],
    "other": OKABE_ITO["grey"],
}
MARKS = {  # kind -> (colour, symbol, legend key)
    "bend": (OKABE_ITO["black"], "triangle-down", "legend.bend"),
    "lift_back": (OKABE_ITO["vermillion"], "x", "legend.lift_back"),
    "lift_legs": (OKABE_ITO["blue"], "circle", "legend.lift_legs"),
}
#: Trunk bands of G4 with their shading: 20-45°, 45-60°, over 60°.
TRUNK_BANDS = ((20.0, 45.0, OKABE_ITO["yellow"]), (45.0, 60.0, OKABE_ITO["orange"]))
HEIGHT_PX = 300
#: Time ticks that read on any span: seconds once ticks are less than a minute apart (a short
#: day, the live 10 minutes), else hours and minutes; Plotly picks by the tick spacing (ms).
TIME_TICKS = (
    {"dtickrange": [None, 60_000], "value": "%H:%M:%S"},
    {"dtickrange": [60_000, None], "value": "%H:%M"},
)


def _local(t_s: np.ndarray | pd.Series, tz: dt.tzinfo) -> pd.DatetimeIndex:
    """Wall-clock times in the wearer's zone, without the zone attached.

    Plotly serialises naive datetime64 arrays as a block but zone-aware ones value by value,
    which made a day's trunk-angle chart several times slower to build.
    """
    utc = pd.to_datetime(np.asarray(t_s, dtype=np.float64), unit="s", utc=True)
    return utc.tz_convert(tz).tz_localize(None)


def _layout(fig: go.Figure, lang: str, height: int = HEIGHT_PX) -> go.Figure:
    fig.update_layout(
        separators=plotly_separators(lang),
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
        template="plotly_white",
        font={"size": 13},
    )
    # A right-hand axis gets its own round ticks: synced to the left grid they read 39.8/79.7,
    # and the sync stretched its range so that a highest point fell outside the plot.
    for axis in fig.select_yaxes(lambda ax: bool(ax.overlaying)):
        axis.update(tickmode="auto", showgrid=False)
    return fig


FILLED = {  # kind -> (colour, bar pattern, row label key): where a stretch's samples came from
    "memory": (OKABE_ITO["grey"], "/", "timeline.memory"),
    "imported": (OKABE_ITO["grey"], ".", "timeline.imported"),
}


def posture_timeline(
    segments: pd.DataFrame,
    marks: pd.DataFrame,
    lang: str,
    tz: dt.tzinfo,
    filled: pd.DataFrame | None = None,
) -> go.Figure:
    """Postures as coloured bars along the day, bends and lifts as marks on their own rows;
    `filled` stretches (from the sensor's memory, imported) as hatched bars on a row of their
    own, so the day says which of its time was read back afterwards."""
    fig = go.Figure()
    filled_rows = []
    for kind, (colour, pattern, key) in FILLED.items():
        sel = filled[filled["kind"] == kind] if filled is not None and len(filled) else None
        if sel is None or sel.empty:
            continue
        label = t(key, lang)
        filled_rows.append(label)
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[label] * len(sel),
                base=_local(sel["start_s"], tz),
                x=(sel["end_s"] - sel["start_s"]).to_numpy() * 1000.0,
                marker={
                    "color": "white",
                    "line": {"color": colour, "width": 1},
                    "pattern": {"shape": pattern, "fgcolor": colour},
                },
                name=label,
                hovertemplate="%{base|%H:%M}<extra>" + label + "</extra>",
            )
        )
    rows = [t(f"posture.{p}", lang) for p in POSTURES]
    for p in POSTURES:
        seg = segments[segments["posture"] == p]
        if seg.empty:
            continue
        start = _local(seg["start_s"], tz)
        fig.add_trace(
            go.Bar(
                orientation="h",
                y=[t(f"posture.{p}", lang)] * len(seg),
                base=start,
                x=(seg["end_s"] - seg["start_s"]).to_numpy() * 1000.0,  # ms on a date axis
                marker_color=POSTURE_COLOURS[p],
                name=t(f"posture.{p}", lang),
                hovertemplate="%{base|%H:%M}<extra>%{y}</extra>",
            )
        )
    for kind, (colour, symbol, key) in MARKS.items():
        sel = marks[marks["kind"] == kind] if not marks.empty else marks
        if sel.empty:
            continue
        label = t(key, lang)
        fig.add_trace(
            go.Scatter(
                x=_local(sel["t_s"], tz),
                y=[label] * len(sel),
                mode="markers",
                marker={"color": colour, "symbol": symbol, "size": 9},
                name=label,
                hovertemplate="%{x|%H:%M} %{customdata:.0f}°<extra>" + label + "</extra>",
                customdata=sel["peak_deg"],
            )
        )
    order = [t(k, lang) for *_, k in MARKS.values()][::-1] + rows[::-1] + filled_rows[::-1]
    fig.update_yaxes(categoryorder="array", categoryarray=order)
    fig.update_xaxes(
        type="date", title_text=t("axis.time_of_day", lang), tickformatstops=list(TIME_TICKS)
    )
    fig.update_layout(barmode="overlay", showlegend=False)
    return _layout(fig, lang, 340)


def trunk_angle(
    series: pd.DataFrame, marks: pd.DataFrame, lang: str, tz: dt.tzinfo, *, seconds: bool = False
) -> go.Figure:
    """Trunk inclination over the day with the 20/45/60° bands shaded and bends/lifts marked.

    `seconds`: a short span at full epoch resolution (the live 10 minutes): times to the second.
    """
    clock = "%H:%M:%S" if seconds else "%H:%M"
    fig = go.Figure()
    for lo, hi, colour in TRUNK_BANDS:
        fig.add_hrect(y0=lo, y1=hi, fillcolor=colour, opacity=0.18, line_width=0)
    fig.add_hrect(y0=60, y1=120, fillcolor=OKABE_ITO["vermillion"], opacity=0.15, line_width=0)
    x = _local(series["t_s"], tz)
    fig.add_trace(
        go.Scattergl(
            x=x,
            y=series["mean_deg"],
            mode="lines",
            line={"color": OKABE_ITO["blue"], "width": 1},
            name=t("axis.trunk_deg", lang),
            hovertemplate="%{x|" + clock + "} %{y:.0f}°<extra></extra>",
        )
    )
    for kind, (colour, symbol, key) in MARKS.items():
        sel = marks[marks["kind"] == kind] if not marks.empty else marks
        if sel.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=_local(sel["t_s"], tz),
                y=sel["peak_deg"],
                mode="markers",
                marker={"color": colour, "symbol": symbol, "size": 8},
                name=t(key, lang),
            )
        )
    top = max(90.0, float(np.nanmax(series["max_deg"])) if len(series) else 90.0)
    fig.update_yaxes(title_text=t("axis.trunk_deg", lang), range=[-40, min(top + 5, 120)])
    fig.update_xaxes(title_text=t("axis.time_of_day", lang), tickformatstops=list(TIME_TICKS))
    return _layout(fig, lang)


def sitting_bouts(bouts: pd.DataFrame, limit_min: float, lang: str, tz: dt.tzinfo) -> go.Figure:
    """One bar per sitting bout spanning its time; bouts over the G1 limit in vermillion."""
    fig = go.Figure()
    for over, colour, key in (
        (False, OKABE_ITO["sky"], "legend.ok_bout"),
        (True, OKABE_ITO["vermillion"], "legend.long_bout"),
    ):
        sel = bouts[bouts["over_limit"] == over]
        if sel.empty:
            continue
        duration_ms = (sel["end_s"] - sel["start_s"]).to_numpy() * 1000.0
        fig.add_trace(
            go.Bar(
                x=_local((sel["start_s"] + sel["end_s"]) / 2.0, tz),
                y=sel["minutes"],
                width=duration_ms,  # a bar as wide as the bout on the time axis
                marker_color=colour,
                marker_line_width=0,
                name=t(key, lang),
                customdata=_local(sel["start_s"], tz).strftime("%H:%M"),
                hovertemplate="%{customdata} %{y:.0f} min<extra></extra>",
            )
        )
    fig.add_hline(y=limit_min, line_dash="dash", line_color=OKABE_ITO["black"])
    fig.update_yaxes(title_text=t("axis.bout_min", lang))
    fig.update_xaxes(title_text=t("axis.time_of_day", lang), tickformatstops=list(TIME_TICKS))
    return _layout(fig, lang)


def _days(frame: pd.DataFrame) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(frame.index)


def _day_axis(fig: go.Figure, frame: pd.DataFrame, lang: str, **where: int) -> None:
    """The whole chosen window on the x axis (half a day of margin), so all charts line up."""
    days = _days(frame)
    if len(days):
        half = pd.Timedelta(hours=12)
        fig.update_xaxes(range=[days[0] - half, days[-1] + half], **where)
    fig.update_xaxes(title_text=t("axis.day", lang), **where)


def dual_lines(
    frame: pd.DataFrame,
    left: tuple[str, str, str],
    right: tuple[str, str, str] | None,
    lang: str,
    bars_left: bool = False,
) -> go.Figure:
    """Daily figures: `left` (column, legend key, axis key) and an optional right-axis series."""
    fig = make_subplots(specs=[[{"secondary_y": right is not None}]])
    col, legend, axis = left
    trace = go.Bar if bars_left else go.Scatter
    kwargs = {} if bars_left else {"mode": "lines+markers"}
    fig.add_trace(
        trace(
            x=_days(frame),
            y=frame[col],
            name=t(legend, lang),
            marker_color=OKABE_ITO["blue"],
            **kwargs,
        ),
        secondary_y=False,
    )
    fig.update_yaxes(title_text=t(axis, lang), secondary_y=False, rangemode="tozero")
    if right is not None:
        col, legend, axis = right
        fig.add_trace(
            go.Scatter(
                x=_days(frame),
                y=frame[col],
                name=t(legend, lang),
                mode="lines+markers",
                line={"color": OKABE_ITO["orange"], "dash": "dot"},
                marker={"symbol": "diamond"},
            ),
            secondary_y=True,
        )
        fig.update_yaxes(title_text=t(axis, lang), secondary_y=True, rangemode="tozero")
        if col == "steps":  # 15,000 (15.000 in Dutch), not 15k
            fig.update_yaxes(tickformat=",d", secondary_y=True)
    _day_axis(fig, frame, lang)
    return _layout(fig, lang)


def lifts(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Back-lifts and leg-lifts per day, stacked."""
    fig = go.Figure()
    for col, key, colour in (
        ("leg_lifts", "legend.lift_legs", OKABE_ITO["blue"]),
        ("back_lifts", "legend.lift_back", OKABE_ITO["vermillion"]),
    ):
        fig.add_trace(go.Bar(x=_days(frame), y=frame[col], name=t(key, lang), marker_color=colour))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("axis.count", lang))
    _day_axis(fig, frame, lang)
    return _layout(fig, lang)


def bending_bands(frame: pd.DataFrame, lang: str) -> go.Figure:
    """Upright minutes per day in the G4 trunk bands 20-45°, 45-60° and over 60°, stacked."""
    fig = go.Figure()
    for col, key, colour in (
        ("band_20_45_min", "legend.band_20_45", TRUNK_BANDS[0][2]),
        ("band_45_60_min", "legend.band_45_60", TRUNK_BANDS[1][2]),
        ("over60_min", "legend.band_over60", OKABE_ITO["vermillion"]),
    ):
        fig.add_trace(go.Bar(x=_days(frame), y=frame[col], name=t(key, lang), marker_color=colour))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(title_text=t("axis.minutes", lang), rangemode="tozero")
    _day_axis(fig, frame, lang)
    return _layout(fig, lang)


def load_acwr(frame: pd.DataFrame, lang: str, low: float, high: float, spike: float) -> go.Figure:
    """Daily back load with pain overlaid (top) and the acute:chronic ratio in its bands (below)."""
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        specs=[[{"secondary_y": True}], [{}]],
    )
    x = _days(frame)
    fig.add_trace(
        go.Bar(x=x, y=frame["load"], name=t("legend.load", lang), marker_color=OKABE_ITO["sky"]),
        row=1,
        col=1,
    )
    has_pain = bool(pd.to_numeric(frame["pain"], errors="coerce").notna().any())
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame["pain"],
            name=t("legend.pain", lang),
            mode="lines+markers",
            line={"color": OKABE_ITO["purple"]},
            marker={"symbol": "square"},
            connectgaps=False,
            visible=has_pain,  # no pain entered: no pain line, legend entry or axis
            showlegend=has_pain,
        ),
        row=1,
        col=1,
        secondary_y=True,
    )
    fig.add_trace(
        go.Scatter(
            x=x,
            y=frame["acwr"],
            name=t("legend.acwr", lang),
            mode="lines+markers",
            line={"color": OKABE_ITO["black"]},
        ),
        row=2,
        col=1,
    )
    # After the trace: Plotly leaves shapes off a subplot that has no trace yet.
    fig.add_hrect(
        y0=low, y1=high, fillcolor=OKABE_ITO["green"], opacity=0.18, line_width=0, row=2, col=1
    )
    fig.add_hline(y=spike, line_dash="dash", line_color=OKABE_ITO["vermillion"], row=2, col=1)
    fig.update_yaxes(title_text=t("axis.load", lang), row=1, col=1, secondary_y=False)
    fig.update_yaxes(
        title_text=t("axis.pain", lang),
        range=[0, 10],
        visible=has_pain,
        row=1,
        col=1,
        secondary_y=True,
    )
    ratios = pd.to_numeric(frame["acwr"], errors="coerce").to_numpy(dtype=float)
    top = float(np.nanmax(ratios)) if np.isfinite(ratios).any() else 0.0
    # Always show the steady band and the spike line, however calm (or empty) the window.
    fig.update_yaxes(
        title_text=t("axis.ratio", lang), range=[0, max(spike * 1.15, top * 1.1)], row=2, col=1
    )
    _day_axis(fig, frame, lang, row=1, col=1)
    _day_axis(fig, frame, lang, row=2, col=1)
    fig.update_xaxes(title_text=None, row=1, col=1)
    return _layout(fig, lang, 460)


def sparkline(values: tuple[float | None, ...], colour: str = OKABE_ITO["blue"]) -> go.Figure:
    """A tiny 7-day trend for a guidance card (no axes; hover shows the figures)."""
    y = [np.nan if v is None else v for v in values]
    fig = go.Figure(
        go.Scatter(
            x=list(range(-len(y) + 1, 1)),
            y=y,
            mode="lines+markers",
            line={"color": colour},
            hovertemplate="%{y:.1f}<extra></extra>",
        )
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(
        height=70,
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        showlegend=False,
        template="plotly_white",
    )
    return fig
