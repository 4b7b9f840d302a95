"""`salesplan plan`: how the strategy breaks down into each individual plan."""

from __future__ import annotations

from enum import Enum
from typing import Annotated, Optional

import typer
from rich.console import Console

from .. import exitcodes
from .common import TableFormat, markdown_named_md, WorkspaceOption, display_root, fail_usage, resolve_workspace, use_color


class PlanBy(str, Enum):
    segment = "segment"
    product = "product"
    quarter = "quarter"
    month = "month"


def plan(
    workspace: WorkspaceOption = None,
    rep: Annotated[Optional[list[str]], typer.Option("--rep", "-r", metavar="REP", help="Only this rep (repeat for several).")] = None,
    team: Annotated[Optional[str], typer.Option("--team", metavar="MANAGER", help="Only the reps of this manager (a manager id from salesplan.yaml).")] = None,
    by: Annotated[PlanBy, typer.Option("--by", help="Break objectives down by segment, product, quarter or month.")] = PlanBy.segment,
    format: Annotated[TableFormat, typer.Option("--format", "-f", callback=markdown_named_md, help="table, json, csv or markdown (md is accepted).")] = TableFormat.table,
) -> None:
    """Show each rep's objective by segment, product or period, with totals against the strategy."""
    from ..plan.breakdown import plan_breakdown
    from ..plan.validate import validate_workspace
    from .render_diagnostics import render_human
    from .render_table import to_csv, to_json, to_markdown, to_rich

    root = resolve_workspace(workspace)
    result = validate_workspace(root)
    if result.errors:
        console = Console(stderr=True, highlight=False, no_color=not use_color(), width=None if use_color() else 200)
        render_human(result, console, display_root(root))
        console.print("salesplan plan: the workspace has errors; fix them first (salesplan validate)")
        raise typer.Exit(exitcodes.FINDINGS)
    ws = result.workspace
    known = {r.id for r in ws.reps.values()} | set(ws.reps)
    for wanted in rep or []:
        if wanted not in known:
            fail_usage(f"unknown rep '{wanted}'", "known reps: " + ", ".join(sorted(known)))
    if team is not None and team not in ws.settings.managers:
        fail_usage(f"unknown team '{team}'", "teams are managers' ids: " + ", ".join(sorted(ws.settings.managers)))
    table = plan_breakdown(ws, by=by.value, reps=rep, team=team)
    numeric = {"prorated", *table.columns, "total"}
    if format is TableFormat.json:
        typer.echo(to_json({"title": table.title, "currency": table.currency, "columns": table.all_columns, "rows": table.rows, "notes": table.notes}))
    elif format is TableFormat.csv:
        typer.echo(to_csv(table.all_columns, table.rows), nl=False)
    elif format is TableFormat.markdown:
        typer.echo(to_markdown(table.title, table.all_columns, _percent_shown(table.rows), table.notes, numeric), nl=False)
    else:
        shown = _percent_shown(table.rows)
        console = Console(highlight=False, no_color=not use_color(), width=None if use_color() else 200)
        to_rich(console, table.title, table.all_columns, shown, table.notes, numeric, emphasis={"total": "bold", "strategy": "bold cyan", "gap": "magenta"})
    raise typer.Exit(exitcodes.OK)


def _percent_shown(rows: list[dict]) -> list[dict]:
    """Rows for people: the prorated share as a percentage."""
    return [r | {"prorated": f"{r['prorated']:.0%}" if r["prorated"] is not None else ""} for r in rows]
