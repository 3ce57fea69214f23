"""The built wheel: what it holds, and that it runs outside the checkout.

The wheel is built from a copy of the project (``pip wheel --no-deps``), installed with
``pip install --no-deps --target T`` and run with ``PYTHONPATH=T`` from a folder outside
the checkout, so the engine can only find its curated data, manifest and zone rules as
package data (``geo/_data``, read through importlib.resources).
"""

from __future__ import annotations

import email
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
#: Files of data/ that ship, as in pyproject.toml's package-data of geo._data.
SHIPPED_GLOBS = ("manifest.toml", "*.csv", "curated/*.csv", "curated/*.md", "scenarios/*.toml")
#: Not needed to build the wheel, or never to be shipped (downloaded data, local state).
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "var", "static", "external", "build", "*.egg-info", "__pycache__", ".pytest_cache",
    "tests", "notebooks", "bench", "out",
)  # fmt: skip


def pip(*args: str, cwd: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the project's wheel from a copy of the checkout (the checkout is left untouched)."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=NOT_COPIED)
    pip("wheel", str(src), "--no-deps", "-w", str(tmp / "dist"), cwd=tmp)
    (found,) = (tmp / "dist").glob("mali_access-*.whl")
    return found


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the wheel alone (no dependencies) into a target folder."""
    target = tmp_path_factory.mktemp("target")
    pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel), cwd=target)
    return target


def run_installed(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run Python with only the installed wheel on the path, from ``cwd``, defaults per user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALI_ACCESS_")}
    env.update(PYTHONPATH=str(target), XDG_DATA_HOME=str(cwd / "xdg"))
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200, check=False
    )


def test_wheel_holds_every_module_and_the_shipped_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {
        p.relative_to(ROOT).as_posix()
        for pkg in ("geo", "layers")
        for p in (ROOT / pkg).rglob("*.py")
        if "__pycache__" not in p.parts
    }
    missing = sorted(sources - names)
    assert not missing, f"not in the wheel (list the package in pyproject.toml [tool.setuptools]): {missing}"
    data = {
        f"geo/_data/{p.relative_to(ROOT / 'data').as_posix()}"
        for pattern in SHIPPED_GLOBS
        for p in (ROOT / "data").glob(pattern)
        if p.is_file()
    }
    assert {"geo/_data/manifest.toml", "geo/_data/zones_rules.csv", "geo/_data/curated/hubs.csv"} <= data
    assert data <= names
    shipped_data = {n for n in names if n.startswith("geo/_data/")}
    assert shipped_data == data  # nothing else: no data/external/, no data/validation/
    catalogs = {f"geo/locale/{lang}/LC_MESSAGES/messages.po" for lang in ("fr", "en")}
    assert catalogs <= names, "the gettext catalogs ship (pyproject.toml package-data of geo)"
    top = {n.split("/")[0] for n in names}
    assert top == {"geo", "layers", wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info"}


def test_wheel_metadata_ranges_and_extras(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = email.message_from_bytes(zf.read(meta_name))
    requires = [Requirement(r) for r in meta.get_all("Requires-Dist")]
    pinned = [str(r) for r in requires if any(s.operator in ("==", "===") for s in r.specifier)]
    assert not pinned, "pins belong in requirements/constraints.txt"
    assert all(r.specifier for r in requires if r.name != "pyarrow"), "every requirement has a range"
    extras = {r.name: str(r.marker) for r in requires if r.marker is not None}
    core = {r.name for r in requires if r.marker is None}
    assert {"geopandas", "pyarrow", "platformdirs", "numba", "babel"} <= core
    assert not core & {"matplotlib", "pypdf", "streamlit", "folium", "bcrypt", "ruff", "scikit-image"}
    assert extras["matplotlib"] == extras["pypdf"] == 'extra == "export"'
    assert extras["bcrypt"] == extras["streamlit"] == 'extra == "app"'
    assert extras["ruff"] == 'extra == "dev"'
    assert extras["psycopg"] == 'extra == "server"'


def test_constraints_pin_every_requirement() -> None:
    import tomllib

    pins = {}
    for line in (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = project["dependencies"] + [
        r for extra in project["optional-dependencies"].values() for r in extra
    ]
    reqs = [Requirement(t) for t in texts]
    assert {canonicalize_name(r.name) for r in reqs} <= set(pins)
    # the pinned versions satisfy the declared ranges
    assert [str(r) for r in reqs if pins[canonicalize_name(r.name)] not in r.specifier] == []


@pytest.mark.slow
def test_installed_wheel_runs_reach_and_travel_time_outside_the_checkout(
    installed: Path, data_dir: Path, tmp_path: Path
) -> None:
    where = run_installed(
        installed,
        tmp_path,
        "-c",
        "import geo, geo.config as c; print(geo.__file__); print(c.SHIPPED_DATA); print(c.CHECKOUT)",
    )
    assert where.returncode == 0, where.stderr
    geo_file, shipped, checkout = where.stdout.split("\n")[:3]
    assert Path(geo_file).is_relative_to(installed)
    assert Path(shipped) == installed / "geo" / "_data" and checkout == "None"

    out_file = tmp_path / "x.gpkg"
    args = ("--data", str(data_dir), "--cell-km", "4", "--as-of", "2025-11-29")
    reach = run_installed(installed, tmp_path, "-m", "geo", "reach", *args, "--out", str(out_file))
    assert reach.returncode == 0, reach.stderr
    assert "no data folder" not in reach.stderr  # --data reaches the store's first seeding too
    bands = pyogrio.read_dataframe(out_file, layer="reachable_areas")
    hubs = pd.read_csv(installed / "geo" / "_data" / "curated" / "hubs.csv")
    assert set(bands["hub_id"]) == set(hubs["hub_id"])
    assert len(bands) == 3 * len(hubs)  # default bands 4, 8, 12 h
    # installed: the store is created in the per-user data folder, seeded from the shipped CSVs
    assert (tmp_path / "xdg" / "mali-access" / "store.sqlite").is_file()
    assert not (installed / "var").exists()

    tt = run_installed(
        installed, tmp_path, "-m", "geo", "travel-time", *args, "--from", "BKO", "--to", "Ségou"
    )
    assert tt.returncode == 0, tt.stderr
    # French by default (no MALI_ACCESS_LANG): the catalogs ship in the wheel
    line = next(x for x in tt.stdout.splitlines() if x.startswith("temps de trajet\u202f: "))
    assert float(line.rpartition("(")[2].removesuffix(" h)").replace(",", ".")) > 0
