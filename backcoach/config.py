"""Settings: one frozen object, read once at the edge from a TOML file and `BACKCOACH_*` variables.

Order of precedence (later wins): built-in defaults, the TOML file, the environment.
The file is `$BACKCOACH_CONFIG` or `config.toml` in the platform's config folder (platformdirs).
Secrets (the InfluxDB token) come from the environment or a file named in the settings and are
never printed: `Settings.redacted()` is what `backcoach config show` shows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

import platformdirs

from backcoach.config_checks import (
    check_clock,
    check_data_dir,
    check_now,
    check_number,
    check_port,
    check_rules,
    check_timezone,
    check_url,
    config_env_name,
    instant_s,
    require_named_file,
)
from backcoach.errors import ConfigError
from backcoach.processing.days import zone
from backcoach.processing.guidance import RuleThresholds
from backcoach.processing.types import PLACEMENTS
from backcoach.storage.line_protocol import tag_problem

APP = "backcoach"
STORAGE_KINDS = ("embedded", "influxdb")
RAW_MODES = ("full", "downsampled", "off")
LANGUAGES = ("auto", "en", "nl")


@dataclass(frozen=True)
class InfluxSettings:
    """Where an InfluxDB lives. 1.x: bucket `database/retention-policy`, token `user:password`."""

    url: str = "http://127.0.0.1:8086"
    token: str = field(default="", repr=False)
    token_file: str = ""
    org: str = "backcoach"
    bucket: str = "backcoach"
    raw: str = "downsampled"  # full | downsampled | off
    timeout_s: float = 10.0
    outbox_max_mb: float = 2048.0  # the outbox's size cap while the server is away

    def __post_init__(self) -> None:
        if self.raw not in RAW_MODES:
            raise ConfigError(f"influx.raw is {self.raw!r}; use one of {', '.join(RAW_MODES)}")
        if not self.outbox_max_mb > 0:
            raise ConfigError(f"influx.outbox_max_mb is {self.outbox_max_mb}; give a size in MB")

    @property
    def outbox_max_bytes(self) -> int:
        return int(self.outbox_max_mb * 1_000_000)

    def resolved_token(self) -> str:
        """The token from the settings, else from `token_file` (first line)."""
        if self.token:
            return self.token
        if self.token_file:
            try:
                return Path(self.token_file).expanduser().read_text().strip()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read the InfluxDB token file (influx.token_file): {exc.strerror}"
                ) from exc
        return ""


@dataclass(frozen=True)
class WarningSettings:
    """How warnings are delivered: cooldown, quiet hours, channels (apprise URLs)."""

    enabled: bool = True
    cooldown_min: float = 10.0
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    notify_urls: tuple[str, ...] = field(default=(), repr=False)
    desktop: bool = True
    sensor_buzz: bool = True


@dataclass(frozen=True)
class SensorSettings:
    """Which sensor to use and how it is worn."""

    name: str = ""  # name or address; empty = first sensor of a known profile
    profile: str = ""  # open | polar | witmotion | thingy | movesense | metamotion; "" = detect
    placement: str = "lower_back"
    watchdog_s: float = 5.0

    def __post_init__(self) -> None:
        if self.placement not in PLACEMENTS:
            raise ConfigError(
                f"sensor.placement is {self.placement!r}; use one of {', '.join(PLACEMENTS)}"
            )


@dataclass(frozen=True)
class DashboardSettings:
    host: str = "127.0.0.1"
    port: int = 8501
    require_secret: bool = True  # the per-launch link secret; may be turned off on 127.0.0.1
    allowed_hosts: tuple[str, ...] = ()  # public names a reverse proxy (Caddy) forwards


@dataclass(frozen=True)
class PracticeSettings:
    """A practice that follows many wearers (docs/practice.md): where its files live, how long a
    practitioner's login lasts."""

    dir: str = ""  # empty = `practice/` in the data directory
    session_hours: float = 8.0  # a login (and its cookie) expires after this long
    max_login_attempts: int = 5  # wrong passwords in a row before an account is locked

    def __post_init__(self) -> None:
        if not self.session_hours > 0:
            raise ConfigError(
                f"practice.session_hours is {self.session_hours}; give the hours a login lasts"
            )


@dataclass(frozen=True)
class Settings:
    """Everything backcoach can be told, with sensible defaults."""

    data_dir: str = ""
    storage: str = "embedded"
    wearer: str = "me"
    timezone: str = ""  # IANA name; empty = this machine's local time zone
    language: str = "auto"
    influx: InfluxSettings = InfluxSettings()
    rules: RuleThresholds = RuleThresholds()
    warnings: WarningSettings = WarningSettings()
    sensor: SensorSettings = SensorSettings()
    dashboard: DashboardSettings = DashboardSettings()
    practice: PracticeSettings = PracticeSettings()
    # The calendar's "now" as an ISO 8601 instant with its UTC offset; empty = the real clock.
    # A testing and replay aid: see `now_s()`.
    now: str = ""
    config_file: str = ""

    def __post_init__(self) -> None:
        if self.storage not in STORAGE_KINDS:
            raise ConfigError(
                f"storage is {self.storage!r}; use one of {', '.join(STORAGE_KINDS)}"
                " (set it in config.toml or BACKCOACH_STORAGE)"
            )
        if self.language not in LANGUAGES:
            raise ConfigError(f"language is {self.language!r}; use one of {', '.join(LANGUAGES)}")
        if not self.data_dir:
            object.__setattr__(self, "data_dir", platformdirs.user_data_dir(APP))
        check_names(self)

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir).expanduser()

    @property
    def practice_path(self) -> Path:
        """The practice's folder: its wearers, its practitioners' accounts and their secrets."""
        if self.practice.dir:
            return Path(self.practice.dir).expanduser()
        return self.data_path / "practice"

    @property
    def sqlite_path(self) -> Path:
        return self.data_path / "backcoach.sqlite"

    def now_s(self) -> float:
        """The instant that decides "today", "yesterday" and "this week": the real clock, or
        `now` (BACKCOACH_NOW) when set, which stands still there.

        Why a setting: the dashboard, the weekly report, `demo` and the exports pick their days
        from it, so tests run them at chosen dates (a Monday, ISO week 53, a 23-hour day) and a
        past week can be shown as it looked then. Times that measure (the collector's samples,
        warning cooldowns, logins, the stores' bookkeeping) keep the real clock.
        """
        return instant_s(self.now) if self.now else time.time()

    def today(self) -> dt.date:
        """The wearer's calendar day at `now_s()`, in their time zone."""
        return dt.datetime.fromtimestamp(self.now_s(), zone(self.timezone)).date()

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict, with secrets masked, for showing to people."""
        d = asdict(self)
        if d["influx"]["token"]:
            d["influx"]["token"] = "****"
        d["influx"]["url"] = _mask_userinfo(self.influx.url)  # http://user:password@host
        d["warnings"]["notify_urls"] = [_mask_url(u) for u in self.warnings.notify_urls]
        return d


MAX_NAME_CHARS = 64


def check_names(settings: Settings) -> None:
    """The wearer's and the sensor's names become tags on every stored point: refuse at load
    what a store cannot hold (a line break would forge InfluxDB points), with the fix."""
    for setting, value in (("wearer", settings.wearer), ("sensor.name", settings.sensor.name)):
        problem = tag_problem(value)
        if problem is None and len(value) > MAX_NAME_CHARS:
            problem = f"it is longer than {MAX_NAME_CHARS} characters"
        if problem:
            raise ConfigError(
                f"setting {setting} = {value!r} cannot be used: {problem}; choose a plain name"
            )


def _mask_userinfo(url: str) -> str:
    """A URL with any `user:password@` before its host shown as `****@`."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, path = rest.partition("/")
    if not sep or "@" not in netloc:
        return url
    return f"{scheme}://****@{netloc.rsplit('@', 1)[1]}{slash}{path}"


def _mask_url(url: str) -> str:
    """Keep an apprise URL's scheme and a plain host name; hide everything else.

    Many services put tokens where a host would be (`tgram://bot_token/chat`), so a "host" is
    shown only when it looks like one: a dotted name or address, or localhost, with a port.
    """
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "****"
    host = rest.split("@")[-1].split("/")[0].split("?")[0]
    if re.fullmatch(r"(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+)(:\d{1,5})?", host):
        return f"{scheme}://{host}/****"
    return f"{scheme}://****"


# Environment variables → (section, key). Sections map to the nested dataclasses above.
ENV_VARS: dict[str, tuple[str | None, str]] = {
    "BACKCOACH_DATA_DIR": (None, "data_dir"),
    "BACKCOACH_STORAGE": (None, "storage"),
    "BACKCOACH_WEARER": (None, "wearer"),
    "BACKCOACH_TIMEZONE": (None, "timezone"),
    "BACKCOACH_NOW": (None, "now"),
    "BACKCOACH_LANGUAGE": (None, "language"),
    "BACKCOACH_INFLUX_URL": ("influx", "url"),
    "BACKCOACH_INFLUX_TOKEN": ("influx", "token"),
    "BACKCOACH_INFLUX_TOKEN_FILE": ("influx", "token_file"),
    "BACKCOACH_INFLUX_ORG": ("influx", "org"),
    "BACKCOACH_INFLUX_BUCKET": ("influx", "bucket"),
    "BACKCOACH_INFLUX_RAW": ("influx", "raw"),
    "BACKCOACH_NOTIFY_URLS": ("warnings", "notify_urls"),
    "BACKCOACH_QUIET_START": ("warnings", "quiet_start"),
    "BACKCOACH_QUIET_END": ("warnings", "quiet_end"),
    "BACKCOACH_SENSOR": ("sensor", "name"),
    "BACKCOACH_PROFILE": ("sensor", "profile"),
    "BACKCOACH_PLACEMENT": ("sensor", "placement"),
    "BACKCOACH_DASHBOARD_PORT": ("dashboard", "port"),
    "BACKCOACH_DASHBOARD_ALLOWED_HOSTS": ("dashboard", "allowed_hosts"),
    "BACKCOACH_PRACTICE_DIR": ("practice", "dir"),
}


def platform_config_file() -> Path:
    """The settings file used when none is named: config.toml in the platform's config folder."""
    return Path(platformdirs.user_config_dir(APP)) / "config.toml"


def default_config_file() -> Path:
    env = os.environ.get("BACKCOACH_CONFIG")
    if env:
        return Path(env).expanduser()
    return platform_config_file()


def load_settings(
    config_file: str | Path | None = None,
    env: dict[str, str] | None = None,
    *,
    named_must_exist: bool = False,
) -> Settings:
    """Read the settings from defaults, the TOML file (if it exists) and the environment.

    With `named_must_exist` (the command line), a file named by `config_file` or
    BACKCOACH_CONFIG must exist: a mistyped path would otherwise mean silent defaults.
    """
    env = dict(os.environ if env is None else env)
    path = Path(config_file) if config_file else default_config_file()
    if named_must_exist:
        named_by = "--config" if config_file else config_env_name()
        require_named_file(path, named_by, platform_config_file())
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text())
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ConfigError(f"cannot read settings file {path.name}: {exc}") from exc
    for var, (section, key) in ENV_VARS.items():
        if var in env and env[var] != "":
            target = raw.setdefault(section, {}) if section else raw
            target[key] = env[var]
    raw["config_file"] = str(path)
    settings = _build(Settings, raw, "")
    check_settings(settings, lambda name: _origin(name, env, path))
    return settings


def check_settings(s: Settings, origin: Callable[[str], str]) -> None:
    """Raise ConfigError for the first setting that cannot work; `origin(name)` says where."""
    problems = [
        check_timezone(s.timezone),
        check_now(s.now),
        check_data_dir(s.data_path),
        *(
            check_clock(f"warnings.{n}", getattr(s.warnings, n))
            for n in ("quiet_start", "quiet_end")
        ),
        check_number("warnings.cooldown_min", s.warnings.cooldown_min, low=0.0),
        check_number("sensor.watchdog_s", s.sensor.watchdog_s, low=0.0, open_low=True),
        check_port(s.dashboard.port),
        check_url(s.influx.url),
        check_number("influx.timeout_s", s.influx.timeout_s, low=0.0, open_low=True),
        *check_rules(s.rules),
    ]
    for problem in problems:
        if problem is not None:
            name, value, fix = problem
            shown = f'"{value}"' if isinstance(value, str) else f"{value!r}"
            raise ConfigError(f"setting {name} = {shown} ({origin(name)}) {fix}")


def _build(cls: type, raw: dict[str, Any], prefix: str) -> Any:
    """Build a (nested) settings dataclass from a dict, converting strings from the environment."""
    if not isinstance(raw, dict):
        raise ConfigError(f"setting {prefix.rstrip('.')} must be a table")
    known = {f.name: f for f in fields(cls)}
    unknown = set(raw) - set(known)
    if unknown:
        raise ConfigError(
            f"unknown setting {prefix}{sorted(unknown)[0]}; known: {', '.join(sorted(known))}"
        )
    values: dict[str, Any] = {}
    defaults = cls()
    for name, value in raw.items():
        default = getattr(defaults, name)
        if is_dataclass(default):
            values[name] = _build(type(default), value, f"{prefix}{name}.")
        else:
            values[name] = _coerce(value, default, f"{prefix}{name}")
    try:
        return replace(defaults, **values)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"invalid settings in {prefix or 'top level'}: {exc}") from exc


def _coerce(value: Any, default: Any, name: str) -> Any:
    try:
        if isinstance(default, bool):
            if isinstance(value, str):
                return value.strip().lower() in ("1", "true", "yes", "on")
            return bool(value)
        if isinstance(default, int):
            return int(value)
        if isinstance(default, float):
            return float(value)
        if isinstance(default, tuple):
            if isinstance(value, str):
                return tuple(v.strip() for v in value.split(",") if v.strip())
            return tuple(value)
        return str(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"setting {name} = {value!r} is not a {type(default).__name__}") from exc


def _origin(name: str, env: dict[str, str], path: Path) -> str:
    """Where a setting's value came from, for error messages: a variable or the file."""
    for var, (section, key) in ENV_VARS.items():
        if env.get(var) and name == (f"{section}.{key}" if section else key):
            return f"set by {var}"
    return f"in {path}" if path.exists() else "the default"
