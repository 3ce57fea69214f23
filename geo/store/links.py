"""Turn an incident into a constraint: a road status or an encirclement, with the link kept.

An advisor reading an incident ("JNIM blockade of Léré announced on 23 Oct 2025") records
the constraint it reveals. :func:`link_incident` writes the new constraint version with the
incident's date as its start and the incident's source as its source, and keeps the link
(incident id, date, source, AMRF category, kind, target, version) in the store table
``constraint_incident_link`` (:mod:`geo.store.constraints`), in the same transaction as
the version: both are written or neither. The history stays append-only: a link is never
changed or deleted; a wrong constraint is corrected by a new version as usual.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.config import CURATED_DIR
from geo.errors import DataFileError
from geo.sources.amrf import NOT_ACCESS, UNCLASSIFIED
from geo.store import constraints as cs

logger = logging.getLogger(__name__)

#: Kinds of constraint an incident can become.
LINK_KINDS = ("road_status", "encirclement")
_LABEL = "incident link"


@dataclass(frozen=True)
class LinkResult:
    """What :func:`link_incident` wrote.

    Attributes
    ----------
    kind
        ``road_status`` or ``encirclement``.
    target
        Axis id or episode id.
    version_id
        The constraint version written.
    amrf
        AMRF category of the incident.
    """

    kind: str
    target: str
    version_id: int
    amrf: str


def _incident_fields(incident: Mapping[str, object]) -> dict[str, str]:
    """Id, date (YYYY-MM-DD), source text and AMRF category of an incident row; DataFileError if unusable."""
    iid = str(incident.get("incident_id") or "").strip()
    if not iid:
        raise DataFileError(_LABEL, "the incident has no id", field="incident_id")
    raw_date = incident.get("date")
    try:
        day = pd.Timestamp(raw_date).date() if raw_date is not None and not pd.isna(raw_date) else None
    except (TypeError, ValueError):
        day = None
    if day is None:
        raise DataFileError(_LABEL, f"incident {iid!r} has no usable date ({raw_date!r})", field="date")
    source = str(incident.get("source") or "").strip()
    ref = str(incident.get("source_ref") or "").strip()
    text = f"incident {iid}" + (f" ({source}: {ref})" if ref else (f" ({source})" if source else ""))
    amrf = str(incident.get("amrf") or UNCLASSIFIED)
    return {"incident_id": iid, "incident_date": day.isoformat(), "incident_source": text, "amrf": amrf}


def link_incident(
    store_path: Path | str,
    incident: Mapping[str, object],
    *,
    kind: str,
    recorded_by: str,
    axis_id: str | None = None,
    status: str | None = None,
    cause: str = "security",
    locality: str | None = None,
    radius_km: float | None = None,
    confidence: str = "medium",
    note: str = "",
    seed_dir: Path | None = CURATED_DIR,
    data_dir: Path | None = None,
) -> LinkResult:
    """Record the road status or encirclement an incident reveals, and keep the link.

    Parameters
    ----------
    store_path
        Project store.
    incident
        One incident of the normalised layer (``geo.model.incidents.load_incidents``):
        ``incident_id``, ``date``, ``source``, ``source_ref``, ``amrf``, and for a new
        encircled locality ``latitude``/``longitude``.
    kind
        ``{"road_status", "encirclement"}``.
    recorded_by
        Advisor recording the change (required).
    axis_id, status, cause
        Road status: a known axis of ``axes.csv``, its status (``geo.vocab.ROAD_STATUS``;
        default ``closed``) and cause (``geo.vocab.CAUSE``). Encirclement: ``status``
        (``geo.vocab.ENCIRCLED_STATUS``, default ``active``).
    locality, radius_km
        Encirclement: the locality (a stored one, compared accent- and case-blind; a new
        one takes the incident's coordinates) and the no-entry radius (km; None: default).
    confidence
        Of the report ({low, medium, high}).
    note
        Free text kept with the version (stored as typed; escaped where shown).
    seed_dir, data_dir
        See :func:`geo.store.constraints.open_store`.

    Returns
    -------
    LinkResult

    Raises
    ------
    DataFileError
        Unknown kind; the incident lacks an id or a date, or is classified
        ``not_access``; a missing axis or locality; any field the constraint writer refuses
        (status, cause, axis, coordinates, source ...); the same incident already linked to
        the same target. Nothing is written.
    ConflictError, StoreError
        As :func:`geo.store.constraints.record_road_status` / ``record_encircled``.
    """
    if kind not in LINK_KINDS:
        msg = f"kind must be one of {', '.join(LINK_KINDS)}, got {kind!r}"
        raise DataFileError(_LABEL, msg, field="kind")
    link = _incident_fields(incident)
    if link["amrf"] == NOT_ACCESS:
        msg = f"incident {link['incident_id']} is not an access constraint (AMRF: {NOT_ACCESS})"
        raise DataFileError(_LABEL, msg, field="incident_id")
    if not str(recorded_by or "").strip():
        raise DataFileError(_LABEL, "required value is empty", field="recorded_by")
    day = dt.date.fromisoformat(link["incident_date"])
    earlier = cs.incident_links(store_path, link["incident_id"])
    if kind == "road_status":
        axis = str(axis_id or "").strip()
        if not axis:
            raise DataFileError(_LABEL, "required for a road status", field="axis_id")
        if ((earlier["kind"] == kind) & (earlier["target"] == axis)).any():
            msg = f"incident {link['incident_id']} is already linked to axis {axis}"
            raise DataFileError(_LABEL, msg, field="axis_id")
        res = cs.record_road_status(
            store_path,
            axis_id=axis,
            status=status or "closed",
            cause=cause,
            valid_from=day,
            source=link["incident_source"],
            recorded_by=recorded_by,
            confidence=confidence,
            note=note,
            seed_dir=seed_dir,
            incident_link=link,
        )
        target = axis
    else:
        name = str(locality or "").strip()
        if not name:
            raise DataFileError(_LABEL, "required for an encirclement", field="locality")
        key = cs.locality_key(name)
        done = earlier[earlier["kind"] == kind]
        if any(cs.locality_key(t.split("@", 1)[0]) == key for t in done["target"]):
            msg = f"incident {link['incident_id']} is already linked to an encirclement of {name!r}"
            raise DataFileError(_LABEL, msg, field="locality")
        known = len(cs.encircled_history(store_path, name)) > 0
        lon = pd.to_numeric(incident.get("longitude"), errors="coerce") if not known else float("nan")
        lat = pd.to_numeric(incident.get("latitude"), errors="coerce") if not known else float("nan")
        res = cs.record_encircled(
            store_path,
            locality=name,
            source=link["incident_source"],
            recorded_by=recorded_by,
            status=status or "active",
            since=day,
            last_confirmed=day,
            lon=None if pd.isna(lon) else float(lon),
            lat=None if pd.isna(lat) else float(lat),
            radius_km=radius_km,
            confidence=confidence,
            note=note,
            seed_dir=seed_dir,
            data_dir=data_dir,
            incident_link=link,
        )
        target = cs.incident_links(store_path, link["incident_id"]).iloc[-1]["target"]
    logger.info("incident %s -> %s %s (version %d)", link["incident_id"], kind, target, res.version_id)
    return LinkResult(kind, str(target), res.version_id, link["amrf"])
