"""Roles and login for the app (UI plumbing; not a page).

``app.py`` calls :func:`login_sidebar` on every run: it signs the user in (local users
file, or OIDC through ``st.login`` when an ``[auth]`` section is configured in
``.streamlit/secrets.toml``), stores the role in ``st.session_state[ROLE_KEY]`` and
returns it; the router then lists only the pages of that role (:func:`visible_pages`).
Each restricted page also calls :func:`require_role` on its first line, before it loads
any data, so a page that is run on its own never shows data to the wrong role.

Roles (``views.accounts``): advisor > planner > viewer > public (no login).

Sessions of local accounts
--------------------------
No login token ever reaches the browser. Streamlit 1.67 under ``streamlit run`` gives a
script no way to set a cookie: the server's only ``Set-Cookie`` responses are its XSRF
cookie and the HttpOnly ``_streamlit_user`` cookie of its own OIDC routes
(``streamlit/web/server/starlette/starlette_auth_routes.py``); a cookie written from the
page (what streamlit-authenticator did, through a component) is readable by every page
script. ``st.App(..., routes=[...])`` could add a login route that sets an HttpOnly
cookie, but only under another launcher (an ASGI server). So a local sign-in lives in
the server-side session only (``st.session_state``, tied to the browser tab's WebSocket
session): reloading the page or opening a new tab asks for the password again, and
closing the tab ends the session. OIDC sign-ins keep Streamlit's own cookie (HttpOnly,
SameSite=Lax, signed with ``cookie_secret``).

Every rerun checks the signed-in session against the users file: an account removed,
given another role, or whose ``session_version`` was raised (sign-out, password change,
``python -m views.accounts signout NAME``) is signed out at once with a message saying
why. Wrong passwords are throttled per account and per client address
(``views.accounts.LoginThrottle``; the message says how long to wait). A users file that
cannot be read leaves everyone on the public role with one line naming the problem.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from geo.errors import AccessMapError
from geo.escape import markdown_text
from geo.products.i18n import tr
from views.accounts import (
    ROLES,
    LoginThrottle,
    UserError,
    UsersFile,
    change_password,
    check_password,
    end_sessions,
    has_role,
    load_users,
    role_of,
    verify,
    wait_text,
)
from views.common import lang as current_lang
from views.common import settings

#: Session-state key holding the current role (set only by server code, never by a widget).
ROLE_KEY = "auth_role"
USER_KEY = "auth_user"
#: Session-state key of the local sign-in (:class:`LocalSession`).
SESSION_KEY = "auth_session"
#: Session-state key of the message shown once after a sign-out the user did not ask for.
NOTICE_KEY = "auth_notice"
#: Failed sign-ins, shared by every session of this server process.
THROTTLE = LoginThrottle()


@dataclass(frozen=True)
class LocalSession:
    """A signed-in local account, as the session remembers it.

    Attributes
    ----------
    name
        Account name.
    role
        Role when signing in.
    version
        The account's ``session_version`` when signing in.
    """

    name: str
    role: str
    version: int


#: Page script -> least role that may open it. Pages not listed need ``advisor`` (closed by default).
PAGE_ROLES = {
    "views/public.py": "public",
    "views/live_map.py": "viewer",
    "views/reachability.py": "planner",
    "views/export.py": "planner",
    "views/severity.py": "planner",
    "views/positions.py": "viewer",
    "views/constraints.py": "advisor",
    "views/incidents.py": "advisor",
}
ROLE_LABEL = {"advisor": "access advisor", "planner": "planner", "viewer": "viewer", "public": "public"}


def current_role() -> str:
    """Return the role of this session (``public`` when nobody is signed in)."""
    role = st.session_state.get(ROLE_KEY)
    return role if role in ROLES else "public"


def page_role(script: str) -> str:
    """Least role needed for a page script (``advisor`` for pages not in :data:`PAGE_ROLES`)."""
    return PAGE_ROLES.get(script, "advisor")


def visible_pages(pages: list[tuple], role: str) -> list[tuple]:
    """Return the ``(script, ...)`` entries of ``pages`` that ``role`` may open, in order."""
    return [p for p in pages if has_role(role, page_role(p[0]))]


def require_role(role: str) -> None:
    """Stop the page with a clear message unless the session holds ``role`` (or a higher one).

    Call it first in a page script, before loading any data.
    """
    if has_role(current_role(), role):
        return
    st.title("Restricted page")
    st.warning(
        f"This page is for the **{ROLE_LABEL[role]}** role and above. "
        f"You are signed in as: {ROLE_LABEL[current_role()]}. "
        "Sign in with an account that has this role (sidebar), or open the public snapshots."
    )
    st.stop()


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001  (no secrets file at all)
        return False


def _oidc_user() -> dict | None:
    try:
        if st.user.is_logged_in:
            return dict(st.user)
    except (AttributeError, KeyError):
        return None
    return None


def _client_address() -> str | None:
    """Return the browser's address as the server sees it (None for this machine, as Streamlit says)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001  (no client context: bare mode)
        return None
    return address if isinstance(address, str) else None  # AppTest gives a mock


def _load() -> tuple[UsersFile, str | None]:
    """Return the users file's content, or no users and the one-line problem when it cannot be read."""
    try:
        return load_users(settings().users_path), None
    except AccessMapError as exc:
        return UsersFile({}), str(exc)


def session_check(content: UsersFile, session: LocalSession) -> str | None:
    """Return why ``session`` must end against the users file, or None when it stays valid.

    Parameters
    ----------
    content
        The users file as read on this rerun.
    session
        The session's sign-in.

    Returns
    -------
    str or None
        A sentence for the user (plain text: escape it for Markdown).
    """
    user = content.users.get(session.name)
    if user is None:
        return f"The account {session.name} no longer exists: you are signed out."
    if user.role != session.role:
        return (
            f"The role of {session.name} changed from {ROLE_LABEL[session.role]} to "
            f"{ROLE_LABEL[user.role]}: sign in again."
        )
    if user.session_version != session.version:
        return (
            f"You were signed out: the password of {session.name} was changed or the account "
            "signed out from another session. Sign in again."
        )
    return None


def _sign_out() -> None:
    """Sign-out button: end every session of the account (this one included)."""
    session = st.session_state.pop(SESSION_KEY, None)
    if session is None:
        return
    try:
        end_sessions(session.name, path=settings().users_path)
    except AccessMapError as exc:  # account already removed, or the file cannot be written
        st.session_state[NOTICE_KEY] = f"Signed out here only: {exc}"
        return
    st.session_state[NOTICE_KEY] = "Signed out: every session of this account is closed."


def _sign_in_form() -> LocalSession | None:
    """Draw the sign-in form; return the new session on a right password (throttled)."""
    with st.sidebar.form("login", clear_on_submit=True):
        st.markdown("**Sign in**")
        name = st.text_input("User name", key="login_name")
        password = st.text_input("Password", type="password", key="login_password")
        submitted = st.form_submit_button("Sign in")
    if not submitted:
        return None
    address = _client_address()
    name = name.strip()
    wait = THROTTLE.wait_s(name, address)
    if wait > 0:
        st.sidebar.error(
            f"Too many failed sign-ins for this account or from this address. "
            f"Wait {wait_text(wait)} before trying again."
        )
        return None
    content, _ = _load()
    user = verify(content, name, password)
    if user is None:
        wait = THROTTLE.failed(name, address)
        st.sidebar.error(
            "Wrong user name or password."
            + (f" Too many failures: wait {wait_text(wait)} before trying again." if wait else "")
        )
        return None
    THROTTLE.succeeded(name, address)
    return LocalSession(user.name, user.role, user.session_version)


def _password_form(session: LocalSession) -> None:
    """Change the password of the signed-in account (every session of it ends)."""
    with st.sidebar.expander("Change password"), st.form("change_password", clear_on_submit=True):
        current = st.text_input("Current password", type="password", key="pw_current")
        new = st.text_input("New password", type="password", key="pw_new")
        again = st.text_input("New password again", type="password", key="pw_again")
        submitted = st.form_submit_button("Change password")
    if not submitted:
        return
    address = _client_address()
    wait = THROTTLE.wait_s(session.name, address)
    if wait > 0:
        st.sidebar.error(f"Too many failed attempts: wait {wait_text(wait)} before trying again.")
        return
    if verify(_load()[0], session.name, current) is None:
        wait = THROTTLE.failed(session.name, address)
        st.sidebar.error(
            "The current password is wrong; nothing changed."
            + (f" Wait {wait_text(wait)} before trying again." if wait else "")
        )
        return
    if new != again:
        st.sidebar.error("The two new passwords differ; nothing changed.")
        return
    try:
        check_password(new)
        change_password(session.name, new, path=settings().users_path)
    except (UserError, AccessMapError) as exc:
        st.sidebar.error(f"Not changed: {markdown_text(exc)}")
        return
    THROTTLE.succeeded(session.name, address)
    st.session_state.pop(SESSION_KEY, None)
    st.session_state[NOTICE_KEY] = "Password changed: every session of this account is closed. Sign in again."
    st.rerun()


def first_account_command() -> str:
    """Return the shell command that creates the first advisor account in this server's users file."""
    import shlex

    return (
        f"python -m views.accounts --users {shlex.quote(str(settings().users_path))} add NAME --role advisor"
    )


def first_run_help(where: object = st) -> None:
    """Say how to create the first account (none exists yet), in ``where`` (``st`` or ``st.sidebar``)."""
    lang = current_lang()
    where.info(tr("first.no_account", lang))
    where.code(first_account_command(), language="bash")
    where.caption(tr("first.then", lang))


def no_accounts() -> bool:
    """Return True when the users file holds no account and no single sign-on is configured."""
    content, problem = _load()
    return problem is None and not content.users and not _oidc_configured()


def login_sidebar() -> str:
    """Sign-in widgets in the sidebar; sets and returns the session's role.

    Local accounts come from the users file (``MALI_ACCESS_USERS`` or var/users.toml),
    re-read on every run: a removed account, a changed role or a raised session version
    signs the session out at once, with a message (never a traceback).
    """
    content, problem = _load()
    role, who = "public", None
    oidc = _oidc_configured()
    user = _oidc_user() if oidc else None
    session = st.session_state.get(SESSION_KEY)
    if session is not None:
        reason = (
            session_check(content, session)
            if problem is None
            else "You were signed out: the accounts file cannot be read."
        )
        if reason is not None:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[NOTICE_KEY] = reason
            session = None
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.sidebar.warning(markdown_text(notice))
    if problem is not None:
        st.sidebar.error(markdown_text(f"Sign-in unavailable: {problem}"))
    if user is not None:
        who = str(user.get("email") or user.get("name") or "")
        role = role_of(content, email=who)
        with st.sidebar:
            st.caption(markdown_text(f"Signed in as {who} ({ROLE_LABEL[role]})"))
            st.button("Sign out", on_click=st.logout, key="oidc_logout")
    elif session is not None:
        who, role = session.name, session.role
        with st.sidebar:
            st.caption(markdown_text(f"Signed in as {who} ({ROLE_LABEL[role]})"))
            st.button("Sign out", on_click=_sign_out, key="auth_logout")
        _password_form(session)
    elif content.users:
        new = _sign_in_form()
        if new is not None:
            st.session_state[SESSION_KEY] = new
            st.rerun()  # draw the signed-in sidebar and the role's pages
    elif problem is None and not oidc:  # first run: the page (public snapshots) says how to start
        st.sidebar.info(tr("first.sidebar", current_lang()))
    if oidc and user is None and session is None:
        st.sidebar.button("Sign in with single sign-on", on_click=st.login, key="oidc_login")
    st.session_state[ROLE_KEY] = role
    st.session_state[USER_KEY] = who
    return role
