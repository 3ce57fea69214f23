"""Writing results: atomic GeoPackage and CSV writes, EPSG:4326 on disk.

Every writer writes to a temporary file next to the target and renames it over the
target (``os.replace``), so a reader never sees a half-written file and a crash leaves
the previous version intact.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import pandas as pd

from geo.settings import STORAGE_CRS

if TYPE_CHECKING:
    from geo.scenario import ScenarioResult

logger = logging.getLogger(__name__)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The temporary file is removed if the block raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_layers(layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], target: Path) -> None:
    """Write several layers to one GeoPackage atomically (EPSG:4326).

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame (any CRS; reprojected to EPSG:4326), or a plain
        DataFrame, written as an attribute table (no geometry).
    target
        ``.gpkg`` file, replaced as a whole.
    """
    import pyogrio

    with atomic_path(target) as tmp:
        for name, gdf in layers.items():
            if not isinstance(gdf, gpd.GeoDataFrame):
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
                continue
            out = gdf.to_crs(STORAGE_CRS) if gdf.crs is not None else gdf.set_crs(STORAGE_CRS)
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    logger.info("wrote %s (%s)", target, ", ".join(f"{k}: {len(v)}" for k, v in layers.items()))


def bands_layer(bands: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reach bands as written to files: hub, hours, area_km2 (0.1), population (whole), localities,
    hub_id, hub_status, geometry."""
    cols = ["hub", "hours", "area_km2", "population", "localities", "hub_id", "hub_status", "geometry"]
    out = bands[cols].copy()
    out["area_km2"] = out["area_km2"].round(1)
    out["population"] = out["population"].round(0)
    return out


def write_reach(bands: gpd.GeoDataFrame, target: Path, *,
                scenario: ScenarioResult | None = None) -> list[str]:
    """Write reach bands as layer ``reachable_areas`` (hub, hours, area_km2, population,
    localities, hub_id, hub_status, geometry in EPSG:4326).

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
        layers.update(scenario_layers(before=scenario.before.bands, lost=scenario.lost, gained=scenario.gained,
                                      localities=scenario.localities, changes=scenario.changes))
    write_layers(layers, target)
    return list(layers)


def scenario_layers(*, before: gpd.GeoDataFrame, lost: gpd.GeoDataFrame, gained: gpd.GeoDataFrame,
                    localities: pd.DataFrame, changes: pd.DataFrame) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """The layers describing a scenario's difference from the as-of reach (see :func:`write_reach`).

    Parameters
    ----------
    before
        As-of bands (``geo.reach.BAND_COLUMNS``).
    lost, gained
        ``geo.scenario.ScenarioResult.lost`` / ``.gained``.
    localities, changes
        ``geo.scenario.LOCALITY_CHANGE_COLUMNS`` and ``CHANGE_COLUMNS`` tables.

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
        localities, geometry=gpd.points_from_xy(localities["lon"], localities["lat"]), crs=STORAGE_CRS)
    layers["scenario_changes"] = pd.DataFrame(changes)
    return layers


def write_csv_atomic(df: pd.DataFrame, target: Path, *, hxl: dict[str, str] | None = None) -> None:
    """Write a CSV atomically (UTF-8), optionally with an HXL hashtag row under the header.

    Parameters
    ----------
    df
        Table to write (index not written).
    target
        CSV path.
    hxl
        Column -> HXL hashtag (e.g. ``{"adm2_pcode": "#adm2+code"}``); columns not in it
        get an empty tag.
    """
    with atomic_path(target) as tmp:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            if hxl:
                import csv

                w = csv.writer(f, lineterminator="\n")
                w.writerow(df.columns)
                w.writerow([hxl.get(c, "") for c in df.columns])
                df.to_csv(f, index=False, header=False, lineterminator="\n")
            else:
                df.to_csv(f, index=False, lineterminator="\n")
