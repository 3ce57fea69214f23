"""Localities (towns and villages) in one internal schema, and resolving a place typed by a user.

Internal schema: ``place_id`` (str, index), ``name`` (str), ``place_type`` (str),
``population`` (float, NaN when unknown), ``adm1_name``, ``adm2_name`` (as the source
gives them), ``geometry`` (Point, EPSG:4326).

Adapters: ``wof_localities`` (Who's On First / GeoNames, the file in the data folder),
``hotosm_places`` (HOT OSM export: ``osm_id``, ``name``, ``place``, ``population``).

The gazetteer lacks some towns (cercle capitals such as Youwarou and Kadiolo, towns named in
the access facts such as Gossi): ``data/curated/places.csv`` adds them, each with its source
(:func:`read_curated_places`); :func:`load_places` merges the two. It also writes some
gazetteer names as the product writes them (Diré and Djenné as their cercles, Dialloubé),
from ``data/curated/place_names.csv`` (:func:`correct_names`, each row with its source).

:func:`resolve_place` turns what a user types (a hub id, a name, ``Name, Cercle``, a place id,
or ``"lat,lon"`` from a phone) into one :class:`Place`, and never picks one of several
homonyms silently: it raises :class:`AmbiguousPlaceError` listing them, most important first
(:func:`by_importance`: capitals, then communes' chefs-lieux, then by population and name).
"""

from __future__ import annotations

import difflib
import logging
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import Point

from geo.config import CURATED_DIR, STORAGE_CRS
from geo.errors import DataFileError, InputError
from geo.sources.datasets import dataset_path, load_manifest, read_vector
from geo.text import Keyed

logger = logging.getLogger(__name__)

PLACE_COLUMNS = ["name", "place_type", "population", "adm1_name", "adm2_name", "geometry"]

#: Columns of ``data/curated/places.csv`` (see docs in that folder's README).
CURATED_PLACE_COLUMNS = [
    "place_id",
    "name",
    "lon",
    "lat",
    "kind",
    "adm1_name",
    "adm2_name",
    "coord_confidence",
    "source_refs",
    "note",
]
CURATED_PLACE_KINDS = ("cercle_capital", "commune_chef_lieu", "town")
COORD_CONFIDENCE = ("high", "medium", "low")
CURATED_PLACES = CURATED_DIR / "places.csv"
#: Spelling corrections of gazetteer names (``data/curated/place_names.csv``).
PLACE_NAMES = CURATED_DIR / "place_names.csv"
PLACE_NAME_COLUMNS = ["target", "source_name", "name", "source_refs", "note"]

#: Mali's extent in degrees (lon min, lat min, lon max, lat max), a few km of margin: a
#: coordinate pair outside it is refused even when no outline is given.
MALI_BBOX = (-12.30, 10.10, 4.30, 25.05)

#: Homonyms in the same cercle closer than this (km) are one place recorded twice (the
#: gazetteer holds Gao, Ségou and Yélimané twice within a few km).
SAME_PLACE_KM = 10.0


def normalise_places(
    raw: gpd.GeoDataFrame, *, adapter: str, path: Path | str = "<memory>"
) -> gpd.GeoDataFrame:
    """Turn a source localities layer into the internal schema.

    Parameters
    ----------
    raw
        Point layer as read, with a CRS.
    adapter
        ``{"wof_localities", "hotosm_places"}``.
    path
        Source file, for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        ``PLACE_COLUMNS`` indexed by ``place_id``, EPSG:4326, points only.

    Raises
    ------
    DataFileError
        Unknown adapter or missing column.
    """
    if adapter == "wof_localities":
        need = {
            "wof_id": "place_id",
            "name": "name",
            "wof_placetype": "place_type",
            "gn_population": "population",
            "adm1_name": "adm1_name",
            "adm2_name": "adm2_name",
        }
    elif adapter == "hotosm_places":
        need = {"osm_id": "place_id", "name": "name", "place": "place_type", "population": "population"}
    else:
        msg = f"unknown places adapter {adapter!r}; expected wof_localities or hotosm_places"
        raise DataFileError(path, msg, field="adapter")
    for col in need:
        if col not in raw.columns:
            raise DataFileError(path, "missing column in localities layer", field=col)
    df = raw[list(need)].rename(columns=need)
    for c in ("adm1_name", "adm2_name"):
        if c not in df.columns:
            df[c] = None
    df["place_id"] = df["place_id"].astype("string")
    df["population"] = pd.to_numeric(df["population"], errors="coerce").where(lambda s: s > 0)
    gdf = gpd.GeoDataFrame(df, geometry=raw.geometry.values, crs=raw.crs).to_crs(STORAGE_CRS)
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty & (gdf.geom_type == "Point")]
    gdf = gdf.drop_duplicates("place_id").set_index("place_id")
    gdf.index.name = "place_id"
    return gdf[PLACE_COLUMNS]


def _read_text_table(path: Path, what: str, columns: list[str]) -> pd.DataFrame:
    """Read a curated CSV as stripped text, checking its columns.

    Raises
    ------
    DataFileError
        Unreadable file (``what`` names it in the message) or a missing column.
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFileError(path, f"cannot read {what}: {exc}") from exc
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataFileError(path, f"missing column(s) {missing}; expected {columns}")
    return df.apply(lambda s: s.str.strip())


def read_curated_places(path: Path | str | None = None) -> gpd.GeoDataFrame:
    """Read ``data/curated/places.csv``, the towns the gazetteer lacks, in the internal schema.

    Parameters
    ----------
    path
        CSV file (columns ``CURATED_PLACE_COLUMNS``); default ``data/curated/places.csv``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``PLACE_COLUMNS`` indexed by ``place_id`` (``cur:<slug>``), ``place_type`` = the row's
        ``kind``, population NaN, EPSG:4326.

    Raises
    ------
    DataFileError
        Unreadable file, missing column, or a bad row (the message names the file, the
        1-based data row and the field): empty name or source, id not ``cur:<slug>`` or
        repeated, unknown kind or coordinate confidence, coordinates not numbers or outside Mali.
    """
    path = Path(path or CURATED_PLACES)
    df = _read_text_table(path, "curated places", CURATED_PLACE_COLUMNS)
    seen: set[str] = set()
    lons, lats = [], []
    for i, r in enumerate(df.itertuples(index=False), start=1):
        if not re.fullmatch(r"cur:[a-z0-9]+(?:-[a-z0-9]+)*", r.place_id):
            raise DataFileError(path, "place_id must be 'cur:<slug>' (a-z, 0-9, -)", row=i, field="place_id")
        if r.place_id in seen:
            raise DataFileError(path, f"duplicate place_id {r.place_id!r}", row=i, field="place_id")
        seen.add(r.place_id)
        for field in ("name", "adm1_name", "adm2_name", "source_refs"):
            if not getattr(r, field):
                raise DataFileError(path, "empty value", row=i, field=field)
        if r.kind not in CURATED_PLACE_KINDS:
            msg = f"unknown kind {r.kind!r}; expected one of {CURATED_PLACE_KINDS}"
            raise DataFileError(path, msg, row=i, field="kind")
        if r.coord_confidence not in COORD_CONFIDENCE:
            msg = f"unknown coord_confidence {r.coord_confidence!r}; expected one of {COORD_CONFIDENCE}"
            raise DataFileError(path, msg, row=i, field="coord_confidence")
        for field, lo, hi, out in (
            ("lon", MALI_BBOX[0], MALI_BBOX[2], lons),
            ("lat", MALI_BBOX[1], MALI_BBOX[3], lats),
        ):
            try:
                v = float(getattr(r, field))
            except ValueError:
                raise DataFileError(path, "not a number", row=i, field=field) from None
            if not (math.isfinite(v) and lo <= v <= hi):
                raise DataFileError(path, f"{v} is outside Mali ({lo}..{hi})", row=i, field=field)
            out.append(v)
    gdf = gpd.GeoDataFrame(
        {
            "name": df["name"].to_numpy(),
            "place_type": df["kind"].to_numpy(),
            "population": np.full(len(df), np.nan),
            "adm1_name": df["adm1_name"].to_numpy(),
            "adm2_name": df["adm2_name"].to_numpy(),
        },
        geometry=[Point(x, y) for x, y in zip(lons, lats, strict=True)],
        index=pd.Index(df["place_id"].astype("string"), name="place_id"),
        crs=STORAGE_CRS,
    )
    return gdf[PLACE_COLUMNS]


def read_place_names(path: Path | str | None = None) -> pd.DataFrame:
    """Read ``data/curated/place_names.csv``: spelling corrections of the gazetteer, each with its source.

    A row's ``target`` is a gazetteer ``place_id`` (its ``name`` is corrected) or
    ``adm2:<name>`` (that cercle name of the gazetteer's ``adm2_name`` is corrected);
    ``source_name`` is the spelling the gazetteer gives, ``name`` the one shown.

    Raises
    ------
    DataFileError
        Unreadable file, missing column, an empty value or a target given twice (row and field named).
    """
    path = Path(path or PLACE_NAMES)
    df = _read_text_table(path, "place-name corrections", PLACE_NAME_COLUMNS)
    for i, r in enumerate(df.itertuples(index=False), start=1):
        for field in ("target", "source_name", "name", "source_refs"):
            if not getattr(r, field):
                raise DataFileError(path, "empty value", row=i, field=field)
    dup = df["target"][df["target"].duplicated()]
    if len(dup):
        row = int(dup.index[0]) + 1
        raise DataFileError(path, f"target {dup.iloc[0]!r} given twice", row=row, field="target")
    return df


def correct_names(places: gpd.GeoDataFrame, names: pd.DataFrame) -> gpd.GeoDataFrame:
    """Apply the spelling corrections of :func:`read_place_names` to the gazetteer's rows.

    A correction applies only where the gazetteer still gives ``source_name`` (a new
    release that changed the name is left as it is, with a warning). The gazetteer's
    spelling stays in ``source_name`` so a user typing it still finds the place
    (:func:`resolve_place`).

    Returns
    -------
    geopandas.GeoDataFrame
        A copy of ``places`` with ``name`` and ``adm2_name`` corrected and a ``source_name``
        column (the gazetteer's name; "" where it was not changed).
    """
    out = places.copy()
    out["source_name"] = ""
    ids = out.index.astype(str)
    for r in names.itertuples(index=False):
        if r.target.startswith("adm2:"):
            hit = out["adm2_name"].astype(str) == r.source_name
            out.loc[hit, "adm2_name"] = r.name
            if not hit.any():
                logger.warning(
                    "place names: no locality in cercle %r to correct to %r", r.source_name, r.name
                )
            continue
        hit = (ids == r.target) & (out["name"].astype(str) == r.source_name)
        if not hit.any():
            logger.warning(
                "place names: %s is not %r in the gazetteer; %r not applied", r.target, r.source_name, r.name
            )
            continue
        out.loc[hit, "source_name"] = out.loc[hit, "name"]
        out.loc[hit, "name"] = r.name
    return out


def load_places(
    data_dir: Path,
    *,
    curated: Path | str | None = CURATED_PLACES,
    names: Path | str | None = PLACE_NAMES,
) -> gpd.GeoDataFrame:
    """Load the localities of the data folder plus the curated supplement (see module doc).

    Parameters
    ----------
    data_dir
        Data folder (manifest dataset ``places``).
    curated
        Curated supplement (``data/curated/places.csv``); None leaves it out.
    names
        Spelling corrections of gazetteer names (``data/curated/place_names.csv``,
        :func:`correct_names`); None leaves the gazetteer's spellings.

    Returns
    -------
    geopandas.GeoDataFrame
        ``PLACE_COLUMNS`` indexed by ``place_id``, EPSG:4326: the gazetteer's rows, then the
        curated rows.

    Raises
    ------
    DataFileError
        Unreadable layer or curated file, or a bad curated row; a curated ``place_id`` that
        is also a gazetteer id.
    """
    ds = load_manifest()["places"]
    raw = read_vector(data_dir, "places")
    gdf = normalise_places(raw, adapter=ds.adapter, path=dataset_path(data_dir, "places"))
    if names is not None:
        gdf = correct_names(gdf, read_place_names(names))
    if curated is not None:
        extra = read_curated_places(curated)
        clash = extra.index.intersection(gdf.index)
        if len(clash):
            raise DataFileError(curated, f"place_id {clash[0]!r} is also a gazetteer id", field="place_id")
        gdf = pd.concat([gdf, extra])
    if "source_name" in gdf.columns:
        gdf["source_name"] = gdf["source_name"].fillna("")
    logger.info("places: %d localities", len(gdf))
    return gdf


# ---------------------------------------------------------------------------------------------
# Resolving a place typed by a user


def fold_name(text: str) -> str:
    """Return the comparison form of a place name (accents, case, Unicode form, spacing ignored).

    ``"  Ségou "``, ``"SEGOU"``, ``"Ségou"`` decomposed (e + combining acute) and ``"Ségou"`` with a
    no-break space all give ``"segou"``; hyphens and apostrophes count as spaces
    (``"Gourma-Rharous"`` = ``"Gourma Rharous"``).
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    bare = re.sub(r"[\s\-\u2010-\u2015'\u2019`.]+", " ", bare)
    return bare.strip()


def _fold_admin(text: object) -> str:
    """Comparison form of a cercle or region name (``"Cercle d'Ansongo"`` -> ``"ansongo"``)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    key = fold_name(str(text))
    return re.sub(r"^(cercle|region|district) (de |du |des |d )?", "", key)


def place_label(
    name: str, cercle: object, region: object, *, lat: float | None = None, lon: float | None = None
) -> Keyed:
    """Return a place for people: its name, then its cercle and region only where they add something.

    ``Boni (Douentza, Mopti)``; a cercle named as the place is left out (``Douentza
    (Mopti region)``, ``Mopti (Mopti region)``, not ``Mopti (Mopti, Mopti)``), a cercle
    named as its region is said once (``Sévaré (Mopti cercle and region)``); the
    coordinates when neither is known. English text keyed ``place.label.*``
    (:class:`geo.text.Keyed`), so the front ends write it in their language
    (:func:`geo.products.i18n.text_in`: ``Mopti (région de Mopti)``).

    Parameters
    ----------
    name
        The place's name.
    cercle, region
        Its admin2 and admin1 names as the source gives them ("", None or NaN when unknown).
    lat, lon
        Degrees, EPSG:4326: written when neither cercle nor region is known.
    """
    cercle = cercle if isinstance(cercle, str) and fold_name(cercle) != fold_name(name) else ""
    region = region if isinstance(region, str) else ""
    if cercle and region and fold_name(cercle) == fold_name(region):
        text = f"{name} ({region} cercle and region)"
        return Keyed(text, "place.label.cercle_and_region", name=name, region=region)
    if cercle and region:
        text = f"{name} ({cercle}, {region})"
        return Keyed(text, "place.label.cercle_region", name=name, cercle=cercle, region=region)
    if region:
        return Keyed(f"{name} ({region} region)", "place.label.region", name=name, region=region)
    if cercle:
        return Keyed(f"{name} ({cercle} cercle)", "place.label.cercle", name=name, cercle=cercle)
    if lat is None or lon is None:
        return Keyed(name, "place.label.name", name=name)
    where = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}
    return Keyed(f"{name} ({where['lat']}, {where['lon']})", "place.label.coordinates", name=name, **where)


@dataclass(frozen=True)
class Place:
    """A resolved place (EPSG:4326).

    Attributes
    ----------
    place_id
        Gazetteer id, ``cur:<slug>``, ``hub:<ID>`` or ``"lat,lon"`` for typed coordinates.
    name
        Display name.
    lon, lat
        Degrees, EPSG:4326.
    adm2_name, adm1_name
        Cercle and region as the source gives them ("" when unknown).
    kind
        ``"hub"``, ``"locality"`` or ``"coordinates"``.
    """

    place_id: str
    name: str
    lon: float
    lat: float
    adm2_name: str = ""
    adm1_name: str = ""
    kind: str = "locality"

    @property
    def label(self) -> Keyed:
        """The place for people (:func:`place_label` of its name, cercle, region and point)."""
        return place_label(self.name, self.adm2_name, self.adm1_name, lat=self.lat, lon=self.lon)

    def line(self) -> str:
        """One line for a list of candidates: name, cercle, region, id, lat, lon."""
        return (
            f"{self.name} | cercle {self.adm2_name or '?'} | region {self.adm1_name or '?'} | "
            f"id {self.place_id} | {self.lat:.5f}, {self.lon:.5f}"
        )


class AmbiguousPlaceError(InputError):
    """Several places match what was typed; none is picked.

    Attributes
    ----------
    text
        What was typed.
    candidates
        The matching :class:`Place` objects (one line each in the message).
    also
        Labels of places whose name holds the typed one as a word (``Ké-Macina`` for
        ``Macina``), listed after the candidates.
    """

    def __init__(self, text: str, candidates: list[Place], also: list[str] | None = None) -> None:
        self.text = text
        self.candidates = candidates
        self.also = list(also or [])
        lines = [
            f"{text!r} matches {len(candidates)} places; give 'Name, Cercle', 'Name, Region' or the place id:"
        ]
        lines += [f"  {c.line()}" for c in candidates]
        if self.also:
            lines.append("names containing it: " + "; ".join(self.also))
        super().__init__("\n".join(lines))
        self.keyed(key="err.ambiguous_place", text=repr(text), n=len(candidates))


_COORD = re.compile(
    r"^\s*(?P<a>[+-]?\d+(?:[.,]\d+)?)\s*°?\s*(?P<ha>[NSEWnsew])?\s*[,;\s]\s*"
    r"(?P<b>[+-]?\d+(?:[.,]\d+)?)\s*°?\s*(?P<hb>[NSEWnsew])?\s*$"
)


def places_around(
    places: gpd.GeoDataFrame, lon: float, lat: float, *, km: float, most: int
) -> gpd.GeoDataFrame:
    """Return the localities around a point: the most populous first, then the nearest.

    Parameters
    ----------
    places
        Localities (any CRS) with ``name`` and, optionally, ``population``.
    lon, lat
        The point, degrees (EPSG:4326).
    km
        Search radius, km (measured in ``geo.config.WORK_CRS``, metres).
    most
        Most localities returned.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name`` and points (``WORK_CRS``); the point itself (closer than 100 m) left out.
    """
    from shapely.geometry import Point

    from geo.config import WORK_CRS

    work = places.to_crs(WORK_CRS)
    centre = gpd.GeoSeries([Point(lon, lat)], crs=4326).to_crs(WORK_CRS).iloc[0]
    dist = work.geometry.distance(centre)
    near = work.assign(_d=dist)[(dist <= km * 1000.0) & (dist > 100.0)]
    pop = near["population"] if "population" in near.columns else pd.Series(0.0, index=near.index)
    near = near.assign(_p=pd.to_numeric(pop, errors="coerce").fillna(0.0))
    return near.sort_values(["_p", "_d"], ascending=[False, True]).head(most)[["name", "geometry"]]


def _inside(lon: float, lat: float, outline: object | None) -> bool:
    x0, y0, x1, y1 = MALI_BBOX
    if not (x0 <= lon <= x1 and y0 <= lat <= y1):
        return False
    if outline is None:
        return True
    return bool(outline.intersects(Point(lon, lat)))


def parse_latlon(text: str, *, outline: object | None = None) -> tuple[float, float] | None:
    """Read ``"lat,lon"`` in decimal degrees as a phone or GPS gives it; None if it is not a pair.

    Accepted: ``"14.4843, -4.1830"``, ``"14.4843 -4.1830"``, ``"14.4843;-4.183"``,
    ``"14.4843° N, 4.1830° W"`` (hemisphere letters give the sign). A decimal comma is
    accepted only when the two numbers are separated by a space or semicolon.

    Parameters
    ----------
    text
        What was typed.
    outline
        Mali's outline (shapely geometry, EPSG:4326); None checks Mali's bounding box only.

    Returns
    -------
    tuple of float or None
        ``(lon, lat)`` in degrees.

    Raises
    ------
    InputError
        The pair is outside Mali (the message says so and, when the two numbers read the
        other way round fall inside Mali, that they look swapped); a hemisphere letter on
        the wrong number; a latitude beyond +-90.
    """
    t = unicodedata.normalize("NFKC", text).strip()
    m = _COORD.match(t)
    if not m:
        return None
    sa, sb = m["a"], m["b"]
    if "," in sa or "," in sb:
        if not re.search(r"[;\s]", t.replace(sa, "", 1).replace(sb, "", 1)):
            return None
        sa, sb = sa.replace(",", "."), sb.replace(",", ".")
    a, b = float(sa), float(sb)
    ha, hb = (m["ha"] or "").upper(), (m["hb"] or "").upper()
    if ha in {"E", "W"} or hb in {"N", "S"}:
        msg = f"{text!r}: give latitude first then longitude (e.g. '14.4843, -4.1830')"
        raise InputError(msg).keyed(key="err.lat_first", text=repr(text))
    if ha == "S":
        a = -abs(a)
    if hb == "W":
        b = -abs(b)
    lat, lon = a, b
    if abs(lat) > 90 or abs(lon) > 180:
        if abs(lon) <= 90 and abs(lat) <= 180 and _inside(lat, lon, outline):
            msg = f"{text!r} looks swapped (longitude first?): latitude first, e.g. '{lon}, {lat}'"
            raise InputError(msg).keyed(key="err.coords_swapped_range", text=repr(text), lat=lon, lon=lat)
        msg = f"{text!r} is not a latitude, longitude pair in degrees"
        raise InputError(msg).keyed(key="err.coords_not_pair", text=repr(text))
    if _inside(lon, lat, outline):
        return lon, lat
    if _inside(lat, lon, outline):
        msg = (
            f"{text!r} is outside Mali as latitude {lat}, longitude {lon}; it looks swapped: "
            f"did you mean '{lon}, {lat}' (latitude first)?"
        )
        raise InputError(msg).keyed(key="err.coords_swapped", text=repr(text), lat=lat, lon=lon)
    msg = f"{text!r} (latitude {lat}, longitude {lon}) is outside Mali"
    raise InputError(msg).keyed(key="err.coords_outside", text=repr(text), lat=lat, lon=lon)


def _place_of(pid: str, row: pd.Series) -> Place:
    g = row.geometry
    return Place(
        place_id=str(pid),
        name=str(row["name"]),
        lon=float(g.x),
        lat=float(g.y),
        adm2_name="" if pd.isna(row.get("adm2_name")) else str(row["adm2_name"]),
        adm1_name="" if pd.isna(row.get("adm1_name")) else str(row["adm1_name"]),
    )


def _merge_duplicates(hits: pd.DataFrame) -> pd.DataFrame:
    """Keep one of the same-named records that lie in one cercle within ``SAME_PLACE_KM``.

    Curated rows win over gazetteer rows, then the first in table order.
    """
    if len(hits) < 2:
        return hits
    order = sorted(range(len(hits)), key=lambda i: (not str(hits.index[i]).startswith("cur:"), i))
    kept: list[int] = []
    for i in order:
        gi = hits.geometry.iloc[i]
        ci = _fold_admin(hits["adm2_name"].iloc[i])
        same = False
        for j in kept:
            gj = hits.geometry.iloc[j]
            if _fold_admin(hits["adm2_name"].iloc[j]) != ci:
                continue
            dy = (gi.y - gj.y) * 111.2
            dx = (gi.x - gj.x) * 111.2 * math.cos(math.radians((gi.y + gj.y) / 2))
            if math.hypot(dx, dy) < SAME_PLACE_KM:
                same = True
                break
        if not same:
            kept.append(i)
    return hits.iloc[sorted(kept)]


#: Place types of a commune's chef-lieu (curated kind; Who's On First ``localadmin``).
CHEF_LIEU_TYPES = ("commune_chef_lieu", "localadmin")


def by_importance(hits: pd.DataFrame) -> pd.DataFrame:
    """Return homonyms most important first: capitals, then communes' chefs-lieux, then the others.

    Within each group the most populous come first (unknown population last), then by name.
    A place is a capital when its name is that of its cercle or region (Diré in cercle Diré)
    or when the curated supplement says so (``cercle_capital``).
    """
    if len(hits) < 2:
        return hits
    folded = hits["name"].astype(str).map(fold_name)
    capital = (
        (folded == hits["adm2_name"].map(_fold_admin))
        | (folded == hits["adm1_name"].map(_fold_admin))
        | (hits["place_type"].astype(str) == "cercle_capital")
    )
    chef_lieu = hits["place_type"].astype(str).isin(CHEF_LIEU_TYPES)
    rank = np.where(capital, 0, np.where(chef_lieu, 1, 2))
    pop = pd.to_numeric(hits["population"], errors="coerce").fillna(-1.0).to_numpy()
    order = sorted(range(len(hits)), key=lambda i: (rank[i], -pop[i], folded.iloc[i], str(hits.index[i])))
    return hits.iloc[order]


def _storage(places: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if places.crs is not None and places.crs.to_string() != STORAGE_CRS:
        return places.to_crs(STORAGE_CRS)
    return places


def resolve_place(
    text: str,
    places: gpd.GeoDataFrame,
    *,
    hubs: gpd.GeoDataFrame | None = None,
    outline: object | None = None,
) -> Place:
    """Return the one place meant by ``text``.

    Tried in this order: ``"lat,lon"`` in decimal degrees (:func:`parse_latlon`); a hub id
    (``MOP``, not case-sensitive; when ``hubs`` is given); a place id (wof id or
    ``cur:<slug>``); ``Name, Cercle`` or ``Name, Region``; a locality name. Names match
    regardless of accents, case, Unicode form, no-break spaces, hyphens and surrounding
    spaces (:func:`fold_name`). Records of one name in one cercle less than
    ``SAME_PLACE_KM`` apart count as one place.

    Parameters
    ----------
    text
        What the user typed.
    places
        Localities in the internal schema (:func:`load_places` or ``ModelInputs.places``,
        any CRS).
    hubs
        HAWG hubs (``geo.sources.curated.read_hubs().valid``: ``name``, Point geometry
        EPSG:4326), or None.
    outline
        Mali's outline (EPSG:4326) for checking coordinates, or None (bounding box).

    Returns
    -------
    Place

    Raises
    ------
    AmbiguousPlaceError
        Several places match: every candidate with cercle, region, id, lat and lon.
    InputError
        Nothing matches (the message lists close names), an empty text, or coordinates
        outside Mali or swapped.
    """
    raw = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ").strip()
    if not raw:
        msg = "empty place: give a hub id, a locality name, a place id or 'lat,lon'"
        raise InputError(msg).keyed(key="err.empty_place")
    ll = parse_latlon(raw, outline=outline)
    if ll is not None:
        lon, lat = ll
        return Place(f"{lat:.6f},{lon:.6f}", f"{lat:.5f}, {lon:.5f}", lon, lat, kind="coordinates")
    if hubs is not None and len(hubs):
        by_id = {str(h).casefold(): h for h in hubs.index}
        h = by_id.get(raw.casefold())
        if h is not None:
            g = hubs.geometry.loc[h]
            return Place(f"hub:{h}", str(hubs.at[h, "name"]), float(g.x), float(g.y), kind="hub")
    places = _storage(places)
    ids = places.index.astype(str)
    if raw in ids:
        return _place_of(raw, places.loc[ids == raw].iloc[0])
    names = places["name"].astype(str).map(fold_name)
    # the gazetteer's own spelling of a corrected name still finds the place (correct_names)
    former = places["source_name"].fillna("").astype(str).map(fold_name) if "source_name" in places else None

    def named(k: str) -> gpd.GeoDataFrame:
        return places[(names == k) | (former == k)] if former is not None else places[names == k]

    key, qualifier = fold_name(raw), ""
    hits = named(key)
    if hits.empty and "," in raw:
        head, _, tail = raw.rpartition(",")
        key, qualifier = fold_name(head), _fold_admin(tail)
        hits = named(key)
    if qualifier:
        cercle = hits["adm2_name"].map(_fold_admin) == qualifier
        region = hits["adm1_name"].map(_fold_admin) == qualifier
        narrowed = hits[cercle] if cercle.any() else hits[region]
        if narrowed.empty and len(hits):
            cands = [_place_of(i, r) for i, r in by_importance(_merge_duplicates(hits)).iterrows()]
            msg = f"no {head.strip()!r} in a cercle or region named {tail.strip()!r}; places of that name:"
            err = InputError("\n".join([msg] + [f"  {c.line()}" for c in cands]))
            err.candidates = cands
            raise err.keyed(key="err.not_in_area", name=repr(head.strip()), area=repr(tail.strip()))
        hits = narrowed
    hits = _merge_duplicates(hits)
    if len(hits) == 1:
        return _place_of(hits.index[0], hits.iloc[0])
    if len(hits) > 1:
        cands = [_place_of(i, r) for i, r in by_importance(hits).iterrows()]
        raise AmbiguousPlaceError(raw, cands, _also(places, names, key, set(hits.index)))
    close = difflib.get_close_matches(key, sorted(set(names)), n=6, cutoff=0.8)
    also = _also(places, names, key, set())
    sugg = []
    for k in close:
        for pid, r in _merge_duplicates(places[names == k]).head(3).iterrows():
            sugg.append(_place_of(pid, r).label)
    msg = f"no locality named {raw!r}"
    if sugg:
        msg += "; close names: " + "; ".join(sugg)
    if also:
        msg += "\nnames containing it: " + "; ".join(also)
    if not sugg and not also:
        msg += " (give a place id or 'lat,lon')"
    err = InputError(msg)
    err.close, err.also = sugg, also
    raise err.keyed(key="err.unknown_place", text=repr(raw))


def _also(places: gpd.GeoDataFrame, names: pd.Series, key: str, skip: set) -> list[str]:
    """Return labels of places whose name holds ``key`` as a word (``Macina`` -> ``Ké-Macina``)."""
    if len(key) < 3:
        return []
    pat = re.compile(rf"(^| ){re.escape(key)}( |$)")
    sel = places[names.map(lambda n: bool(pat.search(n)) and n != key)]
    sel = sel[~sel.index.isin(skip)]
    out = []
    for i, r in sel.head(5).iterrows():
        label = _place_of(i, r).label
        out.append(Keyed(f"{label} [id {i}]", "place.label.with_id", place=label, id=str(i)))
    return out
