"""GeoPackage layout of reach results and scenario differences (``geo reach``, the pages)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.config import STORAGE_CRS
from geo.io import write_layers

if TYPE_CHECKING:
    from geo.model.scenario import ScenarioResult


def bands_layer(bands: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return reach bands as written to files.

    Columns: hub, hours, area_km2 (0.1), population (whole), localities, hub_id, hub_status,
    geometry.
    """
    cols = ["hub", "hours", "area_km2", "population", "localities", "hub_id", "hub_status", "geometry"]
    out = bands[cols].copy()
    out["area_km2"] = out["area_km2"].round(1)
    out["population"] = out["population"].round(0)
    return out


def write_reach(
    bands: gpd.GeoDataFrame, target: Path, *, scenario: ScenarioResult | None = None
) -> list[str]:
    """Write reach bands as layer ``reachable_areas``.

    Columns: hub, hours, area_km2, population, localities, hub_id, hub_status, geometry
    (EPSG:4326).

    With ``scenario`` (whose ``after.bands`` are ``bands``), also its difference from the
    as-of state: ``reachable_areas_before``; ``area_lost`` and ``area_gained`` (hub,
    hours, area_km2 per band that lost or gained cells; bands without change are left
    out); ``scenario_localities`` (points: the localities leaving or entering each band,
    with travel times before and after); and the attribute table ``scenario_changes``
    (km2, population and localities before, after, lost and gained per hub and band).

    Returns
    -------
    list of str
        The layer names written.
    """
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {"reachable_areas": bands_layer(bands)}
    if scenario is not None:
        layers.update(
            scenario_layers(
                before=scenario.before.bands,
                lost=scenario.lost,
                gained=scenario.gained,
                localities=scenario.localities,
                changes=scenario.changes,
            )
        )
    write_layers(layers, target)
    return list(layers)


def scenario_layers(
    *,
    before: gpd.GeoDataFrame,
    lost: gpd.GeoDataFrame,
    gained: gpd.GeoDataFrame,
    localities: pd.DataFrame,
    changes: pd.DataFrame,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Return the layers describing a scenario's difference from the as-of reach (see :func:`write_reach`).

    Parameters
    ----------
    before
        As-of bands (``geo.model.reach.BAND_COLUMNS``).
    lost, gained
        ``geo.model.scenario.ScenarioResult.lost`` / ``.gained``.
    localities, changes
        ``geo.model.scenario.LOCALITY_CHANGE_COLUMNS`` and ``CHANGE_COLUMNS`` tables.

    Returns
    -------
    dict
        ``reachable_areas_before``, ``area_lost``, ``area_gained`` (bands with a change
        only, no empty geometry), ``scenario_localities`` (points, EPSG:4326) and
        ``scenario_changes`` (a table without geometry).
    """
    layers: dict[str, gpd.GeoDataFrame | pd.DataFrame] = {"reachable_areas_before": bands_layer(before)}
    for name, part in (("area_lost", lost), ("area_gained", gained)):
        keep = part[~(part.geometry.isna() | part.geometry.is_empty) & (part["area_km2"] > 0)].copy()
        keep["area_km2"] = keep["area_km2"].round(1)
        layers[name] = keep[["hub_id", "hub", "hours", "area_km2", "geometry"]]
    layers["scenario_localities"] = gpd.GeoDataFrame(
        localities, geometry=gpd.points_from_xy(localities["lon"], localities["lat"]), crs=STORAGE_CRS
    )
    layers["scenario_changes"] = pd.DataFrame(changes)
    return layers
