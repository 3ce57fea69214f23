"""Keep the gettext catalogs (geo/locale/{fr,en}/LC_MESSAGES/messages.po) in step with the code.

Run from the checkout with the project's Python::

    .venv/bin/python scripts/i18n.py check              # keys used vs catalogs; exit 1 on a gap
    .venv/bin/python scripts/i18n.py update             # add the keys used in the code to both
                                                        # catalogs (empty translation to fill)
    .venv/bin/python scripts/i18n.py add KEY --fr "…" --en "…"   # write one entry in both

Extraction is Babel's (``babel.messages.extract`` with ``babel.cfg``): the message id is
the first argument of ``tr(...)`` (``geo.products.i18n.tr``) and of the pages' ``t(...)``
(``views.common.t``), when it is a string literal. Keys built at run time (``tr(f"zone_{z}")``)
are not seen by extraction: list them in :data:`DYNAMIC_PREFIXES` so ``update`` does not
call their entries unused. The same as Babel's command line::

    pybabel extract -F babel.cfg -k tr -k t --no-default-keywords -o messages.pot .
    pybabel update -i messages.pot -d geo/locale

Counted texts (``tr_count(KEY, n, lang)``, the pages' ``tn(KEY, n)``) have one entry per
plural category, ``KEY.one`` and ``KEY.other`` (``geo.products.i18n.plural_key``); ``check``
requires both for every such KEY found in the code (:func:`plural_keys_used`).

French spacing: a French text puts a narrow no-break space (U+202F) before ``;``, ``:``,
``!``, ``?`` and ``»`` and after ``«``, so a line never starts with the sign and guillemets
hold their word. ``check`` names every French entry with a plain space (or U+00A0) there;
``add`` writes the French text with U+202F itself (:func:`french_spacing`), so ``--fr`` can
be typed with plain spaces.

Catalogs are written sorted by key, without source locations (small, stable diffs).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCALE_DIR = ROOT / "geo" / "locale"
LANGS = ("fr", "en")
#: Functions whose first argument is a message id.
KEYWORDS = {"tr": None, "t": None, "say": (2,)}
#: Folders of the checkout that are scanned (tests and notebooks are not product text).
SOURCE_DIRS = ("geo", "layers", "views")
SOURCE_FILES = ("app.py",)
#: Prefixes of keys assembled at run time (their entries are kept even if no literal uses them).
DYNAMIC_PREFIXES = (
    "season_",
    "level_",
    "zone_",
    "net_",
    "crossing_",
    "country_",
    "snapshot.",
    "changes.",
    "role.",
    "season.",
    "page.",
    "event.",  # incident event types (geo.products.i18n.event_type_label)
    "credit.",  # source credits of snapshots (geo.products.i18n.source_credit)
    "cli.",  # the command line: help, columns and messages picked at run time
    "kml.field.",  # KML descriptions: one label per exported column (geo.products.export._kml_field)
    "kml.folder.",  # KML folder names, one per theme (geo.products.export.kml_text)
    "kml.value.",  # KML descriptions: labels of codes outside geo.vocab (geo.products.export._kml_field)
    "zone_rule.",  # access-zone rules in words, by rule_id (geo.products.export.rule_text)
    "err.",  # messages of errors (geo.errors ... .keyed(KEY)), looked up by the command line
)


#: Narrow no-break space (U+202F): French spacing of high punctuation and guillemets.
NNBSP = "\u202f"
#: A plain or no-break space (U+00A0) where French wants U+202F: before ``; : ! ? »``, after ``«``.
_FRENCH_SPACE = re.compile(r"[ \u00a0](?=[;:!?»])|(?<=«)[ \u00a0]")


def french_spacing(text: str) -> str:
    """Return French ``text`` with U+202F for a plain or no-break space before ``; : ! ? »``, after ``«``.

    Only such a space is replaced: ``--bands 4:8``, ``https://...``, ``{field}`` and a colon
    with no space before it are left as they are.
    """
    return _FRENCH_SPACE.sub(NNBSP, text)


def french_spacing_problems(catalog) -> list[str]:  # noqa: ANN001
    """Return one line per French entry of ``catalog`` that :func:`french_spacing` would change."""
    problems = []
    for m in catalog:
        texts = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.id and any(t and french_spacing(t) != t for t in texts):
            problems.append(
                f"key {m.id!r}: fr has a plain or no-break space before ; : ! ? » or after « "
                "(U+202F wanted; scripts/i18n.py add writes it)"
            )
    return problems


def po_path(lang: str) -> Path:
    """Return the catalog file of ``lang`` in the checkout."""
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


def used_keys() -> dict[str, list[str]]:
    """Return every literal message id used in the code -> ``file:line`` places, via Babel's extractor."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    found: dict[str, list[str]] = {}
    method_map = [("**.py", "python")]
    options = {"**.py": {"encoding": "utf-8"}}

    def note(path: str, line: int, message: object) -> None:
        if isinstance(message, str):
            found.setdefault(message, []).append(f"{path}:{line}")

    for folder in SOURCE_DIRS:
        for filename, line, message, _comments, _ctx in extract_from_dir(
            ROOT / folder, method_map, options, keywords=KEYWORDS, comment_tags=()
        ):
            note(f"{folder}/{filename}", line, message)
    for name in SOURCE_FILES:
        for line, message, _comments, _ctx in extract_from_file(
            "python", ROOT / name, keywords=KEYWORDS, comment_tags=()
        ):
            note(name, line, message)
    return found


#: A counted text in the code: ``tr_count("KEY", ...)`` or ``tn("KEY", ...)`` (string literal key).
_PLURAL_CALL = re.compile(r"\b(?:tr_count|tn)\(\s*[\"']([A-Za-z0-9_.]+)[\"']")
#: Plural categories the catalogs hold for a counted text.
PLURAL_FORMS = ("one", "other")


def plural_keys_used() -> dict[str, list[str]]:
    """Return the keys of counted texts used in the code -> ``file:line`` places."""
    found: dict[str, list[str]] = {}
    files = [f for folder in SOURCE_DIRS for f in sorted((ROOT / folder).rglob("*.py"))]
    files += [ROOT / name for name in SOURCE_FILES]
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for key in _PLURAL_CALL.findall(line):
                found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{number}")
    return found


def read(lang: str):  # noqa: ANN201
    """Read the checkout's catalog of ``lang``."""
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang, domain="messages")


def write(catalog, lang: str) -> None:  # noqa: ANN001
    """Write ``catalog`` as the checkout's catalog of ``lang``, sorted by key, no locations."""
    from babel.messages.pofile import write_po

    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    for message in catalog:
        message.locations = []
    with path.open("wb") as f:
        write_po(f, catalog, width=100, sort_output=True, no_location=True, omit_header=False)


def new_catalog(lang: str):  # noqa: ANN201
    """Return an empty catalog of ``lang`` with the project's header."""
    from babel.messages.catalog import Catalog

    return Catalog(
        locale=lang,
        domain="messages",
        project="mali-access",
        version="0.1.0",
        copyright_holder="Mali access mapper contributors",
        msgid_bugs_address="",
        language_team=f"{lang} <{lang}@li.org>",
        fuzzy=False,
    )


def check() -> list[str]:
    """Return one line per problem: key used but missing/empty in a catalog, fuzzy, fields differing.

    French entries are also held to the French spacing (:func:`french_spacing_problems`).
    """
    import string

    problems = []
    used = used_keys()
    cats = {lang: read(lang) for lang in LANGS}
    used.update(
        {f"{key}.{form}": places for key, places in plural_keys_used().items() for form in PLURAL_FORMS}
    )
    for key, places in sorted(used.items()):
        for lang, cat in cats.items():
            m = cat.get(key)
            if m is None or not m.string:
                problems.append(f"{places[0]}: key {key!r} has no {lang} translation")
    for lang, cat in cats.items():
        for m in cat:
            if m.id and m.fuzzy:
                problems.append(f"{po_path(lang).relative_to(ROOT)}: {m.id!r} is fuzzy")
    fr, en = cats["fr"], cats["en"]
    ids_fr = {m.id for m in fr if m.id}
    ids_en = {m.id for m in en if m.id}
    for key in sorted(ids_fr ^ ids_en):
        problems.append(f"key {key!r} is in only one catalog")

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    for key in sorted(ids_fr & ids_en):
        a, b = fr.get(key).string, en.get(key).string
        if a and b and fields(a) != fields(b):
            problems.append(f"key {key!r}: fields differ (fr {sorted(fields(a))}, en {sorted(fields(b))})")
    return problems + french_spacing_problems(fr)


def update() -> None:
    """Add every key used in the code to both catalogs (empty translation), keep the rest."""
    used = used_keys()
    used.update(
        {f"{key}.{form}": places for key, places in plural_keys_used().items() for form in PLURAL_FORMS}
    )
    for lang in LANGS:
        cat = read(lang) if po_path(lang).exists() else new_catalog(lang)
        for key in used:
            if cat.get(key) is None:
                cat.add(key, "")
        write(cat, lang)
        unused = [
            m.id
            for m in cat
            if m.id and m.id not in used and not any(m.id.startswith(p) for p in DYNAMIC_PREFIXES)
        ]
        if unused:
            print(f"{lang}: {len(unused)} entries no literal uses: {', '.join(sorted(unused)[:20])}")


def add(entries: dict[str, dict[str, str]]) -> None:
    """Write ``{key: {"fr": text, "en": text}}`` into both catalogs (replacing entries of the same key).

    The French text gets U+202F before ``; : ! ? »`` and after ``«`` (:func:`french_spacing`).
    """
    for lang in LANGS:
        cat = read(lang) if po_path(lang).exists() else new_catalog(lang)
        for key, texts in entries.items():
            if cat.get(key) is not None:
                del cat[key]
            cat.add(key, french_spacing(texts[lang]) if lang == "fr" else texts[lang])
        write(cat, lang)


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module notes)."""
    p = argparse.ArgumentParser(prog="scripts/i18n.py", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser(
        "check",
        help="report keys missing from a catalog, empty or fuzzy entries, differing fields, "
        "and French entries with a plain space before ; : ! ? » or after «",
    )
    sub.add_parser("update", help="add the keys used in the code to both catalogs")
    p_add = sub.add_parser("add", help="write one entry in both catalogs")
    p_add.add_argument("key")
    p_add.add_argument(
        "--fr",
        required=True,
        help="French text; plain spaces before ; : ! ? » and after « are written as U+202F "
        "(narrow no-break space)",
    )
    p_add.add_argument("--en", required=True)
    args = p.parse_args(argv)
    if args.cmd == "check":
        problems = check()
        print("\n".join(problems) or "catalogs complete")
        return 1 if problems else 0
    if args.cmd == "update":
        update()
        return 0
    add({args.key: {"fr": args.fr, "en": args.en}})
    return 0


if __name__ == "__main__":
    sys.exit(main())
