"""Roles and login for the app (UI plumbing; not a page).

``app.py`` calls :func:`login_sidebar` on every run: it signs the user in (local users
file through streamlit-authenticator, or OIDC through ``st.login`` when an ``[auth]``
section is configured in ``.streamlit/secrets.toml``), stores the role in
``st.session_state[ROLE_KEY]`` and returns it; the router then lists only the pages of
that role (:func:`visible_pages`). Each restricted page also calls
:func:`require_role` on its first line, before it loads any data, so a page that is
run on its own never shows data to the wrong role.

Roles (``views.accounts``): advisor > planner > viewer > public (no login).
"""

from __future__ import annotations

import streamlit as st

from views.accounts import ROLES, has_role, load_users, role_of
from views.common import settings

#: Session-state key holding the current role (set only by server code, never by a widget).
ROLE_KEY = "auth_role"
USER_KEY = "auth_user"
#: Cookie of the local login (signed with the users file's ``cookie_key``).
COOKIE_NAME = "mali_access_login"
COOKIE_DAYS = 1.0

#: Page script -> least role that may open it. Pages not listed need ``advisor`` (closed by default).
PAGE_ROLES = {
    "views/public.py": "public",
    "views/live_map.py": "viewer",
    "views/reachability.py": "planner",
    "views/export.py": "planner",
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


def login_sidebar() -> str:
    """Sign-in widgets in the sidebar; sets and returns the session's role.

    Local accounts come from the users file (``MALI_ACCESS_USERS`` or var/users.toml),
    re-read on every run so a removed account or a changed role applies at once.
    """
    content = load_users(settings().users_path)
    role, who = "public", None
    oidc = _oidc_configured()
    user = _oidc_user() if oidc else None
    if user is not None:
        who = str(user.get("email") or user.get("name") or "")
        role = role_of(content, email=who)
        with st.sidebar:
            st.caption(f"Signed in as {who} ({ROLE_LABEL[role]})")
            st.button("Sign out", on_click=st.logout, key="oidc_logout")
    elif content.users:
        import streamlit_authenticator as stauth

        creds = {
            "usernames": {
                u.name: {"name": u.name, "email": "", "password": u.password_hash, "roles": [u.role]}
                for u in content.users.values()
            }
        }
        authenticator = stauth.Authenticate(
            creds, COOKIE_NAME, content.cookie_key, COOKIE_DAYS, auto_hash=False
        )
        authenticator.login(
            location="sidebar",
            key="login",
            fields={
                "Form name": "Sign in",
                "Username": "User name",
                "Password": "Password",
                "Login": "Sign in",
            },
        )
        status = st.session_state.get("authentication_status")
        if status:
            who = st.session_state.get("username")
            role = role_of(content, name=who)
            with st.sidebar:
                st.caption(f"Signed in as {who} ({ROLE_LABEL[role]})")
                authenticator.logout("Sign out", location="sidebar", key="auth_logout")
        elif status is False:
            st.sidebar.error("Wrong user name or password.")
    if oidc and user is None:
        st.sidebar.button("Sign in with single sign-on", on_click=st.login, key="oidc_login")
    st.session_state[ROLE_KEY] = role
    st.session_state[USER_KEY] = who
    return role
