"""``streamlit run server.py`` (README's command) answers only once the live map's warm-up is done."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_server_answers_its_health_check_after_the_warm_up(data_dir: Path, tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    env = dict(
        os.environ,
        MALI_ACCESS_DATA=str(data_dir),
        MALI_ACCESS_STORE=str(tmp_path / "store.sqlite"),
        MALI_ACCESS_USERS=str(tmp_path / "users.toml"),
        MALI_ACCESS_WARM_UP="1",
    )
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "server.py", "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 300
        while True:
            try:
                answer = urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"server.py did not start: {log.read_text(errors='replace')[-2000:]}")
                time.sleep(0.2)
        text = log.read_text(errors="replace")  # read as soon as the health check answered
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    assert answer == b"ok"
    assert "warm-up done" in text, f"the server answered before its warm-up ended:\n{text[-2000:]}"
    for kind in ("model_inputs", "reach_before", "encircled_population", "incidents"):
        assert f"app compute {kind} #1 " in text


def test_warm_up_imports_no_streamlit_component(data_dir: Path, tmp_path: Path) -> None:
    """The warm-up runs outside any page: a component module it imported would never be registered.

    ``components.declare_component`` registers a component with the server only when called
    during a page run; ``streamlit_folium`` imported first by the warm-up would leave every map
    answering 404 for its frame.
    """
    env = dict(
        os.environ,
        MALI_ACCESS_DATA=str(data_dir),
        MALI_ACCESS_STORE=str(tmp_path / "store.sqlite"),
        MALI_ACCESS_WARM_UP="1",
    )
    code = (
        "import sys\n"
        "from views import common\n"
        "common._warm_live_map()\n"
        "print(sorted(m for m in sys.modules if m.startswith('streamlit_folium')))\n"
    )
    command = [sys.executable, "-c", code]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=True)
    assert "warm-up done" in out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"
