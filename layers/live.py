"""The live access map: every layer assembled in one folium map (used by the page and the bench)."""

from __future__ import annotations

import datetime as dt

import folium
import geopandas as gpd
import pandas as pd

from geo.products.cartography import ENCIRCLED_INACTIVE, NETWORK_STYLE, RIVER_COLOUR
from geo.products.i18n import format_date, tr, tr_count
from geo.vocab import ROAD_STATUS
from layers.admin import build_admin_layer
from layers.basemap import Legend, fit_country, make_map
from layers.encircled import build_encircled_layer, unconfirmed_in_force
from layers.hubs import build_hubs_layer, hub_label
from layers.incidents import SOURCE_COLOURS, build_incidents_layer
from layers.places import build_towns_layer
from layers.positions import ENDORSED_COLOUR, build_positions_layer
from layers.reach import build_reach_layers
from layers.roads import build_crossings_layer, build_network_layer, build_roads_layer
from layers.style import (
    BASE_ROAD_COLOUR,
    ENCIRCLED_ACTIVE,
    ROAD_STATUS_COLOUR,
    hub_colour,
)
from layers.symbols import CROSSING_KINDS, add_symbol_css
from layers.water import build_water_layer


def live_legend_entries(
    *,
    lang: str,
    hubs: gpd.GeoDataFrame | None,
    reach_hubs: list[str],
    crossing_kinds: set[str],
    with_network: bool,
    with_water: bool,
    with_positions: bool = False,
    with_hubs: bool = True,
    with_incidents: bool = True,
    unconfirmed_days: int | None = None,
) -> list[tuple[str, str, str]]:
    """Legend rows of the live map (:class:`layers.basemap.Legend` entries), in ``lang``, compact.

    Rows that are short sit side by side (``"inline:"`` entries, as the donor snapshot's):
    hub and town, the road statuses, the other roads, rivers and crossings, each hub's reach.

    Also the legend of other maps drawn with the same layers (the Constraints page's: no
    hub, no incident).

    Parameters
    ----------
    lang
        ``"fr"`` or ``"en"``.
    hubs
        Hubs table (``name``), indexed by ``hub_id`` (None when no reach is drawn).
    reach_hubs
        Hub ids whose reach is drawn (one colour row each).
    crossing_kinds
        Kinds of the crossings drawn.
    with_network, with_water
        Whether the secondary network and the rivers are drawn.
    with_positions
        Whether markers of common positions are drawn.
    with_hubs, with_incidents
        Whether hubs and incidents are drawn.
    unconfirmed_days
        ``stale_days`` when an encirclement drawn in force carries the unconfirmed ring
        (:func:`layers.encircled.unconfirmed_in_force`): a row in the print map's words
        ("Non confirmé depuis plus de 90 jours"); None: no row.

    Notes
    -----
    The grey sign is every episode not in force on the map's date (lifted or ended, not yet
    begun, unknown status past its last confirmation), and its row says so; an episode in
    force but unconfirmed stays red (the model still blocks it), ringed.
    """
    entries: list[tuple[str, str, str]] = [("head", "", tr("map.head_points", lang))]
    if with_hubs:
        entries.append(("inline:symbol:hub", "#ffffff", tr("map.hub", lang)))
    entries += [
        ("inline:symbol:town", "#ffffff", tr("map.town", lang)),
        ("symbol:noentry", ENCIRCLED_ACTIVE, tr("map.encircled_in_force", lang)),
    ]
    if unconfirmed_days is not None:
        days = tr_count("count.days", unconfirmed_days, lang)
        entries.append(("symbol:noentry_unconfirmed", ENCIRCLED_ACTIVE, tr("stale", lang, days=days)))
    entries.append(("symbol:noentry", ENCIRCLED_INACTIVE, tr("map.encircled_not_in_force", lang)))
    if with_incidents:
        entries.append(("dot", SOURCE_COLOURS["ucdp"], tr("map.incident", lang)))
    if with_positions:
        entries.append(("fill", ENDORSED_COLOUR, tr("positions.legend", lang)))
    # the statuses in a row, the schematic axes on their own line, the other roads in a row
    entries.append(("head", "", tr("legend_roads", lang)))
    entries += [("inline:line", ROAD_STATUS_COLOUR[s], ROAD_STATUS.label(s, lang)) for s in ROAD_STATUS]
    entries += [
        ("dashed", "#555555", tr("schematic", lang)),
        ("inline:line", BASE_ROAD_COLOUR, tr("road_base", lang)),
    ]
    if with_network:
        entries += [
            ("inline:dashed" if dashed else "inline:line", colour, tr(f"net_{surface}", lang))
            for surface, (colour, dashed) in NETWORK_STYLE.items()
        ]
    if with_water or crossing_kinds:
        entries.append(("head", "", tr("map.head_water", lang)))
    if with_water:
        entries.append(("inline:line", RIVER_COLOUR, tr("river", lang)))
    entries += [
        (f"inline:symbol:{k}", ROAD_STATUS_COLOUR["open"], tr(f"crossing_{k}", lang))
        for k in CROSSING_KINDS
        if k in crossing_kinds
    ]
    if reach_hubs:
        entries.append(("head", "", tr("map.head_reach", lang)))
        entries += [
            ("inline:fill", hub_colour(h), tr("map.reach_of", lang, hub=hub_label(hubs.at[h, "name"])))
            for h in reach_hubs
        ]
    return entries


def build_live_map(
    *,
    as_of: dt.date,
    admin1: gpd.GeoDataFrame,
    admin2: gpd.GeoDataFrame,
    admin3: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame,
    axes: gpd.GeoDataFrame,
    axis_status: pd.DataFrame,
    episodes: gpd.GeoDataFrame,
    hubs: gpd.GeoDataFrame,
    hub_ids: list[str],
    bands: gpd.GeoDataFrame | None,
    incidents: gpd.GeoDataFrame,
    incidents_label: str = "Incidents",
    restricted: bool = True,
    asset_base: str | None = None,
    towns: gpd.GeoDataFrame | None = None,
    network: gpd.GeoDataFrame | None = None,
    crossings: gpd.GeoDataFrame | None = None,
    crossing_status: pd.DataFrame | None = None,
    water: gpd.GeoDataFrame | None = None,
    positions: gpd.GeoDataFrame | None = None,
    lang: str = "en",
    stale_days: int | None = None,
) -> folium.Map:
    """Assemble the live map: the whole country in view, every place named, one shape per kind.

    Parameters
    ----------
    as_of
        Date shown in the legend title.
    admin1, admin2, admin3
        Admin units (internal schema); ``admin3`` None to leave communes out. The map
        opens on ``admin1``'s extent (Kidal and Taoudénit included).
    roads, axes, axis_status
        Road lines, curated axes and the effective status per axis.
    episodes
        Encircled episodes with ``in_force`` (a no-entry sign each).
    hubs
        All hubs, indexed by ``hub_id`` (a hub's colour follows its id:
        :func:`geo.products.cartography.hub_colour`).
    hub_ids
        The hubs to draw.
    bands
        Reach bands, or None.
    incidents
        Incidents to draw (already filtered to the time window; circles).
    incidents_label
        Layer name of the incidents.
    restricted
        Show restricted fields in popups (armed groups, notes).
    asset_base
        Where Leaflet is served from (default: the app's static folder).
    towns
        Main towns with ``name`` (``geo.products.printmap.main_towns``), labelled; None for none.
    network
        The curated secondary network laid out (``ModelInputs.network``), styled by surface.
    crossings, crossing_status
        River crossings (``ModelInputs.crossings`` or ``read_crossings()``) and their status in
        force (indexed by ``crossing_id``); model artefacts are never drawn.
    water
        Rivers and lakes (:func:`layers.water.load_water`), or None.
    positions
        Common positions placed on the map (:func:`geo.products.positions_map.locate`, cut
        to the role's fields), or None: one marker per axis, crossing, locality or area
        that carries one (:func:`layers.positions.build_positions_layer`).
    lang
        Language of layer names, legend and the positions' labels.
    stale_days
        Days (>= 0) after which a closed or constrained axis or crossing, or an encirclement
        in force, not confirmed since ``as_of`` minus that many days is marked stale in its
        popup and tooltip (:mod:`geo.products.staleness`, the print map's rule;
        ``geo.config.Settings.stale_days``); such an encirclement's sign is ringed, with a
        legend row. None: no mark.

    Returns
    -------
    folium.Map
        With a layer control (top right) and a folding legend (top left, over Mauritania):
        the map opens with the legend unfolded and clear of the country's outline, or folded
        when no view near the fit keeps it clear or it would scroll
        (:func:`layers.basemap.fit_country` with ``clear_legend``).
    """
    m = make_map() if asset_base is None else make_map(asset_base=asset_base)
    add_symbol_css(m)
    # the view keeps the unfolded legend (top left) off the country, folded if it cannot
    # (the donor snapshot's mechanism: layers.basemap.FitCountry)
    fit_country(m, admin1, clear_legend=True)
    build_admin_layer(admin1, level=1, lang=lang).add_to(m)
    build_admin_layer(admin2, level=2, lang=lang).add_to(m)
    if admin3 is not None:
        build_admin_layer(admin3, level=3, tolerance_m=400.0, lang=lang).add_to(m)
    reach_hubs: list[str] = []
    if bands is not None:
        drawn = set(bands["hub_id"])
        reach_hubs = [h for h in hubs.index if h in drawn and h in hub_ids]
        for group in build_reach_layers(bands, list(hubs.index), lang=lang):
            group.add_to(m)
    build_water_layer(water, lang=lang).add_to(m)
    if network is not None and len(network):
        build_network_layer(network, lang=lang).add_to(m)
    build_roads_layer(
        roads,
        axes,
        axis_status,
        name=tr("map.layer_roads", lang),
        lang=lang,
        as_of=as_of,
        stale_days=stale_days,
    ).add_to(m)
    build_incidents_layer(incidents, name=incidents_label, lang=lang).add_to(m)
    kinds: set[str] = set()
    if crossings is not None and len(crossings):
        from geo.sources.curated import real_crossings

        kinds = set(real_crossings(crossings)["kind"].astype(str))
        build_crossings_layer(
            crossings, crossing_status, lang=lang, as_of=as_of, stale_days=stale_days
        ).add_to(m)
    build_encircled_layer(
        episodes, restricted=restricted, lang=lang, as_of=as_of, stale_days=stale_days
    ).add_to(m)
    if towns is not None and len(towns):
        build_towns_layer(towns, skip_near=hubs[hubs.index.isin(hub_ids)], lang=lang).add_to(m)
    build_hubs_layer(hubs, hub_ids=hub_ids, lang=lang).add_to(m)
    if positions is not None:
        build_positions_layer(positions, lang=lang).add_to(m)
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    entries = live_legend_entries(
        lang=lang,
        hubs=hubs,
        reach_hubs=reach_hubs,
        crossing_kinds=kinds,
        with_network=network is not None and len(network) > 0,
        with_water=water is not None and len(water) > 0,
        with_positions=positions is not None and len(positions) > 0,
        unconfirmed_days=stale_days if unconfirmed_in_force(episodes, as_of, stale_days).any() else None,
    )
    m.add_child(Legend(tr("map.as_of", lang, date=format_date(as_of, lang)), entries, folded=False))
    return m
