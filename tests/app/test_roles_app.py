"""Roles in the app (AppTest).

Restricted pages show nothing to the wrong role; each role is offered exactly its pages;
local login and OIDC role mapping.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from views.accounts import add_user, has_role, load_users, save_users
from views.auth import PAGE_ROLES, ROLE_KEY, SESSION_KEY, THROTTLE, LocalSession, page_role, visible_pages

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

PW = "correct horse battery"
APP = str(PROJECT_ROOT / "app.py")
RESTRICTED = [s for s, r in PAGE_ROLES.items() if r != "public" and (PROJECT_ROOT / s).exists()]
ACCOUNTS = {"ann": "advisor", "pat": "planner", "vic": "viewer"}
#: Page titles as app.py lists them.
TITLES = {
    "views/live_map.py": "Live map",
    "views/reachability.py": "Reachability",
    "views/constraints.py": "Constraints",
    "views/incidents.py": "Incidents",
    "views/severity.py": "Severity",
    "views/export.py": "Export",
    "views/positions.py": "Positions",
    "views/public.py": "Public snapshots",
}


@pytest.fixture(scope="module")
def users_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("users") / "users.toml"
    for name, role in ACCOUNTS.items():
        add_user(name, PW, role, path=path)
    return path


@pytest.fixture
def env(users_file: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MALI_ACCESS_USERS", str(users_file))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    return users_file


def test_restricted_pages_exist() -> None:
    assert {"views/live_map.py", "views/constraints.py", "views/incidents.py"} <= set(RESTRICTED)


FORBIDDEN = [
    (s, r)
    for s in RESTRICTED
    for r in (None, "public", "viewer", "planner")
    if r is None or not has_role(r, page_role(s))
]


@pytest.mark.parametrize(("script", "role"), FORBIDDEN)
def test_wrong_role_sees_no_data(env: Path, script: str, role: str | None) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / script), default_timeout=60)
    at.user = {"is_logged_in": False}
    if role is not None:
        at.session_state[ROLE_KEY] = role
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Restricted page"]
    assert len(at.warning) == 1 and "role and above" in at.warning[0].value
    for kind in (
        "dataframe",
        "table",
        "metric",
        "download_button",
        "component_instance",
        "iframe",
        "selectbox",
        "date_input",
        "file_uploader",
        "map",
    ):
        assert len(at.get(kind)) == 0, (script, kind)


def _app_as(env: Path, username: str | None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": False}
    if username is not None:  # a session the login form has authenticated
        user = load_users(env).users[username]
        at.session_state[SESSION_KEY] = LocalSession(username, user.role, user.session_version)
    at.run()
    assert not at.exception, at.exception
    return at


def test_visible_pages_matrix() -> None:
    pages = [(s, s) for s in PAGE_ROLES] + [("views/unknown.py", "?")]
    got = {
        role: [s for s, _ in visible_pages(pages, role)]
        for role in ("advisor", "planner", "viewer", "public")
    }
    assert got["public"] == ["views/public.py"]
    assert got["viewer"] == ["views/public.py", "views/live_map.py", "views/positions.py"]
    assert got["planner"] == [
        "views/public.py",
        "views/live_map.py",
        "views/reachability.py",
        "views/export.py",
        "views/severity.py",
        "views/positions.py",
    ]
    assert got["advisor"] == [*PAGE_ROLES, "views/unknown.py"]


def test_logged_out_gets_public_page_only(env: Path) -> None:
    at = _app_as(env, None)
    assert at.session_state["nav_pages"] == ["Public snapshots"]
    assert at.session_state[ROLE_KEY] == "public"
    assert [t.value for t in at.title] == ["Public snapshots"]  # the app tests run in English (conftest)
    assert [w.label for w in at.sidebar.text_input] == ["User name", "Password"]


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_each_role_sees_exactly_its_pages(env: Path, username: str) -> None:
    role = ACCOUNTS[username]
    at = _app_as(env, username)
    assert at.session_state[ROLE_KEY] == role
    titles = at.session_state["nav_pages"]
    assert titles == [
        t
        for t in [
            "Live map",
            "Reachability",
            "Constraints",
            "Incidents",
            "Severity",
            "Export",
            "Positions",
            "Public snapshots",
        ]
        if t in titles
    ]
    allowed = {
        "advisor": {
            "Live map",
            "Reachability",
            "Constraints",
            "Incidents",
            "Severity",
            "Export",
            "Positions",
            "Public snapshots",
        },
        "planner": {"Live map", "Reachability", "Severity", "Export", "Positions", "Public snapshots"},
        "viewer": {"Live map", "Positions", "Public snapshots"},
    }[role]
    existing = {title for script, title in TITLES.items() if (PROJECT_ROOT / script).exists()}
    assert set(titles) == allowed & existing
    assert f"Signed in as {username}" in " ".join(c.value for c in at.sidebar.caption)


@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_signing_in_opens_the_live_map(env: Path, username: str) -> None:
    """Signed in through the form on the public page, every role lands on the live map (French trial)."""
    from geo.products.i18n import tr

    THROTTLE._state.clear()
    at = _app_as(env, None)
    assert [t.value for t in at.title] == [tr("nav.public", "en")]
    at.text_input(key="login_name").input(username)
    at.text_input(key="login_password").input(PW)
    next(b for b in at.sidebar.button if b.label == tr("auth.sign_in", "en")).click().run()
    assert not at.exception, at.exception
    assert at.session_state[ROLE_KEY] == ACCOUNTS[username]
    assert [t.value for t in at.title] == [tr("live.title", "en")]
    at.run()  # the next run stays there (the sign-in is not replayed)
    assert [t.value for t in at.title] == [tr("live.title", "en")]


def test_removed_account_falls_back_to_public(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "users.toml"
    content = load_users(env)
    at = _app_as(env, "ann")
    assert at.session_state[ROLE_KEY] == "advisor"
    save_users(type(content)({k: v for k, v in content.users.items() if k != "ann"}), path)
    monkeypatch.setenv("MALI_ACCESS_USERS", str(path))
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[ROLE_KEY] == "public"
    assert at.session_state["nav_pages"] == ["Public snapshots"]
    assert [t.value for t in at.title] == ["Public snapshots"]  # the app tests run in English (conftest)
    assert [w.value for w in at.sidebar.warning] == [
        r"The account ann no longer exists\: you are signed out\."
    ]


def _login_app() -> None:
    import sys

    import streamlit as st

    sys.path.insert(0, str(__import__("pathlib").Path(__import__("os").environ["PROJECT_ROOT_FOR_TEST"])))
    from views.auth import login_sidebar

    st.write(f"role={login_sidebar()}")


@pytest.mark.parametrize(
    ("password", "role", "error"), [(PW, "planner", False), ("wrong password", "public", True)]
)
def test_login_form(
    env: Path, monkeypatch: pytest.MonkeyPatch, password: str, role: str, error: bool
) -> None:
    monkeypatch.setenv("PROJECT_ROOT_FOR_TEST", str(PROJECT_ROOT))
    THROTTLE._state.clear()
    at = AppTest.from_function(_login_app, default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    at.sidebar.text_input[0].input("pat")
    at.sidebar.text_input[1].input(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    assert at.session_state[ROLE_KEY] == role
    assert (["Wrong user name or password."] if error else []) == [e.value for e in at.sidebar.error]


def test_oidc_user_gets_mapped_role(env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.toml"
    content = load_users(env)
    save_users(type(content)(content.users, {"ada@example.org": "viewer"}), path)
    monkeypatch.setenv("MALI_ACCESS_USERS", str(path))
    monkeypatch.setenv("PROJECT_ROOT_FOR_TEST", str(PROJECT_ROOT))
    for email, role in (("ada@example.org", "viewer"), ("eve@example.org", "public")):
        at = AppTest.from_function(_login_app, default_timeout=60)
        at.secrets["auth"] = {
            "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
            "cookie_secret": "x" * 32,
            "client_id": "c",
            "client_secret": "s",
            "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
        }
        at.user = {"is_logged_in": True, "email": email, "name": email}
        at.run()
        assert not at.exception, at.exception
        assert at.session_state[ROLE_KEY] == role
