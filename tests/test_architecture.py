"""The dependency direction app -> layers -> geo, enforced on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"geo": {"streamlit", "folium", "streamlit_folium", "branca", "layers", "views", "pages"},
             "layers": {"streamlit", "streamlit_folium", "views", "pages"}}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_upwards(package: str) -> None:
    offenders = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        bad = imported_roots(path) & FORBIDDEN[package]
        if bad:
            offenders[str(path.relative_to(ROOT))] = sorted(bad)
    assert offenders == {}


def test_pages_hold_no_analysis() -> None:
    """Pages call geo/layers; they never reproject, join or issue SQL themselves."""
    offenders = []
    for path in sorted((ROOT / "views").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (".to_crs(", ".sjoin(", "gpd.sjoin", "import sqlite3", ".execute("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []
