"""The fiscal calendar: fiscal months, named periods (Q1, H2, mar) and proration."""

from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

MONTH_KEYS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_ALIASES = {name.lower(): i + 1 for i, name in enumerate(_cal.month_name[1:])}
_MONTH_ALIASES.update({key: i + 1 for i, key in enumerate(MONTH_KEYS)})
_MONTH_ALIASES["sept"] = 9

QUARTERS = ["Q1", "Q2", "Q3", "Q4"]
HALVES = ["H1", "H2"]


@dataclass(frozen=True)
class FiscalMonth:
    index: int  # 0..11 within the fiscal year
    year: int
    month: int  # calendar month 1..12

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, _cal.monthrange(self.year, self.month)[1])

    @property
    def key(self) -> str:
        return MONTH_KEYS[self.month - 1]

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"

    @property
    def quarter(self) -> str:
        return QUARTERS[self.index // 3]

    @property
    def half(self) -> str:
        return HALVES[self.index // 6]


def fiscal_months(start: dt.date) -> list[FiscalMonth]:
    """The twelve months of the fiscal year that begins on `start` (the 1st of a month)."""
    months = []
    year, month = start.year, start.month
    for index in range(12):
        months.append(FiscalMonth(index, year, month))
        month += 1
        if month == 13:
            year, month = year + 1, 1
    return months


def period_kind(key: str) -> str | None:
    """'quarter', 'half' or 'month' for a period key, None when it is no period name."""
    if key in QUARTERS:
        return "quarter"
    if key in HALVES:
        return "half"
    if key.lower() in _MONTH_ALIASES:
        return "month"
    return None


def months_of_period(key: str, months: list[FiscalMonth]) -> list[FiscalMonth]:
    """The fiscal months a period key covers: Q2 is the fiscal year's 4th to 6th month."""
    kind = period_kind(key)
    if kind == "quarter":
        q = QUARTERS.index(key)
        return months[q * 3 : q * 3 + 3]
    if kind == "half":
        h = HALVES.index(key)
        return months[h * 6 : h * 6 + 6]
    if kind == "month":
        number = _MONTH_ALIASES[key.lower()]
        return [m for m in months if m.month == number]
    return []


def canonical_period(key: str) -> str:
    """The one spelling of a period key: 'Q1', 'H2', 'mar'."""
    if period_kind(key) == "month":
        return MONTH_KEYS[_MONTH_ALIASES[key.lower()] - 1]
    return key


def month_weights(weights: dict[str, Fraction], months: list[FiscalMonth]) -> list[Fraction]:
    """Spread period weights evenly over their months: one weight per fiscal month."""
    per_month = [Fraction(0)] * 12
    for key, weight in weights.items():
        covered = months_of_period(key, months)
        for m in covered:
            per_month[m.index] += weight / len(covered)
    return per_month


def employment_fractions(months: list[FiscalMonth], start: dt.date | None, end: dt.date | None) -> list[Fraction]:
    """Share of each fiscal month during which the rep is employed (1 for a full month)."""
    out = []
    for m in months:
        first, last = m.first_day, m.last_day
        lo = max(first, start) if start else first
        hi = min(last, end) if end else last
        days_in_month = (last - first).days + 1
        employed = (hi - lo).days + 1
        out.append(Fraction(max(employed, 0), days_in_month))
    return out
