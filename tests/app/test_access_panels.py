"""Reachability page panels: critical axes and crossings, access over time (AppTest, 10 km inputs).

The page runs at 10 km (``MALI_ACCESS_CELL_KM``) so the 30-odd closures stay quick; the
figures are compared with the engine on the same inputs, and the texts with the
French and English tables of ``geo.products.i18n``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products.i18n import tr
from geo.vocab import ROAD_STATUS

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

PAGE = str(PROJECT_ROOT / "views" / "reachability.py")
AS_OF = dt.date(2025, 11, 29)


@pytest.fixture(params=["fr", "en"])
def page(
    request, data_dir: Path, isolated_store: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[AppTest, str]:  # noqa: ANN001
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_CELL_KM", "10")
    monkeypatch.setenv("MALI_ACCESS_LANG", request.param)
    monkeypatch.chdir(PROJECT_ROOT)
    at = AppTest.from_file(PAGE, default_timeout=300)
    at.session_state["auth_role"] = "planner"
    at.session_state["as_of"] = AS_OF
    return at, request.param


def _button(at: AppTest, label: str):  # noqa: ANN202
    return next(b for b in at.button if b.label == label)


def test_criticality_table_map_and_download(page) -> None:  # noqa: ANN001
    at, lang = page
    at.run()
    assert not at.exception, at.exception
    assert tr("crit_title", lang) in [h.value for h in at.subheader]
    _button(at, tr("crit_button", lang)).click().run()
    assert not at.exception, at.exception
    table = at.dataframe[-1].value
    assert list(table["rank"]) == list(
        range(1, len(table) + 1)
    )  # all hubs: one row per item, largest loss first
    # figures are Babel text for the language ("12 400" / "12,400"), largest loss first
    people = [int(re.sub(r"\D", "", v)) for v in table["population_lost"]]
    assert people == sorted(people, reverse=True) and people[0] > 0
    grouped = [v for v, n in zip(table["population_lost"], people, strict=True) if n >= 1000]
    assert grouped and all(("\u202f" if lang == "fr" else ",") in v for v in grouped)
    assert set(table["kind"]) <= {tr("kind_axis", lang), tr("kind_crossing", lang)}
    # the status column in words of the language (not the store's codes), no "None" anywhere
    assert set(table["status"]) <= {ROAD_STATUS.label(c, lang) for c in ROAD_STATUS.codes}
    assert table["status"].str.len().min() > 0
    assert not (table.astype(str) == "None").any().any()
    # figures aligned right as in the other tables; widths that fit the page and each header
    from views.access_panels import CRIT_WIDTHS

    config = json.loads(at.dataframe[-1].proto.columns)
    figures = ("population_lost", "localities_lost", "hubs_affected")
    assert all(config[c]["alignment"] == "right" for c in figures), config
    assert sum(config[c]["width"] for c in table.columns) <= 960  # the page at 1440 px
    for c in table.columns:
        assert len(config[c]["label"]) * 7.5 + 16 <= config[c]["width"] == CRIT_WIDTHS[c], config[c]
    assert at.dataframe[-1].proto.row_height > 64  # long axis names wrap instead of being cut
    maps = [
        json.loads(c.proto.json_args)["script"]
        for c in at.get("component_instance")
        if c.proto.component_name == "streamlit_folium.st_folium"
    ]
    from layers.criticality import RAMP

    # the most critical item is drawn in the darkest colour of the ramp
    assert any(RAMP[-1] in s for s in maps)
    # one hub: its own ranking, 1..n
    hub = next(s for s in at.selectbox if s.label == tr("crit_hub", lang))
    hub.set_value(hub.options[1]).run()
    assert not at.exception, at.exception
    one = at.dataframe[-1].value
    assert list(one["rank"]) == list(range(1, len(one) + 1))
    # the hub is the choice above; its localities cut are listed under the table (not a ninth
    # column past the page): the table fits, each header in its column
    assert "hub" not in one.columns and "localities_named" not in one.columns
    config = json.loads(at.dataframe[-1].proto.columns)
    assert sum(config[c]["width"] for c in one.columns) <= 960
    assert all(len(config[c]["label"]) * 7.5 + 16 <= config[c]["width"] for c in one.columns), config
    from geo.model.criticality import MAX_NAMES
    from geo.products.i18n import tr_count

    listed = next(e for e in at.expander if e.label == tr("crit_named_head", lang, hub=hub.options[1]))
    lines = [line.rstrip() for line in listed.markdown[0].value.splitlines()]
    lost = [int(re.sub(r"\D", "", n)) for n in one["localities_lost"]]
    cut = dict(zip(one["rank"].astype(int), lost, strict=True))
    assert len(lines) == sum(n > 0 for n in cut.values())  # one line per closure that cuts a locality
    first = min(r for r, n in cut.items() if n > 0)
    assert lines[0].startswith(f"**{first}. ")
    names = lines[0].split(":", 1)[1]
    if cut[first] > MAX_NAMES:  # the others counted in the language ("et 2 466 autres")
        more = tr_count("changes.and_more", cut[first] - MAX_NAMES, lang)
        assert names.endswith(" " + more) and names.count(",") == MAX_NAMES - 1, names
    else:
        assert names.count(",") == cut[first] - 1, names
    assert "more)" not in listed.markdown[0].value or lang == "en"


def test_series_chart_and_csv(page) -> None:  # noqa: ANN001
    at, lang = page
    at.run()
    at.date_input(key="series_from").set_value(AS_OF - dt.timedelta(days=21))
    at.number_input(key="series_every").set_value(7)
    next(b for b in at.button if b.label == tr("series_button", lang)).click().run()
    assert not at.exception, at.exception
    radio = at.radio(key="series_measure")
    assert radio.options == [tr(f"measure_{m}", lang) for m in ("population", "area_km2", "localities")]
    assert tr("series_caption", lang, hours="12") in [c.value for c in at.caption]
    radio.set_value("localities").run()
    assert not at.exception, at.exception
