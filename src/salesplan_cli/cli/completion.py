"""Shell completion for bash, zsh and fish: `salesplan completion SHELL` prints the script to load (typer's,
which calls `salesplan` back with _SALESPLAN_COMPLETE set), and `answer` replies to that call.

Commands, options, report names and choices complete from the CLI itself; the values read from the workspace
(rep ids, teams, segments, product ranges, periods) come from the callbacks of cli/candidates.py.
Imported by `salesplan --help`: typer's completion machinery is imported inside the functions only.
"""

from __future__ import annotations

import os
from enum import Enum
from typing import Annotated

import typer

#: The environment variable of click's completion protocol for the `salesplan` program.
COMPLETE_VAR = "_SALESPLAN_COMPLETE"


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
