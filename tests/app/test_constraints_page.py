"""Constraints page (AppTest): list, record a closure, see the reach change; bad input is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.store import constraints
from geo.vocab import ROAD_STATUS

PAGE = str(PROJECT_ROOT / "views" / "constraints.py")
# rasterio.transform.from_origin (geo.model.friction.make_grid) trips affine's PendingDeprecationWarning.
pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


@pytest.fixture
def page(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AppTest, Path]:
    store = tmp_path / "store.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["as_of"] = __import__("datetime").date(2025, 12, 1)
    at.session_state["auth_role"] = "advisor"
    at.run()
    assert not at.exception, at.exception
    return at, store


def _form_inputs(at: AppTest) -> dict[str, object]:
    return {w.label: w for w in [*at.selectbox, *at.text_input, *at.date_input]}


def _fill_rn16_closed(at: AppTest, note: str | None = None) -> dict[str, object]:
    """Pick RN16 Sévaré–Douentza and fill its form as closed (source, recorder, optional note)."""
    at.selectbox(key="pick_axis").set_value("RN16-SEV-DOU").run()
    w = _form_inputs(at)
    w["Status"].set_value("closed")
    w["Source (report, URL) *"].input("test: RN16 closed")
    if note is not None:
        w["Note"].input(note)
    w["Recorded by *"].input("Advisor A")
    return w


def test_record_closure_reports_reach_change(page: tuple[AppTest, Path]) -> None:
    at, store = page
    assert at.title[0].value == "Access constraints"
    assert at.radio(key="constraints_kind").value == "axes"  # shown as "Road axes"
    _fill_rn16_closed(at)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    text = _plain(at.success[0].value)
    assert text.startswith("Saved: RN16 Sévaré–Douentza closed from 1 December 2025")  # its name, not its id
    assert "Mopti (Sévaré)" in text and "km²" in text and "localities lost" in text
    hist = constraints.road_status_history(store, "RN16-SEV-DOU")
    assert list(hist["status"]) == ["constrained", "closed"]
    assert hist["recorded_by"].iloc[-1] == "Advisor A"
    # a second session (another browser) sees the same state on its first run
    other = AppTest.from_file(PAGE, default_timeout=120)
    other.session_state["as_of"] = __import__("datetime").date(2025, 12, 1)
    other.session_state["auth_role"] = "advisor"
    other.run()
    table = other.table[0].value  # labels, never codes (views/constraints.py)
    assert table.at["RN16-SEV-DOU", "Status"] == ROAD_STATUS.label("closed", "en")
    assert table.at["RN16-SEV-DOU", "Recorded by"] == "Advisor A"
    assert table.at["RN16-SEV-DOU", "Valid from"] == "1 December 2025"
    assert "None" not in table.to_string()


def test_missing_source_is_refused_nothing_written(page: tuple[AppTest, Path]) -> None:
    at, store = page
    before = constraints.state_version(store)
    w = _form_inputs(at)
    w["Recorded by *"].input("Advisor A")
    at.button[0].click().run()
    assert not at.exception
    from geo.products.i18n import tr

    source = tr("cons.source", "en").removesuffix(" *")  # the field by its label on the form, not its code
    assert [_plain(e.value) for e in at.error] == [
        f"Not saved. road-status input, field '{source}': required value is empty"
    ]
    assert constraints.state_version(store) == before


def _plain(markdown: str) -> str:
    """Markdown source as the reader sees it (backslash escapes of geo.escape.markdown_text removed)."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


def test_record_a_crossing_closure(page: tuple[AppTest, Path]) -> None:
    at, store = page
    at.radio(key="constraints_kind").set_value("crossings").run()
    assert not at.exception, at.exception
    at.selectbox(key="pick_crossing").set_value("X-DJENNE").run()
    w = _form_inputs(at)
    w["Status"].set_value("closed")
    w["Cause"].set_value("physical")
    w["Source (report, URL) *"].input("test: Djenné ferry out of order")
    w["Recorded by *"].input("Advisor A")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert _plain(at.success[0].value).startswith("Saved: Bac de Djenné (Bani) closed from 1 December 2025")
    hist = constraints.crossing_status_history(store, "X-DJENNE")
    assert list(hist["status"])[-1] == "closed" and hist["recorded_by"].iloc[-1] == "Advisor A"
    w = _form_inputs(at)  # the form opens again on the status saved, the source empty
    assert (w["Status"].value, w["Source (report, URL) *"].value) == ("closed", "")
    table = constraints.effective_crossing_status(constraints.load_versions(store), at.session_state["as_of"])
    assert table.at["X-DJENNE", "status"] == "closed"


def test_status_form_opens_on_the_status_in_force_never_silently_closed(page: tuple[AppTest, Path]) -> None:
    at, store = page
    as_of = at.session_state["as_of"]
    versions = constraints.load_versions(store)
    axes = constraints.effective_road_status(versions, as_of, axes=constraints.known_axes())
    for status in ("constrained", "closed"):
        axis = axes.index[axes["status"] == status][0]
        at.selectbox(key="pick_axis").set_value(axis).run()
        assert not at.exception, at.exception
        assert _form_inputs(at)["Status"].value == status
    unknown = axes.index[axes["status"] == "unknown"]
    if len(unknown):  # no status in force: the form opens on open, not closed
        at.selectbox(key="pick_axis").set_value(unknown[0]).run()
        assert _form_inputs(at)["Status"].value == "open"
    at.radio(key="constraints_kind").set_value("crossings").run()
    known = constraints.known_crossings()
    crossings = constraints.effective_crossing_status(versions, as_of, crossings=known)
    picks = [crossings.index[crossings["status"] == s][:1] for s in ROAD_STATUS.codes]
    for crossing in [c for pick in picks for c in pick]:  # one crossing of each status present
        at.selectbox(key="pick_crossing").set_value(crossing).run()
        assert not at.exception, at.exception
        expected = crossings.at[crossing, "status"]
        assert _form_inputs(at)["Status"].value == ("open" if expected == "unknown" else expected)


def test_a_copy_of_the_version_in_force_is_refused(
    page: tuple[AppTest, Path], widget_warnings: list[str]
) -> None:
    from geo.escape import markdown_text as md
    from geo.products.i18n import tr

    at, store = page
    _fill_rn16_closed(at, note="convoy turned back")
    _save(at)
    assert not at.error, [e.value for e in at.error]
    saved = constraints.state_version(store)
    # the form opens again on the record saved, its own fields empty (French trial: a second
    # click saved the same record again); the confirmation stays; no widget given a value twice
    w = _form_inputs(at)
    assert (w["Source (report, URL) *"].value, w["Note"].value) == ("", "")
    assert (w["Status"].value, w["Recorded by *"].value) == ("closed", "Advisor A")  # in force, who saved
    assert _plain(at.success[0].value).startswith("Saved: RN16 Sévaré–Douentza closed")
    assert not [m for m in widget_warnings if "default value" in m], widget_warnings
    # the same record typed again would only copy version 2, in force
    w["Source (report, URL) *"].input("test: RN16 closed")
    w["Note"].input("convoy turned back")
    _save(at)
    assert not at.exception, at.exception
    label = at.selectbox(key="pick_axis").format_func("RN16-SEV-DOU")
    assert [e.value for e in at.error] == [tr("cons.same_version", "en", n=2, item=md(label))]
    assert constraints.state_version(store) == saved
    assert len(constraints.road_status_history(store, "RN16-SEV-DOU")) == 2
    # one changed field is a new version
    _form_inputs(at)["Note"].input("convoy turned back twice")
    _save(at)
    assert not at.error, [e.value for e in at.error]
    assert len(constraints.road_status_history(store, "RN16-SEV-DOU")) == 3


def test_the_table_names_axes_and_sources_as_people_read_them(page: tuple[AppTest, Path]) -> None:
    from geo.sources.curated import read_sources

    at, store = page
    table = at.table[0].value.map(_plain)  # Markdown cells, escaped (views.common.wrapped_table)
    axes = constraints.known_axes()
    picker = at.selectbox(key="pick_axis")
    assert list(table["Axis"]) == [picker.format_func(a) for a in table.index]  # the selector's names
    seed = constraints.road_status_history(store, "RN16-SEV-DOU")["source"].iloc[0]
    titles = read_sources()["title"]
    keys = [k.strip() for k in seed.split(";")]
    assert all(k in titles.index for k in keys)
    assert table.at["RN16-SEV-DOU", "Source"] == "; ".join(titles[k] for k in keys)
    assert not table["Source"].str.contains(r"\bS-[A-Z]", regex=True).any()
    assert set(table.index) <= set(axes.index)


def _save(at: AppTest) -> None:
    """Click the road-status form's save button (after a save, a "close this message" button comes first)."""
    from geo.products.i18n import tr

    next(b for b in at.button if b.label == tr("cons.save_status", "en")).click().run()


def test_a_save_that_moves_no_hub_says_so_plainly(page: tuple[AppTest, Path]) -> None:
    """Closing Dabi bridge (Niger, north of Léré) reaches no hub's area at 12 h: no "(none)" list."""
    from geo.products.i18n import tr

    at, store = page
    at.radio(key="constraints_kind").set_value("crossings").run()
    at.selectbox(key="pick_crossing").set_value("X-DABI").run()
    w = _form_inputs(at)
    w["Status"].set_value("closed")
    w["Source (report, URL) *"].input("test: Dabi bridge down")
    w["Recorded by *"].input("Advisor A")
    next(b for b in at.button if b.label == tr("cons.save_crossing", "en")).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    changes = at.session_state["constraints_last_change"]["changes"]
    assert not changes["recomputed"].any()  # the engine's own account: no hub recomputed
    day = "1 December 2025"
    label = tr("cons.label_axis", "en", item="Pont de Dabi (Niger)", status="closed", date=day, n=2)
    assert _plain(at.success[0].value) == tr("cons.saved_no_hub", "en", label=label, date=day)


def _in_order(node) -> list:  # noqa: ANN001
    """The page's elements depth first, in the order the reader sees them."""
    children = getattr(node, "children", None)
    if not children:
        return [node]
    return [leaf for key in sorted(children) for leaf in _in_order(children[key])]


def test_french_save_is_confirmed_under_its_button_with_french_spacing(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.products.i18n import tr

    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["as_of"] = __import__("datetime").date(2025, 12, 1)
    at.session_state["auth_role"] = "advisor"
    at.run()
    at.selectbox(key="pick_axis").set_value("RN16-SEV-DOU").run()
    w = _form_inputs(at)
    w[tr("cons.status", "fr")].set_value("closed")
    w[tr("cons.source", "fr")].input("test : RN16 fermée")
    w[tr("cons.recorded_by", "fr")].input("Awa")
    save = tr("cons.save_status", "fr")
    next(b for b in at.button if b.label == save).click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    text = _plain(at.success[0].value)
    # French spacing: a narrow no-break space before ":" and ";", "12 h" kept together
    assert text.startswith("Enregistré\u202f: RN16 Sévaré–Douentza fermée à partir du 1er décembre 2025")
    assert "12\u00a0h\u202f: " in text and "pers.)\u202f; " in text and "localités perdues" in text
    assert not re.search(r"[^\u202f][;:!?](?:\s|$)", text.split("\n")[0] + text), text
    # shown right under the form's button, in view of the click, not at the top of the page
    leaves = _in_order(at.main)
    button = next(i for i, e in enumerate(leaves) if getattr(e, "label", None) == save)
    notice = next(i for i, e in enumerate(leaves) if e.type == "success")
    assert notice == button + 1
    assert next(i for i, e in enumerate(leaves) if e.type == "title") < button
    # kept on the next runs, until the user turns to another part of the page
    at.run()
    assert [_plain(s.value) for s in at.success] == [text]
    at.radio(key="constraints_kind").set_value("localities").run()
    assert not at.success
    at.radio(key="constraints_kind").set_value("axes").run()
    assert not at.success


def test_the_save_messages_keep_french_spacing_and_english_is_unchanged() -> None:
    from geo.products.i18n import keys, tr

    family = [k for k in keys("changes.") if not k.endswith((".one", ".other"))] + [
        "cons.saved",
        "cons.saved_no_hub",
    ]
    for key in family:
        assert not re.search(r"[^\u202f][;:!?]", tr(key, "fr")), key  # U+202F before ; : ! ?
    assert tr("changes.band_line", "en").startswith("{hub}, {h} h: ")
    assert tr("cons.saved", "en").startswith("Saved: {label}.")
    assert (tr("common.sep_semicolon", "fr"), tr("common.sep_semicolon", "en")) == ("\u202f; ", "; ")


def test_a_save_with_no_band_chosen_on_the_live_map_uses_the_default_bands(
    page: tuple[AppTest, Path],
) -> None:
    """The change a save makes is computed for the live map's bands; none chosen there: the defaults."""
    from geo.config import DEFAULT_BANDS_H

    at, store = page
    at.session_state["hours"] = []  # every band unticked on the live map
    _fill_rn16_closed(at)
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert list(constraints.road_status_history(store, "RN16-SEV-DOU")["status"]) == ["constrained", "closed"]
    changes = at.session_state["constraints_last_change"]["changes"]
    assert sorted(set(changes["hours"])) == sorted(DEFAULT_BANDS_H)


def _fitted_bounds(at: AppTest) -> tuple[float, float, float, float]:
    """(south, west, north, east) in degrees the page's map opens on (its FitCountry script)."""
    import json

    comp = next(
        c for c in at.get("component_instance") if c.proto.component_name == "streamlit_folium.st_folium"
    )
    script = json.loads(comp.proto.json_args)["script"]
    (s, w), (n, e) = json.loads(re.search(r"map\.fitBounds\((\[\[.*?\]\])", script).group(1))
    return s, w, n, e


def test_the_map_opens_on_the_records_listed_or_on_mali(page: tuple[AppTest, Path], model_inputs) -> None:  # noqa: ANN001
    """The map opens fitted to what the table lists (French trial: constraints piled up near Mopti)."""
    from geo.sources.admin import load_admin

    at, store = page
    versions = constraints.load_versions(store)
    as_of = at.session_state["as_of"]
    mali_w, mali_s, mali_e, mali_n = load_admin(model_inputs.data_dir, 1).to_crs(4326).total_bounds
    lines = model_inputs.axes.set_index("axis_id").geometry.to_crs(4326)

    def inside(bounds: tuple[float, float, float, float], extent: tuple[float, ...]) -> bool:
        s, w, n, e = bounds
        x0, y0, x1, y1 = extent
        return s <= y0 and w <= x0 and n >= y1 and e >= x1

    every_axis = _fitted_bounds(at)  # every axis listed at first
    assert inside(every_axis, lines.total_bounds)
    status = constraints.effective_road_status(versions, as_of, axes=constraints.known_axes())["status"]
    closed = lines[lines.index.isin(status.index[status == "closed"])]
    assert len(closed)
    at.pills(key="axis_shown").set_value(["closed"]).run()
    assert not at.exception, at.exception
    s, w, n, e = _fitted_bounds(at)
    assert inside((s, w, n, e), closed.total_bounds)
    cw, cs, ce, cn = closed.total_bounds  # the closed axes with a margin, far less than the country
    assert (n - s, e - w) == pytest.approx((max(cn - cs + 0.6, 1.0), max(ce - cw + 0.6, 1.0)))
    assert (n - s) < (mali_n - mali_s) / 2
    # none listed: the whole country
    at.pills(key="axis_shown").set_value([]).run()
    assert _fitted_bounds(at) == pytest.approx((mali_s - 0.3, mali_w - 0.3, mali_n + 0.3, mali_e + 0.3))
    # the encircled localities in force
    at.radio(key="constraints_kind").set_value("localities").run()
    assert not at.exception, at.exception
    from geo.model.reach import state_as_of

    _, episodes = state_as_of(model_inputs, versions.road_status, versions.encircled, as_of)
    in_force = episodes[episodes["in_force"]]
    assert len(in_force)
    s, w, n, e = _fitted_bounds(at)
    assert inside((s, w, n, e), in_force.to_crs(4326).total_bounds)
    assert (n - s) < (mali_n - mali_s)
