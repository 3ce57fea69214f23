"""Export page: each product built once per state and offered in every format (AppTest, 10 km inputs).

The engine's builders are wrapped with counters (they still run for real): two sessions
asking for the same state, a rerun and the four data formats must not build anything
twice; another language draws the maps again but does not recompute the state.
"""

from __future__ import annotations

import collections
import csv
import datetime as dt
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products.i18n import tr
from views import common

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

PAGE = str(PROJECT_ROOT / "views" / "export.py")
AS_OF = dt.date(2025, 11, 29)
HUBS = ["MOP", "GAO"]  # two pack pages keep the test short


@pytest.fixture
def builds(data_dir: Path, isolated_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Count the calls of the engine's builders behind the page (the real ones run)."""
    import geo.products.export as export
    import geo.products.printmap as printmap

    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_CELL_KM", "10")
    monkeypatch.chdir(PROJECT_ROOT)
    calls: collections.Counter[str] = collections.Counter()

    def counting(module, name: str) -> None:  # noqa: ANN001
        real = getattr(module, name)

        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            calls[name] += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    for module, name in (
        (export, "collect_state"),
        (export, "themes_from_state"),
        (export, "write_export"),
        (printmap, "render_pack"),
        (printmap, "render_map"),
    ):
        counting(module, name)
    for cached in (common._export_state, common._export_print, common._export_themes, common._export_file):
        cached.clear()  # this test's store is new: nothing built by an earlier test
    return calls


def _session() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state["auth_role"] = "planner"
    at.run()
    assert not at.exception, at.exception
    at.date_input[0].set_value(AS_OF)
    at.pills[0].set_value(HUBS)  # hubs as toggles (views.common.pick_many)
    return at


def _build(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Build maps and exports").click().run()
    assert not at.exception, at.exception


def test_products_built_once_for_every_session_and_format(
    builds: collections.Counter, tmp_path: Path
) -> None:
    first = _session()
    assert builds == {}  # nothing computed before the user asks
    _build(first)
    assert builds == {"collect_state": 1, "render_map": 1, "render_pack": 1}
    labels = [b.label for b in first.download_button]
    assert labels == [
        "Meeting pack PDF (2 hubs, each with its positions table)",
        "National map PNG",
        "Data (GeoPackage (QGIS))",
        "Data (KML (Google Earth))",
        "Data (GeoJSON)",
        "Data (CSV with HXL (zones by commune))",
    ]
    # the zones table gives each rule in words, as the catalogs word the rules of data/zones_rules.csv
    from geo.products.export import rule_text

    state, _ = common.export_state(first.session_state["export_request"]["key"])
    zones = first.dataframe[-1].value
    expected = [
        rule_text(i, d, "en")
        for i, d in zip(state.zones_adm2["rule_id"], state.zones_adm2["rule"], strict=True)
    ]
    assert zones[tr("export.col.rule", "en")].tolist() == expected
    assert not zones[tr("export.col.rule", "en")].str.match(r"Z\d-").any()  # no rule code
    first.run()  # any later rerun of the page shows the products without drawing them again
    assert not first.exception, first.exception

    second = _session()  # another user, same state and options
    _build(second)
    assert builds == {"collect_state": 1, "render_map": 1, "render_pack": 1}
    assert len(second.download_button) == 6

    # the data files: every format written once, all from one set of themes, whoever asks
    key = first.session_state["export_request"]["key"]
    assert second.session_state["export_request"]["key"] == key
    files = {fmt: common.export_file(key, fmt) for fmt in common.EXPORT_FORMATS}
    assert {fmt: common.export_file(key, fmt) for fmt in common.EXPORT_FORMATS} == files
    assert builds["themes_from_state"] == 1 and builds["write_export"] == 4
    assert builds["collect_state"] == 1

    themes = common._export_themes(key)
    for fmt, data in files.items():  # the bytes are the file write_export gives for these themes
        (tmp_path / f"export.{fmt}").write_bytes(data)
    assert {name for name, _ in pyogrio.list_layers(tmp_path / "export.gpkg")} == set(themes)
    rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8"))))
    assert rows[1][0].startswith("#")  # the HXL row under the header
    assert len(rows) - 2 == len(themes["admin_zones_adm3"])  # one row per commune
    kml = "{http://www.opengis.net/kml/2.2}"
    folders = [f.find(f"{kml}name").text for f in ET.fromstring(files["kml"]).iter(f"{kml}Folder")]
    assert folders == [tr(f"kml.folder.{name}", "fr") for name in themes]  # export_file's default language
    assert {f["properties"]["layer"] for f in json.loads(files["geojson"])["features"]} <= set(themes)

    # another language: the maps are drawn again, the state is not computed again
    second.radio[0].set_value("fr")
    _build(second)
    assert builds["collect_state"] == 1 and builds["render_pack"] == 2 and builds["render_map"] == 2


def test_unknown_format_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'shp'; valid: gpkg, kml, geojson, csv"):
        common.export_file(("folder",), "shp")
