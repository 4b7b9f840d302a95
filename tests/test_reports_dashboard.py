"""The dashboard shows each report's per-rep figure, and the worst of the statuses."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import EXAMPLE
from salesplan_cli.intake.load import load_exports
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.activity import activity
from salesplan_cli.reports.attainment import attainment
from salesplan_cli.reports.context import ReportContext
from salesplan_cli.reports.conversion import conversion
from salesplan_cli.reports.coverage import coverage
from salesplan_cli.reports.dashboard import COLUMNS, dashboard
from salesplan_cli.reports.period import resolve_period
from salesplan_cli.reports.pipeline import pipeline_coverage

AS_OF = dt.date(2027, 10, 15)


@pytest.fixture(scope="module")
def ctx():
    result = validate_workspace(EXAMPLE, as_of=AS_OF)
    frames, diags = load_exports(result.workspace)
    assert not diags
    return ReportContext(result.workspace, frames, resolve_period("ytd", result.workspace.settings, AS_OF), AS_OF)


def per_rep(frame, column):
    return {r["rep"]: r[column] for r in frame.to_dict("records") if not str(r["rep"]).startswith("<")}


def test_dashboard_figures_are_the_reports_figures(ctx):
    table, notes = dashboard(ctx)
    # the example's exports are as real ones come: task statuses (overdue and scheduled tasks), open deals
    # without amount, close date or account, lost deals at 0 (the Salesforce org zeroes them)
    # the example's plan sets new customers per segment: the dashboard shows their attainment after the projection
    with_volume = COLUMNS[: COLUMNS.index("projection") + 1] + ["new_customers"] + COLUMNS[COLUMNS.index("projection") + 1 :]
    assert list(table.columns) == with_volume and notes == [
        "activity: 148 open tasks dated up to 2027-10-15 are overdue (not counted as done); 185 activities are scheduled "
        "from 2027-10-16 to 2027-10-31 (by rep and type: salesplan report activity)",
        "pipeline: 35 open deals without an amount: counted in every count (value_unknown), in no value, weighted value or coverage",
        "pipeline: 29 open deals without a close date (no_close_date): out of pipeline coverage, listed among the deals to watch",
        "pipeline: 17 open deals without an account, shown as <no account>: they count for their rep, not for any account",
        "conversion: 267 closed deals without a value (lost at 0 or blank, won blank): win_rate_value is n/a in the groups "
        "holding them (no_value); win_rate counts every deal",
    ]
    # the note's figures are the activity report's: its reps' overdue and scheduled (the year to date: to the end of October)
    acts = activity(ctx, ["rep"])
    reps_only = acts[~acts["rep"].astype(str).str.startswith("<")]
    assert (int(reps_only["overdue"].sum()), int(reps_only["scheduled"].sum())) == (148, 185)
    reps = [r.id for r in ctx.reps()]
    assert list(table["rep"]) == reps
    rows = {r["rep"]: r for r in table.to_dict("records")}
    att = per_rep(attainment(ctx, ["rep"]), "attainment")
    act = per_rep(activity(ctx, ["rep"]), "ratio")
    pipe = per_rep(pipeline_coverage(ctx), "coverage")
    cov = coverage(ctx)
    conv = conversion(ctx, ["rep", "product"])
    volume = per_rep(attainment(ctx, ["rep"]), "new_customers_attainment")
    for rep in reps:
        assert rows[rep]["attainment"] == att[rep]
        assert rows[rep]["new_customers"] == volume[rep]
        assert rows[rep]["activity"] == act[rep]
        assert rows[rep]["pipeline_coverage"] == pipe[rep]
        mine = cov[cov["rep"] == rep]
        assert rows[rep]["coverage"] == pytest.approx(mine["touched"].sum() / mine["targeted"].sum(), abs=1e-15)
        closed = conv[conv["rep"] == rep]
        assert rows[rep]["win_rate"] == pytest.approx(closed["won"].sum() / closed["closed"].sum(), abs=1e-15)
        assert rows[rep]["alerts"] == int(closed["alert"].astype(bool).sum())
    # the demo data plants one alert: rep-n2 converting far below the team on services
    assert {rep: rows[rep]["alerts"] for rep in reps if rows[rep]["alerts"]} == {"rep-n2": 1}


def test_status_is_the_worst_of_the_figures(ctx):
    table, _ = dashboard(ctx)
    att = {r["rep"]: r["status"] for r in attainment(ctx, ["rep"]).to_dict("records")}
    act = {r["rep"]: r["status"] for r in activity(ctx, ["rep"]).to_dict("records")}
    pipe = {r["rep"]: r["status"] for r in pipeline_coverage(ctx).to_dict("records")}
    rank = {"": 0, "on track": 1, "watch": 2, "off track": 3}
    for row in table.to_dict("records"):
        worst = max([att[row["rep"]], act[row["rep"]], pipe[row["rep"]]], key=rank.__getitem__)
        assert rank[row["status"]] >= rank[worst]


def test_dashboard_without_activities_says_what_is_missing(ctx):
    from dataclasses import replace

    frames = replace(ctx.frames, activities=None)
    partial = ReportContext(ctx.ws, frames, ctx.period, ctx.as_of)
    table, notes = dashboard(partial)
    assert table["activity"].isna().all() and table["coverage"].isna().all()
    assert any("activities" in note for note in notes)
