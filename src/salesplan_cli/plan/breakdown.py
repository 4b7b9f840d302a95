"""The operational translation of the strategy: each rep's objective by segment, product or period.

A pure function from a loaded workspace to a table (columns + rows), with a
TOTAL row, the STRATEGY row it must match, and the GAP between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from .calendar import QUARTERS, fiscal_months
from .model import Workspace
from .targets import RepTargets, product_targets, seasonality_weights, segment_targets, workspace_targets
from ..config.values import money

BY_CHOICES = ("segment", "product", "quarter", "month")


@dataclass
class PlanTable:
    title: str
    columns: list[str]  # value columns, after the fixed ones
    rows: list[dict]  # one dict per row: row, rep, name, manager, proration, <columns...>, total
    currency: str
    notes: list[str] = field(default_factory=list)

    @property
    def all_columns(self) -> list[str]:
        return [*FIXED_COLUMNS[:-1], *self.columns, FIXED_COLUMNS[-1]]


FIXED_COLUMNS = ("row", "rep", "name", "manager", "prorated", "total")


def _values(targets: RepTargets, by: str, columns: list[str], months) -> dict[str, Fraction]:
    if by == "segment":
        effective = targets.effective
        return {c: effective.get(c, Fraction(0)) for c in columns}
    if by == "product":
        products = targets.effective_products
        return {c: products.get(c, Fraction(0)) for c in columns}
    monthly = targets.monthly_total()
    if by == "month":
        return {c: monthly[i] for i, c in enumerate(columns)}
    return {q: sum(monthly[i * 3 : i * 3 + 3], Fraction(0)) for i, q in enumerate(QUARTERS)}


def _strategy_values(ws: Workspace, by: str, columns: list[str], months) -> dict[str, Fraction]:
    if by == "segment":
        return segment_targets(ws.strategy)
    if by == "product":
        return product_targets(ws.strategy)
    total = Fraction(ws.strategy.revenue_target)
    weights = seasonality_weights(ws.strategy, months)
    if by == "month":
        return {c: total * weights[i] for i, c in enumerate(columns)}
    return {q: total * sum(weights[i * 3 : i * 3 + 3], Fraction(0)) for i, q in enumerate(QUARTERS)}


def plan_breakdown(ws: Workspace, by: str = "segment", reps: list[str] | None = None, team: str | None = None) -> PlanTable:
    """Each rep's objective for the fiscal year, broken down `by` segment, product, quarter or month.

    Requires a workspace that validated without errors.
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {BY_CHOICES}")
    months = fiscal_months(ws.settings.fiscal_year.start)
    if by == "segment":
        columns = list(ws.strategy.segments)
    elif by == "product":
        columns = list(ws.strategy.products or {})
    elif by == "quarter":
        columns = list(QUARTERS)
    else:
        columns = [m.label for m in months]

    selected = sorted(ws.reps.items(), key=lambda kv: (kv[1].manager, kv[0]))
    if reps:
        selected = [(stem, rep) for stem, rep in selected if stem in reps or rep.id in reps]
    if team:
        selected = [(stem, rep) for stem, rep in selected if rep.manager == team]
    filtered = bool(reps or team)

    rows: list[dict] = []
    totals = {c: Fraction(0) for c in columns}
    for stem, rep in selected:
        targets = workspace_targets(ws)[stem]
        values = _values(targets, by, columns, months)
        for c in columns:
            totals[c] += values[c]
        rows.append(_row("rep", rep.id, rep.name, rep.manager, targets.proration, values, columns))
    rows.append(_row("total", "", "all reps shown" if filtered else "all reps", "", None, totals, columns))
    notes: list[str] = []
    if not filtered:
        strategy = _strategy_values(ws, by, columns, months)
        rows.append(_row("strategy", "", "strategy", "", None, strategy, columns))
        gap = {c: totals.get(c, Fraction(0)) - strategy.get(c, Fraction(0)) for c in columns}
        rows.append(_row("gap", "", "reps - strategy", "", None, gap, columns))
        if by == "product" and not columns:
            notes.append("the strategy declares no product ranges")
    else:
        notes.append("filtered: the strategy and gap rows are shown for the whole company only (no filter)")
    if any(r["row"] == "rep" and r["prorated"] is not None and r["prorated"] < 1 for r in rows):
        notes.append("prorated < 100%: mid-year hire or leaver; objectives are the full-year figures x the seasonality of the months in post")
    title = f"Plan {ws.settings.fiscal_year.start:%Y-%m} to {months[-1].label} by {by} ({ws.settings.currency})"
    # a segment or product range named like a fixed column ('total', 'name') gets a qualified column name
    labels = {c: (f"{by}:{c}" if c in FIXED_COLUMNS else c) for c in columns}
    rows = [
        {**{k: row[k] for k in FIXED_COLUMNS[:-1]}, **{labels[c]: row["values"][c] for c in columns}, "total": row["total"]}
        for row in rows
    ]
    return PlanTable(title=title, columns=list(labels.values()), rows=rows, currency=ws.settings.currency, notes=notes)


def _row(kind: str, rep_id: str, name: str, manager: str, proration, values: dict[str, Fraction], columns: list[str]) -> dict:
    total = sum((values.get(c, Fraction(0)) for c in columns), Fraction(0))
    row = {
        "row": kind,
        "rep": rep_id,
        "name": name,
        "manager": manager,
        "prorated": round(float(proration), 4) if proration is not None else None,
    }
    row["values"] = {c: float(money(values.get(c, Fraction(0)))) for c in columns}
    row["total"] = float(money(total))
    return row
