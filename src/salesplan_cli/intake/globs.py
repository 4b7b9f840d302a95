"""The files an export path of the `data:` section names: the file itself, or every regular file its glob
matches. Light on purpose (glob and pathlib only): a replayed report (`cli/replay.py`) checks that a glob
still matches the files it matched, before anything heavy is imported."""

from __future__ import annotations

import glob
from pathlib import Path


def is_pattern(path: str) -> bool:
    return glob.has_magic(path)


def pattern_files(root: Path, pattern: str) -> list[tuple[str, Path]]:
    """Every regular file `pattern` matches (relative to `root` unless absolute), in sorted order, as (path shown
    in messages, path)."""
    absolute = Path(pattern).is_absolute()
    matches = sorted(glob.glob(pattern)) if absolute else sorted(glob.glob(pattern, root_dir=root))
    files = []
    for match in matches:
        found = Path(match) if Path(match).is_absolute() else root / match
        if found.is_file():
            files.append((Path(match).as_posix() if not Path(match).is_absolute() else match, found))
    return files
