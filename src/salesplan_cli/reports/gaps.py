"""What a report could not value, in one line each: values the CRM left blank, columns an export lacks."""

from __future__ import annotations

from .context import ReportContext


def _report(ctx: ReportContext, kind: str):
    return next((r for r in ctx.frames.reports if r.kind == kind), None)


def attainment_notes(ctx: ReportContext) -> list[str]:
    """Won deals standing in for sales that cannot count: no amount, or no close date to place them in a period."""
    if not ctx.frames.sales_from_opportunities:
        return []
    report = _report(ctx, "opportunities")
    won = [i for i in report.incomplete if i.reason.startswith("won deal")] if report is not None else []
    if not won:
        return []
    lines = ", ".join(str(i.line) for i in won[:5]) + (", ..." if len(won) > 5 else "")
    return [
        f"attainment: {len(won):,} won deal{'s' if len(won) != 1 else ''} without an amount or a close date "
        f"count{'s' if len(won) == 1 else ''} in no sales figure ({report.path} line{'s' if len(won) != 1 else ''} {lines}; "
        "list them with: salesplan report intake)"
    ]


def coverage_notes(ctx: ReportContext) -> list[str]:
    """Activities without an account: they count for their rep and type, for no account's coverage."""
    acts = ctx.frames.activities
    report = _report(ctx, "activities")
    if acts is None:
        return []
    if report is not None and "account" in report.absent:
        return ["coverage: the activities export has no account column: no targeted account counts as touched (the activity report still counts every action per rep and type)"]
    blank = int(acts["account"].isna().sum()) if "account" in acts.columns else 0
    if not blank:
        return []
    return [f"coverage: {blank:,} activit{'ies' if blank != 1 else 'y'} without an account count{'s' if blank == 1 else ''} in the activity report, for no account's coverage"]


def opportunity_notes(ctx: ReportContext) -> list[str]:
    """An opportunities export with no account column: deals under <no account>, no account's coverage."""
    report = _report(ctx, "opportunities")
    if report is not None and "account" in report.absent:
        return ["opportunities: the export has no account column: every deal is under <no account> (figures by segment put them under <unsegmented>)"]
    return []
