"""Why a cell has no figure: one short reason per blank figure of every report (issue 14 part 6).

`explain(table, frame, facts)` returns, per column that can be blank in that table, one reason per row (None
where the figure is there). The reason is decided from the row itself (a blank target means the row is not in
the plan, a blank win rate means no deal closed...) and from a few workspace facts (`Facts`: which exports were
read, whether the period is over, which reps have a day in post). Renderers show a short mark in the cell and a
legend; JSON and CSV carry `<column>_reason`. Every reason is defined in REASONS and documented in
docs/reference/commands/report.md ("Blank cells").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

#: Every reason, with the sentence of the legend.
REASONS: dict[str, str] = {
    "no target": "no target in the plan for this row (not planned, or a target of 0)",
    "no target to date": "the plan's target up to the as-of day is 0: nothing was due yet",
    "too early": "no day of the period (or of the rep's time in post) has passed yet",
    "not begun": "the month has not begun on the as-of day",
    "not in post": "the rep has no day in post in the period up to the as-of day",
    "nothing planned": "the plan's norms ask for none of these actions (or no targeted account) to date",
    "no targeted accounts": "no account targeted by the plan in this row",
    "never touched": "no action recorded on the account up to the end of the period",
    "no closed deals": "no deal won or lost in the period up to the as-of day",
    "deal without value": "a closed deal has no amount: a ratio of values would mislead",
    "too few closed deals": "fewer closed deals than conversion.min_closed: not tested",
    "no other deals": "no other seller closed a deal of this range: nothing to compare with",
    "not tested": "totals and rows without a rep or product range are not tested",
    "target met": "sales already reach the period target: no pipeline is needed",
    "period over": "no day is left in the period pipeline coverage looks at: no open deal can still close in it",
    "no close date": "the deal has no close date in the CRM",
    "no amount": "the CRM holds no amount for the deal",
    "nothing required": "no qualification field is required at this stage",
    "no product range": "no product ranges in the plan",
    "no benchmark": "this figure has no peer benchmark (only the win rate has one)",
    "not a gap": "a ratio figure: the gap is shown for amounts and counts only",
    "no total": "this figure is not added up over the rows",
    "none entered": "no deal entered this stage in the period",
    "no export": "the export this figure needs was not read (see data: in salesplan.yaml)",
}

#: table name -> the columns that can be blank there (JSON and CSV carry `<column>_reason` for these).
BLANKABLE: dict[str, tuple[str, ...]] = {
    "attainment": ("target", "attainment", "gap", "period_target", "projection", "annual_target", "actual", "target_to_date",
                   "cumulative_actual", "cumulative_target", "cumulative_target_to_date", "cumulative_attainment",
                   "new_customers_target", "new_customers_attainment", "deals_won_target", "deals_won_attainment",
                   "units_target", "units_attainment"),
    "revenue": ("target", "attainment", "gap", "period_target", "projection", "annual_target",
                "new_customers_target", "new_customers_attainment", "deals_won_target", "deals_won_attainment", "units_target", "units_attainment"),
    "activity": ("ratio",),
    "actions": ("ratio",),
    "coverage": ("coverage", "pressure"),
    "untouched": ("last_action", "days_since"),
    "accounts": ("last_action", "days_since"),
    "pipeline_coverage": ("coverage",),
    "deals_to_watch": ("amount", "close_date"),
    "missing_outputs": ("amount",),
    "qualification": ("share",),
    "conversion": ("product", "win_rate", "win_rate_value", "rest_win_rate", "difference", "method", "p_value", "adjusted_p"),
    "stages": ("rate",),
    "summary": ("actual", "plan", "ratio", "gap", "benchmark"),
    "dashboard": ("actual", "target", "attainment", "projection", "new_customers", "deals_won", "units", "activity", "coverage", "pipeline_coverage", "win_rate"),
}

#: Tables shown under another name (the dashboard's chart tables in HTML and XLSX): the same reasons.
ALIASES = {"attainment_team": "attainment", "monthly_team": "attainment", "monthly_rep": "attainment", "activity_segment": "activity"}

_TOTALS = {"<total>", "<unplanned>", "<no rep>"}


@dataclass
class Facts:
    """What the reasons need to know beyond the row."""

    exports: set[str] = field(default_factory=lambda: {"accounts", "opportunities", "activities", "sales"})
    period_over: bool = False  # no day left of the period pipeline coverage looks at
    period_begun: bool = True
    in_post: dict[str, bool] = field(default_factory=dict)
    min_closed: int = 0


def facts_of(ctx) -> Facts:
    """The facts of a report context (ctx.frames, the period, the reps)."""
    exports = set()
    frames = getattr(ctx, "frames", None)
    for kind in ("accounts", "opportunities", "activities", "sales"):
        if frames is not None and getattr(frames, kind, None) is not None:
            exports.add(kind)
    in_post: dict[str, bool] = {}
    try:
        from .period import elapsed_share

        for rep in ctx.reps():
            in_post[rep.id] = elapsed_share(ctx, rep) > 0
    except Exception:  # noqa: BLE001 - facts are best effort: a reason falls back on the row alone
        in_post = {}
    start = getattr(ctx.period, "start", None)
    try:
        from .pipeline import coverage_horizon

        end = coverage_horizon(ctx).end  # pipeline coverage looks at the fiscal year once the period is over
    except Exception:  # noqa: BLE001
        end = getattr(ctx.period, "end", None)
    try:
        min_closed = int(ctx.ws.settings.conversion.min_closed)
    except Exception:  # noqa: BLE001
        min_closed = 0
    return Facts(exports, bool(end is not None and ctx.as_of >= end), bool(start is None or ctx.as_of >= start), in_post, min_closed)


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if type(value).__name__ in ("NAType", "NaTType"):
        return True
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


def columns_of(table: str, columns) -> list[str]:
    """The columns of this table that can be blank (in the frame's order)."""
    table = ALIASES.get(table, table)
    blankable = BLANKABLE.get(table, ())
    if table == "attainment" and "cumulative_actual" not in [str(c) for c in columns]:
        blankable = tuple(c for c in blankable if c != "actual")  # an actual is blank only in a month not begun
    return [str(c) for c in columns if str(c) in blankable]


def explain(table: str, frame, facts: Facts | None = None) -> dict[str, list[str | None]]:
    """Per blankable column of `frame`, one reason per row (None where the figure is there)."""
    facts = facts or Facts()
    table = ALIASES.get(table, table)
    columns = columns_of(table, frame.columns)
    out: dict[str, list[str | None]] = {c: [] for c in columns}
    for row in frame.to_dict("records"):
        for column in columns:
            out[column].append(reason(table, column, row, facts) if is_blank(row.get(column)) else None)
    return out


def _get(row: dict, key: str) -> Any:
    value = row.get(key)
    return None if is_blank(value) else value


def reason(table: str, column: str, row: dict, facts: Facts) -> str:
    """The reason of one blank cell (the figure `column` of `row` in `table`)."""
    rep = str(row.get("rep") or "")
    if table == "dashboard":
        return _dashboard(column, row, facts)
    if table in ("attainment", "revenue"):
        if "cumulative_actual" in row:  # month by month (reports/monthly.py)
            if column in ("actual", "cumulative_actual") or (column.endswith("attainment") and _get(row, "actual") is None):
                return "not begun"
            if _get(row, "target") is None:
                return "no target"
            return "no target to date"
        if "sales" not in facts.exports and "opportunities" not in facts.exports:
            return "no export"
        if column == "projection" and _get(row, "target") is not None:
            return "no target to date"
        if column == "attainment" and _get(row, "period_target"):
            return "no target to date"
        return "no target"
    if table in ("activity", "actions"):
        return "nothing planned"
    if table == "coverage":
        if column == "pressure":
            if rep in _TOTALS:
                return "no total"  # the <total> row has no norm of its own
            if rep and facts.in_post.get(rep) is False:
                return "not in post"
            return "nothing planned" if facts.period_begun else "too early"
        return "no targeted accounts"
    if table in ("untouched", "accounts"):
        return "never touched"
    if table == "pipeline_coverage":
        if not _get(row, "period_target"):
            return "no target"
        return "target met" if not _get(row, "remaining_target") else "period over"
    if table in ("deals_to_watch", "missing_outputs"):
        return "no close date" if column == "close_date" else "no amount"
    if table == "qualification":
        return "nothing required"
    if table == "stages":
        return "none entered"
    if table == "conversion":
        return _conversion(column, row, facts)
    if table == "summary":
        metric = str(row.get("metric") or "")
        if column == "benchmark":
            return "no benchmark"
        if column == "gap":
            return "not a gap"
        if metric == "pipeline" and column == "ratio":
            return "target met" if not _get(row, "plan") else "period over"
        if metric == "win rate":
            return "no closed deals"
        if metric == "actions":
            return "nothing planned"
        if metric == "coverage":
            return "no targeted accounts"
        return "no target"
    return "no export"


def _conversion(column: str, row: dict, facts: Facts) -> str:
    closed = _get(row, "closed")
    if column == "product":
        return "no product range"
    if column in ("win_rate",) or not closed:
        return "no closed deals"
    if column == "win_rate_value":
        return "deal without value" if _get(row, "no_value") else "no closed deals"
    rep, product = str(row.get("rep") or ""), row.get("product")
    if rep in _TOTALS or product is None or str(product) in _TOTALS:
        return "not tested"
    if facts.min_closed and int(closed) < facts.min_closed:
        return "too few closed deals"
    if column in ("rest_win_rate", "difference"):
        return "no other deals"
    return "not tested"


def _dashboard(column: str, row: dict, facts: Facts) -> str:
    rep = str(row.get("rep") or "")
    if column in ("actual", "target", "attainment", "projection", "new_customers", "deals_won", "units"):
        if "sales" not in facts.exports and "opportunities" not in facts.exports:
            return "no export"
        if column == "projection" and _get(row, "target") is not None:
            return "no target to date"
        return "no target"
    if column == "activity":
        if "activities" not in facts.exports:
            return "no export"
        return "not in post" if facts.in_post.get(rep) is False else "nothing planned"
    if column == "coverage":
        if "accounts" not in facts.exports or "activities" not in facts.exports:
            return "no export"
        return "not in post" if facts.in_post.get(rep) is False else "no targeted accounts"
    if column == "pipeline_coverage":
        if "opportunities" not in facts.exports:
            return "no export"
        if facts.period_over:
            return "period over"
        return "target met" if _get(row, "target") else "no target"
    if column == "win_rate":
        return "no export" if "opportunities" not in facts.exports else "no closed deals"
    return "no export"
