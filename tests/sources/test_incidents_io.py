"""Reading and checking incident files: every bad-input case of issue 3, exact outcomes."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pandas as pd
import pytest

from geo.errors import DataFileError
from geo.sources.incident_files import (
    check_file,
    detect_format,
    load_mapping,
    parse_dates,
)
from geo.store.incidents import import_checked, open_store, read_rejects, read_store, store_token

ACLED_HEADER = (
    "event_id_cnty,event_date,event_type,sub_event_type,actor1,actor2,admin1,admin2,"
    "admin3,location,latitude,longitude,geo_precision,time_precision,fatalities,notes,source"
)
TODAY = dt.date(2026, 1, 1)


def acled_row(
    eid: str,
    date: str = "2021-03-15",
    lat: str = "14.4843",
    lon: str = "-4.1960",
    *,
    admin1: str = "Mopti",
    admin2: str = "Mopti",
    admin3: str = "Mopti",
    location: str = "Mopti",
    geo: str = "1",
    time: str = "1",
    fatalities: str = "2",
    notes: str = "Attack on a convoy",
    etype: str = "Violence against civilians",
    sep: str = ",",
) -> str:
    cells = [
        eid,
        date,
        etype,
        "Attack",
        "JNIM",
        "Civilians (Mali)",
        admin1,
        admin2,
        admin3,
        location,
        lat,
        lon,
        geo,
        time,
        fatalities,
        notes,
        "Local source",
    ]
    return sep.join(cells)


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rejected(res) -> list[tuple[int, str, str]]:
    return [(int(r.row), r.field, r.reason) for r in res.rejected.itertuples()]


# --------------------------------------------------------------------------- formats


def test_detect_format_from_header():
    assert detect_format(ACLED_HEADER.split(",")) == "acled"
    assert detect_format(["id", "date_start", "date_end", "type_of_violence", "side_a"]) == "ucdp"
    assert detect_format(["event_id", "date", "coord_confidence"]) == "curated"
    assert detect_format(["Date", "Lat", "Long"]) == "generic"


def test_acled_clean_file_normalised(tmp_path):
    path = write(
        tmp_path,
        "acled.csv",
        "\n".join(
            [
                ACLED_HEADER,
                acled_row("MLI1001"),
                acled_row("MLI1002", "22 February 2021", geo="3", time="2", fatalities=""),
            ]
        )
        + "\n",
    )
    res = check_file(path, today=TODAY)
    assert res.format == "acled" and res.source == "acled"
    assert res.rows == 2 and len(res.accepted) == 2 and res.rejected.empty
    a = res.accepted.set_index("incident_id")
    assert list(a.index) == ["acled:MLI1001", "acled:MLI1002"]
    assert a.loc["acled:MLI1001", "date"] == pd.Timestamp("2021-03-15")
    assert a.loc["acled:MLI1002", "date"] == pd.Timestamp("2021-02-22")
    # precision kept: ACLED geo_precision 3 -> low precision; time_precision 2 -> week
    assert a.loc["acled:MLI1002", "geo_precision"] == 3
    assert a.loc["acled:MLI1002", "geo_precision_src"] == "3"
    assert bool(a.loc["acled:MLI1002", "low_precision"]) is True
    assert a.loc["acled:MLI1002", "date_precision"] == "week"
    assert a.loc["acled:MLI1001", "date_precision"] == "day"
    assert bool(a.loc["acled:MLI1001", "low_precision"]) is False
    # fatalities 0 when blank; ACLED rows are restricted
    assert a.loc["acled:MLI1002", "fatalities"] == 0
    assert a["restricted"].tolist() == [True, True]
    assert a.loc["acled:MLI1001", "actor1"] == "JNIM"


def test_ucdp_full_ged_columns(tmp_path):
    text = (
        "id,date_start,date_end,type_of_violence,side_a,side_b,latitude,longitude,where_prec,"
        "date_prec,best,low,high\n"
        "501,2020-05-01,2020-05-01,1,Government of Mali,JNIM,15.9182,2.4022,1,1,7,5,9\n"
        "502,2020-06-01,2020-06-30,3,IS,Civilians,16.27,-0.04,4,4,3,3,4\n"
    )
    res = check_file(write(tmp_path, "ged.csv", text), today=TODAY)
    a = res.accepted.set_index("incident_id")
    assert res.format == "ucdp" and res.rejected.empty
    assert a.loc["ucdp:501", "event_type"] == "State-based violence"
    assert a.loc["ucdp:502", "event_type"] == "One-sided violence"
    assert (
        a.loc["ucdp:501", "fatalities"],
        a.loc["ucdp:501", "fatalities_low"],
        a.loc["ucdp:501", "fatalities_high"],
    ) == (7, 5, 9)
    assert a.loc["ucdp:502", "geo_precision"] == 3 and a.loc["ucdp:502", "geo_precision_src"] == "4"
    assert a.loc["ucdp:502", "date_precision"] == "month"
    assert a.loc["ucdp:502", "date_end"] == pd.Timestamp("2020-06-30")
    assert bool(a.loc["ucdp:502", "low_precision"]) and not bool(a.loc["ucdp:501", "low_precision"])
    assert not a["restricted"].any()


# --------------------------------------------------------------------------- encodings, separators


def test_semicolon_separator_and_decimal_comma(tmp_path):
    header = ACLED_HEADER.replace(",", ";")
    text = (
        "\n".join(
            [
                header,
                acled_row("MLI2001", lat="14,4843", lon="-4,1960", sep=";"),
                acled_row("MLI2002", lat="16,2717", lon="-0,0447", sep=";"),
            ]
        )
        + "\n"
    )
    res = check_file(write(tmp_path, "fr.csv", text), today=TODAY)
    assert res.delimiter == ";"
    assert res.rejected.empty
    assert res.accepted["latitude"].tolist() == [14.4843, 16.2717]
    assert res.accepted["longitude"].tolist() == [-4.196, -0.0447]


def test_utf8_bom_header_and_accents(tmp_path):
    text = "\n".join(
        [
            ACLED_HEADER,
            acled_row(
                "MLI3001", admin1="Ségou", admin2="Ségou", location="Ségou", lat="13.4317", lon="-6.2157"
            ),
        ]
    )
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    res = check_file(path, today=TODAY)
    assert res.format == "acled"  # the BOM did not spoil the first header cell
    assert res.encoding == "utf-8-sig"
    assert res.accepted["admin1"].tolist() == ["Ségou"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_cp1252_and_latin1_accents(tmp_path, encoding):
    text = "\n".join(
        [
            ACLED_HEADER,
            acled_row(
                "MLI4001", admin1="Ménaka", admin2="Ménaka", location="Ménaka", lat="15.9182", lon="2.4022"
            ),
            acled_row(
                "MLI4002", admin1="Ségou", admin2="Niono", location="Diabaly", lat="14.6930", lon="-6.0200"
            ),
            acled_row(
                "MLI4003",
                admin1="Tombouctou",
                admin2="Niafunké",
                location="Léré",
                lat="15.7118",
                lon="-4.9118",
            ),
        ]
    )
    res = check_file(write(tmp_path, f"{encoding}.csv", text, encoding), today=TODAY)
    assert res.encoding == "cp1252"  # latin-1 bytes for these letters are the same
    assert res.accepted["admin1"].tolist() == ["Ménaka", "Ségou", "Tombouctou"]
    assert res.accepted["location"].tolist() == ["Ménaka", "Diabaly", "Léré"]


def test_latin1_only_byte_falls_back_to_latin1(tmp_path):
    # 0x81 is undefined in cp1252, so only latin-1 can decode this file
    text = "\n".join([ACLED_HEADER, acled_row("MLI4101", admin2="Ségou")]).encode("latin-1")
    path = tmp_path / "latin.csv"
    path.write_bytes(text.replace(b"Attack on a convoy", b"Attack \x81"))
    res = check_file(path, today=TODAY)
    assert res.encoding == "latin-1"
    assert res.accepted["admin2"].tolist() == ["Ségou"]


# --------------------------------------------------------------------------- dates


MAPPING = """name = "hawg-mopti"
[columns]
event_id = "N°"
date = "Date"
event_type = "Type"
latitude = "Lat"
longitude = "Long"
fatalities = "Morts"
notes = "Description"
"""


def generic_file(tmp_path: Path, dates: list[str], *, order: str | None = None) -> tuple[Path, Path]:
    mapping = MAPPING + (f'date_order = "{order}"\n' if order else "")
    # date_order must precede [columns] in TOML: rebuild with it at the top
    if order:
        mapping = f'date_order = "{order}"\n' + MAPPING
    mpath = write(tmp_path, "map.toml", mapping)
    lines = ["N°;Date;Type;Lat;Long;Morts;Description"]
    lines += [f"{i};{d};Enlèvement;14,35;-3,61;0;ras" for i, d in enumerate(dates, start=1)]
    return write(tmp_path, "hawg.csv", "\n".join(lines) + "\n", "cp1252"), mpath


def test_day_first_dates_never_guessed(tmp_path):
    path, mpath = generic_file(tmp_path, ["25/04/2021", "03/04/2021", "05/05/2021", "2021-04-07"])
    res = check_file(path, mapping=mpath, today=TODAY)
    assert res.source == "generic:hawg-mopti"
    assert res.accepted["date"].tolist() == [
        pd.Timestamp("2021-04-25"),
        pd.Timestamp("2021-05-05"),
        pd.Timestamp("2021-04-07"),
    ]
    assert rejected(res) == [
        (
            2,
            "Date",
            "ambiguous date '03/04/2021': day-first or month-first? "
            "declare the file's date order (date_order in the mapping, or "
            "--date-order dmy|mdy)",
        )
    ]
    assert (
        "1 rows have ambiguous slash dates and were rejected; the unambiguous rows are "
        "day-first, declare --date-order dmy if all are"
    ) in res.warnings


def test_declared_day_first_order(tmp_path):
    path, mpath = generic_file(tmp_path, ["25/04/2021", "03/04/2021"], order="dmy")
    res = check_file(path, mapping=mpath, today=TODAY)
    assert res.rejected.empty
    assert res.accepted["date"].tolist() == [pd.Timestamp("2021-04-25"), pd.Timestamp("2021-04-03")]


def test_declared_month_first_rejects_impossible_day_first_row(tmp_path):
    path, mpath = generic_file(tmp_path, ["25/04/2021", "03/04/2021"])
    res = check_file(path, mapping=mpath, date_order="mdy", today=TODAY)
    assert res.accepted["date"].tolist() == [pd.Timestamp("2021-03-04")]
    assert rejected(res) == [(1, "Date", "not a calendar date when read month-first")]


def test_parse_dates_other_forms():
    d = parse_dates(pd.Series(["2021-02-30", "2024-07", "15 janvier 2020", "2020/1/5", "44197", ""]))
    assert d.date.tolist()[1:4] == [
        pd.Timestamp("2024-07-01"),
        pd.Timestamp("2020-01-15"),
        pd.Timestamp("2020-01-05"),
    ]
    assert d.precision.tolist()[1:4] == ["month", "day", "day"]
    assert d.reason.tolist()[0] == "not a calendar date"
    assert d.reason.tolist()[4].startswith("unrecognised date '44197'")
    assert d.reason.tolist()[5] == "missing date"


def test_future_date_rejected(tmp_path):
    path = write(tmp_path, "f.csv", "\n".join([ACLED_HEADER, acled_row("MLI5001", "2026-03-01")]))
    res = check_file(path, today=TODAY)
    assert rejected(res) == [(1, "event_date", "date after today (2026-01-01)")]


# --------------------------------------------------------------------------- coordinates


def test_swapped_coordinates_reported_not_fixed(tmp_path):
    row = acled_row("MLI6001", lat="-4.196", lon="14.4843")
    path = write(tmp_path, "s.csv", "\n".join([ACLED_HEADER, row]))
    res = check_file(path, today=TODAY)
    assert res.accepted.empty
    assert rejected(res) == [
        (
            1,
            "latitude,longitude",
            "latitude and longitude look swapped: (lat, lon) (-4.196, 14.4843) is outside "
            "Mali but the swapped pair is inside; fix the file or use --fix-swapped",
        )
    ]


def test_swapped_coordinates_fixed_when_asked(tmp_path):
    row = acled_row("MLI6001", lat="-4.196", lon="14.4843")
    path = write(tmp_path, "s.csv", "\n".join([ACLED_HEADER, row]))
    res = check_file(path, fix_swapped=True, today=TODAY)
    assert res.rejected.empty
    assert (res.accepted["latitude"].iloc[0], res.accepted["longitude"].iloc[0]) == (14.4843, -4.196)
    assert "latitude/longitude swapped and fixed on 1 rows: [1]" in res.warnings


def test_blank_zero_and_foreign_coordinates_rejected(tmp_path):
    rows = [
        acled_row("MLI7001", lat="", lon=""),
        acled_row("MLI7002", lat="0", lon="0"),
        acled_row("MLI7003", lat="48.8566", lon="2.3522"),
        acled_row("MLI7004", lat="abc", lon="-4.1"),
        acled_row("MLI7005", lat="95", lon="-4.1"),
        acled_row("MLI7006"),
    ]
    res = check_file(write(tmp_path, "c.csv", "\n".join([ACLED_HEADER, *rows])), today=TODAY)
    assert res.accepted["incident_id"].tolist() == ["acled:MLI7006"]
    assert rejected(res) == [
        (1, "latitude", "missing coordinate"),
        (2, "latitude,longitude", "coordinates 0,0 are a placeholder, not a location"),
        (3, "latitude,longitude", "outside Mali: (lat, lon) (48.8566, 2.3522)"),
        (4, "latitude", "not a number"),
        (5, "latitude,longitude", "coordinates out of range (|lat| > 90 or |lon| > 180)"),
    ]
    report = res.report()
    assert report["rows"] == 6 and report["accepted"] == 1 and report["rejected_rows"] == 5
    assert report["rejected"][0] == {"row": 1, "field": "latitude", "reason": "missing coordinate"}


def test_country_outline_used_when_given(tmp_path):
    from shapely.geometry import box

    # a point in the Mali bounding box but outside a (fake) outline is rejected
    path = write(
        tmp_path,
        "o.csv",
        "\n".join(
            [
                ACLED_HEADER,
                acled_row("MLI7101", lat="14.0", lon="-4.0"),
                acled_row("MLI7102", lat="20.0", lon="-10.0"),
            ]
        ),
    )
    res = check_file(path, country=box(-6, 12, -2, 16), today=TODAY)
    assert res.accepted["incident_id"].tolist() == ["acled:MLI7101"]
    assert rejected(res) == [(2, "latitude,longitude", "outside Mali: (lat, lon) (20, -10)")]


# --------------------------------------------------------------------------- columns, ids, duplicates


def test_missing_column_one_clear_error(tmp_path):
    header = ACLED_HEADER.replace(",latitude", "")
    row = acled_row("MLI8001").split(",")
    del row[10]
    path = write(tmp_path, "m.csv", header + "\n" + ",".join(row) + "\n")
    with pytest.raises(
        DataFileError,
        match=r"m\.csv, field 'latitude': missing column 'latitude', "
        r"required by the acled format$",
    ):
        check_file(path)


def test_generic_mapping_names_missing_column(tmp_path):
    mpath = write(tmp_path, "map.toml", MAPPING)
    path = write(tmp_path, "g.csv", "N°;Date;Type;Lat;Morts;Description\n1;2021-01-02;x;14;0;y\n")
    with pytest.raises(DataFileError, match="column 'Long' named in the mapping for 'longitude' is missing"):
        check_file(path, mapping=mpath)


def test_duplicate_event_id_rejected(tmp_path):
    path = write(tmp_path, "d.csv", "\n".join([ACLED_HEADER, acled_row("MLI9001"), acled_row("MLI9001")]))
    res = check_file(path, today=TODAY)
    assert rejected(res) == [(2, "event_id_cnty", "duplicate event id 'MLI9001' (first at row 1)")]


def test_duplicates_across_sources_reported(tmp_path):
    existing = pd.DataFrame(
        {
            "incident_id": ["ucdp:501", "ucdp:502"],
            "source": ["ucdp", "ucdp"],
            "date": pd.to_datetime(["2021-03-15", "2021-03-15"]),
            "latitude": [14.49, 16.0],
            "longitude": [-4.19, -1.0],
        }
    )
    path = write(
        tmp_path, "a.csv", "\n".join([ACLED_HEADER, acled_row("MLI9101"), acled_row("MLI9102", "2021-03-16")])
    )
    res = check_file(path, existing=existing, today=TODAY)
    assert len(res.accepted) == 2  # reported, not dropped
    dups = res.report()["duplicates"]
    assert dups == [
        {
            "row": 1,
            "incident_id": "acled:MLI9101",
            "duplicate_of": "ucdp:501",
            "distance_km": 0.9,
            "days_apart": 0,
        }
    ]
    res2 = check_file(path, existing=existing, dup_days=1, today=TODAY)
    assert [d["incident_id"] for d in res2.report()["duplicates"]] == ["acled:MLI9101", "acled:MLI9102"]


def test_generic_xlsx_with_excel_dates_and_content_hash_ids(tmp_path):
    df = pd.DataFrame(
        {
            "Date": [dt.datetime(2023, 8, 8), dt.datetime(2023, 8, 9)],
            "Type": ["blocus", "enlèvement"],
            "Lat": [16.7735, 15.9198],
            "Long": [-3.0074, 2.3961],
            "Morts": [0, 1],
            "Description": ["<script>x</script>", "N'Tillit"],
        }
    )
    path = tmp_path / "hawg.xlsx"
    df.to_excel(path, index=False)
    mpath = write(
        tmp_path,
        "m.toml",
        'name = "hawg"\n[columns]\ndate = "Date"\nevent_type = "Type"\n'
        'latitude = "Lat"\nlongitude = "Long"\nfatalities = "Morts"\n'
        'notes = "Description"\n',
    )
    res = check_file(path, mapping=mpath, today=TODAY)
    assert res.rejected.empty
    assert res.accepted["date"].tolist() == [pd.Timestamp("2023-08-08"), pd.Timestamp("2023-08-09")]
    assert res.accepted["incident_id"].str.match(r"^generic:hawg:h[0-9a-f]{16}$").all()
    assert res.accepted["restricted"].tolist() == [True, True]  # field files default to restricted
    again = check_file(path, mapping=mpath, today=TODAY)
    assert again.accepted["incident_id"].tolist() == res.accepted["incident_id"].tolist()


def test_unreadable_files(tmp_path):
    with pytest.raises(DataFileError, match="file is empty"):
        check_file(write(tmp_path, "e.csv", "  \n"))
    with pytest.raises(DataFileError, match="file not found"):
        check_file(tmp_path / "nope.csv")
    bad = tmp_path / "bin.csv"
    bad.write_bytes(b"\x00\x01\x02" * 10)
    with pytest.raises(DataFileError, match="binary file"):
        check_file(bad)
    with pytest.raises(DataFileError, match="file is 166 bytes, larger than the 10 bytes limit"):
        check_file(write(tmp_path, "big.csv", ACLED_HEADER), max_bytes=10)


def test_load_mapping_rejects_unknown_field(tmp_path):
    with pytest.raises(DataFileError, match="unknown field 'colour'"):
        load_mapping(write(tmp_path, "m.toml", '[columns]\ncolour = "x"\n'))
    with pytest.raises(DataFileError, match="date_order must be one of"):
        load_mapping(write(tmp_path, "m2.toml", 'date_order = "dym"\n[columns]\ndate = "d"\n'))


# --------------------------------------------------------------------------- store


def test_import_is_idempotent_and_keeps_rejects(tmp_path):
    path = write(
        tmp_path,
        "acled.csv",
        "\n".join([ACLED_HEADER, acled_row("MLI1"), acled_row("MLI2"), acled_row("MLI3", lat="0", lon="0")]),
    )
    store = tmp_path / "store.sqlite"
    assert store_token(store) == "none"
    conn = open_store(store)
    first = import_checked(conn, check_file(path, today=TODAY), file_sha256="abc")
    second = import_checked(conn, check_file(path, today=TODAY), file_sha256="abc")
    assert (first.added, first.already_present, first.rejected_rows, first.repeated_file) == (2, 0, 1, False)
    assert (second.added, second.already_present, second.repeated_file) == (0, 2, True)
    stored = read_store(conn)
    assert stored["incident_id"].tolist() == ["acled:MLI1", "acled:MLI2"]
    assert stored["restricted"].tolist() == [True, True]
    assert stored["date"].tolist() == [pd.Timestamp("2021-03-15")] * 2
    rej = read_rejects(conn)
    assert rej[["file_name", "row", "field", "reason"]].values.tolist() == [
        ["acled.csv", 3, "latitude,longitude", "coordinates 0,0 are a placeholder, not a location"]
    ]
    assert '"event_id_cnty": "MLI3"' in rej["raw_json"].iloc[0]
    assert conn.execute("SELECT COUNT(*) FROM incident_imports").fetchone()[0] == 1
    # a later export overlapping the first adds only the new event
    path2 = write(tmp_path, "acled2.csv", "\n".join([ACLED_HEADER, acled_row("MLI2"), acled_row("MLI4")]))
    third = import_checked(conn, check_file(path2, today=TODAY), file_sha256="def")
    assert (third.added, third.already_present) == (1, 1)
    assert store_token(store) == "2:2:3"
    conn.close()


def test_store_refuses_foreign_sqlite(tmp_path):
    from geo.errors import StoreError

    foreign = tmp_path / "other.sqlite"
    sqlite3.connect(foreign).execute("CREATE TABLE t(x)").connection.commit()
    with pytest.raises(StoreError, match="not a Mali access store"):
        open_store(foreign)
