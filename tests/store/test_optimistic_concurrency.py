"""Optimistic concurrency: a save names the version it was based on; a newer one refuses it.

Two advisors load the same axis (or episode), then save at the same moment (threads
released together by a barrier, no sleeps): exactly one is saved, the other gets a
ConflictError showing the winner's version, and the history holds one new version.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from geo.cli import main
from geo.errors import DataFileError
from geo.store import constraints
from geo.store.constraints import ConflictError

AXIS = "RN16-SEV-DOU"


def _save_status(store: Path, who: str, status: str, based_on: int | None) -> constraints.WriteResult:
    return constraints.record_road_status(
        store,
        axis_id=AXIS,
        status=status,
        cause="security",
        valid_from="2025-12-01",
        source=f"report of {who}",
        recorded_by=who,
        based_on=based_on,
    )


def _race(calls: dict[str, object]) -> dict[str, object]:
    """Run each call in its own thread, all released at once; returns name -> result or exception."""
    barrier = threading.Barrier(len(calls))
    out: dict[str, object] = {}

    def run(name: str, fn) -> None:  # noqa: ANN001
        barrier.wait()
        try:
            out[name] = fn()
        except Exception as exc:  # noqa: BLE001  (collected for the assertions)
            out[name] = exc

    threads = [threading.Thread(target=run, args=(n, f)) for n, f in calls.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return out


def test_two_advisors_saving_one_axis_at_once_one_is_refused(isolated_store: Path) -> None:
    head = constraints.axis_head(isolated_store, AXIS)  # both forms were loaded from this version
    assert head > 0
    n_before = len(constraints.road_status_history(isolated_store, AXIS))
    out = _race(
        {
            "A": lambda: _save_status(isolated_store, "Advisor A", "closed", head),
            "B": lambda: _save_status(isolated_store, "Advisor B", "open", head),
        }
    )
    saved = {k: v for k, v in out.items() if isinstance(v, constraints.WriteResult)}
    refused = {k: v for k, v in out.items() if isinstance(v, ConflictError)}
    assert len(saved) == 1 and len(refused) == 1, out
    (winner, res), (loser, exc) = next(iter(saved.items())), next(iter(refused.items()))
    assert exc.based_on == head and exc.item == AXIS
    assert exc.current["version_id"] == res.version_id
    assert exc.current["recorded_by"] == f"Advisor {winner}"
    status = {"A": "closed", "B": "open"}[winner]
    # the message numbers the axis's own versions (1, 2, 3 ...), not the store ids
    shown = constraints.version_number(isolated_store, "axis", AXIS, head)
    now = constraints.version_number(isolated_store, "axis", AXIS, res.version_id)
    assert now == shown + 1 and now == len(constraints.road_status_history(isolated_store, AXIS))
    assert str(exc) == (
        f"{AXIS} was changed since your form was loaded (version {shown}): version {now} "
        f"{status} security 2025-12-01, recorded by Advisor {winner} at {res.recorded_at}; nothing was "
        "saved. Review it and save again"
    )
    hist = constraints.road_status_history(isolated_store, AXIS)
    assert len(hist) == n_before + 1
    assert hist["recorded_by"].iloc[-1] == f"Advisor {winner}"
    assert f"Advisor {loser}" not in set(hist["recorded_by"])
    # the loser reviews the newer version and saves again, based on it: accepted
    again = _save_status(isolated_store, f"Advisor {loser}", "constrained", res.version_id)
    assert constraints.axis_head(isolated_store, AXIS) == again.version_id


def test_save_without_based_on_is_unchecked_and_stale_based_on_is_refused(isolated_store: Path) -> None:
    head = constraints.axis_head(isolated_store, AXIS)
    first = _save_status(isolated_store, "A", "closed", None)
    assert first.version_id > head
    with pytest.raises(ConflictError) as err:
        _save_status(isolated_store, "B", "open", head)
    assert err.value.current["version_id"] == first.version_id
    with pytest.raises(DataFileError) as err:  # a based-on version the item never had
        constraints.record_encircled(
            isolated_store,
            locality="Nouvelle Localité",
            status="active",
            since="2025-11-20",
            lon=-4.2,
            lat=14.5,
            source="s",
            recorded_by="A",
            based_on=5,
            data_dir=None,
        )
    assert str(err.value) == (
        "encircled input, field 'based_on': Nouvelle Localité@2025-11-20 has no version 5 "
        "(nothing recorded yet); nothing was saved"
    )
    assert len(constraints.encircled_history(isolated_store, "Nouvelle Localité")) == 0


def test_two_advisors_updating_one_episode_at_once(isolated_store: Path) -> None:
    episodes = constraints.load_versions(isolated_store).encircled
    ep = episodes.iloc[0]
    head = constraints.episode_head(isolated_store, ep["episode_id"])
    assert head == int(ep["version_id"])

    def update(who: str, radius: float):  # noqa: ANN202
        return lambda: constraints.record_encircled(
            isolated_store,
            locality=ep["locality"],
            episode_id=ep["episode_id"],
            radius_km=radius,
            source=f"report of {who}",
            recorded_by=who,
            based_on=head,
            data_dir=None,
        )

    out = _race({"A": update("A", 7.0), "B": update("B", 9.0)})
    saved = [v for v in out.values() if isinstance(v, constraints.WriteResult)]
    refused = [v for v in out.values() if isinstance(v, ConflictError)]
    assert len(saved) == 1 and len(refused) == 1, out
    assert refused[0].item == ep["episode_id"]
    assert refused[0].current["version_id"] == saved[0].version_id
    assert constraints.episode_head(isolated_store, ep["episode_id"]) == saved[0].version_id


def test_two_new_episodes_of_one_locality_at_once(isolated_store: Path) -> None:
    def create(who: str):  # noqa: ANN202
        return lambda: constraints.record_encircled(
            isolated_store,
            locality="Nouvelle Localité",
            status="active",
            since="2025-11-20",
            lon=-4.2,
            lat=14.5,
            source=f"report of {who}",
            recorded_by=who,
            based_on=0,
            data_dir=None,
        )

    out = _race({"A": create("A"), "B": create("B")})
    saved = [v for v in out.values() if isinstance(v, constraints.WriteResult)]
    refused = [v for v in out.values() if isinstance(v, ConflictError)]
    assert len(saved) == 1 and len(refused) == 1, out
    assert refused[0].item == "Nouvelle Localité@2025-11-20" and refused[0].based_on == 0
    assert len(constraints.encircled_history(isolated_store, "Nouvelle Localité")) == 1


def test_cli_based_on_prints_the_conflict(isolated_store: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = constraints.axis_head(isolated_store, AXIS)
    newer = _save_status(isolated_store, "Advisor B", "closed", head)
    args = [
        "status",
        "set",
        "--axis",
        AXIS,
        "--status",
        "open",
        "--cause",
        "security",
        "--valid-from",
        "2025-12-02",
        "--source",
        "CLI report",
        "--by",
        "Advisor A",
        "--store",
        str(isolated_store),
    ]
    capsys.readouterr()
    # --based-on takes the version number the history shows (the axis's own 1, 2, 3 ...)
    shown = constraints.version_number(isolated_store, "axis", AXIS, head)
    now = constraints.version_number(isolated_store, "axis", AXIS, newer.version_id)
    assert main([*args, "--based-on", str(shown)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"error: {AXIS} was changed since your form was loaded (version {shown}): version {now} "
        f"closed security 2025-12-01, recorded by Advisor B at {newer.recorded_at}; nothing was saved. "
        "Review it and save again"
    ]
    assert main([*args, "--based-on", str(now)]) == 0
    assert capsys.readouterr().out.startswith(f"recorded road-status version {now + 1}:")


# ------------------------------------------------------------------ locality names


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("Farabougou", "farabougou"),
        (" farabougou\u00a0", "farabougou"),
        ("FARABOUGOU", "farabougou"),
        ("Se\u0301gou", "segou"),
        ("S\u00e9gou", "segou"),
        ("Dioura\u202f Centre", "dioura centre"),
    ],
)
def test_locality_key(typed: str, key: str) -> None:
    assert constraints.locality_key(typed) == key


def test_locality_variants_update_the_stored_locality(isolated_store: Path) -> None:
    ep = constraints.load_versions(isolated_store).encircled.iloc[0]
    stored = ep["locality"]
    typed = f"  {stored.upper()}\u00a0"
    res = constraints.record_encircled(
        isolated_store,
        locality=typed,
        episode_id=ep["episode_id"],
        radius_km=6.0,
        source="variant spelling",
        recorded_by="A",
        data_dir=None,
    )
    hist = constraints.encircled_history(isolated_store, typed)  # found by the variant too
    assert set(hist["locality"]) == {stored}
    assert hist["version_id"].iloc[-1] == res.version_id and res.supersedes == int(ep["version_id"])
    names = set(constraints.load_versions(isolated_store).encircled["locality"])
    assert typed not in names and stored in names
