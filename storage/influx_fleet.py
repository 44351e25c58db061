"""Many wearers' days in a few requests: what the practice overview reads.

Why not one `InfluxStore` per wearer: the overview grades every wearer's week, and 200 wearers
times two queries (summaries, diary) is 400 round trips. InfluxQL takes several `;`-separated
statements in one request, each naming its own database in its FROM clause
(`"db"."rp"."summary"`), so one request reads a whole batch of wearers. InfluxDB 1.x checks
every statement's privileges before it runs any, so a database the reader may not read refuses
the whole batch (HTTP 403): that batch is then read wearer by wearer, and only the refused
wearer's row says so. Only daily summaries, diary entries and the wearer's plan (the status
row `plan`) are read: a few dozen points per wearer and week.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from backcoach.processing.types import DaySummary, DiaryEntry
from backcoach.storage import influx_schema as sch
from backcoach.storage.influx import clamp_ns
from backcoach.storage.influx_admin import ident
from backcoach.storage.influx_http import (
    AUTH,
    InfluxConnection,
    InfluxUnavailable,
    literal,
    split_bucket,
    where,
)

WEARERS_PER_REQUEST = 100  # 300 statements: a few hundred kB of answer at most
PLAN_KEY = "plan"  # the status row holding a wearer's plan (`backcoach.plans.STATUS_KEY`)


@dataclass(frozen=True)
class WearerDays:
    """One wearer's summaries and diary entries in a range of days, or why they were unreadable."""

    name: str
    summaries: list[DaySummary] = field(default_factory=list)
    diary: list[DiaryEntry] = field(default_factory=list)
    error: str | None = None
    plan: str = ""  # the wearer's plan settings as the store keeps them (JSON), '' without one


def _source(bucket: str, measurement: str) -> str:
    db, rp = split_bucket(bucket)
    return f"{ident(db)}.{ident(rp) if rp else ''}.{ident(measurement)}"


def read_days(
    conn: InfluxConnection,
    wearers: Sequence[tuple[str, str]],
    first_day: str,
    last_day: str,
    *,
    per_request: int = WEARERS_PER_REQUEST,
) -> list[WearerDays]:
    """Summaries and diary of first_day..last_day for each (wearer, bucket), in their order."""
    a = clamp_ns(sch.day_ns(first_day))
    b = clamp_ns(sch.day_ns(last_day) + 86400 * sch.NS)
    out: list[WearerDays] = []
    for i in range(0, len(wearers), per_request):
        batch = wearers[i : i + per_request]
        try:
            out += _read_batch(conn, batch, a, b)
        except InfluxUnavailable as exc:
            if exc.reason != AUTH:
                raise
            for one in batch:  # find the refused wearer(s); the others read as usual
                try:
                    out += _read_batch(conn, [one], a, b)
                except InfluxUnavailable as refused:
                    if refused.reason != AUTH:
                        raise
                    out.append(WearerDays(one[0], error=str(refused)))
    return out


def _read_batch(
    conn: InfluxConnection, batch: Sequence[tuple[str, str]], a: int, b: int
) -> list[WearerDays]:
    statements = []
    for name, bucket in batch:
        statements += [
            f"SELECT * FROM {_source(bucket, m)} WHERE {where(name, a, b)}"
            for m in (sch.SUMMARY, sch.DIARY)
        ]
        statements.append(
            f'SELECT LAST("value") AS "value" FROM {_source(bucket, sch.STATUS)} '
            f'WHERE "wearer" = {literal(name)} AND "key" = {literal(PLAN_KEY)}'
        )
    results = conn.statements(";".join(statements))
    return [
        _wearer(name, *(results.get(3 * k + i, {}) for i in range(3)))
        for k, (name, _bucket) in enumerate(batch)
    ]


def _wearer(
    name: str,
    summaries: dict[str, list[dict]] | InfluxUnavailable,
    diary: dict[str, list[dict]] | InfluxUnavailable,
    plan: dict[str, list[dict]] | InfluxUnavailable,
) -> WearerDays:
    if isinstance(summaries, InfluxUnavailable):
        return WearerDays(name, error=str(summaries))
    if isinstance(diary, InfluxUnavailable):
        return WearerDays(name, error=str(diary))
    days = [sch.row_to_summary(r) for r in summaries.get(sch.SUMMARY, [])]
    notes = [sch.row_to_diary(r) for r in diary.get(sch.DIARY, [])]
    rows = [] if isinstance(plan, InfluxUnavailable) else plan.get(sch.STATUS, [])
    return WearerDays(
        name,
        sch.dedupe(days, key=lambda s: s.day),
        sch.dedupe(notes, key=lambda d: d.day),
        plan=str(rows[0].get("value") or "") if rows else "",
    )
