"""Report periods (--period) and plan targets over any span of days."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from ..plan.calendar import HALVES, QUARTERS, FiscalMonth, fiscal_months, months_of_period, period_kind
from ..plan.model import Settings
from ..plan.targets import RepTargets

PERIOD_HELP = (
    "ytd (default: fiscal year to date), fy, month, quarter, half (the one holding --as-of), "
    "Q1..Q4, H1, H2, jan..dec (fiscal year), YYYY-MM, or START..END (YYYY-MM-DD..YYYY-MM-DD)"
)


class PeriodError(ValueError):
    """A --period the user wrote that names no period."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    label: str

    def days(self) -> int:
        return max((self.end - self.start).days + 1, 0)

    def until(self, as_of: dt.date) -> "Period | None":
        """The part of the period on or before `as_of` (None when the period has not begun or is empty)."""
        if as_of < self.start or self.end < self.start:
            return None
        return Period(self.start, min(self.end, as_of), self.label)

    def after(self, as_of: dt.date) -> "Period | None":
        """The part of the period after `as_of` (None when nothing is left)."""
        if as_of >= self.end:
            return None
        return Period(max(self.start, as_of + dt.timedelta(days=1)), self.end, self.label)

    def to_dict(self) -> dict:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "label": self.label}


def resolve_period(spec: str | None, settings: Settings, as_of: dt.date) -> Period:
    """Turn a --period value into dates within (or around) the workspace's fiscal year."""
    months = fiscal_months(settings.fiscal_year.start)
    fy_start, fy_end = months[0].first_day, months[-1].last_day
    text = (spec or "ytd").strip()
    lowered = text.lower()
    if lowered == "ytd":
        if as_of < fy_start:
            return Period(fy_start, fy_start - dt.timedelta(days=1), f"year to date (the fiscal year starts {fy_start:%Y-%m-%d})")
        end = min(as_of, fy_end)
        return Period(fy_start, end, f"year to date ({fy_start:%Y-%m-%d}..{end:%Y-%m-%d})")
    if lowered in ("fy", "year"):
        return Period(fy_start, fy_end, f"fiscal year {fy_start:%Y-%m}..{months[-1].label}")
    if lowered in ("month", "quarter", "half"):
        current = _month_holding(as_of, months)
        if current is None:
            raise PeriodError(f"--as-of {as_of.isoformat()} is outside the fiscal year {fy_start}..{fy_end}")
        key = {"month": current.key, "quarter": current.quarter, "half": current.half}[lowered]
        return _named(key, months)
    if text.upper() in QUARTERS or text.upper() in HALVES:
        return _named(text.upper(), months)
    if period_kind(lowered) == "month":
        return _named(lowered, months)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        year, month = int(text[:4]), int(text[5:])
        if not 1 <= month <= 12:
            raise PeriodError(f"{text} is not a month")
        if not 1900 <= year <= 9000:
            raise PeriodError(f"{text}: the year is out of range")
        first = dt.date(year, month, 1)
        last = (dt.date(year + month // 12, month % 12 + 1, 1)) - dt.timedelta(days=1)
        return Period(first, last, text)
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text)
    if match:
        try:
            start, end = dt.date.fromisoformat(match.group(1)), dt.date.fromisoformat(match.group(2))
        except ValueError as exc:
            raise PeriodError(f"{text}: {exc}") from None
        if end < start:
            raise PeriodError(f"{text}: the end is before the start")
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}")
    raise PeriodError(f"{text!r} is not a period; use {PERIOD_HELP}")


def _month_holding(day: dt.date, months: list[FiscalMonth]) -> FiscalMonth | None:
    for month in months:
        if month.first_day <= day <= month.last_day:
            return month
    return None


def _named(key: str, months: list[FiscalMonth]) -> Period:
    covered = months_of_period(key, months)
    return Period(covered[0].first_day, covered[-1].last_day, f"{key} ({covered[0].first_day:%Y-%m-%d}..{covered[-1].last_day:%Y-%m-%d})")


def target_in(targets: RepTargets, months: list[FiscalMonth], period: Period | None, segment: str | None = None) -> Fraction:
    """A rep's target over a span of days: each month's objective spread evenly over the month's days in post,
    summed over the days of the span on which the rep is in post.

    Month objective = full-year objective x month weight x share of the month in post; the part of it in
    the span = full-year objective x month weight x (days of the month in the span and in post) / days in the month.
    """
    if period is None:
        return Fraction(0)
    amount = targets.full_year_total if segment is None else targets.full_year.get(segment, Fraction(0))
    lo_bound = max(period.start, targets.start) if targets.start else period.start
    hi_bound = min(period.end, targets.end) if targets.end else period.end
    spans = _spans(tuple(months))
    return amount * _share_of_year(spans, _weights_key(targets.month_weights), lo_bound, hi_bound)


def share_in(targets: RepTargets, months: list[FiscalMonth], period: Period | None) -> Fraction:
    """The share of a rep's full-year objective due in a span of days (as target_in): a volume objective to date
    is the full-year number times this share."""
    if period is None:
        return Fraction(0)
    lo_bound = max(period.start, targets.start) if targets.start else period.start
    hi_bound = min(period.end, targets.end) if targets.end else period.end
    spans = _spans(tuple(months))
    return _share_of_year(spans, _weights_key(targets.month_weights), lo_bound, hi_bound)


def shares_in(targets: RepTargets, months: list[FiscalMonth], periods: list[Period | None]) -> list[Fraction]:
    """share_in for several spans of one rep: the calendar and the rep's weights keyed once, not per span."""
    spans = _spans(tuple(months))
    weights = _weights_key(targets.month_weights)
    out = []
    for period in periods:
        if period is None:
            out.append(Fraction(0))
            continue
        lo_bound = max(period.start, targets.start) if targets.start else period.start
        hi_bound = min(period.end, targets.end) if targets.end else period.end
        out.append(_share_of_year(spans, weights, lo_bound, hi_bound))
    return out


def _weights_key(weights) -> tuple:
    """Month weights as (numerator, denominator) pairs: a cache key hashed and compared as integers (hashing
    Fractions is slow, and this key is built for every rep and window)."""
    return tuple((w.numerator, w.denominator) for w in weights)


@lru_cache(maxsize=64)
def _spans(months: tuple[FiscalMonth, ...]) -> tuple:
    """(first day, last day) of each month: computed once per calendar, not once per rep and window."""
    return tuple((m.first_day, m.last_day) for m in months)


@lru_cache(maxsize=4096)
def _share_of_year(spans: tuple, weights: tuple, lo_bound: dt.date, hi_bound: dt.date) -> Fraction:
    """Sum over the months of weight (`weights`: _weights_key pairs) x (days of the month between the bounds) / days in the month: the part of
    a full-year objective due between the bounds. Exact; shared by every rep with the same weights and dates
    (thousands of reps, a handful of distinct answers)."""
    total = Fraction(0)
    for (first, last), (numerator, denominator) in zip(spans, weights):
        lo, hi = max(first, lo_bound), min(last, hi_bound)
        days = (hi - lo).days + 1
        if days > 0 and numerator:
            total += Fraction(numerator, denominator) * Fraction(days, (last - first).days + 1)
    return total
