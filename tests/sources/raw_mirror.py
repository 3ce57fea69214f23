"""Build, at test time, a mirror of the publishers' raw files from the shared data folder.

Every file is written in the publisher's own format and naming (WOF GeoJSON records, COD-AB
shapefiles with the 2015 ``admin1Pcod`` columns or the 2021 ``ADM1_PCODE`` ones, a HOT road
export, a WorldPop count GeoTIFF, an R raster .grd/.gri, Natural Earth zipped shapefiles,
UCDP CSVs) under the relative names of ``data/manifest.toml``. Nothing here is committed:
the inputs come from ``../shared/data`` and the outputs go to a temporary folder.
"""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
from shapely.geometry import LineString, mapping

from geo.sources.process import cell_area_km2

#: Records added to the WOF archive that the processing must drop.
WOF_DROPPED = {"deprecated": 1, "superseded": 1, "far": 1}


def _zip_shapefile(gdf: gpd.GeoDataFrame, zpath: Path, stem: str, tmp: Path) -> None:
    shp_dir = tmp / f"shp-{stem}"
    shp_dir.mkdir(parents=True, exist_ok=True)
    gdf.to_file(shp_dir / f"{stem}.shp", engine="pyogrio", encoding="UTF-8")
    zpath.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(shp_dir.iterdir()):
            zf.write(f, f"{stem}/{f.name}")


def _cod2015(shared: Path, level: int) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(shared / f"admin/mli_adm{level}_ocha2015.gpkg")
    ren = {"adm0_pcode": "admin0Pcod", "source_date": "date", "valid_on": "validOn"}
    for k in range(1, level + 1):
        ren[f"adm{k}_name"] = f"admin{k}Name"
        ren[f"adm{k}_pcode"] = f"admin{k}Pcod"
    ren[f"adm{level}_ref_name"] = f"admin{level}RefN"
    ren["adm3_alt_name"] = "admin3AltN"
    out = gdf.rename(columns=ren).drop(columns=["area_km2"])
    out["admin0Name"] = "Mali"
    return out


def _cod2021(shared: Path) -> dict[int, gpd.GeoDataFrame]:
    """2021-like layers: cercle ML0704 (Ménaka) becomes region ML10 with cercle ML1001."""
    out = {}
    for level in (1, 2, 3):
        gdf = gpd.read_file(shared / f"admin/mli_adm{level}_ocha2015.gpkg")
        if level == 1:
            menaka = gpd.read_file(shared / "admin/mli_adm2_ocha2015.gpkg").query("adm2_pcode == 'ML0704'")
            gao = gdf["adm1_pcode"] == "ML07"
            gdf.loc[gao, "geometry"] = gdf.loc[gao].geometry.difference(menaka.geometry.iloc[0])
            extra = gdf[gao].copy()
            extra["adm1_pcode"], extra["adm1_name"] = "ML10", "Menaka"
            extra["geometry"] = menaka.geometry.to_numpy()
            gdf = pd.concat([gdf, extra], ignore_index=True)
        else:
            m = gdf["adm2_pcode"] == "ML0704"
            gdf.loc[m, ["adm1_pcode", "adm1_name", "adm2_pcode"]] = ["ML10", "Menaka", "ML1001"]
            if level == 3:
                gdf.loc[m, "adm3_pcode"] = "ML1001" + gdf.loc[m, "adm3_pcode"].str[-2:]
        ren = {
            f"adm{k}_{kind}": f"ADM{k}_{'PCODE' if kind == 'pcode' else 'FR'}"
            for k in (1, 2, 3)
            for kind in ("pcode", "name")
        }
        gdf = gdf.rename(
            columns={**ren, "adm0_pcode": "ADM0_PCODE", "source_date": "date", "valid_on": "validOn"}
        )
        keep = [c for c in gdf.columns if c.startswith("ADM") or c in ("date", "validOn", "geometry")]
        out[level] = gpd.GeoDataFrame(gdf[keep], geometry="geometry", crs="EPSG:4326")
    return out


def _int(v: object) -> int:
    return 0 if pd.isna(v) else int(v)


def wof_feature(props: dict, geom) -> dict:  # noqa: ANN001
    """A GeoJSON Feature as Who's On First writes it."""
    return {"type": "Feature", "properties": props, "geometry": mapping(geom)}


def _wof_archive(shared: Path, target: Path, every: int = 1) -> int:
    """Write a WOF repository tarball (every ``every``-th locality); return how many the processing keeps."""
    adm1 = gpd.read_file(shared / "admin/mli_adm1_wof.gpkg")
    adm2 = gpd.read_file(shared / "admin/mli_adm2_wof.gpkg")
    loc = gpd.read_file(shared / "places/mli_localities_wof.gpkg").iloc[::every]
    feats = []
    for gdf, ptype in ((adm1, "region"), (adm2, "county")):
        for r in gdf.itertuples():
            props = {"wof:id": int(r.wof_id), "wof:name": r.name, "wof:placetype": ptype}
            if isinstance(r.name_fr, str) and r.name_fr:
                props["name:fra_x_preferred"] = [r.name_fr]
            feats.append(wof_feature(props, r.geometry))
    for r in loc.itertuples():
        props = {
            "wof:id": int(r.wof_id),
            "wof:name": r.name,
            "wof:placetype": r.wof_placetype,
            "gn:population": _int(r.gn_population),
            "wof:hierarchy": [{"region_id": _int(r.adm1_wof_id), "county_id": _int(r.adm2_wof_id)}],
            "wof:concordances": {"gn:id": _int(r.gn_id)},
            "mz:is_current": _int(r.is_current),
        }
        feats.append(wof_feature(props, r.geometry))
    p0 = loc.geometry.iloc[0]
    base = {"wof:placetype": "locality", "wof:hierarchy": [{}]}
    feats.append(wof_feature({**base, "wof:id": 1, "wof:name": "Old", "edtf:deprecated": "2016"}, p0))
    feats.append(wof_feature({**base, "wof:id": 2, "wof:name": "Moved", "wof:superseded_by": [3]}, p0))
    far = LineString([(14.5, 35.9), (14.5, 35.9)]).centroid  # Malta, filed in the Mali repository
    feats.append(wof_feature({**base, "wof:id": 4, "wof:name": "San Giljan"}, far))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as tf:
        for f in feats:
            data = json.dumps(f).encode()
            wid = str(f["properties"]["wof:id"])
            info = tarfile.TarInfo(f"whosonfirst-data-admin-ml-2efa70f/data/{wid[:3]}/{wid}.geojson")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        alt = tarfile.TarInfo("whosonfirst-data-admin-ml-2efa70f/data/999/1-alt-quattroshapes.geojson")
        alt.size = 2
        tf.addfile(alt, io.BytesIO(b"{}"))
    return len(loc)


def _ucdp(shared: Path) -> tuple[pd.DataFrame, int]:
    """GED-format table: the shared Mali rows plus rows the processing must drop."""
    df = pd.read_csv(shared / "incidents/mali_ucdp_ged211_precise.csv")
    tov = {"State-based violence": 1, "Non-state violence": 2, "One-sided violence": 3}
    ged = pd.DataFrame(
        {
            "id": df["id"],
            "year": df["year"],
            "type_of_violence": df["type_of_violence"].map(tov),
            "conflict_name": df["conflict_name"],
            "side_a": df["side_a"],
            "side_b": df["side_b"],
            "where_prec": 1,
            "country": "Mali",
            "country_id": 432,
            "latitude": df["latitude"],
            "longitude": df["longitude"],
            "date_prec": 1,
            "date_start": df["date_start"] + " 00:00:00.000",
            "date_end": df["date_start"] + " 00:00:00.000",
            "best": df["best_death"],
            "low": df["low_death"],
            "high": df["high_death"],
        }
    )
    noise = ged.head(3).copy()
    noise["id"] = [9_000_001, 9_000_002, 9_000_003]
    noise.loc[noise.index[0], ["country", "country_id"]] = ["Niger", 436]
    noise.loc[noise.index[1], "where_prec"] = 4  # district only: not precise
    noise.loc[noise.index[2], "where_prec"] = 6  # country only
    return pd.concat([ged, noise], ignore_index=True), len(df)


#: HOT export rows: (osm_id, highway, surface, smoothness, tracktype, bridge, ford, seasonal, name, expected).
HOT_ROWS = [
    (1001, "trunk", "asphalt", "", "", "", "", "", "RN6", ("paved", "all_year")),
    (1002, "primary", "", "", "", "yes", "", "", "Pont de Markala", ("paved", "all_year")),
    (1003, "secondary", "unpaved", "", "", "", "", "", "Route de Djenné", ("laterite", "all_year")),
    (1004, "tertiary", "asphalt", "very_bad", "", "", "", "", "", ("laterite", "all_year")),
    (1005, "track", "", "", "grade1", "", "", "", "", ("laterite", "all_year")),
    (1006, "track", "", "", "grade4", "", "", "", "", ("track", "dry_only")),
    (1007, "unclassified", "sand", "", "", "", "", "", "", ("track", "dry_only")),
    (1008, "unclassified", "", "", "", "", "yes", "", "Gué", ("laterite", "dry_only")),
    (1009, "secondary", "compacted", "", "", "", "", "dry_season", "", ("laterite", "dry_only")),
    (1010, "footway", "", "", "", "", "", "", "", None),
    (1011, "path", "", "", "", "", "", "", "", None),
]


def hot_roads(x0: float = -4.2, y0: float = 14.4) -> gpd.GeoDataFrame:
    """A small HOT-schema road layer near Sévaré with real-looking tags (see :data:`HOT_ROWS`)."""
    rows = []
    for i, (oid, hw, sf, sm, tt, br, fd, se, nm, _) in enumerate(HOT_ROWS):
        rows.append(
            {
                "osm_id": oid,
                "name": nm,
                "highway": hw,
                "surface": sf or None,
                "smoothness": sm or None,
                "tracktype": tt or None,
                "bridge": br or None,
                "ford": fd or None,
                "seasonal": se or None,
                "width": None,
                "lanes": None,
                "layer": "1" if br else None,
                "source": None,
                "osm_type": "ways_line",
                "geometry": LineString([(x0 + 0.05 * i, y0), (x0 + 0.05 * i + 0.04, y0 + 0.03)]),
            }
        )
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


#: Geofabrik rows: (osm_id, fclass, bridge, expected).
GEOFABRIK_ROWS = [
    ("2001", "trunk", "F", ("paved", "all_year")),
    ("2002", "secondary", "T", ("laterite", "all_year")),
    ("2003", "track_grade1", "F", ("laterite", "all_year")),
    ("2004", "track_grade3", "F", ("track", "dry_only")),
    ("2005", "track", "F", ("track", "dry_only")),
    ("2006", "footway", "F", None),
    ("2007", "unknown", "F", None),
]


def geofabrik_roads(x0: float = -8.0, y0: float = 12.6) -> gpd.GeoDataFrame:
    """A small Geofabrik-schema road layer near Bamako (see :data:`GEOFABRIK_ROWS`)."""
    rows = [
        {
            "osm_id": oid,
            "code": 5110 + i,
            "fclass": fc,
            "name": f"Route {i}",
            "ref": "RN7" if fc == "trunk" else None,
            "oneway": "B",
            "maxspeed": 0,
            "layer": 0,
            "bridge": br,
            "tunnel": "F",
            "geometry": LineString([(x0 + 0.05 * i, y0), (x0 + 0.05 * i + 0.04, y0 + 0.03)]),
        }
        for i, (oid, fc, br, _) in enumerate(GEOFABRIK_ROWS)
    ]
    return gpd.GeoDataFrame(rows, crs="EPSG:4326")


def build_mirror(shared: Path, www: Path, *, places_every: int = 1) -> dict[str, int]:
    """Write every raw file of the manifest's sources into ``www``; return expected counts."""
    tmp = www.parent / "mirror-build"
    tmp.mkdir(parents=True, exist_ok=True)
    counts = {}
    # Who's On First admin0 record
    adm0 = gpd.read_file(shared / "admin/mli_adm0_wof.gpkg")
    r = adm0.iloc[0]
    props = {
        "wof:id": int(r.wof_id),
        "wof:name": r["name"],
        "wof:placetype": "country",
        "wof:country": "ML",
        "name:fra_x_preferred": ["Mali"],
        "src:geom": r.src_geom,
        "wof:lastmodified": int(r.wof_lastmodified),
        "wof:concordances": {"gn:id": int(r.gn_id), "wd:id": r.wd_id},
    }
    (www / "wof").mkdir(parents=True, exist_ok=True)
    (www / "wof/85632553.geojson").write_text(json.dumps(wof_feature(props, r.geometry)))
    # COD-AB 2015 loose shapefiles
    stems = {
        1: "mli_admbnda_adm1_gov_ocha_itos",
        2: "mli_admbnda_adm2_gov_ocha_itos",
        3: "mli_admbnda_adm3_gov_ocha",
    }
    (www / "cod-ab-mli-2015").mkdir(parents=True, exist_ok=True)
    for level, stem in stems.items():
        _cod2015(shared, level).to_file(
            www / f"cod-ab-mli-2015/{stem}.shp", engine="pyogrio", encoding="UTF-8"
        )
    # COD-AB 2021 zip (all levels in one archive, as HDX publishes it)
    zpath = www / "cod-ab-mli/mli_adm_ab_shp.zip"
    zpath.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for level, gdf in _cod2021(shared).items():
            d = tmp / f"cod21-{level}"
            d.mkdir(exist_ok=True)
            stem = f"mli_admbnda_adm{level}_1m_gov_20211220"
            gdf.to_file(d / f"{stem}.shp", engine="pyogrio", encoding="UTF-8")
            for f in sorted(d.iterdir()):
                zf.write(f, f.name)
    # processed skeleton (the publisher's file is R qs)
    (www / "processed/roads").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(
        shared / "roads/mli_main_roads_osrm.gpkg", www / "processed/roads/mli_main_roads_osrm.gpkg"
    )
    # HOT roads export
    _zip_shapefile(hot_roads(), www / "hotosm/hotosm_mli_roads_lines_shp.zip", "hotosm_mli_roads_lines", tmp)
    counts["hot_roads"] = sum(1 for row in HOT_ROWS if row[-1] is not None)
    # WorldPop counts per cell (density x cell area), as the 1 km country files are
    with rasterio.open(shared / "population/mli_worldpop2020_density_20km.tif") as src:
        dens = src.read(1)
        prof = src.profile
        area = cell_area_km2(src.transform, src.height, src.width)
    count = np.where(dens == -9999, -99999.0, dens * area).astype("float32")
    prof.update(nodata=-99999.0, dtype="float32")
    (www / "worldpop").mkdir(parents=True, exist_ok=True)
    with rasterio.open(www / "worldpop/mli_ppp_2020_1km_Aggregated.tif", "w", **prof) as dst:
        dst.write(count, 1)
    # afrilearndata land cover as an R raster (.grd/.gri)
    with rasterio.open(shared / "terrain/mli_landcover_modis2019_20km.tif") as src:
        lc = src.read(1).astype("float32")
        lc[lc == 255] = -3.4e38
        (www / "afrilearndata").mkdir(parents=True, exist_ok=True)
        with rasterio.open(
            www / "afrilearndata/afrilandcover.grd",
            "w",
            driver="RRASTER",
            width=src.width,
            height=src.height,
            count=1,
            dtype="float32",
            crs=src.crs,
            transform=src.transform,
            nodata=-3.4e38,
        ) as dst:
            dst.write(lc, 1)
    # Natural Earth zipped shapefiles
    for role, stem in (("rivers", "ne_10m_rivers_lake_centerlines"), ("lakes", "ne_10m_lakes")):
        gdf = gpd.read_file(shared / f"water/mli_{role}_ne10m.gpkg")
        _zip_shapefile(gdf, www / f"natural-earth/{stem}.zip", stem, tmp)
        counts[role] = len(gdf)
    # UCDP GED (zipped CSV) and Candidate (CSV)
    ged, n_mali = _ucdp(shared)
    (www / "ucdp").mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(www / "ucdp/ged261-csv.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("GEDEvent_v26_1.csv", ged.to_csv(index=False))
    counts["ucdp"] = n_mali
    cand = ged[(ged["country_id"] == 432) & (ged["where_prec"] == 1)].tail(5).copy()
    cand["id"] = range(500_001, 500_006)
    cand["date_start"] = "2026-03-0" + pd.Series(range(1, 6), index=cand.index).astype(str)
    cand.to_csv(www / "ucdp/GEDEvent_v26_01_26_06.csv", index=False)
    counts["candidate"] = 5
    # Who's On First archive
    counts["places"] = _wof_archive(
        shared, www / "wof/whosonfirst-data-admin-ml-2efa70f.tar.gz", places_every
    )
    shutil.rmtree(tmp)
    return counts
