"""Which axes and crossings matter most: close each in turn and count who is cut off, per hub.

For the state of the constraints on an as-of date, every named axis still usable (open,
constrained, or of unknown status, which the model drives as open) and every crossing
usable by vehicles is closed alone, on top of that state, as a what-if scenario
(``geo.model.scenario.Scenario(close_axes=...)`` or ``close_crossings=...``). Each closure
goes through the project's one reach difference (``geo.model.scenario.run_change``, cell
exact, recomputing only the hubs it can affect, from the friction of the as-of state
patched along the closed item: ``geo.model.friction.patch_friction``).

*Cut off from a hub* means no longer reachable within the hub's largest band: the
people (WorldPop, whole cells) and the localities that leave that band. Items are ranked
per hub by people cut off, then localities, then km², then id. The closures run as a batch
(``geo.model.batch``): in this process or on a dask cluster, with identical results.
"""

from __future__ import annotations

import datetime as dt
import logging

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import WORK_CRS
from geo.model.batch import BatchContext, Call, Progress, Runner, change_task, state_key
from geo.model.friction import crossing_state
from geo.model.reach import ReachState
from geo.model.scenario import Scenario
from geo.sources.curated import axis_label, crossing_label

logger = logging.getLogger(__name__)

#: Columns of the criticality table (one row per item and hub).
CRITICALITY_COLUMNS = [
    "rank",
    "kind",
    "item_id",
    "item_name",
    "status",
    "hub_id",
    "hub",
    "band_h",
    "population_lost",
    "localities_lost",
    "km2_lost",
    "localities_named",
]
#: Locality names listed per row (the others are counted in ``localities_lost``).
MAX_NAMES = 10
KINDS = ("axis", "crossing")


def criticality_items(inputs: object, state: ReachState) -> gpd.GeoDataFrame:
    """Return the axes and crossings a closure could cut, under ``state``.

    Parameters
    ----------
    inputs
        Static model inputs (``geo.model.friction.ModelInputs``).
    state
        The as-of state (``geo.model.reach.base_state``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``kind`` ({"axis", "crossing"}), ``item_id``, ``item_name``, ``status`` (in force),
        geometry (axis line or crossing point, WORK_CRS): every axis not closed, in
        ``inputs.axes`` order, then every crossing usable by vehicles under the state
        (not closed, in season, carrying vehicles, on a mapped river), in
        ``inputs.crossings`` order. A closed or unusable item cannot be cut further.
    """
    rows = []
    status = state.axis_status["status"]
    status = status[~status.index.duplicated(keep="last")].reindex(inputs.axes.index).fillna("unknown")
    for axis_id, axis in inputs.axes.iterrows():
        if status[axis_id] == "closed":
            continue
        name = axis_label(str(axis_id), axis.get("axis_name"), axis.get("route_ref"))
        rows.append(("axis", str(axis_id), name, str(status[axis_id]), axis.geometry))
    if inputs.crossings is not None and len(inputs.crossings):
        usable = crossing_state(inputs, state.crossing_status, state.season)
        for cid, crossing in inputs.crossings.iterrows():
            if not usable.at[cid, "usable"] or len(crossing["cells"]) == 0:
                continue
            name = crossing_label(str(cid), crossing.get("name"), crossing.get("river"))
            rows.append(("crossing", str(cid), name, str(usable.at[cid, "status"]), crossing.geometry))
    return gpd.GeoDataFrame(
        pd.DataFrame(rows, columns=["kind", "item_id", "item_name", "status", "geometry"]),
        geometry="geometry",
        crs=WORK_CRS,
    )


def closure_of(kind: str, item_id: str) -> Scenario:
    """Return the scenario closing one item (``kind`` in :data:`KINDS`).

    Raises
    ------
    ValueError
        Unknown kind.
    """
    if kind == "axis":
        return Scenario(name=f"close {item_id}", close_axes=(item_id,), source="criticality")
    if kind == "crossing":
        return Scenario(name=f"close {item_id}", close_crossings=(item_id,), source="criticality")
    msg = f"kind must be one of {KINDS}, got {kind!r}"
    raise ValueError(msg)


def _names(localities: pd.DataFrame) -> str:
    names = [str(n) for n in localities["locality"]]
    return "; ".join(names[:MAX_NAMES])


def criticality(
    ctx: BatchContext,
    state: ReachState,
    runner: Runner,
    *,
    as_of: dt.date,
    items: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Close each item in turn and rank the items by people and localities cut off, per hub.

    Parameters
    ----------
    ctx
        Batch context (inputs, hubs, bands: the largest band is the cut-off limit).
    state
        The as-of state the closures are applied to.
    runner
        Where the closures run (``geo.model.batch.open_runner``).
    as_of
        Date of the state (reported).
    items
        The items to close (default :func:`criticality_items`).
    progress
        ``progress(done, total, label)`` as each closure ends.

    Returns
    -------
    geopandas.GeoDataFrame
        ``CRITICALITY_COLUMNS`` and the item's geometry (WORK_CRS), one row per (item,
        hub), by hub (``ctx.hubs`` order) then ``rank`` (1 = cuts off the most people
        from that hub). ``band_h``: the band (hours) whose loss is counted;
        ``population_lost`` in people, ``km2_lost`` in km² (whole cells);
        ``localities_named``: the first :data:`MAX_NAMES` names of the localities cut off,
        joined by ``"; "`` (no text in any language: the others are ``localities_lost`` less
        those named).
    """
    if items is None:
        items = criticality_items(ctx.inputs, state)
    key = state_key(ctx.inputs, state)
    calls = [
        Call(change_task, (state, as_of, closure_of(k, i), key), f"{k} {i}")
        for k, i in zip(items["kind"], items["item_id"], strict=True)
    ]
    results = runner.run(ctx, calls, progress)
    band_h = float(ctx.hours[-1])
    hub_names = dict(zip(ctx.hubs["hub_id"], ctx.hubs["name"], strict=True))
    rows = []
    for item, (changes, localities, _seconds) in zip(items.itertuples(index=False), results, strict=True):
        last = changes[changes["hours"] == band_h].set_index("hub_id")
        lost = localities[(localities["hours"] == band_h) & (localities["change"] == "lost")]
        for hub_id in ctx.hubs["hub_id"]:
            row = last.loc[hub_id] if hub_id in last.index else None
            rows.append(
                {
                    "kind": item.kind,
                    "item_id": item.item_id,
                    "item_name": item.item_name,
                    "status": item.status,
                    "hub_id": hub_id,
                    "hub": hub_names[hub_id],
                    "band_h": band_h,
                    "population_lost": 0.0 if row is None else float(row["population_lost"]),
                    "localities_lost": 0 if row is None else int(row["localities_lost"]),
                    "km2_lost": 0.0 if row is None else float(row["km2_lost"]),
                    "localities_named": _names(lost[lost["hub_id"] == hub_id]),
                    "geometry": item.geometry,
                }
            )
    if not rows:
        return gpd.GeoDataFrame(columns=[*CRITICALITY_COLUMNS, "geometry"], geometry="geometry", crs=WORK_CRS)
    table = pd.DataFrame(rows)
    order = {h: k for k, h in enumerate(ctx.hubs["hub_id"])}
    table["_hub"] = table["hub_id"].map(order)
    table = table.sort_values(
        ["_hub", "population_lost", "localities_lost", "km2_lost", "item_id"],
        ascending=[True, False, False, False, True],
        kind="stable",
    )
    table["rank"] = table.groupby("_hub").cumcount().astype(np.int64) + 1
    table = table.drop(columns="_hub").reset_index(drop=True)
    logger.info("criticality as of %s: %d items x %d hubs", as_of, len(items), len(ctx.hubs))
    return gpd.GeoDataFrame(table[[*CRITICALITY_COLUMNS, "geometry"]], geometry="geometry", crs=WORK_CRS)


def most_critical(table: pd.DataFrame) -> pd.DataFrame:
    """One row per item: its largest loss over the hubs and the hub it is cut from.

    Returns
    -------
    pandas.DataFrame
        ``kind``, ``item_id``, ``item_name``, ``status``, ``hub`` (where most people are
        cut off), ``population_lost``, ``localities_lost`` (at that hub),
        ``hubs_affected`` (hubs losing anyone or any locality), ``geometry``; sorted by
        people then localities cut off.
    """
    if table.empty:
        cols = ["kind", "item_id", "item_name", "status", "hub", "population_lost", "localities_lost"]
        return pd.DataFrame(columns=[*cols, "hubs_affected", "geometry"])
    hit = (table["population_lost"] > 0) | (table["localities_lost"] > 0)
    affected = hit.groupby(table["item_id"]).sum().astype(np.int64)
    best = (
        table.sort_values(["population_lost", "localities_lost"], ascending=False, kind="stable")
        .drop_duplicates("item_id")
        .copy()
    )
    best["hubs_affected"] = best["item_id"].map(affected).to_numpy()
    cols = ["kind", "item_id", "item_name", "status", "hub", "population_lost", "localities_lost"]
    return best[[*cols, "hubs_affected", "geometry"]].reset_index(drop=True)
