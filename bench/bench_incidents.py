"""Bench: validate and join 100,000 synthetic ACLED-format rows to admin3 (communes).

Prints rows/s for each phase and the process's peak memory (VmHWM). Goal (issue 3):
under 5 s and under 1 GB on the 2-core machine. Run:

    .venv/bin/python bench/bench_incidents.py [--rows 100000] [--data DIR]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.config import Settings  # noqa: E402
from geo.model.incidents import assign_admin, country_outline, to_geodataframe  # noqa: E402
from geo.sources.admin import load_admin  # noqa: E402
from geo.sources.incident_files import check_table, read_table  # noqa: E402

TYPES = [
    "Battles",
    "Violence against civilians",
    "Explosions/Remote violence",
    "Riots",
    "Protests",
    "Strategic developments",
]


def synthetic_acled(path: Path, n: int, country, seed: int = 7) -> None:
    """Write n ACLED-format rows with points inside ``country`` (plus 1 % bad rows)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = country.bounds
    xs, ys = [], []
    shapely.prepare(country)
    while sum(len(x) for x in xs) < n:
        x = rng.uniform(x0, x1, n)
        y = rng.uniform(y0, y1, n)
        ok = shapely.contains_xy(country, x, y)
        xs.append(x[ok])
        ys.append(y[ok])
    lon = np.concatenate(xs)[:n].round(4)
    lat = np.concatenate(ys)[:n].round(4)
    dates = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")
    df = pd.DataFrame(
        {
            "event_id_cnty": [f"MLI{i}" for i in range(n)],
            "event_date": dates.strftime("%d %B %Y"),
            "event_type": rng.choice(TYPES, n),
            "sub_event_type": "Armed clash",
            "actor1": rng.choice(["JNIM", "IS Sahel", "Military Forces of Mali (2021-)", "Dozo Militia"], n),
            "actor2": rng.choice(["Civilians (Mali)", "", "JNIM"], n),
            "admin1": "Mopti",
            "admin2": "Bandiagara",
            "admin3": "Bandiagara",
            "location": "Ségou",
            "latitude": lat.astype(str),
            "longitude": lon.astype(str),
            "geo_precision": rng.choice(["1", "2", "3"], n, p=[0.6, 0.3, 0.1]),
            "time_precision": rng.choice(["1", "2", "3"], n, p=[0.8, 0.15, 0.05]),
            "fatalities": rng.poisson(1.5, n).astype(str),
            "notes": "On a given day, armed men attacked ...",
            "source": "Local Source",
        }
    )
    bad = rng.choice(n, n // 100, replace=False)
    df.loc[bad[: len(bad) // 2], "latitude"] = "0"
    df.loc[bad[: len(bad) // 2], "longitude"] = "0"
    df.loc[bad[len(bad) // 2 :], "event_date"] = "03/04/2021"
    df.to_csv(path, index=False)


def main() -> int:
    """Generate the file, time read / check / join, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--data", default=None)
    args = parser.parse_args()
    data_dir = Settings.resolve(data=args.data).require_data_dir()
    t = time.perf_counter()
    country = country_outline(data_dir)
    admin3 = load_admin(data_dir, 3)
    t_setup = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "acled_synthetic.csv"
        synthetic_acled(path, args.rows, country)
        size_mb = path.stat().st_size / 1e6
        Path("/proc/self/clear_refs").write_text("5") if Path("/proc/self/clear_refs").exists() else None
        t0 = time.perf_counter()
        table = read_table(path)
        t1 = time.perf_counter()
        res = check_table(table, country=country)
        t2 = time.perf_counter()
        gdf = to_geodataframe(res.accepted)
        placed = assign_admin(gdf, admin3)
        t3 = time.perf_counter()
    total = t3 - t0
    hwm = next(
        (
            int(line.split()[1]) / 1024
            for line in Path("/proc/self/status").read_text().splitlines()
            if line.startswith("VmHWM")
        ),
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    n = args.rows
    print(
        f"rows: {n:,} ({size_mb:.1f} MB CSV); accepted {len(res.accepted):,}, "
        f"rejected rows {res.rejected['row'].nunique():,}; placed in a commune "
        f"{int(placed['adm3_pcode'].notna().sum()):,}"
    )
    print(f"setup (admin0 outline + admin3, not timed below): {t_setup:.2f} s")
    print(f"read   {t1 - t0:6.2f} s  {n / (t1 - t0):>10,.0f} rows/s")
    print(f"check  {t2 - t1:6.2f} s  {n / (t2 - t1):>10,.0f} rows/s")
    print(
        f"join   {t3 - t2:6.2f} s  {n / (t3 - t2):>10,.0f} rows/s  "
        "(GeoDataFrame + admin3 join in ESRI:102022)"
    )
    print(f"total  {total:6.2f} s  {n / total:>10,.0f} rows/s")
    print(f"peak memory (VmHWM, whole process, reset before the timed phases): {hwm:,.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
