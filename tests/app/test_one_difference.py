"""One difference of reach: the same closure gives the same figures on both pages and in the CLI.

Closing RN16 Sévaré-Douentza on 1 Dec 2025 three ways: saved on the Constraints page
(AppTest), as a what-if on the Reachability page (AppTest), and with
``python -m geo reach --scenario`` (a subprocess). km², population and localities
lost and gained must agree per hub and band, and so must the localities named.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.products.i18n import tr

pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]

AS_OF = dt.date(2025, 12, 1)
AXIS = "RN16-SEV-DOU"
FIGURES = [
    "km2_lost",
    "km2_gained",
    "population_lost",
    "population_gained",
    "localities_before",
    "localities_after",
    "localities_lost",
    "localities_gained",
]


def _from_page(table: pd.DataFrame) -> pd.DataFrame:
    """A Reachability table as the page shows it (catalog headers, Babel figures) back to the engine's."""
    from geo.products.i18n import has_key, tr

    columns = ("hub", "hours", "locality", "area_before_km2", "area_after_km2", *FIGURES)
    names = {tr(f"reach.col.{c}", "en"): c for c in columns if has_key(f"reach.col.{c}", "en")}
    out = table.rename(columns=names)
    for c in ("hours", "area_before_km2", "area_after_km2", *FIGURES):
        if c in out.columns:
            out[c] = out[c].astype(str).str.replace(",", "").astype(float)
    return out


def _figures(table: pd.DataFrame) -> pd.DataFrame:
    out = table[["hub", "hours", *FIGURES]].copy()
    out["hours"] = out["hours"].astype(float)
    for c in FIGURES:
        out[c] = out[c].astype(float)
    return out.sort_values(["hub", "hours"]).reset_index(drop=True)


def _names(table: pd.DataFrame) -> list[tuple[str, float, str, str]]:
    return sorted(
        (str(h), float(t), str(c), str(n))
        for h, t, c, n in table[["hub", "hours", "change", "locality"]].itertuples(index=False)
    )


def _page_names(table: pd.DataFrame, change: str) -> list[tuple[str, float, str, str]]:
    """Read the page's rows ("Hub: 4 h, 8 h; Other hub: 12 h") back as (hub, band, change, locality)."""
    from geo.products.i18n import tr

    bands = f"bands_{change}"  # the column is named for its tab: "Bands lost", "Bands gained"
    t = table.rename(columns={tr(f"reach.col.{c}", "en"): c for c in ("locality", bands)})
    out = []
    for locality, cell in t[["locality", bands]].itertuples(index=False):
        for part in str(cell).split("; "):
            hub, hours = part.rsplit(": ", 1)
            out += [(hub, float(h.removesuffix("\u00a0h")), change, str(locality)) for h in hours.split(", ")]
    return sorted(out)


def test_closure_reports_the_same_figures_on_both_pages_and_the_cli(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.chdir(PROJECT_ROOT)

    # the CLI, on its own store seeded from the same curated tables
    toml = tmp_path / "close.toml"
    toml.write_text(f'name = "close"\nclose_axes = ["{AXIS}"]\n', encoding="utf-8")
    gpkg = tmp_path / "reach.gpkg"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo",
            "reach",
            "--data",
            str(data_dir),
            "--as-of",
            AS_OF.isoformat(),
            "--scenario",
            str(toml),
            "--out",
            str(gpkg),
            "--store",
            str(tmp_path / "cli_store.sqlite"),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    cli = pyogrio.read_dataframe(gpkg, layer="scenario_changes")
    cli_loc = pyogrio.read_dataframe(gpkg, layer="scenario_localities", read_geometry=False)

    # the Reachability page: the closure as a what-if on the state of the date
    reach = AppTest.from_file(str(PROJECT_ROOT / "views" / "reachability.py"), default_timeout=600)
    reach.session_state["auth_role"] = "planner"
    reach.session_state["as_of"] = AS_OF
    reach.run()
    assert not reach.exception, reach.exception
    next(m for m in reach.multiselect if m.label == "Close axes").set_value([AXIS])
    reach.button[0].click().run()
    assert not reach.exception, reach.exception
    # one table per measure (area, population, localities), joined back on hub and band
    recomputed = tr("reach.col.recomputed", "en")
    measures = [_from_page(reach.dataframe[i].value).drop(columns=recomputed) for i in range(3)]
    reach_changes = (
        measures[0].merge(measures[1], on=["hub", "hours"]).merge(measures[2], on=["hub", "hours"])
    )
    reach_lost = _page_names(reach.dataframe[5].value, "lost")

    # the Constraints page: the closure saved in the store from that date
    cons = AppTest.from_file(str(PROJECT_ROOT / "views" / "constraints.py"), default_timeout=600)
    cons.session_state["auth_role"] = "advisor"
    cons.session_state["as_of"] = AS_OF
    cons.run()
    cons.selectbox(key="pick_axis").set_value(AXIS).run()
    form = {w.label: w for w in [*cons.selectbox, *cons.text_input]}
    form["Status"].set_value("closed")
    form["Source (report, URL) *"].input("test: one difference")
    form["Recorded by *"].input("Advisor A")
    cons.button[0].click().run()
    assert not cons.exception, cons.exception
    assert not cons.error, [e.value for e in cons.error]
    saved = cons.session_state["constraints_last_change"]

    expected = _figures(cli)
    mop8 = expected[(expected["hub"] == "Mopti (Sévaré)") & (expected["hours"] == 8.0)].iloc[0]
    assert mop8["km2_lost"] > 1000 and mop8["population_lost"] > 0 and mop8["localities_lost"] > 0
    # the page shows whole km² and people: the same figures, rounded
    pd.testing.assert_frame_equal(_figures(reach_changes), expected.round(0), check_exact=False, atol=0.5)
    pd.testing.assert_frame_equal(_figures(saved["changes"]), expected)

    names = _names(cli_loc)
    assert names and {c for _, _, c, _ in names} == {"lost"}
    assert reach_lost == names
    assert _names(saved["localities"]) == names

    # band areas (polygons clipped to Mali): the CLI's layers, the page's table, the saved message
    areas = {}
    for layer, column in (
        ("reachable_areas_before", "area_before_km2"),
        ("reachable_areas", "area_after_km2"),
    ):
        bands = pyogrio.read_dataframe(gpkg, layer=layer, read_geometry=False).set_index(["hub", "hours"])
        areas[column] = bands["area_km2"]
    page = reach_changes.set_index(["hub", "hours"])
    for column, cli_area in areas.items():
        assert (page[column].reindex(cli_area.index) - cli_area).abs().max() <= 0.5 + 1e-9  # whole km²
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", cons.success[0].value)  # as shown (Markdown escapes removed)
    row = page.loc[("Mopti (Sévaré)", 8.0)]
    km2 = mop8["km2_gained"] - mop8["km2_lost"]
    people = mop8["population_gained"] - mop8["population_lost"]
    assert (
        f"Mopti (Sévaré), 8 h: {row['area_before_km2']:,.0f} → {row['area_after_km2']:,.0f} km² "
        f"({km2:+,.0f} km², {people:+,.0f} people); {int(mop8['localities_lost'])} localities lost"
    ).replace("-", "−") in text  # a minus sign, not a hyphen
