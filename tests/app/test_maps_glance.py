"""Maps that read at a glance: labels, one shape per kind, one colour per hub, no artefact crossing.

Builders only (no browser): the folium maps are rendered to HTML and the Leaflet script
is read. ``test_snapshot_figures.py``-style analytic cases check the cercle figures.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from geo.products import cartography
from geo.products.cartography import ENCIRCLED_ACTIVE, HUB_COLOUR, hub_colour
from geo.sources.curated import is_model_artefact, read_crossings, read_hubs
from layers.basemap import Legend, fit_country, make_map
from layers.encircled import build_encircled_layer
from layers.hubs import build_hubs_layer, hub_label
from layers.incidents import SOURCE_COLOURS, build_incidents_layer
from layers.places import build_towns_layer
from layers.reach import build_reach_layers
from layers.roads import build_crossings_layer, build_network_layer
from layers.style import feature_properties, feature_styles
from layers.symbols import SIZES, add_symbol_css, symbol_html

ROOT = Path(__file__).resolve().parents[2]


def _html(*groups: object, css: bool = True) -> str:
    m = make_map(asset_base="static/vendor")
    if css:
        add_symbol_css(m)
    for g in groups:
        g.add_to(m)
    return m.get_root().render()


def _hubs() -> gpd.GeoDataFrame:
    return read_hubs().valid


def _bands(hub_ids: list[str]) -> gpd.GeoDataFrame:
    hubs = _hubs()
    rows = [
        {
            "hub_id": h,
            "hub": hubs.at[h, "name"],
            "hours": 4.0,
            "area_km2": 100.0,
            "population": 1000.0,
            "geometry": hubs.at[h, "geometry"].buffer(0.4),
        }
        for h in hub_ids
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _episodes() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "locality": ["Boni", "Léré"],
            "in_force": [True, False],
            "since": [dt.date(2025, 1, 1), dt.date(2023, 1, 1)],
            "until": [None, dt.date(2024, 1, 1)],
            "last_confirmed": [None, None],
            "radius_km": [5.0, 3.0],
            "status": ["active", "lifted"],
            "source": ["s", "s"],
        },
        geometry=[Point(-1.98, 15.05), Point(-4.91, 15.71)],
        crs="EPSG:4326",
    )


def _incidents(n: int = 4) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "incident_id": [f"u{i}" for i in range(n)],
            "source": ["ucdp", "acled", "curated", "generic:x"][:n],
            "date": pd.to_datetime(["2020-01-01"] * n),
            "date_precision": ["day"] * n,
            "event_type": ["attack"] * n,
            "fatalities": [2] * n,
            "low_precision": [False] * n,
        },
        geometry=[Point(-3.0 + i * 0.1, 15.0) for i in range(n)],
        crs="EPSG:4326",
    )


# --------------------------------------------------------------------------- hub colours


def test_every_curated_hub_has_its_own_colour() -> None:
    hubs = _hubs()
    assert set(hubs.index) <= set(HUB_COLOUR)
    colours = [hub_colour(h) for h in hubs.index]
    assert len(set(colours)) == len(colours)
    # no hub shares the red of the no-entry zones or a road-status colour
    assert not set(colours) & {ENCIRCLED_ACTIVE, *cartography.ROAD_STATUS_COLOUR.values()}


#: Colour-vision deficiency simulation of Machado, Oliveira & Fernandes (2009), severity 1.0:
#: matrices applied to linear RGB (published values).
CVD_MATRICES = {
    "protanopia": [
        [0.152286, 1.052583, -0.204868],
        [0.114503, 0.786281, 0.099216],
        [-0.003882, -0.048116, 1.051998],
    ],
    "deuteranopia": [
        [0.367322, 0.860646, -0.227968],
        [0.280085, 0.672501, 0.047413],
        [-0.01182, 0.04294, 0.968881],
    ],
    "tritanopia": [
        [1.255528, -0.076749, -0.178779],
        [-0.078411, 0.930809, 0.147602],
        [0.004733, 0.691367, 0.3039],
    ],
}


def _lab_as_seen(colours: list[str], vision: str):  # noqa: ANN202
    """CIELAB of ``#rrggbb`` colours as seen with ``vision`` (``normal`` or a key of CVD_MATRICES)."""
    import numpy as np
    from skimage.color import rgb2lab

    rgb = np.array([[int(c[i : i + 2], 16) / 255 for i in (1, 3, 5)] for c in colours])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if vision != "normal":
        linear = np.clip(linear @ np.array(CVD_MATRICES[vision]).T, 0, 1)
    srgb = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)
    return rgb2lab(srgb[None, :, :])[0]


@pytest.mark.parametrize("vision", ["normal", *CVD_MATRICES])
def test_hub_colours_stay_apart_for_colour_blind_readers(vision: str) -> None:
    """Any two hubs (lines of the series chart, neighbouring reach areas) differ by CIEDE2000 >= 13.

    Bamako and Ménaka, both blue before, read apart; a hub added later takes a colour at
    least 9 from every curated hub's.
    """
    from itertools import combinations

    from skimage.color import deltaE_ciede2000

    ids = list(HUB_COLOUR)
    lab = dict(zip(ids, _lab_as_seen([HUB_COLOUR[h] for h in ids], vision), strict=True))
    closest = min(float(deltaE_ciede2000(lab[a], lab[b])) for a, b in combinations(ids, 2))
    assert closest >= 13, closest
    assert float(deltaE_ciede2000(lab["BKO"], lab["MEN"])) >= 40
    extra = _lab_as_seen(list(cartography.EXTRA_HUB_COLOURS), vision)
    assert min(float(deltaE_ciede2000(e, lab[h])) for e in extra for h in ids) >= 9


def test_hub_colour_follows_the_id_not_the_order() -> None:
    assert hub_colour("MOP") == hub_colour("mop ") == HUB_COLOUR["MOP"]
    assert hub_colour("NEW-HUB") == hub_colour("NEW-HUB") in cartography.EXTRA_HUB_COLOURS
    with pytest.raises(TypeError):
        hub_colour(1)  # type: ignore[arg-type]


def _fill_colours(script: str) -> list[str]:
    return re.findall(r'"fillColor":\s*"(#[0-9a-fA-F]{6})"', script)


def test_reach_layer_colour_is_the_same_whatever_the_selection_order() -> None:
    a = _html(*build_reach_layers(_bands(["MOP", "GAO"]), ["MOP", "GAO"]), css=False)
    b = _html(*build_reach_layers(_bands(["GAO", "MOP"]), ["BKO", "GAO", "MOP"]), css=False)
    assert set(_fill_colours(a)) == set(_fill_colours(b)) == {hub_colour("MOP"), hub_colour("GAO")}


def test_one_hub_colour_on_the_live_map_the_print_map_and_the_snapshot(data_dir: Path) -> None:
    from geo.products.printmap import MapLayers, draw_map
    from geo.sources.admin import load_admin
    from layers.snapshot import build_public_reach_layers
    from tests.products.test_render import _inset_and_legend, _legend_markers  # the print map's legend reader

    mop = hub_colour("MOP")
    # live map: the hub square and its bands
    hubs = _hubs()
    live = _html(build_hubs_layer(hubs, hub_ids=["GAO", "MOP"]), *build_reach_layers(_bands(["MOP"]), None))
    assert f"background:{mop}" in live and mop in _fill_colours(live)
    # snapshot: the per-hub layer of Mopti, named by its public name
    reach = _bands(["MOP"]).drop(columns=["hub_id"])
    page = _page(reach_hubs=(("Mopti (Sévaré)", "MOP"),))
    snap = _html(*build_public_reach_layers(reach, page), css=False)
    assert mop in snap
    # print map: the focus hub's legend square
    layers = MapLayers(
        admin1=load_admin(data_dir, 1), bands=_bands(["GAO", "MOP"]).assign(hub_status="ok"), hubs=hubs
    )
    fig = draw_map(layers, as_of=dt.date(2025, 11, 30), lang="fr", focus_hub="MOP")
    assert _legend_markers(_inset_and_legend(fig)[1])["Hub du GTAH\u202f: Mopti"] == mop


# --------------------------------------------------------------------------- labels and symbols


def test_hubs_and_towns_are_labelled_permanently() -> None:
    hubs = _hubs()
    towns = gpd.GeoDataFrame(
        {"name": ["Tombouctou", "Kidal", "Taoudenni", "Sévaré bis"]},
        geometry=[Point(-3.0074, 16.7735), Point(1.41, 18.44), Point(-3.98, 22.68), Point(-4.15, 14.49)],
        crs="EPSG:4326",
    )
    groups = (
        build_towns_layer(towns, skip_near=hubs.loc[["MOP", "TBK"]], lang="fr"),
        build_hubs_layer(hubs, hub_ids=["MOP", "TBK"]),
    )
    html = _html(*groups)
    labelled = [p for g in groups for p in feature_properties(g)]
    permanent = {p["label"]: p["label_class"] for p in labelled}
    assert {"Mopti", "Tombouctou", "Taoudenni"} <= set(permanent)
    assert all("tip" not in p for p in labelled)  # a label, always shown, is the feature's only text
    assert "permanent: true" in html  # the layer binds each label as a permanent tooltip
    assert permanent["Mopti"] == "hub-label" and permanent["Taoudenni"] == "town-label"
    # a town within 8 km of a labelled hub is not written twice
    assert "Sévaré bis" not in html and [p["label"] for p in labelled].count("Tombouctou") == 1
    # Kidal's hub is not drawn: the town keeps its label
    assert "Kidal" in permanent
    assert hub_label("Bamako (national HAWG)") == "Bamako"


def test_town_labels_carry_their_rank_and_every_labelled_map_declutters() -> None:
    from geo.products.printmap import MAIN_TOWNS, REGION_CAPITALS
    from layers.symbols import LABEL_GAP_PX, OWN_SYMBOL_PX

    names = ["Around 1", "Djenné", "Bamako", "Around 2", "Mopti"]
    towns = gpd.GeoDataFrame(
        {"name": names},
        geometry=[Point(-4.0 + i, 14.0) for i in range(len(names))],
        crs="EPSG:4326",
    )
    group = build_towns_layer(towns, lang="fr")
    props = {p["label"]: p for p in feature_properties(group)}
    n = len(MAIN_TOWNS)
    # main towns by their order in MAIN_TOWNS (regional capitals first), others after, as given
    assert {k: props[k]["label_rank"] for k in names} == {
        "Around 1": n,
        "Djenné": MAIN_TOWNS.index("Djenné"),
        "Bamako": 0,
        "Around 2": n + 3,
        "Mopti": MAIN_TOWNS.index("Mopti"),
    }
    assert {k for k in names if props[k]["label_keep"]} == {"Bamako", "Mopti"}
    assert set(REGION_CAPITALS) <= set(MAIN_TOWNS)
    # one declutter pass per map, run on load, after each zoom and when layers change
    m = make_map(asset_base="static/vendor")
    add_symbol_css(m)
    add_symbol_css(m)
    group.add_to(m)
    html = m.get_root().render()
    assert html.count("function collect()") == 1
    assert f"var GAP = {LABEL_GAP_PX}, OWN = {OWN_SYMBOL_PX}, DOT = 4;" in html
    assert 'map.on("zoomend viewreset resize", schedule)' in html
    assert ".leaflet-tooltip.map-label-hidden{visibility:hidden}" in html


def test_incidents_encircled_and_hubs_have_distinct_symbols() -> None:
    html = _html(
        build_incidents_layer(_incidents()),
        build_encircled_layer(_episodes()),
        build_hubs_layer(_hubs(), hub_ids=["MOP"]),
    )
    # incidents are circle markers; encircled localities no-entry signs; hubs squares
    assert "L.CircleMarker" in html
    assert html.count("map-sym map-sym-noentry") == 2
    assert html.count("map-sym map-sym-hub") == 1
    shapes = {symbol_html(k).split('"')[1] for k in SIZES}
    assert len(shapes) == len(SIZES)  # one CSS class (shape) per kind
    # no incident takes the red of the no-entry zones
    assert ENCIRCLED_ACTIVE not in SOURCE_COLOURS.values()


def test_symbol_colour_must_be_a_colour() -> None:
    with pytest.raises(ValueError, match="not a hex colour"):
        symbol_html("hub", 'red" onmouseover="x')
    with pytest.raises(KeyError):
        symbol_html("star")


# --------------------------------------------------------------------------- crossings, network, rivers


def _with_artefacts() -> gpd.GeoDataFrame:
    """The curated crossings plus two rows of the artefact convention (older files held some)."""
    crossings = read_crossings()
    planted = crossings.iloc[:2].copy()
    planted.index = ["X-ARTEFACT-TEST", "X-SK-ARTEFACT-TEST"]
    planted["crossing_id"] = planted.index
    planted["name"] = ["Artefact de tracé A", "Artefact de tracé B"]
    planted["kind"] = "bridge"
    return gpd.GeoDataFrame(pd.concat([crossings, planted]), crs=crossings.crs)


def test_artefact_crossings_are_never_drawn() -> None:
    crossings = _with_artefacts()
    artefacts = [c for c in crossings.index if is_model_artefact(c)]
    assert artefacts == ["X-ARTEFACT-TEST", "X-SK-ARTEFACT-TEST"]
    html = _html(build_crossings_layer(crossings, None))
    for cid in artefacts:
        assert cid not in html
        assert str(crossings.at[cid, "name"]) not in html
    real = crossings[~crossings.index.isin(artefacts)]
    drawn = len(re.findall(r"map-sym map-sym-(bridge|ferry|pirogue|ford)", html))
    assert drawn == len(real)
    # each kind keeps its own shape
    for kind in set(real["kind"]):
        assert f"map-sym-{kind}" in html


def test_print_map_leaves_artefacts_out() -> None:
    from geo.products.printmap import _crossings_with_status

    crossings = _with_artefacts()
    out = _crossings_with_status(crossings, None)
    assert not out["crossing_id"].map(is_model_artefact).any()
    assert len(out) == len(crossings) - 2


def test_network_is_styled_by_surface() -> None:
    net = gpd.GeoDataFrame(
        {
            "name": ["Paved", "Laterite", "Track"],
            "surface": ["paved", "laterite", "track"],
            "season": ["all_year", "all_year", "dry_only"],
            "schematic": [False, False, True],
        },
        geometry=[LineString([(-4, 14 + i), (-3, 14 + i)]) for i in range(3)],
        crs="EPSG:4326",
        index=["S1", "S2", "S3"],
    )
    layer = build_network_layer(net, lang="fr")
    styles = feature_styles(layer)
    assert len(styles) == len(net)
    by_colour = {(st["color"], st.get("dashArray")) for st in styles}
    assert by_colour == {("#4d4d4d", None), ("#a0522d", None), ("#a0522d", "5 4")}
    assert {st["weight"] for st in styles if st["color"] == "#4d4d4d"} == {2.0}  # paved drawn wider
    assert layer.layer_name == "Routes secondaires et pistes"


# --------------------------------------------------------------------------- view and legend


def test_legend_folds_and_the_view_holds_the_whole_country() -> None:
    m = make_map(asset_base="static/vendor")
    admin = gpd.GeoDataFrame(geometry=[box(-12.24, 10.16, 4.24, 24.99)], crs="EPSG:4326")
    fit_country(m, admin)
    m.add_child(Legend("Légende", [("head", "", "Lieux"), ("symbol:hub", "#ffffff", "Hub")]))
    html = m.get_root().render()
    bounds = json.loads(re.search(r"fitBounds\(\s*(\[\[.*?\]\])", html, re.S).group(1))
    (south, west), (north, east) = bounds
    assert north >= 24.99 and south <= 10.16 and west <= -12.24 and east >= 4.24  # Taoudénit and Kidal in
    assert "disableClickPropagation" in html and "disableScrollPropagation" in html
    legend = Legend("Légende", [("symbol:hub", "#ffffff", "Hub")])
    assert legend.html.startswith("<details open><summary") and "map-sym-hub" in legend.html
    assert Legend("L", [], folded=True).html.startswith("<details><summary")
    assert legend.position == "topleft"


# --------------------------------------------------------------------------- snapshot map


def _page(**kw: object):  # noqa: ANN202
    from geo.products.snapshot import SnapshotPage, labels

    lang = kw.pop("lang", "fr")
    return SnapshotPage(
        lang=lang,
        labels=labels(lang),
        as_of=dt.date(2025, 11, 30),
        release_date=dt.date(2025, 10, 31),
        delay_days=30,
        sources=(),
        downloads=(),
        policy_version="x",
        generator="test",
        leaflet_dir=ROOT / "static" / "vendor" / "leaflet",
        hub_ids=kw.pop("reach_hubs", ()),
        sparse_after=kw.pop("sparse_after", None),
        incident_period=(dt.date(2024, 11, 1), dt.date(2025, 10, 31)),
    )


def _public_layers() -> dict[str, gpd.GeoDataFrame]:
    """Two 1x1 degree cercles side by side; a 4 h band covering the west half of the first."""
    units = gpd.GeoDataFrame(
        {
            "adm1_pcode": ["ML05", "ML05"],
            "adm1_name": ["Mopti", "Mopti"],
            "adm2_pcode": ["ML0501", "ML0502"],
            "adm2_name": ["Ouest", "Est"],
            "period": ["2024-11-01/2025-10-31"] * 2,
            "incidents": ["1-4", "0"],
            "incidents_min": [1, 0],
            "incidents_max": [4, 0],
        },
        geometry=[box(-4, 14, -3, 15), box(-3, 14, -2, 15)],
        crs="EPSG:4326",
    )
    enc = gpd.GeoDataFrame(
        {
            "adm1_pcode": ["ML05"],
            "adm1_name": ["Mopti"],
            "adm2_pcode": ["ML0502"],
            "adm2_name": ["Est"],
            "localities_encircled": [2],
            "named_localities": ["Boni"],
        },
        geometry=[box(-3, 14, -2, 15)],
        crs="EPSG:4326",
    )
    reach = gpd.GeoDataFrame(
        {
            "hub": ["Mopti (Sévaré)", "Mopti (Sévaré)"],
            "hours": [4.0, 8.0],
            "area_km2": [1, 2],
            "population": [0, 0],
        },
        geometry=[box(-4, 14, -3.5, 15), box(-4, 14, -3, 15)],
        crs="EPSG:4326",
    )
    admin1 = gpd.GeoDataFrame(
        {"adm1_pcode": ["ML05"], "adm1_name": ["Mopti"]}, geometry=[box(-4, 14, -2, 15)], crs="EPSG:4326"
    )
    roads = gpd.GeoDataFrame(
        {"axis_name": ["RN16"], "route_ref": ["RN16"], "status": ["closed"]},
        geometry=[LineString([(-4, 14.5), (-2, 14.5)])],
        crs="EPSG:4326",
    )
    return {
        "admin1": admin1,
        "incidents_admin2": units,
        "encircled_admin2": enc,
        "reach": reach,
        "road_status": roads,
    }


def test_cercle_figures_are_analytic() -> None:
    from geo.products.snapshot import cercle_figures

    figs = cercle_figures(_public_layers())
    west, east = figs["ML0501"], figs["ML0502"]
    # the 4 h band covers the west half of "Ouest"; the 8 h band all of it (equal-area CRS)
    assert west.reach_share[4.0] == pytest.approx(0.5, abs=0.01)
    assert west.reach_share[8.0] == pytest.approx(1.0, abs=0.01)
    assert east.reach_share[8.0] == pytest.approx(0.0, abs=1e-6)
    assert (west.incidents, west.localities_encircled) == ("1-4", 0)
    assert (east.localities_encircled, east.named_localities) == (2, "Boni")


def test_snapshot_click_shows_the_cercle_figures_not_a_reach_band() -> None:
    from layers.snapshot import build_snapshot_map

    page = _page(reach_hubs=(("Mopti (Sévaré)", "MOP"),), sparse_after=dt.date(2020, 12, 31))
    html = build_snapshot_map(_public_layers(), page).get_root().render()
    popups = [json.loads(p) for p in re.findall(r"bindPopup\((\"(?:[^\"\\]|\\.)*\")", html)]
    west = next(p for p in popups if "Cercle de Ouest" in p)
    assert "Superficie atteignable en moins de 4 h</th><td>50 %" in west
    assert "Superficie atteignable en moins de 8 h</th><td>100 %" in west
    # a count from a period of sparse data reads as what was recorded, with the date
    assert "1-4 incidents enregistrés — données d&#x27;incidents lacunaires après le 31 décembre 2020" in west
    east = next(p for p in popups if "Cercle de Est" in p)
    assert "2\u202f: Boni" in east  # French: narrow no-break space before the colon
    # reach bands: no tooltip, no click (they never answer "Ségou: accessible in 12 h")
    assert "Accessible en" not in html and "en moins de 12 h" not in html
    assert html.count('"interactive": false') >= 3
    # one "any hub" layer shown, the per-hub layer hidden until asked for
    names = {
        json.loads(name): var for name, var in re.findall(r'("(?:[^"\\]|\\.)*") : (feature_group_\w+)', html)
    }
    added = set(re.findall(r"(feature_group_\w+)\.addTo\(", html))
    assert names["Atteignable depuis un hub (moins de 8 h)"] in added
    assert names["Portée de Mopti (moins de 8 h)"] not in added
    assert {n for n, v in names.items() if v not in added} == {"Portée de Mopti (moins de 8 h)"}


def test_snapshot_says_where_incident_data_are_sparse() -> None:
    from geo.products.snapshot import incident_coverage_end, sparse_after
    from layers.snapshot import build_snapshot_map, render_snapshot_html

    inc = _incidents(4).assign(date=pd.to_datetime(["2020-12-31", "2019-05-01", "2024-06-01", "2025-01-01"]))
    end = incident_coverage_end(inc)
    assert end == dt.date(2020, 12, 31)  # ucdp and acled only; curated and generic are not systematic
    start, stop = dt.date(2024, 11, 1), dt.date(2025, 10, 31)
    assert sparse_after(end, start, stop) == dt.date(2020, 12, 31)  # none of the period is covered
    assert sparse_after(dt.date(2025, 3, 1), start, stop) == dt.date(2025, 3, 1)
    assert sparse_after(dt.date(2025, 10, 31), start, stop) is None
    assert sparse_after(None, start, stop) == dt.date(2024, 10, 31)
    for lang, text in (("fr", "lacunaires"), ("en", "are sparse")):
        page = _page(lang=lang, sparse_after=dt.date(2020, 12, 31))
        html = render_snapshot_html(_public_layers(), page)
        assert 'id="snapshot-sparse"' in html and text in html
        assert html.count(text) >= 2  # side panel and legend
        covered = build_snapshot_map(_public_layers(), _page(lang=lang)).get_root().render()
        assert text not in covered


def test_snapshot_marks_the_hubs_in_their_own_colour_and_names_them() -> None:
    """Each hub of the hubs table: a square in its colour (as on the live map), its name, a legend row."""
    from geo.products.snapshot import public_hubs_layer
    from layers.snapshot import build_snapshot_map

    table = _hubs()
    hubs = public_hubs_layer(table)
    # public places: id, name and point only, where the table puts them
    assert list(hubs.columns) == ["hub_id", "name", "geometry"]
    assert list(hubs["hub_id"]) == list(table.index)
    assert [(p.x, p.y) for p in hubs.geometry] == [(p.x, p.y) for p in table.to_crs(4326).geometry]
    towns = gpd.GeoDataFrame(
        {"name": ["Sévaré", "Kita"]}, geometry=[Point(-4.18, 14.49), Point(-9.49, 13.03)], crs="EPSG:4326"
    )
    layers = {**_public_layers(), "hubs": hubs, "towns": towns}
    m = build_snapshot_map(layers, _page(reach_hubs=(("Mopti (Sévaré)", "MOP"),)))
    props = feature_properties(m)
    squares = {p["label"]: p["icon"]["html"] for p in props if p.get("label_class") == "hub-label"}
    assert set(squares) == {hub_label(n) for n in table["name"]}
    for hub_id, name in zip(table.index, table["name"], strict=True):
        assert "map-sym-hub" in squares[hub_label(name)]
        assert f"background:{hub_colour(hub_id)}" in squares[hub_label(name)]
    assert not any(
        "popup" in p for p in props if p.get("label_class") == "hub-label"
    )  # clicks reach the cercle
    # a town at a hub is named once, by the hub
    assert [p["label"] for p in props if p.get("label_class") == "town-label"] == ["Kita"]
    legend = next(c for c in m._children.values() if type(c).__name__ == "Legend").html
    for hub_id, name in zip(table.index, table["name"], strict=True):
        assert f"background:{hub_colour(hub_id)}" in legend and f"{hub_label(name)}</span>" in legend
    assert "Hubs du GTAH (portée en moins de 8 h\u202f: menu des couches)" in legend


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_zero_from_sparse_incident_data_reads_as_none_recorded(lang: str) -> None:
    """Tooltip, popup, legend and static picture: the count is what was recorded, sparse after a date."""
    import html as html_lib

    from geo.products import printmap
    from geo.products import snapshot as S
    from geo.products.i18n import format_date, tr
    from layers.snapshot import build_snapshot_map

    day = dt.date(2020, 12, 29)
    written = format_date(day, lang)

    def texts(m: object, call: str) -> list[str]:
        """The tooltips or popups of a rendered map, as a reader sees their text."""
        page = m.get_root().render()
        found = re.findall(call + r"\((\"(?:[^\"\\]|\\.)*\")", page)
        return [html_lib.unescape(re.sub(r"<[^>]+>", " ", json.loads(t))) for t in found]

    sparse = build_snapshot_map(_public_layers(), _page(lang=lang, sparse_after=day))
    covered = build_snapshot_map(_public_layers(), _page(lang=lang))
    recorded = {"fr": "0 incident enregistré", "en": "0 incidents recorded"}[lang]
    words = {"fr": "données d'incidents lacunaires après le", "en": "incident data sparse after"}[lang]
    colon = "\u202f: " if lang == "fr" else ": "
    said = f"{recorded} — {words} {written}"
    assert f" Est{colon}{said} " in texts(sparse, "bindTooltip")  # the cercle at 0
    east = next(p for p in texts(sparse, "bindPopup") if "Est " in p)
    assert said in east
    note = S.sparse_note(day, lang)
    assert note == tr("snapmap.sparse_legend", lang, date=written) and written in note
    legend = next(c for c in sparse._children.values() if type(c).__name__ == "Legend").html
    assert html_lib.escape(note) in legend
    # a period the systematic data cover: the count as it is
    zero = {"fr": "0 incident", "en": "0 incidents"}[lang]
    assert f" Est{colon}{zero} " in texts(covered, "bindTooltip")
    assert not any(words in t for t in texts(covered, "bindTooltip") + texts(covered, "bindPopup"))
    # the static picture: the same legend line under the incident classes
    seen: dict = {}

    def spy(layers: printmap.MapLayers, **kw: object) -> bytes:
        seen["layers"] = layers
        return b""

    mp = pytest.MonkeyPatch()
    mp.setattr(printmap, "render_map", spy)
    try:
        S.render_png(
            {**_public_layers(), "hubs": S.public_hubs_layer(_hubs())},
            Path("/dev/null"),
            title="t",
            subtitle="s",
            lang=lang,
            release_date=dt.date(2025, 10, 31),
            produced=dt.date(2025, 11, 30),
            sparse_after=day,
        )
    finally:
        mp.undo()
    assert seen["layers"].incident_note == note
    assert list(seen["layers"].hubs["hub_id"]) == list(_hubs().index)  # hubs on the picture too
