"""Where numba keeps the compiled kernels, so a read-only install still runs.

The kernels of :mod:`geo.model.costdist`, :mod:`geo.model.friction`, :mod:`geo.model.reach` and
:mod:`geo.model.polygonize` are compiled with ``cache=True``: numba writes the machine
code next to the source (``__pycache__``), else in a per-user folder. On an install
whose package folder is read-only and whose user has no writable home (a service
account, a container with a read-only root), numba finds no place and raises
``RuntimeError: cannot cache function`` when the module is imported.

This module decides once, before the kernels are decorated, in this order:

1. ``NUMBA_CACHE_DIR`` set by the administrator and writable: numba's own choice.
2. The package's ``__pycache__`` folder writable: numba's default (next to the source).
3. The per-user cache folder (:func:`platformdirs.user_cache_dir`, ``mali-access/numba``).
4. A folder of the system's temporary directory (``mali-access-numba-<uid>``).
5. Nothing writable: kernels are compiled in memory on each start, not cached
   (:data:`CACHE` is False; a warning is logged once).

For 3 and 4, ``numba.config.CACHE_DIR`` (and ``NUMBA_CACHE_DIR`` for child processes)
is set to the chosen folder.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numba

logger = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent


def writable_dir(folder: Path) -> bool:
    """Whether ``folder`` exists or can be made, and a file can be written in it (numba's own test)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=folder).close()
    except OSError:
        return False
    return True


def fallback_dirs() -> list[Path]:
    """Writable-folder candidates after the package folder: per-user cache, then temporary folder."""
    out = []
    try:
        import platformdirs

        out.append(Path(platformdirs.user_cache_dir("mali-access", appauthor=False)) / "numba")
    except Exception:  # noqa: BLE001  (no home directory, or platformdirs unusable: skip)
        logger.debug("no per-user cache folder", exc_info=True)
    uid = os.getuid() if hasattr(os, "getuid") else "user"
    try:
        out.append(Path(tempfile.gettempdir()) / f"mali-access-numba-{uid}")
    except OSError:  # no usable temporary folder at all
        logger.debug("no temporary folder", exc_info=True)
    return out


def choose_cache_dir(
    *,
    user_dir: str | None,
    package_dir: Path,
    candidates: Sequence[Path],
    writable: Callable[[Path], bool] = writable_dir,
) -> tuple[bool, str | None]:
    """Decide how numba caches the kernels.

    Parameters
    ----------
    user_dir
        ``NUMBA_CACHE_DIR`` as set by the administrator (or None/"").
    package_dir
        Folder of the kernels' source (numba caches in its ``__pycache__``).
    candidates
        Fallback folders, in order of preference.
    writable
        Test for a folder (default :func:`writable_dir`).

    Returns
    -------
    tuple
        ``(cache, folder)``: ``cache`` False when nothing is writable (compile
        uncached); ``folder`` the cache folder to give numba, or None to keep numba's
        default (the administrator's folder, or ``__pycache__``).
    """
    if user_dir and writable(Path(user_dir)):
        return True, None
    if not user_dir and writable(package_dir / "__pycache__"):
        return True, None
    for folder in candidates:
        if writable(folder):
            return True, str(folder)
    return False, None


def _configure() -> bool:
    cache, folder = choose_cache_dir(
        user_dir=os.environ.get("NUMBA_CACHE_DIR"), package_dir=PACKAGE_DIR, candidates=fallback_dirs()
    )
    if folder is not None:
        numba.config.CACHE_DIR = folder
        os.environ["NUMBA_CACHE_DIR"] = folder
        logger.info("numba: package folder not writable, compiled kernels cached in %s", folder)
    elif not cache:
        numba.config.CACHE_DIR = ""
        logger.warning(
            "numba: no writable folder for compiled kernels (package, user cache, temporary folder); "
            "they are compiled on each start"
        )
    return cache


#: Pass as ``numba.njit(cache=CACHE)``: False when no writable cache folder exists.
CACHE: bool = _configure()
