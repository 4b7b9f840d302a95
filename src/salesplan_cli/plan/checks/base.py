"""What every check shares: where a key sits, and how amounts read in messages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from ...diagnostics import Diagnostic, Severity, diagnostic
from ..model import Workspace
from ...config.values import money
from ..yamlsource import path_str

SETTINGS, STRATEGY, SEGMENTS = "salesplan.yaml", "strategy.yaml", "segments.yaml"


@dataclass(frozen=True)
class CheckContext:
    """What checks need besides the workspace: the date they judge review cadence against."""

    as_of: dt.date


def at(
    ws: Workspace,
    rel: str,
    path: tuple,
    code: str,
    message: str,
    hint: str = "",
    prefer_key: bool = True,
    severity: Severity | None = None,
) -> Diagnostic:
    """A diagnostic placed on the key (or value) at `path` in file `rel`."""
    doc = ws.sources.get(rel)
    mark = doc.mark_for(path, prefer_key=prefer_key) if doc else None
    line, col = (mark.line, mark.col) if mark else (None, None)
    return diagnostic(code, rel, line, col, message, hint, path_str(path), severity)


def fmt_amount(value: Fraction, currency: str = "") -> str:
    """1234567.891 -> '1,234,567.89 EUR' (display only; comparisons stay exact)."""
    text = f"{money(value):,}"
    if text.endswith(".00"):
        text = text[:-3]
    return f"{text} {currency}".strip()


def fmt_pct(value: Fraction, places: int = 2) -> str:
    """An exact ratio as a percentage rounded to `places` decimals (half away from zero), whatever its size:
    no float, so a target of 10^320 is a finding with a number in it, not an overflow."""
    scaled = Fraction(value) * 100 * 10**places
    rounded = (abs(scaled.numerator) * 2 + scaled.denominator) // (2 * scaled.denominator)
    sign = "-" if scaled < 0 and rounded else ""
    whole, part = divmod(rounded, 10**places)
    text = f"{whole}.{part:0{places}d}".rstrip("0").rstrip(".") if places else str(whole)
    return f"{sign}{text}%"


def rep_file(ws: Workspace, stem: str) -> str:
    return ws.rep_files.get(stem, f"reps/{stem}.yaml")
