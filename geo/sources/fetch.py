"""Download the public datasets of the manifest, with checksums and progress.

On a machine with internet access ``python -m geo fetch`` fills ``data/external/``
(or ``--dest``) from the ``url`` of each manifest entry, verifies the SHA-256 of what
arrived, and only then moves it into place (atomic rename): a failed or corrupted
download never replaces a good file. Entries without a downloadable file address
(a folder page, a form) are reported and skipped.
"""

from __future__ import annotations

import hashlib
import logging
import urllib.request
from collections.abc import Callable
from pathlib import Path

from geo.errors import DataFileError
from geo.io import atomic_path
from geo.sources.datasets import Dataset, load_manifest

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
CHUNK = 1 << 16


def download(
    url: str, target: Path, *, sha256: str, progress: Progress | None = None, timeout_s: float = 60.0
) -> Path:
    """Download ``url`` to ``target`` if its SHA-256 matches.

    Parameters
    ----------
    url
        http(s) or file URL.
    target
        Destination path; replaced only when the checksum matches.
    sha256
        Expected hex digest.
    progress
        ``progress(bytes_done, bytes_total, name)``; total is 0 when unknown.
    timeout_s
        Network timeout in seconds.

    Returns
    -------
    Path
        ``target``.

    Raises
    ------
    DataFileError
        Network error or checksum mismatch (the message gives both digests).
    """
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as resp, atomic_path(target) as tmp:  # noqa: S310
            total = int(resp.headers.get("Content-Length") or 0)
            done = 0
            with open(tmp, "wb") as f:
                while block := resp.read(CHUNK):
                    f.write(block)
                    h.update(block)
                    done += len(block)
                    if progress:
                        progress(done, total, target.name)
            if h.hexdigest() != sha256:
                msg = f"checksum mismatch: expected {sha256}, got {h.hexdigest()} (from {url})"
                raise DataFileError(target, msg, field="sha256")
    except OSError as exc:
        raise DataFileError(target, f"download failed from {url} ({exc})") from exc
    logger.info("fetched %s (%d bytes)", target, done)
    return target


def is_direct_file_url(ds: Dataset) -> bool:
    """True when the manifest URL points at a file (not a folder page or a form)."""
    return bool(ds.url) and "/tree/" not in ds.url and not ds.url.endswith("/")


def fetch_all(
    dest: Path, *, roles: list[str] | None = None, progress_for: Callable[[str], Progress] | None = None
) -> dict[str, str]:
    """Fetch every (or the named) manifest dataset into ``dest``.

    Returns
    -------
    dict
        Role -> ``"ok"``, ``"present"`` (already there with the right checksum),
        ``"skipped: ..."`` or ``"failed: ..."``.
    """
    from geo.sources.datasets import sha256_file

    out = {}
    for role, ds in load_manifest().items():
        if roles and role not in roles:
            continue
        target = Path(dest) / ds.path
        if target.is_file() and sha256_file(target) == ds.sha256:
            out[role] = "present"
            continue
        if not is_direct_file_url(ds):
            out[role] = f"skipped: no direct download address ({ds.url or 'none'}); see SOURCES"
            continue
        try:
            download(ds.url, target, sha256=ds.sha256, progress=progress_for(role) if progress_for else None)
            out[role] = "ok"
        except DataFileError as exc:
            out[role] = f"failed: {exc}"
    return out
