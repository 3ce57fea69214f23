"""Catchments: every cell and locality attributed to the hub that reaches it fastest.

One multi-source search from all usable hubs at once (``geo.model.costdist.settle`` with
labels) gives, per cell within the budget, the travel time to the nearest hub and
which hub that is; ties go to the hub listed first. Catchment polygons are the
4-connected parts of each hub's cells, so they never overlap (each cell has one
label) and their areas sum to the area reached.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from rasterio.transform import Affine

from geo.config import WORK_CRS
from geo.model.costdist import Settled, prepare_friction, settle
from geo.model.friction import ModelInputs
from geo.model.polygonize import mask_polygons
from geo.model.reach import HUB_SNAP_SPEED_KMH, ReachState, locate_hub, place_lonlat

logger = logging.getLogger(__name__)

CATCHMENT_COLUMNS = ["hub_id", "hub", "area_km2", "population", "localities", "geometry"]
CATCHMENT_LOCALITY_COLUMNS = [
    "place_id",
    "locality",
    "adm2_pcode",
    "adm3_pcode",
    "lon",
    "lat",
    "hub_id",
    "hub",
    "travel_time_h",
]


@dataclass(frozen=True)
class Catchments:
    """Catchments of a set of hubs within a time budget.

    Attributes
    ----------
    polygons
        ``CATCHMENT_COLUMNS``, one row per hub (empty geometry when it cannot start), WORK_CRS.
    localities
        ``CATCHMENT_LOCALITY_COLUMNS``: each locality reached, its nearest hub and time.
    cells
        The search result (labels = position of the hub in ``hub_ids``).
    hub_ids
        Hub ids in label order.
    statuses
        ``{hub_id: placement status}``.
    """

    polygons: gpd.GeoDataFrame
    localities: pd.DataFrame
    cells: Settled | None
    hub_ids: list[str]
    statuses: dict


def compute_catchments(
    inputs: ModelInputs,
    hubs: gpd.GeoDataFrame,
    state: ReachState,
    *,
    max_h: float = 12.0,
    friction: np.ndarray | None = None,
) -> Catchments:
    """Attribute each cell and locality to its fastest hub within ``max_h`` hours.

    Parameters
    ----------
    inputs
        Static model inputs.
    hubs
        Hubs (EPSG:4326) with ``hub_id`` and ``name``.
    state
        Constraints (``geo.model.reach.base_state`` or a scenario's state).
    max_h
        Time budget, hours.
    friction
        The state's friction if already built.

    Returns
    -------
    Catchments

    Raises
    ------
    ValueError
        ``max_h`` not positive.
    """
    if not max_h > 0:
        msg = f"max_h must be > 0, got {max_h!r}"
        raise ValueError(msg)
    grid = prepare_friction(state.friction(inputs) if friction is None else friction)
    f = grid.friction
    usable, starts, costs, statuses = [], [], [], {}
    for _, hub in hubs.iterrows():
        pl = locate_hub(inputs, f, hub, state.no_entry)
        statuses[hub["hub_id"]] = pl.status
        if pl.usable:
            usable.append(hub)
            starts.append((pl.row, pl.col))
            costs.append(pl.snap_km / HUB_SNAP_SPEED_KMH)
        else:
            logger.warning("hub %s: %s", hub["name"], pl.status)
    hub_ids = [h["hub_id"] for h in usable]
    cells = (
        settle(
            grid, starts, cell_km=inputs.grid.cell_km, max_h=max_h, start_costs_h=np.array(costs), labels=True
        )
        if starts
        else None
    )
    places = inputs.places
    place_flat = places["row"].to_numpy() * inputs.grid.shape[1] + places["col"].to_numpy()
    if cells is not None:
        place_t = cells.values_at(place_flat)
        place_lab = cells.labels_at(place_flat)
    else:
        place_t = np.full(len(places), np.inf)
        place_lab = np.full(len(places), -1)
    sel = np.isfinite(place_t)
    lon, lat = place_lonlat(inputs)
    names = dict(zip(hubs["hub_id"], hubs["name"], strict=True))
    lab_ids = np.array(hub_ids + [""], dtype=object)[place_lab[sel]]
    localities = pd.DataFrame(
        {
            "place_id": places.index[sel].astype(str),
            "locality": places["name"].to_numpy()[sel],
            "adm2_pcode": places["adm2_pcode"].to_numpy()[sel],
            "adm3_pcode": places["adm3_pcode"].to_numpy()[sel],
            "lon": np.round(lon[sel], 5),
            "lat": np.round(lat[sel], 5),
            "hub_id": lab_ids,
            "hub": [names[h] for h in lab_ids],
            "travel_time_h": place_t[sel],
        },
        columns=CATCHMENT_LOCALITY_COLUMNS,
    )
    rows = []
    pop = inputs.population.reshape(-1)
    if cells is not None and len(cells):
        ncols = inputs.grid.shape[1]
        r = cells.idx // ncols
        c = cells.idx - r * ncols
        r0, c0 = int(r.min()), int(c.min())
        lab = np.full((int(r.max()) + 1 - r0, int(c.max()) + 1 - c0), -1, dtype=np.int32)
        lab[r - r0, c - c0] = cells.label
        transform = inputs.grid.transform @ Affine.translation(c0, r0)
        counts = np.bincount(cells.label, minlength=len(hub_ids))
        pops = np.bincount(cells.label, weights=pop[cells.idx], minlength=len(hub_ids))
    for _, hub in hubs.iterrows():
        hid = hub["hub_id"]
        if hid in hub_ids and cells is not None and len(cells):
            k = hub_ids.index(hid)
            geom = mask_polygons(lab == k, transform)
            area, people = counts[k] * inputs.grid.cell_area_km2, float(pops[k])
        else:
            from shapely import Polygon

            geom, area, people = Polygon(), 0.0, 0.0
        rows.append(
            {
                "hub_id": hid,
                "hub": hub["name"],
                "area_km2": float(area),
                "population": people,
                "localities": int((localities["hub_id"] == hid).sum()),
                "geometry": geom,
            }
        )
    polygons = gpd.GeoDataFrame(rows, columns=CATCHMENT_COLUMNS, geometry="geometry", crs=WORK_CRS)
    logger.info("catchments: %d hubs, %d localities within %g h", len(hub_ids), len(localities), max_h)
    return Catchments(polygons, localities, cells, hub_ids, statuses)
