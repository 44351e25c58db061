"""`backcoach practice`: set up a practice that follows many wearers on one InfluxDB.

Why a command: a wearer's collector must write with credentials of its own that reach no other
wearer's data, and the practice must read every wearer without being able to write. Making those
accounts by hand is error-prone (one GRANT too many and a wearer reads a stranger's diary), so
`add-wearer` makes them on the server (`storage/influx_admin.py`) and prints what the wearer's
machine needs, its password shown this once. `add-practitioner` makes a dashboard login
(bcrypt-hashed; the password is asked for, never taken from the command line).
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import sys
import urllib.parse
from pathlib import Path

from backcoach.config import Settings, check_settings
from backcoach.dashboard import practice_accounts as practice
from backcoach.dashboard.practice_accounts import READER_NAME, READER_TOKEN, Roster, Wearer
from backcoach.errors import ConfigError
from backcoach.storage.influx_admin import Account, InfluxAdmin

DESCRIPTION = """\
A practice (a physiotherapist, an employer's health service) follows many wearers on one
InfluxDB 1.x with authentication on. Each wearer gets a database and an account that may use that
database only; the practice gets one read-only account for all of them. The practice's files
(wearers, practitioners' logins, secrets) live in practice.dir (default: practice/ in the data
directory), readable by their owner only. See docs/practice.md."""

EXAMPLES = """\
examples (the settings' influx.url and token are the InfluxDB admin's):
  backcoach practice add-wearer anna --timezone Europe/Amsterdam
  backcoach practice add-wearer anna --new-password        anna lost her settings
  backcoach practice add-practitioner jdevries --name "J. de Vries"
  backcoach practice list
  backcoach dashboard --practice"""

PASSWORD_ENV = "BACKCOACH_PRACTITIONER_PASSWORD"  # for scripts; a prompt otherwise


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "practice",
        help="set up a practice: wearers with their own InfluxDB accounts, practitioners' logins",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser(
        "add-wearer",
        help="a database and an account for one wearer; prints their machine's settings",
        description="Create the wearer's database and collector account on the InfluxDB the "
        "settings name (with an admin's user:password as token), give the practice's reader "
        "read access to it, and print the settings for the wearer's machine. The password is "
        "shown once and kept nowhere else.",
    )
    add.add_argument("name", help="the wearer's name: lower-case letters, digits, '-', '_'")
    add.add_argument("--timezone", default="", help="the wearer's IANA time zone (default: yours)")
    add.add_argument(
        "--url-for-wearer",
        metavar="URL",
        help="the InfluxDB address as the wearer's machine reaches it (default: influx.url)",
    )
    add.add_argument(
        "--new-password",
        action="store_true",
        help="the wearer exists: give their account a new password (the old one stops working)",
    )
    add.set_defaults(handler=run_add_wearer)
    prac = actions.add_parser(
        "add-practitioner",
        help="a login for the practice dashboard (or a new password for one)",
        description="Add a practitioner's login to the practice dashboard, or set a new "
        f"password. The password is asked for twice (or read from {PASSWORD_ENV}) and kept "
        "only as a bcrypt hash.",
    )
    prac.add_argument("username")
    prac.add_argument("--name", default="", help="the name the dashboard greets them with")
    prac.set_defaults(handler=run_add_practitioner)
    lst = actions.add_parser("list", help="the practice's wearers and practitioners")
    lst.set_defaults(handler=run_list)


def _admin(settings: Settings) -> InfluxAdmin:
    from backcoach.storage.influx_http import InfluxConnection

    if not settings.influx.resolved_token():
        raise ConfigError(
            "no InfluxDB admin credentials: set BACKCOACH_INFLUX_TOKEN (or influx.token_file) to "
            "the admin's user:password, and influx.url to the practice's server"
        )
    admin = InfluxAdmin(InfluxConnection(settings.influx))
    admin.check()
    return admin


def _load_or_new(folder: Path, url: str) -> Roster:
    if (folder / practice.ROSTER).exists():
        return practice.load_roster(folder)
    return Roster(url=url, reader=READER_NAME)


def _ensure_reader(admin: InfluxAdmin, folder: Path, roster: Roster) -> None:
    """The practice's read-only account: made on first use, its token kept in the folder."""
    if roster.reader in admin.users():
        if not (folder / READER_TOKEN).exists():
            raise ConfigError(
                f"{admin.conn.target} already has the practice's reader account "
                f"{roster.reader}, but {folder} lacks its {READER_TOKEN}: set practice.dir / "
                "BACKCOACH_PRACTICE_DIR to the folder that set this practice up"
            )
        return
    account = admin.create_user(roster.reader, practice.new_password())
    practice.write_private(folder / READER_TOKEN, account.token + "\n")


#: What a server address printed into a wearer's config.toml may hold: RFC 3986's characters
#: (no quote, backslash, space or line break, which could end the TOML string early).
URL_CHARS = re.compile(r"[A-Za-z0-9._~:/?#\[\]@!$&'()*+,;=%-]+")


def wearer_url(url: str, *, given: bool) -> str:
    """The server address for the wearer's machine: an http(s) URL with a host, without
    credentials (the wearer's go in their token file; the admin's never leave this machine)."""
    flag = "--url-for-wearer" if given else "influx.url"
    try:
        parts = urllib.parse.urlsplit(url) if URL_CHARS.fullmatch(url) else None
        host = parts.hostname if parts is not None else None
    except ValueError:  # e.g. a bracketed host that is no IPv6 address
        parts = host = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ConfigError(
            f"{flag} {url!r} is not a server address: give http(s)://HOST[:PORT], e.g. "
            "https://influx.practice.example"
        )
    if parts.username is not None or parts.password is not None:
        if given:
            raise ConfigError(
                f"{flag} must not hold a user name or password (the wearer's account goes in "
                "their token file); give https://HOST[:PORT]"
            )
        host = parts.netloc.rsplit("@", 1)[1]
        return urllib.parse.urlunsplit(parts._replace(netloc=host))
    return url


def run_add_wearer(args: argparse.Namespace, settings: Settings) -> int:
    if args.timezone:
        from dataclasses import replace

        check_settings(replace(settings, timezone=args.timezone), lambda _n: "--timezone")
    given = args.url_for_wearer is not None
    url = wearer_url(args.url_for_wearer if given else settings.influx.url, given=given)
    wearer, account = add_wearer(
        settings, args.name, timezone=args.timezone, new_password=args.new_password
    )
    sys.stdout.write(_settings_text(wearer, account, url))
    return 0


def add_wearer(
    settings: Settings, name: str, *, timezone: str = "", new_password: bool = False
) -> tuple[Wearer, Account]:
    """Steps 1-4 of `storage/influx_admin.py` for one wearer; the roster remembers them."""
    practice.check_wearer_name(name)
    folder = settings.practice_path
    admin = _admin(settings)
    roster = _load_or_new(folder, settings.influx.url)
    if roster.url.rstrip("/") != settings.influx.url.rstrip("/"):
        raise ConfigError(
            f"the practice in {folder} follows wearers on {roster.url}, not on "
            f"{settings.influx.url}; set influx.url to it (or use another practice.dir)"
        )
    wearer = roster.find(name) or Wearer(
        name, practice.DB_PREFIX + name, practice.WRITER_PREFIX + name, timezone
    )
    exists = wearer.user in admin.users()
    if exists and not new_password:
        raise ConfigError(
            f"wearer {name} already has an account ({wearer.user}); use --new-password to give "
            "it a new one (their machine then needs the new settings)"
        )
    _ensure_reader(admin, folder, roster)
    admin.create_database(wearer.bucket)
    admin.grant("READ", wearer.bucket, roster.reader)
    if exists:
        account = admin.set_password(wearer.user, practice.new_password())
    else:
        account = admin.create_user(wearer.user, practice.new_password())
    admin.grant("ALL", wearer.bucket, wearer.user)
    if timezone:
        wearer = Wearer(wearer.name, wearer.bucket, wearer.user, timezone)
    practice.save_roster(folder, roster.with_wearer(wearer))
    return wearer, account


def wearer_config(wearer: Wearer, url: str) -> str:
    """The wearer's config.toml, written by the settings file's own TOML writer (every string
    quoted and escaped), so no value can add a line of its own."""
    from backcoach.dashboard.settings_file import render_toml

    doc: dict = {"storage": "influxdb", "wearer": wearer.name}
    if wearer.timezone:
        doc["timezone"] = wearer.timezone
    doc["influx"] = {
        "url": url,
        "bucket": wearer.bucket,
        "token_file": "~/.config/backcoach/influx-token",
    }
    return render_toml(doc)


def _settings_text(wearer: Wearer, account: Account, url: str) -> str:
    """What the wearer's machine needs; the password appears here and nowhere else."""
    return (
        f"Wearer {wearer.name}: database {wearer.bucket}, account {wearer.user} (may use only "
        "this database).\n"
        "On the wearer's machine, save this as the token file (owner-only, e.g. chmod 600):\n\n"
        f"  {account.token}\n\n"
        "and put this in its config.toml (backcoach config show finds the file):\n\n"
        f"{wearer_config(wearer, url)}\n"
        "The password is shown only now; if it is lost, run add-wearer again with "
        "--new-password.\n"
    )


def _ask_password() -> str:
    given = os.environ.get(PASSWORD_ENV)
    if given:
        return given
    if not sys.stdin.isatty():
        raise ConfigError(
            f"no password: run this in a terminal to be asked for it, or set {PASSWORD_ENV}"
        )
    first = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != first:
        raise ConfigError("the two passwords differ; nothing was changed")
    return first


def run_add_practitioner(args: argparse.Namespace, settings: Settings) -> int:
    username = practice.check_username(args.username)  # folded: JDevries logs in as jdevries
    password = _ask_password()
    new = practice.set_practitioner(settings.practice_path, username, args.name, password)
    practice.cookie_key(settings.practice_path)
    verb = "added" if new else "has a new password (earlier logins end; a lock is lifted)"
    sys.stdout.write(f"Practitioner {username} {verb}; `backcoach dashboard --practice`.\n")
    return 0


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    folder = settings.practice_path
    roster = practice.load_roster(folder)
    users = practice.load_practitioners(folder)["usernames"]
    lines = [f"Practice in {folder}, InfluxDB at {roster.url} (reader {roster.reader})"]
    lines.append(f"{len(roster.wearers)} wearers:")
    lines += [f"  {w.name}  database {w.bucket}  account {w.user}" for w in roster.wearers]
    lines.append(f"{len(users)} practitioners: {', '.join(sorted(users)) or '-'}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0
