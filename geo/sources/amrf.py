"""Access-constraint typology of OCHA's Access Monitoring and Reporting Framework (AMRF).

Every incident and every recorded constraint carries one AMRF category, so that counts,
severity and print maps speak the typology HCTs and access working groups use.

Tables (shipped data, ``geo.config.SHIPPED_DATA``)
--------------------------------------------------
``amrf_categories.csv``
    ``code``, ``label_fr``, ``label_en``, ``severity_indicator`` (the severity indicator
    that counts incidents of the category: ``restriction_reports``, ``violence_incidents``
    or empty for none), ``description``, ``source``. The nine AMRF categories (OCHA,
    26 Dec 2012, as cited by the ACAPS humanitarian access methodology note, Dec 2021)
    plus ``not_access`` for events that constrain nothing (end of a blockade, aid delivered).
``amrf_event_types.csv``
    ``source`` (``ucdp``, ``acled``, ``curated``, or ``*`` for any source), ``event_type``,
    ``sub_event_type`` (empty: any), ``amrf``, ``note``: the documented mapping of the
    sources' event types. A sub-event-type row wins over the event-type row of the same
    source, and a source row over a ``*`` row.

Constraints recorded by advisors are classified by rule (:func:`constraint_category`):
an encirclement is ``population_access``; a road or crossing status with a security or
administrative cause is ``movement_within``, with a physical or seasonal cause
``physical_environment``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.config import SHIPPED_DATA
from geo.errors import DataFileError

logger = logging.getLogger(__name__)

CATEGORIES_PATH = SHIPPED_DATA / "amrf_categories.csv"
MAPPING_PATH = SHIPPED_DATA / "amrf_event_types.csv"
CATEGORY_COLUMNS = ["code", "label_fr", "label_en", "severity_indicator", "description", "source"]
MAPPING_COLUMNS = ["source", "event_type", "sub_event_type", "amrf", "note"]
#: Severity indicators an AMRF category may feed (geo.model.severity).
SEVERITY_INDICATORS = ("restriction_reports", "violence_incidents")
#: Sources a mapping row may name (``*``: any source).
MAPPING_SOURCES = ("ucdp", "acled", "curated", "*")
#: Category of an event type the mapping does not know.
UNCLASSIFIED = "unclassified"
#: Category of events that are not access constraints.
NOT_ACCESS = "not_access"


@dataclass(frozen=True)
class Typology:
    """The AMRF categories and the event-type mapping, checked.

    Attributes
    ----------
    categories
        One row per category (:data:`CATEGORY_COLUMNS`), indexed by ``code``, file order.
    mapping
        One row per mapping rule (:data:`MAPPING_COLUMNS`).
    """

    categories: pd.DataFrame
    mapping: pd.DataFrame

    def label(self, code: str, lang: str) -> str:
        """Label of ``code`` in ``lang`` (``fr``/``en``); the code itself when unknown."""
        if code in self.categories.index:
            return str(self.categories.at[code, f"label_{lang}"])
        return code

    def codes_for(self, indicator: str) -> list[str]:
        """Categories counted by the severity indicator ``indicator``."""
        cats = self.categories
        return list(cats.index[cats["severity_indicator"] == indicator])

    @property
    def constraint_codes(self) -> list[str]:
        """The nine AMRF categories (every code but ``not_access``), file order."""
        return [c for c in self.categories.index if c != NOT_ACCESS]


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except FileNotFoundError as exc:
        raise DataFileError(path, "file not found") from exc
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {', '.join(missing)}")
    if table.empty:
        raise DataFileError(path, "no row")
    return table[columns].map(str.strip)


def read_typology(categories: Path | None = None, mapping: Path | None = None) -> Typology:
    """Read and check the AMRF category table and the event-type mapping.

    Parameters
    ----------
    categories, mapping
        CSV files (defaults: ``data/amrf_categories.csv``, ``data/amrf_event_types.csv``).

    Returns
    -------
    Typology

    Raises
    ------
    DataFileError
        Missing file or column; empty or duplicate code; empty label, description or
        source; unknown severity indicator; a mapping row with an unknown source, an empty
        event type, an unknown category, or the same (source, event type, sub-event type)
        twice. The message names the file, the data row (1 = first row after the header)
        and the field.
    """
    cpath = Path(categories) if categories is not None else CATEGORIES_PATH
    mpath = Path(mapping) if mapping is not None else MAPPING_PATH
    cats = _read(cpath, CATEGORY_COLUMNS)
    seen: set[str] = set()
    for i, row in cats.iterrows():
        line = int(i) + 1
        for f in ("code", "label_fr", "label_en", "description", "source"):
            if not row[f]:
                raise DataFileError(cpath, "empty value", row=line, field=f)
        if row["code"] in seen:
            raise DataFileError(cpath, f"duplicate code {row['code']!r}", row=line, field="code")
        seen.add(row["code"])
        if row["severity_indicator"] not in ("", *SEVERITY_INDICATORS):
            msg = (
                f"unknown severity indicator {row['severity_indicator']!r}; expected empty or one of "
                f"{', '.join(SEVERITY_INDICATORS)}"
            )
            raise DataFileError(cpath, msg, row=line, field="severity_indicator")
    if NOT_ACCESS not in seen:
        raise DataFileError(cpath, f"the category {NOT_ACCESS!r} is required", field="code")
    table = _read(mpath, MAPPING_COLUMNS)
    keys: set[tuple[str, str, str]] = set()
    for i, row in table.iterrows():
        line = int(i) + 1
        if row["source"] not in MAPPING_SOURCES:
            msg = f"unknown source {row['source']!r}; expected one of {', '.join(MAPPING_SOURCES)}"
            raise DataFileError(mpath, msg, row=line, field="source")
        if not row["event_type"]:
            raise DataFileError(mpath, "empty value", row=line, field="event_type")
        if row["amrf"] not in seen:
            msg = f"unknown AMRF category {row['amrf']!r}; known: {', '.join(sorted(seen))}"
            raise DataFileError(mpath, msg, row=line, field="amrf")
        key = (row["source"], row["event_type"].casefold(), row["sub_event_type"].casefold())
        if key in keys:
            msg = f"duplicate rule for {row['source']}/{row['event_type']}/{row['sub_event_type'] or '*'}"
            raise DataFileError(mpath, msg, row=line, field="event_type")
        keys.add(key)
    return Typology(cats.set_index("code", drop=False), table)


def _source_family(source: str) -> str:
    """``ucdp``, ``acled``, ``curated`` from an incident's ``source`` (``generic:NAME`` -> ``generic``)."""
    return str(source).split(":", 1)[0].strip().casefold()


def classify(incidents: pd.DataFrame, typology: Typology | None = None) -> pd.Series:
    """AMRF category of each incident.

    Parameters
    ----------
    incidents
        Normalised incidents (``source``, ``event_type``, optional ``sub_event_type``).
    typology
        :func:`read_typology` output (default: the project's tables).

    Returns
    -------
    pandas.Series
        Same index, named ``amrf``: a category code, or :data:`UNCLASSIFIED` when no rule
        matches (counted in the log, never dropped). Matching ignores case and surrounding
        spaces; the most specific rule wins (source + event type + sub-event type, then
        source + event type, then ``*`` + event type + sub-event type, then ``*`` + event type).
    """
    typology = read_typology() if typology is None else typology
    rules: dict[tuple[str, str, str], str] = {}
    for r in typology.mapping.itertuples(index=False):
        rules[(r.source, r.event_type.casefold(), r.sub_event_type.casefold())] = r.amrf
    n = len(incidents)
    src = incidents["source"].map(_source_family) if "source" in incidents else pd.Series([""] * n)
    ev = incidents["event_type"].astype(str).str.strip().str.casefold()
    sub = (
        incidents["sub_event_type"].fillna("").astype(str).str.strip().str.casefold()
        if "sub_event_type" in incidents
        else pd.Series([""] * n, index=incidents.index)
    )
    out = []
    for s, e, b in zip(src, ev, sub, strict=True):
        code = UNCLASSIFIED
        for key in ((s, e, b), (s, e, ""), ("*", e, b), ("*", e, "")):
            if key in rules:
                code = rules[key]
                break
        out.append(code)
    result = pd.Series(out, index=incidents.index, name="amrf", dtype=object)
    unknown = int((result == UNCLASSIFIED).sum())
    if unknown:
        types = sorted(set(incidents.loc[result == UNCLASSIFIED, "event_type"].astype(str)))[:10]
        logger.warning("AMRF: %d incidents with unmapped event types (%s)", unknown, ", ".join(types))
    return result


def constraint_category(kind: str, cause: str | None = None) -> str:
    """AMRF category of a recorded constraint.

    Parameters
    ----------
    kind
        ``{"encirclement", "road_status", "crossing_status"}``.
    cause
        Cause of a road or crossing status (``geo.vocab.CAUSE``); ignored for an encirclement.

    Returns
    -------
    str
        ``population_access`` for an encirclement; ``physical_environment`` for a physical
        or seasonal cause; ``movement_within`` otherwise (security, administrative, other).

    Raises
    ------
    ValueError
        Unknown ``kind``.
    """
    if kind == "encirclement":
        return "population_access"
    if kind not in ("road_status", "crossing_status"):
        msg = f"kind must be encirclement, road_status or crossing_status, got {kind!r}"
        raise ValueError(msg)
    if (cause or "") in ("physical", "seasonal"):
        return "physical_environment"
    return "movement_within"
