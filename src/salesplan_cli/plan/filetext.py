"""Reading a plan file as text: strict UTF-8, a regular file of sensible size, no invisible line breaks.

Every refusal is a diagnostic with the file (and, where it helps, the line and column); the YAML comes after
(`yamlsource.py`)."""

from __future__ import annotations

import re
import stat
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic, looks_wide

#: Plan files above this size are refused (SP004). Real plan files are a few KB.
MAX_FILE_BYTES = 5 * 1024 * 1024


def read_text(path: Path, rel: str) -> tuple[str | None, list[Diagnostic]]:
    """Read a file as strict UTF-8 text, refusing what is not a plain text file."""
    try:
        info = path.stat()  # one stat for both questions (a missing file raises here as path.is_dir() + stat() did)
        if stat.S_ISDIR(info.st_mode):
            return None, [
                diagnostic("SP001", rel, None, None, "is a directory, not a file", "remove the directory or point to a YAML file")
            ]
        if not stat.S_ISREG(info.st_mode):
            # a pipe would block, /dev/zero never ends, /dev/null reads as empty: none is a plan file
            return None, [
                diagnostic("SP001", rel, None, None, "is not a regular file (a pipe, a device or a socket)", "point to a YAML file")
            ]
        size = info.st_size
        if size > MAX_FILE_BYTES:
            return None, [
                diagnostic(
                    "SP004",
                    rel,
                    None,
                    None,
                    f"file is {size:,} bytes; plan files are limited to {MAX_FILE_BYTES:,} bytes",
                    "split the plan into smaller files (one per rep in reps/); a plan file this large is almost certainly not a plan",
                )
            ]
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [diagnostic("SP001", rel, None, None, "file not found", "create it (salesplan init writes a working example)")]
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return None, [diagnostic("SP001", rel, None, None, f"cannot read file: {reason}", "check the path and its permissions")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_wide(raw):
        # a byte-order mark, or NUL bytes between the letters: UTF-16 or UTF-32 with or without a BOM
        return None, [
            diagnostic("SP002", rel, 1, 1, "file is UTF-16 or UTF-32 encoded (NUL bytes); plan files must be UTF-8", "save the file as UTF-8 in your editor")
        ]
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode("utf-8", errors="replace")) + 1
        return None, [
            diagnostic(
                "SP002",
                rel,
                line,
                col,
                f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                "save the file as UTF-8 (it looks like Latin-1/cp1252); salesplan never guesses an encoding",
            )
        ]
    if not text.strip():
        return None, [diagnostic("SP003", rel, None, None, "file is empty", "fill it in: docs/reference/plan-files.md shows what it holds")]
    found = _HIDDEN_BREAK.search(text)
    if found:
        # YAML 1.1 parsers read these as line breaks: every line number after them would be off by one
        line, col = line_col(text, found.start())
        return None, [
            diagnostic(
                "SP002",
                rel,
                line,
                col,
                f"invisible line break U+{ord(found.group()):04X} is not allowed in plan files",
                "delete it or replace it with a space (it comes with text pasted from a web page or a PDF)",
            )
        ]
    return text, []


def line_col(text: str, position: int) -> tuple[int, int]:
    """1-based line and column of a character offset, counting '\n' only (as editors and our findings do)."""
    return text.count("\n", 0, position) + 1, position - (text.rfind("\n", 0, position) + 1) + 1


#: NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR: line breaks to YAML 1.1, invisible in editors.
_HIDDEN_BREAK = re.compile("[\u0085\u2028\u2029]")
