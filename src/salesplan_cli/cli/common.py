"""Options shared by several commands, defined once, and helpers every command uses."""

from __future__ import annotations

import datetime as dt
import os
import re
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import exitcodes

WorkspaceOption = Annotated[
    Optional[Path],
    typer.Option(
        "--workspace",
        "-w",
        help="Workspace folder (holding salesplan.yaml). Default: the current folder or the nearest parent that has one.",
        show_default=False,
    ),
]


DataDirOption = Annotated[
    Optional[list[Path]],
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help="Also read exports from this folder outside the workspace (repeatable; also $SALESPLAN_DATA_DIRS). Export paths are otherwise refused outside the workspace.",
        show_default=False,
    ),
]


def data_dirs(option: Optional[list[Path]]) -> tuple[Path, ...]:
    """Folders outside the workspace that exports may come from: --data-dir options, then $SALESPLAN_DATA_DIRS
    (os.pathsep-separated). Set by whoever runs the command, never by a setting of the workspace."""
    from ..intake.load import ENV_DATA_DIRS

    env = [Path(part) for part in os.environ.get(ENV_DATA_DIRS, "").split(os.pathsep) if part.strip()]
    return tuple(dict.fromkeys([*(option or []), *env]))


def _parse_date(value: Optional[str]) -> Optional[dt.date]:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date; write YYYY-MM-DD, e.g. 2027-03-31") from None


def _check_date(value: Optional[str]) -> Optional[str]:
    _parse_date(value)
    return value


AsOfOption = Annotated[
    Optional[str],
    typer.Option(
        "--as-of",
        callback=_check_date,
        help="The day to judge as of, YYYY-MM-DD: reviews due (validate), actuals up to this day (reports). Default: today.",
        show_default=False,
        metavar="DATE",
    ),
]


class TableFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    markdown = "markdown"
    md = "md"  # accepted for markdown


def markdown_named_md(value):
    """--format md is --format markdown (one vocabulary of format names across commands)."""
    return TableFormat.markdown if value is TableFormat.md else value


def as_of_date(value: Optional[str]) -> dt.date:
    return _parse_date(value) or dt.date.today()


def resolve_workspace(option: Optional[Path]) -> Path:
    """The workspace root, or exit 2 with a clear message."""
    from ..plan.locate import WorkspaceNotFound, find_workspace

    try:
        return find_workspace(option if option is not None else Path.cwd(), explicit=option is not None)
    except WorkspaceNotFound as exc:
        fail_usage(f"{exc}", "run inside a workspace, pass --workspace PATH, or create one with 'salesplan init'")


def fail_usage(message: str, hint: str = "") -> "typer.Exit":
    err(f"salesplan: error: {message}")
    if hint:
        err(f"hint: {hint}")
    raise typer.Exit(exitcodes.USAGE)


#: While a report run is recorded to be replayed (cli/replay.py): the events it has printed, each line said
#: on stderr appended as ["err", text].
recording: list | None = None


def err(text: str) -> None:
    if sys.stderr is not None:  # started with stderr closed (`2>&-`): the report still goes to stdout
        sys.stderr.write(clean(text) + "\n")
    if recording is not None:
        recording.append(["err", text])


#: C0/C1 controls (terminal escapes) and the bidirectional overrides and isolates that reorder what a
#: terminal shows (U+202A-U+202E, U+2066-U+2069: a name could display as another one).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Strip control characters (terminal escapes, bidirectional overrides) from text that may come from files."""
    return _CONTROL.sub("", text)


def display_root(root: Path) -> str:
    """How to show the workspace folder: relative to the current folder when inside it."""
    try:
        rel = root.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return str(root)
    return "" if str(rel) == "." else rel.as_posix()


def display_path(root_shown: str, rel: str) -> str:
    return f"{root_shown}/{rel}" if root_shown else rel


def use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
