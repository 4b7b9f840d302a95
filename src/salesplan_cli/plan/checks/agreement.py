"""Co-construction checks: each plan is signed off by rep and manager and reviewed on time."""

from __future__ import annotations

import datetime as dt

from ...diagnostics import Diagnostic
from ..calendar import fiscal_months
from ..model import CADENCE_MONTHS, Workspace
from .base import CheckContext, at, rep_file


def check_agreed(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP801: the plan carries both sign-off dates, rep's and manager's (warning)."""
    out: list[Diagnostic] = []
    for stem, rep in sorted(ws.reps.items()):
        missing = [who for who in ("rep", "manager") if getattr(rep.agreed, who) is None]
        if missing:
            path = ("agreed",) if "agreed" in (ws.sources[rep_file(ws, stem)].data or {}) else ("id",)
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    path,
                    "SP801",
                    f"plan not yet agreed by {' and '.join(missing)}",
                    "co-build the plan, then record the sign-off dates: agreed: {rep: YYYY-MM-DD, manager: YYYY-MM-DD}",
                )
            )
    return out


def last_review_period(fy_start: dt.date, cadence: str, as_of: dt.date) -> tuple[dt.date, dt.date] | None:
    """First and last day of the last review period completed by `as_of`, None while none has completed.

    Review periods cut the fiscal year by the cadence (monthly: fiscal months;
    quarterly: fiscal quarters...). A period that starts before the fiscal year
    belongs to no plan of this workspace.
    """
    size = CADENCE_MONTHS[cadence]
    starts = [m.first_day for m in fiscal_months(fy_start)][::size]
    starts.append(fiscal_months(fy_start)[-1].last_day + dt.timedelta(days=1))  # next fiscal year
    completed = [(s, following - dt.timedelta(days=1)) for s, following in zip(starts, starts[1:]) if following <= as_of]
    return completed[-1] if completed else None


def check_reviewed(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP802: once a review period of the fiscal year has ended, the plan was reviewed since it began (warning)."""
    out: list[Diagnostic] = []
    if ws.settings is None:
        return out
    cadence = ws.settings.review_cadence
    period = last_review_period(ws.settings.fiscal_year.start, cadence, ctx.as_of)
    if period is None:
        return out
    since, until = period
    for stem, rep in sorted(ws.reps.items()):
        if rep.start and rep.start > until:
            continue  # the rep was not in post during that period
        signed = [d for d in (rep.agreed.rep, rep.agreed.manager) if d is not None]
        if not signed:
            continue  # SP801 already says the plan was never agreed
        reviews = [d for d in rep.reviewed if d <= ctx.as_of]
        held = [d for d in (*reviews, *signed) if d <= ctx.as_of]
        last = max(held) if held else None
        if last is None or last < since:
            if reviews:
                what = f"last reviewed {max(reviews).isoformat()}"
            elif last:
                what = f"not reviewed since the sign-off on {last.isoformat()}"
            else:
                what = f"no review or sign-off dated on or before {ctx.as_of.isoformat()}"
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    ("reviewed",) if rep.reviewed else ("agreed",),
                    "SP802",
                    f"{what}; the {cadence} review of the period from {since.isoformat()} is missing (as of {ctx.as_of.isoformat()})",
                    "hold the review with the rep, then add its date to reviewed:",
                    prefer_key=False,
                )
            )
    return out
