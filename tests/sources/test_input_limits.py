"""Hostile and quirky incident files: size, row and zip-bomb limits; formulas, HXL, separators, Unicode."""

from __future__ import annotations

import io
import struct
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pytest

from geo.config import PROJECT_ROOT
from geo.errors import DataFileError
from geo.sources import incident_files as inc
from geo.sources.incident_files import (
    MAX_FILE_BYTES,
    MAX_XLSX_UNZIPPED_BYTES,
    check_file,
    check_upload,
    clean_text,
    limits_text,
    read_table,
    size_text,
)
from tests.sources.test_incidents_io import ACLED_HEADER, TODAY, acled_row, write


def _overlapping_zip_bomb(kernel_bytes: int, copies: int) -> bytes:
    """Build a few-KB zip whose directory lists one deflated part ``copies`` times (true declared sizes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", bytes(kernel_bytes))
    data = buf.getvalue()
    eocd = data.rindex(b"PK\x05\x06")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12 : eocd + 20])
    entry = data[cd_offset : cd_offset + cd_size]
    body = data[:cd_offset] + entry * copies
    end = (
        data[eocd : eocd + 8]
        + struct.pack("<HHII", copies, copies, cd_size * copies, cd_offset)
        + data[eocd + 20 :]
    )
    return body + end


def test_zip_bomb_is_refused_from_declared_sizes(tmp_path: Path) -> None:
    bomb = _overlapping_zip_bomb(10 * 1024 * 1024, 110)  # 110 x 10 MB = 1.1 GB from ~12 KB
    assert len(bomb) < 20_000
    infos = zipfile.ZipFile(io.BytesIO(bomb)).infolist()
    assert sum(i.file_size for i in infos) == 110 * 10 * 1024 * 1024
    path = tmp_path / "incidents.xlsx"
    path.write_bytes(bomb)
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert str(err.value) == (
        f"{path}: XLSX expands to 1100 MB once unzipped, over the 200 MB limit ({limits_text()}); "
        "save a smaller extract or a CSV"
    )


def test_single_part_with_a_huge_ratio_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", bytes(8 * 1024 * 1024))
    path = tmp_path / "ratio.xlsx"
    path.write_bytes(buf.getvalue())
    info = zipfile.ZipFile(path).infolist()[0]
    ratio = info.file_size / info.compress_size
    assert ratio > inc.MAX_XLSX_RATIO
    with pytest.raises(DataFileError) as err:
        read_table(path)
    assert str(err.value) == (
        f"{path}: XLSX part 'xl/worksheets/sheet1.xml' expands {ratio:,.0f} times "
        f"({size_text(info.compress_size)} to 8 MB), over the 200 times limit: refused as a possible zip bomb"
    )


def test_too_many_rows_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(inc, "MAX_ROWS", 3)
    rows = [acled_row(f"MLI{i}") for i in range(4)]
    path = write(tmp_path, "rows.csv", "\n".join([ACLED_HEADER, *rows]) + "\n")
    with pytest.raises(DataFileError, match=r"rows.csv: 4 data rows, more than 3 \(at most 50 MB, 3 rows"):
        read_table(path)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ACLED_HEADER.split(","))
    for r in rows:
        ws.append(r.split(","))
    xlsx = tmp_path / "rows.xlsx"
    wb.save(xlsx)
    with pytest.raises(DataFileError, match=r"rows.xlsx: more than 3 data rows \(at most 50 MB, 3 rows"):
        read_table(xlsx)


def test_limits_are_one_figure_in_messages_config_and_page() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_FILE_BYTES  # Streamlit's MB
    assert size_text(MAX_FILE_BYTES) == "50 MB" and size_text(MAX_XLSX_UNZIPPED_BYTES) == "200 MB"
    assert limits_text() == "at most 50 MB, 200 000 rows and, for XLSX, 200 MB once unzipped"
    with pytest.raises(DataFileError) as err:
        check_upload(b"x" * (MAX_FILE_BYTES + 1), "big.csv")
    assert str(err.value) == f"big.csv: file is 50.0 MB, larger than the 50 MB limit ({limits_text()})"
    page = (PROJECT_ROOT / "views" / "incidents.py").read_text()
    assert "limits_text()" in page and "too_large_message(" in page
    assert "1_000_000" not in page and "1e6" not in page  # no second way of counting MB


def test_formula_cells_without_saved_values_reject_their_row(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(ACLED_HEADER.split(","))
    ws.append(acled_row("MLI1").split(","))
    row2 = acled_row("MLI2").split(",")
    row2[10] = "=14+0.4843"  # latitude as a formula: openpyxl saves no computed value
    ws.append(row2)
    ws.append(acled_row("MLI3").split(","))
    path = tmp_path / "formulas.xlsx"
    wb.save(path)
    res = check_file(path, today=TODAY)
    assert list(res.accepted["source_event_id"]) == ["MLI1", "MLI3"]
    assert [(int(r.row), r.field, r.reason, r.value) for r in res.rejected.itertuples()][0] == (
        2,
        "latitude",
        "formula saved without its value (open the file in Excel or LibreOffice and save it again)",
        "=14+0.4843",
    )


def test_hxl_hashtag_row_is_skipped_not_rejected(tmp_path: Path) -> None:
    tags = "#event+id,#date,#event+type,,#org+actor1,#org+actor2,#adm1,#adm2,#adm3,#loc,#geo+lat,#geo+lon"
    path = write(tmp_path, "hxl.csv", "\n".join([ACLED_HEADER, tags, acled_row("MLI1"), acled_row("MLI2")]))
    res = check_file(path, today=TODAY)
    assert res.rows == 2 and list(res.accepted["source_event_id"]) == ["MLI1", "MLI2"]
    assert list(res.accepted["row"]) == [1, 2] and len(res.rejected) == 0
    assert res.warnings[0].startswith("row 1 holds HXL hashtags (#event+id #date #event+type")


def test_semicolon_file_with_commas_in_notes_is_read_by_semicolon(tmp_path: Path) -> None:
    header = ACLED_HEADER.replace(",", ";")
    rows = [acled_row(f"MLI{i}", notes="Attack, convoy, 3 trucks", sep=";") for i in range(3)]
    path = write(tmp_path, "semi.csv", "\n".join([header, *rows]) + "\n")
    table = read_table(path)
    assert table.delimiter == ";" and list(table.frame.columns) == ACLED_HEADER.split(",")
    res = check_file(path, today=TODAY)
    assert list(res.accepted["notes"]) == ["Attack, convoy, 3 trucks"] * 3


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Se\u0301gou", "Ségou"),  # decomposed accent -> NFC
        ("S\u00e9gou\u00a0", "Ségou"),  # trailing no-break space
        ("Bandiagara\u202f\u00a0Centre", "Bandiagara Centre"),  # narrow + no-break spaces
        ("\u200bMopti\u202e", "Mopti"),  # zero-width space and bidi override dropped
        ("  Tombouctou\t ", "Tombouctou"),
    ],
)
def test_clean_text(raw: str, expected: str) -> None:
    assert clean_text(raw) == expected


def test_unicode_names_are_accepted_normalised(tmp_path: Path) -> None:
    rows = [acled_row("MLI1", admin1="Se\u0301gou\u00a0", location="Macina\u00a0"), acled_row("MLI2")]
    path = write(tmp_path, "nbsp.csv", "\n".join([ACLED_HEADER, *rows]))
    res = check_file(path, today=TODAY)
    assert list(res.accepted["admin1"]) == ["Ségou", "Mopti"]
    assert list(res.accepted["location"]) == ["Macina", "Mopti"]


def test_store_keeps_normalised_rows_after_import(tmp_path: Path) -> None:
    from geo.store.incidents import import_result, open_store, read_store

    data = "\n".join([ACLED_HEADER, acled_row("MLI1", admin1="Se\u0301gou"), acled_row("MLI2", lat="=1")])
    res = check_upload(data.encode(), "mix.csv", today=TODAY)
    summary = import_result(tmp_path / "store.sqlite", res, data.encode())
    assert (summary.added, summary.rejected_rows) == (1, 1)
    conn = open_store(tmp_path / "store.sqlite")
    try:
        stored = read_store(conn)
    finally:
        conn.close()
    assert list(stored["admin1"]) == ["Ségou"]
