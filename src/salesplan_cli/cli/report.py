"""`salesplan report`: CRM exports + the plan -> the manager's indicators, in the terminal and in CI."""

from __future__ import annotations

import typer

from ..reports.gates import dashboard_figures, rep_figures
from .common import AsOfOption, DataDirOption, WorkspaceOption, fail_usage
from .formats import Rendered, ReportFormat
from .kept import kept
from .replay import replay_or_record
from .reporting import (
    ByOption,
    CheckOption,
    FailUnderOption,
    FormatOption,
    KeepGoingOption,
    OutputOption,
    PeriodOption,
    ProductFilter,
    RepFilter,
    SegmentFilter,
    TeamFilter,
    TopOption,
    _options,
    _run,
    emit,
    parse_by,
    prepare,
)

report_app = typer.Typer(
    name="report",
    help="Steering reports from the CRM exports declared under data: in salesplan.yaml. Without a report name: the dashboard.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@report_app.command("attainment")
def attainment_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    segment: SegmentFilter = None,
    product: ProductFilter = None,
    by: ByOption = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    fail_under: FailUnderOption = None,
    check: CheckOption = False,
    keep_going: KeepGoingOption = False,
) -> None:
    """Sales made against target for the period, by rep (default), team, segment or product; with projection."""
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "attainment", {"by": by})
    from ..reports.attainment import BY_CHOICES, attainment
    from ..reports.monthly import STEPS

    dims = parse_by(by, BY_CHOICES + STEPS, ["rep"])
    step = next((d for d in dims if d in STEPS), None)
    if step is not None:
        dims = [d for d in dims if d != step]
        if len(dims) > 1 or dims and dims[0] not in ("rep", "team") or any(d in STEPS for d in dims):
            fail_usage(f"--by {by}: {step} goes alone or with one of rep, team (e.g. --by team,{step})")
    ctx = prepare(opts)
    if ctx.frames.sales is None:
        fail_usage("this report needs the sales export, or the opportunities export (its won deals stand in)", "declare data.sales or data.opportunities in salesplan.yaml (see docs/reference/data-section.md)")

    def build() -> Rendered:
        if step is not None:
            from ..reports.monthly import attainment_by_period

            table = _run(attainment_by_period, ctx, dims[0] if dims else "rep", step)
            return Rendered("attainment", {"attainment": table}, {"attainment": f"Attainment {step} by {step}, {ctx.period.label}, as of {ctx.as_of}"})
        table = _run(attainment, ctx, dims)
        per_rep = table if dims == ["rep"] else attainment(ctx, ["rep"])
        figures = {"attainment": rep_figures(per_rep.to_dict("records"), "attainment")}
        from ..reports.gaps import attainment_notes
        from ..reports.volume import volume_figures, volume_notes

        figures.update(volume_figures(ctx, per_rep))
        notes = attainment_notes(ctx) + volume_notes(ctx)
        return Rendered("attainment", {"attainment": table}, {"attainment": f"Attainment, {ctx.period.label}, as of {ctx.as_of}"}, notes=notes, gate_figures=figures)

    emit(ctx, opts, kept(ctx, opts, "attainment", (dims, step), build))


@report_app.command("intake")
def intake_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    keep_going: KeepGoingOption = False,
) -> None:
    """Every row of the exports that was rejected, unmatched or skipped, with its line and the reason."""
    import pandas as pd

    opts = _options(context, workspace=workspace, as_of=as_of, period=None, rep=None, team=None, segment=None, product=None, format=format, output=output, data_dir=data_dir, keep_going=keep_going)
    ctx = prepare(opts, keep_damaged=True)  # the tool to diagnose damaged exports: it lists the rows, then fails
    rows = []
    for report in ctx.frames.reports:
        for issue in report.issues:
            rows.append({"export": report.path, "kind": report.kind, "line": issue.line, "id": issue.id, "name": issue.name, "status": issue.kind, "reason": issue.reason})
    summary = pd.DataFrame([r.to_dict() | {"issues": None, "absent": ", ".join(r.absent)} for r in ctx.frames.reports]).drop(columns=["issues", "converted", "without_rate"], errors="ignore")
    columns = ["export", "kind", "line", "id", "name", "status", "reason"]
    table = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)
    from ..intake.load import reading_notes

    from ..intake.activity_status import unknown_status_notes
    from ..intake.contact_roles import unmapped_title_notes
    from ..intake.owners import owner_table

    notes = reading_notes(ctx.ws.settings.data, ctx.frames.reports) + unknown_status_notes(ctx.frames.reports) + unmapped_title_notes(ctx.frames.activities)
    tables = {"issues": table, "summary": summary}
    titles = {"issues": "Rows not used as they are", "summary": "Rows per export"}
    owners = owner_table(ctx.ws, ctx.frames)
    if len(owners):
        tables["owners"] = owners
        titles["owners"] = "Owners matching no rep (their rows count as <unplanned>; never guessed)"
    emit(ctx, opts, Rendered("intake", tables, titles, notes=notes))


@report_app.command("activity")
def activity_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    segment: SegmentFilter = None,
    by: ByOption = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    fail_under: FailUnderOption = None,
    check: CheckOption = False,
    keep_going: KeepGoingOption = False,
) -> None:
    """Actions done against planned (norms x accounts in portfolio, prorated), by rep, action type and segment."""
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "activity", {"by": by})
    from ..reports.activity import activity, activity_notes

    dims = parse_by(by, ("rep", "team", "action", "segment"), ["rep", "action", "segment"])
    ctx = prepare(opts)
    _require(ctx, "activities")

    def build() -> Rendered:
        table = _run(activity, ctx, dims)
        per_rep = table if dims == ["rep"] else activity(ctx, ["rep"])
        figures = {"activity": rep_figures(per_rep.to_dict("records"), "ratio")}
        title = f"Actions done vs planned, {ctx.period.label} up to {ctx.as_of}"
        return Rendered("activity", {"activity": table}, {"activity": title}, notes=activity_notes(ctx), gate_figures=figures)

    emit(ctx, opts, kept(ctx, opts, "activity", (dims,), build))


@report_app.command("coverage")
def coverage_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    segment: SegmentFilter = None,
    top: TopOption = 10,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    fail_under: FailUnderOption = None,
    check: CheckOption = False,
    keep_going: KeepGoingOption = False,
) -> None:
    """Targeted accounts touched in the period, commercial pressure, and the untouched accounts to work first."""
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "coverage", {"top": top})
    from ..reports.coverage import coverage, coverage_by_rep, untouched_accounts
    from ..reports.gaps import coverage_notes
    from ..reports.roles import no_role_reached, roles_notes, roles_reached, roles_shown

    ctx = prepare(opts)
    _require(ctx, "accounts", "activities")

    def build() -> Rendered:
        table = coverage(ctx)
        untouched = untouched_accounts(ctx, top=top)
        # the gate compares the pace to date (touched / (targeted x elapsed share)); none while not judged
        figures = {"coverage": {rep_id: pace for rep_id, (_share, pace, _status) in coverage_by_rep(ctx, table).items()}}
        tables = {"coverage": table, "untouched": untouched}
        titles = {"coverage": f"Targeted accounts touched, {ctx.period.label} up to {ctx.as_of}", "untouched": f"Untouched targeted accounts (top {top} per rep)"}
        if roles_shown(ctx):
            tables.update(roles=roles_reached(ctx), no_role_reached=no_role_reached(ctx, top=top))
            titles.update(
                roles=f"Contact roles reached on targeted accounts, {ctx.period.label} up to {ctx.as_of}",
                no_role_reached=f"Targeted accounts where no contact role was reached (top {top} per rep)",
            )
        return Rendered("coverage", tables, titles, notes=coverage_notes(ctx) + roles_notes(ctx), gate_figures=figures)

    emit(ctx, opts, kept(ctx, opts, "coverage", (top,), build))


@report_app.command("pipeline")
def pipeline_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    segment: SegmentFilter = None,
    product: ProductFilter = None,
    by: ByOption = None,
    top: TopOption = 10,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    fail_under: FailUnderOption = None,
    check: CheckOption = False,
    keep_going: KeepGoingOption = False,
) -> None:
    """Open deals: count, value, weighted value, age, overdue and stale deals; pipeline coverage of the remaining target."""
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "pipeline", {"by": by, "top": top})
    from ..reports.gaps import opportunity_notes
    from ..reports.pipeline import coverage_horizon, deals_to_watch, pipeline, pipeline_coverage, pipeline_notes
    from ..reports.quality import linked_outputs, missing_outputs, qualification, quality_notes

    dims = parse_by(by, ("rep", "team", "stage", "segment", "product"), ["rep", "stage"])
    ctx = prepare(opts)
    _require(ctx, "opportunities")

    def build() -> Rendered:
        table = _run(pipeline, ctx, dims)
        cover = pipeline_coverage(ctx)
        watch = deals_to_watch(ctx, top=top)
        figures = {"pipeline": rep_figures(cover.to_dict("records"), "coverage")}
        tables = {"pipeline": table, "pipeline_coverage": cover, "deals_to_watch": watch}
        titles = {
            "pipeline": f"Open pipeline as of {ctx.as_of}",
            "pipeline_coverage": _coverage_title(ctx, coverage_horizon(ctx)),
            "deals_to_watch": f"Overdue, stale or undated deals (top {top} per rep)",
        }
        if linked_outputs(ctx):  # qualification by the book: only where an export links the expected outputs
            tables |= {"qualification": qualification(ctx), "missing_outputs": missing_outputs(ctx, top=top)}
            titles |= {
                "qualification": "Open deals qualified by the book (every output expected at the stages passed)",
                "missing_outputs": f"Deals that moved on without an expected output (top {top} per rep)",
            }
        notes = opportunity_notes(ctx) + pipeline_notes(ctx) + quality_notes(ctx)
        return Rendered("pipeline", tables, titles, notes=notes, gate_figures=figures)

    emit(ctx, opts, kept(ctx, opts, "pipeline", (dims, top), build))


@report_app.command("conversion")
def conversion_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    segment: SegmentFilter = None,
    product: ProductFilter = None,
    by: ByOption = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    keep_going: KeepGoingOption = False,
) -> None:
    """Win rates by rep and product range, alerts where a seller differs significantly from the team, stage conversion."""
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "conversion", {"by": by})
    from ..reports.conversion import NO_STAGE_HISTORY, conversion, conversion_notes, stage_conversion

    ctx = prepare(opts)
    dims = parse_by(by, ("rep", "team", "product", "segment"), ["rep", "product"] if ctx.ws.strategy.products else ["rep"])
    _require(ctx, "opportunities")

    def build() -> Rendered:
        table = _run(conversion, ctx, dims)
        tables = {"conversion": table}
        titles = {"conversion": f"Win rates, deals closed {ctx.period.label} up to {ctx.as_of}"}
        notes = conversion_notes(table)
        stages = stage_conversion(ctx)
        if stages is None:
            notes.append(NO_STAGE_HISTORY)
        else:
            tables["stages"] = stages
            titles["stages"] = "Stage-to-stage conversion"
        settings = ctx.ws.settings.conversion
        notes.append(
            f"alerts: sellers with at least {settings.min_closed} closed deals on a range, tested against the rest of the team "
            f"(Fisher's exact test when an expected count is below 5, else the two-proportion z-test), "
            f"Benjamini-Hochberg at q = {settings.q}, differences of at least {settings.min_difference}"
        )
        return Rendered("conversion", tables, titles, notes=notes)

    emit(ctx, opts, kept(ctx, opts, "conversion", (dims,), build))


def _coverage_title(ctx, horizon) -> str:
    rest = horizon.after(ctx.as_of)
    if rest is None:
        return f"Pipeline coverage: nothing of {horizon.label} is left after {ctx.as_of}"
    return f"Open pipeline closing {rest.start}..{rest.end} / target remaining in {horizon.label}"


def _require(ctx, *kinds: str) -> None:
    missing = [k for k in kinds if getattr(ctx.frames, k) is None]
    if missing:
        fail_usage(f"this report needs the {' and '.join(missing)} export(s)", f"declare data.{missing[0]} in salesplan.yaml (see docs/reference/data-section.md)")


@report_app.callback(invoke_without_command=True)
def dashboard_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    period: PeriodOption = None,
    rep: RepFilter = None,
    team: TeamFilter = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
    fail_under: FailUnderOption = None,
    check: CheckOption = False,
    keep_going: KeepGoingOption = False,
) -> None:
    """Without a report name: the dashboard, one row per rep with the key figures and a status."""
    if context.invoked_subcommand is not None:
        given = {
            "workspace": workspace, "as_of": as_of, "period": period, "rep": rep, "team": team,
            "format": format if format is not ReportFormat.table else None, "output": output,
            "fail_under": fail_under, "check": check or None, "data_dir": data_dir, "keep_going": keep_going or None,
        }
        context.obj = {name: value for name, value in given.items() if value}
        return
    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=None, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir, keep_going=keep_going)
    replay_or_record(opts, "dashboard", {})
    ctx = prepare(opts)

    def build() -> Rendered:
        from ..reports.dashboard import dashboard
        from .progress import stages

        with stages("computing the dashboard") as step:
            table, notes = dashboard(ctx, progress=lambda figure: step(f"computing the dashboard: {figure}"))
        from ..reports.volume import volume_kinds

        figures = dashboard_figures(table.to_dict("records"), ctx.frames, volume_kinds(ctx))
        tables, titles = {"dashboard": table}, {"dashboard": f"Dashboard, {ctx.period.label}, as of {ctx.as_of}"}
        if opts.format in (ReportFormat.html, ReportFormat.xlsx):  # the charts' figures, one table each
            from ..reports.dashboard_views import dashboard_views

            more, more_titles = dashboard_views(ctx)
            tables.update(more)
            titles.update(more_titles)
        return Rendered("dashboard", tables, titles, notes=notes, gate_figures=figures)

    emit(ctx, opts, kept(ctx, opts, "dashboard", (), build))
