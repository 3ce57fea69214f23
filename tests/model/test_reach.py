"""Reach engine: bands, hub placement, scenarios, catchments (synthetic grids and real data)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from rasterio.transform import Affine
from shapely.geometry import Point

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError
from geo.model.friction import Grid
from geo.model.reach import band_polygons, place_hub

AS_OF = dt.date(2025, 11, 30)


@pytest.fixture
def grid10() -> Grid:
    return Grid(Affine(1000.0, 0.0, 0.0, 0.0, -1000.0, 10_000.0), (10, 10), 1.0, WORK_CRS)


def test_corner_touching_cells_make_valid_parts_without_slivers(grid10: Grid) -> None:
    t = np.full((10, 10), np.inf)
    t[::2, ::2] = 1.0  # checkerboard of isolated cells touching only at corners
    t[1::2, 1::2] = 1.0
    (geom,) = band_polygons(t, grid10, [1.0])
    assert geom.is_valid
    assert geom.area == pytest.approx(50 * 1e6)  # exactly the cell count
    assert len(geom.geoms) == 50  # one part per cell, never joined by slivers
    assert min(g.area for g in geom.geoms) == pytest.approx(1e6)


def test_bands_are_nested_valid_and_match_cell_counts(grid10: Grid) -> None:
    f = np.full((10, 10), 0.1)
    f[4, 1:9] = np.inf
    from geo.model.costdist import travel_time_h

    t = travel_time_h(f, [(0, 0)], cell_km=1.0)
    hours = [0.5, 1.0, 2.0]
    geoms = band_polygons(t, grid10, hours)
    for h, g in zip(hours, geoms, strict=True):
        assert g.is_valid
        assert g.area / 1e6 == pytest.approx(int((t <= h).sum()), rel=0.01)
    assert geoms[1].covers(geoms[0]) and geoms[2].covers(geoms[1])


def test_hub_off_grid_is_reported_with_distance(grid10: Grid) -> None:
    f = np.ones((10, 10))
    p = place_hub(f, grid10, 25_000.0, 5_500.0)
    assert not p.usable
    assert "off the grid" in p.status and "lat/lon" in p.status
    assert p.snap_km == pytest.approx(15.5)


def test_hub_on_barrier_is_moved_or_reported(grid10: Grid) -> None:
    f = np.ones((10, 10))
    f[:, :6] = np.inf
    moved = place_hub(f, grid10, 4_500.0, 5_500.0)  # 2 cells from the passable area
    assert moved.status == "moved" and (moved.row, moved.col) == (4, 6) and moved.snap_km == 2.0
    far = place_hub(f, grid10, 500.0, 5_500.0, max_snap_km=3.0)
    assert not far.usable and far.snap_km == 6.0 and "6.0 km away" in far.status


# ------------------------------------------------------------------ real data


@pytest.fixture(scope="module")
def model(data_dir):  # noqa: ANN001, ANN201
    from geo.model.friction import load_model_inputs
    from geo.model.reach import compute_reach
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    inputs = load_model_inputs(data_dir)
    hubs = select_hubs(None)
    v = load_versions(None)
    result = compute_reach(inputs, hubs, v, as_of=AS_OF)
    return inputs, hubs, result


def test_real_bands_valid_nested_and_areas_match_cells(model) -> None:  # noqa: ANN001
    inputs, hubs, result = model
    bands = result.bands
    assert len(bands) == 3 * len(hubs)
    assert bands.geometry.is_valid.all()
    for hub_id, group in bands.groupby("hub_id"):
        cells = result.cells[hub_id]
        geoms = group.sort_values("hours").geometry.tolist()
        for small, big in zip(geoms, geoms[1:], strict=False):
            assert big.buffer(1.0).contains(small)
        for row in group.itertuples():
            n = int((cells.time_h <= row.hours).sum())
            assert row.area_km2 == pytest.approx(n * inputs.grid.cell_area_km2, rel=0.01)
    loc = result.localities
    assert (loc["travel_time_h"] >= 0).all() and (loc["travel_time_h"] <= 12.0).all()
    shares = result.admin3["share_reached"]
    assert ((shares > 0) & (shares <= 1)).all()


def test_hub_in_lat_lon_order_is_reported(model) -> None:  # noqa: ANN001
    from geo.model.reach import reach_hub

    inputs, hubs, result = model
    hub = hubs.iloc[0].copy()
    hub["geometry"] = Point(hub.geometry.y, hub.geometry.x)  # swapped
    res = reach_hub(inputs, result.friction, hub)
    assert res.cells is None
    assert "swapped" in res.bands["hub_status"].iloc[0]
    assert (res.bands["area_km2"] == 0).all()


def test_scenario_closing_rn16_only_loses_and_reuses_unaffected_hubs(model) -> None:  # noqa: ANN001
    from geo.model.scenario import Scenario, run_scenario

    inputs, hubs, before = model
    sc = Scenario(name="RN16 closed", close_axes=("RN16-SEV-DOU", "RN16-DOU-HOM", "RN16-HOM-GAO"))
    out = run_scenario(inputs, hubs, before, sc)
    ch = out.changes.set_index(["hub_id", "hours"])
    assert (ch["km2_gained"] == 0).all() and (ch["localities_gained"] == 0).all()
    assert ch.loc[("MOP", 12.0), "km2_lost"] > 1000
    assert ch.loc[("MOP", 12.0), "population_lost"] > 0
    assert not ch.loc[("MEN", 12.0), "recomputed"]  # Ménaka's 12 h reach never touches RN16
    assert (ch["area_before_km2"] - ch["km2_lost"] + ch["km2_gained"] == ch["area_after_km2"]).all()
    lost = out.localities[(out.localities["hub_id"] == "MOP") & (out.localities["hours"] == 12.0)]
    assert len(lost) == ch.loc[("MOP", 12.0), "localities_lost"]
    assert set(lost["change"]) == {"lost"}


def test_unaffected_hub_reuse_is_exact(model) -> None:  # noqa: ANN001
    from geo.model.reach import reach_from_state
    from geo.model.scenario import Scenario, apply_scenario

    inputs, hubs, before = model
    state = apply_scenario(inputs, before.state, Scenario(close_axes=("RN16-HOM-GAO",)))
    fresh = reach_from_state(inputs, hubs[hubs["hub_id"] == "MEN"], state, as_of=AS_OF)
    assert np.array_equal(fresh.cells["MEN"].time_h, before.cells["MEN"].time_h)


def test_scenario_reused_bands_equal_a_full_recompute(model) -> None:  # noqa: ANN001
    from geo.model.reach import reach_from_state
    from geo.model.scenario import Scenario, _first_change_h, run_scenario

    inputs, hubs, before = model
    sc = Scenario(close_axes=("RN16-SEV-DOU", "RN16-DOU-HOM", "RN16-HOM-GAO"))
    out = run_scenario(inputs, hubs, before, sc)
    below = _first_change_h(before, out.after.friction)
    # Bamako's 4 h band never comes near RN16, so its polygon is taken from before ...
    assert below["BKO"] > 4.0 and "MEN" not in below
    fresh = reach_from_state(inputs, hubs, out.after.state, as_of=AS_OF, hours=before.hours)
    # ... and everything equals a recompute from scratch, polygon by polygon (a patched band
    # polygon is the same point set, up to the rounding of where the outline crosses a cell's
    # side; its rings may list a few more vertices, in line)
    a, b = out.after.bands.geometry.to_numpy(), fresh.bands.geometry.to_numpy()
    assert shapely.is_valid(a).all()
    assert (shapely.area(shapely.symmetric_difference(a, b)) < 1e-3).all()  # m2
    assert (shapely.hausdorff_distance(a, b) < 1e-3).all()  # m
    assert (shapely.get_num_coordinates(a) - shapely.get_num_coordinates(b) <= 16).all()
    pd.testing.assert_frame_equal(
        out.after.bands.drop(columns="geometry"),
        fresh.bands.drop(columns="geometry"),
        check_exact=False,
        rtol=1e-12,
    )
    pd.testing.assert_frame_equal(out.after.localities, fresh.localities)
    pd.testing.assert_frame_equal(out.after.admin3, fresh.admin3)
    for hub_id, cells in fresh.cells.items():  # cell by cell (resumed searches list cells in another order)
        assert np.array_equal(out.after.cells[hub_id].raster(), cells.raster())
    # the scenario's grid was prepared from before's along RN16 only (same crossings: gates shared)
    assert out.after.grid.gate is before.grid.gate
    assert np.array_equal(out.after.grid.moves, fresh.grid.moves)
    assert np.array_equal(out.after.grid.near, fresh.grid.near)


def test_scenario_diff_equals_a_raster_diff(model) -> None:  # noqa: ANN001
    """Lost and gained cells, people and localities from the sparse diff = a brute-force raster diff."""
    from geo.model.scenario import Scenario, run_scenario

    inputs, hubs, before = model
    sc = Scenario(close_axes=("RN16-SEV-DOU",), open_axes=("GAO-ANSONGO-MENAKA", "BANKASS-KORO-SEC"))
    out = run_scenario(inputs, hubs, before, sc)
    ch = out.changes.set_index(["hub_id", "hours"])
    assert ch["km2_gained"].sum() > 0 and ch["km2_lost"].sum() > 0
    pop, cell_km2 = inputs.population, inputs.grid.cell_area_km2
    places = inputs.places
    for hub_id in ("MOP", "GAO", "MEN"):
        tb, ta = before.cells[hub_id].raster(), out.after.cells[hub_id].raster()
        pb = tb[places["row"], places["col"]]
        pa = ta[places["row"], places["col"]]
        for t in before.hours:
            lost, gained = (tb <= t) & ~(ta <= t), (ta <= t) & ~(tb <= t)
            row = ch.loc[(hub_id, t)]
            assert row["km2_lost"] == pytest.approx(lost.sum() * cell_km2)
            assert row["km2_gained"] == pytest.approx(gained.sum() * cell_km2)
            assert row["population_lost"] == pytest.approx(pop[lost].sum(dtype=float), rel=1e-9)
            assert row["population_gained"] == pytest.approx(pop[gained].sum(dtype=float), rel=1e-9)
            assert row["area_after_km2"] == pytest.approx((ta <= t).sum() * cell_km2)
            assert row["localities_lost"] == int(((pb <= t) & ~(pa <= t)).sum())
            assert row["localities_gained"] == int(((pa <= t) & ~(pb <= t)).sum())
            poly = out.gained[(out.gained["hub_id"] == hub_id) & (out.gained["hours"] == t)].geometry.iloc[0]
            assert poly.area / 1e6 == pytest.approx(gained.sum() * cell_km2)


def test_scenario_toml_errors_name_the_field(tmp_path) -> None:  # noqa: ANN001
    from geo.model.scenario import read_scenario

    p = tmp_path / "s.toml"
    p.write_text('name = "x"\nclose_axis = ["RN16"]\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="close_axis"):
        read_scenario(p)
    p.write_text('season = "monsoon"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="season"):
        read_scenario(p)
    p.write_text('[[add_blockade]]\nlocality = "X"\nlon = "a"\nlat = 1\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="row 1"):
        read_scenario(p)
    p.write_text(
        'name = "ok"\nseason = "rainy"\nclose_axes = ["A"]\n[[add_blockade]]\nlocality = "B"\n'
        "lon = -2.2\nlat = 15.1\nradius_km = 10\n",
        encoding="utf-8",
    )
    sc = read_scenario(p)
    assert sc.season == "rainy" and sc.close_axes == ("A",) and sc.add_blockades[0].radius_km == 10.0


def test_scenario_names_in_each_language(tmp_path) -> None:  # noqa: ANN001
    """``name_fr`` / ``name_en``: the name shown in each language; an older file's ``name`` still reads."""
    from geo.model.scenario import read_scenario

    p = tmp_path / "s.toml"
    p.write_text('name_fr = "RN15 fermée"\nname_en = "RN15 closed"\nclose_axes = ["A"]\n', encoding="utf-8")
    sc = read_scenario(p)
    assert (sc.label("fr"), sc.label("en"), sc.name) == ("RN15 fermée", "RN15 closed", "RN15 closed")
    p.write_text('name = "RN15 shut"\nclose_axes = ["A"]\n', encoding="utf-8")  # before name_fr/name_en
    sc = read_scenario(p)
    assert (sc.label("fr"), sc.label("en"), sc.name) == ("RN15 shut", "RN15 shut", "RN15 shut")
    p.write_text('name = "RN15"\nname_fr = "RN15 fermée"\n', encoding="utf-8")  # one language only
    sc = read_scenario(p)
    assert (sc.label("fr"), sc.label("en")) == ("RN15 fermée", "RN15")
    p.write_text('name_fr = "RN15 fermée"\n', encoding="utf-8")
    sc = read_scenario(p)
    assert (sc.label("fr"), sc.label("en"), sc.name) == ("RN15 fermée", "RN15 fermée", "RN15 fermée")
    p.write_text("name_en = 3\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="name_en"):
        read_scenario(p)
    p.write_text('nom = "x"\n', encoding="utf-8")
    with pytest.raises(DataFileError, match="'name_en', 'name_fr'"):  # the expected keys are listed
        read_scenario(p)


def test_shipped_scenarios_are_named_in_both_languages() -> None:
    from geo.config import SCENARIOS_DIR
    from geo.model.scenario import read_scenario

    files = sorted(SCENARIOS_DIR.glob("*.toml"))
    assert files
    for f in files:
        sc = read_scenario(f)
        assert sc.name_fr and sc.name_en and sc.name_fr != sc.name_en, f.name


def test_scenario_unknown_axis_and_blockade_add_lift(model) -> None:  # noqa: ANN001
    from geo.model.scenario import Blockade, Scenario, apply_scenario

    inputs, _, before = model
    with pytest.raises(DataFileError, match="unknown axis"):
        apply_scenario(inputs, before.state, Scenario(close_axes=("NOPE",)))
    with pytest.raises(
        DataFileError, match=r"did you mean 'RN16-SEV-DOU'.*close_axes|close_axes.*did you mean"
    ):
        apply_scenario(inputs, before.state, Scenario(close_axes=("RN16-SEV-DUO",), source="my.toml"))
    with pytest.raises(DataFileError, match="outside Mali"):  # lat/lon swapped
        apply_scenario(
            inputs, before.state, Scenario(add_blockades=(Blockade("Boni", 15.0766, -2.2198, 10),))
        )
    with pytest.raises(DataFileError, match=r"\['Nowhere'\] not in force"):
        apply_scenario(inputs, before.state, Scenario(lift_blockades=("Nowhere",)))
    st = apply_scenario(
        inputs, before.state, Scenario(add_blockades=(Blockade("Boni", -2.2198, 15.0766, 10),))
    )
    assert "Boni" in set(st.no_entry["locality"])
    assert len(st.no_entry) == len(before.state.no_entry) + 1


def test_catchments_do_not_overlap_and_pick_the_fastest_hub(model) -> None:  # noqa: ANN001
    from geo.model.catchments import compute_catchments

    inputs, hubs, before = model
    c = compute_catchments(inputs, hubs, before.state, max_h=12.0, friction=before.friction)
    polys = c.polygons
    assert polys.geometry.is_valid.all()
    union = shapely.union_all(polys.geometry.values)
    assert union.area == pytest.approx(polys.geometry.area.sum(), rel=1e-9)  # no overlap
    assert polys["area_km2"].sum() == pytest.approx(len(c.cells) * inputs.grid.cell_area_km2)
    # each locality's time = the minimum over the per-hub reach
    per_hub = before.localities.pivot_table(index="place_id", columns="hub_id", values="travel_time_h")
    sample = c.localities.set_index("place_id").loc[per_hub.index[:200]]
    best = per_hub.loc[sample.index].min(axis=1)
    assert np.allclose(sample["travel_time_h"].to_numpy(), best.to_numpy())
    assert (per_hub.loc[sample.index].idxmin(axis=1) == sample["hub_id"]).mean() > 0.99  # ties aside


def test_cli_travel_time_and_catchments(data_dir, tmp_path, capsys, n_hubs, monkeypatch) -> None:  # noqa: ANN001
    from geo.cli import main

    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the commands print French by default

    assert (
        main(
            [
                "travel-time",
                "--data",
                str(data_dir),
                "--from",
                "SEG",
                "--to",
                "San, San",
                "--as-of",
                "2025-11-30",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "travel time:" in out and "on road" in out
    gpkg = tmp_path / "c.gpkg"
    assert (
        main(
            [
                "catchments",
                "--data",
                str(data_dir),
                "--out",
                str(gpkg),
                "--hours",
                "6",
                "--as-of",
                "2025-11-30",
            ]
        )
        == 0
    )
    layer = gpd.read_file(gpkg, layer="catchments")
    assert {"hub", "area_km2", "population"} <= set(layer.columns) and len(layer) == n_hubs
    assert layer.crs.to_string() == STORAGE_CRS
    pts = gpd.read_file(gpkg, layer="localities")
    assert (pts["travel_time_h"] <= 6.0).all()
    assert set(pd.unique(pts["hub_id"])) <= set(layer["hub_id"])


@pytest.mark.parametrize("change", ["slower", "faster", "barrier", "edge_slower", "edge_faster"])
def test_patched_band_polygons_equal_a_full_trace(change: str) -> None:
    from types import SimpleNamespace

    from geo.model.costdist import change_flags, prepare_friction, settle, update
    from geo.model.friction import edge_cell_mask
    from geo.model.reach import _patch_bands, _patched_band_polygons, settled_band_polygons

    rng = np.random.default_rng(7)
    f0 = rng.uniform(0.05, 0.3, (80, 90))  # h/km, 1 km cells
    f0[30:33, 10:70] = np.inf  # a ridge with a gap, so closures leave holes and islands
    f1 = f0.copy()
    part = {
        "slower": (slice(45, 52), slice(40, 47)),
        "faster": (slice(60, 64), slice(20, 30)),
        "barrier": (slice(20, 40), slice(69, 72)),
        "edge_slower": (slice(74, 80), slice(35, 55)),
        "edge_faster": (slice(74, 80), slice(35, 55)),
    }[change]
    speed = {"slower": 1.5, "faster": 0.02, "barrier": np.inf, "edge_slower": 2.0, "edge_faster": 0.01}
    f1[part] = speed[change]
    grid = Grid(Affine(1000.0, 0.0, -45_000.0, 0.0, -1000.0, 1_240_000.0), f0.shape, 1.0, WORK_CRS)
    # a slanted outline: it cuts the cells of the southern rows at odd points
    outline = shapely.Polygon(
        [(-44_500, 1_160_900), (44_500, 1_160_300), (44_500, 1_239_500), (-44_500, 1_239_500)]
    )
    edge = np.packbits(
        edge_cell_mask(gpd.GeoSeries([outline], crs=WORK_CRS), grid).reshape(-1), bitorder="little"
    )
    hours, start = (2.0, 4.0, 8.0), (60, 45)
    before = settle(f0, [start], cell_km=1.0, max_h=8.0)
    up = update(
        f1, before, change_flags(f0, prepare_friction(f1)), start=start, cell_km=1.0, max_h=8.0, hours=hours
    )
    prior = dict(
        zip(hours, settled_band_polygons(before, grid, hours, outline, edge_cells=edge), strict=True)
    )
    full = settled_band_polygons(up.settled, grid, hours, outline, edge_cells=edge)
    bands = _patch_bands(SimpleNamespace(grid=grid), up, hours, prior)
    assert bands  # the moved cells lie in a small box of at least one band
    patched = _patched_band_polygons(up, grid, hours, bands, prior, outline, edge)
    touched = set()
    for k in bands:
        moved = np.concatenate((up.lost[k], up.gained[k]))
        r, c = np.divmod(moved, 90)
        assert (np.ptp(r) + 1) * (np.ptp(c) + 1) < 0.25 * 80 * 90
        a, b = patched[hours[k]], full[k]
        assert a.is_valid and a.area == pytest.approx(b.area, rel=1e-12)
        if ((edge[moved >> 3] >> (moved & 7)) & 1).any():  # the outline's crossings, computed again
            assert shapely.symmetric_difference(a, b).area < 1e-3  # m2, of a band of ~1e9 m2
            assert shapely.hausdorff_distance(a, b) < 1e-3  # m: no spike, no sliver
            touched.add(True)
        else:
            assert shapely.equals(a, b)
            touched.add(False)
    assert True in touched or not change.startswith("edge")  # an edge case patches a band at the outline


def test_edge_cells_skip_only_clips_that_change_nothing() -> None:
    from geo.model.costdist import settle
    from geo.model.friction import edge_cell_mask
    from geo.model.reach import settled_band_polygons

    grid = Grid(Affine(1000.0, 0.0, 0.0, 0.0, -1000.0, 40_000.0), (40, 40), 1.0, WORK_CRS)
    outline = gpd.GeoSeries(
        [shapely.Polygon([(2_300, 2_700), (37_600, 1_900), (36_100, 38_200), (3_400, 37_400)])], crs=WORK_CRS
    )
    edge = edge_cell_mask(outline, grid)
    assert edge.sum() > 0 and not edge[20, 20] and edge[2, 20]
    cx = grid.transform.c + (np.arange(40) + 0.5) * 1000.0
    cy = grid.transform.f - (np.arange(40) + 0.5) * 1000.0
    inside = shapely.contains_xy(outline.iloc[0], *np.meshgrid(cx, cy))
    f = np.where(inside, 0.1, np.inf)
    cells = settle(f, [(20, 20)], cell_km=1.0)
    hours = [0.5, 1.5, 10.0]  # the first band stays inside, the last reaches the outline
    clip = outline.iloc[0]
    bits = np.packbits(edge.reshape(-1), bitorder="little")
    fast = settled_band_polygons(cells, grid, hours, clip, edge_cells=bits)
    full = settled_band_polygons(cells, grid, hours, clip)
    for a, b in zip(fast, full, strict=True):
        assert a.is_valid and shapely.symmetric_difference(a, b).area < 1e-6
    assert fast[2].area < int((cells.time_h <= 10.0).sum()) * 1e6  # border cells were shaved


def test_friction_kernel_follows_the_speed_grid_rules(model) -> None:  # noqa: ANN001
    from geo.model.friction import build_friction, crossing_state, no_entry_mask, speed_grids

    inputs, _, result = model
    st = result.state
    road, offroad = speed_grids(inputs, axis_status=st.axis_status, season=st.season)
    speed = np.where(road > 0, road, offroad)
    zones = no_entry_mask(st.no_entry, inputs.grid)
    barrier = ~inputs.inside | (speed <= 0) | inputs.water | zones  # rivers cut roads too
    with np.errstate(divide="ignore"):
        expected = np.where(barrier, np.inf, 1.0 / np.where(speed > 0, speed, 1.0))
    # then each usable crossing opens its water cells (outside no-entry zones) at its speed
    usable = crossing_state(inputs, st.crossing_status, st.season)["usable"]
    flat = expected.reshape(-1)
    for cid, cr in inputs.crossings.iterrows():
        idx = cr["cells"][~zones.reshape(-1)[cr["cells"]] & inputs.inside.reshape(-1)[cr["cells"]]]
        if usable[cid] and len(idx):
            flat[idx] = 1.0 / cr[f"speed_{st.season}"]
    got = build_friction(
        inputs,
        axis_status=st.axis_status,
        no_entry=st.no_entry,
        season=st.season,
        crossing_status=st.crossing_status,
    )
    assert np.array_equal(got, expected)
    pen = np.full(inputs.grid.shape, 1.5)
    with_pen = build_friction(
        inputs,
        axis_status=st.axis_status,
        no_entry=st.no_entry,
        season=st.season,
        penalty=pen,
        crossing_status=st.crossing_status,
    )
    assert np.array_equal(with_pen, expected * 1.5)


def _from_page(table):  # noqa: ANN001, ANN202
    """A Reachability page table (catalog headers, Babel figures) back to the engine's columns."""
    from geo.products.i18n import has_key, tr

    cols = ("hub", "hours", "area_before_km2", "area_after_km2", "population_before", "population_after")
    names = {tr(f"reach.col.{c}", "en"): c for c in cols if has_key(f"reach.col.{c}", "en")}
    out = table.rename(columns=names)
    for c in cols[1:]:
        if c in out.columns:
            out[c] = out[c].astype(str).str.replace(",", "").str.replace(" h", "").astype(float)
    return out


def test_reachability_page_uses_clipped_band_areas_and_labels_before_after(
    model, data_dir, tmp_path, monkeypatch
) -> None:  # noqa: ANN001
    from streamlit.testing.v1 import AppTest

    from geo.config import PROJECT_ROOT

    inputs, hubs, result = model
    monkeypatch.setenv("MALI_ACCESS_LANG", "en")  # the page's English texts (French is the default)
    monkeypatch.setenv("MALI_ACCESS_DATA", str(data_dir))
    monkeypatch.setenv("MALI_ACCESS_STORE", str(tmp_path / "store.sqlite"))  # empty: curated constraints
    at = AppTest.from_file(str(PROJECT_ROOT / "views" / "reachability.py"), default_timeout=240)
    at.session_state["auth_role"] = "planner"
    at.session_state["as_of"] = AS_OF
    at.run()
    assert not at.exception, at.exception
    from geo.products.i18n import tr

    assert [s.value for s in at.subheader] == [
        "Scenario against the as-of state, per hub and band",
        tr("crit_title", "en"),  # views/access_panels.py, in the interface language
        tr("series_title", "en"),
    ]
    labels = [t.label for t in at.tabs]  # after the scenario table's three measures
    assert labels[:3] == [tr("bands.col.area_km2", "en"), "Population", "Localities"]
    assert labels[3:5] == [
        "Before: reachable areas (as-of state on 30 November 2025, dry season)",
        "After: reachable areas under the scenario (no change entered: same as before)",
    ]
    change = _from_page(at.dataframe[0].value).merge(_from_page(at.dataframe[1].value), on=["hub", "hours"])
    # the same figures as `python -m geo reach` (band polygons clipped to Mali), not cell counts;
    # the page writes them as whole km² and people in the interface language (Babel)
    cli = result.bands.set_index(["hub", "hours"])["area_km2"]
    got = change.set_index(["hub", "hours"])
    assert got["area_before_km2"].to_numpy() == pytest.approx(cli.loc[got.index].to_numpy(), abs=0.5)
    assert got["area_after_km2"].to_numpy() == pytest.approx(cli.loc[got.index].to_numpy(), abs=0.5)
    assert got["population_before"].tolist() == got["population_after"].tolist()  # no change yet
    assert tr("reach.col.area_after_km2", "en") in at.dataframe[0].value.columns
    close = next(m for m in at.multiselect if m.label == "Close axes")
    close.set_value(["RN16-SEV-DOU"])
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert [t.label for t in at.tabs][4] == "After: reachable areas under the scenario"
    change = _from_page(at.dataframe[0].value)
    assert (change["area_after_km2"] < change["area_before_km2"]).any()


def test_closing_an_axis_leaves_the_towns_it_leaves_from_open(model) -> None:  # noqa: ANN001
    """RN15 starts at the Sévaré junction, where Mopti's road meets RN6 to the west.

    Closing RN15 (east, to Bandiagara) must not slow any trip from Mopti to the west:
    within ``town_open_km`` of its towns an axis's status does not apply.
    """
    from pyproj import Transformer

    from geo.model.friction import axis_town_cells, read_speed_table, speed_lookup
    from geo.model.scenario import Scenario, run_scenario
    from geo.sources.curated import read_axes

    inputs, hubs, before = model
    radius = speed_lookup(read_speed_table(), "axis_status", "dry")["town_open_km"]
    table = read_axes().valid
    towns = axis_town_cells(table, inputs.grid, read_speed_table())
    np.testing.assert_array_equal(towns, inputs.axis_towns)
    # the town cells lie within the radius of a waypoint, and each waypoint has its disc
    x, y = Transformer.from_crs("EPSG:4326", WORK_CRS, always_xy=True).transform(-4.0976, 14.5274)  # Sévaré
    r, c = inputs.grid.rowcol(np.array([x]), np.array([y]))
    n = int(np.ceil(radius / inputs.grid.cell_km)) + 2
    rr, cc = np.mgrid[r[0] - n : r[0] + n + 1, c[0] - n : c[0] + n + 1]
    cx, cy = inputs.grid.transform * (cc + 0.5, rr + 0.5)
    km = np.hypot(cx - x, cy - y) / 1000.0
    assert towns[rr, cc][km < radius - inputs.grid.cell_km].all()  # the disc round Sévaré
    out = run_scenario(inputs, hubs, before, Scenario(close_axes=("RN15-SEV-KORO",)))
    f0, f1 = np.asarray(before.friction), np.asarray(out.after.friction)
    changed = f0 != f1
    assert changed.any() and not (changed & towns).any()  # closed between the towns only
    lost = out.localities[(out.localities["hub_id"] == "MOP") & (out.localities["change"] == "lost")]
    assert len(lost) and (lost["lon"] > -4.1).all()  # only east of Sévaré, none to the west
    west = inputs.places[inputs.places.geometry.x < x - 50_000]
    tb, ta = before.cells["MOP"].raster(), out.after.cells["MOP"].raster()
    np.testing.assert_array_equal(tb[west["row"], west["col"]], ta[west["row"], west["col"]])
