"""The app as served: ``streamlit run server.py`` serves ``app.py`` once its warm-up is done.

Streamlit runs ``app.py`` once per page visit; nothing in it runs when the server starts. This
file hands ``app.py`` to ``st.App`` (Streamlit's ASGI application, the same Starlette server
as ``streamlit run app.py``) with a lifespan that computes the live map's default state
(:func:`views.common.start_warm_up`) before the server answers anyone. Requests that arrive
meanwhile, the health check ``/_stcore/health`` included, wait in the socket's queue and are
answered when the warm-up ends: about 5 s on a 2-core machine, 30 s more the first time
numba's kernel cache is empty.

Why: a server just started, with 10 viewers opening the live map at once, ran the warm-up
for 21 s instead of 5 s, sharing 2 cores with the ten browsers, and the slowest live map
came after 12-18 s (``bench/bench_load.py``); once warm it came within 10 s.

``streamlit run app.py`` still works: the warm-up then starts with the first visit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import streamlit as st


@asynccontextmanager
async def warm_before_serving(_app: st.App) -> AsyncIterator[None]:
    """Run the warm-up to its end (in a worker thread) before the server takes requests."""
    from views.common import start_warm_up

    thread = start_warm_up()
    if thread is not None:
        await asyncio.to_thread(thread.join)
    yield


app = st.App(Path(__file__).with_name("app.py"), lifespan=warm_before_serving)
