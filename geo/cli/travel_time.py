"""``python -m geo travel-time``: modelled travel time and route between any two places.

A place is a hub id (``MOP``), a locality name (``Diré``; ``Diré, Tombouctou`` when several
share the name), a place id (wof id or ``cur:...``) or ``"lat,lon"`` in decimal degrees as a
phone or GPS gives it (:func:`geo.sources.places.resolve_place`). An ambiguous name lists its
candidates and exits 2.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from geo.cli.common import (
    add_as_of_option,
    add_cell_km_option,
    add_data_option,
    add_season_option,
    add_store_option,
    data_from,
    day,
    hx,
    lang_of,
    num,
    say,
    settings_of,
    store_from,
)
from geo.products.i18n import text_in


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``travel-time`` subcommand."""
    p = sub.add_parser("travel-time", help=hx("cli.h.travel_time"), description=hx("cli.d.travel_time"))
    add_data_option(p)
    p.add_argument("--from", dest="origin", required=True, metavar="PLACE", help=hx("cli.h.tt.from"))
    p.add_argument("--to", dest="dest", required=True, metavar="PLACE", help=hx("cli.h.tt.to"))
    add_as_of_option(p)
    add_season_option(p)
    p.add_argument("--baseline", action="store_true", help=hx("cli.h.tt.baseline"))
    p.add_argument("--format", choices=("text", "json"), default="text", help=hx("cli.h.tt.format"))
    p.add_argument("--route-out", type=Path, metavar="FILE.gpkg", help=hx("cli.h.tt.route_out"))
    add_cell_km_option(p)
    add_store_option(p)
    p.set_defaults(func=run)


@dataclass
class Trip:
    """Result of one travel-time query (see :func:`travel`).

    Attributes
    ----------
    time_h
        Travel time, hours; None when the destination is not reached.
    length_km, road_km, straight_km
        Route length, its part on roads, and the straight-line distance, km.
    crossings
        River crossings the route uses (dicts with at least ``crossing_id``, ``name``,
        ``kind``), or None when the engine does not report them.
    line
        Route line, EPSG:4326 (None when not reached).
    note
        Why the route cannot be completed, or ``""``.
    """

    time_h: float | None
    length_km: float
    road_km: float
    straight_km: float
    crossings: list | None = None
    line: object | None = None
    note: str = ""
    extra: dict = field(default_factory=dict)


def _outline_lonlat(inputs: object) -> object:
    """Mali's outline in EPSG:4326 (for checking typed coordinates)."""
    import numpy as np
    import shapely
    from pyproj import Transformer

    from geo.config import STORAGE_CRS, WORK_CRS

    tr = Transformer.from_crs(WORK_CRS, STORAGE_CRS, always_xy=True)
    geom = inputs.outline.geometry.union_all()
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))).buffer(0.02)


def _zone_at(state: object, lon: float, lat: float) -> tuple[str, dt.date] | None:
    """``(locality, since)`` of the no-entry zone holding the point (``since`` a date), or None."""
    zones = state.no_entry
    if zones is None or not len(zones):
        return None
    import shapely
    from pyproj import Transformer

    from geo.config import STORAGE_CRS, WORK_CRS

    x, y = Transformer.from_crs(STORAGE_CRS, WORK_CRS, always_xy=True).transform(lon, lat)
    zw = zones if zones.crs == WORK_CRS else zones.to_crs(WORK_CRS)
    d_km = shapely.distance(zw.geometry.to_numpy(), shapely.Point(x, y)) / 1000.0
    inside = (d_km <= zw["radius_km"].to_numpy()).nonzero()[0]
    if not len(inside):
        return None
    z = zw.iloc[int(inside[0])]
    import pandas as pd

    return str(z["locality"]), pd.Timestamp(z["since"]).date()


#: Reasons of ``geo.model.route`` -> suffix of their catalog key ``cli.tt.reason_<suffix>``.
_REASON_KEYS = {
    "closed crossing": "crossing",
    "no-entry zone": "no_entry",
    "river": "river",
    "outside Mali": "outside",
}


def _route_note(route: object, lang: str) -> str:
    """Say why ``route`` (``geo.model.validation.PointRoute``) stops, in ``lang``."""
    from geo.products.i18n import tr

    suffix = _REASON_KEYS.get(route.reason)
    if suffix is None:  # a point that cannot be placed on the grid: the engine's words
        return route.note
    what = tr(f"cli.tt.reason_{suffix}", lang, ids=", ".join(route.blocking))
    if route.note.startswith("the start lies"):
        where = "start"
    elif "the end lies in" in route.note:
        where = "end"
    else:
        where = "cut"
    text = tr(f"cli.tt.where_{where}", lang, what=what)
    if route.reason == "river":
        text += tr("cli.tt.no_crossing", lang)
    return text


def _crossing_info(inputs: object, ids: list) -> list[dict]:
    """Id, name, kind and river of each crossing used (from ``inputs.crossings``)."""
    cr = getattr(inputs, "crossings", None)
    out = []
    for cid in ids:
        row = cr.loc[cid] if cr is not None and cid in cr.index else None
        info = {"crossing_id": str(cid)}
        for k in ("name", "kind", "river"):
            if row is not None and k in row.index and isinstance(row[k], str):
                info[k] = row[k]
        out.append(info)
    return out


def _why_not(inputs: object, state: object, a: object, b: object, route: object, lang: str = "en") -> str:
    """Say why the route cannot be completed, in ``lang``: no-entry zone, closed crossing or axis, river."""
    from geo.products.i18n import format_date, tr

    for end, p in (("start", a), ("end", b)):
        z = _zone_at(state, p.lon, p.lat)
        if z:
            return tr(
                f"cli.tt.in_zone_{end}", lang, name=p.name, locality=z[0], since=format_date(z[1], lang)
            )
    if route.reason in ("start", "end", "closed crossing", "river", "outside Mali"):
        return _route_note(route, lang)
    from geo.model.validation import baseline_state, router

    free = router(inputs, baseline_state(inputs, state.season, state.month))((a.lon, a.lat), (b.lon, b.lat))
    if free.time_h is None:
        return tr("cli.tt.even_lifted", lang, note=_route_note(route, lang), free=_route_note(free, lang))
    import geopandas as gpd

    from geo.config import WORK_CRS

    reasons = []
    lw = gpd.GeoSeries([free.line], crs="EPSG:4326").to_crs(WORK_CRS).iloc[0]
    zones = state.no_entry
    if zones is not None and len(zones):
        zw = zones.to_crs(WORK_CRS)
        hit = zw[zw.geometry.distance(lw) <= zw["radius_km"] * 1000.0]
        reasons += [tr("cli.tt.cut_zone", lang, name=n) for n in hit["locality"].astype(str).unique()]
    closed = state.axis_status.index[state.axis_status["status"].astype(str) == "closed"]
    if len(closed):
        axes = inputs.axes.loc[inputs.axes.index.intersection(closed)]
        near = axes[axes.geometry.distance(lw) <= inputs.grid.cell_km * 1000.0]
        reasons += [tr("cli.tt.cut_axis", lang, id=aid) for aid in near.index]
    cs = getattr(state, "crossing_status", None)
    if cs is not None and len(cs) and free.crossings:
        shut = [c for c in free.crossings if c in cs.index and str(cs.at[c, "status"]) == "closed"]
        reasons += [tr("cli.tt.cut_crossing", lang, id=c) for c in shut]
    if reasons:
        return tr("cli.tt.cut_by", lang, reasons="; ".join(reasons))
    return _route_note(route, lang) if route.note else tr("cli.tt.cut_all", lang)


def travel(inputs: object, state: object, a: object, b: object, *, lang: str = "en") -> Trip:
    """Route between two resolved places (:class:`geo.sources.places.Place`) under ``state``.

    Parameters
    ----------
    inputs
        ``geo.model.friction.ModelInputs``.
    state
        ``geo.model.reach.ReachState`` (constraints in force, or the baseline).
    a, b
        Start and destination, EPSG:4326.
    lang
        Language of the note, ``{"fr", "en"}``.

    Returns
    -------
    Trip
        Time (h), lengths (km), crossings used (id, name, kind, river), the route line
        (EPSG:4326) and, when the destination is not reached, a note saying why.
    """
    from geo.model.validation import router

    r = router(inputs, state)((a.lon, a.lat), (b.lon, b.lat))
    if r.time_h is None:
        return Trip(None, 0.0, 0.0, r.straight_km, [], None, _why_not(inputs, state, a, b, r, lang))
    line = r.line
    if line is None:  # start and end on one cell
        import shapely

        line = shapely.LineString([(a.lon, a.lat), (b.lon, b.lat)])
    crossings = _crossing_info(inputs, r.crossings)
    return Trip(r.time_h, r.length_km, r.road_km, r.straight_km, crossings, line, "")


def _place_json(p: object) -> dict:
    return {
        "name": p.name,
        "place_id": p.place_id,
        "kind": p.kind,
        "cercle": p.adm2_name or None,
        "region": p.adm1_name or None,
        "lat": round(p.lat, 6),
        "lon": round(p.lon, 6),
    }


def _num(v: float | None, nd: int) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), nd)


def trip_json(trip: Trip, a: object, b: object, *, as_of: dt.date, season: str, baseline: bool) -> dict:
    """Return the JSON object ``--format json`` prints (keys documented in the README)."""
    return {
        "from": _place_json(a),
        "to": _place_json(b),
        "travel_time_h": _num(trip.time_h, 3),
        "length_km": _num(trip.length_km, 1) if trip.time_h is not None else None,
        "road_km": _num(trip.road_km, 1) if trip.time_h is not None else None,
        "straight_km": _num(trip.straight_km, 1),
        "crossings": trip.crossings,
        "note": trip.note or None,
        "as_of": as_of.isoformat(),
        "season": season,
        "baseline": baseline,
    }


def write_route(path: Path, trip: Trip, a: object, b: object, *, as_of: dt.date, baseline: bool) -> None:
    """Write the route line as layer ``route`` of a GeoPackage (EPSG:4326, one feature)."""
    import geopandas as gpd

    from geo.errors import InputError
    from geo.io import write_layers

    if trip.line is None:
        msg = f"no route to write to {path}: {trip.note}"
        raise InputError(msg).keyed(key="err.no_route_to_write", path=str(path), note=trip.note)
    gdf = gpd.GeoDataFrame(
        {
            "from_name": [a.name],
            "from_id": [a.place_id],
            "to_name": [b.name],
            "to_id": [b.place_id],
            "travel_time_h": [round(float(trip.time_h), 3)],
            "length_km": [round(trip.length_km, 1)],
            "road_km": [round(trip.road_km, 1)],
            "as_of": [as_of.isoformat()],
            "baseline": [baseline],
        },
        geometry=[trip.line],
        crs="EPSG:4326",
    )
    write_layers({"route": gdf}, path)


def run(args: argparse.Namespace) -> int:
    """Run ``travel-time``; returns the exit code (0 reached, 1 not reached, 2 bad input)."""
    from geo.model.friction import load_model_inputs
    from geo.model.reach import base_state
    from geo.sources.curated import read_hubs
    from geo.sources.places import resolve_place

    data_dir = data_from(args)
    inputs = load_model_inputs(data_dir, cell_km=settings_of(args).cell_km)
    hubs = read_hubs().valid
    outline = _outline_lonlat(inputs)
    a = resolve_place(args.origin, inputs.places, hubs=hubs, outline=outline)
    b = resolve_place(args.dest, inputs.places, hubs=hubs, outline=outline)
    if args.baseline:
        from geo.model.validation import baseline_state
        from geo.sources.curated import season_for_date

        season = args.season or season_for_date(args.as_of, inputs.season_calendar)
        state = baseline_state(inputs, season, args.as_of.month)
    else:
        from geo.store.constraints import load_versions

        versions = load_versions(store_from(args), data_dir=data_dir)
        state = base_state(
            inputs,
            versions.road_status,
            versions.encircled,
            args.as_of,
            season=args.season,
            crossing_versions=versions.crossing_status,
        )
    trip = travel(inputs, state, a, b, lang=lang_of(args))
    if args.route_out is not None and trip.line is not None:
        write_route(args.route_out, trip, a, b, as_of=args.as_of, baseline=args.baseline)
    if args.format == "json":
        obj = trip_json(trip, a, b, as_of=args.as_of, season=state.season, baseline=args.baseline)
        json.dump(obj, sys.stdout, ensure_ascii=False)
        print()
    else:
        _print_text(trip, a, b, args, state.season)
    if trip.time_h is None:
        if args.route_out is not None:
            print(say(args, "cli.no_route_written", path=args.route_out), file=sys.stderr)
        return 1
    return 0


def _kind_label(kind: object, lang: str) -> str:
    """Crossing kind for people (``bac`` for a ferry in French); ``?`` when unknown."""
    from geo.products.i18n import has_key, tr

    if not isinstance(kind, str):
        return "?"
    text = tr(f"crossing_{kind}", lang) if has_key(f"crossing_{kind}", lang) else kind
    return text[:1].lower() + text[1:]


def _print_text(trip: Trip, a: object, b: object, args: argparse.Namespace, season: str) -> None:
    from geo.products.i18n import format_duration

    what = say(args, "cli.baseline") if args.baseline else say(args, "cli.as_of", date=day(args, args.as_of))
    season_text = say(args, f"season.{season}") if season in ("dry", "rainy") else season
    lang = lang_of(args)
    a_text, b_text = text_in(a.label, lang), text_in(b.label, lang)
    print(say(args, "cli.trip_head", a=a_text, b=b_text, what=what, season=season_text))
    if trip.time_h is None:
        print(say(args, "cli.not_reachable", note=trip.note))
        return
    hm = format_duration(trip.time_h, lang)
    print(say(args, "cli.travel_time", hm=hm, h=num(args, trip.time_h, decimals=2)))
    share = 100 * trip.road_km / trip.length_km if trip.length_km > 0 else 0.0
    print(
        say(
            args,
            "cli.route_length",
            km=num(args, trip.length_km),
            road=num(args, trip.road_km),
            share=num(args, share),
            off=num(args, trip.length_km - trip.road_km),
            straight=num(args, trip.straight_km),
        )
    )
    if trip.crossings:
        names = ", ".join(
            f"{c.get('name', c.get('crossing_id'))} ({_kind_label(c.get('kind'), lang_of(args))})"
            for c in trip.crossings
        )
        print(say(args, "cli.crossings", names=names))
    elif trip.crossings is not None:
        print(say(args, "cli.crossings", names=say(args, "cons.no_hub")))
    if args.route_out is not None:
        print(say(args, "cli.route_written", path=args.route_out))
