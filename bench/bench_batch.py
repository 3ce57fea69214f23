"""Benchmark of batches: criticality of every axis and crossing, and batch throughput (prints figures).

Usage::

    python bench/bench_batch.py [--cell-km 1] [--workers 1,2] [--jobs 12]

At ``--cell-km`` (1 km by default), as of 2025-11-30 with the curated constraints:

1. Friction of one closure: the full build (``ReachState.friction``) against the patch
   along the closed item (``geo.model.friction.patch_friction``), median over every item,
   and a check that both are equal.
2. Criticality of every axis not closed and every usable crossing (``python -m geo
   criticality``): in this process (``--workers 0``), then on a dask LocalCluster of each
   ``--workers`` count. Cluster start and the scatter of the inputs are timed apart from
   the closures; the goal of issue 18 is the whole criticality within 60 s at 1 km on the
   2-vCPU machine.
3. Batch throughput: ``--jobs`` distinct reach jobs (the as-of reach, then one closure per
   job, as ``python -m geo batch`` runs them) per second, with 1 and 2 workers.

The load average is printed: other jobs on the machine inflate every time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.config import Settings  # noqa: E402
from geo.model.batch import (  # noqa: E402
    LocalRunner,
    ReachJob,
    clear_cache,
    job_states,
    make_context,
    open_runner,
    run_batch,
)
from geo.model.criticality import closure_of, criticality, criticality_items  # noqa: E402
from geo.model.friction import load_model_inputs, patch_friction  # noqa: E402
from geo.model.reach import base_state  # noqa: E402
from geo.model.scenario import apply_scenario  # noqa: E402
from geo.sources.curated import select_hubs  # noqa: E402
from geo.store.constraints import load_versions  # noqa: E402

AS_OF = dt.date(2025, 11, 30)


def load() -> str:
    """Return the 1-minute load average as text."""
    return f"load {os.getloadavg()[0]:.1f}"


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cell-km", type=float, default=1.0)
    ap.add_argument("--workers", default="1,2", help="LocalCluster sizes to time (comma-separated)")
    ap.add_argument("--jobs", type=int, default=12, help="distinct reach jobs for the throughput")
    args = ap.parse_args()
    sizes = [int(w) for w in args.workers.split(",") if w.strip()]

    data = Settings.resolve().require_data_dir()
    t = time.perf_counter()
    inputs = load_model_inputs(data, cell_km=args.cell_km)
    print(f"inputs at {args.cell_km:g} km: {inputs.grid.shape} in {time.perf_counter() - t:.1f} s ({load()})")
    versions = load_versions(Path(tempfile.mkdtemp()) / "store.sqlite", data_dir=data)
    hubs = select_hubs(None)
    state = base_state(
        inputs, versions.road_status, versions.encircled, AS_OF, crossing_versions=versions.crossing_status
    )
    items = criticality_items(inputs, state)
    n_axes, n_cross = int((items["kind"] == "axis").sum()), int((items["kind"] == "crossing").sum())
    print(f"items: {n_axes} axes, {n_cross} crossings; {len(hubs)} hubs, bands 4, 8, 12 h")

    # 1. friction of one closure: full build vs patch
    base = state.friction(inputs)
    full_s, patch_s, cells = [], [], []
    for kind, item in zip(items["kind"], items["item_id"], strict=True):
        after = apply_scenario(inputs, state, closure_of(kind, item))
        t = time.perf_counter()
        full = after.friction(inputs)
        full_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        patched = patch_friction(inputs, base, state, after)
        patch_s.append(time.perf_counter() - t)
        assert patched is not None and np.array_equal(np.asarray(patched), np.asarray(full)), item
        cells.append(int((np.asarray(full) != np.asarray(base)).sum()))
    print(
        f"friction of one closure: full build {statistics.median(full_s) * 1000:.0f} ms, patch "
        f"{statistics.median(patch_s) * 1000:.0f} ms (median of {len(items)}; equal cell for cell); "
        f"cells changed: median {statistics.median(cells):.0f}, max {max(cells)} of {base.size} ({load()})"
    )

    # 2. criticality of every item
    ctx = make_context(inputs, hubs)
    clear_cache()
    t = time.perf_counter()
    local = criticality(ctx, state, LocalRunner(), as_of=AS_OF, items=items)
    print(f"criticality, this process: {time.perf_counter() - t:.1f} s for {len(items)} closures ({load()})")
    for n in sizes:
        t0 = time.perf_counter()
        with open_runner(workers=n) as runner:
            up = time.perf_counter() - t0
            t = time.perf_counter()
            table = criticality(ctx, state, runner, as_of=AS_OF, items=items)
            run_s = time.perf_counter() - t
        total = time.perf_counter() - t0
        same = table.drop(columns="geometry").equals(local.drop(columns="geometry"))
        print(
            f"criticality, LocalCluster {n} worker(s): {total:.1f} s in all (cluster start {up:.1f} s, "
            f"closures incl. scatter {run_s:.1f} s); identical to this process: {same} ({load()})"
        )

    # 3. throughput of distinct jobs
    scen = [closure_of(k, i) for k, i in zip(items["kind"], items["item_id"], strict=True)]
    jobs = [ReachJob("as of", AS_OF)] + [
        ReachJob(sc.name, AS_OF, scenario=sc) for sc in scen[: max(args.jobs - 1, 0)]
    ]
    states = job_states(
        inputs,
        jobs,
        versions,
    )
    clear_cache()
    t = time.perf_counter()
    run_batch(ctx, jobs, states, LocalRunner())
    s = time.perf_counter() - t
    print(f"batch, this process: {len(jobs)} jobs in {s:.1f} s = {len(jobs) / s:.2f} jobs/s ({load()})")
    for n in sizes:
        with open_runner(workers=n) as runner:
            run_batch(ctx, jobs[:1], states[:1], runner)  # warm: workers import, compile, scatter
            t = time.perf_counter()
            run_batch(ctx, jobs, states, runner)
            s = time.perf_counter() - t
        print(
            f"batch, LocalCluster {n} worker(s): {len(jobs)} jobs in {s:.1f} s = {len(jobs) / s:.2f} jobs/s "
            f"(warm workers) ({load()})"
        )


if __name__ == "__main__":
    main()
