"""Reading the exports while the plan is checked: the machine's second core put to work.

Checking the plan is Python work (2,003 YAML files at 2,000 reps, holding the interpreter lock); reading a CSV
export is mostly pyarrow's and numpy's, which let go of it. Which files to read, and how, depends on
salesplan.yaml alone (its `data:` section), so a command that reads data can start reading the exports in a
thread before the rest of the plan is even loaded:

    with prefetch.reading(root, data_dirs):
        plan = check_plan(root, as_of)       # meanwhile the exports are read
        data = read_data(plan.workspace, root, data_dirs)   # takes the files read, reads the others

What the thread reads is only a head start, never a different answer: `load_exports` takes a file from it only
when the file is unchanged since (size, modification time, inode) and was read with the very declaration it
would read it with (kind, source, columns wanted, setting); anything else (a file changed meanwhile, a reading
that failed, a declaration the full plan reads otherwise) is read again, as without the thread. Nothing is read
ahead when salesplan.yaml has an error, when an export path is refused (nothing of such a file may be read), or
when the cache of parsed exports is likely to serve (an entry written for these very files).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ENV_DISABLE = "SALESPLAN_NO_PREFETCH"
#: The prefetch of the command running, if any (one at a time: a command reads one workspace).
_active: _Prefetch | None = None


def _fingerprint(path: Path):
    try:
        stat = path.stat()
    except (OSError, ValueError):
        return None
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def read_key(kind: str, source, extra: Sequence[str], rel: str, path: Path, setting: str) -> tuple:
    """What a reading of one export file depends on: the file and the whole declaration it is read with."""
    return (kind, rel, str(path), source.model_dump_json(), tuple(extra), setting)


class _Prefetch:
    def __init__(self, jobs: list[tuple[tuple, Path, tuple]]):
        self._results: dict[tuple, tuple] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(jobs,), name="salesplan-prefetch", daemon=True)
        self._thread.start()

    def _run(self, jobs) -> None:
        from .load import _read_kind

        for key, path, args in jobs:
            if self._stop.is_set():
                return
            before = _fingerprint(path)
            try:
                result = _read_kind(*args)
            except Exception:  # the reading in the command's own thread meets it again and says what it is
                continue
            if before is not None and _fingerprint(path) == before:
                self._results[key] = (before, result)

    def take(self, key: tuple, path: Path):
        """The reading of `key`, if the thread made it and the file is unchanged since; else None."""
        self._thread.join()
        found = self._results.pop(key, None)
        if found is None:
            return None
        fingerprint, result = found
        return result if _fingerprint(path) == fingerprint else None

    def close(self) -> None:
        self._stop.set()
        self._thread.join()  # at most the file being read: never a thread left reading at exit
        self._results.clear()


def take(kind: str, source, extra: Sequence[str], rel: str, path: Path, setting: str):
    """The prefetched reading of one export file (see `_read_kind`), or None: read it yourself."""
    if _active is None:
        return None
    return _active.take(read_key(kind, source, extra, rel, path, setting), path)


@contextmanager
def reading(root: Path, data_dirs: Sequence[Path] = ()) -> Iterator[None]:
    """Read the workspace's exports in a thread while the block runs (see the module's doc)."""
    global _active
    try:
        jobs = [] if os.environ.get(ENV_DISABLE, "") not in ("", "0") else _jobs(root, data_dirs)
    except Exception:  # never an error of its own: the plan check and the reading say what is wrong
        jobs = []
    if not jobs or _active is not None:
        yield
        return
    _active = _Prefetch(jobs)
    try:
        yield
    finally:
        prefetch, _active = _active, None
        prefetch.close()


def _jobs(root: Path, data_dirs: Sequence[Path]) -> list[tuple[tuple, Path, tuple]]:
    """The readings load_exports will ask for, from salesplan.yaml alone; none when they should not start."""
    from ..plan.load import WORKSPACE_FILE, _load_one
    from ..plan.model import Settings, Workspace
    from . import cache
    from .load import export_path_problems, planned_reads

    ws = Workspace(root=root)
    diags: list = []
    ws.settings = _load_one(ws, root / WORKSPACE_FILE, WORKSPACE_FILE, Settings, diags)
    if ws.settings is None or ws.settings.data is None or any(d.is_error for d in diags):
        return []
    if export_path_problems(ws, data_dirs) or cache.likely_served(ws):
        return []
    jobs = []
    for kind, source, extra, setting, files, _problem in planned_reads(ws):
        for rel, path in files:
            args = (kind, source, extra, rel, path, setting)
            jobs.append((read_key(*args), path, args))
    return jobs
