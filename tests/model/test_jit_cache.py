"""numba's kernel cache on a read-only install: a writable fallback folder, else uncached (never a crash)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from geo.config import PROJECT_ROOT
from geo.model.jit import choose_cache_dir

PKG = Path("/srv/app/geo/model")
USER = Path("/home/u/.cache/mali-access/numba")
TMP = Path("/tmp/mali-access-numba-1000")


def _only(*ok: Path):  # noqa: ANN202
    return lambda folder: folder in ok


@pytest.mark.parametrize(
    ("user_dir", "writable", "expected"),
    [
        (None, _only(PKG / "__pycache__", USER, TMP), (True, None)),  # numba's default, next to the source
        (None, _only(USER, TMP), (True, str(USER))),  # read-only package: per-user cache
        (None, _only(TMP), (True, str(TMP))),  # no home either: temporary folder
        (None, _only(), (False, None)),  # nothing writable: uncached
        ("/data/numba", _only(Path("/data/numba")), (True, None)),  # the administrator's folder
        ("/data/numba", _only(USER), (True, str(USER))),  # administrator's folder read-only
    ],
)
def test_choose_cache_dir(user_dir: str | None, writable, expected: tuple) -> None:  # noqa: ANN001
    got = choose_cache_dir(user_dir=user_dir, package_dir=PKG, candidates=[USER, TMP], writable=writable)
    assert got == expected


RUN = textwrap.dedent("""
    import numba, numpy as np
    from rasterio.transform import Affine
    from geo.model import jit
    from geo.model.polygonize import mask_polygons
    m = np.zeros((4, 5), bool)
    m[1:3, 1:4] = True
    print(jit.CACHE, numba.config.CACHE_DIR or "-", mask_polygons(m, Affine(1000, 0, 0, 0, -1000, 4000)).area)
""")

needs_root = pytest.mark.skipif(
    not hasattr(os, "geteuid")
    or os.geteuid() != 0
    or not shutil.which("setpriv")
    or not shutil.which("unshare"),
    reason="runs the kernels as another user (nobody) on a read-only install: needs root, setpriv, unshare",
)


def _as_nobody(argv_prefix: list[str], tmpdir: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", "TMPDIR": tmpdir, "PYTHONPATH": str(PROJECT_ROOT)}
    cmd = [
        *argv_prefix,
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
        sys.executable,
        "-c",
        RUN,
    ]
    return subprocess.run(cmd, env=env, cwd="/", capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.slow  # compiles the polygonizer's kernels in a fresh process (about a minute)
@needs_root
def test_read_only_install_caches_in_a_writable_folder() -> None:
    """The package folder is root's (not writable by nobody), and nobody has no home."""
    assert not os.access(PROJECT_ROOT / "geo" / "model", os.W_OK) or os.geteuid() == 0
    tmp = tempfile.mkdtemp(prefix="jit-")
    try:
        os.chmod(tmp, 0o777)  # noqa: S103  (nobody's temporary folder for this test)
        res = _as_nobody([], tmp)
        assert res.returncode == 0, res.stderr
        cache, folder, area = res.stdout.split()
        assert (cache, folder, float(area)) == ("True", f"{tmp}/mali-access-numba-65534", 6_000_000.0)
        assert any(p.suffix == ".nbi" for p in Path(folder).rglob("*")), "kernels were not cached"
    finally:
        shutil.rmtree(tmp)


@pytest.mark.slow  # compiles the polygonizer's kernels in a fresh process (about a minute)
@needs_root
def test_nothing_writable_runs_uncached() -> None:
    """Read-only /tmp and /var/tmp too (a private mount namespace): compiled in memory, same result."""
    script = 'mount -t tmpfs -o ro tmpfs /tmp && mount -t tmpfs -o ro tmpfs /var/tmp && exec "$@"'
    res = _as_nobody(["unshare", "-m", "sh", "-c", script, "sh"], "/tmp")
    if "mount" in res.stderr and res.returncode != 0 and "Traceback" not in res.stderr:
        pytest.skip(f"cannot mount in a private namespace here: {res.stderr.strip()}")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "-", "6000000.0"]
