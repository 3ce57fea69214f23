"""Print how long one constraint change takes to show in the reach (write, reload, recompute and diff).

Run: ``.venv/bin/python bench/bench_constraints_recompute.py [--data DIR]``. Uses a
throw-away store in a temporary folder; closes RN16 Sévaré-Douentza as of 2025-12-01.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from geo.config import Settings
from geo.model.friction import load_model_inputs
from geo.model.reach import base_state, compute_reach
from geo.model.scenario import run_change
from geo.products.change_text import band_change_lines
from geo.sources.curated import read_hubs
from geo.store import constraints

AXIS = "RN16-SEV-DOU"
AS_OF = dt.date(2025, 12, 1)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data")
    args = parser.parse_args()
    data_dir = Settings.resolve(data=args.data).require_data_dir()
    t = time.perf_counter()
    inputs = load_model_inputs(data_dir)
    print(f"model inputs: {time.perf_counter() - t:.2f} s (once per server)")
    hubs = read_hubs().valid
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "store.sqlite"
        v0 = constraints.load_versions(store, data_dir=data_dir)
        t = time.perf_counter()
        before = compute_reach(inputs, hubs, v0, as_of=AS_OF)
        print(f"reach, all {len(hubs)} hubs: {time.perf_counter() - t:.2f} s (cached before the change)")
        t0 = time.perf_counter()
        constraints.record_road_status(
            store,
            axis_id=AXIS,
            status="closed",
            cause="security",
            valid_from="2025-11-01",
            source="bench",
            recorded_by="bench",
        )
        t1 = time.perf_counter()
        v1 = constraints.load_versions(store)
        state = base_state(inputs, v1.road_status, v1.encircled, AS_OF)
        t2 = time.perf_counter()
        out = run_change(inputs, hubs, before, state)
        t3 = time.perf_counter()
    recomputed = sorted(set(out.changes.loc[out.changes["recomputed"], "hub_id"]))
    print(f"write version: {t1 - t0:.3f} s; reload the state: {t2 - t1:.3f} s")
    print(
        f"recompute the {len(recomputed)} hubs the change can affect ({', '.join(recomputed)}) and diff "
        f"their cells: {t3 - t2:.2f} s; total after the change: {t3 - t0:.2f} s"
    )
    for line in band_change_lines(out, "en"):
        print("  " + line)


if __name__ == "__main__":
    main()
