"""The access model against published Malian town-to-town distances and times.

``data/validation/town_pairs.csv`` holds the pairs (see ``data/validation/README.md``): each has a
published road distance (km) and/or a time with its kind (``time_kind``):

* ``driving`` - a nominal driving time (Logistics Cluster DLCA, press);
* ``osrm`` - OSRM free-flow time of a main-road edge (``route_min_src`` of the road layer);
* ``elapsed`` - a trip with stops, nights or convoys: only an upper bound of the model time.

A published driving time is screened before it counts: it cannot be shorter than the OSRM
free-flow time of the main-road (skeleton) part of the model's route alone (``free_flow_h``:
OSRM's own speeds, no field factor, other parts counted as zero -- a lower bound of any
driving time on that route). A figure below it (an indicative matrix value such as the
Logistics Cluster's "Mopti-Gao 6 hours" for 577 km of road, 96 km/h) is reported with the
verdict ``faster than free flow`` and left out of the driving median and the factor-2 check.

:func:`validate_pairs` routes every pair in the baseline state (every axis open, no no-entry
zone: the model alone) and returns one row per pair; :func:`check_targets` applies the issue-13
targets and says, per failing pair, by how much and the likely cause.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.config import PROJECT_ROOT
from geo.errors import DataFileError

TOWN_PAIRS = PROJECT_ROOT / "data" / "validation" / "town_pairs.csv"
PAIR_COLUMNS = [
    "pair_id",
    "from_town",
    "from_lon",
    "from_lat",
    "to_town",
    "to_lon",
    "to_lat",
    "road_km",
    "road_km_source",
    "travel_time_h",
    "travel_time_source",
    "vehicle",
    "note",
    "time_kind",
    "off_skeleton",
]
TIME_KINDS = ("driving", "osrm", "elapsed")

#: Targets (issue 13): median |model/published - 1| against driving and OSRM times; speeds
#: implied by distance-only pairs (published km / model h); largest factor off.
MAX_MEDIAN_ERROR = 0.20
IMPLIED_KMH = (25.0, 90.0)
MAX_FACTOR = 2.0
#: Below this share of the route on roads the cause is a missing road; above this ratio of
#: model to published km it is a detour (a missing link or river crossing).
MIN_ROAD_SHARE = 0.6
MAX_KM_RATIO = 1.3


def read_town_pairs(path: Path | str | None = None) -> pd.DataFrame:
    """Read and check ``town_pairs.csv``.

    Returns
    -------
    pandas.DataFrame
        ``PAIR_COLUMNS``; coordinates, ``road_km`` and ``travel_time_h`` as floats (NaN when
        empty), ``off_skeleton`` as bool.

    Raises
    ------
    DataFileError
        Missing column, or a row whose coordinates are not numbers in Mali, whose figures
        are not positive, whose figure has no source, whose time has no valid ``time_kind``
        (or a kind without time), or whose ``off_skeleton`` is not true/false (the message
        names the file, the 1-based row and the field).
    """
    path = Path(path or TOWN_PAIRS)
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in PAIR_COLUMNS if c not in df.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {missing}")
    out = df[PAIR_COLUMNS].copy()
    for i, r in enumerate(df.itertuples(index=False), start=1):
        for field, lo, hi in (
            ("from_lon", -12.3, 4.3),
            ("to_lon", -12.3, 4.3),
            ("from_lat", 10.1, 25.1),
            ("to_lat", 10.1, 25.1),
        ):
            try:
                v = float(getattr(r, field))
            except ValueError:
                raise DataFileError(path, "not a number", row=i, field=field) from None
            if not lo <= v <= hi:
                raise DataFileError(path, f"{v} is outside Mali", row=i, field=field)
        for field, src in (("road_km", "road_km_source"), ("travel_time_h", "travel_time_source")):
            text = getattr(r, field)
            if not text:
                continue
            try:
                v = float(text)
            except ValueError:
                raise DataFileError(path, "not a number", row=i, field=field) from None
            if not (math.isfinite(v) and v > 0):
                raise DataFileError(path, "must be a positive number", row=i, field=field)
            if not getattr(r, src).strip():
                raise DataFileError(path, "a figure needs its source", row=i, field=src)
        if bool(r.travel_time_h) != bool(r.time_kind):
            msg = "time_kind is given exactly when travel_time_h is"
            raise DataFileError(path, msg, row=i, field="time_kind")
        if r.time_kind and r.time_kind not in TIME_KINDS:
            msg = f"unknown time_kind {r.time_kind!r}; expected one of {TIME_KINDS}"
            raise DataFileError(path, msg, row=i, field="time_kind")
        if r.off_skeleton not in ("true", "false"):
            raise DataFileError(path, "expected true or false", row=i, field="off_skeleton")
    for c in ("from_lon", "from_lat", "to_lon", "to_lat", "road_km", "travel_time_h"):
        out[c] = pd.to_numeric(out[c].replace("", np.nan))
    out["off_skeleton"] = out["off_skeleton"] == "true"
    if out["pair_id"].duplicated().any():
        raise DataFileError(path, "duplicate pair_id", field="pair_id")
    return out


def baseline_state(inputs: object, season: str = "dry", month: int | None = None) -> object:
    """Return the model alone: every axis and crossing open, no no-entry zone (``ReachState``).

    ``month`` (1-12) applies the flood zones of that month; None leaves them out.
    """
    import geopandas as gpd

    from geo.config import STORAGE_CRS
    from geo.model.reach import ReachState

    status = pd.DataFrame({"status": "open"}, index=inputs.axes.index)
    empty = gpd.GeoDataFrame({"radius_km": [], "locality": [], "since": []}, geometry=[], crs=STORAGE_CRS)
    return ReachState(status, empty, season, None, None, month)


@dataclass(frozen=True)
class PointRoute:
    """Fastest route between two lon/lat points (see :func:`route_points`).

    Attributes
    ----------
    time_h
        Hours, including the walk from each point to its nearest passable cell; None when
        not reached.
    length_km, road_km, straight_km
        Route length through the cell centres, its part on roads, straight-line distance (km).
    crossings
        Ids of the river crossings used, in route order.
    line
        Route line, EPSG:4326 (None when not reached).
    cells
        ``(n, 2)`` row/col of the route.
    reason, note
        Why the end is not reached (``geo.model.route`` reasons, or ``start``/``end`` when
        a point cannot be placed) and a sentence for people; empty when reached.
    blocking
        Ids of the closed crossings that cut the way (reason ``closed crossing``).
    """

    time_h: float | None
    length_km: float
    road_km: float
    straight_km: float
    crossings: list
    line: object | None
    cells: np.ndarray
    reason: str = ""
    note: str = ""
    blocking: tuple = ()

    @property
    def road_share(self) -> float:
        """Share of the route length on roads (0-1)."""
        return self.road_km / self.length_km if self.length_km > 0 else 0.0


def router(inputs: object, state: object) -> object:
    """Return ``route(start, end) -> PointRoute`` for (lon, lat) points under ``state``.

    The friction and road cells are built once; each call places both points on their
    nearest passable cell (``geo.model.reach.place_hub``, walking at the hub snap speed)
    and extracts the route with ``geo.model.route.route_between``.
    """
    from pyproj import Transformer

    from geo.config import STORAGE_CRS, WORK_CRS
    from geo.model.costdist import prepare_friction
    from geo.model.friction import speed_grids
    from geo.model.reach import HUB_SNAP_SPEED_KMH, place_hub
    from geo.model.route import route_between

    grid = prepare_friction(state.friction(inputs))
    f = grid.friction
    road, _ = speed_grids(inputs, axis_status=state.axis_status, season=state.season)
    road = (road > 0) & np.isfinite(f)
    bank_road = road & ~inputs.water  # towns snap to their road, never onto a ferry's water
    if grid.tolls is not None and len(grid.tolls.cells):
        flat = road.reshape(-1)
        flat[grid.tolls.cells] = True
    to_work = Transformer.from_crs(STORAGE_CRS, WORK_CRS, always_xy=True)
    empty = np.empty((0, 2), dtype=np.int64)

    def route(start: tuple[float, float], end: tuple[float, float]) -> PointRoute:
        (x0, x1), (y0, y1) = to_work.transform([start[0], end[0]], [start[1], end[1]])
        straight = float(math.hypot(x1 - x0, y1 - y0) / 1000.0)
        lines = inputs.water_lines
        a = place_hub(f, inputs.grid, x0, y0, water=inputs.water, road=bank_road, water_lines=lines)
        b = place_hub(f, inputs.grid, x1, y1, water=inputs.water, road=bank_road, water_lines=lines)
        for name, p in (("start", a), ("end", b)):
            if not p.usable:
                return PointRoute(None, 0.0, 0.0, straight, [], None, empty, name, f"{name} {p.status}")
        r = route_between(inputs, grid, (a.row, a.col), (b.row, b.col), road=road)
        if r.time_h is None:
            return PointRoute(
                None, 0.0, 0.0, straight, [], None, empty, r.reason, r.note, tuple(r.blocking or ())
            )
        walk = (a.snap_km + b.snap_km) / HUB_SNAP_SPEED_KMH
        return PointRoute(
            r.time_h + walk, r.length_km, r.road_km, straight, list(r.crossings), r.line, r.cells
        )

    return route


def skeleton_free_flow_kmh(inputs: object) -> np.ndarray:
    """float32 (rows, cols): the OSRM free-flow speed of the skeleton line in each cell (km/h, 0 elsewhere).

    Each main-road edge burns its own OSRM mean speed (``route_km_src`` / ``route_min_src``,
    no field factor); where edges share a cell the fastest wins.
    """
    from geo.model.friction import burn_lines

    roads = inputs.roads
    kmh = roads["speed_src_kmh"].to_numpy(dtype=float)
    ok = np.isfinite(kmh) & (kmh > 0)
    order = np.argsort(kmh[ok], kind="stable")
    return burn_lines(roads.geometry[ok].iloc[order], inputs.grid, kmh[ok][order], dtype="float32")


def free_flow_hours(cells: np.ndarray, free_kmh: np.ndarray, cell_km: float) -> float:
    """Hours to drive the skeleton steps of a route at OSRM free-flow speed (other steps count 0).

    A step between two consecutive cells (1 or sqrt(2) cells long) counts when both cells
    carry a skeleton speed, at the slower of the two.
    """
    if len(cells) < 2:
        return 0.0
    r, c = cells[:, 0], cells[:, 1]
    step_km = np.hypot(np.diff(r), np.diff(c)) * cell_km
    v = np.minimum(free_kmh[r[:-1], c[:-1]], free_kmh[r[1:], c[1:]]).astype(float)
    on = v > 0
    return float((step_km[on] / v[on]).sum())


def validate_pairs(inputs: object, pairs: pd.DataFrame, *, season: str = "dry") -> pd.DataFrame:
    """Route every pair in the baseline state and compare with the published figures.

    Parameters
    ----------
    inputs
        ``geo.model.friction.ModelInputs``.
    pairs
        :func:`read_town_pairs`.
    season
        Speed profile (published times are mostly dry-season).

    Returns
    -------
    pandas.DataFrame
        One row per pair: ids, towns, ``time_kind``, ``off_skeleton``, published ``road_km``
        and ``travel_time_h``; ``model_h`` (NaN when not reached), ``model_km`` (route length),
        ``road_km_model`` (its part on roads), ``road_share``, ``straight_km``;
        ``ratio`` = model / published time, ``km_ratio`` = model / published km,
        ``implied_kmh`` = published km / model h, ``free_flow_h`` (OSRM free-flow hours of the
        route's skeleton part: a lower bound of any driving time), ``note`` (why not reached) and ``cause``
        (:func:`cause_of`), ``line`` (the route, shapely LineString in EPSG:4326, or None).
    """
    route = router(inputs, baseline_state(inputs, season))
    free_kmh = skeleton_free_flow_kmh(inputs)
    rows = []
    for p in pairs.itertuples():
        r = route((p.from_lon, p.from_lat), (p.to_lon, p.to_lat))
        reached = r.time_h is not None
        rows.append(
            {
                "pair_id": p.pair_id,
                "from_town": p.from_town,
                "to_town": p.to_town,
                "time_kind": p.time_kind,
                "off_skeleton": p.off_skeleton,
                "road_km": p.road_km,
                "travel_time_h": p.travel_time_h,
                "model_h": r.time_h if reached else math.nan,
                "model_km": r.length_km if reached else math.nan,
                "road_km_model": r.road_km if reached else math.nan,
                "road_share": r.road_share if reached else math.nan,
                "straight_km": r.straight_km,
                "free_flow_h": free_flow_hours(r.cells, free_kmh, inputs.grid.cell_km)
                if reached
                else math.nan,
                "crossings": ";".join(r.crossings),
                "note": r.note,
                "line": r.line,
            }
        )
    out = pd.DataFrame(rows)
    out["ratio"] = out["model_h"] / out["travel_time_h"]
    out["km_ratio"] = out["model_km"] / out["road_km"]
    out["implied_kmh"] = out["road_km"] / out["model_h"]
    out["cause"] = [cause_of(r) for r in out.itertuples()]
    return out


def cause_of(r: object) -> str:
    """Most likely cause of a pair's error, read from its route (one short phrase).

    ``not reached`` (with the route's note: river without a crossing, closed crossing...);
    ``missing road`` when less than ``MIN_ROAD_SHARE`` of the route is on roads; ``detour``
    when the route is more than ``MAX_KM_RATIO`` times the published km (a missing link or
    river crossing); else ``speed`` (the route follows roads of about the right length). The
    crossings used are named.
    """
    used = getattr(r, "crossings", "")
    via = f"; via {used}" if isinstance(used, str) and used else ""
    if not np.isfinite(r.model_h):
        return f"not reached ({r.note})"
    if r.road_share < MIN_ROAD_SHARE:
        return f"missing road ({100 * (1 - r.road_share):.0f}% of the route off-road){via}"
    if np.isfinite(r.km_ratio) and r.km_ratio > MAX_KM_RATIO:
        return f"detour (route {r.km_ratio:.2f}x the published km: missing link or crossing){via}"
    return f"speed (route on roads, {100 * r.road_share:.0f}%){via}"


@dataclass(frozen=True)
class TargetCheck:
    """Result of :func:`check_targets`.

    Attributes
    ----------
    failures
        One sentence per failed target and pair (empty when every target is met).
    median_error
        ``{time_kind: median |ratio - 1|}`` for ``driving`` and ``osrm``.
    table
        The per-pair table with a ``verdict`` column (``ok`` or what failed).
    """

    failures: list[str]
    median_error: dict
    table: pd.DataFrame

    def report(self) -> str:
        """Printable summary: medians by kind, failures, and the per-pair table."""
        cols = [
            "pair_id", "from_town", "to_town", "time_kind", "off_skeleton", "road_km", "travel_time_h",
            "model_h", "free_flow_h", "model_km", "road_share", "ratio", "km_ratio", "implied_kmh", "verdict",
            "cause",
        ]  # fmt: skip
        med = ", ".join(f"{k}: {v:.0%}" for k, v in self.median_error.items())
        head = [f"median |error| by kind: {med}", f"{len(self.failures)} failure(s)"]
        head += [f"  - {f}" for f in self.failures]
        with pd.option_context("display.width", 250, "display.max_columns", 30, "display.max_colwidth", 60):
            return "\n".join(head) + "\n" + self.table[cols].round(2).to_string(index=False)


def check_targets(table: pd.DataFrame) -> TargetCheck:
    """Apply the issue-13 targets to :func:`validate_pairs` output.

    Targets: every pair reached; median |model/published - 1| <= ``MAX_MEDIAN_ERROR`` for
    ``driving`` and for ``osrm`` times (driving times shorter than the route's ``free_flow_h``
    are reported as ``faster than free flow`` and left out, see the module docstring); every
    distance-only pair implies ``IMPLIED_KMH``; elapsed times are upper bounds (model <=
    published); no driving/osrm time and no route length off by more than ``MAX_FACTOR``.
    """
    t = table.copy()
    verdict = {p: [] for p in t["pair_id"]}
    fails: list[str] = []
    for r in t.itertuples():
        label = f"{r.pair_id} {r.from_town}-{r.to_town}"
        if not np.isfinite(r.model_h):
            verdict[r.pair_id].append("not reached")
            fails.append(f"{label}: not reached ({r.note})")
            continue
        if r.time_kind == "driving" and r.travel_time_h < getattr(r, "free_flow_h", 0.0):
            verdict[r.pair_id].append("faster than free flow")
        elif r.time_kind in ("driving", "osrm"):
            if not 1 / MAX_FACTOR <= r.ratio <= MAX_FACTOR:
                verdict[r.pair_id].append(f"time x{r.ratio:.2f}")
                fails.append(f"{label}: model {r.model_h:.1f} h vs {r.time_kind} {r.travel_time_h:g} h "
                             f"(x{r.ratio:.2f}); cause: {r.cause}")  # fmt: skip
        elif r.time_kind == "elapsed":
            if r.model_h > r.travel_time_h:
                verdict[r.pair_id].append("above elapsed")
                fails.append(f"{label}: model {r.model_h:.1f} h above the elapsed {r.travel_time_h:g} h; "
                             f"cause: {r.cause}")  # fmt: skip
        elif np.isfinite(r.road_km):
            lo, hi = IMPLIED_KMH
            if not lo <= r.implied_kmh <= hi:
                verdict[r.pair_id].append(f"{r.implied_kmh:.0f} km/h")
                fails.append(f"{label}: {r.road_km:g} km in {r.model_h:.1f} h = {r.implied_kmh:.0f} km/h "
                             f"(outside {lo:g}-{hi:g}); cause: {r.cause}")  # fmt: skip
        if np.isfinite(r.km_ratio) and not 1 / MAX_FACTOR <= r.km_ratio <= MAX_FACTOR:
            verdict[r.pair_id].append(f"km x{r.km_ratio:.2f}")
            fails.append(f"{label}: route {r.model_km:.0f} km vs {r.road_km:g} km (x{r.km_ratio:.2f}); "
                         f"cause: {r.cause}")  # fmt: skip
    screened = (
        t["travel_time_h"] < t["free_flow_h"] if "free_flow_h" in t else pd.Series(False, index=t.index)
    )
    med = {}
    for kind in ("driving", "osrm"):
        k = t[
            (t["time_kind"] == kind) & np.isfinite(t["ratio"]) & ~((t["time_kind"] == "driving") & screened)
        ]
        med[kind] = float((k["ratio"] - 1).abs().median()) if len(k) else math.nan
        if len(k) and med[kind] > MAX_MEDIAN_ERROR:
            worst = k.assign(e=(k["ratio"] - 1).abs()).nlargest(3, "e")
            names = "; ".join(f"{w.pair_id} x{w.ratio:.2f} ({w.cause})" for w in worst.itertuples())
            fails.append(
                f"median error against {kind} times {med[kind]:.0%} > {MAX_MEDIAN_ERROR:.0%}; worst: {names}"
            )
    t["verdict"] = ["ok" if not v else "; ".join(v) for v in (verdict[p] for p in t["pair_id"])]
    return TargetCheck(fails, med, t)
