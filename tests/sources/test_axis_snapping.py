"""An axis snapped on the road lines follows its own road, not a long edge of another."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from shapely import LineString

from geo.config import WORK_CRS
from geo.sources.roads import JOIN_KM, _snap_leg, road_graph


def test_a_road_leaving_a_long_edge_mid_way_is_met_where_it_leaves() -> None:
    # road A: one 10 km edge with no vertex between its ends (a generalised line); road B
    # runs beside A from near A's west end, leaves it 2 km before A's east end and goes north
    a_line = LineString([(0, 0), (10_000, 0)])
    b_line = LineString([(700, 500), (8_000, 500), (8_000, 10_000)])
    assert np.hypot(700, 500) < JOIN_KM * 1000  # B's first vertex is joined to A's west end
    graph = road_graph(gpd.GeoDataFrame(geometry=[a_line, b_line], crs=WORK_CRS))
    start, end = (9_500.0, 0.0), (8_000.0, 10_000.0)  # the axis: from A near its east end, up B
    leg = _snap_leg(graph, start, end, float(np.hypot(1_500, 10_000)))
    assert leg is not None
    # along A to where B leaves it (1.5 km), across to B (0.5 km), up B (9.5 km); never back
    # along A to its west end and along B again (about 27.7 km)
    assert leg.length <= 1_500 + 500 + 9_500 + 1.0
    assert min(x for x, _ in leg.coords) >= 8_000 - 1.0
