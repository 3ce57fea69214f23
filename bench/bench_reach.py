"""Benchmark of the reach engine, with GRASS r.cost side by side (prints figures; not a test).

Usage::

    python bench/bench_reach.py [--cells 1,0.5,0.25] [--no-grass] [--repeat 3]

Per cell size: load the inputs (peak RSS of the load itself: ``load_peak_MiB``), build and
cache the friction (as-of 2025-11-30, dry), time the friction build (median of
``--repeat``) with the curated network, crossings and flood zones (``friction_s``) and
with the road skeleton alone, as before issue 13 (``friction_skeleton_s``), then time
(wall, median of ``--repeat``) all hubs x 3 bands (4, 8, 12 h) warm, the search alone
(7 hubs, 12 h bound; on one thread, and on two as ``reach_from_state`` runs it on this
2-vCPU machine type), one scenario recompute (``data/scenarios/rn16_closed.toml``: RN16
closed Sévaré-Gao, median of ``--repeat`` too; ``scenario_share``: its time over the full
reach's, issue 18 asks at most 0.3 at 250 m), the time to write 1 GiB of fresh memory
(``first touch``: high on a virtual machine whose memory the host has not backed yet,
which slows every kernel writing new arrays),
and the peak RSS (VmHWM of this process, reset after the inputs are
loaded and again before the timed reach, read after the load as ``load_peak_MiB``, after the
reach as ``reach_peak_MiB``: inputs, one friction, the search workspace and the reach, and after
the scenario as ``peak_MiB``: the same plus the scenario; the search-alone
and GRASS checks come after it). The load average is printed per row: other jobs on the
machine inflate the times.
GRASS: the identical friction raster (float32 hours per cell = h/km x cell km, NULL on
barriers) and start cells go to ``r.cost`` (no -k, ``max_cost=12``), one run per hub,
inside ``grass --tmp-location``; each r.cost is timed alone (ratios against our searches
with the crossings' tolls), and its output compared with ours on cells <= 12 h in both
(median and max |diff|, and cells reached by only one), our searches then run on the same
friction without the tolls, which r.cost cannot represent.
Needs the Debian package ``grass-core`` for the GRASS part.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.config import SCENARIOS_DIR, Settings  # noqa: E402
from geo.model.costdist import prepare_friction, settle  # noqa: E402
from geo.model.friction import load_model_inputs  # noqa: E402
from geo.model.reach import base_state, locate_hub, reach_from_state  # noqa: E402
from geo.model.scenario import read_scenario, run_scenario  # noqa: E402
from geo.sources.curated import select_hubs  # noqa: E402
from geo.store.constraints import load_versions  # noqa: E402

AS_OF = dt.date(2025, 11, 30)
HOURS = (4.0, 8.0, 12.0)
SCENARIO = SCENARIOS_DIR / "rn16_closed.toml"  # RN16 closed Sévaré-Gao (3 axes)


def reset_peak() -> None:
    """Reset the process's peak resident memory (VmHWM), where Linux allows it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def peak_mib() -> float:
    """Return the process's peak resident memory in MiB (NaN when unknown)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024
    return float("nan")


def first_touch_s_per_gib() -> float:
    """Seconds to write 1 GiB of memory the process has just allocated (the guest's page faults).

    On a virtual machine soon after boot the host backs the guest's memory on its first
    touch: 14 GB took 70 s here (5 us per 4 KB page) against about 0.1 s per GiB once
    touched. Times of a run on such a machine include that cost wherever a kernel writes
    fresh arrays; this figure, printed with the load average, tells which case a run is.
    """
    t = time.perf_counter()
    block = np.empty(1 << 27)  # 1 GiB of float64
    block.fill(1.0)
    out = time.perf_counter() - t
    del block
    return out


def timed(fn, repeat: int) -> tuple[float, object]:  # noqa: ANN001
    """Run ``fn`` ``repeat`` times; return the median wall time (s) and the last result.

    Each run's result is dropped before the next starts: a peak read afterwards is one run's.
    """
    times, out = [], None
    for _ in range(repeat):
        out = None
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def grass_rcost(
    friction: np.ndarray, inputs, starts: list[tuple[int, int]], max_h: float
) -> tuple[list, list]:  # noqa: ANN001
    """Run GRASS r.cost on the same friction grid and starts (the side-by-side reference)."""
    import rasterio

    tmp = Path(tempfile.mkdtemp(prefix="bench_rcost_"))
    try:
        per_cell = np.where(np.isfinite(friction), friction * inputs.grid.cell_km, -9999.0).astype("float32")
        tif = tmp / "fric.tif"
        with rasterio.open(
            tif,
            "w",
            driver="GTiff",
            width=per_cell.shape[1],
            height=per_cell.shape[0],
            count=1,
            dtype="float32",
            crs=inputs.grid.crs,
            transform=inputs.grid.transform,
            nodata=-9999.0,
        ) as dst:
            dst.write(per_cell, 1)
        t = inputs.grid.transform
        lines = ["set -e", f"r.in.gdal input={tif} output=fric --quiet", "g.region raster=fric"]
        for k, (r, c) in enumerate(starts):
            x, y = t.c + (c + 0.5) * t.a, t.f + (r + 0.5) * t.e
            lines += [
                "s=$(date +%s.%N)",
                f"r.cost input=fric output=cost{k} start_coordinates={x},{y} max_cost={max_h} "
                "memory=300 --quiet",
                f'e=$(date +%s.%N); echo "T {k} $s $e"',
                f"r.out.gdal -c input=cost{k} output={tmp}/cost{k}.tif format=GTiff type=Float64 "
                "--quiet 2>/dev/null",
            ]
        (tmp / "run.sh").write_text("\n".join(lines) + "\n")
        proc = subprocess.run(
            ["grass", "--tmp-location", str(tif), "--exec", "bash", str(tmp / "run.sh")],
            capture_output=True,
            text=True,
            check=True,
        )
        times = [0.0] * len(starts)
        for line in proc.stdout.splitlines():
            if line.startswith("T "):
                _, k, s, e = line.split()
                times[int(k)] = float(e) - float(s)
        rasters = []
        for k in range(len(starts)):
            with rasterio.open(tmp / f"cost{k}.tif") as src:
                a = src.read(1, masked=True)
                rasters.append(np.where(a.mask, np.inf, a.filled(np.inf)))
        return times, rasters
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def grass_compare(
    friction: np.ndarray,
    inputs,
    starts: list,
    cells: list,
    search_s: float,  # noqa: ANN001
    search2_s: float,
    reach_s: float,
) -> dict:
    """Run r.cost per hub and compare with our searches; only the figures leave (rasters are freed)."""
    g_times, g_rasters = grass_rcost(friction, inputs, starts, 12.0)
    diffs, only_one = [], 0
    for c, g in zip(cells, g_rasters, strict=True):
        ours = c.raster()
        g = np.where(g <= 12.0, g, np.inf)  # r.cost also writes the ring just past max_cost
        both = np.isfinite(ours) & np.isfinite(g)
        diffs.append(np.abs(ours[both] - g[both]))
        only_one += int((np.isfinite(ours) ^ np.isfinite(g)).sum())
    d = np.concatenate(diffs)
    return {
        "grass_rcost7_s": sum(g_times),
        "ratio_search": sum(g_times) / search_s,
        "ratio_search_2thr": sum(g_times) / search2_s,
        "ratio_reach_all": sum(g_times) / reach_s,
        "median_absdiff_h": float(np.median(d)),
        "max_absdiff_h": float(d.max()),
        "cells_in_one_only": only_one,
    }


def skeleton_only(inputs):  # noqa: ANN001, ANN201
    """Return the inputs as before issue 13: the road skeleton alone, no network, crossing or flood zone.

    (Rivers then cut the skeleton wherever it crosses them: only the build time is compared.)
    """
    import dataclasses

    import geopandas as gpd

    from geo.model.friction import road_speed_grids

    empty = gpd.GeoDataFrame({"surface": [], "season": []}, geometry=[], crs=inputs.roads.crs)
    return dataclasses.replace(
        inputs,
        road_speed_base=road_speed_grids(inputs.grid, inputs.roads, empty, inputs.speeds),
        network=empty,
        crossings=None,
        flood_zones=None,
        derived={},
    )


def main() -> int:
    """Run the benchmark and print its table; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cells", default="1,0.5,0.25")
    ap.add_argument("--no-grass", action="store_true")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data")
    args = ap.parse_args()
    data_dir = Settings.resolve(data=args.data).require_data_dir()
    hubs = select_hubs(None)
    versions = load_versions(None)
    grass = not args.no_grass and shutil.which("grass")
    print(
        f"machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}; "
        f"first touch of 1 GiB {first_touch_s_per_gib():.2f} s; grass: {bool(grass)}"
    )
    rows = []
    for cell_km in (float(c) for c in args.cells.split(",")):
        reset_peak()
        t0 = time.perf_counter()
        inputs = load_model_inputs(data_dir, cell_km=cell_km)
        load_s = time.perf_counter() - t0
        load_peak = peak_mib()  # reading and gridding the inputs
        reset_peak()
        state = base_state(
            inputs,
            versions.road_status,
            versions.encircled,
            AS_OF,
            crossing_versions=versions.crossing_status,
        )
        friction = state.friction(inputs)  # warm-up (JIT cache)
        build_s, friction = timed(lambda: state.friction(inputs), args.repeat)  # noqa: B023
        skeleton = skeleton_only(inputs)
        skeleton_s = timed(lambda: state.friction(skeleton), args.repeat)[0]  # noqa: B023 (grid not kept)
        reach_from_state(inputs, hubs, state, as_of=AS_OF, hours=HOURS, friction=friction)  # warm-up (JIT)
        repeat = args.repeat
        skeleton = None  # free the skeleton-only inputs before the peak of the reach is read
        reset_peak()  # from here: inputs, one friction, the search workspace, then the reach
        reach_s, result = timed(
            lambda inputs=inputs, state=state, friction=friction: reach_from_state(
                inputs, hubs, state, as_of=AS_OF, hours=HOURS, friction=friction
            ),
            repeat,
        )
        reach_peak = peak_mib()  # inputs, friction and the reach (issue 18: at most 2 GB at 250 m)
        sc = read_scenario(SCENARIO)
        run_scenario(inputs, hubs, result, sc)  # warm-up (JIT of the update kernels)
        scen_s, scen = timed(
            lambda inputs=inputs, result=result, sc=sc: run_scenario(inputs, hubs, result, sc), repeat
        )
        peak = peak_mib()  # the product pipeline: inputs, friction, reach, scenario
        placements = [locate_hub(inputs, friction, h, state.no_entry) for _, h in hubs.iterrows()]
        starts = [(p.row, p.col) for p in placements]

        def search_all(threads: int = 1) -> list:
            grid = prepare_friction(friction)  # once for the 7 hubs, as reach_from_state does  # noqa: B023
            with ThreadPoolExecutor(threads) as pool:
                return list(pool.map(lambda s: settle(grid, [s], cell_km=cell_km, max_h=12.0), starts))  # noqa: B023

        search_s, cells = timed(search_all, repeat)
        search2_s, _ = timed(lambda: search_all(2), repeat)
        row = {
            "cell": f"{cell_km * 1000:g} m",
            "load_avg": os.getloadavg()[0],
            "cells_M": friction.size / 1e6,
            "load_s": load_s,
            "friction_s": build_s,
            "friction_skeleton_s": skeleton_s,
            "n_network": len(inputs.network) if inputs.network is not None else 0,
            "n_crossings": len(inputs.crossings) if inputs.crossings is not None else 0,
            "reach_all_s": reach_s,
            "search7_s": search_s,
            "search7_2thr_s": search2_s,
            "scenario_s": scen_s,
            "scenario_share": scen_s / reach_s,
            "recomputed": int(scen.changes.drop_duplicates("hub_id")["recomputed"].sum()),
            "load_peak_MiB": load_peak,
            "reach_peak_MiB": reach_peak,
            "peak_MiB": peak,
            "settled_M": sum(len(c) for c in cells) / 1e6,
        }
        if grass:
            # r.cost has no fixed crossing times: compare on the same friction without the tolls
            plain = prepare_friction(np.asarray(friction).view(np.ndarray))
            plain_cells = [settle(plain, [s], cell_km=cell_km, max_h=12.0) for s in starts]
            row.update(grass_compare(friction, inputs, starts, plain_cells, search_s, search2_s, reach_s))
        rows.append(row)
        print({k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items()}, flush=True)
        inputs = skeleton = friction = result = cells = scen = None  # free this size before the next
    print()
    keys = list(rows[0])
    for r in rows[1:]:
        keys += [k for k in r if k not in keys]
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print(
            "| "
            + " | ".join(
                f"{r.get(k, ''):.4g}" if isinstance(r.get(k), float) else str(r.get(k, "")) for k in keys
            )
            + " |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
