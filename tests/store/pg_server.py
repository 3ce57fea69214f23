"""A throwaway PostgreSQL + PostGIS server for the store tests (both backends run the store suite).

``MALI_ACCESS_TEST_PG_URL`` names an existing server (an admin URL such as
``postgresql://postgres@127.0.0.1:5432/postgres``; one database per test is created on it).
Otherwise a cluster is made with the Debian packages' ``initdb`` (``postgresql-15`` and
``postgresql-15-postgis-3``) in a temporary folder and listens on a free loopback port for
the test session; it is stopped and deleted at the end. Run as root, the cluster runs as
the ``postgres`` account (``initdb`` refuses root).

Without a server the PostgreSQL tests are skipped with the reason; with
``MALI_ACCESS_REQUIRE_POSTGRES=1`` (set by ``.ci/run``) they fail instead, so CI can
never pass without running them.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_ENV = "MALI_ACCESS_REQUIRE_POSTGRES"
URL_ENV = "MALI_ACCESS_TEST_PG_URL"
TEMPLATE = "mali_store_template"


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"PostgreSQL store tests required ({REQUIRE_ENV} is set) but {reason}")
    pytest.skip(f"PostgreSQL store tests skipped: {reason}")


class PgServer:
    """A running server: ``new_database()`` gives the URL of a new empty database with PostGIS."""

    def __init__(self, admin_url: str) -> None:
        import psycopg

        self.admin_url = admin_url
        self._names = itertools.count(1)
        self._prefix = f"mali_store_{os.getpid()}_"
        with psycopg.connect(admin_url, autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (TEMPLATE,)).fetchone() is None:
                conn.execute(f"CREATE DATABASE {TEMPLATE}")
                with psycopg.connect(self.url(TEMPLATE), autocommit=True) as tmpl:
                    tmpl.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    def url(self, database: str) -> str:
        """URL of ``database`` on this server (same user and host as the admin URL)."""
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{database}"

    def new_database(self) -> str:
        """Create an empty database (PostGIS installed, no store tables) and return its URL."""
        import psycopg

        name = f"{self._prefix}{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)


def _as_postgres() -> tuple[dict[str, object], str | None]:
    """Popen arguments that run a command as the ``postgres`` account when we are root."""
    if os.geteuid() != 0:
        return {}, None
    try:
        pw = pwd.getpwnam("postgres")
    except KeyError:
        return {}, "running as root and there is no postgres account to run the server"

    def demote() -> None:
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)

    return {"preexec_fn": demote, "env": {**os.environ, "HOME": pw.pw_dir}}, None


def _start_cluster(folder: Path, bin_dir: Path) -> tuple[str, list[str]]:
    """Create and start a cluster in ``folder``; return its admin URL and the stop command."""
    kw, problem = _as_postgres()
    if problem:
        _unavailable(problem)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
    data, log = folder / "data", folder / "server.log"
    subprocess.run(
        [bin_dir / "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        **kw,  # type: ignore[arg-type]
    )
    port = _free_port()
    # a throwaway cluster: durability off (fsync), loopback only, socket in its own folder
    opts = (
        f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=60"
    )
    start = [bin_dir / "pg_ctl", "-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start"]
    done = subprocess.run(start, capture_output=True, text=True, **kw)  # type: ignore[arg-type]
    if done.returncode != 0:
        text = log.read_text(errors="replace") if log.exists() else done.stderr
        pytest.fail(f"the throwaway PostgreSQL server did not start: {text[-2000:]}")
    stop = [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
    return f"postgresql://postgres@127.0.0.1:{port}/postgres", stop


def pg_server_session() -> Iterator[PgServer]:
    """Yield a :class:`PgServer` for the test session (skip or fail when none can run)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed (pip install 'mali-access[server]')")
    url = os.environ.get(URL_ENV)
    if url:
        yield PgServer(url)
        return
    bin_dir = _bin_dir()
    if bin_dir is None:
        _unavailable(
            "no PostgreSQL server: install postgresql-15 and postgresql-15-postgis-3 "
            f"(apt-get install), or set {URL_ENV}"
        )
    assert bin_dir is not None
    if not any(Path(bin_dir).parent.parent.glob("lib/postgis*")) and not glob.glob(
        "/usr/share/postgresql/*/extension/postgis.control"
    ):
        _unavailable("PostGIS is not installed (apt-get install postgresql-15-postgis-3)")
    folder = Path(tempfile.mkdtemp(prefix="mali-pg-"))
    kw, _ = _as_postgres()
    stop: list[str] | None = None
    try:
        url, stop = _start_cluster(folder, bin_dir)
        yield PgServer(url)
    finally:
        if stop is not None:
            subprocess.run(stop, capture_output=True, **kw)  # type: ignore[arg-type]
        shutil.rmtree(folder, ignore_errors=True)


def run_sql(location: Path | str, sql: str, params: tuple = ()) -> None:
    """Execute one statement on a store with the backend's own driver (no project code) and commit it."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as conn:  # commits on a clean exit
            conn.execute(sql.replace("?", "%s"), params or None)
        return
    conn = sqlite3.connect(location)
    try:
        conn.execute(sql, params)
        conn.commit()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


def run_query(location: Path | str, sql: str) -> list[tuple]:
    """Rows of one SELECT on a store, read with the backend's own driver."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as conn:
            return [tuple(r) for r in conn.execute(sql).fetchall()]
    conn = sqlite3.connect(location)
    try:
        return [tuple(r) for r in conn.execute(sql).fetchall()]
    finally:
        conn.close()


def refused_error(location: Path | str) -> type[Exception]:
    """The driver error a statement refused by the store's triggers or checks raises."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        return psycopg.errors.IntegrityError
    return sqlite3.IntegrityError


def db_state(location: Path | str) -> dict[str, object]:
    """Every store table's rows (sorted), read with the backend's own driver: equal means untouched."""
    if isinstance(location, str) and location.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(location) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                    "AND table_type = 'BASE TABLE' AND table_name <> 'spatial_ref_sys'"
                )
            ]
            return {n: sorted(map(repr, conn.execute(f"SELECT * FROM {n}").fetchall())) for n in names}
    conn = sqlite3.connect(f"{Path(location).resolve().as_uri()}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: sorted(map(repr, conn.execute(f"SELECT * FROM {n}").fetchall())) for n in sorted(names)}
    finally:
        conn.close()
