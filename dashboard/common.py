"""What every page shares: settings, the cached store, cached queries, language and the footer.

Why cached here: the store is a connection (one per process, `cache_resource`), and day and
range queries are repeated on every rerun, so their results are kept for `QUERY_TTL_S`
(`cache_data`); anything that writes calls `invalidate()`. Cache keys include the data
directory, so two stores in one process (tests) never share results.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import streamlit as st

from backcoach import provenance
from backcoach.config import Settings, load_settings
from backcoach.dashboard import practice_mode, views
from backcoach.errors import BackcoachError
from backcoach.i18n import LANG_NAMES, LANGS, dates, default_language, t
from backcoach.processing.days import day_bounds, day_of, zone
from backcoach.processing.types import (
    DaySummary,
    DiaryEntry,
    Epochs,
    Event,
    OverloadWarning,
    Provenance,
)
from backcoach.storage import Store, demo_store, open_store
from backcoach.storage.readonly import ReadOnlyStore

log = logging.getLogger(__name__)

QUERY_TTL_S = 60  # a finished day does not change; live data has its own uncached panel


def base_settings() -> Settings:
    """The settings, read fresh each run (cheap) so edits on the Settings page take effect.

    A broken settings file stops the page with its one-line error instead of a traceback.
    """
    try:
        return load_settings()
    except BackcoachError as exc:
        st.error(f"backcoach: {exc}")
        st.stop()
        raise  # st.stop() raises; this keeps type checkers content


def settings() -> Settings:
    """The settings a page shows data by: the wearer's own, or (practice) the chosen wearer's."""
    base = base_settings()
    if practice_mode.active():
        wearer = practice_mode.chosen(base)
        if wearer is not None:
            return practice_mode.wearer_settings(base, wearer)
    return base


def _store_key(s: Settings) -> str:
    return f"{s.storage}|{s.data_path}|{s.timezone}|{s.influx.url}|{s.influx.bucket}"


@st.cache_resource(show_spinner=False)
def _open_store(key: str, _settings: Settings) -> Store:
    log.info("dashboard opened the %s store", _settings.storage)
    return open_store(_settings)


def store(s: Settings) -> Store:
    """The store of these settings, opened once per process."""
    return _open_store(_store_key(s), s)


def lang() -> str:
    """The language chosen in this browser session (default from settings and locale)."""
    if "lang" not in st.session_state:
        st.session_state["lang"] = default_language(settings().language)
    return st.session_state["lang"]


def language_switch() -> None:
    """A language selector in the sidebar; the choice lives in the session."""
    current = lang()  # seeds st.session_state["lang"], which the radio below then owns
    st.sidebar.radio(
        t("app.language", current),
        LANGS,
        format_func=LANG_NAMES.__getitem__,
        key="lang",
        horizontal=True,
    )


def disclaimer() -> None:
    """The one-line not-a-medical-device statement, on every page."""
    st.caption(t("app.disclaimer", lang()))


def tz(s: Settings) -> dt.tzinfo:
    return zone(s.timezone)


def open_or_stop(s: Settings) -> Store:
    """The store, or a one-line error on the page (and the page stops) when it cannot open."""
    try:
        return store(s)
    except BackcoachError as exc:
        st.error(t("app.store_error", lang(), error=str(exc)))
        disclaimer()
        st.stop()
        raise  # st.stop() raises; this keeps type checkers content


# -- cached queries ----------------------------------------------------------------------------
@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def data_range(key: str, _store: Store) -> tuple[float, float] | None:
    return _store.data_range()


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def day_epochs(key: str, day: str, tz_name: str, _store: Store) -> Epochs:
    return _store.read_epochs(*day_bounds(day, tz_name))


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def day_events(key: str, day: str, tz_name: str, _store: Store) -> list[Event]:
    return _store.read_events(*day_bounds(day, tz_name))


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def day_warnings(key: str, day: str, tz_name: str, _store: Store) -> list[OverloadWarning]:
    return _store.read_warnings(*day_bounds(day, tz_name))


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def summaries(key: str, first: str, last: str, _store: Store) -> list[DaySummary]:
    return _store.read_summaries(first, last)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def diary(key: str, first: str, last: str, _store: Store) -> list[DiaryEntry]:
    return _store.read_diary(first, last)


@st.cache_data(ttl=QUERY_TTL_S, show_spinner=False)
def simulated_days(key: str, _store: Store) -> set[str]:
    """The days in the store that `backcoach demo` made (status row `demo.days`)."""
    return demo_store.demo_days(_store)


def invalidate() -> None:
    """Forget cached query results after a write (diary, delete, settings)."""
    st.cache_data.clear()


class Ctx:
    """What a page needs, gathered once at its top: settings, store, language, time zone."""

    def __init__(self) -> None:
        self.settings = settings()
        self.lang = lang()
        self.read_only = practice_mode.active()  # a practice sees a wearer, never changes them
        if self.read_only and practice_mode.chosen(base_settings()) is None:
            st.info(self.t("practice.pick_first"))
            disclaimer()
            st.stop()
        store = open_or_stop(self.settings)
        self.store = ReadOnlyStore(store, whose=self.settings.wearer) if self.read_only else store
        if self.read_only:  # whose pages these are, above every page's title
            st.markdown(f"**{self.t('practice.wearer')}: {self.settings.wearer}**")
        self.key = _store_key(self.settings)
        self.tz_name = self.settings.timezone
        self.tz = tz(self.settings)
        if simulated_days(self.key, self.store):  # a demo's days are never taken for a wearer's
            st.warning(self.t("app.simulated"))

    def t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def data_range(self) -> tuple[float, float] | None:
        return data_range(self.key, self.store)

    def last_day(self) -> str | None:
        """The newest day with recordings (or a summary), in the wearer's time zone."""
        rng = self.data_range()
        return None if rng is None else day_of(rng[1], self.tz_name)

    def first_day(self) -> str | None:
        rng = self.data_range()
        return None if rng is None else day_of(rng[0], self.tz_name)

    def today(self) -> str:
        return self.settings.today().isoformat()

    def analysed_now(self) -> Provenance:
        """The provenance a day analysed now, with these settings, carries."""
        s = self.settings
        return provenance.current(s.sensor.placement, s.rules)

    def days(self, days: tuple[str, ...]) -> str:
        """A few days listed, many as a span."""
        if len(days) <= 4:
            return ", ".join(dates.short(d, self.lang) for d in days)
        first, last = dates.short(days[0], self.lang), dates.short(days[-1], self.lang)
        return self.t("progress.days_span", n=len(days), first=first, last=last)

    def _analysed_otherwise(self, summaries: Sequence[DaySummary]) -> views.Analysed:
        other = views.analysed_otherwise(summaries, self.analysed_now())
        if self.read_only:  # a practice does not know the wearer's own placement and rules
            return views.Analysed(other.other_version)
        return other

    def mark_analysed_otherwise(self, summaries: Sequence[DaySummary]) -> None:
        """Say which days were analysed by another version or with other settings (Progress)."""
        other = self._analysed_otherwise(summaries)
        if other.other_version:
            st.warning(self.t("progress.other_version", days=self.days(other.other_version)))
        if other.other_settings:
            st.warning(self.t("progress.other_settings", days=self.days(other.other_settings)))

    def mark_day_analysed_otherwise(self, summary: DaySummary) -> None:
        """Say so when this day was analysed by another version or with other settings."""
        now = self.analysed_now()
        other = self._analysed_otherwise([summary])
        made = summary.provenance
        if other.other_version and made.known:
            st.warning(self.t("today.other_version", version=made.version, now=now.version))
        elif other.other_version:
            st.warning(self.t("today.unknown_version"))
        elif other.other_settings:
            st.warning(self.t("today.other_settings"))

    def empty_state(self) -> None:
        """How to get data, instead of an error, when the store holds nothing yet."""
        s = self.settings
        if s.storage == "embedded":
            where = self.t("empty.where_file", path=str(s.sqlite_path))
        else:
            where = self.t("empty.where_influx", bucket=s.influx.bucket, url=s.influx.url)
        st.info(f"**{self.t('empty.title')}**  \n{self.t('empty.body')}  \n{where}")
