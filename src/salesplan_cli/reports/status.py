"""On track, watch, off track: one rule for every figure that has a threshold."""

from __future__ import annotations

from fractions import Fraction

ON_TRACK, WATCH, OFF_TRACK = "on track", "watch", "off track"


def status_of(value: Fraction | float | None, threshold: Fraction, watch_band: Fraction) -> str:
    """on track at or above the threshold; watch below it by less than watch_band (relative); else off track."""
    if value is None:
        return ""
    value = Fraction(value)
    if value >= threshold:
        return ON_TRACK
    if value >= threshold * (1 - watch_band):
        return WATCH
    return OFF_TRACK
