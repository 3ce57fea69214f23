"""UI plumbing shared by the pages: settings, session state, cached loaders, progress.

Only this module and the page scripts touch ``st.*``. Expensive engine results are
cached here: ``st.cache_resource`` for the read-only model inputs (one copy for every
session), ``st.cache_data`` for results keyed by hashable values (data folder, as-of
date, bands, season, and the store's state token, so a change saved by any advisor
invalidates every session's cached reach on its next interaction).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st

from geo.errors import AccessMapError
from geo.settings import DEFAULT_BANDS_H, DEFAULT_CELL_KM, resolve_data_dir
from geo.store import default_store_path


def data_dir() -> Path:
    """The data folder (``MALI_ACCESS_DATA``, data/external, ../shared/data)."""
    return resolve_data_dir(None)


def store_path() -> Path:
    """The project store (``MALI_ACCESS_STORE`` or var/store.sqlite)."""
    return default_store_path()


def init_state() -> None:
    """Fill session-state defaults once per session."""
    defaults = {
        "as_of": dt.date.today(),
        "hours": list(DEFAULT_BANDS_H),
        "season": "dry",
        "hub_ids": None,
        "incident_days": 365 * 6,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def show_error(exc: Exception) -> None:
    """Show an engine error in the page (file, row, field) instead of a traceback, and stop."""
    st.error(f"**The data could not be loaded.** {exc}")
    st.info("Check the data folder (`--data DIR` or `MALI_ACCESS_DATA`) and the curated files in data/curated/.")
    st.stop()


def state_token() -> str:
    """Token that changes whenever the constraints store is written."""
    from geo.constraints import state_version

    return state_version(store_path())


def st_progress(label: str):  # noqa: ANN201
    """A ``progress(done, total, text)`` callback drawing an ``st.progress`` bar."""
    bar = st.progress(0.0, text=label)

    def progress(done: int, total: int, text: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {text}")
        if done >= total:
            bar.empty()

    return progress


@st.cache_resource(show_spinner="Loading the base data and building the grid…")
def model_inputs(data_folder: str, cell_km: float = DEFAULT_CELL_KM):  # noqa: ANN201
    """Static model inputs (read-only, shared by every session)."""
    from geo.friction import load_model_inputs

    return load_model_inputs(Path(data_folder), cell_km=cell_km)


@st.cache_data(show_spinner=False)
def hubs_table() -> gpd.GeoDataFrame:
    """Curated HAWG hubs."""
    from geo.curated import read_hubs

    return read_hubs().valid


@st.cache_data(show_spinner=False)
def versions(store: str, token: str):  # noqa: ANN201
    """Constraint version tables (road status, encircled) from the store; keyed on its token."""
    from geo.constraints import load_versions

    return load_versions(Path(store))


@st.cache_data(show_spinner="Computing reachable areas…", max_entries=32)
def reach(data_folder: str, as_of: dt.date, hours: tuple[float, ...], season: str,
          hub_ids: tuple[str, ...], token: str, cell_km: float = DEFAULT_CELL_KM):  # noqa: ANN201
    """Reach bands and localities for the hubs under the state on ``as_of`` (cached)."""
    from geo.reach import compute_reach

    inputs = model_inputs(data_folder, cell_km)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    result = compute_reach(inputs, hubs, road_status_versions=v.road_status,
                           encircled_episodes=v.encircled, as_of=as_of, hours=hours, season=season)
    return result.bands, result.localities


@st.cache_data(show_spinner=False)
def admin(data_folder: str, level: int) -> gpd.GeoDataFrame:
    """Admin units of one level (internal schema)."""
    from geo.admin import load_admin

    return load_admin(Path(data_folder), level)


@st.cache_data(show_spinner="Loading incidents…")
def incidents(data_folder: str, token: str) -> gpd.GeoDataFrame:
    """Incidents of the data folder plus those imported into the store."""
    from geo.incidents import load_incidents

    return load_incidents(Path(data_folder), store_path=store_path())


def constraint_state(as_of: dt.date) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Axis status and encircled episodes (with ``in_force``) on ``as_of``."""
    from geo.reach import state_as_of

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
    from geo.incidents_io import store_token

    return store_token(store_path())


@st.cache_data(show_spinner="Computing the scenario…", max_entries=16)
def reach_scenario(data_folder: str, as_of: dt.date, hours: tuple[float, ...], season: str,
                   hub_ids: tuple[str, ...], token: str, close_axes: tuple[str, ...],
                   open_axes: tuple[str, ...], lift_blockades: tuple[str, ...],
                   scenario_season: str | None) -> dict:
    """As-of reach and a what-if scenario on top of it (cached on every input)."""
    from geo.reach import compute_reach
    from geo.scenario import Scenario, run_scenario

    inputs = model_inputs(data_folder)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    before = compute_reach(inputs, hubs, road_status_versions=v.road_status, encircled_episodes=v.encircled,
                           as_of=as_of, hours=hours, season=season)
    sc = Scenario(name="page scenario", season=scenario_season, close_axes=close_axes, open_axes=open_axes,
                  lift_blockades=lift_blockades)
    out = run_scenario(inputs, hubs, before, sc)
    return {"before": before.bands, "after": out.after.bands, "changes": out.changes,
            "localities": out.localities, "lost": out.lost, "gained": out.gained,
            "after_localities": out.after.localities}
