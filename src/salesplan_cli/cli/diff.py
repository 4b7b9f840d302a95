"""`salesplan diff`: what changed between two versions of a plan, in plan terms."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import exitcodes
from .common import AsOfOption, WorkspaceOption, as_of_date, fail_usage, resolve_workspace
from .render_replan import DiffFormat, show_diff


def diff(
    old: Annotated[str, typer.Argument(show_default=False, help="The version before: a workspace folder, or a git revision of the workspace (HEAD~1, main, a tag).")],
    new: Annotated[Optional[str], typer.Argument(show_default=False, help="The version after, the same way. Default: the workspace folder as it is now.")] = None,
    workspace: WorkspaceOption = None,
    format: Annotated[DiffFormat, typer.Option("--format", "-f", help="table, json, or markdown (fit for a pull-request comment).")] = DiffFormat.table,
    exit_code: Annotated[bool, typer.Option("--exit-code", help="Exit 1 when there is a difference (like git diff --exit-code).")] = False,
    as_of: AsOfOption = None,
) -> None:
    """Compare two versions of the plan: strategy, reps, objectives, portfolios, sign-offs, sums and findings."""
    from ..replan.diff import plan_diff
    from ..replan.sources import SideError, open_side

    # two folders need no current workspace; a revision (or no NEW) is read from the workspace's git history
    folders = new is not None and Path(old).is_dir() and Path(new).is_dir()
    root = resolve_workspace(workspace) if workspace is not None or not folders else Path.cwd()
    when = as_of_date(as_of)
    try:
        before = open_side(old, root, when)
        after = open_side(new, root, when) if new is not None else open_side(str(root), root, when)
    except SideError as exc:
        fail_usage(exc.message, exc.hint)
    if new is None:
        after.label = "the workspace"
    for side in (before, after):
        if not side.workspace.complete:
            first = next((d for d in side.findings if d.is_error), None)
            reason = f": {first.location()}: {first.message}" if first else ""
            fail_usage(f"{side.label}: the workspace does not load{reason}", "fix salesplan.yaml, strategy.yaml and segments.yaml there (salesplan validate)")
    result = plan_diff(before, after)
    show_diff(result, format)
    raise typer.Exit(exitcodes.FINDINGS if exit_code and result.changed else exitcodes.OK)
