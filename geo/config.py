"""Settings, coordinate reference systems and the data-folder rule.

Constants
---------
WORK_CRS
    ``ESRI:102022``, Africa Albers Equal Area Conic. Every distance, area and raster is
    computed in it (metres). It has no EPSG code: never rely on ``crs.to_epsg()``.
STORAGE_CRS
    ``EPSG:4326``. Everything stored, exported or drawn is in it.

The data folder is resolved once, by :func:`resolve_data_dir`, in this order:
``--data DIR`` > ``MALI_ACCESS_DATA`` > ``data/external/`` when populated >
``../shared/data`` next to the project when it exists. Settings are a frozen
dataclass built by the CLI or the app and passed down; engine functions take plain
arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from geo.errors import MissingDataError

WORK_CRS = "ESRI:102022"
STORAGE_CRS = "EPSG:4326"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CURATED_DIR = PROJECT_ROOT / "data" / "curated"
MANIFEST_PATH = PROJECT_ROOT / "data" / "manifest.toml"
DATA_ENV_VAR = "MALI_ACCESS_DATA"
STORE_ENV_VAR = "MALI_ACCESS_STORE"

DEFAULT_CELL_KM = 1.0
DEFAULT_BANDS_H = (4.0, 8.0, 12.0)
#: Radius of the no-entry zone around an encircled locality when its row gives none (km).
#: Project assumption: OCHA reports checkpoints about 10 km from Boni (S-RFI-2022-06-02);
#: 5 km keeps the town and its immediate approaches out of reach.
DEFAULT_NO_ENTRY_RADIUS_KM = 5.0


@dataclass(frozen=True)
class Settings:
    """Run-time settings shared by the CLI and the app.

    Attributes
    ----------
    data_dir
        Folder holding the public datasets listed in ``data/manifest.toml``.
    cell_km
        Friction grid cell size in km (WORK_CRS).
    store_path
        SQLite project store (constraints, incidents); ``None`` means the curated CSVs only.
    """

    data_dir: Path
    cell_km: float = DEFAULT_CELL_KM
    store_path: Path | None = None


def resolve_data_dir(
    cli_value: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None
) -> Path:
    """Find the data folder.

    Parameters
    ----------
    cli_value
        Value of ``--data``, if given; wins over everything else.
    environ
        Environment to read ``MALI_ACCESS_DATA`` from (default ``os.environ``).

    Returns
    -------
    Path
        An existing folder.

    Raises
    ------
    MissingDataError
        If the chosen folder does not exist, or no candidate exists at all.
    """
    environ = os.environ if environ is None else environ
    if cli_value:
        path = Path(cli_value).expanduser()
        if not path.is_dir():
            msg = "data folder given by --data does not exist"
            raise MissingDataError(path, msg)
        return path.resolve()
    if environ.get(DATA_ENV_VAR):
        path = Path(environ[DATA_ENV_VAR]).expanduser()
        if not path.is_dir():
            msg = f"data folder given by {DATA_ENV_VAR} does not exist"
            raise MissingDataError(path, msg)
        return path.resolve()
    external = PROJECT_ROOT / "data" / "external"
    if external.is_dir() and any(external.iterdir()):
        return external.resolve()
    shared = PROJECT_ROOT.parent / "shared" / "data"
    if shared.is_dir():
        return shared.resolve()
    msg = (
        f"no data folder: pass --data DIR, set {DATA_ENV_VAR}, "
        "or run `python -m geo fetch` to fill data/external/"
    )
    raise MissingDataError(external, msg)
