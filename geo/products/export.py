"""GIS exports of the access picture: GeoPackage, KML, GeoJSON and HXL CSV.

Themes (layer names)
--------------------
``admin_zones_adm2``, ``admin_zones_adm3``
    Access zones per cercle / commune with their metrics and the rule that placed them.
    ``admin_zones`` (the theme's name in the issue) stands for both.
``reachable_areas``
    Travel-time bands per hub.
``catchments``
    Area served fastest by each hub (only when ``geo.model.catchments`` is available).
``roads_status``
    Curated axes with the status in force.
``encircled``
    Encircled localities in force.
``hubs``
    HAWG hubs.
``incidents_by_admin``
    Incidents and fatalities of the window per cercle.
``positions``
    The common positions that apply to the exported area (all of Mali): every position
    not retired, or in a public export only those endorsed by the HCT and marked public
    (:func:`geo.products.positions_map.product_positions`). A point on the place of the
    scope (middle of the axis, inside point of the admin unit, the crossing or locality);
    no geometry for positions on the whole country or on a kind of actor. Codes (status,
    topic) with their French and English labels.

Every layer carries ``as_of`` (a date). On disk everything is EPSG:4326.

Formats
-------
GeoPackage
    One layer per theme, written through Arrow so that date columns are GPKG ``DATE``
    fields (QGIS reads them as dates), integers as integers and text as UTF-8. Every
    theme has one declared geometry type (:data:`THEME_GEOMETRY`): invalid geometries
    are repaired and reduced to that type (:func:`conform_geometry`), so an invalid
    admin polygon never splits a layer. List-valued fields are ``;``-separated text.
    Only a layer of an unknown theme mixing points, lines and polygons is split into
    ``<name>_points``, ``<name>_lines`` and ``<name>_polygons``. An empty theme is
    written as an empty layer with its fields and geometry type.
KML
    One ``Folder`` per theme; coordinates are ``lon,lat`` (KML's order); polygons are
    simplified (~100 m). Names and ``ExtendedData`` values are XML text
    (:func:`geo.escape.xml_text`: a parser reads the exact text back); ``ExtendedData``
    keeps the column names, codes, ISO dates and raw figures for GIS users. A
    ``description`` is HTML to Google Earth: it is HTML-escaped once and written in CDATA
    (:func:`geo.escape.kml_description`), so no user text becomes markup in a balloon and
    nothing is escaped twice. Folder names, description labels, codes, dates and figures
    are in the export's language (:func:`kml_text`).
GeoJSON
    One RFC 7946 FeatureCollection (lon/lat, 6 decimals) with a ``layer`` property.
CSV
    One table (one theme), a row of HXL hashtags under the header; polygon and line
    layers get ``lon``/``lat`` of a representative point instead of the geometry.
    Without a layer choice a CSV holds :data:`CSV_DEFAULT_LAYER` (access zones per
    commune, the table planners ask for most); ``admin_zones`` is two tables, so it is
    refused for a CSV.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import InputError
from geo.escape import kml_description, xml_text
from geo.io import atomic_path
from geo.products.policy import PUBLIC_EXPORT_FIELDS, cut_to, public_episodes
from geo.tables import write_csv

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

THEMES = (
    "admin_zones_adm2",
    "admin_zones_adm3",
    "reachable_areas",
    "catchments",
    "roads_status",
    "encircled",
    "hubs",
    "incidents_by_admin",
    "positions",
)
#: Geometry type of each theme (used for empty layers).
THEME_GEOMETRY = {
    "admin_zones_adm2": "MultiPolygon",
    "admin_zones_adm3": "MultiPolygon",
    "reachable_areas": "MultiPolygon",
    "catchments": "MultiPolygon",
    "roads_status": "MultiLineString",
    "encircled": "Point",
    "hubs": "Point",
    "incidents_by_admin": "MultiPolygon",
    "positions": "Point",
}
#: Names accepted for several themes at once.
THEME_ALIASES = {"admin_zones": ("admin_zones_adm2", "admin_zones_adm3")}
#: The one table a CSV holds when no layer is chosen.
CSV_DEFAULT_LAYER = "admin_zones_adm3"
FORMATS = ("gpkg", "kml", "geojson", "csv")
#: Simplification of polygons and lines in KML/GeoJSON, metres (WORK_CRS).
SIMPLIFY_M = 100.0
_DATE_COLUMNS = (
    "as_of",
    "valid_from",
    "valid_to",
    "since",
    "until",
    "last_confirmed",
    "endorsed",
    "meeting_date",
)
#: Fields of the ``positions`` theme (a public export keeps those of ``policy.PUBLIC_EXPORT_FIELDS``).
POSITION_FIELDS = [
    "position_id",
    "status",
    "status_fr",
    "status_en",
    "topic",
    "topic_fr",
    "topic_en",
    "scope",
    "place_name",
    "text_fr",
    "text_en",
    "visibility",
    "endorsed",
    "meeting_ref",
    "meeting_date",
    "motivated_by",
]


# --------------------------------------------------------------------------- building the themes


def _as_date(series: pd.Series) -> pd.Series:
    """Any date-like column -> Arrow ``date32`` (empty strings and NaN -> null)."""
    values = pd.to_datetime(series.replace("", None), errors="coerce")
    dates = [None if pd.isna(v) else v.date() for v in values]
    return pd.Series(pd.array(dates, dtype=pd.ArrowDtype(pa.date32())), index=series.index)


#: Separator of list-valued fields (e.g. a hub's ``aor_adm1_pcodes``) in exported text fields.
LIST_SEPARATOR = ";"


def _is_list(v: Any) -> bool:
    return isinstance(v, (list, tuple, set, frozenset, np.ndarray))


def _list_to_text(v: Any) -> Any:
    """Write a list-like cell as ``;``-separated text (an empty list gives ""); other values unchanged."""
    if _is_list(v):
        return LIST_SEPARATOR.join(str(x) for x in v)
    return v


def _frame(gdf: gpd.GeoDataFrame, columns: Sequence[str], as_of: dt.date) -> gpd.GeoDataFrame:
    cols = [c for c in columns if c in gdf.columns]
    out = gpd.GeoDataFrame(gdf[cols].copy(), geometry=gdf.geometry.to_numpy(), crs=gdf.crs)
    out = out.to_crs(STORAGE_CRS) if out.crs is not None else out.set_crs(STORAGE_CRS)
    out.insert(0, "as_of", as_of)
    for c in out.columns:
        if c in _DATE_COLUMNS:
            out[c] = _as_date(out[c])
        elif isinstance(out[c].dtype, pd.CategoricalDtype):
            out[c] = out[c].astype(object).where(out[c].notna(), None)
        elif out[c].dtype == object and c != "geometry" and out[c].map(_is_list).any():
            # GPKG/Arrow has no portable list field (an all-empty list column is list<null>,
            # which GDAL refuses): lists are written as text, like the curated CSVs hold them
            out[c] = out[c].map(_list_to_text)
    return out.reset_index(drop=True)


_PART_TYPES = {
    "MultiPolygon": ("Polygon", "MultiPolygon"),
    "MultiLineString": ("LineString", "MultiLineString"),
    "Point": ("Point",),
}


def _parts_of(geom: Any, keep: tuple[str, ...]) -> list[Any]:
    if geom is None or geom.is_empty:
        return []
    if geom.geom_type in keep:
        return list(getattr(geom, "geoms", [geom]))
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _parts_of(g, keep)]
    return []


def conform_geometry(gdf: gpd.GeoDataFrame, geometry_type: str) -> gpd.GeoDataFrame:
    """Make every geometry of a layer valid and of one type, one row per input row.

    Invalid geometries are repaired with :func:`shapely.make_valid`; the parts of the
    expected family are kept (a repaired polygon's stray lines or points are dropped)
    and polygons/lines are promoted to their multi type. A row with no part of the
    expected family keeps an empty geometry rather than being split off or duplicated.

    Parameters
    ----------
    gdf
        A theme (any CRS).
    geometry_type
        ``"MultiPolygon"``, ``"MultiLineString"`` or ``"Point"``.

    Returns
    -------
    geopandas.GeoDataFrame
        Same rows and columns; geometries valid and all of ``geometry_type`` (or None).

    Raises
    ------
    ValueError
        If ``geometry_type`` is not one of the three above.
    """
    if geometry_type not in _PART_TYPES:
        msg = f"unsupported layer geometry type {geometry_type!r}; expected one of {list(_PART_TYPES)}"
        raise ValueError(msg)
    if len(gdf) == 0:
        return gdf
    keep = _PART_TYPES[geometry_type]
    out = []
    for g in gdf.geometry.to_numpy():
        if g is None or g.is_empty:
            out.append(None)
            continue
        if not g.is_valid:
            g = shapely.make_valid(g)
        parts = _parts_of(g, keep)
        if geometry_type == "Point":
            out.append(parts[0] if len(parts) == 1 else (shapely.MultiPoint(parts) if parts else None))
        elif not parts:
            out.append(None)
        elif geometry_type == "MultiPolygon":
            out.append(shapely.MultiPolygon(parts))
        else:
            out.append(shapely.MultiLineString(parts))
    return gdf.set_geometry(gpd.GeoSeries(out, crs=gdf.crs, index=gdf.index))


def build_themes(
    *,
    as_of: dt.date,
    zones_adm2: gpd.GeoDataFrame | None = None,
    zones_adm3: gpd.GeoDataFrame | None = None,
    bands: gpd.GeoDataFrame | None = None,
    catchments: gpd.GeoDataFrame | None = None,
    axes: gpd.GeoDataFrame | None = None,
    axis_status: pd.DataFrame | None = None,
    encircled: gpd.GeoDataFrame | None = None,
    hubs: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    admin2: gpd.GeoDataFrame | None = None,
    positions: gpd.GeoDataFrame | None = None,
    public: bool = False,
) -> dict[str, gpd.GeoDataFrame]:
    """Shape the engine's outputs into export themes with stable, QGIS-friendly fields.

    Parameters
    ----------
    as_of
        Date of the state exported (``as_of`` field of every layer).
    zones_adm2, zones_adm3
        :func:`geo.model.zones.access_zones` outputs.
    bands
        ``geo.model.reach.ReachResult.bands``.
    catchments
        ``geo.model.catchments.Catchments.polygons``, or None.
    axes, axis_status
        Curated axes (``ModelInputs.axes``) and their status in force.
    encircled
        Encirclements in force (``ReachResult.state.no_entry``).
    hubs
        Hubs (EPSG:4326).
    incidents
        Incident points of the window (with ``fatalities`` if known).
    admin2
        Cercles, for ``incidents_by_admin``.
    positions
        Placed positions (:func:`geo.products.positions_map.product_positions`, already the
        public cut for a public export), for ``positions``.
    public
        Leave out encircled rows flagged non-public and the armed-group and note fields.

    Returns
    -------
    dict
        Theme name -> GeoDataFrame (EPSG:4326); a theme whose input is None is an empty
        frame with its fields, so it is still written as an (empty) layer.
    """
    themes: dict[str, gpd.GeoDataFrame] = {}
    zcols = [
        "pcode",
        "name",
        "level",
        "adm1_name",
        "adm2_pcode",
        "area_km2",
        "population",
        "blockades",
        "incidents",
        "zone",
        "rule_id",
        "rule",
    ]
    for name, z in (("admin_zones_adm2", zones_adm2), ("admin_zones_adm3", zones_adm3)):
        if z is not None:
            share = [c for c in z.columns if c.startswith("share_")]
            f = _frame(z, zcols[:8] + share + zcols[8:], as_of)
            f["area_km2"] = f["area_km2"].round(1)
            f["population"] = f["population"].round(0).astype("int64")
            for c in share:
                f[c] = f[c].round(4)
            themes[name] = f
    if bands is not None:
        f = _frame(
            bands, ["hub_id", "hub", "hours", "area_km2", "population", "localities", "hub_status"], as_of
        )
        f["area_km2"] = f["area_km2"].round(1)
        f["population"] = f["population"].round(0).astype("int64")
        f["localities"] = f["localities"].astype("int64")
        themes["reachable_areas"] = f
    if catchments is not None:
        f = _frame(catchments, ["hub_id", "hub", "area_km2", "population", "localities"], as_of)
        f["population"] = f["population"].round(0).astype("int64")
        themes["catchments"] = f
    if axes is not None:
        a = axes.copy()
        if axis_status is not None:
            a = a.drop(columns=[c for c in axis_status.columns if c in a.columns and c != "geometry"])
            a = a.join(
                axis_status.drop(columns=[c for c in ("geometry",) if c in axis_status.columns]), how="left"
            )
        a["status"] = a.get("status", pd.Series("unknown", index=a.index)).fillna("unknown")
        if "axis_id" not in a.columns:
            a = a.rename_axis("axis_id").reset_index()
        a = a.loc[:, ~a.columns.duplicated()]
        themes["roads_status"] = _frame(
            a,
            [
                "axis_id",
                "axis_name",
                "route_ref",
                "road_class",
                "status",
                "cause",
                "valid_from",
                "valid_to",
                "confidence",
                "source",
                "note",
                "schematic",
            ],
            as_of,
        )
    if encircled is not None:
        e = encircled
        if public and "public" in e.columns:
            e = public_episodes(e)
        cols = [
            "locality",
            "status",
            "since",
            "until",
            "last_confirmed",
            "radius_km",
            "coord_confidence",
            "source",
            "adm3_pcode",
        ]
        if not public:
            cols += ["armed_group", "note"]
        cols += [c for c in ("population", "population_method", "population_grid") if c in e.columns]
        f = _frame(e, cols, as_of)
        if "radius_km" in f:
            f["radius_km"] = pd.to_numeric(f["radius_km"], errors="coerce")
        themes["encircled"] = f
    if hubs is not None:
        themes["hubs"] = _frame(
            hubs, ["hub_id", "name", "level", "status", "aor_adm1_pcodes", "aor_adm2_pcodes"], as_of
        )
    if admin2 is not None:
        units = admin2.to_crs(STORAGE_CRS).reset_index(drop=True)
        counts = np.zeros(len(units), dtype=np.int64)
        deaths = np.zeros(len(units), dtype=np.int64)
        if incidents is not None and len(incidents):
            pts = incidents.to_crs(STORAGE_CRS)
            j = gpd.sjoin(
                pts[["geometry"]].assign(
                    fatalities=pd.to_numeric(pts.get("fatalities", 0), errors="coerce").fillna(0).to_numpy()
                ),
                units[["geometry"]],
                predicate="within",
                how="inner",
            )
            counts = np.bincount(j["index_right"], minlength=len(units)).astype(np.int64)
            deaths = np.bincount(j["index_right"], weights=j["fatalities"], minlength=len(units)).astype(
                np.int64
            )
        u = units.assign(incidents=counts, fatalities=deaths)
        themes["incidents_by_admin"] = _frame(
            u, ["pcode", "name", "adm1_name", "incidents", "fatalities"], as_of
        )
    if positions is not None:
        themes["positions"] = _positions_theme(positions, as_of)
    for name in THEMES:  # missing themes become empty layers
        if name not in themes:
            themes[name] = gpd.GeoDataFrame(
                {"as_of": pd.Series([], dtype=pd.ArrowDtype(pa.date32()))},
                geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
                crs=STORAGE_CRS,
            )
    return {k: conform_geometry(themes[k], THEME_GEOMETRY[k]) for k in THEMES}


def _positions_theme(located: gpd.GeoDataFrame, as_of: dt.date) -> gpd.GeoDataFrame:
    """Build the ``positions`` theme: a point per position at its scope marker (none without a place)."""
    from geo.store.positions import status_label, topic_label

    pts = [
        None if pd.isna(x) or pd.isna(y) else shapely.Point(float(x), float(y))
        for x, y in zip(located["marker_lon"], located["marker_lat"], strict=True)
    ]
    f = pd.DataFrame({"position_id": located["id"].astype("int64").to_numpy()})
    for lang in ("fr", "en"):
        f[f"status_{lang}"] = [status_label(v, lang) for v in located["status"]]
        f[f"topic_{lang}"] = [topic_label(v, lang) for v in located["topic"]]
    for c in POSITION_FIELDS:
        if c in located.columns and c not in f.columns:
            f[c] = located[c].to_numpy()
    f = f[[c for c in POSITION_FIELDS if c in f.columns]]
    gdf = gpd.GeoDataFrame(f, geometry=gpd.GeoSeries(pts, crs=STORAGE_CRS), crs=STORAGE_CRS)
    return _frame(gdf, list(f.columns), as_of)


# --------------------------------------------------------------------------- writers


def _family(geom_type: str | None) -> str:
    if not isinstance(geom_type, str):  # None, or NaN for a missing geometry
        return "none"
    if "Point" in geom_type:
        return "points"
    if "Line" in geom_type:
        return "lines"
    if "Polygon" in geom_type:
        return "polygons"
    return "other"


def split_geometry_types(name: str, gdf: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """``{name: gdf}``, or one entry per geometry family (``name_points`` ...) when mixed.

    Empty geometries are kept with the first family; GeometryCollections are exploded
    into their parts first.
    """
    if len(gdf) == 0:
        return {name: gdf}
    if (gdf.geom_type == "GeometryCollection").any():
        gdf = gdf.explode(index_parts=False).reset_index(drop=True)
    fam = gdf.geom_type.map(_family)
    kinds = [k for k in dict.fromkeys(fam) if k != "none"]
    if len(kinds) <= 1:
        return {name: gdf}
    return {
        f"{name}_{k}": gdf[(fam == k) | ((fam == "none") & (k == kinds[0]))].reset_index(drop=True)
        for k in kinds
    }


def _promote(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons -> MultiPolygons and lines -> MultiLineStrings, so a layer has one type."""
    if len(gdf) == 0:
        return gdf
    types = set(gdf.geom_type.dropna())
    geoms = gdf.geometry.to_numpy()
    if types <= {"Polygon", "MultiPolygon"} and "Polygon" in types:
        geoms = np.array(
            [shapely.MultiPolygon([g]) if g is not None and g.geom_type == "Polygon" else g for g in geoms],
            dtype=object,
        )
    elif types <= {"LineString", "MultiLineString"} and "LineString" in types:
        geoms = np.array(
            [
                shapely.MultiLineString([g]) if g is not None and g.geom_type == "LineString" else g
                for g in geoms
            ],
            dtype=object,
        )
    return gdf.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index))


def write_gpkg(
    themes: dict[str, gpd.GeoDataFrame], target: Path, *, progress: Progress | None = None
) -> list[str]:
    """Write themes as GeoPackage layers (atomic). Returns the layer names written."""
    written = []
    with atomic_path(Path(target)) as tmp:
        for i, (name, gdf) in enumerate(themes.items(), start=1):
            for lname, part in split_geometry_types(name, gdf).items():
                part = _promote(part)
                kwargs: dict[str, Any] = {}
                if len(part) == 0:
                    kwargs["geometry_type"] = THEME_GEOMETRY.get(name, "Unknown")
                part.to_file(tmp, layer=lname, driver="GPKG", engine="pyogrio", use_arrow=True, **kwargs)
                written.append(lname)
            if progress:
                progress(i, len(themes), name)
    logger.info("wrote %s (%d layers)", target, len(written))
    return written


def _fmt_value(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.6g}"
    return str(v)


def _coords(seq: Any) -> str:
    return " ".join(f"{x:.5f},{y:.5f}" for x, y in np.asarray(seq)[:, :2])


def _kml_geometry(g: Any) -> str:
    t = g.geom_type
    if t == "Point":
        return f"<Point><coordinates>{g.x:.5f},{g.y:.5f}</coordinates></Point>"
    if t == "LineString":
        coords = _coords(g.coords)
        return f"<LineString><tessellate>1</tessellate><coordinates>{coords}</coordinates></LineString>"
    if t == "Polygon":
        inner = "".join(
            f"<innerBoundaryIs><LinearRing><coordinates>{_coords(r.coords)}</coordinates>"
            "</LinearRing></innerBoundaryIs>"
            for r in g.interiors
        )
        return (
            f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_coords(g.exterior.coords)}</coordinates>"
            f"</LinearRing></outerBoundaryIs>{inner}</Polygon>"
        )
    return (
        "<MultiGeometry>" + "".join(_kml_geometry(p) for p in g.geoms if not p.is_empty) + "</MultiGeometry>"
    )


def _slim(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if len(gdf) == 0:
        return gdf
    work = gdf.to_crs(WORK_CRS)
    geom = work.geometry.simplify(SIMPLIFY_M, preserve_topology=True)
    return work.set_geometry(geom).to_crs(STORAGE_CRS)


_KML_NAME = {
    "hubs": "name",
    "encircled": "locality",
    "roads_status": "axis_name",
    "reachable_areas": "hub",
    "catchments": "hub",
}


#: Vocabulary of a coded column of a theme (``theme.column`` first, then the column alone).
def _kml_vocab(theme: str, column: str) -> Any:
    from geo.vocab import CONFIDENCE, VOCABULARIES

    base = {"roads_status": "road_status", "encircled": "encircled"}.get(theme, theme)
    found = VOCABULARIES.get(f"{base}.{column}") or VOCABULARIES.get(column)
    return CONFIDENCE if found is None and column == "coord_confidence" else found


#: Catalog key prefix of the labels of coded columns outside :mod:`geo.vocab`, by
#: ``(theme, column)`` (theme None: any theme); the label is ``PREFIX + code``.
_KML_CODE_KEYS = {
    ("hubs", "status"): "mpop.hub_",
    ("hubs", "level"): "mpop.level_",
    (None, "hub_status"): "bands.hub_",
    (None, "road_class"): "kml.value.road_class.",
}
#: Columns holding a share (0-1), written as a percentage.
_SHARE_PREFIX = "share_"


def _kml_number(column: str, value: float, lang: str) -> str:
    """Write a figure of a KML description in ``lang`` with Babel: ``22 737``, ``19 %``, ``2,5``.

    Parameters
    ----------
    column
        Its column: ``share_*`` (0-1) are percentages, ``area_km2`` whole km².
    value
        The figure.
    lang
        ``{"fr", "en"}``.
    """
    from babel.numbers import format_decimal

    from geo.products.i18n import format_number, format_share

    if column.startswith(_SHARE_PREFIX):
        return format_share(float(value), lang)
    if column == "area_km2":  # whole km², as the print maps and tables write them
        return format_number(float(value), lang)
    return format_decimal(value, locale=lang)  # the locale's pattern: at most 3 decimals


def _kml_field(theme: str, column: str, value: Any, lang: str | None) -> tuple[str, str]:
    """Label and value of one field of a KML description in ``lang`` (None: column name and raw value).

    Labels are the catalog's ``kml.field.COLUMN`` (the column name when it has none);
    booleans are ``oui``/``non`` (``yes``/``no``); coded values (road status, cause,
    confidence, road class, hub status...) their label in :mod:`geo.vocab` or the catalogs
    (:data:`_KML_CODE_KEYS`); dates are written out (``2 décembre 2026``,
    :func:`geo.products.i18n.format_day`); figures are Babel-formatted (``22 737``, shares
    ``19 %``). Other values (names, notes, sources, P-codes) are written as they are.
    """
    text = _fmt_value(value)
    if lang is None or text == "" or value is pd.NaT:
        return column, text
    from geo.products.i18n import format_day, has_key, is_day, tr

    label = tr(f"kml.field.{column}", lang) if has_key(f"kml.field.{column}", lang) else column
    if isinstance(value, (bool, np.bool_)):
        text = tr("kml.yes", lang) if value else tr("kml.no", lang)
    elif isinstance(value, (dt.date, pd.Timestamp)) or (column in _DATE_COLUMNS and is_day(value)):
        text = str(format_day(value, lang, long=True))
    elif isinstance(value, (int, float, np.integer, np.floating)):
        text = _kml_number(column, value, lang)
    elif column == "zone" and isinstance(value, str) and has_key(f"zone_{value}", lang):
        text = tr(f"zone_{value}", lang)
    elif isinstance(value, str):
        vocab = _kml_vocab(theme, column)
        prefix = _KML_CODE_KEYS.get((theme, column)) or _KML_CODE_KEYS.get((None, column))
        if vocab is not None and value in vocab:
            text = vocab.label(value, lang)
        elif prefix is not None and has_key(prefix + value, lang):
            text = tr(prefix + value, lang)
    return label, text


def rule_text(rule_id: object, description: object, lang: str) -> str:
    """Return an access-zone rule in ``lang``: the catalog's ``zone_rule.RULE_ID``, else ``description``.

    The rules of ``data/zones_rules.csv`` have their words in the catalogs; a rule of a
    user's own rule table keeps the description it was written with.
    """
    from geo.products.i18n import has_key, tr

    key = f"zone_rule.{rule_id}"
    return tr(key, lang) if has_key(key, lang) else _fmt_value(description)


def themes_for_lang(themes: dict[str, gpd.GeoDataFrame], lang: str) -> dict[str, gpd.GeoDataFrame]:
    """Return ``themes`` with their human text columns in ``lang``; names, codes and figures unchanged.

    Only the ``rule`` of the access-zone themes is a sentence the product writes (its
    ``rule_id`` and ``zone`` stay codes); other text columns are data (names, sources,
    notes of the curated files) and are left as published.
    """
    out = dict(themes)
    for name, gdf in themes.items():
        if {"rule_id", "rule"} <= set(gdf.columns) and len(gdf):
            g = gdf.copy()
            g["rule"] = [rule_text(i, d, lang) for i, d in zip(g["rule_id"], g["rule"], strict=True)]
            out[name] = g
    return out


def kml_text(
    themes: dict[str, gpd.GeoDataFrame], *, title: str | None = None, lang: str | None = None
) -> str:
    """KML 2.2 document, one Folder per theme, escaped names and descriptions, lon,lat order.

    Parameters
    ----------
    themes
        Theme name -> layer (EPSG:4326).
    title
        Document name (default: the product's title in ``lang``).
    lang
        ``{"fr", "en"}``: folders are named in that language (``Statut des routes``, the
        catalog's ``kml.folder.THEME``) and the descriptions (what a viewer shows in a
        balloon) say each field and its value in it (``tracé schématique : non``,
        ``depuis : 6 octobre 2020``, ``population : 697 871``, :func:`_kml_field`). The
        ``ExtendedData`` keeps the machine column names, codes, ISO dates and raw figures.
        None: theme names, column names and raw values.
    """
    from geo.products.i18n import format_hours, has_key, tr

    if title is None:
        title = tr("app.page_title", lang or "en")
    sep = tr("common.sep_colon", lang or "en")  # French: U+202F before the colon
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<kml xmlns="http://www.opengis.net/kml/2.2">',
        f"<Document><name>{xml_text(title)}</name>",
    ]
    for name, gdf in themes.items():
        folder = tr(f"kml.folder.{name}", lang) if lang and has_key(f"kml.folder.{name}", lang) else name
        parts.append(f"<Folder><name>{xml_text(folder)}</name>")
        g = _slim(gdf)
        label_col = _KML_NAME.get(name, "name")
        for _, row in g.iterrows():
            geom = row.geometry
            if geom is None or geom.is_empty:
                continue
            label = _fmt_value(row.get(label_col, ""))
            if name == "reachable_areas":
                hours = row.get("hours")
                hours_text = format_hours(float(hours), lang) if _fmt_value(hours) else ""
                label = f"{label} ≤ {hours_text} h"
            data = "".join(
                f'<Data name="{xml_text(c)}"><value>{xml_text(_fmt_value(row[c]))}</value></Data>'
                for c in g.columns
                if c != "geometry"
            )
            fields = (_kml_field(name, c, row[c], lang) for c in g.columns if c != "geometry")
            desc = tr("common.sep_semicolon", lang or "en").join(f"{k}{sep}{v}" for k, v in fields if v)
            parts.append(
                f"<Placemark><name>{xml_text(label)}</name><description>{kml_description(desc)}</description>"
                f"<ExtendedData>{data}</ExtendedData>{_kml_geometry(geom)}</Placemark>"
            )
        parts.append("</Folder>")
    parts.append("</Document></kml>")
    return "\n".join(parts)


def _json_value(v: Any) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (dt.date, pd.Timestamp)):
        return v.isoformat()[:10]
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


def geojson_text(themes: dict[str, gpd.GeoDataFrame]) -> str:
    """One RFC 7946 FeatureCollection (lon/lat, 6 decimals) with a ``layer`` property."""
    feats = []
    for name, gdf in themes.items():
        g = _slim(gdf)
        geoms = shapely.set_precision(g.geometry.to_numpy(), 1e-6) if len(g) else []
        for (_, row), geom in zip(g.iterrows(), geoms, strict=True):
            props = {"layer": name}
            props.update({c: _json_value(row[c]) for c in g.columns if c != "geometry"})
            feats.append(
                {
                    "type": "Feature",
                    "properties": props,
                    "geometry": None if geom is None or geom.is_empty else shapely.geometry.mapping(geom),
                }
            )
    return json.dumps({"type": "FeatureCollection", "features": feats}, ensure_ascii=False)


def csv_table(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """Flatten a theme to a table: points give ``lon``/``lat``; other geometries a representative point."""
    df = pd.DataFrame(gdf.drop(columns="geometry"))
    if len(gdf):
        pts = gdf.geometry.representative_point()
        df["lon"] = np.round(pts.x.to_numpy(), 5)
        df["lat"] = np.round(pts.y.to_numpy(), 5)
    else:
        df["lon"] = pd.Series([], dtype=float)
        df["lat"] = pd.Series([], dtype=float)
    for c in df.columns:
        if isinstance(df[c].dtype, pd.ArrowDtype):
            df[c] = df[c].astype(str).replace({"<NA>": ""})
    return df


def export_format(target: str | Path) -> str:
    """Export format of ``target`` from its suffix: gpkg, kml, geojson (.geojson/.json) or csv.

    Raises
    ------
    InputError
        Any other suffix.
    """
    name = Path(target).name
    fmt = Path(target).suffix.lower().lstrip(".")
    if fmt == "json":
        fmt = "geojson"
    if fmt not in FORMATS:
        msg = f"output must end in one of .{', .'.join(FORMATS)}, got {name!r}"
        raise InputError(msg).keyed(
            key="err.export_suffix", formats="." + ", .".join(FORMATS), name=repr(name)
        )
    return fmt


def valid_layer_names(known: Sequence[str] = THEMES) -> list[str]:
    """Layer names accepted by :func:`resolve_layers`: the aliases, then the themes."""
    return [*THEME_ALIASES, *known]


def resolve_layers(layers: Sequence[str] | None, fmt: str, *, known: Sequence[str] = THEMES) -> list[str]:
    """Check and expand the layer names asked for, before anything is computed.

    Parameters
    ----------
    layers
        Names asked for (themes or :data:`THEME_ALIASES`), or None/empty for the default:
        every theme, or :data:`CSV_DEFAULT_LAYER` alone for a CSV.
    fmt
        ``{"gpkg", "kml", "geojson", "csv"}`` (:func:`export_format`).
    known
        Theme names available (default :data:`THEMES`).

    Returns
    -------
    list of str
        Theme names in the order asked, without duplicates.

    Raises
    ------
    InputError
        An unknown name (the message lists the valid ones), or more than one theme for a CSV.
    """
    if not layers:
        return [CSV_DEFAULT_LAYER] if fmt == "csv" else list(known)
    unknown = [n for n in layers if n not in known and n not in THEME_ALIASES]
    if unknown:
        alias = "; ".join(f"{a} = {' + '.join(parts)}" for a, parts in THEME_ALIASES.items())
        valid = ", ".join(valid_layer_names(known))
        msg = f"unknown layer(s) {', '.join(unknown)}; valid: {valid} ({alias})"
        raise InputError(msg).keyed(
            key="err.unknown_layers", names=", ".join(unknown), valid=valid, alias=alias
        )
    chosen = list(dict.fromkeys(t for n in layers for t in THEME_ALIASES.get(n, (n,)) if t in known))
    if fmt == "csv" and len(chosen) != 1:
        msg = f"a CSV holds one table; choose one layer with --layers (got {', '.join(chosen)})"
        raise InputError(msg).keyed(key="err.csv_one_layer", names=", ".join(chosen))
    return chosen


def write_export(
    themes: dict[str, gpd.GeoDataFrame],
    target: str | Path,
    *,
    layers: Sequence[str] | None = None,
    progress: Progress | None = None,
    lang: str | None = None,
) -> list[str]:
    """Write themes to ``target``; the format follows its suffix (.gpkg, .kml, .geojson, .csv).

    Parameters
    ----------
    themes
        :func:`build_themes` output.
    target
        Output file (replaced atomically).
    layers
        Themes to write, or ``admin_zones`` for both zone themes (default: all; for CSV,
        :data:`CSV_DEFAULT_LAYER`); see :func:`resolve_layers`.
    progress
        Optional ``progress(done, total, label)``.
    lang
        ``{"fr", "en"}``: the human text columns (a zone's ``rule``) and the KML
        descriptions in that language (:func:`themes_for_lang`, :func:`kml_text`); column
        names, codes and figures do not change. None: as the themes hold them.

    Returns
    -------
    list of str
        Layers (GeoPackage), folders (KML) or the table (CSV) written.

    Raises
    ------
    ValueError
        Unknown suffix or layer name, or several layers asked for a CSV.
    """
    target = Path(target)
    fmt = export_format(target)
    chosen = {n: themes[n] for n in resolve_layers(layers, fmt, known=list(themes))}
    if lang is not None:
        chosen = themes_for_lang(chosen, lang)
    if fmt == "gpkg":
        return write_gpkg(chosen, target, progress=progress)
    if fmt == "csv":
        ((name, gdf),) = chosen.items()
        write_csv(csv_table(gdf), target)
        return [name]
    text = kml_text(chosen, lang=lang) if fmt == "kml" else geojson_text(chosen)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    if progress:
        progress(1, 1, target.name)
    return list(chosen)


# --------------------------------------------------------------------------- one call from the data folder


@dataclass(frozen=True)
class AccessState:
    """The access picture on one date, as the advisor sees it (inputs of maps and exports).

    Attributes
    ----------
    as_of
        Date of the state.
    inputs, result
        ``ModelInputs`` and ``ReachResult``.
    hubs, admin1
        Hubs drawn and regions.
    incidents
        Incidents of the window (EPSG:4326 points).
    zones_adm2, zones_adm3
        Access zones.
    catchments
        Catchment polygons, or None when ``geo.model.catchments`` is not available.
    positions
        Common positions placed on the ground
        (:func:`geo.products.positions_map.product_positions`: the public cut when
        ``public``), or None without a store.
    notes
        What was skipped and why.
    public
        Computed for the public (``geo.products.policy``): from the encirclements marked
        public only and without restricted incident sources.
    incident_data_end
        Date of the last incident the data hold (all files, any date), or None without
        incident data: a window after it is a gap in the data, not a quiet period.
    """

    as_of: dt.date
    inputs: Any
    result: Any
    hubs: gpd.GeoDataFrame
    admin1: gpd.GeoDataFrame
    incidents: gpd.GeoDataFrame | None
    zones_adm2: gpd.GeoDataFrame
    zones_adm3: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame | None
    notes: tuple[str, ...] = ()
    public: bool = False
    positions: gpd.GeoDataFrame | None = None
    incident_data_end: dt.date | None = None


def collect_state(
    data_dir: Path,
    *,
    as_of: dt.date,
    store_path: Path | None = None,
    hub_ids: Sequence[str] | None = None,
    season: str | None = None,
    hours: Sequence[float] | None = None,
    incident_days: int = 365,
    inputs: Any = None,
    rules_path: Path | None = None,
    progress: Progress | None = None,
    public: bool = False,
) -> AccessState:
    """Compute the state on ``as_of``: reach, zones, incidents of the window, catchments.

    Parameters
    ----------
    data_dir
        Data folder.
    as_of
        Date whose constraints apply; incidents are those of the ``incident_days`` days
        ending on it.
    store_path
        Constraints store (None: curated CSVs).
    hub_ids
        Hubs (default: all).
    season
        ``{"dry", "rainy"}``, or None (default) for the season of ``as_of`` in the
        season calendar.
    hours
        Band limits (default ``geo.config.DEFAULT_BANDS_H``).
    incident_days
        Window of incidents counted, days.
    inputs
        Already loaded ``ModelInputs`` (else loaded here).
    rules_path
        Zone rule table (default ``data/zones_rules.csv``).
    progress
        Optional ``progress(done, total, label)`` over the steps.
    public
        Compute the public state (``geo.products.policy``): reach, zones, catchments and
        counts from the encirclements marked public only (a non-public one leaves no
        no-entry hole, count or figure), incidents without restricted sources.

    Returns
    -------
    AccessState
    """
    from geo.config import DEFAULT_BANDS_H
    from geo.model.friction import load_model_inputs
    from geo.model.reach import compute_reach
    from geo.model.zones import access_zones, read_rules
    from geo.sources.admin import load_admin
    from geo.sources.curated import select_hubs
    from geo.store.constraints import load_versions

    steps = 6
    notes: list[str] = []

    def step(i: int, label: str) -> None:
        if progress:
            progress(i, steps, label)

    if inputs is None:
        inputs = load_model_inputs(Path(data_dir))
    step(1, "model inputs")
    hubs = select_hubs(list(hub_ids) if hub_ids else None)
    versions = load_versions(store_path)
    episodes = public_episodes(versions.encircled) if public else versions.encircled
    result = compute_reach(
        inputs,
        hubs,
        dataclasses.replace(versions, encircled=episodes),
        as_of=as_of,
        hours=tuple(hours) if hours else DEFAULT_BANDS_H,
        season=season,
    )
    step(2, "reachable areas")
    incidents = None
    incident_data_end = None
    try:
        from geo.model.incidents import data_end, load_incidents, time_window

        known = load_incidents(Path(data_dir), store_path=store_path, include_restricted=not public)
        incident_data_end = data_end(known)
        incidents = time_window(known, as_of=as_of, days=incident_days)
    except Exception as exc:  # noqa: BLE001  (incidents are optional for maps and zones)
        notes.append(f"incidents skipped: {exc}")
        logger.warning("incidents skipped: %s", exc)
    step(3, "incidents")
    rules = read_rules(rules_path)
    z2 = access_zones(inputs, result, level=2, incidents=incidents, rules=rules)
    z3 = access_zones(inputs, result, level=3, incidents=incidents, rules=rules)
    step(4, "access zones")
    catch = None
    try:
        from geo.model.catchments import compute_catchments

        catch = compute_catchments(
            inputs, hubs, result.state, max_h=max(result.hours), friction=result.friction
        ).polygons
    except ImportError as exc:
        notes.append(f"catchments skipped: {exc}")
    step(5, "catchments")
    admin1 = load_admin(Path(data_dir), 1)
    positions = None
    if store_path is not None:
        from geo.products.positions_map import product_positions
        from geo.store.positions import current_positions

        positions = product_positions(
            current_positions(store_path),
            inputs=inputs,
            admin=[admin1, load_admin(Path(data_dir), 2), load_admin(Path(data_dir), 3)],
            episodes=versions.encircled,
            public=public,
        )
    step(6, "regions")
    return AccessState(
        as_of,
        inputs,
        result,
        hubs,
        admin1,
        incidents,
        z2,
        z3,
        catch,
        tuple(notes),
        public,
        positions,
        incident_data_end,
    )


def _encircled_with_population(state: AccessState) -> gpd.GeoDataFrame:
    """Encirclements in force with the people inside each no-entry disc (geo.model.severity)."""
    from geo.model.severity import with_population

    enc = state.result.state.no_entry
    if enc is None or len(enc) == 0:
        return enc
    places = state.inputs.places if "population" in state.inputs.places.columns else None
    return with_population(enc, state.inputs.data_dir, places=places)


def themes_from_state(state: AccessState, *, public: bool = False) -> dict[str, gpd.GeoDataFrame]:
    """:func:`build_themes` from an :class:`AccessState`.

    Raises
    ------
    ValueError
        ``public`` for a state not computed with ``collect_state(..., public=True)`` (its
        geometries and figures carry the non-public encirclements).
    """
    if public and not state.public:
        msg = "a public export needs the public state: collect_state(..., public=True)"
        raise ValueError(msg)
    r = state.result
    themes = build_themes(
        as_of=state.as_of,
        zones_adm2=state.zones_adm2,
        zones_adm3=state.zones_adm3,
        bands=r.bands,
        catchments=state.catchments,
        axes=state.inputs.axes,
        axis_status=None if r.state is None else r.state.axis_status,
        encircled=None if r.state is None else _encircled_with_population(state),
        hubs=state.hubs,
        incidents=state.incidents,
        admin2=state.inputs.admin2,
        positions=state.positions,
        public=public,
    )
    return public_themes(themes) if public else themes


def public_themes(themes: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Themes cut to the public fields of the policy (``policy.PUBLIC_EXPORT_FIELDS``).

    Non-public encircled rows are left out earlier (:func:`build_themes` and the public
    state of :func:`collect_state`).
    """
    out = dict(themes)
    for name, fields in PUBLIC_EXPORT_FIELDS.items():
        if name in out:
            frame = out[name]
            cut = cut_to(frame, fields)
            out[name] = (
                gpd.GeoDataFrame(cut, geometry="geometry", crs=frame.crs) if "geometry" in cut else cut
            )
    return out
