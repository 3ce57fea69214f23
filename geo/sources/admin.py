"""Administrative boundaries (admin0-3) in one internal schema, whatever the source.

Internal schema (one row per unit, index = P-code)
--------------------------------------------------
``pcode`` (str, unique), ``name`` (str), ``level`` (int 0-3), ``parent_pcode`` (str or
None), ``adm1_pcode``/``adm1_name`` and ``adm2_pcode``/``adm2_name`` where the level
allows, ``geometry`` (Polygon/MultiPolygon, EPSG:4326).

Adapters
--------
``cod_ab``
    OCHA COD-AB: columns ``adm{n}_pcode``/``adm{n}_name`` (the 2015 files here) or the
    HDX 2021 spelling ``ADM{n}_PCODE``/``ADM{n}_FR`` (case-insensitive).
``geoboundaries``
    geoBoundaries gbOpen: ``shapeID`` used as code, ``shapeName`` as name; no parents.
``wof``
    Who's On First: ``wof_id`` as code, ``name_fr`` (else ``name``) as name.

P-codes are OCHA's; the 2015 and 2021 versions number cercles differently, so a
P-code is only meaningful with its version (the manifest's source).
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely

from geo.config import STORAGE_CRS
from geo.errors import DataFileError
from geo.sources.datasets import dataset_entry, dataset_path, read_vector
from geo.sources.process import french_name

logger = logging.getLogger(__name__)

ADMIN_COLUMNS = [
    "pcode",
    "name",
    "level",
    "parent_pcode",
    "adm1_pcode",
    "adm1_name",
    "adm2_pcode",
    "adm2_name",
    "geometry",
]


def _cod_ab(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    cols = {c.lower(): c for c in raw.columns}

    def col(n: int, kind: str) -> pd.Series | None:
        names = {"pcode": [f"adm{n}_pcode"], "name": [f"adm{n}_name", f"adm{n}_fr", f"adm{n}_en"]}[kind]
        for cand in names:
            if cand in cols:
                return raw[cols[cand]]
        return None

    out = pd.DataFrame(index=raw.index)
    for n in range(1, level + 1):
        for kind in ("pcode", "name"):
            series = col(n, kind)
            if series is None:
                msg = f"COD-AB admin{level} layer lacks the admin{n} {kind} column (adm{n}_{kind})"
                raise DataFileError(path, msg, field=f"adm{n}_{kind}")
            out[f"adm{n}_{kind}"] = series.astype("string")
        if n <= 2:  # regions and cercles in French with accents, whatever the source's spelling
            out[f"adm{n}_name"] = out[f"adm{n}_name"].map(french_name).astype("string")
    if level == 0:
        p, nm = col(0, "pcode"), col(0, "name")
        out["pcode"] = p.astype("string") if p is not None else "ML"
        out["name"] = nm.astype("string") if nm is not None else "Mali"
    else:
        out["pcode"] = out[f"adm{level}_pcode"]
        out["name"] = out[f"adm{level}_name"]
    out["parent_pcode"] = out[f"adm{level - 1}_pcode"] if level >= 2 else ("ML" if level == 1 else None)
    return out


def _wof(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    if "wof_id" not in raw.columns:
        raise DataFileError(path, "Who's On First layer lacks wof_id", field="wof_id")
    name = raw["name_fr"] if "name_fr" in raw.columns else raw["name"]
    code = raw["iso2"] if level == 0 and "iso2" in raw.columns else raw["wof_id"]
    return pd.DataFrame(
        {"pcode": code.astype("string"), "name": name.astype("string"), "parent_pcode": None}, index=raw.index
    )


def _geoboundaries(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    for c in ("shapeID", "shapeName"):
        if c not in raw.columns:
            raise DataFileError(path, "geoBoundaries layer lacks a column", field=c)
    return pd.DataFrame(
        {
            "pcode": raw["shapeID"].astype("string"),
            "name": raw["shapeName"].astype("string"),
            "parent_pcode": None,
        },
        index=raw.index,
    )


ADAPTERS = {"cod_ab": _cod_ab, "wof": _wof, "geoboundaries": _geoboundaries}


def normalise_admin(
    raw: gpd.GeoDataFrame, *, level: int, adapter: str, path: Path | str = "<memory>"
) -> gpd.GeoDataFrame:
    """Turn a source admin layer into the internal schema.

    Parameters
    ----------
    raw
        Layer as read, with a CRS.
    level
        Admin level 0-3.
    adapter
        One of ``{"cod_ab", "geoboundaries", "wof"}``.
    path
        Source file, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ADMIN_COLUMNS``, indexed by P-code, EPSG:4326, valid geometries.

    Raises
    ------
    DataFileError
        Unknown adapter, missing column, empty geometry or duplicate P-code (the
        message names the file, row and field).
    """
    if adapter not in ADAPTERS:
        msg = f"unknown admin adapter {adapter!r}; expected one of {sorted(ADAPTERS)}"
        raise DataFileError(path, msg, field="adapter")
    attrs = ADAPTERS[adapter](raw, level, Path(path))
    for c in ADMIN_COLUMNS[:-1]:
        if c not in attrs.columns:
            attrs[c] = None
    gdf = gpd.GeoDataFrame(attrs[ADMIN_COLUMNS[:-1]], geometry=raw.geometry.values, crs=raw.crs)
    gdf["level"] = level
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0]) + 1
        raise DataFileError(path, "empty geometry", row=row, field="geometry")
    missing = gdf["pcode"].isna() | (gdf["pcode"].str.strip() == "")
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise DataFileError(path, "empty P-code", row=row, field="pcode")
    dup = gdf["pcode"].duplicated(keep="first")
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0]) + 1
        msg = f"duplicate P-code {gdf['pcode'].iloc[row - 1]!r}; P-codes must be unique"
        raise DataFileError(path, msg, row=row, field="pcode")
    gdf = gdf.to_crs(STORAGE_CRS)
    invalid = ~gdf.is_valid
    if invalid.any():
        # "structure" repair keeps a polygon polygonal (no stray lines from spikes or
        # collapsed rings), so a unit stays one (Multi)Polygon row
        gdf.loc[invalid, "geometry"] = shapely.make_valid(
            gdf.geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
        )
    return gdf.set_index(gdf["pcode"].rename(None))


def load_admin(data_dir: Path, level: int) -> gpd.GeoDataFrame:
    """Load admin level ``level`` (0-3) from the data folder in the internal schema.

    Parameters
    ----------
    data_dir
        Data folder.
    level
        0 (country), 1 (region), 2 (cercle) or 3 (commune).

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`normalise_admin`. Admin0 is dissolved into one row.

    Raises
    ------
    DataFileError, MissingDataError, CRSError
        File missing, unreadable, without CRS, or failing the schema.
    """
    if level not in (0, 1, 2, 3):
        msg = f"admin level must be 0-3, got {level!r}"
        raise ValueError(msg)
    role = f"admin{level}"
    ds = dataset_entry(data_dir, role)
    raw = read_vector(data_dir, role)
    gdf = normalise_admin(raw, level=level, adapter=ds.adapter, path=dataset_path(data_dir, role))
    if level == 0 and len(gdf) > 1:
        gdf = gdf.dissolve().iloc[:1]
    gdf.attrs["pcode_version"] = ds.version  # COD-AB "2015" / "2021"; "" for non-COD sources
    logger.info("admin%d: %d units", level, len(gdf))
    return gdf
