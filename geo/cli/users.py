"""``python -m geo users``: manage the local accounts of the app (add, list, remove).

The password is asked with :func:`getpass.getpass` (never echoed), twice, or read from
the first line of standard input with ``--password-stdin`` (for scripts). It is never
printed, logged or written; only its bcrypt hash goes into the users file.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from geo.users import ACCOUNT_ROLES, USERS_ENV_VAR, UserError, add_user, load_users, remove_user, users_path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``users`` subcommand and its ``add``/``list``/``remove`` actions."""
    p = sub.add_parser("users", help="manage app accounts (roles advisor, planner, viewer)",
                       description="Manage the accounts of the app's login: a local TOML file with "
                       f"bcrypt password hashes (default var/users.toml, or ${USERS_ENV_VAR}).")
    p.add_argument("--users", metavar="FILE", help=f"users file (default: ${USERS_ENV_VAR} or var/users.toml)")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an account (password asked, not echoed)")
    add.add_argument("name", metavar="NAME")
    add.add_argument("--role", required=True, choices=ACCOUNT_ROLES)
    add.add_argument("--replace", action="store_true", help="change the role/password of an existing account")
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from the first line of standard input instead of asking")
    actions.add_parser("list", help="list accounts and roles (never hashes)")
    rm = actions.add_parser("remove", help="remove an account")
    rm.add_argument("name", metavar="NAME")
    p.set_defaults(func=run)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        first = getpass.getpass("Password: ")
        second = getpass.getpass("Repeat password: ")
    except EOFError:
        msg = "no password could be read (no terminal?); pipe it with --password-stdin"
        raise UserError(msg) from None
    if first != second:
        msg = "the two passwords differ; nothing written"
        raise UserError(msg)
    return first


def run(args: argparse.Namespace) -> int:
    """Run ``users``; returns the exit code."""
    path = Path(args.users).expanduser() if args.users else users_path()
    if args.action == "add":
        user = add_user(args.name, _read_password(args.password_stdin), args.role, path=path,
                        replace=args.replace)
        print(f"{user.name}: role {user.role} written to {path}")
    elif args.action == "list":
        content = load_users(path)
        if not content.users:
            print(f"no accounts in {path}")
        for user in sorted(content.users.values(), key=lambda u: u.name):
            print(f"{user.name}\t{user.role}\t{user.created_at}")
    elif args.action == "remove":
        remove_user(args.name, path=path)
        print(f"{args.name}: removed from {path}")
    return 0
