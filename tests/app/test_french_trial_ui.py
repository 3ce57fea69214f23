"""Findings of the second French user trial (pages, popups and forms), each checked in French.

Plain calls of the pages' helpers and of the map layers with small inputs built here; the
expected texts come from the catalogs and from the inputs, never copied from a screen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from geo.products import i18n


@pytest.fixture
def fr(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    return "fr"


# 1. Lost localities: one row per locality, counted as villages, not hub x band x locality rows.
def test_lost_localities_are_counted_once_per_locality(fr: str) -> None:
    from views import common

    rows = [  # (hub, band h, place, time before h, time after h)
        ("Mopti", 4.0, "P1", 3.2, 9.5),
        ("Mopti", 8.0, "P1", 3.2, 9.5),
        ("Sévaré", 12.0, "P1", 11.0, np.nan),
        ("Mopti", 8.0, "P2", 7.5, 8.25),
        ("Mopti", 8.0, "P3", 6.0, 7.0),  # gained, not lost
    ]
    loc = pd.DataFrame(
        {
            "hub": [r[0] for r in rows],
            "hours": [r[1] for r in rows],
            "change": ["lost"] * 4 + ["gained"],
            "place_id": [r[2] for r in rows],
            "locality": [f"Village {r[2]}" for r in rows],
            "adm3_pcode": [f"ML{r[2]}" for r in rows],
            "cercle": ["Mopti"] * len(rows),
            "travel_time_h_before": [r[3] for r in rows],
            "travel_time_h_after": [r[4] for r in rows],
        }
    )
    lost = common.localities_by_change(loc, "lost", limit_h=12.0)
    assert len(loc[loc["change"] == "lost"]) == 4
    assert list(lost["locality"]) == ["Village P1", "Village P2"]  # two villages, not four rows
    p1 = lost.iloc[0]
    assert p1["bands"] == "Mopti : 4 h, 8 h ; Sévaré : 12 h"
    assert p1["before"] == "Mopti : 3,2 h ; Sévaré : 11,0 h"
    not_reached = i18n.tr("common.not_reached", fr, h="12")
    assert p1["after"] == f"Mopti : 9,5 h ; Sévaré : {not_reached}"
    assert lost.iloc[1]["after"] == "Mopti : 8,2 h"  # 8.25 rounded half to even, French mark
    gained = common.localities_by_change(loc, "gained", limit_h=12.0)
    assert list(gained["locality"]) == ["Village P3"]
    assert common.localities_by_change(loc.iloc[:0], "lost", limit_h=12.0).empty
