"""UI plumbing shared by the pages: settings, session state, cached loaders, progress.

Only this module and the page scripts touch ``st.*``. Expensive engine results are
cached here: ``st.cache_resource`` for the read-only model inputs (one copy for every
session), ``st.cache_data`` for results keyed by hashable values (data folder, as-of
date, bands, season, and the store's state token, so a change saved by any advisor
invalidates every session's cached reach on its next interaction).
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st

from geo.config import DEFAULT_BANDS_H, ENV_VARS, Settings
from geo.errors import AccessMapError
from geo.escape import css_string, markdown_text
from geo.products import i18n

#: Session-state key of the interface language (``fr`` or ``en``).
LANG_KEY = "lang"


def settings() -> Settings:
    """Return the app's settings, resolved once from the environment and the defaults.

    See :class:`geo.config.Settings`: ``MALI_ACCESS_DATA``, ``MALI_ACCESS_STORE``,
    ``MALI_ACCESS_USERS``, ``MALI_ACCESS_SNAPSHOTS``, ``MALI_ACCESS_CELL_KM`` and
    ``MALI_ACCESS_LANG``; without them, ``var/`` in the checkout. Resolved once per
    distinct value of these variables (a server has one; tests change them between apps).
    """
    return _settings_for(tuple(os.environ.get(name, "") for name in ENV_VARS.values()))


@functools.lru_cache(maxsize=8)
def _settings_for(values: tuple[str, ...]) -> Settings:
    return Settings.resolve(environ=dict(zip(ENV_VARS.values(), values, strict=True)))


def lang() -> str:
    """Return the interface language of this session.

    The language chosen in the sidebar (kept with the account, see ``views.auth``), else
    the settings' default (``MALI_ACCESS_LANG``; French for Mali).
    """
    chosen = st.session_state.get(LANG_KEY)
    return chosen if chosen in i18n.LANGS else settings().lang


def t(key: str, /, **fields: object) -> str:
    """Return the catalog text ``key`` in this session's language, ``{fields}`` filled.

    Fields that come from users or data files must be escaped for where the text lands
    (``geo.escape``) by the caller; the catalogs' own text is trusted.
    """
    return i18n.tr(key, lang(), **fields)


def tn(key: str, n: float, /, **fields: object) -> str:
    """Return the counted text ``key`` for ``n`` in this session's language (``1 version``, ``3 versions``).

    See :func:`geo.products.i18n.tr_count`: the catalogs hold ``key.one`` and ``key.other``.
    """
    return i18n.tr_count(key, n, lang(), **fields)


def date_format() -> str:
    """Return the date widgets' format for this session's language (``DD/MM/YYYY`` in French)."""
    return "DD/MM/YYYY" if lang() == "fr" else "YYYY-MM-DD"


#: Streamlit texts drawn by its front end in English whatever the app's language, found by their
#: test ids and ARIA state (no build-specific class): (CSS selector of the element whose text is
#: replaced, catalog key, centred in its box). Rules later in the list win over earlier ones.
WIDGET_TEXTS = (
    # empty segments of a date field: en-US placeholders "dd", "mm", "yyyy" whatever the format
    (
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"][data-type="day"]',
        "common.date_ph_day",
    ),
    (
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"][data-type="month"]',
        "common.date_ph_month",
    ),
    (
        '[data-testid="stDateInputField"] [role="spinbutton"][data-placeholder="true"][data-type="year"]',
        "common.date_ph_year",
    ),
    # a typed search that matches no option: "No results"
    (
        '[data-testid="stSelectboxVirtualDropdown"] [role="listbox"][data-empty="true"]'
        ' [role="option"] > span',
        "common.no_results",
    ),
    (
        '[data-testid="stMultiSelectDropdown"] [role="listbox"][data-empty="true"] [role="option"] > span',
        "common.no_results",
    ),
    # the hint under a text or number field being typed in: "Press Enter to apply", and in a
    # form that submits on Enter (sign-in, password) "Press Enter to submit form"
    ('[data-testid="InputInstructions"] > span', "common.enter_to_apply"),
    ('[data-testid="stForm"] [data-testid="InputInstructions"] > span', "common.enter_to_submit"),
)


#: CSS of every page: a toggle (``st.pills``, :func:`pick_many`) whose text is wider than its
#: column wraps it onto more lines. Streamlit 1.67 cuts it to one line with an ellipsis ("UCDP
#: GED (événements géolocali…", AMRF categories in the Incidents page's sidebar, French trial).
PILLS_CSS = (
    '[data-testid="stButtonGroup"] button { height: auto; min-height: 2rem; white-space: normal;'
    " text-align: left; }\n"
    '[data-testid="stButtonGroup"] button * { height: auto; white-space: normal; overflow: visible;'
    " text-overflow: clip; }"
)


def widget_texts_css(language: str | None = None) -> str:
    """CSS that writes Streamlit's own untranslatable widget texts in the language.

    Streamlit 1.67 has no setting for these texts (:data:`WIDGET_TEXTS`): empty date
    segments (``dd/mm/yyyy`` -> ``jj/mm/aaaa``), "No results" of a typed search, and the
    "Press Enter ..." hints. Each element keeps its box, colour and behaviour; its own
    letters are made transparent and the catalog's text is drawn over them (``::after``), so
    typing, focus and screen readers work as before. A date segment loses its
    ``data-placeholder`` mark as soon as a digit is typed and then shows the digits.

    Parameters
    ----------
    language
        ``{"fr", "en"}``; default the session's.

    Returns
    -------
    str
        CSS rules (the catalogs' texts in CSS strings: quotes, backslashes, angle brackets and
        line breaks written as CSS escapes, so no text can end the string or the style element).
    """
    language = language or lang()
    rules = []
    for selector, key in WIDGET_TEXTS:
        text = css_string(i18n.tr(key, language))
        rules.append(f"{selector} {{ position: relative; -webkit-text-fill-color: transparent; }}")
        rules.append(
            f'{selector}::after {{ content: "{text}"; position: absolute; inset: 0; display: flex;'
            " align-items: center; justify-content: center; white-space: nowrap;"
            " -webkit-text-fill-color: currentColor; }"
        )
    return "\n".join(rules)


def num(value: float, *, decimals: int = 0) -> str:
    """Return ``value`` written for this session's language (``291 000`` / ``291,000``)."""
    return i18n.format_number(value, lang(), decimals=decimals)


def day(value: dt.date) -> str:
    """Return ``value`` written out for this session's language (``1er décembre 2026``)."""
    return i18n.format_date(value, lang())


def labelled(table: pd.DataFrame, prefix: str) -> pd.DataFrame:
    """Return ``table`` ready to show: column headers from the catalogs, no ``None``/NaN cells.

    A column ``c`` gets the header ``t(f"{prefix}.{c}")`` (a column without a catalog entry
    keeps its name: add one). Missing values in text columns show as empty cells.
    """
    out = table.copy()
    text = [c for c in out.columns if out[c].dtype == object or pd.api.types.is_string_dtype(out[c])]
    for c in text:  # one type per column (Arrow), dates written out, nothing shown as None
        out[c] = [_cell(v) for v in out[c]]
    names = {c: t(f"{prefix}.{c}") for c in out.columns if i18n.has_key(f"{prefix}.{c}", lang())}
    return out.rename(columns=names)


def shown_numbers(table: pd.DataFrame, columns: dict[str, int]) -> pd.DataFrame:
    """Return ``table`` with ``columns`` (name -> decimals) written for the session's language.

    Streamlit's number formats are printf-like (``291,000`` whatever the language), so
    figures are shown as Babel text (``291 000`` in French); missing values show empty.
    """
    out = table.copy()
    for c, decimals in columns.items():
        if c in out.columns:
            out[c] = [num(v, decimals=decimals) if pd.notna(v) else "" for v in out[c]]
    return out


def pick_many(
    label: str,
    options: list,
    *,
    default: list | None = None,
    format_func=str,  # noqa: ANN001
    key: str | None = None,
    help: str | None = None,  # noqa: A002
    container=None,  # noqa: ANN001
) -> list:
    """Let the user pick several items of a short closed list, shown as toggles (``st.pills``).

    Streamlit's multiselect writes its own English in the drop-down ("Select all", "Select 3
    matches", "No results", the last even when every option is already chosen), which
    Streamlit 1.67 cannot translate; toggles show only the labels given here. For long lists
    (thousands of places) see :func:`search_pick`.

    Parameters
    ----------
    label, help
        Label and help (in the session's language).
    options
        The choices (codes); ``format_func`` writes each one.
    default
        Chosen when first shown (None: none).
    key
        Widget key (the choice then survives a language switch, whose labels name the
        widgets that have none).
    container
        Where to draw it (``st.sidebar``, a column); default the page.

    Returns
    -------
    list
        The chosen options, in the options' order.
    """
    box = container if container is not None else st
    if key is not None:  # a keyed widget takes its default from the session state only: a
        # language switch sets keyed widgets again (relabel_widgets), and Streamlit warns
        # when a widget has both
        st.session_state.setdefault(key, list(default or []))
    chosen = box.pills(
        label,
        list(options),
        selection_mode="multi",
        default=None if key is not None else list(default or []),
        format_func=format_func,
        key=key,
        help=help,
        wrap=True,  # in a column too: every choice in sight, never scrolled out of view
    )
    picked = set(chosen or [])
    return [o for o in options if o in picked]


def search_pick(
    label: str,
    labels: dict,
    *,
    key: str,
    search_label: str,
    none_text: str,
    limit: int = 12,
    help: str | None = None,  # noqa: A002
) -> list:
    """Let the user find and pick several items of a long list (places) with texts that are all ours.

    A search field (accents and case ignored) lists the first ``limit`` matches as toggles
    (labels whose name, before the first bracket, begins with the search first;
    ``st.pills``); items already chosen stay listed, so a new search never drops them. No
    match is said with ``none_text``. Replaces a multiselect, whose drop-down speaks English
    ("Select 12 matches", "No results").

    Parameters
    ----------
    label
        Label of the toggles.
    labels
        ``{item: label}`` of every item, in the order matches are listed.
    key
        Prefix of the widget keys (``{key}_search``, ``{key}``); the chosen items are
        ``st.session_state[key]``.
    search_label, none_text
        Label of the search field; message when nothing matches (``{query}`` filled).
    limit
        Most matches listed.
    help
        Help of the toggles.

    Returns
    -------
    list
        The chosen items.
    """
    chosen = [i for i in st.session_state.get(key, []) or [] if i in labels]
    matches = _search_matches(labels, search_label, none_text, key=key, limit=limit, skip=chosen)
    options = chosen + matches
    if not options:
        return []
    picked = pick_many(label, options, default=chosen, format_func=labels.get, key=key, help=help)
    if matches and not picked:  # a search's matches count only once clicked
        st.caption(t("common.pick_to_add"))
    return picked


def search_pick_one(
    label: str,
    labels: dict,
    *,
    key: str,
    search_label: str,
    none_text: str,
    limit: int = 12,
    help: str | None = None,  # noqa: A002
    aliases: dict | None = None,
) -> object | None:
    """Let the user find and pick one item of a long list (a place): a search, then the matches as a radio.

    The first match is picked as soon as the search finds it (no extra click to fill the
    form); another match is picked in the radio. The pick stays while a new search still
    lists it, else it moves to the new first match. ``aliases`` (``{item: other name}``)
    are found too: a gazetteer's own spelling of a corrected name (``Dialoube`` lists
    ``Dialloubé``). Nothing is picked while the search is empty or matches nothing.

    Returns
    -------
    object or None
        The picked item (``st.session_state[key]``), None when the search lists none.
    """
    options = _search_matches(labels, search_label, none_text, key=key, limit=limit, skip=[], aliases=aliases)
    if not options:
        return None
    return st.radio(label, options, index=0, format_func=labels.get, key=key, help=help)


def _search_matches(
    labels: dict,
    search_label: str,
    none_text: str,
    *,
    key: str,
    limit: int,
    skip: list,
    aliases: dict | None = None,
) -> list:
    """Draw the search field ``{key}_search`` and return the items it matches (accents, case ignored).

    Labels whose name (before the first bracket) begins with the search come first, then
    names holding it, then labels holding it elsewhere (cercle, region); ``skip`` is left out
    of the list, but still counts as a match: ``none_text`` is said only when nothing matches.
    """
    import unicodedata

    def fold(text: str) -> str:
        return "".join(
            c for c in unicodedata.normalize("NFD", text.casefold()) if unicodedata.category(c) != "Mn"
        )

    query = st.text_input(search_label, key=f"{key}_search").strip()
    if not query:
        return []
    q = fold(query)
    ranked = []  # the name beginning with the query first, then the name holding it, then the rest
    found = False  # something matches, if only an item already chosen (``skip``)
    for i, text in labels.items():
        folded = fold(str(text))
        other = fold(str((aliases or {}).get(i) or ""))  # another name of the item, if any
        hit = q in folded or bool(other and q in other)
        found = found or hit
        if hit and i not in skip:
            name = folded.split(" (", 1)[0]
            first = name.startswith(q) or (other and other.startswith(q))
            ranked.append((0 if first else 1 if q in name or q in other else 2, len(ranked), i))
    matches = [i for *_, i in sorted(ranked)[:limit]]
    if not found:  # an item already chosen that the search lists is a match: no "none" message
        st.caption(none_text.format(query=markdown_text(query)))
    return matches


def error_text(exc: Exception, fields: dict[str, str] | None = None) -> str:
    """Return an engine error in the session's language, escaped for Markdown.

    Keyed errors (:meth:`geo.errors.AccessMapError.keyed`) are written from the catalogs as
    the commands write them (:func:`geo.products.i18n.error_text`); others keep their English text.

    Parameters
    ----------
    exc
        The error.
    fields
        Field code -> its label on the page (``{"locality": "Localité"}``): the message names
        the field as the user sees it, not by its code.
    """
    from geo.errors import DataFileError

    language = lang()
    text = i18n.error_text(exc, language)
    field = getattr(exc, "field", None)
    if isinstance(exc, DataFileError) and field in (fields or {}) and i18n.has_key("cli.err_field", language):
        code = i18n.tr("cli.err_field", language, field=repr(field))
        label = t("common.quoted", text=fields[field])
        text = text.replace(code, i18n.tr("cli.err_field", language, field=label), 1)
    return markdown_text(text)


def table(frame: pd.DataFrame, empty: str, *, where: object = None, **kwargs: object) -> None:
    """Show ``frame`` as an ``st.dataframe``, or the caption ``empty`` when it has no row.

    Streamlit draws an empty table as the English word "empty"; a caption says in the
    session's language why there is nothing to list.

    Parameters
    ----------
    frame
        The table as shown (labels, headers).
    empty
        Caption shown instead of a table without rows (catalog text, trusted Markdown).
    where
        Container drawn in (a tab, a column); None: the page.
    **kwargs
        Passed to ``st.dataframe`` (``hide_index``, ``width``, ``column_config``).
    """
    target = st if where is None else where
    if frame.empty:
        target.caption(empty)
    else:
        target.dataframe(frame, **kwargs)


def wrapped_table(frame: pd.DataFrame, empty: str, *, where: object = None) -> None:
    """Show ``frame`` as a static table whose every header and cell reads whole, wrapped to the page.

    For tables of many columns with long text (sources, causes): ``st.dataframe`` keeps each
    header and cell on one line and cuts them ("Physical (" for "Physical (road state,
    flooding)", French trial at 1440 px); ``st.table`` wraps both within the page's width.
    Its cells are Markdown: every text cell is escaped here (the headers are the catalogs'
    text, trusted). The index is not shown.

    Parameters
    ----------
    frame
        The table as shown (labels, catalog headers, figures already written as text).
    empty
        Caption shown instead of a table without rows (catalog text, trusted Markdown).
    where
        Container drawn in (a tab, a column, an expander); None: the page.
    """
    target = st if where is None else where
    if frame.empty:
        target.caption(empty)
        return
    cells = frame.map(lambda v: markdown_text(v) if isinstance(v, str) else v)
    target.table(cells, hide_index=True)


def text_table(frame: pd.DataFrame, *, right: Sequence[str] = ()) -> None:
    """Show ``frame`` as a static table written in Markdown (header and cells escaped).

    For short read-only tables of short cells: ``st.table`` and ``st.dataframe`` make the
    browser load and run Streamlit's Arrow code (about 1 MB of script; a sixth of the live
    map page's browser CPU, ``bench/bench_load.py``), a Markdown table none. Its cells do not
    break long unbroken text (a URL runs past the window's edge: use ``st.table`` there).
    The index is not shown.

    Parameters
    ----------
    frame
        The table as shown (labels, headers, figures already written as text).
    right
        Columns aligned right (figures).
    """
    cols = [str(c) for c in frame.columns]
    head = "| " + " | ".join(markdown_text(c) for c in cols) + " |"
    rule = "| " + " | ".join("---:" if c in right else ":---" for c in cols) + " |"
    rows = ["| " + " | ".join(markdown_text(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    st.markdown("\n".join([head, rule, *rows]))


def readable_columns(table: pd.DataFrame, *, px_per_char: float = 7.5, max_px: int = 460) -> dict:
    """Return an ``st.dataframe`` ``column_config`` giving each column room for its header and values.

    Streamlit sizes columns from their first rows and cuts long headers (``Accès des acteurs
    à la population (0-3)`` read ``Accès des ac…``). Each column gets a width in pixels
    that fits its header and its longest value, between 64 and
    ``max_px``; a column wider than that keeps its full header as its help (hover).

    Parameters
    ----------
    table
        The table as shown (headers already translated, values as text or numbers).
    px_per_char
        Width of one character of the table font, px.
    max_px
        Widest column, px.

    Returns
    -------
    dict
        Header -> ``st.column_config.Column``.
    """
    config = {}
    for c in table.columns:
        column = table.loc[:, c]
        column = column.iloc[:, 0] if isinstance(column, pd.DataFrame) else column  # repeated header
        lengths = pd.to_numeric(column.astype(str).str.len(), errors="coerce").dropna()
        chars = max(len(str(c)), int(lengths.max()) if len(lengths) else 0)
        width = int(min(max_px, max(64, chars * px_per_char + 28)))
        cut = len(str(c)) * px_per_char + 28 > max_px
        config[c] = st.column_config.Column(width=width, help=str(c) if cut else None)
    return config


def right_aligned(headers: Iterable[str]) -> dict:
    """Return an ``st.dataframe`` ``column_config`` that aligns the figure columns ``headers`` right.

    Figures are shown as Babel text (:func:`shown_numbers`), which Streamlit aligns left like
    any text; aligned right, units, thousands and millions line up down a column.

    Parameters
    ----------
    headers
        Headers of the figure columns, as shown (translated).

    Returns
    -------
    dict
        Header -> ``st.column_config.Column``.
    """
    return {h: st.column_config.Column(alignment="right") for h in headers}


#: Headers of :func:`band_table` whose cells are figures.
BAND_FIGURES = ("area_km2", "population", "localities")


def hub_status_label(status: str) -> str:
    """Return a hub's placement in the session's language (the engine's reason when it cannot start)."""
    if status in ("ok", "moved"):
        return t(f"bands.hub_{status}")
    return t("bands.hub_blocked")


#: The engine's reasons a hub cannot start (``geo.model.reach.place_hub`` / ``locate_hub``), as catalog keys.
_HUB_REASONS = (
    (
        re.compile(r"^inside the no-entry zone of (?P<locality>.+) \(encircled since (?P<since>[\d-]+)\)$"),
        "no_entry",
    ),
    (re.compile(r"^off the grid, (?P<km>[\d,.]+) km from the nearest passable cell"), "off_grid"),
    (re.compile(r"^on an impassable cell; nearest passable cell is (?P<km>[\d.]+) km away$"), "impassable"),
    (re.compile(r"^no passable cell on the grid$"), "no_cell"),
)


def hub_reason(status: str) -> str:
    """Return why a hub cannot start, in the session's language (the engine's sentence when unknown).

    Distances are written with Babel (``1 234`` km in French) and dates written out.
    """
    for pattern, key in _HUB_REASONS:
        m = pattern.match(status)
        if m is None:
            continue
        fields = m.groupdict()
        if "km" in fields:
            fields["km"] = num(float(fields["km"].replace(",", "")), decimals=0 if key == "off_grid" else 1)
        if "since" in fields:
            try:
                fields["since"] = day(dt.date.fromisoformat(fields["since"]))
            except ValueError:
                pass
        return t(f"bands.why_{key}", **fields)
    return status


def band_table(bands: pd.DataFrame) -> pd.DataFrame:
    """Reach bands ready to show: hub, band, area, population, localities, hub placement; labelled."""
    cols = ["hub", "hours", "area_km2", "population", "localities", "hub_status"]
    table = bands[cols].copy()
    table["hours"] = [i18n.format_hours(h, lang()) for h in table["hours"]]
    table["hub_status"] = [hub_status_label(str(s)) for s in table["hub_status"]]
    table = shown_numbers(table, dict.fromkeys(BAND_FIGURES, 0))
    return labelled(table, "bands.col")


def show_band_table(bands: pd.DataFrame, empty: str, *, where: object = None) -> None:
    """Show :func:`band_table` of ``bands`` across the container, bands and figures aligned right."""
    config = right_aligned(t(f"bands.col.{c}") for c in ("hours", *BAND_FIGURES))
    table(band_table(bands), empty, where=where, hide_index=True, width="stretch", column_config=config)


def _cell(value: object) -> str:
    """Text of one table cell: empty for missing values, dates written out for the language."""
    if value is None or (not isinstance(value, str | bytes | list | tuple) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime):
        return i18n.format_datetime(value, lang())
    if isinstance(value, dt.date):
        return day(value)
    return str(value)


def date_text(value: object, language: str | None = None) -> str:
    """Write an ISO date or timestamp (``2025-12-01``, ``2025-12-01T10:00:00Z``) for the language.

    ``language``: ``{"fr", "en"}``, default the session's.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)) or value == "":
        return ""
    language = language or lang()
    if isinstance(value, dt.datetime):
        return i18n.format_datetime(value, language)
    if isinstance(value, dt.date):
        return i18n.format_date(value, language)
    text = str(value)
    try:
        if "T" in text:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            return i18n.format_datetime(moment, language) + (" UTC" if text.endswith("Z") else "")
        return i18n.format_date(dt.date.fromisoformat(text[:10]), language)
    except ValueError:
        return text


#: Session-state key of the confirmation shown until the user moves on (see :func:`notify`).
NOTICE_KEY = "page_notice"


def notify(page: str, text: str, kind: str = "success", *, anchor: str | None = None) -> None:
    """Keep a confirmation for ``page``: shown on each of its runs until dismissed or the user moves on.

    Parameters
    ----------
    page
        The page's name (its script's stem, as in ``app.py``'s URL paths).
    text
        Markdown text (escape what comes from users or files).
    kind
        ``success``, ``info`` or ``warning``.
    anchor
        Where on the page it is shown: the part of the page whose form was submitted (the
        page calls :func:`show_notice` with that anchor right under the form's button, in
        view of the user who clicked it); None: where the page calls it without one.
    """
    st.session_state[NOTICE_KEY] = {"page": page, "text": text, "kind": kind, "anchor": anchor}


def _dismiss_notice() -> None:
    st.session_state.pop(NOTICE_KEY, None)


def show_notice(page: str, *, anchor: str | None = None) -> None:
    """Draw the confirmation kept for ``page`` and ``anchor`` (with a button to dismiss it), if any."""
    notice = st.session_state.get(NOTICE_KEY)
    if not notice or notice.get("page") != page or notice.get("anchor") != anchor:
        return
    getattr(st, notice.get("kind", "success"))(notice["text"])
    st.button(t("common.dismiss"), key=f"notice_ok_{page}", on_click=_dismiss_notice)


def keep_notice_for(page: str, *, anchor: str | None = None) -> None:
    """Drop a confirmation kept for another page, or for another part (``anchor``) of this one.

    The user moved on: ``app.py`` calls it on each run with the page opened; a page whose
    confirmations sit under its forms calls it with the part shown (a confirmation of a
    road status is dropped when the user turns to the encircled localities).
    """
    notice = st.session_state.get(NOTICE_KEY)
    if notice and (notice.get("page") != page or (anchor is not None and notice.get("anchor") != anchor)):
        _dismiss_notice()


def data_dir() -> Path:
    """Return the data folder of :func:`settings`, checked to exist."""
    return settings().require_data_dir()


def store_path() -> Path | str:
    """Return the project store of :func:`settings` (a SQLite file, or a PostgreSQL URL string)."""
    return settings().store_path


#: Season choice meaning "the season the calendar gives for the as-of date".
SEASON_BY_DATE = "date"
#: Days of incidents the live map shows by default (six years: the open data end in 2020).
LIVE_INCIDENT_DAYS = 365 * 6
#: Incident windows the live map offers (days before the as-of date): 30 days to ten years.
LIVE_WINDOW_DAYS = tuple(range(30, 365 * 10 + 1, 30))
#: Travel-time bands the live map offers (h); DEFAULT_BANDS_H are chosen at first.
LIVE_BANDS_H = (2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0)
#: Season choices of the pages, first the as-of date's own season.
SEASON_CHOICES = [SEASON_BY_DATE, "dry", "rainy"]


def season_arg(choice: str) -> str | None:
    """Return the engine's season for a page choice (None: follow the as-of date)."""
    return None if choice == SEASON_BY_DATE else choice


def season_label(choice: str) -> str:
    """Return the label of a season choice on the pages, in the session's language."""
    return t(f"season.{choice}")


def init_state() -> None:
    """Fill session-state defaults once per session."""
    defaults = {
        "as_of": dt.date.today(),
        "hours": list(DEFAULT_BANDS_H),
        "season": SEASON_BY_DATE,
        "incident_days": LIVE_INCIDENT_DAYS,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)
    # The as-of date is shared by the pages through the widget key "as_of" (live map,
    # reachability, constraints), and the live map's hubs, bands, season and incident window
    # are read by the Constraints page (the change a save makes). Streamlit drops a widget's
    # value on a run of a page without that widget, so the next page would start from the
    # defaults: storing each again as a plain session value (before any widget) keeps it.
    for key in ("as_of", "hours", "hub_ids", "season", "incident_days"):
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def show_error(exc: Exception) -> None:
    """Show an engine error in the page (file, row, field) instead of a traceback, and stop."""
    from geo.errors import StoreError

    if isinstance(exc, StoreError):
        st.error(f"**{t('common.store_error')}** {markdown_text(exc)}")
        st.info(t("common.store_error_help"))
    else:
        st.error(f"**{t('common.data_error')}** {markdown_text(exc)}")
        st.info(t("common.data_error_help"))
    st.stop()


def relabel_widgets(skip: tuple[str, ...] = ()) -> None:
    """Make every keyed choice widget show its choice in the new language (call from a callback).

    A keyed selectbox or radio keeps, in the browser, the text its ``format_func`` wrote
    for the chosen option: after a language switch the selectbox still shows the old
    language's word and a radio shows no choice (Streamlit 1.67). Setting each value
    again from the session state makes Streamlit send it with the new labels; the
    choices themselves (codes, dates, numbers) do not change. Booleans (checkboxes,
    buttons), ``None`` (file uploaders, empty choices) and other objects are left alone:
    they carry no label, and buttons and uploaders refuse a value set from the code.

    Parameters
    ----------
    skip
        Keys not to touch (the language control itself).
    """
    simple = (str, int, float, dt.date, list, tuple)
    for key in list(st.session_state):
        value = st.session_state[key]
        if key in skip or isinstance(value, bool) or not isinstance(value, simple):
            continue
        st.session_state[key] = value


def state_token() -> str:
    """Token that changes whenever the constraints store is written (a store fault is shown, then stops).

    A store not created yet is created and seeded first (as the pages' first read of it
    would do): otherwise every result cached on the first run, under ``absent``, would be
    computed again on the next run, under the seeded store's token, for the same state.
    """
    from geo.store.constraints import open_store, state_version

    token = guarded(state_version, store_path())
    if token in ("absent", "empty"):

        def create() -> None:
            with open_store(store_path()):
                pass

        guarded(create)
        token = guarded(state_version, store_path())
    return token


def st_progress(label: str):  # noqa: ANN201
    """Return a ``progress(done, total, text)`` callback drawing an ``st.progress`` bar."""
    bar = st.progress(0.0, text=label)

    def progress(done: int, total: int, text: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=f"{label}: {text}")
        if done >= total:
            bar.empty()

    return progress


# --- Fingerprints of the files behind the caches ---------------------------------------------------


def _keyed_on_data(cached):  # noqa: ANN001, ANN202
    """Wrap a cached function ``f(data_folder, fingerprint, ...)`` as ``f(data_folder, ...)``.

    The wrapper adds :func:`data_fingerprint` of the folder, so the cache key changes
    when a data file changes; callers keep the short signature.
    """
    import functools

    @functools.wraps(cached)
    def call(data_folder: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        return cached(data_folder, data_fingerprint(data_folder), *args, **kwargs)

    call.clear = cached.clear
    return call


#: SHA-256 of a file's content, by (path, size, mtime_ns): a file is hashed again only when it changed.
_HASHES: dict[tuple[str, int, int], str] = {}


def file_fingerprint(path: Path) -> str:
    """``size:mtime_ns:sha256[:16]`` of a file (the hash is memoised on size and mtime)."""
    import hashlib

    st_ = path.stat()
    key = (str(path), st_.st_size, st_.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()[:16]
    return f"{st_.st_size}:{st_.st_mtime_ns}:{_HASHES[key]}"


def data_fingerprint(data_folder: str) -> str:
    """Fingerprint of every data file a cached result depends on, and of the model grid.

    The files of the data folder (recursively, hidden ones skipped), the curated CSVs
    and the manifest and zone rules of the project: replacing, editing or adding any of
    them gives a new fingerprint, so the cached loaders keyed on it load again. The
    model's cell size (km, from the settings) is part of it too: a result cached on the
    1 km grid is never returned for a 10 km grid (their rasters cannot be compared).
    """
    import hashlib

    from geo.config import CURATED_DIR, MANIFEST_PATH, SHIPPED_DATA

    files = [
        *sorted(f for f in Path(data_folder).rglob("*") if f.is_file() and not f.name.startswith(".")),
        *sorted(CURATED_DIR.glob("*.csv")),
        MANIFEST_PATH,
        SHIPPED_DATA / "zones_rules.csv",
    ]
    parts = [f"{f}={file_fingerprint(f)}" for f in files if f.is_file()]
    parts.append(f"cell_km={float(settings().cell_km)}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def curated_fingerprint() -> str:
    """Fingerprint of the curated CSVs (hubs, axes, seeds)."""
    import hashlib

    from geo.config import CURATED_DIR

    parts = [f"{f}={file_fingerprint(f)}" for f in sorted(CURATED_DIR.glob("*.csv"))]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=2)
def _model_inputs(data_folder: str, cell_km: float, fingerprint: str):  # noqa: ANN202
    from geo.model.friction import load_model_inputs

    with counted("model_inputs"):
        return load_model_inputs(Path(data_folder), cell_km=cell_km)


def model_inputs(data_folder: str, cell_km: float | None = None):  # noqa: ANN201
    """Return the static model inputs (read-only, shared; rebuilt when a data file changes); km cells.

    The cell size is resolved before the cache lookup (argument, else the settings), so a
    change of ``MALI_ACCESS_CELL_KM`` never returns a grid cached at another size.
    """
    with st.spinner(t("common.loading_grid")):
        return _model_inputs(data_folder, float(cell_km or settings().cell_km), data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _hubs_table(fingerprint: str) -> gpd.GeoDataFrame:
    from geo.sources.curated import read_hubs

    return read_hubs().valid


def hubs_table() -> gpd.GeoDataFrame:
    """Curated HAWG hubs (read again when a curated CSV changes)."""
    return _hubs_table(curated_fingerprint())


@st.cache_data(show_spinner=False)
def versions(store: str, token: str):  # noqa: ANN201
    """Constraint version tables (road status, encircled) from the store; keyed on its token."""
    from geo.store.constraints import load_versions
    from geo.store.db import store_location

    return load_versions(store_location(store))


@st.cache_data(show_spinner=False, max_entries=32)
def _reach(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    cell_km: float | None = None,
):  # noqa: ANN201
    """Reach bands and localities for the hubs under the state on ``as_of`` (cached).

    On the settings' grid this is the as-of reach the Reachability page diffs its scenarios
    against (:func:`_reach_before`): computed once for both pages, never twice.
    """
    from geo.model.reach import compute_reach

    if cell_km is None or float(cell_km) == float(settings().cell_km):
        shared = _reach_before(data_folder, fingerprint, as_of, hours, season, hub_ids, token)
        return shared.bands, shared.localities
    inputs = model_inputs(data_folder, cell_km)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    with counted("reach"):
        result = compute_reach(
            inputs,
            hubs,
            v,
            as_of=as_of,
            hours=hours,
            season=season_arg(season),
        )
    return result.bands, result.localities


def reach(data_folder: str, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
    """Reach bands and localities (:func:`_reach`, keyed on the data files), with a spinner."""
    with st.spinner(t("common.computing_reach")):
        return _reach(data_folder, data_fingerprint(data_folder), *args, **kwargs)


reach.clear = _reach.clear


@st.cache_data(show_spinner=False)
def _admin(data_folder: str, level: int, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.sources.admin import load_admin

    return load_admin(Path(data_folder), level)


def admin(data_folder: str, level: int) -> gpd.GeoDataFrame:
    """Admin units of one level (internal schema; read again when a data file changes)."""
    return _admin(data_folder, level, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _incidents(data_folder: str, token: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.model.incidents import load_incidents

    with counted("incidents"):
        return load_incidents(Path(data_folder), store_path=store_path())


def incidents(data_folder: str, token: str) -> gpd.GeoDataFrame:
    """Incidents of the data folder plus those imported into the store (keyed on both)."""
    with st.spinner(t("common.loading_incidents")):
        return _incidents(data_folder, token, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _towns(data_folder: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.products.printmap import main_towns

    return main_towns(model_inputs(data_folder).places)  # WORK_CRS; the layer draws it in EPSG:4326


def towns(data_folder: str) -> gpd.GeoDataFrame:
    """Return the main towns labelled on the maps (``geo.products.printmap.MAIN_TOWNS`` found)."""
    return _towns(data_folder, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False)
def _water(data_folder: str, fingerprint: str) -> gpd.GeoDataFrame | None:
    from layers.water import load_water

    return load_water(Path(data_folder))


def water(data_folder: str) -> gpd.GeoDataFrame | None:
    """Rivers and lakes of the data folder (EPSG:4326), or None."""
    return _water(data_folder, data_fingerprint(data_folder))


@st.cache_data(show_spinner=False, max_entries=16)
def _encircled_population(data_folder: str, as_of: dt.date, token: str, fingerprint: str) -> gpd.GeoDataFrame:
    from geo.model.severity import with_population

    _, episodes = constraint_state(as_of)
    with counted("encircled_population"):
        return with_population(episodes, Path(data_folder))


def encircled_with_population(data_folder: str, as_of: dt.date) -> gpd.GeoDataFrame:
    """Encircled episodes on ``as_of`` (``in_force``) with the people inside each no-entry disc."""
    return _encircled_population(data_folder, as_of, state_token(), data_fingerprint(data_folder))


@st.cache_data(show_spinner=False, max_entries=16)
def _constraint_state(
    data_folder: str, store: str, as_of: dt.date, token: str, fingerprint: str
) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    from geo.model.reach import state_as_of

    inputs = model_inputs(data_folder)
    v = versions(store, token)
    with counted("constraint_state"):
        return state_as_of(inputs, v.road_status, v.encircled, as_of)


def constraint_state(as_of: dt.date) -> tuple[pd.DataFrame, gpd.GeoDataFrame]:
    """Axis status and encircled episodes (with ``in_force``) on ``as_of``.

    Computed once per state for every session (keyed on the store token and the data
    files); each session gets its own copy.
    """
    folder = str(data_dir())
    return _constraint_state(folder, str(store_path()), as_of, state_token(), data_fingerprint(folder))


@st.cache_data(show_spinner=False, max_entries=16)
def _crossing_status(store: str, as_of: dt.date, token: str, fingerprint: str) -> pd.DataFrame:
    from geo.store.constraints import effective_crossing_status

    with counted("crossing_status"):
        return effective_crossing_status(versions(store, token), as_of)


def crossing_status(as_of: dt.date) -> pd.DataFrame:
    """Status of every river crossing on ``as_of`` (:func:`geo.store.constraints.effective_crossing_status`).

    Computed once per state for every session (keyed on the store token and the data
    files, which hold the curated crossings); each session gets its own copy.
    """
    return _crossing_status(str(store_path()), as_of, state_token(), data_fingerprint(str(data_dir())))


def guarded(fn, *args, **kwargs):  # noqa: ANN001, ANN201
    """Call ``fn``; an engine error is shown in the page and stops the script."""
    try:
        return fn(*args, **kwargs)
    except AccessMapError as exc:
        show_error(exc)


def positions_token() -> str:
    """Token that changes on every step of the positions register (a store fault is shown, then stops).

    A register not created yet is created first (as its first read does), so results cached
    on a first run are not computed again for the same state on the next.
    """
    from geo.store import positions as positions_store

    token = guarded(positions_store.state_version, store_path())
    if token in ("absent", "empty"):
        guarded(lambda: positions_store.open_store(store_path()).close())
        token = guarded(positions_store.state_version, store_path())
    return token


def incidents_token() -> str:
    """Token that changes whenever incidents are imported into the store (cache key)."""
    from geo.store.incidents import store_token

    return guarded(store_token, store_path())


# --- Reachability page: scenario builder, cached "before" reach, downloads -------------------------

#: A blockade added in the page: ``(locality, lon, lat, radius_km)`` (EPSG:4326), hashable for the caches.
BlockadeKey = tuple[str, float, float, float]


@st.cache_resource(show_spinner=False, max_entries=8)
def _reach_before(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
):  # noqa: ANN201
    """Return the as-of reach a scenario is diffed against (``geo.model.reach.ReachResult``, with its cells).

    Kept once per state in ``st.cache_resource`` (read-only, shared by every session): a
    new scenario on the same state then costs only the scenario, not the as-of reach
    again, and the result (tens of MB of cell lists) is never pickled.
    """
    from geo.model.reach import compute_reach

    inputs = model_inputs(data_folder)
    v = versions(str(store_path()), token)
    hubs = hubs_table().loc[list(hub_ids)]
    with counted("reach_before"):
        return compute_reach(
            inputs,
            hubs,
            v,
            as_of=as_of,
            hours=hours,
            season=season_arg(season),
        )


def reach_before(data_folder: str, *args):  # noqa: ANN002, ANN201
    """As-of reach a scenario is diffed against (:func:`_reach_before`, keyed on the data files)."""
    with st.spinner(t("common.computing_reach")):
        return _reach_before(data_folder, data_fingerprint(data_folder), *args)


reach_before.clear = _reach_before.clear


@st.cache_data(show_spinner=False, max_entries=16)
def _reach_scenario(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hours: tuple[float, ...],
    season: str,
    hub_ids: tuple[str, ...],
    token: str,
    close_axes: tuple[str, ...],
    open_axes: tuple[str, ...],
    lift_blockades: tuple[str, ...],
    scenario_season: str | None,
    constrain_axes: tuple[str, ...] = (),
    add_blockades: tuple[BlockadeKey, ...] = (),
) -> dict:
    """As-of reach and a what-if scenario on top of it (cached on every input).

    Parameters
    ----------
    data_folder, as_of, hours, season, hub_ids, token
        The as-of state (see :func:`reach`).
    close_axes, open_axes, constrain_axes
        Axis ids the scenario closes, opens, constrains (``geo.model.scenario.Scenario``).
    lift_blockades
        Encircled localities in force whose no-entry zone is lifted.
    scenario_season
        Season of the scenario, or None for the as-of season.
    add_blockades
        New no-entry zones ``(locality, lon, lat, radius_km)``.

    Returns
    -------
    dict
        ``before``, ``after`` (bands), ``changes``, ``localities``, ``lost``, ``gained``,
        ``after_localities`` and ``axis_status_after`` (status per axis under the scenario).
    """
    from geo.model.scenario import Blockade, Scenario, run_scenario

    inputs = model_inputs(data_folder)
    hubs = hubs_table().loc[list(hub_ids)]
    before = reach_before(data_folder, as_of, hours, season, hub_ids, token)
    sc = Scenario(
        name="page scenario",
        season=scenario_season,
        close_axes=close_axes,
        open_axes=open_axes,
        constrain_axes=constrain_axes,
        lift_blockades=lift_blockades,
        add_blockades=tuple(Blockade(*b) for b in add_blockades),
    )
    with counted("scenario"):
        out = run_scenario(inputs, hubs, before, sc)
    status_after = out.after.state.axis_status if out.after.state is not None else None
    return {
        "before": before.bands,
        "after": out.after.bands,
        "changes": out.changes,
        "localities": out.localities,
        "lost": out.lost,
        "gained": out.gained,
        "after_localities": out.after.localities,
        "axis_status_after": None if status_after is None else status_after[["status"]].copy(),
    }


def reach_scenario(data_folder: str, *args, **kwargs) -> dict:  # noqa: ANN002, ANN003
    """As-of reach and a what-if scenario (:func:`_reach_scenario`, keyed on the data files)."""
    with st.spinner(t("common.computing_scenario")):
        return _reach_scenario(data_folder, data_fingerprint(data_folder), *args, **kwargs)


reach_scenario.clear = _reach_scenario.clear


@st.cache_data(show_spinner=False, max_entries=2)
def _source_titles(fingerprint: str) -> dict[str, str]:
    from geo.sources.curated import read_sources

    table = read_sources()
    return {
        str(k): str(title) if isinstance(title, str) and title.strip() else str(k)
        for k, title in table["title"].items()
    }


def source_text(value: object) -> str:
    """Return a record's source as people read it: each curated key (``S-AFP-2022-06-09``) by its title.

    Keys are looked up in ``data/curated/sources.csv`` (:func:`geo.sources.curated.read_sources`);
    several sources are separated by ``;``; text that is no key (a source typed in a form)
    is kept as typed; blank or missing gives "".
    """
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    titles = _source_titles(curated_fingerprint())
    parts = [p.strip() for p in str(value).split(";") if p.strip()]
    return "; ".join(titles.get(p, p) for p in parts)


def axis_label(axis_id: str, axis_name: str, route_ref: object, status: str | None = None) -> str:
    """Return an axis's label (:func:`geo.sources.curated.axis_label`), with ``status`` after it when given.

    ``"RN16 Sévaré–Douentza · closed"``.
    """
    from geo.sources.curated import axis_label as label

    text = label(axis_id, axis_name, route_ref)
    return f"{text} · {status}" if status else text


@st.cache_resource(show_spinner=False)
def _place_choices(data_folder: str, fingerprint: str, language: str) -> pd.DataFrame:
    """Return the model's localities as blockade candidates, sorted by label (read-only, shared).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``place_id``: ``label`` in ``language`` (:func:`geo.sources.places.place_label`:
        ``"Boni (Douentza, Mopti)"``, ``"Mopti (région de Mopti)"``; with the coordinates when
        that is not unique), ``name``, ``lon``, ``lat`` (EPSG:4326). Kept in
        ``st.cache_resource`` (15 000 rows per language, not copied on every rerun): do not
        modify it.
    """
    from geo.model.reach import place_lonlat
    from geo.sources.places import place_label

    inputs = model_inputs(data_folder)
    places = inputs.places
    # a blockade is given by its centre in lon/lat (geo.model.scenario.Blockade)
    lon, lat = place_lonlat(inputs)
    label = pd.Series(
        [
            i18n.text_in(place_label(str(n), c, r), language)
            for n, c, r in zip(places["name"], places["adm2_name"], places["adm1_name"], strict=True)
        ],
        index=places.index,
    )
    dup = label.duplicated(keep=False)
    label[dup] = [
        f"{text[:-1]}, {y:.3f}N {x:.3f}E)" if text.endswith(")") else f"{text} ({y:.3f}N {x:.3f}E)"
        for text, x, y in zip(label[dup], lon[dup.to_numpy()], lat[dup.to_numpy()], strict=True)
    ]
    out = pd.DataFrame(
        {"label": label, "name": places["name"].astype(str), "lon": lon.round(5), "lat": lat.round(5)},
        index=places.index,
    )
    return out.sort_values("label", key=lambda s: s.str.casefold())


def place_choices(data_folder: str) -> pd.DataFrame:
    """Return :func:`_place_choices` of ``data_folder`` (keyed on its files) in the session's language."""
    return _place_choices(data_folder, data_fingerprint(data_folder), lang())


@st.cache_resource(show_spinner=False)
def _place_labels(data_folder: str, fingerprint: str, language: str) -> dict:
    """Return ``{place_id: label}`` of :func:`place_choices`, in label order (read-only, shared)."""
    return _place_choices(data_folder, fingerprint, language)["label"].to_dict()


def place_labels(data_folder: str) -> dict:
    """Return ``{place_id: label}`` of the localities in the session's language (:func:`place_choices`)."""
    return _place_labels(data_folder, data_fingerprint(data_folder), lang())


def localities_by_change(loc: pd.DataFrame, change: str, *, limit_h: float) -> pd.DataFrame:
    """One row per locality that a scenario changes: the hubs and bands it loses (or gains).

    The engine lists a locality once per hub and band it changes
    (``geo.model.scenario.LOCALITY_CHANGE_COLUMNS``); a planner reads villages, so the
    rows are merged per ``place_id``, in the engine's order (first appearance).

    Parameters
    ----------
    loc
        Locality changes of the scenario (``hub``, ``hours`` in h, ``change``, ``place_id``,
        ``locality``, ``adm3_pcode``, ``travel_time_h_before``, ``travel_time_h_after`` in h;
        optionally ``cercle``).
    change
        ``"lost"`` or ``"gained"``.
    limit_h
        Longest band (h): a time beyond it reads "not reached (> limit)".

    Returns
    -------
    pandas.DataFrame
        ``locality``, ``cercle``, ``adm3_pcode``, ``bands`` (``"Mopti : 4 h, 8 h ; Sévaré : 12 h"``,
        with no-break spaces inside each figure and before French ``:`` and ``;``:
        per hub, the bands it changes) and ``before``/``after`` (per hub, the travel time
        from that hub before and under the scenario), one row per locality.
    """
    cols = ["locality", "cercle", "adm3_pcode", "bands", "before", "after"]
    rows = loc[loc["change"] == change]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    sep, colon = t("common.sep_semicolon"), t("common.sep_colon")  # " ; " in French (U+202F)
    out = []
    for _pid, place in rows.groupby("place_id", sort=False):
        bands, before, after = [], [], []
        for hub, per_hub in place.groupby("hub", sort=False):
            hours = sorted(per_hub["hours"])
            bands.append(hub + colon + ", ".join(f"{i18n.format_hours(h, lang())}\u00a0h" for h in hours))
            first = per_hub.iloc[0]
            before.append(hub + colon + hours_text(first["travel_time_h_before"], limit_h=limit_h))
            after.append(hub + colon + hours_text(first["travel_time_h_after"], limit_h=limit_h))
        head = place.iloc[0]
        out.append(
            {
                "locality": head["locality"],
                "cercle": head.get("cercle"),
                "adm3_pcode": head["adm3_pcode"],
                "bands": sep.join(bands),
                "before": sep.join(before),
                "after": sep.join(after),
            }
        )
    return pd.DataFrame(out, columns=cols)


#: Widths (px) of the lost/gained localities table's columns (:func:`localities_by_change`, its
#: ``bands`` column shown as ``bands_lost`` or ``bands_gained``): they add up to the page's width
#: at 1440 px (960 px), each wide enough for its header in French and English.
PLACE_WIDTHS = {"locality": 120, "cercle": 95, "adm3_pcode": 125, "bands": 160, "before": 230, "after": 230}


def release_delay_text(snapshots: list, lang: str) -> str:
    """Say how far behind its date a snapshot shows the situation, with the real delay.

    The latest snapshot's own delay (its date minus the date of its data), in days and
    plural-aware (``1 jour``, ``30 jours``), or "on its own date" for no delay; with no
    snapshot yet, the publish form's default (``geo.products.snapshot.DEFAULT_DELAY_DAYS``).

    Parameters
    ----------
    snapshots
        :func:`geo.products.snapshot.list_snapshots` output, latest first.
    lang
        ``{"fr", "en"}``.
    """
    from geo.products.snapshot import DEFAULT_DELAY_DAYS

    if not snapshots:
        return i18n.tr(
            "public.when_default", lang, days=i18n.tr_count("public.days", DEFAULT_DELAY_DAYS, lang)
        )
    delay = (snapshots[0].as_of - snapshots[0].release_date).days
    if delay == 0:
        return i18n.tr("public.when_no_delay", lang)
    return i18n.tr("public.when_delay", lang, days=i18n.tr_count("public.days", delay, lang))


def hours_text(value: float, *, limit_h: float) -> str:
    """Format a travel time for a table: ``"5.3 h"`` (``"5,3 h"``), or ``"not reached (> 12 h)"`` if NaN.

    The number and its unit are joined by a no-break space (U+00A0): a cell that wraps never
    leaves ``h`` alone on a line.
    """
    if value is None or not np.isfinite(value):
        return t("common.not_reached", h=i18n.format_hours(limit_h, lang()))
    return f"{num(value, decimals=1)}\u00a0h"


def scenario_gpkg(out: dict) -> bytes:
    """Write the scenario as one GeoPackage (EPSG:4326) and return its bytes.

    Layers as ``python -m geo reach --scenario`` writes them (``geo.products.reach_files.write_reach``):
    ``reachable_areas`` (under the scenario), ``reachable_areas_before``, ``area_lost``
    and ``area_gained`` (bands with a change only), ``scenario_localities`` (points) and
    the attribute table ``scenario_changes``.

    Parameters
    ----------
    out
        :func:`reach_scenario` result.

    Returns
    -------
    bytes
    """
    import tempfile

    from geo.io import write_layers
    from geo.products.reach_files import bands_layer, scenario_layers

    layers = {
        "reachable_areas": bands_layer(out["after"]),
        **scenario_layers(
            before=out["before"],
            lost=out["lost"],
            gained=out["gained"],
            localities=out["localities"],
            changes=out["changes"],
        ),
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "reach_scenario.gpkg"
        write_layers(layers, path)
        return path.read_bytes()


def scenario_csv(localities: pd.DataFrame) -> bytes:
    """Return the localities lost or gained as CSV (UTF-8) with an HXL hashtag row under the header.

    The band limit is written as ``band_h`` (``#indicator+band_h``), apart from the
    travel times (``#indicator+travel_time_h+before`` / ``+after``); ``place_id`` and
    ``hub_id`` are kept for joins. Written by ``geo.tables.csv_text`` (text cells spreadsheet-safe).
    Travel times (hours, 2 decimals) not reached within the largest band are left empty.

    Parameters
    ----------
    localities
        ``geo.model.scenario.LOCALITY_CHANGE_COLUMNS``.

    Returns
    -------
    bytes
    """
    from geo.tables import csv_text

    table = localities.rename(columns={"hours": "band_h"}).round(
        {"travel_time_h_before": 2, "travel_time_h_after": 2}
    )
    return csv_text(table).encode("utf-8")


@st.cache_data(show_spinner=False, max_entries=8)
def _scenario_downloads(key: tuple, _out: dict) -> tuple[bytes, bytes]:
    return scenario_gpkg(_out), scenario_csv(_out["localities"])


def scenario_downloads(key: tuple, _out: dict) -> tuple[bytes, bytes]:
    """Return the GeoPackage and CSV bytes of one scenario, cached on ``key`` and the data files."""
    return _scenario_downloads((*key, data_fingerprint(key[0])), _out)


@st.cache_data(show_spinner=False)
def _map_base(data_folder: str, fingerprint: str) -> dict:
    """Return the scenario map's simplified country outline, regions and axes (once per data folder)."""
    from layers.scenario import base_frames

    return base_frames(admin(data_folder, 0), admin(data_folder, 1), model_inputs(data_folder).axes)


map_base = _keyed_on_data(_map_base)


@st.cache_data(show_spinner=False, max_entries=16)
def _scenario_map_frames(key: tuple, _out: dict) -> dict:
    from layers.scenario import display_frames

    return {
        **_before_map_frames((*key[:6], key[-1]), _out),
        **display_frames({"after": _out["after"], "lost": _out["lost"], "gained": _out["gained"]}),
    }


def scenario_map_frames(key: tuple, _out: dict) -> dict:
    """Return a scenario's polygons simplified for the map, every band (cached on the scenario's ``key``).

    The key is extended with the data folder's fingerprint (``key[0]`` is the folder).
    The as-of bands are simplified once per state (``key[:6]``: folder, date, bands,
    season, hubs, store token, and the fingerprint), not once per scenario.
    """
    return _scenario_map_frames((*key, data_fingerprint(key[0])), _out)


@st.cache_data(show_spinner=False, max_entries=8)
def _before_map_frames(state_key: tuple, _out: dict) -> dict:
    from layers.scenario import display_frames

    return display_frames({"before": _out["before"]})


# --- Shared computations: counted and logged ------------------------------------------------------

#: Logger of the shared computations: one line per computation on the server's stderr (``app compute``).
_COMPUTE_LOG = logging.getLogger("mali_access.compute")
if not _COMPUTE_LOG.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s app compute %(message)s"))
    _COMPUTE_LOG.addHandler(_handler)
    _COMPUTE_LOG.setLevel(logging.INFO)
    _COMPUTE_LOG.propagate = False

#: Computations of shared results in this server process, by kind (``reach``, ``export_state``, ...).
COMPUTED: collections.Counter[str] = collections.Counter()
_COMPUTED_LOCK = threading.Lock()


@contextlib.contextmanager
def counted(kind: str) -> Iterator[None]:
    """Count and log one computation of a shared result of ``kind`` (with its wall time, s).

    Used inside the cached functions, so the count is the number of times a result was
    really computed: with the caches shared by every session, a state asked by ten
    sessions is computed once. The log line (``app compute <kind> #<n> <s> s``) is what
    ``bench/bench_load.py`` reads from the server's output.
    """
    start = time.perf_counter()
    yield
    with _COMPUTED_LOCK:
        COMPUTED[kind] += 1
        n = COMPUTED[kind]
    _COMPUTE_LOG.info("%s #%d %.2f s", kind, n, time.perf_counter() - start)


# --- Export page: each product built once per state, shared by every session --------------------------

#: Data formats of the export page (``geo.products.export.FORMATS``), each offered for every state.
EXPORT_FORMATS = ("gpkg", "kml", "geojson", "csv")


def export_key(data_folder: str, as_of: dt.date, hub_ids: tuple[str, ...], public: bool) -> tuple:
    """Return the key of one exported state: what its products are built from.

    ``(data folder, data fingerprint, as_of, hubs (sorted), public, store token, cell km)``:
    the store token joins the constraints', imported incidents' and positions' tokens, so
    a change saved by anyone gives a new key (the products built before stay what they
    were built from). A store fault is shown in the page, which stops.
    """
    token = "|".join([state_token(), incidents_token(), positions_token()])
    return (
        data_folder,
        data_fingerprint(data_folder),
        as_of,
        tuple(sorted(hub_ids)),
        bool(public),
        token,
        float(settings().cell_km),
    )


def export_key_token(key: tuple) -> str:
    """Return the store token an :func:`export_key` was made with."""
    return key[5]


@st.cache_resource(show_spinner=False, max_entries=3)
def _export_state(
    data_folder: str,
    fingerprint: str,
    as_of: dt.date,
    hub_ids: tuple[str, ...],
    public: bool,
    token: str,
    cell_km: float,
):  # noqa: ANN202
    """State on ``as_of`` and its print layers (``AccessState``, ``MapLayers``), once for every session.

    Read-only and shared (``st.cache_resource``: never pickled; it holds the model
    inputs and the reach result). No Streamlit call inside: it also runs from a
    download's thread.
    """
    from geo.products.export import collect_state
    from geo.products.printmap import build_map_layers

    with counted("export_state"):
        state = collect_state(
            Path(data_folder),
            as_of=as_of,
            store_path=store_path(),
            hub_ids=list(hub_ids),
            inputs=_model_inputs(data_folder, cell_km, fingerprint),
            public=public,
        )
        layers = build_map_layers(
            state.inputs,
            state.result,
            state.hubs,
            admin1=state.admin1,
            incidents=None if public else state.incidents,
            incident_window=(as_of - dt.timedelta(days=364), as_of),
            incident_data_end=state.incident_data_end,
            stale_days=settings().stale_days,
            contact=settings().contact,
            positions=state.positions,
        )
    return state, layers


def export_state(key: tuple):  # noqa: ANN201
    """Return ``(AccessState, MapLayers)`` of an :func:`export_key` (built once per key, shared)."""
    return _export_state(*key)


@st.cache_data(show_spinner=False, max_entries=8)
def _export_print(key: tuple, pages: tuple[str, ...], lang: str, paper: str, dpi: int) -> dict:
    from geo.products.positions_map import table
    from geo.products.printmap import mapped_positions, render_map, render_pack

    state, layers = export_state(key)
    as_of, public = state.as_of, state.public
    with counted("export_print"):
        preview = render_map(layers, as_of=as_of, lang=lang, paper=paper, dpi=dpi, fmt="png", public=public)
        pack = render_pack(
            layers, hub_ids=list(pages), as_of=as_of, lang=lang, paper=paper, dpi=dpi, public=public
        )
        rows = mapped_positions(layers, paper=paper) if state.positions is not None else None
    return {
        "preview": preview,
        "pack": pack,
        "positions": table(rows, lang) if rows is not None else pd.DataFrame(),
    }


def export_print(key: tuple, pages: tuple[str, ...], lang: str, paper: str, dpi: int) -> dict:
    """Return the print products of a state: national preview (PNG) and meeting pack (PDF).

    Built once per state, hubs in page order, language, paper and resolution for every
    session (``st.cache_data``), then offered as they are: choosing another data format
    or opening the page again does not draw them again.

    Returns
    -------
    dict
        ``preview`` (PNG bytes), ``pack`` (PDF bytes, one page per hub of ``pages``, each
        followed by its positions table) and ``positions`` (table of the positions that
        apply to the national map, in ``lang``).
    """
    return _export_print(key, tuple(pages), lang, paper, int(dpi))


@st.cache_resource(show_spinner=False, max_entries=3)
def _export_themes(key: tuple) -> dict[str, gpd.GeoDataFrame]:
    from geo.products.export import themes_from_state

    state, _ = export_state(key)
    with counted("export_themes"):
        return themes_from_state(state, public=state.public)


@st.cache_data(show_spinner=False, max_entries=16)
def _export_file(key: tuple, fmt: str, lang: str) -> bytes:
    import tempfile

    from geo.products.export import write_export

    themes = _export_themes(key)
    with counted(f"export_file_{fmt}"), tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / f"export.{fmt}"
        write_export(themes, target, lang=lang)
        return target.read_bytes()


def export_file(key: tuple, fmt: str, lang: str = "fr") -> bytes:
    """Return the data export of a state in ``fmt`` (``EXPORT_FORMATS``), written once per state and language.

    ``lang`` is the page's: the zones' ``rule`` and the KML descriptions are written in it.

    The themes (``geo.products.export.themes_from_state``) are built once per state
    and each format is written from them once, whichever session asks first; no
    Streamlit call, so a download button can call it when clicked.

    Raises
    ------
    ValueError
        ``fmt`` is not one of :data:`EXPORT_FORMATS`.
    """
    if fmt not in EXPORT_FORMATS:
        msg = f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}"
        raise ValueError(msg)
    return _export_file(key, fmt, lang)


# --- Warm-up: the live map's default state computed once when the server starts -------------------


#: Name of the warm-up thread (its Streamlit calls have no page to draw in, by design).
WARM_UP_THREAD = "mali-access-warm-up"


class _NoPageWarning(logging.Filter):
    """Drop Streamlit's "missing ScriptRunContext" warning for the warm-up thread only."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.args and record.args[0] == WARM_UP_THREAD)


def _warm_live_map() -> None:
    """Compute what the live map's first viewer would wait for, into the shared caches.

    The live page's defaults (:func:`init_state`): every hub, bands 4/8/12 h, the season of
    the date, today's date, six years of incidents (not the map itself: rendering it for
    each role at start showed no gain, see ``views/live_content.py``). The reach's kernels
    are compiled on
    the way (about 30 s on a 2-core machine the first time numba's cache is empty). Any
    failure is logged and left to the page, which shows it to the viewer in its own words.
    """
    start = time.perf_counter()
    try:
        folder = str(data_dir())
        hub_ids = tuple(hubs_table().index)
        as_of = dt.date.today()
        token = state_token()
        model_inputs(folder)
        reach(folder, as_of, tuple(sorted(DEFAULT_BANDS_H)), SEASON_BY_DATE, hub_ids, token)
        constraint_state(as_of)
        encircled_with_population(folder, as_of)
        crossing_status(as_of)
        incidents(folder, f"{token}|{incidents_token()}")
        for level in (1, 2):
            admin(folder, level)
        towns(folder)
        water(folder)
    except BaseException:  # noqa: BLE001  (st.stop() raises outside a page; the page reports it)
        _COMPUTE_LOG.warning("warm-up stopped; the pages compute on demand", exc_info=True)
        return
    _COMPUTE_LOG.info("warm-up done %.2f s", time.perf_counter() - start)


def start_warm_up() -> threading.Thread | None:
    """Start, once per server process, the background computation of the live map's default state.

    Called on every run of ``app.py``; only the first call starts the thread (the cache
    keeps it). The results land in the same caches the pages read, whose per-key locks
    make a viewer who arrives during the warm-up wait for it instead of computing twice.
    Off when ``MALI_ACCESS_WARM_UP`` is ``0`` (the tests count computations).

    Returns
    -------
    threading.Thread or None
        The warm-up's daemon thread (started by the first call), or ``None`` when the
        warm-up is off.
    """
    return _warm_up_thread() if settings().warm_up else None


@st.cache_resource(show_spinner=False)
def _warm_up_thread() -> threading.Thread:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NoPageWarning())
    thread = threading.Thread(target=_warm_live_map, name=WARM_UP_THREAD, daemon=True)
    thread.start()
    return thread
