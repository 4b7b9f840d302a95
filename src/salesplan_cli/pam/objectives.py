"""Revenue objectives of a fiscal month: the plan figure, and in catch-up mode what is missing spread ahead.

Exact until shown: month objectives are Fractions; the figures shown are rounded to the cent so that
rounded figures still add up (cumulative rounding over months, largest remainder across a split).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from ..plan.targets import RepTargets
from ..config.values import money


def cumulative_round(values: list[Fraction], places: int = 2) -> list[Decimal]:
    """Round each value so that every running total of the rounded values is the rounded running total.

    Twelve month objectives rounded this way add up exactly to the rounded annual objective.
    """
    out, running, shown = [], Fraction(0), Decimal(0)
    for value in values:
        running += value
        target = money(running, places)
        out.append(target - shown)
        shown = target
    return out


def split_rounded(total: Decimal, weights: list[Fraction], places: int = 2) -> list[Decimal]:
    """Split a rounded amount in proportion to `weights` so the rounded parts add up to it exactly.

    Largest remainder: every part is first rounded down to the unit, the units left go to the parts
    with the largest remainders (ties: the first listed). All weights zero: everything in the first part.
    """
    if not weights:
        return []
    unit = Fraction(1, 10**places)
    units = round(Fraction(total) / unit)
    weight_sum = sum(weights, Fraction(0))
    if weight_sum <= 0:
        return [Decimal(units).scaleb(-places)] + [Decimal(0).scaleb(-places)] * (len(weights) - 1)
    exact = [units * w / weight_sum for w in weights]
    floors = [e.numerator // e.denominator for e in exact]
    left = units - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [Decimal(n).scaleb(-places) for n in floors]


@dataclass
class CatchUp:
    """What is missing to date at the start of a month, spread over the months left in the fiscal year.

    target_before    = the rep's objective of the fiscal months before the month;
    actual_before    = the rep's sales dated in those months (up to the as-of day);
    missing          = max(0, target_before - actual_before): an advance is not taken off later months;
    remaining_target = the plan of the months left (this month included) + missing;
    schedule         = per month left: plan + missing x that month's plan / plan of the months left
                       (in proportion to seasonality weight x time in post; to time in post when nothing is
                       planned in them); it sums to remaining_target.
    """

    target_before: Fraction
    actual_before: Fraction
    missing: Fraction
    remaining_target: Fraction
    schedule: list[Fraction]  # the months from this one to the end of the fiscal year


def catch_up(targets: RepTargets, month_index: int, actual_before: Fraction) -> CatchUp:
    """Catch-up objectives from fiscal month `month_index` (0..11) on, given the sales made before it."""
    plan = targets.monthly_total()
    target_before = sum(plan[:month_index], Fraction(0))
    missing = max(Fraction(0), target_before - actual_before)
    rest = plan[month_index:]
    weights = catch_up_weights(targets, month_index)
    weight_total = sum(weights, Fraction(0))
    if weight_total:
        schedule = [p + missing * w / weight_total for p, w in zip(rest, weights)]
        remaining = sum(rest, Fraction(0)) + missing
    else:  # not in post in any month left: nothing can be spread
        schedule = list(rest)
        remaining = sum(rest, Fraction(0))
    return CatchUp(target_before, actual_before, missing, remaining, schedule)


def catch_up_weights(targets: RepTargets, month_index: int) -> list[Fraction]:
    """How what is missing spreads over the months left: in proportion to their plan; when nothing is
    planned in them (a seasonality of 0% to the year end), in proportion to the time in post."""
    rest = targets.monthly_total()[month_index:]
    if sum(rest, Fraction(0)):
        return rest
    return list(targets.employment[month_index:])


@dataclass
class MonthObjectives:
    """One rep's revenue objectives for one fiscal month, rounded for display (sums hold)."""

    segments: dict[str, Decimal]  # plan figure per segment
    products: dict[str, Decimal]  # plan figure per product range (a split of the total)
    total: Decimal
    annual: dict[str, Decimal]  # the fiscal year's objective per segment (prorated for time in post)
    catch_up_total: Decimal | None = None
    catch_up_segments: dict[str, Decimal] | None = None
    catch_up_products: dict[str, Decimal] | None = None
    catch_up_schedule: list[Decimal] | None = None  # shown figures of every month left, this one first (they add up
    # to the shown remaining target: shown plan of the months left + shown missing)


def month_objectives(
    targets: RepTargets, month_index: int, catch: CatchUp | None = None, segment_gaps: dict[str, Fraction] | None = None
) -> MonthObjectives:
    """The month's objectives by segment and product range, and the catch-up figures when `catch` is given.

    Segment figure = full-year objective x month weight x share of the month in post, rounded by
    cumulative rounding over the fiscal year (the twelve shown figures add up to the shown annual one).
    Product figures split the month's total by the rep's product mix (largest remainder).
    Catch-up figure = the shown plan figure + the month's share of what is missing, that share rounded by
    cumulative rounding over the months left and split by largest remainder: over segments in proportion
    to `segment_gaps` (each segment's shortfall before the month) when one is positive, else to the
    segments' plans; over ranges by the product mix. With nothing missing the catch-up figures are the
    plan's, to the cent.
    """
    segments = list(targets.full_year)
    per_segment = {seg: cumulative_round(targets.monthly(seg)) for seg in segments}
    plan = {seg: per_segment[seg][month_index] for seg in segments}
    annual = {seg: sum(per_segment[seg], Decimal(0)) for seg in segments}
    total = sum(plan.values(), Decimal("0.00"))
    products = list(targets.product_mix)
    mix = [targets.product_mix[p] for p in products]
    result = MonthObjectives(
        segments=plan,
        products=dict(zip(products, split_rounded(total, mix))) if products else {},
        total=total,
        annual=annual,
    )
    if catch is not None:
        # shown catch-up = shown plan + the shown share of what is missing: equal to the plan when nothing is missing
        plan_total = targets.monthly_total()
        weights = catch_up_weights(targets, month_index)
        weight_total = sum(weights, Fraction(0))
        extra = cumulative_round([catch.missing * w / weight_total for w in weights] if weight_total else [Fraction(0)] * len(weights))
        shown_plan = cumulative_round(plan_total)[month_index:]
        shown = [p + e for p, e in zip(shown_plan, extra)]
        month_extra = extra[0] if extra else Decimal("0.00")
        gaps = [max(Fraction(0), (segment_gaps or {}).get(seg, Fraction(0))) for seg in segments]
        weights = gaps if sum(gaps) > 0 else [targets.monthly(seg)[month_index] or targets.full_year[seg] for seg in segments]
        result.catch_up_total = total + month_extra
        result.catch_up_segments = {seg: plan[seg] + part for seg, part in zip(segments, split_rounded(month_extra, weights))}
        result.catch_up_products = (
            {p: result.products[p] + part for p, part in zip(products, split_rounded(month_extra, mix))} if products else {}
        )
        result.catch_up_schedule = shown
    return result


VOLUME_LABELS = {"new_customers": "New customers", "deals_won": "Deals won", "units": "Units"}


def month_volume(targets: RepTargets, month_index: int) -> list[dict]:
    """The rep's volume objectives for one fiscal month (plan mode), one row per kind and key.

    Month figure = full-year number x month weight x share of the month in post (as value targets), shown
    to one decimal by cumulative rounding over the fiscal year, so the twelve shown figures add up to the
    shown annual one (the prorated objective). `before` is the shown objective of the months before."""
    rows = []
    for kind, keys in targets.volume.items():
        for key, number in keys.items():
            monthly = [number * w * e for w, e in zip(targets.month_weights, targets.employment)]
            shown = cumulative_round(monthly, places=1)
            rows.append(
                {
                    "kind": kind,
                    "label": VOLUME_LABELS[kind],
                    "key": key,
                    "annual": float(sum(shown, Decimal("0.0"))),
                    "plan": float(shown[month_index]),
                    "ytd_target": float(sum(shown[:month_index], Decimal("0.0"))),
                }
            )
    return rows
