"""geo.escape: one test per output context, fed with every hostile payload."""

from __future__ import annotations

import html
import json
import math
import re
import xml.etree.ElementTree as ET

import pytest

from geo.escape import (
    REPLACEMENT,
    WORD_JOINER,
    display_text,
    html_attr,
    html_text,
    js_data,
    js_string,
    kml_description,
    markdown_text,
    mpl_text,
    spreadsheet_cell,
    xml_text,
)
from tests.app.hostile import PAYLOADS, hostile_strings

ALL = hostile_strings()
UNSAFE_DISPLAY = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.mark.parametrize("fn", [html_text, html_attr, js_string, markdown_text, xml_text, mpl_text])
@pytest.mark.parametrize("missing", [None, math.nan, float("nan")])
def test_missing_values_are_empty(fn, missing) -> None:  # noqa: ANN001
    assert fn(missing) in ("", '""')


def test_pandas_na_is_empty() -> None:
    import pandas as pd

    assert html_text(pd.NA) == "" and js_string(pd.NA) == '""'


@pytest.mark.parametrize("text", ALL)
def test_html_text_has_no_markup_and_round_trips(text: str) -> None:
    out = html_text(text)
    assert not set("<>\"'") & set(out)
    assert not UNSAFE_DISPLAY.search(out)
    assert html.unescape(out) == display_text(text)


def test_html_text_examples() -> None:
    assert html_text("<img src=x onerror=alert(1)>") == "&lt;img src=x onerror=alert(1)&gt;"
    assert html_text("a\u202eb\x00c") == f"a{REPLACEMENT}b{REPLACEMENT}c"
    assert html_text(12.5) == "12.5"


@pytest.mark.parametrize("text", ALL)
def test_html_attr_stays_inside_the_quotes(text: str) -> None:
    out = html_attr(text + "\n\tx")
    assert not set("<>\"'\n\t") & set(out)
    assert html.unescape(out) == display_text(text + "\n\tx")


@pytest.mark.parametrize("text", [*ALL, "\u2028", "a</SCRIPT >b", "<!--", "\\u003c"])
def test_js_string_round_trips_and_cannot_leave_its_literal(text: str) -> None:
    out = js_string(text)
    # A JSON parser reads the JavaScript literal back to the exact text.
    assert json.loads(out) == text
    body = out[1:-1]
    assert not set("<>&'`$\u2028\u2029") & set(body)
    assert "</" not in out.lower() and "${" not in out
    assert js_string(text, quote=False) == body


def test_js_string_in_a_real_script_engine() -> None:
    """Node reads each literal back, as a string and inside a template literal, in a <script>-free program."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    texts = [*ALL, "\u2028", "a</SCRIPT >b"]
    prog = (
        "const out = [];\n"
        + "".join(
            f"out.push([{js_string(t)}, `{js_string(t, quote=False)}`, '{js_string(t, quote=False)}']);\n"
            for t in texts
        )
        + "process.stdout.write(JSON.stringify(out));"
    )
    got = json.loads(subprocess.run([node, "-e", prog], capture_output=True, text=True, check=True).stdout)
    assert got == [[t, t, t] for t in texts]


def test_js_string_example() -> None:
    assert js_string("`${alert(1)}`</script>") == '"\\u0060\\u0024{alert(1)}\\u0060\\u003c/script\\u003e"'


@pytest.mark.parametrize("text", [*ALL, "\u2028", "a</SCRIPT >b", "<!--", "x<\u2029/y", "\\u003c"])
def test_js_data_round_trips_and_cannot_end_the_script(text: str) -> None:
    value = {"popup": f"<b>{text}</b>", "list": [text, 1.5, None]}
    out = js_data(value)
    assert json.loads(out) == value  # read back exactly, as JSON and so as JavaScript
    # nothing the script element's HTML parser reacts to, no interpolation, no line end
    assert "</" not in out and "<!" not in out and "${" not in out
    assert not set("`\u2028\u2029") & set(out)
    assert "<b>" in out  # markup held in the strings costs no escape per tag


def test_js_data_in_a_real_script_engine() -> None:
    """Node reads the data back from a program holding it as an expression."""
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    value = [*ALL, "\u2028", "a</SCRIPT >b", {"k": "<!-- x -->"}]
    prog = f"const out = {js_data(value)};\nprocess.stdout.write(JSON.stringify(out));"
    got = json.loads(subprocess.run([node, "-e", prog], capture_output=True, text=True, check=True).stdout)
    assert got == value


_MD_SPECIAL = re.compile(r"(?<!\\)[!-/:-@\[-`{-~]")


def _md_unescape(text: str) -> str:
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


#: GitHub's autolink literals, as they start in text (what Streamlit's Markdown makes links of).
_AUTOLINK = re.compile(r"(?i)(?:https?|ftp|mailto|xmpp):|www\.|@\w")


@pytest.mark.parametrize("text", ALL)
def test_markdown_text_escapes_every_punctuation_mark(text: str) -> None:
    out = markdown_text(text)
    # Every punctuation character is preceded by a backslash that is not itself escaped.
    i = 0
    while i < len(out):
        if out[i] == "\\":
            assert re.match(r"[!-/:-@\[-`{-~]", out[i + 1]), (out, i)
            i += 2
            continue
        assert not re.match(r"[!-/:-@\[-`{-~]", out[i]), (out, i)
        i += 1
    assert "\n" not in out and not UNSAFE_DISPLAY.search(out)
    shown = display_text(text).replace("\n", " ").replace("\t", " ")
    assert _md_unescape(out).replace(WORD_JOINER, "") == shown.replace(WORD_JOINER, "")
    assert not _AUTOLINK.search(_md_unescape(out))  # no bare address left to become a link


def test_markdown_text_example() -> None:
    assert markdown_text("![x](http://h/x)") == r"\!\[x\]\(http" + WORD_JOINER + r"\:\/\/h\/x\)"
    out = markdown_text("see www.example.org, HTTPS://h or a@b.org")
    assert _md_unescape(out) == "see www\u2060.example.org, HTTPS\u2060://h or a@\u2060b.org"
    assert markdown_text("line1\n# two") == r"line1 \# two"


@pytest.mark.parametrize("text", ALL)
def test_xml_text_parses_and_keeps_the_text(text: str) -> None:
    out = xml_text(text)
    doc = ET.fromstring(f"<r a=\"{out}\" b='{out}'>{out}</r>")
    legal = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f]", REPLACEMENT, text)
    assert doc.text == legal
    # Attribute values are normalised by XML parsers (tab, line breaks -> space): compare that way.
    assert doc.get("a") == doc.get("b")
    assert doc.get("a").replace("\r", " ") == legal.replace("\t", " ").replace("\n", " ").replace("\r", " ")


@pytest.mark.parametrize("text", [*ALL, "a]]>b", "zone d'accès", "x\ud800\uffffy"])
def test_kml_description_is_html_escaped_once(text: str) -> None:
    out = kml_description(text)
    doc = ET.fromstring(f"<description>{out}</description>")  # parses: one CDATA section
    assert out.count("]]>") == 1
    # what a viewer renders, unescaped once: the display text (escaped twice it would not be), no markup
    shown = html.unescape(doc.text)
    assert shown == re.sub("[\ud800-\udfff\ufffe\uffff]", REPLACEMENT, display_text(text))
    assert not set("<>\"'") & set(doc.text)


def test_xml_text_keeps_bidi_and_nbsp() -> None:
    assert xml_text(PAYLOADS["bidi"]) == PAYLOADS["bidi"]
    assert xml_text("Boni\u00a0Centre") == "Boni\u00a0Centre"


@pytest.mark.parametrize("text", ALL)
def test_mpl_text_is_never_mathtext(text: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    out = mpl_text(text)
    fig = Figure()
    t = fig.text(0.1, 0.5, out)
    fig.canvas.draw()  # an unmatched or malformed $...$ would raise here
    assert not t._preprocess_math(t.get_text())[1]  # not parsed as math
    assert t._preprocess_math(t.get_text())[0] == display_text(text)


def test_spreadsheet_cell_unchanged_by_the_new_functions() -> None:
    assert spreadsheet_cell("=1+1") == "'=1+1"
    assert spreadsheet_cell(-3) == -3


CSS_PAYLOADS = ['a"b', "</style><script>alert(1)</script>", "back\\slash", "line\nbreak"]


@pytest.mark.parametrize("payload", CSS_PAYLOADS)
def test_css_string_cannot_end_the_string_or_the_style_element(payload: str) -> None:
    import re

    from geo.escape import css_string

    out = css_string(payload)
    assert '"' not in out and "<" not in out and ">" not in out and "\n" not in out
    # decoding the CSS escapes gives the text back
    assert re.sub(r"\\([0-9a-f]+) ", lambda m: chr(int(m.group(1), 16)), out) == payload
