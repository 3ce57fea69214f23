"""Local users file: names, roles and bcrypt password hashes for the app's login.

Roles
-----
The roles are ordered; each includes every role below it:

``advisor``
    Import incidents, edit constraints, and everything a planner does.
``planner``
    Exports and scenarios, and everything a viewer does.
``viewer``
    The live map, read only.
``public``
    Public snapshots only; no login (never stored in the file).

File
----
A TOML file, by default ``var/users.toml`` in the project (git-ignored), else the path
in ``MALI_ACCESS_USERS``. It is written atomically with mode 0600 (a folder created for
it gets 0700), under an exclusive lock so two writers never lose each other's change::

    # Mali access users (python -m views.accounts add NAME --role ROLE)
    [users.alice]
    role = "advisor"
    password_hash = "$2b$12$..."
    created_at = "2025-12-01T10:00:00Z"
    session_version = 3
    lang = "fr"       # interface language the user chose (optional; see set_language)

    [oidc]            # optional: roles of users who sign in through OIDC (st.login)
    "ada@example.org" = "viewer"

    [oidc_lang]       # optional: interface language chosen by OIDC users
    "ada@example.org" = "en"

Passwords are hashed with bcrypt (cost 12); the plain text is never stored or logged.

Sessions
--------
``session_version`` ends sessions: a signed-in browser session remembers the version it
signed in under and is signed out as soon as the file holds another one (the app checks
on every rerun, ``views.auth``). Signing out, changing the password or the role
(:func:`add_user` with ``replace``) and ``python -m views.accounts signout NAME`` raise
it (:func:`end_sessions`), which ends every session of the account at once.

Failed sign-ins are throttled per account and per client address
(:class:`LoginThrottle`).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import getpass
import json
import logging
import os
import re
import sys
import threading
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import bcrypt

from geo.config import ENV_VARS, LANGS, Settings
from geo.errors import AccessMapError, DataFileError
from geo.io import atomic_path
from geo.products.i18n import error_text, tr
from geo.store.db import make_private_dir

logger = logging.getLogger(__name__)

USERS_ENV_VAR = ENV_VARS["users_path"]

#: Roles from the most to the least privileged.
ROLES = ("advisor", "planner", "viewer", "public")
#: Roles a user of the file can hold (``public`` needs no account).
ACCOUNT_ROLES = ("advisor", "planner", "viewer")
ROLE_RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}  # advisor 4 ... public 1
#: bcrypt cost factor.
BCRYPT_ROUNDS = 12
#: Shortest password accepted (characters).
MIN_PASSWORD_CHARS = 8
#: bcrypt only reads the first 72 bytes; longer passwords are refused rather than cut.
MAX_PASSWORD_BYTES = 72

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,31}$")


class UserError(AccessMapError, ValueError):
    """A user name, role or password is not acceptable, or the user is unknown."""


@dataclass(frozen=True)
class User:
    """One account of the users file.

    Attributes
    ----------
    name
        Login name (lower case letters, digits, ``_ . -``; at most 32 characters).
    role
        One of :data:`ACCOUNT_ROLES`.
    password_hash
        bcrypt hash (``$2b$...``).
    created_at
        UTC time the account was written, ISO 8601.
    session_version
        Raised to end every session of the account (see the module notes).
    lang
        Interface language the user chose (``fr``/``en``), or ``""`` for the settings' default.
    """

    name: str
    role: str
    password_hash: str = field(repr=False)
    created_at: str = ""
    session_version: int = 0
    lang: str = ""


@dataclass(frozen=True)
class UsersFile:
    """Content of a users file.

    Attributes
    ----------
    users
        Login name -> :class:`User`.
    oidc_roles
        E-mail -> role for users who sign in through OIDC.
    oidc_langs
        E-mail -> interface language chosen by an OIDC user.
    """

    users: dict[str, User]
    oidc_roles: dict[str, str] = field(default_factory=dict)
    oidc_langs: dict[str, str] = field(default_factory=dict)


def check_role(role: str, *, allowed: tuple[str, ...] = ROLES) -> str:
    """Return ``role`` if it is one of ``allowed``; raise :class:`UserError` naming the valid ones."""
    if role not in allowed:
        msg = f"unknown role {role!r}; expected one of {', '.join(allowed)}"
        raise UserError(msg).keyed(key="err.user_role", role=role, roles=", ".join(allowed))
    return role


def has_role(role: str | None, required: str) -> bool:
    """Tell whether ``role`` includes ``required`` (``None`` counts as ``public``).

    Raises
    ------
    UserError
        ``required`` is not a known role.
    """
    check_role(required)
    return ROLE_RANK.get(role or "public", 0) >= ROLE_RANK[required]


def check_name(name: str) -> str:
    """Return ``name`` if it is a valid login name; raise :class:`UserError` otherwise."""
    if not isinstance(name, str) or not _NAME_RE.match(name):
        msg = (
            f"invalid user name {name!r}: use 1-32 lower-case letters, digits, '_', '.' or '-', "
            "starting with a letter or digit"
        )
        raise UserError(msg).keyed(key="err.user_name", name=name)
    return name


def check_password(password: str) -> str:
    """Return ``password`` if acceptable (length rules); the message never contains it."""
    if len(password) < MIN_PASSWORD_CHARS:
        msg = f"password too short: at least {MIN_PASSWORD_CHARS} characters"
        raise UserError(msg).keyed(key="err.password_short", n=MIN_PASSWORD_CHARS)
    if password != password.strip():
        msg = "password must not start or end with spaces (the login form trims them)"
        raise UserError(msg).keyed(key="err.password_spaces")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        msg = f"password too long: at most {MAX_PASSWORD_BYTES} bytes (bcrypt limit)"
        raise UserError(msg).keyed(key="err.password_long", n=MAX_PASSWORD_BYTES)
    return password


def hash_password(password: str, *, rounds: int = BCRYPT_ROUNDS) -> str:
    """Bcrypt hash of ``password`` (checked with :func:`check_password`)."""
    check_password(password)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def load_users(path: Path) -> UsersFile:
    """Read the users file.

    Parameters
    ----------
    path
        Users file (``Settings.users_path``). A missing file gives no users.

    Returns
    -------
    UsersFile

    Raises
    ------
    DataFileError
        Unreadable TOML, or a user entry with an unknown role or no hash (names the field).
    """
    path = Path(path)
    if not path.exists():
        return UsersFile({})
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, f"cannot read users file ({exc})") from exc
    users: dict[str, User] = {}
    for name, entry in (doc.get("users") or {}).items():
        if not isinstance(entry, dict):
            raise DataFileError(path, "expected a table", field=f"users.{name}")
        role = entry.get("role", "")
        if role not in ACCOUNT_ROLES:
            raise DataFileError(
                path,
                f"unknown role {role!r}; expected one of {', '.join(ACCOUNT_ROLES)}",
                field=f"users.{name}.role",
            )
        pw = entry.get("password_hash", "")
        if not isinstance(pw, str) or not pw.startswith("$2"):
            raise DataFileError(path, "missing or not a bcrypt hash", field=f"users.{name}.password_hash")
        version = entry.get("session_version", 0)
        if not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise DataFileError(path, "expected a whole number >= 0", field=f"users.{name}.session_version")
        lang = entry.get("lang", "")
        if lang not in ("", *LANGS):
            raise DataFileError(path, f"expected one of {', '.join(LANGS)}", field=f"users.{name}.lang")
        users[name] = User(name, role, pw, str(entry.get("created_at", "")), version, lang)
    oidc = {}
    for email, role in (doc.get("oidc") or {}).items():
        if role not in ACCOUNT_ROLES:
            raise DataFileError(path, f"unknown role {role!r}", field=f"oidc.{email}")
        oidc[str(email).lower()] = role
    oidc_langs = {}
    for email, lang in (doc.get("oidc_lang") or {}).items():
        if lang not in LANGS:
            raise DataFileError(path, f"expected one of {', '.join(LANGS)}", field=f"oidc_lang.{email}")
        oidc_langs[str(email).lower()] = lang
    return UsersFile(users, oidc, oidc_langs)


def _toml_str(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def save_users(content: UsersFile, path: Path) -> Path:
    """Write the users file atomically (mode 0600; a folder created for it 0700).

    Call it inside :func:`users_lock` after reading the content to change (the
    functions below do), so a concurrent writer's change is not overwritten.

    Returns
    -------
    Path
        The file written.
    """
    path = Path(path)
    make_private_dir(path.parent)
    lines = [
        "# Mali access users: python -m views.accounts add NAME --role ROLE",
        "",
    ]
    for name in sorted(content.users):
        u = content.users[name]
        lines += [
            f"[users.{_toml_str(check_name(name))}]",  # quoted: a name may hold a dot ("fatou.k")
            f"role = {_toml_str(u.role)}",
            f"password_hash = {_toml_str(u.password_hash)}",
            f"created_at = {_toml_str(u.created_at)}",
            f"session_version = {int(u.session_version)}",
            *([f"lang = {_toml_str(u.lang)}"] if u.lang else []),
            "",
        ]
    if content.oidc_roles:
        lines.append("[oidc]")
        lines += [
            f"{_toml_str(email)} = {_toml_str(role)}" for email, role in sorted(content.oidc_roles.items())
        ]
        lines.append("")
    if content.oidc_langs:
        lines.append("[oidc_lang]")
        lines += [
            f"{_toml_str(email)} = {_toml_str(lang)}" for email, lang in sorted(content.oidc_langs.items())
        ]
        lines.append("")
    with atomic_path(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
    return path


@contextlib.contextmanager
def users_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the users file for a read-modify-write.

    The lock is ``<file>.lock`` beside it (mode 0600), taken with ``flock``: it is
    released when the block ends or the process dies.
    """
    path = Path(path)
    make_private_dir(path.parent)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def add_user(name: str, password: str, role: str, *, path: Path, replace: bool = False) -> User:
    """Create (or with ``replace`` update) an account.

    Parameters
    ----------
    name
        Login name (see :func:`check_name`).
    password
        Plain password; only its bcrypt hash is written.
    role
        One of :data:`ACCOUNT_ROLES`.
    path
        Users file (``Settings.users_path``).
    replace
        Overwrite an existing account of that name.

    Returns
    -------
    User

    Raises
    ------
    UserError
        Bad name, role or password, or the name exists and ``replace`` is false.
    """
    check_name(name)
    check_role(role, allowed=ACCOUNT_ROLES)
    password_hash = hash_password(password)
    with users_lock(path):
        content = load_users(path)
        if name in content.users and not replace:
            msg = f"user {name!r} already exists (use --replace to change its role or password)"
            raise UserError(msg).keyed(key="err.user_exists", name=name)
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        old = content.users.get(name)
        # a new password or role ends the sessions opened under the old ones
        user = User(
            name, role, password_hash, now, old.session_version + 1 if old else 0, old.lang if old else ""
        )
        users = dict(content.users)
        users[name] = user
        save_users(UsersFile(users, content.oidc_roles, content.oidc_langs), path)
    logger.info("users: %s %s with role %s", "updated" if name in content.users else "added", name, role)
    return user


def remove_user(name: str, *, path: Path) -> None:
    """Delete an account.

    Raises
    ------
    UserError
        No such user.
    """
    with users_lock(path):
        content = load_users(path)
        if name not in content.users:
            msg = f"no user {name!r}"
            raise UserError(msg).keyed(key="err.no_user", name=name)
        users = {k: v for k, v in content.users.items() if k != name}
        save_users(replace(content, users=users), path)
    logger.info("users: removed %s", name)


def end_sessions(name: str, *, path: Path) -> int:
    """End every session of an account (sign-out everywhere) by raising its session version.

    Returns
    -------
    int
        The new session version.

    Raises
    ------
    UserError
        No such user.
    """
    with users_lock(path):
        content = load_users(path)
        user = content.users.get(name)
        if user is None:
            msg = f"no user {name!r}"
            raise UserError(msg).keyed(key="err.no_user", name=name)
        users = dict(content.users)
        users[name] = replace(user, session_version=user.session_version + 1)
        save_users(replace(content, users=users), path)
    logger.info("users: sessions of %s ended", name)
    return users[name].session_version


def change_password(name: str, new_password: str, *, path: Path) -> User:
    """Set a new password for an existing account; every session of the account ends.

    Raises
    ------
    UserError
        No such user, or the new password is not acceptable (:func:`check_password`).
    """
    password_hash = hash_password(new_password)
    with users_lock(path):
        content = load_users(path)
        user = content.users.get(name)
        if user is None:
            msg = f"no user {name!r}"
            raise UserError(msg).keyed(key="err.no_user", name=name)
        users = dict(content.users)
        users[name] = replace(user, password_hash=password_hash, session_version=user.session_version + 1)
        save_users(replace(content, users=users), path)
    logger.info("users: password of %s changed", name)
    return users[name]


def set_language(lang: str, *, path: Path, name: str | None = None, email: str | None = None) -> None:
    """Keep the interface language a user chose, with their account (kept across visits).

    Parameters
    ----------
    lang
        One of :data:`geo.config.LANGS`.
    path
        Users file (``Settings.users_path``).
    name
        Local account name, or
    email
        e-mail of a user who signs in through OIDC (stored in ``[oidc_lang]``).

    Raises
    ------
    UserError
        Unknown language, no such local account, or neither ``name`` nor ``email``.
    """
    if lang not in LANGS:
        msg = f"unknown language {lang!r}; expected one of {', '.join(LANGS)}"
        raise UserError(msg).keyed(key="err.user_lang", lang=lang, langs=", ".join(LANGS))
    with users_lock(path):
        content = load_users(path)
        if name is not None:
            user = content.users.get(name)
            if user is None:
                msg = f"no user {name!r}"
                raise UserError(msg).keyed(key="err.no_user", name=name)
            if user.lang == lang:
                return
            content = replace(content, users={**content.users, name: replace(user, lang=lang)})
        elif email:
            key = email.lower()
            if content.oidc_langs.get(key) == lang:
                return
            content = replace(content, oidc_langs={**content.oidc_langs, key: lang})
        else:
            msg = "set_language needs an account name or an e-mail"
            raise UserError(msg)
        save_users(content, path)


def language_of(content: UsersFile, *, name: str | None = None, email: str | None = None) -> str:
    """Return the language a user chose (``""`` when none: the settings' default applies)."""
    if name and name in content.users:
        return content.users[name].lang
    if email:
        return content.oidc_langs.get(email.lower(), "")
    return ""


class LoginThrottle:
    """Failed sign-ins counted per account and per client address, with a growing wait.

    The first :attr:`free_failures` failures of a key (an account name, or a client
    address) cost nothing; each later one makes the key wait ``base_wait_s`` doubled per
    extra failure, at most ``max_wait_s``. A key's count is forgotten after a success
    (the account's) or after ``forget_after_s`` without a failure. While a key waits, a
    sign-in with it is refused before the password is checked. Thread-safe; kept in
    memory (a server restart forgets it). Unknown account names count like known ones,
    so the answer does not tell which names exist. Without an address (Streamlit gives
    none for connections from this machine, such as a local reverse proxy) only the
    account is counted: one shared key would let anyone lock every user out.

    Parameters
    ----------
    free_failures
        Failures allowed before waits start.
    base_wait_s, max_wait_s
        First and longest wait, seconds.
    forget_after_s
        Seconds after the last failure when a count is dropped.
    clock
        Monotonic seconds (``time.monotonic``; tests pass a fake clock).
    max_keys
        Keys kept at most; the oldest are dropped beyond it (memory bound).
    """

    def __init__(
        self,
        *,
        free_failures: int = 5,
        base_wait_s: float = 30.0,
        max_wait_s: float = 900.0,
        forget_after_s: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        self.free_failures = free_failures
        self.base_wait_s = base_wait_s
        self.max_wait_s = max_wait_s
        self.forget_after_s = forget_after_s
        self.clock = clock
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str], tuple[int, float, float]] = {}  # key -> (failures, last, until)

    @staticmethod
    def _keys(name: str, address: str | None) -> list[tuple[str, str]]:
        keys = [("account", name.strip().lower())]
        return keys + [("address", address)] if address else keys

    def _entry(self, key: tuple[str, str], now: float) -> tuple[int, float, float]:
        entry = self._state.get(key)
        if entry is not None and now - entry[1] > self.forget_after_s and now >= entry[2]:
            del self._state[key]
            return (0, now, now)
        return entry or (0, now, now)

    def wait_s(self, name: str, address: str | None) -> float:
        """Seconds before ``name`` from ``address`` may try again (0 when allowed now)."""
        with self._lock:
            now = self.clock()
            return max(0.0, *(self._entry(k, now)[2] - now for k in self._keys(name, address)))

    def failed(self, name: str, address: str | None) -> float:
        """Count a failed sign-in; return the wait it causes (seconds, 0 while free)."""
        with self._lock:
            now = self.clock()
            wait = 0.0
            for key in self._keys(name, address):
                failures = self._entry(key, now)[0] + 1
                extra = failures - self.free_failures
                delay = min(self.base_wait_s * 2 ** (extra - 1), self.max_wait_s) if extra > 0 else 0.0
                self._state[key] = (failures, now, now + delay)
                wait = max(wait, delay)
            if len(self._state) > self.max_keys:
                oldest = sorted(self._state, key=lambda k: self._state[k][1])
                for key in oldest[: len(self._state) - self.max_keys]:
                    del self._state[key]
            return wait

    def succeeded(self, name: str, address: str | None) -> None:
        """Forget the failures of the account ``name`` (the address keeps its own count)."""
        with self._lock:
            self._state.pop(("account", name.strip().lower()), None)


def wait_text(seconds: float) -> str:
    """Say how long to wait: ``"45 s"``, ``"2 min 30 s"``, ``"15 min"``."""
    s = int(-(-seconds // 1))  # whole seconds, rounded up
    if s < 60:
        return f"{s} s"
    m, s = divmod(s, 60)
    return f"{m} min {s} s" if s else f"{m} min"


def verify(content: UsersFile, name: str, password: str) -> User | None:
    """Return the user if ``password`` matches their hash, else None (unknown user included)."""
    user = content.users.get(name)
    if user is None or len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return None
    try:
        ok = bcrypt.checkpw(password.encode("utf-8"), user.password_hash.encode("ascii"))
    except ValueError:
        return None
    return user if ok else None


def role_of(content: UsersFile, *, name: str | None = None, email: str | None = None) -> str:
    """Role of an account (by login name) or of an OIDC user (by e-mail); ``public`` if unknown."""
    if name and name in content.users:
        return content.users[name].role
    if email and email.lower() in content.oidc_roles:
        return content.oidc_roles[email.lower()]
    return "public"


# --------------------------------------------------------------------------- command line


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """Parser of ``python -m views.accounts`` (``add``, ``list``, ``remove``, ``signout``).

    Help, titles and argparse's messages in ``lang`` (default ``MALI_ACCESS_LANG``, then
    French), as ``python -m geo`` (:class:`geo.cli.common.Parser`).
    """
    from geo.cli.common import Parser, codes_help, help_lang, hx, use_lang

    use_lang(lang or _lang())
    p = Parser(prog="python -m views.accounts", description=hx("acc.h.main", var=USERS_ENV_VAR))
    p.add_argument("--users", metavar="FILE", help=hx("acc.h.users", var=USERS_ENV_VAR))
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help=hx("acc.h.add"), description=hx("acc.h.add"))
    name = tr("first.name_placeholder", help_lang())  # NOM / NAME, as the first-run page shows it
    add.add_argument("name", metavar=name, help=hx("acc.h.name"))
    roles = {role: tr(f"role.{role}", help_lang()) for role in ACCOUNT_ROLES}  # role.advisor, ...
    add.add_argument("--role", required=True, choices=ACCOUNT_ROLES, help=codes_help(roles, "acc.h.role"))
    add.add_argument("--replace", action="store_true", help=hx("acc.h.replace"))
    add.add_argument("--password-stdin", action="store_true", help=hx("acc.h.password_stdin"))
    actions.add_parser("list", help=hx("acc.h.list"), description=hx("acc.h.list"))
    rm = actions.add_parser("remove", help=hx("acc.h.remove"), description=hx("acc.h.remove"))
    rm.add_argument("name", metavar=name, help=hx("acc.h.name"))
    out = actions.add_parser("signout", help=hx("acc.h.signout"), description=hx("acc.h.signout"))
    out.add_argument("name", metavar=name, help=hx("acc.h.name"))
    return p


def _lang() -> str:
    """Language of the tool's messages (``MALI_ACCESS_LANG``; French by default)."""
    return Settings.resolve().lang


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    lang = _lang()
    try:
        first = getpass.getpass(tr("acc.password", lang))
        second = getpass.getpass(tr("acc.password_again", lang))
    except EOFError:
        raise UserError(tr("acc.no_terminal", lang)) from None
    if first != second:
        raise UserError(tr("acc.differ", lang))
    return first


def run(args: argparse.Namespace) -> int:
    """Run ``users``; returns the exit code. Messages in ``MALI_ACCESS_LANG`` (French by default)."""
    path = Settings.resolve(users=args.users).users_path
    lang = _lang()
    if args.action == "add":
        user = add_user(
            args.name, _read_password(args.password_stdin), args.role, path=path, replace=args.replace
        )
        # the code --role takes, and its name in the language
        label = tr(f"role.{user.role}", lang)
        print(tr("acc.written", lang, name=user.name, role=user.role, label=label, path=path))
    elif args.action == "list":
        content = load_users(path)
        if not content.users:
            print(tr("acc.none", lang, path=path))
        for user in sorted(content.users.values(), key=lambda u: u.name):
            print(f"{user.name}\t{user.role}\t{user.created_at}")
    elif args.action == "remove":
        remove_user(args.name, path=path)
        print(tr("acc.removed", lang, name=args.name, path=path))
    elif args.action == "signout":
        end_sessions(args.name, path=path)
        print(tr("acc.signed_out", lang, name=args.name))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run ``python -m views.accounts``; returns the exit code (2 with one line on error)."""
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except AccessMapError as exc:
        lang = _lang()
        print(tr("cli.error", lang, message=error_text(exc, lang)), file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
