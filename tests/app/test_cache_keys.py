"""App caches are keyed on data-file fingerprints: a changed data file is noticed on the next run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import streamlit as st

from views import common


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "admin").mkdir(parents=True)
    (folder / "admin" / "a.gpkg").write_bytes(b"one")
    (folder / "roads.csv").write_text("x\n1\n")
    return folder


def test_fingerprint_changes_with_content_size_mtime_and_new_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    first = common.data_fingerprint(str(folder))
    assert common.data_fingerprint(str(folder)) == first  # stable
    f = folder / "admin" / "a.gpkg"
    st_ = f.stat()
    f.write_bytes(b"two")  # same size, new content
    os.utime(f, ns=(st_.st_atime_ns, st_.st_mtime_ns))  # even with the old modification time
    common._HASHES.clear()  # a new process: nothing memoised
    second = common.data_fingerprint(str(folder))
    assert second != first
    os.utime(f, ns=(st_.st_atime_ns, st_.st_mtime_ns + 10**9))  # touched only
    third = common.data_fingerprint(str(folder))
    assert third != second
    (folder / "places.gpkg").write_bytes(b"new file")
    assert common.data_fingerprint(str(folder)) != third
    (folder / ".hidden").write_bytes(b"ignored")
    assert common.data_fingerprint(str(folder)) == common.data_fingerprint(str(folder))


def test_file_fingerprint_is_size_mtime_and_hash(tmp_path: Path) -> None:
    f = tmp_path / "x.csv"
    f.write_bytes(b"abc")
    size, mtime, digest = common.file_fingerprint(f).split(":")
    assert (int(size), int(mtime)) == (3, f.stat().st_mtime_ns)
    assert digest == "ba7816bf8f01cfea"  # sha256("abc")[:16]


def test_cached_loader_reloads_when_a_data_file_changes(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    calls: list[str] = []

    @st.cache_data(show_spinner=False)
    def load(data_folder: str, fingerprint: str, level: int) -> str:
        calls.append(fingerprint)
        return (Path(data_folder) / "admin" / "a.gpkg").read_text() + str(level)

    loader = common._keyed_on_data(load)
    try:
        assert loader(str(folder), 1) == "one1"
        assert loader(str(folder), 1) == "one1"
        assert len(calls) == 1  # served from the cache
        shutil.copyfile(folder / "roads.csv", folder / "admin" / "a.gpkg")  # the data file is replaced
        assert loader(str(folder), 1) == "x\n1\n1"
        assert len(calls) == 2 and calls[0] != calls[1]
    finally:
        loader.clear()
