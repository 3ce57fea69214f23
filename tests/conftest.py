"""Shared fixtures.

``data_dir`` points at the real public data (``../shared/data`` next to the project, or
``MALI_ACCESS_DATA``). Locally a missing folder skips the real-data tests; on CI
(``CI=true``) it fails them, so a CI run can never pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ON_CI = os.environ.get("CI", "").lower() == "true"


def _real_data_dir() -> Path | None:
    env = os.environ.get("MALI_ACCESS_DATA")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared" / "data"]:
        if (cand / "admin" / "mli_adm1_ocha2015.gpkg").is_file():
            return cand.resolve()
    return None


@pytest.fixture(scope="session", autouse=True)
def _private_var(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN202
    """Point the store, accounts and snapshots at a temporary folder for the whole run.

    The CLI and the app default to var/ in the project; tests (and the subprocesses they
    start, which inherit the environment) must never read or write a developer's var/.
    """
    var = tmp_path_factory.mktemp("var")
    names = {
        "MALI_ACCESS_STORE": var / "store.sqlite",
        "MALI_ACCESS_USERS": var / "users.toml",
        "MALI_ACCESS_SNAPSHOTS": var / "snapshots",
    }
    # A developer's cell size or language must not change what the tests compute.
    unset = ("MALI_ACCESS_CELL_KM", "MALI_ACCESS_LANG", "MALI_ACCESS_STALE_DAYS", "MALI_ACCESS_CONTACT")
    saved = {k: os.environ.get(k) for k in (*names, *unset)}
    os.environ.update({k: str(v) for k, v in names.items()})
    # Tests count the app's computations: no background warm-up unless a test asks for it.
    saved.setdefault("MALI_ACCESS_WARM_UP", os.environ.get("MALI_ACCESS_WARM_UP"))
    os.environ["MALI_ACCESS_WARM_UP"] = "0"
    for k in unset:
        os.environ.pop(k, None)
    yield var
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """Return the real data folder (skips locally when absent, fails on CI)."""
    found = _real_data_dir()
    if found is None:
        msg = "real data folder not found (../shared/data or MALI_ACCESS_DATA)"
        if ON_CI:
            pytest.fail(msg)
        pytest.skip(msg)
    return found


@pytest.fixture(scope="session")
def model_inputs(data_dir: Path):  # noqa: ANN201
    """Build the static model inputs on the real data at 1 km (built once per test session)."""
    from geo.model.friction import load_model_inputs

    return load_model_inputs(data_dir, cell_km=1.0)


@pytest.fixture(scope="session")
def n_hubs() -> int:
    """Number of valid hubs in data/curated/hubs.csv (expectations count from the input)."""
    from geo.sources.curated import read_hubs

    return len(read_hubs().valid)


@pytest.fixture
def isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh store path, also exported as MALI_ACCESS_STORE for code that reads the env."""
    path = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(path))
    return path
