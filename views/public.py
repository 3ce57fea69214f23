"""Public snapshots for donors and partners: no login, sanitised data only.

Lists the dated snapshots of the snapshot root (``MALI_ACCESS_SNAPSHOTS`` or
var/snapshots), shows one (its offline map, PNG and metadata) after checking every
file against the SHA-256 in its metadata, and offers its downloads. It says what donors
find here and when snapshots are published. For a visitor the page reads snapshot folders
only (never the store, the incidents or the curated layers); an access advisor also gets a
"Publish" form, which runs the code of ``python -m geo snapshot``
(:func:`geo.products.snapshot.publish_snapshot`). With no account yet, the page says how
to create the first one.
"""

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from geo.errors import AccessMapError
from geo.escape import markdown_text as md
from geo.products.i18n import LANG_NAMES, format_date, source_credit, tr
from geo.products.snapshot import (
    DEFAULT_DELAY_DAYS,
    DEFAULT_WINDOW_MONTHS,
    download_name,
    language_name,
    list_snapshots,
    publish_snapshot,
    published_text,
    read_metadata,
    verify_snapshot,
    zip_snapshot,
)
from views import auth, common

#: Page name of the confirmation kept after a publication (common.notify / common.show_notice).
PAGE = "public"


def publish_form(lang: str) -> None:
    """Advisors only: build a snapshot with the code of ``python -m geo snapshot`` (publish_snapshot)."""
    with st.expander(tr("public.publish_head", lang), expanded=False):
        st.caption(md(tr("public.publish_help", lang)))
        # Defaults of the keyed widgets set once in the session state, not also as the widgets'
        # value/index: the language switch sets keyed widgets again from the session state
        # (common.relabel_widgets), and Streamlit warns about a widget given both.
        st.session_state.setdefault("publish_as_of", dt.date.today())
        st.session_state.setdefault("publish_lang", lang)
        with st.form("publish_snapshot", enter_to_submit=False):
            c1, c2, c3, c4 = st.columns(4)
            as_of = c1.date_input(tr("public.as_of", lang), key="publish_as_of", format=common.date_format())
            delay = c2.number_input(
                tr("public.delay", lang), min_value=0, max_value=365, value=DEFAULT_DELAY_DAYS, step=1
            )
            snap_lang = c3.selectbox(
                tr("public.lang", lang),
                ["fr", "en"],
                key="publish_lang",
                format_func=lambda code: LANG_NAMES.get(code, code),
                filter_mode=None,
            )
            months = c4.number_input(
                tr("public.months", lang), min_value=1, max_value=120, value=DEFAULT_WINDOW_MONTHS, step=1
            )
            submitted = st.form_submit_button(tr("public.publish", lang), type="primary")
        if submitted:
            folder_data = str(common.data_dir())
            try:
                publish_snapshot(
                    Path(folder_data),
                    common.settings().snapshots_dir,
                    store_path=common.store_path(),
                    as_of=as_of,
                    delay_days=int(delay),
                    lang=snap_lang,
                    window_months=int(months),
                    model=common.model_inputs(folder_data),
                    progress=common.st_progress(tr("public.publishing", lang)),
                )
            except AccessMapError as exc:
                st.error(md(tr("public.failed", lang, error=exc)))
            else:
                # Kept in the session and drawn under the page title (common.show_notice), outside
                # this expander: the rerun lists the new snapshot, which moves the expander, and
                # Streamlit redraws it folded, hiding any message left inside it. The confirmation
                # stays until dismissed or another page is opened (app.py, keep_notice_for).
                common.notify(PAGE, md(published_text(as_of, int(delay), snap_lang, lang)))
                st.rerun()  # the list above was read before this snapshot existed: read it again


MIME = {
    ".geojson": "application/geo+json",
    ".csv": "text/csv",
    ".png": "image/png",
    ".json": "application/json",
}


@st.cache_data(show_spinner=False, max_entries=8)
def _zip(folder: str, snapshot_id: str) -> bytes:
    from pathlib import Path

    return zip_snapshot(Path(folder))


lang = common.lang()
st.title(tr("public.title", lang))
common.show_notice(PAGE)  # "Snapshot ... published", until the user moves on
root = common.settings().snapshots_dir
snapshots = list_snapshots(root)
st.markdown(md(tr("public.what", lang)))
st.markdown(md(tr("public.when", lang) + " " + common.release_delay_text(snapshots, lang)))
if snapshots:
    st.caption(
        md(
            tr(
                "public.latest",
                lang,
                date=format_date(snapshots[0].as_of, lang),
                release=format_date(snapshots[0].release_date, lang),
            )
        )
    )
if auth.no_accounts():
    auth.first_run_help()
if auth.has_role(auth.current_role(), "advisor"):
    publish_form(lang)
if not snapshots:
    st.info(md(tr("public.none", lang)))
    st.stop()

labels = {
    s.snapshot_id: common.t(
        "public.label",
        date=common.day(s.as_of),
        lang=LANG_NAMES.get(s.lang, s.lang),
        release=common.day(s.release_date),
    )
    for s in snapshots
}
chosen = st.selectbox(
    common.t("public.snapshot"), list(labels), format_func=labels.get, key="public_snapshot"
)
snap = next(s for s in snapshots if s.snapshot_id == chosen)
if snap.lang != lang:  # its map, texts and files are in its own language: said before they are shown
    same_date = [s for s in snapshots if s.as_of == snap.as_of and s.lang == lang]
    named = {"lang": language_name(snap.lang, lang), "page_lang": language_name(lang, lang)}
    if same_date:
        st.info(common.t("public.snapshot_lang_other", **named))
    else:
        st.info(common.t("public.snapshot_lang_only", **named))
try:
    problems = verify_snapshot(snap.path)
    meta = read_metadata(snap.path)
except AccessMapError as exc:
    st.error(common.t("public.unreadable", problem=md(exc)))
    st.stop()
if problems:
    st.error(common.t("public.checksums") + " " + "; ".join(md(p) for p in problems[:5]))
    st.stop()

# Key figures in a row that wraps: each takes the width of its text ("2 décembre 2026" is never
# cut to "2 décembre …" as in four equal columns), and goes to the next line on a narrow screen.
with st.container(horizontal=True, wrap=True, gap="medium", key="public_key_figures"):
    for label, value in (
        # the situation shown is the release date (as_of - delay); as_of is the publication day
        (common.t("snapshot.release"), common.day(snap.release_date)),
        (common.t("snapshot.as_of"), common.day(snap.as_of)),
        (common.t("public.m_delay"), common.tn("public.days", meta["release_delay_days"])),
        (common.t("public.policy"), f"v{meta['sanitisation_policy']['version']}"),
    ):
        st.metric(label, value, width="content")

tab_map, tab_png, tab_dl, tab_about = st.tabs(
    [
        common.t("public.tab_map"),
        common.t("public.tab_png"),
        common.t("public.tab_downloads"),
        common.t("public.tab_sources"),
    ]
)
with tab_map:
    # The verified index.html itself: self-contained (Leaflet inlined, no network); embedded
    # as an iframe srcdoc, it swaps its relative download links for a note (the Downloads tab
    # offers the files).
    page = snap.path / "index.html"
    if page.is_file():
        st.iframe(page.read_text(encoding="utf-8"), height=640)
    else:
        st.info(common.t("public.no_map"))
with tab_png:
    st.image(str(snap.path / "map.png"), caption=md(meta["title"]))
with tab_dl:
    st.download_button(
        common.t("public.zip", mb=common.num(snap.size_bytes / 1e6, decimals=1)),
        _zip(str(snap.path), snap.snapshot_id),
        file_name=download_name("", snap.as_of, lang),
        mime="application/zip",
        key="dl_zip",
        on_click="ignore",
    )
    files = [f for f in meta["files"] if f.startswith("downloads/") or f == "map.png"] + ["metadata.json"]
    for i, name in enumerate(files):
        path = snap.path / name
        # named for the reader, in the page's language (acces-mali-etat-des-routes-2026-12-01.csv)
        file_name = download_name(name, snap.as_of, lang)
        st.download_button(
            md(file_name),
            path.read_bytes(),
            file_name=file_name,
            mime=MIME.get(path.suffix, "application/octet-stream"),
            key=f"dl_{i}",
            on_click="ignore",
        )
    st.caption(common.t("public.formats"))
with tab_about:
    # credits in the page's language, names and titles of sources as published (source_credit);
    # a static table, whose cells wrap, so long credits and URLs are read whole (a Markdown
    # table does not break a URL: it ran past the window's edge)
    credits = [source_credit(s, lang) for s in meta["sources"]]
    st.table(
        pd.DataFrame(
            {
                common.t("public.data"): [c["data"] for c in credits],
                common.t("public.publisher"): [c["publisher"] for c in credits],
                common.t("public.licence"): [c["licence"] for c in credits],
                "URL": [c["url"] for c in credits],
            }
        ).set_index(common.t("public.data"))
    )
    st.caption(
        common.t("public.policy_note", version=md(meta["sanitisation_policy"]["version"]), n=snap.n_files)
    )
