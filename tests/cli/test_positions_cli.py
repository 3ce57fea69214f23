"""``python -m geo positions ...``: the forms scripts rely on, CSV/HXL, JSON, refusals, print."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from geo.cli import main
from geo.store import positions as P

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '=cmd|"/c calc"!A1 <img src=x onerror=alert(1)> **bold** ${x} \\ « ; »'


def run(capsys: pytest.CaptureFixture[str], store: Path, *args: str) -> tuple[int, str, str]:
    code = main(["positions", *args[:1], *args[1:], "--store", str(store)])
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], store: Path, **kw: str) -> int:
    opts = {
        "scope": "axis:RN16-SEV-DOU",
        "topic": "checkpoint-payments",
        "text-fr": "Aucun paiement.",
        "text-en": "No payment.",
        "visibility": "public",
        "by": "Awa",
    }
    opts.update(kw)
    args = [x for k, v in opts.items() for x in (f"--{k}", v)]
    code, out, err = run(capsys, store, "add", *args)
    assert code == 0, err
    return int(out.strip())  # add prints the id alone on stdout


def test_workflow_through_the_command_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    pid = add(capsys, store)
    assert pid == 1
    for action, ref in (("propose", "HAWG 2025-11"), ("endorse", "HCT 2025-12")):
        code, out, _ = run(capsys, store, action, str(pid), "--meeting", ref, "--by", "Moussa")
        assert code == 0 and "now " + {"propose": "proposed", "endorse": "endorsed"}[action] in out
    code, out, err = run(capsys, store, "endorse", str(pid), "--meeting", "HCT", "--by", "Moussa")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [
        "error: position input, field 'status': position 1 is endorsed; "
        "endorse is allowed only from: proposed"
    ]
    code, _, _ = run(capsys, store, "revise", str(pid), "--text-en", "No payment, ever.", "--scope",
                     "country", "--meeting", "HAWG 2026-01", "--by", "Awa")  # fmt: skip
    assert code == 0
    code, _, _ = run(capsys, store, "retire", str(pid), "--meeting", "HCT 2026-02", "--by", "Awa")
    assert code == 0
    code, out, _ = run(capsys, store, "history", str(pid))
    lines = out.strip().splitlines()
    assert len(lines) == 1 + 5 and "HCT 2026-02" in lines[-1] and "retired" in lines[-1]
    reg = P.current_positions(store).set_index("id")
    assert reg.at[pid, "scope"] == "country" and reg.at[pid, "text_en"] == "No payment, ever."


def test_refusals_are_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    for scope, words in (("actor-type:Amadou Koufa", "not a kind of actor"), ("axis:NOPE", "unknown axis")):
        code, out, err = run(capsys, store, "add", "--scope", scope, "--topic", "armed-escorts", "--text-fr",
                             "a", "--text-en", "b", "--visibility", "public", "--by", "x")  # fmt: skip
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1 and words in err
    code, _, err = run(capsys, store, "propose", "7", "--meeting", "HAWG", "--by", "x")
    assert code == 2 and "no position 7" in err


def test_list_csv_has_hxl_row_id_and_status_and_safe_cells(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    store = tmp_path / "s.sqlite"
    a = add(capsys, store, **{"text-fr": HOSTILE})
    b = add(
        capsys, store, scope="actor-type:de-facto-authority", topic="registration", visibility="restricted"
    )
    run(capsys, store, "propose", str(b), "--meeting", "HAWG", "--by", "x")
    code, out, _ = run(capsys, store, "list", "--format", "csv")
    assert code == 0
    rows = list(csv.reader(io.StringIO(out)))
    header, tags, data = rows[0], rows[1], rows[2:]
    assert header[:2] == ["id", "status"] and header == P.COLUMNS
    assert (
        tags[0] == "#access+position+code" and tags[1] == "#status" and all(t.startswith("#") for t in tags)
    )
    assert [(r[0], r[1]) for r in data] == [(str(a), "draft"), (str(b), "proposed")]
    # the formula-looking text opens as text in a spreadsheet, and is otherwise unchanged
    assert data[0][header.index("text_fr")] == "'" + HOSTILE
    code, out, _ = run(capsys, store, "list", "--status", "proposed", "--format", "csv")
    assert [r[0] for r in list(csv.reader(io.StringIO(out)))[2:]] == [str(b)]
    code, out, _ = run(capsys, store, "list", "--format", "json")
    records = json.loads(out)
    assert (
        records[0]["text_fr"] == HOSTILE and records[1]["status"] == "proposed"
    )  # JSON keeps the exact text


def test_add_prints_only_the_id_for_scripts(tmp_path: Path) -> None:
    env_store = tmp_path / "s.sqlite"
    cmd = [sys.executable, "-m", "geo", "positions", "add", "--scope", "country", "--topic", "female-staff"]
    cmd += ["--text-fr", "x", "--text-en", "y", "--visibility", "restricted", "--by", "z"]
    cmd += ["--store", str(env_store)]
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    assert res.stdout == "1\n"


def test_review_lists_constraints_without_endorsed_position(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from geo.store import constraints

    store = tmp_path / "s.sqlite"
    constraints.record_road_status(
        store, axis_id="RN16-SEV-DOU", status="closed", cause="security", valid_from="2025-01-01",
        source="r", recorded_by="x", seed_dir=None,
    )  # fmt: skip
    code, out, _ = run(capsys, store, "review", "--as-of", "2025-06-01")
    assert code == 0 and "RN16-SEV-DOU" in out
    pid = add(capsys, store, **{"date": "2025-02-01"})
    run(capsys, store, "propose", str(pid), "--meeting", "HAWG", "--by", "x", "--date", "2025-02-02")
    run(capsys, store, "endorse", str(pid), "--meeting", "HCT", "--by", "x", "--date", "2025-02-03")
    code, out, _ = run(capsys, store, "review", "--as-of", "2025-06-01", "--months", "3")
    head, stale = out.split("Positions not reviewed")
    # the axis is covered; with a data folder its cercles are still listed (an axis position does
    # not cover a whole cercle): only ``area`` rows may name it then
    rows = [ln.split() for ln in head.splitlines()[2:] if ln.strip()]
    assert not [r for r in rows if r[:2] == ["axis", "RN16-SEV-DOU"]]
    assert all(r[0] == "area" for r in rows if "RN16-SEV-DOU" in " ".join(r))
    assert "(1)" in stale and "2025-02-03" in stale


def test_print_register_pdf(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    store = tmp_path / "s.sqlite"
    add(capsys, store, **{"text-fr": "Coût $5 et $10 _x_ \\ fin"})
    add(capsys, store, scope="country", topic="armed-escorts", visibility="restricted")
    out = tmp_path / "reg.pdf"
    code, text, _ = run(capsys, store, "print", "--lang", "fr", "--out", str(out))
    assert code == 0 and "2 positions" in text
    pdf = out.read_bytes()
    assert pdf.startswith(b"%PDF") and b"/Count 1" in pdf
    if shutil.which("pdftotext"):  # user text is printed as typed (no math parsing of $...$)
        text_out = subprocess.run(
            ["pdftotext", str(out), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Coût $5 et $10 _x_ \\ fin" in text_out and "Escortes armées" in text_out
        # the page's own words come from the French catalog, the date written out
        from geo.products.i18n import format_date, tr, tr_count

        stamp = tr("pos.print.produced", "fr", date=format_date(dt.date.today(), "fr"))
        assert f"{stamp} · {tr_count('pos.print.count', 2, 'fr')}" in text_out
        assert tr("pos.print.title", "fr") in text_out and "GTAH" in text_out
    pub = tmp_path / "pub.pdf"
    code, text, _ = run(capsys, store, "print", "--lang", "en", "--public", "--out", str(pub))
    assert code == 0 and "0 positions" in text  # nothing endorsed yet: the public edition is empty


def test_admin_scope_checked_against_the_data_folder(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path
) -> None:
    store = tmp_path / "s.sqlite"
    base = ["--topic", "armed-escorts", "--text-fr", "a", "--text-en", "b", "--visibility", "public"]
    code, _, err = run(
        capsys, store, "add", "--scope", "admin:ML0799", *base, "--by", "x", "--data", str(data_dir)
    )
    assert code == 2 and "unknown admin2 P-code 'ML0799'" in err
    code, out, _ = run(
        capsys, store, "add", "--scope", "admin:ML0503", *base, "--by", "x", "--data", str(data_dir)
    )
    assert code == 0 and out.strip() == "1"


def test_every_form_of_the_issue_exactly_as_written(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each form of the issue, with only the words it gives (store and data from the environment)."""
    store = tmp_path / "s.sqlite"
    monkeypatch.setenv("MALI_ACCESS_STORE", str(store))
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))

    def geo(*argv: str) -> str:
        code = main(["positions", *argv])
        out, err = capsys.readouterr()
        assert code == 0, err
        return out

    ids = {}
    for scope in (
        "country",
        "admin:ML0502",
        "axis:RN16-SEV-DOU",
        "crossing:X-KORIOUME",
        "locality:Farabougou",
        "actor-type:de-facto-authority",
    ):
        out = geo("add", "--scope", scope, "--topic", "armed-escorts", "--text-fr", f"Texte {scope}",
                  "--text-en", f"Text {scope}", "--visibility", "public", "--by", "Awa")  # fmt: skip
        assert re.fullmatch(r"\d+\n", out)  # the new position's id, alone
        ids[scope] = int(out)
    assert sorted(ids.values()) == list(range(1, 7))
    pid = ids["axis:RN16-SEV-DOU"]
    assert "now proposed" in geo("propose", str(pid), "--meeting", "HAWG 2025-11-05", "--by", "Awa")
    assert "now endorsed" in geo("endorse", str(pid), "--meeting", "HCT 14/2025", "--by", "Moussa")
    out = geo("revise", str(pid), "--text-en", "Revised text", "--meeting", "HAWG 2025-11-19", "--by", "Awa")
    assert "now revised" in out
    assert "now retired" in geo("retire", str(ids["country"]), "--meeting", "HCT 15/2025", "--by", "Moussa")
    table = geo("list")
    assert table.splitlines()[0].split()[:3] == ["id", "status", "scope"] and len(table.splitlines()) == 7
    assert [ln.split()[0] for ln in geo("list", "--status", "revised").splitlines()[1:]] == [str(pid)]
    rows = list(csv.reader(io.StringIO(geo("list", "--status", "draft", "--format", "csv"))))
    assert rows[0][:2] == ["id", "status"] and rows[1][0].startswith("#")
    assert sorted(int(r[0]) for r in rows[2:]) == sorted(
        i for s, i in ids.items() if s not in ("axis:RN16-SEV-DOU", "country")
    )
    assert {r[1] for r in rows[2:]} == {"draft"}
    records = json.loads(geo("list", "--format", "json"))
    assert {r["id"]: r["status"] for r in records}[pid] == "revised"
    assert len(json.loads(geo("list", "--status", "retired", "--format", "json"))) == 1
    assert "revised" in geo("list", "--format", "table")
    hist = geo("history", str(pid)).strip().splitlines()
    assert [ln.split()[1] for ln in hist[1:]] == ["add", "propose", "endorse", "revise"]
