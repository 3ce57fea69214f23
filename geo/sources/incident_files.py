"""Reading, checking and storing incident files (ACLED, UCDP GED, curated, generic).

Every file goes through the same three steps:

1. :func:`read_table` decodes the bytes (UTF-8 with or without BOM, else cp1252, else
   latin-1), finds the separator (``,``, ``;``, tab or ``|``) and returns every cell as
   text (XLSX cells keep their Excel dates).
2. :func:`check_table` maps the columns of one *format* onto the normalised incident
   schema (:data:`INCIDENT_COLUMNS`) and validates every row. Rows that fail are kept
   in ``rejected`` with their row number (1-based, header not counted), field and
   reason; nothing is dropped silently.
3. :func:`import_checked` writes the accepted rows, the rejected rows and an import
   record into the project store (component ``incidents``). Importing the same file
   twice adds nothing: the key is ``incident_id`` = source + source event id, or source
   + a hash of the row's content when the file has no event id.

Formats
-------
``acled``
    ACLED export (``event_id_cnty``, ``event_date``, ``event_type``, ``sub_event_type``,
    ``actor1``, ``actor2``, ``admin1``-``admin3``, ``latitude``, ``longitude``,
    ``geo_precision``, ``time_precision``, ``fatalities``, ``notes``, ``source``). Rows
    are marked ``restricted``: ACLED's terms forbid redistributing them.
``ucdp``
    UCDP GED and GED Candidate (``id``, ``date_start``, ``date_end``,
    ``type_of_violence``, ``side_a``, ``side_b``, ``latitude``, ``longitude``,
    ``where_prec``, ``date_prec``, ``best``, ``low``, ``high``). The slimmed GED 21.1 file
    of the data folder (``best_death`` ... without ``where_prec``) is read too.
``curated``
    The project's access events (``event_id``, ``date``, ``date_precision``,
    ``coord_confidence`` ...).
``generic``
    Any CSV/XLSX plus a TOML mapping file (see :func:`load_mapping`).

Dates
-----
ISO ``YYYY-MM-DD`` (optionally with a time), ``YYYY-MM`` (month precision), ACLED's
``15 January 2020`` and ``DD/MM/YYYY`` or ``MM/DD/YYYY``. Slash dates are never guessed:
a row like ``03/04/2021`` is rejected as ambiguous unless the file declares its order
(``date_order = "dmy"`` in the mapping, or ``--date-order``); ``25/04/2021`` is read as
day-first because no other reading exists.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from geo.errors import DataFileError
from geo.text import Keyed

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

#: Columns of the normalised incident table, in order (the GeoDataFrame adds ``geometry``).
INCIDENT_COLUMNS = [
    "incident_id",
    "source",
    "source_event_id",
    "date",
    "date_end",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "fatalities",
    "fatalities_low",
    "fatalities_high",
    "geo_precision",
    "geo_precision_src",
    "time_precision_src",
    "low_precision",
    "notes",
    "source_ref",
    "location",
    "admin1",
    "admin2",
    "admin3",
    "latitude",
    "longitude",
    "restricted",
    "licence",
    "content_hash",
    "row",
]

FORMATS = ("auto", "acled", "ucdp", "curated", "generic")
DATE_ORDERS = ("dmy", "mdy", "ymd")

#: Mali's extent (lon_min, lat_min, lon_max, lat_max), EPSG:4326, padded by ~0.1 degree.
#: Used when no admin0 outline is given; the CLI and loaders pass the real outline.
MALI_BBOX = (-12.35, 10.05, 4.35, 25.10)

#: Largest accepted upload / import file, bytes (50 MB of 1024 x 1024 bytes, as Streamlit's
#: ``server.maxUploadSize`` counts them; .streamlit/config.toml holds the same figure).
MAX_FILE_BYTES = 50 * 1024 * 1024
#: Most data rows read from one file (a year of ACLED for the whole Sahel is ~30 000).
MAX_ROWS = 200_000
#: Most bytes an XLSX may expand to (sum of the sizes its zip declares), and the largest
#: expansion ratio of one of its parts over 1 MB: a zip bomb is refused before reading.
MAX_XLSX_UNZIPPED_BYTES = 200 * 1024 * 1024
MAX_XLSX_RATIO = 200
#: Longest time spent reading one file, seconds (checked while rows are read).
MAX_READ_SECONDS = 60.0


def size_text(n: float) -> str:
    """Write a byte count as limits are shown: ``"50 MB"`` (1024 x 1024 bytes), ``"12 KB"``, ``"9 bytes"``."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.{0 if n % (1024 * 1024) == 0 else 1}f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{int(n)} bytes"


def limits_text(max_bytes: int = MAX_FILE_BYTES) -> str:
    """Return the upload limits in one phrase, the same in messages and on the page."""
    rows = f"{MAX_ROWS:,}".replace(",", " ")
    return (
        f"at most {size_text(max_bytes)}, {rows} rows and, for XLSX, "
        f"{size_text(MAX_XLSX_UNZIPPED_BYTES)} once unzipped"
    )


LICENCES = {
    "acled": "ACLED terms of use: no redistribution of rows; attribute ACLED",
    "ucdp": "CC BY 4.0 (UCDP GED; cite Sundberg & Melander 2013)",
    "curated": "Project compilation; credit the publishers in source_ref",
    "generic": "Provided by the user; not for publication unless cleared",
}

# canonical field -> accepted header names (lower-case), per format
_SPECS: dict[str, dict[str, tuple[str, ...]]] = {
    "acled": {
        "event_id": ("event_id_cnty",),
        "date": ("event_date",),
        "event_type": ("event_type",),
        "sub_event_type": ("sub_event_type",),
        "actor1": ("actor1",),
        "actor2": ("actor2",),
        "admin1": ("admin1",),
        "admin2": ("admin2",),
        "admin3": ("admin3",),
        "location": ("location",),
        "latitude": ("latitude",),
        "longitude": ("longitude",),
        "geo_precision": ("geo_precision",),
        "time_precision": ("time_precision",),
        "fatalities": ("fatalities",),
        "notes": ("notes",),
        "source_ref": ("source",),
    },
    "ucdp": {
        "event_id": ("id",),
        "date": ("date_start",),
        "date_end": ("date_end",),
        "event_type": ("type_of_violence",),
        "sub_event_type": ("conflict_name",),
        "actor1": ("side_a",),
        "actor2": ("side_b",),
        "latitude": ("latitude",),
        "longitude": ("longitude",),
        "geo_precision": ("where_prec",),
        "time_precision": ("date_prec",),
        "fatalities": ("best", "best_death", "best_est"),
        "fatalities_low": ("low", "low_death", "low_est"),
        "fatalities_high": ("high", "high_death", "high_est"),
        "admin1": ("adm_1",),
        "admin2": ("adm_2",),
        "location": ("where_coordinates",),
        "notes": ("source_headline",),
        "source_ref": ("source_office", "source_original"),
    },
    "curated": {
        "event_id": ("event_id",),
        "date": ("date",),
        "date_precision": ("date_precision",),
        "event_type": ("event_type",),
        "location": ("locality",),
        "admin1": ("admin1_region",),
        "admin2": ("admin2_cercle",),
        "latitude": ("latitude",),
        "longitude": ("longitude",),
        "coord_confidence": ("coord_confidence",),
        "actor1": ("actor",),
        "notes": ("summary",),
        "source_ref": ("source_publisher",),
    },
}
_REQUIRED = {
    "acled": ("event_id", "date", "event_type", "latitude", "longitude", "fatalities"),
    "ucdp": ("event_id", "date", "event_type", "latitude", "longitude", "fatalities"),
    "curated": ("event_id", "date", "event_type", "latitude", "longitude"),
    "generic": ("date", "latitude", "longitude"),
}
#: Canonical fields a generic mapping may name.
GENERIC_FIELDS = (
    "event_id",
    "date",
    "date_end",
    "date_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "fatalities",
    "notes",
    "source_ref",
)

_UCDP_VIOLENCE = {"1": "State-based violence", "2": "Non-state violence", "3": "One-sided violence"}
_ACLED_TIME = {1: "day", 2: "week", 3: "month"}
_UCDP_TIME = {1: "day", 2: "week", 3: "week", 4: "month", 5: "year"}
_CONFIDENCE = {"high": 1, "medium": 2, "low": 3}
_MONTHS = {
    "janvier": "January",
    "février": "February",
    "fevrier": "February",
    "mars": "March",
    "avril": "April",
    "mai": "May",
    "juin": "June",
    "juillet": "July",
    "août": "August",
    "aout": "August",
    "septembre": "September",
    "octobre": "October",
    "novembre": "November",
    "décembre": "December",
    "decembre": "December",
}


# --------------------------------------------------------------------------- reading


@dataclass
class RawTable:
    """A file read as text cells.

    Attributes
    ----------
    path
        The file.
    frame
        One column per header cell (stripped), every cell a ``str`` (XLSX dates stay
        ``datetime``); blank cells are ``""``.
    encoding, delimiter
        What was detected (``None`` for XLSX).
    warnings
        Problems noticed while reading (suspected mojibake, HXL row skipped ...).
    cell_problems
        Cells that cannot be read as a value, as ``(row, column, reason, value)`` with
        the 1-based data row (e.g. an XLSX formula saved without its computed value);
        :func:`check_table` rejects those rows with that reason.
    """

    path: Path
    frame: pd.DataFrame
    encoding: str | None
    delimiter: str | None
    warnings: list[str] = field(default_factory=list)
    cell_problems: list[tuple[int, str, str, str]] = field(default_factory=list)


def _decode(data: bytes, path: Path, encoding: str | None) -> tuple[str, str]:
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataFileError(path, f"cannot decode as {encoding} ({exc})") from exc
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if b"\x00" in data[:4096]:
        raise DataFileError(path, "binary file, not a CSV or XLSX table")
    for enc in ("utf-8", "cp1252", "latin-1"):
        try:
            return data.decode(enc), enc
        except UnicodeDecodeError:
            continue
    raise DataFileError(path, "cannot decode the file")  # pragma: no cover (latin-1 never fails)


_DELIMITERS = (",", ";", "\t", "|")


def _sniff_delimiter(text: str) -> str:
    """Pick the separator that splits the first lines into the header's number of fields.

    Each candidate parses the first 50 lines with :mod:`csv` (so quoted separators do
    not count); the one giving the most rows with exactly the header's field count (at
    least two fields) wins, ties going to the order ``, ; tab |``. A file whose notes
    contain commas but whose columns are separated by semicolons is read by ``;``.
    """
    head = text.splitlines()[:50]
    best, best_score = ",", (-1, -1)
    for delim in _DELIMITERS:
        try:
            rows = list(csv.reader(head, delimiter=delim))
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows[1:] if len(r) == width)
        score = (consistent, width)
        if score > best_score:
            best, best_score = delim, score
    return best


def _is_hxl_row(values: Sequence[object]) -> bool:
    """Whether a row is an HXL hashtag row (``#date``, ``#geo+lat`` ...): most non-empty cells are tags."""
    cells = [str(v).strip() for v in values if str(v).strip()]
    tags = [c for c in cells if re.fullmatch(r"#[A-Za-z][\w]*(\s*\+[\w]+)*", c)]
    return bool(cells) and len(tags) * 2 > len(cells)


def _zip_guard(data: bytes, path: Path) -> None:
    """Refuse an XLSX whose zip expands too much, from its declared sizes, before decompressing.

    Python's :mod:`zipfile` (used by openpyxl) stops each part at its declared size, so
    declared sizes bound what reading can expand to.

    Raises
    ------
    DataFileError
        Not a zip, too many parts, a part expanding more than :data:`MAX_XLSX_RATIO`
        times, or more than :data:`MAX_XLSX_UNZIPPED_BYTES` in all.
    """
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DataFileError(path, f"not a readable XLSX (zip) file ({exc})") from exc
    if len(infos) > 10_000:
        raise DataFileError(path, f"XLSX has {len(infos)} parts; refusing (not a plain workbook)")
    total = sum(i.file_size for i in infos)
    if total > MAX_XLSX_UNZIPPED_BYTES:
        msg = (
            f"XLSX expands to {size_text(total)} once unzipped, over the "
            f"{size_text(MAX_XLSX_UNZIPPED_BYTES)} limit ({limits_text()}); save a smaller extract or a CSV"
        )
        raise DataFileError(path, msg)
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            msg = (
                f"XLSX part {i.filename!r} expands {ratio:,.0f} times ({size_text(i.compress_size)} to "
                f"{size_text(i.file_size)}), over the {MAX_XLSX_RATIO} times limit: refused as a possible "
                "zip bomb"
            )
            raise DataFileError(path, msg)


def _read_xlsx(
    data: bytes, path: Path, sheet: str | int | None, deadline: float
) -> tuple[pd.DataFrame, list[tuple[int, str, str, str]]]:
    """Read one XLSX sheet as text cells, with the row and time limits.

    Formula cells are read from the values Excel saved with them; a formula saved without
    a value (a file written by a program that does not compute formulas) becomes a cell
    problem for its row instead of a silent blank.
    """
    import time

    import openpyxl

    _zip_guard(data, path)
    try:
        values_wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas_wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types on a bad workbook  # noqa: BLE001
        raise DataFileError(path, f"cannot read as XLSX ({type(exc).__name__}: {exc})") from exc
    try:
        names = values_wb.sheetnames
        if isinstance(sheet, int) or sheet is None:
            idx = int(sheet or 0)
            if not 0 <= idx < len(names):
                raise DataFileError(path, f"no sheet number {idx}; the workbook has {names}", field="sheet")
            name = names[idx]
        elif sheet in names:
            name = sheet
        else:
            raise DataFileError(path, f"no sheet {sheet!r}; the workbook has {names}", field="sheet")
        rows_v = values_wb[name].iter_rows(values_only=True)
        rows_f = formulas_wb[name].iter_rows(values_only=True)
        header = next(rows_v, None)
        next(rows_f, None)
        if header is None:
            raise DataFileError(path, "no header row")
        width = len(header)
        while width and header[width - 1] in (None, ""):
            width -= 1
        columns = [str(c).strip() if c is not None else "" for c in header[:width]]
        body: list[list[Any]] = []
        problems: list[tuple[int, str, str, str]] = []
        for n, (vals, forms) in enumerate(zip(rows_v, rows_f, strict=False), start=1):
            if n > MAX_ROWS:
                msg = f"more than {MAX_ROWS} data rows ({limits_text()}); split the file"
                raise DataFileError(path, msg)
            if n % 1000 == 0 and time.monotonic() > deadline:
                msg = f"reading took more than {MAX_READ_SECONDS:.0f} s (stopped at row {n}); split the file"
                raise DataFileError(path, msg)
            cells = list(vals[:width]) + [None] * (width - len(vals[:width]))
            for j, (v, f) in enumerate(zip(cells, forms[:width], strict=False)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    reason = Keyed(
                        "formula saved without its value (open the file in Excel or LibreOffice "
                        "and save it again)",
                        "err.inc.formula",
                    )
                    problems.append((n, columns[j], reason, f))
            body.append(cells)
    finally:
        values_wb.close()
        formulas_wb.close()
    while body and all(v in (None, "") for v in body[-1]):
        body.pop()  # trailing rows Excel keeps formatted but empty
    frame = pd.DataFrame(body, columns=columns, dtype=object) if body else pd.DataFrame(columns=columns)
    return frame.map(_cell_text), problems


def read_table(
    path: str | Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    sheet: str | int | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> RawTable:
    """Read a CSV or XLSX incident file as text cells.

    Parameters
    ----------
    path
        ``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``.
    encoding
        Force an encoding; default: UTF-8 (BOM or not), else cp1252, else latin-1.
    delimiter
        Force the separator; default: sniffed among ``, ; tab |``.
    sheet
        XLSX sheet name or index (default the first).
    max_bytes
        Larger files are refused.

    Returns
    -------
    RawTable

    Raises
    ------
    DataFileError
        Missing, empty, too large, binary, undecodable or unparsable file.
    """
    import time

    path = Path(path)
    deadline = time.monotonic() + MAX_READ_SECONDS
    if not path.is_file():
        raise DataFileError(path, "file not found")
    size = path.stat().st_size
    if size > max_bytes:
        raise DataFileError(path, too_large_message(size, max_bytes))
    data = path.read_bytes()
    if not data.strip():
        raise DataFileError(path, "file is empty")
    warnings: list[str] = []
    problems: list[tuple[int, str, str, str]] = []
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        frame, problems = _read_xlsx(data, path, sheet, deadline)
        enc = delim = None
    elif path.suffix.lower() == ".xls":
        raise DataFileError(path, "old Excel .xls is not supported; save it as .xlsx or .csv")
    else:
        text, enc = _decode(data, path, encoding)
        if re.search("Ã[\u0080-\u00bf]", text):
            warnings.append(
                Keyed(
                    "text looks double-encoded (e.g. 'Ã©' for 'é'): "
                    "the file was probably converted to UTF-8 twice",
                    "err.inc.w_double_encoded",
                )
            )
        delim = delimiter or _sniff_delimiter(text)
        try:
            frame = pd.read_csv(
                io.StringIO(text),
                sep=delim,
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skipinitialspace=False,
                engine="c",
            )
        except (pd.errors.ParserError, ValueError) as exc:
            raise DataFileError(path, f"cannot parse as CSV with separator {delim!r} ({exc})") from exc
        frame.columns = [str(c).strip() for c in frame.columns]
        if len(frame) > MAX_ROWS:
            msg = f"{len(frame)} data rows, more than {MAX_ROWS} ({limits_text(max_bytes)}); split the file"
            raise DataFileError(path, msg)
    if frame.shape[1] == 0:
        raise DataFileError(path, "no header row")
    if len(frame) and _is_hxl_row(frame.iloc[0].tolist()):
        tags = " ".join(str(v) for v in frame.iloc[0] if str(v).strip())[:80]
        text = (
            f"row 1 holds HXL hashtags ({tags}), not data: skipped; the rows below are numbered from "
            "the first data row"
        )
        warnings.append(Keyed(text, "err.inc.w_hxl_row", tags=tags))
        frame = frame.iloc[1:].reset_index(drop=True)
        problems = [(r - 1, c, why, v) for r, c, why, v in problems if r > 1]
    dupes = [c for c in frame.columns if list(frame.columns).count(c) > 1]
    if dupes:
        raise DataFileError(path, f"duplicated column {dupes[0]!r} in the header", field=dupes[0])
    logger.info("read %s: %d rows, encoding %s, separator %r", path.name, len(frame), enc, delim)
    return RawTable(
        path=path,
        frame=frame.reset_index(drop=True),
        encoding=enc,
        delimiter=delim,
        warnings=warnings,
        cell_problems=problems,
    )


def too_large_message(size: int, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Return ``"file is 61.2 MB, larger than the 50 MB limit (at most ...)"``, as the page shows it."""
    return (
        f"file is {size_text(size)}, larger than the {size_text(max_bytes)} limit ({limits_text(max_bytes)})"
    )


def _cell_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return pd.Timestamp(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --------------------------------------------------------------------------- mapping


@dataclass(frozen=True)
class Mapping_:
    """A generic file's column mapping (read from TOML by :func:`load_mapping`).

    Attributes
    ----------
    name
        Source name; rows get ``source = "generic:<name>"``.
    columns
        Canonical field -> column header in the file.
    date_order
        ``"dmy"``, ``"mdy"``, ``"ymd"`` or ``None`` (slash dates must be unambiguous).
    restricted
        Rows may not be published (default True for field spreadsheets).
    licence
        Free text stored with each row.
    defaults
        Canonical field -> constant value when the file has no such column
        (e.g. ``event_type = "incident"``).
    """

    name: str
    columns: Mapping[str, str]
    date_order: str | None = None
    restricted: bool = True
    licence: str = LICENCES["generic"]
    defaults: Mapping[str, str] = field(default_factory=dict)


def load_mapping(path: str | Path) -> Mapping_:
    """Read a TOML column mapping for generic files.

    Example::

        name = "hawg-mopti"
        date_order = "dmy"            # dmy | mdy | ymd
        restricted = true
        [columns]
        event_id = "N°"
        date = "Date incident"
        event_type = "Type"
        latitude = "Lat"
        longitude = "Long"
        fatalities = "Morts"
        notes = "Description"
        [defaults]
        event_type = "incident"

    Raises
    ------
    DataFileError
        Unreadable TOML, unknown canonical field or date order.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DataFileError(path, f"cannot read mapping ({exc})") from exc
    columns = raw.get("columns", {})
    if not isinstance(columns, dict) or not columns:
        raise DataFileError(path, "mapping needs a [columns] table", field="columns")
    for key in list(columns) + list(raw.get("defaults", {})):
        if key not in GENERIC_FIELDS:
            msg = f"unknown field {key!r}; expected one of {list(GENERIC_FIELDS)}"
            raise DataFileError(path, msg, field=key)
    order = raw.get("date_order")
    if order is not None and order not in DATE_ORDERS:
        msg = f"date_order must be one of {list(DATE_ORDERS)}, got {order!r}"
        raise DataFileError(path, msg, field="date_order")
    name = str(raw.get("name") or path.stem)
    return Mapping_(
        name=name,
        columns={k: str(v) for k, v in columns.items()},
        date_order=order,
        restricted=bool(raw.get("restricted", True)),
        licence=str(raw.get("licence", LICENCES["generic"])),
        defaults={k: str(v) for k, v in raw.get("defaults", {}).items()},
    )


def detect_format(columns: Sequence[str]) -> str:
    """Guess the format of a header: ``"acled"``, ``"ucdp"``, ``"curated"`` or ``"generic"``."""
    cols = {c.strip().lower() for c in columns}
    if {"event_id_cnty", "event_date"} <= cols:
        return "acled"
    if {"id", "date_start"} <= cols and cols & {"type_of_violence", "side_a", "where_prec"}:
        return "ucdp"
    if {"event_id", "coord_confidence"} <= cols:
        return "curated"
    return "generic"


def _resolve_columns(table: RawTable, fmt: str, mapping: Mapping_ | None) -> dict[str, str]:
    """Canonical field -> actual column name; raises naming the first missing required one."""
    actual = {c.lower(): c for c in table.frame.columns}
    found: dict[str, str] = {}
    if fmt == "generic":
        if mapping is not None:
            for canon, col in mapping.columns.items():
                if col in table.frame.columns:
                    found[canon] = col
                elif col.lower() in actual:
                    found[canon] = actual[col.lower()]
                else:
                    msg = (
                        f"column {col!r} named in the mapping for {canon!r} is missing; "
                        f"the file has {list(table.frame.columns)}"
                    )
                    raise DataFileError(table.path, msg, field=col)
        else:
            for canon in GENERIC_FIELDS:
                if canon in actual:
                    found[canon] = actual[canon]
        defaults = mapping.defaults if mapping else {}
        for canon in _REQUIRED["generic"]:
            if canon not in found and canon not in defaults:
                msg = (
                    f"missing column {canon!r}: a generic file needs columns named "
                    f"{list(_REQUIRED['generic'])} or a --mapping file naming them"
                )
                raise DataFileError(table.path, msg, field=canon)
        return found
    spec = _SPECS[fmt]
    for canon, names in spec.items():
        for name in names:
            if name in actual:
                found[canon] = actual[name]
                break
    for canon in _REQUIRED[fmt]:
        if canon not in found:
            name = spec[canon][0]
            msg = f"missing column {name!r}, required by the {fmt} format"
            raise DataFileError(table.path, msg, field=name)
    return found


# --------------------------------------------------------------------------- parsing


def parse_number(values: pd.Series) -> pd.Series:
    """Parse text numbers, accepting a decimal comma (``12,5``) and ``1.234,5``.

    Returns float with NaN for blanks and unparsable cells (tell them apart with the
    input: blank cells are ``""``).
    """
    s = values.astype(str).str.strip().str.replace("\u00a0", "", regex=False)
    if s.str.contains(" ", regex=False).any():
        s = s.str.replace(" ", "", regex=False)
    comma = s.str.contains(",", regex=False)
    if comma.any():
        both = comma & s.str.contains(".", regex=False)
        s = s.where(~both, s.str.replace(".", "", regex=False))
        s = s.str.replace(",", ".", regex=False)
    return pd.to_numeric(s, errors="coerce").astype(float)


_SLASH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?$")
_YM = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class _Dates:
    date: pd.Series  # datetime64[ns] or NaT
    precision: pd.Series  # "day"/"month" or ""
    reason: pd.Series  # "" when parsed
    dayfirst_rows: list[int]
    monthfirst_rows: list[int]


def parse_dates(values: pd.Series, *, date_order: str | None = None) -> _Dates:
    """Parse incident dates without ever guessing day/month order.

    Parameters
    ----------
    values
        Text cells (or Timestamps from XLSX).
    date_order
        ``"dmy"``, ``"mdy"``, ``"ymd"`` or ``None``. With ``None`` a slash date is read
        only when a single reading exists (one part > 12, or both parts equal).

    Returns
    -------
    _Dates
        ``date`` (NaT when rejected), ``precision``, ``reason`` ("" when parsed), and the
        0-based positions of rows that were day-first / month-first by necessity.
    """
    n = len(values)
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    prec = pd.Series("", index=values.index, dtype=object)
    reason = pd.Series("", index=values.index, dtype=object)
    if values.dtype == object:
        is_ts = values.map(lambda v: isinstance(v, pd.Timestamp)).astype(bool)
    else:
        is_ts = pd.Series(False, index=values.index)
    if is_ts.any():
        out[is_ts] = pd.to_datetime(values[is_ts].tolist()).normalize()
        prec[is_ts] = "day"
    text = values.where(~is_ts, "").astype(str).str.strip()
    todo = ~is_ts
    blank = todo & (text == "")
    reason[blank] = Keyed("missing date", "err.inc.missing_date")
    todo &= ~blank
    dayfirst: list[int] = []
    monthfirst: list[int] = []

    def extract(pattern: re.Pattern[str]) -> pd.DataFrame:
        sub = text[todo]
        hit = sub[sub.str.match(pattern.pattern)]
        out_ = pd.DataFrame(index=text.index, columns=range(pattern.groups), dtype=object)
        if len(hit):
            out_.loc[hit.index] = hit.str.extract(pattern).to_numpy()
        return out_

    # ISO day
    m = extract(_ISO)
    iso = todo & m[0].notna()
    if iso.any():
        parsed = pd.to_datetime(
            m.loc[iso, 0] + "-" + m.loc[iso, 1] + "-" + m.loc[iso, 2], format="%Y-%m-%d", errors="coerce"
        )
        out[iso] = parsed
        prec[iso] = "day"
        bad = iso & out.isna()
        reason[bad] = Keyed("not a calendar date", "err.inc.not_calendar_date")
        todo &= ~iso
    # ISO month
    m = extract(_YM)
    ym = todo & m[0].notna()
    if ym.any():
        parsed = pd.to_datetime(m.loc[ym, 0] + "-" + m.loc[ym, 1] + "-01", format="%Y-%m-%d", errors="coerce")
        out[ym] = parsed
        prec[ym] = "month"
        reason[ym & out.isna()] = Keyed("not a calendar month", "err.inc.not_calendar_month")
        todo &= ~ym
    # yyyy/mm/dd
    m = extract(_YMD_SLASH)
    ymd = todo & m[0].notna()
    if ymd.any():
        parsed = pd.to_datetime(
            m.loc[ymd, 0] + "-" + m.loc[ymd, 1].str.zfill(2) + "-" + m.loc[ymd, 2].str.zfill(2),
            format="%Y-%m-%d",
            errors="coerce",
        )
        out[ymd] = parsed
        prec[ymd] = "day"
        reason[ymd & out.isna()] = Keyed("not a calendar date", "err.inc.not_calendar_date")
        todo &= ~ymd
    # dd/mm/yyyy or mm/dd/yyyy
    m = extract(_SLASH)
    sl = todo & m[0].notna()
    if sl.any():
        a = m.loc[sl, 0].astype(int)
        b = m.loc[sl, 1].astype(int)
        y = m.loc[sl, 2]
        if date_order == "dmy":
            day, month = a, b
            amb = pd.Series(False, index=a.index)
        elif date_order == "mdy":
            day, month = b, a
            amb = pd.Series(False, index=a.index)
        else:
            df_only = (a > 12) & (b <= 12)
            mf_only = (b > 12) & (a <= 12)
            amb = (a <= 12) & (b <= 12) & (a != b)
            day = a.where(~mf_only, b)
            month = b.where(~mf_only, a)
            dayfirst = [int(i) for i in a.index[df_only]]
            monthfirst = [int(i) for i in a.index[mf_only]]
        iso_text = y + "-" + month.astype(str).str.zfill(2) + "-" + day.astype(str).str.zfill(2)
        parsed = pd.to_datetime(iso_text.where(~amb, ""), format="%Y-%m-%d", errors="coerce")
        out[sl] = parsed
        prec[sl] = "day"
        amb_idx = amb[amb].index
        reason[amb_idx] = _each(
            text[amb_idx],
            lambda v: Keyed(
                f"ambiguous date {v!r}: day-first or month-first? declare the file's date order "
                "(date_order in the mapping, or --date-order dmy|mdy)",
                "err.inc.ambiguous_date",
                value=repr(v),
            ),
        )
        bad = sl & out.isna() & (reason == "")
        order = {"dmy": "day-first", "mdy": "month-first"}.get(date_order or "", "")
        reason[bad] = (
            Keyed(f"not a calendar date when read {order}", f"err.inc.not_calendar_date_{date_order}")
            if order
            else Keyed("not a calendar date", "err.inc.not_calendar_date")
        )
        todo &= ~sl
    # "15 January 2020", "15-Jan-2020", "15 janvier 2020"
    if todo.any():
        words = text[todo].str.lower()
        for fr, en in _MONTHS.items():
            words = words.str.replace(rf"\b{fr}\b", en.lower(), regex=True)
        words = words.str.replace("-", " ", regex=False)
        parsed = pd.Series(pd.NaT, index=words.index, dtype="datetime64[ns]")
        for fmt in ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y"):
            left = parsed.isna()
            if not left.any():
                break
            parsed[left] = pd.to_datetime(words[left], format=fmt, errors="coerce")
        out[todo] = parsed
        prec[todo & out.notna()] = "day"
        bad = todo & out.isna()
        reason[bad] = _each(
            text[bad],
            lambda v: Keyed(
                f"unrecognised date {v!r}; expected YYYY-MM-DD, "
                "YYYY-MM, DD/MM/YYYY (with a declared order) or '15 January 2020'",
                "err.inc.unrecognised_date",
                value=repr(v),
            ),
        )
    assert len(out) == n
    return _Dates(out, prec, reason, dayfirst, monthfirst)


def content_hash(frame: pd.DataFrame) -> pd.Series:
    """Stable 16-hex-digit hash of an incident's content (date, place, type, actors, toll, notes)."""
    parts = (
        frame["date"].dt.strftime("%Y-%m-%d").fillna("")
        + "|"
        + frame["latitude"].round(5).astype(str)
        + "|"
        + frame["longitude"].round(5).astype(str)
        + "|"
        + frame["event_type"].astype(str)
        + "|"
        + frame["actor1"].astype(str)
        + "|"
        + frame["actor2"].astype(str)
        + "|"
        + frame["fatalities"].astype(str)
        + "|"
        + frame["notes"].astype(str)
    )
    return parts.map(lambda s: hashlib.sha1(s.encode("utf-8")).hexdigest()[:16])


# --------------------------------------------------------------------------- checking


@dataclass
class CheckResult:
    """Outcome of :func:`check_table`.

    Attributes
    ----------
    path, format, source
        File, format used, and the ``source`` value given to its rows.
    rows
        Data rows in the file.
    accepted
        Normalised rows (:data:`INCIDENT_COLUMNS`), ``row`` = 1-based data row.
    rejected
        One line per problem: ``row``, ``field``, ``reason``, ``value``.
    raw_rejected
        The original cells of every rejected row (``row`` + the file's columns).
    warnings
        File-level notes (fixes applied, absent optional columns, mixed date orders).
    duplicates
        Possible duplicates of events from another source: ``row``, ``incident_id``,
        ``duplicate_of``, ``distance_km``, ``days_apart``.
    encoding, delimiter
        As detected when reading.
    """

    path: Path
    format: str
    source: str
    rows: int
    accepted: pd.DataFrame
    rejected: pd.DataFrame
    raw_rejected: pd.DataFrame
    warnings: list[str]
    duplicates: pd.DataFrame
    encoding: str | None = None
    delimiter: str | None = None

    def report(self) -> dict[str, Any]:
        """JSON-ready summary: format, rows, accepted, rejected problems, warnings, duplicates."""
        rejected = [
            {
                "row": int(r.row),
                "field": str(r.field),
                "reason": r.reason if isinstance(r.reason, str) else str(r.reason),
            }
            for r in self.rejected.itertuples()
        ]
        dups = [
            {
                "row": int(r.row),
                "incident_id": r.incident_id,
                "duplicate_of": r.duplicate_of,
                "distance_km": round(float(r.distance_km), 2),
                "days_apart": int(r.days_apart),
            }
            for r in self.duplicates.itertuples()
        ]
        return {
            "file": self.path.name,
            "format": self.format,
            "source": self.source,
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "rows": self.rows,
            "accepted": len(self.accepted),
            "rejected_rows": int(self.rejected["row"].nunique()) if len(self.rejected) else 0,
            "rejected": rejected,
            "warnings": list(self.warnings),
            "duplicates": dups,
        }


def _empty_rejected() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype=int),
            "field": pd.Series(dtype=str),
            "reason": pd.Series(dtype=str),
            "value": pd.Series(dtype=str),
        }
    )


def _empty_duplicates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "row": pd.Series(dtype=int),
            "incident_id": pd.Series(dtype=str),
            "duplicate_of": pd.Series(dtype=str),
            "distance_km": pd.Series(dtype=float),
            "days_apart": pd.Series(dtype=int),
        }
    )


def _inside(lon: np.ndarray, lat: np.ndarray, country: BaseGeometry | None) -> np.ndarray:
    x0, y0, x1, y1 = MALI_BBOX
    if country is None:
        return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    ok = np.isfinite(lon) & np.isfinite(lat)
    res = np.zeros(len(lon), dtype=bool)
    if ok.any():
        shapely.prepare(country)
        res[ok] = shapely.contains_xy(country, lon[ok], lat[ok])
    return res


#: Characters removed from text cells: C0/C1 controls (not tab/newline), zero-width and bidi controls.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
#: Space-like characters turned into a plain space (no-break, narrow no-break, figure, thin ...).
_SPACES = re.compile("[\u00a0\u2000-\u200a\u202f\u205f\u3000]")


def clean_text(value: str) -> str:
    """Normalise a text cell: NFC, space-like characters to spaces, invisible controls dropped, trimmed.

    ``"Ségou"`` typed with a combining accent and ``"Ségou\u00a0"`` both give ``"Ségou"``.
    """
    import unicodedata

    text = unicodedata.normalize("NFC", value)
    text = _SPACES.sub(" ", text)
    text = _INVISIBLE.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


@dataclass
class _Checker:
    """State shared by the steps of :func:`check_table`: the raw cells, the column mapping, problems found."""

    table: RawTable
    fmt: str
    cols: dict[str, str]
    defaults: dict[str, str]
    source: str
    warnings: list[str]
    problems: list[pd.DataFrame] = field(default_factory=list)

    # -- column mapping ---------------------------------------------------------------

    @classmethod
    def start(cls, table: RawTable, fmt: str, mapping: Mapping_ | None) -> _Checker:
        """Map the file's columns for ``fmt`` and note the optional ones absent."""
        cols = _resolve_columns(table, fmt, mapping)
        warnings = list(table.warnings)
        source = (
            f"generic:{mapping.name}"
            if (fmt == "generic" and mapping)
            else (f"generic:{table.path.stem}" if fmt == "generic" else fmt)
        )
        if fmt in _SPECS:
            absent = [names[0] for canon, names in _SPECS[fmt].items() if canon not in cols]
            if absent:
                text = f"optional columns absent: {', '.join(absent)}"
                warnings.append(Keyed(text, "err.inc.w_optional_absent", columns=", ".join(absent)))
        defaults = dict(mapping.defaults) if mapping else {}
        return cls(table, fmt, cols, defaults, source, warnings)

    @property
    def raw(self) -> pd.DataFrame:
        """The file's cells."""
        return self.table.frame

    def text(self, canon: str) -> pd.Series:
        """Return a canonical field as normalised text (:func:`clean_text`), or its default."""
        raw = self.raw
        if canon in self.cols:
            col = raw[self.cols[canon]]
            if col.dtype == object:  # XLSX cells: text, or Timestamps for Excel dates
                col = col.map(lambda v: v if isinstance(v, str) else str(v))
            return col.astype(str).map(clean_text)
        return pd.Series(self.defaults.get(canon, ""), index=raw.index, dtype=object)

    def reject(
        self,
        mask: pd.Series | np.ndarray,
        fld: str,
        reason: pd.Series | str,
        values: pd.Series | None = None,
    ) -> None:
        """Record one problem per row of ``mask`` (field, reason, offending value)."""
        raw = self.raw
        mask = pd.Series(np.asarray(mask, dtype=bool), index=raw.index)
        if not mask.any():
            return
        idx = mask[mask].index
        # object dtype keeps geo.text.Keyed reasons (a string column would turn them into str)
        rs = pd.Series(
            list(reason[idx]) if isinstance(reason, pd.Series) else [reason] * len(idx),
            index=idx,
            dtype=object,
        )
        vals = values[idx].astype(str) if values is not None else ""
        self.problems.append(
            pd.DataFrame({"row": idx + 1, "field": fld, "reason": rs, "value": vals}, index=idx)
        )

    # -- per-field validation ---------------------------------------------------------

    def reject_unreadable_cells(self) -> None:
        """Rows with a cell the reader could not turn into a value (formula without a saved value)."""
        for row, column, reason, value in self.table.cell_problems:
            if 1 <= row <= len(self.raw):
                mask = np.zeros(len(self.raw), dtype=bool)
                mask[row - 1] = True
                self.reject(mask, column, reason, pd.Series(value, index=self.raw.index))

    def check_event_ids(self) -> pd.Series:
        """Event ids: missing ones and repeats within the file are rejected."""
        cols, raw = self.cols, self.raw
        ids = self.text("event_id")
        if "event_id" in cols:
            self.reject(ids == "", cols["event_id"], Keyed("missing event id", "err.inc.missing_id"))
            first = ids.where(ids != "").dropna()
            dup = first.duplicated(keep="first")
            if dup.any():
                first_row = {v: int(i) + 1 for i, v in first[~dup].items()}
                reasons = _each(
                    first[dup],
                    lambda v: Keyed(
                        f"duplicate event id {v!r} (first at row {first_row[v]})",
                        "err.inc.duplicate_id",
                        id=repr(v),
                        row=first_row[v],
                    ),
                )
                self.reject(
                    ids.index.isin(first[dup].index),
                    cols["event_id"],
                    pd.Series(reasons, index=raw.index, dtype=object).fillna(""),
                    ids,
                )
        return ids

    def check_dates(self, out: pd.DataFrame, order: str | None, today: dt.date) -> None:
        """``date``/``date_end``: unparsable, ambiguous or future dates are rejected."""
        cols, raw, warnings = self.cols, self.raw, self.warnings
        date_field = cols.get("date", "date")
        dates_src = raw[cols["date"]] if "date" in cols else self.text("date")
        d = parse_dates(dates_src, date_order=order)
        self.reject(d.reason != "", date_field, d.reason, dates_src.astype(str))
        if d.dayfirst_rows and d.monthfirst_rows:
            dmy, mdy = [i + 1 for i in d.dayfirst_rows[:5]], [i + 1 for i in d.monthfirst_rows[:5]]
            warnings.append(
                Keyed(
                    f"slash dates are day-first in rows {dmy} but month-first in rows {mdy}: check the file",
                    "err.inc.w_mixed_orders",
                    dmy=", ".join(map(str, dmy)),
                    mdy=", ".join(map(str, mdy)),
                )
            )
        amb = int(d.reason.str.startswith("ambiguous").sum())
        if amb:
            hint = ""
            if d.dayfirst_rows and not d.monthfirst_rows:
                text = "; the unambiguous rows are day-first, declare --date-order dmy if all are"
                hint = Keyed(text, "err.inc.w_hint_dmy")
            elif d.monthfirst_rows and not d.dayfirst_rows:
                text = "; the unambiguous rows are month-first, declare --date-order mdy if all are"
                hint = Keyed(text, "err.inc.w_hint_mdy")
            text = f"{amb} rows have ambiguous slash dates and were rejected{hint}"
            warnings.append(Keyed(text, "err.inc.w_ambiguous", n=amb, hint=hint))
        future = d.date.notna() & (d.date > pd.Timestamp(today))
        day = today.isoformat()
        after = Keyed(f"date after today ({day})", "err.inc.future_date", today=day)
        self.reject(future, date_field, after, dates_src.astype(str))
        out["date"] = d.date
        end = parse_dates(self.text("date_end"), date_order=order) if "date_end" in cols else None
        out["date_end"] = end.date if end is not None else pd.NaT
        out["_date_precision"] = d.precision

    def precision(self, out: pd.DataFrame) -> None:
        """Geo and time precision codes of the format, mapped to the normalised ones."""
        fmt, cols, text, warnings = self.fmt, self.cols, self.text, self.warnings
        parsed = out.pop("_date_precision")
        if fmt == "curated":
            prec_txt = text("date_precision").str.lower()
            out["date_precision"] = prec_txt.where(prec_txt != "", parsed)
            conf = text("coord_confidence").str.lower()
            out["geo_precision"] = conf.map(_CONFIDENCE).astype("Int64")
            out["geo_precision_src"] = conf
            out["time_precision_src"] = prec_txt
        else:
            gp = parse_number(text("geo_precision")).round().astype("Int64")
            tp = parse_number(text("time_precision")).round().astype("Int64")
            out["geo_precision_src"] = text("geo_precision")
            out["time_precision_src"] = text("time_precision")
            if fmt == "ucdp":
                out["geo_precision"] = gp.clip(upper=3).where(gp >= 1)
                tmap = _UCDP_TIME
            else:
                out["geo_precision"] = gp.where(gp.isin([1, 2, 3]))
                tmap = _ACLED_TIME
            bad_gp = gp.notna() & out["geo_precision"].isna()
            if bad_gp.any():
                n_bad = int(bad_gp.sum())
                text = f"{n_bad} rows have an unknown geo precision code; stored as unknown"
                warnings.append(Keyed(text, "err.inc.w_geo_precision_code", n=n_bad))
            tprec = tp.astype("float64").map({float(k): v for k, v in tmap.items()}).astype(object).fillna("")
            if fmt == "generic" and "date_precision" in cols:
                tprec = text("date_precision").str.lower()
            out["date_precision"] = tprec.where(tprec != "", parsed)
            if fmt != "generic" and "geo_precision" not in cols:
                text = "no geo precision column: precision stored as unknown"
                warnings.append(Keyed(text, "err.inc.w_no_geo_precision"))
        out["geo_precision"] = out["geo_precision"].astype("Int64")
        out["low_precision"] = (out["geo_precision"] >= 3).fillna(False).astype(bool)

    def check_coordinates(
        self, out: pd.DataFrame, *, fix_swapped: bool, country: BaseGeometry | None
    ) -> None:
        """Latitude/longitude: missing, not numbers, 0,0, out of range, outside Mali, swapped."""
        cols, raw, reject = self.cols, self.raw, self.reject
        n = len(raw)
        lat_txt, lon_txt = self.text("latitude"), self.text("longitude")
        lat_field, lon_field = cols.get("latitude", "latitude"), cols.get("longitude", "longitude")
        lat, lon = parse_number(lat_txt).to_numpy(), parse_number(lon_txt).to_numpy()
        blank_lat = lat_txt.isin(["", "n/a", "NA", "na", "N/A"])
        blank_lon = lon_txt.isin(["", "n/a", "NA", "na", "N/A"])
        missing = Keyed("missing coordinate", "err.inc.missing_coordinate")
        nan = Keyed("not a number", "err.inc.nan")
        reject(blank_lat, lat_field, missing)
        reject(blank_lon & ~blank_lat, lon_field, missing)
        reject(~blank_lat & np.isnan(lat), lat_field, nan, lat_txt)
        reject(~blank_lon & np.isnan(lon), lon_field, nan, lon_txt)
        finite = np.isfinite(lat) & np.isfinite(lon)
        zero = finite & (lat == 0) & (lon == 0)
        reject(
            zero,
            f"{lat_field},{lon_field}",
            Keyed("coordinates 0,0 are a placeholder, not a location", "err.inc.zero_zero"),
        )
        bad_range = finite & ~zero & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
        reject(
            bad_range,
            f"{lat_field},{lon_field}",
            Keyed("coordinates out of range (|lat| > 90 or |lon| > 180)", "err.inc.out_of_range"),
            lat_txt + "," + lon_txt,
        )
        check = finite & ~zero & ~bad_range
        inside = np.zeros(n, dtype=bool)
        inside[check] = _inside(lon[check], lat[check], country)
        outside = check & ~inside
        swapped = np.zeros(n, dtype=bool)
        if outside.any():
            swapped[outside] = _inside(lat[outside], lon[outside], country)
        pair = pd.Series("", index=raw.index, dtype=object)
        for i in np.flatnonzero(outside):
            pair.iat[i] = f"({lat[i]:g}, {lon[i]:g})"
        if fix_swapped and swapped.any():
            lat2 = np.where(swapped, lon, lat)
            lon = np.where(swapped, lat, lon)
            lat = lat2
            rows = [int(i) + 1 for i in np.flatnonzero(swapped)]
            text = f"latitude/longitude swapped and fixed on {len(rows)} rows: {rows[:20]}"
            shown = ", ".join(map(str, rows[:20]))
            self.warnings.append(Keyed(text, "err.inc.w_swapped_fixed", n=len(rows), rows=shown))
        else:
            swapped_text = _each(
                pair,
                lambda v: Keyed(
                    f"latitude and longitude look swapped: (lat, lon) {v} is outside Mali but the swapped "
                    "pair is inside; fix the file or use --fix-swapped",
                    "err.inc.swapped",
                    pair=v,
                ),
            )
            reject(swapped, f"{lat_field},{lon_field}", swapped_text)
        outside_text = _each(
            pair, lambda v: Keyed(f"outside Mali: (lat, lon) {v}", "err.inc.outside_mali", pair=v)
        )
        reject(outside & ~swapped, f"{lat_field},{lon_field}", outside_text)
        out["latitude"], out["longitude"] = lat, lon

    def check_fatalities(self, out: pd.DataFrame) -> None:
        """Fatalities: whole numbers >= 0 (blank = 0); low/high estimates when given."""
        cols = self.cols
        if "fatalities" in cols:
            ftxt = self.text("fatalities")
            fat = parse_number(ftxt)
            bad = (ftxt != "") & (fat.isna() | (fat < 0) | (fat != fat.round()))
            whole = Keyed("fatalities must be a whole number >= 0", "err.inc.fatalities")
            self.reject(bad, cols["fatalities"], whole, ftxt)
            out["fatalities"] = fat.fillna(0).where(~bad, 0).astype("int64")
        else:
            out["fatalities"] = np.int64(0)
        for extra in ("fatalities_low", "fatalities_high"):
            out[extra] = parse_number(self.text(extra)).round().astype("Int64") if extra in cols else pd.NA
        out["fatalities_low"] = out["fatalities_low"].astype("Int64")
        out["fatalities_high"] = out["fatalities_high"].astype("Int64")

    def text_fields(self, out: pd.DataFrame) -> None:
        """Event type (required when mapped) and the free-text fields, normalised."""
        etype = self.text("event_type")
        if self.fmt == "ucdp":
            etype = etype.map(lambda v: _UCDP_VIOLENCE.get(v, v))
        if "event_type" in self.cols or "event_type" in self.defaults:
            no_type = Keyed("missing event type", "err.inc.missing_type")
            self.reject(etype == "", self.cols.get("event_type", "event_type"), no_type)
        else:
            etype = pd.Series("incident", index=self.raw.index, dtype=object)
        out["event_type"] = etype
        for canon in (
            "sub_event_type",
            "actor1",
            "actor2",
            "notes",
            "source_ref",
            "location",
            "admin1",
            "admin2",
            "admin3",
        ):
            out[canon] = self.text(canon)

    def identity(self, out: pd.DataFrame, ids: pd.Series, mapping: Mapping_ | None) -> None:
        """Source, event id, restriction and licence of every row."""
        fmt = self.fmt
        out["source"] = self.source
        out["source_event_id"] = ids
        if fmt == "acled":
            out["restricted"] = True
        elif fmt == "generic":
            out["restricted"] = mapping.restricted if mapping else True
        else:
            out["restricted"] = False
        out["licence"] = mapping.licence if mapping else LICENCES.get(fmt, LICENCES["generic"])
        out["row"] = self.raw.index + 1

    # -- outcome and duplicate detection within the file --------------------------------

    def accepted(self, out: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
        """Return the accepted rows with ``incident_id`` (exact repeats once), the problems, the kept mask."""
        source = self.source
        rejected = (
            pd.concat(self.problems).sort_values(["row"], kind="stable").reset_index(drop=True)
            if self.problems
            else _empty_rejected()
        )
        keep = ~out["row"].isin(set(rejected["row"]))
        acc = out[keep].copy()
        has_id = acc["source_event_id"] != ""
        acc["content_hash"] = ""
        if (~has_id).any():
            acc.loc[~has_id, "content_hash"] = content_hash(acc[~has_id])
        acc["incident_id"] = np.where(
            has_id, source + ":" + acc["source_event_id"], source + ":h" + acc["content_hash"].astype(str)
        )
        if (~has_id).any():
            same = acc["incident_id"].duplicated(keep="first")
            if same.any():
                rows = acc.loc[same, "row"].tolist()[:20]
                text = f"{int(same.sum())} rows repeat another row's content exactly (rows {rows}); kept once"
                shown = ", ".join(map(str, rows))
                self.warnings.append(Keyed(text, "err.inc.w_repeated", n=int(same.sum()), rows=shown))
                acc = acc[~same]
        return acc[INCIDENT_COLUMNS].reset_index(drop=True), rejected, keep


def _each(values: pd.Series, make: Callable[[Any], str]) -> pd.Series:
    """Return ``make(v)`` for each value, as an object Series (keeps :class:`geo.text.Keyed` texts)."""
    return pd.Series([make(v) for v in values], index=values.index, dtype=object)


def check_table(
    table: RawTable,
    *,
    fmt: str = "auto",
    mapping: Mapping_ | None = None,
    date_order: str | None = None,
    fix_swapped: bool = False,
    country: BaseGeometry | None = None,
    existing: pd.DataFrame | None = None,
    dup_km: float = 5.0,
    dup_days: int = 0,
    today: dt.date | None = None,
) -> CheckResult:
    """Validate a table and normalise its accepted rows.

    Parameters
    ----------
    table
        From :func:`read_table`.
    fmt
        One of :data:`FORMATS`; ``"auto"`` detects it from the header.
    mapping
        Column mapping for ``generic`` files (its ``date_order`` is the file's declaration).
    date_order
        Declared order of slash dates (``"dmy"``/``"mdy"``/``"ymd"``); overrides the mapping's.
    fix_swapped
        Swap latitude/longitude on rows where only the swapped pair falls in Mali (a
        warning names them). Default: such rows are rejected.
    country
        Mali's outline (Polygon/MultiPolygon, EPSG:4326, already buffered by the caller as
        wanted); default :data:`MALI_BBOX`.
    existing
        Incidents already known (normalised columns, at least ``incident_id``, ``source``,
        ``date``, ``latitude``, ``longitude``): accepted rows of another source within
        ``dup_km`` km and ``dup_days`` days are reported as possible duplicates.
    dup_km, dup_days
        Duplicate thresholds (km, days).
    today
        Dates after this day are rejected (default: today).

    Returns
    -------
    CheckResult

    Raises
    ------
    DataFileError
        Unknown format or date order, or a required column absent (named in the message).
    """
    if fmt not in FORMATS:
        raise DataFileError(
            table.path, f"unknown format {fmt!r}; expected one of {list(FORMATS)}", field="format"
        )
    if date_order is not None and date_order not in DATE_ORDERS:
        msg = f"unknown date order {date_order!r}; expected one of {list(DATE_ORDERS)}"
        raise DataFileError(table.path, msg, field="date_order")
    fmt = detect_format(table.frame.columns) if fmt == "auto" else fmt
    chk = _Checker.start(table, fmt, mapping)
    chk.reject_unreadable_cells()
    out = pd.DataFrame(index=chk.raw.index)
    ids = chk.check_event_ids()
    chk.check_dates(out, date_order or (mapping.date_order if mapping else None), today or dt.date.today())
    chk.precision(out)
    chk.check_coordinates(out, fix_swapped=fix_swapped, country=country)
    chk.check_fatalities(out)
    chk.text_fields(out)
    chk.identity(out, ids, mapping)
    acc, rejected, keep = chk.accepted(out)
    raw_rej = chk.raw[~keep.to_numpy()].copy()
    raw_rej.insert(0, "row", raw_rej.index + 1)
    dups = (
        find_duplicates(acc, existing, max_km=dup_km, max_days=dup_days)
        if existing is not None and len(existing) and len(acc)
        else _empty_duplicates()
    )
    if len(dups):
        text = (
            f"{len(dups)} rows may duplicate events of another source (within "
            f"{dup_km:g} km and {dup_days} days); they are kept and listed in duplicates"
        )
        chk.warnings.append(Keyed(text, "err.inc.w_duplicates", n=len(dups), km=f"{dup_km:g}", days=dup_days))
    logger.info(
        "check %s (%s): %d rows, %d accepted, %d rejected",
        table.path.name,
        fmt,
        len(chk.raw),
        len(acc),
        int((~keep).sum()),
    )
    return CheckResult(
        path=table.path,
        format=fmt,
        source=chk.source,
        rows=len(chk.raw),
        accepted=acc,
        rejected=rejected,
        raw_rejected=raw_rej.reset_index(drop=True),
        warnings=chk.warnings,
        duplicates=dups,
        encoding=table.encoding,
        delimiter=table.delimiter,
    )


def find_duplicates(
    new: pd.DataFrame, existing: pd.DataFrame, *, max_km: float = 5.0, max_days: int = 0
) -> pd.DataFrame:
    """Pairs (new event, existing event of *another* source) close in time and space.

    Parameters
    ----------
    new, existing
        Normalised incidents (``incident_id``, ``source``, ``date``, ``latitude``,
        ``longitude``; ``row`` in ``new``), EPSG:4326 coordinates.
    max_km
        Greatest distance, km (haversine on a 6371 km sphere).
    max_days
        Greatest difference between dates, days.

    Returns
    -------
    pandas.DataFrame
        ``row``, ``incident_id``, ``duplicate_of``, ``distance_km``, ``days_apart``; the
        closest match per new event.
    """
    a = new[["incident_id", "source", "date", "latitude", "longitude"]].copy()
    a["row"] = new["row"] if "row" in new.columns else np.arange(1, len(new) + 1)
    b = existing[["incident_id", "source", "date", "latitude", "longitude"]].rename(
        columns=lambda c: c + "_b"
    )
    b["date_b"] = pd.to_datetime(b["date_b"]).dt.normalize()
    a["date"] = pd.to_datetime(a["date"]).dt.normalize()
    frames = []
    for shift in range(-max_days, max_days + 1):
        a["key"] = a["date"] + pd.Timedelta(days=shift)
        frames.append(a.merge(b, left_on="key", right_on="date_b"))
    pairs = pd.concat(frames, ignore_index=True)
    pairs = pairs[pairs["source"] != pairs["source_b"]]
    if pairs.empty:
        return _empty_duplicates()
    lat1, lon1 = np.radians(pairs["latitude"]), np.radians(pairs["longitude"])
    lat2, lon2 = np.radians(pairs["latitude_b"]), np.radians(pairs["longitude_b"])
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    pairs["distance_km"] = 2 * 6371.0 * np.arcsin(np.sqrt(h))
    pairs["days_apart"] = (pairs["date"] - pairs["date_b"]).dt.days.abs()
    pairs = pairs[pairs["distance_km"] <= max_km].sort_values(["row", "distance_km"])
    pairs = pairs.drop_duplicates("row")
    return pd.DataFrame(
        {
            "row": pairs["row"].astype(int),
            "incident_id": pairs["incident_id"],
            "duplicate_of": pairs["incident_id_b"],
            "distance_km": pairs["distance_km"].astype(float),
            "days_apart": pairs["days_apart"].astype(int),
        }
    ).reset_index(drop=True)


def check_file(
    path: str | Path, *, fmt: str = "auto", mapping: Mapping_ | str | Path | None = None, **options: Any
) -> CheckResult:
    """Read and check a file in one call (see :func:`read_table` and :func:`check_table`).

    ``mapping`` may be a path to a TOML mapping; ``options`` go to :func:`check_table`,
    except ``encoding``, ``delimiter`` and ``sheet`` which go to :func:`read_table`.
    """
    read_opts = {k: options.pop(k) for k in ("encoding", "delimiter", "sheet", "max_bytes") if k in options}
    if mapping is not None and not isinstance(mapping, Mapping_):
        mapping = load_mapping(mapping)
    table = read_table(path, **read_opts)
    return check_table(table, fmt=fmt, mapping=mapping, **options)


def normalise_types(df: pd.DataFrame) -> pd.DataFrame:
    """Cast a normalised incident table to its dtypes (dates, ints, bools, text)."""
    df = df.copy()
    for c in INCIDENT_COLUMNS:
        if c not in df.columns:
            df[c] = pd.NA
    df["date"] = pd.to_datetime(df["date"]).dt.normalize().astype("datetime64[ns]")
    df["date_end"] = pd.to_datetime(df["date_end"]).astype("datetime64[ns]")
    for c in ("fatalities_low", "fatalities_high", "geo_precision"):
        df[c] = pd.to_numeric(df[c]).astype("Int64")
    df["fatalities"] = pd.to_numeric(df["fatalities"]).fillna(0).astype("int64")
    df["row"] = pd.to_numeric(df["row"]).fillna(0).astype("int64")
    for c in ("low_precision", "restricted"):
        df[c] = df[c].fillna(False).astype(bool)
    for c in ("latitude", "longitude"):
        df[c] = pd.to_numeric(df[c]).astype(float)
    text_cols = [
        c
        for c in INCIDENT_COLUMNS
        if c
        not in (
            "date",
            "date_end",
            "fatalities",
            "fatalities_low",
            "fatalities_high",
            "geo_precision",
            "low_precision",
            "restricted",
            "latitude",
            "longitude",
            "row",
        )
    ]
    for c in text_cols:
        df[c] = df[c].fillna("").astype(str)
    return df


def check_upload(
    data: bytes, filename: str, *, mapping_text: str | None = None, **options: Any
) -> CheckResult:
    """Check an uploaded file given as bytes (written to a private temporary folder).

    Parameters
    ----------
    data
        File content.
    filename
        Original name (its suffix picks CSV or XLSX; only the name part is used).
    mapping_text
        TOML mapping for generic files, as text.
    options
        Passed to :func:`check_file` (``fmt``, ``date_order``, ``fix_swapped``, ``country``,
        ``existing``...).

    Returns
    -------
    CheckResult
        Its ``path`` carries the original file name.

    Raises
    ------
    DataFileError
        As :func:`check_file`; too large files included (:data:`MAX_FILE_BYTES`).
    """
    import tempfile

    name = Path(filename).name or "upload.csv"
    limit = options.get("max_bytes", MAX_FILE_BYTES)
    if len(data) > limit:
        raise DataFileError(name, too_large_message(len(data), limit))
    with tempfile.TemporaryDirectory(prefix="incidents-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        mapping = None
        if mapping_text:
            mpath = Path(tmp) / "mapping.toml"
            mpath.write_text(mapping_text, encoding="utf-8")
            mapping = load_mapping(mpath)
            mapping = Mapping_(
                **{**mapping.__dict__, "name": mapping.name if mapping.name != "mapping" else Path(name).stem}
            )
        result = check_file(path, mapping=mapping, **options)
    result.path = Path(name)
    return result
