"""The plan check run once per content: a report on an unchanged plan reuses the findings of the last check.

`validate_workspace` reads every plan file and runs every check; on 2,000 reps the checks alone take seconds,
and a report runs them before each drawing. `check_once` keeps their findings in `plan-check.json` of the
cache folder (the folder of the parsed exports), keyed by:

- the text of every plan file read, and the findings of reading them (a file that could not be read changes
  the key through its finding);
- the as-of date (some checks depend on it: dates in post, sign-offs);
- salesplan's version and the source of the plan package (a change of the checks never meets old findings).

The plan files are still read (the reports need the plan itself), their data parsed once per content
(`parsed.py`, in the same folder); the checks are skipped. A missing,
foreign or damaged entry is ignored and rewritten (atomically: a temporary file renamed into place), never an
error; a folder that cannot be written leaves the check uncached.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from .. import __version__
from ..writing import read_cache_file
from ..diagnostics import Diagnostic, Severity
from .load import load_workspace
from .parsed import ParsedPlans
from .validate import ValidationResult, check_workspace

ENTRY = "plan-check.json"
#: Bump when what is stored changes shape.
FORMAT = 1


def plan_text_digest(ws) -> str:
    """SHA-256 of the text of every plan file read (with its path): what every key that depends on the whole
    plan starts from (this check, the derived figures and kept reports of the cache)."""
    digest = hashlib.sha256()
    for rel in sorted(ws.sources):
        text = getattr(ws.sources[rel], "text", "") or ""
        digest.update(f"plan {rel} {len(text)}\n".encode("utf-8", "surrogateescape"))  # a file name not UTF-8: its bytes
        digest.update(text.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def check_key(ws, load_diags: list[Diagnostic], as_of: dt.date) -> str:
    """The key of a plan check: the plan files' text, the findings of reading them, the as-of date, the code."""
    digest = hashlib.sha256(f"salesplan {__version__} plan check {FORMAT} as of {as_of.isoformat()}\n".encode())
    package = Path(__file__).parent
    for module in sorted([*package.glob("*.py"), *package.glob("checks/*.py")]):
        digest.update(module.read_bytes())
    digest.update((package.parent / "diagnostics.py").read_bytes())
    digest.update(plan_text_digest(ws).encode())
    for d in load_diags:
        digest.update(json.dumps(d.to_dict(), sort_keys=True).encode())
    return digest.hexdigest()


def check_once(root: Path, as_of: dt.date, folder: Path | None, worth=lambda ws: True) -> tuple[ValidationResult, bool]:
    """The plan check of the workspace at `root`, and whether it came from the cache.

    `folder`: the cache folder (None: no cache); `worth(ws)`: whether caching pays for this workspace."""
    parsed = ParsedPlans(folder) if folder is not None and folder.is_dir() else None  # a folder made by an earlier run
    ws, load_diags = load_workspace(root, parsed)
    if folder is None or not worth(ws):
        return check_workspace(ws, load_diags, as_of), False
    key = check_key(ws, load_diags, as_of)
    found = _read(folder / ENTRY, key)
    if found is not None:
        diagnostics, skipped = found
        return ValidationResult(workspace=ws, diagnostics=diagnostics, files_checked=len(ws.sources), skipped=skipped), True
    result = check_workspace(ws, load_diags, as_of)
    _write(folder, key, result)
    return result, False


def _read(path: Path, key: str) -> tuple[list[Diagnostic], list[str]] | None:
    try:
        entry = json.loads(read_cache_file(path).decode("utf-8"))
        if entry.get("format") != FORMAT or entry.get("key") != key:
            return None
        diagnostics = [
            Diagnostic(file=str(d["file"]), line=d["line"], col=d["col"], code=str(d["code"]), severity=Severity(d["severity"]), message=str(d["message"]), hint=str(d["hint"]), path=str(d["path"]))
            for d in entry["diagnostics"]
        ]
        return diagnostics, [str(s) for s in entry["skipped"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _write(folder: Path, key: str, result: ValidationResult) -> bool:
    from ..writing import prepare_cache_folder, write_atomic

    entry = {"format": FORMAT, "key": key, "diagnostics": [d.to_dict() for d in result.diagnostics], "skipped": list(result.skipped)}
    try:
        prepare_cache_folder(folder)
        write_atomic(folder / ENTRY, json.dumps(entry), into_devices=False)
        return True
    except OSError:  # a read-only checkout or a full disk: the check goes on uncached
        return False
