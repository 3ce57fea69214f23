"""OSM roads at national density: friction build time and peak memory, skeleton side by side.

Run: ``.venv/bin/python bench/bench_osm_network.py [--data DIR] [--ways 300000] [--cell-km 1]``.

Builds a synthetic OSM road export over Mali in the HOT layout (``--ways`` ways, 300,000 by
default: about what OSM holds for Mali), clustered around the gazetteer's localities like
town streets, plus tracks spread over the country and trunk ways laid along the OSRM
skeleton (so the skeleton is replaced where OSM carries it), with bridge, ford and surface
tags. It writes it into a copy of the data folder with ``geo data add roads``, then, in a
fresh process per folder (the skeleton-only folder and the OSM one), times and measures:

- ``load_model_inputs`` as a whole (every static input: admin, rasters, water, roads, axes,
  crossings, places) and its road steps one by one: reading the OSM layer, laying it over the
  skeleton (:func:`geo.model.osm_network.road_layers`), rasterising every road of both seasons
  (:func:`geo.model.friction.road_speed_grids`), opening the water cells roads run along
  (:func:`geo.model.friction.bank_roads`), laying the crossings, then laying the axes;
- ``build_friction`` for the dry and the rainy season (one state of the constraints: what runs
  on every status change and scenario; the static inputs are built once per data folder);
- peak memory in a second pass of the road steps (``tracemalloc``, which slows every allocation,
  so it is kept off the times; GEOS and GDAL memory not included), and the process's peak RSS
  (``resource.getrusage``).

Times are given as CPU time (``time.process_time``: the machine is shared, so wall time
swings with the load) and wall time. The "friction build" compared is everything from the
road lines to a friction grid: road layers + rasterisation + roads along water + crossings +
``build_friction`` (dry). The issue 13 goal: the dense network must not make it more than
twice as slow as the skeleton build. Figures are printed, not asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FILES = [
    "admin/mli_adm0_wof.gpkg",
    "admin/mli_adm1_ocha2015.gpkg",
    "admin/mli_adm2_ocha2015.gpkg",
    "admin/mli_adm3_ocha2015.gpkg",
    "roads/mli_main_roads_osrm.gpkg",
    "places/mli_localities_wof.gpkg",
    "population/mli_worldpop2020_density_20km.tif",
    "terrain/mli_landcover_modis2019_20km.tif",
    "terrain/mli_landcover_modis2019_20km_legend.csv",
    "water/mli_rivers_ne10m.gpkg",
    "water/mli_lakes_ne10m.gpkg",
    "incidents/mali_ucdp_ged211_precise.csv",
    "incidents/mali_access_events_curated.csv",
]

#: Share of ways per class (HOT export of a Sahel country: mostly streets and tracks).
CLASS_SHARE = {
    "residential": 0.42,
    "track": 0.25,
    "unclassified": 0.14,
    "service": 0.06,
    "tertiary": 0.05,
    "secondary": 0.03,
    "primary": 0.02,
    "footway": 0.02,
    "path": 0.01,
}


def synthetic_osm(data: Path, ways: int, seed: int = 13):  # noqa: ANN201
    """HOT-layout road export (EPSG:4326) of ``ways`` ways over Mali; see the module docstring."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from geo.config import STORAGE_CRS, WORK_CRS

    rng = np.random.default_rng(seed)
    mali = gpd.read_file(data / "admin/mli_adm0_wof.gpkg").to_crs(WORK_CRS).geometry.iloc[0]
    places = gpd.read_file(data / "places/mli_localities_wof.gpkg").to_crs(WORK_CRS)
    skeleton = gpd.read_file(data / "roads/mli_main_roads_osrm.gpkg").to_crs(WORK_CRS)
    # trunk ways along the skeleton: 2 km pieces, 50 m off the OSRM line
    pieces = shapely.segmentize(shapely.get_parts(skeleton.geometry.to_numpy()), 2000.0)
    coords, part = shapely.get_coordinates(pieces, return_index=True)
    same = part[:-1] == part[1:]
    a, b = coords[:-1][same], coords[1:][same]
    trunk = shapely.linestrings(np.stack([a, b], axis=1) + rng.normal(0, 50.0, (len(a), 1, 2)))
    n = ways - len(trunk)
    # the rest: 70 % around localities (town streets), 30 % anywhere in Mali (tracks)
    n_town = int(0.7 * n)
    pts = np.column_stack([places.geometry.x, places.geometry.y])
    centre = pts[rng.integers(0, len(pts), n_town)] + rng.normal(0, 3000.0, (n_town, 2))
    minx, miny, maxx, maxy = mali.bounds
    far = np.column_stack(
        [rng.uniform(minx, maxx, 3 * (n - n_town)), rng.uniform(miny, maxy, 3 * (n - n_town))]
    )
    far = far[shapely.contains_xy(mali, far[:, 0], far[:, 1])][: n - n_town]
    starts = np.vstack([centre, far])
    n = len(starts)
    # 2-4 vertex ways of 0.3-3 km
    k = 4
    steps = rng.normal(0, 1, (n, k - 1, 2))
    steps /= np.linalg.norm(steps, axis=2, keepdims=True)
    steps *= rng.uniform(100.0, 1000.0, (n, k - 1, 1))
    line_xy = np.concatenate([starts[:, None, :], starts[:, None, :] + np.cumsum(steps, axis=1)], axis=1)
    lines = shapely.linestrings(line_xy)
    classes = rng.choice(list(CLASS_SHARE), size=n, p=np.array(list(CLASS_SHARE.values())))
    surface = rng.choice(["", "", "", "asphalt", "unpaved", "sand", "dirt", "gravel"], size=n)
    tracktype = np.where(classes == "track", rng.choice(["", "grade2", "grade3", "grade4"], size=n), "")
    smooth = rng.choice(["", "", "", "", "bad", "very_bad", "horrible"], size=n)
    bridge = np.where(rng.random(n) < 0.005, "yes", "")
    ford = np.where(rng.random(n) < 0.002, "yes", "")
    gdf = gpd.GeoDataFrame(
        {
            "osm_id": np.arange(1, n + len(trunk) + 1),
            "name": "",
            "highway": np.concatenate([classes, np.full(len(trunk), "trunk")]),
            "surface": np.concatenate([surface, np.full(len(trunk), "asphalt")]),
            "smoothness": np.concatenate([smooth, np.full(len(trunk), "")]),
            "tracktype": np.concatenate([tracktype, np.full(len(trunk), "")]),
            "bridge": np.concatenate([bridge, np.full(len(trunk), "")]),
            "ford": np.concatenate([ford, np.full(len(trunk), "")]),
            "osm_type": "ways_line",
        },
        geometry=np.concatenate([lines, trunk]),
        crs=WORK_CRS,
    ).to_crs(STORAGE_CRS)
    return gdf, len(trunk)


def measure(folder: Path, cell_km: float) -> dict:
    """Build the model inputs and one friction per season in this process; return the figures.

    Times are ``[wall s, CPU s]`` pairs (CPU = ``time.process_time``, the fair measure on a
    shared machine); memory in MiB; counts as numbers.
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd

    from geo.errors import MissingDataError
    from geo.model import friction as fr
    from geo.model.osm_network import road_layers
    from geo.sources.curated import read_axes, read_crossings, read_network
    from geo.sources.datasets import read_vector
    from geo.sources.osm_roads import load_osm_roads
    from geo.sources.roads import build_axes, build_network, load_roads

    times: dict[str, list[float]] = {}

    def timed(name: str, fn, *args, **kw):  # noqa: ANN001, ANN202
        t0, c0 = time.perf_counter(), time.process_time()
        res = fn(*args, **kw)
        times[name] = [time.perf_counter() - t0, time.process_time() - c0]
        return res

    no_zones = gpd.GeoDataFrame({"radius_km": []}, geometry=[], crs="EPSG:4326")
    status = pd.DataFrame({"status": []})
    kw = {"axis_status": status, "no_entry": no_zones}
    inputs = timed("load_model_inputs (all static inputs)", fr.load_model_inputs, folder, cell_km=cell_km)
    # the road steps one by one (the calls load_model_inputs makes)
    speeds = fr.read_speed_table()
    rivers = read_vector(folder, "rivers").to_crs(fr.WORK_CRS)
    lakes = read_vector(folder, "lakes").to_crs(fr.WORK_CRS)
    water = (fr.burn_lines(rivers.geometry, inputs.grid) > 0) | (
        fr.burn_lines(lakes.geometry, inputs.grid) > 0
    )
    roads = load_roads(folder)
    network = build_network(read_network(), roads)

    def road_steps() -> object:
        try:
            timed("read OSM layer", load_osm_roads, folder)
        except MissingDataError:  # the skeleton folder has none
            times["read OSM layer"] = [0.0, 0.0]
        layers = timed(
            "road layers (OSM over skeleton)", road_layers, folder, roads, network, read_crossings(), rivers
        )
        base = timed(
            "rasterise roads, 2 seasons",
            fr.road_speed_grids,
            inputs.grid,
            layers.roads,
            layers.network,
            speeds,
        )
        lines = gpd.GeoSeries(list(layers.roads.geometry) + list(layers.network.geometry), crs=fr.WORK_CRS)
        cr = layers.crossings.to_crs(fr.WORK_CRS).geometry
        timed(
            "roads along water (bank_roads)",
            fr.bank_roads,
            water,
            inputs.grid,
            lines,
            rivers.geometry,
            lakes.geometry,
            cr,
        )
        timed("lay crossings", fr.crossing_cells, layers.crossings, inputs.grid, inputs.water, base, speeds)
        fr.build_friction(inputs, season="dry", **kw)  # compiled kernel loaded before the figure
        timed("build_friction dry", fr.build_friction, inputs, season="dry", **kw)
        timed("build_friction rainy", fr.build_friction, inputs, season="rainy", **kw)
        return layers

    layers = road_steps()
    timed("lay axes", build_axes, read_axes().valid, *layers.axis_lines)
    steps = (
        "road layers (OSM over skeleton)",
        "rasterise roads, 2 seasons",
        "roads along water (bank_roads)",
        "lay crossings",
        "build_friction dry",
    )
    times["FRICTION BUILD (static roads + one state)"] = [sum(times[k][i] for k in steps) for i in (0, 1)]
    # memory in a second pass: tracemalloc slows every allocation, so it is kept off the times
    saved = {k: list(v) for k, v in times.items()}
    tracemalloc.start()
    road_steps()
    mem = {"friction build peak MiB (tracemalloc)": tracemalloc.get_traced_memory()[1] / 2**20}
    tracemalloc.stop()
    times.clear()
    times.update(saved)
    mem["process peak RSS MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = {
        "network rows": len(inputs.network),
        "skeleton km kept": round(float(inputs.roads.length.sum() / 1000)),
        "crossings": len(inputs.crossings),
        "road cells (dry)": int((inputs.road_speed_base["dry"] > 0).sum()),
        "passable cells (dry) %": round(float(100 * np.isfinite(fr.build_friction(inputs, **kw)).mean()), 2),
    }
    return {"times": times, "memory": mem, "counts": counts}


def main() -> None:
    """Build the folders, measure each in its own process, print the figures side by side."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--ways", type=int, default=300_000)
    ap.add_argument("--cell-km", type=float, default=1.0)
    ap.add_argument("--measure", metavar="FOLDER", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.cell_km)))
        return
    data = Path(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folders = {"skeleton": Path(tmp) / "skeleton", "osm": Path(tmp) / "osm"}
        for rel in FILES:
            for f in folders.values():
                (f / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(data / rel, f / rel)
        t0 = time.perf_counter()
        gdf, n_trunk = synthetic_osm(data, args.ways)
        src = Path(tmp) / "hotosm_mli_roads_lines.gpkg"
        gdf.to_file(src, layer="hotosm_mli_roads_lines", engine="pyogrio")
        print(
            f"synthetic HOT export: {len(gdf):,} ways ({n_trunk:,} trunk ways along the skeleton), "
            f"{gdf.to_crs('ESRI:102022').length.sum() / 1000:,.0f} km, "
            f"built in {time.perf_counter() - t0:.1f} s"
        )
        t0 = time.perf_counter()
        from geo.sources.fetch import add_user_file

        for line in add_user_file(folders["osm"], "roads", src):
            print(f"geo data add roads: {line}")
        print(f"geo data add roads: {time.perf_counter() - t0:.1f} s (validate, classify, write, lock)")
        res = {}
        for name, folder in folders.items():
            run = subprocess.run(
                [sys.executable, __file__, "--measure", str(folder), "--cell-km", str(args.cell_km)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            res[name] = json.loads(run.stdout.strip().splitlines()[-1])
    sk, osm = res["skeleton"], res["osm"]
    print(f"\ncells of {args.cell_km} km; times in s: CPU (process_time) and wall")
    print(f"{'':40s} {'skel. CPU':>10s} {'OSM CPU':>10s} {'ratio':>6s} {'skel. wall':>11s} {'OSM wall':>10s}")
    for k in sk["times"]:
        (sw, sc), (ow, oc) = sk["times"][k], osm["times"][k]
        ratio = f"{oc / sc:6.2f}" if sc > 0 else "     -"
        print(f"{k:40s} {sc:10.2f} {oc:10.2f} {ratio} {sw:11.2f} {ow:10.2f}")
    for group in ("memory", "counts"):
        for k in sk[group]:
            s_val, o_val = sk[group][k], osm[group][k]
            ratio = f"{o_val / s_val:6.2f}" if s_val else "     -"
            print(f"{k:40s} {s_val:10,.1f} {o_val:10,.1f} {ratio}")
    key = "FRICTION BUILD (static roads + one state)"
    r_cpu = osm["times"][key][1] / sk["times"][key][1]
    r_wall = osm["times"][key][0] / sk["times"][key][0]
    goal = "within" if r_cpu <= 2.0 else "OVER"
    per_state = osm["times"]["build_friction dry"][1] / sk["times"]["build_friction dry"][1]
    print(
        f"\nfriction build OSM / skeleton: {r_cpu:.2f} CPU, {r_wall:.2f} wall "
        f"({goal} the issue 13 goal of 2.0); per state of the constraints (build_friction): "
        f"{per_state:.2f} CPU"
    )


if __name__ == "__main__":
    main()
