"""Store fixtures: every store test that takes ``new_store`` runs on SQLite and on PostgreSQL/PostGIS.

``backend`` is ``"sqlite"`` or ``"postgresql"``; ``new_store(name)`` returns a new, empty
store location of that backend (a file in ``tmp_path``, or the URL of a new database on
the session's PostgreSQL server, :mod:`tests.store.pg_server`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.store.pg_server import PgServer, pg_server_session

BACKENDS = ("sqlite", "postgresql")


@pytest.fixture(scope="module", autouse=True)
def _english_output() -> Iterator[None]:
    """Run the commands of the store tests in English (they read the English lines; French is the default)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALI_ACCESS_LANG", "en")
        yield


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server (skips, or fails under MALI_ACCESS_REQUIRE_POSTGRES, without one)."""
    yield from pg_server_session()


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each backend in turn."""
    return str(request.param)


@pytest.fixture
def new_store(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Callable[[str], Path | str]:
    """Return a factory of new empty store locations of ``backend``."""
    if backend == "postgresql":
        server: PgServer = request.getfixturevalue("pg_server")
        return lambda name="store": server.new_database()
    return lambda name="store": tmp_path / f"{name}.sqlite"


@pytest.fixture
def isolated_store(new_store: Callable[[str], Path | str], monkeypatch: pytest.MonkeyPatch) -> Path | str:
    """Return a fresh store of each backend, exported as MALI_ACCESS_STORE (overrides tests/conftest.py)."""
    location = new_store("store")
    monkeypatch.setenv("MALI_ACCESS_STORE", str(location))
    return location
