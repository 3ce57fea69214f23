"""Settings, coordinate reference systems and the data shipped with the engine.

Constants
---------
WORK_CRS
    ``ESRI:102022``, Africa Albers Equal Area Conic. Every distance, area and raster is
    computed in it (metres). It has no EPSG code: never rely on ``crs.to_epsg()``.
STORAGE_CRS
    ``EPSG:4326``. Everything stored, exported or drawn is in it.
SHIPPED_DATA
    Folder of the data that ships with the engine: ``manifest.toml``, ``zones_rules.csv``,
    ``curated/*.csv`` and ``scenarios/*.toml``. In a checkout it is the project's ``data/``
    folder; in an installed package it is the package data ``geo/_data`` (the wheel maps
    ``data/`` onto it), found with :mod:`importlib.resources`.
CHECKOUT
    The project folder when the engine runs from a checkout (``pyproject.toml`` and
    ``data/manifest.toml`` beside ``geo/``), else ``None`` (installed as a package).

Settings
--------
Every run-time setting (data folder, store, users file, snapshots folder, cell size,
language) is resolved once, by :meth:`Settings.resolve`, from flags > environment
variables (:data:`ENV_VARS`) > defaults, and the resulting frozen :class:`Settings` is
passed down: the command line builds it from its parsed options
(``geo.cli.common.settings_from``), the app once per server (``views.common.settings``).
Engine functions take plain arguments and never read the environment.

Defaults: run from a checkout, files go to ``var/`` in the checkout; installed as a
package, to the per-user data folder (``platformdirs.user_data_path("mali-access")``,
e.g. ``~/.local/share/mali-access`` on Linux). The data folder defaults to
``data/external/`` when populated, else ``../shared/data`` beside the checkout; installed,
to ``data/`` in the per-user folder when populated (where ``python -m geo fetch`` writes).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from geo.errors import InputError, MissingDataError

WORK_CRS = "ESRI:102022"
STORAGE_CRS = "EPSG:4326"

#: Folder holding the ``geo`` package: the checkout, or ``site-packages`` when installed.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _checkout() -> Path | None:
    root = PROJECT_ROOT
    if (root / "pyproject.toml").is_file() and (root / "data" / "manifest.toml").is_file():
        return root
    return None


def _shipped_data(checkout: Path | None) -> Path:
    if checkout is not None:
        return checkout / "data"
    # geo is a regular package, so files() is a real folder (wheels are installed unzipped).
    folder = resources.files("geo") / "_data"
    if not isinstance(folder, Path) or not (folder / "manifest.toml").is_file():
        msg = "the package data geo/_data is missing or zipped; reinstall mali-access from its wheel"
        raise MissingDataError(str(folder), msg)
    return folder


CHECKOUT: Path | None = _checkout()
SHIPPED_DATA: Path = _shipped_data(CHECKOUT)
CURATED_DIR = SHIPPED_DATA / "curated"
MANIFEST_PATH = SHIPPED_DATA / "manifest.toml"
SCENARIOS_DIR = SHIPPED_DATA / "scenarios"

#: Application name of the per-user data folder (platformdirs).
APP_NAME = "mali-access"
#: Environment variable of each setting.
ENV_VARS: dict[str, str] = {
    "data_dir": "MALI_ACCESS_DATA",
    "store_path": "MALI_ACCESS_STORE",
    "users_path": "MALI_ACCESS_USERS",
    "snapshots_dir": "MALI_ACCESS_SNAPSHOTS",
    "cell_km": "MALI_ACCESS_CELL_KM",
    "lang": "MALI_ACCESS_LANG",
    "stale_days": "MALI_ACCESS_STALE_DAYS",
    "contact": "MALI_ACCESS_CONTACT",
    "warm_up": "MALI_ACCESS_WARM_UP",
}
#: Languages of the texts (maps, exports, snapshots); French first.
LANGS: tuple[str, ...] = ("fr", "en")
DEFAULT_LANG = "fr"

DEFAULT_CELL_KM = 1.0
#: Days after which a constraint not confirmed again is marked on print maps (project choice:
#: a quarter, the period of OCHA Mali's access dashboards).
DEFAULT_STALE_DAYS = 90
DEFAULT_BANDS_H = (4.0, 8.0, 12.0)
#: Radius of the no-entry zone around an encircled locality when its row gives none (km).
#: Project assumption: OCHA reports checkpoints about 10 km from Boni (S-RFI-2022-06-02);
#: 5 km keeps the town and its immediate approaches out of reach.
DEFAULT_NO_ENTRY_RADIUS_KM = 5.0


def default_home(checkout: Path | None = CHECKOUT) -> Path:
    """Folder of the default store, users file, snapshots and fetched data.

    Parameters
    ----------
    checkout
        Project folder when running from a checkout, ``None`` when installed.

    Returns
    -------
    Path
        ``var/`` in the checkout, else the per-user data folder of ``mali-access``
        (platformdirs; ``$XDG_DATA_HOME/mali-access`` or ``~/.local/share/mali-access``
        on Linux). Not created here.
    """
    if checkout is not None:
        return checkout / "var"
    import platformdirs

    return Path(platformdirs.user_data_path(APP_NAME, appauthor=False))


def default_fetch_dir(checkout: Path | None = CHECKOUT) -> Path:
    """Folder ``python -m geo fetch`` fills by default.

    ``data/external/`` in a checkout, ``data/`` in the per-user data folder when installed.
    """
    if checkout is not None:
        return checkout / "data" / "external"
    return default_home(None) / "data"


def _default_data_dir(checkout: Path | None) -> tuple[Path | None, str]:
    fetched = default_fetch_dir(checkout)
    if fetched.is_dir() and any(fetched.iterdir()):
        return fetched, "default"
    if checkout is not None:
        shared = checkout.parent / "shared" / "data"
        if shared.is_dir():
            return shared, "default"
    return None, "default"


@dataclass(frozen=True)
class Settings:
    """Run-time settings shared by the command line and the app, resolved once.

    Build it with :meth:`Settings.resolve`; pass it (or the fields a function needs) down.

    Attributes
    ----------
    data_dir
        Folder holding the public datasets listed in the manifest; ``None`` when no
        candidate exists. May not exist when given by a flag or the environment: use
        :meth:`require_data_dir` where the data are needed.
    store_path
        Project store (constraints, incidents, positions): a SQLite file (the embedded
        default), or a PostgreSQL/PostGIS URL ``postgresql://USER@HOST:PORT/DATABASE``
        kept as a string (see :mod:`geo.store.db`).
    users_path
        Local accounts of the app (TOML with bcrypt hashes).
    snapshots_dir
        Root folder of the public snapshots.
    cell_km
        Friction grid cell size in km (WORK_CRS), > 0.
    lang
        Language of maps, exports and snapshots: one of :data:`LANGS`.
    stale_days
        Print maps mark constraints not confirmed for more than this many days (>= 0).
    contact
        Contact line of print maps (who to ask about the map); empty: the map says it is
        missing.
    warm_up
        Whether the app, once per server process, computes the live map's default state
        (model inputs, reach of every hub on today's date) in the background at start, so
        the first viewer does not wait for it (and for the kernels' first compilation).
    data_origin
        Where ``data_dir`` came from: ``"flag"``, ``"environment"`` or ``"default"``;
        used in error messages.
    """

    data_dir: Path | None
    store_path: Path | str
    users_path: Path
    snapshots_dir: Path
    cell_km: float = DEFAULT_CELL_KM
    lang: str = DEFAULT_LANG
    data_origin: str = "default"
    stale_days: int = DEFAULT_STALE_DAYS
    contact: str = ""
    warm_up: bool = True

    @classmethod
    def resolve(
        cls,
        *,
        data: str | os.PathLike[str] | None = None,
        store: str | os.PathLike[str] | None = None,
        users: str | os.PathLike[str] | None = None,
        snapshots: str | os.PathLike[str] | None = None,
        cell_km: float | None = None,
        lang: str | None = None,
        stale_days: int | None = None,
        contact: str | None = None,
        warm_up: bool | str | None = None,
        environ: Mapping[str, str] | None = None,
        checkout: Path | None = CHECKOUT,
    ) -> Settings:
        """Resolve every setting from flags > environment > defaults.

        Parameters
        ----------
        data, store, users, snapshots, cell_km, lang, stale_days, contact, warm_up
            Values given on the command line; ``None`` (or empty) when not given.
        environ
            Environment read for :data:`ENV_VARS` (default ``os.environ``); empty values
            count as unset.
        checkout
            Project folder when running from a checkout, ``None`` when installed (see
            :func:`default_home`).

        Returns
        -------
        Settings
            Paths are expanded (``~``) and absolute; nothing is created.

        Raises
        ------
        InputError
            If ``cell_km`` is not a positive finite number of km, ``lang`` not one of
            :data:`LANGS`, ``stale_days`` not a whole number >= 0, or ``warm_up`` not a
            yes/no value (1/0, true/false, yes/no, on/off, oui/non); the message names the
            flag or variable.
        """
        environ = os.environ if environ is None else environ
        home = default_home(checkout)

        def pick(flag: object, key: str) -> tuple[object | None, str]:
            if flag not in (None, ""):
                return flag, "flag"
            if environ.get(ENV_VARS[key]):
                return environ[ENV_VARS[key]], "environment"
            return None, "default"

        def path_of(flag: object, key: str, default: Path) -> Path:
            value, _ = pick(flag, key)
            return Path(value if value is not None else default).expanduser().absolute()

        data_value, data_origin = pick(data, "data_dir")
        if data_value is not None:
            data_dir: Path | None = Path(data_value).expanduser().absolute()
        else:
            data_dir, data_origin = _default_data_dir(checkout)
        return cls(
            data_dir=data_dir,
            store_path=_store(pick(store, "store_path")[0], home / "store.sqlite"),
            users_path=path_of(users, "users_path", home / "users.toml"),
            snapshots_dir=path_of(snapshots, "snapshots_dir", home / "snapshots"),
            cell_km=_cell_km(*pick(cell_km, "cell_km")),
            lang=_lang(*pick(lang, "lang")),
            data_origin=data_origin,
            stale_days=_stale_days(*pick(stale_days, "stale_days")),
            contact=str(pick(contact, "contact")[0] or "").strip(),
            warm_up=_yes_no(*pick(warm_up, "warm_up"), key="warm_up", default=True),
        )

    def require_data_dir(self) -> Path:
        """Return the data folder, checked to exist.

        Returns
        -------
        Path
            An existing folder (resolved).

        Raises
        ------
        MissingDataError
            If the folder given by ``--data`` or ``MALI_ACCESS_DATA`` does not exist, or no
            default folder exists; the message says how to give one.
        """
        if self.data_dir is None:
            msg = (
                f"no data folder: pass --data DIR, set {ENV_VARS['data_dir']}, "
                "or run `python -m geo fetch` to fill it"
            )
            raise MissingDataError(default_fetch_dir(), msg).keyed(
                key="err.no_data_dir", var=ENV_VARS["data_dir"]
            )
        if not self.data_dir.is_dir():
            given = "--data" if self.data_origin == "flag" else ENV_VARS["data_dir"]
            msg = f"data folder given by {given} does not exist"
            raise MissingDataError(self.data_dir, msg).keyed(key="err.data_dir_missing", given=given)
        return self.data_dir.resolve()


def _store(value: object | None, default: Path) -> Path | str:
    """Store location: a ``postgresql://`` (or ``postgres://``) URL as given, else an absolute path."""
    if value is not None and str(value).strip().lower().startswith(("postgresql://", "postgres://")):
        return str(value).strip()
    return Path(value if value is not None else default).expanduser().absolute()  # type: ignore[arg-type]


def _cell_km(value: object | None, origin: str) -> float:
    if value is None:
        return DEFAULT_CELL_KM
    try:
        km = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        km = math.nan
    if not (km > 0 and math.isfinite(km)):
        where = "--cell-km" if origin == "flag" else ENV_VARS["cell_km"]
        msg = f"{where}: expected a positive number of km, got {value!r}"
        raise InputError(msg).keyed(key="err.bad_cell_km", where=where, value=repr(value))
    return km


def resolve_lang(flag: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """Return the language of the texts by the rule of :meth:`Settings.resolve` (flag > environment > fr).

    The command line needs it before it parses its options (its help is written in it);
    everything else reads ``Settings.lang``.

    Parameters
    ----------
    flag
        ``--lang`` as given, or ``None``.
    environ
        Environment read for ``MALI_ACCESS_LANG`` (default ``os.environ``).

    Raises
    ------
    InputError
        The flag or the variable names no language of :data:`LANGS`.
    """
    environ = os.environ if environ is None else environ
    if flag not in (None, ""):
        return _lang(flag, "flag")
    value = environ.get(ENV_VARS["lang"])
    return _lang(value or None, "environment")


def _lang(value: object | None, origin: str) -> str:
    if value is None:
        return DEFAULT_LANG
    lang = str(value).strip().lower()
    if lang not in LANGS:
        where = "--lang" if origin == "flag" else ENV_VARS["lang"]
        msg = f"{where}: expected one of {', '.join(LANGS)}, got {value!r}"
        raise InputError(msg).keyed(
            key="err.bad_lang", where=where, value=repr(value), choices=", ".join(LANGS)
        )
    return lang


#: Words read as yes and no in a yes/no setting (lower case).
YES_WORDS = ("1", "true", "yes", "on", "oui")
NO_WORDS = ("0", "false", "no", "off", "non")


def _yes_no(value: object | None, origin: str, *, key: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in YES_WORDS or word in NO_WORDS:
        return word in YES_WORDS
    where = "--" + key.replace("_", "-") if origin == "flag" else ENV_VARS[key]
    msg = f"{where}: expected yes or no (1/0, true/false, on/off, yes/no), got {value!r}"
    raise InputError(msg).keyed(key="err.bad_yes_no", where=where, value=repr(value))


def _stale_days(value: object | None, origin: str) -> int:
    if value is None:
        return DEFAULT_STALE_DAYS
    try:
        days = int(str(value).strip())
    except ValueError:
        days = -1
    if days < 0:
        where = "--stale-days" if origin == "flag" else ENV_VARS["stale_days"]
        msg = f"{where}: expected a whole number of days >= 0, got {value!r}"
        raise InputError(msg).keyed(key="err.bad_stale_days", where=where, value=repr(value))
    return days
