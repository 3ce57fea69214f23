"""First run leads somewhere: the first account, publishing from the app, the public page's promise."""

from __future__ import annotations

import datetime as dt
import io
import re
import shlex
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.products.i18n import tr
from views import accounts

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _french(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")  # this module checks the French first screen


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server with no users file yet and no snapshot."""
    users = tmp_path / "var" / "users.toml"
    monkeypatch.setenv("MALI_ACCESS_USERS", str(users))
    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snapshots"))
    monkeypatch.chdir(ROOT)
    return users


def _plain(markdown: str) -> str:
    """Markdown source as the reader sees it (backslash escapes of geo.escape.markdown_text removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def _app() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.user = {"is_logged_in": False}
    return at


def test_first_screen_says_how_to_create_the_first_account(fresh: Path) -> None:
    at = _app().run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == [tr("public.title", "fr")]
    assert not at.sidebar.text_input  # no sign-in form: there is nobody to sign in
    assert tr("first.sidebar", "fr") in [i.value for i in at.sidebar.info]
    assert tr("first.no_account", "fr") in [i.value for i in at.info]
    command = at.code[0].value
    # the command writes the users file this server reads, whatever its path
    assert shlex.split(command) == [
        sys.executable,  # the server's own Python: works without activating the virtual environment
        "-m",
        "views.accounts",
        "--users",
        str(fresh),
        "add",
        "NOM",  # the placeholder in the page's language, as the caption names it
        "--role",
        "advisor",
    ]
    assert tr("public.none", "fr") in [_plain(i.value) for i in at.info]
    said = " ".join([*(i.value for i in at.info), *(c.value for c in at.caption)])
    assert "Remplacez NOM par" in said and "NAME" not in said
    # one name for the role, the sidebar's: never the short "conseiller accès"
    assert said.count(tr("role.advisor", "fr")) == 2 and "conseiller accès" not in said


def test_the_first_account_command_wraps_to_be_read_whole(fresh: Path) -> None:
    """The command is longer than the page is wide at 1366 px: it wraps instead of scrolling sideways."""
    at = _app().run()
    assert [c.proto.wrap_lines for c in at.code] == [True]
    assert len(at.code[0].value) > 100  # the path of the server's Python and users file make it long


def test_the_shown_command_creates_an_advisor_who_can_sign_in(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    command = shlex.split(_app().run().code[0].value)
    argv = [("ada" if a == tr("first.name_placeholder", "fr") else a) for a in command[3:]] + [
        "--password-stdin"
    ]
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough passphrase 42\n"))
    assert accounts.main(argv) == 0
    assert accounts.load_users(fresh).users["ada"].role == "advisor"
    at = _app().run()
    assert [w.label for w in at.sidebar.text_input] == [tr("auth.user_name", "fr"), tr("auth.password", "fr")]
    assert not at.code  # the first-run help is gone
    at.sidebar.text_input[0].input("ada")
    at.sidebar.text_input[1].input("a long enough passphrase 42")
    at.sidebar.button[0].click().run()
    assert at.session_state["auth_role"] == "advisor"


def test_public_page_says_what_donors_find_and_when(fresh: Path) -> None:
    at = _app().run()
    texts = " ".join(m.value for m in at.markdown)
    for words in ("incidents", "encerclées", "atteignables", "GeoJSON", "30 jours"):
        assert words in _plain(texts)


@pytest.mark.parametrize("role", ["viewer", "planner"])
def test_only_advisors_get_the_publish_form(fresh: Path, role: str) -> None:
    at = AppTest.from_file(str(ROOT / "views" / "public.py"), default_timeout=60)
    at.session_state["auth_role"] = role
    at.run()
    assert not at.exception
    assert tr("public.publish", "fr") not in [b.label for b in at.button]


def test_publish_button_runs_the_code_of_the_command(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The button calls geo.products.snapshot.publish_snapshot (what ``python -m geo snapshot`` runs)."""
    import geo.cli.snapshot
    import geo.products.snapshot as snap
    import views.common
    from geo.products.snapshot import published_text

    calls = []

    def fake_publish(data_dir: Path, out_root: Path, **kw: object) -> Path:
        calls.append((Path(data_dir), Path(out_root), kw))
        return Path(out_root) / "2025-11-30_TEST_en"

    monkeypatch.setattr(snap, "publish_snapshot", fake_publish)
    monkeypatch.setattr(views.common, "data_dir", lambda: Path("/data"))
    monkeypatch.setattr(views.common, "model_inputs", lambda folder: f"model of {folder}")
    at = AppTest.from_file(str(ROOT / "views" / "public.py"), default_timeout=60)
    at.session_state["auth_role"] = "advisor"
    at.run()
    at.date_input(key="publish_as_of").set_value(dt.date(2025, 11, 30))
    at.selectbox(key="publish_lang").set_value("en")
    at.button[0].click().run()
    assert not at.exception, at.exception
    ((data, out, kw),) = calls
    assert data == Path("/data") and out == fresh.parent.parent / "snapshots"
    assert kw["as_of"] == dt.date(2025, 11, 30) and kw["lang"] == "en" and kw["delay_days"] == 30
    assert kw["model"] == "model of /data"
    # the situation shown, the snapshot's language and when donors see it; not the folder's name
    done = published_text(dt.date(2025, 11, 30), 30, "en", "fr")
    assert (
        done.startswith("Instantané en anglais publié. Situation au 31 octobre 2025") and "TEST" not in done
    )
    assert done in [_plain(s.value) for s in at.success]
    # it lasts: the next run still shows it, under the title and not inside the publish expander
    # (which the rerun draws folded once the new snapshot is listed)
    at.run()
    assert done in [_plain(s.value) for s in at.success]
    assert not [s for s in at.expander[0].success if _plain(s.value) == done]
    # the command line builds through the same function
    assert "publish_snapshot(" in Path(geo.cli.snapshot.__file__).read_text(encoding="utf-8")
