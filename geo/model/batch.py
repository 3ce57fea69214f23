"""Many reach runs at once: as-of dates, seasons, scenarios and hubs, in this process or on dask.

A batch is a list of :class:`ReachJob` (an as-of date, an optional season override, an
optional what-if scenario, optional hubs). The client side (this process) turns each
job into the :class:`geo.model.reach.ReachState` in force on its date (it alone reads
the store) and hands the states to a :class:`Runner`:

* :class:`LocalRunner` runs the tasks one after the other in this process (the
  reference path, and the app's);
* :class:`DaskRunner` submits them to a ``dask.distributed`` cluster: a ``LocalCluster``
  of worker processes by default (:func:`open_runner`), or an existing scheduler. The
  static model inputs and the hubs go to every worker once (``Client.scatter``, so the
  workers need no data folder nor store), then one small task per job.

Both run the same task functions (:func:`reach_task`, :func:`change_task`), which call
the engine exactly as a single-process run does (``reach_from_state``; a scenario through
``geo.model.scenario.run_scenario`` on top of the as-of reach, the project's one
difference), so their results are identical (tested). A worker keeps the last as-of
reach results it computed (:data:`BASE_CACHE_SIZE`), so the scenarios of one state
share one as-of reach per worker, as they do in one process.

Jobs whose state, scenario and hubs are the same are computed once
(:func:`state_key`: a week whose constraints, season and active flood zones did not
change costs nothing in a weekly series).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import logging
import os
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import DEFAULT_BANDS_H, STORAGE_CRS, WORK_CRS
from geo.errors import ClusterError
from geo.model.friction import ModelInputs, patch_friction
from geo.model.reach import ReachResult, ReachState, base_state, reach_from_state
from geo.model.scenario import Scenario, apply_scenario, run_change
from geo.store.constraints import ConstraintVersions

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
#: As-of reach results a worker (or this process) keeps for the scenarios that follow.
BASE_CACHE_SIZE = 2
#: Columns of a batch result table (one row per job, hub and band).
BATCH_COLUMNS = [
    "job",
    "as_of",
    "season",
    "scenario",
    "hub_id",
    "hub",
    "hours",
    "area_km2",
    "population",
    "localities",
    "hub_status",
    "km2_lost",
    "km2_gained",
    "population_lost",
    "population_gained",
    "localities_lost",
    "localities_gained",
]
#: Columns of a reach series (one row per as-of date, hub and band).
SERIES_COLUMNS = ["as_of", "season", "hub_id", "hub", "hours", "area_km2", "population", "localities"]


@dataclass(frozen=True)
class ReachJob:
    """One reach computation of a batch.

    Attributes
    ----------
    label
        Name of the job in tables and progress lines.
    as_of
        Date whose constraints apply.
    season
        ``{"dry", "rainy"}`` to override the season of ``as_of``, or None.
    scenario
        What-if changes applied on top of the as-of state, or None (the as-of reach).
    hub_ids
        Hubs to compute (a subset of the batch's hubs, in this order), or None for all.
    """

    label: str
    as_of: dt.date
    season: str | None = None
    scenario: Scenario | None = None
    hub_ids: tuple[str, ...] | None = None


@dataclass(frozen=True)
class BatchContext:
    """What every task of a batch shares (sent to each worker once).

    Attributes
    ----------
    token
        Unique id of this context (keys the workers' caches).
    inputs
        Static model inputs.
    hubs
        Hubs (EPSG:4326, ``hub_id``, ``name``).
    hours
        Band limits, hours, ascending.
    threads
        Threads per task over the hubs (None: the engine's default; 1 on a cluster,
        where the parallelism is across tasks).
    """

    token: str
    inputs: ModelInputs
    hubs: gpd.GeoDataFrame
    hours: tuple[float, ...] = DEFAULT_BANDS_H
    threads: int | None = None

    def with_threads(self, threads: int | None) -> BatchContext:
        """Return the same context with another thread count."""
        return dataclasses.replace(self, threads=threads)


def make_context(
    inputs: ModelInputs, hubs: gpd.GeoDataFrame, *, hours: Sequence[float] = DEFAULT_BANDS_H
) -> BatchContext:
    """Return a :class:`BatchContext` (the inputs' memo is left behind: workers rebuild it).

    Raises
    ------
    ValueError
        No hub, or band limits that are not positive finite hours.
    """
    if len(hubs) == 0:
        msg = "a batch needs at least one hub"
        raise ValueError(msg)
    hours = tuple(sorted(float(h) for h in hours))
    if not hours or not hours[0] > 0 or not np.isfinite(hours).all():
        msg = f"band limits must be positive, finite hours, got {list(hours)}"
        raise ValueError(msg)
    return BatchContext(uuid.uuid4().hex, dataclasses.replace(inputs, derived={}), hubs, hours)


def state_key(inputs: ModelInputs, state: ReachState) -> str:
    """Fingerprint of everything in ``state`` that the reach depends on (SHA-256 hex).

    Axis status and escort speed per axis, crossing status per crossing, the no-entry
    zones (locality, since, position rounded to 1e-7 degree, radius), the season, the
    flood zones active in the state's month (not the month itself: two months with the
    same active zones give the same friction) and the penalty grid.
    """
    h = hashlib.sha256()

    def put(*parts: object) -> None:
        h.update(repr(parts).encode("utf-8"))
        h.update(b"\x00")

    def last(table: pd.DataFrame, column: str) -> list:
        t = table[~table.index.duplicated(keep="last")].sort_index()
        values = t[column] if column in t.columns else pd.Series(np.nan, index=t.index)
        return list(zip(t.index.astype(str), values.astype(object).where(values.notna(), None), strict=True))

    put("axes", last(state.axis_status, "status"), last(state.axis_status, "escort_kmh"))
    if state.crossing_status is not None:
        put("crossings", last(state.crossing_status, "status"))
    zones = state.no_entry
    if zones is not None and len(zones):
        z = zones.to_crs(STORAGE_CRS)
        since = z["since"].astype(str) if "since" in z.columns else pd.Series("", index=z.index)
        rows = sorted(
            zip(
                z["locality"].astype(str),
                since,
                np.round(z.geometry.x.to_numpy(), 7).tolist(),
                np.round(z.geometry.y.to_numpy(), 7).tolist(),
                z["radius_km"].astype(float).tolist(),
                strict=True,
            )
        )
        put("zones", rows)
    put("season", state.season)
    active: list[str] = []
    if state.month is not None and inputs.flood_zones is not None and len(inputs.flood_zones):
        active = [
            str(i)
            for i, months in zip(inputs.flood_zones.index, inputs.flood_zones["month_set"], strict=True)
            if int(state.month) in months
        ]
    put("flood", active)
    if state.penalty is not None:
        put("penalty", hashlib.sha256(np.ascontiguousarray(state.penalty).tobytes()).hexdigest())
    return h.hexdigest()


def _scenario_key(scenario: Scenario | None) -> str:
    if scenario is None:
        return ""
    return repr(dataclasses.replace(scenario, name="", source="", name_fr="", name_en=""))


# --- worker side ---------------------------------------------------------------------------------

_BASES: OrderedDict[tuple, ReachResult] = OrderedDict()
_BASES_LOCK = threading.Lock()


def _hubs_of(ctx: BatchContext, hub_ids: tuple[str, ...] | None) -> gpd.GeoDataFrame:
    return ctx.hubs if hub_ids is None else ctx.hubs.loc[list(hub_ids)]


def base_reach(
    ctx: BatchContext,
    state: ReachState,
    as_of: dt.date,
    hub_ids: tuple[str, ...] | None = None,
    *,
    key: str | None = None,
) -> ReachResult:
    """Reach under ``state`` (kept in this process's small cache, keyed on the state's fingerprint).

    ``key``: :func:`state_key` of ``state`` when the caller has it (computed here otherwise).
    """
    key = (ctx.token, key or state_key(ctx.inputs, state), hub_ids)
    with _BASES_LOCK:
        hit = _BASES.get(key)
        if hit is not None:
            _BASES.move_to_end(key)
    if hit is not None:
        return hit
    out = reach_from_state(
        ctx.inputs, _hubs_of(ctx, hub_ids), state, as_of=as_of, hours=ctx.hours, workers=ctx.threads
    )
    with _BASES_LOCK:
        _BASES[key] = out
        while len(_BASES) > BASE_CACHE_SIZE:
            _BASES.popitem(last=False)
    return out


def clear_cache() -> None:
    """Forget the as-of reach results kept by :func:`base_reach`."""
    with _BASES_LOCK:
        _BASES.clear()


@dataclass(frozen=True)
class TaskOutput:
    """What a reach task sends back.

    Attributes
    ----------
    bands
        ``geo.model.reach.BAND_COLUMNS`` (WORK_CRS; empty geometries when the task was
        asked for figures only).
    localities
        ``geo.model.reach.LOCALITY_COLUMNS`` (empty when figures only).
    changes
        ``geo.model.scenario.CHANGE_COLUMNS`` for a scenario, else None.
    season
        Season of the result.
    seconds
        Wall time of the task on its worker (s).
    worker
        Host and process id that ran it.
    """

    bands: gpd.GeoDataFrame
    localities: pd.DataFrame
    changes: pd.DataFrame | None
    season: str
    seconds: float
    worker: str


def _where() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def reach_task(
    ctx: BatchContext,
    state: ReachState,
    as_of: dt.date,
    scenario: Scenario | None = None,
    hub_ids: tuple[str, ...] | None = None,
    figures_only: bool = False,
    key: str | None = None,
) -> TaskOutput:
    """Reach of one job: the as-of reach under ``state``, or a scenario on top of it.

    Parameters
    ----------
    ctx
        The batch's shared context.
    state
        The as-of state of the constraints (built on the client).
    as_of
        Date reported on the result.
    scenario
        Changes applied on top of ``state`` (``geo.model.scenario.run_scenario``), or None.
    hub_ids
        Hubs to compute, or None for all of ``ctx.hubs``.
    figures_only
        Send back the band figures only (no polygons, no localities): series.
    key
        :func:`state_key` of ``state`` (computed here when None).

    Returns
    -------
    TaskOutput

    Raises
    ------
    DataFileError
        Unknown axis, crossing or blockade in the scenario.
    """
    t0 = time.perf_counter()
    before = base_reach(ctx, state, as_of, hub_ids, key=key)
    result, changes = before, None
    if scenario is not None:
        after_state = apply_scenario(ctx.inputs, state, scenario)
        out = run_change(
            ctx.inputs,
            _hubs_of(ctx, hub_ids),
            before,
            after_state,
            scenario=scenario,
            as_of=as_of,
            friction=patch_friction(ctx.inputs, before.friction, state, after_state),
            workers=ctx.threads,
        )
        result, changes = out.after, out.changes
    bands, localities = result.bands, result.localities
    if figures_only:
        bands = bands.set_geometry(gpd.GeoSeries([None] * len(bands), crs=WORK_CRS, index=bands.index))
        localities = localities.iloc[0:0]
    return TaskOutput(bands, localities, changes, result.season, time.perf_counter() - t0, _where())


def change_task(
    ctx: BatchContext, state: ReachState, as_of: dt.date, scenario: Scenario, key: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Difference made by one scenario on top of ``state`` (criticality).

    ``key``: :func:`state_key` of ``state`` (computed here when None).

    Returns
    -------
    (pandas.DataFrame, pandas.DataFrame, float)
        ``CHANGE_COLUMNS`` and ``LOCALITY_CHANGE_COLUMNS`` of ``geo.model.scenario`` (the
        localities lost or gained per hub and band), and the task's wall time (s).
    """
    t0 = time.perf_counter()
    before = base_reach(ctx, state, as_of, key=key)
    after_state = apply_scenario(ctx.inputs, state, scenario)
    out = run_change(
        ctx.inputs,
        ctx.hubs,
        before,
        after_state,
        scenario=scenario,
        as_of=as_of,
        friction=patch_friction(ctx.inputs, before.friction, state, after_state),
        workers=ctx.threads,
        geometry=False,  # the tables count cells: no polygon is drawn
    )
    return out.changes, out.localities, time.perf_counter() - t0


# --- runners -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One task to run: ``fn(ctx, *args)``, named ``label`` in progress lines."""

    fn: Callable
    args: tuple
    label: str


class Runner(Protocol):
    """Runs the tasks of a batch and returns their results in the order given."""

    #: How many tasks run at once.
    slots: int
    #: What the runner is, for messages ("this process", "dask LocalCluster, 2 workers", ...).
    description: str

    def run(self, ctx: BatchContext, calls: Sequence[Call], progress: Progress | None = None) -> list:
        """Run every call with ``ctx``; ``progress(done, total, label)`` as each one ends."""
        ...


class LocalRunner:
    """Run the tasks one after the other in this process (the engine's default threads per task)."""

    slots = 1
    description = "this process"

    def run(self, ctx: BatchContext, calls: Sequence[Call], progress: Progress | None = None) -> list:
        """Run every call in order (see :class:`Runner`)."""
        out = []
        for i, call in enumerate(calls, start=1):
            out.append(call.fn(ctx, *call.args))
            if progress:
                progress(i, len(calls), call.label)
        return out


class DaskRunner:
    """Run the tasks on a ``dask.distributed`` cluster through ``client``.

    The context is scattered to every worker once per :meth:`run`; each task then runs
    on one thread of its worker (``threads_per_task``), the cluster's workers giving
    the parallelism.
    """

    def __init__(self, client: object, *, threads_per_task: int = 1, description: str = "") -> None:
        self.client = client
        self.threads_per_task = threads_per_task
        info = client.scheduler_info()
        workers = info.get("workers", {})
        self.slots = max(sum(int(w.get("nthreads", 1)) for w in workers.values()), 1)
        self.description = description or f"dask scheduler {client.scheduler.address}, {len(workers)} workers"

    def run(self, ctx: BatchContext, calls: Sequence[Call], progress: Progress | None = None) -> list:
        """Submit every call and gather the results in order (see :class:`Runner`)."""
        from distributed import as_completed

        if not calls:
            return []
        shared = self.client.scatter(ctx.with_threads(self.threads_per_task), broadcast=True, hash=False)
        futures = [
            self.client.submit(call.fn, shared, *call.args, pure=False, key=f"geo-{i}-{uuid.uuid4().hex[:8]}")
            for i, call in enumerate(calls)
        ]
        label = {f.key: call.label for f, call in zip(futures, calls, strict=True)}
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                if fut.status == "error":
                    fut.result()  # raises the task's own error here
                if progress:
                    progress(done, len(calls), label[fut.key])
            return self.client.gather(futures)
        finally:
            self.client.cancel([*futures, shared])


@contextlib.contextmanager
def open_runner(*, workers: int | None = None, scheduler: str | None = None) -> Iterator[Runner]:
    """Open the runner a command asked for, and close it (and its cluster) afterwards.

    Parameters
    ----------
    workers
        Worker processes of a new ``dask.distributed.LocalCluster`` (one thread each;
        default: the machine's cores); ``0``: no cluster, the tasks run in this process.
    scheduler
        Address of an existing dask scheduler (``tcp://host:8786``); its workers must
        have this package installed. Excludes ``workers``.

    Yields
    ------
    Runner

    Raises
    ------
    ClusterError
        The scheduler cannot be reached, or both options are given.
    """
    if scheduler and workers is not None:
        msg = "give either a number of workers (a local cluster) or a scheduler address, not both"
        raise ClusterError(msg)
    if workers == 0 and not scheduler:
        yield LocalRunner()
        return
    with _quiet_distributed():
        yield from _open_dask(workers, scheduler)


@contextlib.contextmanager
def _quiet_distributed() -> Iterator[None]:
    """Keep dask's own INFO lines (workers starting, closing...) off the console unless verbose.

    ``distributed`` sets up its own handlers; its loggers are raised to ERROR for the
    duration of the batch when this package logs below INFO (no ``--verbose``).
    """
    names = ("distributed", "distributed.nanny", "distributed.scheduler", "distributed.core")
    saved = {n: logging.getLogger(n).level for n in names}
    if not logging.getLogger("geo").isEnabledFor(logging.INFO):
        for n in names:
            logging.getLogger(n).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for n, level in saved.items():
            logging.getLogger(n).setLevel(level)


def _open_dask(workers: int | None, scheduler: str | None) -> Iterator[Runner]:
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            msg = f"cannot reach the dask scheduler at {scheduler}: {exc}"
            raise ClusterError(msg) from exc
        try:
            yield DaskRunner(client)
        finally:
            client.close()
        return
    n = workers or os.cpu_count() or 1
    if n < 0:
        msg = f"workers must be >= 0, got {n}"
        raise ClusterError(msg)
    cluster = LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # any free port: several batches may run on one machine
        memory_limit=0,  # no per-worker cap (pausing would stall the batch); the OS limits memory
        silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    try:
        yield DaskRunner(client, description=f"dask LocalCluster, {n} worker processes")
    finally:
        client.close()
        cluster.close()


# --- batches -------------------------------------------------------------------------------------


def job_states(
    inputs: ModelInputs,
    jobs: Sequence[ReachJob],
    versions: ConstraintVersions,
) -> list[ReachState]:
    """Return the as-of state of each job (one per distinct date and season, shared).

    ``versions``: the constraint histories (``geo.store.constraints.load_versions``).
    """
    memo: dict[tuple[dt.date, str | None], ReachState] = {}
    out = []
    for job in jobs:
        key = (job.as_of, job.season)
        if key not in memo:
            memo[key] = base_state(
                inputs,
                versions.road_status,
                versions.encircled,
                job.as_of,
                season=job.season,
                crossing_versions=versions.crossing_status,
            )
        out.append(memo[key])
    return out


def run_batch(
    ctx: BatchContext,
    jobs: Sequence[ReachJob],
    states: Sequence[ReachState],
    runner: Runner,
    *,
    figures_only: bool = False,
    progress: Progress | None = None,
) -> list[TaskOutput]:
    """Run every job (identical jobs once) and return one :class:`TaskOutput` per job, in order.

    Parameters
    ----------
    ctx
        Shared context (:func:`make_context`).
    jobs, states
        The jobs and their as-of states (:func:`job_states`).
    runner
        Where the tasks run (:func:`open_runner`).
    figures_only
        Band figures only (no polygons nor localities).
    progress
        ``progress(done, total, label)`` as each distinct task ends.

    Raises
    ------
    ValueError
        ``jobs`` and ``states`` differ in length.
    """
    if len(jobs) != len(states):
        msg = f"{len(jobs)} jobs but {len(states)} states"
        raise ValueError(msg)
    keys, calls, index = [], [], {}
    for job, state in zip(jobs, states, strict=True):
        key = (state_key(ctx.inputs, state), _scenario_key(job.scenario), job.hub_ids)
        keys.append(key)
        if key not in index:
            index[key] = len(calls)
            calls.append(
                Call(
                    reach_task,
                    (state, job.as_of, job.scenario, job.hub_ids, figures_only, key[0]),
                    job.label,
                )
            )
    logger.info("batch: %d jobs, %d distinct, on %s", len(jobs), len(calls), runner.description)
    results = runner.run(ctx, calls, progress)
    return [results[index[k]] for k in keys]


def batch_table(jobs: Sequence[ReachJob], outputs: Sequence[TaskOutput]) -> gpd.GeoDataFrame:
    """One row per (job, hub, band): ``BATCH_COLUMNS`` and the band polygon (WORK_CRS).

    The change columns (``km2_lost``...) are those of the scenario against its as-of
    state (``geo.model.scenario.CHANGE_COLUMNS``), empty for an as-of job.
    """
    parts = []
    change_cols = [c for c in BATCH_COLUMNS if c.endswith(("_lost", "_gained"))]
    for job, out in zip(jobs, outputs, strict=True):
        b = out.bands.copy()
        b.insert(0, "job", job.label)
        b.insert(1, "as_of", job.as_of.isoformat())
        b.insert(2, "season", out.season)
        b.insert(3, "scenario", job.scenario.name if job.scenario is not None else "")
        if out.changes is not None:
            b = b.merge(out.changes[["hub_id", "hours", *change_cols]], on=["hub_id", "hours"], how="left")
        else:
            for c in change_cols:
                b[c] = np.nan
        parts.append(b)
    if not parts:
        return gpd.GeoDataFrame(columns=[*BATCH_COLUMNS, "geometry"], geometry="geometry", crs=WORK_CRS)
    table = pd.concat(parts, ignore_index=True)
    return gpd.GeoDataFrame(table[[*BATCH_COLUMNS, "geometry"]], geometry="geometry", crs=WORK_CRS)


def weekly_dates(start: dt.date, end: dt.date, *, every_days: int = 7) -> list[dt.date]:
    """Dates from ``start`` to ``end`` (included when it falls on the step) every ``every_days`` days.

    Raises
    ------
    ValueError
        ``end`` before ``start`` or a step below 1 day.
    """
    if end < start or every_days < 1:
        msg = f"expected start <= end and a step >= 1 day, got {start} .. {end} every {every_days}"
        raise ValueError(msg)
    n = (end - start).days // every_days + 1
    return [start + dt.timedelta(days=k * every_days) for k in range(n)]


def reach_series(
    ctx: BatchContext,
    dates: Sequence[dt.date],
    runner: Runner,
    versions: ConstraintVersions,
    *,
    season: str | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Access over time: area, people and localities within each band per hub, for every date.

    Parameters
    ----------
    ctx
        Shared context (inputs, hubs, bands).
    dates
        As-of dates (e.g. :func:`weekly_dates`).
    runner
        Where the reach runs go (dates with the same state are computed once).
    versions
        Constraint histories (``geo.store.constraints.load_versions``: the store).
    season
        Season override for every date, or None: each date's own season.
    progress
        ``progress(done, total, label)``.

    Returns
    -------
    pandas.DataFrame
        ``SERIES_COLUMNS``, one row per (date, hub, band), ``area_km2`` in km² (band
        polygons clipped to Mali, as ``geo reach``), ``population`` in people (WorldPop),
        ``localities`` reached; sorted by date, hub order, band.
    """
    jobs = [ReachJob(d.isoformat(), d, season) for d in dates]
    states = job_states(ctx.inputs, jobs, versions)
    outputs = run_batch(ctx, jobs, states, runner, figures_only=True, progress=progress)
    rows = []
    for job, out in zip(jobs, outputs, strict=True):
        b = pd.DataFrame(out.bands.drop(columns="geometry"))
        b.insert(0, "as_of", job.as_of)
        b.insert(1, "season", out.season)
        rows.append(b)
    if not rows:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    table = pd.concat(rows, ignore_index=True)[SERIES_COLUMNS]
    table["localities"] = table["localities"].astype(np.int64)
    return table
