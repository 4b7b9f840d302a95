"""Where a workspace is and which files are its plan: the folder holding salesplan.yaml, and the plan files
`load.py` reads in it. Light on purpose (os and pathlib only): the command line finds the workspace, and a replayed
report (`cli/replay.py`) hashes its plan files, before pydantic or YAML is imported."""

from __future__ import annotations

import os
from pathlib import Path

WORKSPACE_FILE = "salesplan.yaml"
STRATEGY_FILE = "strategy.yaml"
SEGMENTS_FILE = "segments.yaml"
REPS_DIR = "reps"


class WorkspaceNotFound(Exception):
    """No salesplan.yaml in the given folder or any parent: a usage error."""


def find_workspace(start: Path, explicit: bool = False) -> Path:
    """The folder holding salesplan.yaml: `start` itself when explicit, else it or a parent."""
    try:
        start = start.resolve()
    except (OSError, RuntimeError) as exc:  # a link loop (RuntimeError before Python 3.13), a folder gone
        raise WorkspaceNotFound(f"{start} cannot be resolved: {exc}") from None
    if explicit:
        if not start.is_dir():
            raise WorkspaceNotFound(f"{start} is not a folder")
        if not (start / WORKSPACE_FILE).exists():
            raise WorkspaceNotFound(f"{start} holds no {WORKSPACE_FILE}")
        return start
    for folder in [start, *start.parents]:
        if (folder / WORKSPACE_FILE).exists():
            return folder
    raise WorkspaceNotFound(f"no {WORKSPACE_FILE} in {start} or any folder above it")


def rep_plan_names(root: Path) -> list[str] | None:
    """The names of the rep plan files in reps/, in reading order (every .yaml or .yml file not hidden, sorted as
    pathlib sorts them); None without reps/."""
    folder = os.path.join(root, REPS_DIR)
    if not os.path.isdir(folder):  # absent, not a folder, or a link that leads nowhere (a loop)
        return None
    names = os.listdir(folder)
    return sorted((name for name in names if name.endswith((".yaml", ".yml")) and not name.startswith(".")), key=os.path.normcase)


def rep_plan_files(root: Path) -> list[Path] | None:
    """The rep plan files in reps/ (`rep_plan_names`), as paths; None without reps/."""
    names = rep_plan_names(root)
    if names is None:
        return None
    folder = root / REPS_DIR
    return [folder / name for name in names]


def plan_file_names(root: Path) -> tuple[list[str], bool]:
    """The names (relative to `root`) of the plan files load.py reads, in its order, whether they exist or not,
    and whether reps/ exists."""
    reps = rep_plan_names(root)
    return [WORKSPACE_FILE, STRATEGY_FILE, SEGMENTS_FILE, *(f"{REPS_DIR}/{name}" for name in reps or [])], reps is not None
