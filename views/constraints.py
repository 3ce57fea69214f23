"""Constraints: record road status, crossing status and encircled localities, see history and reach impact.

Records are dated, audited and append-only. Every save goes to the shared store; other
sessions see it on their next interaction (the cached loaders are keyed on the store's
state token).
"""

import time

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products.change_text import band_change_lines
from geo.products.i18n import recorder_label
from geo.products.staleness import CONFIRMED_STATUSES, days_unconfirmed, episode_confirmed
from geo.sources.curated import crossing_label, real_crossings
from geo.sources.places import fold_name
from geo.store import constraints
from geo.vocab import CAUSE, CONFIDENCE, ENCIRCLED_STATUS, ROAD_STATUS, crossing_agreement, road_status_label
from layers.basemap import Legend, fit_features, make_map
from layers.encircled import build_encircled_layer, unconfirmed_in_force
from layers.incidents import build_admin_outlines
from layers.live import live_legend_entries
from layers.places import build_towns_layer
from layers.roads import build_crossings_layer, build_roads_layer
from layers.symbols import add_symbol_css
from views import auth, common
from views.common import t

AXES, CROSSINGS, LOCALITIES = "axes", "crossings", "localities"
NEW = "__new__"  # choice of a new locality or episode in the selectors (shown as "Nouvelle localité")
#: Where a new encircled locality comes from: the gazetteer (searched), or a point typed for a
#: place in no gazetteer.
GAZETTEER, FREE_POINT = "gazetteer", "point"
#: Localities named around a picked gazetteer locality on its preview map: within this many km,
#: at most this many (:func:`nearby_places`).
NEARBY_KM, NEARBY_MOST = 25.0, 12
#: Session key of a ``(locality, episode id or None)`` to select on the next run: the one just
#: saved, or a recorded locality found again in the gazetteer.
SAVED_LOCALITY = "_constraints_saved_locality"
#: Columns shown as vocabulary labels, by the vocabulary that spells them.
VOCAB_COLUMNS = {
    "status": ROAD_STATUS,
    "cause": CAUSE,
    "confidence": CONFIDENCE,
    "coord_confidence": CONFIDENCE,
}


def shown(
    table: pd.DataFrame,
    columns: list[str],
    *,
    status_vocab=ROAD_STATUS,  # noqa: ANN001
    numbers: dict[int, int] | None = None,
    agreement: pd.Series | str | None = None,
) -> pd.DataFrame:
    """Return ``columns`` of a version table as the page shows them: labels, never codes or ``None``.

    ``numbers`` (:func:`numbering`) shows each item's own version numbers instead of store ids.
    ``agreement`` (a crossing's French gender and number, ``geo.vocab.crossing_agreement``: one
    for every row, or a Series aligned with ``table``) makes road statuses agree ("Fermé" for a
    bridge, "Fermés" for ferries); None: the roads' own (feminine) labels.

    Vocabulary codes become their labels in the session's language, yes/no columns words,
    and headers come from the catalogs (``cons.col.<name>``).
    """
    lang = common.lang()
    out = table[[c for c in columns if c in table.columns]].copy()
    for c in out.columns:
        vocab = status_vocab if c == "status" else VOCAB_COLUMNS.get(c)
        if c == "status" and status_vocab is ROAD_STATUS and agreement is not None:
            agree = agreement if isinstance(agreement, pd.Series) else pd.Series(agreement, index=out.index)
            out[c] = [
                road_status_label(v, lang, a) if v in ROAD_STATUS else ("" if pd.isna(v) else str(v))
                for v, a in zip(out[c], agree.reindex(out.index).fillna("m"), strict=True)
            ]
        elif vocab is not None:
            out[c] = [vocab.label(v, lang) if v in vocab else ("" if pd.isna(v) else str(v)) for v in out[c]]
        elif c in ("public", "in_force"):
            out[c] = [t("common.yes") if bool(v) else t("common.no") for v in out[c]]
        elif c in ("valid_from", "valid_to", "since", "until", "last_confirmed", "recorded_at"):
            out[c] = [common.date_text(v) for v in out[c]]
        elif c == "kind":
            out[c] = [
                t(f"cons.kind_{v}") if v in ("bridge", "ferry", "pirogue", "ford") else v for v in out[c]
            ]
        elif c in ("escort_kmh", "radius_km"):
            out[c] = [common.num(float(v), decimals=0 if float(v).is_integer() else 1) if pd.notna(v) else ""
                      for v in out[c]]  # fmt: skip
        elif c == "source":  # the sources' titles (sources.csv), not their keys
            out[c] = [common.source_text(v) for v in out[c]]
        elif c == "recorded_by":  # the curated seed's recorder in words ("données initiales")
            out[c] = [recorder_label(v, lang) for v in out[c]]
        elif c in ("version_id", "superseded_by", "supersedes"):
            out[c] = [str((numbers or {}).get(int(v), int(v))) if pd.notna(v) else "" for v in out[c]]
    return common.labelled(out, "cons.col")


def unconfirmed_text(table: pd.DataFrame, as_of: object, *, encirclements: bool = False) -> list[str]:
    """Return the "Confirmation" cell of each row: ``⚠ Non confirmé depuis 245 jours`` or empty.

    The live and print maps' rule (:mod:`geo.products.staleness`, ``Settings.stale_days``):
    a closed or constrained axis or crossing is confirmed on its ``valid_from``, an episode
    in force on its ``last_confirmed``, else its ``since``; a row
    confirmed more than ``stale_days`` days before ``as_of`` gives the days since, others
    (fresh, open, not in force) nothing.

    Parameters
    ----------
    table
        Statuses in force (``status``, ``valid_from``) or episodes (``in_force``,
        ``last_confirmed``, ``since``).
    as_of
        The page's date (``datetime.date``).
    encirclements
        ``table`` holds encirclement episodes (else axes' or crossings' statuses).
    """
    stale_days = common.settings().stale_days
    cells = []
    for _, row in table.iterrows():
        if encirclements:
            confirmed = episode_confirmed(row["last_confirmed"], row["since"]) if row["in_force"] else None
        else:
            confirmed = row["valid_from"] if row["status"] in CONFIRMED_STATUSES else None
        days = days_unconfirmed(confirmed, as_of, stale_days)
        cells.append(
            "" if days is None else "⚠\u00a0" + common.tn("cons.unconfirmed_days", days)
        )  # kept with its words
    return cells


def numbering(kind: str) -> dict[int, int]:
    """Return store version id -> the item's own version number (1, 2, 3) for one kind of item.

    The numbers people see on this page and in the command line
    (:func:`geo.store.constraints.version_numbers`); store ids run across all items.
    """
    history = {
        "axis": constraints.road_status_history,
        "crossing": constraints.crossing_status_history,
        "episode": constraints.encircled_history,
    }[kind](store)
    return constraints.version_numbers(history, constraints.ITEM_TABLES[kind][1])


def axis_name(axes: pd.DataFrame, axis_id: str) -> str:
    """Return the readable name of a curated axis (``RN16 Sévaré–Douentza``), never its id alone."""
    if axis_id not in axes.index:
        return str(axis_id)
    return common.axis_label(axis_id, axes.at[axis_id, "axis_name"], axes.at[axis_id, "route_ref"])


def crossing_name(crossings: pd.DataFrame, crossing_id: str) -> str:
    """Return the name of a curated crossing with its river (``Bac de Korioumé (Niger)``)."""
    if crossing_id not in crossings.index:
        return str(crossing_id)
    return crossing_label(crossing_id, crossings.at[crossing_id, "name"], crossings.at[crossing_id, "river"])


def locality_choice(value: object) -> str:
    """Label of a locality choice: the name, or "➕ new locality" for :data:`NEW`."""
    return t("cons.new_locality") if value == NEW else str(value)


#: A gazetteer locality is a recorded one when their names match (accents and case aside) and
#: their points lie within this many degrees of each other (about 5 km in Mali).
SAME_PLACE_DEG = 0.05


def gazetteer_place(place_id: str) -> dict:
    """Return a gazetteer locality as the encirclement form uses it.

    Returns
    -------
    dict
        ``name``, ``lon``, ``lat`` (degrees, EPSG:4326, as :func:`views.common.place_choices`
        gives them), ``cercle`` and ``region`` (the gazetteer's admin names, "" when unknown).
    """
    choices = common.place_choices(folder)
    places = inputs.places

    def admin(column: str) -> str:
        value = places.at[place_id, column] if column in places.columns else None
        return str(value) if isinstance(value, str) else ""

    return {
        "name": str(choices.at[place_id, "name"]),
        "lon": float(choices.at[place_id, "lon"]),
        "lat": float(choices.at[place_id, "lat"]),
        "cercle": admin("adm2_name"),
        "region": admin("adm1_name"),
    }


def former_names() -> dict[str, str]:
    """Return place id -> the gazetteer's own spelling of the names corrected in ``place_names.csv``.

    So a search for ``Dialoube`` (the gazetteer's spelling) lists ``Dialloubé``, as the
    commands resolve it (``geo.sources.places.resolve_place``).
    """
    places = inputs.places
    if "source_name" not in places.columns:
        return {}
    former = places["source_name"].fillna("").astype(str)
    return former[former.str.strip() != ""].to_dict()


def show_place(place: dict) -> None:
    """Show a picked gazetteer locality: its name, cercle, region and point, and a map around it."""
    import folium

    from geo.config import DEFAULT_NO_ENTRY_RADIUS_KM

    st.markdown(
        t(
            "cons.gazetteer_place",
            name=md(place["name"]),
            cercle=md(place["cercle"] or "?"),
            region=md(place["region"] or "?"),
            lon=common.num(place["lon"], decimals=4),
            lat=common.num(place["lat"], decimals=4),
        )
    )
    preview = make_map(location=(place["lat"], place["lon"]), zoom_start=10)
    draw_context(preview, cercles=True, near=(place["lon"], place["lat"]))
    folium.Circle(
        (place["lat"], place["lon"]),
        radius=float(DEFAULT_NO_ENTRY_RADIUS_KM) * 1000.0,  # m: the form's default no-entry radius
        color="#c0392b",
        fill=True,
        fill_opacity=0.1,
        tooltip=t("cons.preview_radius", km=common.num(float(DEFAULT_NO_ENTRY_RADIUS_KM))),
    ).add_to(preview)
    folium.CircleMarker(
        (place["lat"], place["lon"]), radius=6, color="#c0392b", fill=True, tooltip=place["name"]
    ).add_to(preview)
    st_folium(preview, key="encircle_preview", height=320, width="stretch", returned_objects=[])


def nearby_places(lon: float, lat: float, *, km: float = NEARBY_KM, most: int = NEARBY_MOST) -> pd.DataFrame:
    """Return the gazetteer localities around a point to name on a map zoomed on it.

    :func:`geo.sources.places.places_around` of the model's localities (``name`` and
    points, ``WORK_CRS``); ``km`` radius, ``most`` localities at most.
    """
    from geo.sources.places import places_around

    return places_around(inputs.places, lon, lat, km=km, most=most)


def draw_context(m: object, *, cercles: bool, near: tuple[float, float] | None = None) -> None:
    """Draw on a map of this page what places a constraint: admin outlines, roads, crossings, towns.

    The live map's layers (``layers.*`` builders, with their symbols): region (and cercle)
    outlines, the curated axes by status in force, river crossings, encircled localities
    (a no-entry sign each) and the main towns named.

    Parameters
    ----------
    m
        The ``folium.Map`` drawn on.
    cercles
        Draw the cercles' outlines too (a map zoomed on a locality).
    near
        ``(lon, lat)`` in degrees (EPSG:4326): also name the gazetteer localities around it
        (:func:`nearby_places`); None: the main towns only.
    """
    import geopandas as gpd

    add_symbol_css(m)
    admin2 = common.admin(folder, 2) if cercles else None
    for group in build_admin_outlines(common.admin(folder, 1), admin2, lang=map_lang):
        group.add_to(m)
    build_roads_layer(
        inputs.roads,
        inputs.axes,
        axis_status,
        network=inputs.network,
        name=t("map.layer_roads"),
        lang=map_lang,
        **stale,
    ).add_to(m)
    build_crossings_layer(inputs.crossings, crossing_now, lang=map_lang, **stale).add_to(m)
    build_encircled_layer(encircled_now, lang=map_lang, **stale).add_to(m)
    towns = common.towns(folder)
    if near is not None:
        around = nearby_places(*near)
        towns = gpd.GeoDataFrame(
            pd.concat([towns[["name", "geometry"]], around], ignore_index=True),  # both in WORK_CRS
            geometry="geometry",
            crs=towns.crs,
        )
    build_towns_layer(towns, lang=map_lang).add_to(m)


def show_not_saved(exc: AccessMapError, item: str) -> None:
    """Say why a status was not saved, in one line; a copy of a version in force by its name.

    The store refuses a new version that repeats one in force word for word
    (``err.identical_version``): said as "repeats version n of <item>".
    """
    if getattr(exc, "key", None) == "err.identical_version":
        st.error(t("cons.same_version", n=exc.fields["n"], item=item))
    else:
        st.error(t("cons.not_saved", problem=common.error_text(exc, form_fields())))


def form_fields() -> dict[str, str]:
    """Field code of the engine -> its label on this page's forms (without the required mark)."""
    keys = {
        "locality": "cons.locality",
        "source": "cons.source",
        "recorded_by": "cons.recorded_by",
        "status": "cons.status",
        "since": "cons.since",
        "until": "cons.until",
        "valid_from": "cons.valid_from",
        "valid_to": "cons.valid_to",
        "lon": "cons.lon",
        "lat": "cons.lat",
        "radius_km": "cons.radius",
        "last_confirmed": "cons.last_confirmed",
    }
    return {code: t(key).removesuffix(" *").strip() for code, key in keys.items()}


def cercle_of(adm3_pcode: object) -> str:
    """Return the name of the cercle (admin2) holding the commune ``adm3_pcode``; "" when unknown."""
    communes = common.admin(folder, 3).set_index("pcode")["parent_pcode"]
    cercles = common.admin(folder, 2).set_index("pcode")["name"]
    parent = communes.get(str(adm3_pcode)) if isinstance(adm3_pcode, str) and adm3_pcode else None
    name = cercles.get(parent) if parent is not None else None
    return str(name) if isinstance(name, str) else ""


def episode_label(episode: pd.Series) -> str:
    """Return an encirclement episode as people name it, in the session's language (not escaped).

    ``Dioura (Ténenkou), depuis le 3 décembre 2026``: its locality, the cercle of its
    commune (left out when its P-code is unknown) and its start date written out
    (:func:`views.common.day`); the episode id (``Dioura@2026-12-03``) stays internal.

    Parameters
    ----------
    episode
        One row of :func:`geo.store.constraints.encircled_history` (``locality``,
        ``adm3_pcode``, ``since``).
    """
    cercle = cercle_of(episode.get("adm3_pcode"))
    since = common.day(episode["since"])
    if cercle:
        return t("cons.episode_label", locality=episode["locality"], cercle=cercle, date=since)
    return t("cons.episode_label_no_cercle", locality=episode["locality"], date=since)


common.init_state()
auth.require_role("advisor")  # before any data is loaded (views/auth.py)
st.title(t("cons.title"))
folder = str(common.guarded(common.data_dir))
store = common.store_path()
token = common.state_token()
versions = common.guarded(common.versions, str(store), token)
inputs = common.guarded(common.model_inputs, folder)
with st.sidebar:
    as_of = st.date_input(
        t("common.as_of"), key="as_of", help=t("cons.as_of_help"), format=common.date_format()
    )
axis_status, episodes = common.guarded(common.constraint_state, as_of)


def status_default(table: pd.DataFrame, item: object) -> int:
    """Index in ``ROAD_STATUS.codes`` of the status a form opens on: the item's status in force.

    An axis or crossing with no status in force (``unknown`` or not listed) opens on
    ``open``: a form never proposes a closure the advisor did not choose.

    Parameters
    ----------
    table
        Effective status on the as-of date (``geo.store.constraints.effective_road_status`` or
        ``effective_crossing_status``), indexed by item id, with ``status``.
    item
        The selected axis or crossing id.
    """
    status = table["status"].get(item) if "status" in table.columns else None
    if status not in ROAD_STATUS.codes or status == "unknown":
        status = "open"
    return ROAD_STATUS.codes.index(status)


def form_base(kind: str, item: str, head: int) -> int:
    """Return the version the open form is based on: the item's latest version when first shown.

    Kept in the session per item until a save succeeds or a conflict is shown, so a save
    names the version the advisor saw (optimistic check in ``geo.store.constraints``).
    """
    key = f"based_on_{kind}"
    held = st.session_state.get(key)
    if not held or held[0] != item:
        st.session_state[key] = (item, head)
    return int(st.session_state[key][1])


def form_key(name: str) -> str:
    """Return the key of the form ``name`` as drawn now: a new one after each save (:func:`clear_form`).

    Streamlit names a widget without a key after its form: a form drawn under a new key has
    new widgets, on their defaults, with no value set from the session state (which would
    make Streamlit warn of a widget given a value twice).
    """
    return f"{name}_{st.session_state.get(f'_{name}_saves', 0)}"


def clear_form(name: str) -> None:
    """Draw the form ``name`` empty on the next run (a save done: no second save of the same record).

    Its fields open again on their defaults: the source and note empty, the status the one
    now in force. A refused save keeps what was typed.
    """
    st.session_state[f"_{name}_saves"] = st.session_state.get(f"_{name}_saves", 0) + 1


def show_conflict(kind: str, exc: constraints.ConflictError, columns: list[str]) -> None:
    """Show a refused save and the newer version; the next save is based on that version."""
    st.error(t("cons.conflict", problem=md(exc)))
    cols = ["version_id", *columns, "recorded_by", "recorded_at"]
    newer = pd.DataFrame([{c: exc.current.get(c) for c in cols}])
    vocab = ENCIRCLED_STATUS if kind == "episode" else ROAD_STATUS
    common.wrapped_table(shown(newer, cols, status_vocab=vocab, numbers=numbering(kind)), "")
    st.session_state[f"based_on_{kind}"] = (exc.item, int(exc.current["version_id"]))


def report_impact(
    label: str,
    *,
    axis_id: str | None = None,
    episode_id: str | None = None,
    crossing_id: str | None = None,
) -> None:
    """Recompute the reach after a save and keep its cell-exact difference for the next run.

    The difference is ``geo.model.scenario.run_change`` (the one used by the Reachability
    page and ``python -m geo reach --scenario``): the as-of reach before the save (cached
    with its cells) against the state read back from the store, recomputing only the
    hubs the change can reach.
    """
    from geo.model.reach import base_state
    from geo.model.scenario import Scenario, run_change

    # the live map's bands (none ticked there: the defaults) and season
    hours = tuple(sorted(st.session_state["hours"] or common.DEFAULT_BANDS_H))
    season = st.session_state["season"]
    hubs = common.hubs_table()
    new_token = common.state_token()
    after_versions = common.versions(str(store), new_token)
    day = constraints.change_day(
        versions,
        after_versions,
        as_of=as_of,
        axis_id=axis_id,
        episode_id=episode_id,
        crossing_id=crossing_id,
    )
    before = common.reach_before(folder, day, hours, season, tuple(hubs.index), token)
    t0 = time.perf_counter()
    state = base_state(
        inputs,
        after_versions.road_status,
        after_versions.encircled,
        day,
        season=common.season_arg(season),
        crossing_versions=after_versions.crossing_status,
    )
    result = run_change(inputs, hubs, before, state, scenario=Scenario(name=label))
    seconds = time.perf_counter() - t0
    recomputed = result.changes.loc[result.changes["recomputed"], "hub"].drop_duplicates()
    # the last save's figures, kept for the session (the same tables as the Reachability page's)
    st.session_state["constraints_last_change"] = {"changes": result.changes, "localities": result.localities}
    if len(recomputed):
        head = t(
            "cons.saved",
            label=label,
            date=common.day(day),
            hubs=", ".join(recomputed),
            seconds=common.num(seconds, decimals=1),
        )
    else:  # no hub's reach can change: said plainly, not "recomputed for the hubs concerned (none)"
        head = t("cons.saved_no_hub", label=label, date=common.day(day))
    lines = band_change_lines(result, common.lang())
    lines = lines or ([t("cons.no_area_changed")] if len(recomputed) else [])
    # kept until the user moves on (views.common.notify), escaped here
    bullets = "\n".join(f"- {md(line)}" for line in lines)
    part = AXES if axis_id is not None else CROSSINGS if crossing_id is not None else LOCALITIES
    # shown under the form's button (where the user clicked), not at the top of the page
    common.notify("constraints", f"{md(head)}\n\n{bullets}".strip(), anchor=part)


# ------------------------------------------------------------------ map: click to pick an item
map_lang = common.lang()
stale = {"as_of": as_of, "stale_days": common.settings().stale_days}  # marks as on the live map
crossing_now = constraints.effective_crossing_status(versions, as_of)
encircled_now = common.guarded(common.encircled_with_population, folder, as_of)
#: Session key of the item a click on the map picked: selected on the next run, before the
#: selectors are drawn (the map is drawn last, once the page knows what it lists).
MAP_PICK = "_constraints_map_pick"
if (map_pick := st.session_state.pop(MAP_PICK, None)) is not None:
    st.session_state["constraints_kind"] = AXES if map_pick[0] == "axis" else LOCALITIES
    st.session_state[f"pick_{map_pick[0]}"] = map_pick[1]
map_slot = st.container()  # the map's place, at the top (draw_map)


def draw_map(records: object) -> None:
    """Draw the page's map in its place at the top, opened on ``records``; a click picks an item.

    Parameters
    ----------
    records
        Geometries of the records the page lists (the table of the part shown, any CRS):
        the map opens fitted to them (French trial: the whole country opened with the
        constraints piled up around Mopti), or on the whole of Mali when there are none.
    """
    m = make_map()
    fit_features(m, records, common.admin(folder, 1))
    draw_context(m, cercles=False)
    unconfirmed = unconfirmed_in_force(encircled_now, stale["as_of"], stale["stale_days"]).any()
    legend = live_legend_entries(
        lang=map_lang,
        hubs=None,
        reach_hubs=[],
        crossing_kinds=set(real_crossings(inputs.crossings)["kind"].astype(str))
        if inputs.crossings is not None
        else set(),
        with_network=inputs.network is not None and len(inputs.network) > 0,
        with_water=False,
        with_hubs=False,
        with_incidents=False,
        unconfirmed_days=stale["stale_days"] if unconfirmed else None,
    )  # what draw_context draws, in the live map's words and symbols
    m.add_child(Legend(t("cons.map_legend"), legend, folded=None))
    with map_slot:
        shown_map = st_folium(
            m, key="constraints_map", height=420, width="stretch", returned_objects=["last_clicked"]
        )
    clicked = (shown_map or {}).get("last_clicked")
    if clicked and clicked != st.session_state.get("_constraints_click"):
        st.session_state["_constraints_click"] = clicked
        picked = constraints.pick_nearest(
            clicked["lng"], clicked["lat"], axes=inputs.axes, localities=versions.encircled
        )
        if picked:
            st.session_state[MAP_PICK] = picked
            st.rerun()


st.caption(t("cons.click"))

kind = st.radio(
    t("cons.constraint"),
    [AXES, CROSSINGS, LOCALITIES],
    horizontal=True,
    key="constraints_kind",
    format_func=lambda k: t(f"cons.kind.{k}"),
)
common.keep_notice_for("constraints", anchor=kind)  # a save's confirmation stays with its form
by_help = t("cons.by_help_signed") if st.session_state.get(auth.USER_KEY) else t("cons.by_help")


def version_label(v: int | None, numbers: dict[int, int]) -> str:
    """Return a choice of the correction selector: a new version, or a version by its number."""
    return t("cons.new_version") if v is None else t("cons.version_n", n=numbers.get(int(v), v))


signed_in = st.session_state.get(auth.USER_KEY)  # the account name when signed in
who = signed_in or st.session_state.get("advisor_name", "")

if kind == AXES:
    axes = constraints.known_axes()
    table = constraints.effective_road_status(versions, as_of, axes=axes)
    statuses = common.pick_many(
        t("cons.status"),
        ROAD_STATUS.codes,
        default=list(ROAD_STATUS),
        format_func=lambda c: ROAD_STATUS.label(c, common.lang()),
        key="axis_shown",
    )
    AXIS_COLUMNS = [
        "axis_name",
        "status",
        "escort_kmh",
        "cause",
        "valid_from",
        "confirmation",
        "valid_to",
        "confidence",
        "source",
        "recorded_by",
        "recorded_at",
        "version_id",
    ]
    axis_numbers = numbering("axis")
    listed = table[table["status"].isin(statuses)]
    listed = listed.assign(
        axis_name=[axis_name(axes, a) for a in listed.index],  # the selector's names
        confirmation=unconfirmed_text(listed, as_of),
    )
    axis_lines = inputs.axes.set_index("axis_id").geometry  # as the map draws them
    on_map = axis_lines[axis_lines.index.isin(listed.index)]
    common.wrapped_table(shown(listed, AXIS_COLUMNS, numbers=axis_numbers), t("cons.none_listed"))
    axis = st.selectbox(
        t("cons.axis"),
        list(axes.index),
        key="pick_axis",
        format_func=lambda a: axis_name(axes, a),
    )
    item = md(axis_name(axes, axis))
    history = constraints.road_status_history(store, axis)
    with st.expander(common.tn("cons.history", len(history), item=item), expanded=False):
        columns = ["version_id", *AXIS_COLUMNS[1:-1], "superseded_by"]
        common.wrapped_table(shown(history, columns, numbers=axis_numbers), t("cons.no_history"))
    current = [int(v) for v in history.loc[history["superseded_by"].isna(), "version_id"]]
    based_on = form_base("axis", axis, int(history["version_id"].max()) if len(history) else 0)
    with st.form(form_key("road_status_form"), clear_on_submit=False, enter_to_submit=False):
        st.subheader(t("cons.record_status", item=item))
        n_based = axis_numbers.get(based_on, based_on)
        st.caption(t("cons.based_on", n=n_based, item=item) if based_on else t("cons.no_version", item=item))
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            t("cons.status"),
            ROAD_STATUS.codes,
            index=status_default(table, axis),
            format_func=lambda c: ROAD_STATUS.label(c, common.lang()),
            filter_mode=None,
        )
        cause = c2.selectbox(
            t("cons.cause"),
            CAUSE.codes,
            format_func=lambda c: CAUSE.label(c, common.lang()),
            filter_mode=None,
        )
        confidence = c3.selectbox(
            t("cons.confidence"),
            CONFIDENCE.codes,
            index=1,
            format_func=lambda c: CONFIDENCE.label(c, common.lang()),
            filter_mode=None,
        )
        valid_from = c1.date_input(t("cons.valid_from"), value=as_of, format=common.date_format())
        valid_to = c2.date_input(t("cons.valid_to"), value=None, format=common.date_format())
        supersedes = c3.selectbox(
            t("cons.correction_of"),
            [None, *current],
            format_func=lambda v: version_label(v, axis_numbers),
            filter_mode=None,
        )
        escort = c1.number_input(
            t("cons.escort"), 0.0, 130.0, value=0.0, step=5.0, format="%.0f", help=t("cons.escort_help")
        )
        source = st.text_input(t("cons.source"))
        note = st.text_input(t("cons.note"))
        by = st.text_input(t("cons.recorded_by"), value=who, disabled=bool(signed_in), help=by_help)
        submitted = st.form_submit_button(t("cons.save_status"), type="primary")
    common.show_notice("constraints", anchor=kind)  # the last save of this form, right under it
    if submitted:
        try:
            res = constraints.record_road_status(
                store,
                axis_id=axis,
                status=status,
                cause=cause,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                recorded_by=by,
                confidence=confidence,
                note=note,
                supersedes=supersedes,
                escort_kmh=escort or None,
                based_on=based_on,
            )
        except constraints.ConflictError as exc:
            show_conflict("axis", exc, ["status", "cause", "valid_from", "valid_to", "source", "note"])
        except AccessMapError as exc:
            show_not_saved(exc, item)
        else:
            st.session_state["advisor_name"] = by
            st.session_state["based_on_axis"] = (axis, res.version_id)
            report_impact(
                t(
                    "cons.label_axis",
                    item=axis_name(axes, axis),
                    status=ROAD_STATUS.label(status, common.lang()).lower(),
                    date=common.day(valid_from),
                    n=constraints.version_number(store, "axis", axis, res.version_id),
                ),
                axis_id=axis,
            )
            clear_form("road_status_form")
            st.rerun()
elif kind == CROSSINGS:
    crossings = constraints.known_crossings()
    table = constraints.effective_crossing_status(versions, as_of, crossings=crossings)
    statuses = common.pick_many(
        t("cons.status"),
        ROAD_STATUS.codes,
        default=list(ROAD_STATUS),
        format_func=lambda c: ROAD_STATUS.label(c, common.lang()),
        key="crossing_shown",
    )
    CROSSING_COLUMNS = [
        "name",
        "river",
        "kind",
        "status",
        "cause",
        "valid_from",
        "confirmation",
        "valid_to",
        "confidence",
        "source",
        "recorded_by",
        "recorded_at",
        "version_id",
    ]
    crossing_numbers = numbering("crossing")
    listed = table[table["status"].isin(statuses)]
    listed = listed.assign(confirmation=unconfirmed_text(listed, as_of))
    on_map = crossings.geometry[crossings.index.isin(listed.index)]
    agreements = pd.Series(
        [crossing_agreement(k, n) for k, n in zip(listed["kind"], listed["name"], strict=True)],
        index=listed.index,
        dtype=object,
    )
    common.wrapped_table(
        shown(listed, CROSSING_COLUMNS, numbers=crossing_numbers, agreement=agreements), t("cons.none_listed")
    )
    crossing = st.selectbox(
        t("cons.crossing"),
        list(crossings.index),
        key="pick_crossing",
        format_func=lambda c: crossing_name(crossings, c),
    )
    item = md(crossing_name(crossings, crossing))
    agreement = crossing_agreement(crossings["kind"].get(crossing), crossings["name"].get(crossing))
    history = constraints.crossing_status_history(store, crossing)
    with st.expander(common.tn("cons.history", len(history), item=item), expanded=False):
        common.wrapped_table(
            shown(
                history,
                ["version_id", *CROSSING_COLUMNS[3:-1], "superseded_by"],
                numbers=crossing_numbers,
                agreement=agreement,
            ),
            t("cons.no_history"),
        )
    current = [int(v) for v in history.loc[history["superseded_by"].isna(), "version_id"]]
    with st.form(form_key("crossing_status_form"), clear_on_submit=False, enter_to_submit=False):
        st.subheader(t("cons.record_status", item=item))
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            t("cons.status"),
            ROAD_STATUS.codes,
            index=status_default(table, crossing),
            format_func=lambda c: road_status_label(c, common.lang(), agreement),
            filter_mode=None,
        )
        cause = c2.selectbox(
            t("cons.cause"),
            CAUSE.codes,
            format_func=lambda c: CAUSE.label(c, common.lang()),
            filter_mode=None,
        )
        confidence = c3.selectbox(
            t("cons.confidence"),
            CONFIDENCE.codes,
            index=1,
            format_func=lambda c: CONFIDENCE.label(c, common.lang()),
            filter_mode=None,
        )
        valid_from = c1.date_input(t("cons.valid_from"), value=as_of, format=common.date_format())
        valid_to = c2.date_input(t("cons.valid_to"), value=None, format=common.date_format())
        supersedes = c3.selectbox(
            t("cons.correction_of"),
            [None, *current],
            format_func=lambda v: version_label(v, crossing_numbers),
            filter_mode=None,
        )
        source = st.text_input(t("cons.source"))
        note = st.text_input(t("cons.note"))
        by = st.text_input(t("cons.recorded_by"), value=who, disabled=bool(signed_in), help=by_help)
        submitted = st.form_submit_button(t("cons.save_crossing"), type="primary")
    common.show_notice("constraints", anchor=kind)  # the last save of this form, right under it
    if submitted:
        try:
            res = constraints.record_crossing_status(
                store,
                crossing_id=crossing,
                status=status,
                cause=cause,
                valid_from=valid_from,
                valid_to=valid_to,
                source=source,
                recorded_by=by,
                confidence=confidence,
                note=note,
                supersedes=supersedes,
            )
        except AccessMapError as exc:
            show_not_saved(exc, item)
        else:
            st.session_state["advisor_name"] = by
            report_impact(
                t(
                    "cons.label_axis",
                    item=crossing_name(crossings, crossing),
                    status=road_status_label(
                        status,
                        common.lang(),
                        crossing_agreement(crossings["kind"].get(crossing), crossings["name"].get(crossing)),
                    ).lower(),
                    date=common.day(valid_from),
                    n=constraints.version_number(store, "crossing", crossing, res.version_id),
                ),
                crossing_id=crossing,
            )
            clear_form("crossing_status_form")
            st.rerun()
else:
    only_now = st.checkbox(t("cons.only_now"), value=True)
    listed = episodes[episodes["in_force"]] if only_now else episodes
    listed = listed.assign(confirmation=unconfirmed_text(listed, as_of, encirclements=True))
    on_map = listed.geometry
    EPISODE_COLUMNS = [
        "locality",
        "adm3_pcode",
        "status",
        "since",
        "until",
        "last_confirmed",
        "confirmation",
        "radius_km",
        "armed_group",
        "public",
        "source",
        "recorded_by",
        "recorded_at",
    ]
    common.wrapped_table(
        shown(listed, EPISODE_COLUMNS, status_vocab=ENCIRCLED_STATUS),
        t("cons.no_episode_now") if only_now else t("cons.no_episode"),
    )
    names = sorted(set(versions.encircled["locality"]))
    saved = st.session_state.pop(SAVED_LOCALITY, None)
    if saved is not None and saved[0] in names:  # the locality just saved is shown: no second "new"
        st.session_state["pick_locality"] = saved[0]
        if saved[1] is not None:
            st.session_state["pick_episode"] = saved[1]
        else:
            st.session_state.pop("pick_episode", None)
        for key in ("encircle_place_search", "encircle_place"):
            st.session_state.pop(key, None)
    locality = st.selectbox(
        t("cons.locality"), [NEW, *names], key="pick_locality", format_func=locality_choice
    )
    place = None  # the gazetteer locality picked for a new one: name, lon, lat, cercle, region
    origin = GAZETTEER
    if locality == NEW:
        origin = st.radio(
            t("cons.new_origin"),
            [GAZETTEER, FREE_POINT],
            horizontal=True,
            key="new_locality_origin",
            format_func=lambda o: t("cons.from_gazetteer") if o == GAZETTEER else t("cons.from_point"),
        )
        if origin == GAZETTEER:
            picked = common.search_pick_one(
                t("cons.gazetteer_pick"),
                common.place_labels(folder),
                key="encircle_place",
                search_label=t("cons.gazetteer_search"),
                none_text=t("cons.gazetteer_none"),
                aliases=former_names(),
            )
            if picked is not None:
                place = gazetteer_place(picked)
                show_place(place)
                # recorded already (same name, accents and case aside: the gazetteer's "Lere" is
                # the record's "Léré"; and same place: the gazetteer has two Lere, 260 km apart):
                # said by the state of its episodes, under the recorded name
                rec = versions.encircled
                same = rec[
                    (rec["locality"].map(fold_name) == fold_name(place["name"]))
                    & ((rec["lon"] - place["lon"]).abs() <= SAME_PLACE_DEG)
                    & ((rec["lat"] - place["lat"]).abs() <= SAME_PLACE_DEG)
                ]
                recorded = str(same["locality"].iloc[0]) if len(same) else None
                if recorded is not None:
                    ongoing = episodes[(episodes["locality"] == recorded) & episodes["in_force"]]
                    if len(ongoing):  # update the episode in force rather than start a second one
                        latest = ongoing.sort_values("since").iloc[-1]
                        st.warning(t("cons.already_in_force", name=md(recorded)))
                        st.button(
                            t("cons.open_in_force", episode=md(episode_label(latest))),
                            on_click=st.session_state.__setitem__,
                            args=(SAVED_LOCALITY, (recorded, str(latest["episode_id"]))),
                        )
                    else:  # every earlier episode lifted or out of force: saving starts a new one
                        st.info(t("cons.new_beside_earlier", name=md(recorded)))
                        st.button(
                            t("cons.open_recorded", name=md(recorded)),
                            on_click=st.session_state.__setitem__,
                            args=(SAVED_LOCALITY, (recorded, None)),
                        )
        else:
            st.caption(t("cons.free_point_help"))
    history = constraints.encircled_history(store, None if locality == NEW else locality)
    history = history.iloc[:0] if locality == NEW else history
    current = history[history["superseded_by"].isna()]
    if locality != NEW:
        with st.expander(common.tn("cons.history", len(history), item=md(locality)), expanded=False):
            common.wrapped_table(
                shown(
                    history,
                    ["version_id", "episode_id", *EPISODE_COLUMNS[2:], "superseded_by"],
                    status_vocab=ENCIRCLED_STATUS,
                    numbers=constraints.version_numbers(history, "episode_id"),
                ),
                t("cons.no_history"),
            )
    by_id = current.set_index("episode_id")
    labels = {NEW: t("cons.new_episode")} | {e: episode_label(row) for e, row in by_id.iterrows()}
    episode = st.selectbox(
        t("cons.episode"),
        list(labels),
        key="pick_episode",
        format_func=lambda value: labels.get(value, str(value)),
        filter_mode=None,
    )
    base = by_id.loc[episode] if episode != NEW else None
    episode_versions = history[history["episode_id"] == episode]["version_id"]
    based_on = form_base(
        "episode", f"{locality}|{episode}", int(episode_versions.max()) if len(episode_versions) else 0
    )
    with st.form(form_key("encircled_form"), enter_to_submit=False):
        named = md(labels.get(episode, ""))
        st.subheader(t("cons.record_encirclement") if base is None else t("cons.update", item=named))
        if based_on:
            n_based = constraints.version_numbers(history, "episode_id").get(based_on, based_on)
            st.caption(t("cons.based_on", n=n_based, item=named))
        if locality == NEW and origin == GAZETTEER:  # the gazetteer's name, not typed
            name = st.text_input(
                t("cons.locality_required"), value=place["name"] if place else "", disabled=True
            )
        else:
            name = st.text_input(
                t("cons.locality_required"),
                value="" if locality == NEW else locality,
                disabled=locality != NEW,
            )
        c1, c2, c3 = st.columns(3)
        status = c1.selectbox(
            t("cons.status"),
            ENCIRCLED_STATUS.codes,
            index=ENCIRCLED_STATUS.index(base["status"]) if base is not None else 0,
            format_func=lambda c: ENCIRCLED_STATUS.label(c, common.lang()),
            filter_mode=None,
        )
        since = c2.date_input(
            t("cons.since"), value=base["since"] if base is not None else as_of, format=common.date_format()
        )
        until = c3.date_input(
            t("cons.until"), value=base["until"] if base is not None else None, format=common.date_format()
        )
        last_confirmed = c1.date_input(
            t("cons.last_confirmed"),
            value=base["last_confirmed"] if base is not None else None,
            format=common.date_format(),
        )
        radius = c2.number_input(
            t("cons.radius"),
            0.5,
            100.0,
            value=float(base["radius_km"]) if base is not None else 5.0,
            step=0.5,
            format="%g",  # "5", "5.5": not "5.00"
        )
        confidence = c3.selectbox(
            t("cons.report_confidence"),
            CONFIDENCE.codes,
            index=1,
            format_func=lambda c: CONFIDENCE.label(c, common.lang()),
            filter_mode=None,
        )
        if place is not None:  # filled from the gazetteer, not typed: shown as text, in the
            # language's number format ("-5,2547" in French, as the caption above), which a
            # number box (printf formats) cannot write
            c1.text_input(t("cons.lon"), value=common.num(place["lon"], decimals=4), disabled=True)
            c2.text_input(t("cons.lat"), value=common.num(place["lat"], decimals=4), disabled=True)
            lon, lat = place["lon"], place["lat"]
        else:
            # typed only for a place in no gazetteer, or to move a recorded locality's point
            free = locality != NEW or origin == FREE_POINT
            lon = c1.number_input(t("cons.lon"), -12.5, 4.5, value=None, format="%.4f", disabled=not free)
            lat = c2.number_input(t("cons.lat"), 10.0, 25.2, value=None, format="%.4f", disabled=not free)
        group = c3.text_input(t("cons.armed_group"), value=base["armed_group"] if base is not None else "")
        source = st.text_input(t("cons.source"))
        note = st.text_input(t("cons.note"), value=base["note"] if base is not None else "")
        public = st.checkbox(
            t("cons.public"),
            value=bool(base["public"]) if base is not None else False,
            help=t("cons.public_help"),
        )
        by = st.text_input(t("cons.recorded_by"), value=who, disabled=bool(signed_in), help=by_help)
        submitted = st.form_submit_button(t("cons.save_encirclement"), type="primary")
    common.show_notice("constraints", anchor=kind)  # the last save of this form, right under it
    if submitted and locality == NEW and origin == GAZETTEER and place is None:
        st.error(t("cons.pick_gazetteer_first"))
    elif submitted:
        loc = (place["name"] if place is not None else name) if locality == NEW else locality
        try:
            res = constraints.record_encircled(
                store,
                locality=loc,
                episode_id=None if episode == NEW else episode,
                status=status,
                since=since,
                until=until,
                last_confirmed=last_confirmed,
                radius_km=radius,
                confidence=confidence,
                lon=lon,
                lat=lat,
                armed_group=group,
                note=note,
                public=public,
                source=source,
                recorded_by=by,
                based_on=based_on,
                data_dir=inputs.data_dir,
                places=inputs.places,  # a name typed without a point is looked up in the gazetteer
            )
        except constraints.ConflictError as exc:
            show_conflict("episode", exc, ["locality", "status", "since", "until", "radius_km", "source"])
            st.session_state["based_on_episode"] = (f"{locality}|{episode}", int(exc.current["version_id"]))
        except AccessMapError as exc:
            st.error(t("cons.not_saved", problem=common.error_text(exc, form_fields())))
        else:
            st.session_state["advisor_name"] = by
            st.session_state.pop("based_on_episode", None)
            loc = (
                constraints.encircled_history(store)
                .loc[lambda h: h["version_id"] == res.version_id, "locality"]
                .iloc[-1]
            )  # the stored spelling (a gazetteer name typed without its accents)
            zones = constraints.encircled_history(store, loc)
            episode_id = zones.loc[zones["version_id"] == res.version_id, "episode_id"].iloc[-1]
            # picked (with its episode), and the search cleared, on the next run
            st.session_state[SAVED_LOCALITY] = (loc, str(episode_id))
            report_impact(
                t(
                    "cons.label_episode",
                    item=loc,
                    status=ENCIRCLED_STATUS.label(status, common.lang()).lower(),
                    date=common.day(since),
                    n=constraints.version_number(store, "episode", str(episode_id), res.version_id),
                ),
                episode_id=str(episode_id),
            )
            clear_form("encircled_form")
            st.rerun()
draw_map(on_map)
st.caption(t("cons.append_only"))
