"""Incidents: one normalised layer from UCDP, ACLED, curated and field files, and its analysis.

Normalised schema (:data:`geo.sources.incident_files.INCIDENT_COLUMNS` + ``geometry``)
---------------------------------------------------------------------------
``incident_id`` (str, unique: ``"<source>:<source event id>"`` or ``"<source>:h<hash>"``),
``source`` (``"ucdp"``, ``"acled"``, ``"curated"``, ``"generic:<name>"``), ``date``
(datetime64, day), ``date_end``, ``date_precision`` (``"day"``, ``"week"``, ``"month"``,
``"year"``), ``event_type``, ``sub_event_type``, ``actor1``, ``actor2`` (restricted
fields), ``fatalities`` (int, 0 when unknown; UCDP "best"), ``fatalities_low``/``_high``,
``geo_precision`` (Int64: 1 exact .. 3 coarse, NA unknown; ACLED geo_precision, UCDP
where_prec 1, 2, >=3, curated coord_confidence high/medium/low), ``geo_precision_src`` and
``time_precision_src`` (the source's codes, as given), ``low_precision`` (bool:
geo_precision 3), ``notes`` (restricted), ``source_ref``, ``location``, ``admin1``-``admin3``
(names as the source gives them), ``latitude``/``longitude``, ``restricted`` (bool: may not
be published; all ACLED rows and, by default, field files), ``licence``, ``content_hash``
(hash of the row's content, the identity of rows from files without event ids; "" otherwise),
``row`` (data row in the source file), ``geometry`` (Point, EPSG:4326).

Analysis functions are pure: :func:`time_window`, :func:`assign_admin` (P-codes by a
spatial join in ESRI:102022), :func:`counts_by_admin`, :func:`monthly_trend`,
:func:`kde_hotspot` and :func:`to_hxl_csv`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from affine import Affine
from scipy import ndimage

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import CRSError, MissingDataError
from geo.sources.amrf import classify as classify_amrf
from geo.sources.datasets import dataset_entry, dataset_path
from geo.sources.incident_files import (
    INCIDENT_COLUMNS,
    CheckResult,
    check_file,
    normalise_types,
)
from geo.store.db import store_exists
from geo.store.incidents import open_store, read_store, store_token
from geo.tables import csv_text, write_csv

logger = logging.getLogger(__name__)

#: geo_precision at or above which an event is "low precision" (not used for hotspots).
LOW_PRECISION_FROM = 3


def to_geodataframe(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Normalised incident table -> GeoDataFrame of points (EPSG:4326) indexed by incident_id."""
    frame = normalise_types(frame)
    gdf = gpd.GeoDataFrame(
        frame, geometry=gpd.points_from_xy(frame["longitude"], frame["latitude"]), crs=STORAGE_CRS
    )
    return gdf.set_index(gdf["incident_id"].rename(None))


#: Data-folder roles holding incidents, and the reader format of each.
INCIDENT_ROLES = (
    ("incidents_ucdp", "ucdp"),
    ("incidents_ucdp_candidate", "ucdp"),
    ("incidents_curated", "curated"),
)


def _incident_file(data_dir: Path, role: str) -> Path | None:
    """Path of an incident role's file, or None when the role is optional and its file absent.

    Raises
    ------
    MissingDataError
        The file of a required role is missing.
    """
    try:
        return dataset_path(data_dir, role)
    except MissingDataError:
        entry = dataset_entry(data_dir, role)
        if entry.optional:
            logger.info("%s: optional, no file in %s", role, data_dir)
            return None
        raise


def load_incidents(
    data_dir: Path, *, store_path: str | Path | None = None, include_restricted: bool = True
) -> gpd.GeoDataFrame:
    """All incidents known to the project, in the normalised schema.

    Parameters
    ----------
    data_dir
        Data folder: reads the roles of :data:`INCIDENT_ROLES`: ``incidents_ucdp`` (UCDP
        GED, precise locations), ``incidents_ucdp_candidate`` (UCDP Candidate events, when
        fetched) and ``incidents_curated`` (cited access events). A role the manifest marks
        optional is skipped when its file is absent (a folder built by ``geo fetch`` has no
        curated events file).
    store_path
        Project store; when given and existing, its imported incidents are added.
    include_restricted
        Keep rows that may not be published (ACLED ...). False for public outputs.

    Returns
    -------
    geopandas.GeoDataFrame
        Points in EPSG:4326, indexed by ``incident_id``, sorted by date, with ``amrf``
        (AMRF category, :func:`geo.sources.amrf.classify`). Rows of the
        data-folder files that cannot be placed (no coordinates ...) are not included;
        they are listed in ``gdf.attrs["rejected"]`` (``file``, ``row``, ``field``,
        ``reason``) and logged.

    Raises
    ------
    MissingDataError
        A required data-folder file (``incidents_ucdp``) is missing.
    DataFileError
        A data-folder file lacks a required column.
    """
    frames, rejected = [], []
    for role, fmt in INCIDENT_ROLES:
        path = _incident_file(Path(data_dir), role)
        if path is None:
            continue
        res = check_file(path, fmt=fmt)
        acc = res.accepted
        if role == "incidents_ucdp" and acc["geo_precision"].isna().all():
            # The data-folder GED 21.1 subset keeps only where_prec 1-2 (see SOURCES.md).
            acc = acc.assign(
                geo_precision=pd.array([2] * len(acc), dtype="Int64"),
                geo_precision_src="1-2 (file keeps where_prec 1 or 2 only)",
            )
        frames.append(acc)
        if len(res.rejected):
            rejected.append(res.rejected.assign(file=path.name))
            logger.info(
                "%s: %d rows not placed (%s)",
                path.name,
                res.rejected["row"].nunique(),
                res.rejected["reason"].value_counts().to_dict(),
            )
    # a store without imported incidents is not opened for writing (no tables created on a read)
    if store_exists(store_path) and store_token(store_path) != "none":
        conn = open_store(store_path)
        try:
            stored = read_store(conn, include_restricted=include_restricted)
        finally:
            conn.close()
        frames.append(stored[INCIDENT_COLUMNS])
    frame = pd.concat([f for f in frames if len(f)], ignore_index=True)
    if not include_restricted:
        frame = frame[~frame["restricted"].astype(bool)]
    frame = frame.drop_duplicates("incident_id", keep="first")
    gdf = to_geodataframe(frame).sort_values(["date", "incident_id"], kind="stable")
    gdf["amrf"] = classify_amrf(gdf)
    gdf.attrs["rejected"] = (
        pd.concat(rejected, ignore_index=True)[["file", "row", "field", "reason"]]
        if rejected
        else pd.DataFrame(columns=["file", "row", "field", "reason"])
    )
    logger.info("incidents: %d loaded (%s)", len(gdf), gdf["source"].value_counts().to_dict())
    return gdf


def check_report(result: CheckResult) -> dict:
    """JSON-ready report of a checked file (see :meth:`CheckResult.report`)."""
    return result.report()


# --------------------------------------------------------------------------- time


def data_end(incidents: pd.DataFrame) -> dt.date | None:
    """Return the date of the last incident of ``incidents`` (``date`` column), or None when there is none.

    The incident files stop at their last release: a window after this date holds no
    incident because nothing was recorded yet, not because nothing happened.
    """
    if incidents is None or "date" not in incidents or not len(incidents):
        return None
    last = pd.to_datetime(incidents["date"]).max()
    return None if pd.isna(last) else last.date()


def time_window(
    incidents: pd.DataFrame,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    as_of: dt.date | str | None = None,
    days: int | None = None,
) -> pd.DataFrame:
    """Incidents in a date window.

    Parameters
    ----------
    incidents
        Normalised incidents (``date`` column).
    start, end
        Inclusive bounds (either may be omitted).
    as_of, days
        Alternative: the ``days`` days ending on ``as_of`` inclusive, i.e.
        ``as_of - days < date <= as_of``. Cannot be combined with ``start``/``end``.

    Returns
    -------
    Same type as ``incidents``, rows in the window, index kept.

    Raises
    ------
    ValueError
        Mixed or incomplete options, ``days`` < 1, or ``start`` after ``end``.
    """
    if (as_of is None) != (days is None):
        msg = "give both as_of and days, or neither"
        raise ValueError(msg)
    if as_of is not None:
        if start is not None or end is not None:
            msg = "use either start/end or as_of/days, not both"
            raise ValueError(msg)
        if days is None or days < 1:
            msg = f"days must be >= 1, got {days!r}"
            raise ValueError(msg)
        end_ts = pd.Timestamp(as_of)
        start_ts = end_ts - pd.Timedelta(days=days - 1)
    else:
        start_ts = pd.Timestamp(start) if start is not None else None
        end_ts = pd.Timestamp(end) if end is not None else None
    if start_ts is not None and end_ts is not None and start_ts > end_ts:
        msg = f"start {start_ts.date()} is after end {end_ts.date()}"
        raise ValueError(msg)
    mask = pd.Series(True, index=incidents.index)
    if start_ts is not None:
        mask &= incidents["date"] >= start_ts
    if end_ts is not None:
        mask &= incidents["date"] <= end_ts
    return incidents[mask]


# --------------------------------------------------------------------------- admin


def assign_admin(
    incidents: gpd.GeoDataFrame, admin3: gpd.GeoDataFrame, *, snap_km: float = 5.0
) -> gpd.GeoDataFrame:
    """Add the admin1-3 P-codes and names of the commune containing each incident.

    Parameters
    ----------
    incidents
        Points with a CRS.
    admin3
        Communes from :func:`geo.sources.admin.load_admin` (level 3; ``pcode``, ``name``,
        ``adm1_pcode``, ``adm1_name``, ``adm2_pcode``, ``adm2_name``).
    snap_km
        A point outside every commune (a border village, a coarse coordinate) is given the
        nearest commune within this distance, in km; farther points get no P-code.

    Returns
    -------
    geopandas.GeoDataFrame
        ``incidents`` (same index and order) plus ``adm1_pcode``, ``adm1_name``,
        ``adm2_pcode``, ``adm2_name``, ``adm3_pcode``, ``adm3_name`` (NA when unassigned).

    Raises
    ------
    CRSError
        Either layer has no CRS.

    Notes
    -----
    The join is done in ESRI:102022. A point on a border shared by two communes
    intersects both; it is given the one with the smallest P-code, so it is counted once.
    """
    for gdf, name in ((incidents, "incidents"), (admin3, "admin3")):
        if gdf.crs is None:
            msg = f"{name}: no CRS set; expected EPSG:4326"
            raise CRSError(msg)
    units = admin3.sort_values("pcode").to_crs(WORK_CRS)
    pts = incidents.geometry.to_crs(WORK_CRS).values
    tree = shapely.STRtree(units.geometry.values)
    ip, iu = tree.query(pts, predicate="intersects")
    best = np.full(len(pts), -1, dtype=np.int64)
    if len(ip):
        order = np.lexsort((iu, ip))  # per point, smallest unit index (= smallest P-code) first
        ip, iu = ip[order], iu[order]
        first = np.ones(len(ip), dtype=bool)
        first[1:] = ip[1:] != ip[:-1]
        best[ip[first]] = iu[first]
    missing = np.flatnonzero((best < 0) & ~shapely.is_empty(pts) & ~shapely.is_missing(pts))
    if len(missing) and snap_km > 0:
        mp, mu = tree.query_nearest(pts[missing], max_distance=snap_km * 1000.0, all_matches=False)
        best[missing[mp]] = mu
    out = incidents.copy()
    ok = best >= 0
    idx = np.where(ok, best, 0)
    for col, src in (
        ("adm1_pcode", "adm1_pcode"),
        ("adm1_name", "adm1_name"),
        ("adm2_pcode", "adm2_pcode"),
        ("adm2_name", "adm2_name"),
        ("adm3_pcode", "pcode"),
        ("adm3_name", "name"),
    ):
        vals = units[src].astype(object).to_numpy()[idx]
        out[col] = pd.array(np.where(ok, vals, None), dtype="string")
    logger.info("assign_admin: %d of %d incidents placed in a commune", int(ok.sum()), len(ok))
    return out


def _level_cols(level: int) -> list[str]:
    if level not in (1, 2, 3):
        msg = f"admin level must be 1, 2 or 3, got {level!r}"
        raise ValueError(msg)
    cols = []
    for n in range(1, level + 1):
        cols += [f"adm{n}_pcode", f"adm{n}_name"]
    return cols


def _with_month(incidents: pd.DataFrame) -> pd.DataFrame:
    return incidents.assign(month=incidents["date"].dt.to_period("M").dt.strftime("%Y-%m"))


def counts_by_admin(
    incidents: pd.DataFrame, *, level: int, by: Sequence[str] = (), admin: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Count incidents and fatalities per admin unit (and optional categories).

    Parameters
    ----------
    incidents
        Output of :func:`assign_admin`.
    level
        1 (region), 2 (cercle) or 3 (commune).
    by
        Extra grouping columns, e.g. ``("event_type",)`` or ``("month",)`` (``month`` =
        ``YYYY-MM`` derived from ``date``).
    admin
        Units of that level (:func:`geo.sources.admin.load_admin`); when given, units without
        incidents appear with 0 (only when ``by`` is empty).

    Returns
    -------
    pandas.DataFrame
        ``adm1_pcode``, ``adm1_name`` ... ``adm<level>_pcode``, ``adm<level>_name``, the
        ``by`` columns, ``incidents``, ``fatalities``; sorted by P-code. Incidents without
        a P-code are left out and counted in ``attrs["unassigned"]``.
    """
    keys = _level_cols(level)
    missing = [c for c in keys if c not in incidents.columns]
    if missing:
        msg = f"incidents lack {missing}; run assign_admin first"
        raise ValueError(msg)
    df = _with_month(incidents) if "month" in by else incidents
    placed = df[df[f"adm{level}_pcode"].notna()]
    grouped = (
        placed.groupby(keys + list(by), dropna=False, sort=True)
        .agg(incidents=("incident_id", "size"), fatalities=("fatalities", "sum"))
        .reset_index()
    )
    if admin is not None and not by:
        units = pd.DataFrame(admin.drop(columns="geometry", errors="ignore"))
        units = units.assign(**{f"adm{level}_pcode": units["pcode"], f"adm{level}_name": units["name"]})
        units = units[keys].drop_duplicates(f"adm{level}_pcode")
        grouped = units.merge(
            grouped[[f"adm{level}_pcode", "incidents", "fatalities"]], on=f"adm{level}_pcode", how="left"
        )
        grouped[["incidents", "fatalities"]] = grouped[["incidents", "fatalities"]].fillna(0)
    grouped["incidents"] = grouped["incidents"].astype("int64")
    grouped["fatalities"] = grouped["fatalities"].astype("int64")
    for c in keys:
        grouped[c] = grouped[c].astype(str)
    grouped = grouped.sort_values([f"adm{level}_pcode", *by], kind="stable").reset_index(drop=True)
    grouped.attrs["unassigned"] = int(len(df) - len(placed))
    return grouped


def monthly_trend(
    incidents: pd.DataFrame,
    *,
    by: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> pd.DataFrame:
    """Incidents and fatalities per calendar month, every month present (0 when none).

    Parameters
    ----------
    incidents
        Normalised incidents.
    by
        Optional column to split by (``"event_type"``, ``"source"``, ``"adm2_pcode"``...).
    start, end
        Month range to cover; default from the first to the last incident.

    Returns
    -------
    pandas.DataFrame
        ``month`` (``YYYY-MM``), ``by`` column if any, ``incidents``, ``fatalities``.
    """
    cols = ["month"] + ([by] if by else []) + ["incidents", "fatalities"]
    if len(incidents) == 0 and (start is None or end is None):
        return pd.DataFrame(
            {c: pd.Series(dtype="int64" if c in ("incidents", "fatalities") else str) for c in cols}
        )
    first = pd.Period(start or incidents["date"].min(), "M")
    last = pd.Period(end or incidents["date"].max(), "M")
    months = pd.period_range(first, last, freq="M").strftime("%Y-%m")
    df = _with_month(incidents)
    keys = ["month"] + ([by] if by else [])
    agg = df.groupby(keys, sort=True).agg(incidents=("incident_id", "size"), fatalities=("fatalities", "sum"))
    if by:
        cats = sorted(df[by].dropna().astype(str).unique())
        full = pd.MultiIndex.from_product([months, cats], names=keys)
    else:
        full = pd.Index(months, name="month")
    agg = agg.reindex(full, fill_value=0).reset_index()
    agg["incidents"] = agg["incidents"].astype("int64")
    agg["fatalities"] = agg["fatalities"].astype("int64")
    return agg[cols]


# --------------------------------------------------------------------------- hotspots


def kde_hotspot(
    incidents: gpd.GeoDataFrame,
    *,
    transform: Affine,
    shape: tuple[int, int],
    bandwidth_km: float,
    weight: str | None = None,
    include_low_precision: bool = False,
) -> np.ndarray:
    """Kernel density of incidents on a grid (a hotspot surface), events per km².

    Parameters
    ----------
    incidents
        Points with a CRS (reprojected to ESRI:102022 here).
    transform
        Affine transform of the grid in ESRI:102022 metres (north-up, e.g. the friction
        grid's).
    shape
        ``(rows, cols)`` of the grid.
    bandwidth_km
        Standard deviation of the Gaussian kernel, km (> 0).
    weight
        Optional column giving each event's weight (e.g. ``"fatalities"``); default 1.
    include_low_precision
        Low-precision events (``low_precision`` True) are left out unless this is True.

    Returns
    -------
    numpy.ndarray
        float64 of ``shape``: density in events (or weight units) per km². Its sum times
        the cell area is the number of events, less the kernel mass falling off the grid.

    Raises
    ------
    ValueError
        Non-positive bandwidth, rotated transform or empty shape.
    CRSError
        Incidents without CRS.

    Notes
    -----
    Binned Gaussian KDE: events are counted per cell, then smoothed with
    :func:`scipy.ndimage.gaussian_filter` (sigma = bandwidth / cell size, truncated at 4
    sigma, zero outside the grid). Events off the grid are ignored. Memory: two float64
    arrays of ``shape``. Silverman (1986), *Density Estimation*, ch. 3 and the binned
    approximation of Wand & Jones (1995), ch. 3.
    """
    if bandwidth_km <= 0:
        msg = f"bandwidth_km must be > 0, got {bandwidth_km!r}"
        raise ValueError(msg)
    if transform.b != 0 or transform.d != 0:
        msg = "the grid transform must be north-up (no rotation)"
        raise ValueError(msg)
    rows, cols = (int(shape[0]), int(shape[1]))
    if rows < 1 or cols < 1:
        msg = f"empty grid shape {shape!r}"
        raise ValueError(msg)
    if incidents.crs is None:
        msg = "incidents: no CRS set; expected EPSG:4326"
        raise CRSError(msg)
    pts = incidents
    if not include_low_precision and "low_precision" in pts.columns:
        pts = pts[~pts["low_precision"].astype(bool)]
    counts = np.zeros((rows, cols), dtype=np.float64)
    if len(pts):
        geom = pts.geometry.to_crs(WORK_CRS)
        col_f, row_f = (~transform) @ (geom.x.to_numpy(), geom.y.to_numpy())
        r = np.floor(row_f).astype(np.int64)
        c = np.floor(col_f).astype(np.int64)
        w = pts[weight].to_numpy(dtype=np.float64) if weight else np.ones(len(pts))
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        np.add.at(counts, (r[ok], c[ok]), w[ok])
        if (~ok).any():
            logger.info("kde_hotspot: %d events off the grid ignored", int((~ok).sum()))
    cell_x, cell_y = abs(transform.a), abs(transform.e)
    sigma = (bandwidth_km * 1000.0 / cell_y, bandwidth_km * 1000.0 / cell_x)
    density = ndimage.gaussian_filter(counts, sigma=sigma, mode="constant", cval=0.0, truncate=4.0)
    return density / (cell_x * cell_y / 1e6)


def hotspot_penalty(
    density: np.ndarray, *, max_factor: float = 2.0, saturation: float | None = None
) -> np.ndarray:
    """Turn a hotspot density into a friction multiplier (1 = no penalty).

    Parameters
    ----------
    density
        From :func:`kde_hotspot` (events per km²).
    max_factor
        Multiplier at and above ``saturation`` (>= 1).
    saturation
        Density at which the penalty is full; default the 99th percentile of the
        non-zero densities.

    Returns
    -------
    numpy.ndarray
        ``1 + (max_factor - 1) * min(density / saturation, 1)``, same shape; multiply the
        friction (h/km) by it.
    """
    if max_factor < 1:
        msg = f"max_factor must be >= 1, got {max_factor!r}"
        raise ValueError(msg)
    positive = density[density > 0]
    if saturation is None:
        saturation = float(np.percentile(positive, 99)) if positive.size else 1.0
    if saturation <= 0:
        msg = f"saturation must be > 0, got {saturation!r}"
        raise ValueError(msg)
    return 1.0 + (max_factor - 1.0) * np.clip(density / saturation, 0.0, 1.0)


def cluster_points(incidents: gpd.GeoDataFrame, *, cell_km: float) -> gpd.GeoDataFrame:
    """Group incidents into square cells of ``cell_km`` (ESRI:102022) for a clustered map.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per non-empty cell: ``incidents``, ``fatalities``, ``low_precision``
        (count), ``first_date``, ``last_date``, ``event_types`` (the three most common, as
        text), geometry = mean position of its events (EPSG:4326).
    """
    if cell_km <= 0:
        msg = f"cell_km must be > 0, got {cell_km!r}"
        raise ValueError(msg)
    cols = ["incidents", "fatalities", "low_precision", "first_date", "last_date", "event_types"]
    if len(incidents) == 0:
        return gpd.GeoDataFrame({c: [] for c in cols}, geometry=[], crs=STORAGE_CRS)
    g = incidents.geometry.to_crs(WORK_CRS)
    df = pd.DataFrame(
        {
            "cx": np.floor(g.x.to_numpy() / (cell_km * 1000)),
            "cy": np.floor(g.y.to_numpy() / (cell_km * 1000)),
            "x": g.x.to_numpy(),
            "y": g.y.to_numpy(),
            "fatalities": incidents["fatalities"].to_numpy(),
            "low": incidents["low_precision"].astype(bool).to_numpy(),
            "date": incidents["date"].to_numpy(),
            "event_type": incidents["event_type"].astype(str).to_numpy(),
        }
    )
    grp = df.groupby(["cx", "cy"], sort=True)
    out = grp.agg(
        incidents=("x", "size"),
        fatalities=("fatalities", "sum"),
        low_precision=("low", "sum"),
        first_date=("date", "min"),
        last_date=("date", "max"),
        x=("x", "mean"),
        y=("y", "mean"),
    )
    out["event_types"] = grp["event_type"].agg(
        lambda s: ", ".join(f"{k} ({v})" for k, v in s.value_counts().head(3).items())
    )
    out = out.reset_index(drop=True)
    gdf = gpd.GeoDataFrame(out[cols], geometry=gpd.points_from_xy(out["x"], out["y"]), crs=WORK_CRS)
    return gdf.to_crs(STORAGE_CRS)


# --------------------------------------------------------------------------- export


def to_hxl_csv(table: pd.DataFrame, *, public: bool = False) -> str:
    """CSV text with a header row, then an HXL hashtag row, then the data (``geo.tables.csv_text``).

    Parameters
    ----------
    table
        Any incident table or count table (``geometry`` is dropped; dates as
        ``YYYY-MM-DD``; text cells made safe for spreadsheets).
    public
        Refuse restricted rows (ACLED ...): raise if any are present.

    Returns
    -------
    str
        UTF-8 CSV text (``,`` separator, ``.`` decimals).

    Raises
    ------
    ValueError
        ``public`` and the table holds restricted rows.
    """
    _check_public(table, public)
    return csv_text(table)


def write_hxl_csv(table: pd.DataFrame, path: str | Path, *, public: bool = False) -> Path:
    """Write :func:`to_hxl_csv` to ``path`` (UTF-8, replaced atomically); returns the path.

    Raises
    ------
    ValueError
        ``public`` and the table holds restricted rows (nothing written).
    DataFileError
        The file cannot be written.
    """
    _check_public(table, public)
    return write_csv(table, path)


def _check_public(table: pd.DataFrame, public: bool) -> None:
    if public and "restricted" in table.columns and table["restricted"].astype(bool).any():
        msg = (
            f"{int(table['restricted'].astype(bool).sum())} restricted rows (e.g. ACLED) "
            "may not be published; filter them out first"
        )
        raise ValueError(msg)


def public_incidents(incidents: pd.DataFrame) -> pd.DataFrame:
    """Only the rows that may be published (``restricted`` False), e.g. for snapshots."""
    return incidents[~incidents["restricted"].astype(bool)]


def filter_incidents(
    incidents: pd.DataFrame,
    *,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    sources: Sequence[str] | None = None,
    event_types: Sequence[str] | None = None,
    include_low_precision: bool = True,
) -> pd.DataFrame:
    """Incidents in ``[start, end]`` whose source family and type are among those given.

    ``sources`` holds families (``"ucdp"``, ``"acled"``, ``"curated"``, ``"generic"``);
    ``None`` keeps all. ``include_low_precision=False`` drops low-precision events.
    """
    out = time_window(incidents, start=start, end=end)
    if sources is not None:
        out = out[out["source"].astype(str).str.split(":").str[0].isin(list(sources))]
    if event_types is not None:
        out = out[out["event_type"].astype(str).isin(list(event_types))]
    if not include_low_precision:
        out = out[~out["low_precision"].astype(bool)]
    return out


def country_outline(data_dir: Path, *, border_km: float = 5.0):
    """Mali's admin0 outline grown by ``border_km`` km (in ESRI:102022), as an EPSG:4326 geometry.

    Used as the "inside Mali" test when checking files; the tolerance keeps border
    villages and rounded coordinates.
    """
    from geo.sources.admin import load_admin

    outline = load_admin(Path(data_dir), 0).to_crs(WORK_CRS).buffer(border_km * 1000.0)
    return outline.to_crs(STORAGE_CRS).iloc[0]
