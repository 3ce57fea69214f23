"""Make text safe for the context it lands in: one function per output context.

Every user-editable text (locality names, notes, sources, account names, incident fields,
file names, error messages quoting them) goes through the function of the context where
it is written, at the place where it is written:

=====================  ========================================================================
context                function
=====================  ========================================================================
HTML text content      :func:`html_text` (popups, tooltips, legends, layer names)
HTML attribute value   :func:`html_attr` (quoted attribute values)
JavaScript string      :func:`js_string` (a literal for ``<script>``, also safe inside a
                       template literal with ``quote=False``)
JavaScript data        :func:`js_data` (a JSON value for ``<script>``: map features)
Markdown               :func:`markdown_text` (``st.markdown``/``st.caption``/``st.error``...,
                       widget labels, expander and tab titles)
XML / KML text         :func:`xml_text` (element text and double-quoted attribute values)
KML description        :func:`kml_description` (HTML a viewer shows in a balloon, in CDATA)
CSS string             :func:`css_string` (``content: "..."`` in a page's style element)
matplotlib text        :func:`mpl_text` (``$`` would start mathtext)
spreadsheet cell       :func:`spreadsheet_cell` (CSV/XLSX opened in Excel or LibreOffice)
=====================  ========================================================================

The functions are thin layers over the standard library (:func:`html.escape`,
:func:`json.dumps`, :func:`xml.sax.saxutils.escape`): what they add is the few characters
those leave alone but the context still interprets (backticks, ``${`` and U+2028 in
scripts, every ASCII punctuation mark in Markdown, ``$`` in matplotlib, characters XML 1.0
forbids). Missing values (None, NaN, ``pd.NA``) become the empty text.

Display contexts (HTML, Markdown, matplotlib) also replace control characters (C0 other
than tab and line feed, DEL, C1) and the bidirectional embedding, override and isolate
controls (U+202A-U+202E, U+2066-U+2069) with U+FFFD, so a stored name can neither break
the layout nor reorder the text shown after it. The stored value is never changed: the
store and the data exports keep the text as typed (:func:`xml_text` replaces only what
XML 1.0 cannot carry).
"""

from __future__ import annotations

import html
import json
import math
import re
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

#: Leading characters that make a spreadsheet treat a cell as a formula (or DDE command).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")

#: Shown in place of a character that cannot be displayed or carried safely.
REPLACEMENT = "\ufffd"

# Control characters (C0 but tab/line feed, DEL, C1) and explicit bidi embeddings,
# overrides and isolates: replaced in display contexts.
_DISPLAY_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Characters XML 1.0 does not allow in a document (a parser stops at them).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Every ASCII punctuation character (CommonMark lets a backslash escape any of them).
_MD_PUNCT = re.compile(r"([!-/:-@\[-`{-~])")
#: GitHub's autolink literals (``http://``, ``www.``, ``a@b.org``) become links in Streamlit's
#: Markdown even with every punctuation mark escaped: a word joiner (U+2060, not drawn) after
#: the scheme, after ``www`` and after ``@`` keeps them text.
_MD_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp)(?=\\:)|www(?=\\\.)|\\@")
WORD_JOINER = "\u2060"
# Characters json.dumps leaves in a string that still mean something around a script:
# ``<``/``>`` (``</script>``, ``<!--``), ``&``, quotes, backtick and ``$`` (template
# literals), and the line/paragraph separators (line ends for old JavaScript engines).
_JS_EXTRA = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "'": "\\u0027",
    "`": "\\u0060",
    "$": "\\u0024",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_EXTRA_RE = re.compile("[<>&'`$\u2028\u2029]")
# The same for bulk data (js_data): only what can end the script element or open a comment
# (``</``, ``<!``), start an interpolation, or end a line.
_JS_DATA = {
    "</": "<\\/",
    "<!": "\\u003c!",
    "`": "\\u0060",
    "$": "\\u0024",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_DATA_RE = re.compile("</|<!|[`$\u2028\u2029]")


def _text(value: Any) -> str:
    """``str(value)``, with None, NaN and ``pd.NA`` as the empty text."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if type(value).__name__ == "NAType":  # pandas.NA without importing pandas
        return ""
    return str(value)


def display_text(value: Any) -> str:
    """Return ``value`` as text with control and bidi-override characters replaced by U+FFFD.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
        Not escaped for any context: use the context functions below.
    """
    return _DISPLAY_UNSAFE.sub(REPLACEMENT, _text(value))


def html_text(value: Any) -> str:
    """Return ``value`` escaped as HTML text content (``<b>{here}</b>``).

    ``& < > " '`` become character references (:func:`html.escape` with ``quote=True``,
    so the result is also valid inside a quoted attribute); controls and bidi overrides
    become U+FFFD.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
    """
    return html.escape(display_text(value), quote=True)


def html_attr(value: Any) -> str:
    """Return ``value`` escaped for a quoted HTML attribute value (``title="{here}"``).

    As :func:`html_text`, with line breaks and tabs written as character references too
    (an attribute keeps them as typed). Always quote the attribute: an unquoted value
    also ends at a space.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
    """
    text = html_text(value)
    return text.replace("\t", "&#9;").replace("\n", "&#10;")


def js_string(value: Any, *, quote: bool = True) -> str:
    r"""Return ``value`` as a JavaScript string literal that is safe inside ``<script>``.

    :func:`json.dumps` writes the literal (quotes, backslashes and control characters
    escaped); then ``< > & ' ` $`` and U+2028/U+2029 are written as ``\uXXXX`` escapes,
    so the text cannot close the script element (``</script>``), open an HTML comment,
    end a template literal (backtick) or start an interpolation (``${``).

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``); the text is kept exactly (a JavaScript
        program reading the literal gets the original characters back).
    quote
        With the surrounding double quotes (a complete literal). Without them, the body
        can be placed inside an existing ``"..."``, ``'...'`` or `````...````` literal.

    Returns
    -------
    str
    """
    literal = json.dumps(_text(value), ensure_ascii=False)
    literal = _JS_EXTRA_RE.sub(lambda m: _JS_EXTRA[m.group(0)], literal)
    return literal if quote else literal[1:-1]


def js_data(value: Any) -> str:
    r"""Return a JSON value (dicts, lists, text, numbers) as JavaScript that is safe inside ``<script>``.

    For bulk data, such as the features of a map layer: compact JSON that keeps non-ASCII
    characters, in which the only sequences the HTML parser of a script element reacts to
    are rewritten inside their strings: ``</`` as ``<\/`` (no element can be closed, so no
    ``</script>``) and ``<!`` as ``\u003c!`` (no ``<!--``), and U+2028/U+2029 as escapes.
    Other characters stay as they are, so HTML held in the strings (escaped popups) costs
    no ``\uXXXX`` per tag. Not for a template literal: use :func:`js_string` there.

    Parameters
    ----------
    value
        A value :func:`json.dumps` can write (NaN is refused: write None instead).

    Returns
    -------
    str
        A JSON text (``JSON.parse`` reads it back) that is also a JavaScript expression.

    Raises
    ------
    ValueError
        A NaN or infinite number.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JS_DATA_RE.sub(lambda m: _JS_DATA[m.group(0)], text)


def markdown_text(value: Any) -> str:
    """Return ``value`` escaped so Streamlit's Markdown shows it literally.

    Every ASCII punctuation character gets a backslash (CommonMark's escape), so links,
    images (``![x](http://...)``), raw HTML, emphasis, code, headings, lists, tables,
    math (``$``), Streamlit's colour and icon directives (``:red[...]``, ``:material/...:``)
    and emoji shortcodes all stay text; bare addresses (``http://``, ``www.``, e-mail)
    get an invisible word joiner (:data:`WORD_JOINER`) that keeps GitHub's autolinks from
    making them links; line breaks become spaces (no new block can start) and controls
    and bidi overrides become U+FFFD. Use it for every user value put
    into ``st.markdown``, ``st.caption``, ``st.write``, ``st.error``/``warning``/``info``/
    ``success``, widget labels and expander or tab titles.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
    """
    text = display_text(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _MD_AUTOLINK.sub(lambda m: m.group(0) + WORD_JOINER, _MD_PUNCT.sub(r"\\\1", text))


def xml_text(value: Any) -> str:
    """Return ``value`` escaped for XML (KML) element text or a double-quoted attribute value.

    :func:`xml.sax.saxutils.escape` writes ``& < >``; ``"`` and ``'`` are written as
    references too (safe in either attribute quoting). Characters XML 1.0 forbids (C0
    controls but tab, line feed and carriage return; lone surrogates; U+FFFE/U+FFFF) are
    replaced with U+FFFD; every other character, bidi controls included, is kept.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
    """
    text = _XML_ILLEGAL.sub(REPLACEMENT, _text(value))
    return _xml_escape(text, {'"': "&quot;", "'": "&apos;", "\r": "&#13;"})


def kml_description(value: Any) -> str:
    """Return ``value`` as the content of a KML ``<description>``: escaped once for HTML, in CDATA.

    A viewer (Google Earth, QGIS) shows a description as HTML. The text is escaped for
    HTML text once (:func:`html_text`) and put in a CDATA section, which an XML parser
    hands over unchanged: an apostrophe is ``&#x27;`` for the HTML renderer, never
    ``&amp;#x27;``. ``]]>`` cannot occur in escaped HTML (``>`` is ``&gt;``); characters
    XML 1.0 forbids that :func:`html_text` keeps (lone surrogates, U+FFFE/U+FFFF) are
    replaced with U+FFFD.

    Parameters
    ----------
    value
        Any value (None and NaN give an empty section).

    Returns
    -------
    str
        ``<![CDATA[...]]>``, to write between ``<description>`` and ``</description>``.
    """
    text = _XML_ILLEGAL.sub(REPLACEMENT, html_text(value))
    return "<![CDATA[" + text.replace("]]>", "]]&gt;") + "]]>"


def css_string(value: Any) -> str:
    """Return ``value`` for a double-quoted CSS string (``content: "..."``), quotes not included.

    Quotes, backslashes, angle brackets and line breaks become CSS escapes (hex code and a space),
    so the text can end neither the string nor a ``<style>`` element; other characters are kept.
    """
    text = "" if value is None else str(value)
    return re.sub(r'["\\<>\n\r\f]', lambda m: f"\\{ord(m.group()):x} ", text)


def mpl_text(value: Any) -> str:
    r"""Return ``value`` so matplotlib draws it literally (no mathtext).

    A ``$`` pair starts matplotlib's mathtext (and an unmatched one makes ``savefig``
    fail): each ``$`` is written ``\$``, which matplotlib draws as a dollar sign. Controls
    and bidi overrides become U+FFFD. Do not pass the result through ``usetex``.

    Parameters
    ----------
    value
        Any value (None and NaN give ``""``).

    Returns
    -------
    str
    """
    return display_text(value).replace("$", r"\$")


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
