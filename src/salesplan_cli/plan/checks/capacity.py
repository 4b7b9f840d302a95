"""Capacity check: planned actions fit in the rep's working capacity."""

from __future__ import annotations

from fractions import Fraction

from ...diagnostics import Diagnostic
from ..model import RepPlan, Strategy, Workspace
from ..targets import employed_share, exact_sum, exact_sum_of_products
from .base import CheckContext, at, rep_file


def rep_norms(rep: RepPlan, strategy: Strategy, strategy_norms: dict | None = None) -> dict[str, dict[str, dict[str, Fraction]]]:
    """Actions per account per year by segment, status and action: strategy norms, rep overrides on top.

    `strategy_norms`: `norm_fractions(strategy.norms)`, computed once for all reps (then, for a rep without
    overrides, that very dict comes back: the callers read it, never change it)."""
    if strategy_norms is None:
        strategy_norms = norm_fractions(strategy.norms)
    if not rep.activities:
        return strategy_norms
    norms = {seg: {status: dict(by_action) for status, by_action in by_status.items()} for seg, by_status in strategy_norms.items()}
    _add_norms(norms, rep.activities)
    return norms


def norm_fractions(source: dict) -> dict[str, dict[str, dict[str, Fraction]]]:
    """Norms (segment -> status -> action -> count) with their counts as exact fractions."""
    return _add_norms({}, source)


def _add_norms(norms: dict, source: dict) -> dict:
    for seg, by_status in source.items():
        for status, by_action in by_status.items():
            for action, count in by_action.items():
                norms.setdefault(seg, {}).setdefault(status, {})[action] = Fraction(count)
    return norms


def planned_actions(rep: RepPlan, strategy: Strategy, strategy_norms: dict | None = None) -> dict[str, Fraction]:
    """Full-year planned actions by type: norm x accounts in portfolio, by segment and status."""
    norms = rep_norms(rep, strategy, strategy_norms)
    planned: dict[str, Fraction] = {}
    for seg, by_status in rep.portfolio.accounts.items():
        for status, accounts in by_status.items():
            for action, per_account in norms.get(seg, {}).get(status, {}).items():
                planned[action] = planned.get(action, Fraction(0)) + per_account * Fraction(accounts)
    return planned


def _planned_total(rep: RepPlan, strategy: Strategy, strategy_norms: dict, norm_totals: dict, fractions: dict) -> Fraction:
    """The sum of `planned_actions`: accounts x the sum of the norms, per segment and status (the same exact
    number: a product per segment and status instead of one per action). `norm_totals`: the strategy's norm
    sums, shared by the reps without overrides; `fractions`: counts already turned into fractions."""
    if rep.activities:
        norms, totals = rep_norms(rep, strategy, strategy_norms), {}
    else:
        norms, totals = strategy_norms, norm_totals
    parts = []
    for seg, by_status in rep.portfolio.accounts.items():
        for status, accounts in by_status.items():
            per_account = norms.get(seg, {}).get(status)
            if not per_account:
                continue
            total = totals.get((seg, status))
            if total is None:
                total = totals[(seg, status)] = exact_sum(per_account.values())
            parts.append((total, _fraction(accounts, fractions)))
    return exact_sum_of_products(parts)


def _fraction(count, known: dict) -> Fraction:
    found = known.get(count)
    if found is None:
        found = known[count] = Fraction(count)
    return found


def check_capacity(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP701: planned actions, prorated to the time in post, fit the rep's capacity (warning)."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    default = ws.strategy.capacity
    if default is not None and not default.actions_per_year:
        out.append(
            at(ws, "strategy.yaml", ("capacity", "actions_per_year"), "SP701", "capacity is 0 actions a year: no plan can fit", "set the actions one rep can carry out in a full year", prefer_key=False)
        )
    # computed once for all reps: the strategy's norms, their sum per segment and status, the share of the
    # year in post by dates in post, the counts as fractions (most reps share all of these)
    strategy_norms = norm_fractions(ws.strategy.norms)
    norm_totals: dict[tuple, Fraction] = {}
    shares: dict[tuple, Fraction] = {}
    fractions: dict = {}
    for stem, rep in sorted(ws.reps.items()):
        capacity = rep.capacity or default
        if capacity is None or (rep.capacity is None and not default.actions_per_year):
            continue
        dates = (rep.start, rep.end)
        if dates not in shares:
            shares[dates] = employed_share(rep, ws.settings)
        share = shares[dates]
        planned = _planned_total(rep, ws.strategy, strategy_norms, norm_totals, fractions) * share
        available = _fraction(capacity.actions_per_year, fractions) * share
        if planned > available and not available:
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    ("capacity",) if rep.capacity else ("portfolio",),
                    "SP701",
                    f"{round(planned):,} actions planned this year but the capacity is 0 actions",
                    "set capacity: actions_per_year to the actions the rep can carry out in a full year",
                )
            )
        elif planned > available:
            where = ("portfolio", "accounts") if rep.portfolio.accounts else ("portfolio",)
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    where,
                    "SP701",
                    f"{round(planned):,} actions planned this year for a capacity of {round(available):,} "
                    f"({round(planned / available * 100)}%)",
                    "work fewer accounts, lower the norms in activities:, or raise capacity: actions_per_year",
                )
            )
    return out
