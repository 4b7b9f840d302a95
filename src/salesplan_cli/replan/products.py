"""The product split of re-allocated reps, so that every product range adds up to the strategy exactly.

Reps that declare `products:` are the ones whose split is rewritten (as amounts); when none of the selected
reps declares one and the ranges would not add up, every selected rep gets one. Each keeps its own mix as
far as the strategy allows: the gap of each range is shared out over those reps in proportion to their
totals (falling back to the strategy's mix when that would make an amount negative), then rounded to
whole units with each rep's total kept exact and each range's sum moved back to the strategy's.
"""

from __future__ import annotations

from fractions import Fraction

from ..plan.targets import product_targets, workspace_targets
from ..config.values import Percent
from .rounding import finest_step, largest_remainder, round_table


def _mix(ws, stem: str) -> dict[str, Fraction]:
    return dict(workspace_targets(ws)[stem].product_mix)


def split_products(ws, changes: list, unit: Fraction) -> str | None:
    strategy = ws.strategy
    if not strategy.products:
        return None
    ranges = list(strategy.products)
    goal = product_targets(strategy)
    changed = {c.stem: c for c in changes}
    totals = {c.stem: c.effective_total for c in changes}
    fixed = {p: Fraction(0) for p in ranges}
    for stem, t in workspace_targets(ws).items():
        if stem not in changed:
            for p in ranges:
                fixed[p] += t.effective_products.get(p, Fraction(0))
    flex = [c.stem for c in changes if ws.reps[c.stem].products]
    default_mix = {p: s.fraction for p, s in strategy.products.items()}

    def sums(rows: list[str]) -> dict[str, Fraction]:
        out = dict(fixed)
        for stem in changed:
            if stem in rows:
                continue
            for p in ranges:
                out[p] += totals[stem] * default_mix[p]
        return out

    own = list(flex)
    if not own and all(sums([])[p] == goal[p] for p in ranges):
        return None
    everyone = [c.stem for c in changes]
    # the reps with a products: split first; all the reps re-allocated when that cannot be exact
    # (the others' strategy mix would leave fractions of a cent)
    for flex in [own, everyone] if own and own != everyone else [everyone]:
        base = sums(flex)
        want = {p: goal[p] - base[p] for p in ranges}
        flex_total = sum((totals[s] for s in flex), Fraction(0))
        if sum(want.values(), Fraction(0)) != flex_total or any(v < 0 for v in want.values()):
            continue
        step = finest_step([*(totals[s] for s in flex), *want.values()], unit)
        if step is None:
            continue
        mixes = {s: _mix(ws, s) for s in flex}
        x = {s: {p: totals[s] * mixes[s].get(p, Fraction(0)) for p in ranges} for s in flex}
        gap = {p: want[p] - sum((x[s][p] for s in flex), Fraction(0)) for p in ranges}
        if flex_total:
            x = {s: {p: x[s][p] + gap[p] * totals[s] / flex_total for p in ranges} for s in flex}
        if any(v < 0 for row in x.values() for v in row.values()):
            x = {s: {p: totals[s] * want[p] / flex_total for p in ranges} for s in flex}
        x = round_table(x, flex, ranges, totals, want, step)
        if any(sum((x[s][p] for s in flex), Fraction(0)) != want[p] for p in ranges):
            continue
        for s in flex:  # amounts in products: are shares of the rep's targets: (full year for a prorated rep)
            p = changed[s].proration
            changed[s].products = {k: v / p for k, v in x[s].items()}
        return None
    _keep_mix(ws, changed, own or everyone, totals, ranges, unit)
    return "product ranges: the segments outside the allocation do not add up to the strategy, so the product split could not be made exact; each rep keeps its mix"


def _keep_mix(ws, changed, flex, totals, ranges, unit) -> None:
    for s in flex:
        rep = ws.reps[s]
        if rep.products and all(isinstance(v, Percent) for v in rep.products.values()):
            continue  # shares follow the new total by themselves
        mix = _mix(ws, s)
        keys = list(mix)
        step = finest_step([totals[s]], unit) or Fraction(1, 100)
        parts = largest_remainder(totals[s], [mix[k] for k in keys], step)
        changed[s].products = {k: v / changed[s].proration for k, v in zip(keys, parts)}
