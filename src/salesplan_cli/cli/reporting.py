"""What every report command (`salesplan report ...`, `salesplan review`) shares: its options, `prepare` (the
workspace checked, the exports read, the period resolved) and `emit` (render, write, intake account, gates)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import exitcodes
from .common import as_of_date, data_dirs, err, fail_usage, resolve_workspace
from .candidates import complete_periods, complete_products, complete_reps, complete_segments, complete_teams
from .exports import NO_AMOUNTS, print_intake, command_of, fail_damaged, read_exports, valid_workspace, workspace_keeping_going
from . import replay
from .formats import Options, Rendered, ReportFormat, markdown_named_md


PeriodOption = Annotated[
    Optional[str],
    typer.Option(
        "--period",
        "-p",
        metavar="PERIOD",
        autocompletion=complete_periods,
        help="ytd (default), fy, month, quarter, half, Q1..Q4, H1, H2, jan..dec, YYYY-MM, or YYYY-MM-DD..YYYY-MM-DD.",
    ),
]
RepFilter = Annotated[Optional[list[str]], typer.Option("--rep", "-r", metavar="REP", autocompletion=complete_reps, help="Only this rep (repeat for several).")]
TeamFilter = Annotated[Optional[str], typer.Option("--team", metavar="MANAGER", autocompletion=complete_teams, help="Only the reps of this manager.")]
SegmentFilter = Annotated[Optional[str], typer.Option("--segment", metavar="SEGMENT", autocompletion=complete_segments, help="Only this segment.")]
ProductFilter = Annotated[Optional[str], typer.Option("--product", metavar="RANGE", autocompletion=complete_products, help="Only this product range.")]
ByOption = Annotated[Optional[str], typer.Option("--by", metavar="DIMS", help="Group rows by these dimensions, comma-separated (see each report).")]
FormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", callback=markdown_named_md, help="table, json, csv, markdown (GitHub job summaries; md is accepted), html (one self-contained page with charts) or xlsx (a workbook, needs --output).")]
OutputOption = Annotated[Optional[Path], typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of the terminal.")]
FailUnderOption = Annotated[
    Optional[list[str]],
    typer.Option("--fail-under", metavar="METRIC=VALUE", help="Exit 1 when a rep's figure is below: attainment=80%, coverage=60%, activity=70%, pipeline=2; volume objectives: new_customers=80%, deals_won=80%, units=80%. Repeatable."),
]
CheckOption = Annotated[bool, typer.Option("--check", help="Exit 1 when a rep's figure is below the workspace's thresholds (the CI gate).")]
TopOption = Annotated[int, typer.Option("--top", min=1, metavar="N", help="How many accounts or deals to list per rep.")]
KeepGoingOption = Annotated[
    bool,
    typer.Option("--keep-going", help="A rep plan with errors does not stop the report: the other reps are reported, the ones left out listed with their findings, exit 1. Errors outside rep files still stop it (exit 2)."),
]


def prepare(opts: Options, command: str = "salesplan report", keep_damaged: bool = False):
    """Load, validate, read exports and resolve the period; exit 2 on bad input."""
    from ..reports.context import Filters, ReportContext
    from ..reports.period import PeriodError, resolve_period

    if opts.format is ReportFormat.xlsx and opts.output is None:
        fail_usage("--format xlsx writes a workbook, not text for the terminal", "add --output FILE.xlsx")
    root = resolve_workspace(opts.workspace)
    as_of = as_of_date(opts.as_of)
    if opts.keep_going:
        ws, opts.left_out = workspace_keeping_going(root, as_of, command)
    else:
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
        if rep in {item.rep for item in opts.left_out}:
            fail_usage(f"--rep {rep}: this rep is left out, its plan has errors", "fix its plan file (salesplan validate), or leave --rep out")
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
    from ..reports.gates import GateError, breaches, requested_gates, unchecked_notes
    from ..reports.volume import volume_kinds
    from .render import render

    volume = volume_kinds(ctx)
    try:
        gates = requested_gates(ctx.ws.settings.thresholds, volume, opts.check, opts.fail_under)
    except GateError as exc:
        fail_usage(f"--fail-under {exc}")
    found = breaches(rendered.gate_figures, gates)
    from ..intake.currency import conversion_notes

    # the rates used go with every report that shows amounts (stderr says it where the output has no notes)
    noted = rendered.report not in NO_AMOUNTS and opts.format is not ReportFormat.csv
    if rendered.report not in NO_AMOUNTS:
        read = amount_exports(rendered.report, ctx.frames.sales_from_opportunities)
        reports = [r for r in ctx.frames.reports if read is None or r.kind in read]
        rendered.notes = [*rendered.notes, *conversion_notes(reports, missing=rendered.report == "intake")]
    if opts.left_out:
        from ..plan.keepgoing import PLAN_FIGURES_NOTE

        rendered.notes = [*rendered.notes, *(f"left out (plan errors): {item.rep}: {item.reason()}" for item in opts.left_out), PLAN_FIGURES_NOTE]
    text = render(ctx, opts, rendered, found, to_terminal=opts.output is None)
    if opts.output is not None and opts.format is ReportFormat.html and rendered.report == "dashboard":
        from .render_html.split import PAGE_LIMIT, write_team_pages

        if len(text.encode("utf-8")) > PAGE_LIMIT:
            text = write_team_pages(ctx, opts.output, rendered, found)
    if opts.output is not None:
        _write_output(ctx, opts.output, text)
        err(f"wrote {opts.output}")
    elif text is not None:
        replay.wrote(text)
    print_intake(ctx, converted_noted=noted)
    for note in getattr(getattr(ctx.frames, "store", None), "notes", ()):  # derived figures of the cache not readable: rewritten
        err(f"note: {note}")
    if getattr(ctx.frames, "damage", None):
        fail_damaged(ctx.frames.damage, ctx.ws.root, command_of(rendered.report))
    if opts.left_out:  # exit 1 at the end (a gate breach gives 1 too)
        err(f"salesplan report: {len(opts.left_out)} rep{'s' if len(opts.left_out) != 1 else ''} left out for plan errors (--keep-going): {', '.join(item.rep for item in opts.left_out)}")
    if gates:
        for note in unchecked_notes(gates, rendered.gate_figures, rendered.report, volume):
            err(note)
        for breach in found:
            err(f"breach: {breach.describe()}")
        if found:
            err(f"salesplan report: {len(found)} breach{'es' if len(found) != 1 else ''}")
            _end(ctx, opts, exitcodes.FINDINGS)
    _end(ctx, opts, exitcodes.FINDINGS if opts.left_out else exitcodes.OK)


def _end(ctx, opts: Options, code: int):
    """Exit with `code`, the run kept to be replayed when it may be (cli/replay.py)."""
    replay.finish(ctx, opts, code)
    raise typer.Exit(code)


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
    """Call a report function (its name on a terminal meanwhile); a ValueError is a usage error (a --by the
    data cannot answer)."""
    from .progress import stages

    try:
        with stages(f"computing {function.__name__.replace('_', ' ')}"):
            return function(*args, **kwargs)
    except ValueError as exc:
        fail_usage(str(exc))


