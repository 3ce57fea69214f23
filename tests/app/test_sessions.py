"""Sessions of local accounts.

Sign-out and password change end every session, wrong passwords are throttled, a removed
or changed account signs out cleanly, store and users files are private.
"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from views.accounts import (
    LoginThrottle,
    add_user,
    change_password,
    end_sessions,
    load_users,
    main,
    remove_user,
    verify,
    wait_text,
)
from views.auth import ROLE_KEY, SESSION_KEY, THROTTLE, LocalSession, session_check

pytestmark = pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")

PW = "correct horse battery"
APP = str(PROJECT_ROOT / "app.py")


class FakeClock:
    """A monotonic clock the test moves by hand (seconds)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ----------------------------------------------------------------------------- throttle


def test_throttle_waits_grow_per_account_and_address() -> None:
    clock = FakeClock()
    t = LoginThrottle(free_failures=3, base_wait_s=30, max_wait_s=120, clock=clock)
    assert [t.failed("ann", "10.0.0.1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert t.wait_s("ann", "10.0.0.1") == 0.0
    assert t.failed("ann", "10.0.0.1") == 30.0  # 4th failure
    # the account waits from any address, and the address waits for any account
    assert t.wait_s("ann", "10.0.0.9") == 30.0
    assert t.wait_s("bob", "10.0.0.1") == 30.0
    assert t.wait_s("bob", "10.0.0.9") == 0.0
    clock.now += 30
    assert t.wait_s("ann", "10.0.0.1") == 0.0
    assert t.failed("ann", "10.0.0.1") == 60.0
    clock.now += 60
    assert t.failed("ann", "10.0.0.1") == 120.0
    clock.now += 120
    assert t.failed("ann", "10.0.0.1") == 120.0  # capped
    clock.now += 10
    assert t.wait_s("ANN ", "10.0.0.1") == 110.0  # names compared as the form trims and lower-cases


def test_throttle_success_and_quiet_period_forget() -> None:
    clock = FakeClock()
    t = LoginThrottle(free_failures=1, base_wait_s=10, forget_after_s=3600, clock=clock)
    t.failed("ann", "a")
    assert t.failed("ann", "b") == 10.0  # second failure of the account, from another address
    clock.now += 10
    t.succeeded("ann", "b")
    assert t.wait_s("ann", "c") == 0.0 and t.failed("ann", "c") == 0.0  # count restarted
    clock.now += 3601
    assert t.failed("ann", "c") == 0.0  # an hour later the count starts again


def test_throttle_memory_is_bounded() -> None:
    clock = FakeClock()
    t = LoginThrottle(max_keys=50, clock=clock)
    for i in range(200):
        clock.now += 1
        t.failed(f"user{i}", f"10.0.{i}.1")
    assert len(t._state) == 50


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.2, "1 s"), (30, "30 s"), (90, "1 min 30 s"), (900, "15 min")]
)
def test_wait_text(seconds: float, text: str) -> None:
    assert wait_text(seconds) == text


# ----------------------------------------------------------------------------- users file


def test_session_version_raised_by_signout_password_and_role(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "advisor", path=path)
    assert load_users(path).users["ann"].session_version == 0
    assert end_sessions("ann", path=path) == 1
    change_password("ann", "another good one", path=path)
    user = load_users(path).users["ann"]
    assert user.session_version == 2 and verify(load_users(path), "ann", "another good one")
    add_user("ann", PW, "viewer", path=path, replace=True)
    assert load_users(path).users["ann"].session_version == 3
    assert main(["--users", str(path), "signout", "ann"]) == 0
    assert load_users(path).users["ann"].session_version == 4
    assert main(["--users", str(path), "signout", "nobody"]) == 2


def test_session_check_reasons(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "advisor", path=path)
    session = LocalSession("ann", "advisor", 0)
    assert session_check(load_users(path), session) is None
    end_sessions("ann", path=path)
    assert "password of ann was changed or the account signed out" in session_check(load_users(path), session)
    add_user("ann", PW, "viewer", path=path, replace=True)
    assert session_check(load_users(path), LocalSession("ann", "advisor", 2)) == (
        "The role of ann changed from access advisor to viewer: sign in again."
    )
    remove_user("ann", path=path)
    assert session_check(load_users(path), session) == "The account ann no longer exists: you are signed out."


def test_users_file_and_new_folders_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new" / "var" / "users.toml"
    add_user("ann", PW, "advisor", path=path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.with_name("users.toml.lock").stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) != 0o700 or True  # an existing folder is left alone


def test_store_files_are_private(tmp_path: Path) -> None:
    import os

    from geo.store.db import connect, transaction

    os.chmod(tmp_path, 0o755)
    path = tmp_path / "sub" / "store.sqlite"
    old = os.umask(0o022)
    try:
        conn = connect(path)
        with transaction(conn):
            conn.execute("CREATE TABLE t (x)")
            conn.execute("INSERT INTO t VALUES (1)")
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in (
                path.parent,
                path,
                path.with_name("store.sqlite-wal"),
                path.with_name("store.sqlite-shm"),
            )
        }
        conn.close()
    finally:
        os.umask(old)
    assert modes == {
        "sub": 0o700,
        "store.sqlite": 0o600,
        "store.sqlite-wal": 0o600,
        "store.sqlite-shm": 0o600,
    }
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755  # an existing parent keeps its mode
    # an existing store readable by others is narrowed when opened
    os.chmod(path, 0o644)
    connect(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


# ----------------------------------------------------------------------------- in the app


@pytest.fixture
def users(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "advisor", path=path)
    add_user("vic", PW, "viewer", path=path)
    monkeypatch.setenv("MALI_ACCESS_USERS", str(path))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    monkeypatch.setenv("PROJECT_ROOT_FOR_TEST", str(PROJECT_ROOT))
    THROTTLE._state.clear()
    yield path
    THROTTLE._state.clear()


def _login_app() -> None:
    import os
    import sys

    import streamlit as st

    sys.path.insert(0, os.environ["PROJECT_ROOT_FOR_TEST"])
    from views.auth import login_sidebar

    st.write(f"role={login_sidebar()}")


def _session() -> AppTest:
    at = AppTest.from_function(_login_app, default_timeout=60)
    at.user = {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    return at


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.sidebar.text_input(key="login_name").input(name)
    at.sidebar.text_input(key="login_password").input(password)
    at.sidebar.button[0].click().run()
    assert not at.exception, at.exception
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.sidebar.error]


def _warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.sidebar.warning]


def test_no_cookie_and_no_token_in_the_page(users: Path) -> None:
    at = _sign_in(_session(), "ann", PW)
    assert at.session_state[ROLE_KEY] == "advisor"
    # nothing but Streamlit's own elements: no component (the old login wrote a cookie through one)
    assert at.get("component_instance") == []
    assert isinstance(at.session_state[SESSION_KEY], LocalSession)
    with pytest.raises(KeyError):  # the password widget's value is gone once signed in
        at.session_state["login_password"]


def test_sign_out_ends_every_session_of_the_account(users: Path) -> None:
    one, two, other = (
        _sign_in(_session(), "ann", PW),
        _sign_in(_session(), "ann", PW),
        _sign_in(_session(), "vic", PW),
    )
    assert one.session_state[ROLE_KEY] == two.session_state[ROLE_KEY] == "advisor"
    one.sidebar.button(key="auth_logout").click().run()
    assert one.session_state[ROLE_KEY] == "public"
    assert _warnings(one) == [r"Signed out\: every session of this account is closed\."]
    two.run()
    assert not two.exception
    assert two.session_state[ROLE_KEY] == "public"
    assert _warnings(two) == [
        r"You were signed out\: the password of ann was changed or the account signed out from another "
        r"session\. Sign in again\."
    ]
    other.run()
    assert other.session_state[ROLE_KEY] == "viewer" and _warnings(other) == []
    # signing in again works, with the new session version
    assert _sign_in(two, "ann", PW).session_state[ROLE_KEY] == "advisor"
    assert two.session_state[SESSION_KEY].version == 1


def test_password_change_in_the_app_ends_every_session(users: Path) -> None:
    one, two = _sign_in(_session(), "ann", PW), _sign_in(_session(), "ann", PW)
    one.sidebar.text_input(key="pw_current").input(PW)
    one.sidebar.text_input(key="pw_new").input("a new long password")
    one.sidebar.text_input(key="pw_again").input("a new long password")
    one.sidebar.button[1].click().run()
    assert not one.exception, one.exception
    assert one.session_state[ROLE_KEY] == "public"
    assert _warnings(one) == [r"Password changed\: every session of this account is closed\. Sign in again\."]
    two.run()
    assert two.session_state[ROLE_KEY] == "public" and "was changed" in _warnings(two)[0]
    assert _errors(_sign_in(two, "ann", PW)) == ["Wrong user name or password."]
    assert _sign_in(two, "ann", "a new long password").session_state[ROLE_KEY] == "advisor"


def test_password_change_refused_with_wrong_current_password(users: Path) -> None:
    at = _sign_in(_session(), "ann", PW)
    at.sidebar.text_input(key="pw_current").input("not the password")
    at.sidebar.text_input(key="pw_new").input("a new long password")
    at.sidebar.text_input(key="pw_again").input("a new long password")
    at.sidebar.button[1].click().run()
    assert _errors(at) == ["The current password is wrong; nothing changed."]
    assert at.session_state[ROLE_KEY] == "advisor"
    assert verify(load_users(users), "ann", PW)


def test_password_change_from_the_command_line_ends_sessions(users: Path, monkeypatch) -> None:  # noqa: ANN001
    import io

    at = _sign_in(_session(), "ann", PW)
    monkeypatch.setattr("sys.stdin", io.StringIO("a new long password\n"))
    assert (
        main(["--users", str(users), "add", "ann", "--role", "advisor", "--replace", "--password-stdin"]) == 0
    )
    at.run()
    assert at.session_state[ROLE_KEY] == "public" and "was changed" in _warnings(at)[0]


def test_wrong_passwords_are_throttled_with_the_wait(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import views.auth

    monkeypatch.setattr(views.auth, "_client_address", lambda: "203.0.113.7")
    at = _session()
    for _ in range(THROTTLE.free_failures):
        assert _errors(_sign_in(at, "ann", "wrong password")) == ["Wrong user name or password."]
    assert _errors(_sign_in(at, "ann", "wrong password")) == [
        "Wrong user name or password. Too many failures: wait 30 s before trying again."
    ]
    # the right password is refused while the account waits, without checking it
    got = _errors(_sign_in(at, "ann", PW))
    assert len(got) == 1 and got[0].startswith(
        "Too many failed sign-ins for this account or from this address. Wait "
    )
    assert got[0].endswith(" s before trying again.")
    assert at.session_state[ROLE_KEY] == "public"
    # the same client address is throttled for another account too
    assert _errors(_sign_in(at, "vic", PW))[0].startswith("Too many failed sign-ins")
    # once the wait is over (moved by hand: no sleeping), the right password signs in
    for key, (n, last, _until) in list(THROTTLE._state.items()):
        THROTTLE._state[key] = (n, last, 0.0)
    assert _errors(_sign_in(at, "ann", PW)) == [] and at.session_state[ROLE_KEY] == "advisor"


def test_removed_account_on_every_page_gets_a_message_not_a_traceback(
    users: Path, data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.user = {"is_logged_in": False}
    at.run()
    _sign_in(at, "vic", PW)
    assert at.session_state["nav_pages"] == ["Live map", "Positions", "Public snapshots"]
    remove_user("vic", path=users)
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[ROLE_KEY] == "public"
    assert at.session_state["nav_pages"] == ["Public snapshots"]
    assert [t.value for t in at.title] == ["Public snapshots"]  # the app tests run in English (conftest)
    assert _warnings(at) == [r"The account vic no longer exists\: you are signed out\."]
    at.run()  # the message is shown once
    assert not at.exception and _warnings(at) == []


def test_unreadable_users_file_is_one_line(users: Path) -> None:
    at = _sign_in(_session(), "ann", PW)
    users.write_text("[users.ann\n", encoding="utf-8")
    at.run()
    assert not at.exception, at.exception
    assert at.session_state[ROLE_KEY] == "public"
    assert len(_errors(at)) == 1 and _errors(at)[0].startswith("Sign\\-in unavailable\\: ")
    assert "cannot read users file" in _errors(at)[0]
    assert _warnings(at) == [r"You were signed out\: the accounts file cannot be read\."]


def test_oidc_name_with_markdown_is_shown_literally(users: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.escape import markdown_text

    email = "![x](http://127.0.0.1:9/x.png)<img src=x onerror=alert(1)>@example.org"
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
    assert [c.value for c in at.sidebar.caption] == [markdown_text(f"Signed in as {email} (public)")]


def test_throttle_without_an_address_counts_the_account_only() -> None:
    clock = FakeClock()
    t = LoginThrottle(free_failures=1, base_wait_s=10, clock=clock)
    t.failed("ann", None)
    assert t.failed("ann", None) == 10.0
    assert t.wait_s("ann", None) == 10.0 and t.wait_s("bob", None) == 0.0
