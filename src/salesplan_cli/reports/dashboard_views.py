"""The tables behind the dashboard's charts (HTML and XLSX): attainment per rep and team, month by month over
the fiscal year, activity and coverage per segment, the pipeline by stage and age, the pipeline coverage and the
seller x product-range win rates. Each is an existing report's table; none computes a figure of its own (those
the dashboard computed for the same context are taken from it, not computed again)."""

from __future__ import annotations

from dataclasses import replace


def dashboard_views(ctx) -> tuple[dict, dict[str, str]]:
    """(tables, titles) in the order the dashboard shows them; a table whose export is missing is left out
    (the dashboard's notes say which export it needs)."""
    from .attainment import attainment
    from .dashboard import dashboard_tables
    from .monthly import attainment_by_period

    tables: dict = {}
    titles: dict[str, str] = {}
    frames = ctx.frames
    period = ctx.period.label
    done = dashboard_tables(ctx)  # what the dashboard computed already for this context
    if frames.sales is not None:
        tables["attainment"] = done["attainment"] if "attainment" in done else attainment(ctx, ["rep"])
        titles["attainment"] = f"Attainment by rep, {period}"
        tables["attainment_team"] = attainment(ctx, ["team"])
        titles["attainment_team"] = f"Attainment by team, {period}"
        year = replace(ctx, period=ctx.fiscal_year)
        tables["monthly_team"] = attainment_by_period(year, "team", "month")
        titles["monthly_team"] = f"Cumulative actual vs seasonal target, by team, fiscal year, as of {ctx.as_of}"
        tables["monthly_rep"] = attainment_by_period(year, "rep", "month")
        titles["monthly_rep"] = f"Cumulative actual vs seasonal target, by rep, fiscal year, as of {ctx.as_of}"
    if frames.activities is not None:
        from .activity import activity

        tables["activity_segment"] = activity(ctx, ["segment"])
        titles["activity_segment"] = f"Actions done vs planned by segment, {period} up to {ctx.as_of}"
    if frames.accounts is not None and frames.activities is not None:
        from .coverage import coverage

        tables["coverage"] = done["coverage"] if "coverage" in done else coverage(ctx)
        titles["coverage"] = f"Targeted accounts touched by segment, {period} up to {ctx.as_of}"
    if frames.opportunities is not None:
        from .conversion import conversion
        from .pipeline import pipeline, pipeline_coverage

        tables["pipeline"] = pipeline(ctx, ["rep", "stage"])
        titles["pipeline"] = f"Open pipeline by stage and age, as of {ctx.as_of}"
        tables["pipeline_coverage"] = done["pipeline_coverage"] if "pipeline_coverage" in done else pipeline_coverage(ctx)
        titles["pipeline_coverage"] = "Pipeline coverage of the target remaining"
        by = ["rep", "product"] if ctx.ws.strategy.products else ["rep"]
        named = "conversion:" + ",".join(by)
        tables["conversion"] = done[named] if named in done else conversion(ctx, by)
        titles["conversion"] = f"Win rates by seller{' and product range' if len(by) > 1 else ''}, deals closed {period} up to {ctx.as_of}"
    return tables, titles
