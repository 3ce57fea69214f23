"""Public snapshots: sanitised, dated, immutable folders for donors and the public.

A snapshot is a folder ``<as_of>_<created UTC>_<lang>`` holding:

``index.html``
    A static interactive map (Leaflet copied beside it in ``assets/leaflet``; data
    inlined; no CDN, no tiles) that works opened from disk without a network.
``downloads/*.geojson``, ``downloads/*.csv``
    The public layers (GeoJSON in EPSG:4326; CSV with an HXL hashtag row).
``map.png``
    A static map of the same layers.
``metadata.json``
    As-of and release dates, creation time, release delay, sources and licences, the
    sanitisation policy (version and allow-list) and the SHA-256 and size of every file.

Sanitisation policy
-------------------
:data:`ALLOW_LIST` is the one place that says which fields each public layer may carry;
every layer is rebuilt from scratch and then cut to exactly those fields
(:func:`sanitise`), so a column the data gains later never appears. In short:

* incidents: counts per admin2 (cercle) and month only, small counts (1-4) shown as a
  range; no actors, notes, places or coordinates; restricted sources (ACLED ...) dropped;
* encircled localities: the number per admin2 in force, and by name only the rows
  marked ``public``; no coordinates, armed groups or notes;
* road status: the public category per named axis; no cause, source or note;
* reachable areas: simplified and rounded band polygons, area and population rounded.

Everything is computed for the *release date* = as-of date minus the release delay.
Snapshots are never rewritten: a new build always goes to a new folder.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import logging
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import __version__
from geo.config import PROJECT_ROOT, STORAGE_CRS, WORK_CRS
from geo.errors import AccessMapError, DataFileError, MissingDataError
from geo.products.cartography import HUB_COLOURS, ROAD_STATUS_COLOUR
from geo.products.i18n import LANGS as I18N_LANGS
from geo.products.i18n import TEXT, tr
from geo.sources.datasets import sha256_file
from geo.tables import hxl_row

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

SNAPSHOTS_ENV_VAR = "MALI_ACCESS_SNAPSHOTS"
DEFAULT_SNAPSHOT_ROOT = PROJECT_ROOT / "var" / "snapshots"
#: Vendored Leaflet (``scripts/setup.sh``), copied into every snapshot.
LEAFLET_DIR = PROJECT_ROOT / "static" / "vendor" / "leaflet"

#: Version of the sanitisation policy below; bump it whenever the allow-list or a rule changes.
POLICY_VERSION = "1.0"
#: Counts from 1 to this value are published as the range "1-SMALL_COUNT_MAX".
SMALL_COUNT_MAX = 4
DEFAULT_DELAY_DAYS = 30
DEFAULT_WINDOW_MONTHS = 12
PUBLIC_HOURS = (4.0, 8.0, 12.0)
#: Generalisation of published geometries: simplification (m, WORK_CRS) and decimals kept (degrees).
GENERALISE = {
    "admin1": (1500.0, 3),
    "admin2": (1000.0, 3),
    "roads": (1000.0, 3),
    "reach": (2500.0, 2),
}
#: Road status -> public category.
PUBLIC_ROAD_CATEGORY = {
    "open": "open",
    "constrained": "constrained",
    "closed": "closed",
    "unknown": "unknown",
}

#: The allow-list: public layer -> the only fields it may carry (in this order).
ALLOW_LIST: dict[str, tuple[str, ...]] = {
    "admin1": ("adm1_pcode", "adm1_name", "geometry"),
    "incidents_admin2": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "period",
        "incidents",
        "incidents_min",
        "incidents_max",
        "geometry",
    ),
    "incidents_admin2_month": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "month",
        "incidents",
        "incidents_min",
        "incidents_max",
    ),
    "encircled_admin2": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "localities_encircled",
        "named_localities",
        "geometry",
    ),
    "road_status": ("axis_name", "route_ref", "status", "geometry"),
    "reach": ("hub", "hours", "area_km2", "population", "geometry"),
}
#: Layers published as downloads (GeoJSON when they have a geometry, and CSV).
DOWNLOADS = ("incidents_admin2", "incidents_admin2_month", "encircled_admin2", "road_status", "reach")
#: Dataset roles (data/manifest.toml) whose content reaches a snapshot.
SOURCE_ROLES = (
    "admin1",
    "admin2",
    "admin3",
    "roads",
    "places",
    "population",
    "landcover",
    "rivers",
    "lakes",
    "incidents_ucdp",
    "incidents_curated",
)


def labels(lang: str) -> dict[str, str]:
    """The snapshot texts in ``lang`` (from the project's translation table, geo/products/i18n.py)."""
    return {k.removeprefix("snapshot."): tr(k, lang) for k in TEXT if k.startswith("snapshot.")}


#: Incident classes for the map (lower bounds of incidents_min) and their colours.
INCIDENT_CLASSES = ((0, "#f7f7f7"), (1, "#fdd49e"), (5, "#fc8d59"), (20, "#d7301f"), (50, "#7f0000"))


class SnapshotError(AccessMapError, RuntimeError):
    """A snapshot cannot be built, or an existing one is damaged."""


@dataclass(frozen=True)
class SnapshotInputs:
    """Everything a snapshot is built from (restricted fields included: sanitised later).

    Attributes
    ----------
    admin1, admin2, admin3
        Admin units (``geo.sources.admin.load_admin`` schema, EPSG:4326).
    incidents
        Normalised incidents (``geo.model.incidents`` schema, EPSG:4326).
    road_status_versions
        Road-status versions (``geo.sources.curated`` / store schema).
    encircled_episodes
        Encircled-locality episodes with ``public``, ``armed_group``, ``note`` (EPSG:4326).
    axes
        Named axes indexed by ``axis_id`` with ``axis_name``, ``route_ref``, geometry (any CRS).
    hubs
        HAWG hubs (``geo.sources.curated.read_hubs``), or None for no reach layer.
    model
        ``geo.model.friction.ModelInputs`` for the reach computation, or None for no reach layer.
    sources
        Provenance records (``role``, ``publisher``, ``licence``, ``url``).
    crossing_status_versions
        River-crossing status versions (store schema), or None for the curated file.
    """

    admin1: gpd.GeoDataFrame
    admin2: gpd.GeoDataFrame
    admin3: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame
    road_status_versions: pd.DataFrame
    encircled_episodes: gpd.GeoDataFrame
    axes: gpd.GeoDataFrame
    hubs: gpd.GeoDataFrame | None = None
    model: Any = None
    sources: tuple[dict[str, str], ...] = ()
    crossing_status_versions: pd.DataFrame | None = None


@dataclass(frozen=True)
class SnapshotInfo:
    """One snapshot folder as listed by :func:`list_snapshots`."""

    snapshot_id: str
    path: Path
    as_of: dt.date
    release_date: dt.date
    created_at: str
    lang: str
    n_files: int
    size_bytes: int


def snapshot_root(environ: dict[str, str] | None = None) -> Path:
    """Snapshot root from ``MALI_ACCESS_SNAPSHOTS``, else ``var/snapshots`` in the project."""
    environ = os.environ if environ is None else environ
    value = environ.get(SNAPSHOTS_ENV_VAR)
    return Path(value).expanduser() if value else DEFAULT_SNAPSHOT_ROOT


# --------------------------------------------------------------------------- inputs


def load_snapshot_inputs(
    data_dir: Path,
    *,
    store_path: Path | None = None,
    with_reach: bool = True,
    progress: Progress | None = None,
) -> SnapshotInputs:
    """Read every input of a snapshot from the data folder, the curated layers and the store.

    Parameters
    ----------
    data_dir
        Data folder (see ``geo.config.resolve_data_dir``).
    store_path
        Project store for constraints and imported incidents; None reads the curated CSVs
        and the data folder only.
    with_reach
        Load the model inputs and hubs for the reach layer.
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    SnapshotInputs

    Raises
    ------
    DataFileError, MissingDataError, CRSError, StoreError
        As raised by the loaders.
    """
    from geo.model.incidents import load_incidents
    from geo.sources.admin import load_admin
    from geo.sources.curated import read_hubs
    from geo.sources.datasets import load_manifest
    from geo.store.constraints import load_versions

    steps = ["admin", "incidents", "constraints", "model"]

    def step(i: int) -> None:
        if progress:
            progress(i, len(steps), steps[min(i, len(steps) - 1)])

    step(0)
    data_dir = Path(data_dir)
    admin = {lvl: load_admin(data_dir, lvl) for lvl in (1, 2, 3)}
    step(1)
    store = Path(store_path) if store_path is not None and Path(store_path).is_file() else None
    incidents = load_incidents(data_dir, store_path=store, include_restricted=False)
    step(2)
    versions = load_versions(Path(store_path) if store_path is not None else None, data_dir=data_dir)
    step(3)
    model = hubs = None
    if with_reach:
        from geo.model.friction import load_model_inputs

        model = load_model_inputs(data_dir)
        hubs = read_hubs().valid
        axes = model.axes
    else:
        from geo.sources.curated import read_axes
        from geo.sources.roads import build_axes, load_roads

        axes = build_axes(read_axes().valid, load_roads(data_dir))
    step(4)
    manifest = load_manifest()
    sources = tuple(
        {
            "role": r,
            "publisher": manifest[r].publisher,
            "licence": manifest[r].licence,
            "url": manifest[r].url,
        }
        for r in SOURCE_ROLES
        if r in manifest
    )
    sources += (
        {
            "role": "curated",
            "publisher": "This project (data/curated): hubs, road status, encircled "
            "localities, compiled from public reporting (OCHA, RFI, AFP, Reuters ...)",
            "licence": "CC BY 4.0 (compilation); credit the original publishers",
            "url": "",
        },
    )
    return SnapshotInputs(
        admin[1],
        admin[2],
        admin[3],
        incidents,
        versions.road_status,
        versions.encircled,
        axes,
        hubs,
        model,
        sources,
        versions.crossing_status,
    )


# --------------------------------------------------------------------------- sanitisation


def sanitise(layer: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Cut ``frame`` to exactly the allow-listed fields of ``layer`` (the only exit to public files).

    Parameters
    ----------
    layer
        A key of :data:`ALLOW_LIST`.
    frame
        The layer as built by this module.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        A copy with only the allowed columns, in allow-list order, and a fresh 0..n-1 index.

    Raises
    ------
    SnapshotError
        Unknown layer, or an allowed field is missing.
    """
    if layer not in ALLOW_LIST:
        msg = f"no allow-list for layer {layer!r}; known: {', '.join(ALLOW_LIST)}"
        raise SnapshotError(msg)
    cols = list(ALLOW_LIST[layer])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        msg = f"layer {layer!r} lacks allowed field(s) {missing}"
        raise SnapshotError(msg)
    out = frame[cols].reset_index(drop=True)
    if "geometry" in cols:
        out = gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs)
    out.attrs = {}
    return out


def count_range(n: int) -> tuple[str, int, int]:
    """Public form of a count: ``("0", 0, 0)``, ``("1-4", 1, 4)`` for small ones, else exact."""
    n = int(n)
    if n <= 0:
        return "0", 0, 0
    if n <= SMALL_COUNT_MAX:
        return f"1-{SMALL_COUNT_MAX}", 1, SMALL_COUNT_MAX
    return str(n), n, n


def _generalise(gdf: gpd.GeoDataFrame, kind: str) -> gpd.GeoDataFrame:
    tolerance_m, decimals = GENERALISE[kind]
    if gdf.empty:
        return gdf.to_crs(STORAGE_CRS)
    work = gdf.to_crs(WORK_CRS)
    geom = work.geometry.simplify(tolerance_m, preserve_topology=True)
    out = work.set_geometry(geom).to_crs(STORAGE_CRS)
    out = out.set_geometry(shapely.set_precision(out.geometry.values, 10.0**-decimals))
    return out[~out.geometry.is_empty & out.geometry.notna()]


def _month_start(d: dt.date, back: int) -> dt.date:
    y, m = d.year, d.month - back
    while m <= 0:
        m, y = m + 12, y - 1
    return dt.date(y, m, 1)


def _admin2_units(admin2: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "adm1_pcode": admin2["adm1_pcode"].astype(str).to_numpy(),
            "adm1_name": admin2["adm1_name"].astype(str).to_numpy(),
            "adm2_pcode": admin2["pcode"].astype(str).to_numpy(),
            "adm2_name": admin2["name"].astype(str).to_numpy(),
        },
        geometry=admin2.geometry.to_numpy(),
        crs=admin2.crs,
    )


def public_incident_layers(
    incidents: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame,
    admin3: gpd.GeoDataFrame,
    *,
    start: dt.date,
    end: dt.date,
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, int]:
    """Incident counts per admin2 for the period and per admin2 and month (sanitised).

    Parameters
    ----------
    incidents
        Normalised incidents; rows flagged ``restricted`` are dropped here.
    admin2, admin3
        Admin units (internal schema).
    start, end
        Inclusive period.

    Returns
    -------
    (GeoDataFrame, DataFrame, int)
        ``incidents_admin2`` (every cercle, total for the period), ``incidents_admin2_month``
        (cercles and months with at least one incident) and the number of incidents that
        could not be placed in a commune (not counted).
    """
    from geo.model.incidents import assign_admin, counts_by_admin, public_incidents, time_window

    pub = public_incidents(incidents)
    pub = time_window(pub, start=start, end=end)
    placed = assign_admin(pub, admin3)
    monthly = counts_by_admin(placed, level=2, by=("month",))
    unassigned = int(monthly.attrs.get("unassigned", 0))
    ranges = [count_range(n) for n in monthly["incidents"]]
    monthly = monthly.assign(
        incidents=[r[0] for r in ranges],
        incidents_min=[r[1] for r in ranges],
        incidents_max=[r[2] for r in ranges],
    )
    totals = (
        placed[placed["adm2_pcode"].notna()].groupby("adm2_pcode").size()
        if len(placed)
        else pd.Series(dtype="int64")
    )
    units = _admin2_units(admin2)
    n = units["adm2_pcode"].map(totals).fillna(0).astype(int)
    ranges = [count_range(v) for v in n]
    units = units.assign(
        period=f"{start:%Y-%m-%d}/{end:%Y-%m-%d}",
        incidents=[r[0] for r in ranges],
        incidents_min=[r[1] for r in ranges],
        incidents_max=[r[2] for r in ranges],
    )
    return (
        sanitise("incidents_admin2", units.sort_values("adm2_pcode")),
        sanitise("incidents_admin2_month", monthly),
        unassigned,
    )


def public_encircled_layer(
    episodes: gpd.GeoDataFrame, admin2: gpd.GeoDataFrame, *, release_date: dt.date
) -> gpd.GeoDataFrame:
    """Cercles with at least one encircled locality in force on ``release_date`` (sanitised).

    Localities are counted per admin2 and named only where their row is marked
    ``public``; their coordinates, armed groups and notes are not carried over.
    """
    from geo.sources.curated import encircled_as_of

    units = _admin2_units(admin2)
    cols = ["adm1_pcode", "adm1_name", "adm2_pcode", "adm2_name", "localities_encircled", "named_localities"]
    if episodes is None or episodes.empty:
        return sanitise(
            "encircled_admin2",
            gpd.GeoDataFrame({c: [] for c in cols}, geometry=gpd.GeoSeries([], crs=units.crs)),
        )
    ep = encircled_as_of(episodes, release_date)
    ep = ep[ep["in_force"]]
    pts = gpd.GeoDataFrame(
        {"locality": ep["locality"].astype(str).to_numpy(), "public": ep["public"].astype(bool).to_numpy()},
        geometry=ep.geometry.to_numpy(),
        crs=ep.crs,
    ).to_crs(WORK_CRS)
    polys = units.to_crs(WORK_CRS)
    joined = gpd.sjoin_nearest(pts, polys[["adm2_pcode", "geometry"]], how="left", max_distance=10_000.0)
    joined = joined.drop_duplicates("locality").dropna(subset=["adm2_pcode"])
    rows = []
    for pcode, grp in joined.groupby("adm2_pcode", sort=True):
        names = sorted({str(n) for n in grp.loc[grp["public"], "locality"]})
        rows.append(
            {"adm2_pcode": pcode, "localities_encircled": int(len(grp)), "named_localities": "; ".join(names)}
        )
    table = pd.DataFrame(rows, columns=["adm2_pcode", "localities_encircled", "named_localities"])
    out = units.merge(table, on="adm2_pcode", how="inner")
    return sanitise("encircled_admin2", out)


def public_road_layer(
    axes: gpd.GeoDataFrame, versions: pd.DataFrame, *, release_date: dt.date
) -> gpd.GeoDataFrame:
    """Named axes with the public category of the status in force on ``release_date`` (sanitised)."""
    from geo.sources.curated import road_status_as_of

    if axes is None or axes.empty:
        return sanitise(
            "road_status",
            gpd.GeoDataFrame(
                {"axis_name": [], "route_ref": [], "status": []}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS)
            ),
        )
    status = road_status_as_of(versions, axes.index, release_date)
    out = gpd.GeoDataFrame(
        {
            "axis_name": axes["axis_name"].astype(str).to_numpy(),
            "route_ref": axes["route_ref"].fillna("").astype(str).to_numpy(),
            "status": [PUBLIC_ROAD_CATEGORY.get(str(s), "unknown") for s in status.loc[axes.index, "status"]],
        },
        geometry=axes.geometry.to_numpy(),
        crs=axes.crs,
    )
    return sanitise("road_status", out)


def public_reach_layer(bands: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Reach bands with rounded figures (area to 100 km², population to 1,000) (sanitised)."""
    out = gpd.GeoDataFrame(
        {
            "hub": bands["hub"].astype(str).to_numpy(),
            "hours": bands["hours"].astype(float).to_numpy(),
            "area_km2": (np.round(bands["area_km2"].astype(float).to_numpy() / 100.0) * 100.0).astype(int),
            "population": (
                np.round(bands["population"].astype(float).fillna(0).to_numpy() / 1000.0) * 1000.0
            ).astype(int),
        },
        geometry=bands.geometry.to_numpy(),
        crs=bands.crs,
    )
    return sanitise("reach", out[~out.geometry.is_empty])


def build_public_layers(
    inputs: SnapshotInputs,
    *,
    as_of: dt.date,
    delay_days: int = DEFAULT_DELAY_DAYS,
    window_months: int = DEFAULT_WINDOW_MONTHS,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Build every public layer from ``inputs`` for the release date (as_of - delay).

    Parameters
    ----------
    inputs
        :func:`load_snapshot_inputs` output (or built in a test).
    as_of
        Snapshot date.
    delay_days
        Release delay: every layer shows the state ``delay_days`` before ``as_of``.
    window_months
        Calendar months of incident counts, ending with the release date's month.
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    (dict, dict)
        Layer name -> sanitised frame (EPSG:4326 geometries, generalised), and facts for
        the metadata (release date, incident period, unplaced incidents).
    """
    if delay_days < 0:
        msg = f"release delay must be >= 0 days, got {delay_days}"
        raise ValueError(msg)
    release = as_of - dt.timedelta(days=int(delay_days))
    start = _month_start(release, int(window_months) - 1)
    total = 5

    def step(i: int, label: str) -> None:
        if progress:
            progress(i, total, label)

    step(0, "incidents")
    inc_map, inc_month, unassigned = public_incident_layers(
        inputs.incidents, inputs.admin2, inputs.admin3, start=start, end=release
    )
    step(1, "encircled")
    enc = public_encircled_layer(inputs.encircled_episodes, inputs.admin2, release_date=release)
    step(2, "roads")
    roads = public_road_layer(inputs.axes, inputs.road_status_versions, release_date=release)
    step(3, "reach")
    if inputs.model is not None and inputs.hubs is not None and len(inputs.hubs):
        from geo.model.reach import compute_reach

        result = compute_reach(
            inputs.model,
            inputs.hubs,
            road_status_versions=inputs.road_status_versions,
            encircled_episodes=inputs.encircled_episodes,
            crossing_versions=inputs.crossing_status_versions,
            as_of=release,
            hours=PUBLIC_HOURS,
            clip=True,
        )
        reach = public_reach_layer(result.bands)
    else:
        reach = sanitise(
            "reach",
            gpd.GeoDataFrame(
                {"hub": [], "hours": [], "area_km2": [], "population": []},
                geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
            ),
        )
    admin1 = sanitise(
        "admin1",
        gpd.GeoDataFrame(
            {
                "adm1_pcode": inputs.admin1["pcode"].astype(str).to_numpy(),
                "adm1_name": inputs.admin1["name"].astype(str).to_numpy(),
            },
            geometry=inputs.admin1.geometry.to_numpy(),
            crs=inputs.admin1.crs,
        ),
    )
    step(4, "generalise")
    layers: dict[str, pd.DataFrame] = {
        "admin1": _generalise(admin1, "admin1"),
        "incidents_admin2": _generalise(inc_map, "admin2"),
        "incidents_admin2_month": inc_month,
        "encircled_admin2": _generalise(enc, "admin2"),
        "road_status": _generalise(roads, "roads"),
        "reach": _generalise(reach, "reach"),
    }
    layers = {k: sanitise(k, v) for k, v in layers.items()}  # last gate before any file
    step(5, "done")
    facts = {
        "release_date": release.isoformat(),
        "incident_period": {"start": start.isoformat(), "end": release.isoformat()},
        "incidents_not_placed": unassigned,
    }
    return layers, facts


# --------------------------------------------------------------------------- writers


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _round_coords(obj: Any, decimals: int) -> Any:
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, list | tuple):
        return [_round_coords(o, decimals) for o in obj]
    return obj


def feature_collection(gdf: gpd.GeoDataFrame, *, decimals: int = 3) -> dict[str, Any]:
    """GeoJSON FeatureCollection (EPSG:4326, coordinates rounded to ``decimals``) of a public layer."""
    gdf = gdf.to_crs(STORAGE_CRS)
    props = [c for c in gdf.columns if c != gdf.geometry.name]
    features = []
    for row, geom in zip(gdf[props].itertuples(index=False), gdf.geometry, strict=True):
        geometry = json.loads(shapely.to_geojson(geom)) if geom is not None else None
        if geometry is not None:
            geometry["coordinates"] = _round_coords(geometry["coordinates"], decimals)
        features.append(
            {
                "type": "Feature",
                "properties": {k: _plain(v) for k, v in zip(props, row, strict=True)},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def hxl_csv(frame: pd.DataFrame) -> str:
    """CSV text: header, HXL hashtag row, data (geometry dropped)."""
    df = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
    buf = io.StringIO()
    tags = pd.DataFrame([hxl_row(list(df.columns))], columns=df.columns)
    pd.concat([tags, df.astype(object)], ignore_index=True).to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue()


def _script_json(obj: Any) -> str:
    """JSON safe inside an HTML ``<script>`` element (no ``<``, ``>`` or ``&`` left)."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("&", "\\u0026")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


_HTML_TEMPLATE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'none'">
<title>{title}</title>
<link rel="stylesheet" href="assets/leaflet/leaflet.css">
<style>
html,body{{margin:0;height:100%;font:14px/1.4 sans-serif;color:#222}}
#wrap{{display:flex;height:100%}}
#side{{width:300px;overflow:auto;padding:10px 14px;border-right:1px solid #ccc;background:#fafafa}}
#map{{flex:1;background:#eef1f4}}
#side h1{{font-size:17px;margin:4px 0 8px}} #side h2{{font-size:14px;margin:14px 0 4px}}
#side ul{{padding-left:18px;margin:4px 0}} .small{{font-size:12px;color:#555}}
.legend{{background:rgba(255,255,255,.92);padding:6px 8px;font:12px/1.35 sans-serif;border-radius:4px}}
.legend i{{display:inline-block;width:14px;height:12px;margin-right:5px;vertical-align:middle;border:1px solid #777}}
.leaflet-popup-content table th{{text-align:left;padding-right:6px}}
</style>
</head>
<body>
<div id="wrap">
<div id="side">
<h1>{title}</h1>
<p>{as_of_label} <b>{as_of}</b><br>{release_label} <b>{release}</b> ({delay_label}: {delay} {days})</p>
<p class="small">{note}</p>
<h2>{downloads_label}</h2>
<ul>{downloads}</ul>
<h2>{sources_label}</h2>
<ul class="small">{sources}</ul>
<p class="small">{policy_label} v{policy} &middot; mali-access {version}</p>
</div>
<div id="map"></div>
</div>
<script src="assets/leaflet/leaflet.js"></script>
<script type="application/json" id="snapshot-data">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""

_MAP_SCRIPT = r"""
(function () {
  var D = JSON.parse(document.getElementById("snapshot-data").textContent);
  var T = D.labels;
  var map = L.map("map", {zoomSnap: 0.25});
  map.fitBounds(D.bounds);
  L.control.scale({imperial: false}).addTo(map);
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function card(title, rows) {
    var d = el("div");
    d.appendChild(el("b", title));
    var t = el("table");
    rows.forEach(function (r) {
      if (r[1] === null || r[1] === undefined || r[1] === "") { return; }
      var tr = el("tr");
      tr.appendChild(el("th", r[0]));
      tr.appendChild(el("td", r[1]));
      t.appendChild(tr);
    });
    d.appendChild(t);
    return d;
  }
  function incidentColour(n) {
    var c = D.incident_classes[0][1];
    D.incident_classes.forEach(function (k) { if (n >= k[0]) { c = k[1]; } });
    return c;
  }
  var overlays = {};
  var inc = L.geoJSON(D.layers.incidents_admin2, {
    style: function (f) { return {color: "#777", weight: 0.6, fillColor: incidentColour(f.properties.incidents_min), fillOpacity: 0.7}; },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(el("span", p.adm2_name + ": " + p.incidents));
      layer.bindPopup(card(p.adm2_name, [["P-code", p.adm2_pcode], [T.incidents_label, p.incidents], [T.period, p.period]]));
    }
  }).addTo(map);
  overlays[T.incidents] = inc;
  var reachGroups = {};
  D.layers.reach.features.slice().sort(function (a, b) { return b.properties.hours - a.properties.hours; }).forEach(function (f) {
    var hub = f.properties.hub;
    if (!reachGroups[hub]) { reachGroups[hub] = L.featureGroup(); }
    var colour = D.hub_colours[D.hubs.indexOf(hub) % D.hub_colours.length];
    var g = L.geoJSON(f, {style: {color: colour, weight: 1, fillColor: colour, fillOpacity: 0.12}});
    g.bindTooltip(el("span", hub + ": " + T.reach + " " + f.properties.hours + " " + T.hours));
    g.bindPopup(card(hub, [[T.reach, f.properties.hours + " " + T.hours], [T.area_km2, f.properties.area_km2.toLocaleString()], [T.population, f.properties.population.toLocaleString()]]));
    reachGroups[hub].addLayer(g);
  });
  D.hubs.forEach(function (hub) {
    if (reachGroups[hub]) { overlays[T.reach + ": " + hub] = reachGroups[hub]; reachGroups[hub].addTo(map); }
  });
  var enc = L.geoJSON(D.layers.encircled_admin2, {
    style: {color: "#b2182b", weight: 2.5, fillColor: "#b2182b", fillOpacity: 0.25, dashArray: "6 4"},
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(el("span", p.adm2_name + ": " + p.localities_encircled));
      layer.bindPopup(card(p.adm2_name, [[T.localities_encircled, p.localities_encircled], [T.named_localities, p.named_localities]]));
    }
  }).addTo(map);
  overlays[T.encircled] = enc;
  var roads = L.geoJSON(D.layers.road_status, {
    style: function (f) { return {color: D.road_colours[f.properties.status] || "#000", weight: 4, opacity: 0.9}; },
    onEachFeature: function (f, layer) {
      var p = f.properties;
      layer.bindTooltip(el("span", p.axis_name + ": " + (T[p.status] || p.status)));
      layer.bindPopup(card(p.axis_name, [[T.route, p.route_ref], [T.status, T[p.status] || p.status]]));
    }
  }).addTo(map);
  overlays[T.roads] = roads;
  var adm = L.geoJSON(D.layers.admin1, {
    style: {color: "#333", weight: 1.4, fill: false},
    onEachFeature: function (f, layer) { layer.bindTooltip(el("span", f.properties.adm1_name)); }
  }).addTo(map);
  overlays[T.admin1] = adm;
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  var legend = L.control({position: "bottomright"});
  legend.onAdd = function () {
    var d = el("div", null, "legend");
    d.appendChild(el("b", T.legend));
    function row(colour, text, line) {
      var r = el("div"); var i = el("i");
      i.style.background = line ? "transparent" : colour;
      if (line) { i.style.borderTop = "3px solid " + colour; i.style.height = "0"; i.style.border = "none"; i.style.borderTop = "3px solid " + colour; }
      r.appendChild(i); r.appendChild(document.createTextNode(text)); d.appendChild(r);
    }
    D.incident_classes.forEach(function (k, j) {
      var next = D.incident_classes[j + 1];
      row(k[1], T.incidents_label + " " + (k[0] === 0 ? "0" : (next ? k[0] + "-" + (next[0] - 1) : k[0] + "+")));
    });
    row("#b2182b", T.encircled);
    ["open", "constrained", "closed", "unknown"].forEach(function (s) { row(D.road_colours[s], T.roads + ": " + T[s], true); });
    return d;
  };
  legend.addTo(map);
  window.snapshotMap = map;
  window.snapshotReady = true;
})();
"""


def _source_items(sources: tuple[dict[str, str], ...]) -> str:
    items = []
    for s in sources:
        items.append(
            f"<li>{html.escape(s.get('publisher', ''))} &mdash; {html.escape(s.get('licence', ''))}</li>"
        )
    return "".join(items)


def render_index_html(
    layers: dict[str, pd.DataFrame],
    *,
    as_of: dt.date,
    release_date: dt.date,
    delay_days: int,
    lang: str,
    sources: tuple[dict[str, str], ...],
    downloads: list[tuple[str, str]],
) -> str:
    """The snapshot's ``index.html``: an offline Leaflet map with the public layers inlined.

    Every text from the data reaches the page as JSON data and is inserted with
    ``textContent`` (never as HTML); the page's own texts are HTML-escaped. A
    Content-Security-Policy forbids any network request.
    """
    t = labels(lang)
    hubs = list(dict.fromkeys(layers["reach"]["hub"])) if len(layers["reach"]) else []
    data = {
        "labels": t,
        "bounds": [[10.1, -12.3], [25.0, 4.3]],
        "hubs": hubs,
        "hub_colours": HUB_COLOURS,
        "road_colours": ROAD_STATUS_COLOUR,
        "incident_classes": [list(k) for k in INCIDENT_CLASSES],
        "layers": {
            k: feature_collection(layers[k], decimals=GENERALISE["reach" if k == "reach" else "admin2"][1])
            for k in ("admin1", "incidents_admin2", "encircled_admin2", "road_status", "reach")
        },
    }
    links = "".join(
        f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>' for href, label in downloads
    )
    return _HTML_TEMPLATE.format(
        lang=html.escape(lang),
        title=html.escape(t["title"]),
        as_of_label=html.escape(t["as_of"]),
        as_of=as_of.isoformat(),
        release_label=html.escape(t["release"]),
        release=release_date.isoformat(),
        delay_label=html.escape(t["delay"]),
        delay=int(delay_days),
        days=html.escape(t["days"]),
        note=html.escape(t["note"]),
        downloads_label=html.escape(t["downloads"]),
        downloads=links,
        sources_label=html.escape(t["sources"]),
        sources=_source_items(sources),
        policy_label=html.escape(t["policy"]),
        policy=html.escape(POLICY_VERSION),
        version=html.escape(__version__),
        data=_script_json(data),
        script=_MAP_SCRIPT,
    )


def render_png(
    layers: dict[str, pd.DataFrame],
    path: Path,
    *,
    title: str,
    subtitle: str,
    lang: str,
    release_date: dt.date,
    produced: dt.date,
) -> None:
    """Static map of the public layers, written to ``path`` (PNG).

    Drawn by ``geo.products.printmap.render_map(..., public=True)``, the project's print map:
    admin1, generalised reachable areas and road status. Only sanitised layers are
    handed over (no incidents, no encircled points).
    """
    from geo.products.printmap import MapLayers, render_map

    admin1 = layers["admin1"].rename(columns={"adm1_pcode": "pcode", "adm1_name": "name"})
    bands = layers["reach"].assign(hub_id=layers["reach"]["hub"])
    axes = layers["road_status"].set_index("axis_name", drop=False)
    map_layers = MapLayers(
        admin1=admin1,
        bands=bands if len(bands) else None,
        axes=axes if len(axes) else None,
        axis_status=axes[["status"]],
    )
    png = render_map(
        map_layers,
        as_of=release_date,
        lang=lang,
        public=True,
        dpi=100,
        fmt="png",
        title=title,
        subtitle=subtitle,
        produced=produced,
    )
    Path(path).write_bytes(png)


def _file_table(folder: Path) -> dict[str, dict[str, Any]]:
    out = {}
    for p in sorted(folder.rglob("*")):
        if p.is_file() and p.name != "metadata.json":
            out[p.relative_to(folder).as_posix()] = {"sha256": sha256_file(p), "bytes": p.stat().st_size}
    return out


def build_snapshot(
    inputs: SnapshotInputs,
    out_root: Path,
    *,
    as_of: dt.date,
    delay_days: int = DEFAULT_DELAY_DAYS,
    lang: str = "fr",
    window_months: int = DEFAULT_WINDOW_MONTHS,
    leaflet_dir: Path = LEAFLET_DIR,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> Path:
    """Build a public snapshot in a new folder under ``out_root``.

    Parameters
    ----------
    inputs
        :func:`load_snapshot_inputs` output.
    out_root
        Snapshot root (created if needed); the snapshot goes to a new sub-folder.
    as_of
        Snapshot date.
    delay_days
        Release delay in days: the layers show the state on ``as_of - delay_days``.
    lang
        ``"fr"`` or ``"en"`` (texts of the map and the PNG).
    window_months
        Months of incident counts (ending with the release month).
    leaflet_dir
        Vendored Leaflet (``leaflet.js``, ``leaflet.css``, ``images/``) copied beside ``index.html``.
    now
        Creation time (UTC; default now).
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    Path
        The new snapshot folder (its files are made read-only).

    Raises
    ------
    MissingDataError
        Leaflet is not vendored (run ``scripts/setup.sh``).
    SnapshotError
        The target folder exists already (never overwritten).
    ValueError
        Unknown ``lang`` or a negative delay.
    """
    if lang not in I18N_LANGS:
        msg = f"unknown language {lang!r}; expected one of {', '.join(I18N_LANGS)}"
        raise ValueError(msg)
    leaflet_dir = Path(leaflet_dir)
    if not (leaflet_dir / "leaflet.js").is_file() or not (leaflet_dir / "leaflet.css").is_file():
        msg = "Leaflet is not vendored (leaflet.js/leaflet.css missing); run scripts/setup.sh"
        raise MissingDataError(leaflet_dir, msg)
    now = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    layers, facts = build_public_layers(
        inputs, as_of=as_of, delay_days=delay_days, window_months=window_months, progress=progress
    )
    release = dt.date.fromisoformat(facts["release_date"])
    out_root = Path(out_root)
    out_root.mkdir(parents=True, exist_ok=True)
    snapshot_id = f"{as_of:%Y-%m-%d}_{now:%Y%m%dT%H%M%SZ}_{lang}"
    final = out_root / snapshot_id
    if final.exists():
        msg = f"snapshot folder {final} exists already; snapshots are never rewritten"
        raise SnapshotError(msg)
    t = labels(lang)
    tmp = Path(tempfile.mkdtemp(prefix=".building-", dir=out_root))
    try:
        shutil.copytree(leaflet_dir, tmp / "assets" / "leaflet")
        dl = tmp / "downloads"
        dl.mkdir()
        links: list[tuple[str, str]] = []
        for name in DOWNLOADS:
            frame = layers[name]
            if "geometry" in frame.columns:
                dec = GENERALISE["reach" if name == "reach" else "admin2"][1]
                text = json.dumps(
                    feature_collection(frame, decimals=dec), ensure_ascii=False, separators=(",", ":")
                )
                (dl / f"{name}.geojson").write_text(text, encoding="utf-8")
                links.append((f"downloads/{name}.geojson", f"{name}.geojson"))
            (dl / f"{name}.csv").write_text(hxl_csv(frame), encoding="utf-8")
            links.append((f"downloads/{name}.csv", f"{name}.csv (HXL)"))
        links += [("map.png", t["map_png"]), ("metadata.json", t["metadata"])]
        subtitle = f"{t['as_of']} {as_of.isoformat()} - {t['release']} {release.isoformat()}"
        render_png(
            layers,
            tmp / "map.png",
            title=t["title"],
            subtitle=subtitle,
            lang=lang,
            release_date=release,
            produced=now.date(),
        )
        (tmp / "index.html").write_text(
            render_index_html(
                layers,
                as_of=as_of,
                release_date=release,
                delay_days=delay_days,
                lang=lang,
                sources=inputs.sources,
                downloads=links,
            ),
            encoding="utf-8",
        )
        meta = {
            "snapshot_id": snapshot_id,
            "title": t["title"],
            "lang": lang,
            "as_of": as_of.isoformat(),
            "release_date": facts["release_date"],
            "release_delay_days": int(delay_days),
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "generator": f"mali-access {__version__}",
            "incident_period": facts["incident_period"],
            "incidents_not_placed": facts["incidents_not_placed"],
            "sanitisation_policy": {
                "version": POLICY_VERSION,
                "allow_list": {k: list(v) for k, v in ALLOW_LIST.items()},
                "small_counts": f"1-{SMALL_COUNT_MAX} shown as a range",
                "generalisation": {k: {"simplify_m": v[0], "decimals": v[1]} for k, v in GENERALISE.items()},
                "excluded": "actors and armed groups, notes, sources' free text, incident and locality "
                "coordinates, restricted incident sources (e.g. ACLED), non-public locality names",
            },
            "layers": {k: int(len(v)) for k, v in layers.items()},
            "sources": list(inputs.sources),
            "files": _file_table(tmp),
        }
        (tmp / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        for p in tmp.rglob("*"):
            if p.is_file():
                p.chmod(0o444)
        if final.exists():
            msg = f"snapshot folder {final} exists already; snapshots are never rewritten"
            raise SnapshotError(msg)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    final.chmod(0o755)
    logger.info("snapshot %s: %d files", final, len(meta["files"]) + 1)
    return final


# --------------------------------------------------------------------------- reading


def read_metadata(folder: Path) -> dict[str, Any]:
    """The ``metadata.json`` of a snapshot folder.

    Raises
    ------
    DataFileError
        Missing or unreadable.
    """
    path = Path(folder) / "metadata.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(path, f"cannot read snapshot metadata ({exc})") from exc


def list_snapshots(root: Path | None = None) -> list[SnapshotInfo]:
    """Snapshots under ``root`` (default :func:`snapshot_root`), newest as-of date first.

    Folders being built (``.building-*``) and folders without readable metadata are skipped.
    """
    root = Path(root or snapshot_root())
    out = []
    if not root.is_dir():
        return out
    for folder in root.iterdir():
        if not folder.is_dir() or folder.name.startswith("."):
            continue
        try:
            meta = read_metadata(folder)
            files = meta.get("files", {})
            out.append(
                SnapshotInfo(
                    snapshot_id=str(meta["snapshot_id"]),
                    path=folder,
                    as_of=dt.date.fromisoformat(meta["as_of"]),
                    release_date=dt.date.fromisoformat(meta["release_date"]),
                    created_at=str(meta["created_at"]),
                    lang=str(meta.get("lang", "")),
                    n_files=len(files) + 1,
                    size_bytes=sum(int(f["bytes"]) for f in files.values())
                    + (folder / "metadata.json").stat().st_size,
                )
            )
        except (DataFileError, KeyError, ValueError, TypeError) as exc:
            logger.warning("skipping %s: %s", folder, exc)
    return sorted(out, key=lambda s: (s.as_of, s.created_at), reverse=True)


def verify_snapshot(folder: Path) -> list[str]:
    """Problems found when checking a snapshot against its metadata (empty when intact).

    Lists files whose SHA-256 differs, files missing, and files not listed.
    """
    folder = Path(folder)
    listed = read_metadata(folder).get("files", {})
    actual = _file_table(folder)
    problems = [f"missing: {k}" for k in listed if k not in actual]
    problems += [f"not listed: {k}" for k in actual if k not in listed]
    problems += [
        f"changed: {k}" for k, v in listed.items() if k in actual and actual[k]["sha256"] != v["sha256"]
    ]
    return problems


def inline_html(folder: Path) -> str:
    """``index.html`` of a snapshot with Leaflet's JS and CSS inlined (for an iframe ``srcdoc``)."""
    folder = Path(folder)
    page = (folder / "index.html").read_text(encoding="utf-8")
    base = folder / "assets" / "leaflet"
    js = (base / "leaflet.js").read_text(encoding="utf-8").replace("</script", "<\\/script")
    css = (base / "leaflet.css").read_text(encoding="utf-8")

    def data_uri(match: re.Match[str]) -> str:
        img = base / match.group(1)
        if not img.is_file():
            return match.group(0)
        return "url(data:image/png;base64," + base64.b64encode(img.read_bytes()).decode("ascii") + ")"

    css = re.sub(r"url\((images/[A-Za-z0-9_.-]+\.png)\)", data_uri, css)
    page = page.replace('<link rel="stylesheet" href="assets/leaflet/leaflet.css">', f"<style>{css}</style>")
    page = page.replace('<script src="assets/leaflet/leaflet.js"></script>', f"<script>{js}</script>")
    return page


#: Shown in place of the download links when ``index.html`` is embedded in the app
#: (:func:`embeddable_html`), in the snapshot's language.
EMBED_NOTE = {
    "en": "In the app, download these files from the Downloads tab of this page.",
    "fr": "Dans l'application, téléchargez ces fichiers depuis l'onglet « Downloads » de cette page.",
}
#: A list made only of relative links (the snapshot's own files): ``<ul><li><a href="downloads/...">``.
_LOCAL_LINK_LIST = re.compile(
    r'<ul>(?:\s*<li><a href="(?![A-Za-z][A-Za-z0-9+.-]*:|#|/)[^"]*">[^<]*</a></li>)+\s*</ul>'
)
#: Any attribute still pointing at a file of the snapshot folder (relative URL).
_RELATIVE_REF = re.compile(r'\b(?:href|src)="(?![A-Za-z][A-Za-z0-9+.-]*:|#|/)([^"]+)"')
_ELEMENT_BODY = re.compile(r"<(script|style)(\b[^>]*)>.*?</\1>", re.S)
_HTML_LANG = re.compile(r'<html lang="([a-z]+)"')


def embeddable_html(text: str, *, note: str | None = None) -> str:
    """A snapshot's ``index.html`` made safe to embed in the app (an iframe ``srcdoc``).

    An embedded page has the app's URL as its base, so the relative links of the
    snapshot's download list (``downloads/reach.csv``, ``map.png`` ...) would load the
    app itself inside the map pane. This replaces every list made only of such links by
    a short note (the app offers the same files as download buttons). The file on disk is
    never touched: ``index.html`` opened from the folder keeps its working links.

    Parameters
    ----------
    text
        The page, with Leaflet already inlined (:func:`inline_html`).
    note
        Text of the replacement note; default :data:`EMBED_NOTE` in the page's language
        (``<html lang>``), English when unknown. HTML-escaped here.

    Returns
    -------
    str
        The page with no relative ``href``/``src`` left.

    Raises
    ------
    SnapshotError
        A relative reference remains (e.g. Leaflet not inlined), which would fail in the app.
    """
    if note is None:
        lang = _HTML_LANG.search(text)
        note = EMBED_NOTE.get(lang.group(1) if lang else "en", EMBED_NOTE["en"])
    out = _LOCAL_LINK_LIST.sub(lambda _m: f'<p class="small">{html.escape(note)}</p>', text)
    markup = _ELEMENT_BODY.sub(r"<\1\2></\1>", out)  # tags only: code and CSS bodies are not links
    left = sorted(set(_RELATIVE_REF.findall(markup)))
    if left:
        msg = f"embedded snapshot page still references files of its folder: {', '.join(left[:5])}"
        raise SnapshotError(msg)
    return out


def embedded_page(folder: Path) -> str:
    """``index.html`` of a snapshot for the app: Leaflet inlined, download links replaced by a note.

    Combines :func:`inline_html` and :func:`embeddable_html`; reads the folder, writes nothing.
    """
    return embeddable_html(inline_html(folder))


def zip_snapshot(folder: Path) -> bytes:
    """The whole snapshot folder as a ZIP archive (for a single download)."""
    folder = Path(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")
    return buf.getvalue()
