"""The commands' human output in French (MALI_ACCESS_LANG=fr): catalog texts, Babel numbers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from geo.cli import main
from geo.products.i18n import tr


@pytest.fixture
def cli_fr(model_inputs, data_dir: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    """Run ``travel-time`` in-process in French on the session's 1 km inputs."""
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: model_inputs)
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")

    def run(*argv: str) -> int:
        return main(["travel-time", "--data", str(data_dir), "--cell-km", "1", *argv])

    return run


def test_travel_time_speaks_french_with_french_numbers(cli_fr, capsys) -> None:  # noqa: ANN001
    assert cli_fr("--from", "BKO", "--to", "Ségou", "--baseline") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert tr("cli.baseline", "fr") in lines[0] and ", saison " in lines[0]
    time_line = next(x for x in lines if x.startswith("temps de trajet : "))
    hours = time_line.removeprefix("temps de trajet : ").removesuffix(" h")
    assert re.fullmatch(r"\d+,\d\d", hours), hours  # decimal comma
    assert 2 < float(hours.replace(",", ".")) < 10  # Bamako-Ségou is 235 km of paved road
    length = next(x for x in lines if x.startswith("longueur de l'itinéraire : "))
    assert " km sur route = " in length and "à vol d'oiseau" in length
    for english in ("travel time", "route length", "season", "baseline"):
        assert english not in out
