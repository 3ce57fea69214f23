"""Writing results: atomic files and GeoPackage layers, EPSG:4326 on disk (CSV: ``geo.tables``).

Every writer writes to a temporary file next to the target and renames it over the
target (``os.replace``), so a reader never sees a half-written file and a crash leaves
the previous version intact.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import pandas as pd

from geo.config import STORAGE_CRS

logger = logging.getLogger(__name__)


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success it replaces ``target``.

    The temporary file is removed if the block raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_layers(layers: dict[str, gpd.GeoDataFrame | pd.DataFrame], target: Path) -> None:
    """Write several layers to one GeoPackage atomically (EPSG:4326).

    Parameters
    ----------
    layers
        Layer name -> GeoDataFrame (any CRS; reprojected to EPSG:4326), or a plain
        DataFrame, written as an attribute table (no geometry).
    target
        ``.gpkg`` file, replaced as a whole.
    """
    import pyogrio

    with atomic_path(target) as tmp:
        for name, gdf in layers.items():
            if not isinstance(gdf, gpd.GeoDataFrame):
                pyogrio.write_dataframe(gdf, tmp, layer=name, driver="GPKG")
                continue
            out = gdf.to_crs(STORAGE_CRS) if gdf.crs is not None else gdf.set_crs(STORAGE_CRS)
            out.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
    logger.info("wrote %s (%s)", target, ", ".join(f"{k}: {len(v)}" for k, v in layers.items()))
