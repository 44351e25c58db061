"""The plan on the Settings page: set it, import a plan file, export it, clear it.

Why the practice gets the same form but no save: a physiotherapist may choose a wearer's
start, pace and targets, but the practice reads wearers' data and never writes it (its account
cannot, docs/practice.md). So in practice mode the form makes the plan file to hand over, and the
wearer imports it on their own machine (here, or `backcoach plan import`).
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from backcoach import plans
from backcoach.dashboard import common, plan_text
from backcoach.errors import BackcoachError
from backcoach.i18n import dates
from backcoach.processing.plan import (
    ITEMS,
    PACES,
    PlanPhase,
    PlanSettings,
    final_targets,
    iso_week,
)

FILE_KEY = "plan_file_made"  # the plan file the practice's form made (session)


def _current(ctx: common.Ctx) -> PlanSettings | None:
    try:
        return plans.load(ctx.store)
    except BackcoachError as exc:
        st.warning(f"backcoach: {exc}")
        return None


def _target_inputs(ctx: common.Ctx, current: PlanSettings | None) -> dict[str, float]:
    """One input per item, in the units the card shows (percent for shares); returns the
    targets that differ from the guidance (the rest is the guidance itself)."""
    rules = ctx.settings.rules
    today = dt.date.fromisoformat(ctx.today())
    now = final_targets(current.phase_at(today) if current else PlanPhase(today), rules)
    out: dict[str, float] = {}
    cols = st.columns(3)
    for k, item in enumerate(ITEMS):
        scale = plan_text.DISPLAY[item.name][0]
        guidance = float(getattr(rules, item.key))
        label = ctx.t(
            "plan.form.target_label",
            item=plan_text.item_label(item.key, ctx.lang),
            guidance=plan_text.value_text(item.key, guidance, ctx.lang),
        )
        shown = cols[k % 3].number_input(
            label,
            min_value=0.0,
            value=float(round(now[item.key] * scale, 3)),
            key=f"plan-target-{item.key}",
        )
        if abs(shown / scale - guidance) > 1e-9:
            out[item.key] = shown / scale
    return out


def _describe(ctx: common.Ctx, ps: PlanSettings) -> None:
    phase = ps.phases[-1]
    st.caption(
        ctx.t(
            "plan.form.current",
            start=dates.short(ps.start.isoformat(), ctx.lang),
            weeks=ps.baseline_weeks,
            pace=ctx.t(f"plan.pace.{phase.pace}"),
            since=iso_week(phase.since),
        )
    )


def section(ctx: common.Ctx) -> None:
    """The plan's part of the Settings page."""
    st.subheader(ctx.t("plan.form.title"))
    st.caption(ctx.t("plan.form.intro" if not ctx.read_only else "plan.form.intro_practice"))
    current = _current(ctx)
    if current is not None:
        _describe(ctx, current)
    today = dt.date.fromisoformat(ctx.today())
    with st.form("plan-form"):
        left, mid, right = st.columns(3)
        start = left.date_input(
            ctx.t("plan.form.start"),
            value=current.start if current else plans.default_start(today),
            format=dates.input_format(ctx.lang),
            key="plan-start",
        )
        weeks = mid.radio(
            ctx.t("plan.form.baseline_weeks"),
            (1, 2),
            index=(current.baseline_weeks if current else 2) - 1,
            horizontal=True,
            key="plan-weeks",
        )
        pace_now = current.phase_at(today).pace if current else "steady"
        pace = right.selectbox(
            ctx.t("plan.form.pace"),
            PACES,
            index=PACES.index(pace_now),
            format_func=lambda p: ctx.t(f"plan.pace.{p}"),
            key="plan-pace",
        )
        st.caption(ctx.t("plan.form.targets"))
        targets = _target_inputs(ctx, current)
        label = "plan.form.make_file" if ctx.read_only else "plan.form.save"
        if st.form_submit_button(ctx.t(label)):
            _submit(ctx, current, today, start, int(weeks), pace, targets)
    _files(ctx, current)


def _submit(
    ctx: common.Ctx,
    current: PlanSettings | None,
    today: dt.date,
    start: dt.date,
    weeks: int,
    pace: str,
    targets: dict[str, float],
) -> None:
    """Save the plan (a new one when start or baseline changed), or in a practice make its file."""
    renewed = current is None or start != current.start or weeks != current.baseline_weeks
    try:
        ps = plans.change(
            current,
            today,
            start=start if renewed else None,
            baseline_weeks=weeks if renewed else None,
            pace=pace,
            targets=targets,
            all_targets=True,
        )
        plans.check_against(ps, ctx.settings.rules)
    except BackcoachError as exc:
        st.error(ctx.t("settings.invalid", error=str(exc)))
        return
    if ctx.read_only:
        st.session_state[FILE_KEY] = plans.to_toml(ps)
        st.success(ctx.t("plan.form.file_made"))
        return
    plans.save(ctx.store, ps)
    common.invalidate()
    st.success(ctx.t("plan.form.saved"))


def _files(ctx: common.Ctx, current: PlanSettings | None) -> None:
    """Export (or, in a practice, the file the form made), import, clear."""
    whose = f"{ctx.settings.wearer}-" if ctx.read_only else ""
    made = st.session_state.get(FILE_KEY) if ctx.read_only else None
    text = made or (plans.to_toml(current) if current else None)
    if text:
        st.download_button(
            ctx.t("plan.form.export"),
            data=text.encode("utf-8"),
            file_name=f"backcoach-plan-{whose}{ctx.today()}.toml",
            mime="application/toml",
            key="plan-export",
        )
    if ctx.read_only:
        return
    upload = st.file_uploader(ctx.t("plan.form.import"), type=["toml"], key="plan-import")
    if upload is not None and st.button(ctx.t("plan.form.import_button"), key="plan-import-go"):
        try:
            today = dt.date.fromisoformat(ctx.today())
            ps = plans.from_toml(upload.getvalue().decode("utf-8"), upload.name, today=today)
            plans.check_against(ps, ctx.settings.rules)
        except (BackcoachError, UnicodeDecodeError) as exc:
            st.error(ctx.t("settings.invalid", error=str(exc)))
            return
        plans.save(ctx.store, ps)
        common.invalidate()
        st.success(ctx.t("plan.form.saved"))
    if current is not None and st.button(ctx.t("plan.form.clear"), key="plan-clear"):
        plans.clear(ctx.store)
        common.invalidate()
        st.success(ctx.t("plan.form.cleared"))
