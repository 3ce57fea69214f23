"""NSAG-encircled localities: no-entry zones in force and other recorded episodes."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd

from geo.products.i18n import format_number, tr
from geo.products.staleness import day_of, episode_stale
from geo.vocab import ENCIRCLED_STATUS
from layers.style import (
    ENCIRCLED_ACTIVE,
    ENCIRCLED_INACTIVE,
    POINT_PRECISION_DEG,
    esc,
    feature_layer,
    popup_day,
    popup_table,
    slim,
    stale_text,
)
from layers.symbols import symbol_icon

#: Leaflet style of the no-entry disc around a locality encircled in force (radius from the record).
DISC_STYLE = {
    "color": ENCIRCLED_ACTIVE,
    "fillColor": ENCIRCLED_ACTIVE,
    "weight": 2,
    "dashArray": "5 4",
    "fill": True,
    "fillOpacity": 0.12,
}


def _population_text(row: object, lang: str) -> str | None:
    """``1 323 (grille ; fourchette 319–9 175)`` from the population columns, or None when absent.

    The grid range brackets the grid estimate (``geo.model.severity.episode_population``);
    when the figure shown is the localities' own, the grid estimate is given with its range.
    Numbers are written for ``lang`` (:func:`geo.products.i18n.format_number`).
    """
    pop = getattr(row, "get", lambda _k, _d=None: None)("population")
    if pop is None or pop != pop:
        return None
    method = str(row.get("population_method") or "")
    low, high = row.get("population_grid_low"), row.get("population_grid_high")
    grid = row.get("population_grid")
    rng = ""
    if low == low and high == high and low is not None and high is not None:
        bounds = {"low": format_number(low, lang), "high": format_number(high, lang)}
        if method == "settlement" and grid is not None and grid == grid:
            # the range brackets the grid estimate, not the localities' figure shown first
            rng = tr("layer.people_grid_range", lang, grid=format_number(grid, lang), **bounds)
        else:
            rng = tr("layer.people_range", lang, **bounds)
    how = tr(f"layer.method_{method}", lang) if method in ("grid", "settlement") else method
    return f"{format_number(pop, lang)} ({how}{rng})"


def episode_state(row: object, lang: str, as_of: dt.date | None = None) -> str:
    """Return the state of an episode in words, once: ``En cours (blocus en vigueur)``, ``Levé``, ...

    The recorded status says what the record claims; ``in_force`` whether it applies on the
    map's date (``geo.sources.curated.encircled_as_of``). An ``active`` status in force is
    its label alone (it already says "in force"); an active or lifted episode that no longer
    applies reads "lifted"; one that begins after ``as_of`` "not yet in force"; an unknown
    one its label and whether it applies.

    Parameters
    ----------
    row
        Episode (``status``, ``in_force``, ``since``).
    lang
        ``{"fr", "en"}``.
    as_of
        Date of the map (None: not known, no "not yet" state).
    """
    status = str(row.get("status") or "unknown")
    label = ENCIRCLED_STATUS.label(status, lang)
    since = day_of(row.get("since"))
    if bool(row.get("in_force")):
        return label if status == "active" else f"{label} ({tr('mpop.in_force', lang)})"
    if as_of is not None and since is not None and since > as_of:
        return f"{label} ({tr('mpop.not_yet_in_force', lang)})"
    if status in ENCIRCLED_STATUS.codes and status != "unknown":  # active or lifted, ended
        return ENCIRCLED_STATUS.label("lifted", lang)
    return f"{label} ({tr('mpop.not_in_force', lang)})"


def episode_tip(row: object, lang: str, as_of: dt.date | None = None) -> str:
    """Return the tooltip of an episode's sign in ``lang``: its locality and its state (not escaped)."""
    name = row.get("locality")
    if bool(row.get("in_force")):
        return tr("mpop.encircled_tip", lang, name=name)
    since = day_of(row.get("since"))
    if as_of is not None and since is not None and since > as_of:
        return tr("mpop.encircled_tip_future", lang, name=name)
    if str(row.get("status")) in ENCIRCLED_STATUS.codes and row.get("status") != "unknown":
        return tr("mpop.encircled_tip_lifted", lang, name=name)
    return tr("mpop.encircled_tip_past", lang, name=name)


def unconfirmed_in_force(episodes: pd.DataFrame, as_of: dt.date | None, stale_days: int | None) -> pd.Series:
    """Whether each episode is in force yet not confirmed for more than ``stale_days`` days on ``as_of``.

    The print map's rule (:func:`geo.products.staleness.episode_stale`: last confirmed, else
    begun, before ``as_of`` minus ``stale_days``). Such an episode still applies (the model
    still blocks it): its sign stays the in-force one, ringed (``noentry_unconfirmed``).

    Parameters
    ----------
    episodes
        Episodes with ``in_force``, ``since`` and ``last_confirmed``.
    as_of, stale_days
        Date of the map and days (>= 0); either None: no episode is marked.

    Returns
    -------
    pandas.Series
        Booleans aligned on ``episodes``' index.
    """
    if as_of is None or stale_days is None:
        return pd.Series(False, index=episodes.index, dtype=bool)
    return pd.Series(
        [
            bool(row["in_force"])
            and episode_stale(row.get("last_confirmed"), row.get("since"), as_of, stale_days)
            for _, row in episodes.iterrows()
        ],
        index=episodes.index,
        dtype=bool,
    )


def build_encircled_layer(
    episodes: gpd.GeoDataFrame,
    *,
    show: bool = True,
    restricted: bool = True,
    lang: str = "en",
    as_of: dt.date | None = None,
    stale_days: int | None = None,
) -> folium.FeatureGroup:
    """Encircled localities: a no-entry sign (red in force, grey otherwise) and the no-entry radius.

    Grey is every episode not in force on ``as_of``: lifted or ended, not yet begun, or of
    unknown status past its last confirmation (``geo.sources.curated.encircled_as_of``). An
    episode in force but not confirmed for ``stale_days`` keeps its red sign, ringed by a
    dashed grey circle (:func:`unconfirmed_in_force`), as on the print map.

    The sign (a disc crossed by a white bar, :mod:`layers.symbols`) is a shape no other
    point of the map uses, so an encircled locality is not mistaken for an incident.

    Parameters
    ----------
    episodes
        ``geo.sources.curated.encircled_as_of`` output (needs ``in_force``, ``radius_km``).
    show
        Visible when the map opens.
    restricted
        Show restricted fields (armed group, note); False for viewers and the public.
    lang
        Language of the layer name and of the population line (``{"fr", "en"}``).
    as_of, stale_days
        Date of the map and the days (>= 0) after which an episode in force not confirmed
        since reads stale (:mod:`geo.products.staleness`, as on the print map): its sign is
        ringed, its popup says so and its tooltip adds "to be confirmed". None: no mark.

    Returns
    -------
    folium.FeatureGroup
        One :func:`layers.style.feature_layer`: per locality a no-entry sign and, in force,
        its disc (:data:`DISC_STYLE`), both with the episode's popup.

    Notes
    -----
    With the population columns of :func:`geo.model.severity.with_population`, the popup
    gives the people inside the no-entry disc, the method and the grid's range.
    """
    group = folium.FeatureGroup(name=esc(tr("map.layer_encircled", lang)), show=show)
    pts = episodes.to_crs(4326)
    # one marker per locality: the episode in force, else the latest
    pts = pts.sort_values(["in_force", "since"]).groupby("locality", sort=False).tail(1)
    rows, geoms = [], []
    unconfirmed = unconfirmed_in_force(pts, as_of, stale_days)
    for stale, (_, row) in zip(unconfirmed, pts.iterrows(), strict=True):
        colour = ENCIRCLED_ACTIVE if row["in_force"] else ENCIRCLED_INACTIVE
        fields = [
            (tr("mpop.status", lang), episode_state(row, lang, as_of)),
            (tr("mpop.since", lang), popup_day(row["since"], lang)),
            (tr("mpop.until", lang), popup_day(row["until"], lang) or tr("mpop.not_lifted", lang)),
            (tr("mpop.last_confirmed", lang), popup_day(row["last_confirmed"], lang)),
            (tr("mpop.confirmation", lang), stale_text(stale_days, lang) if stale else None),
            (tr("mpop.no_entry_radius", lang), f"{format_number(row['radius_km'], lang, decimals=1)} km"),
            (tr("mpop.source", lang), row.get("source")),
            (tr("layer.people_inside", lang), _population_text(row, lang)),
        ]
        if restricted:
            fields += [
                (tr("mpop.armed_group", lang), row.get("armed_group")),
                # seeded from data/curated: the source's note, in English; recorded later: the user's
                (_note_header(row, lang), row.get("note")),
            ]
        popup = popup_table(fields, title=row["locality"])
        tip = esc(episode_tip(row, lang, as_of) + (f" ({tr('mpop.stale_tip', lang)})" if stale else ""))
        if row["in_force"]:  # the no-entry disc, under the sign
            rows.append({"popup": popup, "tip": tip, "radius_m": float(row["radius_km"]) * 1000.0})
            geoms.append(row.geometry)
        rows.append(
            {
                "popup": popup,
                "tip": tip,
                "icon": symbol_icon("noentry_unconfirmed" if stale else "noentry", colour),
                "z": 500,
            }
        )
        geoms.append(row.geometry)
    if rows:
        points = gpd.GeoDataFrame(rows, geometry=geoms, crs=pts.crs)
        feature_layer(
            slim(points, tolerance_m=0.0, precision_deg=POINT_PRECISION_DEG), style=DISC_STYLE
        ).add_to(group)
    return group


def _note_header(row: pd.Series, lang: str) -> str:
    """Header of a version's note: the source's note (English data) for a seeded version, else "Note"."""
    return tr("mpop.source_note", lang) if row.get("origin") == "seed" else tr("mpop.note", lang)
