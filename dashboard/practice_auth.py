"""Practitioners' logins for the practice dashboard: passwords, lock-outs and login tokens.

Why our own rules rather than streamlit-authenticator's (used before, December 2026): tried as
an attacker would, each of its defaults gave something away, so each point is decided here:

1. **Every name costs the same.** A login checks one bcrypt hash whatever the name: an unknown
   name is checked against a dummy hash of the same cost, and any name (known or not) is locked
   after `max_attempts` wrong passwords in a row, so neither the time taken nor the message says
   which accounts exist.
2. **Locks survive a restart.** Wrong tries are kept in the practice's `logins.json`. A lock
   holds for the password hash it was earned against, so `add-practitioner` (a new hash) lifts
   it, as docs/practice.md promises; restarting the dashboard does not.
3. **A token ends with a log-out or a new password.** A login token is an HS256 JWT signed with
   the practice's `cookie.key`, naming the user, their login generation and a fingerprint of
   their password hash. Logging out moves the user's generation on; a new password changes the
   hash; either ends every earlier token, checked on every run and every gated request.
4. **A bad token is no login.** Any token that does not verify (another `alg`, `none`, a wrong
   signature, expired, malformed, for an account that is gone) simply logs nobody in.

No Streamlit here: `login.py` draws the form, `practice_door.py` sets the cookie (HttpOnly).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import bcrypt
import jwt

from backcoach.dashboard import practice_accounts as practice
from backcoach.errors import BackcoachError

ALGORITHM = "HS256"
DEFAULT_ROUNDS = 12  # bcrypt.gensalt()'s cost, which `add-practitioner` uses
MAX_NAME_CHARS = 64  # a typed name is cut here before it is counted
MAX_STRANGERS = 1000  # unknown names remembered (oldest forgotten first): the file stays small

Status = Literal["ok", "wrong", "locked"]


@dataclass(frozen=True)
class Outcome:
    """What a login attempt came to; `name` is the practitioner's full name when ok."""

    status: Status
    username: str
    name: str = ""


@dataclass(frozen=True)
class Verified:
    """A token's verdict: the user it logs in (None: nobody) and whether it had only expired."""

    username: str | None
    expired: bool = False


class Practitioners:
    """The practice's accounts as the dashboard checks them (one per practice folder)."""

    def __init__(self, folder: Path, *, max_attempts: int, session_hours: float) -> None:
        self.folder = Path(folder)
        self.max_attempts = max_attempts
        self.session_s = session_hours * 3600.0
        self._lock = threading.Lock()
        self._accounts_key: tuple[int, int] | None = None
        self._accounts: dict[str, dict] = {}
        self._dummies: dict[int, bytes] = {}

    # -- files -----------------------------------------------------------------------------------
    def accounts(self) -> dict[str, dict]:
        """username -> {'name', 'password'}; re-read when `add-practitioner` changed the file."""
        path = self.folder / practice.PRACTITIONERS
        try:
            st = path.stat()
            key = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            key = (0, 0)
        if key != self._accounts_key:
            self._accounts = practice.load_practitioners(self.folder)["usernames"]
            self._accounts_key = key
        return self._accounts

    def _key(self) -> bytes:
        return practice.cookie_key(self.folder).encode()

    def _book(self) -> dict[str, dict]:
        try:
            doc = json.loads((self.folder / practice.LOGINS).read_text())
            users = doc.get("users", {})
            return {str(k): dict(v) for k, v in users.items() if isinstance(v, dict)}
        except FileNotFoundError:
            return {}
        except (ValueError, AttributeError, TypeError):
            return {}  # a damaged book locks nobody out for good; add-practitioner still works

    def _save(self, book: dict[str, dict]) -> None:
        strangers = sorted(
            (k for k, v in book.items() if not v.get("account")), key=lambda k: book[k]["t"]
        )
        for k in strangers[: max(0, len(strangers) - MAX_STRANGERS)]:
            del book[k]
        doc = {"users": book}
        practice.write_private(self.folder / practice.LOGINS, json.dumps(doc, indent=1) + "\n")

    def fingerprint(self, username: str) -> str:
        """A keyed digest of the user's current password hash ('' for no account)."""
        account = self.accounts().get(username)
        if account is None:
            return ""
        digest = hmac.new(self._key(), str(account.get("password", "")).encode(), hashlib.sha256)
        return digest.hexdigest()[:32]

    def _failed(self, record: dict, fp: str) -> int:
        """Wrong tries that still count: those made against the current password hash."""
        return int(record.get("failed", 0)) if record.get("fp", "") == fp else 0

    def locked(self, username: str) -> bool:
        name = practice.fold_username(username)[:MAX_NAME_CHARS]
        record = self._book().get(name, {})
        return self._failed(record, self.fingerprint(name)) >= self.max_attempts

    # -- logging in ------------------------------------------------------------------------------
    def _dummy(self, rounds: int) -> bytes:
        if rounds not in self._dummies:
            self._dummies[rounds] = bcrypt.hashpw(b"no such account", bcrypt.gensalt(rounds))
        return self._dummies[rounds]

    def _hash_of(self, account: dict | None, accounts: dict[str, dict]) -> bytes:
        """The hash to check: the account's, else a dummy of the cost real accounts have."""
        if account is not None:
            return str(account.get("password", "")).encode()
        rounds = DEFAULT_ROUNDS
        for other in accounts.values():
            parts = str(other.get("password", "")).split("$")
            if len(parts) > 3 and parts[2].isdigit():
                rounds = int(parts[2])
                break
        return self._dummy(rounds)

    def log_in(self, username: str, password: str) -> Outcome:
        """Check a typed name and password: one bcrypt check and one record, whatever the name."""
        name = practice.fold_username(username)[:MAX_NAME_CHARS]
        accounts = self.accounts()
        account = accounts.get(name)
        try:
            right = bcrypt.checkpw(password.encode(), self._hash_of(account, accounts))
        except ValueError:  # a damaged hash in the file: no login, like a wrong password
            right = False
        right = right and account is not None
        with self._lock:
            book = self._book()
            fp = self.fingerprint(name)
            record = book.get(name, {})
            failed = self._failed(record, fp)
            if failed >= self.max_attempts:
                return Outcome("locked", name)
            if right:
                book[name] = {**record, "failed": 0, "fp": fp, "account": True, "t": time.time()}
                self._save(book)
                return Outcome("ok", name, str(account.get("name") or name))
            failed += 1
            book[name] = {
                **record,
                "failed": failed,
                "fp": fp,
                "account": account is not None,
                "t": time.time(),
            }
            self._save(book)
            return Outcome("locked" if failed >= self.max_attempts else "wrong", name)

    def log_out(self, username: str) -> None:
        """End every token this user holds, on every browser (their login generation moves on)."""
        with self._lock:
            book = self._book()
            record = book.get(username, {})
            book[username] = {
                **record,
                "generation": int(record.get("generation", 0)) + 1,
                "account": username in self.accounts(),
                "t": time.time(),
            }
            self._save(book)

    # -- tokens ----------------------------------------------------------------------------------
    def _generation(self, username: str) -> int:
        return int(self._book().get(username, {}).get("generation", 0))

    def token(self, username: str, now: float | None = None) -> str:
        """A signed login token for a user who just logged in; valid `session_hours`."""
        now = time.time() if now is None else now
        claims = {
            "sub": username,
            "gen": self._generation(username),
            "pwd": self.fingerprint(username),
            "iat": int(now),
            "exp": int(now + self.session_s),
        }
        return jwt.encode(claims, self._key(), algorithm=ALGORITHM)

    def expires_at(self, token: str) -> float:
        """When a token (already verified) ends, in Unix seconds."""
        claims = jwt.decode(token, options={"verify_signature": False})
        return float(claims["exp"])

    def verify(self, token: str | None) -> Verified:
        """The user a token logs in, or nobody; never raises, whatever the token holds."""
        if not token or len(token) > 4096:
            return Verified(None)
        try:
            key = self._key()
        except (BackcoachError, OSError):
            return Verified(None)
        try:
            claims = jwt.decode(
                token, key, algorithms=[ALGORITHM], options={"require": ["exp", "sub"]}
            )
        except jwt.ExpiredSignatureError:
            return Verified(None, expired=True)
        except jwt.PyJWTError:
            return Verified(None)
        user = claims.get("sub")
        try:
            if not isinstance(user, str) or user not in self.accounts():
                return Verified(None)
            if claims.get("pwd") != self.fingerprint(user):
                return Verified(None)  # a new password since it was made
            if claims.get("gen") != self._generation(user):
                return Verified(None)  # a log-out since it was made
        except (BackcoachError, OSError):  # a damaged practitioners.json: nobody is let in
            return Verified(None)
        return Verified(user)


_ALL: dict[str, Practitioners] = {}
_ALL_LOCK = threading.Lock()


def for_folder(folder: Path, *, max_attempts: int, session_hours: float) -> Practitioners:
    """The one `Practitioners` of a practice folder in this process (the login form's and the
    door's), so wrong tries in any session count together."""
    key = f"{Path(folder).resolve()}|{max_attempts}|{session_hours}"
    with _ALL_LOCK:
        if key not in _ALL:
            _ALL[key] = Practitioners(
                folder, max_attempts=max_attempts, session_hours=session_hours
            )
        return _ALL[key]
