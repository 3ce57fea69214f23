r"""Printable register of common positions (PDF, French or English), drawn with matplotlib.

A4 portrait text pages: a title block (date, scope of the edition: internal or public),
then the positions grouped by topic and, inside a topic, by status in workflow order
(endorsed first). Each entry gives the position's id, scope, status with the date and
meeting of its latest step and of its HCT endorsement, and its text in the page's
language (the other language's text follows in grey, so a bilingual meeting can use one
print). Text is set with math parsing off, so user text (``$``, ``_``, ``\\``) prints as
typed. Every page carries the edition mark, the production date and "page i / n".

The words of the page are in :data:`WORDS` (French and English); topic, status and
scope labels come from the one vocabulary (:mod:`geo.vocab`, through :mod:`geo.store.positions`).
"""

from __future__ import annotations

import datetime as dt
import io
import textwrap
from pathlib import Path
from typing import Any

import pandas as pd

from geo.store.positions import STATUSES, TOPICS, scope_label, topic_label
from geo.vocab import POSITION_STATUS

#: A4 portrait, inches.
PAGE_IN = (8.27, 11.69)
#: Characters per line of position text (DejaVu Sans 8.5 pt on 170 mm).
WRAP = 105
LINE = 0.0125  # line height, fraction of the page height

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Registre des positions communes et lignes rouges",
        "sub": "Groupe de travail sur l'accès humanitaire (HAWG) - Mali",
        "internal": "Usage interne - contient des positions restreintes et non endossées",
        "public": "Version publique - positions endossées par l'EHP et publiques uniquement",
        "produced": "Produit le {date}",
        "count": "{n} positions",
        "page": "page {i} / {n}",
        "none": "Aucune position enregistrée.",
        "endorsed_on": "endossée par l'EHP le {date}",
        "last_step": "dernière étape : {action} le {date} ({meeting})",
        "restricted": "restreinte",
        "other_lang": "EN : ",
        **POSITION_STATUS.labels("fr"),  # status headings: the one vocabulary
        "add": "rédaction",
        "propose": "proposition",
        "endorse": "endossement",
        "revise": "révision",
        "retire": "retrait",
    },
    "en": {
        "title": "Register of common positions and red lines",
        "sub": "Humanitarian Access Working Group (HAWG) - Mali",
        "internal": "Internal use - includes restricted and non-endorsed positions",
        "public": "Public edition - HCT-endorsed public positions only",
        "produced": "Produced on {date}",
        "count": "{n} positions",
        "page": "page {i} / {n}",
        "none": "No position recorded.",
        "endorsed_on": "endorsed by the HCT on {date}",
        "last_step": "latest step: {action} on {date} ({meeting})",
        "restricted": "restricted",
        "other_lang": "FR: ",
        **POSITION_STATUS.labels("en"),  # status headings: the one vocabulary
        "add": "drafting",
        "propose": "proposal",
        "endorse": "endorsement",
        "revise": "revision",
        "retire": "retirement",
    },
}
#: Order of the status groups inside a topic.
STATUS_ORDER = ("endorsed", "revised", "proposed", "draft", "retired")
_ACTION_OF = {
    "draft": "add",
    "proposed": "propose",
    "endorsed": "endorse",
    "revised": "revise",
    "retired": "retire",
}


def _lines(register: pd.DataFrame, lang: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Layout as (kind, text, style) lines: topic headings, status headings, entries."""
    w = WORDS[lang]
    other = "text_en" if lang == "fr" else "text_fr"
    out: list[tuple[str, str, dict[str, Any]]] = []
    topics = [t for t in TOPICS if t in set(register["topic"])]
    for topic in topics:
        in_topic = register[register["topic"] == topic]
        out.append(("topic", topic_label(topic, lang), {"size": 12.5, "weight": "bold", "color": "#1f3b5a"}))
        for status in [s for s in STATUS_ORDER if s in set(in_topic["status"])]:
            out.append(("status", w[status], {"size": 10, "weight": "bold", "color": "#444444"}))
            for _, r in in_topic[in_topic["status"] == status].sort_values("id").iterrows():
                head = f"#{r['id']}  {scope_label(str(r['scope']), lang)}"
                if r["visibility"] == "restricted":
                    head += f"  [{w['restricted']}]"
                out.append(("head", head, {"size": 9, "weight": "bold"}))
                meta = w["last_step"].format(
                    action=w[_ACTION_OF.get(status, "add")],
                    date=r["meeting_date"],
                    meeting=r["meeting_ref"] or "-",
                )
                if r.get("endorsed"):
                    meta = w["endorsed_on"].format(date=r["endorsed"]) + " · " + meta
                out.append(("meta", meta, {"size": 7.5, "color": "#555555", "style": "italic"}))
                for para in str(r[f"text_{lang}"]).split("\n"):
                    for ln in textwrap.wrap(para, WRAP) or [""]:
                        out.append(("text", ln, {"size": 8.5}))
                for i, para in enumerate(str(r[other]).split("\n")):
                    for j, ln in enumerate(textwrap.wrap(para, WRAP + 8) or [""]):
                        prefix = w["other_lang"] if i == 0 and j == 0 else ""
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
    if lang not in WORDS:
        msg = f"unknown language {lang!r}; expected fr or en"
        raise ValueError(msg)
    bad = set(register["status"]) - set(STATUSES)
    if bad:
        msg = f"unknown statuses {sorted(bad)}"
        raise ValueError(msg)
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    w = WORDS[lang]
    today = today or dt.date.today()
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
        PdfPages(buf, metadata={"Title": w["title"], "Creator": "Mali access mapper"}) as pdf,
    ):
        for i, page in enumerate(pages, start=1):
            fig = Figure(figsize=PAGE_IN)
            t = {"parse_math": False, "transform": fig.transFigure, "va": "top"}
            y = 0.93
            if i == 1:
                fig.text(0.08, 0.95, w["title"], size=16, weight="bold", **t)
                fig.text(0.08, 0.918, w["sub"], size=10, **t)
                edition = w["public"] if public else w["internal"]
                fig.text(0.08, 0.897, edition, size=9, color="#a00000" if not public else "#1f5a1f", **t)
                stamp = (
                    w["produced"].format(date=today.isoformat()) + " · " + w["count"].format(n=len(register))
                )
                fig.text(0.08, 0.877, stamp, size=8, color="#555555", **t)
                y = 0.83
                if not lines:
                    fig.text(0.08, y, w["none"], size=10, **t)
            for kind, text, style in page:
                x = {"topic": 0.08, "status": 0.09, "head": 0.1, "meta": 0.1}.get(kind, 0.11)
                if text:
                    fig.text(x, y, text, **style, **t)
                if kind == "topic":
                    fig.add_artist(
                        matplotlib.lines.Line2D([0.08, 0.92], [y - 0.019] * 2, color="#1f3b5a", lw=0.6)
                    )
                y -= _space(kind) * LINE
            foot = (w["public"] if public else w["internal"]) + "  ·  " + w["page"].format(i=i, n=len(pages))
            fig.text(0.5, 0.03, foot, ha="center", size=7, color="#555555", parse_math=False)
            pdf.savefig(fig)
    data = buf.getvalue()
    if out is not None:
        from geo.io import atomic_path

        with atomic_path(Path(out)) as tmp:
            tmp.write_bytes(data)
    return data


__all__ = ["STATUS_ORDER", "WORDS", "render_register"]
