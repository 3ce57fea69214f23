"""Public snapshots: sanitised, dated, immutable folders for donors and the public.

A snapshot is a folder ``<as_of>_<created UTC>_<lang>`` holding:

``index.html``
    A self-contained interactive map drawn with the app's own folium layer builders
    (``layers/snapshot.py``; Leaflet and data inlined; no CDN, no tiles) that works
    opened from disk without a network. It needs the ``app`` extra (folium); without
    it the other files are still built and the metadata says so.
``downloads/*.geojson``, ``downloads/*.csv``
    The public layers (GeoJSON in EPSG:4326; CSV with an HXL hashtag row).
``map.png``
    A static map of the same layers.
``metadata.json``
    As-of and release dates, creation time, release delay, sources and licences, the
    sanitisation policy (version and allow-list) and the SHA-256 and size of every file.

Sanitisation policy
-------------------
The policy lives in :mod:`geo.products.policy`: :data:`ALLOW_LIST` (its ``PUBLIC_FIELDS``)
says which fields each public layer may carry; every layer is rebuilt from scratch and
then cut to exactly those fields (:func:`sanitise`), so a column the data gains later
never appears. Every layer is computed from the encirclements marked ``public`` only
(:func:`geo.products.policy.public_episodes`), so a non-public one leaves no trace: no
no-entry hole or notch in a reachable area, no effect on an area or population, no count.
In short:

* incidents: counts per admin2 (cercle) and month only, small counts (1-4) shown as a
  range; no actors, notes, places or coordinates; restricted sources (ACLED ...) dropped;
* encircled localities: the number of public encirclements per admin2 in force, with
  their names; no coordinates, armed groups or notes;
* road status: the public category per named axis; no cause, source or note;
* reachable areas: under the public constraints only; simplified and rounded band
  polygons, area and population rounded;
* main towns, named on the map only: a fixed list of cercle and region capitals from the
  gazetteer (:data:`geo.products.printmap.MAIN_TOWNS`), the same whatever the records;
* HAWG hubs, marked on the maps: id, name and place of each hub of the hubs table
  (``data/curated/hubs.csv``), the same whatever the records.

Everything is computed for the *release date* = as-of date minus the release delay.
Snapshots are never rewritten: a new build always goes to a new folder.
"""

from __future__ import annotations

import datetime as dt
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
from geo.products.cartography import INCIDENT_CLASSES as _INCIDENT_CLASSES
from geo.products.cartography import hub_short_name
from geo.products.i18n import LANGS as I18N_LANGS
from geo.products.i18n import format_date, keys, tr
from geo.products.policy import EXCLUDED_TEXT, POLICY_VERSION, PUBLIC_FIELDS, public_episodes
from geo.sources.datasets import sha256_file
from geo.tables import write_csv
from geo.vocab import ROAD_STATUS

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

#: Vendored Leaflet (``scripts/setup.sh``), inlined into every snapshot's ``index.html``.
LEAFLET_DIR = PROJECT_ROOT / "static" / "vendor" / "leaflet"

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
#: Road status (``geo.vocab.ROAD_STATUS``) -> public category.
PUBLIC_ROAD_CATEGORY = {s: s for s in ROAD_STATUS}

#: The allow-list: public layer -> the only fields it may carry (the policy's, geo/products/policy.py).
ALLOW_LIST: dict[str, tuple[str, ...]] = PUBLIC_FIELDS
#: Layers published as downloads (GeoJSON when they have a geometry, and CSV).
DOWNLOADS = (
    "incidents_admin2",
    "incidents_admin2_month",
    "encircled_admin2",
    "road_status",
    "reach",
    "positions",
)
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
    "roads_osm",
    "incidents_ucdp",
    "incidents_ucdp_candidate",
    "incidents_curated",
)


def _source_records(data_dir: Path) -> tuple[dict, ...]:
    """Return the publisher, licence and address of each :data:`SOURCE_ROLES` dataset the folder holds.

    Taken from the folder's lock when it records the role (a fetched UCDP release, OSM roads
    a user added), else from the manifest; optional roles whose file is absent are left out.
    """
    from geo.errors import MissingDataError
    from geo.sources.datasets import dataset_entry

    out = []
    for role in SOURCE_ROLES:
        try:
            entry = dataset_entry(data_dir, role)
        except MissingDataError:
            continue
        if not (Path(data_dir) / entry.path).is_file():
            continue
        out.append({"role": role, "publisher": entry.publisher, "licence": entry.licence, "url": entry.url})
    return tuple(out)


def labels(lang: str) -> dict[str, str]:
    """Return the snapshot texts in ``lang`` (catalog keys ``snapshot.*``; road status from geo.vocab)."""
    labels = {k.removeprefix("snapshot."): tr(k, lang) for k in keys("snapshot.")}
    labels.update({c: ROAD_STATUS.label(c, lang) for c in ROAD_STATUS})
    return labels


def situation_text(as_of: dt.date, release_date: dt.date, delay_days: int, lang: str) -> str:
    """Return the line that dates a snapshot: the situation shown (release date), then its publication.

    With a publication delay the layers show the state on ``release_date``: that is the
    situation; ``as_of`` is only the day of publication ("Situation au 2 novembre 2026
    (publiée le 2 décembre 2026, avec 30 jours de délai)").

    Parameters
    ----------
    as_of
        Snapshot (publication) date.
    release_date
        Date of the situation shown (``as_of - delay_days``).
    delay_days
        Publication delay, days.
    lang
        ``"fr"`` or ``"en"``.
    """
    from geo.products.i18n import tr_count

    date = format_date(release_date, lang)
    if int(delay_days) <= 0:
        return tr("snapmap.situation_same_day", lang, date=date)
    return tr(
        "snapmap.situation",
        lang,
        date=date,
        published=format_date(as_of, lang),
        delay=tr_count("public.days", int(delay_days), lang),
    )


def release_date_of(as_of: dt.date, delay_days: int) -> dt.date:
    """Return the date of the situation a snapshot of ``as_of`` shows: ``delay_days`` days earlier."""
    return as_of - dt.timedelta(days=int(delay_days))


def published_text(as_of: dt.date, delay_days: int, snapshot_lang: str, lang: str) -> str:
    """Return the confirmation of a publication: situation shown, language, and that donors see it now.

    "Instantané en français publié. Situation au 2 décembre 2026 (publiée le jour même,
    sans délai). Les bailleurs le voient dès maintenant sur cette page, ci-dessous." A
    snapshot is listed on the public page as soon as its folder exists; the release delay
    dates the situation shown, not the moment donors see it.

    Parameters
    ----------
    as_of
        Snapshot (publication) date.
    delay_days
        Release delay, days (:func:`release_date_of`).
    snapshot_lang
        Language of the snapshot, ``{"fr", "en"}``, named in the text.
    lang
        Language of the confirmation, ``{"fr", "en"}``.
    """
    situation = situation_text(as_of, release_date_of(as_of, delay_days), int(delay_days), lang)
    return tr("public.published", lang, lang=language_name(snapshot_lang, lang), situation=situation)


def language_name(code: str, lang: str) -> str:
    """Return the language ``code`` (``{"fr", "en"}``) named in ``lang`` as a sentence names it.

    ``language_name("fr", "en")`` is "French", ``language_name("en", "fr")`` "anglais"; a code the
    catalogs do not name is returned as it is.
    """
    names = {"fr": tr("public.lang_fr", lang), "en": tr("public.lang_en", lang)}
    return names.get(code, code)


#: Incident classes for the map (lower bounds of incidents_min) and their colours.
INCIDENT_CLASSES = _INCIDENT_CLASSES


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
    positions
        The register of common positions (:func:`geo.store.positions.current_positions`), or
        None; only HCT-endorsed public ones are published (:func:`public_positions_layer`).
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
    positions: pd.DataFrame | None = None
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


# --------------------------------------------------------------------------- inputs


def load_snapshot_inputs(
    data_dir: Path,
    *,
    store_path: Path | None = None,
    with_reach: bool = True,
    progress: Progress | None = None,
    model: Any = None,
) -> SnapshotInputs:
    """Read every input of a snapshot from the data folder, the curated layers and the store.

    Parameters
    ----------
    data_dir
        Data folder (see ``geo.config.Settings.data_dir``).
    store_path
        Project store for constraints and imported incidents; None reads the curated CSVs
        and the data folder only.
    with_reach
        Load the model inputs and hubs for the reach layer.
    progress
        Optional ``progress(done, total, label)``.
    model
        ``geo.model.friction.ModelInputs`` already loaded for ``data_dir`` (the app's shared
        copy), or None to load them.

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
    from geo.store.constraints import load_versions
    from geo.store.db import store_exists, store_location

    steps = ["admin", "incidents", "constraints", "model"]

    def step(i: int) -> None:
        if progress:
            progress(i, len(steps), steps[min(i, len(steps) - 1)])

    step(0)
    data_dir = Path(data_dir)
    admin = {lvl: load_admin(data_dir, lvl) for lvl in (1, 2, 3)}
    step(1)
    store = store_location(store_path) if store_exists(store_path) else None
    incidents = load_incidents(data_dir, store_path=store, include_restricted=False)
    step(2)
    location = store_location(store_path) if store_path is not None else None
    versions = load_versions(location, data_dir=data_dir)
    step(3)
    hubs = None
    if not with_reach:
        model = None
    if with_reach:
        from geo.model.friction import load_model_inputs

        model = model if model is not None else load_model_inputs(data_dir)
        hubs = read_hubs().valid
        axes = model.axes
    else:
        from geo.sources.curated import read_axes
        from geo.sources.roads import build_axes, load_roads

        axes = build_axes(read_axes().valid, load_roads(data_dir))
    step(4)
    sources = _source_records(data_dir)
    sources += (
        {
            "role": "curated",
            "publisher": tr("credit.curated.publisher", "en"),
            "licence": tr("credit.curated.licence", "en"),
            "url": "",
        },
    )
    from geo.store.positions import current_positions

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
        current_positions(store) if store is not None else None,
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
    """Cercles with at least one public encircled locality in force on ``release_date`` (sanitised).

    Only episodes marked ``public`` are counted and named (a non-public one is neither
    counted nor named: its cercle's figure would locate it); their coordinates, armed
    groups and notes are not carried over.
    """
    from geo.sources.curated import encircled_as_of

    episodes = public_episodes(episodes)
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


def public_positions_layer(
    register: pd.DataFrame | None,
    *,
    release_date: dt.date,
    withheld_places: frozenset[str] = frozenset(),
    places: gpd.GeoDataFrame | None = None,
    public_places: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Return the positions a snapshot publishes: HCT-endorsed, public, endorsed by the release date.

    Parameters
    ----------
    register
        :func:`geo.store.positions.current_positions` (the register as it stands when the
        snapshot is built), or None.
    release_date
        Positions whose latest endorsement is later than this are left out.
    withheld_places
        Names of places public products must not reveal (localities encircled only in
        non-public episodes): a position whose scope or text names one is left out (and
        logged), whatever its visibility, so it cannot point a reader at a restricted place.
    places
        Localities indexed by place id (``ModelInputs.places``): a ``locality:ID`` scope is
        read as the place's name for the check above.
    public_places
        Localities of the public episodes: a ``locality:NAME`` scope is published only when
        NAME is one of them (or a place id of ``places``); any other is withheld.

    Returns
    -------
    pandas.DataFrame
        The ``positions`` fields of :data:`ALLOW_LIST` (no motivating records, no recorder);
        draft, proposed, revised (awaiting re-endorsement), retired and restricted positions
        never appear (:func:`geo.products.positions_map.public_register`).
    """
    from geo.products.positions_map import public_register

    pub = public_register(
        register,
        release_date=release_date,
        withheld_places=withheld_places,
        places=places,
        public_places=public_places,
    )
    return sanitise("positions", pub)


def public_hubs_layer(hubs: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """HAWG hubs as public places: ``hub_id``, ``name`` and point, EPSG:4326 (sanitised).

    Parameters
    ----------
    hubs
        ``geo.sources.curated.read_hubs().valid`` (public OCHA offices), or None (no hub).
    """
    if hubs is None or len(hubs) == 0:
        return sanitise(
            "hubs", gpd.GeoDataFrame({"hub_id": [], "name": []}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
        )
    ids = hubs["hub_id"] if "hub_id" in hubs.columns else hubs.index.to_series()
    out = gpd.GeoDataFrame(
        {"hub_id": ids.astype(str).to_numpy(), "name": hubs["name"].astype(str).to_numpy()},
        geometry=hubs.geometry.to_numpy(),
        crs=hubs.crs,
    )
    return sanitise("hubs", out.to_crs(STORAGE_CRS))


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


#: Incident sources that cover the whole country systematically (source families of
#: ``geo.model.incidents``). After the last event of these, only scattered public reports are
#: counted: the snapshot says the data are sparse from that date.
SYSTEMATIC_SOURCES = ("ucdp", "acled")


def incident_coverage_end(incidents: pd.DataFrame) -> dt.date | None:
    """Date of the last incident of a systematic source (:data:`SYSTEMATIC_SOURCES`).

    Parameters
    ----------
    incidents
        Normalised incidents (``source``, ``date``).

    Returns
    -------
    datetime.date or None
        None when no incident comes from a systematic source.
    """
    if incidents is None or len(incidents) == 0:
        return None
    family = incidents["source"].astype(str).str.split(":").str[0]
    dates = pd.to_datetime(incidents.loc[family.isin(SYSTEMATIC_SOURCES).to_numpy(), "date"], errors="coerce")
    dates = dates.dropna()
    return None if dates.empty else dates.max().date()


def sparse_after(coverage_end: dt.date | None, start: dt.date, end: dt.date) -> dt.date | None:
    """Date after which a snapshot's incident counts are sparse, or None when the period is covered.

    Parameters
    ----------
    coverage_end
        :func:`incident_coverage_end` (None: no systematic source at all).
    start, end
        The snapshot's incident period (inclusive).

    Returns
    -------
    datetime.date or None
        ``coverage_end`` when it falls before ``end`` (the note then names the real last
        date of the systematic data, even when it precedes the period); the day before
        ``start`` when no systematic source exists at all; None when the whole period is
        covered.
    """
    if coverage_end is None:
        return start - dt.timedelta(days=1)
    return coverage_end if coverage_end < end else None


def sparse_note(sparse: dt.date, lang: str) -> str:
    """Return the legend's line on sparse incident data: what "0" means, and after which date.

    The same words on the interactive map's legend and the static picture's ("Données
    d'incidents lacunaires après le 29 décembre 2020 : « 0 » = aucun incident enregistré.").

    Parameters
    ----------
    sparse
        :func:`sparse_after` of the snapshot.
    lang
        ``"fr"`` or ``"en"``.
    """
    return tr("snapmap.sparse_legend", lang, date=format_date(sparse, lang))


def incident_count_text(count: str, count_max: int, sparse: dt.date | None, lang: str) -> str:
    """Return a cercle's public incident count in words, as a donor reads it on the map.

    "0 incident", "5-19 incidents"; when the counts come from a period with sparse data,
    "0 incident enregistré — données d'incidents lacunaires après le 29 décembre 2020", so
    a zero is not read as "nothing happened".

    Parameters
    ----------
    count
        Public form of the count (``"0"``, ``"1-4"``, ``"12"``).
    count_max
        Its upper bound (the plural follows it: "1-4 incidents").
    sparse
        :func:`sparse_after` of the snapshot, or None (the period is covered).
    lang
        ``"fr"`` or ``"en"``.
    """
    from geo.products.i18n import tr_count

    if sparse is None:
        return tr_count("snapmap.incident_count", int(count_max), lang, count=count)
    recorded = tr_count("snapmap.incident_recorded", int(count_max), lang, count=count)
    return tr("snapmap.sparse_count", lang, count=recorded, date=format_date(sparse, lang))


@dataclass(frozen=True)
class CercleFigures:
    """What a click on a cercle of the public map shows (computed from public layers only).

    Attributes
    ----------
    adm2_pcode, adm2_name, adm1_name
        The cercle and its region.
    incidents
        Public form of the count for the period (``"0"``, ``"1-4"``, ``"12"``).
    incidents_max
        Its upper bound (0, 4, 12).
    period
        ``YYYY-MM-DD/YYYY-MM-DD``.
    localities_encircled
        Public encircled localities in force in the cercle (0 when none).
    named_localities
        Their names, ``; ``-separated ("" when none).
    reach_share
        Band (h) -> share of the cercle's area reachable from any hub within it, 0-1
        (from the generalised public bands).
    """

    adm2_pcode: str
    adm2_name: str
    adm1_name: str
    incidents: str
    incidents_max: int
    period: str
    localities_encircled: int
    named_localities: str
    reach_share: dict[float, float]


def cercle_figures(layers: dict[str, pd.DataFrame]) -> dict[str, CercleFigures]:
    """Per-cercle figures of a snapshot: incidents, encirclements, share reachable per band.

    Only the public layers are read (``incidents_admin2``, ``encircled_admin2``, ``reach``),
    so the figures carry nothing the snapshot's files do not: the reach share is the
    area of the cercle covered by the union of every hub's band, computed in ESRI:102022.

    Parameters
    ----------
    layers
        :func:`build_public_layers` output.

    Returns
    -------
    dict
        ``adm2_pcode`` -> :class:`CercleFigures`, for every cercle of ``incidents_admin2``.
    """
    units = layers["incidents_admin2"]
    enc = layers["encircled_admin2"].set_index("adm2_pcode") if len(layers["encircled_admin2"]) else None
    reach = layers["reach"]
    work = units.to_crs(WORK_CRS)
    cercle_area = work.geometry.area.to_numpy()
    shares: dict[float, np.ndarray] = {}
    for h in sorted(reach["hours"].unique()) if len(reach) else []:
        band = shapely.union_all(reach[reach["hours"] <= h].to_crs(WORK_CRS).geometry.make_valid().values)
        inter = work.geometry.intersection(band).area.to_numpy()
        shares[float(h)] = np.divide(inter, cercle_area, out=np.zeros_like(inter), where=cercle_area > 0)
    out = {}
    for i, row in enumerate(units.itertuples(index=False)):
        pcode = str(row.adm2_pcode)
        n_enc, names = 0, ""
        if enc is not None and pcode in enc.index:
            n_enc, names = int(enc.at[pcode, "localities_encircled"]), str(enc.at[pcode, "named_localities"])
        out[pcode] = CercleFigures(
            adm2_pcode=pcode,
            adm2_name=str(row.adm2_name),
            adm1_name=str(row.adm1_name),
            incidents=str(row.incidents),
            incidents_max=int(row.incidents_max),
            period=str(row.period),
            localities_encircled=n_enc,
            named_localities=names,
            reach_share={h: float(min(1.0, v[i])) for h, v in shares.items()},
        )
    return out


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
    release = release_date_of(as_of, delay_days)
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
    # the one input of every public layer: the encirclements an advisor marked public
    episodes = public_episodes(inputs.encircled_episodes)
    enc = public_encircled_layer(episodes, inputs.admin2, release_date=release)
    step(2, "roads")
    roads = public_road_layer(inputs.axes, inputs.road_status_versions, release_date=release)
    step(3, "reach")
    if inputs.model is not None and inputs.hubs is not None and len(inputs.hubs):
        from geo.model.reach import compute_reach
        from geo.store.constraints import ConstraintVersions

        result = compute_reach(
            inputs.model,
            inputs.hubs,
            ConstraintVersions(inputs.road_status_versions, episodes, inputs.crossing_status_versions),
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
    # the main towns named on the map: a fixed list from the gazetteer, whatever the records
    places = getattr(inputs.model, "places", None)
    if places is not None and len(places):
        from geo.products.printmap import main_towns

        towns = main_towns(places).to_crs(STORAGE_CRS)
    else:
        towns = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=STORAGE_CRS))
    step(4, "generalise")
    layers: dict[str, pd.DataFrame] = {
        "admin1": _generalise(admin1, "admin1"),
        "towns": towns,
        "hubs": public_hubs_layer(inputs.hubs),
        "incidents_admin2": _generalise(inc_map, "admin2"),
        "incidents_admin2_month": inc_month,
        "encircled_admin2": _generalise(enc, "admin2"),
        "road_status": _generalise(roads, "roads"),
        "reach": _generalise(reach, "reach"),
        "positions": public_positions_layer(
            inputs.positions,
            release_date=release,
            withheld_places=frozenset(
                set(inputs.encircled_episodes["locality"].astype(str)) - set(episodes["locality"].astype(str))
            ),
            places=getattr(inputs.model, "places", None),
            public_places=frozenset(episodes["locality"].astype(str)),
        ),
    }
    layers = {k: sanitise(k, v) for k, v in layers.items()}  # last gate before any file
    step(5, "done")
    coverage = incident_coverage_end(inputs.incidents)
    sparse = sparse_after(coverage, start, release)
    facts = {
        "release_date": release.isoformat(),
        "incident_period": {"start": start.isoformat(), "end": release.isoformat()},
        "incidents_not_placed": unassigned,
        "incident_coverage_end": None if coverage is None else coverage.isoformat(),
        "incidents_sparse_after": None if sparse is None else sparse.isoformat(),
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


@dataclass(frozen=True)
class SnapshotPage:
    """What the renderer of ``index.html`` needs besides the public layers (texts, dates, links).

    Attributes
    ----------
    lang
        Language of the texts.
    labels
        :func:`labels` of ``lang``.
    as_of, release_date
        Snapshot and release dates.
    delay_days
        Release delay, days.
    sources
        Provenance records (``publisher``, ``licence``, ...).
    downloads
        ``(relative href, label)`` of the snapshot's files.
    policy_version, generator
        Shown in the page footer.
    leaflet_dir
        Vendored Leaflet, inlined into the page.
    hub_ids
        ``(hub name, hub id)`` of the hubs of the reach layer: a hub's colour follows its id
        (``geo.products.cartography.hub_colour``), as on every other map.
    sparse_after
        Incident counts are sparse after this date (:func:`sparse_after`), or None.
    incident_period
        First and last day of the incident counts.
    scope_names
        ``(scope, place name)`` of the published positions (:func:`scope_names`): a scope
        reads as its place (``Axe Sévaré - Koro``), never as an internal id.
    """

    lang: str
    labels: dict[str, str]
    as_of: dt.date
    release_date: dt.date
    delay_days: int
    sources: tuple[dict[str, str], ...]
    downloads: tuple[tuple[str, str], ...]
    policy_version: str
    generator: str
    leaflet_dir: Path
    hub_ids: tuple[tuple[str, str], ...] = ()
    sparse_after: dt.date | None = None
    incident_period: tuple[dt.date, dt.date] | None = None
    scope_names: tuple[tuple[str, str], ...] = ()


#: Renderer of ``index.html``: the folium layer builders of ``layers/`` (the app's own), so it
#: needs the ``app`` extra. The engine never imports ``layers`` or folium: this hook is
#: resolved at run time by :func:`html_renderer`, and without folium the data files are still built.
HTML_RENDERER = ("layers.snapshot", "render_snapshot_html")
#: The one-line message given when the renderer is missing.
NO_RENDERER_NOTE = (
    "index.html (interactive map) not built: it needs the app extra (pip install '.[app]' for folium); "
    "the data files, PNG and metadata are built"
)

HtmlRenderer = Callable[[dict[str, pd.DataFrame], SnapshotPage], str]


def html_renderer() -> HtmlRenderer | None:
    """Find the ``index.html`` renderer (:data:`HTML_RENDERER`); None when folium is not installed."""
    import importlib

    module, name = HTML_RENDERER
    try:
        return getattr(importlib.import_module(module), name)
    except ModuleNotFoundError as exc:
        if exc.name in ("folium", "branca", "jinja2", "layers", module):
            return None
        raise


def render_png(
    layers: dict[str, pd.DataFrame],
    path: Path,
    *,
    title: str,
    subtitle: str,
    lang: str,
    release_date: dt.date,
    produced: dt.date,
    hub_ids: dict[str, str] | None = None,
    sparse_after: dt.date | None = None,
) -> None:
    """Draw the static map of the public layers into ``path`` (PNG).

    Drawn by ``geo.products.printmap.render_map(..., public=True)``, the project's print map:
    admin1, the incident counts per cercle (the public classes of the interactive map),
    the cercles holding public encircled localities, generalised reachable areas, road
    status and the hubs (each in its own colour). Only sanitised layers are handed over (no
    incident or encirclement points).

    Parameters
    ----------
    layers
        Sanitised public layers.
    path
        Output PNG.
    title, subtitle
        Texts of the page.
    lang
        ``"fr"`` or ``"en"``.
    release_date, produced
        Dates printed on the page.
    hub_ids
        Hub name -> hub id (colours follow ids); hubs not listed get their name's colour.
    sparse_after
        Incident counts are sparse after this date: the page says so in a box (the side
        panel's words) and in the legend under the incident classes (:func:`sparse_note`,
        the interactive legend's words). None: no note.
    """
    from geo.products.printmap import MapLayers, render_map

    admin1 = layers["admin1"].rename(columns={"adm1_pcode": "pcode", "adm1_name": "name"})
    names = hub_ids or {}
    reach = layers["reach"]
    # colours follow hub ids; labels use the short names ("Bamako", not "Bamako (national HAWG)")
    bands = reach.assign(hub_id=[names.get(h, h) for h in reach["hub"]], hub=reach["hub"].map(hub_short_name))
    axes = layers["road_status"].set_index("axis_name", drop=False)
    map_layers = MapLayers(
        admin1=admin1,
        bands=bands if len(bands) else None,
        axes=axes if len(axes) else None,
        axis_status=axes[["status"]],
        incident_units=layers["incidents_admin2"],
        encircled_units=layers["encircled_admin2"],
        hubs=layers["hubs"] if len(layers.get("hubs", ())) else None,
        incident_note=None if sparse_after is None else sparse_note(sparse_after, lang),
        note=None
        if sparse_after is None
        else tr("snapmap.sparse", lang, date=format_date(sparse_after, lang)),
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
    renderer: HtmlRenderer | None | str = "auto",
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
        Vendored Leaflet (``leaflet.js``, ``leaflet.css``, ``images/``), inlined into ``index.html``.
    renderer
        ``index.html`` renderer; ``"auto"`` (default) uses :func:`html_renderer` (the app's
        folium layer builders) and None builds no ``index.html`` (the metadata says so).
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
        Leaflet is not vendored (run ``scripts/setup.sh``) and ``index.html`` is to be built.
    SnapshotError
        The target folder exists already (never overwritten).
    ValueError
        Unknown ``lang`` or a negative delay.
    """
    if lang not in I18N_LANGS:
        msg = f"unknown language {lang!r}; expected one of {', '.join(I18N_LANGS)}"
        raise ValueError(msg)
    render = html_renderer() if renderer == "auto" else renderer
    leaflet_dir = Path(leaflet_dir)
    if render is not None and not all((leaflet_dir / f).is_file() for f in ("leaflet.js", "leaflet.css")):
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
        names = scope_names(layers["positions"], inputs)
        links = _write_downloads(layers, tmp / "downloads", lang, names)
        links += [("map.png", t["map_png"]), ("metadata.json", t["metadata"])]
        subtitle = situation_text(as_of, release, int(delay_days), lang)
        hub_ids = _hub_ids(inputs.hubs)
        sparse = facts.get("incidents_sparse_after")
        sparse_date = dt.date.fromisoformat(sparse) if sparse else None
        period = facts["incident_period"]
        render_png(
            layers,
            tmp / "map.png",
            title=t["title"],
            subtitle=subtitle,
            lang=lang,
            release_date=release,
            produced=now.date(),
            hub_ids=dict(hub_ids),
            sparse_after=sparse_date,
        )
        if render is not None:
            page = SnapshotPage(
                lang=lang,
                labels=t,
                as_of=as_of,
                release_date=release,
                delay_days=int(delay_days),
                sources=tuple(inputs.sources),
                downloads=tuple(links),
                policy_version=POLICY_VERSION,
                generator=f"mali-access {__version__}",
                leaflet_dir=leaflet_dir,
                hub_ids=hub_ids,
                sparse_after=sparse_date,
                scope_names=tuple(sorted(names.items())),
                incident_period=(
                    dt.date.fromisoformat(period["start"]),
                    dt.date.fromisoformat(period["end"]),
                ),
            )
            (tmp / "index.html").write_text(render(layers, page), encoding="utf-8")
        else:
            logger.warning("%s", NO_RENDERER_NOTE)
        meta = _metadata(inputs, layers, facts, snapshot_id=snapshot_id, lang=lang, as_of=as_of, now=now)
        meta["release_delay_days"] = int(delay_days)
        meta["interactive_map"] = "index.html" if render is not None else NO_RENDERER_NOTE
        meta["files"] = _file_table(tmp)
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


def publish_snapshot(
    data_dir: Path,
    out_root: Path,
    *,
    store_path: Path | None,
    as_of: dt.date,
    delay_days: int = DEFAULT_DELAY_DAYS,
    lang: str = "fr",
    window_months: int = DEFAULT_WINDOW_MONTHS,
    model: Any = None,
    renderer: HtmlRenderer | None | str = "auto",
    progress: Progress | None = None,
) -> Path:
    """Load the inputs and build a snapshot: what ``python -m geo snapshot`` and the app's button run.

    Parameters
    ----------
    data_dir
        Data folder.
    out_root
        Snapshot root (``Settings.snapshots_dir``).
    store_path
        Project store (constraints, imported incidents, positions), or None.
    as_of, delay_days, lang, window_months
        See :func:`build_snapshot`.
    model
        Model inputs already loaded (the app's shared copy), or None.
    renderer
        ``index.html`` renderer (see :func:`build_snapshot`).
    progress
        Optional ``progress(done, total, label)``.

    Returns
    -------
    Path
        The new snapshot folder.

    Raises
    ------
    AccessMapError
        As raised by :func:`load_snapshot_inputs` and :func:`build_snapshot`.
    """
    inputs = load_snapshot_inputs(Path(data_dir), store_path=store_path, progress=progress, model=model)
    return build_snapshot(
        inputs,
        Path(out_root),
        as_of=as_of,
        delay_days=delay_days,
        lang=lang,
        window_months=window_months,
        renderer=renderer,
        progress=progress,
    )


def _hub_ids(hubs: gpd.GeoDataFrame | None) -> tuple[tuple[str, str], ...]:
    """``(name, hub_id)`` of the hubs (the public reach layer names hubs, colours follow ids)."""
    if hubs is None or len(hubs) == 0:
        return ()
    ids = hubs["hub_id"] if "hub_id" in hubs.columns else hubs.index.to_series()
    return tuple((str(n), str(i)) for n, i in zip(hubs["name"], ids, strict=True))


def road_status_table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return the public road layer with ``status_<lang>``, the status in words, after the ``status`` code.

    The code column stays as it is (machine readers); the label column is in the
    snapshot's language and tagged like the positions' labels (``#status+i_fr``, geo.tables).
    """
    out = frame.copy()
    labels = [ROAD_STATUS.label(str(s), lang) if str(s) in ROAD_STATUS else str(s) for s in out["status"]]
    out.insert(list(out.columns).index("status") + 1, f"status_{lang}", labels)
    return out


def positions_table(frame: pd.DataFrame, lang: str, names: dict[str, str]) -> pd.DataFrame:
    """Return the public positions with ``topic_<lang>`` after ``topic`` and ``place_name`` after ``scope``.

    The codes stay (machine readers, HXL ``#access+position+topic``/``+scope``); the topic in
    words of ``lang`` and the name of the scope's place (``Sévaré - Koro`` for
    ``axis:RN15-SEV-KORO``, "" for a country-wide scope) are what a reader reads, with the
    tags of the GIS exports (``#access+position+topic+i_fr``, ``#loc+name``).

    Parameters
    ----------
    frame
        The public ``positions`` layer.
    lang
        ``{"fr", "en"}``.
    names
        Scope -> place name (:func:`scope_names`).
    """
    from geo.store.positions import topic_label

    out = frame.copy()
    out.insert(
        list(out.columns).index("topic") + 1, f"topic_{lang}", [topic_label(v, lang) for v in out["topic"]]
    )
    out.insert(
        list(out.columns).index("scope") + 1, "place_name", [names.get(str(v), "") for v in out["scope"]]
    )
    return out


def scope_names(positions: pd.DataFrame, inputs: SnapshotInputs) -> dict[str, str]:
    """Return scope -> place name of the published positions (axes, cercles, crossings, localities).

    Names come from the inputs (``geo.products.positions_map.locate``); the positions are
    already the public cut, so no name of a withheld place is looked up.
    """
    from geo.products.positions_map import locate

    if positions is None or len(positions) == 0:
        return {}
    model = inputs.model
    located = locate(
        positions,
        axes=inputs.axes,
        crossings=getattr(model, "crossings", None),
        admin=[a for a in (inputs.admin1, inputs.admin2, inputs.admin3) if a is not None],
        places=getattr(model, "places", None),
        episodes=public_episodes(inputs.encircled_episodes),
    )
    return {str(k): str(v) for k, v in zip(located["scope"], located["place_name"], strict=True) if v}


def _write_downloads(
    layers: dict[str, pd.DataFrame], folder: Path, lang: str = "en", names: dict[str, str] | None = None
) -> list[tuple[str, str]]:
    """Write the public layers as GeoJSON and HXL CSV into ``folder``; returns ``(href, label)``.

    Road status has the status in words in ``lang`` beside its code (:func:`road_status_table`),
    in the CSV and the GeoJSON; positions have their topic in words and the name of their
    place (:func:`positions_table`, ``names`` from :func:`scope_names`).
    """
    folder.mkdir()
    links: list[tuple[str, str]] = []
    for name in DOWNLOADS:
        frame = layers[name]
        if name == "road_status":
            frame = road_status_table(frame, lang)
        elif name == "positions":
            frame = positions_table(frame, lang, names or {})
        if "geometry" in frame.columns:
            dec = GENERALISE["reach" if name == "reach" else "admin2"][1]
            text = json.dumps(
                feature_collection(frame, decimals=dec), ensure_ascii=False, separators=(",", ":")
            )
            (folder / f"{name}.geojson").write_text(text, encoding="utf-8")
            links.append((f"downloads/{name}.geojson", f"{name}.geojson"))
        write_csv(frame, folder / f"{name}.csv")  # text cells made spreadsheet-safe (geo.tables)
        if name == "positions":  # text records: JSON as well (UTF-8, exact text)
            records = json.dumps(frame.to_dict(orient="records"), ensure_ascii=False, indent=1, default=str)
            (folder / "positions.json").write_text(records, encoding="utf-8")
            links.append(("downloads/positions.json", "positions.json"))
        links.append((f"downloads/{name}.csv", f"{name}.csv (HXL)"))
    return links


def _metadata(
    inputs: SnapshotInputs,
    layers: dict[str, pd.DataFrame],
    facts: dict[str, Any],
    *,
    snapshot_id: str,
    lang: str,
    as_of: dt.date,
    now: dt.datetime,
) -> dict[str, Any]:
    """``metadata.json`` content without the file table."""
    return {
        "snapshot_id": snapshot_id,
        "title": labels(lang)["title"],
        "lang": lang,
        "as_of": as_of.isoformat(),
        "release_date": facts["release_date"],
        "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "generator": f"mali-access {__version__}",
        "incident_period": facts["incident_period"],
        "incidents_not_placed": facts["incidents_not_placed"],
        "incident_coverage_end": facts.get("incident_coverage_end"),
        "incidents_sparse_after": facts.get("incidents_sparse_after"),
        "sanitisation_policy": {
            "version": POLICY_VERSION,
            "allow_list": {k: list(v) for k, v in ALLOW_LIST.items()},
            "small_counts": f"1-{SMALL_COUNT_MAX} shown as a range",
            "generalisation": {k: {"simplify_m": v[0], "decimals": v[1]} for k, v in GENERALISE.items()},
            "public_records": "computed from the encirclements marked public only; reachable areas "
            "show access under the publicly known constraints",
            "excluded": EXCLUDED_TEXT,
        },
        "layers": {k: int(len(v)) for k, v in layers.items()},
        "sources": list(inputs.sources),
    }


# --------------------------------------------------------------------------- reading


def read_metadata(folder: Path) -> dict[str, Any]:
    """Read the ``metadata.json`` of a snapshot folder.

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


def list_snapshots(root: Path) -> list[SnapshotInfo]:
    """Snapshots under ``root`` (``Settings.snapshots_dir``), newest as-of date first.

    Folders being built (``.building-*``) and folders without readable metadata are skipped.
    """
    root = Path(root)
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


#: File of a snapshot (its path in the folder without extension, ``""`` for the ZIP of the whole
#: folder) -> catalog key of its download name (:func:`download_name`).
DOWNLOAD_NAME_KEYS = {
    "": "public.file.zip",
    "map": "public.file.map",
    "metadata": "public.file.metadata",
    **{f"downloads/{name}": f"public.file.{name}" for name in DOWNLOADS},
}


def download_name(file: str, as_of: dt.date, lang: str) -> str:
    """Return the name a donor's download of a snapshot file gets, in ``lang``, ASCII only.

    ``acces-mali-etat-des-routes-2026-12-01.geojson`` for ``downloads/road_status.geojson``
    in French; ``mali-access-snapshot-2026-12-01.zip`` for the whole snapshot (``file=""``)
    in English. The files in the folder keep their names (the offline map links to them,
    the metadata's checksums list them); only the download is named for the reader.

    Parameters
    ----------
    file
        Path of the file in the snapshot folder (``downloads/<layer>.<ext>``, ``map.png``,
        ``metadata.json``; another file keeps its own name with the date), or ``""`` for the
        ZIP of the whole snapshot.
    as_of
        The snapshot's date.
    lang
        ``"fr"`` or ``"en"``.

    Returns
    -------
    str
        Lower-case ASCII letters, digits, ``-`` and ``.`` only (accents dropped), with the
        file's extension (``.zip`` for the whole snapshot).
    """
    import unicodedata

    stem, dot, ext = file.rpartition(".") if file else ("", ".", "zip")
    key = DOWNLOAD_NAME_KEYS.get(stem)
    # a file this version does not name (a snapshot published by another version): its own name
    text = tr(key, lang, date=as_of.isoformat()) if key else f"{stem.rpartition('/')[2]}-{as_of.isoformat()}"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9.]+", "-", ascii_text.lower()).strip("-") + dot + ext


def zip_snapshot(folder: Path) -> bytes:
    """Pack the whole snapshot folder as a ZIP archive (for a single download)."""
    folder = Path(folder)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, f"{folder.name}/{p.relative_to(folder).as_posix()}")
    return buf.getvalue()
