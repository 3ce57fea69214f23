"""Roads layer with an OpenStreetMap network: national and regional roads as one layer, no per-way popup."""

from __future__ import annotations

import folium
import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString

from geo.config import WORK_CRS
from geo.model.osm_network import MAIN_HIGHWAYS
from layers.roads import build_roads_layer

X0, Y0 = -1_000_000.0, 1_700_000.0  # central Mali in ESRI:102022


def _network(n_streets: int) -> gpd.GeoDataFrame:
    rows = [
        {"highway": "residential" if i < n_streets else "trunk", "source_refs": "OSM", "schematic": False}
        for i in range(n_streets + 3)
    ]
    rows.append({"highway": None, "source_refs": "S-NET-X", "schematic": True, "name": "Piste <b>x</b>"})
    geoms = [LineString([(X0 + 2000 * i, Y0), (X0 + 2000 * i + 1500, Y0 + 900)]) for i in range(len(rows))]
    index = [f"osm-{i}" for i in range(len(rows) - 1)] + ["CUR-1"]
    return gpd.GeoDataFrame(pd.DataFrame(rows, index=index), geometry=geoms, crs=WORK_CRS)


def test_osm_rows_are_one_layer_of_the_main_classes_and_curated_rows_keep_their_popup() -> None:
    net = _network(500)
    axes = gpd.GeoDataFrame({"axis_name": [], "route_ref": [], "schematic": []}, geometry=[], crs=WORK_CRS)
    group = build_roads_layer(None, axes, pd.DataFrame({"status": []}), network=net)
    layers = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    osm = [c for c in layers if c.layer_name == "OpenStreetMap roads"]
    assert len(osm) == 1
    n_main = int(net["highway"].isin(MAIN_HIGHWAYS).sum())
    assert len(osm[0].data["features"]) == n_main == 3
    # the curated segment is still drawn on its own, its name escaped in the tooltip
    others = [c for c in layers if c.layer_name != "OpenStreetMap roads"]
    assert len(others) == 1
    html = folium.Map().add_child(group).get_root().render()
    assert "Piste &lt;b&gt;x&lt;/b&gt;" in html and "Piste <b>x</b>" not in html


def test_network_layer_draws_osm_rows_as_one_layer() -> None:
    from layers.roads import build_network_layer

    group = build_network_layer(_network(500))
    layers = [c for c in group._children.values() if isinstance(c, folium.GeoJson)]
    osm = [c for c in layers if c.layer_name == "OpenStreetMap roads"]
    assert len(osm) == 1 and len(osm[0].data["features"]) == 3
    assert len(layers) == 2  # the OSM overview and the one curated segment
