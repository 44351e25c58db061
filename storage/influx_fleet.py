"""Many wearers' days in a few requests: what the practice overview reads.

Why not one `InfluxStore` per wearer: the overview grades every wearer's week, and 200 wearers
times two queries (summaries, diary) is 400 round trips. InfluxQL takes several `;`-separated
statements in one request, each naming its own database in its FROM clause
(`"db"."rp"."summary"`), so one request reads a whole batch of wearers. InfluxDB 1.x checks
every statement's privileges before it runs any, so a database the reader may not read refuses
the whole batch (HTTP 403): that batch is then read wearer by wearer, and only the refused
wearer's row says so. Only daily summaries and diary entries are read: a few dozen points per
wearer and week; `read_fleet` first reads each wearer's plan row (`read_plans`, one point per
wearer), so a wearer with a graded plan is read from the plan's start (docs/plan.md).

`InfluxFleet` is the `FleetReader` (`storage/base.py`) that `open_fleet` returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from backcoach.processing.plan import SUMMARY_KEYS
from backcoach.storage import influx_schema as sch
from backcoach.storage import status
from backcoach.storage.base import WearerDays
from backcoach.storage.influx import clamp_ns
from backcoach.storage.influx_http import (
    AUTH,
    InfluxConnection,
    InfluxUnavailable,
    ident,
    literal,
    split_bucket,
    where,
)

if TYPE_CHECKING:
    from backcoach.config import InfluxSettings

WEARERS_PER_REQUEST = 100  # 200 statements: a few hundred kB of answer at most
PLAN_KEY = status.PLAN  # the status row holding a wearer's plan (`backcoach.plans.STATUS_KEY`)
#: What a plan reads of a summary, for the weeks before the fortnight the overview grades.
PLAN_COLUMNS = ", ".join(ident(c) for c in ("day", "fields", "nonfinite", *SUMMARY_KEYS))


def _source(bucket: str, measurement: str) -> str:
    db, rp = split_bucket(bucket)
    return f"{ident(db)}.{ident(rp) if rp else ''}.{ident(measurement)}"


class InfluxFleet:
    """A `FleetReader` on one InfluxDB: each (wearer, bucket) read through one account."""

    def __init__(
        self,
        influx: InfluxSettings,
        wearers: Sequence[tuple[str, str]],
        *,
        per_request: int = WEARERS_PER_REQUEST,
    ) -> None:
        self.conn = InfluxConnection(influx)
        self.wearers = list(wearers)
        self.per_request = per_request

    def read_fleet(
        self, first_day: str, last_day: str, *, plan_first_day: Callable[[str], str | None]
    ) -> list[WearerDays]:
        """What the practice overview needs: each wearer's plan row, then their summaries and
        diary from `first_day`, or from `plan_first_day(plan)` where that is earlier (a plan is
        built from its start), each wearer's days in one read."""
        plans = self.read_plans()
        starts = {}
        for name, _bucket in self.wearers:
            since = plan_first_day(plans[name]) if plans[name].strip() else None
            if since is not None and since < first_day:
                starts[name] = since
        days = self.read_days(first_day, last_day, first_days=starts)
        return [replace(d, plan=plans.get(d.name, "")) for d in days]

    def read_days(
        self, first_day: str, last_day: str, *, first_days: Mapping[str, str] | None = None
    ) -> list[WearerDays]:
        """Summaries and diary of first_day..last_day for each wearer, in their order; from
        `first_days[name]` instead for the wearers it names."""
        a = clamp_ns(sch.day_ns(first_day))
        b = clamp_ns(sch.day_ns(last_day) + 86400 * sch.NS)
        starts = {n: clamp_ns(sch.day_ns(d)) for n, d in (first_days or {}).items()}
        out: list[WearerDays] = []
        for batch in self._batches():
            try:
                out += self._read_batch(batch, a, b, starts)
            except InfluxUnavailable as exc:
                if exc.reason != AUTH:
                    raise
                for one in batch:  # find the refused wearer(s); the others read as usual
                    try:
                        out += self._read_batch([one], a, b, starts)
                    except InfluxUnavailable as refused:
                        if refused.reason != AUTH:
                            raise
                        out.append(WearerDays(one[0], error=str(refused)))
        return out

    def read_plans(self) -> dict[str, str]:
        """Each wearer's plan row (`PLAN_KEY`, JSON) by name; '' without one or when unreadable
        (the wearer's days read says why)."""
        out: dict[str, str] = {}
        for batch in self._batches():
            try:
                out.update(self._plans_batch(batch))
            except InfluxUnavailable as exc:
                if exc.reason != AUTH:
                    raise
                for one in batch:
                    try:
                        out.update(self._plans_batch([one]))
                    except InfluxUnavailable as refused:
                        if refused.reason != AUTH:
                            raise
        return {name: out.get(name, "") for name, _ in self.wearers}

    def close(self) -> None:
        """Nothing to let go: the transport opens and closes a connection per request."""

    def _batches(self) -> list[list[tuple[str, str]]]:
        step = self.per_request
        return [self.wearers[i : i + step] for i in range(0, len(self.wearers), step)]

    def _read_batch(
        self, batch: Sequence[tuple[str, str]], a: int, b: int, starts: Mapping[str, int]
    ) -> list[WearerDays]:
        """Per wearer: summaries and diary of [a, b); for a wearer in `starts` the diary from
        there and the plan's fields of the summaries before `a` (`plan.SUMMARY_KEYS`, a quarter
        of a summary's fields)."""
        statements: list[str] = []
        index: list[tuple[int, int, int | None]] = []  # summaries, diary, earlier summaries
        for name, bucket in batch:
            first = min(starts.get(name, a), a)
            index.append((len(statements), len(statements) + 1, len(statements) + 2))
            statements += [
                f"SELECT * FROM {_source(bucket, sch.SUMMARY)} WHERE {where(name, a, b)}",
                f"SELECT * FROM {_source(bucket, sch.DIARY)} WHERE {where(name, first, b)}",
            ]
            if first < a:
                statements.append(
                    f"SELECT {PLAN_COLUMNS} FROM {_source(bucket, sch.SUMMARY)} "
                    f"WHERE {where(name, first, a)}"
                )
            else:
                index[-1] = (*index[-1][:2], None)
        results = self.conn.statements(";".join(statements))
        out = []
        for (name, _bucket), (i_sum, i_diary, i_earlier) in zip(batch, index, strict=True):
            days = _wearer(name, results.get(i_sum, {}), results.get(i_diary, {}))
            if i_earlier is not None and days.error is None:
                before = _wearer(name, results.get(i_earlier, {}), {})
                summaries = [*before.summaries, *days.summaries]
                days = replace(days, summaries=summaries, error=before.error)
            out.append(days)
        return out

    def _plans_batch(self, batch: Sequence[tuple[str, str]]) -> dict[str, str]:
        q = ";".join(
            f'SELECT LAST("value") AS "value" FROM {_source(bucket, sch.STATUS)} '
            f'WHERE "wearer" = {literal(name)} AND "key" = {literal(PLAN_KEY)}'
            for name, bucket in batch
        )
        results = self.conn.statements(q)
        out = {}
        for k, (name, _bucket) in enumerate(batch):
            got = results.get(k, {})
            rows = [] if isinstance(got, InfluxUnavailable) else got.get(sch.STATUS, [])
            out[name] = str(rows[0].get("value") or "") if rows else ""
        return out


def _wearer(
    name: str,
    summaries: dict[str, list[dict]] | InfluxUnavailable,
    diary: dict[str, list[dict]] | InfluxUnavailable,
) -> WearerDays:
    if isinstance(summaries, InfluxUnavailable):
        return WearerDays(name, error=str(summaries))
    if isinstance(diary, InfluxUnavailable):
        return WearerDays(name, error=str(diary))
    days = [sch.row_to_summary(r) for r in summaries.get(sch.SUMMARY, [])]
    notes = [sch.row_to_diary(r) for r in diary.get(sch.DIARY, [])]
    return WearerDays(
        name,
        sch.dedupe(days, key=lambda s: s.day),
        sch.dedupe(notes, key=lambda d: d.day),
    )
