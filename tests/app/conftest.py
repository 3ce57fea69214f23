"""Fixtures of the app tests.

The pages are French by default (``MALI_ACCESS_LANG``, French for Mali). The app tests
were written against the English texts and run the app in English; the French
rendering of every page is checked by ``test_french_pages.py``, which sets ``fr``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _english_interface():  # noqa: ANN201
    # module scope: set before the module-scoped fixtures that start a server or a command
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALI_ACCESS_LANG", "en")
        yield
