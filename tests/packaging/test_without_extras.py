"""The engine commands run with no extra installed (no app, no print-map libraries).

Each check runs ``python -m geo`` in a subprocess whose ``sitecustomize`` (first on
``PYTHONPATH``) makes the optional modules impossible to import, as in a plain
``pip install .``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from geo.cli import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = (
    "streamlit",
    "folium",
    "streamlit_folium",
    "matplotlib",
    "pypdf",
    "bcrypt",
    "streamlit_authenticator",
    "psycopg",
)

BLOCKER = textwrap.dedent(
    f"""
    import sys

    BLOCKED = {BLOCKED!r}


    class _Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}} (extra not installed)", name=name)
            return None


    sys.meta_path.insert(0, _Blocker())
    """
)

#: Walks the parser and asks every command and subcommand for its --help.
HELP_ALL = textwrap.dedent(
    """
    import argparse, contextlib, io, sys
    from geo.cli import build_parser, main

    def commands(parser, prefix=()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield (*prefix, name)
                    yield from commands(sub, (*prefix, name))

    failed = []
    for cmd in commands(build_parser()):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            try:
                main([*cmd, "--help"])
                code = 0
            except SystemExit as exc:
                code = exc.code
        if code != 0 or "usage:" not in out.getvalue():
            failed.append(" ".join(cmd))
        print(" ".join(cmd))
    print("FAILED", failed, file=sys.stderr)
    sys.exit(1 if failed else 0)
    """
)


@pytest.fixture(scope="module")
def blocked_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment whose Python cannot import any optional module."""
    folder = tmp_path_factory.mktemp("no_extras")
    (folder / "sitecustomize.py").write_text(BLOCKER, encoding="utf-8")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    env["MALI_ACCESS_LANG"] = "en"  # these tests read the English help and messages
    return env


def run(env: dict[str, str], *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900, check=False
    )


def test_blocker_works(blocked_env: dict[str, str]) -> None:
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    try:\n        importlib.import_module(m)\n"
    code += "    except ModuleNotFoundError:\n        print('blocked', m)\n"
    out = run(blocked_env, "-c", code, *BLOCKED, "geopandas")
    assert out.stdout.split("\n")[:-1] == [f"blocked {m}" for m in BLOCKED]


def test_every_command_help_without_extras(blocked_env: dict[str, str]) -> None:
    out = run(blocked_env, "-c", HELP_ALL)
    assert out.returncode == 0, out.stderr
    listed = out.stdout.split()
    # every registered command module contributes at least one command
    assert len(set(listed)) >= len(COMMAND_MODULES)
    for expected in ("reach", "catchments", "travel-time", "status", "encircled", "incidents", "snapshot"):
        assert expected in listed


def test_status_show_and_data_verify_without_extras(
    blocked_env: dict[str, str], data_dir: Path, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    out = run(blocked_env, "-m", "geo", "status", "show", "--store", str(store), "--format", "csv")
    assert out.returncode == 0, out.stderr
    # the store is seeded from the curated road status: every axis in force appears once
    assert out.stdout.splitlines()[0].startswith("axis_id,")
    out = run(blocked_env, "-m", "geo", "data", "verify", "--data", str(data_dir))
    assert out.returncode == 0, out.stderr
    assert f"data folder: {data_dir}" in out.stdout


@pytest.mark.parametrize(
    "command",
    [("export", "map", "--out", "m.pdf"), ("export", "map", "--all-hubs", "--out", "m.pdf"), ("snapshot",)],
)
def test_print_map_commands_name_the_extra_in_one_line(
    blocked_env: dict[str, str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    out = run(blocked_env, "-m", "geo", *command, "--store", str(tmp_path / "s.sqlite"), cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr == (
        "error: this command needs matplotlib, from the 'export' extra: pip install 'mali-access[export]'\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # stopped before any work: nothing written


@pytest.mark.slow
def test_reach_without_extras(blocked_env: dict[str, str], data_dir: Path, tmp_path: Path) -> None:
    import pyogrio

    out_file = tmp_path / "reach.gpkg"
    out = run(
        blocked_env,
        *("-m", "geo", "reach", "--data", str(data_dir), "--cell-km", "8", "--hubs", "MOP"),
        *("--as-of", "2025-11-29", "--store", str(tmp_path / "store.sqlite"), "--out", str(out_file)),
    )
    assert out.returncode == 0, out.stderr
    layers = dict(pyogrio.list_layers(out_file))
    assert "reachable_areas" in layers
    bands = pyogrio.read_dataframe(out_file, layer="reachable_areas")
    assert set(bands["hub_id"]) == {"MOP"}
    assert sorted(bands["hours"]) == [4.0, 8.0, 12.0]
