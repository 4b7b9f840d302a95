"""Escaping every text that may come from an export or a plan file."""

from __future__ import annotations

import html

from ..common import clean


def esc(value) -> str:
    """Text for HTML content and attribute values: control and bidi-override characters dropped (clean),
    & < > " ' escaped. Isolation of right-to-left names is done by CSS (unicode-bidi: isolate)."""
    return html.escape(clean("" if value is None else str(value)), quote=True)


def num(value: float) -> str:
    """A coordinate in SVG: at most one decimal, no exponent, no '-0'."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
