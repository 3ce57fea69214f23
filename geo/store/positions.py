"""Common positions and red lines: the register the HAWG proposes and the HCT endorses.

A *position* is a stance the humanitarian community takes on an access issue (for example
"no payment at checkpoints on the RN16"), with where it applies (its *scope*), its *topic*,
its text in French and English, its *visibility* and the constraints and incidents that
motivate it. It moves through the statuses

``draft`` -> ``proposed`` (by the HAWG) -> ``endorsed`` (by the HCT) -> ``revised`` -> ``retired``

one dated step at a time (:data:`TRANSITIONS`). A revision of a proposed or endorsed
position is ``revised``: it must be proposed and endorsed again before it counts as
endorsed (it then leaves public products until the HCT endorses the new text). A
``retired`` position takes no further step.

Scopes (:func:`parse_scope`) are never a named person: ``country``, ``admin:PCODE`` (COD-AB
2015 P-code, any level), ``axis:ID`` (``data/curated/axes.csv``), ``crossing:ID``
(``data/curated/crossings.csv``), ``locality:ID`` (a place id of the localities layer or a
locality recorded in the constraints store) and ``actor-type:NAME`` with NAME one of
:data:`ACTOR_TYPES` (kinds of actor or de-facto authority).

Table (component ``positions`` of :mod:`geo.store.db`, schema version 1)
-----------------------------------------------------------------------
``position_events``
    One row per step, carrying the whole state of the position after it: ``event_id``
    (autoincrement), ``position_id`` (stable), ``action`` {add, propose, endorse, revise,
    retire}, ``status``, ``scope``, ``topic``, ``text_fr``, ``text_en``, ``visibility``
    {restricted, public}, ``motivated_by`` (JSON list of references ``road:VERSION``,
    ``encircled:EPISODE``, ``incident:ID``), ``meeting_ref``, ``meeting_date``
    (``YYYY-MM-DD``), ``recorded_by``, ``recorded_at`` (UTC ``YYYY-MM-DDTHH:MM:SSZ``).
    Append-only: triggers in the database (SQLite or PostgreSQL) refuse UPDATE and
    DELETE, and refuse an INSERT whose step is not allowed from the position's current
    status (so the rule holds for any writer, not only this module).

Every function takes the store location (SQLite file or ``postgresql://`` URL) and opens
its own connection; writes hold the store's write lock (:func:`geo.store.db.transaction`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.config import CURATED_DIR
from geo.errors import DataFileError, StoreError
from geo.store.db import (
    SQLITE,
    Dialect,
    connect,
    dialect_of,
    ensure_component,
    insert_row,
    is_server_url,
    store_errors,
    store_exists,
    transaction,
)
from geo.tables import csv_text as table_csv
from geo.tables import hxl_tag
from geo.text import Keyed
from geo.vocab import ACTOR_TYPE, POSITION_STATUS, POSITION_TOPIC, POSITION_VISIBILITY, SCOPE_KIND

logger = logging.getLogger(__name__)

COMPONENT = "positions"
EVENTS_TABLE = "position_events"
LABEL = Keyed("position input", "err.where.position_input")

#: Statuses, in workflow order; codes and fr/en labels from the one vocabulary (geo.vocab).
STATUSES = POSITION_STATUS
VISIBILITIES = POSITION_VISIBILITY
#: action -> {status before: status after}. ``add`` creates a draft.
TRANSITIONS: dict[str, dict[str, str]] = {
    "propose": {"draft": "proposed", "revised": "proposed"},
    "endorse": {"proposed": "endorsed"},
    "revise": {"proposed": "revised", "endorsed": "revised", "revised": "revised", "draft": "draft"},
    "retire": {"draft": "retired", "proposed": "retired", "endorsed": "retired", "revised": "retired"},
}
ACTIONS = ("add", *TRANSITIONS)

#: Topics (:data:`geo.vocab.POSITION_TOPIC`: codes with French and English labels).
TOPICS = POSITION_TOPIC

#: Kinds of actor or de-facto authority a position may be scoped to (never a person):
#: :data:`geo.vocab.ACTOR_TYPE`.
ACTOR_TYPES = ACTOR_TYPE

SCOPE_KINDS = SCOPE_KIND
#: Lengths (characters) beyond which a field is refused.
MAX_TEXT = 4000
MAX_SHORT = 200
_PCODE = re.compile(r"^ML\d{2}(\d{2}(\d{2})?)?$")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
_REF = re.compile(r"^(road|encircled|incident):(.+)$")
#: Bidirectional overrides and isolates: they let text display differently from what is stored.
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

#: Columns of :func:`current_positions` (and of the CSV export, in this order).
COLUMNS = [
    "id",
    "status",
    "scope",
    "topic",
    "text_fr",
    "text_en",
    "visibility",
    "motivated_by",
    "meeting_ref",
    "meeting_date",
    "recorded_by",
    "recorded_at",
    "created",
    "endorsed",
]


def _append_only(d: Dialect, table: str) -> list[str]:
    return d.append_only(
        table,
        "position history is append-only: record a new step",
        "position history is append-only: nothing is deleted",
    )


def _transition_trigger(d: Dialect) -> list[str]:
    last = (
        f"(SELECT status FROM {EVENTS_TABLE} WHERE position_id = NEW.position_id "
        "ORDER BY event_id DESC LIMIT 1)"
    )
    checks = []
    for action, moves in TRANSITIONS.items():
        before = ", ".join(f"'{s}'" for s in moves)
        after = " ".join(f"WHEN '{a}' THEN '{b}'" for a, b in moves.items())
        checks.append(
            f"(NEW.action = '{action}' AND ({last} NOT IN ({before}) OR {last} IS NULL "
            f"OR {d.differs('NEW.status', f'CASE {last} {after} END')}))"
        )
    bad_add = f"(NEW.action = 'add' AND ({last} IS NOT NULL OR NEW.status <> 'draft'))"
    return d.refuse(
        f"{EVENTS_TABLE}_workflow",
        EVENTS_TABLE,
        "INSERT",
        "step not allowed from the position''s current status",
        when=" OR ".join([bad_add, *checks]),
    )


def _in(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def migrations(d: Dialect) -> list[list[str]]:
    """Return the schema migrations in a backend's dialect: ``[i]`` takes version i to i + 1."""
    return [
        [
            f"""CREATE TABLE {EVENTS_TABLE} (
            {d.key_column("event_id")},
            position_id INTEGER NOT NULL CHECK (position_id > 0),
            action TEXT NOT NULL CHECK (action IN ({_in(ACTIONS)})),
            status TEXT NOT NULL CHECK (status IN ({_in(STATUSES)})),
            scope TEXT NOT NULL CHECK (scope <> ''),
            topic TEXT NOT NULL CHECK (topic IN ({_in(list(TOPICS))})),
            text_fr TEXT NOT NULL CHECK (text_fr <> ''),
            text_en TEXT NOT NULL CHECK (text_en <> ''),
            visibility TEXT NOT NULL CHECK (visibility IN ({_in(VISIBILITIES)})),
            motivated_by TEXT NOT NULL DEFAULT '[]',
            meeting_ref TEXT NOT NULL DEFAULT '',
            meeting_date TEXT NOT NULL,
            recorded_by TEXT NOT NULL CHECK (recorded_by <> ''),
            recorded_at TEXT NOT NULL,
            CHECK (action = 'add' OR meeting_ref <> '')
        )""",
            f"CREATE INDEX {EVENTS_TABLE}_position ON {EVENTS_TABLE}(position_id, event_id)",
            *d.key_triggers(EVENTS_TABLE, "event_id"),
            *_append_only(d, EVENTS_TABLE),
            *_transition_trigger(d),
        ],
    ]


#: The SQLite migrations (``len(MIGRATIONS)`` is the schema version of both backends).
MIGRATIONS: list[list[str]] = migrations(SQLITE)


@dataclass(frozen=True)
class Scope:
    """Where a position applies.

    Attributes
    ----------
    kind
        One of :data:`SCOPE_KINDS`.
    ref
        P-code, axis id, crossing id, locality id or actor type; "" for ``country``.
    """

    kind: str
    ref: str

    def __str__(self) -> str:
        return self.kind if self.kind == "country" else f"{self.kind}:{self.ref}"


@dataclass(frozen=True)
class StepResult:
    """What a write stored: the position, its status after the step and the event id."""

    position_id: int
    status: str
    event_id: int
    recorded_at: str


# ---------------------------------------------------------------------------- validation


def _utc_now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clean(value: object, field: str, *, multiline: bool, limit: int, required: bool = True) -> str:
    """Check a user text: required, length, no control or bidi-override characters; stripped."""
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n")).strip()
    if required and not text:
        raise DataFileError(LABEL, Keyed("required value is empty", "err.required_empty"), field=field)
    if len(text) > limit:
        reason = f"{len(text)} characters, at most {limit} allowed"
        msg = Keyed(reason, "err.text_too_long", n=len(text), most=limit)
        raise DataFileError(LABEL, msg, field=field)
    allowed = {"\n", "\t"} if multiline else set()
    for ch in text:
        if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in allowed) or ch in _BIDI:
            code = f"U+{ord(ch):04X}"
            reason = f"contains the control character {code}; remove it"
            msg = Keyed(reason, "err.control_character", code=code)
            raise DataFileError(LABEL, msg, field=field)
    return text


def parse_scope(text: str) -> Scope:
    """Parse ``country``, ``admin:PCODE``, ``axis:ID``, ``crossing:ID``, ``locality:ID``, ``actor-type:NAME``.

    Only the form is checked here (P-code pattern, id characters, actor type in
    :data:`ACTOR_TYPES`); :func:`validate_scope` checks that the place exists.

    Raises
    ------
    DataFileError
        Field ``scope``: unknown kind, empty or malformed reference, actor type not in the
        list (a position is never scoped to a named person).
    """
    raw = _clean(text, "scope", multiline=False, limit=MAX_SHORT)
    kind, sep, ref = raw.partition(":")
    kind, ref = kind.strip().lower(), ref.strip()
    if kind == "country":
        if sep and ref:
            raise DataFileError(LABEL, f"'country' takes no reference, got {raw!r}", field="scope")
        return Scope("country", "")
    if kind not in SCOPE_KINDS:
        msg = f"{raw!r}: expected country, admin:PCODE, axis:ID, crossing:ID, locality:ID or actor-type:NAME"
        raise DataFileError(LABEL, msg, field="scope")
    if not ref:
        raise DataFileError(LABEL, f"{raw!r}: the {kind} reference is empty", field="scope")
    if kind == "admin":
        ref = ref.upper()
        if not _PCODE.match(ref):
            msg = f"{ref!r} is not a Mali P-code (ML + 2, 4 or 6 digits, e.g. ML07 or ML0701)"
            raise DataFileError(LABEL, msg, field="scope")
    elif kind == "actor-type":
        ref = ref.lower()
        if ref not in ACTOR_TYPES:
            msg = (
                f"{ref!r} is not a kind of actor (positions never name a person or a group); "
                f"use one of {', '.join(ACTOR_TYPES)}"
            )
            raise DataFileError(LABEL, msg, field="scope")
    elif kind == "locality":
        if len(ref) > 80:
            raise DataFileError(LABEL, "locality reference longer than 80 characters", field="scope")
    elif not _ID.match(ref):
        msg = f"{ref!r} is not a valid {kind} id (letters, digits, '.', '_', '-')"
        raise DataFileError(LABEL, msg, field="scope")
    return Scope(kind, ref)


def _curated_ids(seed_dir: Path | None, name: str, column: str) -> set[str]:
    path = Path(seed_dir or CURATED_DIR) / name
    if not path.exists():
        return set()
    return set(pd.read_csv(path, dtype=str, usecols=[column])[column].dropna().str.strip())


def validate_scope(
    scope: Scope,
    *,
    conn: sqlite3.Connection | None = None,
    data_dir: Path | None = None,
    seed_dir: Path | None = CURATED_DIR,
) -> Scope:
    """Check that a scope's place exists.

    Axes and crossings are checked against ``axes.csv``/``crossings.csv`` of ``seed_dir``
    always; P-codes against the admin layers (levels 1-3) and localities against the
    localities layer when ``data_dir`` is given; a locality recorded in the constraints
    store (``conn``) or in the curated ``encircled.csv`` of ``seed_dir`` is accepted by name.

    Raises
    ------
    DataFileError
        Field ``scope``: unknown axis, crossing, P-code or locality.
    """
    if scope.kind == "axis" and scope.ref not in _curated_ids(seed_dir, "axes.csv", "axis_id"):
        msg = Keyed(
            f"unknown axis {scope.ref!r} (see data/curated/axes.csv)", "err.unknown_axis", id=repr(scope.ref)
        )
        raise DataFileError(LABEL, msg, field="scope")
    if scope.kind == "crossing" and scope.ref not in _curated_ids(seed_dir, "crossings.csv", "crossing_id"):
        msg = f"unknown crossing {scope.ref!r} (see data/curated/crossings.csv)"
        raise DataFileError(LABEL, Keyed(msg, "err.unknown_crossing", id=repr(scope.ref)), field="scope")
    if scope.kind == "admin" and data_dir is not None:
        from geo.sources.admin import load_admin

        level = {4: 1, 6: 2, 8: 3}[len(scope.ref)]
        if scope.ref not in set(load_admin(Path(data_dir), level)["pcode"]):
            msg = f"unknown admin{level} P-code {scope.ref!r} in the boundaries of {data_dir}"
            msg = Keyed(
                msg, "err.pos.unknown_pcode", level=level, pcode=repr(scope.ref), folder=str(data_dir)
            )
            raise DataFileError(LABEL, msg, field="scope")
    if scope.kind == "locality":
        if conn is not None and _store_localities(conn) & {scope.ref}:
            return scope
        if scope.ref in _curated_ids(seed_dir, "encircled.csv", "locality"):
            return scope  # a curated encirclement (the store's seed), even before the store holds it
        if data_dir is not None:
            from geo.sources.places import load_places

            if scope.ref not in set(load_places(Path(data_dir)).index.astype(str)):
                msg = f"unknown locality {scope.ref!r}: not a place id of {data_dir}, nor a recorded locality"
                msg = Keyed(msg, "err.pos.unknown_locality", name=repr(scope.ref), folder=str(data_dir))
                raise DataFileError(LABEL, msg, field="scope")
        elif not _ID.match(scope.ref):
            msg = f"unknown locality {scope.ref!r} (give a data folder to check place ids)"
            msg = Keyed(msg, "err.pos.unknown_locality_no_data", name=repr(scope.ref))
            raise DataFileError(LABEL, msg, field="scope")
    return scope


def _store_localities(conn: sqlite3.Connection) -> set[str]:
    if "constraint_encircled" not in dialect_of(conn).table_names(conn):  # no constraints component
        return set()
    return {r[0] for r in conn.execute("SELECT DISTINCT locality FROM constraint_encircled")}


def check_motivations(refs: list[str] | tuple[str, ...], conn: sqlite3.Connection) -> list[str]:
    """Check motivating references: ``road:VERSION``, ``encircled:EPISODE``, ``incident:ID``.

    Each must exist in the store (road-status version, encirclement episode, incident).

    Raises
    ------
    DataFileError
        Field ``motivated_by``: malformed or unknown reference.
    """
    out: list[str] = []
    for raw in refs:
        ref = _clean(raw, "motivated_by", multiline=False, limit=MAX_SHORT)
        m = _REF.match(ref)
        if m is None:
            msg = f"{ref!r}: expected road:VERSION, encircled:EPISODE or incident:ID"
            raise DataFileError(LABEL, msg, field="motivated_by")
        kind, key = m.group(1), m.group(2).strip()
        table, column = {
            "road": ("constraint_road_status", "version_id"),
            "encircled": ("constraint_encircled", "episode_id"),
            "incident": ("incidents", "incident_id"),
        }[kind]
        if kind == "road" and not key.isdigit():
            raise DataFileError(LABEL, f"{ref!r}: a road-status version is a number", field="motivated_by")
        found = None
        if table in dialect_of(conn).table_names(conn):  # the component may not be in this store
            query = f"SELECT 1 FROM {table} WHERE {column} = ?"
            found = conn.execute(query, (int(key) if kind == "road" else key,)).fetchone()
        if found is None:
            raise DataFileError(LABEL, f"{ref!r} is not in the store", field="motivated_by")
        if f"{kind}:{key}" not in out:
            out.append(f"{kind}:{key}")
    return out


def _check_topic(topic: str) -> str:
    t = _clean(topic, "topic", multiline=False, limit=MAX_SHORT).lower()
    if t not in TOPICS:
        raise DataFileError(LABEL, f"{t!r} is not one of {', '.join(TOPICS)}", field="topic")
    return t


def _check_visibility(value: str) -> str:
    v = _clean(value, "visibility", multiline=False, limit=MAX_SHORT).lower()
    if v not in VISIBILITIES:
        raise DataFileError(LABEL, f"{v!r} is not one of {', '.join(VISIBILITIES)}", field="visibility")
    return v


def _check_date(value: dt.date | str | None, floor: str | None) -> str:
    if value is None:
        day = dt.datetime.now(dt.UTC).date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise DataFileError(LABEL, f"{value!r} is not a date YYYY-MM-DD", field="meeting_date") from None
    if day > dt.datetime.now(dt.UTC).date():
        raise DataFileError(LABEL, f"{day} is in the future", field="meeting_date")
    if floor and day.isoformat() < floor:
        msg = f"{day} is before the position's previous step ({floor})"
        raise DataFileError(LABEL, msg, field="meeting_date")
    return day.isoformat()


# ---------------------------------------------------------------------------- store access


def open_store(store_path: Path | str) -> sqlite3.Connection:
    """Open (create) the store and make sure the ``positions`` table exists.

    Raises
    ------
    StoreError
        Not one of our stores, or the positions schema is newer than this program's.
    """
    conn = connect(store_path)
    try:
        ensure_component(conn, COMPONENT, migrations)
    except BaseException:
        conn.close()
        raise
    return conn


def _last(conn: sqlite3.Connection, position_id: int) -> sqlite3.Row | None:
    return conn.execute(
        f"SELECT * FROM {EVENTS_TABLE} WHERE position_id = ? ORDER BY event_id DESC LIMIT 1",
        (int(position_id),),
    ).fetchone()


def _insert(conn: sqlite3.Connection, row: dict[str, object]) -> int:
    return insert_row(conn, EVENTS_TABLE, row, "event_id")


def add_position(
    store_path: Path | str,
    *,
    scope: str,
    topic: str,
    text_fr: str,
    text_en: str,
    visibility: str,
    recorded_by: str,
    motivated_by: list[str] | tuple[str, ...] = (),
    meeting_ref: str = "",
    meeting_date: dt.date | str | None = None,
    data_dir: Path | None = None,
    seed_dir: Path | None = CURATED_DIR,
) -> StepResult:
    """Record a new position as a ``draft``.

    Parameters
    ----------
    store_path
        Project store.
    scope
        See :func:`parse_scope`; checked with :func:`validate_scope`.
    topic
        A key of :data:`TOPICS`.
    text_fr, text_en
        The position in French and English (required, at most :data:`MAX_TEXT` characters;
        stored exactly as given, escaped only where it is shown).
    visibility
        ``restricted`` (internal) or ``public`` (may reach public snapshots once endorsed).
    recorded_by
        Who records it.
    motivated_by
        References ``road:VERSION``, ``encircled:EPISODE``, ``incident:ID`` in the store.
    meeting_ref, meeting_date
        Optional for a draft; the date defaults to today (UTC), never in the future.
    data_dir, seed_dir
        See :func:`validate_scope`.

    Returns
    -------
    StepResult
        With the new ``position_id``.

    Raises
    ------
    DataFileError
        Invalid input, naming the field; nothing is written.
    StoreError
        Store not ours or newer schema.
    """
    fields = {
        "topic": _check_topic(topic),
        "text_fr": _clean(text_fr, "text_fr", multiline=True, limit=MAX_TEXT),
        "text_en": _clean(text_en, "text_en", multiline=True, limit=MAX_TEXT),
        "visibility": _check_visibility(visibility),
        "meeting_ref": _clean(meeting_ref, "meeting_ref", multiline=False, limit=MAX_SHORT, required=False),
        "recorded_by": _clean(recorded_by, "recorded_by", multiline=False, limit=MAX_SHORT),
        "meeting_date": _check_date(meeting_date, None),
    }
    parsed = parse_scope(scope)
    conn = open_store(store_path)
    try:
        validate_scope(parsed, conn=conn, data_dir=data_dir, seed_dir=seed_dir)
        with transaction(conn):
            refs = check_motivations(list(motivated_by), conn)
            pid = int(
                conn.execute(f"SELECT coalesce(max(position_id), 0) + 1 FROM {EVENTS_TABLE}").fetchone()[0]
            )
            now = _utc_now()
            eid = _insert(
                conn,
                {
                    "position_id": pid,
                    "action": "add",
                    "status": "draft",
                    "scope": str(parsed),
                    "motivated_by": json.dumps(refs, ensure_ascii=False),
                    "recorded_at": now,
                    **fields,
                },
            )
    finally:
        conn.close()
    logger.info("positions: #%d drafted (%s, %s) by %s", pid, parsed, fields["topic"], fields["recorded_by"])
    return StepResult(pid, "draft", eid, now)


def record_step(
    store_path: Path | str,
    position_id: int,
    action: str,
    *,
    meeting_ref: str,
    recorded_by: str,
    meeting_date: dt.date | str | None = None,
    text_fr: str | None = None,
    text_en: str | None = None,
    scope: str | None = None,
    visibility: str | None = None,
    motivated_by: list[str] | tuple[str, ...] | None = None,
    data_dir: Path | None = None,
    seed_dir: Path | None = CURATED_DIR,
) -> StepResult:
    """Move a position one step: ``propose``, ``endorse``, ``revise`` or ``retire``.

    Parameters
    ----------
    store_path
        Project store.
    position_id
        The position.
    action
        A key of :data:`TRANSITIONS`; it must be allowed from the current status.
    meeting_ref
        Required: the meeting that decided the step (e.g. "HAWG 2025-11-12", "HCT 14/2025").
    recorded_by
        Who records it.
    meeting_date
        Date of the meeting (default today, UTC); not in the future, not before the
        position's previous step.
    text_fr, text_en, scope, visibility, motivated_by
        Only with ``revise`` (None keeps the current value); a revision must change at
        least one of them.
    data_dir, seed_dir
        See :func:`validate_scope` (for a new scope).

    Returns
    -------
    StepResult

    Raises
    ------
    DataFileError
        Unknown position (field ``id``), step not allowed from the current status (field
        ``status``), or invalid input naming the field; nothing is written.
    """
    if action not in TRANSITIONS:
        raise DataFileError(LABEL, f"{action!r} is not one of {', '.join(TRANSITIONS)}", field="action")
    changes = {"text_fr": text_fr, "text_en": text_en, "scope": scope, "visibility": visibility}
    if action != "revise" and (motivated_by is not None or any(v is not None for v in changes.values())):
        raise DataFileError(
            LABEL, f"only a revision changes a position's content, not {action!r}", field=action
        )
    meeting = _clean(meeting_ref, "meeting_ref", multiline=False, limit=MAX_SHORT)
    who = _clean(recorded_by, "recorded_by", multiline=False, limit=MAX_SHORT)
    new: dict[str, object] = {}
    if text_fr is not None:
        new["text_fr"] = _clean(text_fr, "text_fr", multiline=True, limit=MAX_TEXT)
    if text_en is not None:
        new["text_en"] = _clean(text_en, "text_en", multiline=True, limit=MAX_TEXT)
    if visibility is not None:
        new["visibility"] = _check_visibility(visibility)
    parsed = parse_scope(scope) if scope is not None else None
    conn = open_store(store_path)
    try:
        if parsed is not None:
            new["scope"] = str(validate_scope(parsed, conn=conn, data_dir=data_dir, seed_dir=seed_dir))
        with transaction(conn):
            last = _last(conn, position_id)
            if last is None:
                raise DataFileError(LABEL, f"no position {position_id}", field="id")
            before = str(last["status"])
            after = TRANSITIONS[action].get(before)
            if after is None:
                allowed = ", ".join(TRANSITIONS[action])
                msg = f"position {position_id} is {before}; {action} is allowed only from: {allowed}"
                raise DataFileError(LABEL, msg, field="status")
            if motivated_by is not None:
                new["motivated_by"] = json.dumps(
                    check_motivations(list(motivated_by), conn), ensure_ascii=False
                )
            if action == "revise" and all(last[k] == v for k, v in new.items()):
                msg = f"position {position_id}: the revision changes nothing (new text, scope or visibility?)"
                raise DataFileError(LABEL, msg, field="revise")
            row = {k: last[k] for k in ("scope", "topic", "text_fr", "text_en", "visibility", "motivated_by")}
            row.update(new)
            now = _utc_now()
            eid = _insert(
                conn,
                {
                    "position_id": int(position_id),
                    "action": action,
                    "status": after,
                    **row,
                    "meeting_ref": meeting,
                    "meeting_date": _check_date(meeting_date, str(last["meeting_date"])),
                    "recorded_by": who,
                    "recorded_at": now,
                },
            )
    finally:
        conn.close()
    logger.info("positions: #%d %s -> %s (%s) by %s", position_id, before, after, meeting, who)
    return StepResult(int(position_id), after, eid, now)


def propose(store_path: Path | str, position_id: int, **kw: object) -> StepResult:
    """HAWG proposes a draft or a revision (:func:`record_step` with ``propose``)."""
    return record_step(store_path, position_id, "propose", **kw)  # type: ignore[arg-type]


def endorse(store_path: Path | str, position_id: int, **kw: object) -> StepResult:
    """HCT endorses a proposed position (:func:`record_step` with ``endorse``)."""
    return record_step(store_path, position_id, "endorse", **kw)  # type: ignore[arg-type]


def revise(store_path: Path | str, position_id: int, **kw: object) -> StepResult:
    """Change text, scope or visibility (:func:`record_step` with ``revise``)."""
    return record_step(store_path, position_id, "revise", **kw)  # type: ignore[arg-type]


def retire(store_path: Path | str, position_id: int, **kw: object) -> StepResult:
    """Withdraw a position for good (:func:`record_step` with ``retire``)."""
    return record_step(store_path, position_id, "retire", **kw)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- reading


def _events(store_path: Path | str, position_id: int | None = None) -> pd.DataFrame:
    if not store_exists(store_path):
        rows: list[sqlite3.Row] = []
    else:
        conn = open_store(store_path)
        try:
            sql = f"SELECT * FROM {EVENTS_TABLE}"
            params: tuple = ()
            if position_id is not None:
                sql, params = sql + " WHERE position_id = ?", (int(position_id),)
            rows = conn.execute(sql + " ORDER BY event_id", params).fetchall()
        finally:
            conn.close()
    cols = [
        "event_id",
        "position_id",
        "action",
        "status",
        "scope",
        "topic",
        "text_fr",
        "text_en",
        "visibility",
        "motivated_by",
        "meeting_ref",
        "meeting_date",
        "recorded_by",
        "recorded_at",
    ]
    df = pd.DataFrame([tuple(r[c] for c in cols) for r in rows], columns=cols, dtype=object)
    df["motivated_by"] = df["motivated_by"].map(lambda s: "; ".join(json.loads(s)) if s else "")
    for c in ("event_id", "position_id"):
        df[c] = df[c].astype("int64")
    return df


def position_history(store_path: Path | str, position_id: int) -> pd.DataFrame:
    """Every step of one position, oldest first (columns of ``position_events``).

    Raises
    ------
    DataFileError
        Field ``id``: no such position.
    """
    hist = _events(store_path, position_id)
    if hist.empty:
        raise DataFileError(LABEL, f"no position {position_id}", field="id")
    return hist


def current_positions(store_path: Path | str, *, status: str | None = None) -> pd.DataFrame:
    """Return the register: every position in its latest state, by id.

    Parameters
    ----------
    store_path
        Project store (a missing file gives an empty register).
    status
        Only this status (one of :data:`STATUSES`).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: ``id``, the state after the latest step (``meeting_ref``,
        ``meeting_date``, ``recorded_by``, ``recorded_at`` are those of the latest step),
        ``created`` (date of the draft) and ``endorsed`` (date of the latest HCT
        endorsement, "" if never endorsed). ``motivated_by`` is "; "-joined.

    Raises
    ------
    DataFileError
        Field ``status``: unknown status.
    """
    if status is not None and status not in STATUSES:
        raise DataFileError(LABEL, f"{status!r} is not one of {', '.join(STATUSES)}", field="status")
    ev = _events(store_path)
    if ev.empty:
        return pd.DataFrame(columns=COLUMNS)
    last = ev.groupby("position_id").tail(1).set_index("position_id")
    created = ev[ev["action"] == "add"].set_index("position_id")["meeting_date"]
    endorsed = ev[ev["action"] == "endorse"].groupby("position_id")["meeting_date"].last()
    out = last.assign(
        created=created.reindex(last.index).fillna(""), endorsed=endorsed.reindex(last.index).fillna("")
    )
    out = out.reset_index().rename(columns={"position_id": "id"})[COLUMNS]
    if status is not None:
        out = out[out["status"] == status]
    return out.reset_index(drop=True)


def public_positions(register: pd.DataFrame) -> pd.DataFrame:
    """Keep what may be published: HCT-endorsed positions marked public, with their public fields.

    A restricted, draft, proposed, revised (pending re-endorsement) or retired position
    never passes. Fields: :data:`PUBLIC_COLUMNS` (no motivation, no recorder).
    """
    keep = (register["status"] == "endorsed") & (register["visibility"] == "public")
    out = register.loc[keep.to_numpy()].rename(columns={"id": "position_id"})[PUBLIC_COLUMNS].copy()
    return out.reset_index(drop=True)


#: Fields of a public position (snapshots): no motivating records, no names of recorders.
PUBLIC_COLUMNS = ["position_id", "scope", "topic", "text_fr", "text_en", "endorsed", "meeting_ref"]


def covers(scope: str, *, axes: set[str] = frozenset(), pcodes: set[str] = frozenset(),
           localities: set[str] = frozenset(), crossings: set[str] = frozenset()) -> bool:  # fmt: skip
    """Whether a position's scope applies to any of the given places.

    ``country`` and ``actor-type:...`` apply everywhere; ``admin:PCODE`` applies to that
    unit and every unit inside it (P-codes by prefix) and to any place whose P-code is
    given; ``axis``/``crossing``/``locality`` to that item.
    """
    kind, _, ref = scope.partition(":")
    if kind in ("country", "actor-type"):
        return True
    if kind == "admin":
        return any(p.startswith(ref) or ref.startswith(p) for p in pcodes)
    return ref in {"axis": axes, "crossing": crossings, "locality": localities}.get(kind, set())


def applicable(
    register: pd.DataFrame,
    *,
    axes: set[str] = frozenset(),
    pcodes: set[str] = frozenset(),
    localities: set[str] = frozenset(),
    crossings: set[str] = frozenset(),
    include_retired: bool = False,
) -> pd.DataFrame:
    """Rows of ``register`` whose scope applies to the places in view (:func:`covers`).

    ``pcodes`` should hold the P-codes of the admin units in view at every level (a
    position on a region applies to its cercles and communes, a position on a commune
    applies to its region when the region is in view). Retired positions are dropped
    unless ``include_retired``.
    """
    if register.empty:
        return register.copy()
    keep = register["scope"].map(
        lambda s: covers(
            s, axes=set(axes), pcodes=set(pcodes), localities=set(localities), crossings=set(crossings)
        )
    )
    if not include_retired:
        keep &= register["status"] != "retired"
    return register[keep.to_numpy()].reset_index(drop=True)


def _months_before(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last_day = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(day.day, last_day))


def review(
    register: pd.DataFrame,
    *,
    axis_status: pd.DataFrame,
    episodes: pd.DataFrame,
    as_of: dt.date,
    months: int = 6,
    axis_names: dict[str, str] | None = None,
    axis_areas: dict[str, set[str]] | None = None,
    area_names: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Gaps in the register on ``as_of``.

    Parameters
    ----------
    register
        :func:`current_positions`.
    axis_status
        Status per axis in force on ``as_of`` (:func:`geo.store.constraints.effective_road_status`,
        indexed by ``axis_id``).
    episodes
        Encirclement episodes with ``in_force`` on ``as_of``
        (:func:`geo.store.constraints.effective_encircled`), with ``locality`` and ``adm3_pcode``.
    as_of
        Date of the constraints, and the reference date for staleness.
    months
        A position not stepped for this many months is listed as due for review.
    axis_names
        Axis id -> name, for the listing.
    axis_areas
        Axis id -> P-codes of the cercles (admin2) it crosses
        (:func:`geo.products.positions_map.axis_areas`); None lists no ``area`` rows for axes.
    area_names
        Cercle P-code -> name, for the listing.

    Returns
    -------
    tuple of pandas.DataFrame
        ``uncovered``: ``kind`` {axis, locality, area}, ``ref``, ``name``, ``constraint`` (e.g.
        ``closed``, ``encircled``; for an area, its constraints in force as
        ``closed: AXIS; encircled: LOCALITY``), ``adm3_pcode``; one row per axis closed or
        constrained and per encircled locality in force that no *endorsed* position covers,
        and one per cercle (admin2) holding such a constraint that no endorsed position on
        the cercle, its region or the whole country covers (a position on one axis or
        commune does not cover the whole cercle). A ``country`` position covers everything;
        ``actor-type`` positions cover no place.
        ``stale``: the :data:`COLUMNS` of positions not retired whose latest step is
        older than ``months`` months before ``as_of``, with ``months_since`` (float).
    """
    endorsed = register[register["status"] == "endorsed"]
    scopes = [s for s in endorsed["scope"] if not s.startswith("actor-type:")]
    names = axis_names or {}
    rows = []
    active = axis_status[axis_status["status"].isin(["closed", "constrained"])]
    for axis_id, rec in active.iterrows():
        if not any(covers(s, axes={str(axis_id)}) for s in scopes):
            rows.append(("axis", str(axis_id), names.get(str(axis_id), ""), str(rec["status"]), ""))
    if len(episodes):
        live = episodes[episodes["in_force"].astype(bool)].drop_duplicates("locality")
        for _, rec in live.iterrows():
            pcode = rec.get("adm3_pcode") or ""
            pcodes = {pcode} if pcode else set()
            if not any(covers(s, localities={str(rec["locality"])}, pcodes=pcodes) for s in scopes):
                rows.append(("locality", str(rec["locality"]), str(rec["locality"]), "encircled", pcode))
    # areas: the cercles holding a constraint in force, by the cercle's P-code
    in_area: dict[str, list[str]] = {}
    for axis_id, rec in active.iterrows():
        for pcode in sorted((axis_areas or {}).get(str(axis_id), set())):
            in_area.setdefault(pcode, []).append(f"{rec['status']}: {axis_id}")
    if len(episodes):
        for _, rec in live.iterrows():
            pcode = str(rec.get("adm3_pcode") or "")
            if len(pcode) >= 6:
                in_area.setdefault(pcode[:6], []).append(f"encircled: {rec['locality']}")

    def area_covered(pcode: str) -> bool:
        for s in scopes:
            kind, _, ref = s.partition(":")
            if kind == "country" or (kind == "admin" and pcode.startswith(ref)):
                return True
        return False

    for pcode in sorted(in_area):
        if not area_covered(pcode):
            rows.append(("area", pcode, (area_names or {}).get(pcode, ""), "; ".join(in_area[pcode]), ""))
    uncovered = pd.DataFrame(rows, columns=["kind", "ref", "name", "constraint", "adm3_pcode"])
    limit = _months_before(as_of, months).isoformat()
    live_reg = register[register["status"] != "retired"]
    stale = live_reg[live_reg["meeting_date"] < limit].copy()
    stale["months_since"] = [
        round((as_of - dt.date.fromisoformat(d)).days / 30.44, 1) for d in stale["meeting_date"]
    ]
    return uncovered, stale.reset_index(drop=True)


def topic_label(topic: str, lang: str) -> str:
    """Label of a topic in ``fr`` or ``en`` (the code itself when unknown)."""
    return TOPICS.label(topic, lang)


def status_label(status: str, lang: str) -> str:
    """Label of a status in ``fr`` or ``en`` (:data:`geo.vocab.POSITION_STATUS`)."""
    return STATUSES.label(status, lang)


def visibility_label(visibility: str, lang: str) -> str:
    """Label of a visibility in ``fr`` or ``en`` (:data:`geo.vocab.POSITION_VISIBILITY`)."""
    return VISIBILITIES.label(visibility, lang)


def scope_label(scope: str, lang: str, names: dict[str, str] | None = None) -> str:
    """Readable scope: ``axis:RN16-SEV-DOU`` -> "Axe Sévaré - Douentza"; actor types by their label.

    Parameters
    ----------
    scope
        A stored scope (``kind`` or ``kind:ref``).
    lang
        ``fr`` or ``en``.
    names
        Optional scope -> place name (e.g. from :func:`geo.products.positions_map.locate`),
        printed instead of the reference: "Axe Sévaré - Douentza". Without a name the
        reference is printed: "Axe RN16-SEV-DOU".
    """
    kind, _, ref = scope.partition(":")
    head = SCOPE_KINDS.label(kind, lang)
    if kind == "country":
        return head
    if kind == "actor-type" and ref in ACTOR_TYPES:
        colon = "\u202f:" if lang == "fr" else ":"  # French: a narrow no-break space before the colon
        return f"{head}{colon} {ACTOR_TYPES.label(ref, lang)}"
    name = str((names or {}).get(scope, "") or "").strip()
    return f"{head} {name or ref}"


def state_version(store_path: Path | str) -> str:
    """Token that changes on every write (cache key): ``<max event id>.<count>``, or ``absent``."""
    if not store_exists(store_path):
        return "absent"
    with store_errors(store_path):
        try:
            conn = connect(store_path, create=False)
        except StoreError:
            if is_server_url(store_path):  # a database without store tables yet
                return "empty"
            raise
        try:
            if EVENTS_TABLE not in dialect_of(conn).table_names(conn):
                return "empty"
            row = conn.execute(f"SELECT coalesce(max(event_id), 0), count(*) FROM {EVENTS_TABLE}").fetchone()
        finally:
            conn.close()
    return f"{row[0]}.{row[1]}"


__all__ = [
    "ACTOR_TYPES",
    "COLUMNS",
    "PUBLIC_COLUMNS",
    "SCOPE_KINDS",
    "STATUSES",
    "TOPICS",
    "TRANSITIONS",
    "VISIBILITIES",
    "Scope",
    "StepResult",
    "add_position",
    "applicable",
    "check_motivations",
    "covers",
    "current_positions",
    "endorse",
    "open_store",
    "parse_scope",
    "position_history",
    "propose",
    "public_positions",
    "record_step",
    "retire",
    "review",
    "revise",
    "scope_label",
    "state_version",
    "status_label",
    "topic_label",
    "validate_scope",
    "visibility_label",
]


def register_csv(frame: pd.DataFrame) -> str:
    """Return the register as CSV (:func:`geo.tables.csv_text`) with ``id`` tagged as the position code.

    The register's ``id`` column carries the HXL hashtag of ``position_id``; every other
    column takes its hashtag from :data:`geo.tables.HXL_TAGS`.
    """
    head, _tags, body = table_csv(frame).split("\n", 2)
    tags = ",".join(hxl_tag("position_id" if c == "id" else c) for c in frame.columns)
    return f"{head}\n{tags}\n{body}"
