"""Downloads: checksum verified before a file is moved into place (local HTTP server)."""

from __future__ import annotations

import hashlib
import http.server
import threading
from pathlib import Path

import pytest

from geo.errors import DataFileError
from geo.sources.fetch import download


@pytest.fixture
def server(tmp_path: Path):  # noqa: ANN201
    root = tmp_path / "www"
    root.mkdir()
    (root / "file.bin").write_bytes(b"mali" * 10_000)
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_download_with_matching_checksum_and_progress(server: str, tmp_path: Path) -> None:
    digest = hashlib.sha256(b"mali" * 10_000).hexdigest()
    seen = []
    out = download(
        f"{server}/file.bin",
        tmp_path / "data" / "x.bin",
        sha256=digest,
        progress=lambda done, total, name: seen.append((done, total)),
    )
    assert out.read_bytes() == b"mali" * 10_000
    assert seen[-1] == (40_000, 40_000)


def test_checksum_mismatch_keeps_the_old_file(server: str, tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    target.write_bytes(b"previous good copy")
    with pytest.raises(DataFileError, match="checksum mismatch"):
        download(f"{server}/file.bin", target, sha256="0" * 64)
    assert target.read_bytes() == b"previous good copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["www", "x.bin"]


def test_unreachable_address_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="download failed"):
        download("http://127.0.0.1:9/nothing", tmp_path / "x.bin", sha256="0" * 64, timeout_s=2)
