"""One side of a diff: a workspace folder, or a git revision of the current workspace read without a checkout."""

from __future__ import annotations

import datetime as dt
import subprocess
import tempfile
from pathlib import Path, PurePosixPath

from ..plan.load import REPS_DIR, SEGMENTS_FILE, STRATEGY_FILE, WORKSPACE_FILE, load_workspace
from ..plan.validate import check_workspace
from .diff import Side


class SideError(Exception):
    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint


def _is_plan_file(rel: str) -> bool:
    path = PurePosixPath(rel)
    if len(path.parts) == 1:
        return path.name in (WORKSPACE_FILE, STRATEGY_FILE, SEGMENTS_FILE)
    return len(path.parts) == 2 and path.parts[0] == REPS_DIR and path.suffix in (".yaml", ".yml")


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise SideError("git is not installed: a revision cannot be read", "compare two workspace folders instead") from None


def _side_from_folder(folder: Path, label: str, as_of: dt.date) -> Side:
    ws, diags = load_workspace(folder)
    result = check_workspace(ws, diags, as_of)
    return Side(label=label, workspace=ws, findings=result.diagnostics, load_errors=sum(1 for d in diags if d.is_error))


def open_side(spec: str, workspace: Path, as_of: dt.date) -> Side:
    """`spec`: a folder holding salesplan.yaml, or a git revision of the repository `workspace` is in."""
    folder = Path(spec)
    if folder.is_dir():
        if not (folder / WORKSPACE_FILE).is_file():
            raise SideError(f"{spec} is not a workspace: it holds no {WORKSPACE_FILE}", "give a workspace folder or a git revision (HEAD~1, main, a tag)")
        return _side_from_folder(folder.resolve(), spec, as_of)
    top = _git(workspace, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise SideError(
            f"{spec} is neither a folder nor a git revision: {workspace} is not in a git repository",
            "give a workspace folder, or run in a workspace tracked by git",
        )
    commit = _git(workspace, "rev-parse", "--verify", "--quiet", f"{spec}^{{commit}}")
    if commit.returncode != 0 or spec.startswith("-"):
        raise SideError(f"{spec} is neither a folder nor a known git revision", "check the name with 'git log --oneline' or 'git tag'")
    sha = commit.stdout.decode().strip()
    toplevel = Path(top.stdout.decode().strip())
    try:
        prefix = workspace.resolve().relative_to(toplevel.resolve()).as_posix()
    except ValueError:
        raise SideError(f"{workspace} is outside the git repository {toplevel}") from None
    prefix = "" if prefix == "." else prefix
    listed = _git(toplevel, "ls-tree", "-r", "-z", "--name-only", sha, "--", prefix or ".")
    if listed.returncode != 0:
        raise SideError(f"cannot list the files of {spec}: {listed.stderr.decode(errors='replace').strip()}")
    names = [n for n in listed.stdout.decode("utf-8", errors="surrogateescape").split("\0") if n]
    rels = {}
    for name in names:
        rel = name[len(prefix) + 1 :] if prefix else name
        if _is_plan_file(rel):
            rels[rel] = name
    where = prefix or "the repository root"
    if WORKSPACE_FILE not in rels:
        raise SideError(f"revision {spec} has no workspace at {where}: no {WORKSPACE_FILE} there", "pick a revision where the workspace existed")
    with tempfile.TemporaryDirectory(prefix="salesplan-diff-") as tmp:
        root = Path(tmp)
        (root / REPS_DIR).mkdir()
        for rel, name in rels.items():
            blob = _git(toplevel, "cat-file", "blob", f"{sha}:{name}")
            if blob.returncode != 0:
                raise SideError(f"cannot read {name} at {spec}: {blob.stderr.decode(errors='replace').strip()}")
            (root / rel).write_bytes(blob.stdout)
        side = _side_from_folder(root, spec, as_of)
    return side
