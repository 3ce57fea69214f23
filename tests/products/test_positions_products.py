"""Common positions where missions are planned: placed scopes, print-map table, exports, markers, public cut.

Small synthetic inputs (two axes, a crossing, two admin units, places, an encirclement) so
every expected value follows from the inputs: the marker of an axis is the middle of its
line in ESRI:102022, a box holds exactly the scopes whose geometry meets it, and the public
cut keeps exactly the endorsed public positions that point at no restricted place.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point, box

from geo.config import WORK_CRS
from geo.products import positions_map as PM
from geo.store.positions import COLUMNS
from geo.vocab import ACTOR_TYPE, POSITION_STATUS, POSITION_TOPIC, POSITION_VISIBILITY, SCOPE_KIND

HOSTILE = "<script>alert(1)</script> `${x}` $\\alpha$ & 'q' \"d\""
SECRET = "Secretville"


def _axes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"axis_name": ["Sévaré - Douentza", "Far axis"]},
        geometry=[LineString([(-4.1, 14.5), (-2.9, 15.0)]), LineString([(2.0, 20.0), (3.0, 21.0)])],
        crs="EPSG:4326",
        index=pd.Index(["RN16-SEV-DOU", "FAR-AXIS"], name="axis_id"),
    )


def _inputs() -> dict:
    admin = gpd.GeoDataFrame(
        {"pcode": ["ML05", "ML0502"], "name": ["Mopti", "Bandiagara"]},
        geometry=[box(-5.0, 13.5, -1.5, 16.0), box(-4.0, 14.0, -3.0, 14.8)],
        crs="EPSG:4326",
    )
    crossings = gpd.GeoDataFrame(
        {"crossing_id": ["X-ONE"], "name": ["Bac de test"]}, geometry=[Point(-3.03, 16.66)], crs="EPSG:4326"
    )
    places = gpd.GeoDataFrame(
        {"name": ["Farabougou", SECRET]},
        geometry=[Point(-6.14, 14.89), Point(-3.5, 14.9)],
        crs="EPSG:4326",
        index=pd.Index(["111", "222"], name="place_id"),
    )
    episodes = pd.DataFrame(
        {
            "locality": ["Farabougou", SECRET],
            "lon": [-6.1414, -3.5],
            "lat": [14.8921, 14.9],
            "since": ["2020-10-06", "2025-01-01"],
            "public": [True, False],
        }
    )
    return {"axes": _axes(), "crossings": crossings, "admin": [admin], "places": places, "episodes": episodes}


def _register(rows: list[tuple]) -> pd.DataFrame:
    """Register rows ``(id, status, scope, visibility, text)`` with the other columns filled."""
    recs = [
        {
            "id": i,
            "status": status,
            "scope": scope,
            "topic": POSITION_TOPIC[i % len(POSITION_TOPIC)],
            "text_fr": f"FR {text}",
            "text_en": f"EN {text}",
            "visibility": vis,
            "motivated_by": "road:1",
            "meeting_ref": f"HCT {i}/2025",
            "meeting_date": "2025-09-18",
            "recorded_by": "Recorder Name",
            "recorded_at": "2025-09-18T10:00:00Z",
            "created": "2025-08-01",
            "endorsed": "2025-09-18" if status in ("endorsed", "revised") else "",
        }
        for i, status, scope, vis, text in rows
    ]
    return pd.DataFrame(recs, columns=COLUMNS)


REG = _register(
    [
        (1, "endorsed", "axis:RN16-SEV-DOU", "public", "axis"),
        (2, "endorsed", "admin:ML0502", "restricted", "cercle"),
        (3, "proposed", "crossing:X-ONE", "public", "crossing"),
        (4, "endorsed", "locality:Farabougou", "public", "farabougou"),
        (5, "endorsed", "actor-type:de-facto-authority", "public", "actors"),
        (6, "endorsed", "country", "public", "country"),
        (7, "endorsed", "axis:FAR-AXIS", "public", "far"),
        (8, "retired", "axis:RN16-SEV-DOU", "public", "retired"),
        (9, "endorsed", "locality:222", "public", "by place id"),
        (10, "endorsed", f"locality:{SECRET}", "public", "by name"),
        (11, "endorsed", "locality:999", "public", "unknown id"),
        (12, "endorsed", "axis:RN16-SEV-DOU", "public", f"mentions {SECRET.upper()} in the text"),
        (13, "draft", "axis:RN16-SEV-DOU", "public", HOSTILE),
    ]
)


def test_locate_places_each_scope_from_its_inputs() -> None:
    inp = _inputs()
    loc = PM.locate(REG, **inp).set_index("id")
    axis = _axes().to_crs(WORK_CRS).geometry.loc["RN16-SEV-DOU"]
    mid = gpd.GeoSeries([axis.interpolate(0.5, normalized=True)], crs=WORK_CRS).to_crs(4326).iloc[0]
    assert loc.at[1, "marker_lon"] == pytest.approx(mid.x, abs=1e-5)
    assert loc.at[1, "marker_lat"] == pytest.approx(mid.y, abs=1e-5)
    assert loc.at[1, "place_name"] == "Sévaré - Douentza" and loc.geometry.loc[1].geom_type == "LineString"
    assert loc.at[2, "place_name"] == "Bandiagara" and loc.geometry.loc[2].geom_type == "Polygon"
    assert box(-4.0, 14.0, -3.0, 14.8).contains(Point(loc.at[2, "marker_lon"], loc.at[2, "marker_lat"]))
    assert (loc.at[3, "marker_lon"], loc.at[3, "marker_lat"]) == pytest.approx((-3.03, 16.66), abs=1e-5)
    # a locality by name is placed at its episode; by place id at the place
    assert (loc.at[4, "marker_lon"], loc.at[4, "marker_lat"]) == pytest.approx((-6.1414, 14.8921), abs=1e-5)
    assert loc.at[9, "place_name"] == SECRET
    for pid in (5, 6):
        assert loc.geometry.loc[pid] is None and pd.isna(loc.at[pid, "marker_lat"])
    assert loc.geometry.loc[11] is None  # unknown place id: not placed (logged)
    assert list(loc.loc[[1, 5, 6], "scope_kind"]) == ["axis", "actor-type", "country"]


def test_in_area_keeps_everywhere_scopes_and_footprints_that_meet_it() -> None:
    loc = PM.locate(REG, **_inputs())
    near = set(PM.in_area(loc, (-4.5, 14.0, -2.5, 15.5))["id"])
    # axis, cercle, country, actor type, SECRET by id and by name, axis positions; not the far
    # axis, the crossing (16.66 N), Farabougou (-6.14) nor the unplaced id
    assert near == {1, 2, 5, 6, 8, 9, 10, 12, 13}
    assert set(PM.in_area(loc, (2.5, 20.4, 2.6, 20.6))["id"]) == {5, 6, 7}
    # the same box given in another CRS
    far = gpd.GeoSeries([box(2.5, 20.4, 2.6, 20.6)], crs=4326).to_crs(WORK_CRS).iloc[0]
    assert set(PM.in_area(loc, far, crs=WORK_CRS)["id"]) == {5, 6, 7}


def test_public_cut_never_passes_restricted_non_endorsed_or_restricted_places() -> None:
    inp = _inputs()
    withheld = set(inp["episodes"]["locality"]) - {"Farabougou"}  # encircled only in non-public episodes
    pub = PM.public_register(
        REG, withheld_places=withheld, places=inp["places"], public_places={"Farabougou"}
    )
    # 2 restricted, 3 proposed, 8 retired, 13 draft; 9 (place id of SECRET), 10 (scope names it),
    # 11 (unreadable place id), 12 (text names it) point at a restricted place
    assert list(pub["position_id"]) == [1, 4, 5, 6, 7]
    # a locality scope that cannot be read (no public episode of that name, no place id) is withheld
    blind = PM.public_register(REG, withheld_places=withheld, places=inp["places"])
    assert list(blind["position_id"]) == [1, 5, 6, 7]
    assert list(pub.columns) == [
        "position_id",
        "scope",
        "topic",
        "text_fr",
        "text_en",
        "endorsed",
        "meeting_ref",
    ]
    assert set(PM.public_register(REG, release_date=dt.date(2025, 9, 17))["position_id"]) == set()
    # the products' cut: same rows, placed with the public episodes only, no restricted field
    ns = type("Inputs", (), inp)()
    rows = PM.product_positions(REG, inputs=ns, admin=inp["admin"], episodes=inp["episodes"], public=True)
    assert list(rows["id"]) == [1, 4, 5, 6, 7]
    assert not {"visibility", "motivated_by", "recorded_by"} & set(rows.columns)
    internal = PM.product_positions(
        REG, inputs=type("I", (), inp)(), admin=inp["admin"], episodes=inp["episodes"]
    )
    assert 8 not in set(internal["id"]) and len(internal) == len(REG) - 1


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_table_labels_come_from_the_vocabulary(lang: str) -> None:
    loc = PM.locate(REG, **_inputs())
    tab = PM.table(loc, lang)
    assert list(tab.columns) == PM.TABLE_COLUMNS
    # endorsed first (then topic order, then id), retired last
    assert tab["status"].iloc[0] == POSITION_STATUS.label("endorsed", lang)
    assert tab["status"].iloc[-1] == POSITION_STATUS.label("retired", lang)
    by_id = tab.set_index("position_id")
    assert by_id.at[1, "topic"] == POSITION_TOPIC.label(REG.at[0, "topic"], lang)
    # the scope reads as its place, never as the internal axis id
    axis_name = _axes().at["RN16-SEV-DOU", "axis_name"]
    assert by_id.at[1, "scope"] == f"{SCOPE_KIND.label('axis', lang)} {axis_name}"
    assert "RN16-SEV-DOU" not in " ".join(tab["scope"])
    assert ACTOR_TYPE.label("de-facto-authority", lang) in by_id.at[5, "scope"]
    assert by_id.at[2, "place"] == "Bandiagara" and by_id.at[13, "text"] == f"{lang.upper()} {HOSTILE}"


def test_vocabularies_are_complete_and_the_store_checks_use_them(tmp_path: Path) -> None:
    from geo.store import positions as P

    for vocab in (POSITION_STATUS, POSITION_TOPIC, POSITION_VISIBILITY, SCOPE_KIND, ACTOR_TYPE):
        for lang in ("fr", "en"):
            assert all(vocab.labels(lang).values())
    assert POSITION_STATUS.label("endorsed", "fr") == "Endossée par l'EHP"
    store = tmp_path / "s.sqlite"
    P.open_store(store).close()
    sql = (
        sqlite3.connect(store)
        .execute("SELECT sql FROM sqlite_master WHERE name = 'position_events'")
        .fetchone()[0]
    )
    found = {c: re.findall(r"'([^']*)'", v) for c, v in re.findall(r"(\w+) IN \(([^)]*)\)", sql)}
    assert found["status"] == list(POSITION_STATUS) and found["topic"] == list(POSITION_TOPIC)
    assert found["visibility"] == list(POSITION_VISIBILITY)


def _map_layers(positions: gpd.GeoDataFrame):  # noqa: ANN202
    from geo.products.printmap import MapLayers

    return MapLayers(
        admin1=gpd.GeoDataFrame({"name": ["Mopti"]}, geometry=[box(-5.5, 13.5, -1.0, 16.5)], crs="EPSG:4326"),
        axes=_axes(),
        hubs=gpd.GeoDataFrame(
            {"hub_id": ["MOP"], "name": ["Mopti"]}, geometry=[Point(-4.19, 14.49)], crs=4326
        ),
        positions=positions,
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_print_map_pdf_carries_the_table_of_positions_in_the_mapped_area(lang: str) -> None:
    from pypdf import PdfReader

    from geo.products.i18n import tr
    from geo.products.printmap import draw_map, mapped_positions, render_map

    loc = PM.locate(REG[REG["id"].isin([1, 2, 5, 7, 8, 13])], **_inputs())
    layers = _map_layers(loc)
    rows = mapped_positions(layers)
    assert set(rows["id"]) == {1, 2, 5, 13}  # not the far axis (outside the extent), not retired
    pdf = render_map(layers, as_of=dt.date(2025, 11, 30), lang=lang, fmt="pdf", dpi=72)
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == 2
    table = pages[1].extract_text()
    assert tr("positions.title", lang)[:30] in table
    for pid in (1, 2, 5, 13):
        assert f"P{pid}" in table
    assert "P7" not in table and f"{lang.upper()} retired" not in table
    assert POSITION_STATUS.label("retired", lang) not in table
    assert f"{lang.upper()} axis" in table and POSITION_TOPIC.label(REG.at[0, "topic"], lang) in table
    # user text printed as typed (no mathtext: "$\alpha$" stays, "<script>" is plain text)
    flat = re.sub(r"\s+", "", table)
    assert "$\\alpha$" in flat and "<script>alert(1)</script>" in flat
    # the map marks each place once, numbered as in the table (haloed labels are paths in the PDF)
    fig = draw_map(layers, as_of=dt.date(2025, 11, 30), lang=lang, dpi=72)
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"P2", "P1, P13"} <= labels and sum(ln.get_marker() == "h" for ln in fig.axes[0].lines) == 2
    png = render_map(layers, as_of=dt.date(2025, 11, 30), lang=lang, fmt="png", dpi=50)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_pack_numbers_pages_over_the_whole_document_and_prints_places_and_dates() -> None:
    from pypdf import PdfReader

    from geo.products.i18n import format_date, tr
    from geo.products.printmap import render_pack

    loc = PM.locate(REG[REG["id"].isin([1, 2])], **_inputs())
    pdf = render_pack(
        _map_layers(loc), hub_ids=["MOP", "MOP"], as_of=dt.date(2025, 11, 30), lang="fr", dpi=72
    )
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    # each hub's map then its positions table: 4 pages, numbered 1 to 4 (not "Page 2 sur 2" on page 3)
    assert len(pages) == 4
    for n, text in enumerate(pages, start=1):
        assert tr("page", "fr", n=n, total=4) in text
    table = re.sub(r"\s+", " ", pages[1])
    # the axis by its name, the endorsement date in words, no internal id and no ISO date
    axis_name = _axes().at["RN16-SEV-DOU", "axis_name"]
    assert f"{SCOPE_KIND.label('axis', 'fr')} {axis_name}" in table and "RN16-SEV-DOU" not in table
    assert format_date(dt.date(2025, 9, 18), "fr") in table and "2025-09-18" not in table
    # the product's name in the reader's language, no file path
    assert (
        f"· {tr('product_name', 'fr')} ·" in re.sub(r"\s+", " ", pages[0])
        and "Mali access mapper" not in pages[0]
    )
    assert "data/curated" not in " ".join(pages)


def test_print_map_table_says_when_nothing_applies() -> None:
    from pypdf import PdfReader

    from geo.products.i18n import tr
    from geo.products.printmap import render_positions_table

    loc = PM.locate(REG[REG["id"] == 7], **_inputs())
    pdf = render_positions_table(_map_layers(loc), as_of=dt.date(2025, 11, 30), lang="fr", fmt="pdf", dpi=72)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert tr("positions.none", "fr")[:40] in text


def test_export_positions_theme_round_trips_and_public_cut(tmp_path: Path) -> None:
    from geo.products.export import POSITION_FIELDS, build_themes, public_themes, write_export
    from geo.products.policy import PUBLIC_EXPORT_FIELDS
    from geo.tables import hxl_tag

    inp = _inputs()
    loc = PM.product_positions(REG, inputs=type("I", (), inp)(), admin=inp["admin"], episodes=inp["episodes"])
    themes = build_themes(as_of=dt.date(2025, 11, 30), positions=loc)
    th = themes["positions"]
    assert list(th["position_id"]) == list(loc["id"]) and th.crs.to_epsg() == 4326
    assert list(th.columns) == ["as_of", *[c for c in POSITION_FIELDS if c in th.columns], "geometry"]
    assert th.set_index("position_id").geometry.loc[6] is None  # country: no place
    gpkg = tmp_path / "p.gpkg"
    write_export(themes, gpkg, layers=["positions"])
    back = gpd.read_file(gpkg, layer="positions").set_index("position_id")
    assert back.at[13, "text_fr"] == f"FR {HOSTILE}" and back.at[1, "topic_fr"] == POSITION_TOPIC.label(
        REG.at[0, "topic"], "fr"
    )
    kml = tmp_path / "p.kml"
    write_export(themes, kml, layers=["positions"])
    assert "<script>" not in kml.read_text(encoding="utf-8")
    csv_path = tmp_path / "p.csv"
    write_export(themes, csv_path, layers=["positions"])
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    assert lines[1].split(",")[:2] == [hxl_tag("as_of"), hxl_tag("position_id")]
    pub_loc = PM.product_positions(
        REG, inputs=type("I", (), inp)(), admin=inp["admin"], episodes=inp["episodes"], public=True
    )
    pub = public_themes(build_themes(as_of=dt.date(2025, 11, 30), positions=pub_loc, public=True))[
        "positions"
    ]
    assert list(pub["position_id"]) == [1, 4, 5, 6, 7]
    assert list(pub.columns) == [c for c in PUBLIC_EXPORT_FIELDS["positions"] if c in pub.columns]
    assert not {"visibility", "motivated_by", "status"} & set(pub.columns)


def test_marker_layer_escapes_user_text_and_counts_places() -> None:
    from geo.escape import js_data
    from layers.basemap import make_map
    from layers.positions import build_positions_layer
    from layers.style import esc, feature_properties

    loc = PM.locate(REG, **_inputs())
    m = make_map()
    group = build_positions_layer(loc, lang="fr")
    group.add_to(m)
    html = m.get_root().render()
    # one marker per placed scope with a live position (retired #8 shares #1's axis)
    placed = loc[(loc["status"] != "retired") & loc["marker_lat"].notna()]
    markers = feature_properties(group)
    assert len(markers) == placed["scope"].nunique() and all(p["icon"] for p in markers)
    assert "<script>alert(1)</script>" not in html and "${x}" not in html
    # the popup carries the text HTML-escaped, reaching the script as data
    popups = "".join(p["popup"] for p in markers)
    assert esc(f"FR {HOSTILE}") in popups and js_data(esc(f"FR {HOSTILE}"))[1:-1] in html
    assert esc(POSITION_STATUS.label("proposed", "fr")) in popups
    # the endorsement date written out for the reader (18 septembre 2025), not ISO
    assert esc("18 septembre 2025") in popups and "2025-09-18" not in html
    english = feature_properties(build_positions_layer(loc, lang="en"))
    assert esc("18 September 2025") in "".join(p["popup"] for p in english)
