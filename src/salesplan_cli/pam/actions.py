"""Activity objectives of a fiscal month: actions by segment and type from the norms, raised where behind."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from ..plan.calendar import FiscalMonth
from ..plan.checks.capacity import rep_norms
from ..plan.model import ACCOUNT_STATUSES, RepPlan, Strategy
from ..config.values import money, round_half_away
from .objectives import cumulative_round


def days_in_post_in(rep: RepPlan, first: dt.date, last: dt.date) -> int:
    """Days from `first` to `last` (both included) on which the rep is in post."""
    lo = max(first, rep.start or dt.date.min)
    hi = min(last, rep.end or dt.date.max)
    return max((hi - lo).days + 1, 0)


def monthly_planned_actions(rep: RepPlan, strategy: Strategy, months: list[FiscalMonth]) -> dict[tuple[str, str], list[Fraction]]:
    """(segment, action) -> planned actions in each fiscal month, exact.

    Planned in a month = sum over account statuses of norm (actions per account per year) x accounts
    in the rep's portfolio x days in post in the month / days in the fiscal year (as the activity report).
    """
    year_days = (months[-1].last_day - months[0].first_day).days + 1
    shares = [Fraction(days_in_post_in(rep, m.first_day, m.last_day), year_days) for m in months]
    norms = rep_norms(rep, strategy)
    planned: dict[tuple[str, str], list[Fraction]] = {}
    for seg in strategy.segments:
        by_status = rep.portfolio.accounts.get(seg, {})
        for action in strategy.actions:
            per_year = sum(
                (norms.get(seg, {}).get(status, {}).get(action, Fraction(0)) * Fraction(by_status.get(status, 0)) for status in ACCOUNT_STATUSES),
                Fraction(0),
            )
            if per_year:
                planned[(seg, action)] = [per_year * share for share in shares]
    return planned


@dataclass
class ActionObjective:
    segment: str
    action: str
    planned: int  # the month's planned actions, whole (cumulative rounding over the fiscal year)
    done_before: int | None  # actions done in the fiscal year before the month (None: no activity data)
    planned_before: Fraction  # actions planned in the fiscal year before the month
    missing: Fraction  # max(0, planned_before - done_before)
    objective: int  # planned + the month's share of `missing`, whole

    def to_dict(self) -> dict:
        return {
            "segment": self.segment,
            "action": self.action,
            "planned": self.planned,
            "done_before": self.done_before,
            "planned_before": float(money(self.planned_before, 1)),
            "missing": float(money(self.missing, 1)),
            "objective": self.objective,
        }


def action_objectives(
    rep: RepPlan,
    strategy: Strategy,
    months: list[FiscalMonth],
    month_index: int,
    done_before: dict[tuple[str, str], int] | None,
) -> list[ActionObjective]:
    """The month's activity objectives by segment and action type, in the strategy's order.

    planned   = the month's planned actions (monthly_planned_actions), rounded so the twelve months add up;
    missing   = actions planned before the month - actions done before it, when positive (activity data only);
    objective = planned + missing x days in post this month / days in post from this month to the year end,
                rounded half away from zero (the shortfall is spread over the months left).
    """
    planned = monthly_planned_actions(rep, strategy, months)
    month = months[month_index]
    left = days_in_post_in(rep, month.first_day, months[-1].last_day)
    this = days_in_post_in(rep, month.first_day, month.last_day)
    out = []
    for (seg, action), per_month in planned.items():
        shown = cumulative_round(per_month, 0)[month_index]
        before = sum(per_month[:month_index], Fraction(0))
        if done_before is None:
            done, missing, raise_by = None, Fraction(0), Fraction(0)
        else:
            done = done_before.get((seg, action), 0)
            missing = max(Fraction(0), before - done)
            raise_by = missing * Fraction(this, left) if left else Fraction(0)
        out.append(
            ActionObjective(
                segment=seg,
                action=action,
                planned=int(shown),
                done_before=done,
                planned_before=before,
                missing=missing,
                objective=int(shown) + round_half_away(raise_by),
            )
        )
    return out
