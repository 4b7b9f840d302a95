"""`salesplan validate`: check the whole workspace, report every finding at once."""

from __future__ import annotations

import os
from enum import Enum
from typing import Annotated

import typer
from rich.console import Console

from .. import exitcodes
from .common import AsOfOption, DataDirOption, WorkspaceOption, as_of_date, data_dirs, display_root, resolve_workspace, use_color


class ValidateFormat(str, Enum):
    auto = "auto"
    human = "human"
    json = "json"
    github = "github"


def validate(
    workspace: WorkspaceOption = None,
    format: Annotated[
        ValidateFormat,
        typer.Option("--format", "-f", help="human, json, github (workflow annotations), or auto: github when GITHUB_ACTIONS=true, else human."),
    ] = ValidateFormat.auto,
    strict: Annotated[bool, typer.Option("--strict", help="Warnings fail too (exit 1).")] = False,
    as_of: AsOfOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Check the plan files: schema, YAML traps, references, sums, organisation, periods, capacity, sign-off; and the data: section with each export's header row."""
    from ..plan.validate import validate_workspace

    root = resolve_workspace(workspace)
    when = as_of_date(as_of)
    result = validate_workspace(root, as_of=when, exports=True, data_dirs=data_dirs(data_dir))
    from .render_diagnostics import render_github, render_human, render_json

    chosen = format
    if chosen is ValidateFormat.auto:
        chosen = ValidateFormat.github if os.environ.get("GITHUB_ACTIONS") == "true" else ValidateFormat.human
    shown = display_root(root)
    if chosen is ValidateFormat.json:
        typer.echo(render_json(result))
    elif chosen is ValidateFormat.github:
        typer.echo(render_github(result, shown))
    else:
        console = Console(highlight=False, no_color=not use_color(), force_terminal=use_color() or None, width=None if use_color() else 200)
        render_human(result, console, shown)
    raise typer.Exit(exitcodes.FINDINGS if result.failed(strict) else exitcodes.OK)
