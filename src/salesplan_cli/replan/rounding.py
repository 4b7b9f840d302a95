"""Largest-remainder rounding: whole units that add up exactly to a total."""

from __future__ import annotations

from fractions import Fraction


class NotWholeUnits(ValueError):
    """The total is not a whole number of steps: no split into whole steps can add up to it."""


def largest_remainder(total: Fraction, weights: list[Fraction], step: Fraction = Fraction(1)) -> list[Fraction]:
    """Split `total` in proportion to `weights` into multiples of `step` that add up to `total` exactly.

    Each part first gets the whole steps of its exact share (rounded down); the steps left over go one by
    one to the parts with the largest remainders (ties: the earlier part). Zero weights get nothing.
    """
    total, step = Fraction(total), Fraction(step)
    units = total / step
    if units.denominator != 1:
        raise NotWholeUnits(f"{total} is not a whole number of {step}")
    weight_sum = sum(weights, Fraction(0))
    if not weights or weight_sum <= 0:
        if units:
            raise ValueError("nothing to split by: every weight is zero")
        return [Fraction(0)] * len(weights)
    exact = [units * Fraction(w) / weight_sum for w in weights]
    floors = [e.numerator // e.denominator for e in exact]
    left = int(units) - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [f * step for f in floors]


def round_values(values: list[Fraction], step: Fraction, total: Fraction | None = None) -> list[Fraction]:
    """Exact values rounded to whole steps, adding up to `total` (default: their sum, to the nearest step):
    each rounded down, then one step more to the largest remainders."""
    step = Fraction(step)
    exact = [Fraction(v) / step for v in values]
    floors = [e.numerator // e.denominator for e in exact]
    if total is None:
        whole = sum(exact, Fraction(0))
        units = (whole.numerator * 2 + whole.denominator) // (2 * whole.denominator)
    else:
        units = Fraction(total) / step
        if units.denominator != 1:
            raise NotWholeUnits(f"{total} is not a whole number of {step}")
        units = int(units)
    left = units - sum(floors)
    if not 0 <= left <= len(values):
        raise ValueError("the total is not within one step per value of the values' sum")
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [f * step for f in floors]


def exact_shares(total: Fraction, weights: list[Fraction]) -> list[Fraction]:
    """The unrounded shares of `total` in proportion to `weights`."""
    weight_sum = sum(weights, Fraction(0))
    if weight_sum <= 0:
        return [Fraction(0)] * len(weights)
    return [Fraction(total) * Fraction(w) / weight_sum for w in weights]


def finest_step(values: list[Fraction], unit: Fraction) -> Fraction | None:
    """`unit` when every value is a whole number of it, else a cent when they all are whole cents, else None."""
    for step in (Fraction(unit), Fraction(1, 100)):
        if all((Fraction(v) / step).denominator == 1 for v in values):
            return step
    return None


def round_table(x, rows, ranges, totals, want, step):
    """Round each row to whole steps keeping its total, then move steps within rows until each column is exact."""
    out = {}
    for s in rows:
        weights = [x[s][p] for p in ranges]
        out[s] = dict(zip(ranges, largest_remainder(totals[s], weights, step) if sum(weights) else [Fraction(0)] * len(ranges)))
    for _ in range(10_000):
        col = {p: sum((out[s][p] for s in rows), Fraction(0)) - want[p] for p in ranges}
        over = [p for p in ranges if col[p] > 0]
        under = [p for p in ranges if col[p] < 0]
        if not over or not under:
            break
        p, q = over[0], under[0]
        donor = max((s for s in rows if out[s][p] >= step), key=lambda s: (out[s][p] - x[s][p], s), default=None)
        if donor is None:
            break
        out[donor][p] -= step
        out[donor][q] += step
    return out
