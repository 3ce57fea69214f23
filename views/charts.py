"""Charts of the pages (Altair / Vega-Lite) written for the session's language.

Streamlit's ``st.line_chart`` and ``st.bar_chart`` format axes in English (``Jun 2025``,
``16,000,000``) whatever the page's language. The charts here carry a Vega-Lite ``locale``
built from Babel's data (month and day names, decimal and group marks), so French axes read
``juin 2025`` and ``16 000 000``.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from geo.products.cartography import hub_colour
from geo.products.i18n import check_lang, tr


def vega_locale(lang: str) -> dict:
    """Return the Vega-Lite ``config.locale`` of ``lang``: d3 number and time formats from Babel.

    Parameters
    ----------
    lang
        ``{"fr", "en"}``.

    Returns
    -------
    dict
        ``{"number": {...}, "time": {...}}`` (d3-format / d3-time-format locale objects):
        French decimal comma and narrow no-break space between thousands, month and day names.
    """
    from babel.dates import get_day_names, get_month_names
    from babel.numbers import get_decimal_symbol, get_group_symbol

    lang = check_lang(lang)
    months = get_month_names("wide", locale=lang)
    short_months = get_month_names("abbreviated", locale=lang)
    days = get_day_names("wide", locale=lang)  # Monday = 0
    short_days = get_day_names("abbreviated", locale=lang)
    sunday_first = [6, 0, 1, 2, 3, 4, 5]
    return {
        "number": {
            "decimal": get_decimal_symbol(lang),
            "thousands": get_group_symbol(lang),
            "grouping": [3],
            "currency": ["", "\u00a0€"] if lang == "fr" else ["$", ""],
        },
        "time": {
            "dateTime": "%A %e %B %Y, %X",
            "date": "%d/%m/%Y" if lang == "fr" else "%Y-%m-%d",
            "time": "%H:%M:%S",
            "periods": ["AM", "PM"],
            "days": [days[i] for i in sunday_first],
            "shortDays": [short_days[i] for i in sunday_first],
            "months": [months[m] for m in range(1, 13)],
            "shortMonths": [short_months[m] for m in range(1, 13)],
        },
    }


def season_spans(dates: pd.Series, seasons: pd.Series, *, season: str = "rainy") -> pd.DataFrame:
    """Return the runs of consecutive series dates in ``season``, as ``start``/``end`` rows.

    Parameters
    ----------
    dates
        Dates of the series (any order, repeats allowed: one per hub and band).
    seasons
        Season of each date (``dry`` / ``rainy``), aligned with ``dates``.
    season
        The season whose runs are returned.

    Returns
    -------
    pandas.DataFrame
        ``start``, ``end`` (Timestamps: the first and last date of each run), in date order.
    """
    by_date = (
        pd.DataFrame({"date": pd.to_datetime(dates), "season": seasons.to_numpy()})
        .drop_duplicates("date")
        .sort_values("date")
    )
    inside = (by_date["season"] == season).to_numpy()
    runs, start = [], None
    for day, flag in zip(by_date["date"], inside, strict=True):
        if flag and start is None:
            start = day
        if flag:
            end = day
        elif start is not None:
            runs.append((start, end))
            start = None
    if start is not None:
        runs.append((start, end))
    return pd.DataFrame(runs, columns=["start", "end"])


def rainy_months(lang: str) -> tuple[str, str]:
    """Return the first and last rainy months of the seasonal calendar in words (``juin``, ``octobre``)."""
    from babel.dates import get_month_names

    from geo.sources.curated import read_season_calendar

    rainy = sorted(m for m, season in read_season_calendar().items() if season == "rainy")
    names = get_month_names("wide", locale=check_lang(lang))
    return (names[rainy[0]], names[rainy[-1]]) if rainy else ("", "")


def month_bars(trend: pd.DataFrame, *, value: str, value_label: str, lang: str) -> alt.Chart:
    """Bar chart of a monthly count (``month`` as dates), months and numbers written for ``lang``."""
    return (
        alt.Chart(trend)
        .mark_bar()
        .encode(
            x=alt.X("month:T", title=tr("incidents.month", lang), axis=alt.Axis(format="%b %Y")),
            y=alt.Y(f"{value}:Q", title=value_label, axis=alt.Axis(format=",d")),
            tooltip=[
                alt.Tooltip("month:T", title=tr("incidents.month", lang), format="%B %Y"),
                alt.Tooltip(f"{value}:Q", title=value_label, format=",d"),
            ],
        )
        .properties(height=280)
        .configure(locale=alt.Locale(**vega_locale(lang)))
    )


def series_chart(
    long: pd.DataFrame, *, measure: str, measure_label: str, lang: str, rainy: pd.DataFrame | None = None
) -> alt.LayerChart:
    """Line chart of access over time, one line per hub, axes written for ``lang``.

    Parameters
    ----------
    long
        One row per date and hub: ``as_of`` (datetime), ``hub_id``, ``hub`` (name), ``measure``.
        Each hub's line has the hub's colour on every map
        (:func:`geo.products.cartography.hub_colour`, by its id).
    measure
        Column plotted (``population``, ``area_km2``, ``localities``).
    measure_label
        Title of the y axis (already in ``lang``).
    lang
        ``{"fr", "en"}``: month names, thousands separators, legend and note.
    rainy
        :func:`season_spans` of the rainy season: shaded, with a note saying the seasonal
        calendar closes the dry-season tracks then (so the drop is expected); None or empty
        for no shading.

    Returns
    -------
    altair.LayerChart
        With ``config.locale`` from :func:`vega_locale`.
    """
    hubs = long.drop_duplicates("hub")
    colours = alt.Scale(domain=list(hubs["hub"]), range=[hub_colour(str(h)) for h in hubs["hub_id"]])
    base = alt.Chart(long)
    x = alt.X("as_of:T", title=tr("series_date", lang), axis=alt.Axis(format="%b %Y", labelAngle=0))
    lines = base.mark_line(point=True).encode(
        x=x,
        y=alt.Y(f"{measure}:Q", title=measure_label, axis=alt.Axis(format=",d")),
        color=alt.Color("hub:N", title=tr("series_hub", lang), scale=colours),
        tooltip=[
            alt.Tooltip("as_of:T", title=tr("series_date", lang), format="%e %B %Y"),
            alt.Tooltip("hub:N", title=tr("series_hub", lang)),
            alt.Tooltip(f"{measure}:Q", title=measure_label, format=",d"),
        ],
    )
    layers: list[alt.Chart] = []
    if rainy is not None and len(rainy):
        spans = rainy.assign(note=tr("series_rainy_band", lang))
        shade = (
            alt.Chart(spans)
            .mark_rect(color="#4a90c2", opacity=0.13)
            .encode(x="start:T", x2="end:T", tooltip=[alt.Tooltip("note:N", title=tr("series_note", lang))])
        )
        label = (
            alt.Chart(spans)
            .mark_text(align="left", baseline="top", dx=4, dy=4, color="#245b85", fontSize=11)
            .encode(x="start:T", y=alt.value(0), text="note:N")
        )
        layers += [shade, label]
    return (
        alt.layer(*layers, lines)
        .properties(height=360)
        .configure(locale=alt.Locale(**vega_locale(lang)))
        .configure_legend(orient="bottom")
    )
