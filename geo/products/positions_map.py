"""Where the common positions apply on the ground: scopes placed on the map, and the ones in an area.

The register (:mod:`geo.store.positions`) holds scopes as text (``axis:RN16-SEV-DOU``,
``admin:ML0504``, ``crossing:X-KORIOUME``, ``locality:Farabougou``...). This module turns
them into geometry, once, for every product that shows positions:

- :func:`locate`: each position with the *footprint* of its scope (the axis line, the admin
  unit polygon, the crossing or locality point; none for ``country`` and ``actor-type``),
  a *marker* point (``marker_lon``/``marker_lat``: middle of the axis, inside point of the
  unit, the point itself) and the place's name;
- :func:`in_area`: the positions that apply to an area (a print map's extent, the exported
  area): every ``country`` and ``actor-type`` position, and those whose footprint meets it;
- :func:`public_register`: what a public product may carry (HCT-endorsed, marked public,
  not scoped to nor naming a restricted place);
- :func:`table`: the rows of the positions table of print maps and exports, with labels in
  French or English from the one vocabulary (:mod:`geo.vocab`).

Geometry is handled in ESRI:102022 (middle of an axis, inside points) and returned in
EPSG:4326.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.config import STORAGE_CRS, WORK_CRS
from geo.store.positions import (
    PUBLIC_COLUMNS,
    public_positions,
    scope_label,
    status_label,
    topic_label,
)

logger = logging.getLogger(__name__)

#: Scope kinds that apply everywhere (no footprint).
EVERYWHERE = ("country", "actor-type")
#: Columns added by :func:`locate` to the register's.
LOCATED_COLUMNS = ["scope_kind", "scope_ref", "place_name", "marker_lon", "marker_lat"]


def _to_work(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame | None:
    if gdf is None or len(gdf) == 0:
        return None
    return gdf.to_crs(WORK_CRS) if gdf.crs is not None else gdf.set_crs(STORAGE_CRS).to_crs(WORK_CRS)


def _episode_points(episodes: pd.DataFrame | None) -> dict[str, Any]:
    """Locality name -> point (ESRI:102022) of its latest recorded episode."""
    if episodes is None or len(episodes) == 0 or "locality" not in episodes.columns:
        return {}
    if isinstance(episodes, gpd.GeoDataFrame) and episodes.geometry.name in episodes.columns:
        pts = _to_work(episodes)
    elif {"lon", "lat"} <= set(episodes.columns):
        pts = gpd.GeoDataFrame(
            episodes,
            geometry=gpd.points_from_xy(
                pd.to_numeric(episodes["lon"], errors="coerce"),
                pd.to_numeric(episodes["lat"], errors="coerce"),
            ),
            crs=STORAGE_CRS,
        ).to_crs(WORK_CRS)
    else:
        return {}
    order = "since" if "since" in pts.columns else None
    if order:
        pts = pts.sort_values(order, kind="stable")
    out: dict[str, Any] = {}
    for name, geom in zip(pts["locality"].astype(str), pts.geometry, strict=True):
        if geom is not None and not geom.is_empty:
            out[name] = geom
    return out


def locate(
    register: pd.DataFrame,
    *,
    axes: gpd.GeoDataFrame | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    admin: Iterable[gpd.GeoDataFrame] = (),
    places: gpd.GeoDataFrame | None = None,
    episodes: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Place each position's scope.

    Parameters
    ----------
    register
        :func:`geo.store.positions.current_positions` (or any subset with ``scope``).
    axes
        Curated axes indexed by ``axis_id`` (or with an ``axis_id`` column), ``axis_name``,
        lines in any CRS (``ModelInputs.axes``).
    crossings
        River crossings with ``crossing_id``, ``name`` and points, any CRS.
    admin
        Admin layers (``geo.sources.admin.load_admin`` schema: ``pcode``, ``name``), any levels.
    places
        Localities indexed by place id with ``name`` (``geo.sources.places.load_places``).
    episodes
        Encirclement episodes (store or curated schema: ``locality`` with a geometry or
        ``lon``/``lat``); a ``locality:NAME`` scope is placed at its latest episode.

    Returns
    -------
    geopandas.GeoDataFrame
        The register's columns plus :data:`LOCATED_COLUMNS`; the geometry is the
        footprint in EPSG:4326 (None for ``country``, ``actor-type`` and a scope whose
        place is not among the inputs: such a scope is logged). ``marker_lon``/``marker_lat``
        (degrees) are NaN without a footprint.
    """
    axes_w = _to_work(axes)
    if axes_w is not None and "axis_id" in axes_w.columns:
        axes_w = axes_w.set_index("axis_id", drop=False)
    cross_w = _to_work(crossings)
    if cross_w is not None:
        cross_w = cross_w.set_index(cross_w["crossing_id"].astype(str), drop=False)
    units: dict[str, tuple[Any, str]] = {}
    for layer in admin:
        w = _to_work(layer)
        if w is not None:
            units.update(
                zip(w["pcode"].astype(str), zip(w.geometry, w["name"].astype(str), strict=True), strict=True)
            )
    places_w = _to_work(places)
    if places_w is not None:
        places_w = places_w.set_index(places_w.index.astype(str))
    enc = _episode_points(episodes)

    kinds, refs, names, geoms, markers = [], [], [], [], []
    for scope in register["scope"].astype(str):
        kind, _, ref = scope.partition(":")
        name, geom, marker = "", None, None
        if kind == "axis" and axes_w is not None and ref in axes_w.index:
            geom = axes_w.geometry.loc[ref]
            name = str(axes_w.at[ref, "axis_name"]) if "axis_name" in axes_w.columns else ""
            marker = geom.interpolate(0.5, normalized=True)
        elif kind == "crossing" and cross_w is not None and ref in cross_w.index:
            geom = marker = cross_w.geometry.loc[ref]
            name = str(cross_w.at[ref, "name"]) if "name" in cross_w.columns else ""
        elif kind == "admin" and ref in units:
            geom, name = units[ref]
            marker = geom.representative_point()
        elif kind == "locality":
            if ref in enc:
                geom, name = enc[ref], ref
            elif places_w is not None and ref in places_w.index:
                geom, name = places_w.geometry.loc[ref], str(places_w.at[ref, "name"])
            marker = geom
        if kind not in EVERYWHERE and geom is None:
            logger.warning("positions: scope %s is not among the places given; not placed", scope)
        kinds.append(kind)
        refs.append(ref)
        names.append(name)
        geoms.append(geom)
        markers.append(marker)
    out = gpd.GeoDataFrame(
        register.reset_index(drop=True).copy(),
        geometry=gpd.GeoSeries(geoms, crs=WORK_CRS).to_crs(STORAGE_CRS).to_numpy(),
        crs=STORAGE_CRS,
    )
    mk = gpd.GeoSeries(markers, crs=WORK_CRS).to_crs(STORAGE_CRS)
    out["scope_kind"], out["scope_ref"], out["place_name"] = kinds, refs, names
    out["marker_lon"] = [np.nan if g is None or g.is_empty else round(g.x, 5) for g in mk]
    out["marker_lat"] = [np.nan if g is None or g.is_empty else round(g.y, 5) for g in mk]
    return out


def in_area(located: gpd.GeoDataFrame, area: Any, *, crs: Any = STORAGE_CRS) -> gpd.GeoDataFrame:
    """Keep the positions that apply to ``area``: ``country``/``actor-type`` ones, and footprints meeting it.

    Parameters
    ----------
    located
        :func:`locate` output.
    area
        A shapely geometry (polygon, box...), or a (min x, min y, max x, max y) tuple, in ``crs``.
    crs
        CRS of ``area`` (default EPSG:4326).

    Returns
    -------
    geopandas.GeoDataFrame
        The rows of ``located`` that apply, in their order.
    """
    if isinstance(area, tuple | list):
        area = shapely.box(*area)
    if len(located) == 0:
        return located.copy()
    geom = located.geometry.to_crs(crs)
    meets = geom.notna() & ~geom.is_empty & geom.intersects(area)
    keep = located["scope_kind"].isin(EVERYWHERE) | meets.fillna(False).astype(bool)
    return located[keep.to_numpy()]


def public_register(
    register: pd.DataFrame | None,
    *,
    release_date: dt.date | None = None,
    withheld_places: Iterable[str] = (),
    places: gpd.GeoDataFrame | None = None,
    public_places: Iterable[str] = (),
) -> pd.DataFrame:
    """Return what a public product may carry of the register.

    Only HCT-endorsed positions marked public (:func:`geo.store.positions.public_positions`),
    endorsed on or before ``release_date``, and none that points at a restricted place:
    a position whose scope or text names one of ``withheld_places`` (localities encircled
    only in non-public episodes), or whose ``locality:ID`` scope is a place id of
    ``places`` bearing such a name, is left out whatever its visibility (and logged).

    A ``locality:`` scope is published only when it can be read: a place id of ``places``
    (then checked by its name) or one of ``public_places`` (localities of public
    episodes, by name). Any other locality scope is left out: the scopes a store accepts
    are place ids and names of recorded encirclements, so an unreadable one may be a
    restricted place, and is not guessed at.

    Returns
    -------
    pandas.DataFrame
        :data:`geo.store.positions.PUBLIC_COLUMNS` (``position_id``, no motivating records,
        no recorder).
    """
    if register is None or register.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in PUBLIC_COLUMNS})
    pub = public_positions(register)
    if release_date is not None:
        pub = pub[pub["endorsed"].astype(str) <= release_date.isoformat()]
    names = {str(n).strip().casefold() for n in withheld_places if len(str(n).strip()) >= 3}
    if pub.empty:
        return pub.reset_index(drop=True)
    ids: dict[str, str] = {}
    if places is not None and "name" in places.columns:
        ids = dict(zip(places.index.astype(str), places["name"].astype(str).str.casefold(), strict=True))
    readable = {str(n).strip() for n in public_places}

    def withheld(row: pd.Series) -> bool:
        text = " ".join(str(row[c]) for c in ("scope", "text_fr", "text_en")).casefold()
        kind, _, ref = str(row["scope"]).partition(":")
        ref = ref.strip()
        if kind == "locality" and ref in ids:
            text += " " + ids[ref]
        elif kind == "locality" and ref not in readable:
            return True  # a place that cannot be read: withhold rather than guess
        return any(n in text for n in names)

    hidden = pub.apply(withheld, axis=1).astype(bool)
    if hidden.any():
        logger.warning(
            "public: positions %s name or are scoped to a place encircled only in non-public episodes; "
            "not published",
            ", ".join(str(i) for i in pub.loc[hidden, "position_id"]),
        )
    return pub[~hidden.to_numpy()].reset_index(drop=True)


def axis_areas(axes: gpd.GeoDataFrame, admin2: gpd.GeoDataFrame) -> dict[str, set[str]]:
    """Return axis id -> P-codes of the cercles (admin2) its line crosses (``review``'s ``axis_areas``).

    Parameters
    ----------
    axes
        Curated axes indexed by ``axis_id`` (or with the column), lines in any CRS.
    admin2
        Cercles with ``pcode``, any CRS.
    """
    a = _to_work(axes)
    u = _to_work(admin2)
    if a is None or u is None:
        return {}
    if "axis_id" in a.columns:
        a = a.set_index("axis_id")
    pairs = gpd.sjoin(
        gpd.GeoDataFrame({"axis_id": a.index.astype(str)}, geometry=a.geometry.to_numpy(), crs=a.crs),
        u[["pcode", "geometry"]],
        predicate="intersects",
    )
    out: dict[str, set[str]] = {}
    for axis_id, pcode in zip(pairs["axis_id"], pairs["pcode"].astype(str), strict=True):
        out.setdefault(axis_id, set()).add(pcode)
    return out


#: Fields of a position a public print map or export carries (before placing).
PUBLIC_PRODUCT_COLUMNS = ["id", "status", "scope", "topic", "text_fr", "text_en", "endorsed", "meeting_ref"]


def product_positions(
    register: pd.DataFrame | None,
    *,
    inputs: Any,
    admin: Iterable[gpd.GeoDataFrame] = (),
    episodes: pd.DataFrame | None = None,
    public: bool = False,
) -> gpd.GeoDataFrame:
    """Return the positions a print map or an export carries, placed (:func:`locate`).

    Parameters
    ----------
    register
        :func:`geo.store.positions.current_positions`, or None (no register: no rows).
    inputs
        ``geo.model.friction.ModelInputs`` (axes, crossings, places).
    admin
        Admin layers whose P-codes scopes may name (levels 1 to 3).
    episodes
        Every encirclement episode recorded (store or curated schema, with ``public``).
    public
        Public product: only :func:`public_register` rows (HCT-endorsed, marked public, not
        scoped to nor naming a locality encircled only in non-public episodes), with
        :data:`PUBLIC_PRODUCT_COLUMNS` only, placed with the public episodes only.
        Otherwise every position not retired, every field.

    Returns
    -------
    geopandas.GeoDataFrame
        As :func:`locate`.
    """
    from geo.products.policy import public_episodes
    from geo.store.positions import COLUMNS

    reg = register if register is not None else pd.DataFrame(columns=COLUMNS)
    places = getattr(inputs, "places", None)
    if public:
        pub_eps = public_episodes(episodes) if episodes is not None else None
        known = set(episodes["locality"].astype(str)) if episodes is not None and len(episodes) else set()
        shown = set(pub_eps["locality"].astype(str)) if pub_eps is not None and len(pub_eps) else set()
        pub = public_register(reg, withheld_places=known - shown, places=places, public_places=shown)
        rows = reg[reg["id"].isin(set(pub["position_id"]))][PUBLIC_PRODUCT_COLUMNS]
        episodes = pub_eps
    else:
        rows = reg[reg["status"] != "retired"]
    return locate(
        rows.reset_index(drop=True),
        axes=getattr(inputs, "axes", None),
        crossings=getattr(inputs, "crossings", None),
        admin=admin,
        places=places,
        episodes=episodes,
    )


#: Columns of :func:`table` (print maps and exports).
TABLE_COLUMNS = ["position_id", "topic", "status", "scope", "place", "text", "endorsed", "meeting_ref"]


def table(rows: pd.DataFrame, lang: str, *, names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return the positions table of a print map or an export, in ``lang``.

    Parameters
    ----------
    rows
        Register rows (``id`` or ``position_id``, ``scope``, ``topic``, ``text_fr``/``text_en``,
        optional ``status``, ``endorsed``, ``meeting_ref``, ``place_name``).
    lang
        ``fr`` or ``en``: labels (topic, status, scope kind, actor type) and the text.
    names
        Scope -> place name (else the ``place_name`` column, if any).

    Returns
    -------
    pandas.DataFrame
        :data:`TABLE_COLUMNS`, sorted endorsed first then by topic (vocabulary order) and id.
        ``status`` is the label; a public row (no ``status``) reads as endorsed.
    """
    from geo.products.positions_print import STATUS_ORDER
    from geo.vocab import POSITION_TOPIC

    if lang not in ("fr", "en"):
        msg = f"language must be fr or en, got {lang!r}"
        raise ValueError(msg)
    ids = rows["position_id"] if "position_id" in rows.columns else rows["id"]
    status = rows["status"] if "status" in rows.columns else pd.Series("endorsed", index=rows.index)
    place = names or (
        dict(zip(rows["scope"].astype(str), rows["place_name"].astype(str), strict=False))
        if "place_name" in rows.columns
        else {}
    )
    out = pd.DataFrame(
        {
            "position_id": ids.astype(int).to_numpy(),
            "topic": [topic_label(t, lang) for t in rows["topic"]],
            "status": [status_label(s, lang) for s in status],
            "scope": [scope_label(str(s), lang, place) for s in rows["scope"]],
            "place": [place.get(str(s), "") for s in rows["scope"]],
            "text": rows[f"text_{lang}"].astype(str).to_numpy(),
            "endorsed": rows["endorsed"].astype(str).to_numpy() if "endorsed" in rows.columns else "",
            "meeting_ref": rows["meeting_ref"].astype(str).to_numpy()
            if "meeting_ref" in rows.columns
            else "",
        }
    )
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    key = pd.DataFrame(
        {
            "s": [order.get(s, 9) for s in status],
            "t": [POSITION_TOPIC.index(t) if t in POSITION_TOPIC else 99 for t in rows["topic"]],
            "i": ids.astype(int).to_numpy(),
        }
    )
    idx = key.sort_values(["s", "t", "i"], kind="stable").index
    return out.iloc[idx].reset_index(drop=True)


__all__ = [
    "EVERYWHERE",
    "LOCATED_COLUMNS",
    "PUBLIC_PRODUCT_COLUMNS",
    "TABLE_COLUMNS",
    "axis_areas",
    "in_area",
    "locate",
    "product_positions",
    "public_register",
    "table",
]
