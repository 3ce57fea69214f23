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
from geo.products.i18n import error_text, tr
from views.accounts import (
    ROLES,
    LoginThrottle,
    UserError,
    UsersFile,
    change_password,
    check_password,
    end_sessions,
    has_role,
    language_of,
    load_users,
    role_of,
    set_language,
    verify,
    wait_text,
)
from views.common import LANG_KEY, settings, t
from views.common import lang as current_lang

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
#: Session-state key: the account whose saved language was applied to this session.
LANG_LOADED_KEY = "auth_lang_loaded"
#: Session-state key set by a sign-in through the form: the next run opens the signed-in
#: users' first page (the live map), not the public page the form was on.
JUST_SIGNED_IN_KEY = "auth_just_signed_in"


def role_label(role: str) -> str:
    """Return the name of ``role`` in the session's language (``conseiller en accès humanitaire``)."""
    return t(f"role.{role}")


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
    st.title(t("auth.restricted_title"))
    st.warning(t("auth.restricted", role=role_label(role), current=role_label(current_role())))
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
        return t("auth.account_gone", name=session.name)
    if user.role != session.role:
        return t(
            "auth.role_changed", name=session.name, old=role_label(session.role), new=role_label(user.role)
        )
    if user.session_version != session.version:
        return t("auth.signed_out_elsewhere", name=session.name)
    return None


def _sign_out() -> None:
    """Sign-out button: end every session of the account (this one included)."""
    session = st.session_state.pop(SESSION_KEY, None)
    if session is None:
        return
    try:
        end_sessions(session.name, path=settings().users_path)
    except AccessMapError as exc:  # account already removed, or the file cannot be written
        st.session_state[NOTICE_KEY] = t("auth.signed_out_here", problem=str(exc))
        return
    st.session_state[NOTICE_KEY] = t("auth.signed_out")


def _sign_in_form() -> LocalSession | None:
    """Draw the sign-in form; return the new session on a right password (throttled)."""
    with st.sidebar.form("login", clear_on_submit=True):
        st.markdown(f"**{t('auth.sign_in')}**")
        name = st.text_input(t("auth.user_name"), key="login_name")
        password = st.text_input(t("auth.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("auth.sign_in"))
    if not submitted:
        return None
    address = _client_address()
    name = name.strip()
    wait = THROTTLE.wait_s(name, address)
    if wait > 0:
        st.sidebar.error(t("auth.throttled", wait=wait_text(wait)))
        return None
    content, _ = _load()
    user = verify(content, name, password)
    if user is None:
        wait = THROTTLE.failed(name, address)
        st.sidebar.error(
            t("auth.wrong_password") + (" " + t("auth.too_many", wait=wait_text(wait)) if wait else "")
        )
        return None
    THROTTLE.succeeded(name, address)
    if user.lang:  # the language this user chose on an earlier visit
        st.session_state[LANG_KEY] = user.lang
    st.session_state[LANG_LOADED_KEY] = user.name
    return LocalSession(user.name, user.role, user.session_version)


def _password_form(session: LocalSession) -> None:
    """Change the password of the signed-in account (every session of it ends)."""
    # a popover: its form is drawn only when opened (an expander's is drawn on every page)
    with st.sidebar.popover(t("auth.change_password")), st.form("change_password", clear_on_submit=True):
        current = st.text_input(t("auth.current_password"), type="password", key="pw_current")
        new = st.text_input(t("auth.new_password"), type="password", key="pw_new")
        again = st.text_input(t("auth.new_password_again"), type="password", key="pw_again")
        submitted = st.form_submit_button(t("auth.change_password"))
    if not submitted:
        return
    address = _client_address()
    wait = THROTTLE.wait_s(session.name, address)
    if wait > 0:
        st.sidebar.error(t("auth.too_many", wait=wait_text(wait)))
        return
    if verify(_load()[0], session.name, current) is None:
        wait = THROTTLE.failed(session.name, address)
        st.sidebar.error(
            t("auth.current_wrong") + (" " + t("auth.too_many", wait=wait_text(wait)) if wait else "")
        )
        return
    if new != again:
        st.sidebar.error(t("auth.passwords_differ"))
        return
    try:
        check_password(new)
        change_password(session.name, new, path=settings().users_path)
    except (UserError, AccessMapError) as exc:
        st.sidebar.error(t("auth.not_changed", problem=markdown_text(error_text(exc, current_lang()))))
        return
    THROTTLE.succeeded(session.name, address)
    st.session_state.pop(SESSION_KEY, None)
    st.session_state[NOTICE_KEY] = t("auth.password_changed")
    st.rerun()


def first_account_command() -> str:
    """Return the shell command that creates the first advisor account in this server's users file.

    It names the Python that runs this server (``.venv/bin/python`` after ``scripts/setup.sh``), so
    it works without activating the virtual environment.
    """
    import shlex
    import sys

    users = shlex.quote(str(settings().users_path))
    name = tr("first.name_placeholder", current_lang())  # NOM / NAME, as the caption says
    return f"{shlex.quote(sys.executable)} -m views.accounts --users {users} add {name} --role advisor"


def first_run_help(where: object = st) -> None:
    """Say how to create the first account (none exists yet), in ``where`` (``st`` or ``st.sidebar``)."""
    lang = current_lang()
    where.info(tr("first.no_account", lang))
    # wrapped: the whole command reads at 1366 px, without a horizontal scroll hiding "--role advisor"
    where.code(first_account_command(), language="bash", wrap_lines=True)
    where.caption(tr("first.then", lang))


def no_accounts() -> bool:
    """Return True when the users file holds no account and no single sign-on is configured."""
    content, problem = _load()
    return problem is None and not content.users and not _oidc_configured()


def save_language(lang: str) -> str | None:
    """Keep ``lang`` with the signed-in user's account, so the next visit opens in it.

    Local accounts keep it in the users file (``lang``), OIDC users under ``[oidc_lang]``;
    the public role has no account (the choice lasts for the session).

    Returns
    -------
    str or None
        One line for the user when it could not be saved (the session keeps the choice).
    """
    session = st.session_state.get(SESSION_KEY)
    who = st.session_state.get(USER_KEY)
    try:
        if session is not None:
            set_language(lang, path=settings().users_path, name=session.name)
        elif who and _oidc_user() is not None:
            set_language(lang, path=settings().users_path, email=who)
    except (UserError, AccessMapError) as exc:
        return t("auth.lang_not_saved", problem=error_text(exc, current_lang()))
    return None


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
        reason = session_check(content, session) if problem is None else t("auth.users_unreadable")
        if reason is not None:
            st.session_state.pop(SESSION_KEY, None)
            st.session_state[NOTICE_KEY] = reason
            session = None
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.sidebar.warning(markdown_text(notice))
    if problem is not None:
        st.sidebar.error(markdown_text(t("auth.unavailable", problem=problem)))
    if user is not None:
        who = str(user.get("email") or user.get("name") or "")
        role = role_of(content, email=who)
        if st.session_state.get(LANG_LOADED_KEY) != who:  # first run of this sign-in
            saved = language_of(content, email=who)
            if saved:
                st.session_state[LANG_KEY] = saved
            st.session_state[LANG_LOADED_KEY] = who
        with st.sidebar:
            st.caption(markdown_text(t("auth.signed_in_as", who=who, role=role_label(role))))
            st.button(t("auth.sign_out"), on_click=st.logout, key="oidc_logout")
    elif session is not None:
        who, role = session.name, session.role
        with st.sidebar:
            st.caption(markdown_text(t("auth.signed_in_as", who=who, role=role_label(role))))
            st.button(t("auth.sign_out"), on_click=_sign_out, key="auth_logout")
        _password_form(session)
    elif content.users:
        new = _sign_in_form()
        if new is not None:
            st.session_state[SESSION_KEY] = new
            st.session_state[JUST_SIGNED_IN_KEY] = True  # app.py opens the live map
            st.rerun()  # draw the signed-in sidebar and the role's pages
    elif problem is None and not oidc:  # first run: the page (public snapshots) says how to start
        st.sidebar.info(tr("first.sidebar", current_lang()))
    if oidc and user is None and session is None:
        st.sidebar.button(t("auth.sso"), on_click=st.login, key="oidc_login")
    st.session_state[ROLE_KEY] = role
    st.session_state[USER_KEY] = who
    return role
