"""A practice's own files: the wearers it follows, its practitioners and their secrets.

Why files in one owner-only folder (`settings.practice_path`, `storage/private.py`): the
practice's machine needs them to open the dashboard, and nothing in them belongs in InfluxDB
(the server holds the wearers' data and the accounts that may touch it; this folder holds what
the practice knows about them). Layout:

    wearers.json        the server, the practice's read account's name, one entry per wearer
    reader.token        the practice's read credential (1.x `user:password`)
    practitioners.json  practitioners' accounts: username -> name and bcrypt hash, in the shape
                        streamlit-authenticator takes (`{"usernames": {...}}`)
    cookie.key          the key that signs a practitioner's login cookie
    logins.json         the dashboard's own record per practitioner: wrong passwords in a row
                        and the login generation a log-out moves on (`dashboard/practice_auth.py`)

Secrets (the two files) are written once, never printed by this module and never logged.
Practitioners' user names are folded to lower case everywhere (`add-practitioner JDevries` and
the login form's `jdevries` are one account), as bcrypt hashes are kept under the folded name.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from backcoach.errors import ConfigError
from backcoach.storage.private import FILE_MODE, private_dir

ROSTER = "wearers.json"
READER_TOKEN = "reader.token"
PRACTITIONERS = "practitioners.json"
COOKIE_KEY = "cookie.key"
LOGINS = "logins.json"

#: A wearer's name becomes a tag, part of a database and of a user name: plain and short.
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
USERNAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
DB_PREFIX = "backcoach_"  # each wearer's database: backcoach_<name>
WRITER_PREFIX = "backcoach_w_"  # each wearer's collector account: backcoach_w_<name>
READER_NAME = "backcoach_practice_reader"
DASHBOARD_ENV = "BACKCOACH_PRACTICE"  # "1" when `backcoach dashboard --practice` serves the app
MIN_PASSWORD_CHARS = 10


def check_wearer_name(name: str) -> str:
    """The name as given, or a ConfigError saying which names work."""
    if not NAME_PATTERN.fullmatch(name):
        raise ConfigError(
            f"wearer name {name!r} cannot be used: use 1-40 lower-case letters, digits, '-' or "
            "'_', starting with a letter or digit (e.g. anna or j-de-vries)"
        )
    return name


def fold_username(name: str) -> str:
    """The one form of a user name: what a login form, a file and `add-practitioner` compare."""
    return name.strip().lower()


def check_username(name: str) -> str:
    """The name folded to lower case, or a ConfigError saying which names work."""
    if not USERNAME_PATTERN.fullmatch(name):
        raise ConfigError(
            f"practitioner name {name!r} cannot be used: use 1-64 letters, digits, '.', '_', "
            "'-' or '@', starting with a letter or digit"
        )
    return fold_username(name)


@dataclass(frozen=True)
class Wearer:
    """One wearer the practice follows: their name (the `wearer` tag) and database."""

    name: str
    bucket: str  # 1.x: the database (default retention policy)
    user: str  # the collector's own account, which may use only `bucket`
    timezone: str = ""  # "" = the practice's time zone


@dataclass(frozen=True)
class Roster:
    """The practice's wearers and the server they write to."""

    url: str
    reader: str
    wearers: tuple[Wearer, ...] = field(default=())

    def find(self, name: str) -> Wearer | None:
        return next((w for w in self.wearers if w.name == name), None)

    def with_wearer(self, wearer: Wearer) -> Roster:
        kept = tuple(w for w in self.wearers if w.name != wearer.name)
        return Roster(self.url, self.reader, tuple(sorted((*kept, wearer), key=lambda w: w.name)))


def load_roster(folder: Path) -> Roster:
    """The practice in `folder`, or a one-line error saying how to set one up."""
    path = folder / ROSTER
    try:
        doc = json.loads(path.read_text())
        wearers = tuple(Wearer(**w) for w in doc["wearers"])
        return Roster(str(doc["url"]), str(doc["reader"]), wearers)
    except FileNotFoundError:
        raise ConfigError(
            f"no practice in {folder}: add its first wearer with `backcoach practice add-wearer "
            "NAME` (or set practice.dir / BACKCOACH_PRACTICE_DIR to the practice's folder)"
        ) from None
    except (ValueError, KeyError, TypeError, OSError) as exc:
        raise ConfigError(f"cannot read the practice's {path.name} in {folder}: {exc}") from exc


def save_roster(folder: Path, roster: Roster) -> None:
    doc = {
        "url": roster.url,
        "reader": roster.reader,
        "wearers": [asdict(w) for w in roster.wearers],
    }
    write_private(folder / ROSTER, json.dumps(doc, indent=2) + "\n")


def write_private(path: Path, text: str) -> None:
    """Replace `path` by `text` at once (a temp file renamed), owner-only from the start."""
    private_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_secret(folder: Path, name: str) -> str:
    """A secret file's first line; a missing one is a one-line error naming it."""
    path = folder / name
    try:
        return path.read_text().strip()
    except OSError as exc:
        raise ConfigError(
            f"cannot read the practice's {name} in {folder} ({exc.strerror}); it is made by "
            "`backcoach practice add-wearer`"
        ) from exc


def cookie_key(folder: Path) -> str:
    """The key that signs login cookies: made on first use, kept for the next launches."""
    path = folder / COOKIE_KEY
    if not path.exists():
        write_private(path, secrets.token_urlsafe(32) + "\n")
    return read_secret(folder, COOKIE_KEY)


def new_password() -> str:
    """A random password for a database account (URL-safe: no quote, colon or space)."""
    return secrets.token_urlsafe(24)


# -- practitioners -------------------------------------------------------------------------------
def load_practitioners(folder: Path) -> dict:
    """{'usernames': {username: {'name': ..., 'password': bcrypt hash}}} ({} users if none)."""
    path = folder / PRACTITIONERS
    if not path.exists():
        return {"usernames": {}}
    try:
        doc = json.loads(path.read_text())
        users = doc["usernames"]
        if not isinstance(users, dict):
            raise TypeError("usernames is not a table")
        folded: dict[str, dict] = {}
        for key, value in users.items():
            name = fold_username(str(key))
            if name in folded:
                raise ValueError(
                    f"it holds {name!r} twice in other letter cases (user names are folded to "
                    "lower case); remove one of them"
                )
            folded[name] = dict(value)
        return {"usernames": folded}
    except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise ConfigError(f"cannot read the practice's {PRACTITIONERS} in {folder}: {exc}") from exc


def set_practitioner(folder: Path, username: str, name: str, password: str) -> bool:
    """Add a practitioner, or give one a new password; True if the account is new."""
    import bcrypt  # the login form checks passwords against these hashes

    username = check_username(username)
    if len(password) < MIN_PASSWORD_CHARS:
        raise ConfigError(
            f"the password is too short: use at least {MIN_PASSWORD_CHARS} characters"
        )
    doc = load_practitioners(folder)
    new = username not in doc["usernames"]
    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()
    kept = doc["usernames"].get(username, {}).get("name")  # a new password keeps the name
    doc["usernames"][username] = {"name": name or kept or username, "password": hashed}
    write_private(folder / PRACTITIONERS, json.dumps(doc, indent=2) + "\n")
    return new
