"""The interface language kept with the account: users file round trip and bad values."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from geo.errors import DataFileError
from views.accounts import UserError, add_user, end_sessions, language_of, load_users, set_language

PW = "correct horse battery"


def test_language_round_trips_through_the_users_file(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "advisor", path=path)
    assert load_users(path).users["ann"].lang == ""  # none chosen: the settings' default applies
    set_language("en", path=path, name="ann")
    set_language("fr", path=path, email="Ada@Example.org")
    content = load_users(path)
    assert language_of(content, name="ann") == "en"
    assert language_of(content, email="ada@example.org") == "fr"  # e-mails compared in lower case
    assert language_of(content, name="nobody") == ""
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # other account changes keep the language
    end_sessions("ann", path=path)
    add_user("ann", PW, "planner", path=path, replace=True)
    assert load_users(path).users["ann"].lang == "en"
    assert load_users(path).oidc_langs == {"ada@example.org": "fr"}


@pytest.mark.parametrize("lang", ["de", "", "fr\n", "<script>", "EN"])
def test_unknown_languages_are_refused_and_nothing_written(tmp_path: Path, lang: str) -> None:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "viewer", path=path)
    before = path.read_bytes()
    with pytest.raises(UserError, match="language"):
        set_language(lang, path=path, name="ann")
    with pytest.raises(UserError, match="no user"):
        set_language("fr", path=path, name="bob")
    assert path.read_bytes() == before


def test_a_bad_language_in_the_file_names_the_field(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user("ann", PW, "viewer", path=path)
    path.write_text(
        path.read_text(encoding="utf-8") + '\n[oidc_lang]\n"x@y.org" = "klingon"\n', encoding="utf-8"
    )
    with pytest.raises(DataFileError, match=r"oidc_lang\.x@y\.org"):
        load_users(path)
    text = path.read_text(encoding="utf-8").replace('\n[oidc_lang]\n"x@y.org" = "klingon"\n', "")
    path.write_text(text.replace("session_version = 0", 'session_version = 0\nlang = "es"'), encoding="utf-8")
    with pytest.raises(DataFileError, match=r"users\.ann\.lang"):
        load_users(path)
