"""The live map as the page builds it: size of what the browser receives, its Leaflet layers, build time.

Run: ``PYTHONPATH=. python bench/bench_live_map.py [--data DIR] [--runs 3] [--lang en]``. Builds
the map of the live page's defaults (every hub, bands 4/8/12 h, 6 years of incidents, towns,
network, crossings, rivers, encircled localities with their population; no positions),
renders it as the page draws it (:func:`views.maps.map_document`, folium's own document in a
frame) and prints:

- bytes of the document and of its inline scripts;
- the Leaflet objects the script creates: ``L.geoJson`` layers, ``L.marker``, ``L.circle``,
  ``L.circleMarker``, bound popups and tooltips, and the features in all GeoJSON layers;
- seconds to build the folium map and to render it (median of ``--runs``), the inputs
  (reach, incidents...) computed once before and not timed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _inputs(data: Path, as_of: dt.date) -> dict:
    """Everything :func:`layers.live.build_live_map` takes, as the live page computes it."""
    from geo.model.friction import load_model_inputs
    from geo.model.incidents import load_incidents, time_window
    from geo.model.reach import compute_reach, state_as_of
    from geo.model.severity import with_population
    from geo.products.printmap import main_towns
    from geo.sources.admin import load_admin
    from geo.store.constraints import effective_crossing_status, load_versions
    from layers.water import load_water

    inputs = load_model_inputs(data)
    versions = load_versions(None)
    from geo.sources.curated import read_hubs

    hubs = read_hubs().valid
    status, episodes = state_as_of(inputs, versions.road_status, versions.encircled, as_of)
    bands = compute_reach(
        inputs,
        hubs,
        versions,
        as_of=as_of,
        hours=(4.0, 8.0, 12.0),
    ).bands
    return {
        "as_of": as_of,
        "admin1": load_admin(data, 1),
        "admin2": load_admin(data, 2),
        "admin3": None,
        "roads": inputs.roads,
        "axes": inputs.axes,
        "axis_status": status,
        "episodes": with_population(episodes, data),
        "hubs": hubs,
        "hub_ids": list(hubs.index),
        "bands": bands,
        "incidents": time_window(load_incidents(data), as_of=as_of, days=365 * 6),
        "towns": main_towns(inputs.places),
        "network": inputs.network,
        "crossings": inputs.crossings,
        "crossing_status": effective_crossing_status(versions, as_of),
        "water": load_water(data),
        "positions": None,
    }


def count_objects(script: str) -> dict[str, int]:
    """Leaflet objects a folium map script creates, and the features of its GeoJSON layers.

    ``L.geoJson`` counts GeoJSON layers. ``L.marker``, ``L.circle``, ``L.circleMarker``,
    ``bindPopup`` and ``bindTooltip`` count the objects written one by one in the script;
    the functions of each :class:`layers.style.FeatureLayer` (one marker, circle, circle
    marker, popup and two tooltip calls, run per feature in the browser) are not counted.
    """
    feature_layers = len(re.findall(r"_styles = ", script))
    per_layer = {"L.marker": 1, "L.circle": 1, "L.circleMarker": 1, "bindPopup": 1, "bindTooltip": 2}
    patterns = {
        "L.geoJson": r"\bL\.geoJson\(",
        "L.marker": r"\bL\.marker\(",
        "L.circle": r"\bL\.circle\(",
        "L.circleMarker": r"\bL\.circleMarker\(|new L\.CircleMarker\(",
        "bindPopup": r"\.bindPopup\(",
        "bindTooltip": r"\.bindTooltip\(",
    }
    out = {
        k: len(re.findall(rx, script)) - per_layer.get(k, 0) * feature_layers for k, rx in patterns.items()
    }
    out["GeoJSON features"] = len(re.findall(r'"type":\s*"Feature"', script))
    return out


def main() -> None:
    """Build the live map ``--runs`` times and print its size, Leaflet objects and times."""
    from layers.live import build_live_map
    from views.maps import map_document

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lang", default="en")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2025, 11, 29))
    args = ap.parse_args()
    if not (args.data / "admin").is_dir():
        args.data = Path("/work/shared/data")
    kwargs = _inputs(args.data, args.as_of)
    builds, renders = [], []
    document = ""
    for _ in range(args.runs):
        t0 = time.perf_counter()
        m = build_live_map(**kwargs, lang=args.lang)
        t1 = time.perf_counter()
        document = map_document(m)
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        renders.append(t2 - t1)
    script = "".join(re.findall(r"<script>(.*?)</script>", document, flags=re.S))
    print(
        f"live map ({args.lang}, {len(kwargs['incidents'])} incidents, {len(kwargs['bands'])} bands, "
        f"{len(kwargs['episodes'])} encircled episodes): document {len(document.encode()):,} bytes, "
        f"inline scripts {len(script.encode()):,} bytes"
    )
    print("  Leaflet objects: " + ", ".join(f"{k} {v}" for k, v in count_objects(script).items()))
    print(
        f"  build {statistics.median(builds):.2f} s, render {statistics.median(renders):.2f} s "
        f"(median of {args.runs}; builds {', '.join(f'{b:.2f}' for b in builds)}; "
        f"renders {', '.join(f'{r:.2f}' for r in renders)})"
    )


if __name__ == "__main__":
    main()
