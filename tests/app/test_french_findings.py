"""Findings of the French trial (advisor, planner, donor): each one checked in French.

Drop-down texts of Streamlit, event type codes, link table headers, chart axes, source
credits, legends, the criticality map's background, severity columns, the positions' scope
picker (``test_positions_page.py``) and the seed data's recorder.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import LineString, Point
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products import i18n
from geo.products.cartography import hub_colour

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning")]


@pytest.fixture
def french(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    return store


def _page(script: str, role: str = "advisor") -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / script), default_timeout=600)
    at.session_state["auth_role"] = role
    at.session_state["as_of"] = dt.date(2025, 11, 29)
    at.run()
    assert not at.exception, at.exception
    return at


# 1. Streamlit's own drop-down texts ("Select all", "Select 3 matches", "No results") cannot be
# translated in 1.67: short lists are toggles, the axes take no typing, places have our search.
@pytest.mark.slow
def test_constraints_page_lists_are_toggles_and_seed_recorder_is_in_words(french: Path) -> None:
    at = _page("constraints.py")
    assert list(at.multiselect) == []
    status = at.pills(key="axis_shown")
    assert status.label == "Statut" and status.options == [
        "Ouverte",
        "Sous contrainte",
        "Fermée",
        "Statut inconnu",
    ]
    table = at.table[0].value
    recorders = set(table["Enregistré par"])
    assert "seed" not in recorders and i18n.tr("common.seed_recorder", "fr") in recorders  # finding 10


@pytest.mark.slow
def test_reachability_drop_downs_show_no_streamlit_text(french: Path) -> None:
    at = _page("reachability.py", role="planner")
    from streamlit.proto.SelectWidgetFilterMode_pb2 import SelectWidgetFilterMode

    assert len(at.multiselect) == 3  # close, constrain, open: the curated axes
    for box in at.multiselect:  # no typing (no "No results"), no "Select all" / "Select N matches"
        assert box.proto.select_all == 0, box.label
        assert box.proto.filter_mode == SelectWidgetFilterMode.FILTER_MODE_NONE, box.label
    hubs = next(p for p in at.pills if p.label == i18n.tr("common.hubs", "fr"))
    assert len(hubs.value) == len(hubs.options) > 1  # every hub chosen, as toggles
    at.text_input(key="scenario_add_search").input("qzxw").run()
    assert "Aucune localité ne correspond à «\u202fqzxw\u202f»." in [c.value for c in at.caption]
    at.text_input(key="scenario_add_search").input("boni").run()
    found = at.pills(key="scenario_add").options
    assert found and found[0].casefold().startswith("boni")  # the name beginning with the search first


# 2. Incidents: event types in words, link table headers translated.
def test_event_types_are_words_in_both_languages() -> None:
    from geo.sources.amrf import MAPPING_PATH

    types = pd.read_csv(MAPPING_PATH)["event_type"].drop_duplicates()
    for lang in ("fr", "en"):
        labels = [i18n.event_type_label(v, lang) for v in types]
        assert not [x for x in labels if "_" in x]  # no code such as road_closure is shown
    assert i18n.event_type_label("road_closure", "fr") == "Fermeture de route"
    assert i18n.event_type_label("Battles", "fr") == "Affrontements armés"
    assert i18n.event_type_label("made_up_type", "fr") == "made_up_type"  # an imported vocabulary as given
    assert i18n.event_type_label(None, "fr") == ""


@pytest.mark.slow
def test_incidents_page_in_french_shows_event_types_in_words(french: Path) -> None:
    at = _page("incidents.py")
    types = next(p for p in at.pills if p.label == i18n.tr("incidents.event_types", "fr"))
    assert types.options and not [o for o in types.options if "_" in o]
    column = i18n.tr("incidents.col.event_type", "fr")
    counts = next(d.value for d in at.dataframe if column in d.value.columns)
    assert not [v for v in counts[column] if "_" in str(v)]


def test_incident_links_table_has_french_headers_and_words(tmp_path: Path) -> None:
    from geo.store import constraints
    from views.incident_link import links_view

    columns = list(constraints.incident_links(tmp_path / "s.sqlite").columns)
    links = pd.DataFrame(
        [[1, "curated:X", "2025-10-27", "curated", "movement_within", "road_status", "RN16-SEV-DOU", 7,
          "seed", "2025-11-30T10:00:00Z"]],
        columns=columns,
    )  # fmt: skip
    view = links_view(links, "fr")
    assert list(view.columns) == [i18n.tr(f"links.col.{c}", "fr") for c in columns]
    row = view.iloc[0]
    assert row[i18n.tr("links.col.kind", "fr")] == i18n.tr("page.link_road_status", "fr")
    assert row[i18n.tr("links.col.linked_by", "fr")] == "données initiales"
    assert row[i18n.tr("links.col.incident_date", "fr")] == "27 octobre 2025"
    assert "Sévaré" in row[i18n.tr("links.col.target", "fr")]  # the axis's name, not its id


# 3. Weekly series: French month names and thousands, the rainy season shaded and said.
def test_series_chart_speaks_french_and_marks_the_rainy_season() -> None:
    from views.charts import season_spans, series_chart, vega_locale

    loc = vega_locale("fr")
    assert loc["number"]["thousands"] == "\u202f" and loc["number"]["decimal"] == ","
    assert loc["time"]["months"][:2] == ["janvier", "février"] and loc["time"]["days"][0] == "dimanche"
    dates = pd.date_range("2025-04-07", "2025-12-01", freq="7D")
    seasons = ["rainy" if 6 <= d.month <= 10 else "dry" for d in dates]
    spans = season_spans(pd.Series(dates), pd.Series(seasons))
    assert len(spans) == 1
    assert spans.iloc[0]["start"] == dates[[s == "rainy" for s in seasons]].min()
    assert spans.iloc[0]["end"] == dates[[s == "rainy" for s in seasons]].max()
    long = pd.concat(
        pd.DataFrame({"as_of": dates, "hub_id": hub_id, "hub": name, "population": range(len(dates))})
        for hub_id, name in (("GAO", "Gao"), ("BKO", "Bamako"), ("MEN", "Ménaka"))
    )
    spec = series_chart(
        long, measure="population", measure_label="Personnes", lang="fr", rainy=spans
    ).to_dict()
    assert spec["config"]["locale"] == loc
    # each hub's line in the hub's colour of the maps, whatever the order of the table
    scale = next(layer for layer in spec["layer"] if "color" in layer.get("encoding", {}))["encoding"][
        "color"
    ]
    assert dict(zip(scale["scale"]["domain"], scale["scale"]["range"], strict=True)) == {
        "Gao": hub_colour("GAO"),
        "Bamako": hub_colour("BKO"),
        "Ménaka": hub_colour("MEN"),
    }
    text = json.dumps(spec, ensure_ascii=False)
    assert i18n.tr("series_rainy_band", "fr") in text and '"format": ",d"' in text and "%b %Y" in text


# 4. Snapshot credits in the page's language; source names as published.
def test_source_credits_are_translated_and_names_kept(data_dir: Path) -> None:
    from geo.products.snapshot import SOURCE_ROLES, _source_records

    records = _source_records(data_dir)
    assert records
    for record in records:
        fr, en = i18n.source_credit(record, "fr"), i18n.source_credit(record, "en")
        for field in ("publisher", "licence"):
            key = f"credit.{record['role']}.{field}"
            # the manifest's text stands for the catalog's words (a changed text would stay as recorded)
            assert record[field] == i18n._shipped_credit(record["role"], field), record["role"]
            assert en[field] == i18n.tr(key, "en") and fr[field] == i18n.tr(key, "fr")
            # donors read no project folder and no column names
            assert "data/curated" not in en[field] + fr[field] and "source_" not in en[field] + fr[field]
        assert fr["data"] == i18n.tr(f"credit.{record['role']}", "fr")
    assert all(i18n.has_key(f"credit.{role}.licence", "fr") for role in SOURCE_ROLES)
    ucdp = next(r for r in records if r["role"] == "incidents_ucdp")
    fr = i18n.source_credit(ucdp, "fr")
    assert "Uppsala Conflict Data Program" in fr["publisher"] and "localisations précises" in fr["publisher"]
    assert fr["licence"].startswith("CC BY 4.0 (citer")
    other = {**ucdp, "publisher": "UCDP GED 25.1, fetched"}  # a credit the catalogs do not hold: kept
    assert i18n.source_credit(other, "fr")["publisher"] == "UCDP GED 25.1, fetched"


# 5. Legends: compact, folded on a small map or when they would cover much of it.
def test_legend_folds_itself_on_small_maps_unless_told() -> None:
    from layers.basemap import (
        LEGEND_MAX_HEIGHT_SHARE,
        LEGEND_MAX_SHARE,
        LEGEND_MAX_WIDTH_PX,
        LEGEND_TWO_COLUMNS_PX,
        SMALL_MAP_HEIGHT_PX,
        SMALL_MAP_PX,
        Legend,
        make_map,
    )

    m = make_map()
    m.add_child(Legend("Légende", [("line", "#ff0000", "Route fermée")]))
    html = m.get_root().render()
    assert "details.open = !(small || share >" in html and 'map.on("resize", decide)' in html
    assert (
        f"size.x < {SMALL_MAP_PX} || size.y < {SMALL_MAP_HEIGHT_PX}" in html
        and f"> {LEGEND_MAX_SHARE}" in html
    )
    assert "10px/1.25" in html
    # one column at most LEGEND_MAX_WIDTH_PX wide, two on a map at least LEGEND_TWO_COLUMNS_PX wide
    assert f"two = size.x >= {LEGEND_TWO_COLUMNS_PX}" in html
    assert f"(two ? 2 * {LEGEND_MAX_WIDTH_PX} + 10 : {LEGEND_MAX_WIDTH_PX})" in html
    assert f"size.y * {LEGEND_MAX_HEIGHT_SHARE}" in html  # at most that share of the map's height
    # each sub-heading folds its rows, open with the legend
    sections = Legend("L", [("head", "", "Routes"), ("line", "#f00", "Fermée"), ("head", "", "Eau")]).html
    assert sections.count("<details class='map-legend-section' open style='break-inside:avoid'>") == 2
    assert sections.count("<details") == sections.count("</details>") == 3
    fixed = make_map()
    fixed.add_child(Legend("Légende", [("line", "#ff0000", "x")], folded=False))
    # no folding by size (it folds only when a popup opened under it has no room, see
    # test_browser_legend_popup.py)
    assert f"size.x < {SMALL_MAP_PX}" not in fixed.get_root().render()
    assert Legend("L", [], folded=True).html.startswith("<details><summary")


# 6. The criticality map has the offline background of the other maps.
@pytest.mark.slow
def test_criticality_map_has_admin_rivers_and_towns(french: Path, data_dir: Path) -> None:
    from views.access_panels import criticality_map

    items = gpd.GeoDataFrame(
        {
            "kind": ["axis", "crossing"],
            "item_name": ["RN16 Sévaré–Douentza", "Bac de Korioumé"],
            "status": ["closed", "open"],
            "hub": ["Mopti (Sévaré)", "Tombouctou"],
            "population_lost": [120000.0, 0.0],
            "localities_lost": [40, 0],
        },
        geometry=[LineString([(-4.1, 14.5), (-2.8, 15.0)]), Point(-3.0, 16.7)],
        crs=4326,
    )
    from layers.symbols import SYMBOL_CSS

    html = criticality_map(items, str(data_dir), "fr").get_root().render()
    assert SYMBOL_CSS in html  # town names drawn as labels, not as empty boxes
    for layer in (
        "map.layer_admin1",
        "map.layer_admin2",
        "map.layer_rivers",
        "map.layer_towns",
        "crit_layer",
    ):
        name = i18n.tr(layer, "fr")
        assert name in html or json.dumps(name)[1:-1] in html, layer  # in the script, maybe as \u00e9
    assert "Ferm\\u00e9e" in html or "Fermée" in html  # the status in words
    assert "120\u202f000" in html or "120\\u202f000" in html  # people written the French way
    assert (
        json.dumps(i18n.tr("crit_legend_most", "fr"))[1:-1] in html
        or i18n.tr("crit_legend_most", "fr") in html
    )


# 7. Severity table: columns wide enough for their headers.
def test_readable_columns_fit_headers_and_values() -> None:
    from views.common import readable_columns

    table = pd.DataFrame(
        {"Code P": ["ML0101"], "Accès des acteurs à la population (0-3)": ["1,5"], "Note": ["x" * 200]}
    )
    config = readable_columns(table)
    assert config["Code P"]["width"] >= 64
    long = "Accès des acteurs à la population (0-3)"
    assert config[long]["width"] >= len(long) * 7.5
    assert config["Note"]["width"] == 460 and config["Note"].get("help") is None
