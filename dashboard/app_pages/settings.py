"""Settings & data: sensor, calibration, rule thresholds, warnings, language; export and delete."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

import streamlit as st

from backcoach.config import LANGUAGES
from backcoach.dashboard import common, export, plan_form, views
from backcoach.dashboard.settings_file import save_settings
from backcoach.errors import BackcoachError
from backcoach.i18n import LANG_NAMES, dates
from backcoach.processing.days import day_bounds
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import PLACEMENTS
from backcoach.storage.references import read_references

#: The guidance rule each threshold belongs to, shown before its name.
FIELD_RULE = {
    "sitting": "G1",
    "breaks": "G1",
    "break": "G1",
    "static": "G2",
    "leg": "G3",
    "back": "G3",
    "warn": "G3",
    "deep": "G4",
    "flexion": "G4",
    "over60": "G4",
    "inactive": "G5",
    "active": "G5",
    "walking": "G6",
    "acwr": "G7",
    "sleep": "G9",
    "slumped": "G10",
}
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def rule_inputs(rules: RuleThresholds, ctx: common.Ctx) -> dict[str, Any]:
    """One input per threshold, typed like its default; returns {'rules.name': value}."""
    out: dict[str, Any] = {}
    cols = st.columns(2)
    for i, f in enumerate(fields(RuleThresholds)):
        value = getattr(rules, f.name)
        col = cols[i % 2]
        rule = FIELD_RULE.get(f.name.split("_")[0], "")
        label = f"{rule} · {ctx.t(f'rule.{f.name}')}".lstrip(" ·")
        if isinstance(value, bool):
            out[f"rules.{f.name}"] = col.checkbox(label, value, key=f"rule-{f.name}")
        elif isinstance(value, int):
            out[f"rules.{f.name}"] = int(
                col.number_input(label, min_value=0, value=value, step=1, key=f"rule-{f.name}")
            )
        else:
            out[f"rules.{f.name}"] = float(
                col.number_input(label, min_value=0.0, value=float(value), key=f"rule-{f.name}")
            )
    return out


def settings_form(ctx: common.Ctx) -> None:
    s = ctx.settings
    with st.form("settings-form"):
        st.subheader(ctx.t("settings.sensor"))
        updates: dict[str, Any] = {
            "sensor.name": st.text_input(ctx.t("settings.sensor_name"), s.sensor.name).strip(),
            "sensor.placement": st.selectbox(
                ctx.t("settings.placement"),
                PLACEMENTS,
                PLACEMENTS.index(s.sensor.placement),
                format_func=lambda p: ctx.t(f"placement.{p}"),  # "Lower back", not lower_back
            ),
            "language": st.selectbox(
                ctx.t("app.language"),
                LANGUAGES,
                LANGUAGES.index(s.language),
                format_func=lambda x: LANG_NAMES.get(x, x),
            ),
        }
        st.subheader(ctx.t("settings.warnings"))
        w = s.warnings
        updates["warnings.enabled"] = st.checkbox(ctx.t("settings.warnings_enabled"), w.enabled)
        updates["warnings.cooldown_min"] = float(
            st.number_input(ctx.t("settings.cooldown"), 0.0, 1440.0, float(w.cooldown_min))
        )
        updates["warnings.quiet_start"] = st.text_input(
            ctx.t("settings.quiet_start"), w.quiet_start
        )
        updates["warnings.quiet_end"] = st.text_input(ctx.t("settings.quiet_end"), w.quiet_end)
        updates["warnings.desktop"] = st.checkbox(ctx.t("settings.desktop"), w.desktop)
        updates["warnings.sensor_buzz"] = st.checkbox(ctx.t("settings.buzz"), w.sensor_buzz)
        channels = s.redacted()["warnings"]["notify_urls"]
        st.caption(
            ctx.t(
                "settings.channels",
                channels=", ".join(channels) or ctx.t("settings.no_channels"),
            )
        )
        with st.expander(ctx.t("settings.rules")):
            updates.update(rule_inputs(s.rules, ctx))
        if st.form_submit_button(ctx.t("settings.save")):
            save(ctx, updates)


def save(ctx: common.Ctx, updates: dict[str, Any]) -> None:
    for key in ("warnings.quiet_start", "warnings.quiet_end"):
        updates[key] = updates[key].strip()
        if not HHMM.match(updates[key]):
            st.error(ctx.t("settings.invalid", error=f"{key} = {updates[key]!r}, use HH:MM"))
            return
    current = asdict(ctx.settings)
    changed = {}
    for key, value in updates.items():
        section, _, name = key.rpartition(".")
        old = current[section][name] if section else current[name]
        if value != old:
            changed[key] = value
    try:
        saved = save_settings(ctx.settings.config_file, changed)
    except BackcoachError as exc:
        st.error(ctx.t("settings.invalid", error=str(exc)))
        return
    if "language" in changed and saved.language != "auto":
        st.session_state["lang"] = saved.language
    common.invalidate()
    st.success(ctx.t("settings.saved", file=ctx.settings.config_file.rsplit("/", 1)[-1]))


def calibration(ctx: common.Ctx) -> None:
    """Each sensor's kept up and forward (from walking or `backcoach calibrate`)."""
    st.subheader(ctx.t("settings.calibration"))
    table = views.references_table(read_references(ctx.store), ctx.tz)
    if table.empty:
        st.caption(ctx.t("settings.not_calibrated"))
        return
    table["sensor"] = table["sensor"].replace("", ctx.t("ref.any_sensor"))
    table["found_from"] = [ctx.t(f"ref.{o}") for o in table["found_from"]]
    table.columns = [ctx.t(f"col.{c}") for c in table.columns]
    st.caption(ctx.t("settings.references"))
    st.dataframe(table, hide_index=True)


def export_zip(ctx: common.Ctx, fmt: str) -> bytes:
    """The export zip, built on disk month by month when the download is asked for."""
    with tempfile.TemporaryDirectory(prefix="backcoach-export-") as tmp:
        path = Path(tmp) / f"export.{fmt}.zip"
        export.write_export(ctx.store, path, fmt=fmt)
        return path.read_bytes()


def export_section(ctx: common.Ctx) -> None:
    st.subheader(ctx.t("settings.export"))
    first, last = ctx.first_day(), ctx.last_day()
    if first:
        shown = {"first": dates.short(first, ctx.lang), "last": dates.short(last, ctx.lang)}
        st.caption(ctx.t("settings.data_range", **shown))
    stamp = ctx.settings.today().isoformat()
    whose = f"{ctx.settings.wearer}-" if ctx.read_only else ""  # a practice keeps many wearers'
    c1, c2 = st.columns(2)
    c1.download_button(
        ctx.t("settings.export_csv"),
        data=lambda: export_zip(ctx, "csv"),
        file_name=f"backcoach-{whose}{stamp}-csv.zip",
        mime="application/zip",
        on_click="ignore",
    )
    c2.download_button(
        ctx.t("settings.export_parquet"),
        data=lambda: export_zip(ctx, "parquet"),
        file_name=f"backcoach-{whose}{stamp}-parquet.zip",
        mime="application/zip",
        on_click="ignore",
    )


def delete(ctx: common.Ctx) -> None:
    st.subheader(ctx.t("settings.delete"))
    last = ctx.last_day()
    if last is None:
        ctx.empty_state()
        return
    last_d = dt.date.fromisoformat(last)
    picked = st.date_input(
        ctx.t("settings.delete_range"),
        value=(last_d, last_d),
        format=dates.input_format(ctx.lang),
        key="del_range",
    )
    sure = st.checkbox(ctx.t("settings.delete_confirm"), key="del_confirm")
    if st.button(ctx.t("settings.delete_button"), disabled=not sure, type="primary", key="del_go"):
        if len(picked) != 2:
            return
        start_s = day_bounds(picked[0], ctx.tz_name)[0]
        end_s = day_bounds(picked[1], ctx.tz_name)[1]
        n = ctx.store.delete_range(start_s, end_s)
        common.invalidate()
        st.session_state.pop("del_confirm", None)
        st.success(ctx.t("settings.deleted", n=n))


def main() -> None:
    ctx = common.Ctx()
    st.title(ctx.t("settings.title"))
    if ctx.read_only:  # the practice sees the wearer's calibration and may export, no more
        st.caption(ctx.t("practice.read_only"))
    else:
        settings_form(ctx)
    plan_form.section(ctx)
    calibration(ctx)
    export_section(ctx)
    if not ctx.read_only:
        delete(ctx)
    common.disclaimer()


main()
