"""``export map`` sign-off options are checked before anything is computed."""

from __future__ import annotations

from geo.cli import main


def test_bad_category_and_stale_days_stop_with_one_line(tmp_path, data_dir, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "map.png"
    store = str(tmp_path / "s.sqlite")
    base = ["export", "map", "--data", str(data_dir), "--store", store, "--out", str(out)]
    assert main([*base, "--incident-category", "<script>"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--incident-category must be one of" in err[0] and "hostilities" in err[0]
    assert main([*base, "--stale-days", "-3"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["error: --stale-days: expected a whole number of days >= 0, got '-3'"]
    assert not out.exists()
