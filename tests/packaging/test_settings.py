"""The one configuration object: flags > environment > defaults, checkout vs installed defaults."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from geo.cli import build_parser, main
from geo.cli.common import missing_extra_message, settings_from
from geo.config import (
    CHECKOUT,
    CURATED_DIR,
    DEFAULT_CELL_KM,
    DEFAULT_LANG,
    ENV_VARS,
    MANIFEST_PATH,
    SHIPPED_DATA,
    Settings,
    default_fetch_dir,
    default_home,
)
from geo.errors import InputError, MissingDataError

PATH_FIELDS = {"data": "data_dir", "store": "store_path", "users": "users_path", "snapshots": "snapshots_dir"}


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """Make a fake checkout (tmp/project) with an empty data/external/ and no ../shared/data."""
    root = tmp_path / "project"
    (root / "data" / "external").mkdir(parents=True)
    return root


def test_defaults_in_a_checkout_are_under_var(checkout: Path) -> None:
    s = Settings.resolve(environ={}, checkout=checkout)
    assert s.store_path == checkout / "var" / "store.sqlite"
    assert s.users_path == checkout / "var" / "users.toml"
    assert s.snapshots_dir == checkout / "var" / "snapshots"
    assert (s.cell_km, s.lang, s.data_dir, s.data_origin) == (DEFAULT_CELL_KM, DEFAULT_LANG, None, "default")
    assert not (checkout / "var").exists()  # resolving creates nothing


def test_defaults_when_installed_are_in_the_per_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    home = tmp_path / "xdg" / "mali-access"
    assert default_home(None) == home
    s = Settings.resolve(environ={}, checkout=None)
    assert (s.store_path, s.users_path, s.snapshots_dir) == (
        home / "store.sqlite",
        home / "users.toml",
        home / "snapshots",
    )
    assert s.data_dir is None and default_fetch_dir(None) == home / "data"
    (home / "data").mkdir(parents=True)
    assert Settings.resolve(environ={}, checkout=None).data_dir is None  # empty: not a data folder
    (home / "data" / "admin").mkdir()
    assert Settings.resolve(environ={}, checkout=None).data_dir == home / "data"


def test_data_default_external_when_populated_else_shared_beside_the_checkout(checkout: Path) -> None:
    shared = checkout.parent / "shared" / "data"
    shared.mkdir(parents=True)
    assert Settings.resolve(environ={}, checkout=checkout).data_dir == shared
    (checkout / "data" / "external" / "admin").mkdir()
    s = Settings.resolve(environ={}, checkout=checkout)
    assert s.data_dir == checkout / "data" / "external"
    assert s.require_data_dir() == (checkout / "data" / "external").resolve()


@pytest.mark.parametrize(("flag", "field"), sorted(PATH_FIELDS.items()))
def test_path_settings_flag_beats_environment_beats_default(
    flag: str, field: str, checkout: Path, tmp_path: Path
) -> None:
    env = {ENV_VARS[field]: str(tmp_path / "from_env")}
    from_flag = Settings.resolve(**{flag: tmp_path / "from_flag"}, environ=env, checkout=checkout)
    assert getattr(from_flag, field) == tmp_path / "from_flag"
    assert getattr(Settings.resolve(environ=env, checkout=checkout), field) == tmp_path / "from_env"
    # an empty flag or variable counts as not given
    unset = Settings.resolve(**{flag: ""}, environ={ENV_VARS[field]: ""}, checkout=checkout)
    default = Settings.resolve(environ={}, checkout=checkout)
    assert getattr(unset, field) == getattr(default, field)


def test_paths_are_expanded_and_absolute(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    s = Settings.resolve(store="~/s.sqlite", users="rel/users.toml", environ={}, checkout=None)
    assert s.store_path == tmp_path / "s.sqlite"
    assert s.users_path == tmp_path / "rel" / "users.toml"


def test_cell_km_and_lang_order_and_validation(checkout: Path) -> None:
    env = {ENV_VARS["cell_km"]: "2.5", ENV_VARS["lang"]: "EN"}
    assert Settings.resolve(environ=env, checkout=checkout).cell_km == 2.5
    assert Settings.resolve(environ=env, checkout=checkout).lang == "en"
    s = Settings.resolve(cell_km=4.0, lang="fr", environ=env, checkout=checkout)
    assert (s.cell_km, s.lang) == (4.0, "fr")
    for bad in ("abc", "0", "-1", "nan", "inf"):
        with pytest.raises(
            InputError, match=f"MALI_ACCESS_CELL_KM: expected a positive number of km, got '{bad}'"
        ):
            Settings.resolve(environ={ENV_VARS["cell_km"]: bad}, checkout=checkout)
    with pytest.raises(InputError, match="MALI_ACCESS_LANG: expected one of fr, en, got 'de'"):
        Settings.resolve(environ={ENV_VARS["lang"]: "de"}, checkout=checkout)
    with pytest.raises(InputError, match="--lang: expected one of fr, en"):
        Settings.resolve(lang="<b>", environ={}, checkout=checkout)


def test_warm_up_is_on_by_default_and_read_as_yes_or_no(checkout: Path) -> None:
    assert Settings.resolve(environ={}, checkout=checkout).warm_up is True
    words = {"0": False, "Non": False, "off": False, "1": True, "oui": True, " TRUE ": True}
    for word, on in words.items():
        assert Settings.resolve(environ={ENV_VARS["warm_up"]: word}, checkout=checkout).warm_up is on
    flag_first = Settings.resolve(warm_up=False, environ={ENV_VARS["warm_up"]: "1"}, checkout=checkout)
    assert flag_first.warm_up is False
    with pytest.raises(InputError, match="MALI_ACCESS_WARM_UP: expected yes or no .*got 'peut-être'"):
        Settings.resolve(environ={ENV_VARS["warm_up"]: "peut-être"}, checkout=checkout)


def test_require_data_dir_names_where_the_folder_came_from(checkout: Path, tmp_path: Path) -> None:
    nope = tmp_path / "nope"
    with pytest.raises(MissingDataError, match="data folder given by --data does not exist"):
        Settings.resolve(data=nope, environ={}, checkout=checkout).require_data_dir()
    with pytest.raises(MissingDataError, match="given by MALI_ACCESS_DATA does not exist"):
        Settings.resolve(environ={ENV_VARS["data_dir"]: str(nope)}, checkout=checkout).require_data_dir()
    with pytest.raises(MissingDataError, match="no data folder: pass --data DIR, set MALI_ACCESS_DATA"):
        Settings.resolve(environ={}, checkout=checkout).require_data_dir()
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    env = {ENV_VARS["data_dir"]: str(b)}
    assert Settings.resolve(data=str(a), environ=env, checkout=checkout).require_data_dir() == a.resolve()
    assert Settings.resolve(environ=env, checkout=checkout).require_data_dir() == b.resolve()


def test_settings_are_frozen(checkout: Path) -> None:
    s = Settings.resolve(environ={}, checkout=checkout)
    with pytest.raises(AttributeError):
        s.cell_km = 2.0  # type: ignore[misc]


def test_shipped_data_in_a_checkout_is_the_data_folder() -> None:
    assert CHECKOUT is not None and SHIPPED_DATA == CHECKOUT / "data"
    assert MANIFEST_PATH.is_file() and (CURATED_DIR / "hubs.csv").is_file()


def test_cli_builds_the_settings_from_its_options(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MALI_ACCESS_CELL_KM", "3")
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "env.sqlite"))
    parser = build_parser()
    args = parser.parse_args(["reach", "--out", "x.gpkg", "--store", str(tmp_path / "flag.sqlite")])
    s = settings_from(args)
    assert (s.cell_km, s.store_path) == (3.0, tmp_path / "flag.sqlite")
    args = parser.parse_args(["reach", "--out", "x.gpkg", "--cell-km", "8"])
    assert settings_from(args).cell_km == 8.0 and settings_from(args).store_path == tmp_path / "env.sqlite"
    # export map --lang fr,en is the command's own choice: the setting keeps the environment's
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")
    args = parser.parse_args(["export", "map", "--out", "x.pdf", "--lang", "fr,en"])
    assert settings_from(args).lang == "en"
    assert settings_from(argparse.Namespace()).lang == "en"


def test_cli_bad_environment_is_one_line_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MALI_ACCESS_LANG", "xx")
    assert main(["status", "show"]) == 2
    err = capsys.readouterr().err
    # the language itself is bad: the line is in the default language, French
    assert err == "erreur\u202f: MALI_ACCESS_LANG\u202f: langue attendue parmi fr, en, reçu 'xx'\n"


def test_missing_extra_message_names_the_extra() -> None:
    msg = missing_extra_message(ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib.pyplot"))
    assert (
        msg
        == "error: this command needs matplotlib, from the 'export' extra: pip install 'mali-access[export]'"
    )
    assert "mali-access[app]" in str(missing_extra_message(ModuleNotFoundError("x", name="streamlit")))
    assert missing_extra_message(ModuleNotFoundError("x", name="geo.nothing")) is None


def test_app_settings_follow_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pytest.importorskip("streamlit")
    from views import common

    monkeypatch.setenv("MALI_ACCESS_SNAPSHOTS", str(tmp_path / "snaps"))
    monkeypatch.setenv("MALI_ACCESS_CELL_KM", "5")
    first = common.settings()
    assert first is common.settings()  # resolved once
    assert first == Settings.resolve()
    assert (first.snapshots_dir, first.cell_km) == (tmp_path / "snaps", 5.0)
    monkeypatch.setenv("MALI_ACCESS_CELL_KM", "2")
    assert common.settings().cell_km == 2.0
