"""Co-construction checks: each plan is signed off by rep and manager and reviewed on time."""

from __future__ import annotations

import calendar
import datetime as dt

from ...diagnostics import Diagnostic
from ..model import CADENCE_MONTHS, Workspace
from .base import CheckContext, at, rep_file


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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


def check_reviewed(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP802: once the fiscal year runs, the last review is no older than the review cadence (warning)."""
    out: list[Diagnostic] = []
    if ws.settings is None:
        return out
    cadence = ws.settings.review_cadence
    months = CADENCE_MONTHS[cadence]
    fy_start = ws.settings.fiscal_year.start
    if ctx.as_of < add_months(fy_start, months):
        return out
    for stem, rep in sorted(ws.reps.items()):
        dates = [d for d in (rep.reviewed, rep.agreed.rep, rep.agreed.manager) if d is not None]
        if not dates:
            continue  # SP801 already says the plan was never agreed
        last = max(dates)
        due = add_months(last, months)
        if ctx.as_of > due:
            path = ("reviewed",) if rep.reviewed else ("agreed",)
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    path,
                    "SP802",
                    f"last reviewed {last.isoformat()}; a {cadence} review was due by {due.isoformat()} (as of {ctx.as_of.isoformat()})",
                    "hold the review with the rep, then set reviewed: to its date",
                    prefer_key=False,
                )
            )
    return out
