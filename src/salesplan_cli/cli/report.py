"""`salesplan report`: CRM exports + the plan -> the manager's indicators, in the terminal and in CI."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .. import exitcodes
from .common import AsOfOption, DataDirOption, WorkspaceOption, as_of_date, data_dirs, err, fail_usage, resolve_workspace
from .exports import NO_AMOUNTS, print_intake, command_of, fail_damaged, read_exports, valid_workspace

report_app = typer.Typer(
    name="report",
    help="Steering reports from the CRM exports declared under data: in salesplan.yaml. Without a report name: the dashboard.",
    no_args_is_help=False,
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ReportFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    html = "html"
    xlsx = "xlsx"


PeriodOption = Annotated[
    Optional[str],
    typer.Option(
        "--period",
        "-p",
        metavar="PERIOD",
        help="ytd (default), fy, month, quarter, half, Q1..Q4, H1, H2, jan..dec, YYYY-MM, or YYYY-MM-DD..YYYY-MM-DD.",
    ),
]
RepFilter = Annotated[Optional[list[str]], typer.Option("--rep", "-r", metavar="REP", help="Only this rep (repeat for several).")]
TeamFilter = Annotated[Optional[str], typer.Option("--team", metavar="MANAGER", help="Only the reps of this manager.")]
SegmentFilter = Annotated[Optional[str], typer.Option("--segment", metavar="SEGMENT", help="Only this segment.")]
ProductFilter = Annotated[Optional[str], typer.Option("--product", metavar="RANGE", help="Only this product range.")]
ByOption = Annotated[Optional[str], typer.Option("--by", metavar="DIMS", help="Group rows by these dimensions, comma-separated (see each report).")]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="table, json, csv, markdown (GitHub job summaries), html (one self-contained page with charts) or xlsx (a workbook, needs --output).")]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of the terminal.")]
FailUnderOption = Annotated[
    Optional[list[str]],
    typer.Option("--fail-under", metavar="METRIC=VALUE", help="Exit 1 when a rep's figure is below: attainment=80%, coverage=60%, activity=70%, pipeline=2; volume objectives: new_customers=80%, deals_won=80%, units=80%. Repeatable."),
]
CheckOption = Annotated[bool, typer.Option("--check", help="Exit 1 when a rep's figure is below the workspace's thresholds (the CI gate).")]
TopOption = Annotated[int, typer.Option("--top", min=1, metavar="N", help="How many accounts or deals to list per rep.")]


@dataclass
class Options:
    workspace: Optional[Path]
    as_of: Optional[str]
    period: Optional[str]
    reps: list[str]
    team: Optional[str]
    segment: Optional[str]
    product: Optional[str]
    format: ReportFormat
    output: Optional[Path]
    fail_under: list[str] = field(default_factory=list)
    check: bool = False
    data_dir: list[Path] = field(default_factory=list)


@dataclass
class Rendered:
    """What a report command produced: titled tables, notes, and the figures the gates look at."""

    report: str
    tables: dict[str, Any]  # name -> DataFrame, the first is the main one
    titles: dict[str, str]
    notes: list[str] = field(default_factory=list)
    gate_figures: dict[str, dict[str, float | None]] = field(default_factory=dict)
    decisions: list[str] | None = None  # the review sheet's decisions to take


def prepare(opts: Options, command: str = "salesplan report", keep_damaged: bool = False):
    """Load, validate, read exports and resolve the period; exit 2 on bad input."""
    from ..reports.context import Filters, ReportContext
    from ..reports.period import PeriodError, resolve_period

    if opts.format is ReportFormat.xlsx and opts.output is None:
        fail_usage("--format xlsx writes a workbook, not text for the terminal", "add --output FILE.xlsx")
    root = resolve_workspace(opts.workspace)
    as_of = as_of_date(opts.as_of)
    ws = valid_workspace(root, as_of, command)
    _check_filters(ws, opts)
    try:
        period = resolve_period(opts.period, ws.settings, as_of)
    except PeriodError as exc:
        fail_usage(f"--period: {exc}")
    frames = read_exports(ws, root, data_dirs=data_dirs(opts.data_dir), keep_damaged=keep_damaged, command=command)
    filters = Filters(reps=tuple(opts.reps), team=opts.team, segment=opts.segment, product=opts.product)
    context = ReportContext(ws=ws, frames=frames, period=period, as_of=as_of, filters=filters)
    year = context.fiscal_year
    if period.end < year.start or period.start > year.end:
        err(f"note: the period {period.label} lies outside the fiscal year {year.start}..{year.end}: the plan sets no target there")
    return context


def _check_filters(ws, opts: Options) -> None:
    known = {r.id for r in ws.reps.values()}
    for rep in opts.reps:
        if rep not in known:
            fail_usage(f"--rep: unknown rep '{rep}'", "known reps: " + ", ".join(sorted(known)))
    if opts.team is not None and opts.team not in ws.settings.managers:
        fail_usage(f"--team: unknown team '{opts.team}'", "teams are managers' ids: " + ", ".join(sorted(ws.settings.managers)))
    if opts.team is not None:
        members = {r.id for r in ws.reps.values() if r.manager == opts.team}
        if not members:
            fail_usage(f"--team {opts.team}: no rep reports to this manager", "teams with reps: " + ", ".join(sorted({r.manager for r in ws.reps.values()})))
        if opts.reps and not members & set(opts.reps):
            fail_usage(f"--rep and --team {opts.team} select no rep: {', '.join(opts.reps)} not in that team", "drop one of the two filters")
    if opts.segment is not None and opts.segment not in ws.strategy.segments:
        fail_usage(f"--segment: unknown segment '{opts.segment}'", "segments: " + ", ".join(ws.strategy.segments))
    if opts.product is not None and opts.product not in (ws.strategy.products or {}):
        fail_usage(f"--product: unknown product range '{opts.product}'", "product ranges: " + ", ".join(ws.strategy.products or {}) or "none declared")


def parse_by(value: Optional[str], allowed: tuple[str, ...], default: list[str]) -> list[str]:
    if not value:
        return list(default)
    dims = [d.strip() for d in value.split(",") if d.strip()]
    if not dims:
        fail_usage(f"--by {value!r} names no dimension", f"choose among {', '.join(allowed)}")
    for dim in dims:
        if dim not in allowed:
            fail_usage(f"--by {dim}: choose among {', '.join(allowed)}")
    if len(set(dims)) != len(dims):
        fail_usage(f"--by {value}: a dimension is repeated")
    return dims


def emit(ctx, opts: Options, rendered: Rendered) -> None:
    """Render in the chosen format, write it, print the intake account, apply the gates."""
    from ..reports.gates import GateError, breaches, parse_fail_under
    from .render_report import render

    gates = {}
    if opts.check:
        t = ctx.ws.settings.thresholds
        gates = {"attainment": t.attainment.fraction, "coverage": t.coverage.fraction, "activity": t.activity.fraction, "pipeline": t.pipeline}
        from ..reports.volume import volume_kinds

        gates.update({kind: t.attainment.fraction for kind in volume_kinds(ctx)})  # volume objectives: the attainment threshold
    try:
        gates.update(parse_fail_under(opts.fail_under))
    except GateError as exc:
        fail_usage(f"--fail-under {exc}")
    from fractions import Fraction

    gates = {k: Fraction(v) for k, v in gates.items()}
    found = breaches(rendered.gate_figures, gates)
    from ..intake.currency import conversion_notes

    # the rates used go with every report that shows amounts (stderr says it where the output has no notes)
    noted = rendered.report not in NO_AMOUNTS and opts.format is not ReportFormat.csv
    if rendered.report not in NO_AMOUNTS:
        read = amount_exports(rendered.report, ctx.frames.sales_from_opportunities)
        reports = [r for r in ctx.frames.reports if read is None or r.kind in read]
        rendered.notes = [*rendered.notes, *conversion_notes(reports, missing=rendered.report == "intake")]
    text = render(ctx, opts, rendered, found, to_terminal=opts.output is None)
    if opts.output is not None and opts.format is ReportFormat.html and rendered.report == "dashboard":
        from .render_html.split import PAGE_LIMIT, write_team_pages

        if len(text.encode("utf-8")) > PAGE_LIMIT:
            text = write_team_pages(ctx, opts.output, rendered, found)
    if opts.output is not None:
        _write_output(ctx, opts.output, text)
        err(f"wrote {opts.output}")
    elif text is not None:
        sys.stdout.write(text)
    print_intake(ctx, converted_noted=noted)
    if getattr(ctx.frames, "damage", None):
        fail_damaged(ctx.frames.damage, ctx.ws.root, command_of(rendered.report))
    if gates:
        missing = [m for m in gates if m not in rendered.gate_figures]
        from ..plan.model import VOLUME_KINDS
        from ..reports.volume import volume_kinds

        for metric in missing:
            if metric in VOLUME_KINDS and metric not in volume_kinds(ctx):
                err(f"note: the plan sets no {metric} objective (volume: in strategy.yaml); that gate is not checked")
            elif rendered.report == "dashboard":
                err(f"note: the workspace has no export for the {metric} figure; that gate is not checked")
            else:
                err(f"note: this report has no {metric} figure; that gate is not checked here (the dashboard has them all)")
        for breach in found:
            err(f"breach: {breach.describe()}")
        if found:
            err(f"salesplan report: {len(found)} breach{'es' if len(found) != 1 else ''}")
            raise typer.Exit(exitcodes.FINDINGS)
    raise typer.Exit(exitcodes.OK)


def amount_exports(report: str, sales_from_opportunities: bool) -> set[str] | None:
    """The export kinds whose amounts a report shows (None: all of them), so that its notes name the rates of
    those exports only: attainment sums the sales (won deals when they stand in), pipeline and conversion
    the opportunities."""
    if report == "attainment":
        return {"opportunities"} if sales_from_opportunities else {"sales"}
    if report in ("pipeline", "conversion"):
        return {"opportunities"}
    return None


def _write_output(ctx, output: Path, text: str) -> None:
    from ..intake.load import export_files
    from ..writing import write_atomic

    target = output.resolve()
    inputs = {p.resolve() for p in ctx.ws.root.rglob("*.yaml")} | {p.resolve() for p in ctx.ws.root.rglob("*.yml")}
    inputs |= {path.resolve() for _, path in export_files(ctx.ws)}
    if target in inputs:
        fail_usage(f"--output {output} is one of the workspace's input files", "write the report somewhere else")
    root = ctx.ws.root.resolve()
    if target.suffix.lower() in (".yaml", ".yml") and (root == target.parent or root in target.parents):
        fail_usage(f"--output {output} would add a YAML file to the workspace, read as a plan file", "write the report outside the workspace or as .json, .csv or .md")
    if target.is_dir():
        fail_usage(f"--output {output} is a folder", "give a file name")
    if target.exists() and not target.is_file() and not (target.is_char_device() or target.is_fifo()):
        fail_usage(f"--output {output} is not a regular file", "give a file name")
    if not target.parent.is_dir():
        fail_usage(f"--output {output}: folder {target.parent} does not exist", "create it first")
    try:
        write_atomic(target, text)
    except OSError as exc:
        fail_usage(f"cannot write {output}: {exc.strerror or exc}")


def _options(context: typer.Context | None = None, **kwargs) -> Options:
    """The command's options; those written before the report name (`report -w X attainment`) fill the gaps."""
    given_before = (context.obj or {}) if context is not None else {}
    for name, value in given_before.items():
        source = context.get_parameter_source(name)
        if name in kwargs and (source is None or source.name == "DEFAULT"):
            kwargs[name] = value
    kwargs["reps"] = list(kwargs.pop("rep") or [])
    kwargs["fail_under"] = list(kwargs.get("fail_under") or [])
    kwargs["data_dir"] = list(kwargs.get("data_dir") or [])
    return Options(**kwargs)


def _run(function, *args, **kwargs):
    """Call a report function; a ValueError is a usage error (a --by the data cannot answer)."""
    try:
        return function(*args, **kwargs)
    except ValueError as exc:
        fail_usage(str(exc))


# --- the commands ------------------------------------------------------------------------------------------


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
) -> None:
    """Sales made against target for the period, by rep (default), team, segment or product; with projection."""
    from ..reports.attainment import BY_CHOICES, attainment

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir)
    from ..reports.monthly import STEPS

    dims = parse_by(by, BY_CHOICES + STEPS, ["rep"])
    step = next((d for d in dims if d in STEPS), None)
    if step is not None:
        dims = [d for d in dims if d != step]
        if len(dims) > 1 or dims and dims[0] not in ("rep", "team") or any(d in STEPS for d in dims):
            fail_usage(f"--by {by}: {step} goes alone or with one of rep, team (e.g. --by team,{step})")
    ctx = prepare(opts)
    if ctx.frames.sales is None:
        fail_usage("this report needs the sales export, or the opportunities export (its won deals stand in)", "declare data.sales or data.opportunities in salesplan.yaml (see 'CRM exports: data:' in the README)")
    if step is not None:
        from ..reports.monthly import attainment_by_period

        table = _run(attainment_by_period, ctx, dims[0] if dims else "rep", step)
        emit(ctx, opts, Rendered("attainment", {"attainment": table}, {"attainment": f"Attainment {step} by {step}, {ctx.period.label}, as of {ctx.as_of}"}))
    table = _run(attainment, ctx, dims)
    per_rep = table if dims == ["rep"] else attainment(ctx, ["rep"])
    figures = {"attainment": {r["rep"]: r["attainment"] for r in per_rep.to_dict("records") if not str(r["rep"]).startswith("<")}}
    from ..reports.gaps import attainment_notes
    from ..reports.volume import volume_figures, volume_notes

    figures.update(volume_figures(ctx, per_rep))
    notes = attainment_notes(ctx) + volume_notes(ctx)
    emit(ctx, opts, Rendered("attainment", {"attainment": table}, {"attainment": f"Attainment, {ctx.period.label}, as of {ctx.as_of}"}, notes=notes, gate_figures=figures))


@report_app.command("intake")
def intake_command(
    context: typer.Context,
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
    format: FormatOption = ReportFormat.table,
    output: OutputOption = None,
) -> None:
    """Every row of the exports that was rejected, unmatched or skipped, with its line and the reason."""
    import pandas as pd

    opts = _options(context, workspace=workspace, as_of=as_of, period=None, rep=None, team=None, segment=None, product=None, format=format, output=output, data_dir=data_dir)
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
) -> None:
    """Actions done against planned (norms x accounts in portfolio, prorated), by rep, action type and segment."""
    from ..reports.activity import activity, activity_notes

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir)
    dims = parse_by(by, ("rep", "team", "action", "segment"), ["rep", "action", "segment"])
    ctx = prepare(opts)
    _require(ctx, "activities")
    table = _run(activity, ctx, dims)
    figures = {}
    if dims == ["rep"]:
        figures["activity"] = {r["rep"]: r["ratio"] for r in table.to_dict("records") if not str(r["rep"]).startswith("<")}
    else:
        per_rep = activity(ctx, ["rep"])
        figures["activity"] = {r["rep"]: r["ratio"] for r in per_rep.to_dict("records") if not str(r["rep"]).startswith("<")}
    emit(
        ctx,
        opts,
        Rendered("activity", {"activity": table}, {"activity": f"Actions done vs planned, {ctx.period.label} up to {ctx.as_of}"}, notes=activity_notes(ctx), gate_figures=figures),
    )


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
) -> None:
    """Targeted accounts touched in the period, commercial pressure, and the untouched accounts to work first."""
    from ..reports.coverage import coverage, coverage_by_rep, untouched_accounts
    from ..reports.gaps import coverage_notes
    from ..reports.roles import no_role_reached, roles_notes, roles_reached, roles_shown

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir)
    ctx = prepare(opts)
    _require(ctx, "accounts", "activities")
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
    emit(ctx, opts, Rendered("coverage", tables, titles, notes=coverage_notes(ctx) + roles_notes(ctx), gate_figures=figures))


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
) -> None:
    """Open deals: count, value, weighted value, age, overdue and stale deals; pipeline coverage of the remaining target."""
    from ..reports.gaps import opportunity_notes
    from ..reports.pipeline import coverage_horizon, deals_to_watch, pipeline, pipeline_coverage, pipeline_notes
    from ..reports.quality import linked_outputs, missing_outputs, qualification, quality_notes

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir)
    dims = parse_by(by, ("rep", "team", "stage", "segment", "product"), ["rep", "stage"])
    ctx = prepare(opts)
    _require(ctx, "opportunities")
    table = _run(pipeline, ctx, dims)
    cover = pipeline_coverage(ctx)
    watch = deals_to_watch(ctx, top=top)
    figures = {"pipeline": {r["rep"]: r["coverage"] for r in cover.to_dict("records") if not str(r["rep"]).startswith("<")}}
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
    emit(
        ctx,
        opts,
        Rendered(
            "pipeline",
            tables,
            titles,
            notes=opportunity_notes(ctx) + pipeline_notes(ctx) + quality_notes(ctx),
            gate_figures=figures,
        ),
    )


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
) -> None:
    """Win rates by rep and product range, alerts where a seller differs significantly from the team, stage conversion."""
    from ..reports.conversion import NO_STAGE_HISTORY, conversion, conversion_notes, stage_conversion

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=segment, product=product, format=format, output=output, data_dir=data_dir)
    ctx = prepare(opts)
    dims = parse_by(by, ("rep", "team", "product", "segment"), ["rep", "product"] if ctx.ws.strategy.products else ["rep"])
    _require(ctx, "opportunities")
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
    emit(ctx, opts, Rendered("conversion", tables, titles, notes=notes))


def _coverage_title(ctx, horizon) -> str:
    rest = horizon.after(ctx.as_of)
    if rest is None:
        return f"Pipeline coverage: nothing of {horizon.label} is left after {ctx.as_of}"
    return f"Open pipeline closing {rest.start}..{rest.end} / target remaining in {horizon.label}"


def _require(ctx, *kinds: str) -> None:
    missing = [k for k in kinds if getattr(ctx.frames, k) is None]
    if missing:
        fail_usage(f"this report needs the {' and '.join(missing)} export(s)", f"declare data.{missing[0]} in salesplan.yaml (see 'CRM exports: data:' in the README)")


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
) -> None:
    """Without a report name: the dashboard, one row per rep with the key figures and a status."""
    if context.invoked_subcommand is not None:
        given = {
            "workspace": workspace, "as_of": as_of, "period": period, "rep": rep, "team": team,
            "format": format if format is not ReportFormat.table else None, "output": output,
            "fail_under": fail_under, "check": check or None, "data_dir": data_dir,
        }
        context.obj = {name: value for name, value in given.items() if value}
        return
    from ..reports.dashboard import dashboard

    opts = _options(context, workspace=workspace, as_of=as_of, period=period, rep=rep, team=team, segment=None, product=None, format=format, output=output, fail_under=fail_under, check=check, data_dir=data_dir)
    ctx = prepare(opts)
    table, notes = dashboard(ctx)
    records_ = table.to_dict("records")
    frames = ctx.frames
    available = {  # a figure whose export is missing is no gate figure: the gate says it is not checked
        "attainment": frames.sales is not None,
        "activity": frames.activities is not None,
        "coverage": frames.accounts is not None and frames.activities is not None,
        "pipeline": frames.opportunities is not None,
    }
    columns = {"attainment": "attainment", "activity": "activity", "coverage": "coverage", "pipeline": "pipeline_coverage"}
    figures = {metric: {r["rep"]: r[column] for r in records_} for metric, column in columns.items() if available[metric]}
    from ..reports.volume import volume_kinds

    if frames.sales is not None:  # the volume objectives the plan sets: each rep's volume attainment
        figures.update({kind: {r["rep"]: r.get(kind) for r in records_} for kind in volume_kinds(ctx)})
    tables, titles = {"dashboard": table}, {"dashboard": f"Dashboard, {ctx.period.label}, as of {ctx.as_of}"}
    if opts.format in (ReportFormat.html, ReportFormat.xlsx):  # the charts' figures, one table each
        from ..reports.dashboard_views import dashboard_views

        more, more_titles = dashboard_views(ctx)
        tables.update(more)
        titles.update(more_titles)
    emit(ctx, opts, Rendered("dashboard", tables, titles, notes=notes, gate_figures=figures))
