"""Constraints page (AppTest): a conflicting save shows the newer version; a store fault is one message."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.config import PROJECT_ROOT
from geo.escape import markdown_text as md
from geo.sources.curated import read_axes
from geo.store import constraints
from views.common import axis_label

PAGE = str(PROJECT_ROOT / "views" / "constraints.py")
AXIS = "RN16-SEV-DOU"
pytestmark = [pytest.mark.filterwarnings("ignore:Use `@` matmul:PendingDeprecationWarning"), pytest.mark.slow]


def _page(data_dir: Path, store: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    at = AppTest.from_file(PAGE, default_timeout=600)
    at.session_state["as_of"] = dt.date(2025, 12, 1)
    at.session_state["auth_role"] = "advisor"
    at.run()
    return at


def _fill_and_save(at: AppTest, source: str) -> None:
    w = {x.label: x for x in [*at.selectbox, *at.text_input]}
    w["Status"].set_value("closed")
    w["Source (report, URL) *"].input(source)
    w["Recorded by *"].input("Advisor A")
    at.button[0].click().run()


def test_conflicting_save_shows_the_newer_version(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite"
    at = _page(data_dir, store, monkeypatch)
    assert not at.exception, at.exception
    at.selectbox(key="pick_axis").set_value(AXIS).run()
    head = constraints.axis_head(store, AXIS)
    # the form names the axis (curated name and route number), never its id alone
    axes = read_axes().valid.set_index("axis_id")
    name = axis_label(AXIS, axes.at[AXIS, "axis_name"], axes.at[AXIS, "route_ref"])
    assert AXIS not in name
    n_head = constraints.version_number(store, "axis", AXIS, head)  # the axis's own number, not the store id
    assert f"Based on version {n_head} of {md(name)}" in [c.value for c in at.caption]
    # another advisor saves a change to the same axis while this form is open
    other = constraints.record_road_status(
        store,
        axis_id=AXIS,
        status="open",
        cause="security",
        valid_from="2025-11-30",
        source="other advisor's report",
        recorded_by="Advisor B",
        based_on=head,
    )
    _fill_and_save(at, "my report")
    assert not at.exception, at.exception
    # the axis's own version numbers (1, 2, 3 ...), as the CLI and the history show them, not store ids
    n_other = constraints.version_number(store, "axis", AXIS, other.version_id)
    message = (
        f"{AXIS} was changed since your form was loaded (version {n_head}): version {n_other} open "
        f"security 2025-11-30, recorded by Advisor B at {other.recorded_at}; nothing was saved. Review it "
        "and save again"
    )
    assert [e.value for e in at.error] == [f"Not saved: someone else changed it first. {md(message)}"]
    shown = at.table[-1].value
    assert list(shown["Version"]) == [str(n_other)] and list(shown["Recorded by"]) == ["Advisor B"]
    assert constraints.axis_head(store, AXIS) == other.version_id  # nothing of A's was written
    # having seen it, the advisor saves again: now based on the newer version, accepted
    _fill_and_save(at, "my report")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    hist = constraints.road_status_history(store, AXIS)
    assert list(hist["recorded_by"].iloc[-2:]) == ["Advisor B", "Advisor A"]


def test_damaged_store_is_one_message_not_a_traceback(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.sqlite"
    constraints.load_versions(store)
    data = bytearray(store.read_bytes())
    data[:16] = b"\0" * 16
    store.write_bytes(bytes(data))
    at = _page(data_dir, store, monkeypatch)
    assert not at.exception, at.exception
    message = (
        f"{store}: not an SQLite database, or a damaged one (file is not a database); nothing was changed"
    )
    assert [e.value for e in at.error] == [f"**The project store could not be used.** {md(message)}"]
    assert store.read_bytes() == bytes(data)
