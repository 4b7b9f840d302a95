"""Writing files safely: atomically, never half-written."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str | bytes) -> None:
    """Write to a temporary file in the same folder, then rename it over the target.

    A device or a named pipe (/dev/null, a FIFO) is written into, never replaced.
    """
    import stat

    path = Path(path)
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
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
