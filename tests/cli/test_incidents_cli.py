"""``python -m geo incidents check|import|counts`` and the Incidents page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import DataFileError
from geo.products.i18n import tr
from geo.sources.incident_files import check_upload
from geo.store.incidents import import_result

HEADER = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,admin1,admin2,admin3,"
    "location,latitude,longitude,geo_precision,time_precision,fatalities,notes,source"
)
ROWS = [
    "MLI1,2021-03-15,Battles,Armed clash,JNIM,FAMa,Mopti,Mopti,Mopti,Mopti,14.4843,-4.1960,1,1,2,x,y",
    "MLI2,16 March 2021,Riots,Mob violence,Rioters,,Ségou,Ségou,Ségou,Ségou,13.4317,-6.2157,2,1,0,x,y",
    "MLI3,2021-03-17,Battles,Armed clash,JNIM,FAMa,Mopti,Mopti,Mopti,Mopti,0,0,1,1,0,x,y",
]


@pytest.fixture
def nodata(tmp_path) -> str:
    """Make an empty data folder: no outline (Mali's bounding box is used), no known incidents."""
    d = tmp_path / "nodata"
    d.mkdir()
    return str(d)


@pytest.fixture
def acled_file(tmp_path) -> Path:
    path = tmp_path / "acled.csv"
    path.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    return path


def test_check_prints_json_report(acled_file, nodata, tmp_path, capsys):
    code = main(
        ["incidents", "check", str(acled_file), "--data", nodata, "--store", str(tmp_path / "s.sqlite")]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert {k: out[k] for k in ("format", "rows", "accepted", "rejected")} == {
        "format": "acled",
        "rows": 3,
        "accepted": 2,
        "rejected": [
            {
                "row": 3,
                "field": "latitude,longitude",
                "reason": "coordinates 0,0 are a placeholder, not a location",
            }
        ],
    }
    assert not (tmp_path / "s.sqlite").exists()  # check stores nothing


def test_check_unreadable_file_exits_2_with_one_line(tmp_path, nodata, capsys):
    path = tmp_path / "nolat.csv"
    path.write_text(HEADER.replace(",latitude", "") + "\n", encoding="utf-8")
    code = main(["incidents", "check", str(path), "--data", nodata])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == [
        f"error: {path}, field 'latitude': missing column 'latitude', required by the acled format"
    ]


def test_import_twice_adds_nothing_the_second_time(acled_file, nodata, tmp_path, capsys):
    store = str(tmp_path / "store.sqlite")
    assert main(["incidents", "import", str(acled_file), "--data", nodata, "--store", store]) == 0
    first = json.loads(capsys.readouterr().out)
    assert main(["incidents", "import", str(acled_file), "--data", nodata, "--store", store]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (first["added"], first["already_present"], first["rejected_rows_kept"]) == (2, 0, 1)
    assert (second["added"], second["already_present"], second["repeated_file"]) == (0, 2, True)


def test_check_upload_then_import(tmp_path):
    data = ("\n".join([HEADER, *ROWS]) + "\n").encode("cp1252")
    res = check_upload(data, "../../etc/acled.csv")
    assert res.path.name == "acled.csv" and res.report()["accepted"] == 2
    assert res.accepted["admin1"].tolist() == ["Mopti", "Ségou"]
    store = tmp_path / "store.sqlite"
    assert import_result(store, res, data).added == 2
    assert import_result(store, check_upload(data, "acled.csv"), data).added == 0
    with pytest.raises(DataFileError, match="larger than the"):
        check_upload(data, "acled.csv", max_bytes=10)


def test_real_files_check_and_counts(data_dir, tmp_path, capsys):
    ged = data_dir / "incidents" / "mali_ucdp_ged211_precise.csv"
    assert (
        main(
            [
                "incidents",
                "check",
                str(ged),
                "--data",
                str(data_dir),
                "--store",
                str(tmp_path / "none.sqlite"),
            ]
        )
        == 0
    )
    rep = json.loads(capsys.readouterr().out)
    assert (rep["format"], rep["rows"], rep["accepted"], rep["rejected"]) == ("ucdp", 891, 891, [])
    out = tmp_path / "c.csv"
    assert (
        main(
            [
                "incidents",
                "counts",
                "--level",
                "1",
                "--data",
                str(data_dir),
                "--store",
                str(tmp_path / "none.sqlite"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1] == "#adm1+code,#adm1+name,#event+num,#affected+killed"
    assert len(lines) == 2 + 9


def test_incidents_page_smoke(data_dir, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    page = Path(__file__).resolve().parents[2] / "views" / "incidents.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception
    assert at.title[0].value == "Incidents"
    assert any("incidents from" in m.value for m in at.markdown)
    (comp,) = at.get("component_instance")
    script = json.loads(comp.proto.json_args)["script"]
    # region and cercle outlines under the incidents (Kayes region ML01, Bamako district ML09)
    regions, cercles = (tr(f"map.layer_admin{n}", "en") for n in (1, 2))  # named in the page's language
    for text in (
        regions,
        cercles,
        "ML01",
        "ML09",
        "MultiLineString",
        tr("incidents.view_clusters", "en"),
    ):
        assert text in script, text
    at.sidebar.radio[0].set_value("admin3").run()  # the map views are codes shown with labels
    assert not at.exception
    script = json.loads(at.get("component_instance")[0].proto.json_args)["script"]
    fill = tr("incidents.counts", "en")  # the choropleth's layer, named in the page's language
    assert f'"{regions}"' in script and f'"{fill}"' in script
    assert script.index(f'"{fill}"') < script.index(f'"{regions}"')  # outlines over the fill
    for label in (tr(k, "en") for k in ("map.tip_name", "map.tip_pcode", "incidents.col.fatalities")):
        assert label in script, label
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Filtered incidents (CSV + HXL)", "Counts per cercle (admin 2) (CSV + HXL)"]


def test_admin_outlines_are_lines_with_escaped_tooltips():
    import geopandas as gpd
    from shapely.geometry import box

    from layers.incidents import build_admin_outlines

    units = gpd.GeoDataFrame(
        {"pcode": ["ML01", "ML02"], "name": ["Kayes", "<b>Bad & name</b>"]},
        geometry=[box(-11, 13, -9, 15), box(-9, 13, -7, 15)],
        crs="EPSG:4326",
    )
    groups = build_admin_outlines(units, units.iloc[[0]])
    assert [g.layer_name for g in groups] == ["Cercles (admin2)", "Regions (admin1)"]
    (gj,) = [c for c in groups[1]._children.values()]
    feats = gj.data["features"]
    assert [f["geometry"]["type"] for f in feats] == ["LineString", "LineString"]
    assert [f["properties"]["name"] for f in feats] == ["Kayes", "&lt;b&gt;Bad &amp; name&lt;/b&gt;"]
    assert [g.layer_name for g in build_admin_outlines(units)] == ["Regions (admin1)"]
