"""The dataset manifest (``data/manifest.toml``), the folder lock, and checked access to the data folder.

Every public dataset has a *role* (``admin1``, ``roads``, ``population`` ...). Code asks
for a role, never for a file name, so another source (HDX COD-AB 2021, geoBoundaries,
a HOT OSM export) can be dropped in by editing the manifest and naming its adapter.

Two files describe a data folder:

``data/manifest.toml`` (in the project)
    ``[datasets.ROLE]``: the default file of each role (the layout of ``../shared/data``),
    its adapter, provenance and the SHA-256 of that reference file. ``[sources.ID]``: the
    publishers' raw files (address, format, licence, raw SHA-256 when known) and the
    processing step that turns them into the roles they ``produce`` (see
    :mod:`geo.sources.fetch`).
``DIR/mali-access.lock.toml`` (in the data folder, written by ``geo fetch`` and
``geo data add``)
    ``[raw."NAME"]``: the SHA-256 of each raw file the folder was built from (recorded on
    first download when the manifest pins none, checked afterwards). ``[datasets.ROLE]``:
    the file that plays the role in this folder (path, layer, adapter, COD-AB version),
    its SHA-256, and where it came from. A role recorded in the lock wins over the
    manifest default; :func:`verify_data_dir` checks each file against the lock when it
    records it, else against the manifest.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from geo.config import MANIFEST_PATH
from geo.errors import CRSError, DataFileError, MissingDataError
from geo.text import Keyed

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
    version
        Version of the codes the file uses (``"2015"`` or ``"2021"`` for COD-AB P-codes),
        empty when not applicable.
    source
        Id of the ``[sources.ID]`` entry that produces it, empty when none.
    optional
        True when a folder may lack it (``geo data verify`` does not fail on it).
    """

    role: str
    path: str
    adapter: str
    layer: str | None
    publisher: str
    licence: str
    url: str
    sha256: str
    version: str = ""
    source: str = ""
    optional: bool = False


@dataclass(frozen=True)
class RawFile:
    """One file a publisher serves.

    Attributes
    ----------
    name
        Relative name, the same in the raw cache (``DIR/.raw/NAME``) and in a mirror.
    url
        Publisher's direct download address; empty when none could be confirmed.
    sha256
        Pinned SHA-256 of the raw file; empty when unknown (then recorded in the lock on
        first download and checked afterwards).
    """

    name: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Source:
    """One ``[sources.ID]`` entry: raw files and the step that processes them.

    Attributes
    ----------
    id
        Manifest key.
    title, publisher, licence, page, note
        Provenance; ``page`` is the publisher's landing page, ``note`` says what could
        not be confirmed.
    format
        Raw format (``shapefile``, ``zip-shapefile``, ``geojson``, ``geotiff``, ``csv`` ...).
    process
        Name of the processing step in :data:`geo.sources.process.PROCESSORS`.
    produces
        Roles it writes.
    default
        Whether ``geo fetch`` takes it when no ``--only`` is given (an alternative, e.g.
        the 2015 COD-AB, is ``false``).
    version
        Version the outputs carry (COD-AB ``"2015"`` / ``"2021"``), empty if none.
    files
        The raw files.
    options
        Extra settings for the processing step.
    """

    id: str
    title: str
    publisher: str
    licence: str
    page: str
    note: str
    format: str
    process: str
    produces: tuple[str, ...]
    default: bool
    version: str
    files: tuple[RawFile, ...]
    options: dict[str, Any] = field(default_factory=dict)


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
    raw = _read_manifest_toml(path)
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
            version=str(entry.get("version", "")),
            source=entry.get("source", ""),
            optional=bool(entry.get("optional", False)),
        )
    return out


def _read_manifest_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, f"cannot read manifest ({exc})") from exc


def load_sources(path: Path = MANIFEST_PATH) -> dict[str, Source]:
    """Read the ``[sources.ID]`` entries of the manifest.

    Returns
    -------
    dict
        Source id -> :class:`Source`, in manifest order.

    Raises
    ------
    DataFileError
        Malformed TOML, a missing key, or a file entry without ``name``.
    """
    raw = _read_manifest_toml(path)
    out = {}
    for sid, entry in raw.get("sources", {}).items():
        for key in ("title", "publisher", "licence", "format", "process", "produces", "files"):
            if key not in entry:
                raise DataFileError(path, f"source {sid!r} lacks {key!r}", field=key)
        files = []
        for i, f in enumerate(entry["files"], start=1):
            if not f.get("name"):
                raise DataFileError(path, f"source {sid!r} file {i} lacks a name", field="name")
            files.append(RawFile(name=f["name"], url=f.get("url", ""), sha256=f.get("sha256", "")))
        out[sid] = Source(
            id=sid,
            title=entry["title"],
            publisher=entry["publisher"],
            licence=entry["licence"],
            page=entry.get("page", ""),
            note=entry.get("note", ""),
            format=entry["format"],
            process=entry["process"],
            produces=tuple(entry["produces"]),
            default=bool(entry.get("default", True)),
            version=str(entry.get("version", "")),
            files=tuple(files),
            options=dict(entry.get("options", {})),
        )
    return out


# ---------------------------------------------------------------------------------------------
# The folder lock
# ---------------------------------------------------------------------------------------------

LOCK_NAME = "mali-access.lock.toml"


def lock_path(data_dir: Path) -> Path:
    """Path of the lock file of ``data_dir``."""
    return Path(data_dir) / LOCK_NAME


def read_lock(data_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Read ``DIR/mali-access.lock.toml``.

    Returns
    -------
    dict
        ``{"raw": {name: {...}}, "datasets": {role: {...}}}``; both empty when the folder
        has no lock (a folder copied by hand, like ``../shared/data``).

    Raises
    ------
    DataFileError
        The lock exists but is not valid TOML.
    """
    path = lock_path(data_dir)
    if not path.is_file():
        return {"raw": {}, "datasets": {}}
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, f"cannot read the folder lock ({exc})") from exc
    return {"raw": dict(doc.get("raw", {})), "datasets": dict(doc.get("datasets", {}))}


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    # JSON basic strings are valid TOML basic strings (\uXXXX escapes included).
    return json.dumps(str(v), ensure_ascii=False)


def write_lock(data_dir: Path, lock: dict[str, dict[str, dict[str, Any]]]) -> Path:
    """Write the lock atomically (temporary file + rename), sorted, UTF-8.

    Returns
    -------
    Path
        The lock file.
    """
    from geo.io import atomic_path

    lines = [
        "# Written by `python -m geo fetch` / `geo data add`: what this data folder holds.",
        "# [raw.NAME]: SHA-256 of each raw publisher file; [datasets.ROLE]: the processed file",
        "# playing each role and its SHA-256 (checked by `python -m geo data verify`).",
        "",
    ]
    for section in ("raw", "datasets"):
        for key in sorted(lock.get(section, {})):
            lines.append(f"[{section}.{json.dumps(key, ensure_ascii=False)}]")
            for k, v in sorted(lock[section][key].items()):
                if v is None:
                    continue
                lines.append(f"{k} = {_toml_value(v)}")
            lines.append("")
    target = lock_path(data_dir)
    with atomic_path(target) as tmp:
        tmp.write_text("\n".join(lines), encoding="utf-8")
    return target


def now_utc() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SSZ`` (for provenance records)."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def dataset_entry(data_dir: Path, role: str) -> Dataset:
    """Return the dataset playing ``role`` in ``data_dir`` (the lock's record, else the manifest's).

    Parameters
    ----------
    data_dir
        Data folder.
    role
        Role name (``admin2``, ``roads_osm`` ...).

    Returns
    -------
    Dataset
        With ``path``, ``layer``, ``adapter``, ``version`` and ``sha256`` taken from the
        lock when it records the role (provenance fields from the manifest when the role
        is known there).

    Raises
    ------
    MissingDataError
        If neither the lock nor the manifest knows the role.
    """
    manifest = load_manifest()
    rec = read_lock(data_dir)["datasets"].get(role)
    base = manifest.get(role)
    if rec is None:
        if base is None:
            known = sorted(manifest)
            msg = f"no dataset with role {role!r} in the manifest or the folder lock; known: {known}"
            raise MissingDataError(MANIFEST_PATH, msg)
        return base
    if base is None:
        base = Dataset(role, "", "", None, "", "", "", "")
    return replace(
        base,
        path=rec.get("path", base.path),
        layer=rec.get("layer", base.layer) or None,
        adapter=rec.get("adapter", base.adapter),
        version=str(rec.get("version", base.version)),
        sha256=rec.get("sha256", base.sha256),
        publisher=rec.get("publisher", base.publisher),
        licence=rec.get("licence", base.licence),
        url=rec.get("url", base.url),
        source=rec.get("source", base.source),
    )


def dataset_path(data_dir: Path, role: str) -> Path:
    """Absolute path of the file playing ``role`` in ``data_dir``.

    Raises
    ------
    MissingDataError
        If the role is not in the manifest or its file is missing.
    """
    entry = dataset_entry(data_dir, role)
    path = Path(data_dir) / entry.path
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
    layer = dataset_entry(data_dir, role).layer
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
    """Check every file of ``data_dir`` against its lock record, else against the manifest.

    Returns
    -------
    dict
        Role -> ``"ok"`` (manifest checksum), ``"ok (lock)"`` (checksum recorded in the
        folder lock), ``"missing"``, ``"absent (optional)"`` or ``"checksum mismatch"``.
        Roles recorded only in the lock (``roads_osm`` ...) are included.

    Raises
    ------
    DataFileError
        The lock is not valid TOML.
    """
    manifest = load_manifest()
    locked = read_lock(data_dir)["datasets"]
    status = {}
    for role in [*manifest, *(r for r in sorted(locked) if r not in manifest)]:
        rec = locked.get(role)
        ds = manifest.get(role)
        rel = rec.get("path") if rec else ds.path
        want = rec.get("sha256") if rec else ds.sha256
        path = Path(data_dir) / rel
        if not path.is_file():
            status[role] = (
                STATES["absent"] if ds is not None and ds.optional and not rec else STATES["missing"]
            )
        elif sha256_file(path) != want:
            status[role] = STATES["mismatch"]
        else:
            status[role] = STATES["ok_lock"] if rec else STATES["ok"]
    return status


#: States of a dataset in a folder (:func:`verify_data_dir`): English text with its catalog key.
STATES = {
    "ok": Keyed("ok", "cli.data_state.ok"),
    "ok_lock": Keyed("ok (lock)", "cli.data_state.ok_lock"),
    "absent": Keyed("absent (optional)", "cli.data_state.absent"),
    "missing": Keyed("missing", "cli.data_state.missing"),
    "mismatch": Keyed("checksum mismatch", "cli.data_state.mismatch"),
}


def verify_ok(status: dict[str, str]) -> bool:
    """Tell whether :func:`verify_data_dir` found nothing missing or changed."""
    return all(s in ("ok", "ok (lock)", "absent (optional)") for s in status.values())
