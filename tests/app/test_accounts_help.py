"""``python -m views.accounts --help`` in the tool's language (French by default), as ``python -m geo``."""

from __future__ import annotations

import re

import pytest

from geo.products.i18n import tr
from views.accounts import USERS_ENV_VAR, build_parser


def _help(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], lang: str, *argv: str) -> str:
    monkeypatch.setenv("MALI_ACCESS_LANG", lang)
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*argv, "--help"])
    assert done.value.code == 0
    return _flat(capsys.readouterr().out)


def _flat(text: str) -> str:
    """``text`` on one line (argparse wraps at ASCII spaces only: a narrow no-break space stays)."""
    return re.sub(r"\s+", " ", text, flags=re.ASCII).strip()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_accounts_help_in_the_language(monkeypatch, capsys, lang: str) -> None:  # noqa: ANN001
    text = _help(monkeypatch, capsys, lang)
    assert text.startswith(tr("cli.ap.usage", lang) + " python -m views.accounts")
    for key in ("acc.h.add", "acc.h.list", "acc.h.remove", "acc.h.signout", "cli.ap.help"):
        assert _flat(tr(key, lang)) in text, key
    assert _flat(tr("acc.h.main", lang, var=USERS_ENV_VAR)) in text
    add = _help(monkeypatch, capsys, lang, "add")
    assert _flat(tr("acc.h.password_stdin", lang)) in add
    # the role codes kept, each said in the language (as --season: dry = saison sèche)
    roles = ", ".join(f"{r} = {tr('role.' + r, lang)}" for r in ("advisor", "planner", "viewer"))
    assert tr("cli.choices", lang, text=tr("acc.h.role", lang), listed=roles) in add
    assert "{advisor,planner,viewer}" in add
    assert (
        "add [-h] --role {advisor,planner,viewer} [--replace] [--password-stdin] "
        + tr("first.name_placeholder", lang)
        in add
    )


def test_french_role_help_says_what_each_code_means(monkeypatch, capsys) -> None:  # noqa: ANN001
    add = _help(monkeypatch, capsys, "fr", "add")
    assert (
        "rôle du compte\u202f: advisor = conseiller en accès humanitaire, "
        "planner = planificateur, viewer = lecteur" in add
    )
    assert " NOM " in add and "NAME" not in add


def test_accounts_help_has_no_english_left_in_french(monkeypatch, capsys) -> None:  # noqa: ANN001
    text = _help(monkeypatch, capsys, "fr") + _help(monkeypatch, capsys, "fr", "add")
    for english in (
        "usage:",
        "show this help",
        "positional arguments",
        "Manage the accounts",
        "add an account",
    ):
        assert english not in text
