"""French and English text of print maps and exports, from one table.

Every printed word goes through :func:`tr`, so a map is entirely in one language.
French strings keep their accents (UTF-8 source; matplotlib's DejaVu fonts carry them).
Dates are written out with :func:`format_date` (``30 novembre 2025`` / ``30 November 2025``)
without touching the process locale, which is shared by every Streamlit session.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from geo.vocab import ROAD_STATUS

Lang = Literal["fr", "en"]
LANGS: tuple[str, ...] = ("fr", "en")

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
}

#: key -> {lang: text}; ``{name}`` fields are filled by :func:`tr`.
TEXT: dict[str, dict[str, str]] = {
    "title_national": {"en": "Mali: humanitarian access", "fr": "Mali : accès humanitaire"},
    "title_hub": {
        "en": "Mali: humanitarian access from {hub}",
        "fr": "Mali : accès humanitaire depuis {hub}",
    },
    "title_zones": {"en": "Mali: humanitarian access zones", "fr": "Mali : zones d'accès humanitaire"},
    "subtitle": {
        "en": "Situation as of {date} · reachable areas by road ({season} season)",
        "fr": "Situation au {date} · zones atteignables par la route (saison {season})",
    },
    "subtitle_zones": {
        "en": "Situation as of {date} · access zones by {level}",
        "fr": "Situation au {date} · zones d'accès par {level}",
    },
    "season_dry": {"en": "dry", "fr": "sèche"},
    "season_rainy": {"en": "rainy", "fr": "des pluies"},
    "level_2": {"en": "cercle (admin 2)", "fr": "cercle (admin 2)"},
    "level_3": {"en": "commune (admin 3)", "fr": "commune (admin 3)"},
    "restricted": {
        "en": "RESTRICTED: humanitarian use only",
        "fr": "DIFFUSION RESTREINTE : usage humanitaire",
    },
    "public": {"en": "PUBLIC VERSION", "fr": "VERSION PUBLIQUE"},
    "legend": {"en": "Legend", "fr": "Légende"},
    "legend_reach": {"en": "Reachable by road from the hub", "fr": "Atteignable par la route depuis le hub"},
    "within_h": {"en": "within {h} h", "fr": "en moins de {h} h"},
    "bands_note": {
        "en": "Bands {hours} h: darker = faster",
        "fr": "Tranches {hours} h : plus foncé = plus rapide",
    },
    "reach_of": {"en": "Reach of {hub} (≤ {h} h)", "fr": "Portée de {hub} (≤ {h} h)"},
    "legend_roads": {"en": "Roads by status", "fr": "Routes selon leur statut"},
    # road status labels come from the one vocabulary (geo.vocab)
    **{
        f"road_{c}": {"en": ROAD_STATUS.label(c, "en"), "fr": ROAD_STATUS.label(c, "fr")} for c in ROAD_STATUS
    },
    "road_base": {"en": "Other main road", "fr": "Autre route principale"},
    "net_paved": {"en": "Secondary road, paved", "fr": "Route secondaire, bitumée"},
    "net_laterite": {"en": "Secondary road, laterite", "fr": "Route secondaire, latérite"},
    "net_track": {"en": "Track", "fr": "Piste"},
    "river": {"en": "River, lake", "fr": "Fleuve, lac"},
    "crossing_bridge": {"en": "Bridge", "fr": "Pont"},
    "crossing_ferry": {"en": "Ferry", "fr": "Bac"},
    "crossing_pirogue": {"en": "Pirogue crossing (people only)", "fr": "Traversée en pirogue (personnes)"},
    "crossing_ford": {"en": "Ford (dry season)", "fr": "Gué (saison sèche)"},
    "crossing_closed": {"en": "Crossing closed", "fr": "Traversée fermée"},
    "schematic": {"en": "Schematic axis (dashed)", "fr": "Axe schématique (tirets)"},
    "legend_zones": {"en": "Access zones", "fr": "Zones d'accès"},
    "zone_accessible": {"en": "Accessible", "fr": "Accessible"},
    "zone_constrained": {"en": "Accessible with constraints", "fr": "Accessible sous contraintes"},
    "zone_hard_to_reach": {"en": "Hard to reach", "fr": "Difficile d'accès"},
    "zone_inaccessible": {"en": "Inaccessible", "fr": "Inaccessible"},
    "legend_other": {"en": "Other features", "fr": "Autres éléments"},
    "encircled": {
        "en": "Encircled locality (blockade in force)",
        "fr": "Localité encerclée (blocus en cours)",
    },
    "hub": {"en": "HAWG hub", "fr": "Hub du GTAH"},
    "hub_coloured": {"en": "HAWG hub (colour = its reach)", "fr": "Hub du GTAH (couleur = sa portée)"},
    "hub_named": {"en": "HAWG hub: {hub}", "fr": "Hub du GTAH : {hub}"},
    "hub_other": {"en": "Other HAWG hub", "fr": "Autre hub du GTAH"},
    "foreign_land": {"en": "Neighbouring country", "fr": "Pays voisin"},
    "town": {"en": "Main town", "fr": "Ville principale"},
    "incident": {"en": "Incident in the window", "fr": "Incident dans la période"},
    "admin1": {"en": "Region boundary", "fr": "Limite de région"},
    "admin2": {"en": "Cercle boundary", "fr": "Limite de cercle"},
    "country": {"en": "Mali", "fr": "Mali"},
    "inset": {"en": "Location", "fr": "Localisation"},
    # Mali's neighbours (inset and map edges), keyed by ISO 3166 alpha-2 code
    "country_dz": {"en": "Algeria", "fr": "Algérie"},
    "country_ne": {"en": "Niger", "fr": "Niger"},
    "country_bf": {"en": "Burkina Faso", "fr": "Burkina Faso"},
    "country_ci": {"en": "Côte d'Ivoire", "fr": "Côte d'Ivoire"},
    "country_gn": {"en": "Guinea", "fr": "Guinée"},
    "country_sn": {"en": "Senegal", "fr": "Sénégal"},
    "country_mr": {"en": "Mauritania", "fr": "Mauritanie"},
    "km": {"en": "km", "fr": "km"},
    "north": {"en": "N", "fr": "N"},
    "sources_head": {"en": "Sources and licences", "fr": "Sources et licences"},
    "sources": {
        "en": "Boundaries: OCHA COD-AB Mali 2015 (CC BY-IGO), Who's On First (CC0). "
        "Localities: Who's On First. "
        "Roads: © OpenStreetMap contributors (ODbL), via S. Krantz. "
        "Population: WorldPop 2020 (CC BY 4.0). "
        "Land cover: MODIS MCD12C1. Incidents: UCDP GED 21.1 (CC BY 4.0) and curated public reports. "
        "Road status, encirclements and hubs: project curation of public sources (data/curated/sources.csv).",
        "fr": "Limites : OCHA COD-AB Mali 2015 (CC BY-IGO), Who's On First (CC0). "
        "Localités : Who's On First. "
        "Routes : © contributeurs OpenStreetMap (ODbL), via S. Krantz. "
        "Population : WorldPop 2020 (CC BY 4.0). "
        "Occupation du sol : MODIS MCD12C1. Incidents : UCDP GED 21.1 (CC BY 4.0) et rapports publics. "
        "Statut des routes, encerclements et hubs : curation du projet à partir de sources publiques "
        "(data/curated/sources.csv).",
    },
    "method": {
        "en": "Travel times are modelled on a {cell} km grid from road class speeds, land cover and the road "
        "status and blockades in force on the date; they are indicative, not a security clearance.",
        "fr": "Les temps de trajet sont modélisés sur une grille de {cell} km à partir des vitesses "
        "par classe de route, de l'occupation du sol, du statut des routes et des blocus en vigueur "
        "à la date ; ils sont indicatifs et ne valent pas autorisation de sécurité.",
    },
    "disclaimer": {
        "en": "The boundaries and names shown and the designations used on this map do not imply official "
        "endorsement or acceptance by the United Nations or the HAWG.",
        "fr": "Les limites et les noms indiqués et les désignations employées sur cette carte n'impliquent "
        "aucune reconnaissance ou acceptation officielle de la part des Nations Unies ou du GTAH.",
    },
    "produced": {
        "en": "Produced on {date} · Mali access mapper · projection: Lambert azimuthal equal-area "
        "centred on Mali",
        "fr": "Produit le {date} · Mali access mapper · projection : azimutale équivalente de "
        "Lambert centrée sur le Mali",
    },
    "page": {"en": "Page {n} of {total}", "fr": "Page {n} sur {total}"},
    "no_reach": {"en": "No reachable area: {status}", "fr": "Aucune zone atteignable : {status}"},
    # Reachability page: criticality of axes and crossings, access over time (geo.model.criticality, batch)
    "crit_title": {"fr": "Axes et traversées critiques", "en": "Critical axes and crossings"},
    "crit_intro": {
        "fr": "Chaque axe non fermé et chaque traversée utilisable par les véhicules est fermé seul, "
        "sur l'état du {date}. Coupé d'un hub : plus atteignable dans la plus grande tranche ({hours} h). "
        "Rang 1 : la fermeture qui coupe le plus de personnes de ce hub.",
        "en": "Each axis not closed and each crossing usable by vehicles is closed alone, on top of "
        "the state on {date}. Cut off from a hub: no longer reachable within the largest band "
        "({hours} h). Rank 1: the closure cutting the most people off from that hub.",
    },
    "crit_button": {"fr": "Calculer la criticité", "en": "Compute the criticality"},
    "crit_running": {"fr": "Fermetures", "en": "Closures"},
    "crit_hub": {"fr": "Hub", "en": "Hub"},
    "crit_all_hubs": {"fr": "Tous les hubs (plus grande perte)", "en": "All hubs (largest loss)"},
    "crit_none": {
        "fr": "Aucun axe ouvert ni traversée utilisable à fermer à cette date.",
        "en": "No open axis nor usable crossing to close on this date.",
    },
    "crit_layer": {"fr": "Criticité", "en": "Criticality"},
    "crit_tooltip": {
        "fr": "{item} ({kind}, {status}) : {people} personnes et {localities} localités coupées de {hub}",
        "en": "{item} ({kind}, {status}): {people} people and {localities} localities cut off from {hub}",
    },
    "crit_map_caption": {
        "fr": "Plus le trait ou le point est épais et rouge, plus la fermeture coupe de personnes "
        "(hub choisi, ou le hub le plus touché).",
        "en": "The thicker and redder the line or dot, the more people its closure cuts off (the hub "
        "chosen, or the hub most affected).",
    },
    "crit_download": {"fr": "Classement (CSV + HXL)", "en": "Ranking (CSV + HXL)"},
    "kind_axis": {"fr": "axe", "en": "axis"},
    "kind_crossing": {"fr": "traversée", "en": "crossing"},
    "col_rank": {"fr": "Rang", "en": "Rank"},
    "col_kind": {"fr": "Type", "en": "Kind"},
    "col_item": {"fr": "Axe ou traversée", "en": "Axis or crossing"},
    "col_status": {"fr": "Statut", "en": "Status"},
    "col_hub": {"fr": "Hub", "en": "Hub"},
    "col_people_cut": {"fr": "Personnes coupées", "en": "People cut off"},
    "col_localities_cut": {"fr": "Localités coupées", "en": "Localities cut off"},
    "col_km2_lost": {"fr": "Superficie perdue (km²)", "en": "Area lost (km²)"},
    "col_localities_named": {"fr": "Localités (premières)", "en": "Localities (first)"},
    "col_hubs_affected": {"fr": "Hubs touchés", "en": "Hubs affected"},
    "series_title": {"fr": "Accès dans le temps", "en": "Access over time"},
    "series_intro": {
        "fr": "Zones atteignables de chaque hub à chaque date de la période, sous les contraintes "
        "en vigueur ce jour-là (les dates sans changement ne sont calculées qu'une fois).",
        "en": "Reachable areas of each hub on each date of the period, under the constraints in "
        "force that day (dates without a change are computed once).",
    },
    "series_from": {"fr": "Du", "en": "From"},
    "series_to": {"fr": "Au", "en": "To"},
    "series_every": {"fr": "Tous les (jours)", "en": "Every (days)"},
    "series_button": {"fr": "Calculer la série", "en": "Compute the series"},
    "series_running": {"fr": "Dates", "en": "Dates"},
    "series_measure": {"fr": "Mesure", "en": "Measure"},
    "measure_population": {"fr": "Personnes atteignables", "en": "People reachable"},
    "measure_area_km2": {"fr": "Superficie atteignable (km²)", "en": "Area reachable (km²)"},
    "measure_localities": {"fr": "Localités atteignables", "en": "Localities reachable"},
    "series_caption": {
        "fr": "En moins de {hours} h depuis chaque hub. Superficie : tranches découpées sur le Mali ; "
        "personnes : WorldPop 2020.",
        "en": "Within {hours} h of each hub. Area: bands clipped to Mali; people: WorldPop 2020.",
    },
    "series_bad_period": {
        "fr": "La date de fin doit suivre la date de début.",
        "en": "The end date must follow the start date.",
    },
    "series_download": {"fr": "Série (CSV + HXL)", "en": "Series (CSV + HXL)"},
    "title_severity": {"en": "Mali: access severity", "fr": "Mali : sévérité des contraintes d'accès"},
    "subtitle_severity": {
        "en": "Situation as of {date} · 0-5 scale (ACAPS dimensions) by {level}",
        "fr": "Situation au {date} · échelle 0-5 (dimensions ACAPS) par {level}",
    },
    "legend_severity": {"en": "Access severity", "fr": "Sévérité de l'accès"},
    "severity_sparse": {
        "en": "No violence incident recorded in the window: counted over {start} – {end}, "
        "the last year the incident files cover",
        "fr": "Aucun incident de violence enregistré dans la période : comptés du {start} au {end}, "
        "dernière année couverte par les fichiers",
    },
    "legend_counts": {"en": "Incidents per cercle (window)", "fr": "Incidents par cercle (période)"},
    "all_categories": {
        "en": "All AMRF access-constraint categories",
        "fr": "Toutes catégories de contraintes d'accès (AMRF)",
    },
    "no_incident": {
        "en": "No incident recorded in the window",
        "fr": "Aucun incident enregistré dans la période",
    },
    "no_incident_window": {
        "en": "No incident recorded in the window ({start} – {end})",
        "fr": "Aucun incident enregistré dans la période ({start} – {end})",
    },
    "stale": {
        "en": "Not confirmed for more than {n} days",
        "fr": "Non confirmé depuis plus de {n} jours",
    },
    "key_figures": {"en": "Key figures", "fr": "Chiffres clés"},
    "kf_encircled": {"en": "{n} encircled localities in force", "fr": "{n} localités encerclées en vigueur"},
    "kf_no_encircled": {
        "en": "No encircled locality in force",
        "fr": "Aucune localité encerclée en vigueur",
    },
    "kf_axes": {
        "en": "Axes: {closed} closed, {constrained} constrained",
        "fr": "Axes : {closed} fermés, {constrained} sous contrainte",
    },
    "kf_stale": {
        "en": "{n} constraints not confirmed for more than {days} days",
        "fr": "{n} contraintes non confirmées depuis plus de {days} jours",
    },
    "kf_incidents": {"en": "{n} incidents in the window", "fr": "{n} incidents dans la période"},
    "kf_hubs": {"en": "{n} HAWG hubs", "fr": "{n} hubs du GTAH"},
    "reference": {"en": "Map reference: {ref}", "fr": "Référence de la carte : {ref}"},
    "contact": {"en": "Contact: {contact}", "fr": "Contact : {contact}"},
    "contact_missing": {
        "en": "Contact: not set (MALI_ACCESS_CONTACT or --contact)",
        "fr": "Contact : non renseigné (MALI_ACCESS_CONTACT ou --contact)",
    },
}


#: Texts of the app pages, keyed ``page.<name>`` (Incidents link panel, Severity page).
TEXT.update(
    {
        "page.link_head": {
            "en": "Turn an incident into a constraint",
            "fr": "Transformer un incident en contrainte",
        },
        "page.link_help": {
            "en": "The incident's date becomes the start date and its source the source of the new "
            "road status or encirclement; the link is kept in the store (history is append-only).",
            "fr": "La date de l'incident devient la date de début et sa source la source du nouveau "
            "statut de route ou du nouvel encerclement ; le lien est conservé (historique en ajout seul).",
        },
        "page.link_none": {
            "en": "No access-constraint incident in the current filter.",
            "fr": "Aucun incident de contrainte d'accès dans le filtre actuel.",
        },
        "page.link_incident": {"en": "Incident", "fr": "Incident"},
        "page.link_carried": {
            "en": "Carried over: date {date}, source {source}. AMRF category: {amrf}.",
            "fr": "Repris : date {date}, source {source}. Catégorie AMRF : {amrf}.",
        },
        "page.link_kind": {"en": "Record as", "fr": "Enregistrer comme"},
        "page.link_road_status": {"en": "Road status", "fr": "Statut de route"},
        "page.link_encirclement": {"en": "Encirclement", "fr": "Encerclement"},
        "page.link_axis": {"en": "Axis", "fr": "Axe"},
        "page.link_status": {"en": "Status", "fr": "Statut"},
        "page.link_cause": {"en": "Cause", "fr": "Cause"},
        "page.link_locality": {"en": "Locality", "fr": "Localité"},
        "page.link_radius": {
            "en": "No-entry radius (km, 0 = default)",
            "fr": "Rayon d'interdiction (km, 0 = défaut)",
        },
        "page.link_confidence": {"en": "Confidence", "fr": "Confiance"},
        "page.link_note": {"en": "Note", "fr": "Note"},
        "page.link_by": {"en": "Recorded by *", "fr": "Enregistré par *"},
        "page.link_save": {"en": "Record and link", "fr": "Enregistrer et lier"},
        "page.link_not_saved": {"en": "Not saved.", "fr": "Rien n'a été enregistré."},
        "page.link_saved": {
            "en": "Recorded: {target}, version {version}; link kept.",
            "fr": "Enregistré : {target}, version {version} ; lien conservé.",
        },
        "page.links": {"en": "Incident links ({n})", "fr": "Liens incident → contrainte ({n})"},
        "page.amrf": {"en": "AMRF categories (empty = all)", "fr": "Catégories AMRF (vide = toutes)"},
        "layer.people_inside": {
            "en": "People inside the no-entry zone",
            "fr": "Personnes dans la zone d'interdiction",
        },
        "layer.people_range": {
            "en": "; grid range {low}–{high}",
            "fr": " ; fourchette de la grille {low}–{high}",
        },
        "layer.method_grid": {
            "en": "population grid estimate",
            "fr": "estimation par la grille de population",
        },
        "layer.method_settlement": {"en": "settlement population", "fr": "population des localités"},
        "page.sev_title": {"en": "Access severity and changes", "fr": "Sévérité de l'accès et changements"},
        "page.sev_caption": {
            "en": "0-5 scale from indicators in the three ACAPS dimensions (weights, thresholds and "
            "sources: data/severity_indicators.csv); every score is traced to its indicators.",
            "fr": "Échelle 0-5 à partir d'indicateurs dans les trois dimensions ACAPS (poids, seuils et "
            "sources : data/severity_indicators.csv) ; chaque note renvoie à ses indicateurs.",
        },
        "page.sev_level": {"en": "Admin level", "fr": "Niveau administratif"},
        "page.sev_as_of": {"en": "As of", "fr": "Situation au"},
        "page.sev_window": {"en": "Incident window (days)", "fr": "Période des incidents (jours)"},
        "page.sev_index": {"en": "Index (0-5)", "fr": "Indice (0-5)"},
        "page.dim_people_to_aid": {
            "en": "People's access to aid (0-3)",
            "fr": "Accès de la population à l'aide (0-3)",
        },
        "page.dim_actors_to_people": {
            "en": "Actors' access to people (0-3)",
            "fr": "Accès des acteurs à la population (0-3)",
        },
        "page.dim_security_physical": {
            "en": "Security and physical constraints (0-3)",
            "fr": "Contraintes sécuritaires et physiques (0-3)",
        },
        "page.sev_gaps": {"en": "Information gaps", "fr": "Lacunes d'information"},
        "page.sev_sparse": {"en": "Sparse or stale data", "fr": "Données rares ou anciennes"},
        "page.sev_indicators": {
            "en": "Every indicator: value, score and the figures it comes from",
            "fr": "Chaque indicateur : valeur, note et chiffres dont il provient",
        },
        "page.sev_counts": {"en": "Units per class", "fr": "Unités par classe"},
        "page.sev_download": {"en": "Severity table (CSV + HXL)", "fr": "Tableau de sévérité (CSV + HXL)"},
        "page.chg_head": {"en": "What changed between two dates", "fr": "Ce qui a changé entre deux dates"},
        "page.chg_from": {"en": "From", "fr": "Du"},
        "page.chg_to": {"en": "To", "fr": "Au"},
        "page.chg_known": {
            "en": "As known on each date (records' recorded_at)",
            "fr": "Tel que connu à chaque date (date d'enregistrement)",
        },
        "page.chg_run": {"en": "Compare", "fr": "Comparer"},
        "page.chg_order": {
            "en": "The first date must be before the second.",
            "fr": "La première date doit précéder la seconde.",
        },
        "page.chg_changes": {"en": "Constraint changes", "fr": "Changements de contraintes"},
        "page.chg_hubs": {"en": "Per hub", "fr": "Par hub"},
        "page.chg_admin2": {"en": "Per cercle", "fr": "Par cercle"},
        "page.chg_severity": {"en": "Severity changes", "fr": "Changements de sévérité"},
        "page.chg_pdf": {"en": "One-page PDF", "fr": "PDF d'une page"},
        "page.kf_changes": {"en": "Constraint changes", "fr": "Changements de contraintes"},
        "page.kf_km2": {"en": "km² lost / gained", "fr": "km² perdus / gagnés"},
        "page.kf_people": {"en": "People lost / gained", "fr": "Personnes perdues / gagnées"},
        "page.kf_severity": {"en": "Cercles worse / better", "fr": "Cercles en hausse / en baisse"},
    }
)


#: Texts of public snapshots (geo/products/snapshot.py), keyed ``snapshot.<name>``.
TEXT.update(
    {
        "snapshot.title": {
            "en": "Mali: humanitarian access (public snapshot)",
            "fr": "Mali : accès humanitaire (instantané public)",
        },
        "snapshot.as_of": {"en": "As of", "fr": "Situation au"},
        "snapshot.release": {"en": "Data as of", "fr": "Données au"},
        "snapshot.delay": {"en": "release delay", "fr": "délai de publication"},
        "snapshot.days": {"en": "days", "fr": "jours"},
        "snapshot.policy": {"en": "Sanitisation policy", "fr": "Politique d'anonymisation"},
        "snapshot.downloads": {"en": "Downloads", "fr": "Téléchargements"},
        "snapshot.sources": {"en": "Sources and licences", "fr": "Sources et licences"},
        "snapshot.admin1": {"en": "Regions", "fr": "Régions"},
        "snapshot.incidents": {"en": "Incidents per cercle", "fr": "Incidents par cercle"},
        "snapshot.encircled": {
            "en": "Encircled localities (cercles)",
            "fr": "Localités encerclées (cercles)",
        },
        "snapshot.roads": {"en": "Road status", "fr": "État des routes"},
        "snapshot.reach": {"en": "Reachable within", "fr": "Accessible en"},
        "snapshot.hours": {"en": "h", "fr": "h"},
        "snapshot.incidents_label": {"en": "Incidents", "fr": "Incidents"},
        "snapshot.period": {"en": "Period", "fr": "Période"},
        "snapshot.localities_encircled": {"en": "Encircled localities", "fr": "Localités encerclées"},
        "snapshot.named_localities": {"en": "Named (public)", "fr": "Nommées (publiques)"},
        "snapshot.status": {"en": "Status", "fr": "État"},
        "snapshot.route": {"en": "Route", "fr": "Route"},
        "snapshot.area_km2": {"en": "Area (km²)", "fr": "Superficie (km²)"},
        "snapshot.population": {"en": "Population", "fr": "Population"},
        "snapshot.hub": {"en": "Hub", "fr": "Hub"},
        **{
            f"snapshot.{c}": {"en": ROAD_STATUS.label(c, "en"), "fr": ROAD_STATUS.label(c, "fr")}
            for c in ROAD_STATUS
        },
        "snapshot.legend": {"en": "Legend", "fr": "Légende"},
        "snapshot.note": {
            "en": "Counts of 1-4 are shown as a range. Reachable areas are generalised.",
            "fr": "Les nombres de 1 à 4 sont donnés en fourchette. Zones accessibles généralisées.",
        },
        "snapshot.map_png": {"en": "Static map (PNG)", "fr": "Carte statique (PNG)"},
        "snapshot.metadata": {"en": "Metadata (JSON)", "fr": "Métadonnées (JSON)"},
    }
)


#: Texts of the interactive maps (live map and snapshot map: layer names, legends, notes), ``map.*``.
TEXT.update(
    {
        "map.as_of": {"en": "As of {date}", "fr": "Situation au {date}"},
        "map.legend": {"en": "Legend", "fr": "Légende"},
        "map.layer_admin1": {"en": "Regions", "fr": "Régions"},
        "map.layer_admin2": {"en": "Cercles", "fr": "Cercles"},
        "map.layer_admin3": {"en": "Communes", "fr": "Communes"},
        "map.layer_roads": {"en": "Main roads and axis status", "fr": "Routes principales et état des axes"},
        "map.layer_network": {"en": "Secondary roads and tracks", "fr": "Routes secondaires et pistes"},
        "map.layer_rivers": {"en": "Rivers and lakes", "fr": "Fleuves et lacs"},
        "map.layer_crossings": {"en": "River crossings", "fr": "Traversées de fleuve"},
        "map.layer_towns": {"en": "Towns", "fr": "Villes"},
        "map.layer_hubs": {"en": "HAWG hubs", "fr": "Hubs du GTAH"},
        "map.layer_encircled": {"en": "Encircled localities", "fr": "Localités encerclées"},
        "map.layer_incidents": {
            "en": "Incidents ({n} in {days} days)",
            "fr": "Incidents ({n} en {days} jours)",
        },
        "map.layer_reach": {"en": "Reach: {hub}", "fr": "Portée : {hub}"},
        "map.head_points": {"en": "Places", "fr": "Lieux"},
        "map.head_reach": {"en": "Reachable by road", "fr": "Atteignable par la route"},
        "map.head_water": {"en": "Rivers and crossings", "fr": "Fleuves et traversées"},
        "map.hub": {"en": "HAWG hub (colour = its reach)", "fr": "Hub du GTAH (couleur = sa portée)"},
        "map.town": {"en": "Town", "fr": "Ville"},
        "map.encircled_in_force": {
            "en": "Encircled locality, no-entry zone in force",
            "fr": "Localité encerclée, zone d'interdiction en vigueur",
        },
        "map.encircled_other": {
            "en": "Encircled earlier or unconfirmed",
            "fr": "Encerclement levé ou non confirmé",
        },
        "map.noentry_zone": {"en": "No-entry radius", "fr": "Rayon d'interdiction"},
        "map.incident": {
            "en": "Incident (hollow: imprecise location)",
            "fr": "Incident (creux : position imprécise)",
        },
        "map.reach_of": {"en": "Reach of {hub}", "fr": "Portée de {hub}"},
        "map.within": {"en": "{hub}: within {h} h", "fr": "{hub} : en moins de {h} h"},
        "map.crossing_status": {"en": "{name}: {status}", "fr": "{name} : {status}"},
        # the public snapshot's map
        "snapmap.reach_any": {
            "en": "Reachable from a hub (within {h} h)",
            "fr": "Atteignable depuis un hub (moins de {h} h)",
        },
        "snapmap.reach_hub": {
            "en": "Reach of {hub} (within {h} h)",
            "fr": "Portée de {hub} (moins de {h} h)",
        },
        "snapmap.reach_share": {
            "en": "Area reachable within {h} h",
            "fr": "Superficie atteignable en moins de {h} h",
        },
        "snapmap.cercle": {"en": "Cercle", "fr": "Cercle"},
        "snapmap.cercle_title": {"en": "{name} cercle", "fr": "Cercle de {name}"},
        "snapmap.region": {"en": "Region", "fr": "Région"},
        "snapmap.incidents_in_period": {"en": "Incidents ({period})", "fr": "Incidents ({period})"},
        "snapmap.no_encircled": {"en": "none in force", "fr": "aucune en vigueur"},
        "snapmap.sparse": {
            "en": "Incident data after {date} are sparse: the systematic dataset (UCDP GED) ends on "
            "that date and only a few public reports are counted since. A cercle showing 0 or few "
            "incidents may have had many.",
            "fr": "Les données d'incidents après le {date} sont lacunaires : le jeu de données "
            "systématique (UCDP GED) s'arrête à cette date et seuls quelques rapports publics sont "
            "comptés depuis. Un cercle à 0 ou à peu d'incidents peut en avoir connu beaucoup.",
        },
        "snapmap.sparse_short": {
            "en": "sparse data after {date}",
            "fr": "données lacunaires après le {date}",
        },
        "snapmap.click": {
            "en": "Click a cercle for its figures.",
            "fr": "Cliquez sur un cercle pour voir ses chiffres.",
        },
        "snapmap.period_text": {"en": "{start} to {end}", "fr": "du {start} au {end}"},
        "snapmap.encircled_cercle": {
            "en": "Cercle with encircled localities",
            "fr": "Cercle avec des localités encerclées",
        },
    }
)


#: First run and the public page (views/auth.py, views/public.py), ``first.*`` and ``public.*``.
TEXT.update(
    {
        "first.no_account": {
            "en": "No account exists yet. To create the first one (an access advisor), run this "
            "command on the server, in the project folder, then reload this page:",
            "fr": "Aucun compte n'existe encore. Pour créer le premier (un conseiller accès), lancez "
            "cette commande sur le serveur, dans le dossier du projet, puis rechargez cette page :",
        },
        "first.sidebar": {
            "en": "No account yet: the page explains how to create the first one.",
            "fr": "Aucun compte pour l'instant : la page explique comment créer le premier.",
        },
        "first.then": {
            "en": "The command asks for a password (not shown as you type). Replace NAME with the "
            "user name. The advisor then adds the other accounts the same way, with the role "
            "planner or viewer. Until then, only the public snapshots are open.",
            "fr": "La commande demande un mot de passe (non affiché à la saisie). Remplacez NAME par le "
            "nom d'utilisateur. Le conseiller ajoute ensuite les autres comptes de la même façon, avec "
            "le rôle planner ou viewer. D'ici là, seuls les instantanés publics sont ouverts.",
        },
        "public.title": {"en": "Public snapshots", "fr": "Instantanés publics"},
        "public.what": {
            "en": "What you will find here: dated, sanitised snapshots of humanitarian access in Mali "
            "for donors and partners: incident counts per cercle and month, the cercles with encircled "
            "localities, the status of the main roads, and the areas reachable by road from the HAWG "
            "hubs, as an interactive map, a static map, and GeoJSON and CSV files. No login is needed; "
            "nothing here identifies actors, sources' notes or precise incident locations.",
            "fr": "Ce que vous trouverez ici : des instantanés datés et anonymisés de l'accès humanitaire "
            "au Mali, pour les bailleurs et les partenaires : le nombre d'incidents par cercle et par "
            "mois, les cercles où des localités sont encerclées, l'état des axes routiers principaux et "
            "les zones atteignables par la route depuis les hubs du GTAH, en carte interactive, en carte "
            "statique et en fichiers GeoJSON et CSV. Aucune connexion n'est nécessaire ; rien ici "
            "n'identifie d'acteur, de note de source ni de lieu précis d'incident.",
        },
        "public.when": {
            "en": "When: the HAWG's access advisors publish a snapshot when the situation changes. Each "
            "one shows the situation {days} days before its date (release delay), so that nothing "
            "published can put people or operations at risk.",
            "fr": "Quand : les conseillers accès du GTAH publient un instantané quand la situation "
            "évolue. Chacun montre la situation {days} jours avant sa date (délai de publication), afin "
            "que rien de ce qui est publié ne mette en danger des personnes ou des opérations.",
        },
        "public.latest": {
            "en": "Latest snapshot: {date} (situation as of {release}).",
            "fr": "Dernier instantané : {date} (situation au {release}).",
        },
        "public.none": {
            "en": "No snapshot has been published yet. The first one will appear on this page as soon "
            "as an access advisor publishes it.",
            "fr": "Aucun instantané n'a encore été publié. Le premier apparaîtra sur cette page dès "
            "qu'un conseiller accès le publiera.",
        },
        "public.publish_head": {"en": "Publish a snapshot", "fr": "Publier un instantané"},
        "public.publish_help": {
            "en": "Builds a new public snapshot from the current data and store, exactly as the "
            "command python -m geo snapshot does (sanitised by the publication policy; a few minutes). "
            "Published snapshots are never changed.",
            "fr": "Construit un nouvel instantané public à partir des données et du registre actuels, "
            "exactement comme la commande python -m geo snapshot (anonymisé selon la politique de "
            "publication ; quelques minutes). Un instantané publié n'est jamais modifié.",
        },
        "public.as_of": {"en": "Snapshot date", "fr": "Date de l'instantané"},
        "public.delay": {"en": "Release delay (days)", "fr": "Délai de publication (jours)"},
        "public.lang": {"en": "Language of the snapshot", "fr": "Langue de l'instantané"},
        "public.months": {"en": "Months of incident counts", "fr": "Mois de décompte des incidents"},
        "public.publish": {"en": "Publish", "fr": "Publier"},
        "public.publishing": {"en": "Building the snapshot", "fr": "Construction de l'instantané"},
        "public.published": {
            "en": "Snapshot {name} published: it is listed below.",
            "fr": "Instantané {name} publié : il figure ci-dessous.",
        },
        "public.failed": {
            "en": "The snapshot could not be built: {error}",
            "fr": "L'instantané n'a pas pu être construit : {error}",
        },
    }
)


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported.

    Raises
    ------
    ValueError
        ``lang`` is not one of :data:`LANGS`.
    """
    if lang not in LANGS:
        msg = f"language must be one of {', '.join(LANGS)}, got {lang!r}"
        raise ValueError(msg)
    return lang


def tr(key: str, lang: str, **fields: object) -> str:
    """Text ``key`` in ``lang`` with ``{fields}`` filled.

    Parameters
    ----------
    key
        Key of :data:`TEXT`.
    lang
        ``{"fr", "en"}``.
    **fields
        Values for the placeholders.

    Returns
    -------
    str

    Raises
    ------
    KeyError
        Unknown key.
    ValueError
        Unsupported language.
    """
    return TEXT[key][check_lang(lang)].format(**fields)


def format_date(day: dt.date, lang: str) -> str:
    """``30 November 2025`` or ``30 novembre 2025`` (``1er`` for the first day in French)."""
    check_lang(lang)
    d = "1er" if (lang == "fr" and day.day == 1) else str(day.day)
    return f"{d} {_MONTHS[lang][day.month - 1]} {day.year}"


def format_hours(h: float) -> str:
    """``4`` for 4.0, ``2.5`` for 2.5 (no trailing zeros)."""
    return f"{h:g}"
