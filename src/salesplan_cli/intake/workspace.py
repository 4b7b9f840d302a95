"""Opening a workspace for a command that reads data: the plan checked (once per content), then the CRM exports
read into canonical frames (from the cache when unchanged), as values a command renders.

Every command that needs data (report, review, pam) comes through here, so the plan check, the cache and the
refusals are the same everywhere:

    plan = check_plan(root, as_of)             # the plan loaded and checked; errors are findings, not exits
    data = read_data(plan.workspace, root)     # frames, or the problems that stop a report
    opened = open_workspace(root, as_of)       # both, the exports read only when the plan has no error
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic
from ..plan.checked import check_once
from ..plan.model import Workspace
from ..plan.validate import ValidationResult
from .frameset import Frames


@dataclass
class PlanCheck:
    """The plan as loaded, every finding of its check, and whether the findings came from the cache."""

    result: ValidationResult
    reused: bool = False

    @property
    def workspace(self) -> Workspace:
        return self.result.workspace

    @property
    def ok(self) -> bool:
        return not self.result.errors


@dataclass
class DataRead:
    """The frames of the exports, or why there are none.

    `refused`: export paths out of the workspace (nothing read); `problems`: exports that could not be read;
    `damage`: exports read but damaged (too many rows rejected, a record over many lines): no report may be
    drawn from them, though the intake account can be shown; `notes`: what the reader wants said (a damaged
    cache entry rebuilt)."""

    frames: Frames | None = None
    refused: list[Diagnostic] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def damage(self) -> list[Diagnostic]:
        return list(self.frames.damage) if self.frames is not None else []

    @property
    def ok(self) -> bool:
        return self.frames is not None and not self.refused and not self.problems and not self.damage


@dataclass
class Opened:
    plan: PlanCheck
    data: DataRead | None = None  # None: the plan has errors, the exports were not read


def check_plan(root: Path, as_of: dt.date) -> PlanCheck:
    """The workspace at `root` loaded and checked; the check's findings are reused while the plan files, the
    as-of date and the code are unchanged (in the cache folder, for workspaces whose exports are cached)."""
    from . import cache

    result, reused = check_once(root, as_of, cache.cache_folder(root), worth=cache.worth_caching)
    return PlanCheck(result=result, reused=reused)


def read_data(ws: Workspace, root: Path, data_dirs: Sequence[Path] = (), progress: Callable | None = None) -> DataRead:
    """The canonical frames of the workspace's exports, from the cache when the exports and the plan are unchanged.

    `progress(kind, path)`, when given, is called after each export file is read (not when the cache serves)."""
    from . import cache
    from .derived import DerivedStore
    from .load import export_path_problems, load_exports
    from .loud import damage

    refused = export_path_problems(ws, data_dirs)  # before the cache: its key would read the files
    if refused:
        return DataRead(refused=refused)
    out = DataRead()
    folder = cache.cache_folder(root)
    hashed: list = []
    key = cache.cache_key(ws, folder, hashed) if folder is not None and cache.worth_caching(ws) else None
    frames = cache.load(folder, key) if key is not None else None
    if frames is None and key is not None and _exists(folder / key):
        out.notes.append(f"the cache of parsed exports ({folder / key}) could not be read (damaged or cut short): the exports are read again and the cache rewritten")
    if frames is None:
        frames, problems = load_exports(ws, progress=progress, data_dirs=data_dirs)
        if problems:
            out.problems = problems
            return out
        if key is not None and not _as_hashed(ws, folder, hashed, frames):
            key = None  # an export changed while it was read: the frames may be of either content, not kept
        if key is not None and cache.store(folder, key, frames):
            frames.store = DerivedStore(folder / key, cache.plan_digest(ws))
    elif key is not None:
        frames.store = DerivedStore(folder / key, cache.plan_digest(ws))
    frames.damage = damage(ws.settings.data, frames.reports)
    if key is not None:
        frames.hashed = hashed
    out.frames = frames
    return out


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a cache folder that cannot be searched (another user's): as if empty
        return False


def _as_hashed(ws: Workspace, folder, hashed: list, frames: Frames) -> bool:
    """Whether the exports read are those the cache key hashed before they were read: the same files declared
    and matched, no other file read (a file a glob matched only while the exports were read), and each not
    written since it was hashed (its size, times and inode as they were: even back to the same bytes)."""
    from .digests import same_files
    from .load import export_sources

    declared = [[kind, source, shown, str(path)] for kind, source, shown, path in export_sources(ws)]
    if declared != [entry[:4] for entry in hashed] or not {report.path for report in frames.reports} <= {entry[2] for entry in hashed}:
        return False
    return same_files([entry[3:] for entry in hashed], folder, written=True) is not None


def open_workspace(root: Path, as_of: dt.date, data_dirs: Sequence[Path] = (), progress: Callable | None = None) -> Opened:
    """The plan checked, then (when it has no error and declares exports) the exports read."""
    plan = check_plan(root, as_of)
    if not plan.ok:
        return Opened(plan=plan)
    ws = plan.workspace
    if ws.settings is None or ws.settings.data is None:
        return Opened(plan=plan, data=DataRead())
    return Opened(plan=plan, data=read_data(ws, root, data_dirs, progress))
