"""French and English text of the app, print maps, snapshots and commands: gettext catalogs.

Every visible word goes through :func:`tr`, so a product is entirely in one language.
The text lives in gettext catalogs managed with Babel, shipped inside the package::

    geo/locale/fr/LC_MESSAGES/messages.po
    geo/locale/en/LC_MESSAGES/messages.po

Message ids are **keys** (``"title_national"``, ``"live.title"``), never English text:
the English catalog is a translation like the French one, so rewording English does
not orphan the French, and a key that has no entry is an error (:class:`KeyError`)
rather than a silent English fallback. ``{name}`` fields are filled by :func:`tr`.

The ``.po`` files are the source: they are read with :func:`babel.messages.pofile.read_po`
and compiled in memory (:func:`babel.messages.mofile.write_mo`) into a
:class:`babel.support.Translations` the first time a language is used, so neither the
build nor CI needs a compile step and a wheel carries only the ``.po`` files. Fuzzy
entries are not used (a test refuses them, and empty translations).

Maintenance (``scripts/i18n.py``, uses ``babel.cfg``): ``update`` extracts the keys
used in the code (``tr("key", ...)`` and the pages' ``t("key", ...)``) and adds the new
ones to both catalogs with an empty translation to fill; ``add KEY --fr ... --en ...``
writes one entry in both. ``tests/test_i18n.py`` fails on a key used in the code that a
catalog lacks, on an empty or fuzzy translation, and on placeholders that differ.

Numbers, areas and dates are written for the language with Babel
(:func:`format_number`: ``291 000`` / ``291,000``; :func:`format_date`:
``1er décembre 2026`` / ``1 December 2026``) without touching the process locale,
which every Streamlit session shares. French text keeps its accents (UTF-8 catalogs;
matplotlib's DejaVu fonts carry them) and puts a narrow no-break space (U+202F, in DejaVu
too) before ``; : ! ? »`` and after ``«`` in the catalog itself (``scripts/i18n.py check``
holds it), so a wrapped line never starts with the sign; a separator built in code takes
the catalog's ``common.sep_colon`` / ``common.sep_semicolon``.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import re
from collections.abc import Sequence
from importlib import resources
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[str, ...] = ("fr", "en")
#: Catalog domain (file name ``messages.po``).
DOMAIN = "messages"
#: Name of each language in its own language (language pickers).
LANG_NAMES = {"fr": "Français", "en": "English"}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported.

    Raises
    ------
    ValueError
        ``lang`` is not one of :data:`LANGS`.
    """
    if lang not in LANGS:
        msg = f"language must be one of {', '.join(LANGS)}, got {lang!r}"
        raise ValueError(msg)
    return lang


def catalog_path(lang: str):  # noqa: ANN201  (importlib.resources Traversable)
    """Return the ``.po`` file of ``lang`` inside the installed package (``geo/locale``)."""
    return resources.files("geo").joinpath("locale", check_lang(lang), "LC_MESSAGES", f"{DOMAIN}.po")


def read_catalog(lang: str):  # noqa: ANN201
    """Read the ``.po`` catalog of ``lang`` (a :class:`babel.messages.catalog.Catalog`).

    Raises
    ------
    FileNotFoundError
        The package has no catalog for ``lang``.
    """
    from babel.messages.pofile import read_po

    with catalog_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain=DOMAIN)


@functools.lru_cache(maxsize=len(LANGS))
def translations(lang: str):  # noqa: ANN201
    """Return the :class:`babel.support.Translations` of ``lang`` and its set of keys (cached).

    The catalog is compiled in memory from the ``.po`` file (fuzzy entries left out).
    """
    from babel.messages.mofile import write_mo
    from babel.support import Translations

    catalog = read_catalog(lang)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    keys = frozenset(m.id for m in catalog if m.id and m.string and not m.fuzzy)
    return Translations(buf, domain=DOMAIN), keys


def has_key(key: str, lang: str) -> bool:
    """Tell whether the catalog of ``lang`` translates ``key``."""
    return key in translations(check_lang(lang))[1]


def keys(prefix: str = "") -> list[str]:
    """Return the keys of the French catalog that start with ``prefix``, sorted."""
    return sorted(k for k in translations("fr")[1] if k.startswith(prefix))


def tr(key: str, lang: str, /, **fields: object) -> str:
    """Text ``key`` in ``lang`` with ``{fields}`` filled.

    Parameters
    ----------
    key
        Message id of the catalogs.
    lang
        ``{"fr", "en"}``.
    **fields
        Values for the placeholders (``str.format`` fields).

    Returns
    -------
    str

    Raises
    ------
    KeyError
        The catalog of ``lang`` has no translation for ``key``.
    ValueError
        Unsupported language.
    """
    catalog, known = translations(check_lang(lang))
    if key not in known:
        raise KeyError(key)
    text = catalog.gettext(key)
    return text.format(**fields) if fields else text


def plural_key(key: str, n: float, lang: str) -> str:
    """Return the catalog key of ``key`` for the count ``n``: ``key.one`` or ``key.other``.

    The plural category comes from Babel's CLDR rules for ``lang`` (French: 0 and 1 are
    singular, "0 version"; English: only 1). Categories a catalog has no entry for (French
    ``many``, "1 000 000 de ...") fall back to ``key.other``.

    Raises
    ------
    KeyError
        The catalog of ``lang`` has no ``key.other``.
    """
    from babel import Locale

    form = Locale.parse(check_lang(lang)).plural_form(abs(n))
    if has_key(f"{key}.{form}", lang):
        return f"{key}.{form}"
    other = f"{key}.other"
    if not has_key(other, lang):
        raise KeyError(other)
    return other


def tr_count(key: str, n: float, lang: str, /, **fields: object) -> str:
    """Text ``key`` for the count ``n`` in ``lang`` (``1 version`` / ``3 versions``); ``{n}`` is filled.

    The catalogs hold one entry per plural category, ``KEY.one`` and ``KEY.other``
    (:func:`plural_key`); ``{n}`` is written with :func:`format_number` (``1 200`` in French).
    Other ``{fields}`` are filled as by :func:`tr`.

    Raises
    ------
    KeyError
        The catalog has no entry for ``key``.
    ValueError
        Unsupported language.
    """
    text_n = format_number(n, lang, decimals=0 if float(n).is_integer() else 1)
    return tr(plural_key(key, n, lang), lang, **{"n": text_n, **fields})


def format_date(day: dt.date, lang: str) -> str:
    """``1 December 2026`` or ``1er décembre 2026`` (Babel's month names; ``1er`` for the first in French)."""
    from babel.dates import format_date as babel_date

    text = babel_date(day, format="d MMMM y", locale=check_lang(lang))
    if lang == "fr" and day.day == 1:
        text = "1er" + text[1:]
    return text


#: A day or a moment written as ISO text (``2026-12-02``, ``2026-12-02T09:43:27Z``), as the store keeps them.
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(Z|[+-]00:?00)?)?$")


def _day_of(value: object) -> tuple[dt.date, str] | None:
    """Return the day of a date or ISO text and its clock time (``" 09:43 UTC"``, ``""``); None if none."""
    if isinstance(value, str):
        m = _ISO_DAY.match(value.strip())
        if m is None:
            return None
        try:
            day = dt.date.fromisoformat(m.group(1))
        except ValueError:
            return None
        return day, (f" {m.group(2)}{' UTC' if m.group(3) else ''}" if m.group(2) else "")
    if isinstance(value, dt.datetime):  # pandas.Timestamp too
        if value != value:  # NaT
            return None
        clock = f" {value:%H:%M}" if (value.hour, value.minute, value.second) != (0, 0, 0) else ""
        return value.date(), clock
    if isinstance(value, dt.date):
        return value, ""
    return None


def is_day(value: object) -> bool:
    """Tell whether :func:`format_day` writes ``value`` as a date."""
    return _day_of(value) is not None


def format_day(value: object, lang: str, *, long: bool = False) -> object:
    """Write a date for a table cell: ``02/12/2026`` (French), ``2026-12-02`` (English); a time as ``HH:MM``.

    The short form of the language (French ``dd/MM/y`` by Babel, English ISO as the app's
    date fields), so table columns stay narrow; :func:`format_date` writes a date in a sentence
    (``long=True`` here: a value of any of the accepted kinds written that way).

    Parameters
    ----------
    value
        A ``datetime.date``/``datetime``/``pandas.Timestamp``, or ISO text (``YYYY-MM-DD``,
        optionally ``THH:MM[:SS][Z]``, UTC as the store records it). Anything else
        (missing values, other text, numbers) is returned unchanged.
    lang
        ``{"fr", "en"}``.
    long
        Write the day out (``2 décembre 2026``, ``2 December 2026``: :func:`format_date`).
    """
    from babel.dates import format_date as babel_date

    check_lang(lang)
    found = _day_of(value)
    if found is None:
        return value
    day, clock = found
    if long:
        text = format_date(day, lang)
    elif lang == "en":
        text = day.isoformat()
    else:
        text = babel_date(day, format="dd/MM/y", locale=lang)
    return text + clock


def format_datetime(moment: dt.datetime, lang: str) -> str:
    """``1 December 2026, 14:05`` or ``1er décembre 2026, 14:05`` (the moment's own clock time)."""
    return f"{format_date(moment.date(), lang)}, {moment:%H:%M}"


def format_number(value: float, lang: str, *, decimals: int = 0) -> str:
    """Format a number for ``lang`` with Babel: ``291 000`` (narrow no-break space) / ``291,000``.

    Parameters
    ----------
    value
        Any real number; NaN and None give ``""``.
    lang
        ``{"fr", "en"}``.
    decimals
        Digits after the decimal mark (rounded half to even as Babel does); 0 for whole numbers.
    """
    from babel.numbers import format_decimal

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=check_lang(lang))


def format_share(value: float, lang: str) -> str:
    """Format a share (0-1) as a whole percentage with Babel: ``19 %`` (French) / ``19%`` (English).

    Parameters
    ----------
    value
        A fraction, 0.1897 for 19 %; NaN and None give ``""``.
    lang
        ``{"fr", "en"}``.
    """
    from babel.numbers import format_percent

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return format_percent(value, locale=check_lang(lang))  # the locale's pattern: whole per cent


def format_area(km2: float, lang: str) -> str:
    """``12 345 km²`` / ``12,345 km²`` (whole km²)."""
    text = format_number(km2, lang)
    return f"{text} km²" if text else ""


def format_hours(h: float, lang: str | None = None) -> str:
    """``4`` for 4.0, ``2.5`` (``2,5`` in French when ``lang`` is given) for 2.5: no trailing zeros."""
    text = f"{h:g}"
    return text.replace(".", ",") if lang == "fr" else text


def format_duration(h: float, lang: str) -> str:
    """Return a duration in hours and minutes, rounded to the minute: ``4 h 40`` (fr), ``4 h 40 min`` (en).

    Below one hour, minutes only (``40 min``); whole hours without minutes (``3 h``).

    Parameters
    ----------
    h
        Duration, hours (>= 0, finite).
    lang
        ``fr`` or ``en``.

    Raises
    ------
    ValueError
        ``h`` negative or not finite.
    """
    if not (h >= 0 and math.isfinite(h)):
        msg = f"a duration must be a finite number of hours >= 0, got {h!r}"
        raise ValueError(msg)
    hours, minutes = divmod(round(h * 60), 60)
    if hours == 0:
        return f"{minutes} min"
    if minutes == 0:
        return f"{hours} h"
    return f"{hours} h {minutes:02d}" if lang == "fr" else f"{hours} h {minutes:02d} min"


def _slug(text: str) -> str:
    """``State-based violence`` -> ``state_based_violence`` (a catalog key part)."""
    import re

    return re.sub(r"[^a-z0-9]+", "_", str(text).casefold()).strip("_")


def event_type_label(event_type: object, lang: str) -> str:
    """Return an incident's event type in words for ``lang`` (``road_closure``: ``Fermeture de route``).

    The curated access events carry codes (``road_closure``), UCDP and ACLED their published
    category names (``State-based violence``, ``Battles``); both are looked up in the
    catalogs as ``event.<slug>``. A type the catalogs do not know (an imported file's own
    vocabulary) is shown as given; a missing value as ``""``.
    """
    if event_type is None or (isinstance(event_type, float) and math.isnan(event_type)):
        return ""
    key = f"event.{_slug(event_type)}"
    return tr(key, lang) if has_key(key, lang) else str(event_type)


#: ``recorded_by`` of the rows loaded from the curated files (``geo.store.constraints`` seeds them).
SEED_RECORDER = "seed"


def recorder_label(recorded_by: object, lang: str) -> str:
    """Return who recorded a version, for people: the curated seed data's recorder as ``données initiales``.

    Any other name is returned as given (escape it for where it lands); missing as ``""``.
    """
    if recorded_by is None or (isinstance(recorded_by, float) and math.isnan(recorded_by)):
        return ""
    return tr("common.seed_recorder", lang) if recorded_by == SEED_RECORDER else str(recorded_by)


@functools.cache
def _shipped_credit(role: str, field: str) -> str:
    """Return the ``publisher`` or ``licence`` text the shipped manifest records for ``role`` ("" if none)."""
    from geo.sources.datasets import load_manifest

    entry = load_manifest().get(role)
    return str(getattr(entry, field, "") or "") if entry is not None else ""


#: Roles whose credit the project writes itself (``geo.products.snapshot``): always the catalog's words.
PROJECT_CREDIT_ROLES = ("curated",)


def source_credit(record: dict, lang: str) -> dict[str, str]:
    """Return a snapshot's source credit (``data``, ``publisher``, ``licence``, ``url``) for ``lang``.

    The publisher and licence texts recorded for a data role are English
    (``data/manifest.toml``). When a record holds the text the shipped manifest records for
    its role, or the English text of the catalogs (``credit.<role>.publisher`` /
    ``.licence``), the catalog's words of ``lang`` are returned: reader-facing text, without
    file paths or column names a donor does not have. The project's own layers
    (:data:`PROJECT_CREDIT_ROLES`) always read in the catalog's words. A text neither holds
    (a dataset fetched with its own credit) is kept as recorded. Names and titles of
    sources stay as published in both languages. ``data`` names the role in words
    (``credit.<role>``), or is the role itself.
    """
    role = str(record.get("role", ""))
    out = {"data": tr(f"credit.{role}", lang) if has_key(f"credit.{role}", lang) else role}
    for field in ("publisher", "licence"):
        text = str(record.get(field, "") or "")
        key = f"credit.{role}.{field}"
        known = has_key(key, "en") and (
            role in PROJECT_CREDIT_ROLES or text in (tr(key, "en"), _shipped_credit(role, field))
        )
        out[field] = tr(key, lang) if known and has_key(key, lang) else text
    out["url"] = str(record.get("url", "") or "")
    return out


def credit_lines(records: Sequence[dict], lang: str) -> list[str]:
    """Return the source credits as reader lines, one per publisher and licence.

    Datasets with the same publisher and licence (the regions and cercles of one COD-AB
    release) share one line naming them all: ``Régions (admin 1), Cercles (admin 2) :
    OCHA Mali COD-AB 2015 … — CC0 …``.

    Parameters
    ----------
    records
        Provenance records (``role``, ``publisher``, ``licence``), as :func:`source_credit`.
    lang
        ``{"fr", "en"}``.
    """
    grouped: dict[tuple[str, str], list[str]] = {}
    for record in records:
        c = source_credit(record, lang)
        grouped.setdefault((c["publisher"], c["licence"]), []).append(c["data"])
    colon = tr("common.sep_colon", lang)
    return [f"{', '.join(data)}{colon}{pub} — {lic}" for (pub, lic), data in grouped.items()]


# --------------------------------------------------------------------------- engine reports


def text_in(value: object, lang: str) -> str:
    """Return a report of the engine in ``lang``: a :class:`geo.text.Keyed` by its key, anything else as text.

    Fields that are themselves Keyed are written in ``lang`` too; a Keyed standing for an
    error (:func:`geo.text.of_error`) is written by :func:`error_text`; a key the catalog
    lacks leaves the English text.
    """
    from geo.text import ERROR_KEY, JOIN_KEY, Keyed

    if isinstance(value, Keyed):
        if value.key == ERROR_KEY:
            return error_text(value.fields["error"], lang)
        if value.key == JOIN_KEY:
            return str(value.fields["sep"]).join(text_in(v, lang) for v in value.fields["items"])
        fields = {k: text_in(v, lang) for k, v in value.fields.items()}
        if has_key(value.key, lang):
            return tr(value.key, lang, **fields)
        n = value.fields.get("n")
        if isinstance(n, int) and has_key(f"{value.key}.other", lang):  # counted: KEY.one / KEY.other
            return tr_count(value.key, n, lang, **{k: v for k, v in fields.items() if k != "n"})
    return str(value)


def error_text(exc: BaseException, lang: str) -> str:
    """Return the message of an engine error in ``lang`` (its catalog key when it has one, else English).

    A :class:`geo.errors.DataFileError` gives its file, row and field, then the reason;
    an ambiguous or unknown place lists its candidates with cercle and region.
    """
    from geo.errors import DataFileError

    key = getattr(exc, "key", None)
    fields = {k: text_in(v, lang) for k, v in (getattr(exc, "fields", {}) or {}).items()}
    if key is None or not has_key(key, lang):
        return str(exc)
    text = tr(key, lang, **fields)
    candidates = getattr(exc, "candidates", None)
    if candidates:
        text += "".join("\n  " + place_line(c, lang) for c in candidates)
    also = getattr(exc, "also", None)
    close = getattr(exc, "close", None)
    if close:
        text += tr("cli.err_close", lang, names="; ".join(text_in(c, lang) for c in close))
    if also:
        text += "\n" + tr("cli.err_also", lang, names="; ".join(text_in(a, lang) for a in also))
    if key == "err.unknown_place" and not close and not also:
        text += tr("cli.err_give_id", lang)
    if isinstance(exc, DataFileError):
        where = [text_in(getattr(exc, "where", exc.path), lang)]
        if exc.row is not None:
            where.append(tr("cli.err_row", lang, n=exc.row))
        if exc.field:
            where.append(tr("cli.err_field", lang, field=repr(exc.field)))
        text = tr("cli.err_where", lang, where=", ".join(where), reason=text)
    return text


def place_line(place, lang: str) -> str:  # noqa: ANN001
    """One candidate place: name, cercle, region, id, latitude, longitude (``geo.sources.places.Place``)."""
    return tr(
        "cli.place_line",
        lang,
        name=place.name,
        cercle=place.adm2_name or "?",
        region=place.adm1_name or "?",
        id=place.place_id,
        lat=f"{place.lat:.5f}",
        lon=f"{place.lon:.5f}",
    )
