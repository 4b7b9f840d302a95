"""Plan arithmetic: from the strategy and the rep plans to exact objectives.

All amounts are Fractions: shares, seasonality weights and day-prorations
multiply without any rounding, so sums compared by the checks are exact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from decimal import Decimal
from fractions import Fraction

from .calendar import FiscalMonth, employment_fractions, fiscal_months, month_weights, period_kind
from .model import RepPlan, Settings, Strategy
from ..config.values import Percent


def exact_sum(values: Iterable[Fraction | int]) -> Fraction:
    """sum(values, Fraction(0)), exactly, with a fraction per distinct denominator instead of per value.

    Adding two Fractions takes a gcd and a new object; the amounts of 2,000 reps mostly share one denominator
    (1 for whole amounts), so their numerators add as plain ints and a handful of Fractions add at the end."""
    values = list(values)
    by_denominator: dict[int, int] = {}
    for value in values:
        if value.__class__ is not Fraction and value.__class__ is not int:
            return sum(values, Fraction(0))  # another kind of number (a float, a Decimal): as sum() does
        denominator = value.denominator
        by_denominator[denominator] = by_denominator.get(denominator, 0) + value.numerator
    total = Fraction(0)
    for denominator, numerator in by_denominator.items():
        total += Fraction(numerator, denominator)
    return total


def exact_sum_of_products(pairs: Iterable[tuple[Fraction, Fraction]]) -> Fraction:
    """sum(a * b for a, b in pairs), exactly, without a Fraction per product (as `exact_sum`)."""
    by_denominator: dict[int, int] = {}
    for a, b in pairs:
        denominator = a.denominator * b.denominator
        by_denominator[denominator] = by_denominator.get(denominator, 0) + a.numerator * b.numerator
    total = Fraction(0)
    for denominator, numerator in by_denominator.items():
        total += Fraction(numerator, denominator)
    return total


def as_fraction(value: Decimal | Percent) -> Fraction:
    return value.fraction if isinstance(value, Percent) else Fraction(value)


def segment_targets(strategy: Strategy) -> dict[str, Fraction]:
    """Strategy target per segment: revenue target x segment share."""
    total = Fraction(strategy.revenue_target)
    return {seg: total * share.fraction for seg, share in strategy.segments.items()}


def strategy_volume(strategy: Strategy) -> dict[str, dict[str, Fraction]]:
    """The strategy's volume objectives: kind -> key (segment or product range) -> number."""
    if strategy.volume is None:
        return {}
    return {kind: {key: Fraction(number) for key, number in keys.items()} for kind, keys in strategy.volume.kinds().items()}


def rep_volume(rep: RepPlan, strategy: Strategy) -> dict[str, dict[str, Fraction]]:
    """A rep's full-year volume objectives, shares of the strategy's objective resolved (0 where it sets none)."""
    if rep.volume is None:
        return {}
    planned = strategy_volume(strategy)
    out: dict[str, dict[str, Fraction]] = {}
    for kind, keys in rep.volume.kinds().items():
        out[kind] = {
            key: planned.get(kind, {}).get(key, Fraction(0)) * value.fraction if isinstance(value, Percent) else Fraction(value)
            for key, value in keys.items()
        }
    return out


def product_targets(strategy: Strategy) -> dict[str, Fraction]:
    total = Fraction(strategy.revenue_target)
    return {prod: total * share.fraction for prod, share in (strategy.products or {}).items()}


def seasonality_weights(strategy: Strategy, months: list[FiscalMonth]) -> list[Fraction]:
    """The strategy's weight of each fiscal month (quarters spread evenly over their months)."""
    return month_weights({k: v.fraction for k, v in strategy.seasonality.items() if period_kind(k)}, months)


def periods_are_shares(periods: dict) -> bool:
    return all(isinstance(v, Percent) for v in periods.values())


@dataclass
class RepTargets:
    """One rep's objectives, exact, by segment, product and fiscal month."""

    rep_id: str
    full_year: dict[str, Fraction]  # declared objective per segment, shares resolved
    month_weights: list[Fraction]  # how the objective spreads over the 12 fiscal months (sums to 1)
    employment: list[Fraction]  # share of each fiscal month the rep is in post
    product_mix: dict[str, Fraction] = field(default_factory=dict)  # product -> share of the rep's total
    start: dt.date | None = None  # first day in post, when after the fiscal year's start
    end: dt.date | None = None  # last day in post, when before the fiscal year's end
    volume: dict[str, dict[str, Fraction]] = field(default_factory=dict)  # kind -> key -> full-year number, shares resolved

    @cached_property
    def effective_volume(self) -> dict[str, dict[str, Fraction]]:
        """Volume objectives for this fiscal year: full year x prorated weights (as value targets)."""
        p = self.proration
        return {kind: {key: number * p for key, number in keys.items()} for kind, keys in self.volume.items()}

    @cached_property
    def full_year_total(self) -> Fraction:
        return exact_sum(self.full_year.values())

    @cached_property
    def proration(self) -> Fraction:
        """Share of the full-year objective the rep carries this fiscal year (1 unless hired or leaving mid-year)."""
        if all(e == 1 for e in self.employment):
            return exact_sum(self.month_weights)
        return exact_sum(w * e for w, e in zip(self.month_weights, self.employment))

    def monthly(self, segment: str) -> list[Fraction]:
        return [self.full_year[segment] * w * e for w, e in zip(self.month_weights, self.employment)]

    @cached_property
    def effective(self) -> dict[str, Fraction]:
        """Objective per segment for this fiscal year: full year x prorated weights."""
        p = self.proration
        if p == 1:  # the whole year in post: the objectives themselves (a product by 1 is the same Fraction)
            return {seg: amount if amount.__class__ is Fraction else amount * p for seg, amount in self.full_year.items()}
        return {seg: amount * p for seg, amount in self.full_year.items()}

    @cached_property
    def effective_total(self) -> Fraction:
        return self.full_year_total if self.proration == 1 else self.full_year_total * self.proration

    @cached_property
    def effective_products(self) -> dict[str, Fraction]:
        total = self.effective_total
        return {prod: total * share for prod, share in self.product_mix.items()}

    def monthly_total(self) -> list[Fraction]:
        total = self.full_year_total
        return [total * w * e for w, e in zip(self.month_weights, self.employment)]


def workspace_targets(ws) -> dict[str, RepTargets]:
    """Every loaded rep's objectives, by file stem; computed once per loaded workspace."""
    cached = ws.derived.get("rep_targets")
    if cached is None:
        shared = _StrategyFigures(ws.strategy, ws.settings) if ws.reps else None
        cached = {stem: rep_targets(rep, ws.strategy, ws.settings, shared) for stem, rep in sorted(ws.reps.items())}
        ws.derived["rep_targets"] = cached
    return cached


class _StrategyFigures:
    """What every rep's objectives build on, computed once for all reps: the fiscal months, the segment targets,
    the strategy's month weights and product mix, the months in post by dates (most reps share the full year)."""

    def __init__(self, strategy: Strategy, settings: Settings):
        self.months = fiscal_months(settings.fiscal_year.start)
        self.segment_targets = segment_targets(strategy)
        self.weights = seasonality_weights(strategy, self.months)
        self.product_mix = {p: v.fraction for p, v in strategy.products.items()} if strategy.products else {}
        self._employment: dict[tuple, list[Fraction]] = {}
        self.prorations: dict[tuple, Fraction] = {}

    def employment(self, start: dt.date | None, end: dt.date | None) -> list[Fraction]:
        found = self._employment.get((start, end))
        if found is None:
            found = self._employment[(start, end)] = employment_fractions(self.months, start, end)
        return list(found)  # each rep its own list, as before


def rep_targets(rep: RepPlan, strategy: Strategy, settings: Settings, shared: _StrategyFigures | None = None) -> RepTargets:
    """Resolve a rep plan's shares, breakdown and proration into exact objectives.

    Assumes the references were checked: unknown segments count as zero-target segments.
    `shared`: the figures common to all reps of the workspace (computed here when not given).
    """
    shared = shared or _StrategyFigures(strategy, settings)
    months = shared.months
    seg_targets = shared.segment_targets
    full_year: dict[str, Fraction] = {}
    for seg, value in rep.targets.items():
        if isinstance(value, Percent):
            full_year[seg] = seg_targets.get(seg, Fraction(0)) * value.fraction
        else:
            full_year[seg] = Fraction(value)
    total = exact_sum(full_year.values())

    weights = list(shared.weights)
    if rep.periods:
        if periods_are_shares(rep.periods):
            own = {k: v.fraction for k, v in rep.periods.items() if period_kind(k)}
        elif total:
            own = {k: as_fraction(v) / total for k, v in rep.periods.items() if period_kind(k) and not isinstance(v, Percent)}
        else:
            own = {}
        spread = month_weights(own, months)
        spread_total = sum(spread)
        if spread_total > 0:
            weights = [w / spread_total for w in spread]

    mix: dict[str, Fraction] = {}
    if rep.products:
        # percentages are shares of the rep's total, amounts are in currency (mixing both is flagged by SP406)
        mix = {
            p: v.fraction if isinstance(v, Percent) else (Fraction(v) / total if total else Fraction(0))
            for p, v in rep.products.items()
        }
    elif strategy.products:
        mix = dict(shared.product_mix)

    targets = RepTargets(
        rep_id=rep.id,
        full_year=full_year,
        month_weights=weights,
        employment=shared.employment(rep.start, rep.end),
        product_mix=mix,
        start=rep.start,
        end=rep.end,
        volume=rep_volume(rep, strategy),
    )
    if weights == shared.weights:
        # reps on the strategy's seasonality with the same dates in post share one proration: computed by the
        # first of them, then given to the others (a cached_property keeps its value in the instance's __dict__)
        dates = (rep.start, rep.end)
        if dates in shared.prorations:
            targets.__dict__["proration"] = shared.prorations[dates]
        else:
            shared.prorations[dates] = targets.proration
    return targets


def employed_share(rep: RepPlan, settings: Settings) -> Fraction:
    """Share of the fiscal year's days the rep is in post (for capacity and activity norms)."""
    months = fiscal_months(settings.fiscal_year.start)
    first, last = months[0].first_day, months[-1].last_day
    lo = max(first, rep.start) if rep.start else first
    hi = min(last, rep.end) if rep.end else last
    days = (last - first).days + 1
    return Fraction(max((hi - lo).days + 1, 0), days)


def fiscal_bounds(settings: Settings) -> tuple[dt.date, dt.date]:
    months = fiscal_months(settings.fiscal_year.start)
    return months[0].first_day, months[-1].last_day
