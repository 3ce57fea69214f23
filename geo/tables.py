r"""CSV tables with their HXL hashtag row (https://hxlstandard.org): the project's one table writer.

Every CSV the project produces (incident exports, the data export, reach localities,
snapshot downloads, page download buttons, ``--format csv`` on the command line) is made
by :func:`csv_text` or written by :func:`write_csv`:

- UTF-8, ``,`` separator, ``.`` decimals, ``\n`` line ends, the header row, then (by
  default) the HXL hashtag row from :func:`hxl_row`, then the data;
- every text cell goes through :func:`geo.escape.spreadsheet_cell`, so a cell starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a line break opens as text in a spreadsheet,
  never as a formula; numbers, booleans and dates stay as they are;
- a file is replaced atomically (:func:`geo.io.atomic_path`).

:func:`read_csv` reads such a table back (hashtag row and escaping undone).
"""

from __future__ import annotations

import datetime as dt
import io
import numbers
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geo.errors import DataFileError
from geo.escape import FORMULA_PREFIXES, spreadsheet_cell
from geo.io import atomic_path

#: Column -> HXL hashtag.
HXL_TAGS = {
    "as_of": "#date+as_of",
    "pcode": "#adm+code",
    "name": "#adm+name",
    "level": "#adm+level",
    "adm1_name": "#adm1+name",
    "adm2_pcode": "#adm2+code",
    "adm3_pcode": "#adm3+code",
    "area_km2": "#indicator+area_km2",
    "population": "#population+total",
    "blockades": "#indicator+blockades+num",
    "incidents": "#event+num",
    "fatalities": "#affected+killed",
    "zone": "#access+zone",
    "rule_id": "#access+rule+code",
    "rule": "#access+rule+description",
    "hub_id": "#org+hub+code",
    "hub": "#org+hub+name",
    "hours": "#indicator+band_h",
    "localities": "#indicator+localities+num",
    "hub_status": "#status+hub",
    "axis_id": "#loc+axis+code",
    "axis_name": "#loc+axis+name",
    "route_ref": "#loc+route+code",
    "status": "#status",
    "cause": "#status+cause",
    "valid_from": "#date+start",
    "valid_to": "#date+end",
    "source": "#meta+source",
    "note": "#description",
    "locality": "#loc+name",
    "since": "#date+start",
    "until": "#date+end",
    "last_confirmed": "#date+confirmed",
    "radius_km": "#indicator+radius_km",
    "lon": "#geo+lon",
    "lat": "#geo+lat",
    "incident_id": "#event+id",
    "date": "#date",
    "month": "#date+month",
    "date_precision": "#date+precision",
    "event_type": "#event+type",
    "sub_event_type": "#event+type+sub",
    "actor1": "#org+actor1",
    "actor2": "#org+actor2",
    "geo_precision": "#geo+precision",
    "low_precision": "#geo+precision+low",
    "latitude": "#geo+lat",
    "longitude": "#geo+lon",
    "location": "#loc+name",
    "admin1": "#adm1+name+source",
    "admin2": "#adm2+name+source",
    "admin3": "#adm3+name+source",
    "adm1_pcode": "#adm1+code",
    "adm2_name": "#adm2+name",
    "adm3_name": "#adm3+name",
    "notes": "#description",
    "licence": "#meta+licence",
    "restricted": "#meta+restricted",
    "period": "#date+period",
    "incidents_min": "#event+num+min",
    "incidents_max": "#event+num+max",
    "localities_encircled": "#loc+num+encircled",
    "named_localities": "#loc+name+encircled",
    "change": "#status+change",
    "band_h": "#indicator+band_h",  # a band's limit (hours), not a travel time
    "place_id": "#loc+code",
    "travel_time_h": "#indicator+travel_time_h",
    "travel_time_h_before": "#indicator+travel_time_h+before",
    "travel_time_h_after": "#indicator+travel_time_h+after",
    # access severity (geo.model.severity) and changes between dates (geo.model.changes)
    "score": "#severity+access+class",
    "index": "#severity+access+index",
    "label": "#severity+access+label",
    "window_days": "#indicator+window_days",
    "info_gaps": "#meta+gaps",
    "axis_km": "#indicator+axis_km",
    "axis_closed_km": "#indicator+axis_closed_km",
    "axis_constrained_km": "#indicator+axis_constrained_km",
    "axis_physical_km": "#indicator+axis_physical_km",
    "axes_closed": "#loc+axis+closed",
    "axes_constrained": "#loc+axis+constrained",
    "encirclements_in_force": "#indicator+encirclements+num",
    "encircled_localities": "#loc+name+encircled",
    "encircled_people": "#affected+encircled",
    "incidents_violence": "#event+num+violence",
    "incidents_restriction": "#event+num+restriction",
    "share_pop_8h": "#indicator+share_pop_8h",
    "score_before": "#severity+access+class+before",
    "score_after": "#severity+access+class+after",
    "score_change": "#severity+access+class+change",
    "index_before": "#severity+access+index+before",
    "index_after": "#severity+access+index+after",
    "indicators_changed": "#severity+indicators+changed",
    "kind": "#meta+kind",
    "item": "#meta+item+code",
    "status_before": "#status+before",
    "status_after": "#status+after",
    "km2_lost": "#indicator+km2+lost",
    "km2_gained": "#indicator+km2+gained",
    "population_lost": "#affected+lost",
    "population_gained": "#affected+gained",
    "localities_lost": "#loc+num+lost",
    "localities_gained": "#loc+num+gained",
    "population_grid": "#population+grid",
    "population_settlement": "#population+settlement",
    "population_method": "#meta+method+population",
    # batches, criticality of axes and crossings, access over time (geo.model.batch, geo.model.criticality)
    "job": "#meta+job",
    "scenario": "#meta+scenario",
    "season": "#date+season",
    "rank": "#indicator+rank",
    "item_id": "#access+item+code",
    "item_name": "#access+item+name",
    "localities_named": "#loc+name+lost",
    # AMRF typology (geo.sources.amrf) and incident -> constraint links (geo.store.links)
    "amrf": "#event+type+amrf",
    "data_sparse": "#meta+data_sparse",
    "axis_security_km": "#indicator+axis_security_km",
    "encirclements_recent": "#indicator+encirclements+recent",
    "link_id": "#meta+link+code",
    "incident_date": "#date+event",
    "incident_source": "#meta+source+event",
    "target": "#meta+item+code",
    "version_id": "#meta+version",
    "linked_by": "#meta+recorded_by",
    "linked_at": "#date+recorded",
    # register of common positions (geo.store.positions)
    "position_id": "#access+position+code",
    "scope": "#access+position+scope",
    "topic": "#access+position+topic",
    "text_fr": "#access+position+description+i_fr",
    "text_en": "#access+position+description+i_en",
    "visibility": "#meta+visibility",
    "motivated_by": "#access+position+motivation",
    "meeting_ref": "#meta+meeting",
    "meeting_date": "#date+meeting",
    "recorded_by": "#meta+recorded_by",
    "recorded_at": "#date+recorded",
    "created": "#date+created",
    "endorsed": "#date+endorsed",
    "place_name": "#loc+name",
    "topic_fr": "#access+position+topic+i_fr",
    "topic_en": "#access+position+topic+i_en",
    "status_fr": "#status+i_fr",
    "status_en": "#status+i_en",
}

#: Column prefixes with a hashtag built from the rest of the name.
HXL_PREFIXES = {
    "share_": "#indicator+",
    "value_": "#indicator+value+",
    "score_": "#severity+score+",
    "dim_": "#severity+dim+",
    "incidents_amrf_": "#event+num+amrf+",
}


def hxl_tag(column: str) -> str:
    """Return the HXL hashtag of one column (``share_pop_4h`` -> ``#indicator+share_pop_4h``; "" if none)."""
    if column in HXL_TAGS:
        return HXL_TAGS[column]
    for prefix, tag in HXL_PREFIXES.items():
        if column.startswith(prefix):
            return tag + (column if prefix == "share_" else column[len(prefix) :])
    return ""


def hxl_row(columns: Sequence[str]) -> list[str]:
    """Return the hashtag row for ``columns`` (blank for columns without a hashtag)."""
    return [hxl_tag(c) for c in columns]


def _cell(value: Any) -> Any:
    """One data cell: missing values, numbers, booleans and dates as they are; anything else as safe text."""
    if value is None or value is pd.NA or value is pd.NaT:
        return value
    if isinstance(value, numbers.Number | np.bool_ | dt.date | np.datetime64):
        return value
    return spreadsheet_cell(value if isinstance(value, str) else str(value))


def _date_text(col: pd.Series) -> pd.Series:
    """Format a datetime column as ``YYYY-MM-DD`` (``YYYY-MM-DDTHH:MM:SS`` if a value has a time)."""
    fmt = "%Y-%m-%d" if bool((col.dropna() == col.dropna().dt.normalize()).all()) else "%Y-%m-%dT%H:%M:%S"
    return col.dt.strftime(fmt).astype(object).where(col.notna(), None)


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return the table as it is written: geometry dropped, dates as ISO text, text cells spreadsheet-safe.

    Parameters
    ----------
    table
        Any table (a ``geometry`` column is dropped; the index is not written).

    Returns
    -------
    pandas.DataFrame
        A copy. Numeric and boolean columns are unchanged; every other cell that is not
        missing, a number, a boolean or a date goes through
        :func:`geo.escape.spreadsheet_cell` (lists and other objects as their text).
    """
    df = pd.DataFrame(table.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    for c in df.columns:
        col = df[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            df[c] = _date_text(col)
        elif not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            df[c] = col.astype(object).map(_cell)
    return df


def csv_text(table: pd.DataFrame, *, hxl: bool = True) -> str:
    r"""Return the CSV text of a table: header, HXL hashtag row (unless ``hxl`` is False), data.

    Parameters
    ----------
    table
        Any table (see :func:`safe_table`).
    hxl
        Write the hashtag row (:func:`hxl_row`) under the header.

    Returns
    -------
    str
        ``,``-separated text with ``\n`` line ends; missing values are empty cells.
    """
    df = safe_table(table)
    lines = [_csv_line([spreadsheet_cell(str(c)) for c in df.columns])]
    if hxl:
        lines.append(_csv_line(hxl_row([str(c) for c in df.columns])))
    lines += [_csv_line(row) for row in df.itertuples(index=False, name=None)]
    return "".join(lines)


def _field(value: Any) -> str:
    """One CSV field: empty for a missing value; quoted when it holds ``,``, ``"``, CR or LF."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    text = str(value)
    if any(ch in text for ch in ',"\r\n'):
        # the csv module leaves a bare CR unquoted with "\n" line ends: quote it here
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_line(values: Sequence[Any]) -> str:
    return ",".join(_field(v) for v in values) + "\n"


def write_csv(table: pd.DataFrame, target: str | Path, *, hxl: bool = True) -> Path:
    """Write :func:`csv_text` to ``target`` (UTF-8), replacing it atomically.

    Parameters
    ----------
    table
        Any table (see :func:`safe_table`).
    target
        CSV path; its folder is created if needed.
    hxl
        Write the hashtag row under the header.

    Returns
    -------
    pathlib.Path
        ``target``.

    Raises
    ------
    DataFileError
        The file cannot be written (permissions, full disk); the previous file is kept.
    """
    target = Path(target)
    text = csv_text(table, hxl=hxl)
    try:
        with atomic_path(target) as tmp:
            tmp.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise DataFileError(target, f"cannot write ({exc})") from exc
    return target


def _unescape(value: Any) -> Any:
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def read_csv(source: str | Path | io.StringIO) -> tuple[pd.DataFrame, list[str]]:
    """Read a table written by :func:`csv_text` / :func:`write_csv` back.

    Parameters
    ----------
    source
        A path, or a text buffer.

    Returns
    -------
    (pandas.DataFrame, list of str)
        The data (types inferred by pandas; the apostrophe :func:`geo.escape.spreadsheet_cell`
        put before a formula character removed) and the hashtag row (empty when the second
        row is not one).
    """
    df = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[""])
    tags: list[str] = []
    if (
        len(df)
        and all(str(v).startswith("#") or pd.isna(v) for v in df.iloc[0])
        and any(str(v).startswith("#") for v in df.iloc[0])
    ):
        tags = ["" if pd.isna(v) else str(v) for v in df.iloc[0]]
        df = df.iloc[1:].reset_index(drop=True)
    df.columns = [_unescape(c) for c in df.columns]
    for c in df.columns:
        col = df[c].map(_unescape)
        try:
            df[c] = pd.to_numeric(col)
        except (ValueError, TypeError):
            df[c] = col
    return df, tags
