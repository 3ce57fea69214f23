"""Print map layout: legend headings, crossing symbols, legend and key-figure text size, key-figures box.

Every check reads the drawn figure (texts, markers, window boxes) of maps built from the
inputs below or from the real data folder.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely import LineString, Point, box

from geo.products.i18n import tr
from geo.products.printmap import (
    CROSSING_MARKER,
    LEGEND_MIN_PT,
    MAP_BOX,
    PAPER_MM,
    PRINT_CRS,
    MapLayers,
    _extent_for,
    _prepare,
    draw_map,
)

AS_OF = dt.date(2025, 11, 30)
KINDS = ("bridge", "ferry", "pirogue", "ford")


def rich_layers(admin1: gpd.GeoDataFrame, hubs: gpd.GeoDataFrame) -> MapLayers:
    """Layers that fill every legend section: reach of each hub, roads, water and crossings, points."""
    centre = admin1.to_crs(PRINT_CRS).union_all().representative_point()
    lon, lat = gpd.GeoSeries([centre], crs=PRINT_CRS).to_crs("EPSG:4326").iloc[0].coords[0]
    bands = gpd.GeoDataFrame(
        {
            "hub_id": list(hubs["hub_id"]),
            "hub": list(hubs["name"]),
            "hours": 12.0,
            "hub_status": "ok",
        },
        geometry=[g.buffer(1.0) for g in hubs.geometry],
        crs="EPSG:4326",
    )
    crossings = gpd.GeoDataFrame(
        {"kind": list(KINDS), "status": ["open", "open", "closed", "open"]},
        geometry=[Point(lon + 0.6 * i, lat) for i in range(len(KINDS))],
        crs="EPSG:4326",
    )
    axes = gpd.GeoDataFrame(
        {"schematic": [False, True]},
        geometry=[LineString([(lon - 2, lat - 1), (lon, lat)]), LineString([(lon, lat), (lon + 2, lat + 1)])],
        crs="EPSG:4326",
        index=pd.Index(["A-1", "A-2"], name="axis_id"),
    )
    status = pd.DataFrame(
        {"status": ["closed", "constrained"]}, index=pd.Index(["A-1", "A-2"], name="axis_id")
    )
    network = gpd.GeoDataFrame(
        {"surface": ["paved", "laterite", "track"]},
        geometry=[LineString([(lon - 3, lat - 2 + k), (lon + 3, lat - 2 + k)]) for k in range(3)],
        crs="EPSG:4326",
    )
    rivers = gpd.GeoDataFrame(
        geometry=[LineString([(lon - 4, lat + 0.3), (lon + 4, lat - 0.3)])], crs="EPSG:4326"
    )
    enc = gpd.GeoDataFrame(
        {"locality": ["Farabougou"], "radius_km": [5.0], "public": [True]},
        geometry=[Point(lon - 1, lat - 1)],
        crs="EPSG:4326",
    )
    incidents = gpd.GeoDataFrame({"amrf": ["hostilities"]}, geometry=[Point(lon, lat - 1)], crs="EPSG:4326")
    return MapLayers(
        admin1=admin1,
        bands=bands,
        hubs=hubs,
        axes=axes,
        axis_status=status,
        network=network,
        rivers=rivers,
        crossings=crossings,
        encircled=enc,
        incidents=incidents,
        incident_window=(dt.date(2025, 1, 1), AS_OF),
        stale_days=30,
    )


@pytest.fixture(scope="module")
def real(data_dir) -> dict:  # noqa: ANN001
    from geo.sources.admin import load_admin
    from geo.sources.curated import read_hubs

    hubs = read_hubs().valid
    return {
        "admin0": load_admin(data_dir, 0),
        "layers": rich_layers(load_admin(data_dir, 1), hubs[["hub_id", "name", "geometry"]]),
        "hub_ids": list(hubs["hub_id"]),
    }


def legend_axes(fig):  # noqa: ANN001, ANN201
    return fig.axes[-1]


def headings_of_rows(fig) -> dict[str, str]:  # noqa: ANN001
    """Legend row text -> the heading it is read under: the nearest heading above it in its column."""
    ax = legend_axes(fig)
    heads = [t for t in ax.texts if t.get_fontweight() == "bold"]
    columns = sorted({t.get_position()[0] for t in heads})
    out = {}
    for t in ax.texts:
        if t in heads:
            continue
        x, y = t.get_position()
        col = max(c for c in columns if c <= x)
        above = [h for h in heads if h.get_position()[0] == col and h.get_position()[1] > y]
        out[" ".join(t.get_text().split())] = (
            " ".join(min(above, key=lambda h: h.get_position()[1] - y).get_text().split()) if above else ""
        )
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_water_and_crossings_sit_under_their_own_heading_not_the_roads(real: dict, lang: str) -> None:
    from geo.vocab import ROAD_STATUS

    fig = draw_map(real["layers"], as_of=AS_OF, lang=lang)
    under = headings_of_rows(fig)
    water, roads, base = tr("map.head_water", lang), tr("legend_roads", lang), tr("legend_base", lang)
    assert under[tr("river", lang)] == water  # the tester saw « Fleuve, lac » under the roads
    for kind in KINDS:
        assert under[tr(f"crossing_{kind}", lang)] == water
    assert under[tr("crossing_closed", lang)] == water
    for key in ("net_paved", "net_track"):
        assert under[tr(key, lang)] == roads
    assert under[ROAD_STATUS.label("closed", lang)] == roads
    for key in ("admin1", "foreign_land"):
        assert under[tr(key, lang)] == base
    assert under[tr("encircled", lang)] == tr("legend_other", lang)


def marker_shape(marker) -> np.ndarray:  # noqa: ANN001
    """Vertices of a marker's outline as drawn (unit size), whatever way it is given."""
    from matplotlib.markers import MarkerStyle

    style = MarkerStyle(marker)
    return np.round(style.get_path().transformed(style.get_transform()).vertices, 6)


def same_shape(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b))


def test_each_crossing_kind_has_its_own_shape_on_the_map_and_in_the_legend(real: dict) -> None:
    from matplotlib.collections import PathCollection

    layers = real["layers"]
    fig = draw_map(layers, as_of=AS_OF, lang="fr")
    main = fig.axes[0]
    pts = layers.crossings.to_crs(PRINT_CRS)
    on_map = {}
    for kind, g in zip(pts["kind"], pts.geometry, strict=True):
        coll = next(
            c
            for c in main.collections
            if isinstance(c, PathCollection)
            and len(c.get_offsets())
            and np.allclose(c.get_offsets(), [[g.x, g.y]])
            and not same_shape(c.get_paths()[0].vertices, marker_shape("x"))  # the closed crossing's cross
        )
        on_map[kind] = np.round(coll.get_paths()[0].vertices, 6)
    for a, b in [(a, b) for i, a in enumerate(KINDS) for b in KINDS[i + 1 :]]:
        assert not same_shape(on_map[a], on_map[b]), (
            a,
            b,
        )  # shape, not colour: a black-and-white copy tells them apart
    leg = legend_axes(fig)
    by_y = {round(t.get_position()[1], 9): " ".join(t.get_text().split()) for t in leg.texts}
    in_legend = {by_y.get(round(ln.get_ydata()[0], 9)): ln.get_marker() for ln in leg.lines}
    for kind in KINDS:
        drawn = marker_shape(in_legend[tr(f"crossing_{kind}", "fr")])
        assert same_shape(drawn, on_map[kind]), kind
        assert same_shape(drawn, marker_shape(CROSSING_MARKER[kind][0]))


@pytest.mark.parametrize("paper", sorted(PAPER_MM))
def test_legend_and_key_figures_are_readable_at_print_size(real: dict, paper: str) -> None:
    fig = draw_map(real["layers"], as_of=AS_OF, lang="fr", paper=paper)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    scale = PAPER_MM[paper][0] / PAPER_MM["A4"][0]  # the page is printed at its paper size
    leg = legend_axes(fig)
    assert len(leg.texts) >= 28  # the rich layers fill the legend
    assert min(t.get_fontsize() for t in leg.texts) >= LEGEND_MIN_PT * scale >= 7.0
    frame = leg.get_window_extent(renderer)
    boxes = [t.get_window_extent(renderer) for t in leg.texts]
    for i, bb in enumerate(boxes):  # whole, inside the panel, and no two rows overlap
        assert frame.x0 - 1 <= bb.x0 and bb.x1 <= frame.x1 + 1 and frame.y0 - 1 <= bb.y0, leg.texts[
            i
        ].get_text()
        for other in boxes[i + 1 :]:
            assert not bb.overlaps(other), leg.texts[i].get_text()
    assert not frame.overlaps(fig.axes[0].get_window_extent(renderer))  # the legend covers no map data
    key = next(t for t in fig.texts if t.get_text().startswith(tr("key_figures", "fr")))
    assert key.get_fontsize() >= 7.0 * scale


def key_box_and_country(fig, admin0: gpd.GeoDataFrame, lang: str):  # noqa: ANN001, ANN202
    """The key-figures box as drawn and Mali's admin0 as drawn in the map frame, both in figure fractions."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    key = next(t for t in fig.texts if t.get_text().startswith(tr("key_figures", lang)))
    bb = key.get_bbox_patch().get_window_extent(renderer).transformed(fig.transFigure.inverted())
    main = fig.axes[0]
    to_fig = main.transData + fig.transFigure.inverted()
    country = shapely.transform(admin0.to_crs(PRINT_CRS).union_all(), to_fig.transform)
    frame = main.get_window_extent(renderer).transformed(fig.transFigure.inverted())
    drawn = country.intersection(box(frame.x0, frame.y0, frame.x1, frame.y1))  # the part inside the frame
    return box(bb.x0, bb.y0, bb.x1, bb.y1), drawn


@pytest.mark.parametrize("paper", sorted(PAPER_MM))
def test_key_figures_box_covers_no_part_of_mali(real: dict, paper: str) -> None:
    admin0 = real["admin0"]
    national = draw_map(real["layers"], as_of=AS_OF, lang="fr", paper=paper)
    key, drawn = key_box_and_country(national, admin0, "fr")
    assert not drawn.is_empty
    assert not key.intersects(drawn)
    # the national page keeps the whole frame for the map: the box sits over a neighbour
    assert key.bounds[3] < national.axes[0].get_position().y1
    margins = 0
    for hub_id in real["hub_ids"]:  # hub pages, where the country fills the frame
        fig = draw_map(real["layers"], as_of=AS_OF, lang="en", paper=paper, focus_hub=hub_id)
        key, drawn = key_box_and_country(fig, admin0, "en")
        assert not drawn.is_empty
        assert not key.intersects(drawn), hub_id
        main = fig.axes[0]
        if key.bounds[1] >= main.get_position().y1:  # in a margin above the map
            margins += 1
            # the map keeps the page's extent: the positions listed for the page are those marked on it
            w_mm, h_mm = PAPER_MM[paper]
            full = _extent_for(
                _prepare(real["layers"]), hub_id, MAP_BOX[2] * w_mm / 25.4, MAP_BOX[3] * h_mm / 25.4
            )
            drawn_limits = (*main.get_xlim(), *main.get_ylim())
            tol = 1e-3 * (full[2] - full[0])  # the axes box is drawn to whole pixels
            assert np.allclose(drawn_limits, (full[0], full[2], full[1], full[3]), rtol=0, atol=tol), hub_id
    assert margins  # the real hub pages do need the margin
