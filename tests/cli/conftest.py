"""Fixtures of the command-line tests.

Commands speak French by default (``MALI_ACCESS_LANG``, French for Mali). These tests
were written against the English output and run the commands in English; the French
output is checked by ``test_cli_french.py``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module", autouse=True)
def _english_output():  # noqa: ANN201
    # module scope: set before the module-scoped fixtures that start a server or a command
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MALI_ACCESS_LANG", "en")
        yield
