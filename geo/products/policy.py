"""The data protection policy: who may receive which fields and records.

This module is the one place that states the policy in code; the snapshot builder
(:mod:`geo.products.snapshot`), the public GIS export (``export data --public``,
:mod:`geo.products.export`) and the app's role-dependent data loading (``views/``) call it.
README's security section says the same in words (keep both in step, and bump
:data:`POLICY_VERSION` when a rule changes).

Roles, from the least to the most trusted (each sees what the roles below it see):

``public``
    No login: published snapshots and public exports only. Receives only the public
    forms of :data:`PUBLIC_FIELDS`, computed from public records only (see
    :func:`public_episodes`): a non-public encirclement influences no public geometry
    or figure at all.
``viewer``
    The live map, read only. Every record (non-public encirclements included, since a
    viewer works in the response), but never a restricted field
    (:data:`RESTRICTED_FIELDS`): no actors or armed groups, no notes, no sources' free text.
``planner``
    Scenarios and internal exports: every record and field.
``advisor``
    Records constraints and incidents, marks encirclements public: everything.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

#: Version of the policy; snapshots record it in their metadata. Bump it on any change.
#: 1.1: public products are computed from public encirclements only (no holes, counts or
#: reach effect of a non-public one); encirclements are restricted until marked public.
#: 1.2: common positions (geo.store.positions): only HCT-endorsed positions marked public reach
#: public products, without their motivating records or recorders.
#: 1.3: public print maps and exports carry the public positions too; a public position scoped
#: to or naming a locality encircled only in non-public episodes, or scoped to a place id
#: that cannot be read, is withheld (geo.products.positions_map.public_register).
#: 1.4: public maps name the main towns (a fixed list of cercle and region capitals from the
#: gazetteer, :data:`geo.products.printmap.MAIN_TOWNS`, the same whatever the records).
#: 1.5: public maps mark the HAWG hubs (id, name and place of each hub of the hubs table,
#: data/curated/hubs.csv: OCHA offices, named in public OCHA reporting), whatever the records.
POLICY_VERSION = "1.5"

#: Roles, least trusted first.
ROLES = ("public", "viewer", "planner", "advisor")

#: Least role that may receive the restricted fields.
RESTRICTED_ROLE = "planner"

#: Fields that only :data:`RESTRICTED_ROLE` and above receive, per kind of record.
#: ``incidents``: normalised incidents (``geo.model.incidents``); ``encircled``: encirclement
#: episodes; ``road_status``: road-status versions and the status in force per axis.
RESTRICTED_FIELDS: dict[str, tuple[str, ...]] = {
    "incidents": ("actor1", "actor2", "notes", "source_ref"),
    "encircled": ("armed_group", "note", "source", "recorded_by"),
    "road_status": ("note", "source", "status_raw", "recorded_by"),
    "positions": ("motivated_by", "recorded_by"),
}

#: The allow-list of public layers: layer -> the only fields it may carry (in this order).
#: Everything published (snapshot files, public page) is cut to these fields.
PUBLIC_FIELDS: dict[str, tuple[str, ...]] = {
    "admin1": ("adm1_pcode", "adm1_name", "geometry"),
    "towns": ("name", "geometry"),
    # HAWG hubs (data/curated/hubs.csv): public places, from public OCHA reporting; no area of
    # responsibility, status or source fields
    "hubs": ("hub_id", "name", "geometry"),
    "incidents_admin2": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "period",
        "incidents",
        "incidents_min",
        "incidents_max",
        "geometry",
    ),
    "incidents_admin2_month": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "month",
        "incidents",
        "incidents_min",
        "incidents_max",
    ),
    "encircled_admin2": (
        "adm1_pcode",
        "adm1_name",
        "adm2_pcode",
        "adm2_name",
        "localities_encircled",
        "named_localities",
        "geometry",
    ),
    "road_status": ("axis_name", "route_ref", "status", "geometry"),
    "reach": ("hub", "hours", "area_km2", "population", "geometry"),
    # common positions: HCT-endorsed and marked public only (geo.store.positions.public_positions)
    "positions": ("position_id", "scope", "topic", "text_fr", "text_en", "endorsed", "meeting_ref"),
}

#: Fields of the public GIS export (``export data --public``) per theme; themes not listed
#: keep their fields (they carry no restricted field: zones, reach, catchments, hubs, counts).
PUBLIC_EXPORT_FIELDS: dict[str, tuple[str, ...]] = {
    "roads_status": (
        "as_of",
        "axis_id",
        "axis_name",
        "route_ref",
        "road_class",
        "status",
        "valid_from",
        "valid_to",
        "schematic",
        "geometry",
    ),
    "encircled": (
        "as_of",
        "locality",
        "status",
        "since",
        "until",
        "last_confirmed",
        "radius_km",
        "adm3_pcode",
        "geometry",
    ),
    # common positions: HCT-endorsed and public only (geo.products.positions_map.product_positions)
    "positions": (
        "as_of",
        "position_id",
        "topic",
        "topic_fr",
        "topic_en",
        "scope",
        "place_name",
        "text_fr",
        "text_en",
        "endorsed",
        "meeting_ref",
        "geometry",
    ),
}

#: What public products never carry, in words (snapshot metadata, public page).
EXCLUDED_TEXT = (
    "actors and armed groups, notes, sources' free text, incident and locality coordinates, "
    "restricted incident sources (e.g. ACLED), and every trace of non-public encirclements "
    "(names, counts, no-entry holes in reachable areas, effects on areas and populations)"
)


def check_role(role: str) -> str:
    """Return ``role`` if it is one of :data:`ROLES`.

    Raises
    ------
    ValueError
        Unknown role.
    """
    if role not in ROLES:
        msg = f"unknown role {role!r}; expected one of {', '.join(ROLES)}"
        raise ValueError(msg)
    return role


def may_see_restricted(role: str) -> bool:
    """Whether ``role`` may receive :data:`RESTRICTED_FIELDS` (planner and advisor)."""
    return ROLES.index(check_role(role)) >= ROLES.index(RESTRICTED_ROLE)


def is_public_flag(value: object) -> bool:
    """Read a ``public`` flag strictly: only True, 1 and "true"/"1"/"yes" mean public.

    Anything else (False, 0, empty, None, NaN, a typo) is restricted: the default is to
    withhold.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and not pd.isna(value):
        return value == 1
    return str(value).strip().lower() in ("true", "1", "yes")


def public_episodes(episodes: pd.DataFrame | None) -> pd.DataFrame | None:
    """Keep the encirclement episodes an advisor marked public (every public product's only input).

    Public products are computed from these alone, so a non-public encirclement leaves no
    trace in them: no no-entry hole or notch in a reachable area, no effect on areas,
    populations or locality counts, no count per admin unit. The public reach therefore
    shows access under the *publicly known* constraints (it may overstate access near a
    non-public encirclement); the internal products show the full picture.

    Parameters
    ----------
    episodes
        Episodes with a ``public`` column (store or curated schema), or None.

    Returns
    -------
    pandas.DataFrame or None
        The public rows (a copy); None stays None. A frame without ``public`` gives no rows.
    """
    if episodes is None:
        return None
    if "public" not in episodes.columns:
        return episodes.iloc[:0].copy()
    keep = episodes["public"].map(is_public_flag).astype(bool)
    return episodes[keep.to_numpy()].copy()


def for_role(frame: pd.DataFrame | None, kind: str, role: str) -> pd.DataFrame | None:
    """``frame`` with the fields ``role`` may not receive dropped (a copy; None stays None).

    Parameters
    ----------
    frame
        Records of ``kind``.
    kind
        A key of :data:`RESTRICTED_FIELDS`.
    role
        One of :data:`ROLES`. For ``public`` use the public builders (snapshot, public
        export): this only drops fields, it does not drop non-public records.

    Raises
    ------
    ValueError
        Unknown ``kind`` or ``role``.
    """
    if kind not in RESTRICTED_FIELDS:
        msg = f"unknown kind of record {kind!r}; expected one of {', '.join(RESTRICTED_FIELDS)}"
        raise ValueError(msg)
    if frame is None:
        check_role(role)
        return None
    if may_see_restricted(role):
        return frame
    return frame.drop(columns=[c for c in RESTRICTED_FIELDS[kind] if c in frame.columns])


def cut_to(frame: pd.DataFrame, fields: Iterable[str]) -> pd.DataFrame:
    """``frame`` with only ``fields`` that it has, in that order (attrs cleared)."""
    cols = [c for c in fields if c in frame.columns]
    out = frame[cols].copy()
    out.attrs = {}
    return out
