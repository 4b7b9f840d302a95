"""Shell completion for bash, zsh and fish.

`salesplan completion SHELL` prints the script to load (typer's, which calls `salesplan` back with
_SALESPLAN_COMPLETE set). Commands, options, report names and choices complete from the CLI itself; rep ids,
team ids, segments, product ranges and --period values from the workspace (--workspace, else the current
folder or the nearest parent holding salesplan.yaml), read cheaply: the plan files' text and salesplan.yaml /
strategy.yaml with the YAML parser, never the exports, never pandas. A workspace that cannot be read completes
nothing (no error is printed while the user presses Tab).

This module is imported by `salesplan --help` (the options name its callbacks): only os, re and pathlib at
the top; everything else inside the functions.
"""

from __future__ import annotations

import os
import re
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

#: The environment variable of click's completion protocol for the `salesplan` program.
COMPLETE_VAR = "_SALESPLAN_COMPLETE"
WORKSPACE_FILE = "salesplan.yaml"  # as plan/load.py (not imported here: it loads pydantic)
#: --period words, as reports/period.py reads them (a month YYYY-MM of the fiscal year is added).
PERIOD_WORDS = ("ytd", "fy", "month", "quarter", "half", "Q1", "Q2", "Q3", "Q4", "H1", "H2",
                "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ID_LINE = re.compile(r"^id:\s*(['\"]?)(?P<id>[^'\"#]+?)\1\s*(#.*)?$", re.M)
#: Rep files read at most (a completion must answer at once).
MAX_REP_FILES = 5000


class Shell(str, Enum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"


def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh or fish.", show_default=False)]) -> None:
    """Print the shell completion script: eval "$(salesplan completion bash)" in ~/.bashrc (see docs/howto/completion.md)."""
    from typer.completion import completion_init, get_completion_script

    completion_init()
    typer.echo(get_completion_script(prog_name="salesplan", complete_var=COMPLETE_VAR, shell=shell.value))
    raise typer.Exit(0)


def answer(app) -> int:
    """Answer a completion request ($_SALESPLAN_COMPLETE set): the candidates on stdout. Accepts typer's
    instructions (complete_bash, source_bash) and click's (bash_complete, bash_source)."""
    from typer.completion import completion_init, shell_complete
    from typer.main import get_command

    instruction = os.environ.get(COMPLETE_VAR, "")
    first, _, second = instruction.partition("_")
    if first in ("bash", "zsh", "fish", "powershell", "pwsh") and second in ("complete", "source"):
        instruction = f"{second}_{first}"  # click's order -> typer's
    completion_init()
    return shell_complete(get_command(app), {}, "salesplan", COMPLETE_VAR, instruction)


# --- candidates read from the workspace -------------------------------------------------------------


def _workspace(ctx) -> Path | None:
    """--workspace of this command or a parent one, else the nearest folder holding salesplan.yaml."""
    while ctx is not None:
        value = (ctx.params or {}).get("workspace")
        if value:
            root = Path(value)
            return root if (root / WORKSPACE_FILE).is_file() else None
        ctx = ctx.parent
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / WORKSPACE_FILE).is_file():
            return folder
    return None


def _yaml(path: Path):
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=loader)  # noqa: S506 - a safe loader


def _matching(values, incomplete: str) -> list[str]:
    folded = incomplete.casefold()
    return [v for v in dict.fromkeys(values) if v.casefold().startswith(folded)]


def rep_ids(root: Path) -> list[str]:
    """The rep ids of reps/*.yaml: each file's `id:` line, else its name."""
    out = []
    folder = root / "reps"
    try:
        paths = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith("."))[:MAX_REP_FILES]
    except OSError:
        return []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found = _ID_LINE.search(text)
        out.append(found.group("id").strip() if found else path.stem)
    return out


def complete_reps(ctx, incomplete):
    try:
        root = _workspace(ctx)
        return _matching(rep_ids(root), incomplete) if root else []
    except Exception:  # never an error while completing
        return []


def complete_teams(ctx, incomplete):
    try:
        root = _workspace(ctx)
        managers = (_yaml(root / WORKSPACE_FILE) or {}).get("managers") or {} if root else {}
        return _matching([str(m) for m in managers], incomplete)
    except Exception:
        return []


def _strategy_keys(ctx, key: str) -> list[str]:
    root = _workspace(ctx)
    if root is None:
        return []
    value = (_yaml(root / "strategy.yaml") or {}).get(key) or {}
    return [str(k) for k in value] if isinstance(value, dict) else []


def complete_segments(ctx, incomplete):
    try:
        return _matching(_strategy_keys(ctx, "segments"), incomplete)
    except Exception:
        return []


def complete_products(ctx, incomplete):
    try:
        return _matching(_strategy_keys(ctx, "products"), incomplete)
    except Exception:
        return []


def fiscal_months(root: Path) -> list[str]:
    """YYYY-MM of the months of the workspace's fiscal year."""
    import datetime as dt

    year = (_yaml(root / WORKSPACE_FILE) or {}).get("fiscal_year") or {}
    start = year.get("start") if isinstance(year, dict) else None
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    if not isinstance(start, dt.date):
        return []
    months = []
    for i in range(12):
        y, m = divmod(start.month - 1 + i, 12)
        months.append(f"{start.year + y}-{m + 1:02d}")
    return months


def complete_periods(ctx, incomplete):
    words = list(PERIOD_WORDS)
    try:
        root = _workspace(ctx)
        if root is not None:
            words += fiscal_months(root)
    except Exception:
        pass
    return _matching(words, incomplete)


def complete_months(ctx, incomplete):
    """pam --month: the months of the fiscal year."""
    try:
        root = _workspace(ctx)
        return _matching(fiscal_months(root), incomplete) if root else []
    except Exception:
        return []
