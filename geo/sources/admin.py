"""Administrative boundaries (admin0-3) in one internal schema, whatever the source.

Internal schema (one row per unit, index = P-code)
--------------------------------------------------
``pcode`` (str, unique), ``name`` (str), ``level`` (int 0-3), ``parent_pcode`` (str or
None), ``adm1_pcode``/``adm1_name`` and ``adm2_pcode``/``adm2_name`` where the level
allows, ``geometry`` (Polygon/MultiPolygon, EPSG:4326).

Adapters
--------
``cod_ab``
    OCHA COD-AB: columns ``adm{n}_pcode``/``adm{n}_name`` (the 2015 files here) or the
    HDX 2021 spelling ``ADM{n}_PCODE``/``ADM{n}_FR`` (case-insensitive).
``geoboundaries``
    geoBoundaries gbOpen: ``shapeID`` used as code, ``shapeName`` as name; no parents.
``wof``
    Who's On First: ``wof_id`` as code, ``name_fr`` (else ``name``) as name.

P-codes are OCHA's; the 2015 and 2021 versions number cercles differently, so a
P-code is only meaningful with its version (the manifest's source).

P-code rule
-----------
COD-AB P-codes are ``ML`` and two digits per level: ``ML04`` (region), ``ML0401``
(cercle), ``ML040101`` (commune). :func:`normalise_pcode` brings what spreadsheets
make of them back to that form: case and spaces (``" ml 0401 "``), and numbers
(``401``, ``401.0`` or ``"0401"`` for a cercle, which a spreadsheet stored as a number,
losing the prefix and the leading zero). The COD-AB adapter applies it to every P-code
column.

Versions
--------
:func:`detect_pcode_version` tells a 2015 layer from a 2021 one by its cercles' (name,
P-code) pairs, checked against ``reference/mli_pcodes_adm1_adm2.csv`` of the data
folder. :func:`load_admin` records the version in ``attrs["pcode_version"]`` (the one
detected, else the manifest's) and refuses a level whose version differs from the
manifest's declaration or from the other admin levels of the same folder;
:func:`require_same_pcode_version` does the same check for any layers about to be
joined on P-codes.
"""

from __future__ import annotations

import logging
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import STORAGE_CRS
from geo.errors import DataFileError
from geo.sources.datasets import dataset_entry, dataset_path, read_vector
from geo.sources.process import french_name
from geo.text import Keyed

logger = logging.getLogger(__name__)

ADMIN_COLUMNS = [
    "pcode",
    "name",
    "level",
    "parent_pcode",
    "adm1_pcode",
    "adm1_name",
    "adm2_pcode",
    "adm2_name",
    "geometry",
]


def _cod_ab(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    cols = {c.lower(): c for c in raw.columns}

    def col(n: int, kind: str) -> pd.Series | None:
        names = {"pcode": [f"adm{n}_pcode"], "name": [f"adm{n}_name", f"adm{n}_fr", f"adm{n}_en"]}[kind]
        for cand in names:
            if cand in cols:
                return raw[cols[cand]]
        return None

    out = pd.DataFrame(index=raw.index)
    for n in range(1, level + 1):
        for kind in ("pcode", "name"):
            series = col(n, kind)
            if series is None:
                msg = f"COD-AB admin{level} layer lacks the admin{n} {kind} column (adm{n}_{kind})"
                msg = Keyed(msg, "err.src.cod_lacks_column", level=level, n=n, kind=kind)
                raise DataFileError(path, msg, field=f"adm{n}_{kind}")
            if kind == "pcode":
                out[f"adm{n}_{kind}"] = _normalise_pcode_column(
                    series, n, path, cols.get(f"adm{n}_pcode", "")
                )
            else:
                out[f"adm{n}_{kind}"] = series.astype("string")
        if n <= 2:  # regions and cercles in French with accents, whatever the source's spelling
            out[f"adm{n}_name"] = out[f"adm{n}_name"].map(french_name).astype("string")
    if level == 0:
        p, nm = col(0, "pcode"), col(0, "name")
        out["pcode"] = p.astype("string") if p is not None else "ML"
        out["name"] = nm.astype("string") if nm is not None else "Mali"
    else:
        out["pcode"] = out[f"adm{level}_pcode"]
        out["name"] = out[f"adm{level}_name"]
    out["parent_pcode"] = out[f"adm{level - 1}_pcode"] if level >= 2 else ("ML" if level == 1 else None)
    return out


def _wof(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    if "wof_id" not in raw.columns:
        raise DataFileError(
            path, Keyed("Who's On First layer lacks wof_id", "err.src.wof_no_id"), field="wof_id"
        )
    name = raw["name_fr"] if "name_fr" in raw.columns else raw["name"]
    code = raw["iso2"] if level == 0 and "iso2" in raw.columns else raw["wof_id"]
    return pd.DataFrame(
        {"pcode": code.astype("string"), "name": name.astype("string"), "parent_pcode": None}, index=raw.index
    )


def _geoboundaries(raw: gpd.GeoDataFrame, level: int, path: Path) -> pd.DataFrame:
    for c in ("shapeID", "shapeName"):
        if c not in raw.columns:
            raise DataFileError(
                path, Keyed("geoBoundaries layer lacks a column", "err.src.gb_column"), field=c
            )
    return pd.DataFrame(
        {
            "pcode": raw["shapeID"].astype("string"),
            "name": raw["shapeName"].astype("string"),
            "parent_pcode": None,
        },
        index=raw.index,
    )


ADAPTERS = {"cod_ab": _cod_ab, "wof": _wof, "geoboundaries": _geoboundaries}

_PCODE = re.compile(r"ML\d{2,8}")
_SPACE = re.compile(r"[\s\u00a0\u202f]+")


def normalise_pcode(value: object, level: int | None = None) -> str | None:
    """Return a COD-AB P-code in its canonical form (``ML`` + two digits per level), None when blank.

    Parameters
    ----------
    value
        As read: ``"ml 0401 "``, ``"ML0401"``, ``401``, ``401.0``, ``"0401"``...
    level
        Admin level (1-3) the code belongs to; needed to restore the leading zero of a
        number (``401`` -> ``ML0401`` at level 2). Without it a number is padded to an
        even count of digits.

    Returns
    -------
    str or None
        ``"ML0401"``; None for None, NaN or blank. A value that is not a COD-AB code
        after the clean-up (``"MLI"``, ``"XX12"``) is returned cleaned (upper case, no
        spaces) so that the caller's check reports it.

    Raises
    ------
    ValueError
        A number that is not whole (``4.01``), or has more digits than the level allows.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, bool):
        msg = f"P-code {value!r} is not a code"
        raise ValueError(msg)
    if isinstance(value, (int, float, np.integer, np.floating)):
        if not float(value).is_integer() or value < 0:
            msg = f"P-code {value!r} is not a whole number"
            raise ValueError(msg)
        digits = str(int(value))
    else:
        text = _SPACE.sub("", str(value)).upper()
        if not text:
            return None
        if re.fullmatch(r"\d+(\.0+)?", text):
            digits = text.split(".")[0]
        else:
            return text
    width = 2 * level if level else len(digits) + len(digits) % 2
    if len(digits) > width:
        msg = f"P-code {value!r} has more digits than an admin{level} code ({width})"
        raise ValueError(msg)
    return "ML" + digits.zfill(width)


def _normalise_pcode_column(series: pd.Series, level: int, path: Path, field: str) -> pd.Series:
    out = []
    for i, v in enumerate(series.tolist(), start=1):
        try:
            out.append(normalise_pcode(v, level))
        except ValueError as exc:
            raise DataFileError(path, str(exc), row=i, field=field) from exc
    return pd.Series(out, index=series.index, dtype="string")


#: Reference table of the 2015 and 2021 COD-AB P-codes of regions and cercles (data folder).
PCODE_REFERENCE = Path("reference") / "mli_pcodes_adm1_adm2.csv"


def _reference_pairs(data_dir: Path) -> dict[str, set[tuple[str, str]]] | None:
    path = Path(data_dir) / PCODE_REFERENCE
    if not path.is_file():
        return None
    ref = pd.read_csv(path, dtype=str).fillna("")
    ref = ref[ref["level"] == "2"]
    out = {}
    for version, code, name in (("2015", "pcode_2015", "ocha2015_name"), ("2021", "pcode_2021", "name_2021")):
        out[version] = {(_name_key(n), c) for n, c in zip(ref[name], ref[code], strict=True) if c}
    return out


def _name_key(name: object) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", text.lower())


def detect_pcode_version(admin: pd.DataFrame, data_dir: Path) -> str | None:
    """Tell the COD-AB version (``"2015"`` or ``"2021"``) of a layer's cercle P-codes from their names.

    Parameters
    ----------
    admin
        A level-2 or level-3 layer in the internal schema (``adm2_pcode``, ``adm2_name``).
    data_dir
        Data folder holding :data:`PCODE_REFERENCE`.

    Returns
    -------
    str or None
        The version whose (cercle name, P-code) pairs the layer matches most (at least
        half of its cercles); None when the reference is absent, the layer has no cercle
        columns, or neither version matches.
    """
    pairs = _reference_pairs(data_dir)
    if pairs is None or "adm2_pcode" not in admin or "adm2_name" not in admin:
        return None
    seen = {
        (_name_key(n), str(c))
        for n, c in zip(admin["adm2_name"], admin["adm2_pcode"], strict=True)
        if pd.notna(c) and pd.notna(n)
    }
    if not seen:
        return None
    scores = {v: len(seen & ref) for v, ref in pairs.items()}
    best = max(scores, key=lambda v: scores[v])
    return best if scores[best] * 2 >= len(seen) and scores[best] > min(scores.values()) else None


def require_same_pcode_version(layers: dict[str, pd.DataFrame]) -> str | None:
    """Check that layers about to be joined on P-codes use one COD-AB version.

    Parameters
    ----------
    layers
        Name -> layer with ``attrs["pcode_version"]`` (set by :func:`load_admin`;
        layers without it are not compared).

    Returns
    -------
    str or None
        The common version, or None if no layer knows its version.

    Raises
    ------
    DataFileError
        Two versions are mixed; the message names both and the layers.
    """
    known = {name: lay.attrs.get("pcode_version") for name, lay in layers.items()}
    known = {k: v for k, v in known.items() if v}
    versions = sorted(set(known.values()))
    if len(versions) > 1:
        by = "; ".join(f"{name}: COD-AB {v}" for name, v in known.items())
        msg = (
            f"P-codes of COD-AB {versions[0]} and COD-AB {versions[1]} are mixed ({by}); the two "
            "versions number cercles differently (Ansongo is ML0702 in 2015, ML0701 in 2021), so "
            "joining them would misattribute counts. Use boundaries of one version for every level"
        )
        where = Keyed("admin boundaries", "err.where.admin")
        msg = Keyed(msg, "err.src.mixed_pcodes", a=versions[0], b=versions[1], by=by)
        raise DataFileError(where, msg, field="pcode")
    return versions[0] if versions else None


def normalise_admin(
    raw: gpd.GeoDataFrame, *, level: int, adapter: str, path: Path | str = "<memory>"
) -> gpd.GeoDataFrame:
    """Turn a source admin layer into the internal schema.

    Parameters
    ----------
    raw
        Layer as read, with a CRS.
    level
        Admin level 0-3.
    adapter
        One of ``{"cod_ab", "geoboundaries", "wof"}``.
    path
        Source file, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``ADMIN_COLUMNS``, indexed by P-code, EPSG:4326, valid geometries.

    Raises
    ------
    DataFileError
        Unknown adapter, missing column, empty geometry or duplicate P-code (the
        message names the file, row and field).
    """
    if adapter not in ADAPTERS:
        msg = f"unknown admin adapter {adapter!r}; expected one of {sorted(ADAPTERS)}"
        raise DataFileError(path, msg, field="adapter")
    attrs = ADAPTERS[adapter](raw, level, Path(path))
    for c in ADMIN_COLUMNS[:-1]:
        if c not in attrs.columns:
            attrs[c] = None
    gdf = gpd.GeoDataFrame(attrs[ADMIN_COLUMNS[:-1]], geometry=raw.geometry.values, crs=raw.crs)
    gdf["level"] = level
    empty = gdf.geometry.isna() | gdf.geometry.is_empty
    if empty.any():
        row = int(empty.to_numpy().nonzero()[0][0]) + 1
        raise DataFileError(
            path, Keyed("empty geometry", "err.src.empty_geometry"), row=row, field="geometry"
        )
    missing = gdf["pcode"].isna() | (gdf["pcode"].str.strip() == "")
    if missing.any():
        row = int(missing.to_numpy().nonzero()[0][0]) + 1
        raise DataFileError(path, Keyed("empty P-code", "err.src.empty_pcode"), row=row, field="pcode")
    dup = gdf["pcode"].duplicated(keep="first")
    if dup.any():
        row = int(dup.to_numpy().nonzero()[0][0]) + 1
        code = repr(gdf["pcode"].iloc[row - 1])
        msg = Keyed(f"duplicate P-code {code}; P-codes must be unique", "err.src.dup_pcode_value", pcode=code)
        raise DataFileError(path, msg, row=row, field="pcode")
    gdf = gdf.to_crs(STORAGE_CRS)
    invalid = ~gdf.is_valid
    if invalid.any():
        # "structure" repair keeps a polygon polygonal (no stray lines from spikes or
        # collapsed rings), so a unit stays one (Multi)Polygon row
        gdf.loc[invalid, "geometry"] = shapely.make_valid(
            gdf.geometry[invalid].to_numpy(), method="structure", keep_collapsed=False
        )
    return gdf.set_index(gdf["pcode"].rename(None))


def load_admin(data_dir: Path, level: int) -> gpd.GeoDataFrame:
    """Load admin level ``level`` (0-3) from the data folder in the internal schema.

    Parameters
    ----------
    data_dir
        Data folder.
    level
        0 (country), 1 (region), 2 (cercle) or 3 (commune).

    Returns
    -------
    geopandas.GeoDataFrame
        See :func:`normalise_admin`. Admin0 is dissolved into one row.

    Raises
    ------
    DataFileError, MissingDataError, CRSError
        File missing, unreadable, without CRS, or failing the schema.
    """
    if level not in (0, 1, 2, 3):
        msg = f"admin level must be 0-3, got {level!r}"
        raise ValueError(msg)
    role = f"admin{level}"
    ds = dataset_entry(data_dir, role)
    raw = read_vector(data_dir, role)
    path = dataset_path(data_dir, role)
    gdf = normalise_admin(raw, level=level, adapter=ds.adapter, path=path)
    if level == 0 and len(gdf) > 1:
        gdf = gdf.dissolve().iloc[:1]
    declared = ds.version or ""  # the manifest's COD-AB "2015" / "2021"; "" for non-COD sources
    detected = detect_pcode_version(gdf, Path(data_dir)) if level >= 2 and ds.adapter == "cod_ab" else None
    if declared and detected and declared != detected:
        msg = (
            f"the manifest declares COD-AB {declared} P-codes but the cercles' P-codes are COD-AB "
            f"{detected} (checked against {PCODE_REFERENCE}); fix the manifest entry or the file"
        )
        fields = {"declared": declared, "detected": detected, "reference": str(PCODE_REFERENCE)}
        raise DataFileError(path, Keyed(msg, "err.src.declared_version", **fields), field="pcode")
    version = detected or declared
    gdf.attrs["pcode_version"] = version
    if version:  # the other admin levels of this folder, as its manifest declares them
        layers: dict[str, pd.DataFrame] = {}
        for other in (1, 2, 3):
            if other == level:
                continue
            try:
                other_version = dataset_entry(data_dir, f"admin{other}").version
            except (KeyError, DataFileError):
                continue
            if other_version:
                layers[f"admin{other}"] = pd.DataFrame()
                layers[f"admin{other}"].attrs["pcode_version"] = other_version
        layers[f"admin{level} ({path.name})"] = gdf
        require_same_pcode_version(layers)
    logger.info("admin%d: %d units (COD-AB %s P-codes)", level, len(gdf), version or "version unknown")
    return gdf
