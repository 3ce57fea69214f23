"""Print maps an information officer signs off.

Incident choropleth, key figures, empty window, staleness marks, reference number and contact line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point, box

from geo.config import Settings
from geo.errors import InputError
from geo.model.incidents import data_end
from geo.products.i18n import format_date, tr
from geo.products.printmap import (
    COUNT_CLASSES,
    MapLayers,
    draw_map,
    incident_counts,
    map_reference,
    stale_constraints,
)

AS_OF = dt.date(2025, 11, 30)


def units() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"pcode": ["ML0401", "ML0501"], "name": ["Ségou", "Mopti"], "adm1_name": ["Ségou", "Mopti"]},
        geometry=[box(-7, 12.5, -4.5, 15.5), box(-4.5, 13.5, -1.5, 16)],
        crs="EPSG:4326",
    )


def incidents(rows: list[tuple[float, float, str]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"amrf": [r[2] for r in rows], "source": "curated", "event_type": "x"},
        geometry=[Point(r[0], r[1]) for r in rows],
        crs="EPSG:4326",
    )


def page_text(fig) -> str:  # noqa: ANN001
    texts = [t.get_text() for t in fig.texts]
    for ax in fig.axes:
        texts += [t.get_text() for t in ax.texts]
    # wrapped texts (legend rows, key figures) read as one line: a line break and the
    # indent that follows it count as one space
    return re.sub(r" *\n *", " ", "\n".join(texts))


def test_counts_per_unit_and_category_come_from_the_points() -> None:
    rows = [
        (-6.0, 13.0, "hostilities"),
        (-5.0, 14.0, "hostilities"),
        (-6.5, 15.0, "movement_within"),
        (-3.0, 15.0, "not_access"),  # never counted as access
        (-3.0, 14.0, "population_access"),
        (-4.5, 14.0, "hostilities"),  # on the shared border: counted once, in the first unit
        (10.0, 10.0, "hostilities"),  # outside every unit
    ]
    c = incident_counts(incidents(rows), units())
    assert list(c["pcode"]) == ["ML0401", "ML0501"]
    assert list(c["amrf_hostilities"]) == [3, 0]
    assert list(c["amrf_movement_within"]) == [1, 0]
    assert list(c["amrf_population_access"]) == [0, 1]
    assert list(c["count"]) == [4, 1]
    only = incident_counts(incidents(rows), units(), category="population_access")
    assert list(only["count"]) == [0, 1]
    with pytest.raises(ValueError, match="unknown AMRF category"):
        incident_counts(incidents(rows), units(), category="<b>bogus</b>")
    assert list(incident_counts(None, units())["count"]) == [0, 0]


def test_counts_classify_incidents_without_an_amrf_column() -> None:
    pts = gpd.GeoDataFrame(
        {"source": ["ucdp", "curated"], "event_type": ["One-sided violence", "blockade_lifted"]},
        geometry=[Point(-6, 13), Point(-6, 13.5)],
        crs="EPSG:4326",
    )
    c = incident_counts(pts, units())
    assert list(c["count"]) == [1, 0] and list(c["amrf_hostilities"]) == [1, 0]
    assert "amrf_not_access" not in c  # not an access constraint: never counted


def base_layers(**kw: object) -> MapLayers:
    admin = units()
    status = pd.DataFrame(
        {
            "status": ["closed", "constrained", "open"],
            "valid_from": [dt.date(2025, 1, 1), AS_OF, dt.date(2020, 1, 1)],
        },
        index=pd.Index(["A", "B", "C"], name="axis_id"),
    )
    axes = gpd.GeoDataFrame(
        {"schematic": [False] * 3},
        geometry=[
            LineString([(-6, 13), (-4, 14.5)]),
            LineString([(-4, 14.5), (-2, 15)]),
            LineString([(-6, 14), (-5, 15)]),
        ],
        crs="EPSG:4326",
        index=pd.Index(["A", "B", "C"], name="axis_id"),
    )
    enc = gpd.GeoDataFrame(
        {
            "locality": ["Farabougou", "Léré"],
            "since": [dt.date(2020, 10, 6), dt.date(2025, 10, 27)],
            "last_confirmed": [dt.date(2025, 6, 30), None],
            "radius_km": [5.0, 5.0],
            "public": [True, True],
        },
        geometry=[Point(-6.14, 14.89), Point(-4.91, 15.71)],
        crs="EPSG:4326",
    )
    layers = MapLayers(
        admin1=admin, admin2=admin, axes=axes, axis_status=status, encircled=enc, stale_days=90
    )
    return dataclasses.replace(layers, **kw)


def test_stale_constraints_by_last_confirmation() -> None:
    lay = base_layers()
    axes, enc = stale_constraints(lay.axis_status, lay.encircled, AS_OF, 90)
    assert axes == ["A"]  # closed since Jan 2025; B is recent, C is open
    assert enc == [0]  # Farabougou last confirmed 30 Jun 2025 (153 days); Léré since 27 Oct
    assert stale_constraints(lay.axis_status, lay.encircled, AS_OF, 400) == ([], [])
    assert stale_constraints(lay.axis_status, lay.encircled, AS_OF, 0) == (["A"], [0, 1])


def test_empty_window_says_so_in_both_languages() -> None:
    lay = base_layers(incidents=incidents([]), incident_window=(dt.date(2025, 11, 1), AS_OF))
    fr = page_text(draw_map(lay, as_of=AS_OF, lang="fr"))
    en = page_text(draw_map(dataclasses.replace(lay), as_of=AS_OF, lang="en"))
    assert "Aucun incident enregistré dans la période (1er novembre 2025 – 30 novembre 2025)" in fr
    assert "No incident recorded in the window (1 November 2025 – 30 November 2025)" in en


def test_window_after_the_incident_data_is_a_data_gap() -> None:
    # the incident files stop on 15 Oct 2025 (their last incident), the window is November
    last = dt.date(2025, 10, 15)
    rows = [(-6.0, 13.0, "hostilities")]
    window = (dt.date(2025, 11, 1), AS_OF)
    lay = base_layers(incidents=incidents(rows).iloc[:0], incident_window=window, incident_data_end=last)
    fr = page_text(draw_map(lay, as_of=AS_OF, lang="fr"))
    en = page_text(draw_map(dataclasses.replace(lay), as_of=AS_OF, lang="en"))
    day_fr, day_en = format_date(last, "fr"), format_date(last, "en")
    assert (
        f"Dernier incident dans les données\u202f: {day_fr}\u202f; les incidents postérieurs manquent" in fr
    )
    assert "Aucun incident" not in fr
    assert f"Last incident in the data: {day_en}; later incidents are missing" in en
    assert "No incident recorded" not in en
    # the data stop inside the window: none recorded up to that day, nothing known after it
    lay = dataclasses.replace(lay, incident_window=(dt.date(2025, 10, 1), AS_OF))
    fr = page_text(draw_map(lay, as_of=AS_OF, lang="fr"))
    first = format_date(dt.date(2025, 10, 1), "fr")
    assert (
        f"Aucun incident enregistré du {first} au {day_fr}\u202f; dernier jour des données\u202f: {day_fr}, "
        "les incidents postérieurs manquent" in fr
    )
    # incidents in the window, data stopping inside it: the count says up to when
    lay = dataclasses.replace(lay, incidents=incidents(rows))
    fr = page_text(draw_map(lay, as_of=AS_OF, lang="fr"))
    assert (
        f"1 incident dans la période\u202f; dernier incident dans les données\u202f: {day_fr}, "
        "les incidents postérieurs manquent" in fr
    )
    # the date the maps are given is the last incident of the data
    dated = incidents(rows * 3).assign(date=pd.to_datetime(["2025-06-01", str(last), "2025-01-01"]))
    assert data_end(dated) == last and data_end(dated.iloc[:0]) is None
    # data running past the window: the old wording
    lay = base_layers(incidents=incidents([]), incident_window=window, incident_data_end=AS_OF)
    assert "Aucun incident enregistré dans la période" in page_text(draw_map(lay, as_of=AS_OF, lang="fr"))


def test_choropleth_key_and_key_figures_follow_the_inputs() -> None:
    rows = [(-6.0, 13.0, "hostilities")] * 4 + [(-3.0, 14.0, "population_access")]
    lay = base_layers(incidents=incidents(rows), incident_window=(dt.date(2024, 12, 1), AS_OF))
    fig = draw_map(lay, as_of=AS_OF, lang="fr")
    text = page_text(fig)
    assert f"{len(rows)} incidents dans la période" in text
    n_enc = len(lay.encircled)
    assert f"{n_enc} localités encerclées en vigueur" in text
    status = lay.axis_status["status"]
    n_closed, n_constrained = int((status == "closed").sum()), int((status == "constrained").sum())
    assert (n_closed, n_constrained) == (1, 1)
    assert f"Axes\u202f: {n_closed} fermé, {n_constrained} sous contrainte" in text  # one: singular
    n_stale = sum(map(len, stale_constraints(lay.axis_status, lay.encircled, AS_OF, lay.stale_days)))
    assert f"{n_stale} contraintes non confirmées depuis plus de {lay.stale_days} jours" in text
    assert f"Non confirmé depuis plus de {lay.stale_days} jours" in text
    for lo, hi, _ in COUNT_CLASSES:
        assert (f"{lo}–{hi}" if hi else f"≥ {lo}") in text
    # the units are filled with the colour of their class: 4 -> 3-5, 1 -> 1-2
    from matplotlib.colors import to_rgb

    fills = {
        tuple(round(v, 3) for v in patch.get_facecolor()[:3])
        for ax in fig.axes
        for patch in ax.patches
        if patch.get_zorder() == 2.4
    }
    assert fills == {tuple(round(v, 3) for v in to_rgb(COUNT_CLASSES[i][2])) for i in (0, 1)}


def _hubs(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"hub_id": [f"h{i}" for i in range(n)], "name": [f"Hub {i}" for i in range(n)]},
        geometry=[Point(-5.0 + i, 14.0) for i in range(n)],
        crs="EPSG:4326",
    )


@pytest.mark.parametrize("many", [False, True])
def test_key_figures_agree_with_their_counts(many: bool) -> None:
    # one of each (French singular: "1 fermé"), or several (plural: "2 fermés") in both languages
    lay = base_layers(stale_days=1, hubs=_hubs(2 if many else 1))
    if many:
        lay = dataclasses.replace(
            lay, axis_status=lay.axis_status.assign(status=["closed", "closed", "open"])
        )
    else:
        lay = dataclasses.replace(lay, encircled=lay.encircled.iloc[:1])
    status = lay.axis_status["status"]
    closed, constrained = int((status == "closed").sum()), int((status == "constrained").sum())
    n_enc, n_hubs = len(lay.encircled), len(lay.hubs)
    n_stale = sum(map(len, stale_constraints(lay.axis_status, lay.encircled, AS_OF, lay.stale_days)))
    assert (closed, n_enc, n_hubs) == ((2, 2, 2) if many else (1, 1, 1)) and lay.stale_days == 1
    assert n_stale >= 2

    def s(n: int, word: str, plural: str = "s") -> str:
        return f"{n} {word}{plural if n > 1 else ''}"  # French: 0 and 1 are singular

    fr = page_text(draw_map(lay, as_of=AS_OF, lang="fr"))
    assert f"Axes\u202f: {s(closed, 'fermé')}, {constrained} sous contrainte" in fr
    assert f"{s(n_enc, 'localité')} {'encerclées' if n_enc > 1 else 'encerclée'} en vigueur" in fr
    assert f"{s(n_hubs, 'hub')} du GTAH" in fr
    assert f"{n_stale} contraintes non confirmées depuis plus de {s(lay.stale_days, 'jour')}" in fr
    assert f"Non confirmé depuis plus de {s(lay.stale_days, 'jour')}" in fr
    assert "1 fermés" not in fr and "1 localités" not in fr and "1 jours" not in fr

    en = page_text(draw_map(dataclasses.replace(lay), as_of=AS_OF, lang="en"))
    assert f"Axes: {closed} closed, {constrained} constrained" in en
    locality = "localities" if n_enc > 1 else "locality"
    assert f"{n_enc} encircled {locality} in force" in en
    assert f"{s(n_hubs, 'HAWG hub')}" in en and "1 HAWG hubs" not in en
    assert f"{n_stale} constraints not confirmed for more than 1 day" in en
    assert "Not confirmed for more than 1 day" in en and "1 days" not in en


def test_public_page_has_no_incident_counts() -> None:
    rows = [(-6.0, 13.0, "hostilities")]
    lay = base_layers(incidents=incidents(rows), incident_window=(dt.date(2024, 12, 1), AS_OF))
    text = page_text(draw_map(lay, as_of=AS_OF, lang="en", public=True))
    assert "Incidents per cercle" not in text and "incidents in the window" not in text


def test_reference_and_contact_lines() -> None:
    hostile = "$\\frac{1}{2}$ <b>ops@example.org</b>"
    lay = base_layers(contact=hostile)
    text = page_text(draw_map(lay, as_of=AS_OF, lang="en"))
    assert "Map reference: MLI-HAWG-20251130-NAT-EN" in text
    assert "ops@example.org" in text and "\\$" in text  # mathtext escaped, text kept
    assert "Contact: " in text and "Contact : " not in text
    fr = page_text(draw_map(base_layers(contact="gtah-mopti@example.org"), as_of=AS_OF, lang="fr"))
    assert "Contact\u202f: gtah-mopti@example.org" in fr and "Référence de la carte" in fr
    # no contact set: the reference only; an HCT reader never sees a setting's name
    for lang in ("fr", "en"):
        missing = page_text(draw_map(base_layers(), as_of=AS_OF, lang=lang))
        assert "MLI-HAWG-20251130-NAT-" + lang.upper() in missing
        assert "Contact" not in missing and "MALI_ACCESS" not in missing and "--contact" not in missing
    assert map_reference(AS_OF, show="bands", focus_hub="gao", lang="fr", public=True) == (
        "MLI-HAWG-20251130-GAO-FR-P"
    )


def test_stale_days_and_contact_settings(tmp_path) -> None:
    env = {"MALI_ACCESS_STALE_DAYS": "30", "MALI_ACCESS_CONTACT": " hawg@example.org "}
    s = Settings.resolve(environ=env, checkout=tmp_path)
    assert (s.stale_days, s.contact) == (30, "hawg@example.org")
    assert Settings.resolve(stale_days=7, environ=env, checkout=tmp_path).stale_days == 7
    assert Settings.resolve(environ={}, checkout=tmp_path).stale_days == 90
    for bad in ("-1", "ninety", "1.5"):
        with pytest.raises(InputError, match="MALI_ACCESS_STALE_DAYS"):
            Settings.resolve(environ={"MALI_ACCESS_STALE_DAYS": bad}, checkout=tmp_path)


def test_severity_map_classes_and_stale_incident_note() -> None:
    table = units().assign(
        score=[1, 4],
        data_sparse=[
            "violence incidents counted over 2020-06-21..2021-06-20, the last 365 days the files cover",
            "no HAWG axis in the unit",
        ],
    )
    lay = base_layers(zones=table)
    fig = draw_map(lay, as_of=AS_OF, lang="fr", show="severity")
    text = page_text(fig)
    assert "Mali\u202f: sévérité des contraintes d'accès" in text
    assert "1 contraintes faibles" in text and "4 contraintes très élevées" in text
    assert "comptés du 21 juin 2020 au 20 juin 2021" in text
    assert "Référence de la carte\u202f: MLI-HAWG-20251130-SEV-FR" in text
    from matplotlib.colors import to_rgb

    from geo.products.cartography import SEVERITY_COLOUR

    fills = {
        tuple(round(v, 3) for v in p.get_facecolor()[:3])
        for ax in fig.axes
        for p in ax.patches
        if p.get_zorder() == 2
    }
    assert {tuple(round(v, 3) for v in to_rgb(SEVERITY_COLOUR[k])) for k in (1, 4)} <= fills
    clean = page_text(
        draw_map(base_layers(zones=table.assign(data_sparse="")), as_of=AS_OF, lang="en", show="severity")
    )
    assert "last year the incident files cover" not in clean


def test_public_page_counts_and_marks_only_public_episodes() -> None:
    lay = base_layers()
    enc = lay.encircled.assign(public=[False, True])  # the stale one (Farabougou) is restricted
    text = page_text(draw_map(dataclasses.replace(lay, encircled=enc), as_of=AS_OF, lang="en", public=True))
    n_public = int(enc["public"].sum())
    assert n_public == 1 and f"{n_public} encircled locality in force" in text  # one: singular
    assert "1 constraint not confirmed for more than 90 days" in text  # the axis only
    restricted = page_text(draw_map(dataclasses.replace(lay, encircled=enc), as_of=AS_OF, lang="en"))
    assert "2 constraints not confirmed for more than 90 days" in restricted


def test_incident_gap_reads_alike_on_print_maps_and_snapshots() -> None:
    # a planner's print and a donor's snapshot date the gap the same way: the last incident
    # of the data shown, then that later incidents are missing (print) or sparse (snapshot)
    day = dt.date(2020, 12, 29)
    for lang, head, missing, sparse in (
        ("fr", "Dernier incident dans les données", "les incidents postérieurs manquent", "lacunaires"),
        ("en", "Last incident in the", "later incidents are missing", "later incidents are sparse"),
    ):
        date = format_date(day, lang)
        print_text = tr("no_incident_data_after", lang, date=date)
        snap_text = tr("snapmap.sparse", lang, date=date)
        assert print_text.startswith(head) and snap_text.startswith(head), lang
        assert date in print_text and date in snap_text
        assert missing in print_text and sparse in snap_text


@pytest.mark.parametrize("rows", [6, 30])
def test_legend_headings_clear_their_first_row(rows: int) -> None:
    # a heading keeps its size while the rows shrink to fit: its text must end above the
    # symbol and label of the row under it, however many rows the panel holds
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from geo.products.printmap import _legend

    fig = Figure(figsize=(3.0, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    entries = [("head", {}, "Atteignable par la route depuis le hub")]
    entries += [("fill", {"color": "#88c"}, f"en moins de {k} h") for k in range(rows)]
    entries += [("gap", {}, ""), ("head", {}, "Autres éléments"), ("line", {"color": "k"}, "Limite")]
    _legend(ax, entries, 1.0)
    renderer = fig.canvas.get_renderer()
    texts = ax.texts
    for i, t in enumerate(texts[:-1]):
        if t.get_fontweight() != "bold":
            continue
        below = texts[i + 1]
        head_box, row_box = t.get_window_extent(renderer), below.get_window_extent(renderer)
        patch_tops = [p.get_window_extent(renderer).y1 for p in ax.patches]
        first_row_top = max([row_box.y1] + [y for y in patch_tops if y < head_box.y0 + 1])
        assert head_box.y0 > first_row_top, (t.get_text(), head_box.y0, first_row_top)
    assert min(t.get_window_extent(renderer).y0 for t in texts) >= ax.get_window_extent(renderer).y0  # all in


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_incident_box_texts_stay_inside_the_box(lang: str) -> None:
    """The data-gap sentence (a year's window after the data stop) wraps inside the incident box.

    The mapped area is taller than wide (a region, as a hub's page maps it): the map frame, and
    the box with it, is narrower on the page than for the whole country.
    """
    from matplotlib.patches import Rectangle

    last, window = dt.date(2025, 10, 27), (dt.date(2025, 12, 4), dt.date(2026, 12, 3))
    tall = gpd.GeoDataFrame(
        {"pcode": ["ML05"], "name": ["Mopti"], "adm1_name": ["Mopti"]},
        geometry=[box(-4.0, 13.0, -1.0, 17.0)],
        crs="EPSG:4326",
    )
    lay = base_layers(
        admin1=tall, admin2=tall, incidents=incidents([]), incident_window=window, incident_data_end=last
    )
    fig = draw_map(lay, as_of=window[1], lang=lang)
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    day, start, end = (format_date(d, lang) for d in (last, *window))
    gap = tr("no_incident_data_window", lang, date=day, start=start, end=end)
    boxes = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_edgecolor()[:3] == (0x77 / 255,) * 3]
    assert len(boxes) == 1  # the incident box, drawn in grey
    frame = boxes[0].get_window_extent(renderer)
    # the texts anchored in the box (their anchor point, in display units)
    inside = [t for t in ax.texts if frame.contains(*t.get_transform().transform(t.get_position()))]
    said = [" ".join(t.get_text().split()) for t in inside]
    assert " ".join(gap.split()) in said  # the data-gap sentence, whole, is one of the box's texts
    assert len(inside) >= 3  # title, category, sentence
    for t in inside:
        e = t.get_window_extent(renderer)
        assert frame.x0 <= e.x0 and e.x1 <= frame.x1, (t.get_text(), e, frame)
        assert frame.y0 <= e.y0 and e.y1 <= frame.y1, (t.get_text(), e, frame)
