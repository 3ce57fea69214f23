"""Shared harness of the Chromium tests: start the app on a free port, sign in through its form."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
#: A page's map frame: the live map's plain frame (``views.maps.show_map``) or the st_folium
#: component of the other pages (the public page's snapshot is a plain frame too).
MAP_FRAME = 'iframe[title="st.iframe"], iframe[title="streamlit_folium.st_folium"]'


def map_frame(page):  # noqa: ANN001, ANN201
    """Return the page's map frame (a Playwright ``Frame``) once Leaflet has drawn a vector.

    Waits until the page holds exactly one map frame: the previous page's map is gone.
    """
    page.wait_for_function(f"document.querySelectorAll({MAP_FRAME!r}).length === 1", timeout=180_000)
    frame = page.locator(MAP_FRAME).element_handle().content_frame()
    frame.locator("path.leaflet-interactive").first.wait_for(state="attached", timeout=120_000)
    return frame


#: The legend's box (px, in the map's frame), whether it is open, how far it scrolls, and what of
#: Mali lies under it: drawn paths (admin units, roads, reach) found every 4 px over the box, and
#: markers (hubs, towns, encirclements, crossings) whose box meets it; paths drawn out of view.
LEGEND_JS = """() => {
    const map = window.snapshotMap || Object.keys(window).map(k => {
        try { return window[k]; } catch (e) { return null; }  // a sandboxed frame's localStorage
    }).find(v => v instanceof L.Map);
    const box = document.querySelector(".map-legend");
    const b = box.getBoundingClientRect(), m = map.getContainer().getBoundingClientRect();
    const under = new Set();
    for (let x = b.left; x <= b.right; x += 4) {
        for (let y = b.top; y <= b.bottom; y += 4) {
            for (const e of document.elementsFromPoint(x, y)) {
                if (e.matches("path.leaflet-interactive")) { under.add(e); }
            }
        }
    }
    const markers = [...document.querySelectorAll(".leaflet-marker-pane > *")].filter(e => {
        const r = e.getBoundingClientRect();
        return r.width && r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom;
    });
    const admin = [...document.querySelectorAll(".leaflet-overlay-pane path.leaflet-interactive")];
    const out = admin.filter(p => {
        const r = p.getBoundingClientRect();
        return r.width && (r.left < m.left - 1 || r.top < m.top - 1 || r.right > m.right + 1
                           || r.bottom > m.bottom + 1);
    });
    return {open: box.querySelector("details").open, scroll: box.scrollHeight - box.clientHeight,
            under: under.size, markers: markers.length, outside: out.length,
            map: [m.width, m.height], legend: [b.width, b.height], text: box.innerText};
}"""


LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def require_chromium() -> None:
    """Skip without Debian's Chromium (fail on CI, where scripts/setup.sh --test installs it)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium is missing on CI (scripts/setup.sh --test installs it)", pytrace=False)
        pytest.skip("Chromium not installed (run scripts/setup.sh --test)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(
    data_dir: Path, tmp: Path, *, user: str, password: str, role: str, lang: str | None = None
) -> Iterator[str]:
    """Run ``streamlit run server.py`` (README's command) with one account and a fresh store; yield its URL.

    ``lang``: the app's default language (``MALI_ACCESS_LANG``); None keeps the environment's.
    """
    from views.accounts import add_user

    add_user(user, password, role, path=tmp / "users.toml")
    env = dict(
        os.environ,
        MALI_ACCESS_DATA=str(data_dir),
        MALI_ACCESS_STORE=str(tmp / "store.sqlite"),
        MALI_ACCESS_USERS=str(tmp / "users.toml"),
    )
    if lang is not None:
        env["MALI_ACCESS_LANG"] = lang
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "server.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start")
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a loaded machine: stop it for good
            proc.kill()
            proc.wait(timeout=30)


@contextmanager
def browser_page(width: int = 1440, height: int = 900) -> Iterator[tuple[object, list[str]]]:
    """Open a page of Debian's Chromium (``width`` x ``height`` px); yield it and its script errors.

    The browser is closed on leaving, whatever happened.
    """
    from playwright.sync_api import sync_playwright

    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": width, "height": height})
        page.on("pageerror", lambda e: errors.append(str(e)))
        try:
            yield page, errors
        finally:
            browser.close()


def sign_in(page, user: str, password: str, role: str, lang: str = "en") -> None:  # noqa: ANN001
    """Sign in through the sidebar form in ``lang`` (retried: the form drops input typed during a rerun).

    The labels are the catalogs' (``auth.*``); the public page's title is awaited in either
    language (the app's default one shows first).
    """
    from geo.products.i18n import tr

    sidebar = page.get_by_test_id("stSidebar")
    page.get_by_role("heading", name=re.compile("Public snapshots|Instantanés publics")).wait_for(
        timeout=60_000
    )
    signed_in = sidebar.get_by_text(tr("auth.signed_in_as", lang, who=user, role=tr(f"role.{role}", lang)))
    for _attempt in range(3):
        page.wait_for_timeout(1000)  # let the first run finish before typing
        for key, text in (("auth.user_name", user), ("auth.password", password)):
            box = sidebar.get_by_role("textbox", name=tr(key, lang))
            box.click()
            box.type(text)
        page.wait_for_timeout(500)
        sidebar.get_by_role("button", name=tr("auth.sign_in", lang)).click()
        try:
            signed_in.wait_for(timeout=20_000)
            break
        except Exception:  # noqa: BLE001 - retried, then asserted below
            continue
    assert signed_in.is_visible()


#: The box (viewport px) of every label on the map, and whether it is shown.
LABELS_JS = """els => els.map(e => {
  const r = e.getBoundingClientRect();
  return {text: e.textContent, hub: e.classList.contains('hub-label'),
          shown: getComputedStyle(e).visibility !== 'hidden', box: [r.left, r.top, r.right, r.bottom]};
})"""


def labels(frame) -> list[dict]:  # noqa: ANN001
    """Every town and hub label of the map: text, hub or not, shown or not, box (px)."""
    return frame.locator(".leaflet-tooltip.town-label, .leaflet-tooltip.hub-label").evaluate_all(LABELS_JS)


def overlaps(found: list[dict]) -> list[tuple[str, str]]:
    """Pairs of shown labels whose boxes intersect (a shared edge is no overlap)."""
    shown = [lab for lab in found if lab["shown"]]
    out = []
    for i, a in enumerate(shown):
        for b in shown[i + 1 :]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = a["box"], b["box"]
            if ax0 < bx1 and bx0 < ax1 and ay0 < by1 and by0 < ay1:
                out.append((a["text"], b["text"]))
    return out
