"""Main job figures: the reach command's wall time and peak memory, and the live map payload.

Run: ``.venv/bin/python bench/bench_main_job.py [--data DIR] [--runs 3]``. Prints:
- ``python -m geo reach`` for all hubs at 1 km (3 bands): wall time of the whole process
  (imports, data loading, friction, search, polygons, GeoPackage) and its peak RSS;
- the live map as the page builds it (all hubs, 3 bands, 6 years of incidents): size of
  the folium script that st_folium ships to the browser, in bytes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def reach_cli(data: Path, runs: int) -> None:
    """Time ``python -m geo reach`` end to end (wall clock, peak RSS) over ``runs`` runs."""
    walls = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            t0 = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "geo",
                    "reach",
                    "--data",
                    str(data),
                    "--out",
                    f"{tmp}/r{i}.gpkg",
                    "--as-of",
                    "2025-11-29",
                    "--cell-km",
                    "1",
                ],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            walls.append(time.perf_counter() - t0)
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"reach CLI, 7 hubs x 3 bands at 1 km: wall median {statistics.median(walls):.2f} s "
        f"(runs: {', '.join(f'{w:.2f}' for w in walls)}), peak RSS {peak_mib:.0f} MiB"
    )


def map_payload(data: Path) -> None:
    """Print the size of the live map's Leaflet page (bytes) for all hubs and bands."""
    from streamlit_folium import generate_leaflet_string

    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents, time_window
    from geo.model.reach import compute_reach, state_as_of
    from geo.sources.admin import load_admin
    from geo.sources.curated import read_encircled, read_hubs, read_road_status
    from geo.store.constraints import load_versions
    from layers.live import build_live_map

    as_of = dt.date(2025, 11, 29)
    inputs = load_model_inputs(data)
    hubs = read_hubs().valid
    rs, enc = read_road_status().valid, read_encircled().valid
    status, episodes = state_as_of(inputs, rs, enc, as_of)
    bands = compute_reach(inputs, hubs, load_versions(None), as_of=as_of).bands
    incidents = time_window(load_incidents(data), as_of=as_of, days=365 * 6)
    t0 = time.perf_counter()
    m = build_live_map(
        as_of=as_of,
        admin1=load_admin(data, 1),
        admin2=load_admin(data, 2),
        admin3=None,
        roads=inputs.roads,
        axes=inputs.axes,
        axis_status=status,
        episodes=episodes,
        hubs=hubs,
        hub_ids=list(hubs.index),
        bands=bands,
        incidents=incidents,
    )
    script = generate_leaflet_string(m)
    build_s = time.perf_counter() - t0
    print(
        f"live map payload: {len(script.encode()):,} bytes of Leaflet script "
        f"({len(incidents)} incidents, {len(bands)} bands), built in {build_s:.2f} s"
    )


def main() -> None:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    reach_cli(Path(args.data), args.runs)
    map_payload(Path(args.data))


if __name__ == "__main__":
    main()
