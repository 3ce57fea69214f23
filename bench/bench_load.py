"""Load test of the app in Chromium: N viewers at once (prints figures; not a test).

Usage::

    python bench/bench_load.py [--viewers 10] [--warm] [--timeout 60] [--data DIR] [--root DIR]
                               [--script server.py|app.py] [--log FILE]

Starts ``streamlit run server.py`` (README's command; ``--script app.py`` for the bare page
script) on a free port with a temporary store and one viewer
account per browser session (``MALI_ACCESS_LANG=en``), then runs ``--viewers`` sessions
at once, each in its own browser context (own cookies, own Streamlit session), all
started together (with ``--warm``, after one session has opened the live map: a server
that has been up, its pages visited once; without it, a server just started, timed from its
health check):

1. open the app (public page), sign in through the sidebar form: a sign-in opens the live
   map (``app.py``); wait until the map is drawn (the Leaflet frame holds its vector
   layers: reach polygons, roads, markers);
2. switch to "Positions" (its title drawn), then back to the live map (drawn again).

Printed: p50 / p90 / max of sign-in (submit to "Signed in as"), live map (submit to
map drawn: the user asked for it by signing in), page switch and switch back; lost clicks
(a click whose page did not come within ``--timeout`` s, then clicked again) and lost form
submissions (a sign-in whose "Signed in as" did not come, submitted again). Then, the other sessions idle,
the warm single-viewer times (median of 3): click to live map drawn (target <= 3 s) and page
switch (target <= 2 s). Finally, how many times each shared result was computed during
the load, read from the server's ``app compute <kind> #<n>`` lines
(``views.common.counted``): with every viewer on the same state, the reach should be
computed once, not once per session. Where the time goes: CPU seconds of the server and
of the browsers (this bench's Chromium and Playwright processes, by process kind) during the load, against
the machine's CPU in that time, and the load average: other jobs on the machine inflate
the times. Last, the live map as drawn in the browser: its Leaflet layers, SVG paths,
marker icons and script size.

Needs Debian's Chromium (``/usr/bin/chromium``); Playwright drives it (never run
``playwright install``). ``--root`` runs the app of another checkout (before/after runs).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHROMIUM = "/usr/bin/chromium"
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
PASSWORD = "load test horse battery 42"
#: The live map's frame (views.maps.show_map draws it with st.iframe).
MAP_FRAME = 'iframe[title="st.iframe"]'
#: Title of the live map page (the app runs in English).
LIVE_TITLE = "Live access map"
#: Every wait below is one check in the page every POLL_MS ms. Playwright's locator waits back
#: off to a check every 500 ms, which added up to half a second to a time under load (three waits
#: per live map); a check every frame would cost the browsers' CPU that the load is made of.
POLL_MS = 50
HEADING = """
(title) => [...document.querySelectorAll("h1")].some((h) => h.textContent.trim() === title)
"""
SIGNED_IN = """
(text) => !!document.querySelector('[data-testid="stSidebar"]')?.textContent.includes(text)
"""
#: The map's frame (same origin) holds its Leaflet container with a vector layer drawn.
MAP_DRAWN = """
(frame) => {
  const doc = document.querySelector(frame)?.contentDocument;
  return !!doc?.querySelector(".leaflet-container path.leaflet-interactive");
}
"""
COMPUTE_LINE = re.compile(r"app compute (\S+) #(\d+) ([\d.]+) s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(root: Path, script: str, data: Path, tmp: Path, log: Path, viewers: int):  # noqa: ANN201
    """Run ``script`` of ``root`` with ``viewers`` viewer accounts and a new store; yield its URL and pid.

    Prints how long the server took to answer its health check (``server.py`` answers once its
    warm-up is done; ``app.py`` at once).
    """
    from views.accounts import add_user

    users = tmp / "users.toml"
    for i in range(viewers + 1):  # the last one warms the server up (--warm)
        add_user(f"viewer{i}", PASSWORD, "viewer", path=users)
    env = dict(
        os.environ,
        MALI_ACCESS_DATA=str(data),
        MALI_ACCESS_STORE=str(tmp / "store.sqlite"),
        MALI_ACCESS_USERS=str(users),
        MALI_ACCESS_SNAPSHOTS=str(tmp / "snapshots"),
        MALI_ACCESS_LANG="en",
        PYTHONPATH=str(root),
    )
    port = _free_port()
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", script, "--server.port", str(port),
             "--server.headless", "true", "--server.address", "127.0.0.1"],
            cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    start = time.perf_counter()
    try:
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=5).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.2)
            if time.perf_counter() - start > 180:
                msg = f"streamlit did not start within 180 s (see {log})"
                raise RuntimeError(msg)
        print(f"{script}: health answered {time.perf_counter() - start:.1f} s after the start")
        yield url, proc.pid
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)


class Viewer:
    """One browser session: its page, its timings (s) and what it lost."""

    def __init__(self, name: str, page, timeout_s: float) -> None:  # noqa: ANN001
        self.name, self.page, self.timeout_ms = name, page, timeout_s * 1000
        self.times: dict[str, float] = {}
        self.lost_clicks = 0
        self.lost_forms = 0
        self.failed: list[str] = []
        self.clicked_at = self.title_at = self.submitted_at = 0.0

    async def map_drawn(self) -> None:
        """Wait until the live map's title and its Leaflet vector layers are drawn."""
        await self.heading(LIVE_TITLE)()
        self.title_at = time.perf_counter()
        await self.page.wait_for_function(MAP_DRAWN, arg=MAP_FRAME, polling=POLL_MS, timeout=self.timeout_ms)

    def heading(self, title: str):  # noqa: ANN201
        """Return a waiter for a page whose title (its ``h1``) is ``title``."""

        async def wait() -> None:
            await self.page.wait_for_function(HEADING, arg=title, polling=POLL_MS, timeout=self.timeout_ms)

        return wait

    async def sign_in(self) -> None:
        """Sign in through the sidebar form; a submission not answered in time is lost, and sent again."""
        sidebar = self.page.get_by_test_id("stSidebar")
        signed_in = f"Signed in as {self.name} ("
        start = None
        for _attempt in range(3):
            await self.page.wait_for_timeout(500)
            await sidebar.get_by_role("textbox", name="User name").fill(self.name)
            await sidebar.get_by_role("textbox", name="Password").fill(PASSWORD)
            await sidebar.get_by_role("button", name="Sign in").click()
            start = self.submitted_at = start or time.perf_counter()
            try:
                await self.page.wait_for_function(
                    SIGNED_IN, arg=signed_in, polling=POLL_MS, timeout=self.timeout_ms
                )
            except Exception:  # noqa: BLE001 - a lost submission: counted, then sent again
                self.lost_forms += 1
                continue
            self.times["sign_in"] = time.perf_counter() - start
            return
        self.failed.append("sign_in")

    async def open(self, link: str, what: str, arrived) -> None:  # noqa: ANN001
        """Click the sidebar link ``link``; clicked again when its page does not come in time (lost)."""
        sidebar = self.page.get_by_test_id("stSidebar")
        start = time.perf_counter()
        for _attempt in range(3):
            await sidebar.get_by_role("link", name=link).click(timeout=self.timeout_ms)
            self.clicked_at = time.perf_counter()
            try:
                await arrived()
            except Exception:  # noqa: BLE001 - a lost click: counted, then clicked again
                self.lost_clicks += 1
                continue
            self.times[what] = time.perf_counter() - start
            return
        self.failed.append(what)


async def _session(browser, url: str, name: str, timeout_s: float, positions_title: str) -> Viewer:  # noqa: ANN001
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    v = Viewer(name, await context.new_page(), timeout_s)
    v.page.set_default_timeout(v.timeout_ms)
    try:
        await v.page.goto(url, timeout=v.timeout_ms * 3)
        await v.heading("Public snapshots")()
        await v.sign_in()
        if "sign_in" in v.times:  # a sign-in opens the live map: timed from the submission
            await v.map_drawn()
            v.times["live_map"] = time.perf_counter() - v.submitted_at
            await v.open("Positions", "switch", v.heading(positions_title))
            await v.open("Live map", "back_to_map", v.map_drawn)
    except Exception as exc:  # noqa: BLE001 - reported with the figures
        v.failed.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    return v


#: Counted in the map's frame: Leaflet layers on the map (groups and leaves), drawn SVG paths and
#: marker icons, and the characters of the map's inline scripts.
MAP_COUNTS = """
() => {
  const map = Object.keys(window).map(k => window[k]).find(v => v instanceof L.Map);
  let layers = 0;
  map.eachLayer(() => { layers += 1; });
  const script = [...document.scripts].map(s => s.text.length).reduce((a, b) => a + b, 0);
  return {layers, paths: document.querySelectorAll("path").length,
          icons: document.querySelectorAll(".leaflet-marker-icon").length, script_chars: script};
}
"""


async def _map_counts(page) -> str:  # noqa: ANN001
    """Leaflet layers, SVG paths and marker icons of the live map drawn in ``page``."""
    frame = await (await page.query_selector(MAP_FRAME)).content_frame()
    counts = await frame.evaluate(MAP_COUNTS)
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())


def _stats(values: list[float]) -> str:
    if not values:
        return "n=0"
    a = np.asarray(values)
    p50, p90 = np.percentile(a, 50), np.percentile(a, 90)
    return f"p50 {p50:5.1f} s  p90 {p90:5.1f} s  max {a.max():5.1f} s  (n={len(a)})"


def _computed(log: Path, start: int) -> collections.Counter:
    text = log.read_text(errors="replace")[start:]
    return collections.Counter(m.group(1) for m in COMPUTE_LINE.finditer(text))


def _cpu_s(pid: int) -> float:
    """CPU time (user + system, s) the process ``pid`` has used so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _browser_cpu_s(server_pid: int) -> collections.Counter:
    """CPU time (s) used so far by this bench's child processes but the server, by kind.

    Kinds: Chromium's ``renderer`` (one per page and frame process), ``gpu-process`` (software
    compositing here), ``browser`` (the main process), other Chromium ``--type=`` helpers, and
    ``playwright`` (its Node driver).
    """
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    mine, todo = set(), [os.getpid()]
    while todo:
        parent = todo.pop()
        for child, ppid in parents.items():
            if ppid == parent and child not in mine and child != server_pid:
                mine.add(child)
                todo.append(child)
    total: collections.Counter = collections.Counter()
    for child in mine:
        try:
            cmd = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
            used = _cpu_s(child)
        except OSError:
            continue
        typed = re.search(rb"--type=(\S+)", cmd)  # Chromium rewrites its argv into one string
        kind = typed.group(1).decode() if typed else "browser" if b"chrom" in cmd else "playwright"
        total[kind] += used
    return total


async def _run(url: str, args: argparse.Namespace, log: Path, pid: int) -> None:
    from playwright.async_api import async_playwright

    from geo.products.i18n import tr

    positions_title = tr("pos.title", "en")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            if args.warm:  # a server that has been up: one session opened the live map before
                first = await _session(
                    browser, url, f"viewer{args.viewers}", args.timeout * 5, positions_title
                )
                print(f"warm-up session: {', '.join(f'{k} {v:.1f} s' for k, v in first.times.items())}"
                      + (f"; failed: {'; '.join(first.failed)}" if first.failed else ""))  # fmt: skip
            mark = len(log.read_text(errors="replace"))
            load0 = os.getloadavg()
            cpu0, browser0 = _cpu_s(pid), _browser_cpu_s(pid)
            t0 = time.perf_counter()
            viewers = await asyncio.gather(
                *(
                    _session(browser, url, f"viewer{i}", args.timeout, positions_title)
                    for i in range(args.viewers)
                )
            )
            wall = time.perf_counter() - t0
            load1 = os.getloadavg()
            server_cpu = _cpu_s(pid) - cpu0
            by_kind = _browser_cpu_s(pid)
            by_kind.subtract(browser0)
            browser_cpu = sum(by_kind.values())
            computed = _computed(log, mark)
            print(f"{args.viewers} viewers at once, wall {wall:.0f} s; load average "
                  f"{load0[0]:.2f} before, {load1[0]:.2f} after (1 min; {os.cpu_count()} cores)")  # fmt: skip
            for what, label in (
                ("sign_in", "sign-in (submit to signed in)"),
                ("live_map", "live map (sign-in to drawn)"),
                ("switch", "page switch (to Positions)"),
                ("back_to_map", "back to live map (drawn)"),
            ):
                print(f"  {label:32s} {_stats([v.times[what] for v in viewers if what in v.times])}")
            print(f"  lost clicks {sum(v.lost_clicks for v in viewers)}, lost form submissions "
                  f"{sum(v.lost_forms for v in viewers)} (timeout {args.timeout:g} s)")  # fmt: skip
            for v in viewers:
                if v.failed:
                    print(f"  {v.name} failed: {'; '.join(v.failed)}")
            per_viewer = server_cpu / args.viewers
            print(f"  server CPU during the load {server_cpu:.0f} s ({per_viewer:.1f} s per viewer); "
                  f"browsers (Chromium, Playwright) {browser_cpu:.0f} s ({browser_cpu / args.viewers:.1f} s "
                  f"per viewer); the machine had {wall * (os.cpu_count() or 1):.0f} s of CPU "
                  "in that time (the rest went to other jobs or stayed idle)")  # fmt: skip
            print("  browsers' CPU by process: "
                  + ", ".join(f"{k} {v:.1f} s" for k, v in by_kind.most_common() if v >= 0.05))  # fmt: skip
            kinds = ", ".join(f"{k} x{n}" for k, n in sorted(computed.items())) or "none logged"
            print(f"  shared results computed during the load: {kinds}")

            # warm: one viewer alone (the others idle), already signed in
            solo = next((v for v in viewers if "back_to_map" in v.times), None)
            if solo is None:
                print("warm single viewer: no session reached the live map")
                return
            mark = len(log.read_text(errors="replace"))
            switch, live, title = [], [], []
            for _ in range(3):
                solo.times.clear()
                await solo.open("Positions", "switch", solo.heading(positions_title))
                await solo.open("Live map", "live_map", solo.map_drawn)
                switch.append(solo.times.get("switch", float("nan")))
                live.append(solo.times.get("live_map", float("nan")))
                title.append(solo.title_at - solo.clicked_at)
            print(f"warm single viewer (median of 3; load average {os.getloadavg()[0]:.2f}):")
            print(f"  click to live map drawn  {statistics.median(live):5.1f} s  (target <= 3 s; "
                  f"{', '.join(f'{x:.1f}' for x in live)})")  # fmt: skip
            print(f"    of which title shown {statistics.median(title):5.1f} s (the rest: the map's "
                  "frame, Leaflet and its layers drawn in the browser)")  # fmt: skip
            print(f"  page switch              {statistics.median(switch):5.1f} s  (target <= 2 s; "
                  f"{', '.join(f'{x:.1f}' for x in switch)})")  # fmt: skip
            warm = _computed(log, mark)
            print(
                "  computed while warm: "
                + (", ".join(f"{k} x{n}" for k, n in sorted(warm.items())) or "nothing")
            )
            print(f"  the map in the browser: {await _map_counts(solo.page)}")
        finally:
            await browser.close()


def _default_data() -> Path:
    """``MALI_ACCESS_DATA``, else the first ``shared/data`` next to the checkout or its worktree folder."""
    if os.environ.get("MALI_ACCESS_DATA"):
        return Path(os.environ["MALI_ACCESS_DATA"])
    found = [p / "shared" / "data" for p in ROOT.parents if (p / "shared" / "data" / "admin").is_dir()]
    return found[0] if found else ROOT.parent / "shared" / "data"


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments, start the app, run the viewers and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--viewers", type=int, default=10, help="concurrent browser sessions (default 10)")
    ap.add_argument("--timeout", type=float, default=60.0, help="s before a click or sign-in counts as lost")
    ap.add_argument(
        "--data",
        type=Path,
        default=_default_data(),
        help="data folder (MALI_ACCESS_DATA, else ../shared/data)",
    )
    ap.add_argument(
        "--warm", action="store_true", help="one session opens the live map before the viewers (server up)"
    )
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose app runs (default: this one)")
    ap.add_argument(
        "--script",
        default=None,
        help="what streamlit runs: server.py (README's way, warm-up before serving; the default when "
        "the checkout has it) or app.py (warm-up at the first visit)",
    )
    ap.add_argument("--log", type=Path, default=None, help="keep the server's output in this file")
    args = ap.parse_args(argv)
    if not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        log = args.log or Path(tmp) / "server.log"
        print(
            f"app {args.root}, data {args.data}, cell {os.environ.get('MALI_ACCESS_CELL_KM', 'default')} km"
        )
        root = args.root.resolve()
        script = args.script or ("server.py" if (root / "server.py").exists() else "app.py")
        with running_app(root, script, args.data.resolve(), Path(tmp), log, args.viewers) as (url, pid):
            asyncio.run(_run(url, args, log, pid))


if __name__ == "__main__":
    main()
