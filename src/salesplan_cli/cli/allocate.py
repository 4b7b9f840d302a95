"""`salesplan allocate`: share the strategy out to the reps, exact to the unit, written into the rep files."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer

from .. import exitcodes
from .common import WorkspaceOption, _check_date, _parse_date, as_of_date, display_path, display_root, err, fail_usage, resolve_workspace
from .render_replan import DiffFormat, show_diff


class AllocateBy(str, Enum):
    equal = "equal"
    capacity = "capacity"
    accounts = "accounts"
    sales = "sales"


def allocate(
    by: Annotated[AllocateBy, typer.Option("--by", help="Basis: equal per rep in post, capacity (actions per year), accounts (portfolio accounts per segment), sales (last fiscal year's sales per segment).")] = AllocateBy.equal,
    unit: Annotated[int, typer.Option("--unit", metavar="N", help="Amounts in whole multiples of N (e.g. 1000); the reps' sum still equals the strategy exactly.")] = 1,
    start: Annotated[Optional[str], typer.Option("--from", metavar="DATE", callback=_check_date, help="Re-allocate from this date (the 1st of a month): months before it keep their objectives; the rest is written as a periods: breakdown.")] = None,
    rep: Annotated[Optional[list[str]], typer.Option("--rep", "-r", metavar="REP", help="Only rewrite this rep (repeat for several).")] = None,
    team: Annotated[Optional[str], typer.Option("--team", metavar="MANAGER", help="Only rewrite the reps of this manager.")] = None,
    segment: Annotated[Optional[list[str]], typer.Option("--segment", metavar="SEGMENT", help="Only allocate this segment (repeat for several); the others stay.")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the change as salesplan diff would, write nothing.")] = False,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="How the change is shown: table, json or markdown.")] = DiffFormat.table,
    workspace: WorkspaceOption = None,
) -> None:
    """Allocate the strategy's targets to the reps (top-down, largest remainder) and write them into the rep files."""
    from ..plan.validate import validate_workspace
    from ..replan.allocate import AllocationError, Request, allocate as run_allocation
    from ..replan.apply import outcome
    from ..replan.diff import Side
    from ..replan.yamledit import EditError, StaleFile, write_edits

    root = resolve_workspace(workspace)
    when = as_of_date(None)
    result = validate_workspace(root, as_of=when)
    if result.skipped:  # sum and period findings are what allocate repairs; anything that stops the checks is not
        first = next((d for d in result.diagnostics if d.is_error), None)
        reason = f" ({first.location()}: {first.code} {first.message})" if first else ""
        fail_usage(
            f"the workspace has errors that stop the plan checks{reason}; allocate needs plan files that load and add up",
            "fix them first (salesplan validate), then allocate",
        )
    ws = result.workspace
    request = Request(by=by.value, unit=unit, start=_parse_date(start), reps=list(rep or []), team=team, segments=list(segment or []))
    sales = _sales(ws) if by is AllocateBy.sales else None
    try:
        allocation = run_allocation(ws, request, sales)
        done = outcome(root, Side("the plan now", ws, result.diagnostics), allocation, when)
    except AllocationError as exc:
        fail_usage(exc.message, exc.hint)
    except EditError as exc:
        fail_usage(f"a rep file cannot be edited in place: {exc}", "write targets:, periods:, products: and volume: as one-line or block mappings of plain values")
    if done.new_errors:
        show_diff(done.diff, format)
        fail_usage(
            f"the allocation would introduce {len(done.new_errors)} error finding(s) (listed above); nothing written",
            "widen the selection (--team, --rep, --segment) so the sums can close, or fix the plan first",
        )
    notes = list(allocation.notes)
    shown = display_root(root)
    if not done.edits and format is not DiffFormat.json:
        typer.echo("nothing to change: the rep files already carry this allocation")
        raise typer.Exit(exitcodes.OK)
    if dry_run:
        notes.append(f"dry run: {len(done.edits)} file(s) would be rewritten; nothing written")
    else:
        try:
            write_edits(root, done.edits)
        except StaleFile as exc:
            fail_usage(f"{exc} changed since it was read; nothing written", "run salesplan allocate again")
        except OSError as exc:
            fail_usage(f"cannot write the rep files: {exc.strerror or exc}", "check the folder's permissions and free space")
    show_diff(done.diff, format, extra={"files": [display_path(shown, rel) for rel in done.edits], "written": not dry_run}, notes=notes)
    if dry_run:
        raise typer.Exit(exitcodes.OK)
    if format is DiffFormat.table:
        for rel in done.edits:
            err(f"wrote {display_path(shown, rel)}")
    raise typer.Exit(exitcodes.OK)


def _sales(ws) -> dict:
    """Last fiscal year's sales per (rep, segment), from the sales export; exit 2 when there is none."""
    from ..intake.load import load_exports
    from ..replan.apply import last_year_sales

    data = ws.settings.data
    if data is None or not data.sources("sales"):
        fail_usage("--by sales needs the sales export, and salesplan.yaml declares none (data: sales:)", "declare data: sales: {path: ...}, or choose another --by")
    frames, problems = load_exports(ws)
    if frames is None or frames.sales is None:
        reason = problems[0].message if problems else "no sales could be read"
        fail_usage(f"--by sales: the exports cannot be read: {reason}", "run salesplan validate and salesplan report attainment to see why")
    sales = last_year_sales(ws, frames)
    if not sales:
        start = ws.settings.fiscal_year.start
        fail_usage(
            f"--by sales: the sales export has no sale of a planned rep dated in the last fiscal year ({start.replace(year=start.year - 1).isoformat()} to the day before {start.isoformat()})",
            "export last year's invoices too, or choose another --by",
        )
    return sales
