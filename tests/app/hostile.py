"""Hostile strings for every user-editable field (shared by the escaping tests).

Each string aims at one output context; :func:`hostile_strings` gives them all, and
:func:`hostile_for` marks each with a field tag so a test can find which field a
rendered text came from. ``TRAP_HOST`` is a closed local port: a request to it means a
Markdown image or link was rendered.
"""

from __future__ import annotations

#: Where the Markdown image and link payloads point (nothing listens there).
TRAP_HOST = "127.0.0.1:9"
TRAP_URL = f"http://{TRAP_HOST}/x"

#: One payload per context it attacks (name -> text).
PAYLOADS: dict[str, str] = {
    "quotes": 'O\'Brien "quoted" name',
    "backtick": "back`tick ` name",
    "template": "${alert(1)} and `${alert(2)}`",
    "script_close": "</script><script>alert(1)</script>",
    "img_onerror": "<img src=x onerror=alert(1)>",
    "svg_onload": '"><svg onload=alert(1)>',
    "js_break": "\\'\";alert(1);//",
    "md_image": f"![x]({TRAP_URL}.png)",
    "md_link": f"[click]({TRAP_URL}) and <{TRAP_URL}>",
    "md_html": f"<iframe src='{TRAP_URL}'></iframe>**bold** _em_ `code` # head",
    "md_directive": ":red[red] :material/home: $x^2$ ~~del~~",
    "formula": '=HYPERLINK("http://127.0.0.1:9/x","a")',
    "formula_plus": "+1+cmd|' /C calc'!A0",
    "formula_at": "@SUM(1+1)*cmd",
    "controls": "ctl\x00\x01\x07\x1b[31m\x7f\x85 end",
    "bidi": "left\u202eright\u2066iso\u2069 \u200fmark",
    "nbsp": "Boni\u00a0 Centre\u2028line\u2029para",
    "comment": "<!-- --><![CDATA[x]]>&amp;&lt;",
    "dollar": "cost $5 and $10 \\$",
}


def hostile_strings() -> list[str]:
    """Every payload, in a fixed order."""
    return list(PAYLOADS.values())


def hostile_for(field: str, which: str) -> str:
    """Payload ``which`` tagged with ``field`` (``"<field>:<payload>"``)."""
    return f"{field}:{PAYLOADS[which]}"


def combined(field: str) -> str:
    """One text holding every payload, tagged with ``field`` (at most a few hundred characters)."""
    return f"{field} " + " | ".join(PAYLOADS.values())
