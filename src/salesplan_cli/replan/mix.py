"""Territory reps keep the strategy's segment mix.

When a per-segment allocation would move a territory rep's mix away from the strategy's (beyond
tolerance.mix), the territory reps get one total X, split by the strategy's segment shares, and the
specialists of each segment share what is left of it. X is the territory reps' weight in the total
(by the basis), capped so that no segment gives the territory reps more than is left of it; a segment
without specialists goes to the territory reps in full (all such segments must then agree on X).
"""

from __future__ import annotations

from fractions import Fraction

from ..plan.checks.organisation import organisation_of
from ..plan.targets import workspace_targets
from .rounding import finest_step, largest_remainder, round_table


def _mix_off(ws, territory: list[str], new_open: dict, first_open: int) -> bool:
    tolerance = ws.settings.tolerance.mix.fraction
    shares = {seg: v.fraction for seg, v in ws.strategy.segments.items()}
    for stem in territory:
        t = workspace_targets(ws)[stem]
        year = {seg: (sum(t.monthly(seg)[:first_open], Fraction(0)) if seg in t.full_year else Fraction(0)) + new_open[stem].get(seg, Fraction(0)) for seg in shares}
        total = sum(year.values(), Fraction(0))
        if total and any(abs(year[seg] / total - shares[seg]) > tolerance for seg in shares):
            return True
    return False


def territory_mix(ws, territory: list[str], specialists: list[str], left: dict, weights: dict, unit: Fraction) -> dict | None:
    """stem -> segment -> amount, or None when the mix cannot be kept (the per-segment split stands)."""
    mix = {seg: v.fraction for seg, v in ws.strategy.segments.items()}
    segs = list(mix)
    by_segment = {seg: [s for s in specialists if weights.get(s) and _carries(ws, s, seg)] for seg in segs}
    w_territory = sum((weights.get(s, Fraction(0)) for s in territory), Fraction(0))
    w_special = sum((weights.get(s, Fraction(0)) for s in specialists), Fraction(0))
    if not w_territory:
        return None
    total = sum(left.values(), Fraction(0))
    caps = [left[seg] / mix[seg] for seg in segs if mix[seg]]
    forced = {left[seg] / mix[seg] for seg in segs if mix[seg] and not by_segment[seg]}
    if len(forced) > 1:
        return None
    x = forced.pop() if forced else min([total * w_territory / (w_territory + w_special), *caps])
    if caps and x > min(caps):
        return None
    x = (x // unit) * unit
    pools = dict(zip(segs, largest_remainder(x, [mix[seg] for seg in segs], unit)))
    for seg in segs:
        if pools[seg] > left[seg]:
            return None
        if not by_segment[seg]:
            pools[seg] = left[seg]  # nobody else carries it: the territory reps take all of it
    pool_total = sum(pools.values(), Fraction(0))
    rows = dict(zip(territory, largest_remainder(pool_total - pool_total % unit, [weights.get(s, Fraction(0)) for s in territory], unit)))
    odd = pool_total % unit
    if odd:
        first = max(territory, key=lambda s: (rows[s], s))
        rows[first] += odd
    step = finest_step([*rows.values(), *pools.values()], unit) or Fraction(1, 100)
    exact = {s: {seg: rows[s] * pools[seg] / pool_total if pool_total else Fraction(0) for seg in segs} for s in territory}
    table = round_table(exact, territory, segs, rows, pools, step)
    if any(sum((table[s][seg] for s in territory), Fraction(0)) != pools[seg] for seg in segs):
        return None
    out = {s: dict(table[s]) for s in territory}
    for seg in segs:
        rest = left[seg] - pools[seg]
        reps = by_segment[seg]
        if rest and not reps:
            return None
        if not reps:
            continue
        whole = rest - rest % unit
        parts = largest_remainder(whole, [weights[s] for s in reps], unit)
        for s, part in zip(reps, parts):
            out.setdefault(s, {})[seg] = part
        if rest % unit:
            biggest = max(reps, key=lambda s: (out[s][seg], s))
            out[biggest][seg] += rest % unit
    return out


def _carries(ws, stem: str, seg: str) -> bool:
    rep = ws.reps[stem]
    if organisation_of(ws, rep) != "specialized":
        return True
    carried = [s for s, v in rep.targets.items() if (v.value if hasattr(v, "fraction") else v)]
    return carried == [seg]
