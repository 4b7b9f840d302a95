"""Writing files safely: atomically, never half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str | bytes, into_devices: bool = True) -> None:
    """Write to a temporary file in the same folder, then rename it over the target.

    A device or a named pipe (/dev/null, a FIFO) is written into, never replaced; unless `into_devices` is False
    (a cache file: whatever stands at its name, a pipe, a device, a link, is replaced by the file).
    """
    import stat

    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError:
        if into_devices:
            raise
        mode = None  # a cache file's name taken by a link that leads nowhere (a loop): replaced
    if not into_devices and mode is not None and not stat.S_ISDIR(mode):
        mode = None  # a cache file's name taken by a pipe, a device or a link to one: replaced, never written into
    if mode is not None and (stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)):
        with open(path, "wb") as handle:
            handle.write(data)
        return
    if mode is not None and not stat.S_ISREG(mode):
        raise IsADirectoryError(f"{path} is not a regular file")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_cache_file(path: Path, limit: int = 1 << 30) -> bytes:
    """The bytes of a file of the cache folder, opened without blocking; OSError when it is not a regular file
    (a named pipe or a device put at its name is refused, not waited on or read without end) or is over `limit`."""
    import stat

    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"{path} is not a regular file")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise OSError(f"{path} is over {limit} bytes")
    return data


def mark_used(path: Path) -> None:
    """Mark a cache file as just used (its modification time), so that `prune_least_used` drops the least
    recently used; a read-only cache keeps no order of use."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune_least_used(folder: Path, pattern: str, kept: Path, keep: int) -> None:
    """Delete the least recently used files of `folder` matching `pattern` beyond `keep`, `kept` (just written)
    counted in and never deleted."""
    try:
        files = sorted((p for p in folder.glob(pattern) if p != kept), key=lambda p: p.stat().st_mtime_ns)
        for old in files[: max(0, len(files) + 1 - keep)]:
            old.unlink()
    except OSError:  # a file another run deleted first, a read-only folder: pruned next time
        pass


def prepare_cache_folder(folder: Path) -> None:
    """Create a cache folder with its own .gitignore (a cache never ends up in a commit); OSError when it cannot."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by salesplan: a cache of parsed CRM exports and plan checks, safe to delete\n*\n", encoding="utf-8")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
