"""A report asked again on unchanged exports, plan and code, with the same options: the run replays what the
first run printed (its standard output, its lines on stderr, in order, and its exit code) instead of checking
the plan, mapping the parsed exports and rendering the figures again; pandas, pyarrow and pydantic are not
even imported.

A run is recorded, and replayed, only when nothing of what it prints depends on the terminal or on the cache
itself: its output goes to a pipe or a file (`> out.json`, not a terminal), in json, csv, markdown or html
(never the table format, laid out for the terminal's width), to standard output (not `--output`), without
`--keep-going`; and it is stored only once the run has ended as a report does (exit 0, or 1 for a gate's
breach), with the cache of parsed exports in use (`intake/cache.py`: exports of 8 MB or more) and no note
about the cache printed (a damaged cache file is said once, not replayed).

The replay is keyed by everything a run reads besides the exports: the bytes of every plan file (salesplan.yaml,
strategy.yaml, segments.yaml, each file of reps/; a plan file that is no regular file of a plan file's size,
a pipe, a device, a folder, makes no key: the run says what is wrong), salesplan's source (every module), its
version, Python's, the versions of the libraries it runs on installed (`LIBRARIES`), the current folder
(messages show paths relative to it), the workspace folder, the real paths of the folders `--data-dir` and
`$SALESPLAN_DATA_DIRS` allow (a link moved elsewhere allows another folder), the `SALESPLAN_*` environment
variables and `COLUMNS`, the as-of day (today when not given: the replay of yesterday's run is not today's),
and every option of the command as given. The exports are checked before a replay, not keyed: the recorded run lists each export file as the
cache's key hashed it before reading it (`Frames.hashed`), with its SHA-256 and its real path (after every
symbolic link), and each glob of the `data:` section with the files it matched; a replay needs every glob to
match the same files and every export to be a regular file at the same real path (a folder moved behind a link,
outside the workspace where a run refuses it, is another file) with the same SHA-256 (remembered in
`export-digests.json` while its size, times and inode are unchanged: `intake/digests.py`). A run is not
kept when, at its end, its exports or plan files are not those it hashed when it began (written, even back to
the same bytes, removed, matched by a glob meanwhile, another file read), nor when stderr is closed. Anything else is a new run, recorded in turn.

Kept in `<cache folder>/replay-<sha256 of the key>.json` (JSON only: a cache folder that came with a
cloned repository cannot run code), written atomically; the most recently used `KEEP` are kept. A file that
cannot be read back as a recorded run (cut short, damaged, of another shape) gives a note, and the report is
computed again and its file rewritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import typer

from .. import __version__
from ..writing import mark_used, prune_least_used, read_cache_file
from . import common
from .common import as_of_date
from .formats import Options, ReportFormat

#: A recorded run is kept as `<cache folder>/<PREFIX><sha256 of its key>.json` (beside the entries of parsed exports).
PREFIX = "replay-"
#: Bump when what is stored changes shape.
FORMAT = 2
#: Recorded runs kept per cache folder, the least recently used dropped beyond.
KEEP = 32
#: Formats whose text does not depend on the terminal.
REPLAYED = (ReportFormat.json, ReportFormat.csv, ReportFormat.markdown, ReportFormat.html)
#: Libraries whose version could change a figure, a finding or a text (their dist-info folders are read, not imported).
LIBRARIES = ("pandas", "numpy", "pyarrow", "openpyxl", "pyyaml", "pydantic", "pydantic_core", "typer", "click", "rich")
#: Recorded output larger than this is not kept (a 2,000-rep dashboard in JSON is 1.4 MB; its HTML page, 15 MB).
MAX_BYTES = 64 * 1024 * 1024


@dataclass
class Recording:
    """A run being recorded: where it goes, under which key, and what it has printed so far."""

    opts: Options
    report: str
    request: dict
    folder: Path
    key: str
    plan_state: list  # _plan_state when the run began
    as_of: str  # the as-of day in the key
    events: list = field(default_factory=list)  # ["out", text] (stdout) and ["err", line] (stderr), in order
    tainted: bool = False  # a note was printed that a replay must not repeat (about the cache itself)


_current: Recording | None = None


def replay_or_record(opts: Options, report: str, request: dict) -> None:
    """Replay the recorded run of this request and exit with its code; else start recording this run (when it
    may be replayed). `request`: the command's own options (its --by, --top), as given."""
    global _current
    _current = None
    common.recording = None
    if sys.stdout.isatty() or opts.output is not None or opts.format not in REPLAYED or opts.keep_going:
        return
    if sys.stderr is None or getattr(sys.stderr, "closed", False):  # a run that cannot say anything on stderr
        return
    from ..intake.digests import cache_folder
    from ..plan.locate import WorkspaceNotFound, find_workspace

    try:
        root = find_workspace(opts.workspace if opts.workspace is not None else Path.cwd(), explicit=opts.workspace is not None)
    except (WorkspaceNotFound, OSError):  # not a workspace: the command itself says why
        return

    folder = cache_folder(root)
    if folder is None:
        return
    as_of = as_of_date(opts.as_of).isoformat()  # once: the key's day is the recording's
    try:
        state = _plan_state(root)  # before the bytes are read: a write after it changes the state (finish)
        key = request_key(opts, report, request, root, as_of)
    except (OSError, RuntimeError, _Unkeyable):  # a plan file that cannot be read as one: the command says why
        return
    path = folder / f"{PREFIX}{key}.json"
    try:
        run = _read(path, key)
    except (FileNotFoundError, NotADirectoryError):  # none yet, or dropped by another run meanwhile
        run = None
    except PermissionError:  # a cache folder that cannot be searched (another user's): as if empty
        run = None
    except (OSError, ValueError, TypeError, KeyError, RecursionError):
        common.err(f"note: a report's output kept in the cache ({path}) could not be read: it is computed again and rewritten")
        run = None
    if run is not None:
        if _exports_now(run["exports"], run["patterns"], root, folder) == [real for _path, _sha256, real in run["exports"]]:
            mark_used(path)
            for kind, text in run["events"]:
                if kind == "out":
                    sys.stdout.write(text)
                else:
                    common.err(text)
            raise typer.Exit(run["exit"])
    _current = Recording(opts, report, request, folder, key, state, as_of)
    common.recording = _current.events


def taint() -> None:
    """A note about the cache was printed: this run is not kept (its replay would repeat the note)."""
    if _current is not None:
        _current.tainted = True


def wrote(text: str) -> None:
    """Standard output written by the report."""
    sys.stdout.write(text)
    if _current is not None:
        _current.events.append(["out", text])


def finish(ctx, opts: Options, code: int) -> None:
    """The report ends with `code`: keep what it printed, when it may be replayed."""
    global _current
    run, _current = _current, None
    common.recording = None
    if run is None or run.opts is not opts or run.tainted or code not in (0, 1):
        return
    if getattr(ctx.frames, "store", None) is None or getattr(ctx.frames.store, "notes", None) or getattr(ctx.frames, "damage", None):
        return  # no cache in use (small exports, no cache folder), or a note about it printed, or damage said
    if sum(len(text) for _kind, text in run.events) > MAX_BYTES:
        return
    read = _exports_read(ctx.frames)
    if read is None:
        return
    exports, patterns = read
    try:
        if not _plan_unchanged(run, opts, ctx.ws):
            return  # a plan file changed while the report ran (or the day, without --as-of): of either plan or day
        from ..intake.digests import same_files

        real = _exports_now([[path, sha256] for path, sha256, _times in exports], patterns, ctx.ws.root, run.folder)
        if real is None or same_files(exports, run.folder, written=True) is None:
            return  # an export written (or gone, or a glob matching other files) since the run hashed it to read it
    except (OSError, _Unkeyable):
        return
    exports = [[path, sha256, where] for (path, sha256, _times), where in zip(exports, real)]
    from ..writing import write_atomic

    path = run.folder / f"{PREFIX}{run.key}.json"
    try:
        write_atomic(path, json.dumps({"format": FORMAT, "key": run.key, "exports": exports, "patterns": patterns, "events": run.events, "exit": code}), into_devices=False)
        prune_least_used(run.folder, f"{PREFIX}*.json", path, KEEP)
    except OSError:  # a read-only cache folder: computed next time
        pass


def request_key(opts: Options, report: str, request: dict, root: Path, as_of: str) -> str:
    """SHA-256 of everything a report run reads besides the exports (the module's docstring); `as_of`: the day,
    as the run takes it."""
    from ..intake.derived import code_digest
    from .common import data_dirs

    digest = hashlib.sha256()
    said = {
        "salesplan": __version__,
        "format": FORMAT,
        "code": code_digest(),
        "python": sys.version,
        "libraries": _library_versions(),
        "cwd": str(Path.cwd().resolve()),
        "root": str(root),
        "environment": sorted((name, value) for name, value in os.environ.items() if name.startswith("SALESPLAN_") or name == "COLUMNS"),
        "report": report,
        "request": {name: _plain(value) for name, value in sorted(request.items())},
        "as_of": as_of,
        # what the folders allowed outside the workspace are now: a link moved elsewhere allows another folder
        "allowed": [os.path.realpath(folder) for folder in data_dirs(opts.data_dir)],
        "options": {
            "period": opts.period, "reps": opts.reps, "team": opts.team, "segment": opts.segment, "product": opts.product,
            "format": opts.format.value, "fail_under": opts.fail_under, "check": opts.check, "data_dir": [str(p) for p in opts.data_dir],
        },
    }
    digest.update(json.dumps(said, sort_keys=True).encode())
    _plan_bytes(root, digest)
    return digest.hexdigest()


def _plan_state(root: Path) -> list:
    """Each plan file's name, size, modification and change times and inode, and the time they were taken:
    any write to a plan file changes its change time."""
    import time

    from ..intake.digests import signature
    from ..plan.locate import plan_file_names

    names, reps = plan_file_names(root)
    state: list = [time.time_ns(), reps]
    for name in names:
        try:
            state.append([name, *signature(os.stat(os.path.join(root, name)))])
        except FileNotFoundError:
            state.append([name])
    return state


def _plan_unchanged(run: Recording, opts: Options, ws) -> bool:
    """Whether the plan files the run loaded are those hashed in its key when it began (the same files, none
    come and gone meanwhile; by their times, or by their bytes for a file written within the clock's tick of
    that moment), and the key's as-of day the run's."""
    from ..intake.digests import RACY_NS

    if as_of_date(opts.as_of).isoformat() != run.as_of:  # midnight passed, without --as-of
        return False
    now = _plan_state(ws.root)
    if now[1:] != run.plan_state[1:] or set(ws.sources) != {entry[0] for entry in now[2:] if len(entry) > 1}:
        return False
    began = run.plan_state[0]
    if any(len(entry) > 1 and entry[2] >= began - RACY_NS for entry in now[2:]):
        return request_key(opts, run.report, run.request, ws.root, run.as_of) == run.key
    return True


def _plan_bytes(root: Path, digest) -> None:
    """Every plan file's name and bytes, as plan/load.py finds them."""
    from ..plan.locate import plan_file_names

    names, reps = plan_file_names(root)
    digest.update(b"reps/ folder\n" if reps else b"no reps/ folder\n")
    base = str(root)
    for name in names:
        raw = _plan_file(os.path.join(base, name))
        if raw is None:
            digest.update(f"{name} missing\n".encode("utf-8", "surrogateescape"))
            continue
        digest.update(f"{name} {len(raw)}\n".encode("utf-8", "surrogateescape"))
        digest.update(raw)


class _Unkeyable(Exception):
    """A plan file that is not a regular file of a plan file's size (a pipe, a device, a folder, a huge file):
    no key is made; the run itself says what is wrong."""


def _plan_file(path: str) -> bytes | None:
    """The bytes of a plan file, None when it does not exist; _Unkeyable when it is no regular file of at most
    plan/filetext.py's MAX_FILE_BYTES (opened without blocking: a named pipe is refused, not waited on)."""
    import stat as kinds

    from ..plan.filetext import MAX_FILE_BYTES

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        return None
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not kinds.S_ISREG(status.st_mode) or status.st_size > MAX_FILE_BYTES:
            raise _Unkeyable(path)
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise _Unkeyable(path)
    return raw


def _library_versions() -> list[str]:
    """The dist-info folders of LIBRARIES on sys.path (name and version), without importing them."""
    found = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        found += [f"{entry}/{name}" for name in names if name.endswith(".dist-info") and name.split("-")[0].lower() in LIBRARIES]
    return sorted(found)


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


def _exports_read(frames) -> tuple[list, list] | None:
    """What the run's cache key hashed before the exports were read (`Frames.hashed`): [path, SHA-256, size and
    times] of each export, and [pattern, files] of each glob of the data: section; None without it (uncached)."""
    from ..intake.globs import is_pattern

    hashed = getattr(frames, "hashed", None)
    if hashed is None:
        return None
    globs: dict[tuple[str, str], list[str]] = {}
    for kind, declared, _shown, path, _sha256, _times in hashed:
        if is_pattern(declared):
            globs.setdefault((kind, declared), []).append(path)
    return [[path, sha256, times] for _kind, _declared, _shown, path, sha256, times in hashed], [[declared, files] for (_kind, declared), files in globs.items()]


def _exports_now(exports: list, patterns: list, root: Path, folder: Path) -> list[str] | None:
    """The real path of each export (after every symbolic link) when every glob still matches the files it
    matched and every export is a regular file with the SHA-256 recorded ([path, SHA-256, ...] each); else None.
    The real paths are compared by the caller: an export moved behind a link (outside the workspace, where
    a run would refuse it) is not the export recorded."""
    from ..intake.digests import same_files
    from ..intake.globs import pattern_files

    for pattern, files in patterns:
        if [str(path) for _shown, path in pattern_files(root, pattern)] != files:
            return None
    return same_files(exports, folder)


def _read(path: Path, key: str) -> dict | None:
    """The recorded run in `path`; ValueError when it is not of the shape `finish` writes."""
    run = json.loads(read_cache_file(path, MAX_BYTES * 8).decode("utf-8"))
    if type(run) is not dict or run.get("format") != FORMAT or run.get("key") != key:
        raise ValueError("another format or key")
    if type(run["exit"]) is not int or run["exit"] not in (0, 1):
        raise ValueError("an exit code a report does not end with")
    for events, width in ((run["events"], 2), (run["exports"], 3)):
        if type(events) is not list or any(type(item) is not list or len(item) != width or any(type(part) is not str for part in item) for item in events):
            raise ValueError("not lists of texts")
    if any(kind not in ("out", "err") for kind, _text in run["events"]):
        raise ValueError("an event neither out nor err")
    patterns = run["patterns"]
    if type(patterns) is not list or any(type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str or type(pair[1]) is not list or any(type(f) is not str for f in pair[1]) for pair in patterns):
        raise ValueError("globs that are not a pattern and its files")
    return run
