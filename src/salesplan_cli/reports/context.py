"""What every report takes: the plan, the canonical frames, the period, the as-of date and the filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import TYPE_CHECKING

from ..intake.frameset import Frames
from ..plan.calendar import FiscalMonth, fiscal_months
from ..plan.model import RepPlan, Workspace
from ..plan.targets import RepTargets, workspace_targets
from .period import Period

if TYPE_CHECKING:
    import pandas as pd

UNPLANNED = "<unplanned>"
UNSEGMENTED = "<unsegmented>"
TOTAL = "<total>"


@dataclass(frozen=True)
class Filters:
    reps: tuple[str, ...] = ()
    team: str | None = None
    segment: str | None = None
    product: str | None = None

    def to_dict(self) -> dict:
        return {"reps": list(self.reps), "team": self.team, "segment": self.segment, "product": self.product}


@dataclass
class ReportContext:
    ws: Workspace
    frames: Frames
    period: Period
    as_of: dt.date
    filters: Filters = field(default_factory=Filters)

    @property
    def months(self) -> list[FiscalMonth]:
        return list(_fiscal_months(self.ws.settings.fiscal_year.start))

    @property
    def fiscal_year(self) -> Period:
        # asked per rep by several reports: the calendar is worked out once per start day
        return _fiscal_year(self.ws.settings.fiscal_year.start)

    @property
    def to_date(self) -> Period | None:
        """The part of the period up to the as-of date: what actuals can be compared with."""
        return self.period.until(self.as_of)

    def reps(self) -> list[RepPlan]:
        """The reps the filters keep, in a stable order (team, then id)."""
        chosen = []
        for rep in sorted(self.ws.reps.values(), key=lambda r: (r.manager, r.id)):
            if self.filters.reps and rep.id not in self.filters.reps:
                continue
            if self.filters.team and rep.manager != self.filters.team:
                continue
            chosen.append(rep)
        return chosen

    def targets(self) -> dict[str, RepTargets]:
        """Rep id -> exact objectives."""
        by_stem = workspace_targets(self.ws)
        return {self.ws.reps[stem].id: t for stem, t in by_stem.items()}

    def segments(self) -> list[str]:
        segs = list(self.ws.strategy.segments)
        return [s for s in segs if not self.filters.segment or s == self.filters.segment]

    def products(self) -> list[str]:
        prods = list(self.ws.strategy.products or {})
        return [p for p in prods if not self.filters.product or p == self.filters.product]

    def keep_rows(self, frame, date_column: str, span: Period | None):
        """Rows of a frame inside a span of days and the filters (rep, team, segment, product)."""
        if frame is None or span is None:
            return frame.iloc[0:0] if frame is not None else None
        return frame[self.keep_mask(frame, date_column, span)]

    def keep_mask(self, frame, date_column: str, span: Period | None):
        """keep_rows as a boolean Series over the frame (all False without a span): for counting on codes
        without copying the rows."""
        import pandas as pd

        if span is None:
            return pd.Series(False, index=frame.index)
        dates = frame[date_column]
        mask = (dates >= pd.Timestamp(span.start)) & (dates <= pd.Timestamp(span.end))
        if self.filters.reps or self.filters.team:
            allowed = {rep.id for rep in self.reps()}
            mask &= frame["rep"].isin(allowed)
        if self.filters.segment:
            mask &= frame["segment"] == self.filters.segment
        if self.filters.product and "product" in frame.columns:
            mask &= frame["product"] == self.filters.product
        return mask


@lru_cache(maxsize=16)
def _fiscal_months(start: dt.date) -> tuple[FiscalMonth, ...]:
    return tuple(fiscal_months(start))


@lru_cache(maxsize=16)
def _fiscal_year(start: dt.date) -> Period:
    months = _fiscal_months(start)
    return Period(months[0].first_day, months[-1].last_day, "fiscal year")


def rounded(value: Fraction | int, digits: int = 2) -> float:
    """An exact number to the float of its rounding to `digits` decimals, half away from zero: what
    float(money(value, digits)) gives, in integer arithmetic only (no Decimal: called for every row of a report).
    Both are the correctly rounded float of the same integer / 10**digits."""
    if not isinstance(value, (int, Fraction)):
        value = Fraction(value)  # a Decimal or a numpy integer
    scale = 10**digits
    numerator, denominator = value.numerator * scale, value.denominator
    magnitude = (abs(numerator) * 2 + denominator) // (2 * denominator)
    return (magnitude if numerator >= 0 else -magnitude) / scale


def cents_to_money(cents: int | Fraction) -> float:
    """Cents (exact) to currency units for output, rounded half away from zero to the cent."""
    return rounded(Fraction(cents, 100) if isinstance(cents, int) else Fraction(cents) / 100)


def fraction_money(amount: Fraction) -> float:
    """An exact currency amount to a float rounded half away from zero to the cent, for output."""
    return rounded(amount)


def report_frame(rows: list[dict], columns: list[str], nullable: tuple[str, ...] = ()) -> "pd.DataFrame":
    """A report table: columns that may hold None (listed in `nullable`, or holding one) keep it
    as None in an object column instead of turning it into NaN."""
    import pandas as pd

    data = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        keep_none = column in nullable or any(v is None for v in values)
        data[column] = pd.Series(values, dtype="object" if keep_none else None)
    return pd.DataFrame(data, columns=columns)
