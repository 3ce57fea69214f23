"""Make text safe for the context it lands in: one function per output context.

Every user-editable text (locality names, notes, sources, account names, incident fields)
goes through the function of the context where it is written. Contexts covered here:

- spreadsheet cells (CSV/XLSX opened in Excel or LibreOffice): :func:`spreadsheet_cell`.

Other contexts (HTML text and attributes, JavaScript strings, Markdown, XML) are added to
this module, never written elsewhere.
"""

from __future__ import annotations

from typing import Any

#: Leading characters that make a spreadsheet treat a cell as a formula (or DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def spreadsheet_cell(value: Any) -> Any:
    """Return a cell value that a spreadsheet shows as text, never runs as a formula.

    Parameters
    ----------
    value
        Any cell value. Numbers, booleans, dates and missing values are returned unchanged
        (a negative number is data, not a formula).

    Returns
    -------
    Any
        For text starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage return, a line
        feed, ``|`` or ``%``: the text with a leading apostrophe (the spreadsheet convention
        for "this is text"); other values unchanged.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
