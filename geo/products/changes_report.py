"""Files of the "what changed since the last HCT" product: CSV tables, GeoPackage layers, one-page PDF.

The PDF (A4 portrait, French or English) holds the key figures, a map of the changes
(cercles by change of severity class, axes and encircled localities that changed) and
the list of constraint changes with their sources. It is an internal product (it names
every encirclement, public or not): share it as the HCT's restricted documents are shared.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geo.config import STORAGE_CRS
from geo.io import atomic_path, write_layers
from geo.model.changes import ChangeReport
from geo.products.i18n import check_lang, format_date, format_number, has_key, tr
from geo.tables import write_csv
from geo.vocab import ROAD_STATUS

logger = logging.getLogger(__name__)

#: Band (hours) the key figures are given for (the middle band of the default 4, 8, 12 h).
KEY_BAND_H = 8.0


def mpl_text(value: object) -> str:
    """Make user text safe for matplotlib (no mathtext: every ``$`` escaped)."""
    return str(value).replace("\\", "\\\\").replace("$", r"\$")


def _fmt_int(v: float, lang: str) -> str:
    return format_number(round(float(v)), lang)


def _signed(v: float, sign: str, lang: str) -> str:
    """``−n`` / ``+n`` for a loss or gain, plain ``0`` when nothing changed."""
    return "0" if round(float(v)) == 0 else sign + _fmt_int(v, lang)


# ----------------------------------------------------------------------------- figures


def key_figures(report: ChangeReport, *, band_h: float = KEY_BAND_H) -> dict[str, Any]:
    """Compute the numbers of the page's key-figures box.

    Returns
    -------
    dict
        ``changes``, ``axis_changes``, ``encirclement_changes``; ``encircled_before`` /
        ``encircled_after`` (in force on each date) and ``people_encircled_after`` (grid
        estimate, people); ``band_h`` and, nationally for that band (nearest hub),
        ``km2_lost``, ``km2_gained``, ``population_lost``, ``population_gained``,
        ``localities_lost``, ``localities_gained``; ``severity_up``, ``severity_down``
        (cercles whose class rose / fell).
    """
    c = report.constraints
    a = report.admin2
    bands = sorted(a["hours"].unique()) if len(a) else [band_h]
    band = band_h if band_h in bands else bands[len(bands) // 2]
    ab = a[a["hours"] == band]
    enc_b = report.before.state.no_entry if report.before.state is not None else None
    enc_a = report.after.state.no_entry if report.after.state is not None else None
    s = report.severity
    return {
        "changes": len(c),
        "axis_changes": int((c["kind"] == "axis").sum()),
        "encirclement_changes": int((c["kind"] == "encirclement").sum()),
        "encircled_before": 0 if enc_b is None else len(enc_b),
        "encircled_after": 0 if enc_a is None else len(enc_a),
        "people_encircled_after": float(report.people_encircled_after),
        "band_h": float(band),
        "km2_lost": float(ab["km2_lost"].sum()),
        "km2_gained": float(ab["km2_gained"].sum()),
        "population_lost": float(ab["population_lost"].sum()),
        "population_gained": float(ab["population_gained"].sum()),
        "localities_lost": int(ab["localities_lost"].sum()),
        "localities_gained": int(ab["localities_gained"].sum()),
        "severity_up": int((s["score_change"] > 0).sum()),
        "severity_down": int((s["score_change"] < 0).sum()),
    }


# ----------------------------------------------------------------------------- CSV / GPKG


def _csv(df: pd.DataFrame, path: Path) -> None:
    write_csv(df, path)


def write_tables(report: ChangeReport, out: Path) -> list[Path]:
    """Write the CSV tables: ``out`` (constraint changes) and ``<stem>_hubs``, ``_admin2``, ``_severity``.

    Returns
    -------
    list of Path
        Files written. Text cells are escaped for spreadsheets; an HXL row follows the header.
    """
    out = Path(out)
    paths = [out] + [out.with_name(f"{out.stem}_{k}{out.suffix}") for k in ("hubs", "admin2", "severity")]
    for df, p in zip((report.constraints, report.hubs, report.admin2, report.severity), paths, strict=True):
        _csv(df, p)
    return paths


def change_geometries(
    report: ChangeReport, axes: gpd.GeoDataFrame, episodes: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Give each constraint change its geometry: the axis line or the locality point (EPSG:4326)."""
    c = report.constraints
    ax = axes.to_crs(STORAGE_CRS)
    ax_geom = (
        dict(zip(ax["axis_id"], ax.geometry, strict=False)) if "axis_id" in ax else dict(ax.geometry.items())
    )
    ep = episodes.to_crs(STORAGE_CRS)
    ep_geom = dict(zip(ep["episode_id"], ep.geometry, strict=False))
    geoms = [
        (ax_geom if k == "axis" else ep_geom).get(item) for k, item in zip(c["kind"], c["item"], strict=True)
    ]
    return gpd.GeoDataFrame(c.copy(), geometry=gpd.GeoSeries(geoms, crs=STORAGE_CRS), crs=STORAGE_CRS)


def write_gpkg(
    report: ChangeReport, out: Path, *, axes: gpd.GeoDataFrame, episodes: gpd.GeoDataFrame
) -> list[str]:
    """Write the GeoPackage (EPSG:4326): the changes, per hub, per cercle, severity, areas lost and gained.

    Returns
    -------
    list of str
        Layer names written.
    """
    a2 = report.severity[["pcode", "geometry"]].rename(columns={"pcode": "adm2_pcode"})
    admin2 = gpd.GeoDataFrame(
        report.admin2.merge(a2, on="adm2_pcode", how="left"), geometry="geometry", crs=STORAGE_CRS
    )
    cons = change_geometries(report, axes, episodes)
    layers: dict[str, Any] = {
        "constraint_changes": cons[cons.geometry.notna()] if cons.geometry.notna().any() else cons,
        "hub_changes": report.hubs,
        "admin2_changes": admin2,
        "severity_changes": report.severity,
        "area_lost": report.lost[~report.lost.geometry.is_empty],
        "area_gained": report.gained[~report.gained.geometry.is_empty],
    }
    if cons.geometry.isna().any():
        layers["constraint_changes_unplaced"] = pd.DataFrame(
            cons[cons.geometry.isna()].drop(columns="geometry")
        )
    for k in ("constraint_changes",):
        df = layers[k]
        for col in ("date", "valid_from", "valid_to"):
            df[col] = pd.to_datetime(df[col]).dt.date.astype(object)
    write_layers(layers, Path(out))
    return list(layers)


# ----------------------------------------------------------------------------- PDF


def _status(value: object, lang: str) -> str:
    v = str(value)
    key = "changes." + v.replace(" ", "_")  # "in force", "not in force", ...
    if has_key(key, lang):
        return tr(key, lang)
    return ROAD_STATUS.label(v, lang).lower() if v in ROAD_STATUS else mpl_text(v)


def change_lines(report: ChangeReport, lang: str, *, limit: int = 18) -> list[str]:
    """One line per constraint change for the page (date, item, change, state before -> after, source)."""
    lines = []
    for _, r in report.constraints.iterrows():
        label = r["name"] or r["item"]
        if r["kind"] == "axis":
            label = f"{r['item']}" + (f" ({r['name']})" if r["name"] else "")
        d = r["date"]
        day = format_date(d, lang) if d is not None else ""
        lines.append(
            f"{day} · {_status(r['kind'], lang)} {mpl_text(label)} · {_status(r['change'], lang)} · "
            f"{_status(r['status_before'], lang)} → {_status(r['status_after'], lang)} · "
            f"[{mpl_text(r['source'])}]"
        )
    if len(lines) > limit:
        extra = len(lines) - (limit - 1)
        lines = lines[: limit - 1] + [tr("changes.more", lang, n=extra)]
    return lines


def write_pdf(
    report: ChangeReport,
    out: Path,
    *,
    lang: str = "fr",
    axes: gpd.GeoDataFrame | None = None,
    outline: gpd.GeoDataFrame | None = None,
) -> Path:
    """Write the one-page PDF (A4 portrait) in ``lang``.

    Parameters
    ----------
    report
        :func:`geo.model.changes.compare_dates` output .
    out
        ``.pdf`` path (replaced atomically).
    lang
        ``fr`` or ``en``.
    axes
        Axis lines with ``axis_id`` (any CRS) for the map; None: no axes drawn.
    outline
        Regions or country outline (any CRS) drawn under the cercles; optional.

    Raises
    ------
    ValueError
        Unknown ``lang``.
    """
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    lang = check_lang(lang)
    k = key_figures(report)
    fig = plt.figure(figsize=(8.27, 11.69))
    fig.text(0.05, 0.965, tr("changes.title", lang), fontsize=16, weight="bold", va="top")
    period = tr("changes.period", lang, a=format_date(report.d_from, lang), b=format_date(report.d_to, lang))
    fig.text(
        0.05,
        0.935,
        period + " — " + (tr("changes.known_on", lang) if report.known_on else tr("changes.validity", lang)),
        fontsize=9,
        va="top",
    )
    # key figures
    h = int(k["band_h"]) if float(k["band_h"]).is_integer() else k["band_h"]
    boxes = [
        (
            str(k["changes"]),
            tr("changes.k_changes", lang),
            tr("changes.k_axes_enc", lang, a=k["axis_changes"], e=k["encirclement_changes"]),
        ),
        (
            str(k["encircled_after"]),
            tr("changes.k_enc", lang),
            tr(
                "changes.k_enc_detail",
                lang,
                b=k["encircled_before"],
                a=k["encircled_after"],
                p=_fmt_int(k["people_encircled_after"], lang),
            ),
        ),
        (
            f"−{_fmt_int(k['km2_lost'], lang)} / +{_fmt_int(k['km2_gained'], lang)}",
            tr("changes.k_area", lang, h=h),
            tr("changes.k_area_detail", lang),
        ),
        (
            f"−{_fmt_int(k['population_lost'], lang)} / +{_fmt_int(k['population_gained'], lang)}",
            tr("changes.k_pop", lang, h=h),
            tr("changes.k_area_detail", lang),
        ),
        (
            f"↑{k['severity_up']} ↓{k['severity_down']}",
            tr("changes.k_sev", lang),
            tr("changes.k_sev_detail", lang),
        ),
    ]
    w = 0.9 / len(boxes)
    for i, (big, label, small) in enumerate(boxes):
        x = 0.05 + i * w
        ax = fig.add_axes((x + 0.004, 0.83, w - 0.008, 0.085))
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_facecolor("#f2f2f2")
        for sp in ax.spines.values():
            sp.set_visible(False)
        ax.text(
            0.5, 0.68, big, ha="center", va="center", fontsize=12 if len(big) < 14 else 9.5, weight="bold"
        )
        ax.text(0.5, 0.36, "\n".join(textwrap.wrap(label, 24)), ha="center", va="center", fontsize=7)
        ax.text(0.5, 0.1, small, ha="center", va="center", fontsize=6, color="#555555")
    # map
    mx = fig.add_axes((0.05, 0.44, 0.9, 0.37))
    mx.set_axis_off()
    mx.set_title(tr("changes.map_title", lang), fontsize=9, loc="left")
    sev = report.severity.to_crs(STORAGE_CRS)
    change = sev["score_change"].fillna(0).astype(float)
    colors = np.where(change > 0, "#d7301f", np.where(change < 0, "#1a9850", "#ffffff"))
    alpha = np.clip(np.abs(change) / 2.0, 0.35, 1.0)
    if outline is not None:
        outline.to_crs(STORAGE_CRS).boundary.plot(ax=mx, color="#444444", linewidth=0.8)
    for geom, col, al in zip(sev.geometry, colors, alpha, strict=True):
        gpd.GeoSeries([geom], crs=STORAGE_CRS).plot(
            ax=mx, color=col, alpha=float(al), edgecolor="#999999", linewidth=0.3
        )
    cons = report.constraints
    if axes is not None and len(cons):
        changed = set(cons.loc[cons["kind"] == "axis", "item"])
        ax_sel = axes.to_crs(STORAGE_CRS)
        ax_sel = ax_sel[ax_sel["axis_id"].isin(changed)] if "axis_id" in ax_sel else ax_sel.iloc[0:0]
        if len(ax_sel):
            ax_sel.plot(ax=mx, color="#7a0177", linewidth=2.0)
    enc_b = report.before.state.no_entry if report.before.state is not None else None
    enc_a = report.after.state.no_entry if report.after.state is not None else None
    ids_b = set() if enc_b is None else set(enc_b["episode_id"])
    ids_a = set() if enc_a is None else set(enc_a["episode_id"])
    if enc_a is not None and len(enc_a):
        on = enc_a[~enc_a["episode_id"].isin(ids_b)].to_crs(STORAGE_CRS)
        if len(on):
            on.plot(ax=mx, marker="^", color="#b10026", markersize=40, edgecolor="black", linewidth=0.5)
            for _, r in on.iterrows():
                mx.annotate(
                    mpl_text(r["locality"]),
                    (r.geometry.x, r.geometry.y),
                    xytext=(4, 3),
                    textcoords="offset points",
                    fontsize=6.5,
                )
    if enc_b is not None and len(enc_b):
        off = enc_b[~enc_b["episode_id"].isin(ids_a)].to_crs(STORAGE_CRS)
        if len(off):
            off.plot(ax=mx, marker="v", color="#31a354", markersize=40, edgecolor="black", linewidth=0.5)
            for _, r in off.iterrows():
                mx.annotate(
                    mpl_text(r["locality"]),
                    (r.geometry.x, r.geometry.y),
                    xytext=(4, -8),
                    textcoords="offset points",
                    fontsize=6.5,
                )
    for _, r in sev[change != 0].iterrows():
        p = r.geometry.representative_point()
        mx.annotate(
            f"{mpl_text(r['name'])} {int(r['score_before'])}→{int(r['score_after'])}",
            (p.x, p.y),
            fontsize=5.5,
            ha="center",
            color="#222222",
        )
    handles = [
        Patch(facecolor="#d7301f", alpha=0.7, label=tr("changes.legend_up", lang)),
        Patch(facecolor="#1a9850", alpha=0.7, label=tr("changes.legend_down", lang)),
        Line2D([], [], color="#7a0177", linewidth=2, label=tr("changes.legend_axis", lang)),
        Line2D([], [], marker="^", linestyle="", color="#b10026", label=tr("changes.legend_enc_on", lang)),
        Line2D([], [], marker="v", linestyle="", color="#31a354", label=tr("changes.legend_enc_off", lang)),
    ]
    mx.legend(handles=handles, loc="upper left", fontsize=6.5, frameon=True)
    mx.set_aspect("equal")
    # list of changes
    y = 0.425
    fig.text(0.05, y, tr("changes.list_title", lang), fontsize=10, weight="bold", va="top")
    y -= 0.022
    lines = change_lines(report, lang) or [tr("changes.none", lang)]
    for line in lines:
        for j, part in enumerate(textwrap.wrap(line, 135)[:2]):
            fig.text(0.06 if j == 0 else 0.08, y, part, fontsize=6.5, va="top")
            y -= 0.0125
    # per hub
    y -= 0.008
    fig.text(0.05, y, tr("changes.hubs_title", lang, h=h), fontsize=10, weight="bold", va="top")
    y -= 0.02
    hb = report.hubs[report.hubs["hours"] == k["band_h"]]
    for _, r in hb.iterrows():
        if y < 0.05:
            break
        fig.text(
            0.06,
            y,
            tr(
                "changes.hub_line",
                lang,
                hub=mpl_text(r["hub"]),
                kl=_signed(r["km2_lost"], "−", lang),
                kg=_signed(r["km2_gained"], "+", lang),
                pl=_signed(r["population_lost"], "−", lang),
                pg=_signed(r["population_gained"], "+", lang),
                ll=_signed(r["localities_lost"], "−", lang),
                lg=_signed(r["localities_gained"], "+", lang),
            ),
            fontsize=6.5,
            va="top",
        )
        y -= 0.0125
    fig.text(
        0.05,
        0.02,
        "\n".join(textwrap.wrap(tr("changes.footer", lang), 170)),
        fontsize=5.5,
        color="#444444",
        va="bottom",
    )
    out = Path(out)
    with atomic_path(out) as tmp:
        with PdfPages(
            tmp, metadata={"Title": tr("changes.title", lang), "Creator": tr("product_name", lang)}
        ) as pdf:
            pdf.savefig(fig)
    plt.close(fig)
    logger.info("wrote %s", out)
    return out
