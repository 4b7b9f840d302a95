"""Top-down allocation from the strategy to the reps, exact to the unit.

`allocate(ws, request)` returns, per rep file to rewrite, the new `targets:` (and `periods:` and `products:`
where needed), as exact Fractions in currency. Rules (docs/howto/replanning.md):

- What is allocated, per segment: the strategy's target, minus what stays fixed: the reps not selected, the
  segments not selected, and every selected rep's objective in the months before --from.
- Who gets it: the selected reps in post in those months; a territory rep shares in every segment, a
  specialised rep only in the segment it carries. Each rep's weight is its basis (equal, capacity, portfolio
  accounts of the segment, last fiscal year's sales in the segment) x the share of the strategy's
  seasonality that falls in its months in post (the proration of the checks).
- Amounts are whole --unit, rounded by the largest-remainder method: the reps' sum is the target exactly.
- A rep in post all year, allocated for the whole year, gets new `targets:` only. Any other rep (a hire, a
  leaver, an allocation --from a date) gets `targets:` = what it carries this fiscal year and a `periods:`
  breakdown in amounts: months before --from as they were, the rest spread by the seasonality over its
  whole months in post (a month in post only in part carries nothing new).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

from ..plan.calendar import QUARTERS, FiscalMonth, fiscal_months, period_kind
from ..plan.checks.organisation import organisation_of
from ..plan.model import Workspace
from ..plan.targets import periods_are_shares, seasonality_weights, segment_targets, workspace_targets
from ..config.values import Percent, money
from .mix import _mix_off, territory_mix
from .products import split_products
from .volume import allocate_volume
from .rounding import exact_shares, finest_step, largest_remainder, round_values

BASES = ("equal", "capacity", "accounts", "sales")


class AllocationError(Exception):
    """Bad input for an allocation: a message and a hint; nothing is written (exit 2)."""

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass
class Request:
    by: str = "equal"
    unit: int = 1
    start: dt.date | None = None  # --from
    reps: list[str] = field(default_factory=list)
    team: str | None = None
    segments: list[str] = field(default_factory=list)


@dataclass
class RepChange:
    stem: str
    rel: str  # the rep file, relative to the workspace
    targets: dict[str, Fraction]
    periods: dict[str, Fraction] | None = None  # None: leave periods: as it is
    products: dict[str, Fraction] | None = None  # None: leave products: as it is
    proration: Fraction = Fraction(1)  # share of `targets` the rep carries this fiscal year (checks' proration)
    volume: dict[str, dict[str, Fraction]] | None = None  # volume objectives rewritten (kind -> key -> number)

    @property
    def effective_total(self) -> Fraction:
        return sum(self.targets.values(), Fraction(0)) * self.proration


@dataclass
class Allocation:
    changes: list[RepChange]
    allocated: dict[str, Fraction]  # segment -> amount shared out
    notes: list[str] = field(default_factory=list)


def _amount(value: Fraction, currency: str = "") -> str:
    text = f"{money(value):,.2f}".removesuffix(".00")
    return f"{text} {currency}".strip()


def _select(ws: Workspace, request: Request) -> list[str]:
    """The rep file stems the request names (all by default); unknown names are errors."""
    by_id = {rep.id: stem for stem, rep in ws.reps.items()}
    stems = sorted(ws.reps)
    if request.reps:
        unknown = [r for r in request.reps if r not in ws.reps and r not in by_id]
        if unknown:
            raise AllocationError(f"unknown rep {', '.join(unknown)}", f"reps of this workspace: {', '.join(sorted(by_id))}")
        wanted = {by_id.get(r, r) for r in request.reps}
        stems = [s for s in stems if s in wanted]
    if request.team is not None:
        teams = set(ws.settings.managers) | {rep.manager for rep in ws.reps.values()}
        if request.team not in teams:
            raise AllocationError(f"unknown team {request.team}", f"teams (manager ids): {', '.join(sorted(teams))}")
        stems = [s for s in stems if ws.reps[s].manager == request.team]
    return stems


def _window(ws: Workspace, request: Request) -> tuple[list[FiscalMonth], int]:
    months = fiscal_months(ws.settings.fiscal_year.start)
    if request.start is None:
        return months, 0
    first, last = months[0].first_day, months[-1].last_day
    if not first <= request.start <= last:
        raise AllocationError(
            f"--from {request.start.isoformat()} is outside the fiscal year ({first.isoformat()} to {last.isoformat()})",
            "give a date within the fiscal year the workspace plans",
        )
    if request.start.day != 1:
        raise AllocationError(
            f"--from {request.start.isoformat()} is not the first day of a month",
            f"objectives are set by whole months: use --from {request.start.replace(day=1).isoformat()} or the 1st of the next month",
        )
    index = next(m.index for m in months if m.first_day == request.start)
    return months, index


def _weights(ws: Workspace, request: Request, stems: list[str], segment: str, sales: dict | None) -> dict[str, Fraction]:
    """Each eligible rep's basis for `segment` (before proration)."""
    out: dict[str, Fraction] = {}
    for stem in stems:
        rep = ws.reps[stem]
        if organisation_of(ws, rep) == "specialized":
            carried = [s for s, v in rep.targets.items() if (v.value if isinstance(v, Percent) else v)]
            if carried != [segment]:
                continue
        if request.by == "equal":
            out[stem] = Fraction(1)
        elif request.by == "capacity":
            capacity = rep.capacity or ws.strategy.capacity
            if capacity is None:
                raise AllocationError(
                    f"{rep.id} has no capacity: neither its plan nor strategy.yaml sets capacity: actions_per_year",
                    "set capacity: {actions_per_year: N} in strategy.yaml (or the rep's plan), or allocate --by equal",
                )
            out[stem] = Fraction(capacity.actions_per_year)
        else:  # a territory rep shares every segment in the same proportion: its basis over all of them
            segs = [segment] if organisation_of(ws, rep) == "specialized" else list(request.segments or ws.strategy.segments)
            if request.by == "accounts":
                out[stem] = Fraction(sum((n for s in segs for n in rep.portfolio.accounts.get(s, {}).values()), 0))
            else:
                out[stem] = sum((Fraction(sales.get((rep.id, s), 0)) for s in segs), Fraction(0))
    return out


def allocate(ws: Workspace, request: Request, sales: dict | None = None) -> Allocation:
    """The new objectives of the selected reps. `sales`: (rep id, segment) -> last year's sales (for --by sales).

    Requires a workspace that validated without errors. Raises AllocationError on bad input.
    """
    if request.by not in BASES:
        raise AllocationError(f"unknown allocation basis {request.by}", f"use one of {', '.join(BASES)}")
    if request.unit < 1:
        raise AllocationError(f"--unit {request.unit} is not a positive whole number", "give the rounding unit in whole currency, e.g. --unit 1000")
    strategy, currency = ws.strategy, ws.settings.currency
    unknown = [s for s in request.segments if s not in strategy.segments]
    if unknown:
        raise AllocationError(f"unknown segment {', '.join(unknown)}", f"segments of the strategy: {', '.join(strategy.segments)}")
    segments = list(request.segments or strategy.segments)
    months, first_open = _window(ws, request)
    stems = _select(ws, request)
    targets = workspace_targets(ws)
    open_months = months[first_open:]
    seasonality = seasonality_weights(strategy, months)
    # who is in post in the months being allocated, and for which share of the seasonality
    in_post = {s: sum((seasonality[m.index] * targets[s].employment[m.index] for m in open_months), Fraction(0)) for s in stems}
    idle = [ws.reps[s].id for s in stems if not any(targets[s].employment[m.index] for m in open_months)]
    leavers = [s for s in stems if not any(targets[s].employment[m.index] for m in open_months)]
    if request.reps and idle:
        raise AllocationError(f"{', '.join(idle)} not in post from {open_months[0].first_day.isoformat()}", "leave out reps who have left (their closed months stay as they were)")
    stems = [s for s in stems if any(targets[s].employment[m.index] for m in open_months)]
    if not stems:
        raise AllocationError("no selected rep is in post in the months to allocate", "check --rep/--team and the reps' start/end dates")
    if request.by == "sales" and sales is None:
        raise AllocationError("--by sales needs last year's sales", "declare the sales export under data: in salesplan.yaml")

    def monthly(stem: str, seg: str) -> list[Fraction]:
        return targets[stem].monthly(seg) if seg in targets[stem].full_year else [Fraction(0)] * 12

    chosen = set(stems)
    # reps hired or leaving during the year, allocated for the whole year, keep full-year targets (the checks
    # prorate them) when their proration is a simple fraction: see _split
    flat = {s for s in stems if first_open == 0 and targets[s].proration < 1 and not (ws.reps[s].periods and not periods_are_shares(ws.reps[s].periods))}
    full_year: dict[str, dict[str, Fraction]] = {s: {} for s in stems}
    seg_targets = segment_targets(strategy)
    unit = Fraction(request.unit)
    new_open: dict[str, dict[str, Fraction]] = {s: {} for s in stems}
    notes: list[str] = []
    allocated: dict[str, Fraction] = {}
    rep_weights: dict[str, Fraction] = {}  # the weight of each rep (the same in every segment for a territory rep)
    seg_weights: dict[str, dict[str, Fraction]] = {}  # segment -> rep -> weight (volume objectives use them too)
    for seg in segments:
        fixed = sum((sum(monthly(s, seg), Fraction(0)) for s in targets if s not in chosen), Fraction(0))
        fixed += sum((sum(monthly(s, seg)[:first_open], Fraction(0)) for s in stems), Fraction(0))
        left = seg_targets[seg] - fixed
        if left < 0:
            raise AllocationError(
                f"segment {seg}: the reps not re-allocated (and the months already ended) carry {_amount(fixed, currency)}, "
                f"more than the strategy's {_amount(seg_targets[seg], currency)}; nothing is left to allocate",
                "lower those reps' targets first, or widen the selection (--team, --rep)",
            )
        basis = _weights(ws, request, stems, seg, sales)
        weights = {s: w * in_post[s] for s, w in basis.items()}
        if left and not any(weights.values()):
            what = {"accounts": "portfolio accounts in this segment", "sales": "sales in this segment last fiscal year", "capacity": "capacity", "equal": "time in post"}[request.by]
            raise AllocationError(
                f"segment {seg}: {_amount(left, currency)} to allocate but no selected rep has {what}",
                "choose another --by, or select reps who carry this segment",
            )
        odd = left - (left // unit) * unit  # what is not a whole number of units (from months already ended)
        order = sorted(weights)
        exact = exact_shares(left, [weights[s] for s in order])
        for s, share in zip(order, exact):
            if 0 < share < unit:
                raise AllocationError(
                    f"segment {seg}: {ws.reps[s].id}'s share is {_amount(share, currency)}, less than the rounding unit {_amount(unit, currency)}",
                    "use a smaller --unit, or leave this rep out of the segment",
                )
        for s in stems:
            new_open[s][seg] = Fraction(0)
        parts = _split(left - odd, order, weights, exact_shares(left - odd, [weights[s] for s in order]), flat, unit, targets, full_year, seg)
        if odd:  # to the largest part of a rep whose objective is written as this year's (not a prorated full-year figure)
            plain = [s for s in order if seg not in full_year[s]] or order
            largest = max(plain, key=lambda s: (parts.get(s, Fraction(0)), s))
            parts[largest] = parts.get(largest, Fraction(0)) + odd
            full_year[largest].clear()  # (only when every part is prorated: this rep then gets a periods: breakdown)
            notes.append(
                f"segment {seg}: {_amount(left, currency)} to allocate is not a whole number of --unit {request.unit}; "
                f"{ws.reps[largest].id} carries the {_amount(odd, currency)} left over, so the sum stays exact"
            )
        for s, part in parts.items():
            new_open[s][seg] = part
        allocated[seg] = left
        rep_weights.update({s: w for s, w in weights.items() if w})
        seg_weights[seg] = weights

    for s in stems:  # a full-year target only when every segment of the rep could be written that way
        if full_year[s] and any(new_open[s].get(seg) and seg not in full_year[s] for seg in segments):
            full_year[s].clear()
    territory = [s for s in stems if organisation_of(ws, ws.reps[s]) != "specialized"]
    if territory and segments == list(strategy.segments) and _mix_off(ws, territory, new_open, first_open):
        mixed = territory_mix(ws, territory, [s for s in stems if s not in territory], allocated, rep_weights, unit)
        if mixed is not None:
            new_open = {s: {seg: mixed.get(s, {}).get(seg, Fraction(0)) for seg in segments} for s in stems}
            full_year = {s: {} for s in stems}
            notes = [n for n in notes if "left over" not in n]
            notes.append("territory reps keep the strategy's segment mix; the specialists share what is left of each segment")

    # what the selected reps carry this year, per segment, in whole cents: the months already ended may hold
    # fractions of a cent (a quarter's weight over 3 months, a share of a segment); the sum is kept exact
    cent = Fraction(1, 100)
    for seg in segments:
        closed = {s: sum(monthly(s, seg)[:first_open], Fraction(0)) for s in stems}
        values = [closed[s] + new_open[s][seg] for s in stems]
        if all((v / cent).denominator == 1 for v in values):
            continue
        total = sum(values, Fraction(0))
        exact_total = (total / cent).denominator == 1
        for s, v in zip(stems, round_values(values, cent, total if exact_total else None)):
            new_open[s][seg] = v - closed[s]
        if not exact_total:
            notes.append(f"segment {seg}: the reps not re-allocated carry fractions of a cent; the sum is exact to the cent only")

    changes: list[RepChange] = []
    for stem in stems:
        if full_year[stem]:
            kept = {seg: t for seg, t in targets[stem].full_year.items() if seg not in full_year[stem]}
            values = {seg: full_year[stem].get(seg, kept.get(seg, Fraction(0))) for seg in dict.fromkeys([*ws.reps[stem].targets, *full_year[stem]])}
            values = {k: v for k, v in values.items() if v or k in ws.reps[stem].targets}
            changes.append(RepChange(stem, ws.rep_files[stem], values, proration=targets[stem].proration))
        else:
            changes.append(_rep_change(ws, stem, new_open[stem], months, first_open, unit))
    if strategy.volume is not None:  # a leaver re-written too: its volume for the months in post becomes this year's
        for stem in leavers:
            if ws.reps[stem].volume is not None and first_open:
                try:
                    changes.append(_rep_change(ws, stem, {}, months, first_open, unit))
                except AllocationError as exc:
                    notes.append(f"{exc.message}: its volume objectives are left as they were")
    # volume objectives follow the revenue: the open part of each is shared as the revenue of its segment was
    # (the basis where no revenue was left to share); units as each rep's revenue in all its segments
    by_revenue = {seg: {s: new_open[s].get(seg, Fraction(0)) for s in stems} for seg in segments}
    vol_weights = {seg: w if any(w.values()) else seg_weights.get(seg, {}) for seg, w in by_revenue.items()}
    totals = {s: sum(new_open[s].values(), Fraction(0)) for s in stems}
    notes += allocate_volume(ws, request, changes, vol_weights, totals if any(totals.values()) else rep_weights, first_open)
    products_note = split_products(ws, changes, unit)
    if products_note:
        notes.append(products_note)
    return Allocation(changes=changes, allocated=allocated, notes=notes)


#: A prorated rep keeps a full-year target when its proration's denominator is at most this: its effective
#: objective then moves in steps of at most that many units (17 x --unit for 85% = 17/20).
FLAT_DENOMINATOR = 100


def _split(left, order, weights, exact, flat, unit, targets, full_year, seg) -> dict[str, Fraction]:
    """The parts of `left`, whole --unit, adding up to it exactly.

    A prorated rep (in `flat`) gets a full-year target F, a multiple of --unit x the denominator of its
    proration p, nearest to its exact share / p: F x p is then whole units, and the reps in post all year
    share the rest by largest remainder. Without a rep in post all year in the segment (or with an awkward
    proration), every rep's part is its share of this year, rounded by largest remainder.
    """
    share = dict(zip(order, exact))
    prorated = [s for s in order if s in flat and targets[s].proration.denominator <= FLAT_DENOMINATOR]
    absorbers = [s for s in order if targets[s].proration == 1 and weights[s]]
    parts: dict[str, Fraction] = {}
    if prorated and absorbers and len(prorated) + len(absorbers) == len([s for s in order if weights[s]]):
        rest = left
        for s in prorated:
            p = targets[s].proration
            step = unit * p.denominator
            ideal = share[s] / p / step
            f = (ideal.numerator * 2 + ideal.denominator) // (2 * ideal.denominator) * step
            full_year[s][seg] = f
            parts[s] = f * p
            rest -= f * p
        if rest >= 0:
            for s, part in zip(absorbers, largest_remainder(rest, [weights[s] for s in absorbers], unit)):
                parts[s] = part
            return parts
        for s in prorated:
            full_year[s].pop(seg, None)
    return dict(zip(order, largest_remainder(left, [weights[s] for s in order], unit))) if order else {}


def _rep_change(ws: Workspace, stem: str, new_open: dict[str, Fraction], months: list[FiscalMonth], first_open: int, unit: Fraction) -> RepChange:
    rep = ws.reps[stem]
    t = workspace_targets(ws)[stem]
    employment = t.employment
    rel = ws.rep_files[stem]
    segs = list(dict.fromkeys([*rep.targets, *ws.strategy.segments]))
    effective: dict[str, Fraction] = {}
    for seg in segs:
        monthly = t.monthly(seg) if seg in t.full_year else [Fraction(0)] * 12
        effective[seg] = sum(monthly[:first_open], Fraction(0)) + (new_open[seg] if seg in new_open else sum(monthly[first_open:], Fraction(0)))
    effective = {seg: v for seg, v in effective.items() if v or seg in rep.targets}
    all_year = all(e == 1 for e in employment)
    if first_open == 0 and all_year:
        periods = None
        if rep.periods and not periods_are_shares(rep.periods):
            keys = list(rep.periods)
            old = [Fraction(rep.periods[k]) for k in keys]
            total = sum(effective.values(), Fraction(0))
            step = finest_step([total], unit) or Fraction(1, 100)
            periods = dict(zip(keys, largest_remainder(total, old, step) if sum(old) else exact_shares(total, [Fraction(1)] * len(keys))))
        return RepChange(stem, rel, effective, periods)
    # the objective for this fiscal year, with a periods: breakdown that puts it in the months in post
    whole = [e == 1 for e in employment]
    closed_partial = [m.label for m in months[:first_open] if 0 < employment[m.index] < 1]
    if closed_partial:
        raise AllocationError(
            f"{rep.id} was in post only part of {', '.join(closed_partial)}, before --from: its objective there cannot be kept exactly in whole months",
            "allocate from an earlier date, or leave this rep out (--rep)",
        )
    by_month = [Fraction(0)] * 12
    for seg in segs:
        if seg in t.full_year:
            for m in months[:first_open]:
                by_month[m.index] += t.monthly(seg)[m.index]
    keys = _period_keys(ws, rep, months, first_open, employment)
    # periods already ended, to the cent (they may hold fractions of one); the rest of the year takes what is left
    ended = [key for key, covered in keys.items() if covered[-1] < first_open]
    exact = [sum((by_month[i] for i in keys[key]), Fraction(0)) for key in ended]
    periods = dict(zip(ended, round_values(exact, Fraction(1, 100)))) if ended else {}
    open_total = sum(effective.values(), Fraction(0)) - sum(periods.values(), Fraction(0))
    season = seasonality_weights(ws.strategy, months)
    carry = [m.index for m in months[first_open:] if whole[m.index]]
    if open_total and not any(season[i] for i in carry):
        raise AllocationError(f"{rep.id} has no whole month in post with a seasonality weight from --from on", "check the rep's start and end dates")
    step = finest_step([open_total], unit) or Fraction(1, 100)
    if (open_total / step).denominator != 1:
        raise AllocationError(f"{rep.id}: the objective left ({_amount(open_total)}) is not a whole number of cents", "use whole amounts in the plan")
    open_keys = [key for key in keys if key not in periods]
    weights = [sum((season[i] for i in keys[key] if i in carry), Fraction(0)) for key in open_keys]
    spread = largest_remainder(open_total, weights, step) if open_total else [Fraction(0)] * len(open_keys)
    periods.update(zip(open_keys, spread))
    return RepChange(stem, rel, effective, {key: periods[key] for key in keys})


def _period_keys(ws, rep, months, first_open, employment) -> dict[str, list[int]]:
    """The period keys written, with the fiscal month indexes each covers: quarters when each quarter is
    all before --from or all after, in post all of it or none of it, and neither the strategy's seasonality
    nor the rep's own breakdown are by month; months otherwise."""
    monthly_season = any(period_kind(k) == "month" for k in ws.strategy.seasonality)
    monthly_own = any(period_kind(k) == "month" for k in (rep.periods or {}))
    quarters_ok = first_open % 3 == 0 and not monthly_season and not monthly_own
    quarters_ok = quarters_ok and all(
        len({employment[i] for i in range(q * 3, q * 3 + 3)}) == 1 and employment[q * 3] in (0, 1) for q in range(4)
    )
    if quarters_ok:
        return {q: [i * 3, i * 3 + 1, i * 3 + 2] for i, q in enumerate(QUARTERS)}
    return {m.key: [m.index] for m in months}
