"""Capacity check: planned actions fit in the rep's working capacity."""

from __future__ import annotations

from fractions import Fraction

from ...diagnostics import Diagnostic
from ..model import RepPlan, Strategy, Workspace
from ..targets import employed_share
from .base import CheckContext, at, rep_file


def rep_norms(rep: RepPlan, strategy: Strategy) -> dict[str, dict[str, dict[str, Fraction]]]:
    """Actions per account per year by segment, status and action: strategy norms, rep overrides on top."""
    norms: dict[str, dict[str, dict[str, Fraction]]] = {}
    for source in (strategy.norms, rep.activities):
        for seg, by_status in source.items():
            for status, by_action in by_status.items():
                for action, count in by_action.items():
                    norms.setdefault(seg, {}).setdefault(status, {})[action] = Fraction(count)
    return norms


def planned_actions(rep: RepPlan, strategy: Strategy) -> dict[str, Fraction]:
    """Full-year planned actions by type: norm x accounts in portfolio, by segment and status."""
    norms = rep_norms(rep, strategy)
    planned: dict[str, Fraction] = {}
    for seg, by_status in rep.portfolio.accounts.items():
        for status, accounts in by_status.items():
            for action, per_account in norms.get(seg, {}).get(status, {}).items():
                planned[action] = planned.get(action, Fraction(0)) + per_account * Fraction(accounts)
    return planned


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
    for stem, rep in sorted(ws.reps.items()):
        capacity = rep.capacity or default
        if capacity is None or (rep.capacity is None and not default.actions_per_year):
            continue
        share = employed_share(rep, ws.settings)
        planned = sum(planned_actions(rep, ws.strategy).values(), Fraction(0)) * share
        available = Fraction(capacity.actions_per_year) * share
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
