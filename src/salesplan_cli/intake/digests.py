"""Where the cache lives, and the SHA-256 of each export file, remembered between runs in `export-digests.json`
of the cache folder with the file's size, times and inode, so that a run on unchanged exports hashes none of
them: what the cache of parsed exports (`cache.py`) and the replayed runs (`cli/replay.py`) know an export by.
Light on purpose (no pandas, pyarrow or pydantic): a replayed run checks the exports before importing any of
them."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from ..writing import read_cache_file

FOLDER = ".salesplan-cache"
ENV_DISABLE = "SALESPLAN_NO_CACHE"
ENV_FOLDER = "SALESPLAN_CACHE_DIR"


def cache_folder(root: Path, explicit: Path | None = None) -> Path | None:
    """Where the cache lives: `explicit`, else $SALESPLAN_CACHE_DIR, else <workspace>/.salesplan-cache;
    None when $SALESPLAN_NO_CACHE is set (to anything but 0 or an empty string)."""
    if os.environ.get(ENV_DISABLE, "") not in ("", "0"):
        return None
    if explicit is not None:
        return explicit
    if os.environ.get(ENV_FOLDER):
        return Path(os.environ[ENV_FOLDER])
    return Path(root) / FOLDER


#: The SHA-256 of each export as last computed, with the file's size, times and inode then (`export_digests`).
DIGESTS = "export-digests.json"
#: A digest is reused only for a file last modified this long before it was computed: a file written again
#: within the same tick of the clock as the digest could otherwise keep its times (git's "racy" entries).
RACY_NS = 2_000_000_000


def signature(stat) -> list[int]:
    """What tells a file written since: its size, modification and change times and inode (any write changes the
    change time, which no tool can set back)."""
    return [stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino]


def export_digest(path: Path, stat, known: dict) -> str:
    """The SHA-256 of an export's bytes: remembered from an earlier run while the file's size, modification
    time, change time and inode are those it had then (any write changes the change time, which no tool can
    set back), computed otherwise. Hashing 391 MB takes a quarter to half a second; a stat, nothing."""
    times = signature(stat)
    seen = known.get(str(path))
    if isinstance(seen, dict) and seen.get("stat") == times and isinstance(seen.get("at"), int) and stat.st_mtime_ns < seen["at"] - RACY_NS:
        if isinstance(seen.get("sha256"), str):
            return seen["sha256"]
    at = time.time_ns()
    with open(path, "rb") as handle:
        content = hashlib.file_digest(handle, "sha256").hexdigest()
    known[str(path)] = {"stat": times, "sha256": content, "at": at}
    return content


def read_digests(folder: Path | None) -> dict:
    if folder is None:
        return {}
    try:
        known = json.loads(read_cache_file(folder / DIGESTS).decode("utf-8"))
        return known if isinstance(known, dict) else {}
    except (OSError, ValueError, RecursionError):  # none yet, or damaged (nested past Python's limit): every export is hashed
        return {}


def write_digests(folder: Path, known: dict) -> None:
    from ..writing import prepare_cache_folder, write_atomic

    try:
        prepare_cache_folder(folder)
        write_atomic(folder / DIGESTS, json.dumps(known), into_devices=False)
    except OSError:  # a read-only checkout: hashed again next time
        pass


def same_files(files: list, folder: Path | None, written: bool = False) -> list[str] | None:
    """The real path (after every symbolic link) of each [path, SHA-256, ...] of `files` when each is still a
    regular file with that SHA-256 (`export_digest`: by its times, or hashed again); None otherwise. What a
    replayed run checks before it prints anything; `written`: each entry is [path, SHA-256, signature] and a
    file written since (another signature, even back to the same bytes) counts as changed: what a run checks
    its exports against once it has read them."""
    import stat as kinds

    known = read_digests(folder)
    before = dict(known)
    real = []
    try:
        for path, sha256, *rest in files:
            status = os.stat(path)
            if not kinds.S_ISREG(status.st_mode) or (written and signature(status) != rest[0]) or export_digest(Path(path), status, known) != sha256:
                return None
            real.append(os.path.realpath(path))
    except (OSError, ValueError):
        return None
    finally:
        if folder is not None and known != before:
            write_digests(folder, known)
    return real
