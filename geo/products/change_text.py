"""A reach difference in words: one sentence per changed hub and band, in French or English.

The wording of :func:`geo.model.scenario.run_change` and :func:`~geo.model.scenario.run_scenario`
results for the Constraints page ("what this change did") and the benches; figures written with
Babel for the language (``40 311`` / ``40,311``), locality counts by CLDR plural rules.
"""

from __future__ import annotations

from typing import Any

from geo.products.i18n import format_hours, format_number, tr, tr_count


def band_change_lines(result: Any, lang: str, *, max_names: int = 8, min_km2: float = 0.5) -> list[str]:
    """One sentence per changed (hub, band) of a reach difference, in ``lang``.

    Parameters
    ----------
    result
        :class:`geo.model.scenario.ScenarioResult` (``changes``, ``localities``, and the
        reaches ``before``/``after``, either may be None).
    lang
        ``{"fr", "en"}``.
    max_names
        Locality names listed per sentence; the others are counted ("and 7 more").
    min_km2
        Bands whose area lost and gained are both below this (km²) and that lose or gain
        no locality are left out.

    Returns
    -------
    list of str
        Plain text (escape it where it is shown), e.g. ``"Mopti (Sévaré), 8 h: 40,311 →
        35,020 km² (−5,291 km², −81,204 people); 12 localities lost (...)"``; empty when
        nothing changed. The areas before and after are the band polygons clipped to Mali
        (``area_km2`` of the reach bands, as the pages and ``python -m geo reach`` show them),
        falling back to the cell counts of ``changes``; the area lost or gained counts whole
        grid cells.
    """

    def num(value: float) -> str:
        return format_number(value, lang)

    def signed(value: float) -> str:
        return ("+" if value >= 0 else "\u2212") + num(abs(value))

    def names(items: list[str]) -> str:
        more = len(items) - max_names
        head = ", ".join(items[:max_names])
        return head + (" " + tr_count("changes.and_more", more, lang) if more > 0 else "")

    def areas(reach: Any) -> dict:
        if reach is None:
            return {}
        b = reach.bands
        return dict(zip(zip(b["hub_id"], b["hours"].astype(float), strict=True), b["area_km2"], strict=True))

    before, after = areas(result.before), areas(result.after)
    loc = result.localities
    lines = []
    for r in result.changes.itertuples():
        if max(r.km2_lost, r.km2_gained) < min_km2 and not (r.localities_lost or r.localities_gained):
            continue
        key = (r.hub_id, float(r.hours))
        text = tr(
            "changes.band_line",
            lang,
            hub=r.hub,
            h=format_hours(r.hours, lang),
            before=num(before.get(key, r.area_before_km2)),
            after=num(after.get(key, r.area_after_km2)),
            km2=signed(r.km2_gained - r.km2_lost),
            people=signed(r.population_gained - r.population_lost),
        )
        here = loc[(loc["hub_id"] == r.hub_id) & (loc["hours"] == r.hours)] if len(loc) else loc
        for change in ("lost", "gained"):
            listed = [str(n) for n in here.loc[here["change"] == change, "locality"]] if len(here) else []
            if listed:
                text += tr("common.sep_semicolon", lang) + tr_count(
                    f"changes.localities_{change}", len(listed), lang, names=names(listed)
                )
        lines.append(text)
    return lines
