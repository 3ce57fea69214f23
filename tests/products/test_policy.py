"""The data protection policy: its rules, the restricted default of encirclements and its controls."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point

from geo.cli import main
from geo.products import export as E
from geo.products import policy
from geo.products import snapshot as S
from geo.store import constraints

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")]


def test_roles_and_restricted_fields() -> None:
    frame = pd.DataFrame({"locality": ["A"], "armed_group": ["G"], "note": ["n"], "source": ["s"]})
    viewer = policy.for_role(frame, "encircled", "viewer")
    assert list(viewer.columns) == ["locality"] and list(frame.columns) == [
        "locality",
        "armed_group",
        "note",
        "source",
    ]
    for role in ("planner", "advisor"):
        assert policy.for_role(frame, "encircled", role) is frame
    assert policy.for_role(None, "incidents", "viewer") is None
    incidents = pd.DataFrame(columns=["incident_id", "actor1", "actor2", "notes", "source", "source_ref"])
    assert list(policy.for_role(incidents, "incidents", "public").columns) == ["incident_id", "source"]
    with pytest.raises(ValueError, match="unknown role 'guest'"):
        policy.for_role(frame, "encircled", "guest")
    with pytest.raises(ValueError, match="unknown kind of record 'hubs'"):
        policy.for_role(frame, "hubs", "viewer")
    assert [policy.may_see_restricted(r) for r in policy.ROLES] == [False, False, True, True]
    assert S.ALLOW_LIST is policy.PUBLIC_FIELDS and S.POLICY_VERSION == policy.POLICY_VERSION


def test_hubs_are_public_places_named_by_the_policy_and_the_readme() -> None:
    """The hubs table's offices reach public maps by their id, name and place, nothing else."""
    from geo.sources.curated import read_hubs

    hubs = read_hubs()
    layer = S.public_hubs_layer(hubs.valid)
    assert policy.PUBLIC_FIELDS["hubs"] == ("hub_id", "name", "geometry") == tuple(layer.columns)
    assert list(layer["name"]) == list(hubs.valid["name"]) and layer.crs.to_epsg() == 4326
    # the table's other fields (area of responsibility, status, sources) are not published
    assert {"aor_adm1_pcodes", "status", "source_refs"} <= set(hubs.valid.columns)
    assert not {"aor_adm1_pcodes", "status", "source_refs"} & set(layer.columns)
    assert S.public_hubs_layer(None).empty
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    policy_section = readme.split("### Data protection policy", 1)[1].split("\n## ", 1)[0]
    assert "HAWG hubs of the hubs table" in policy_section
    assert policy.POLICY_VERSION == "1.5" and "1.5: public maps mark the HAWG hubs" in Path(
        policy.__file__
    ).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "public"),
    [
        (True, True),
        (1, True),
        ("true", True),
        (" Yes ", True),
        ("1", True),
        (False, False),
        (0, False),
        (2, False),
        ("", False),
        (None, False),
        (float("nan"), False),
        ("ture", False),
        ("public", False),
    ],
)
def test_public_flag_is_read_strictly(value: object, public: bool) -> None:
    assert policy.is_public_flag(value) is public


def test_public_episodes() -> None:
    eps = pd.DataFrame({"locality": list("ABCD"), "public": [True, "false", None, "true"]})
    assert list(policy.public_episodes(eps)["locality"]) == ["A", "D"]
    assert policy.public_episodes(eps.drop(columns="public")).empty  # no flag: nothing is public
    assert policy.public_episodes(None) is None


@pytest.fixture
def store(tmp_path: Path) -> Path:
    path = tmp_path / "store.sqlite"
    constraints.load_versions(path, data_dir=tmp_path / "no-data")
    return path


def _current(store: Path, locality: str) -> pd.Series:
    hist = constraints.encircled_history(store, locality)
    return hist[hist["superseded_by"].isna()].iloc[-1]


def test_new_encirclement_is_restricted_until_marked_public(store: Path, tmp_path: Path) -> None:
    args = {"source": "test", "recorded_by": "A", "data_dir": tmp_path / "no-data"}
    constraints.record_encircled(
        store, locality="Newplace", lon=-4.0, lat=15.0, status="active", since="2025-11-01", **args
    )
    assert not bool(_current(store, "Newplace")["public"])
    # a new version without the flag keeps it; an advisor marks it public; and back
    constraints.record_encircled(store, locality="Newplace", since="2025-11-01", note="x", **args)
    assert not bool(_current(store, "Newplace")["public"])
    constraints.record_encircled(store, locality="Newplace", since="2025-11-01", public=True, **args)
    assert bool(_current(store, "Newplace")["public"])
    constraints.record_encircled(store, locality="Newplace", since="2025-11-01", note="y", **args)
    assert bool(_current(store, "Newplace")["public"])
    constraints.record_encircled(store, locality="Newplace", since="2025-11-01", public=False, **args)
    assert not bool(_current(store, "Newplace")["public"])
    # the curated seed keeps its own flags
    seeded = constraints.load_versions(store).encircled
    assert set(seeded.loc[seeded["locality"] == "Dinangourou", "public"]) == {False}
    assert set(seeded.loc[seeded["locality"] == "Farabougou", "public"]) == {True}


def test_cli_public_and_restricted_flags(
    store: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the English lines are checked
    base = [
        "encircled",
        "set",
        "--locality",
        "Cliplace",
        "--since",
        "2025-11-01",
        "--source",
        "t",
        "--by",
        "A",
    ]
    base += ["--store", str(store), "--data", str(data_dir)]
    assert main([*base, "--status", "active", "--lon", "-4.5", "--lat", "15.5"]) == 0
    assert ", restricted, new episode)" in capsys.readouterr().out
    assert main([*base, "--public"]) == 0
    assert ", public, supersedes version " in capsys.readouterr().out
    assert bool(_current(store, "Cliplace")["public"])
    assert main([*base, "--restricted"]) == 0
    assert ", restricted, supersedes version " in capsys.readouterr().out
    assert not bool(_current(store, "Cliplace")["public"])
    with pytest.raises(SystemExit):
        main([*base, "--public", "--restricted"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_public_export_needs_the_public_state() -> None:
    with pytest.raises(ValueError, match=r"public export needs the public state"):
        E.themes_from_state(SimpleNamespace(public=False), public=True)


def test_public_themes_cut_to_the_policy_fields() -> None:
    roads = gpd.GeoDataFrame(
        {
            "as_of": [dt.date(2025, 1, 1)],
            "axis_id": ["X"],
            "status": ["closed"],
            "cause": ["c"],
            "note": ["n"],
        },
        geometry=[Point(0, 0)],
        crs=4326,
    )
    hubs = gpd.GeoDataFrame({"hub_id": ["H"]}, geometry=[Point(1, 1)], crs=4326)
    out = E.public_themes({"roads_status": roads, "hubs": hubs})
    assert list(out["roads_status"].columns) == ["as_of", "axis_id", "status", "geometry"]
    assert out["roads_status"].crs == roads.crs and out["hubs"] is hubs


@pytest.mark.slow
def test_constraints_form_marks_an_encirclement_public(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the labels below are the English ones
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "constraints.py"), default_timeout=180)
    at.session_state["as_of"] = dt.date(2025, 12, 1)
    at.session_state["auth_role"] = "advisor"
    at.session_state["constraints_kind"] = "localities"  # the page's code for encircled localities
    at.run()
    at.radio(key="new_locality_origin").set_value("point").run()  # a place in no gazetteer: coordinates
    assert not at.exception, at.exception
    (box,) = [c for c in at.checkbox if c.label.startswith("Public")]
    assert box.value is False  # a new encirclement is restricted
    fields = {w.label: w for w in [*at.text_input, *at.number_input]}
    fields["Locality *"].input("Formplace")
    fields["Longitude (new locality)"].set_value(-4.2)
    fields["Latitude (new locality)"].set_value(15.2)
    fields["Source (report, URL) *"].input("test")
    fields["Recorded by *"].input("Advisor A")
    box.check()
    [b for b in at.button if b.label == "Save encirclement"][0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert bool(_current(store, "Formplace")["public"])
