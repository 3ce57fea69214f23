"""Headless Chromium on the Export page: every download arrives, in any order, one after another."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_app import CHROMIUM, LAUNCH_ARGS, require_chromium, running_app, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery 42"


def test_print_downloads_then_a_data_file_all_arrive(data_dir: Path, tmp_path: Path) -> None:
    """The French trial's sequence: the PDF pack, the PNG, then the GeoPackage.

    A download that reran the page gave the data buttons new file ids; the GeoPackage
    clicked meanwhile asked for the old one ("Deferred file ... not found") and never came.
    """
    from playwright.sync_api import sync_playwright

    from geo.products.i18n import tr

    require_chromium()
    with running_app(data_dir, tmp_path, user="pia", password=PASSWORD, role="planner") as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
                page.goto(url)
                sign_in(page, "pia", PASSWORD, "planner")
                page.get_by_test_id("stSidebar").get_by_role("link", name=tr("nav.export", "en")).click()
                page.get_by_role("button", name=tr("export.build", "en")).click(timeout=60_000)
                pack = page.get_by_role("button", name=re.compile(r"^Meeting pack PDF"))
                pack.wait_for(timeout=180_000)
                downloads: list = []
                page.on("download", lambda d: downloads.append(d))
                for name in (  # one right after the other, as a user does
                    re.compile(r"^Meeting pack PDF"),
                    tr("export.png", "en"),
                    tr("export.data", "en", fmt=tr("export.fmt_gpkg", "en")),
                ):
                    page.get_by_role("button", name=name).click()
                    page.wait_for_timeout(300)
                for _ in range(120):  # up to 60 s for the three files
                    if len(downloads) == 3:
                        break
                    page.wait_for_timeout(500)
                got = sorted(Path(d.suggested_filename).suffix for d in downloads)
            finally:
                browser.close()
    assert got == [".gpkg", ".pdf", ".png"]
