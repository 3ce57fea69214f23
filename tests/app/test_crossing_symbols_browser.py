"""Live map crossing symbols as Chromium draws them: one shape per kind, the print map's shapes.

Each symbol (on the map and as a legend swatch) is screenshotted and its shape read from
the pixels: the widths of its top and bottom rows against its widest row.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from geo.products.cartography import ROAD_STATUS_COLOUR
from geo.products.printmap import CROSSING_MARKER
from layers.symbols import CROSSING_KINDS, SYMBOL_CSS, swatch_html, symbol_html
from tests.app.browser_app import browser_page, require_chromium


def shape(png: bytes) -> tuple[float, float, float]:
    """(top row width, bottom row width, height) of the drawn pixels, each over the widest row."""
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    ink = (255 - rgb).max(axis=2) > 60  # anything clearly not the white page
    rows = ink.sum(axis=1)
    drawn = rows[rows > 0]
    widest = drawn.max()
    # the first and last rows are anti-aliased: read one row in
    return drawn[1] / widest, drawn[-2] / widest, len(drawn) / widest


def test_each_crossing_kind_has_its_own_shape_on_the_live_map_and_its_legend() -> None:
    require_chromium()
    colour = ROAD_STATUS_COLOUR["open"]
    cells = "".join(
        f'<div style="margin:8px"><span id="sw-{k}">{swatch_html(k, colour)}</span>'
        f'<span id="map-{k}" style="display:inline-block;margin-left:20px">'
        f"{symbol_html(k, colour)}</span></div>"
        for k in CROSSING_KINDS
    )
    html = f'<html><head>{SYMBOL_CSS}</head><body style="background:#fff">{cells}</body></html>'
    with browser_page(400, 300) as (page, errors):
        page.set_content(html)
        page.evaluate("document.body.style.zoom = 4")  # a few pixels per symbol are not enough to read
        shapes = {
            (where, k): shape(page.locator(f"#{where}-{k} .map-sym").screenshot(scale="css"))
            for where in ("sw", "map")
            for k in CROSSING_KINDS
        }
    assert errors == []
    for where in ("sw", "map"):
        ferry_top, ferry_bottom, _ = shapes[(where, "ferry")]
        assert ferry_top < 0.4 and ferry_bottom < 0.4, where  # a diamond (the legend's was a square)
        top, bottom, height = shapes[(where, "pirogue")]
        hull = np.array(CROSSING_MARKER["pirogue"][0])
        keel = np.ptp(hull[hull[:, 1] < 0, 0]) / np.ptp(hull[:, 0])  # the print hull's bottom over its deck
        assert top > 0.9 and abs(bottom - keel) < 0.2 and height < 0.7, (where, top, bottom, height)
        ford_top, ford_bottom, _ = shapes[(where, "ford")]
        assert ford_top > 0.8 and ford_bottom < 0.4, where  # a down triangle
        bar_top, bar_bottom, bar_height = shapes[(where, "bridge")]
        assert bar_top > 0.9 and bar_bottom > 0.9 and bar_height < 0.6, where  # a bar
    for where in ("sw", "map"):
        signatures = [np.round(shapes[(where, k)], 1) for k in CROSSING_KINDS]
        for i, a in enumerate(signatures):
            for b in signatures[i + 1 :]:
                assert not np.allclose(a, b, atol=0.1), (where, a, b)


@pytest.mark.parametrize("kind", ["ford", "pirogue"])
def test_symbols_drawn_by_a_border_or_a_clip_take_the_fill_as_a_variable(kind: str) -> None:
    assert f"--c:{ROAD_STATUS_COLOUR['closed']}" in symbol_html(kind, ROAD_STATUS_COLOUR["closed"])
