"""Figures derived from the frames (and the plan), kept beside the frames in their cache entry, so that a second
report on unchanged exports and plan does not derive them again: the accounts each rep targets (portfolios
from criteria, owners and names, with each account's status), the actions done per rep and account, the last
activity logged on each deal, the rep x action x segment group of each activity, whether the opportunities
export repeats a deal id, the conversion report's seller tests, and each report's figures as asked
(`cli/kept.py`).

A derived figure is stored in `<cache entry>/derived/<name>-<sha256>.arrow`: one Arrow IPC file holding its
columns (integers, days, text) and, in the schema's metadata, the full key it was computed for and its small
values as JSON. Its key is made of:

- the cache entry it sits in, whose key covers every export's bytes, what of the plan shapes the frames and
  the intake code (a change to any of those makes a new entry, and the old one, derived figures with it, is
  dropped);
- the text of every plan file (`plan_digest`: a revised target keeps the frames but not the figures);
- salesplan's source (every module of the package: the code that derives figures from frames and plan, and
  the commands that assemble reports, `cli/kept.py`);
- what the figure depends on besides (the as-of day, the span of the period to date, the reps of the
  workspace as loaded: `--keep-going` leaves some out).

Files are written atomically (a temporary file renamed into place); one that cannot be read (cut short,
damaged, written by other code) is ignored with a note, and the figure is derived again and rewritten. A
figure that cannot be written leaves the report as it is. Arrow IPC and JSON only, never pickle: a cache
folder that came with a cloned repository cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

from ..writing import mark_used, prune_least_used

FOLDER = "derived"
#: Derived figures kept per cache entry, the least recently used dropped beyond (a dashboard keeps six,
#: four of them per as-of day: about 60 MB for 2,000 reps; a report's figures, a few hundred kB)
KEEP = 32
_META = b"salesplan-derived"
_CODE: list[str] = []


def code_digest() -> str:
    """SHA-256 of salesplan's source, every module of the package (once per process): the code that derives
    figures from the frames and the plan, and the commands that assemble a report's titles and notes."""
    if not _CODE:
        package = Path(__file__).resolve().parent.parent
        digest = hashlib.sha256()
        for module in sorted(package.rglob("*.py")):
            digest.update(f"{module.relative_to(package).as_posix()}\n".encode())
            digest.update(module.read_bytes())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


class DerivedStore:
    """The derived figures of one cache entry: `get` what was stored under a key, `put` what was computed.

    `notes`: derived files that could not be read (ignored, derived again and rewritten)."""

    def __init__(self, entry: Path, plan: str = ""):
        self.folder = Path(entry) / FOLDER
        self.plan = plan  # the digest of every plan file's text (the entry's key covers only what shapes frames)
        self.notes: list[str] = []

    def _path(self, name: str, key: str) -> Path:
        return self.folder / f"{name}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.arrow"

    def _key(self, name: str, parts: tuple) -> str:
        return json.dumps([name, code_digest(), self.plan, *[str(part) for part in parts]])

    def get(self, name: str, parts: tuple) -> tuple[dict, dict] | None:
        """(columns as numpy arrays, small values) stored for `name` and `parts`, or None (none, or damaged)."""
        key = self._key(name, parts)
        path = self._path(name, key)
        import pyarrow as pa

        try:
            if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe or a device at its name: not opened (it could block)
                raise OSError(f"{path} is not a regular file")
            source = pa.OSFile(str(path))
        except OSError:  # not computed yet, or a folder that cannot be read: not stored, no note
            return None
        try:
            with source:  # read whole: a file cut short later cannot fault a report
                table = pa.ipc.open_file(source).read_all()
            stored = json.loads((table.schema.metadata or {})[_META])
            if not isinstance(stored, dict) or stored.get("key") != key or not isinstance(stored.get("values"), dict):
                raise ValueError("another key")
            columns = {column: _numpy(table.column(column)) for column in table.column_names}
            mark_used(path)
            return columns, stored["values"]
        except Exception:  # noqa: BLE001 - cut short, damaged or foreign: derived again and rewritten
            self.notes.append(f"a derived figure of the cache ({path}) could not be read (damaged or cut short): it is computed again and rewritten")
            return None

    def put(self, name: str, parts: tuple, columns: dict, values: dict) -> None:
        """Store columns (numpy arrays of one length: integers, booleans, days, text) and small JSON values."""
        key = self._key(name, parts)
        path = self._path(name, key)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            import pyarrow as pa

            self.folder.mkdir(exist_ok=True)
            arrays = {column: _arrow(array) for column, array in columns.items()}
            table = pa.table(arrays) if arrays else pa.table({"_": pa.array([], type=pa.int8())})
            table = table.replace_schema_metadata({_META: json.dumps({"key": key, "values": values})})
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
            os.replace(tmp, path)
            prune_least_used(self.folder, "*.arrow", path, KEEP)
        except Exception:  # noqa: BLE001 - the store is an optimisation: a figure not kept is derived next time
            try:
                tmp.unlink()
            except OSError:
                pass


def remembered(store: DerivedStore | None, name: str, parts: tuple, compute: Callable, encode: Callable, decode: Callable):
    """`compute()`, or what `decode(columns, values)` makes of the figure stored under `name` and `parts`; a new
    figure is stored as `encode(figure)` -> (columns, values). Without a store (no cache): `compute()`."""
    if store is not None:
        found = store.get(name, parts)
        if found is not None:
            try:
                return decode(*found)
            except Exception:  # noqa: BLE001 - columns or values not of the shape expected (decode checks them)
                store.notes.append(f"a derived figure of the cache ({name}) did not fit the frames: it is computed again and rewritten")
    figure = compute()
    if store is not None:
        store.put(name, parts, *encode(figure))
    return figure


def remembered_flag(store: DerivedStore | None, name: str, parts: tuple, compute: Callable[[], bool]) -> bool:
    """`remembered` for a figure that is one yes or no (stored as {"flag": true|false})."""
    return remembered(store, name, parts, lambda: bool(compute()), lambda flag: ({}, {"flag": bool(flag)}), _stored_flag)


def frame_flag(frames, frame, name: str, key: str, compute: Callable[[], bool]) -> bool:
    """A yes or no about one frame of `frames` (`compute()`), once per frames object and kept in their cache
    entry as the derived figure `name` (`remembered_flag`, keyed by `key` and the frame's length)."""
    found = frames.derived.get(key)
    if found is None or found[0] is not frame:
        found = (frame, remembered_flag(getattr(frames, "store", None), name, (key, len(frame)), compute))
        frames.derived[key] = found
    return found[1]


def _stored_flag(_columns: dict, values: dict) -> bool:
    if not isinstance(values.get("flag"), bool):
        raise ValueError("no flag stored")
    return values["flag"]


def _arrow(array):
    import numpy as np
    import pyarrow as pa

    array = np.asarray(array)
    if array.dtype == object:
        return pa.array(array, type=pa.large_string())
    return pa.array(array)


def _numpy(column):
    import pyarrow as pa

    if pa.types.is_large_string(column.type) or pa.types.is_string(column.type):
        return column.to_numpy(zero_copy_only=False)  # Python str, None where missing
    return column.to_numpy()
