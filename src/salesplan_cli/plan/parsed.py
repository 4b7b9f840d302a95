"""Plan files parsed once per content: a report on an unchanged plan reads each file's data back instead of
parsing its YAML again.

Parsing 2,003 plan files (their values and where each sits) takes half a second; a report that reuses the
plan check (`checked.py`) needs the data but rarely the places. `ParsedPlans` keeps, in `plan-parsed.json` of
the cache folder (beside `plan-check.json`), the data of each plan file that was read without a finding,
keyed by the file's path in the workspace and the SHA-256 of its text, under the version of salesplan and the
source of the code that reads plan files. A file whose text changed is parsed again; a file read back comes as
a `KeptDoc`, which parses its text the first time a finding needs a place in it (a check, a diagnostic of the
data section), so every line and column stays exactly what parsing gives.

What is kept is JSON, never pickle (a cache folder that came with a cloned repository cannot run code): the
plan's values are text, integers, booleans, null, lists and mappings, plus decimals and dates, tagged; a file
whose data holds anything else (or keys JSON cannot hold as they are) is not kept and is parsed every time. A
missing, foreign or damaged `plan-parsed.json` is ignored (every file parsed) and rewritten atomically.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

from .. import __version__
from ..writing import read_cache_file
from .yamlsource import SourceDoc, parse_yaml

ENTRY = "plan-parsed.json"
#: Bump when what is stored changes shape.
FORMAT = 1
_CODE: list[str] = []


def _code() -> str:
    """salesplan's version and the source of the code that reads plan files (once per process)."""
    if not _CODE:
        folder = Path(__file__).parent
        digest = hashlib.sha256(f"salesplan {__version__} parsed plans {FORMAT}\n".encode())
        for name in ("yamlsource.py", "filetext.py", "parsed.py"):
            digest.update((folder / name).read_bytes())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


class _Placed:
    """`key_marks` or `value_marks` of a KeptDoc: where each key or value sits, parsed from the file's text the
    first time either is read (what is set before, by the dataclass's __init__, is replaced then)."""

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, doc, owner=None):
        if doc is None:
            return self
        if not doc.__dict__.get("_placed"):
            doc.__dict__["_placed"] = True
            parsed, _diags = parse_yaml(doc.text, doc.rel)
            doc.__dict__["_key_marks"], doc.__dict__["_value_marks"] = parsed.key_marks, parsed.value_marks
        return doc.__dict__[self.slot]

    def __set__(self, doc, value) -> None:
        doc.__dict__[self.slot] = value


class KeptDoc(SourceDoc):
    """A plan file whose data came from the cache: where each key and value sits is parsed from its text the
    first time it is asked for."""

    key_marks = _Placed()
    value_marks = _Placed()


class ParsedPlans:
    """The parsed plan files of one workspace, read from and written to `folder / ENTRY`."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.kept: dict[str, dict] = {}
        self.used: dict[str, dict] = {}
        self.changed = False
        try:
            stored = json.loads(read_cache_file(self.folder / ENTRY).decode("utf-8"))
            if isinstance(stored, dict) and stored.get("format") == FORMAT and stored.get("code") == _code() and isinstance(stored.get("files"), dict):
                self.kept = stored["files"]
        except (OSError, ValueError, RecursionError):  # none yet, or damaged: every file is parsed (and rewritten)
            pass

    def parse(self, text: str, rel: str):
        """`parse_yaml(text, rel)`, or the data kept for this text."""
        sha = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
        found = self.kept.get(rel)
        if isinstance(found, dict) and found.get("sha256") == sha and "data" in found:
            try:
                data = json.loads(found["data"], object_hook=_decode)
            except (ValueError, TypeError, KeyError, ArithmeticError, RecursionError):
                data = _MISSING
            if data is not _MISSING and data is not None:  # a file of no data is never kept: parsed again
                self.used[rel] = found
                return KeptDoc(rel=rel, text=text, data=data), []
        doc, diags = parse_yaml(text, rel)
        if not diags and not doc.noisy_lines and doc.data is not None:
            try:
                self.used[rel] = {"sha256": sha, "data": json.dumps(_encode(doc.data), ensure_ascii=False, allow_nan=False)}
            except (TypeError, ValueError):  # a value JSON cannot hold exactly: parsed every time
                pass
        self.changed = True
        return doc, diags

    def save(self) -> None:
        """Write what this load used (files gone or changed are dropped), when it differs from what was read."""
        if not self.changed and set(self.used) == set(self.kept):
            return
        from ..writing import prepare_cache_folder, write_atomic

        entry = {"format": FORMAT, "code": _code(), "files": self.used}
        try:
            text = json.dumps(entry, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8 (its bytes as surrogates): escaped instead
            text = json.dumps(entry).encode("ascii")
        try:
            prepare_cache_folder(self.folder)
            write_atomic(self.folder / ENTRY, text, into_devices=False)
        except OSError:  # a read-only checkout or a full disk: parsed again next time
            pass


_MISSING = object()
_TAGS = ("$decimal", "$date", "$pairs")


def _encode(value):
    """JSON of a plan file's data: decimals and dates tagged, mappings with keys other than plain text as pairs."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is Decimal:
        return {"$decimal": str(value)}
    if kind is dt.date:
        return {"$date": value.isoformat()}
    if kind is list:
        return [_encode(item) for item in value]
    if kind is dict:
        if all(type(key) is str and not key.startswith("$") for key in value):
            return {key: _encode(item) for key, item in value.items()}
        return {"$pairs": [[_encode(key), _encode(item)] for key, item in value.items()]}
    raise TypeError(f"a value of type {kind.__name__}")


def _decode(mapping: dict):
    if len(mapping) == 1:
        (tag,) = mapping
        if tag == "$decimal":
            return Decimal(mapping[tag])
        if tag == "$date":
            return dt.date.fromisoformat(mapping[tag])
        if tag == "$pairs":
            return {_hashable(key): item for key, item in mapping[tag]}
    return mapping


def _hashable(key):
    if isinstance(key, (list, dict)):
        raise TypeError("a key that is a list or a mapping")
    return key
