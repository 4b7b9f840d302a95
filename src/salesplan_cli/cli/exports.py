"""Opening a workspace for a command that reads CRM exports: the plan checked, the exports read (exit 2 when
they cannot be, or are damaged), and the intake account printed on stderr. Shared by report, review and pam."""

from __future__ import annotations

from pathlib import Path

import typer

from .. import exitcodes
from .common import display_root, err, use_color


def valid_workspace(root: Path, as_of, command: str):
    """The loaded workspace; its findings on stderr and exit 2 when the plan has errors."""
    from ..intake.workspace import check_plan

    plan = check_plan(root, as_of)
    if not plan.ok:
        from rich.console import Console

        from .render_diagnostics import render_human

        console = Console(stderr=True, highlight=False, no_color=not use_color(), width=None if use_color() else 200)
        render_human(plan.result, console, display_root(root))
        err(f"{command}: the plan has errors; fix them first (salesplan validate)")
        raise typer.Exit(exitcodes.USAGE)
    return plan.workspace


def workspace_keeping_going(root: Path, as_of, command: str):
    """`--keep-going`: the workspace without the reps whose plan files have errors, and those reps (plan/keepgoing.py).
    Their findings go to stderr; errors outside rep files stop the command as valid_workspace does (exit 2)."""
    from ..intake.workspace import check_plan
    from ..plan.keepgoing import keep_going

    result = check_plan(root, as_of).result
    if not result.errors:
        return result.workspace, []
    kept = keep_going(result.workspace, result.diagnostics)
    from rich.console import Console

    from .render_diagnostics import render_human

    console = Console(stderr=True, highlight=False, no_color=not use_color(), width=None if use_color() else 200)
    if kept.workspace is None:
        render_human(result, console, display_root(root))
        why = "errors outside the rep files (salesplan.yaml, strategy.yaml, segments.yaml) stop every report" if kept.blocking or not kept.left_out else "every rep plan has errors"
        err(f"{command}: the plan has errors; --keep-going cannot help: {why}; fix them first (salesplan validate)")
        raise typer.Exit(exitcodes.USAGE)
    from dataclasses import replace

    render_human(replace(result, diagnostics=[d for d in result.diagnostics if d.is_error]), console, display_root(root))
    names = ", ".join(item.rep for item in kept.left_out)
    err(f"{command}: --keep-going: {len(kept.left_out)} rep{'s' if len(kept.left_out) != 1 else ''} left out for plan errors: {names}")
    return kept.workspace, kept.left_out


def read_exports(ws, root: Path, hint: str = "", data_dirs: tuple[Path, ...] = (), keep_damaged: bool = False, command: str = "salesplan report"):
    """The canonical frames of the workspace's exports; each problem on stderr and exit 2 when one cannot be read,
    when an export path leads outside the workspace (and the allowed `data_dirs`), or when an export is damaged
    (too many rows rejected, a record over many lines): then the intake account is printed first, unless
    `keep_damaged` (report intake: it shows the account, then fails)."""
    from ..intake.load import export_files

    data = _read_with_progress(ws, root, export_files(ws), data_dirs)
    for note in data.notes:
        err(f"note: {note}")
    if data.notes:  # about the cache: said once, never replayed
        from .replay import taint

        taint()
    if data.refused or data.problems:
        _print_diagnostics(data.refused or data.problems, root, hint)
        raise typer.Exit(exitcodes.USAGE)
    frames = data.frames
    if frames.damage and not keep_damaged:
        from types import SimpleNamespace

        print_intake(SimpleNamespace(frames=frames, ws=ws))
        fail_damaged(frames.damage, root, command, hint)
    return frames


def fail_damaged(found, root: Path, command: str, hint: str = ""):
    """The damage found in the exports on stderr, and exit 2."""
    _print_diagnostics(found, root, "")
    err(f"{command}: {len(found)} damaged export{'s' if len(found) != 1 else ''}: no report is drawn from them; fix the export or its settings (rows listed by: salesplan report intake)")
    if hint:
        err(hint)
    raise typer.Exit(exitcodes.USAGE)


def _print_diagnostics(diags, root: Path, hint: str = "") -> None:
    shown = display_root(root)
    for d in diags:
        err(d.headline().replace(d.file, f"{shown}/{d.file}" if shown and not d.file.startswith("/") else d.file, 1))
        if d.hint:
            err(f"  hint: {d.hint}")
    if hint:
        err(hint)


def _file_size(path: Path) -> int:
    """Size of a regular file; 0 for anything else, or a path that cannot be stat'ed (the reader says why)."""
    try:
        return path.stat().st_size if path.is_file() else 0
    except (OSError, ValueError):
        return 0


#: Exports smaller than this in total are read without a progress bar (it would only flicker).
PROGRESS_BYTES = 5_000_000


def _read_with_progress(ws, root: Path, files, data_dirs):
    """read_data, with a bar on a terminal for large exports: bytes read, the file being read, then the frames built."""
    from ..intake.workspace import read_data
    from .progress import shown

    total = sum(_file_size(path) for _, path in files)
    if not (shown() and total > PROGRESS_BYTES):
        return read_data(ws, root, data_dirs)
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    names = [str(path.name) for _, path in files]
    with Progress(TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=Console(stderr=True), transient=True, redirect_stdout=False, redirect_stderr=False) as bar:
        task = bar.add_task("reading the exports (or their cache)", total=total)
        done = [0]

        def advance(kind, path):
            done[0] += 1
            following = f"reading {names[done[0]]}" if done[0] < len(names) else "building the frames (owners, stages, accounts, segments)"
            bar.update(task, advance=_file_size(path), description=following)

        return read_data(ws, root, data_dirs, progress=advance)


#: Reports that show no amount: the notes on currency conversion are left out of them (stderr still says it).
NO_AMOUNTS = ("activity", "coverage")


def command_of(report: str) -> str:
    return "salesplan review" if report == "review" else "salesplan report"


def print_intake(ctx, converted_noted: bool = False) -> None:
    """The intake account on stderr: rows used of rows read per export (with the rates used, unless the
    report's own notes carry them, and the currencies without a rate), the owners matching no rep, the
    unknown activity statuses, and the fallbacks taken for missing columns."""
    from ..intake.activity_status import unknown_status_notes
    from ..intake.currency import conversion_notes
    from ..intake.loud import summary_lines

    lines = summary_lines(ctx.frames)
    for report, line in zip(ctx.frames.reports, lines):
        err(line)
        for note in conversion_notes([report], converted=not converted_noted):
            err(f"  {note}")
    for line in lines[len(ctx.frames.reports) :]:
        err(line)
    for line in unknown_status_notes(ctx.frames.reports):
        err(f"  {line}")
    if getattr(ctx, "ws", None) is not None:
        from ..intake.owners import unmatched_owner_lines

        for line in unmatched_owner_lines(ctx.ws, ctx.frames):
            err(line)
    for note in intake_notes(ctx):
        err(f"note: {note}")


def intake_notes(ctx) -> list[str]:
    """The fallbacks the reports take for columns the exports lack, one line each (computed once per run)."""
    from ..intake.loud import fallback_notes

    known = getattr(ctx, "_intake_notes", None)  # the report's output and the intake account both print them
    if known is not None:
        return list(known)
    ws = getattr(ctx, "ws", None)
    products = bool(ws is not None and ws.strategy is not None and ws.strategy.products)
    notes = fallback_notes(ctx.frames, ws.settings.data if ws is not None and ws.settings else None, products)
    try:
        ctx._intake_notes = tuple(notes)
    except AttributeError:  # a context that takes no attribute: computed each time
        pass
    return notes
