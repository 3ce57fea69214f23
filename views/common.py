"""UI plumbing shared by the pages: settings, session state, cached loaders, progress.

Only this module and the page scripts touch ``st.*``. Expensive engine results are
cached here: ``st.cache_resource`` for the read-only model inputs (one copy for every
session), ``st.cache_data`` for results keyed by hashable values (data folder, as-of
date, bands, season, and the store's state token, so a change saved by any advisor
invalidates every session's cached reach on its next interaction).
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.config import DEFAULT_BANDS_H, ENV_VARS, Settings
from geo.errors import AccessMapError
from geo.escape import markdown_text


def settings() -> Settings:
    """Return the app's settings, resolved once from the environment and the defaults.

    See :class:`geo.config.Settings`: ``MALI_ACCESS_DATA``, ``MALI_ACCESS_STORE``,
    ``MALI_ACCESS_USERS``, ``MALI_ACCESS_SNAPSHOTS``, ``MALI_ACCESS_CELL_KM`` and
    ``MALI_ACCESS_LANG``; without them, ``var/`` in the checkout. Resolved once per
    distinct value of these variables (a server has one; tests change them between apps).
    """
    return _settings_for(tuple(os.environ.get(name, "") for name in ENV_VARS.values()))


@functools.lru_cache(maxsize=8)
def _settings_for(values: tuple[str, ...]) -> Settings:
    return Settings.resolve(environ=dict(zip(ENV_VARS.values(), values, strict=True)))


def lang() -> str:
    """Return the language of this session: its choice (``st.session_state["lang"]``), else the settings'."""
    chosen = st.session_state.get("lang")
    return chosen if chosen in ("fr", "en") else settings().lang


def data_dir() -> Path:
    """Return the data folder of :func:`settings`, checked to exist."""
    return settings().require_data_dir()


def store_path() -> Path | str:
    """Return the project store of :func:`settings` (a SQLite file, or a PostgreSQL URL string)."""
    return settings().store_path


#: Season choice meaning "the season the calendar gives for the as-of date".
SEASON_BY_DATE = "date"
#: Season choices of the pages, first the as-of date's own season.
SEASON_CHOICES = [SEASON_BY_DATE, "dry", "rainy"]


def season_arg(choice: str) -> str | None:
    """Return the engine's season for a page choice (None: follow the as-of date)."""
    return None if choice == SEASON_BY_DATE else choice


def season_label(choice: str) -> str:
    """Return the label of a season choice on the pages."""
    return "by date" if choice == SEASON_BY_DATE else choice


def init_state() -> None:
    """Fill session-state defaults once per session."""
    defaults = {
        "as_of": dt.date.today(),
        "hours": list(DEFAULT_BANDS_H),
        "season": SEASON_BY_DATE,
        "hub_ids": None,
        "incident_days": 365 * 6,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    # The as-of date is shared by the pages through the widget key "as_of" (live map,
    # reachability, constraints). Streamlit drops a widget's value on a run of a page
    # without that widget, so the next page's date input would start from today:
    # storing it again as a plain session value (before any widget) keeps it across pages.
    st.session_state["as_of"] = st.session_state["as_of"]


def show_error(exc: Exception) -> None:
    """Show an engine error in the page (file, row, field) instead of a traceback, and stop."""
    from geo.errors import StoreError

    if isinstance(exc, StoreError):
        st.error(f"**The project store could not be used.** {markdown_text(exc)}")
        st.info("Nothing was changed in the store. Ask the administrator to check the file named above.")
    else:
        st.error(f"**The data could not be loaded.** {markdown_text(exc)}")
        st.info(
            "Check the data folder (`--data DIR` or `MALI_ACCESS_DATA`) and the curated files in "
            "data/curated/."
        )
    st.stop()


def state_token() -> str:
    """Token that changes whenever the constraints store is written (a store fault is shown, then stops)."""
    from geo.store.constraints import state_version

    return guarded(state_version, store_path())


def st_progress(label: str):  # noqa: ANN201
    """Return a ``progress(done, total, text)`` callback drawing an ``st.progress`` bar."""
    bar = st.progress(0.0, text=label)

    def progress(done: int, total: int, text: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {text}")
        if done >= total:
            bar.empty()

    return progress


# --- Fingerprints of the files behind the caches ---------------------------------------------------


def _keyed_on_data(cached):  # noqa: ANN001, ANN202
    """Wrap a cached function ``f(data_folder, fingerprint, ...)`` as ``f(data_folder, ...)``.

    The wrapper adds :func:`data_fingerprint` of the folder, so the cache key changes
    when a data file changes; callers keep the short signature.
    """
    import functools

    @functools.wraps(cached)
    def call(data_folder: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return cached(data_folder, data_fingerprint(data_folder), *args, **kwargs)

    call.clear = cached.clear
    return call


#: SHA-256 of a file's content, by (path, size, mtime_ns): a file is hashed again only when it changed.
_HASHES: dict[tuple[str, int, int], str] = {}


def file_fingerprint(path: Path) -> str:
    """``size:mtime_ns:sha256[:16]`` of a file (the hash is memoised on size and mtime)."""
    import hashlib

    st_ = path.stat()
    key = (str(path), st_.st_size, st_.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()[:16]
    return f"{st_.st_size}:{st_.st_mtime_ns}:{_HASHES[key]}"


def data_fingerprint(data_folder: str) -> str:
    """Fingerprint of every data file a cached result depends on.

    The files of the data folder (recursively, hidden ones skipped), the curated CSVs
    and the manifest and zone rules of the project: replacing, editing or adding any of
    them gives a new fingerprint, so the cached loaders keyed on it load again.
    """
    import hashlib

    from geo.config import CURATED_DIR, MANIFEST_PATH, SHIPPED_DATA

    files = [
        *sorted(f for f in Path(data_folder).rglob("*") if f.is_file() and not f.name.startswith(".")),
        *sorted(CURATED_DIR.glob("*.csv")),
        MANIFEST_PATH,
        SHIPPED_DATA / "zones_rules.csv",
    ]
    parts = [f"{f}={file_fingerprint(f)}" for f in files if f.is_file()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def curated_fingerprint() -> str:
    """Fingerprint of the curated CSVs (hubs, axes, seeds)."""
    import hashlib

    from geo.config import CURATED_DIR

    parts = [f"{f}={file_fingerprint(f)}" for f in sorted(CURATED_DIR.glob("*.csv"))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner="Loading the base data and building the grid…", max_entries=2)
def _model_inputs(data_folder: str, cell_km: float | None, fingerprint: str):  # noqa: ANN202
    from geo.model.friction import load_model_inputs

    return load_model_inputs(Path(data_folder), cell_km=cell_km or settings().cell_km)


def model_inputs(data_folder: str, cell_km: float | None = None):  # noqa: ANN201
    """Return the static model inputs (read-only, shared; rebuilt when a data file changes); km cells."""
    return _model_inputs(data_folder, cell_km, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _hubs_table(fingerprint: str) -> gpd.GeoDataFrame:
    from geo.sources.curated import read_hubs

    return read_hubs().valid


def hubs_table() -> gpd.GeoDataFrame:
    """Curated HAWG hubs (read again when a curated CSV changes)."""
    return _hubs_table(curated_fingerprint())


@st.cache_data(show_spinner=False)
def versions(store: str, token: str):  # noqa: ANN201
    """Constraint version tables (road status, encircled) from the store; keyed on its token."""
    from geo.store.constraints import load_versions
    from geo.store.db import store_location

    return load_versions(store_location(store))


@st.cache_data(show_spinner="Computing reachable areas…", max_entries=32)
def _reach(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    cell_km: float | None = None,
):  # noqa: ANN201
    """Reach bands and localities for the hubs under the state on ``as_of`` (cached)."""
    from geo.model.reach import compute_reach

    inputs = model_inputs(data_folder, cell_km)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    result = compute_reach(
        inputs,
        hubs,
        road_status_versions=v.road_status,
        encircled_episodes=v.encircled,
        crossing_versions=v.crossing_status,
        as_of=as_of,
        hours=hours,
        season=season_arg(season),
    )
    return result.bands, result.localities


reach = _keyed_on_data(_reach)


@st.cache_data(show_spinner=False)
def _admin(data_folder: str, level: int, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.sources.admin import load_admin

    return load_admin(Path(data_folder), level)


def admin(data_folder: str, level: int) -> gpd.GeoDataFrame:
    """Admin units of one level (internal schema; read again when a data file changes)."""
    return _admin(data_folder, level, data_fingerprint(data_folder))


@st.cache_data(show_spinner="Loading incidents…")
def _incidents(data_folder: str, token: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.model.incidents import load_incidents

    return load_incidents(Path(data_folder), store_path=store_path())


def incidents(data_folder: str, token: str) -> gpd.GeoDataFrame:
    """Incidents of the data folder plus those imported into the store (keyed on both)."""
    return _incidents(data_folder, token, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _towns(data_folder: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.products.printmap import main_towns

    return main_towns(model_inputs(data_folder).places)  # WORK_CRS; the layer draws it in EPSG:4326


def towns(data_folder: str) -> gpd.GeoDataFrame:
    """Return the main towns labelled on the maps (``geo.products.printmap.MAIN_TOWNS`` found)."""
    return _towns(data_folder, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _water(data_folder: str, fingerprint: str) -> gpd.GeoDataFrame | None:
    from layers.water import load_water

    return load_water(Path(data_folder))


def water(data_folder: str) -> gpd.GeoDataFrame | None:
    """Rivers and lakes of the data folder (EPSG:4326), or None."""
    return _water(data_folder, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False, max_entries=16)
def _encircled_population(data_folder: str, as_of: dt.date, token: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.model.severity import with_population

    _, episodes = constraint_state(as_of)
    return with_population(episodes, Path(data_folder))


def encircled_with_population(data_folder: str, as_of: dt.date) -> gpd.GeoDataFrame:
    """Encircled episodes on ``as_of`` (``in_force``) with the people inside each no-entry disc."""
    return _encircled_population(data_folder, as_of, state_token(), data_fingerprint(data_folder))


def constraint_state(as_of: dt.date) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Axis status and encircled episodes (with ``in_force``) on ``as_of``."""
    from geo.model.reach import state_as_of

    inputs = model_inputs(str(data_dir()))
    v = versions(str(store_path()), state_token())
    return state_as_of(inputs, v.road_status, v.encircled, as_of)


def guarded(fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """Call ``fn``; an engine error is shown in the page and stops the script."""
    try:
        return fn(*args, **kwargs)
    except AccessMapError as exc:
        show_error(exc)


def incidents_token() -> str:
    """Token that changes whenever incidents are imported into the store (cache key)."""
    from geo.store.incidents import store_token

    return guarded(store_token, store_path())


# --- Reachability page: scenario builder, cached "before" reach, downloads -------------------------

#: A blockade added in the page: ``(locality, lon, lat, radius_km)`` (EPSG:4326), hashable for the caches.
BlockadeKey = tuple[str, float, float, float]


@st.cache_resource(show_spinner="Computing reachable areas…", max_entries=8)
def _reach_before(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
):  # noqa: ANN201
    """Return the as-of reach a scenario is diffed against (``geo.model.reach.ReachResult``, with its cells).

    Kept once per state in ``st.cache_resource`` (read-only, shared by every session): a
    new scenario on the same state then costs only the scenario, not the as-of reach
    again, and the result (tens of MB of cell lists) is never pickled.
    """
    from geo.model.reach import compute_reach

    inputs = model_inputs(data_folder)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    return compute_reach(
        inputs,
        hubs,
        road_status_versions=v.road_status,
        encircled_episodes=v.encircled,
        crossing_versions=v.crossing_status,
        as_of=as_of,
        hours=hours,
        season=season_arg(season),
    )


reach_before = _keyed_on_data(_reach_before)


@st.cache_data(show_spinner="Computing the scenario…", max_entries=16)
def _reach_scenario(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    close_axes: tuple[str, ...],
    open_axes: tuple[str, ...],
    lift_blockades: tuple[str, ...],
    scenario_season: str | None,
    constrain_axes: tuple[str, ...] = (),
    add_blockades: tuple[BlockadeKey, ...] = (),
) -> dict:
    """As-of reach and a what-if scenario on top of it (cached on every input).

    Parameters
    ----------
    data_folder, as_of, hours, season, hub_ids, token
        The as-of state (see :func:`reach`).
    close_axes, open_axes, constrain_axes
        Axis ids the scenario closes, opens, constrains (``geo.model.scenario.Scenario``).
    lift_blockades
        Encircled localities in force whose no-entry zone is lifted.
    scenario_season
        Season of the scenario, or None for the as-of season.
    add_blockades
        New no-entry zones ``(locality, lon, lat, radius_km)``.

    Returns
    -------
    dict
        ``before``, ``after`` (bands), ``changes``, ``localities``, ``lost``, ``gained``,
        ``after_localities`` and ``axis_status_after`` (status per axis under the scenario).
    """
    from geo.model.scenario import Blockade, Scenario, run_scenario

    inputs = model_inputs(data_folder)
    hubs = hubs_table().loc[list(hub_ids)]
    before = reach_before(data_folder, as_of, hours, season, hub_ids, token)
    sc = Scenario(
        name="page scenario",
        season=scenario_season,
        close_axes=close_axes,
        open_axes=open_axes,
        constrain_axes=constrain_axes,
        lift_blockades=lift_blockades,
        add_blockades=tuple(Blockade(*b) for b in add_blockades),
    )
    out = run_scenario(inputs, hubs, before, sc)
    status_after = out.after.state.axis_status if out.after.state is not None else None
    return {
        "before": before.bands,
        "after": out.after.bands,
        "changes": out.changes,
        "localities": out.localities,
        "lost": out.lost,
        "gained": out.gained,
        "after_localities": out.after.localities,
        "axis_status_after": None if status_after is None else status_after[["status"]].copy(),
    }


reach_scenario = _keyed_on_data(_reach_scenario)


_ROUTE_REF = re.compile(r"^(RN\d+)\b")


def axis_label(axis_id: str, axis_name: str, route_ref: object, status: str | None = None) -> str:
    """Return a short, readable axis label: ``"RN16 Sévaré–Douentza · closed"``.

    The route number comes first when the reference is a national road (``RN16``),
    place names are joined by en dashes and a trailing remark in brackets is dropped.

    Parameters
    ----------
    axis_id
        Fallback when the name is empty.
    axis_name
        Curated name (``"Sévaré - Douentza"``).
    route_ref
        Curated route reference (``"RN16"``, ``"track"``, NaN).
    status
        Status to append, or None.

    Returns
    -------
    str
    """
    name = re.sub(r"\s*\([^)]*\)\s*$", "", str(axis_name or "")).strip() or axis_id
    name = re.sub(r"\s+-\s+", "–", name)
    ref = _ROUTE_REF.match(str(route_ref or ""))
    text = f"{ref.group(1)} {name}" if ref and not name.startswith(ref.group(1)) else name
    return f"{text} · {status}" if status else text


@st.cache_resource(show_spinner=False)
def _place_choices(data_folder: str, fingerprint: str) -> pd.DataFrame:
    """Return the model's localities as blockade candidates, sorted by label (read-only, shared).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``place_id``: ``label`` (``"Boni (Douentza, Mopti)"``; with the
        coordinates when that is not unique), ``name``, ``lon``, ``lat`` (EPSG:4326).
        Kept in ``st.cache_resource`` (15 000 rows, not copied on every rerun): do not
        modify it.
    """
    from geo.model.reach import place_lonlat

    inputs = model_inputs(data_folder)
    places = inputs.places
    lon, lat = place_lonlat(
        inputs
    )  # a blockade is given by its centre in lon/lat (geo.model.scenario.Blockade)
    where = places["adm2_name"].fillna("").astype(str) + ", " + places["adm1_name"].fillna("").astype(str)
    label = places["name"].astype(str) + " (" + where.str.strip(", ") + ")"
    dup = label.duplicated(keep=False)
    label[dup] = label[dup].str[:-1] + [
        f", {y:.3f}N {x:.3f}E)" for x, y in zip(lon[dup.to_numpy()], lat[dup.to_numpy()], strict=True)
    ]
    out = pd.DataFrame(
        {"label": label, "name": places["name"].astype(str), "lon": lon.round(5), "lat": lat.round(5)},
        index=places.index,
    )
    return out.sort_values("label", key=lambda s: s.str.casefold())


place_choices = _keyed_on_data(_place_choices)


@st.cache_resource(show_spinner=False)
def _place_labels(data_folder: str, fingerprint: str) -> dict:
    """Return ``{place_id: label}`` of :func:`place_choices`, in label order (read-only, shared)."""
    return place_choices(data_folder)["label"].to_dict()


place_labels = _keyed_on_data(_place_labels)


def hours_text(value: float, *, limit_h: float) -> str:
    """Format a travel time for a table: ``"5.3 h"``, or ``"not reached (> 12 h)"`` if NaN/infinite."""
    if value is None or not np.isfinite(value):
        return f"not reached (> {limit_h:g} h)"
    return f"{value:.1f} h"


def scenario_gpkg(out: dict) -> bytes:
    """Write the scenario as one GeoPackage (EPSG:4326) and return its bytes.

    Layers as ``python -m geo reach --scenario`` writes them (``geo.products.reach_files.write_reach``):
    ``reachable_areas`` (under the scenario), ``reachable_areas_before``, ``area_lost``
    and ``area_gained`` (bands with a change only), ``scenario_localities`` (points) and
    the attribute table ``scenario_changes``.

    Parameters
    ----------
    out
        :func:`reach_scenario` result.

    Returns
    -------
    bytes
    """
    import tempfile

    from geo.io import write_layers
    from geo.products.reach_files import bands_layer, scenario_layers

    layers = {
        "reachable_areas": bands_layer(out["after"]),
        **scenario_layers(
            before=out["before"],
            lost=out["lost"],
            gained=out["gained"],
            localities=out["localities"],
            changes=out["changes"],
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reach_scenario.gpkg"
        write_layers(layers, path)
        return path.read_bytes()


def scenario_csv(localities: pd.DataFrame) -> bytes:
    """Return the localities lost or gained as CSV (UTF-8) with an HXL hashtag row under the header.

    The band limit is written as ``band_h`` (``#indicator+band_h``), apart from the
    travel times (``#indicator+travel_time_h+before`` / ``+after``); ``place_id`` and
    ``hub_id`` are kept for joins. Written by ``geo.tables.csv_text`` (text cells spreadsheet-safe).
    Travel times (hours, 2 decimals) not reached within the largest band are left empty.

    Parameters
    ----------
    localities
        ``geo.model.scenario.LOCALITY_CHANGE_COLUMNS``.

    Returns
    -------
    bytes
    """
    from geo.tables import csv_text

    table = localities.rename(columns={"hours": "band_h"}).round(
        {"travel_time_h_before": 2, "travel_time_h_after": 2}
    )
    return csv_text(table).encode("utf-8")


@st.cache_data(show_spinner=False, max_entries=8)
def _scenario_downloads(key: tuple, _out: dict) -> tuple[bytes, bytes]:
    return scenario_gpkg(_out), scenario_csv(_out["localities"])


def scenario_downloads(key: tuple, _out: dict) -> tuple[bytes, bytes]:
    """Return the GeoPackage and CSV bytes of one scenario, cached on ``key`` and the data files."""
    return _scenario_downloads((*key, data_fingerprint(key[0])), _out)


@st.cache_data(show_spinner=False)
def _map_base(data_folder: str, fingerprint: str) -> dict:
    """Return the scenario map's simplified country outline, regions and axes (once per data folder)."""
    from layers.scenario import base_frames

    return base_frames(admin(data_folder, 0), admin(data_folder, 1), model_inputs(data_folder).axes)


map_base = _keyed_on_data(_map_base)


@st.cache_data(show_spinner=False, max_entries=16)
def _scenario_map_frames(key: tuple, _out: dict) -> dict:
    from layers.scenario import display_frames

    return {
        **_before_map_frames((*key[:6], key[-1]), _out),
        **display_frames({"after": _out["after"], "lost": _out["lost"], "gained": _out["gained"]}),
    }


def scenario_map_frames(key: tuple, _out: dict) -> dict:
    """Return a scenario's polygons simplified for the map, every band (cached on the scenario's ``key``).

    The key is extended with the data folder's fingerprint (``key[0]`` is the folder).
    The as-of bands are simplified once per state (``key[:6]``: folder, date, bands,
    season, hubs, store token, and the fingerprint), not once per scenario.
    """
    return _scenario_map_frames((*key, data_fingerprint(key[0])), _out)


@st.cache_data(show_spinner=False, max_entries=8)
def _before_map_frames(state_key: tuple, _out: dict) -> dict:
    from layers.scenario import display_frames

    return display_frames({"before": _out["before"]})
