"""Processing steps: publishers' raw files -> the data-folder layout the engine reads.

Each step takes the raw files of one ``[sources.ID]`` manifest entry (already downloaded
and checksummed by :mod:`geo.sources.fetch`, or given by ``geo data add``) and writes the
processed files under a *staging* folder with the same relative paths as in a data folder
(``admin/mli_adm2_ocha2015.gpkg`` ...). Nothing here touches the data folder itself: the
caller moves the outputs into place once every step of the source has succeeded.

The layouts are those of ``../shared/data`` (see its SOURCES.md): same file names, layers
and columns, so the adapters of :mod:`geo.sources.admin`, :mod:`geo.sources.places` and
:mod:`geo.model.friction` read a fetched folder as they read the shared one. Additions:
COD-AB layers carry ``pcode_version`` (``2015`` / ``2021``) and French names with accents
(:data:`FRENCH_NAMES`); the OSM roads follow :mod:`geo.sources.osm_roads`.

All outputs are EPSG:4326; areas and buffers are computed in ESRI:102022 (WORK_CRS).
"""

from __future__ import annotations

import io
import json
import logging
import re
import shutil
import tarfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from geo.config import STORAGE_CRS, WORK_CRS
from geo.errors import DataFileError, MissingDataError
from geo.text import Keyed

logger = logging.getLogger(__name__)

#: Degrees added around Mali's outline when rasters are cropped (as in ../shared/data).
RASTER_MARGIN_DEG = 0.5
#: Water features are kept within this distance of Mali's outline (km).
WATER_BUFFER_KM = 20.0
#: Places farther than this outside Mali are dropped (km): GeoNames points with bad coordinates.
PLACES_OUTSIDE_KM = 50.0
#: UCDP country id of Mali (Gleditsch-Ward 432).
UCDP_MALI = 432

#: Region and cercle names with their French accents, keyed by the accent-free, lower-case
#: spelling (whatever the source's spelling: COD-AB 2015 "Koulikouro", WOF "Timbuktu").
FRENCH_NAMES = {
    "kayes": "Kayes",
    "koulikoro": "Koulikoro",
    "koulikouro": "Koulikoro",
    "sikasso": "Sikasso",
    "segou": "Ségou",
    "mopti": "Mopti",
    "tombouctou": "Tombouctou",
    "timbuktu": "Tombouctou",
    "gao": "Gao",
    "kidal": "Kidal",
    "menaka": "Ménaka",
    "taoudenit": "Taoudénit",
    "taoudeni": "Taoudénit",
    "bamako": "Bamako",
    "bafoulabe": "Bafoulabé",
    "diema": "Diéma",
    "kenieba": "Kéniéba",
    "yelimane": "Yélimané",
    "dioila": "Dioïla",
    "kolondieba": "Kolondiéba",
    "baraoueli": "Barouéli",
    "baroueli": "Barouéli",
    "djenne": "Djenné",
    "tenenkou": "Ténenkou",
    "niafunke": "Niafunké",
    "dire": "Diré",
    "abeibara": "Abeïbara",
    "anderamboukane": "Andéramboukane",
    "inekar": "Inékar",
    "tidermene": "Tidermène",
    "gourma-rharous": "Gourma-Rharous",
    "tin-essako": "Tin-Essako",
    "lere": "Léré",
    "sevare": "Sévaré",
}

#: IGBP land-cover classes (MODIS Type 1): value -> (name, colour), for rasters without a legend.
IGBP_LEGEND = {
    0: ("Water", "#3708FF"),
    1: ("Evergreen Needleleaf forest", "#008D02"),
    2: ("Evergreen Broadleaf forest", "#00F90A"),
    3: ("Deciduous Needleleaf forest", "#7EFE4A"),
    4: ("Deciduous Broadleaf forest", "#CEFED4"),
    5: ("Mixed forest", "#31A278"),
    6: ("Closed shrublands", "#A84974"),
    7: ("Open shrublands", "#FFD3A0"),
    8: ("Woody savannas", "#CAFE8F"),
    9: ("Savannas", "#F7D600"),
    10: ("Grasslands", "#FFA800"),
    11: ("Permanent wetlands", "#008C94"),
    12: ("Croplands", "#FAFE03"),
    13: ("Urban and built-up", "#FF2A00"),
    14: ("Cropland/Natural vegetation mosaic", "#8A9000"),
    15: ("Snow and ice", "#FFFFFF"),
    16: ("Barren or sparsely vegetated", "#AAAAAA"),
}


def ascii_key(text: str) -> str:
    """Lower-case, accent-free form of a name (the key of :data:`FRENCH_NAMES`)."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip().lower()


def french_name(text: str | None) -> str | None:
    """Return the French spelling with accents of a region/cercle name, else the name unchanged."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return text
    return FRENCH_NAMES.get(ascii_key(text), str(text))


@dataclass(frozen=True)
class Output:
    """One processed file: the role it plays and how to read it."""

    role: str
    path: str
    layer: str | None
    adapter: str
    version: str = ""


@dataclass
class Context:
    """What a step may need besides its raw files.

    Attributes
    ----------
    staging
        Folder the step writes into (data-folder layout).
    dest
        The data folder being built (read only here: Mali's outline when admin0 is not
        rebuilt in the same run).
    """

    staging: Path
    dest: Path

    def outline(self) -> gpd.GeoSeries:
        """Mali's outline (admin0) in EPSG:4326, from this run's output or the data folder.

        Raises
        ------
        MissingDataError
            Neither holds an admin0 file yet (fetch ``wof_admin0`` first).
        """
        from geo.sources.datasets import dataset_entry

        rel = dataset_entry(self.dest, "admin0")
        for base in (self.staging, self.dest):
            path = base / rel.path
            if path.is_file():
                gdf = gpd.read_file(path, layer=rel.layer)
                return gpd.GeoSeries([gdf.to_crs(STORAGE_CRS).union_all()], crs=STORAGE_CRS)
        msg = "Mali's outline (admin0) is needed to clip this dataset; fetch the wof_admin0 source first"
        raise MissingDataError(self.dest / rel.path, msg)


# ---------------------------------------------------------------------------------------------
# Reading raw vector files
# ---------------------------------------------------------------------------------------------


def vector_layers(path: Path) -> list[tuple[str, str | None]]:
    """List the vector layers of a raw file as ``(dataset, layer)`` pairs pyogrio can open.

    A zip is read in place through GDAL's ``/vsizip/`` (every ``.shp``, ``.gpkg``,
    ``.geojson`` member); a GeoPackage gives one pair per layer.
    """
    path = Path(path)
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith((".shp", ".gpkg", ".geojson", ".json"))]
        out: list[tuple[str, str | None]] = []
        for m in sorted(members):
            ds = f"/vsizip/{path}/{m}"
            if m.lower().endswith(".gpkg"):
                out.extend((ds, str(name)) for name, _ in pyogrio.list_layers(ds))
            else:
                out.append((ds, None))
        return out
    if path.suffix.lower() == ".gpkg":
        return [(str(path), str(name)) for name, _ in pyogrio.list_layers(path)]
    return [(str(path), None)]


def _layer_label(ds: str, layer: str | None) -> str:
    return (layer or Path(ds).stem).lower()


def open_vector(path: Path, *, prefer: str | None = None, strict: bool = False) -> gpd.GeoDataFrame:
    """Read the one vector layer of a raw file, or the one whose name contains ``prefer``.

    With ``strict``, the layer's name must contain ``prefer`` even when it is the only one
    (a Natural Earth lakes zip must not be read as rivers).

    Raises
    ------
    DataFileError
        No layer, or several and not exactly one containing ``prefer``, or (strict) none
        containing it.
    """
    layers = vector_layers(path)
    if prefer and (len(layers) > 1 or strict):
        named = [x for x in layers if prefer in _layer_label(*x)]
        layers = named if (named or strict) else layers
    if len(layers) != 1:
        names = [_layer_label(*x) for x in layers]
        msg = f"expected one vector layer{f' named *{prefer}*' if prefer else ''}, found {names or 'none'}"
        raise DataFileError(path, Keyed(msg, "err.src.one_layer", found=", ".join(names) or "-"))
    ds, layer = layers[0]
    return gpd.read_file(ds, layer=layer, engine="pyogrio")


def _write_gpkg(gdf: gpd.GeoDataFrame, target: Path, layer: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()
    out = gdf.to_crs(STORAGE_CRS) if gdf.crs is not None else gdf.set_crs(STORAGE_CRS)
    out.to_file(target, layer=layer, driver="GPKG", engine="pyogrio")


# ---------------------------------------------------------------------------------------------
# COD-AB
# ---------------------------------------------------------------------------------------------

_LEVEL_RE = re.compile(r"adm(?:in)?([0-3])(?![0-9])", re.IGNORECASE)
COD_AB_VERSIONS = ("2015", "2021")


def _cod_col(raw: pd.DataFrame, n: int, kind: str) -> str | None:
    cands = {
        "pcode": [f"adm{n}_pcode", f"admin{n}pcod", f"admin{n}pcode"],
        "name": [f"adm{n}_fr", f"adm{n}_name", f"admin{n}name", f"adm{n}_en"],
        "ref": [f"adm{n}_ref", f"adm{n}_ref_name", f"admin{n}refn"],
        "alt": [f"adm{n}alt1fr", f"adm{n}_alt_name", f"admin{n}altn"],
    }[kind]
    cols = {str(c).lower(): c for c in raw.columns}
    for c in cands:
        if c in cols:
            return cols[c]
    return None


def cod_ab_version(raw1: pd.DataFrame, *, given: str = "") -> str:
    """Tell the COD-AB version of an admin layer (``"2015"`` or ``"2021"``).

    ``given`` wins. Otherwise a region P-code ``ML10`` (Ménaka, a region since the 2016
    reform) means ``2021``; the 2015 column spelling (``admin1Pcod``) without it means
    ``2015``.

    Raises
    ------
    ValueError
        Neither rule decides (pass the version explicitly).
    """
    if given:
        if given not in COD_AB_VERSIONS:
            msg = f"unknown COD-AB version {given!r}; expected one of {COD_AB_VERSIONS}"
            raise ValueError(msg)
        return given
    pcol = _cod_col(raw1, 1, "pcode")
    if pcol is not None and raw1[pcol].astype(str).str.upper().eq("ML10").any():
        return "2021"
    if any(str(c).lower() == "admin1pcod" for c in raw1.columns):
        return "2015"
    msg = "cannot tell the COD-AB version (2015 or 2021) from the file; pass it explicitly"
    raise ValueError(msg)


def normalise_cod_ab_layer(raw: gpd.GeoDataFrame, level: int, version: str, path: Path) -> gpd.GeoDataFrame:
    """Rename a raw COD-AB layer to the data-folder columns (``adm1_pcode`` ...), add names and area.

    Columns: ``adm0_pcode``, ``adm{k}_name``/``adm{k}_pcode`` for k = 1..level (French
    names with accents for regions and cercles), ``adm{level}_ref_name`` (the source's own
    spelling), ``adm3_alt_name`` at level 3, ``source_date``, ``valid_on``, ``area_km2``
    (ESRI:102022), ``pcode_version``. Sorted by P-code.

    Raises
    ------
    DataFileError
        A P-code or name column is missing, or a P-code is empty or repeated (row named).
    """
    out = pd.DataFrame(index=raw.index)
    c0 = _cod_col(raw, 0, "pcode")
    out["adm0_pcode"] = raw[c0].astype(str) if c0 else "ML"
    for k in range(1, level + 1):
        pc, nm = _cod_col(raw, k, "pcode"), _cod_col(raw, k, "name")
        if pc is None or nm is None:
            field = f"adm{k}_pcode" if pc is None else f"adm{k}_name"
            msg = Keyed(
                f"COD-AB admin{level} layer lacks the admin{k} column", "err.src.cod_lacks", level=level, k=k
            )
            raise DataFileError(path, msg, field=field)
        names = raw[nm].astype("string")
        out[f"adm{k}_name"] = names.map(french_name) if k <= 2 else names
        out[f"adm{k}_pcode"] = raw[pc].astype("string").str.strip().str.upper()
    ref = _cod_col(raw, level, "ref")
    out[f"adm{level}_ref_name"] = raw[ref].astype("string") if ref else raw[_cod_col(raw, level, "name")]
    if level == 3:
        alt = _cod_col(raw, 3, "alt")
        out["adm3_alt_name"] = raw[alt].astype("string") if alt else pd.NA
    cols = {str(c).lower(): c for c in raw.columns}
    for src, dst in (("date", "source_date"), ("validon", "valid_on")):
        if src in cols:
            out[dst] = pd.to_datetime(raw[cols[src]], errors="coerce").dt.strftime("%Y-%m-%d")
        else:
            out[dst] = pd.NA
    pcode = out[f"adm{level}_pcode"]
    bad = pcode.isna() | (pcode == "")
    dup = pcode.duplicated(keep="first")
    empty, twice = (
        Keyed("empty P-code", "err.src.empty_pcode"),
        Keyed("duplicate P-code", "err.src.dup_pcode"),
    )
    for mask, why in ((bad, empty), (dup, twice)):
        if mask.any():
            row = int(np.flatnonzero(mask.to_numpy())[0]) + 1
            raise DataFileError(path, why, row=row, field=f"adm{level}_pcode")
    gdf = gpd.GeoDataFrame(out, geometry=raw.geometry.values, crs=raw.crs or STORAGE_CRS).to_crs(STORAGE_CRS)
    gdf["area_km2"] = gdf.to_crs(WORK_CRS).area.to_numpy() / 1e6
    gdf["pcode_version"] = version
    return gdf.sort_values(f"adm{level}_pcode").reset_index(drop=True)


def cod_ab_layers(paths: list[Path]) -> dict[int, tuple[str, str | None]]:
    """Find the admin 1-3 layers among raw files (zips, shapefiles, GeoPackages) by name (``adm2``)."""
    found: dict[int, tuple[str, str | None]] = {}
    for p in paths:
        if p.suffix.lower() not in (".zip", ".shp", ".gpkg", ".geojson", ".json"):
            continue
        for ds, layer in vector_layers(p):
            m = _LEVEL_RE.search(_layer_label(ds, layer))
            if m and int(m.group(1)) in (1, 2, 3):
                found.setdefault(int(m.group(1)), (ds, layer))
    return found


def process_cod_ab(raw: dict[str, Path], ctx: Context, *, version: str = "", **_: object) -> list[Output]:
    """Process COD-AB admin 1-3 (zipped/loose shapefiles, GeoPackage) into ``admin/mli_adm{n}_ocha{V}.gpkg``.

    Raises
    ------
    DataFileError
        No admin1-3 layer found, or a layer fails :func:`normalise_cod_ab_layer`.
    """
    layers = cod_ab_layers(list(raw.values()))
    if not layers:
        first = next(iter(raw.values()))
        msg = "no COD-AB admin1, admin2 or admin3 layer (names with adm1/adm2/adm3)"
        raise DataFileError(first, Keyed(msg, "err.src.no_cod_layer"))
    first_level = min(layers)
    probe = gpd.read_file(layers[first_level][0], layer=layers[first_level][1], engine="pyogrio")
    try:
        ver = cod_ab_version(probe, given=version)
    except ValueError as exc:
        raise DataFileError(layers[first_level][0], str(exc), field="adm1_pcode") from exc
    outputs = []
    for level, (ds, layer) in sorted(layers.items()):
        gdf = gpd.read_file(ds, layer=layer, engine="pyogrio")
        norm = normalise_cod_ab_layer(gdf, level, ver, Path(ds))
        rel = f"admin/mli_adm{level}_ocha{ver}.gpkg"
        _write_gpkg(norm, ctx.staging / rel, f"adm{level}")
        outputs.append(Output(f"admin{level}", rel, f"adm{level}", "cod_ab", ver))
    return outputs


# ---------------------------------------------------------------------------------------------
# Who's On First
# ---------------------------------------------------------------------------------------------


def _wof_record(props: dict) -> dict:
    return {
        "wof_id": int(props.get("wof:id", 0)),
        "name": props.get("wof:name"),
        "name_fr": (props.get("name:fra_x_preferred") or [None])[0],
        "iso2": props.get("iso:country") or props.get("wof:country"),
        "gn_id": int((props.get("wof:concordances") or {}).get("gn:id", 0) or 0),
        "wd_id": (props.get("wof:concordances") or {}).get("wd:id"),
        "src_geom": props.get("src:geom"),
        "wof_lastmodified": int(props.get("wof:lastmodified", 0) or 0),
    }


def process_wof_admin0(raw: dict[str, Path], ctx: Context, **_: object) -> list[Output]:
    """Who's On First country record (GeoJSON) -> ``admin/mli_adm0_wof.gpkg`` layer ``adm0``.

    Raises
    ------
    DataFileError
        Not a GeoJSON Feature of placetype ``country`` with a polygon.
    """
    path = next(iter(raw.values()))
    try:
        feat = json.loads(path.read_text(encoding="utf-8"))
        props = feat["properties"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        msg = Keyed(f"not a Who's On First GeoJSON record ({exc})", "err.src.not_wof", detail=str(exc))
        raise DataFileError(path, msg) from exc
    if props.get("wof:placetype") != "country":
        msg = Keyed("Who's On First record is not a country", "err.src.wof_not_country")
        raise DataFileError(path, msg, field="wof:placetype")
    gdf = gpd.GeoDataFrame.from_features([feat], crs=STORAGE_CRS)
    rec = _wof_record(props)
    rec["name_fr"] = rec["name_fr"] or "Mali"
    rec["iso3"] = "MLI"
    out = gpd.GeoDataFrame([rec], geometry=gdf.geometry.values, crs=STORAGE_CRS)
    cols = ["wof_id", "name", "name_fr", "iso3", "iso2", "gn_id", "wd_id", "src_geom", "wof_lastmodified"]
    _write_gpkg(out[[*cols, "geometry"]], ctx.staging / "admin/mli_adm0_wof.gpkg", "adm0")
    return [Output("admin0", "admin/mli_adm0_wof.gpkg", "adm0", "wof")]


def _wof_features(path: Path) -> list[dict]:
    """GeoJSON features of a WOF repository archive (``.tar.gz`` or ``.zip``); ``-alt-`` files skipped."""
    feats = []
    if tarfile.is_tarfile(path):
        with tarfile.open(path) as tf:
            for m in tf:
                if m.isfile() and m.name.endswith(".geojson") and "-alt-" not in m.name:
                    f = tf.extractfile(m)
                    if f is not None:
                        feats.append(json.load(io.TextIOWrapper(f, encoding="utf-8")))
    else:
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".geojson") and "-alt-" not in name:
                    feats.append(json.loads(zf.read(name).decode("utf-8")))
    return feats


def process_wof_places(raw: dict[str, Path], ctx: Context, **_: object) -> list[Output]:
    """Who's On First archive -> ``places/mli_localities_wof.gpkg`` layer ``localities``.

    Keeps ``locality`` and ``localadmin`` records that are neither deprecated nor
    superseded; a polygon record becomes its label point (``lbl:longitude``/``lbl:latitude``)
    or its representative point. Region and cercle names come from ``wof:hierarchy``
    (French spelling with accents). Records more than :data:`PLACES_OUTSIDE_KM` outside
    Mali are dropped (``gdf.attrs`` is not kept on disk; the count is logged).

    Raises
    ------
    DataFileError
        The archive holds no locality.
    """
    from shapely.geometry import Point, shape

    path = next(iter(raw.values()))
    try:
        feats = _wof_features(path)
    except (OSError, ValueError, tarfile.TarError, zipfile.BadZipFile) as exc:
        msg = Keyed(
            f"cannot read the Who's On First archive ({exc})", "err.src.wof_unreadable", detail=str(exc)
        )
        raise DataFileError(path, msg) from exc
    names = {}
    for f in feats:
        p = f.get("properties", {})
        if p.get("wof:placetype") in ("region", "county"):
            names[int(p.get("wof:id", 0))] = (p.get("name:fra_x_preferred") or [p.get("wof:name")])[0]
    rows, geoms = [], []
    for f in feats:
        p = f.get("properties", {})
        if p.get("wof:placetype") not in ("locality", "localadmin"):
            continue
        if p.get("edtf:deprecated") or p.get("wof:superseded_by"):
            continue
        geom = shape(f["geometry"]) if f.get("geometry") else None
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type != "Point":
            lon, lat = p.get("lbl:longitude"), p.get("lbl:latitude")
            geom = Point(lon, lat) if lon is not None and lat is not None else geom.representative_point()
        hier = (p.get("wof:hierarchy") or [{}])[0]
        rec = _wof_record(p)
        rec.pop("iso2")
        adm1, adm2 = int(hier.get("region_id", -1) or -1), int(hier.get("county_id", -1) or -1)
        rec.update(
            wof_placetype=p.get("wof:placetype"),
            gn_feature_code=(p.get("gn:feature_code") or ""),
            gn_population=int(p.get("gn:population", 0) or 0),
            adm1_wof_id=adm1,
            adm1_name=french_name(names.get(adm1)),
            adm2_wof_id=adm2,
            adm2_name=french_name(names.get(adm2)),
            is_current=int(p.get("mz:is_current", -1)),
            lon=float(geom.x),
            lat=float(geom.y),
            adm_source="wof_hierarchy",
        )
        rows.append(rec)
        geoms.append(geom)
    if not rows:
        msg = "no locality or localadmin record in the Who's On First archive"
        raise DataFileError(path, Keyed(msg, "err.src.wof_no_locality"))
    gdf = gpd.GeoDataFrame(rows, geometry=geoms, crs=STORAGE_CRS)
    import shapely

    outline = ctx.outline().to_crs(WORK_CRS).iloc[0]
    shapely.prepare(outline)
    pts = gdf.to_crs(WORK_CRS).geometry.to_numpy()
    inside = shapely.contains(outline, pts)
    dist_km = np.zeros(len(gdf))
    dist_km[~inside] = shapely.distance(outline, pts[~inside]) / 1000.0
    gdf["outside_adm0_km"] = np.round(dist_km, 3)
    far = dist_km > PLACES_OUTSIDE_KM
    if far.any():
        logger.info(
            "places: %d records more than %.0f km outside Mali dropped", int(far.sum()), PLACES_OUTSIDE_KM
        )
    gdf = gdf[~far].sort_values("wof_id").reset_index(drop=True)
    _write_gpkg(gdf, ctx.staging / "places/mli_localities_wof.gpkg", "localities")
    return [Output("places", "places/mli_localities_wof.gpkg", "localities", "wof_localities")]


# ---------------------------------------------------------------------------------------------
# Rasters
# ---------------------------------------------------------------------------------------------


def _crop_window(src, outline: gpd.GeoSeries):  # noqa: ANN001, ANN202
    """Whole-pixel window of ``src`` covering Mali's bounds + :data:`RASTER_MARGIN_DEG`."""
    from rasterio.windows import Window, from_bounds

    minx, miny, maxx, maxy = outline.total_bounds
    m = RASTER_MARGIN_DEG
    win = from_bounds(minx - m, miny - m, maxx + m, maxy + m, transform=src.transform)
    win = win.round_offsets(op="floor").round_lengths(op="ceil")
    return win.intersection(Window(0, 0, src.width, src.height))


def cell_area_km2(transform, height: int, width: int) -> np.ndarray:  # noqa: ANN001
    """Area of each cell of a lon/lat grid in km² (spherical Earth, R = 6371.0088 km).

    Returns
    -------
    numpy.ndarray
        Shape ``(height, width)``.
    """
    r = 6371.0088
    top = transform.f + transform.e * np.arange(height)
    bottom = top + transform.e
    dlon = np.radians(abs(transform.a))
    band = r * r * dlon * np.abs(np.sin(np.radians(top)) - np.sin(np.radians(bottom)))
    return np.repeat(band[:, None], width, axis=1)


def process_population(
    raw: dict[str, Path], ctx: Context, *, values: str = "count", path: str = "", **_: object
) -> list[Output]:
    """Turn a population raster (GeoTIFF, lon/lat) into density in people per km², cropped to Mali.

    Parameters
    ----------
    values
        ``"count"`` (people per cell, WorldPop ``ppp``: divided by the cell area in km²)
        or ``"density"`` (already people per km², e.g. afrilearndata's Africa raster).
    path
        Output path in the data folder.

    Raises
    ------
    DataFileError
        Not a raster in a geographic CRS, or ``values`` unknown.
    """
    import rasterio

    src_path = next(p for p in raw.values() if p.suffix.lower() in (".tif", ".tiff", ".grd"))
    if values not in ("count", "density"):
        msg = f"unknown population values {values!r}; expected count or density"
        raise DataFileError(src_path, Keyed(msg, "err.src.pop_values", values=repr(values)))
    outline = ctx.outline()
    try:
        with rasterio.open(src_path) as src:
            if src.crs is None or not src.crs.is_geographic:
                msg = Keyed("population raster must be in lon/lat (EPSG:4326)", "err.src.pop_lonlat")
                raise DataFileError(src_path, msg)
            win = _crop_window(src, outline)
            data = src.read(1, window=win, masked=True).astype("float64")
            transform = src.window_transform(win)
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(src_path, f"cannot read raster ({exc})") from exc
    bad = np.ma.getmaskarray(data) | ~np.isfinite(data.filled(np.nan)) | (data.filled(0) < 0)
    dens = data.filled(0.0)
    if values == "count":
        dens = dens / cell_area_km2(transform, *dens.shape)
    dens = np.where(bad, -9999.0, dens).astype("float32")
    rel = path or "population/mli_population_density.tif"
    _write_raster(ctx.staging / rel, dens, transform, nodata=-9999.0)
    return [Output("population", rel, None, "density_raster")]


def _write_raster(target: Path, arr: np.ndarray, transform, *, nodata: float) -> None:  # noqa: ANN001
    import rasterio

    target.parent.mkdir(parents=True, exist_ok=True)
    profile = dict(
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype=arr.dtype.name,
        crs=STORAGE_CRS,
        transform=transform,
        nodata=nodata,
        compress="deflate",
    )
    with rasterio.open(target, "w", **profile) as dst:
        dst.write(arr, 1)


def _grd_legend(grd: Path) -> dict[int, tuple[str, str]]:
    """Legend of an R ``raster`` .grd header (``ratvalues``), empty when it has none."""
    text = grd.read_text(encoding="utf-8", errors="replace")
    m = re.search(r"^ratvalues=(.*)$", text, re.MULTILINE)
    n = re.search(r"^ratnames=(.*)$", text, re.MULTILINE)
    if not m or not n:
        return {}
    k = len(n.group(1).split(":"))
    vals = m.group(1).split(":")
    if k != 3 or len(vals) % 3:
        return {}
    third = len(vals) // 3
    ids, labels, colours = vals[:third], vals[third : 2 * third], vals[2 * third :]
    return {int(i): (lab, col) for i, lab, col in zip(ids, labels, colours, strict=True)}


def process_landcover(
    raw: dict[str, Path], ctx: Context, *, path: str = "", legend_path: str = "", **_: object
) -> list[Output]:
    """Land-cover class raster (GeoTIFF, or R raster .grd/.gri) -> uint8 classes cropped to Mali + legend CSV.

    Values are IGBP class codes (MODIS Type 1); nodata 255. The legend (``value,class_name,colour``)
    comes from the .grd attribute table when present, else from :data:`IGBP_LEGEND`.

    Raises
    ------
    DataFileError
        Unreadable raster, not lon/lat, or a class value outside 0-254.
    """
    import rasterio

    src_path = next(
        (p for p in raw.values() if p.suffix.lower() in (".tif", ".tiff", ".grd")), next(iter(raw.values()))
    )
    outline = ctx.outline()
    try:
        with rasterio.open(src_path) as src:
            if src.crs is None or not src.crs.is_geographic:
                msg = Keyed("land-cover raster must be in lon/lat (EPSG:4326)", "err.src.lc_lonlat")
                raise DataFileError(src_path, msg)
            win = _crop_window(src, outline)
            data = src.read(1, window=win, masked=True)
            transform = src.window_transform(win)
    except rasterio.errors.RasterioIOError as exc:
        raise DataFileError(src_path, f"cannot read raster ({exc})") from exc
    filled = np.asarray(data.filled(-1), dtype="float64")
    bad = np.ma.getmaskarray(data) | ~np.isfinite(filled) | (filled < 0)
    valid = filled[~bad]
    if valid.size and (valid.max() > 254 or np.any(valid != np.round(valid))):
        msg = Keyed("land-cover values must be whole class codes 0-254", "err.src.lc_codes")
        raise DataFileError(src_path, msg)
    classes = np.where(bad, 255, filled).astype("uint8")
    rel = path or "terrain/mli_landcover.tif"
    _write_raster(ctx.staging / rel, classes, transform, nodata=255)
    legend = _grd_legend(src_path) if src_path.suffix.lower() == ".grd" else {}
    legend = legend or IGBP_LEGEND
    leg_rel = legend_path or rel.removesuffix(".tif") + "_legend.csv"
    df = pd.DataFrame(
        [(v, n, c) for v, (n, c) in sorted(legend.items())], columns=["value", "class_name", "colour"]
    )
    (ctx.staging / leg_rel).parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(ctx.staging / leg_rel, index=False, lineterminator="\n")
    return [Output("landcover", rel, None, "class_raster"), Output("landcover_legend", leg_rel, None, "csv")]


# ---------------------------------------------------------------------------------------------
# Natural Earth water
# ---------------------------------------------------------------------------------------------

NE_COLUMNS = ["name", "name_fr", "name_en", "featurecla", "scalerank", "min_zoom", "ne_id", "wikidataid"]


def process_natural_earth(
    raw: dict[str, Path], ctx: Context, *, role: str = "rivers", **_: object
) -> list[Output]:
    """Natural Earth 1:10m rivers or lakes (zipped shapefile or GeoJSON) -> clipped to Mali + 20 km.

    Features meeting Mali's outline buffered by :data:`WATER_BUFFER_KM` (ESRI:102022) are
    kept and clipped to that buffer; columns :data:`NE_COLUMNS` where present.

    Raises
    ------
    DataFileError
        Unknown role, or no layer in the file.
    """
    if role not in ("rivers", "lakes"):
        raise DataFileError(next(iter(raw.values())), f"unknown Natural Earth role {role!r}")
    src_path = next(iter(raw.values()))
    gdf = open_vector(src_path, prefer="rivers" if role == "rivers" else "lakes", strict=True)
    # The outline is simplified to 500 m before buffering (the detailed border makes the buffer take
    # seconds); the 20 km cut moves by less than 1 km.
    outline = ctx.outline().to_crs(WORK_CRS).simplify(500.0)
    buf = outline.buffer(WATER_BUFFER_KM * 1000.0, quad_segs=4).to_crs(STORAGE_CRS)
    gdf = gdf.to_crs(STORAGE_CRS)
    gdf = gdf[gdf.intersects(buf.iloc[0])]
    gdf = gdf.clip(buf.iloc[0])
    gdf = gdf[~gdf.geometry.is_empty]
    cols = {str(c).lower(): c for c in gdf.columns}
    keep = [cols[c] for c in NE_COLUMNS if c in cols]
    out = gdf[[*keep, "geometry"]].rename(columns={cols[c]: c for c in NE_COLUMNS if c in cols})
    rel = f"water/mli_{role}_ne10m.gpkg"
    _write_gpkg(out.reset_index(drop=True), ctx.staging / rel, role)
    return [Output(role, rel, role, "natural_earth")]


# ---------------------------------------------------------------------------------------------
# UCDP
# ---------------------------------------------------------------------------------------------

UCDP_COLUMNS = [
    "id",
    "date_start",
    "year",
    "month",
    "day",
    "country",
    "type_of_violence",
    "conflict_name",
    "side_a",
    "side_b",
    "latitude",
    "longitude",
    "low_death",
    "best_death",
    "high_death",
]
UCDP_VIOLENCE = {1: "State-based violence", 2: "Non-state violence", 3: "One-sided violence"}


def _read_ucdp_csv(path: Path) -> pd.DataFrame:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            members = [m for m in zf.namelist() if m.lower().endswith(".csv")]
            if len(members) != 1:
                msg = Keyed(
                    f"expected one CSV in the zip, found {members}", "err.src.one_csv", found=str(members)
                )
                raise DataFileError(path, msg)
            with zf.open(members[0]) as f:
                return pd.read_csv(f, low_memory=False)
    return pd.read_csv(path, low_memory=False)


def ucdp_mali_precise(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Mali events with a precise location (``where_prec`` 1-2) in the data-folder columns.

    Parameters
    ----------
    df
        A UCDP GED or Candidate events table as published (``country_id``, ``where_prec``,
        ``date_start``, ``type_of_violence`` (1-3), ``best``, ``low``, ``high`` ...).
    path
        Source file, for messages.

    Returns
    -------
    pandas.DataFrame
        :data:`UCDP_COLUMNS`, sorted by ``date_start`` then ``id``.

    Raises
    ------
    DataFileError
        A required column is missing, or a kept row has no valid date or coordinates.
    """
    need = [
        "id",
        "country_id",
        "where_prec",
        "date_start",
        "type_of_violence",
        "latitude",
        "longitude",
        "best",
    ]
    for c in need:
        if c not in df.columns:
            raise DataFileError(
                path, Keyed("missing column in UCDP events file", "err.src.ucdp_column"), field=c
            )
    mali = df[(pd.to_numeric(df["country_id"], errors="coerce") == UCDP_MALI)]
    mali = mali[pd.to_numeric(mali["where_prec"], errors="coerce").isin([1, 2])].copy()
    date = pd.to_datetime(mali["date_start"], errors="coerce")
    lat, lon = (
        pd.to_numeric(mali["latitude"], errors="coerce"),
        pd.to_numeric(mali["longitude"], errors="coerce"),
    )
    for mask, field in ((date.isna(), "date_start"), (lat.isna(), "latitude"), (lon.isna(), "longitude")):
        if mask.any():
            row = int(mali.index[mask.to_numpy()][0]) + 1
            msg = Keyed("invalid value in a Mali event", "err.src.ucdp_value")
            raise DataFileError(path, msg, row=row, field=field)
    tov = pd.to_numeric(mali["type_of_violence"], errors="coerce")
    out = pd.DataFrame(
        {
            "id": mali["id"].astype("int64"),
            "date_start": date.dt.strftime("%Y-%m-%d"),
            "year": date.dt.year,
            "month": date.dt.month,
            "day": date.dt.day,
            "country": "Mali",
            "type_of_violence": tov.map(UCDP_VIOLENCE).fillna(mali["type_of_violence"].astype(str)),
            "conflict_name": mali.get("conflict_name", ""),
            "side_a": mali.get("side_a", ""),
            "side_b": mali.get("side_b", ""),
            "latitude": lat,
            "longitude": lon,
            "low_death": pd.to_numeric(mali.get("low", mali["best"]), errors="coerce").astype("Int64"),
            "best_death": pd.to_numeric(mali["best"], errors="coerce").astype("Int64"),
            "high_death": pd.to_numeric(mali.get("high", mali["best"]), errors="coerce").astype("Int64"),
        }
    )
    return out.sort_values(["date_start", "id"]).reset_index(drop=True)


def process_ucdp(
    raw: dict[str, Path], ctx: Context, *, role: str = "incidents_ucdp", path: str = "", **_: object
) -> list[Output]:
    """UCDP GED (zipped CSV) or Candidate (CSV) events -> Mali, precise locations, data-folder columns.

    Raises
    ------
    DataFileError
        See :func:`ucdp_mali_precise`.
    """
    src_path = next(iter(raw.values()))
    try:
        df = _read_ucdp_csv(src_path)
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        msg = Keyed(f"cannot read UCDP CSV ({exc})", "err.src.ucdp_unreadable", detail=str(exc))
        raise DataFileError(src_path, msg) from exc
    out = ucdp_mali_precise(df, src_path)
    rel = path or f"incidents/mali_{role}.csv"
    target = ctx.staging / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(target, index=False, lineterminator="\n")
    return [Output(role, rel, None, "ucdp_ged")]


# ---------------------------------------------------------------------------------------------
# OSM roads, processed copies
# ---------------------------------------------------------------------------------------------


def process_osm_roads(raw: dict[str, Path], ctx: Context, **_: object) -> list[Output]:
    """HOT or Geofabrik road export -> ``roads/mli_roads_osm.gpkg`` (see :mod:`geo.sources.osm_roads`)."""
    from geo.sources.osm_roads import OSM_ROADS_LAYER, OSM_ROADS_PATH, normalise_osm_roads, read_osm_road_file

    src_path = next(iter(raw.values()))
    gdf = normalise_osm_roads(read_osm_road_file(src_path), path=src_path)
    _write_gpkg(gdf, ctx.staging / OSM_ROADS_PATH, OSM_ROADS_LAYER)
    return [Output("roads_osm", OSM_ROADS_PATH, OSM_ROADS_LAYER, "osm_roads", "")]


def process_copy(raw: dict[str, Path], ctx: Context, *, role: str = "", **_: object) -> list[Output]:
    """Copy an already processed file (its SHA-256 pinned in ``[datasets.ROLE]``) into place.

    For a dataset whose raw format has no processing step here (the OSRM skeleton is an R
    ``qs`` file), a mirror may serve the processed file; it is accepted only when its
    checksum equals the manifest's.

    Raises
    ------
    DataFileError
        The role is unknown or the checksum differs from the manifest.
    """
    from geo.sources.datasets import load_manifest, sha256_file

    src_path = next(iter(raw.values()))
    ds = load_manifest().get(role)
    if ds is None:
        raise DataFileError(src_path, f"no manifest dataset {role!r} to copy into")
    got = sha256_file(src_path)
    if got != ds.sha256:
        msg = f"processed file differs from the manifest: expected {ds.sha256}, got {got}"
        raise DataFileError(src_path, msg, field="sha256")
    target = ctx.staging / ds.path
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src_path, target)
    return [Output(role, ds.path, ds.layer, ds.adapter, ds.version)]


#: Processing steps by the name used in ``[sources.ID] process``.
PROCESSORS: dict[str, Callable[..., list[Output]]] = {
    "cod_ab": process_cod_ab,
    "wof_admin0": process_wof_admin0,
    "wof_places": process_wof_places,
    "population": process_population,
    "landcover": process_landcover,
    "natural_earth": process_natural_earth,
    "ucdp": process_ucdp,
    "osm_roads": process_osm_roads,
    "copy": process_copy,
}
