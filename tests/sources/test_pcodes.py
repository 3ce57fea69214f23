"""P-codes: one canonical form (case, spaces, numbers) and no join across COD-AB versions."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely import box

from geo.errors import DataFileError
from geo.sources import admin
from geo.sources.admin import (
    PCODE_REFERENCE,
    detect_pcode_version,
    normalise_admin,
    normalise_pcode,
    require_same_pcode_version,
)


@pytest.mark.parametrize(
    ("value", "level", "expected"),
    [
        ("ML0401", 2, "ML0401"),
        (" ml 0401 ", 2, "ML0401"),
        ("ML\u00a00401", 2, "ML0401"),
        (401, 2, "ML0401"),
        (401.0, 2, "ML0401"),
        ("401.0", 2, "ML0401"),
        ("0401", 2, "ML0401"),
        (4, 1, "ML04"),
        (40101, 3, "ML040101"),
        ("", 2, None),
        (None, 2, None),
        (float("nan"), 2, None),
        ("MLI", 0, "MLI"),  # not a COD-AB code: returned cleaned for the caller's check
        (401, None, "ML0401"),
    ],
)
def test_normalise_pcode(value: object, level: int | None, expected: str | None) -> None:
    assert normalise_pcode(value, level) == expected


@pytest.mark.parametrize(
    ("value", "level", "message"),
    [
        (4.01, 2, "P-code 4.01 is not a whole number"),
        (12345, 2, "P-code 12345 has more digits than an admin2 code (4)"),
        (True, 2, "P-code True is not a code"),
    ],
)
def test_normalise_pcode_refuses(value: object, level: int, message: str) -> None:
    with pytest.raises(ValueError) as err:
        normalise_pcode(value, level)
    assert str(err.value) == message


def test_cod_ab_layer_pcodes_are_normalised_and_bad_ones_named() -> None:
    raw = gpd.GeoDataFrame(
        {
            "ADM1_PCODE": [" ml04", 5.0],
            "ADM1_FR": ["Ségou", "Mopti"],
            "adm2_pcode": ["ml 0401", 501],
            "adm2_name": ["Barouéli", "Mopti"],
        },
        geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)],
        crs="EPSG:4326",
    )
    out = normalise_admin(raw, level=2, adapter="cod_ab", path="adm2.gpkg")
    assert list(out.index) == ["ML0401", "ML0501"]
    assert list(out["parent_pcode"]) == ["ML04", "ML05"]
    raw.loc[1, "adm2_pcode"] = 5.01
    with pytest.raises(DataFileError) as err:
        normalise_admin(raw, level=2, adapter="cod_ab", path="adm2.gpkg")
    assert str(err.value) == "adm2.gpkg, row 2, field 'adm2_pcode': P-code 5.01 is not a whole number"


def _cercles(data_dir: Path, version: str) -> pd.DataFrame:
    ref = pd.read_csv(data_dir / PCODE_REFERENCE, dtype=str).fillna("")
    ref = ref[ref["level"] == "2"]
    name, code = ("ocha2015_name", "pcode_2015") if version == "2015" else ("name_2021", "pcode_2021")
    return pd.DataFrame({"adm2_name": ref[name].to_numpy(), "adm2_pcode": ref[code].to_numpy()})


def test_detect_pcode_version(data_dir: Path) -> None:
    assert detect_pcode_version(_cercles(data_dir, "2015"), data_dir) == "2015"
    assert detect_pcode_version(_cercles(data_dir, "2021"), data_dir) == "2021"
    assert detect_pcode_version(_cercles(data_dir, "2015"), data_dir / "nowhere") is None


def test_mixed_versions_are_refused_naming_both() -> None:
    a, b = pd.DataFrame(), pd.DataFrame()
    a.attrs["pcode_version"], b.attrs["pcode_version"] = "2015", "2021"
    with pytest.raises(DataFileError) as err:
        require_same_pcode_version({"admin2": a, "incidents by cercle": b})
    assert str(err.value) == (
        "admin boundaries, field 'pcode': P-codes of COD-AB 2015 and COD-AB 2021 are mixed (admin2: COD-AB "
        "2015; incidents by cercle: COD-AB 2021); the two versions number cercles differently (Ansongo is "
        "ML0702 in 2015, ML0701 in 2021), so joining them would misattribute counts. Use boundaries of one "
        "version for every level"
    )
    from geo.products.i18n import error_text

    assert error_text(err.value, "fr").startswith(
        "limites administratives, champ 'pcode'\u202f: "
        "les codes P de COD-AB 2015 et de COD-AB 2021 sont mélangés "
        "(admin2: COD-AB 2015; incidents by cercle: COD-AB 2021)\u202f; les deux versions"
    )
    b.attrs["pcode_version"] = "2015"
    assert require_same_pcode_version({"admin2": a, "admin3": b}) == "2015"


def test_load_admin_refuses_a_file_not_of_its_declared_version(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert admin.load_admin(data_dir, 2).attrs["pcode_version"] == "2015"
    monkeypatch.setattr(admin, "detect_pcode_version", lambda *_a: "2021")  # as if the file were COD-AB 2021
    with pytest.raises(DataFileError) as err:
        admin.load_admin(data_dir, 3)
    assert str(err.value).endswith(
        "field 'pcode': the manifest declares COD-AB 2015 P-codes but the cercles' P-codes are COD-AB 2021 "
        "(checked against reference/mli_pcodes_adm1_adm2.csv); fix the manifest entry or the file"
    )


def test_load_admin_refuses_levels_of_two_versions(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    real = admin.dataset_entry

    def entry(folder: Path, role: str):  # noqa: ANN202
        ds = real(folder, role)
        return dataclasses.replace(ds, version="2021") if role == "admin2" else ds

    monkeypatch.setattr(admin, "dataset_entry", entry)  # the folder's admin2 is declared COD-AB 2021
    with pytest.raises(DataFileError) as err:
        admin.load_admin(data_dir, 3)
    assert (
        "P-codes of COD-AB 2015 and COD-AB 2021 are mixed (admin1: COD-AB 2015; admin2: COD-AB 2021; "
        in str(err.value)
    )
    assert "admin3 (mli_adm3_ocha2015.gpkg): COD-AB 2015)" in str(err.value)
