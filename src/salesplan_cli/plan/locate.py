"""Where a workspace is and which files are its plan: the folder holding salesplan.yaml, and the plan files
`load.py` reads in it. Light on purpose (pathlib only): the command line finds the workspace, and a replayed
report (`cli/replay.py`) hashes its plan files, before pydantic or YAML is imported."""

from __future__ import annotations

from pathlib import Path

WORKSPACE_FILE = "salesplan.yaml"
STRATEGY_FILE = "strategy.yaml"
SEGMENTS_FILE = "segments.yaml"
REPS_DIR = "reps"


class WorkspaceNotFound(Exception):
    """No salesplan.yaml in the given folder or any parent: a usage error."""


def find_workspace(start: Path, explicit: bool = False) -> Path:
    """The folder holding salesplan.yaml: `start` itself when explicit, else it or a parent."""
    start = start.resolve()
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


def rep_plan_files(root: Path) -> list[Path] | None:
    """The rep plan files in reps/, in reading order (every .yaml or .yml file not hidden); None without reps/."""
    folder = root / REPS_DIR
    if not folder.is_dir():
        return None
    return [path for path in sorted(folder.iterdir()) if path.suffix in (".yaml", ".yml") and not path.name.startswith(".")]
