"""Users file and ``python -m views.accounts``: bcrypt hashes, roles, atomic 0600 file, no password echo."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from geo.errors import DataFileError
from views.accounts import (
    MIN_PASSWORD_CHARS,
    UserError,
    add_user,
    has_role,
    load_users,
    main,
    remove_user,
    role_of,
    verify,
)

PW = "correct horse battery"


@pytest.fixture
def users_file(tmp_path: Path) -> Path:
    return tmp_path / "var" / "users.toml"


def test_add_verify_and_file_content(users_file: Path) -> None:
    user = add_user("alice", PW, "advisor", path=users_file)
    assert (user.name, user.role) == ("alice", "advisor")
    text = users_file.read_text(encoding="utf-8")
    assert PW not in text
    assert user.password_hash.startswith("$2b$12$") and user.password_hash in text
    assert stat.S_IMODE(users_file.stat().st_mode) == 0o600
    content = load_users(users_file)
    assert list(content.users) == ["alice"]
    assert content.users["alice"].session_version == 0
    assert "cookie" not in text
    assert verify(content, "alice", PW) == content.users["alice"]
    assert verify(content, "alice", PW + "x") is None
    assert verify(content, "bob", PW) is None
    assert role_of(content, name="alice") == "advisor"
    assert role_of(content, name="nobody") == "public"


def test_other_users_untouched(users_file: Path) -> None:
    add_user("alice", PW, "advisor", path=users_file)
    add_user("bob", PW, "viewer", path=users_file)
    content = load_users(users_file)
    assert {u.name: u.role for u in content.users.values()} == {"alice": "advisor", "bob": "viewer"}


def test_duplicate_replace_and_remove(users_file: Path) -> None:
    add_user("alice", PW, "viewer", path=users_file)
    with pytest.raises(UserError, match="already exists"):
        add_user("alice", PW, "advisor", path=users_file)
    add_user("alice", "another password", "planner", path=users_file, replace=True)
    content = load_users(users_file)
    assert content.users["alice"].role == "planner"
    assert verify(content, "alice", PW) is None and verify(content, "alice", "another password")
    remove_user("alice", path=users_file)
    assert load_users(users_file).users == {}
    with pytest.raises(UserError, match="no user 'alice'"):
        remove_user("alice", path=users_file)


@pytest.mark.parametrize(
    ("name", "password", "role", "message"),
    [
        ("Alice", PW, "viewer", "invalid user name"),
        ("a b", PW, "viewer", "invalid user name"),
        ("alice", PW, "public", "unknown role 'public'"),
        ("alice", PW, "admin", "unknown role 'admin'"),
        ("alice", "s3cr3t", "viewer", "too short"),
        ("alice", "x" * 73, "viewer", "too long"),
        ("alice", " padded password", "viewer", "spaces"),
    ],
)
def test_bad_input_refused_and_nothing_written(
    users_file: Path, name: str, password: str, role: str, message: str
) -> None:
    with pytest.raises(UserError, match=message) as err:
        add_user(name, password, role, path=users_file)
    assert password not in str(err.value) or password == PW
    assert not users_file.exists()


def test_malformed_file_names_field(users_file: Path) -> None:
    users_file.parent.mkdir(parents=True)
    users_file.write_text('[users.eve]\nrole = "root"\npassword_hash = "$2b$12$x"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"users\.toml, field 'users\.eve\.role': unknown role 'root'"):
        load_users(users_file)
    users_file.write_text("[users.eve\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="cannot read users file"):
        load_users(users_file)


def test_roles_are_ordered() -> None:
    matrix = {
        (have, need): has_role(have, need)
        for have in ("advisor", "planner", "viewer", "public", None)
        for need in ("advisor", "planner", "viewer", "public")
    }
    assert [need for (have, need), ok in matrix.items() if have == "advisor" and ok] == [
        "advisor",
        "planner",
        "viewer",
        "public",
    ]
    assert [need for (have, need), ok in matrix.items() if have == "planner" and ok] == [
        "planner",
        "viewer",
        "public",
    ]
    assert [need for (have, need), ok in matrix.items() if have == "viewer" and ok] == ["viewer", "public"]
    assert [need for (have, need), ok in matrix.items() if have == "public" and ok] == ["public"]
    assert [need for (have, need), ok in matrix.items() if have is None and ok] == ["public"]
    with pytest.raises(UserError, match="unknown role"):
        has_role("advisor", "superuser")


def test_cli_speaks_french_by_default(
    users_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The account tool's prompts and lines follow ``MALI_ACCESS_LANG`` (French for Mali)."""
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    prompts = []
    answers = iter([PW, PW + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": prompts.append(prompt) or next(answers))
    assert main(["--users", str(users_file), "add", "dora", "--role", "advisor"]) == 2
    assert prompts == ["Mot de passe\u202f: ", "Répétez le mot de passe\u202f: "]
    assert (
        capsys.readouterr().err.strip()
        == "erreur\u202f: les deux mots de passe diffèrent\u202f; rien n'est écrit"
    )
    assert "dora" not in load_users(users_file).users  # nothing written
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PW)
    assert main(["--users", str(users_file), "add", "dora", "--role", "advisor"]) == 0
    assert (
        capsys.readouterr().out.strip()
        == f"dora\u202f: rôle advisor (conseiller en accès humanitaire) écrit dans {users_file}"
    )
    assert main(["--users", str(users_file), "signout", "dora"]) == 0
    assert capsys.readouterr().out.strip() == "dora\u202f: toutes les sessions sont fermées"


def test_cli_add_with_getpass_never_echoes(
    users_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    prompts = []

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return PW

    monkeypatch.setattr("getpass.getpass", fake_getpass)
    assert main(["--users", str(users_file), "add", "carol", "--role", "planner"]) == 0
    out = capsys.readouterr()
    assert prompts == ["Password: ", "Repeat password: "]
    assert PW not in out.out + out.err + caplog.text
    assert f"carol: role planner (planner) written to {users_file}" in out.out
    assert verify(load_users(users_file), "carol", PW)
    assert main(["--users", str(users_file), "list"]) == 0
    listed = capsys.readouterr().out
    assert listed.startswith("carol\tplanner\t") and "$2b$" not in listed
    assert main(["--users", str(users_file), "remove", "carol"]) == 0
    assert load_users(users_file).users == {}


def test_cli_mismatch_and_stdin(
    users_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter([PW, PW + "!"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["--users", str(users_file), "add", "dan", "--role", "viewer"]) == 2
    err = capsys.readouterr().err
    assert "the two passwords differ; nothing written" in err and PW not in err
    assert not users_file.exists()
    monkeypatch.setattr("sys.stdin", io.StringIO(PW + "\n"))
    assert main(["--users", str(users_file), "add", "dan", "--role", "viewer", "--password-stdin"]) == 0
    assert verify(load_users(users_file), "dan", PW)
    assert PW not in capsys.readouterr().out


def test_cli_duplicate_user_in_french_names_the_user(
    users_file: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Adding an account that exists says so in French only, with the account's name (French trial)."""
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PW)
    assert main(["--users", str(users_file), "add", "fatou.k", "--role", "viewer"]) == 0
    capsys.readouterr()
    assert main(["--users", str(users_file), "add", "fatou.k", "--role", "advisor"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        "erreur\u202f: le compte «\u202ffatou.k\u202f» existe déjà "
        "(--replace pour changer son rôle ou son mot de passe)"
    )
    for english in ("user", "already", "exists", "use --", "its role", "or password"):
        assert english not in err
    assert load_users(users_file).users["fatou.k"].role == "viewer"  # nothing replaced
    assert main(["--users", str(users_file), "remove", "omar"]) == 2
    assert capsys.readouterr().err.strip() == "erreur\u202f: aucun compte «\u202fomar\u202f»"
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")
    assert main(["--users", str(users_file), "add", "fatou.k", "--role", "advisor"]) == 2
    assert "user 'fatou.k' already exists" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "password", "expected"),
    [
        ("Alice", PW, "nom d'utilisateur «\u202fAlice\u202f» invalide"),
        ("alice", "s3cr3t", f"mot de passe trop court\u202f: au moins {MIN_PASSWORD_CHARS} caractères"),
        ("alice", " padded password", "ni commencer ni finir par une espace"),
    ],
)
def test_cli_refusals_in_french(
    users_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    password: str,
    expected: str,
) -> None:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setattr("sys.stdin", io.StringIO(password + "\n"))
    assert main(["--users", str(users_file), "add", name, "--role", "viewer", "--password-stdin"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("erreur\u202f: ") and expected in err
    assert "password" not in err and "user name" not in err
