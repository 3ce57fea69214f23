"""Build or update a data folder from the publishers' raw files (``python -m geo fetch``).

For each ``[sources.ID]`` entry of ``data/manifest.toml``:

1. **Download** each raw file with pooch into the folder's raw cache ``DIR/.raw/NAME``
   (progress bar; a file already cached with the expected SHA-256 is not downloaded
   again). The expected SHA-256 is the one pinned in the manifest, else the one the folder
   lock recorded on the first download; a file whose hash is unknown is downloaded and
   its hash recorded. pooch writes to a temporary file and renames it only when the hash
   matches, so a failed or mismatched download leaves the cache as it was. pooch does not
   resume a partial file: an interrupted run resumes file by file (cached files are kept).
2. **Process** the raw files (:data:`geo.sources.process.PROCESSORS`) into a staging
   folder ``DIR/.staging-ID-*`` laid out like the data folder.
3. **Move into place** the processed files (``os.replace``, same file system) and record
   the raw and processed SHA-256 in ``DIR/mali-access.lock.toml``. A source that fails at
   any step leaves the folder and its lock as they were.

``--mirror URL_OR_DIR`` takes every raw file from ``MIRROR/NAME`` (an http(s) base address
or a local folder with the same relative names) instead of the publisher: field offices
with a poor link share one copy, and the tests serve one from a loopback server.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from geo.config import MANIFEST_PATH
from geo.errors import AccessMapError, DataFileError
from geo.sources.datasets import (
    RawFile,
    Source,
    load_sources,
    now_utc,
    read_lock,
    sha256_file,
    write_lock,
)
from geo.text import Keyed, joined, of_error

logger = logging.getLogger(__name__)

RAW_CACHE = ".raw"


class SkipSource(AccessMapError):
    """A source cannot be fetched as configured (no address, no processor): skipped, not failed."""


@dataclass(frozen=True)
class FileStatus:
    """What ``--dry-run`` says about one raw file."""

    source: str
    name: str
    address: str
    hash_status: str
    cached: bool


def _is_url(text: str) -> bool:
    return urllib.parse.urlparse(text).scheme in ("http", "https")


def file_address(f: RawFile, mirror: str | None) -> str:
    """Where a raw file is taken from: ``MIRROR/NAME``, else the publisher's address, else ``""``."""
    if mirror:
        if _is_url(mirror):
            return mirror.rstrip("/") + "/" + urllib.parse.quote(f.name)
        return str(Path(mirror) / f.name)
    return f.url


def expected_hash(f: RawFile, lock: dict) -> tuple[str, str]:
    """Return a raw file's expected SHA-256 and its origin (``manifest``, ``lock`` or ``unknown``)."""
    if f.sha256:
        return f.sha256, "manifest"
    rec = lock["raw"].get(f.name)
    if rec and rec.get("sha256"):
        return rec["sha256"], "lock"
    return "", "unknown"


def select_sources(only: list[str] | None = None) -> list[Source]:
    """Return the sources to fetch: those named (by id or by a role they produce), else the defaults.

    Raises
    ------
    DataFileError
        A name matches no source id and no produced role.
    """
    sources = load_sources()
    if not only:
        return [s for s in sources.values() if s.default]
    out = []
    for name in only:
        hits = [s for s in sources.values() if s.id == name] or [
            s for s in sources.values() if name in s.produces and s.default
        ]
        if not hits:
            msg = f"unknown source or role {name!r}; sources: {', '.join(sources)}"
            raise DataFileError(MANIFEST_PATH, msg, field="sources")
        out.extend(h for h in hits if h not in out)
    return sorted(out, key=lambda s: list(sources).index(s.id))


def dry_run(dest: Path, *, only: list[str] | None = None, mirror: str | None = None) -> list[str]:
    """Describe, without downloading, what ``fetch`` would do for each source.

    Returns
    -------
    list of str
        Report lines: one header per source (id, roles, version, default or not, licence,
        the publisher page and the note on what could not be confirmed), then one line per
        raw file with its address (or ``NO CONFIRMED ADDRESS``) and its hash status
        (``pinned in manifest``, ``recorded in lock``, ``unknown: recorded on first download``).
    """
    lock = read_lock(dest)
    selected = {s.id for s in select_sources(only)}
    lines = []
    sources = load_sources()
    for s in sources.values():
        no_address = [f.name for f in s.files if not file_address(f, mirror)]
        if s.id not in selected:
            mark = Keyed(f"not selected (use --only {s.id})", "cli.fetch.not_selected", id=s.id)
        elif no_address:
            text = "selected, but SKIPPED: no confirmed address (give --mirror, or use geo data add)"
            mark = Keyed(text, "cli.fetch.skipped_no_address")
        else:
            mark = Keyed("will fetch", "cli.fetch.will_fetch")
        version = f", COD-AB {s.version}" if s.version else ""
        roles = ", ".join(s.produces)
        text = f"{s.id}: {s.title} -> {roles}{version} [{mark}]"
        lines.append(
            Keyed(text, "cli.fetch.source", id=s.id, title=s.title, roles=roles, version=version, mark=mark)
        )
        text = f"    publisher: {s.publisher}; licence: {s.licence}; format: {s.format}"
        fields = {"publisher": s.publisher, "licence": s.licence, "format": s.format}
        lines.append(Keyed(text, "cli.fetch.publisher", **fields))
        if s.page:
            lines.append(Keyed(f"    page: {s.page}", "cli.fetch.page", page=s.page))
        if s.note:
            lines.append(Keyed(f"    note: {s.note}", "cli.fetch.note", note=s.note))
        for f in s.files:
            addr = file_address(f, mirror) or Keyed(
                "NO CONFIRMED ADDRESS (use --mirror or geo data add)", "cli.fetch.no_address"
            )
            h, origin = expected_hash(f, lock)
            status = {
                "manifest": Keyed(
                    f"sha256 pinned in manifest {h[:12]}…", "cli.fetch.hash_pinned", hash=h[:12]
                ),
                "lock": Keyed(f"sha256 recorded in lock {h[:12]}…", "cli.fetch.hash_locked", hash=h[:12]),
                "unknown": Keyed(
                    "sha256 unknown: recorded in the lock on first download", "cli.fetch.hash_unknown"
                ),
            }[origin]
            cache = _cache_note(Path(dest) / RAW_CACHE / f.name, h)
            text = f"    {f.name}: {addr}; {status}{cache}"
            lines.append(Keyed(text, "cli.fetch.file", name=f.name, address=addr, hash=status, cache=cache))
    lines.extend(_dataset_lines(dest, sources, selected))
    return lines


def _cache_note(path: Path, want: str) -> str:
    """Say what the raw cache holds for a file, as ``fetch`` will treat it."""
    if not path.is_file():
        return ""
    if not want:
        return Keyed(
            "; cached copy unchecked (downloaded again to record its hash)", "cli.fetch.cache_unchecked"
        )
    if sha256_file(path) == want:
        return Keyed("; cached, hash matches (not downloaded again)", "cli.fetch.cache_ok")
    text = "; cached copy has ANOTHER hash (downloaded again; refused if the new one differs too)"
    return Keyed(text, "cli.fetch.cache_other")


def _dataset_lines(dest: Path, sources: dict[str, Source], selected: set[str]) -> list[str]:
    """One line per dataset role: the folder's state and the sources that can produce it."""
    from geo.sources.datasets import STATES, load_manifest, verify_data_dir

    manifest = load_manifest()
    try:
        state = verify_data_dir(dest) if Path(dest).is_dir() else {}
    except AccessMapError as exc:
        state = {}
        lines = [
            Keyed(f"datasets: cannot read the folder lock ({exc})", "cli.fetch.no_lock", reason=of_error(exc))
        ]
    else:
        lines = [
            Keyed("datasets (state in the folder; sources that produce each role):", "cli.fetch.datasets")
        ]
    for role in [*manifest, *(r for r in state if r not in manifest)]:
        ds = manifest.get(role)
        here = state.get(role, STATES["absent"] if ds is not None and ds.optional else STATES["missing"])
        alternative = Keyed(" (alternative)", "cli.fetch.alternative")
        makers = [
            (sid, "" if sid in selected else alternative)
            for sid, src in sources.items()
            if role in src.produces
        ]
        if makers:
            names = [Keyed(f"{sid}{alt}", "cli.fetch.maker", id=sid, alt=alt) for sid, alt in makers]
            how = Keyed("from " + ", ".join(names), "cli.fetch.from", names=joined(names))
        else:
            origin = ""
            if ds is not None and ds.url:
                origin = Keyed(f" (origin: {ds.url})", "cli.fetch.origin", url=ds.url)
            elif ds is not None:
                origin = f" ({ds.publisher})"
            text = f"NO FETCH SOURCE: copy the file into the folder yourself{origin}"
            how = Keyed(text, "cli.fetch.no_source", origin=origin)
        optional = ds is not None and ds.optional and "optional" not in here
        opt = Keyed(", optional", "cli.fetch.optional") if optional else ""
        lines.append(
            Keyed(f"  {role}: {here}{opt}; {how}", "cli.fetch.role", role=role, state=here, opt=opt, how=how)
        )
    return lines


def _retrieve(f: RawFile, address: str, cache: Path, want: str, progress: bool) -> Path:
    """Bring one raw file into the cache, checking ``want`` when given; return its path."""
    import pooch
    import requests

    target = cache / f.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if want and target.is_file() and sha256_file(target) == want:
        return target
    if not want and target.is_file():
        target.unlink()  # an unchecked leftover: the recorded hash must come from a fresh copy
    if _is_url(address):
        try:
            pooch.retrieve(
                address,
                known_hash=f"sha256:{want}" if want else None,
                fname=target.name,
                path=target.parent,
                progressbar=progress,
            )
        except ValueError as exc:  # pooch: hash mismatch (the temporary file is deleted)
            raise DataFileError(target, f"checksum mismatch for {address}: {exc}", field="sha256") from exc
        except (requests.RequestException, OSError) as exc:
            raise DataFileError(target, f"download failed from {address} ({exc})") from exc
        return target
    src = Path(address)
    if not src.is_file():
        raise DataFileError(src, "raw file not found in the mirror folder")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        got = sha256_file(Path(tmp))
        if want and got != want:
            msg = f"checksum mismatch: expected {want}, got {got} (from {src})"
            raise DataFileError(target, msg, field="sha256")
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def fetch_source(
    s: Source, dest: Path, *, mirror: str | None = None, update: bool = False, progress: bool = False
) -> str:
    """Fetch, process and install one source (see the module doc).

    Parameters
    ----------
    s
        The source.
    dest
        Data folder (created if needed).
    mirror
        Base address or folder of a mirror of the raw files.
    update
        Accept raw files whose hash differs from the one the lock recorded (a new
        publisher release); hashes pinned in the manifest are always enforced.
    progress
        Draw pooch's progress bars (stderr).

    Returns
    -------
    str
        ``"ok: ROLE=path, ..."`` or ``"present"`` (raw files and outputs unchanged).

    Raises
    ------
    SkipSource
        A raw file has no address (and no mirror was given).
    DataFileError
        Download failure, checksum mismatch, or a processing error naming the file.
    """
    from geo.sources.process import PROCESSORS, Context

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    lock = read_lock(dest)
    if s.process not in PROCESSORS:
        msg = f"no processing step {s.process!r} for source {s.id}"
        raise SkipSource(msg)
    raw: dict[str, Path] = {}
    hashes: dict[str, tuple[str, str, str]] = {}
    unchanged = True
    for f in s.files:
        address = file_address(f, mirror)
        if not address:
            where = f" from {s.page}" if s.page else ""
            msg = (
                f"no confirmed download address for {f.name}; get it{where} "
                "and use --mirror DIR, or `geo data add`"
            )
            raise SkipSource(msg)
        want, origin = expected_hash(f, lock)
        if update and origin == "lock":
            want, origin = "", "unknown"
        cached_before = (dest / RAW_CACHE / f.name).is_file()
        path = _retrieve(f, address, dest / RAW_CACHE, want, progress)
        got = sha256_file(path)
        unchanged &= cached_before and bool(want) and got == want
        raw[f.name] = path
        hashes[f.name] = (got, address, "manifest" if origin == "manifest" else "lock")
    produced = [r for r, rec in lock["datasets"].items() if rec.get("source") == s.id]
    if unchanged and produced and all(_lock_file_ok(dest, lock["datasets"][r]) for r in produced):
        return Keyed("present", "cli.fetch.present")
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{s.id}-", dir=dest))
    try:
        outputs = PROCESSORS[s.process](
            raw, Context(staging=staging, dest=dest), version=s.version, **s.options
        )
        for out in outputs:
            target = dest / out.path
            target.parent.mkdir(parents=True, exist_ok=True)
        for out in outputs:
            os.replace(staging / out.path, dest / out.path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    lock = read_lock(dest)
    stamp = now_utc()
    for name, (got, address, origin) in hashes.items():
        lock["raw"][name] = {"sha256": got, "source": s.id, "address": address, "checked_against": origin}
        lock["raw"][name]["fetched_at"] = stamp
    for out in outputs:
        lock["datasets"][out.role] = {
            "path": out.path,
            "layer": out.layer,
            "adapter": out.adapter,
            "version": out.version,
            "source": s.id,
            "publisher": s.publisher,
            "licence": s.licence,
            "origin": f"fetch {s.id}",
            "sha256": sha256_file(dest / out.path),
            "recorded_at": stamp,
        }
    write_lock(dest, lock)
    made = ", ".join(f"{o.role}={o.path}" for o in outputs)
    return Keyed(f"ok: {made}", "cli.fetch.ok", made=made)


def _lock_file_ok(dest: Path, rec: dict) -> bool:
    path = dest / rec.get("path", "")
    return path.is_file() and sha256_file(path) == rec.get("sha256")


def fetch_all(
    dest: Path,
    *,
    only: list[str] | None = None,
    mirror: str | None = None,
    update: bool = False,
    progress: bool = False,
) -> dict[str, str]:
    """Fetch every selected source into ``dest`` (each one atomically, see :func:`fetch_source`).

    Returns
    -------
    dict
        Source id -> ``"ok: ..."``, ``"present"``, ``"skipped: ..."`` or ``"failed: ..."``.
    """
    out = {}
    for s in select_sources(only):
        try:
            out[s.id] = fetch_source(s, dest, mirror=mirror, update=update, progress=progress)
        except SkipSource as exc:
            out[s.id] = Keyed(f"skipped: {exc}", "cli.fetch.skipped", reason=of_error(exc))
        except (AccessMapError, OSError, ValueError) as exc:
            logger.warning("source %s failed: %s", s.id, exc)
            out[s.id] = Keyed(f"failed: {exc}", "cli.fetch.failed", reason=of_error(exc))
    return out


# ---------------------------------------------------------------------------------------------
# Files users bring: `geo data add ROLE FILE`
# ---------------------------------------------------------------------------------------------

#: Roles ``geo data add`` accepts -> processing step.
ADD_ROLES = {
    "roads": "osm_roads",
    "admin": "cod_ab",
    "places": "wof_places",
    "population": "population",
    "landcover": "landcover",
    "incidents": "ucdp",
}


def describe(data_dir: Path, role: str, rec: dict | None) -> Keyed:
    """One-line summary of the file a lock/manifest record points at (count, version, classes).

    A :class:`geo.text.Keyed` text: English, and the catalog key the command line writes in
    its user's language (``cli.add.*``).
    """
    if not rec:
        return Keyed("(none)", "cli.add.none")
    path = Path(data_dir) / rec.get("path", "")
    where = str(rec.get("path"))
    if not path.is_file():
        return Keyed(f"{where} (missing)", "cli.add.missing", path=where)
    version = (
        Keyed(f", COD-AB {rec['version']}", "cli.add.version", version=rec["version"])
        if rec.get("version")
        else ""
    )
    suffix = path.suffix.lower()
    try:
        if suffix == ".gpkg":
            import geopandas as gpd

            gdf = gpd.read_file(path, layer=rec.get("layer"))
            extra = ""
            if role == "roads_osm" and "surface" in gdf.columns:
                counts = gdf["surface"].replace("", "ferry").value_counts().sort_index()
                listed = ", ".join(f"{k} {v}" for k, v in counts.items())
                bridges, fords = int(gdf["bridge"].sum()), int(gdf["ford"].sum())
                extra = Keyed(
                    f"; {listed}; bridges {bridges}, fords {fords}",
                    "cli.add.roads",
                    surfaces=listed,
                    bridges=bridges,
                    fords=fords,
                )
            n = len(gdf)
            text = f"{where} ({n} features{version}{extra})"
            return Keyed(text, "cli.add.features", path=where, n=n, version=version, extra=extra)
        if suffix in (".tif", ".tiff"):
            import rasterio

            with rasterio.open(path) as src:
                w, h, cell = src.width, src.height, f"{abs(src.transform.a):.4f}"
            return Keyed(
                f"{where} ({w}x{h} cells of {cell}°)", "cli.add.raster", path=where, w=w, h=h, cell=cell
            )
        if suffix == ".csv":
            import pandas as pd

            n = len(pd.read_csv(path))
            return Keyed(f"{where} ({n} rows)", "cli.add.rows", path=where, n=n)
    except (OSError, ValueError) as exc:
        return Keyed(f"{where} (unreadable: {exc})", "cli.add.unreadable", path=where, reason=of_error(exc))
    return Keyed(where, "cli.add.path", path=where)


def add_user_file(
    data_dir: Path,
    role: str,
    file: Path,
    *,
    cod_version: str = "",
    values: str = "count",
    kind: str = "ged",
) -> list[str]:
    """Validate a file a user brings, convert it into the folder's layout and record it in the lock.

    Parameters
    ----------
    data_dir
        Data folder (must exist; admin0 must be present for rasters, places and water).
    role
        One of :data:`ADD_ROLES`: ``roads`` (HOT or Geofabrik OSM export -> ``roads_osm``),
        ``admin`` (COD-AB admin 1-3, 2015 or 2021), ``places`` (Who's On First archive),
        ``population`` (GeoTIFF), ``landcover`` (GeoTIFF of IGBP codes), ``incidents``
        (UCDP GED or Candidate CSV, zipped or not).
    file
        The file as downloaded (zip, shapefile, GeoPackage, GeoJSON, GeoTIFF, CSV).
    cod_version
        COD-AB version (``2015``/``2021``) when the file does not tell it.
    values
        Population raster values: ``count`` (people per cell) or ``density`` (per km²).
    kind
        Incidents: ``ged`` (-> ``incidents_ucdp``) or ``candidate`` (-> ``incidents_ucdp_candidate``).

    Returns
    -------
    list of str
        What changed, one line per role: ``ROLE: before -> after``, plus warnings (admin
        levels left on different COD-AB versions); each a :class:`geo.text.Keyed` the
        command line writes in its user's language.

    Raises
    ------
    DataFileError
        Unknown role, unreadable file, or a file failing the role's checks (the message
        names the file, row and field). The folder is unchanged then.
    """
    from geo.sources.process import PROCESSORS, Context

    data_dir, file = Path(data_dir), Path(file)
    if role not in ADD_ROLES:
        msg = f"unknown role {role!r}; expected one of {sorted(ADD_ROLES)}"
        msg = Keyed(msg, "err.not_one_of", value=repr(role), allowed=", ".join(sorted(ADD_ROLES)))
        raise DataFileError(file, msg, field="role")
    if not file.is_file():
        raise DataFileError(file, Keyed("file not found", "err.src.file_not_found"))
    if kind not in ("ged", "candidate"):
        msg = Keyed(f"unknown incidents kind {kind!r}; expected ged or candidate", "err.not_one_of",
                    value=repr(kind), allowed="ged, candidate")  # fmt: skip
        raise DataFileError(file, msg, field="kind")
    options: dict = {}
    if role == "population":
        options = {"values": values, "path": "population/mli_population_density.tif"}
    elif role == "landcover":
        options = {"path": "terrain/mli_landcover.tif"}
    elif role == "incidents":
        r = "incidents_ucdp" if kind == "ged" else "incidents_ucdp_candidate"
        options = {"role": r, "path": f"incidents/mali_{r}_added.csv"}
    from geo.sources.datasets import dataset_entry, load_manifest

    manifest = load_manifest()
    before = dict(read_lock(data_dir)["datasets"])
    staging = Path(tempfile.mkdtemp(prefix=f".staging-add-{role}-", dir=data_dir))
    old_desc = {}
    try:
        ctx = Context(staging, data_dir)
        outputs = PROCESSORS[ADD_ROLES[role]]({file.name: file}, ctx, version=cod_version, **options)
        for out in outputs:
            old = before.get(out.role)
            if old is None and out.role in manifest and (data_dir / manifest[out.role].path).is_file():
                m = dataset_entry(data_dir, out.role)
                old = {"path": m.path, "layer": m.layer, "version": m.version}
            old_desc[out.role] = describe(data_dir, out.role, old)
        for out in outputs:
            (data_dir / out.path).parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / out.path, data_dir / out.path)
    except (OSError, ValueError) as exc:
        if isinstance(exc, DataFileError):
            raise
        msg = Keyed(
            f"cannot convert for role {role} ({exc})",
            "err.src.cannot_convert",
            role=role,
            reason=of_error(exc),
        )
        raise DataFileError(file, msg) from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stamp = now_utc()
    file_hash = sha256_file(file)
    lock = read_lock(data_dir)
    lock["raw"][f"added/{file.name}"] = {
        "sha256": file_hash,
        "source": f"user file for {role}",
        "address": str(file.resolve()),
        "fetched_at": stamp,
    }
    for out in outputs:
        lock["datasets"][out.role] = {
            "path": out.path,
            "layer": out.layer,
            "adapter": out.adapter,
            "version": out.version,
            "source": "user",
            "origin": f"geo data add {role} {file.name} (sha256 {file_hash})",
            "sha256": sha256_file(data_dir / out.path),
            "recorded_at": stamp,
        }
    write_lock(data_dir, lock)
    lines: list[str] = []
    for o in outputs:
        after = describe(data_dir, o.role, lock["datasets"][o.role])
        text = f"{o.role}: {old_desc[o.role]} -> {after}"
        lines.append(Keyed(text, "cli.add.line", role=o.role, before=old_desc[o.role], after=after))
    if role == "admin":
        versions = {}
        for lvl in (1, 2, 3):
            try:
                versions[lvl] = dataset_entry(data_dir, f"admin{lvl}").version or "?"
            except DataFileError:
                continue
        if len(set(versions.values())) > 1:
            listing = ", ".join(f"admin{k}={v}" for k, v in versions.items())
            text = (
                f"warning: admin levels now use different COD-AB versions ({listing}); "
                "joins across them need the P-code crosswalk"
            )
            lines.append(Keyed(text, "cli.add.mixed_versions", listing=listing))
    return lines
