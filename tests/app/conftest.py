"""Fixtures of the app tests.

The pages are French by default (``MALI_ACCESS_LANG``, French for Mali). The app tests
were written against the English texts and run the app in English; the French
rendering of every page is checked by ``test_french_pages.py``, which sets ``fr``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module", autouse=True)
def _english_interface():  # noqa: ANN201
    # module scope: set before the module-scoped fixtures that start a server or a command
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALI_ACCESS_LANG", "en")
        yield


@pytest.fixture
def widget_warnings(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Collect Streamlit's widget-policy warnings as the server logs them (a list of messages).

    Streamlit checks a widget given a value both from the code and from the session state
    only with a runtime, which AppTest has not: the check is run here as the server runs it.
    """
    import logging

    from streamlit.elements.lib import policies

    monkeypatch.setattr(policies.runtime, "exists", lambda: True)
    monkeypatch.setattr(policies, "_shown_default_value_warning", False)
    said: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: said.append(record.getMessage())  # type: ignore[method-assign]
    policies._LOGGER.addHandler(handler)
    try:
        yield said
    finally:
        policies._LOGGER.removeHandler(handler)
