"""What the live map page shows, for one set of choices and one role, outside the page script.

``views/live_map.py`` calls :func:`live_state` and :func:`live_map_payload`: the map is
rendered once per state, role and language for every session (:func:`views.maps.shared_map`).
Rendering it in the server's warm-up for each signed-in role was tried: with 10 viewers
arriving at a server just started it showed no gain within this VM's spread (live map max
10.6-17.4 s either way, ``bench/bench_load.py``), and it renders maps for roles nobody may ask for.
Tried again once ``server.py`` ran the warm-up before serving, for the three roles: slowest
live map 7.3-10.9 s in four runs against 7.8-10.8 s without, and the server ready 2.5 s later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from geo.model.incidents import time_window
from geo.products import policy
from geo.products.i18n import format_number, tr
from layers.live import build_live_map
from views import common, maps
from views.positions_panel import located_positions


@dataclass(frozen=True)
class LiveState:
    """The live page's inputs for one set of choices and one role (read-only, from the shared caches).

    ``axis_status`` and ``episodes`` carry the role's fields only (``geo/products/policy.py``);
    ``bands``/``localities`` are None without a hub or a band.
    """

    inputs: Any
    axis_status: pd.DataFrame
    episodes: gpd.GeoDataFrame
    bands: gpd.GeoDataFrame | None
    localities: pd.DataFrame | None
    located: gpd.GeoDataFrame
    token: str


def _source_titles(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with its ``source`` keys (``S-NH-2025-10``) as their titles (``source_text``)."""
    if "source" not in table.columns:
        return table
    return table.assign(source=[common.source_text(v) for v in table["source"]])


def live_state(
    folder: str, *, as_of: dt.date, hub_ids: tuple, hours: tuple, season: str, role: str
) -> LiveState:
    """Return the live page's inputs for these choices (bands ``hours`` in h, hub ids, as-of date, role)."""
    token = common.state_token()
    inputs = common.model_inputs(folder)
    axis_status, _ = common.constraint_state(as_of)
    episodes = common.encircled_with_population(folder, as_of)
    # the policy decides which fields this role receives: dropped here, before any layer is
    # built, so they are in no popup and nowhere in the page data (geo/products/policy.py)
    axis_status = policy.for_role(axis_status, "road_status", role)
    episodes = policy.for_role(episodes, "encircled", role)
    if policy.may_see_restricted(role):  # their sources read by title, as in the Constraints tables
        axis_status, episodes = _source_titles(axis_status), _source_titles(episodes)
    bands, localities = (
        common.reach(folder, as_of, tuple(sorted(hours)), season, tuple(hub_ids), token)
        if hub_ids and hours
        else (None, None)
    )
    located = located_positions(str(common.store_path()), folder, role)
    return LiveState(inputs, axis_status, episodes, bands, localities, located, token)


def live_map_payload(
    folder: str,
    state: LiveState,
    *,
    as_of: dt.date,
    hub_ids: tuple,
    hours: tuple,
    season: str,
    window: int,
    show_admin3: bool,
    role: str,
    lang: str,
) -> str:
    """Return the live map's document (:func:`views.maps.shared_map`) for these choices, role and language.

    ``window``: days of incidents before ``as_of``. Built by the first session (or the
    warm-up) that asks; the key holds every input of the map.
    """
    incidents_key = f"{state.token}|{common.incidents_token()}"
    hubs = common.hubs_table()

    def build():  # noqa: ANN202
        # the inputs only the map needs are read here, so a session whose map is already
        # built does not read them
        incidents = common.incidents(folder, incidents_key)
        recent = policy.for_role(time_window(incidents, as_of=as_of, days=int(window)), "incidents", role)
        return build_live_map(
            as_of=as_of,
            admin1=common.admin(folder, 1),
            admin2=common.admin(folder, 2),
            admin3=common.admin(folder, 3) if show_admin3 else None,
            roads=state.inputs.roads,
            axes=state.inputs.axes,
            axis_status=state.axis_status,
            episodes=state.episodes,
            hubs=hubs,
            hub_ids=list(hub_ids),
            bands=state.bands,
            incidents=recent,
            incidents_label=tr(
                "map.layer_incidents",
                lang,
                n=format_number(len(recent), lang),
                days=format_number(window, lang),
            ),
            restricted=policy.may_see_restricted(role),
            towns=common.towns(folder),
            network=state.inputs.network,
            crossings=state.inputs.crossings,
            crossing_status=common.crossing_status(as_of),
            water=common.water(folder),
            positions=state.located,
            lang=lang,
            stale_days=common.settings().stale_days,
        )

    key = (
        "live",
        common.data_fingerprint(folder),
        state.token,
        incidents_key,
        common.positions_token(),
        as_of,
        tuple(hub_ids),
        tuple(sorted(hours)),
        season,
        int(window),
        bool(show_admin3),
        role,
        lang,
    )
    return maps.shared_map(key, build)
