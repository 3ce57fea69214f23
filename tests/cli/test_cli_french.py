"""The commands in French (``MALI_ACCESS_LANG=fr`` or ``--lang fr``): catalog texts, Babel figures and dates.

Every command is run here in French and its human output is checked against figures
computed from its own inputs or files (counts, Babel numbers, dates, vocabulary labels).
The heavy model commands run on 10 km inputs built once for the module (as
``test_batch_cli.py`` does); travel-time uses the session's 1 km inputs. The last tests
scan the ``--help`` of every command and subcommand for English words.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest

from geo.cli import build_parser, main
from geo.config import CURATED_DIR
from geo.model.severity import SCALE, parse_sparse_note
from geo.products.i18n import format_date, format_number, tr, tr_count
from geo.tables import read_csv
from geo.vocab import CONFIDENCE, ENCIRCLED_STATUS, POSITION_STATUS, ROAD_STATUS

AS_OF = dt.date(2025, 11, 30)
COARSE_KM = 10.0
#: Words that are English and never French (whole words, case-insensitive): the idea of
#: tests/app/test_french_pages.py, with the words of command-line help added.
ENGLISH_ONLY = {
    "the", "and", "with", "from", "of", "for", "this", "these", "which", "choose", "click",
    "save", "show", "hours", "days", "people", "reachable", "within", "yes", "none", "closed",
    "unknown", "since", "until", "before", "after", "lost", "gained", "record", "recorded",
    "history", "area", "areas", "road", "roads", "crossing", "locality", "localities",
    "settings", "season", "dry", "rainy", "download", "build", "name", "only", "not", "band",
    "bands", "travel", "time", "map", "maps", "data", "files", "file", "level", "counts",
    "default", "folder", "write", "print", "every", "each", "when", "into", "without", "or",
    "error", "required", "exit", "help",
    "wrote", "rows", "status", "axis", "store", "output", "language",
}  # fmt: skip


#: A word, accented letters included (``choroplèthe`` is one word, not ``choropl`` + ``the``).
WORD = r"[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'-]*"


def english_words(text: str) -> list[str]:
    """English-only words of ``text`` (whole words, case-insensitive)."""
    return sorted({w.lower() for w in re.findall(WORD, text)} & ENGLISH_ONLY)


@pytest.fixture
def french(monkeypatch: pytest.MonkeyPatch) -> None:
    """Speak French through the environment, as a user of the default settings would."""
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")


@pytest.fixture(scope="module")
def coarse_inputs(data_dir: Path):  # noqa: ANN201
    from geo.model.friction import load_model_inputs

    return load_model_inputs(data_dir, cell_km=COARSE_KM)


@pytest.fixture
def model(coarse_inputs, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """Every command loads the 10 km inputs built once for the module."""
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: coarse_inputs)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ---- travel-time: the session's 1 km inputs ----------------------------------------------------


@pytest.fixture
def cli_fr(model_inputs, data_dir: Path, monkeypatch: pytest.MonkeyPatch, french):  # noqa: ANN001, ANN201
    """Run ``travel-time`` in-process in French on the session's 1 km inputs."""
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: model_inputs)

    def go(*argv: str) -> int:
        return main(["travel-time", "--data", str(data_dir), "--cell-km", "1", *argv])

    return go


def test_travel_time_speaks_french_with_french_numbers(cli_fr, capsys) -> None:  # noqa: ANN001
    assert cli_fr("--from", "BKO", "--to", "Ségou", "--baseline") == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert tr("cli.baseline", "fr") in lines[0] and ", saison " in lines[0]
    assert " -> Ségou (région de Ségou), " in lines[0]  # the town, cercle and region named once
    time_line = next(x for x in lines if x.startswith("temps de trajet\u202f: "))
    found = re.fullmatch(r"temps de trajet\u202f: (\d+) h (\d\d) \((\d+,\d\d) h\)", time_line)
    assert found, time_line  # hours and minutes, then hours with a decimal comma
    hours = float(found[3].replace(",", "."))
    assert 2 < hours < 10  # Bamako-Ségou is 235 km of paved road
    assert abs(int(found[1]) + int(found[2]) / 60 - hours) <= 1 / 60 + 0.005  # the same time
    length = next(x for x in lines if x.startswith("longueur de l'itinéraire\u202f: "))
    assert " km sur route = " in length and "à vol d'oiseau" in length
    for english in ("travel time", "route length", "season", "baseline"):
        assert english not in out


def test_travel_time_json_keeps_english_keys_and_a_french_note(cli_fr, capsys) -> None:  # noqa: ANN001
    # Tessalit is encircled on this date (data/curated): the destination lies in its no-entry zone
    assert cli_fr("--from", "GAO", "--to", "Tessalit", "--as-of", "2025-11-30", "--format", "json") == 1
    obj = json.loads(capsys.readouterr().out)
    assert {"from", "to", "travel_time_h", "length_km", "road_km", "crossings", "note"} <= set(obj)
    assert obj["travel_time_h"] is None
    assert obj["note"].startswith("l'arrivée Tessalit est dans la zone interdite d'accès de Tessalit")
    assert "encerclée depuis le" in obj["note"] and not english_words(obj["note"])
    with (CURATED_DIR / "encircled.csv").open(encoding="utf-8") as f:
        (since,) = [
            dt.date.fromisoformat(r["since"]) for r in csv.DictReader(f) if r["locality"] == "Tessalit"
        ]
    assert obj["note"].endswith(f"(encerclée depuis le {format_date(since, 'fr')})")  # prose: a written date
    assert obj["as_of"] == "2025-11-30"  # the machine field keeps ISO


def test_travel_time_header_writes_the_date(cli_fr, data_dir: Path, capsys) -> None:  # noqa: ANN001
    # the header of the text output writes the as-of date in the language; never ISO
    trip = ("--from", "Mopti", "--to", "Djenné", "--as-of", AS_OF.isoformat())
    assert cli_fr(*trip) in (0, 1)
    head = capsys.readouterr().out.splitlines()[0]
    assert f" au {format_date(AS_OF, 'fr')}, saison " in head and AS_OF.isoformat() not in head
    assert main(["--lang", "en", "travel-time", "--data", str(data_dir), "--cell-km", "1", *trip]) in (0, 1)
    head = capsys.readouterr().out.splitlines()[0]
    assert f" as of {format_date(AS_OF, 'en')}, " in head and AS_OF.isoformat() not in head


def test_ambiguous_place_lists_candidates_in_french(cli_fr, capsys, model_inputs) -> None:  # noqa: ANN001
    from geo.sources.places import fold_name

    assert cli_fr("--from", "MOP", "--to", "Dire", "--as-of", "2025-11-30") == 2
    err = capsys.readouterr().err.splitlines()
    places = model_inputs.places
    same = places[places["name"].map(fold_name) == "dire"]
    assert err[0].startswith("erreur\u202f: 'Dire' correspond à ")
    assert (
        "précisez «\u202fNom, Cercle\u202f», «\u202fNom, Région\u202f» "
        "ou l'identifiant du lieu\u202f:" in err[0]
    )
    n = int(re.search(r"correspond à (\d+) lieux", err[0]).group(1))
    assert 2 <= n <= len(same) and len(err) >= n + 1
    in_tomb = same[same["adm1_name"] == "Tombouctou"]
    tomb, tomb_id = in_tomb.iloc[0], in_tomb.index[0]
    expected = f"  {tomb['name']} | cercle {tomb['adm2_name']} | région Tombouctou | id {tomb_id} | "
    assert any(line.startswith(expected) for line in err[1 : n + 1]), err
    assert any("| région Kayes |" in line for line in err[1 : n + 1])


def test_coordinates_refused_in_french(cli_fr, capsys) -> None:  # noqa: ANN001
    assert cli_fr("--from=-4.1830,14.4843", "--to", "MOP", "--baseline") == 2
    err = capsys.readouterr().err
    assert err.startswith(
        "erreur\u202f: '-4.1830,14.4843' est hors du Mali en lisant latitude -4.183, longitude 14.4843"
    )
    assert "il semble inversé\u202f: vouliez-vous dire '14.4843, -4.183' (latitude d'abord)\u202f?" in err
    assert cli_fr("--from", "18.0,-10.5", "--to", "MOP", "--baseline") == 2  # Mauritania
    assert (
        capsys.readouterr().err
        == "erreur\u202f: '18.0,-10.5' (latitude 18.0, longitude -10.5) est hors du Mali\n"
    )
    assert cli_fr("--from", "Tombouctouu", "--to", "MOP", "--baseline") == 2
    err = capsys.readouterr().err
    assert err.startswith("erreur\u202f: aucune localité nommée 'Tombouctouu'") and "noms proches" in err


def test_global_flag_wins_over_the_environment(model_inputs, data_dir: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    import geo.model.friction as friction

    monkeypatch.setattr(friction, "load_model_inputs", lambda *a, **k: model_inputs)
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")
    argv = ["travel-time", "--data", str(data_dir), "--from", "BKO", "--to", "SEG", "--baseline"]
    assert main(["--lang", "fr", *argv]) == 0
    assert "temps de trajet\u202f: " in capsys.readouterr().out
    monkeypatch.setenv("MALI_ACCESS_LANG", "fr")
    assert main(["--lang", "en", *argv]) == 0
    assert "travel time: " in capsys.readouterr().out


# ---- model commands on 10 km inputs -------------------------------------------------------------


def test_severity_summary_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "sev.csv"
    code, text, _ = run(
        capsys, "severity", "--data", str(data_dir), "--as-of", "2025-11-30", "--out", str(out)
    )
    assert code == 0
    table, _ = read_csv(out)
    counts = table["score"].astype(int).value_counts().sort_index()
    parts = ", ".join(f"{k}\u202f: {format_number(v, 'fr')}" for k, v in counts.items())
    lines = text.splitlines()
    assert (
        lines[0]
        == f"sévérité de l'accès de {len(table)} cercles (COD-AB 2015) au 30 novembre 2025\u202f: {parts}"
    )
    assert lines[1].split()[:5] == ["P-code", "nom", "région", "note", "indice"]
    top = table.sort_values(["index", "pcode"], ascending=[False, True]).iloc[0]
    assert format_number(float(top["index"]), "fr", decimals=2) in lines[2]  # decimal comma
    assert "," in format_number(float(top["index"]), "fr", decimals=2)
    assert lines[-1] == f"écrit {out}"
    assert all(x.startswith("données rares\u202f: ") for x in lines if "rares" in x)
    # the file: machine column names and HXL row, class names and notes in French
    table, tags = read_csv(out)
    assert tags[list(table.columns).index("label")] == "#severity+access+label"
    assert list(table["label"]) == [SCALE[int(s)][0] for s in table["score"]]
    notes = [n for v in table["data_sparse"].dropna() for n in str(v).split("\u202f; ") if n]
    assert notes and not any(parse_sparse_note(n) for n in notes)  # none left in the model's English
    sparse = [x for x in lines if "rares" in x]
    assert not any(english_words(x) for x in sparse), sparse
    code, text, _ = run(capsys, "severity", "--data", str(data_dir), "--as-of", "2025-11-30", "--out",
                        str(out), "--lang", "en")  # fmt: skip
    table_en, _ = read_csv(out)
    assert code == 0 and list(table_en["label"]) == [SCALE[int(s)][1] for s in table_en["score"]]
    assert list(table_en.columns) == list(table.columns)


def test_reach_table_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    import geopandas as gpd

    out = tmp_path / "r.gpkg"
    code, text, _ = run(
        capsys, "reach", "--data", str(data_dir), "--out", str(out), "--as-of", "2025-11-30", "--hubs", "MOP",
        "--cell-km", "10",
    )  # fmt: skip
    assert code == 0
    bands = gpd.read_file(out, layer="reachable_areas")
    head = tr("cli.reach_head", "fr", what=tr("cli.reach", "fr"), date=format_date(AS_OF, "fr"),
              season=tr("season.dry", "fr"), cell="10")  # fmt: skip
    assert text.splitlines()[0] == head and head.startswith("Zones atteignables au 30 novembre 2025 (")
    assert "Population" in text.splitlines()[1] and "Localités" in text.splitlines()[1]
    for pop in bands["population"]:
        assert format_number(pop, "fr") in text  # "291 000": narrow no-break space
    assert max(bands["population"]) >= 1000 and "\u202f" in format_number(max(bands["population"]), "fr")
    assert bands["localities"].max() >= 1000  # a count the French grouping applies to
    rows = text.splitlines()[2 : 2 + len(bands)]
    for n, row in zip(bands["localities"], rows, strict=True):  # counts grouped too ("3 120")
        assert format_number(int(n), "fr") in row
    assert re.search(r"^écrit .* \(couches reachable_areas\) en \d+,\d s$", text.splitlines()[-1])


def test_catchments_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    import geopandas as gpd

    out = tmp_path / "c.gpkg"
    code, text, _ = run(
        capsys, "catchments", "--data", str(data_dir), "--out", str(out), "--as-of", "2025-11-30"
    )
    assert code == 0
    points = gpd.read_file(out, layer="localities")
    assert text.startswith(f"Bassins à moins de 12 h au {format_date(AS_OF, 'fr')} (saison sèche)")
    assert AS_OF.isoformat() not in text.splitlines()[0]
    assert f"(couches catchments, localities\u202f: {format_number(len(points), 'fr')} lignes)" in text
    code, _, err = run(capsys, "catchments", "--data", str(data_dir), "--out", str(out), "--hours", "0")
    assert code == 2 and err == "erreur\u202f: --hours doit être > 0\n"


def test_criticality_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "crit.csv"
    argv = ["criticality", "--data", str(data_dir), "--as-of", "2025-11-30", "--out", str(out)]
    code, text, err = run(capsys, *argv, "--workers", "0", "--hubs", "MOP", "--cell-km", "10")
    assert code == 0
    table, _ = read_csv(out)
    n_axes = int((table["kind"] == "axis").sum())
    assert text.startswith("criticité au 30 novembre 2025 (saison sèche, cellules de 10 km)\u202f: ")
    n_crossings = int((table["kind"] == "crossing").sum())
    counted = (
        f"{tr_count('cli.n_axes', n_axes, 'fr')} et {tr_count('cli.n_crossings', n_crossings, 'fr')} sur "
    )
    assert counted in text.splitlines()[0] and text.splitlines()[0].endswith(" sur ce processus")
    assert f"{n_crossings} franchissement{'s' if n_crossings > 1 else ''} sur " in text.splitlines()[0]
    assert "fermé [1/" in err  # progress lines
    top = table[table["rank"] == 1].iloc[0]
    assert format_number(float(top["population_lost"]), "fr") in text and "population coupée" in text
    assert re.search(
        rf"^écrit {re.escape(str(out))} \({len(table)} lignes\) en \d+,\d s$", text.splitlines()[-1]
    )


def test_series_and_batch_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "s.csv"
    argv = [
        "series",
        "--data",
        str(data_dir),
        "--from",
        "2025-11-01",
        "--to",
        "2025-11-08",
        "--out",
        str(out),
    ]
    code, text, _ = run(capsys, *argv, "--hubs", "MOP", "--workers", "0", "--cell-km", "10")
    assert code == 0
    table, _ = read_csv(out)
    lines = text.splitlines()
    assert lines[0] == "série\u202f: 2 dates du 1er novembre 2025 au 8 novembre 2025 sur ce processus"
    assert lines[1] == "Personnes à moins de 12 h, par hub\u202f:"
    pop = table[table["hours"].astype(float) == 12.0]["population"].astype(float)
    assert all(format_number(p, "fr") in text for p in pop)
    assert lines[-1].startswith(f"écrit {out} ({len(table)} lignes, cellules de 10 km) en ")
    out = tmp_path / "b.csv"
    argv = ["batch", "--data", str(data_dir), "--as-of", "2025-11-30", "--out", str(out), "--hubs", "MOP"]
    code, text, _ = run(capsys, *argv, "--workers", "0", "--cell-km", "10")
    assert code == 0
    table, _ = read_csv(out)
    assert text.startswith("lot\u202f: 1 calculs sur ce processus\n")
    assert "Surface (km²)" in text or tr("bands.col.area_km2", "fr") in text
    area = float(table[table["hours"].astype(float) == 12.0]["area_km2"].iloc[0])
    assert format_number(area, "fr") in text
    code, _, err = run(capsys, "batch", "--data", str(data_dir), "--out", str(out), "--from", "2025-11-01")
    assert code == 2 and err == "erreur\u202f: --from et --to vont ensemble\n"


def test_changes_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "ch.csv"
    argv = [
        "changes",
        "--data",
        str(data_dir),
        "--from",
        "2025-03-01",
        "--to",
        "2025-11-30",
        "--out",
        str(out),
    ]
    code, text, _ = run(capsys, *argv)
    assert code == 0
    table, _ = read_csv(out)
    lines = text.splitlines()
    assert lines[0] == (
        f"changements 1er mars 2025 -> 30 novembre 2025 (selon les dates de validité)\u202f: "
        f"{len(table)} changements de contraintes"
    )
    assert lines[1].split()[:4] == ["date", "type", "élément", "changement"]
    assert ROAD_STATUS.label("closed", "fr") in text or ENCIRCLED_STATUS.label("active", "fr") in text
    assert "in force" not in text and not re.search(r"^\d{4}-\d{2}-\d{2} ", text, re.M)  # French words, days
    if (table["status_after"] == "in force").any():
        assert "en vigueur" in text
    assert lines[-1].startswith(f"écrit {out}, ")
    code, _, err = run(capsys, "changes", "--from", "2025-03-01", "--to", "2025-03-01", "--out", str(out))
    assert code == 2
    assert err == "erreur\u202f: --from/--to\u202f: --from 2025-03-01 doit précéder --to 2025-03-01\n"


def test_export_and_snapshot_errors_in_french(french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    code, _, err = run(capsys, "export", "data", "--data", str(data_dir), "--out", str(tmp_path / "x.csv"),
                       "--layers", "roads_status,hubs")  # fmt: skip
    assert code == 2
    one_table = "un CSV contient une seule table\u202f; choisissez une couche avec --layers"
    assert err == f"erreur\u202f: {one_table} (reçu roads_status, hubs)\n"
    code, _, err = run(capsys, "export", "map", "--data", str(data_dir), "--out", str(tmp_path / "x.svg"))
    assert code == 2 and err == "erreur\u202f: --out doit finir par .pdf ou .png, reçu 'x.svg'\n"
    code, _, err = run(capsys, "snapshot", "--data", str(data_dir), "--delay-days", "-1")
    assert code == 2 and err == "erreur\u202f: --delay-days doit être >= 0\n"


def test_export_data_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "zones.csv"
    argv = ["export", "data", "--data", str(data_dir), "--as-of", "2025-11-30", "--out", str(out)]
    code, text, _ = run(capsys, *argv, "--layers", "hubs")
    assert code == 0
    table, _ = read_csv(out)
    assert re.search(
        rf"^écrit {re.escape(str(out))} \(hubs: {len(table)}\) en \d+,\d s$", text.splitlines()[-1]
    )


# ---- store commands --------------------------------------------------------------------------


def test_status_set_show_history_in_french(french, isolated_store: Path, capsys) -> None:
    from geo.store import constraints

    argv = ["status", "set", "--axis", "RN16-SEV-DOU", "--status", "closed", "--cause", "security"]
    argv += ["--valid-from", "2025-11-01", "--source", "OCHA", "--by", "Awa"]
    code, out, _ = run(capsys, *argv)
    assert code == 0
    hist = constraints.road_status_history(isolated_store, "RN16-SEV-DOU")
    new = len(hist)  # the axis's own version number (its versions in order of recording), not the store id
    assert new < int(hist["version_id"].max())  # the seeded store holds other axes' versions before it
    assert out.startswith(
        f"version {new} du statut de route enregistrée\u202f: "
        "RN16-SEV-DOU fermée à partir du 1er novembre 2025 par Awa le "
    )
    assert re.search(r" par Awa le \d{2}/\d{2}/\d{4} \d{2}:\d{2} UTC dans ", out)
    code, out, _ = run(capsys, "status", "history", "--axis", "RN16-SEV-DOU")
    numbers = [int(line.split()[0]) for line in out.splitlines()[1:]]
    assert numbers == list(range(1, new + 1))
    # a correction names the version by that number
    argv = ["status", "set", "--axis", "RN16-SEV-DOU", "--status", "closed", "--cause", "security"]
    argv += [
        "--valid-from",
        "2025-11-01",
        "--source",
        "OCHA (corrigé)",
        "--by",
        "Awa",
        "--supersedes",
        str(new),
    ]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and f"version {new + 1} " in out and f"(remplace la version {new})" in out
    code, _, err = run(capsys, *argv[:-1], str(new + 5))
    assert code == 2 and f"RN16-SEV-DOU n'a pas de version {new + 5} (il en a {new + 1})" in err
    code, out, _ = run(capsys, "status", "show", "--as-of", "2025-11-01")
    lines = out.splitlines()
    assert lines[0] == f"statut des routes au 1er novembre 2025 ({isolated_store})"
    assert "Statut" in lines[1] and "Cause" in lines[1] and "Fiabilité" in lines[1]
    row = next(x for x in lines if x.lstrip().startswith("RN16-SEV-DOU"))
    assert "Fermée" in row and "Sécurité" in row and CONFIDENCE.label("medium", "fr") in row
    assert "01/11/2025" in row and "2025-11-01" not in row  # the valid-from day, French short form
    code, out, _ = run(capsys, "status", "show", "--as-of", "2025-11-01", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["status"] for r in rows} <= set(ROAD_STATUS)  # CSV keeps the codes and English headers
    code, _, err = run(capsys, "status", "history", "--axis", "NOPE")
    assert code == 2 and err == "erreur\u202f: status history, champ 'axis'\u202f: axe inconnu 'NOPE'\n"


def test_crossings_and_encircled_in_french(french, data_dir: Path, isolated_store: Path, capsys) -> None:
    from geo.store import constraints

    code, out, _ = run(capsys, "crossings", "show", "--as-of", "2025-11-30")
    assert code == 0 and out.startswith("statut des franchissements au 30 novembre 2025 (")
    assert "Fleuve" in out.splitlines()[1] and "Bac" in out
    # the status agrees with the crossing's noun: "Bac de Djenné ... fermé"
    argv = ["crossings", "set", "--crossing", "X-DJENNE", "--status", "closed", "--cause", "physical"]
    code, out, err = run(capsys, *argv, "--valid-from", "2025-11-01", "--source", "OCHA", "--by", "Awa")
    assert code == 0, err
    assert "\u202f: Bac de Djenné (Bani) (X-DJENNE) fermé à partir du 1er novembre 2025 par Awa" in out
    code, out, _ = run(capsys, "crossings", "show", "--as-of", "2025-11-30")
    djenne = next(x for x in out.splitlines() if x.lstrip().startswith("X-DJENNE"))
    assert " Fermé " in djenne and "Fermée" not in djenne
    argv = ["encircled", "set", "--locality", "Boni", "--since", "2025-11-20", "--status", "active"]
    code, out, err = run(capsys, *argv, "--source", "OCHA", "--by", "Awa")
    assert code == 0, err
    hist = constraints.encircled_history(isolated_store, "Boni")
    last = hist.iloc[-1]
    assert (hist["episode_id"] == last["episode_id"]).sum() == 1  # a new episode: its version 1
    assert out.startswith(
        f"version 1 d'encerclement enregistrée\u202f: {last['episode_id']} "
        f"{ENCIRCLED_STATUS.label('active', 'fr').lower()} "
        f"(20/11/2025 - en cours, commune {last['adm3_pcode']}, restreint"
    )
    code, out, _ = run(capsys, "encircled", "show", "--as-of", "2025-11-30", "--data", str(data_dir))
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"localités encerclées au 30 novembre 2025 ({isolated_store})"
    assert "Localité" in lines[1] and "Depuis" in lines[1] and "Pop. grille" in lines[1]
    assert not re.search(r"\b(population_\w+|radius_km|lon|lat)\b", lines[1])  # no raw column name
    assert lines[-1].startswith("Population\u202f: personnes dans le disque interdit d'accès (Rayon).")
    # episode ids (Boni@2025-11-20) and source keys (S-RFI-2025-05-28) keep their ISO days
    cells = re.sub(r"\S*[A-Za-z@]-?\d{4}-\d{2}-\d{2}\S*", "", "\n".join(lines[2:-1]))
    assert not re.search(r"\d{4}-\d{2}-\d{2}", cells) and re.search(r"\d{2}/\d{2}/\d{4}", cells)
    assert ENCIRCLED_STATUS.label("active", "fr") in out
    code, out, _ = run(capsys, "encircled", "history", "--locality", "Boni")
    assert "Épisode" in out.splitlines()[0] and "Remplacée par" in out.splitlines()[0]


def test_positions_in_french(french, tmp_path: Path, capsys) -> None:
    store = str(tmp_path / "s.sqlite")
    argv = [
        "positions",
        "add",
        "--scope",
        "country",
        "--topic",
        "armed-escorts",
        "--text-fr",
        "Pas d'escorte",
    ]
    argv += ["--text-en", "No escort", "--visibility", "restricted", "--by", "Awa", "--store", store]
    code, out, err = run(capsys, *argv)
    assert code == 0 and out == "1\n" and err.startswith("position 1 rédigée par Awa le ")
    code, out, _ = run(
        capsys, "positions", "propose", "1", "--meeting", "GTAH", "--by", "Awa", "--store", store
    )
    label = POSITION_STATUS.label("proposed", "fr")
    assert out == (
        f"position 1\u202f: étape «\u202fpropose\u202f» enregistrée, "
        f"désormais {label} [proposed] (étape n° 2)\n"
    )
    code, out, _ = run(capsys, "positions", "list", "--store", store)
    head, row = out.splitlines()[:2]
    assert head.split()[:3] == ["N°", "Statut", "Portée"] and "Texte (français)" in head
    assert "Escortes armées" in row and "Pas d'escorte" in row and "Restreinte" in row
    code, out, _ = run(capsys, "positions", "review", "--as-of", "2025-06-01", "--store", store)
    assert out.startswith("Contraintes en vigueur le 1er juin 2025 sans position endossée par l'EHP (")
    assert "Positions non revues depuis 6 mois (" in out


def test_incidents_and_data_in_french(french, data_dir: Path, isolated_store: Path, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "counts.csv"
    code, _, err = run(capsys, "incidents", "counts", "--data", str(data_dir), "--out", str(out), "--as-of",
                       "2025-11-30", "--days", "365")  # fmt: skip
    table, _ = read_csv(out)
    assert code == 0 and err == f"écrit {len(table)} lignes dans {out}\n"
    code, _, err = run(capsys, "incidents", "counts", "--data", str(data_dir), "--start", "2025-12-01",
                       "--end", "2025-01-01")  # fmt: skip
    assert code == 2 and err.startswith("erreur\u202f: ")
    code, out, _ = run(capsys, "data", "verify", "--data", str(data_dir))
    assert out.startswith(f"dossier de données\u202f: {data_dir.resolve()}\n")
    states = {line.split()[-1] for line in out.splitlines()[1:] if line.split()[-1] != "ok"}
    assert not states & {"missing", "mismatch", "(optional)", "(lock)"}, states
    code, out, _ = run(capsys, "fetch", "--dry-run", "--dest", str(tmp_path / "d"))
    assert code == 0 and out.startswith(
        f"dossier de données\u202f: {tmp_path / 'd'} (essai\u202f: rien n'est téléchargé)"
    )
    # the statuses and states in French; the manifest's own titles and notes stay as published
    assert (
        "\nwof_admin0\u202f: " in out
        and "[sera téléchargée]" in out
        and "[non retenue (utilisez --only " in out
    )
    assert "  admin0\u202f: manquant\u202f; depuis wof_admin0" in out and "PAS D'ADRESSE CONFIRMÉE" in out
    assert not re.search(r"\b(will fetch|missing|not selected|pinned in manifest|alternative)\b", out)
    code, _, err = run(capsys, "data", "verify", "--data", str(tmp_path / "none"))
    assert (
        code == 2
        and err
        == f"erreur\u202f: {tmp_path / 'none'}\u202f: le dossier de données donné par --data n'existe pas\n"
    )


def test_store_and_row_errors_in_french(french, isolated_store: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    base = ["status", "set", "--axis", "RN16-SEV-DOU", "--status", "closed", "--cause", "security"]
    base += ["--source", "OCHA", "--by", "Awa"]
    code, _, err = run(capsys, *base, "--valid-from", "2025-12-01", "--valid-to", "2025-11-01")
    assert code == 2
    assert err == (
        "erreur\u202f: saisie du statut de route, champ 'valid_to'\u202f: "
        "2025-11-01 est antérieur à 2025-12-01\n"
    )
    code, _, err = run(capsys, *base[:3], "NOPE", *base[4:], "--valid-from", "2025-12-01")
    assert code == 2
    assert err == "erreur\u202f: saisie du statut de route, champ 'axis_id'\u202f: axe inconnu 'NOPE'\n"
    code, _, err = run(capsys, *base, "--valid-from", "2025-12-01", "--status-raw", "x", "--escort-kmh", "20")
    assert code == 2 and "une vitesse d'escorte ne s'applique qu'à un axe sous contrainte" in err
    # a file that is not a store: the fault in French, SQLite's own detail as it is
    bad = tmp_path / "notastore.sqlite"
    bad.write_text("not a database", encoding="utf-8")
    code, _, err = run(capsys, "status", "show", "--store", str(bad))
    assert code == 2 and err.startswith(
        f"erreur\u202f: {bad}\u202f: ce n'est pas une base SQLite, ou elle est endommagée ("
    )
    assert err.rstrip().endswith("; rien n'a été modifié")
    # incidents check: the JSON keys stay English, the reasons and warnings are French
    rows = "event_id,date,latitude,longitude,event_type\nA1,03/04/2025,14.5,-4.1,attack\nA1,2025-06-01,0,0,\n"
    csv_file = tmp_path / "inc.csv"
    csv_file.write_text(rows, encoding="utf-8")
    code, out, _ = run(capsys, "incidents", "check", str(csv_file), "--data", str(tmp_path))
    report = json.loads(out)
    assert code == 0 and {"rejected", "warnings", "accepted"} <= set(report)
    reasons = {r["reason"] for r in report["rejected"]}
    assert "identifiant d'événement 'A1' en double (première fois à la ligne 1)" in reasons
    assert "les coordonnées 0,0 sont un bouche-trou, pas un lieu" in reasons
    assert "type d'événement manquant" in reasons
    ambiguous = "date ambiguë '03/04/2025'\u202f: jour ou mois en premier\u202f?"
    assert any(r.startswith(ambiguous) for r in reasons)
    assert report["warnings"] == ["1 ligne a une date ambiguë avec barres obliques et a été rejetée"]
    code, out, _ = run(capsys, "--lang", "en", "incidents", "check", str(csv_file), "--data", str(tmp_path))
    assert "missing event type" in {r["reason"] for r in json.loads(out)["rejected"]}


# ---- argparse and help -----------------------------------------------------------------------


def test_argparse_messages_in_french(french, capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["status", "set", "--axis", "X"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("utilisation\u202f: python -m geo status set")
    assert (
        "python -m geo status set\u202f: erreur\u202f: "
        "arguments obligatoires manquants\u202f: --status" in err
    )
    with pytest.raises(SystemExit):
        main(["reach", "--out", "x.gpkg", "--as-of", "30/11/2025"])
    err = capsys.readouterr().err
    assert (
        "erreur\u202f: argument --as-of\u202f: date attendue au format AAAA-MM-JJ, reçu '30/11/2025'" in err
    )
    with pytest.raises(SystemExit):
        main(["status", "set", "--status", "shut"])
    assert "argument --status\u202f: choix invalide\u202f: 'shut' (choisir parmi " in capsys.readouterr().err


def parsers(parser: argparse.ArgumentParser, name: str = "python -m geo"):  # noqa: ANN201
    """Yield ``(command, parser)`` for the parser and every subcommand under it."""
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub, p in action.choices.items():
                yield from parsers(p, f"{name} {sub}")


def machine_words(parser: argparse.ArgumentParser) -> set[str]:
    """Words of a parser that are typed, not read: option names, metavars, choices."""
    words: set[str] = set()
    for action in parser._actions:
        typed = [*action.option_strings, str(action.metavar or ""), *(str(c) for c in action.choices or ())]
        for text in typed:
            words |= {w.lower() for w in re.findall(WORD, text)}
    return words


def prose_of_help(text: str) -> str:
    """The help without its usage block, option names, identifiers, paths and variables."""
    body = text.split("\n\n", 1)[1] if text.startswith(("utilisation\u202f:", "usage:")) else text
    body = re.sub(r"-\n\s+", "-", body)  # argparse wraps lines after a hyphen (--as-of)
    body = re.sub(r"\{[^}]*\}", " ", body)  # choice sets
    tokens = [t for t in body.split() if not re.search(r"[_/$@.|]|\w:\w|^-|^[A-Z][A-Z,]+$|^'", t)]
    return " ".join(tokens)


def test_every_help_is_french() -> None:
    """``--help`` of every command and subcommand in French has no English-only word."""
    found = []
    commands = list(parsers(build_parser("fr")))
    assert len(commands) >= 30  # every subcommand of status, positions, incidents ... is checked
    command_names = {w for name, _ in commands for w in name.split()[3:]}  # "see history"
    for name, parser in commands:
        text = parser.format_help()
        assert text.startswith("utilisation\u202f: "), name
        assert "options\u202f:" in text and "afficher cette aide et quitter" in text, name
        typed = machine_words(parser) | command_names
        english = [w for w in english_words(prose_of_help(text)) if w not in typed]
        if english:
            found.append(f"{name}: {english}")
    assert not found, "\n".join(found)


def test_every_help_is_english_with_lang_en() -> None:
    """The same scan the other way: the English help carries the catalog's English texts."""
    parser = build_parser("en")
    for name, p in parsers(parser):
        text = p.format_help()
        assert text.startswith("usage: ") and "show this help message and exit" in text, name
    assert tr("cli.d.main", "en") in " ".join(parser.format_help().split())


def test_unknown_place_and_hub_in_french(cli_fr, french, data_dir: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    from geo.sources.curated import read_hubs

    assert cli_fr("--from", "Xyzzy", "--to", "Mopti", "--baseline") == 2
    err = capsys.readouterr().err
    assert err == (
        "erreur\u202f: aucune localité nommée 'Xyzzy' (donnez un identifiant de lieu ou 'lat,lon')\n"
    )
    hubs = read_hubs().valid
    code, _, err = run(
        capsys, "reach", "--data", str(data_dir), "--hubs", "Xyzzy", "--out", str(tmp_path / "r.gpkg")
    )
    known = ", ".join(f"{h} ({hubs.at[h, 'name']})" for h in hubs.index)
    assert code == 2 and err == f"erreur\u202f: hub inconnu 'Xyzzy'\u202f; hubs connus\u202f: {known}\n"
    assert not english_words(err)


def test_position_with_an_unknown_place_in_french(french, data_dir: Path, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    store = str(tmp_path / "s.sqlite")
    argv = ["positions", "add", "--topic", "armed-escorts", "--text-fr", "a", "--text-en", "a"]
    argv += ["--visibility", "restricted", "--by", "Awa", "--store", store]
    code, _, err = run(capsys, *argv, "--scope", "locality:Xyzzy", "--data", str(data_dir))
    assert code == 2
    assert err == (
        f"erreur\u202f: saisie de position, champ 'scope'\u202f: localité inconnue 'Xyzzy'\u202f: "
        f"ni un identifiant de lieu "
        f"de {data_dir}, ni une localité enregistrée\n"
    )
    code, _, err = run(capsys, *argv, "--scope", "axis:Xyzzy")
    assert code == 2 and err == "erreur\u202f: saisie de position, champ 'scope'\u202f: axe inconnu 'Xyzzy'\n"


def test_season_help_explains_the_codes_in_french() -> None:
    """``--season`` / ``--seasons`` keep the codes dry and rainy, and the French help says what they are."""
    seen = []
    for name, parser in parsers(build_parser("fr")):
        for action in parser._actions:
            if {"--season", "--seasons"} & set(action.option_strings):
                seen.append(name)
                text = " ".join(action.help.split())
                assert "dry = saison sèche" in text and "rainy = saison des pluies" in text, name
                assert "sèche" in text.split("saison sèche", 1)[1], name  # the French word taken too
    assert {"python -m geo reach", "python -m geo batch", "python -m geo series"} <= set(seen)
    assert len(seen) >= 7  # reach, catchments, travel-time, criticality, export map, series, batch
    usage = build_parser("fr")._subparsers._group_actions[0].choices["reach"].format_usage()
    assert "--season {dry,rainy}" in usage  # the codes scripts use are unchanged


@pytest.mark.parametrize(
    ("typed", "code"),
    [("dry", "dry"), ("sèche", "dry"), ("SECHE", "dry"), ("saison sèche", "dry"), ("rainy", "rainy"),
     ("pluies", "rainy"), ("saison des pluies", "rainy"), ("Hivernage", "rainy")],
)  # fmt: skip
def test_season_takes_the_french_words(typed: str, code: str) -> None:
    args = build_parser("fr").parse_args(["reach", "--out", "x.gpkg", "--season", typed])
    assert args.season == code
    args = build_parser("fr").parse_args(["batch", "--as-of", "2025-11-30", "--out", "b.csv",
                                          "--seasons", f"{typed},rainy"])  # fmt: skip
    assert args.seasons == list(dict.fromkeys([code, "rainy"]))


def test_bad_season_refused_in_french(french, capsys) -> None:  # noqa: ANN001
    with pytest.raises(SystemExit):
        main(["reach", "--out", "x.gpkg", "--season", "été"])
    err = capsys.readouterr().err
    expected = tr("cli.ap.bad_season", "fr", value="'été'")
    assert f"erreur\u202f: argument --season\u202f: {expected}" in err
    assert "dry ou sèche (saison sèche)" in expected
    assert "reçu 'été'" in err and "invalid" not in err and "choose" not in err
    with pytest.raises(SystemExit):
        main(["batch", "--as-of", "2025-11-30", "--out", "b.csv", "--seasons", "dry,été"])
    assert "les saisons doivent être dry (saison sèche) et/ou rainy" in capsys.readouterr().err


def test_reach_rainy_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "r.gpkg"
    code, text, _ = run(
        capsys, "reach", "--data", str(data_dir), "--out", str(out), "--as-of", "2025-11-30", "--hubs", "MOP",
        "--cell-km", "10", "--season", "pluies",
    )  # fmt: skip
    assert code == 0
    head = tr("cli.reach_head", "fr", what=tr("cli.reach", "fr"), date=format_date(AS_OF, "fr"),
              season=tr("season.rainy", "fr"), cell="10")  # fmt: skip
    assert text.splitlines()[0] == head and "(saison des pluies," in head


def test_reach_scenario_named_in_french(model, french, data_dir, isolated_store, tmp_path, capsys) -> None:  # noqa: ANN001
    """The scenario file's French name (``name_fr``) is printed, not its English one (French trial)."""
    from geo.config import SCENARIOS_DIR
    from geo.model.scenario import read_scenario

    path = SCENARIOS_DIR / "rn16_closed.toml"
    sc = read_scenario(path)
    code, text, _ = run(
        capsys, "reach", "--data", str(data_dir), "--out", str(tmp_path / "r.gpkg"), "--as-of", "2025-11-30",
        "--hubs", "MOP", "--cell-km", "10", "--scenario", str(path),
    )  # fmt: skip
    assert code == 0
    first = text.splitlines()[0]
    assert first.startswith(f"Zones atteignables sous le scénario «\u202f{sc.name_fr}\u202f» ajouté")
    assert f"Scénario «\u202f{sc.name_fr}\u202f» comparé à l'état de la date" in text
    assert sc.name_en not in text and sc.name_fr == "RN16 fermée entre Sévaré et Gao"
    code, text, _ = run(
        capsys, "batch", "--data", str(data_dir), "--as-of", "2025-11-30", "--out", str(tmp_path / "b.csv"),
        "--hubs", "MOP", "--workers", "0", "--cell-km", "10", "--scenario", str(path),
    )  # fmt: skip
    assert code == 0
    assert "2025-11-30 état à la date" in text and f"2025-11-30 {sc.name_fr}" in text
    assert sc.name_en not in text and " as of" not in text
