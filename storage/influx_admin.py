"""A practice's accounts on InfluxDB 1.x: a database and a user per wearer, one reader for all.

Why this shape: InfluxDB 1.x grants privileges per database (READ, WRITE, ALL), so isolation
between wearers is the server's own: each wearer's collector account gets ALL on its own database
(it writes there, and reads back what it summarises) and nothing on any other; the practice's one
reader account gets READ on every wearer's database and WRITE on none. A bug in backcoach cannot
cross that line, because the server refuses it.

Steps of `add_wearer`, each idempotent so a rerun after a failure finishes the job:
1. the server is 1.x and checks credentials (with auth off every account may use every
   database, so isolation would be a promise the server does not keep: refused);
2. the given credentials are an admin's (`SHOW USERS` needs admin);
3. `CREATE DATABASE`, the reader (made on first use) gets READ on it;
4. the wearer's account is created with a random password and ALL on its database only.

2.x and 3.x have buckets and tokens instead (made with the `influx` CLI, docs/practice.md); this
module says so in one line rather than guess at an API it cannot be tested against here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from backcoach.errors import ConfigError
from backcoach.storage.influx_http import (
    AUTH,
    InfluxConnection,
    InfluxUnavailable,
    ident,
    literal,
)

if TYPE_CHECKING:
    from backcoach.config import InfluxSettings


@dataclass(frozen=True)
class Account:
    """A database account: its name and (only when just made) its password."""

    user: str
    password: str

    @property
    def token(self) -> str:
        """As backcoach's settings take it for 1.x: `user:password`."""
        return f"{self.user}:{self.password}"


class InfluxAdmin:
    """User and database management through an admin's connection (InfluxQL over /query)."""

    def __init__(self, conn: InfluxConnection) -> None:
        self.conn = conn

    def check(self) -> None:
        """Raise unless the server is 1.x, checks credentials and ours are an admin's."""
        info = self.conn.server()
        if info.major_minor >= (2, 0):
            raise ConfigError(
                f"{self.conn.target} is InfluxDB {info.version}: there a wearer gets a bucket and "
                "a write token made with the `influx` CLI (see docs/practice.md, 'InfluxDB 2.x "
                "and 3.x'); `practice add-wearer` sets up 1.x servers"
            )
        if self._auth_is_off():
            raise ConfigError(
                f"{self.conn.target} does not check credentials, so any wearer could read every "
                "other's data: set auth-enabled = true under [http] in influxdb.conf, create an "
                "admin (CREATE USER ... WITH ALL PRIVILEGES) and restart it"
            )
        try:
            self.conn.query("SHOW USERS")
        except InfluxUnavailable as exc:
            if exc.reason != AUTH:
                raise
            raise ConfigError(
                f"{self.conn.target} refused to list users: the credentials in "
                "BACKCOACH_INFLUX_TOKEN (or influx.token_file) must be an admin's user:password "
                "to set up wearers"
            ) from exc

    def _auth_is_off(self) -> bool:
        """Whether the server answers a query without any credentials."""
        # probed already: no second probe or log line
        anonymous = InfluxConnection(_without_token(self.conn), server=self.conn.server())
        try:
            anonymous.query("SHOW DATABASES")
        except InfluxUnavailable as exc:
            if exc.reason == AUTH:
                return False
            raise
        return True

    def users(self) -> dict[str, bool]:
        """Every user and whether it is an admin."""
        rows = self.conn.query("SHOW USERS").get("", [])
        return {str(r["user"]): bool(r["admin"]) for r in rows}

    def _run(self, statement: str) -> None:
        self.conn.query(statement, write=True)

    def create_database(self, db: str) -> None:
        self._run(f"CREATE DATABASE {ident(db)}")

    def create_user(self, user: str, password: str) -> Account:
        self._run(f"CREATE USER {ident(user)} WITH PASSWORD {literal(password)}")
        return Account(user, password)

    def set_password(self, user: str, password: str) -> Account:
        self._run(f"SET PASSWORD FOR {ident(user)} = {literal(password)}")
        return Account(user, password)

    def grant(self, privilege: str, db: str, user: str) -> None:
        """GRANT READ | WRITE | ALL ON db TO user (1.x: privileges are per database)."""
        if privilege not in ("READ", "WRITE", "ALL"):
            raise ValueError(f"unknown privilege {privilege!r}")
        self._run(f"GRANT {privilege} ON {ident(db)} TO {ident(user)}")

    def grants(self, user: str) -> dict[str, str]:
        """{database: privilege} of a non-admin user."""
        rows = self.conn.query(f"SHOW GRANTS FOR {ident(user)}").get("", [])
        return {str(r["database"]): str(r["privilege"]) for r in rows}


def _without_token(conn: InfluxConnection) -> InfluxSettings:
    return replace(conn.settings, token="", token_file="")
