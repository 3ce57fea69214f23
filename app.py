"""Streamlit entry point: page config, shared sidebar state, and the page router.

Run with ``streamlit run app.py``. UI only: analysis lives in ``geo/``, map layers in
``layers/``.
"""

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="Mali humanitarian access", layout="wide")  # default favicon: served locally

from views.auth import login_sidebar, visible_pages  # noqa: E402
from views.common import init_state  # noqa: E402

ROOT = Path(__file__).resolve().parent
#: (script, title). A page is listed only when its script exists. No page icons: Streamlit's
#: Material icons are fetched from a font CDN, and emoji need a colour-emoji font.
PAGES = [
    ("views/live_map.py", "Live map"),
    ("views/reachability.py", "Reachability"),
    ("views/constraints.py", "Constraints"),
    ("views/incidents.py", "Incidents"),
    ("views/severity.py", "Severity"),
    ("views/export.py", "Export"),
    ("views/positions.py", "Positions"),
    ("views/public.py", "Public snapshots"),
]

init_state()
role = login_sidebar()  # sign-in widgets; the role decides which pages are listed (views/auth.py)
pages = [
    st.Page(str(ROOT / script), title=title)
    for script, title in visible_pages(PAGES, role)
    if (ROOT / script).exists()
]
st.session_state["nav_pages"] = [p.title for p in pages]  # what this role was offered (tests read it)
st.navigation(pages).run()
