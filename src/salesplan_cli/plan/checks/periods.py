"""Period checks: seasonality, period breakdowns, dates in post."""

from __future__ import annotations

from fractions import Fraction

from ...diagnostics import Diagnostic
from ..calendar import HALVES, MONTH_KEYS, QUARTERS, canonical_period, employment_fractions, fiscal_months, months_of_period, period_kind
from ..model import Workspace
from ..targets import fiscal_bounds, periods_are_shares, workspace_targets
from ...config.values import Percent
from .base import STRATEGY, CheckContext, at, fmt_amount, fmt_pct, rep_file

_ALL = {"quarter": QUARTERS, "half": HALVES, "month": MONTH_KEYS}
_HINT = "use fiscal quarters Q1..Q4, halves H1, H2, or months jan..dec, one granularity per mapping"


def _period_key_problems(ws, rel, section: tuple, keys: list[str], require_all: bool) -> list[Diagnostic]:
    out = []
    kinds = {}
    seen: dict[str, str] = {}
    for key in keys:
        kind = period_kind(key)
        if kind is None:
            out.append(at(ws, rel, (*section, key), "SP601", f"'{key}' is not a period name", _HINT))
            continue
        canonical = canonical_period(key)
        if canonical in seen:
            out.append(at(ws, rel, (*section, key), "SP601", f"'{key}' names the same month as '{seen[canonical]}'", "list each period once"))
        seen[canonical] = key
        kinds.setdefault(kind, key)
    if len(kinds) > 1:
        out.append(at(ws, rel, section, "SP601", f"periods mix {' and '.join(k + 's' for k in sorted(kinds))} ({', '.join(kinds.values())})", _HINT))
    elif require_all and len(kinds) == 1 and not out:
        kind = next(iter(kinds))
        missing = [p for p in _ALL[kind] if p not in seen]
        if missing:
            out.append(at(ws, rel, section, "SP601", f"seasonality has no weight for {', '.join(missing)}", "give every period a weight, 0% where nothing is expected"))
    return out


def check_seasonality(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP601/SP602: seasonality names every period once, in one granularity, and totals 100%."""
    if ws.strategy is None:
        return []
    keys = list(ws.strategy.seasonality)
    out = _period_key_problems(ws, STRATEGY, ("seasonality",), keys, require_all=True)
    total = sum((w.fraction for w in ws.strategy.seasonality.values()), Fraction(0))
    if total != 1:
        out.append(
            at(ws, STRATEGY, ("seasonality",), "SP602", f"seasonality weights add up to {fmt_pct(total)}, not 100%", "adjust the weights so they total exactly 100%")
        )
    return out


def check_rep_periods(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP601/SP603/SP605: a rep's period breakdown is well named, totals its objective, and fits its time in post."""
    out: list[Diagnostic] = []
    if not ws.complete:
        return out
    months = fiscal_months(ws.settings.fiscal_year.start)
    currency = ws.settings.currency
    for stem, rep in sorted(ws.reps.items()):
        if not rep.periods:
            continue
        rel = rep_file(ws, stem)
        problems = _period_key_problems(ws, rel, ("periods",), list(rep.periods), require_all=False)
        out += problems
        if problems:
            continue
        values = list(rep.periods.values())
        if periods_are_shares(rep.periods):
            total = sum((v.fraction for v in values), Fraction(0))
            if total != 1:
                out.append(at(ws, rel, ("periods",), "SP603", f"period shares add up to {fmt_pct(total)}, not 100%", "adjust the shares so they total exactly 100%"))
                continue
        elif any(isinstance(v, Percent) for v in values):
            out.append(at(ws, rel, ("periods",), "SP603", "period breakdown mixes amounts and percentages", "write every period as an amount, or every period as a percentage"))
            continue
        else:
            total = sum((Fraction(v) for v in values), Fraction(0))
            annual = workspace_targets(ws)[stem].full_year_total
            if abs(total - annual) > Fraction(ws.settings.tolerance.amount):
                out.append(
                    at(
                        ws,
                        rel,
                        ("periods",),
                        "SP603",
                        f"period amounts add up to {fmt_amount(total, currency)}, the annual objective is {fmt_amount(annual, currency)} (gap {fmt_amount(total - annual, currency)})",
                        "make the periods total the sum of targets:, or write them as percentages",
                    )
                )
                continue
        employment = employment_fractions(months, rep.start, rep.end)
        for key, value in rep.periods.items():
            covered = months_of_period(key, months)
            weight = value.fraction if isinstance(value, Percent) else Fraction(value)
            if weight and covered and all(employment[m.index] == 0 for m in covered):
                out.append(
                    at(
                        ws,
                        rel,
                        ("periods", key),
                        "SP605",
                        f"{key} carries {_show_value(value, currency)} but the rep is not in post then ({_in_post(rep)})",
                        "move this part of the objective to periods when the rep is in post",
                    )
                )
    return out


def _show_value(value, currency: str) -> str:
    return str(value) if isinstance(value, Percent) else fmt_amount(Fraction(value), currency)


def _in_post(rep) -> str:
    parts = []
    if rep.start:
        parts.append(f"start {rep.start.isoformat()}")
    if rep.end:
        parts.append(f"end {rep.end.isoformat()}")
    return ", ".join(parts) or "in post all year"


def check_dates_in_post(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP604: a rep's start and end dates leave some time in post within the fiscal year."""
    out: list[Diagnostic] = []
    if ws.settings is None:
        return out
    first, last = fiscal_bounds(ws.settings)
    for stem, rep in sorted(ws.reps.items()):
        rel = rep_file(ws, stem)
        if rep.start and rep.start > last:
            out.append(
                at(ws, rel, ("start",), "SP604", f"start {rep.start.isoformat()} is after the fiscal year ends ({last.isoformat()})", "this plan belongs to next year's workspace; remove it or fix the date", prefer_key=False)
            )
        if rep.start and rep.end and rep.end < rep.start:
            out.append(
                at(ws, rel, ("end",), "SP604", f"end {rep.end.isoformat()} is before start {rep.start.isoformat()}", "start is the first day in post, end the last", prefer_key=False)
            )
        if rep.end and rep.end < first:
            out.append(
                at(ws, rel, ("end",), "SP604", f"end {rep.end.isoformat()} is before the fiscal year starts ({first.isoformat()})", "remove the plan of a rep who has left, or fix the date", prefer_key=False)
            )
    return out
