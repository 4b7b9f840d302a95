"""The reports and their oracle: every report of the `salesplan report` commands called as the CLI calls them
(cli/report.py, cli/reporting.py), rows read used or rejected exactly once, the attainment report adding up."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from fractions import Fraction
from pathlib import Path

from hypothesis import strategies as st
from salesplan_cli.diagnostics import CODES

from .inputs import require


# --- reports and their oracle ------------------------------------------------------------------------------------

FILTERS = st.sampled_from(["none", "none", "none", "team", "rep", "segment", "product"])


#: The filters each report command accepts (cli/report.py): the others are left out for that report.
REPORT_FILTERS = {
    "attainment": {"rep", "team", "segment", "product"},
    "activity": {"rep", "team", "segment"},
    "coverage": {"rep", "team", "segment"},
    "pipeline": {"rep", "team", "segment", "product"},
    "conversion": {"rep", "team", "segment", "product"},
    "dashboard": {"rep", "team"},
}


def _filters(ws, choice: str, report: str):
    from salesplan_cli.reports.context import Filters

    if choice not in REPORT_FILTERS[report]:
        return Filters()
    reps = sorted(ws.reps.values(), key=lambda r: r.id)
    teams = sorted({rep.manager for rep in reps})  # a team without reps is a usage error (cli/report.py _check_filters)
    if choice == "team" and teams:
        return Filters(team=teams[0])
    if choice == "rep" and reps:
        return Filters(reps=(reps[0].id,))
    if choice == "segment" and ws.strategy.segments:
        return Filters(segment=list(ws.strategy.segments)[-1])
    if choice == "product" and ws.strategy.products:
        return Filters(product=list(ws.strategy.products)[0])
    return Filters()


def check_intake_and_reports(ws, as_of: dt.date, period_spec: str | None, filters: str, reread: bool = True) -> None:
    from salesplan_cli.intake.load import load_exports

    frames, diags = load_exports(ws)
    if frames is None:
        require(bool(diags), "no frames and no diagnostic")
        for d in diags:
            require(d.code in CODES and (d.code.startswith("SP9")), f"intake answered {d.code}: {d.message}")
        return
    require(not diags, "frames and diagnostics at once")
    check_frames(ws, frames, reread)
    run_reports(ws, frames, as_of, period_spec, filters)


def check_frames(ws, frames, reread: bool = True) -> None:
    """Every row read is used or rejected, once; the account adds up."""
    from salesplan_cli.intake.load import _path_of
    from salesplan_cli.intake.read import read_table

    config = ws.settings.data
    for report in frames.reports:
        frame = getattr(frames, report.kind)
        require(frame is not None, f"{report.kind}: a report but no frame")
        for issue in report.issues:
            require(issue.kind in ("rejected", "unmatched", "skipped", "incomplete"), f"{report.kind}: issue of kind {issue.kind}")
        rejected = report.rejected
        require(
            report.rows_read == report.rows_used + len(rejected),
            f"{report.kind}: {report.rows_read} rows read, {report.rows_used} used + {len(rejected)} rejected = {report.rows_used + len(rejected)}",
        )
        if report.kind == "opportunities" and frames.opportunity_lines is not None:
            frame = frames.opportunity_lines  # one row per product line: every line used is a line of a deal
            require(frames.opportunities["id"].is_unique, "opportunities: an id twice among the deals")
        require(len(frame) == report.rows_used, f"{report.kind}: {len(frame)} rows in the frame, {report.rows_used} said used")
        if not reread:
            continue
        source = getattr(config, report.kind)
        table, problems = read_table(_path_of(ws.root, source), source.path, source, [])
        require(table is not None, f"{report.kind}: read once, unreadable the second time: {problems}")
        read_lines = sorted([*table.lines, *(i.line for i in table.issues if i.kind == "rejected")])
        accounted = sorted([*(int(x) for x in frame["line"]), *(i.line for i in rejected)])
        require(
            read_lines == accounted,
            f"{report.kind}: lines read and lines used or rejected differ: "
            f"missing {sorted(set(read_lines) - set(accounted))[:10]}, extra {sorted(set(accounted) - set(read_lines))[:10]}, "
            f"counted twice {sorted({x for x in accounted if accounted.count(x) > 1})[:10]}",
        )


def _exact(value) -> Fraction:
    return Fraction(value) if value is not None else Fraction(0)


def _slack(values: list, cents_each: Fraction = Fraction(0)) -> Fraction:
    """What float output (and rounding each figure to the cent) may add up to."""
    total = Fraction(0)
    for v in values:
        if v is not None and math.isfinite(v):
            total += Fraction(math.ulp(v)) * 2 + cents_each
    return total


def _sums_to(parts: list, total, what: str, cents_each: Fraction = Fraction(0)) -> None:
    for v in [*parts, total]:
        require(v is None or (isinstance(v, float) and math.isfinite(v)) or isinstance(v, int), f"{what}: not a finite number: {v!r}")
    exact = sum((_exact(v) for v in parts), Fraction(0))
    gap = abs(exact - _exact(total))
    require(gap <= _slack([*parts, total], cents_each) + (Fraction(1, 10**9) if cents_each else 0), f"{what}: the parts add up to {float(exact)!r}, the total says {total!r}")


def check_attainment(ctx, tables: dict) -> None:
    """Reps (and <unplanned>) sum to teams and to the total, whatever the grouping; the total is every sale of the window."""
    from salesplan_cli.reports.context import TOTAL, UNPLANNED

    half_cent = Fraction(1, 200)
    totals = {}
    for dims, table in tables.items():
        rows = table.to_dict("records")
        require(len(rows) >= 1 and all(rows[-1][d] == TOTAL for d in dims), f"attainment by {dims}: no <total> row last")
        body, total = rows[:-1], rows[-1]
        keys = [tuple(r[d] for d in dims) for r in body]
        require(len(keys) == len(set(keys)), f"attainment by {dims}: a group appears twice: {keys}")
        _sums_to([r["actual"] for r in body], total["actual"], f"attainment by {dims}: actual")
        planned = [r["target"] for r in body if r["target"] is not None]
        if total["target"] is not None:
            _sums_to(planned, total["target"], f"attainment by {dims}: target", half_cent)
            _sums_to([r["annual_target"] for r in body if r["annual_target"] is not None], total["annual_target"], f"attainment by {dims}: annual target", half_cent)
        totals[dims] = total
    first = next(iter(totals.values()))
    for dims, total in totals.items():
        require(total["actual"] == first["actual"], f"attainment: total actual by {dims} {total['actual']!r} != {first['actual']!r}")
        if total["target"] is not None and first["target"] is not None:
            require(abs(total["target"] - first["target"]) <= 0.01 * 8, f"attainment: total target by {dims} {total['target']!r} != {first['target']!r}")
    # per rep: the rep's row is the sum of its segments, and the teams are the sums of their reps
    by_rep = {r["rep"]: r for r in tables[("rep",)].to_dict("records")}
    if ("rep", "segment") in tables:
        per_rep: dict[str, list] = defaultdict(list)
        for r in tables[("rep", "segment")].to_dict("records")[:-1]:
            per_rep[r["rep"]].append(r["actual"])
        for rep_id, parts in per_rep.items():
            require(rep_id in by_rep, f"attainment by rep,segment: {rep_id} has no row by rep")
            _sums_to(parts, by_rep[rep_id]["actual"], f"attainment of {rep_id}: its segments")
    if ("team",) in tables:
        managers = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
        team_parts: dict[str, list] = defaultdict(list)
        for rep_id, r in by_rep.items():
            if rep_id in managers:
                team_parts[managers[rep_id]].append(r["actual"])
        by_team = {r["team"]: r for r in tables[("team",)].to_dict("records")[:-1]}
        for team, parts in team_parts.items():
            require(team in by_team, f"attainment: team {team} has reps but no row")
            _sums_to(parts, by_team[team]["actual"], f"attainment of team {team}: its reps")
        if UNPLANNED in by_rep or UNPLANNED in by_team:
            require(by_rep.get(UNPLANNED, {}).get("actual", 0.0) == by_team.get(UNPLANNED, {}).get("actual", 0.0), "attainment: <unplanned> differs by rep and by team")
    # the company total: every sale dated in the window (no filter), independently of the report's grouping
    window = ctx.to_date
    sales = ctx.frames.sales
    if not (ctx.filters.reps or ctx.filters.team or ctx.filters.segment or ctx.filters.product):
        import pandas as pd

        cents = 0
        if window is not None and sales is not None and len(sales):
            dates = sales["date"]
            inside = (dates >= pd.Timestamp(window.start)) & (dates <= pd.Timestamp(window.end))
            cents = int(sales.loc[inside, "amount"].astype("int64").sum())
        expected = Fraction(cents, 100)
        got = _exact(first["actual"])
        require(abs(got - expected) <= Fraction(math.ulp(float(expected))) * 2, f"attainment: total actual {first['actual']!r}, the sales of the window add up to {float(expected)!r}")


def run_reports(ws, frames, as_of: dt.date, period_spec: str | None, filters: str) -> None:
    from salesplan_cli.reports.activity import activity
    from salesplan_cli.reports.attainment import attainment
    from salesplan_cli.reports.context import ReportContext
    from salesplan_cli.reports.conversion import conversion, stage_conversion
    from salesplan_cli.reports.coverage import coverage, untouched_accounts
    from salesplan_cli.reports.dashboard import dashboard
    from salesplan_cli.reports.period import PeriodError, resolve_period
    from salesplan_cli.reports.pipeline import coverage_horizon, deals_to_watch, pipeline, pipeline_coverage

    try:
        period = resolve_period(period_spec, ws.settings, as_of)
    except PeriodError:
        period = resolve_period(None, ws.settings, ws.settings.fiscal_year.start)
    contexts = {name: ReportContext(ws=ws, frames=frames, period=period, as_of=as_of, filters=_filters(ws, filters, name)) for name in REPORT_FILTERS}
    products = bool(ws.strategy.products)
    rendered: list[tuple[object, str, dict]] = []

    ctx = contexts["attainment"]
    att = {}
    if frames.sales is not None:  # else `report attainment` is a usage error, and the dashboard leaves it empty
        groupings = [("rep",), ("team",), ("segment",), ("rep", "segment")] + ([("product",), ("rep", "product")] if products else [])
        att = {dims: attainment(ctx, list(dims)) for dims in groupings}
        check_attainment(ctx, att)
        rendered.append((ctx, "attainment", {"attainment": att[("rep",)]}))
    if frames.activities is not None:
        ctx = contexts["activity"]
        for dims in (["rep", "action", "segment"], ["rep"], ["team"], ["action"], ["segment"]):
            table = activity(ctx, dims)
        rendered.append((ctx, "activity", {"activity": table}))
        if frames.accounts is not None:
            ctx = contexts["coverage"]
            rendered.append((ctx, "coverage", {"coverage": coverage(ctx), "untouched": untouched_accounts(ctx, top=3)}))
    if frames.opportunities is not None:
        ctx = contexts["pipeline"]
        for dims in (["rep", "stage"], ["team"], ["segment"]) + ((["product"],) if products else ()):
            table = pipeline(ctx, dims)
        coverage_horizon(ctx)
        rendered.append((ctx, "pipeline", {"pipeline": table, "pipeline_coverage": pipeline_coverage(ctx), "deals_to_watch": deals_to_watch(ctx, top=3)}))
        ctx = contexts["conversion"]
        tables = {}
        for dims in (["rep"], ["team"], ["segment"]) + ((["rep", "product"], ["product"]) if products else ()):
            tables["conversion"] = conversion(ctx, dims)
        stages = stage_conversion(ctx)
        if stages is not None:
            tables["stages"] = stages
        rendered.append((ctx, "conversion", tables))
    ctx = contexts["dashboard"]
    board, notes = dashboard(ctx)
    rendered.append((ctx, "dashboard", {"dashboard": board}))
    by_rep = {}
    if frames.sales is not None:
        per_rep = att[("rep",)] if contexts["attainment"].filters == ctx.filters else attainment(ctx, ["rep"])
        by_rep = {r["rep"]: r for r in per_rep.to_dict("records")}
    reps = {rep.id for rep in ctx.reps()}
    board_rows = board.to_dict("records")
    require(sorted(row["rep"] for row in board_rows) == sorted(reps), f"dashboard: rows for {sorted(r['rep'] for r in board_rows)}, the reps are {sorted(reps)}")
    for row in board_rows:
        if frames.sales is None:
            require(row["actual"] is None, f"dashboard: {row['rep']} actual {row['actual']!r} without any sales export")
            continue
        if row["rep"] not in by_rep:  # a rep carrying no target has no plan row: the dashboard leaves it empty
            require(row["actual"] is None, f"dashboard: {row['rep']} actual {row['actual']!r}, no row in the attainment by rep")
            continue
        require(row["actual"] == by_rep[row["rep"]]["actual"], f"dashboard: {row['rep']} actual {row['actual']!r}, attainment says {by_rep[row['rep']]['actual']!r}")
    render_reports(rendered, notes)


def render_reports(rendered: list[tuple[object, str, dict]], notes: list[str]) -> None:
    from salesplan_cli.cli.render import render
    from salesplan_cli.cli.formats import Options, Rendered, ReportFormat

    for number, (ctx, name, tables) in enumerate(rendered):
        for fmt in (ReportFormat.json, list(ReportFormat)[number % len(ReportFormat)]):
            opts = Options(workspace=None, as_of=None, period=None, reps=[], team=None, segment=None, product=None, format=fmt, output=Path("out"))
            text = render(ctx, opts, Rendered(name, tables, {k: k for k in tables}, notes=list(notes)), [], to_terminal=False)
            require(isinstance(text, bytes if fmt is ReportFormat.xlsx else str), f"{name} rendered as {fmt.value}: no text")
            if fmt is ReportFormat.json:
                json.loads(text)
