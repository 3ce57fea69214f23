"""The dependency contract, read from the import graph of the source.

Layers, from the bottom: the engine's core modules (errors, configuration, vocabulary,
escaping, files, tables), then ``geo.sources`` (readers of public data), ``geo.store``,
``geo.model`` (the access model), ``geo.products`` and ``geo.cli``; above the engine the
folium ``layers`` and the Streamlit ``views``, ``app`` and ``server``. A module may import its own layer
and the layers below it, never one above. The engine never imports a UI library and needs
no optional extra to be imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Rank of each layer; a module may only import modules of equal or lower rank.
LAYERS = {
    "geo": 0,  # core modules directly under geo/
    "geo.sources": 1,
    "geo.store": 2,
    "geo.model": 3,
    "geo.products": 4,
    "geo.cli": 5,
    "layers": 6,
    "views": 7,
    "app": 8,
    "server": 8,  # server.py: serves app.py (st.App) after the warm-up
}
UI_LIBRARIES = {"streamlit", "folium", "streamlit_folium", "branca", "streamlit_authenticator", "bcrypt"}
#: Third-party packages the engine may import only inside a function (optional extras).
OPTIONAL = {"matplotlib", "pypdf", "psycopg"}


def module_name(path: Path) -> str:
    """Dotted module name of a source file under the project root."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> str | None:
    """Layer of a project module (``None`` for third-party modules)."""
    parts = module.split(".")
    if parts[0] == "geo":
        if module == "geo.__main__":
            return "geo.cli"
        if len(parts) > 1 and f"geo.{parts[1]}" in LAYERS:
            return f"geo.{parts[1]}"
        return "geo"
    return parts[0] if parts[0] in LAYERS else None


def imports(path: Path) -> list[tuple[str, bool]]:
    """Modules imported by a file, each with whether the import is at module level."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, id(node) in top))
    return found


def project_files() -> list[Path]:
    """Every Python source of the engine, the layers and the app."""
    files = [ROOT / "app.py", ROOT / "server.py"]
    for package in ("geo", "layers", "views"):
        files += sorted((ROOT / package).rglob("*.py"))
    return files


def test_no_module_imports_a_layer_above_its_own() -> None:
    offenders = []
    for path in project_files():
        mine = layer_of(module_name(path))
        for target, _ in imports(path):
            theirs = layer_of(target)
            if theirs is not None and LAYERS[theirs] > LAYERS[mine]:
                offenders.append(f"{module_name(path)} ({mine}) imports {target} ({theirs})")
    assert offenders == []


@pytest.mark.parametrize("package", ["geo", "layers"])
def test_no_ui_library_below_the_pages(package: str) -> None:
    allowed = {"folium", "branca"} if package == "layers" else set()
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for target, _ in imports(path):
            if target.split(".")[0] in UI_LIBRARIES - allowed:
                offenders.append(f"{module_name(path)} imports {target}")
    assert offenders == []


def test_optional_extras_are_imported_lazily_by_the_engine() -> None:
    offenders = []
    for path in sorted((ROOT / "geo").rglob("*.py")):
        for target, top_level in imports(path):
            if top_level and target.split(".")[0] in OPTIONAL:
                offenders.append(f"{module_name(path)} imports {target} at module level")
    assert offenders == []


def test_pages_hold_no_analysis() -> None:
    """Pages call geo/layers; they never reproject, join or issue SQL themselves."""
    offenders = []
    for path in sorted((ROOT / "views").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for needle in (".to_crs(", ".sjoin(", "gpd.sjoin", "import sqlite3", ".execute("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert offenders == []


def test_pages_do_not_import_the_command_line() -> None:
    """Text helpers, tables and files the pages share with ``python -m geo`` live in the engine.

    Only ``views.accounts``, itself a command line (``python -m views.accounts``), builds its
    parser with the CLI's :class:`geo.cli.common.Parser`.
    """
    offenders = []
    for path in [ROOT / "app.py", *sorted((ROOT / "views").rglob("*.py"))]:
        for target, _ in imports(path):
            if layer_of(target) == "geo.cli" and module_name(path) != "views.accounts":
                offenders.append(f"{module_name(path)} imports {target}")
    assert offenders == []
