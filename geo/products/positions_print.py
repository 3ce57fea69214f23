r"""Printable register of common positions (PDF, French or English), drawn with matplotlib.

A4 portrait text pages: a title block (date, scope of the edition: internal or public),
then the positions grouped by topic and, inside a topic, by status in workflow order
(endorsed first). Each entry gives the position's id, scope, status with the date and
meeting of its latest step and of its HCT endorsement, and its text in the page's
language (the other language's text follows in grey, so a bilingual meeting can use one
print). Text is set with math parsing off, so user text (``$``, ``_``, ``\\``) prints as
typed. Every page carries the edition mark, the production date and "page i / n".

The words of the page come from the catalogs (``pos.print.*``, French and English), dates
are written out with Babel; topic, status and scope labels come from the one vocabulary
(:mod:`geo.vocab`, through :mod:`geo.store.positions`).
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from geo.products.i18n import check_lang, format_date, tr, tr_count
from geo.store.positions import STATUSES, TOPICS, scope_label, topic_label
from geo.vocab import POSITION_STATUS

#: A4 portrait, inches.
PAGE_IN = (8.27, 11.69)
#: Characters per line of position text (DejaVu Sans 8.5 pt on 170 mm).
WRAP = 105
LINE = 0.0125  # line height, fraction of the page height

#: Order of the status groups inside a topic.
STATUS_ORDER = ("endorsed", "revised", "proposed", "draft", "retired")


def _actions(lang: str) -> dict[str, str]:
    """Return the name of the step that led to each status, in ``lang`` (catalog ``pos.print.act.*``)."""
    return {
        "draft": tr("pos.print.act.add", lang),
        "proposed": tr("pos.print.act.propose", lang),
        "endorsed": tr("pos.print.act.endorse", lang),
        "revised": tr("pos.print.act.revise", lang),
        "retired": tr("pos.print.act.retire", lang),
    }


def _date(value: object, lang: str) -> object:
    """Write a meeting or endorsement date out in ``lang`` (other text as recorded)."""
    if isinstance(value, dt.date):
        return format_date(value, lang)
    try:
        return format_date(dt.date.fromisoformat(str(value)), lang)
    except ValueError:
        return value


def _lines(register: pd.DataFrame, lang: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Layout as (kind, text, style) lines: topic headings, status headings, entries."""
    actions = _actions(lang)
    statuses = POSITION_STATUS.labels(lang)
    other = "text_en" if lang == "fr" else "text_fr"
    out: list[tuple[str, str, dict[str, Any]]] = []
    topics = [t for t in TOPICS if t in set(register["topic"])]
    for topic in topics:
        in_topic = register[register["topic"] == topic]
        out.append(("topic", topic_label(topic, lang), {"size": 12.5, "weight": "bold", "color": "#1f3b5a"}))
        for status in [s for s in STATUS_ORDER if s in set(in_topic["status"])]:
            out.append(("status", statuses[status], {"size": 10, "weight": "bold", "color": "#444444"}))
            for _, r in in_topic[in_topic["status"] == status].sort_values("id").iterrows():
                head = f"#{r['id']}  {scope_label(str(r['scope']), lang)}"
                if r["visibility"] == "restricted":
                    head += f"  [{tr('pos.print.restricted', lang)}]"
                out.append(("head", head, {"size": 9, "weight": "bold"}))
                meta = tr(
                    "pos.print.last_step",
                    lang,
                    action=actions.get(status, actions["draft"]),
                    date=_date(r["meeting_date"], lang),
                    meeting=r["meeting_ref"] or "-",
                )
                if r.get("endorsed"):
                    meta = tr("pos.print.endorsed_on", lang, date=_date(r["endorsed"], lang)) + " · " + meta
                out.append(("meta", meta, {"size": 7.5, "color": "#555555", "style": "italic"}))
                for para in str(r[f"text_{lang}"]).split("\n"):
                    for ln in textwrap.wrap(para, WRAP) or [""]:
                        out.append(("text", ln, {"size": 8.5}))
                for i, para in enumerate(str(r[other]).split("\n")):
                    for j, ln in enumerate(textwrap.wrap(para, WRAP + 8) or [""]):
                        prefix = tr("pos.print.other_lang", lang) if i == 0 and j == 0 else ""
                        out.append(("other", prefix + ln, {"size": 7.5, "color": "#777777"}))
                out.append(("gap", "", {}))
        out.append(("gap", "", {}))
    return out


def _space(kind: str) -> float:
    return {"topic": 2.0, "status": 1.6, "head": 1.3, "meta": 1.1, "text": 1.05, "other": 0.95, "gap": 0.6}[
        kind
    ]


def render_register(
    register: pd.DataFrame,
    *,
    lang: str = "fr",
    out: Path | None = None,
    public: bool = False,
    today: dt.date | None = None,
) -> bytes:
    """Draw the register as a multi-page PDF.

    Parameters
    ----------
    register
        :func:`geo.store.positions.current_positions` (or a subset: the caller chooses what
        is printed; with ``public=True`` pass :func:`geo.store.positions.public_positions`'s rows).
    lang
        ``fr`` or ``en``.
    out
        File to write (atomically); None only returns the bytes.
    public
        Mark the pages as the public edition (otherwise "internal use").
    today
        Production date printed (default: today).

    Returns
    -------
    bytes
        The PDF.

    Raises
    ------
    ValueError
        Unknown language, or a status outside :data:`geo.store.positions.STATUSES`.
    """
    check_lang(lang)
    bad = set(register["status"]) - set(STATUSES)
    if bad:
        msg = f"unknown statuses {sorted(bad)}"
        raise ValueError(msg)
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    today = today or dt.date.today()
    edition = tr("pos.print.public", lang) if public else tr("pos.print.internal", lang)
    title = tr("pos.print.title", lang)
    lines = _lines(register, lang)
    # paginate: first page starts lower (title block)
    pages: list[list[tuple[str, str, dict[str, Any]]]] = [[]]
    y = 0.83
    for kind, text, style in lines:
        need = _space(kind) * LINE
        if kind in ("topic", "status", "head"):  # keep a heading with at least two lines after it
            need += 2.2 * LINE
        if y - need < 0.07:
            pages.append([])
            y = 0.93
            if kind == "gap":
                continue
        pages[-1].append((kind, text, style))
        y -= _space(kind) * LINE
    buf = io.BytesIO()
    rc = {"pdf.fonttype": 42, "font.family": "DejaVu Sans"}
    with (
        matplotlib.rc_context(rc),
        PdfPages(
            buf, metadata={"Title": tr("pos.print.title", lang), "Creator": tr("product_name", lang)}
        ) as pdf,
    ):
        for i, page in enumerate(pages, start=1):
            fig = Figure(figsize=PAGE_IN)
            t = {"parse_math": False, "transform": fig.transFigure, "va": "top"}
            y = 0.93
            if i == 1:
                fig.text(0.08, 0.95, title, size=16, weight="bold", **t)
                fig.text(0.08, 0.918, tr("pos.print.sub", lang), size=10, **t)
                fig.text(0.08, 0.897, edition, size=9, color="#a00000" if not public else "#1f5a1f", **t)
                stamp = (
                    tr("pos.print.produced", lang, date=format_date(today, lang))
                    + " · "
                    + tr_count("pos.print.count", len(register), lang)
                )
                fig.text(0.08, 0.877, stamp, size=8, color="#555555", **t)
                y = 0.83
                if not lines:
                    fig.text(0.08, y, tr("pos.print.none", lang), size=10, **t)
            for kind, text, style in page:
                x = {"topic": 0.08, "status": 0.09, "head": 0.1, "meta": 0.1}.get(kind, 0.11)
                if text:
                    fig.text(x, y, text, **style, **t)
                if kind == "topic":
                    fig.add_artist(
                        matplotlib.lines.Line2D([0.08, 0.92], [y - 0.019] * 2, color="#1f3b5a", lw=0.6)
                    )
                y -= _space(kind) * LINE
            foot = edition + "  ·  " + tr("pos.print.page", lang, i=i, n=len(pages))
            fig.text(0.5, 0.03, foot, ha="center", size=7, color="#555555", parse_math=False)
            pdf.savefig(fig)
    data = buf.getvalue()
    if out is not None:
        from geo.io import atomic_path

        with atomic_path(Path(out)) as tmp:
            tmp.write_bytes(data)
    return data


__all__ = ["STATUS_ORDER", "render_register"]
