"""Access severity (``geo.model.severity``) in words: class names and ``data_sparse`` notes in a language.

The model writes its table in one wording (English class ``label``, English notes in
``data_sparse``, see :data:`geo.model.severity.SPARSE_NOTES`); the command line, the
exports, the map layer and the Severity page say them in their user's language through
these functions. Column names and codes (``score``, ``info_gaps``) stay as they are.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from geo.model.severity import SCALE, parse_sparse_note
from geo.products.i18n import check_lang, format_date, format_number, has_key, tr


def class_label(score: int, lang: str) -> str:
    """Return the name of severity class ``score`` (0-5) in ``lang`` (``contraintes élevées``)."""
    return SCALE[int(score)][0 if check_lang(lang) == "fr" else 1]


def sparse_note_text(note: str, lang: str) -> str:
    """Return one ``data_sparse`` note of :func:`geo.model.severity.severity_on` in ``lang``.

    Dates are written out (``21 juin 2020``), incident groups and counts in words; a note
    of an unknown wording is returned as it is.
    """
    parsed = parse_sparse_note(note)
    if parsed is None:
        return note
    code, fields = parsed
    group = fields.get("group")
    if group is not None:
        fields["group"] = tr(f"sev.group.{group}", lang) if has_key(f"sev.group.{group}", lang) else group
    if code == "no_incident" and fields.get("latest") == "none":
        return tr("sev.note.no_incident_ever", lang, group=fields["group"])
    for key in ("latest", "start", "end"):
        if key in fields:
            try:
                fields[key] = format_date(dt.date.fromisoformat(fields[key]), lang)
            except ValueError:
                pass  # not a date: kept as written
    if "days" in fields and fields["days"].isdigit():
        fields["days"] = format_number(int(fields["days"]), lang)
    return tr(f"sev.note.{code}", lang, **fields)


def notes_text(value: object, lang: str) -> str:
    """Return a ``data_sparse`` cell (notes joined by ``"; "``) in ``lang``, joined the language's way."""
    sep = tr("common.sep_semicolon", lang)  # French: U+202F before the semicolon
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return sep.join(sparse_note_text(n, lang) for n in str(value).split("; ") if n)


def severity_for_lang(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Return a copy of a severity table with ``label`` and ``data_sparse`` in ``lang``.

    Parameters
    ----------
    table
        A table of :func:`geo.model.severity.severity_on` (any CRS; geometry kept).
    lang
        ``{"fr", "en"}``.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Same columns, index and codes; ``label`` is the class name of ``score`` and each
        note of ``data_sparse`` is written in ``lang`` (:func:`sparse_note_text`).
    """
    check_lang(lang)
    out = table.copy()
    if "label" in out and "score" in out:
        out["label"] = [class_label(s, lang) for s in out["score"]]
    if "data_sparse" in out:
        out["data_sparse"] = [notes_text(v, lang) for v in out["data_sparse"]]
    return out
