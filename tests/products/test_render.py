"""Print maps: page count, text (title, as-of date, legend), PNG size, languages, public mode."""

from __future__ import annotations

import datetime as dt
import io
import re

import geopandas as gpd
import pytest
from pypdf import PdfReader
from shapely import LineString, Point, box

from geo.products.printmap import PAPER_MM, MapLayers, render_map, render_pack

AS_OF = dt.date(2025, 11, 30)


@pytest.fixture
def layers() -> MapLayers:
    admin1 = gpd.GeoDataFrame(
        {"name": ["Ségou", "Mopti"]},
        geometry=[box(-7, 12.5, -4.5, 15.5), box(-4.5, 13.5, -1.5, 16)],
        crs="EPSG:4326",
    )
    bands = gpd.GeoDataFrame(
        {
            "hub_id": ["SEG", "SEG", "MOP", "MOP"],
            "hub": ["Ségou", "Ségou", "Mopti", "Mopti"],
            "hours": [4.0, 8.0, 4.0, 8.0],
            "hub_status": ["ok"] * 4,
        },
        geometry=[
            Point(-6.26, 13.44).buffer(0.8),
            Point(-6.26, 13.44).buffer(1.5),
            Point(-4.18, 14.48).buffer(0.7),
            Point(-4.18, 14.48).buffer(1.3),
        ],
        crs="EPSG:4326",
    )
    axes = gpd.GeoDataFrame(
        {"axis_name": ["Ségou - Mopti"], "schematic": [False]},
        geometry=[LineString([(-6.26, 13.44), (-4.18, 14.48)])],
        crs="EPSG:4326",
        index=pd_index(["SEG-MOP"]),
    )
    import pandas as pd

    status = pd.DataFrame({"status": ["closed"]}, index=pd.Index(["SEG-MOP"], name="axis_id"))
    hubs = gpd.GeoDataFrame(
        {"hub_id": ["SEG", "MOP"], "name": ["Ségou", "Mopti (Sévaré)"]},
        geometry=[Point(-6.26, 13.44), Point(-4.18, 14.48)],
        crs="EPSG:4326",
    )
    enc = gpd.GeoDataFrame(
        {
            "locality": ["Farabougou", "Secret <village>"],
            "radius_km": [5.0, None],
            "public": [True, False],
            "armed_group": ["Katiba X", "Katiba Y"],
        },
        geometry=[Point(-6.14, 14.89), Point(-5.0, 14.0)],
        crs="EPSG:4326",
    )
    incidents = gpd.GeoDataFrame({"event_type": ["attack"]}, geometry=[Point(-5.5, 14.2)], crs="EPSG:4326")
    return MapLayers(
        admin1=admin1,
        bands=bands,
        axes=axes,
        axis_status=status,
        hubs=hubs,
        encircled=enc,
        incidents=incidents,
    )


def pd_index(values):  # noqa: ANN001, ANN201
    import pandas as pd

    return pd.Index(values, name="axis_id")


def _text(pdf: bytes) -> list[str]:
    # legend labels and key figures wrap to their column: lines joined by a space
    return [re.sub(r"[ \n]+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]


def test_pack_has_one_page_per_hub_with_title_date_and_legend(layers: MapLayers) -> None:
    pdf = render_pack(layers, hub_ids=["SEG", "MOP"], as_of=AS_OF, lang="fr", produced=dt.date(2025, 12, 1))
    pages = _text(pdf)
    assert len(pages) == 2
    assert "Mali\u202f: accès humanitaire depuis Ségou" in pages[0]
    assert "Mali\u202f: accès humanitaire depuis Mopti (Sévaré)" in pages[1]
    for text in pages:
        assert "Situation au 30 novembre 2025" in text
        assert "Fermée" in text  # closed road legend entry
        assert "en moins de 4 h" in text and "en moins de 8 h" in text
        assert "Localité encerclée (blocus en cours)" in text
        assert "n'impliquent" in text  # disclaimer
        assert "Produit le 1er décembre 2025" in text
        assert "WorldPop" in text and "OpenStreetMap" in text and "UCDP" in text and "OCHA COD-AB" in text
    assert "Page 2 sur 2" in pages[1]


def test_english_national_pdf(layers: MapLayers) -> None:
    text = _text(render_map(layers, as_of=AS_OF, lang="en", fmt="pdf"))
    assert len(text) == 1
    assert "Mali: humanitarian access" in text[0]
    assert "Situation as of 30 November 2025" in text[0]
    assert "Reach of Ségou (≤ 8 h)" in text[0]
    assert "Closed" in text[0]
    assert "do not imply official" in text[0]
    assert "RESTRICTED" in text[0]


def _labels(fig) -> str:  # noqa: ANN001
    # map labels have a white halo, drawn as paths in the PDF: read them from the figure
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts) + "\n".join(
        t.get_text() for t in fig.texts
    )


def test_public_map_drops_non_public_encirclements_and_incidents(layers: MapLayers) -> None:
    from geo.products.printmap import draw_map

    restricted = _labels(draw_map(layers, as_of=AS_OF, lang="en"))
    public = _labels(draw_map(layers, as_of=AS_OF, lang="en", public=True))
    assert "Secret <village>" in restricted and "Incident in the window" in restricted
    assert "Farabougou" in restricted and "Farabougou" in public
    assert "Secret" not in public and "Incident in the window" not in public
    assert "PUBLIC VERSION" in public and "RESTRICTED" in restricted
    assert "Katiba" not in restricted and "Katiba" not in public
    pdf_text = _text(render_map(layers, as_of=AS_OF, lang="en", fmt="pdf", public=True))[0]
    assert "PUBLIC VERSION" in pdf_text and "Incident in the window" not in pdf_text


@pytest.mark.parametrize(("paper", "dpi"), [("A4", 100), ("A3", 72)])
def test_png_has_the_pixel_size_of_paper_and_dpi(layers: MapLayers, paper: str, dpi: int) -> None:
    from PIL import Image

    png = render_map(layers, as_of=AS_OF, paper=paper, dpi=dpi)
    w_mm, h_mm = PAPER_MM[paper]
    img = Image.open(io.BytesIO(png))
    assert img.size == (round(w_mm / 25.4 * dpi), round(h_mm / 25.4 * dpi))


def test_writes_the_file_and_rejects_bad_options(layers: MapLayers, tmp_path) -> None:  # noqa: ANN001
    out = tmp_path / "map.pdf"
    data = render_map(layers, as_of=AS_OF, out=out)
    assert out.read_bytes() == data and data.startswith(b"%PDF-")
    with pytest.raises(ValueError, match="language must be one of fr, en"):
        render_map(layers, as_of=AS_OF, lang="de")
    with pytest.raises(ValueError, match="paper must be one of A4, A3"):
        render_map(layers, as_of=AS_OF, paper="Letter")
    with pytest.raises(ValueError, match="at least one hub"):
        render_pack(layers, hub_ids=[], as_of=AS_OF)


def test_real_meeting_pack_from_the_cli(data_dir, tmp_path, isolated_store, n_hubs) -> None:  # noqa: ANN001
    from geo.cli import main

    out = tmp_path / "pack_en.pdf"
    code = main(
        [
            "export",
            "map",
            "--data",
            str(data_dir),
            "--all-hubs",
            "--out",
            str(out),
            "--lang",
            "en",
            "--as-of",
            "2025-11-30",
        ]
    )
    assert code == 0
    pages = _text(out.read_bytes())
    assert len(pages) == n_hubs
    assert "Mali: humanitarian access from Gao" in "".join(pages)
    assert all("Situation as of 30 November 2025" in p for p in pages)


def _inset_and_legend(fig):  # noqa: ANN001, ANN202
    inset = next(ax for ax in fig.axes if ax.get_title(loc="left") in ("Localisation", "Location"))
    legend_ax = fig.axes[-1]
    return inset, legend_ax


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_inset_names_only_mali_neighbours_whole_and_in_the_language(layers: MapLayers, lang: str) -> None:
    from geo.products.i18n import tr
    from geo.products.printmap import NEIGHBOURS, draw_map

    fig = draw_map(layers, as_of=AS_OF, lang=lang, focus_hub="SEG")
    inset, _ = _inset_and_legend(fig)
    renderer = fig.canvas.get_renderer()
    frame = inset.get_window_extent(renderer)
    names = {t.get_text() for t in inset.texts} - {"MALI"}
    assert names == {tr(key, lang) for key, _ in NEIGHBOURS.values()}
    expected = {
        "fr": {"Algérie", "Mauritanie", "Sénégal", "Guinée", "Niger", "Burkina Faso", "Côte d'Ivoire"},
        "en": {"Algeria", "Mauritania", "Senegal", "Guinea", "Niger", "Burkina Faso", "Côte d'Ivoire"},
    }
    assert names == expected[lang]
    for t in inset.texts:  # never cut by the frame
        bb = t.get_window_extent(renderer)
        assert frame.x0 <= bb.x0 and bb.x1 <= frame.x1 and frame.y0 <= bb.y0 and bb.y1 <= frame.y1, (
            t.get_text()
        )


def test_land_outside_mali_is_not_the_colour_of_water(layers: MapLayers) -> None:
    from matplotlib.colors import to_hex

    from geo.products.cartography import FOREIGN_LAND, WATER
    from geo.products.printmap import draw_map

    fig = draw_map(layers, as_of=AS_OF, lang="fr")
    main = fig.axes[0]
    assert to_hex(main.get_facecolor()) == FOREIGN_LAND
    assert FOREIGN_LAND != WATER
    inset, legend_ax = _inset_and_legend(fig)
    assert to_hex(inset.get_facecolor()) == WATER
    assert "Pays voisin" in [t.get_text() for t in legend_ax.texts]


def _legend_markers(legend_ax):  # noqa: ANN001, ANN202
    """Legend label -> face colour of its square marker (the hub entries)."""
    from matplotlib.colors import to_hex

    labels = {t.get_position()[1]: t.get_text() for t in legend_ax.texts}
    return {
        labels[line.get_ydata()[0]]: to_hex(line.get_markerfacecolor())
        for line in legend_ax.lines
        if line.get_marker() == "s"
    }


def test_hub_legend_says_what_the_hub_colour_means(layers: MapLayers) -> None:
    from geo.products.cartography import HUB_NEUTRAL, hub_colour
    from geo.products.printmap import draw_map

    national = _legend_markers(_inset_and_legend(draw_map(layers, as_of=AS_OF, lang="en"))[1])
    assert national == {"HAWG hub (colour = its reach)": HUB_NEUTRAL}
    page = _legend_markers(_inset_and_legend(draw_map(layers, as_of=AS_OF, lang="fr", focus_hub="MOP"))[1])
    assert page["Hub du GTAH\u202f: Mopti"] == hub_colour("MOP")  # the colour of Mopti's bands
    assert page.get("Autre hub du GTAH", HUB_NEUTRAL) == HUB_NEUTRAL
    zones = gpd.GeoDataFrame({"zone": ["accessible"]}, geometry=[box(-7, 12.5, -4.5, 15.5)], crs="EPSG:4326")
    from dataclasses import replace

    zmap = _legend_markers(
        _inset_and_legend(draw_map(replace(layers, zones=zones), as_of=AS_OF, lang="en", show="zones"))[1]
    )
    assert zmap == {"HAWG hub": HUB_NEUTRAL}


def test_map_help_lists_lang_choices_once() -> None:
    from geo.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._subparsers._group_actions if a.dest == "command").choices["export"]
    kinds = next(a for a in sub._subparsers._group_actions if a.dest == "kind").choices
    text = kinds["map"].format_help()
    assert "--lang fr|en|fr,en" in text and "{fr,en,fr,en}" not in text
    for ok in ("fr", "en", "fr,en"):
        assert kinds["map"].parse_args(["--out", "x.pdf", "--lang", ok]).lang == ok
    with pytest.raises(SystemExit):
        kinds["map"].parse_args(["--out", "x.pdf", "--lang", "de"])


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_pdf_subject_in_the_language(layers: MapLayers, lang: str) -> None:
    from geo.products.i18n import format_date, tr

    subject = tr("print.pdf_subject", lang, date=format_date(AS_OF, lang))
    for pdf in (
        render_map(layers, as_of=AS_OF, lang=lang, fmt="pdf"),
        render_pack(layers, hub_ids=["SEG"], as_of=AS_OF, lang=lang),
    ):
        assert PdfReader(io.BytesIO(pdf)).metadata.subject == subject
    assert ("Accès humanitaire au Mali au 30 novembre 2025" == subject) == (lang == "fr")


def _counts_key_texts(fig, lang: str):  # noqa: ANN001, ANN202
    """Window boxes (pixels) of the incidents key's texts and of its frame, on the drawn figure."""
    from matplotlib.patches import Rectangle

    from geo.products.i18n import tr

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    ax = next(a for a in fig.axes if any(t.get_text() == tr("legend_counts", lang) for t in a.texts))
    frame = next(
        r
        for r in ax.patches
        if isinstance(r, Rectangle) and r.get_zorder() == 19 and r.get_facecolor()[:3] == (1, 1, 1)
    )
    x0, y0 = frame.get_xy()  # axes fraction: the key's texts start inside its frame
    inside = [
        t
        for t in ax.texts
        if t.get_zorder() == 20
        and x0 <= t.get_position()[0] <= x0 + frame.get_width()
        and y0 <= t.get_position()[1] <= y0 + frame.get_height()
    ]
    return frame.get_window_extent(renderer), [t.get_window_extent(renderer) for t in inside], inside


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_incidents_key_texts_do_not_overlap_with_a_data_gap(layers: MapLayers, lang: str) -> None:
    import dataclasses

    import matplotlib.pyplot as plt

    from geo.products.i18n import format_date, tr
    from geo.products.printmap import draw_map

    admin2 = gpd.GeoDataFrame(
        {"pcode": ["ML0401", "ML0501"], "name": ["Ségou", "Mopti"]},
        geometry=[box(-7, 12.5, -4.5, 15.5), box(-4.5, 13.5, -1.5, 16)],
        crs="EPSG:4326",
    )
    window = (dt.date(2025, 11, 1), AS_OF)
    end = dt.date(2025, 10, 27)  # the data stop before the window: the three-line French sentence
    gap = dataclasses.replace(
        layers,
        admin2=admin2,
        incidents=layers.incidents.iloc[:0],
        incident_window=window,
        incident_data_end=end,
    )
    fig = draw_map(gap, as_of=AS_OF, lang=lang)
    try:
        frame, boxes, texts = _counts_key_texts(fig, lang)
    finally:
        plt.close(fig)
    said = "\n".join(t.get_text() for t in texts).replace("\n", " ").replace("\u00a0", " ")
    sentence = tr(
        "no_incident_data_window", lang, date=format_date(end, lang),
        start=format_date(window[0], lang), end=format_date(window[1], lang),
    )  # fmt: skip
    assert sentence in said and tr("all_categories", lang) in said
    assert "\n:" not in "\n".join(t.get_text() for t in texts)  # no line starts with the colon
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1, texts[i]
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (texts[i].get_text(), b)
