"""The dataset manifest (``data/manifest.toml``) and checked access to the data folder.

Every public dataset has a *role* (``admin1``, ``roads``, ``population`` ...). Code asks
for a role, never for a file name, so another source (HDX COD-AB 2021, geoBoundaries,
a HOT OSM export) can be dropped in by editing the manifest and naming its adapter.
"""

from __future__ import annotations

import hashlib
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pyogrio

from geo.config import MANIFEST_PATH
from geo.errors import CRSError, DataFileError, MissingDataError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Dataset:
    """One manifest entry.

    Attributes
    ----------
    role
        What the engine uses it for (``admin2``, ``roads``...).
    path
        Path relative to the data folder.
    adapter
        Name of the reader that normalises it (see the loaders in ``geo.sources.admin``,
        ``geo.sources.roads``, ``geo.sources.places``).
    layer
        Layer name inside a GeoPackage, if any.
    publisher, licence, url, sha256
        Provenance: who publishes it, under which licence, where it is downloaded
        from, and the SHA-256 of the file in the data folder.
    """

    role: str
    path: str
    adapter: str
    layer: str | None
    publisher: str
    licence: str
    url: str
    sha256: str


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, Dataset]:
    """Read the manifest.

    Returns
    -------
    dict
        Role -> :class:`Dataset`.

    Raises
    ------
    DataFileError
        If the TOML is malformed or an entry lacks a required key.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, f"cannot read manifest ({exc})") from exc
    out = {}
    for role, entry in raw.get("datasets", {}).items():
        for key in ("path", "adapter", "publisher", "licence", "sha256"):
            if key not in entry:
                raise DataFileError(path, f"dataset {role!r} lacks {key!r}", field=key)
        out[role] = Dataset(
            role=role,
            path=entry["path"],
            adapter=entry["adapter"],
            layer=entry.get("layer"),
            publisher=entry["publisher"],
            licence=entry["licence"],
            url=entry.get("url", ""),
            sha256=entry["sha256"],
        )
    return out


def dataset_path(data_dir: Path, role: str) -> Path:
    """Absolute path of the file playing ``role`` in ``data_dir``.

    Raises
    ------
    MissingDataError
        If the role is not in the manifest or its file is missing.
    """
    manifest = load_manifest()
    if role not in manifest:
        msg = f"no dataset with role {role!r} in the manifest; known: {sorted(manifest)}"
        raise MissingDataError(MANIFEST_PATH, msg)
    path = Path(data_dir) / manifest[role].path
    if not path.is_file():
        msg = f"{role} file missing (expected per data/manifest.toml; run `python -m geo fetch`)"
        raise MissingDataError(path, msg)
    return path


def read_vector(data_dir: Path, role: str, *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
    """Read the vector dataset playing ``role``, checking it has a CRS and the columns asked.

    Parameters
    ----------
    data_dir
        The data folder.
    role
        Manifest role.
    columns
        Columns that must be present.

    Returns
    -------
    geopandas.GeoDataFrame
        As stored (EPSG:4326 expected), unmodified.

    Raises
    ------
    DataFileError
        File unreadable or a required column missing.
    CRSError
        Layer without CRS.
    """
    path = dataset_path(data_dir, role)
    layer = load_manifest()[role].layer
    try:
        gdf = gpd.read_file(path, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError) as exc:
        raise DataFileError(path, f"cannot read {role} layer {layer!r} ({exc})") from exc
    if gdf.crs is None:
        msg = f"{path}: layer {layer!r} has no CRS; expected EPSG:4326"
        raise CRSError(msg)
    for col in columns or ():
        if col not in gdf.columns:
            msg = f"missing column; expected columns {columns}"
            raise DataFileError(path, msg, field=col)
    logger.info("read %s: %d features from %s", role, len(gdf), path.name)
    return gdf


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_data_dir(data_dir: Path) -> dict[str, str]:
    """Check every manifest file in ``data_dir``.

    Returns
    -------
    dict
        Role -> ``"ok"``, ``"missing"`` or ``"checksum mismatch"``.
    """
    status = {}
    for role, ds in load_manifest().items():
        path = Path(data_dir) / ds.path
        if not path.is_file():
            status[role] = "missing"
        elif sha256_file(path) != ds.sha256:
            status[role] = "checksum mismatch"
        else:
            status[role] = "ok"
    return status
