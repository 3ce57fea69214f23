"""Localities (towns and villages) in one internal schema.

Internal schema: ``place_id`` (str, index), ``name`` (str), ``place_type`` (str),
``population`` (float, NaN when unknown), ``adm1_name``, ``adm2_name`` (as the source
gives them), ``geometry`` (Point, EPSG:4326).

Adapters: ``wof_localities`` (Who's On First / GeoNames, the file in the data folder),
``hotosm_places`` (HOT OSM export: ``osm_id``, ``name``, ``place``, ``population``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import STORAGE_CRS
from geo.errors import DataFileError
from geo.sources.datasets import dataset_path, load_manifest, read_vector

logger = logging.getLogger(__name__)

PLACE_COLUMNS = ["name", "place_type", "population", "adm1_name", "adm2_name", "geometry"]


def normalise_places(
    raw: gpd.GeoDataFrame, *, adapter: str, path: Path | str = "<memory>"
) -> gpd.GeoDataFrame:
    """Turn a source localities layer into the internal schema.

    Parameters
    ----------
    raw
        Point layer as read, with a CRS.
    adapter
        ``{"wof_localities", "hotosm_places"}``.
    path
        Source file, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``PLACE_COLUMNS`` indexed by ``place_id``, EPSG:4326, points only.

    Raises
    ------
    DataFileError
        Unknown adapter or missing column.
    """
    if adapter == "wof_localities":
        need = {
            "wof_id": "place_id",
            "name": "name",
            "wof_placetype": "place_type",
            "gn_population": "population",
            "adm1_name": "adm1_name",
            "adm2_name": "adm2_name",
        }
    elif adapter == "hotosm_places":
        need = {"osm_id": "place_id", "name": "name", "place": "place_type", "population": "population"}
    else:
        msg = f"unknown places adapter {adapter!r}; expected wof_localities or hotosm_places"
        raise DataFileError(path, msg, field="adapter")
    for col in need:
        if col not in raw.columns:
            raise DataFileError(path, "missing column in localities layer", field=col)
    df = raw[list(need)].rename(columns=need)
    for c in ("adm1_name", "adm2_name"):
        if c not in df.columns:
            df[c] = None
    df["place_id"] = df["place_id"].astype("string")
    df["population"] = pd.to_numeric(df["population"], errors="coerce").where(lambda s: s > 0)
    gdf = gpd.GeoDataFrame(df, geometry=raw.geometry.values, crs=raw.crs).to_crs(STORAGE_CRS)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty & (gdf.geom_type == "Point")]
    gdf = gdf.drop_duplicates("place_id").set_index("place_id")
    gdf.index.name = "place_id"
    return gdf[PLACE_COLUMNS]


def load_places(data_dir: Path) -> gpd.GeoDataFrame:
    """Load the localities of the data folder in the internal schema (see module doc)."""
    ds = load_manifest()["places"]
    raw = read_vector(data_dir, "places")
    gdf = normalise_places(raw, adapter=ds.adapter, path=dataset_path(data_dir, "places"))
    logger.info("places: %d localities", len(gdf))
    return gdf
