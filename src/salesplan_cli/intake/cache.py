"""A cache of the canonical frames, so that a second report on unchanged exports skips reading and parsing them.

One entry per workspace, in `<workspace>/.salesplan-cache/` (or the folder given), holding the frames as
Arrow IPC files (uncompressed: a second run reads them at the speed of the disk, with no decoding; key columns
stay dictionary-encoded, so they come back as the categories they were) and the intake account (rows read, used, rejected and why) as JSON. The entry is keyed by:

- every export file's path, size, modification time and SHA-256 of its bytes (the SHA-256 remembered in
  `export-digests.json`, `digests.py`, while the file's size, times and inode stay those it had when it was hashed);
- what of the plan shapes the frames (`plan_shaping_frames`): salesplan.yaml, strategy.yaml and segments.yaml
  whole (the `data:` settings, mappings, rates, stages, actions, products, segments), and each rep's id, name
  and e-mail (owners are matched on them) with any field not in `REP_FIELDS_NOT_READ`: a revised target or
  portfolio leaves the frames as they are (the derived figures and kept reports of the entry, which depend
  on the whole plan, are keyed by `plan_digest` besides);
- salesplan's version, this cache's format and the source of the code that builds the frames (`intake/`,
  `config/`, `plan/model.py`: an upgrade or a local edit of it never meets an entry built by other code).

Any change to one of those makes a new key, and the stale entry is replaced. Nothing is trusted that the
key does not cover: a damaged or foreign entry is ignored (and rewritten), never an error. Arrow IPC, not
pickle: a cache folder that came with a cloned repository cannot run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

from .. import __version__
from ..plan.model import Workspace
from .frameset import Frames, SourceReport
from ..writing import read_cache_file
from .digests import DIGESTS, ENV_DISABLE, ENV_FOLDER, FOLDER, cache_folder, export_digest, read_digests, signature, write_digests  # noqa: F401 - also read from here
from .load import export_files, export_sources
from .read import RowIssue

#: Bump when what is stored changes shape.
FORMAT = 4
ENV_NO_MMAP = "SALESPLAN_CACHE_NO_MMAP"
_FRAMES = ("opportunities", "opportunity_lines", "activities", "accounts", "sales", "stage_history")
#: Exports smaller than this in total are read afresh every time (reading them is as quick as the cache).
MIN_BYTES = 8 * 1024 * 1024


def worth_caching(ws: Workspace) -> bool:
    """Whether the workspace's exports are large enough for the cache to pay."""
    total = 0
    for _kind, path in export_files(ws):
        try:
            total += path.stat().st_size if path.is_file() else 0
        except (OSError, ValueError):
            return False
    return total >= MIN_BYTES


#: Fields of a rep plan that the intake does not read (it reads a rep's id, name and e-mail, to match owners):
#: a change to them leaves the frames as they are (`plan_shaping_frames`). A field not listed here is in the key.
REP_FIELDS_NOT_READ = frozenset(
    {"manager", "territory", "start", "end", "targets", "products", "periods", "volume", "portfolio", "activities", "capacity", "methods", "agreed", "reviewed"}
)


def plan_shaping_frames(ws: Workspace) -> str:
    """What of the plan the frames depend on, as text: salesplan.yaml, strategy.yaml and segments.yaml whole,
    and of each rep plan all but the fields the intake never reads (a target revised, a portfolio changed,
    a review date added: the exports are not read again). A rep file that did not load (`--keep-going`) counts
    whole, and so do the reps left out."""
    loaded = {rel: stem for stem, rel in ws.rep_files.items() if stem in ws.reps}
    parts = []
    for rel in sorted(ws.sources):
        if rel in loaded:
            fields = ws.reps[loaded[rel]].model_dump(mode="json", exclude=set(REP_FIELDS_NOT_READ))
            parts.append(f"plan {rel} fields {json.dumps(fields, sort_keys=True)}")
        else:
            text = getattr(ws.sources[rel], "text", "") or ""
            parts.append(f"plan {rel} {len(text)}\n{text}")
    parts.append("left out " + json.dumps(sorted(ws.derived.get("keep_going_left_out_names", ()))))
    return "\n".join(parts)


def plan_digest(ws: Workspace) -> str:
    """SHA-256 of the text of every plan file (and the reps `--keep-going` left out): what derived figures and
    kept reports depend on besides the frames."""
    from ..plan.checked import plan_text_digest

    left_out = json.dumps(sorted(ws.derived.get("keep_going_left_out_names", ())))
    return hashlib.sha256(f"{plan_text_digest(ws)} left out {left_out}".encode()).hexdigest()


def cache_key(ws: Workspace, folder: Path | None = None, hashed: list | None = None) -> str | None:
    """The key of the workspace's frames; None when an export cannot be stat'ed or read (the reader will say why).

    `folder`: the cache folder, where the SHA-256 of each export is remembered (`export_digests`). `hashed`:
    [kind, path as declared, path as shown, path, SHA-256, [size, modification and change times, inode]] of
    each export is appended to it (what the read is checked against, and a replayed run after it)."""
    digest = hashlib.sha256(f"salesplan {__version__} cache {FORMAT}\n".encode())
    package = Path(__file__).parent.parent
    # the code that builds the frames: the intake, the `data:` settings it reads, the plan's models
    for module in [*sorted((package / "intake").glob("*.py")), *sorted((package / "config").glob("*.py")), package / "plan" / "model.py"]:
        digest.update(module.read_bytes())
    digest.update(plan_shaping_frames(ws).encode("utf-8", errors="surrogatepass"))
    known = read_digests(folder)
    before = dict(known)
    exports = export_sources(ws)
    for kind, declared, shown, path in exports:
        try:
            if not path.is_file():
                return None
            stat = path.stat()
            content = export_digest(path, stat, known)
        except (OSError, ValueError):
            return None
        digest.update(f"export {kind} {path} {stat.st_size} {stat.st_mtime_ns} {content}\n".encode("utf-8", "surrogateescape"))
        if hashed is not None:
            hashed.append([kind, declared, shown, str(path), content, signature(stat)])
    current = {str(path): known[str(path)] for *_, path in exports if str(path) in known}  # no stale files kept
    if folder is not None and current != before:
        write_digests(folder, current)
    return digest.hexdigest()


def load(folder: Path, key: str) -> Frames | None:
    """The frames stored under `key`, or None (no entry, another key, a damaged entry)."""
    entry = folder / key
    try:
        meta = json.loads(read_cache_file(entry / "meta.json").decode("utf-8"))
        if meta.get("format") != FORMAT or meta.get("key") != key:
            return None
        import pyarrow as pa

        frames = Frames(sales_from_opportunities=bool(meta["sales_from_opportunities"]))
        for name in _FRAMES:
            spec = meta["frames"].get(name)
            if spec is None:
                continue
            # memory-mapped: only the pages of the columns a report reads are brought in (writers replace a file
            # by renaming a new one over it, so a mapped file is never cut short by salesplan; see _mapped)
            table = _mapped(entry / f"{name}.arrow")
            setattr(frames, name, _restore(table, spec["dtypes"], spec["columns"]))
        for report in meta["reports"]:
            source = SourceReport(kind=report["kind"], path=report["path"], unit=report["unit"], rows_read=report["rows_read"], rows_used=report["rows_used"])
            source.fields = list(report["fields"])
            source.issues = [RowIssue(line, reason, kind, last, id_, name) for line, reason, kind, last, id_, name in report["issues"]]
            source.absent = list(report["absent"])
            source.converted = {str(code): dict(c) for code, c in report.get("converted", {}).items()}
            source.without_rate = {str(code): int(n) for code, n in report.get("without_rate", {}).items()}
            frames.reports.append(source)
        return frames
    except (OSError, ValueError, KeyError, TypeError, ImportError):
        return None
    except Exception:  # pyarrow's errors on a damaged file (ArrowInvalid and friends)
        return None


def store(folder: Path, key: str, frames: Frames) -> bool:
    """Write the entry atomically (a temporary folder renamed into place) and drop older entries.

    False when the folder cannot be written (read-only checkout, full disk): the report goes on uncached.
    """
    import pyarrow as pa

    tmp = folder / f".tmp-{key}-{os.getpid()}"
    try:
        from ..writing import prepare_cache_folder

        prepare_cache_folder(folder)
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        meta = {"format": FORMAT, "key": key, "sales_from_opportunities": frames.sales_from_opportunities, "frames": {}, "reports": []}
        for name in _FRAMES:
            frame = getattr(frames, name)
            if frame is None:
                continue
            meta["frames"][name] = {"columns": [str(c) for c in frame.columns], "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()}}
            table = pa.Table.from_pandas(_storable(frame), preserve_index=False)
            with pa.OSFile(str(tmp / f"{name}.arrow"), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
                writer.write_table(table)
        for report in frames.reports:
            meta["reports"].append(
                {
                    "kind": report.kind,
                    "path": report.path,
                    "unit": report.unit,
                    "rows_read": report.rows_read,
                    "rows_used": report.rows_used,
                    "fields": list(report.fields),
                    "issues": [[issue.line, issue.reason, issue.kind, issue.last, issue.id, issue.name] for issue in report.issues],
                    "absent": list(report.absent),
                    "converted": report.converted,
                    "without_rate": report.without_rate,
                }
            )
        (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        final = folder / key
        # the entry in place (another run's) is moved aside whole, not emptied where it stands: a run still writing
        # derived figures into it could otherwise leave a folder of figures without frames
        old = folder / f".old-{key}-{os.getpid()}"
        shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(final, old)
        except OSError:  # none yet
            pass
        try:
            os.replace(tmp, final)
        except OSError:  # another run put its entry, of the same key, in place meanwhile: it serves as well
            shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
        for other in folder.iterdir():
            if other.is_dir() and other.name != key and not _in_flight(other):
                shutil.rmtree(other, ignore_errors=True)
        return True
    except BaseException as exc:  # the cache is an optimisation: a failure leaves the report uncached, never broken
        shutil.rmtree(tmp, ignore_errors=True)  # and Ctrl-C or a kill by SIGTERM leaves no half-written entry
        if not isinstance(exc, Exception):
            raise
        return False


#: Another run's temporary or set-aside entry younger than this is left to it (it renames or removes it itself);
#: an older one was left by a run that was killed, and is removed.
IN_FLIGHT_SECONDS = 15 * 60


def _in_flight(folder: Path) -> bool:
    """Whether `folder` is another run's entry being written (`.tmp-`) or replaced (`.old-`): removing it under
    that run could leave no entry at all (its rename into place would then fail)."""
    if not folder.name.startswith((".tmp-", ".old-")):
        return False
    try:
        return time.time() - folder.stat().st_mtime < IN_FLIGHT_SECONDS
    except OSError:
        return False


def _mapped(path: Path):
    """The Arrow table of an IPC file, memory-mapped (its buffers are the file's pages, read when first used).

    A second run reads a few of the columns of each frame: mapped, the others are never read (reading the 450 MB
    of the 2,000-rep frames into memory took 0.3 to 0.7 s). Every file of the cache is written under another
    name and renamed into place, and an entry or figure replaced is unlinked, never rewritten in place: a
    mapping keeps the file it was opened on. A file cut short before it is opened fails here (`load` returns
    None: ignored with a note and rewritten). What a mapping cannot survive is a cache file rewritten in place
    while a report reads it (`cp` of a saved cache over this one, `rsync --inplace`, another host deleting it on a
    network share): the process would die of a bus error. $SALESPLAN_CACHE_NO_MMAP reads the files into memory
    instead, as does a file system that cannot map files."""
    import stat

    import pyarrow as pa

    if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe or a device at a frame's name: not opened (it could block)
        raise OSError(f"{path} is not a regular file")
    if os.environ.get(ENV_NO_MMAP, "") in ("", "0"):
        try:
            with pa.memory_map(str(path)) as source:
                return pa.ipc.open_file(source).read_all()
        except OSError:  # no mapping on this file system: read into memory below
            pass
    with pa.OSFile(str(path)) as source:
        return pa.ipc.open_file(source).read_all()


def _storable(frame):
    """Object columns for Arrow: flags (True, False, None) as nullable booleans, so they read back as flags;
    other values (text with None) as strings; everything else as it is."""
    import numpy as np

    out = frame.copy(deep=False)
    for column, dtype in frame.dtypes.items():
        if str(dtype) == "object":
            values = frame[column]
            present = values[values.notna()]
            if len(present) and all(isinstance(v, (bool, np.bool_)) for v in present):
                out[column] = values.astype("boolean")
                continue
            out[column] = values.where(values.isna(), values.astype("str")).astype("str")
    return out


def _restore(table, dtypes: dict[str, str], columns: list[str]):
    """The frame as it was stored: same column order and dtypes, object columns with None for missing.

    A column with no value at all comes back without its dtype (Arrow's null type): it is rebuilt as the
    empty column it was, not converted row by row."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    keys = [c for c in columns if pa.types.is_dictionary(table.schema.field(c).type) and pa.types.is_large_string(table.schema.field(c).type.value_type)]
    frame = table.drop_columns(keys).to_pandas(split_blocks=True) if keys else table.to_pandas(split_blocks=True)
    for column in keys:
        frame[column] = _categories(table.column(column))
    frame = frame[columns]
    for column in columns:
        dtype = dtypes[column]
        values = frame[column]
        if str(values.dtype) == dtype and dtype != "object":
            continue
        empty = table.column(column).null_count == len(frame)
        if dtype == "object":
            # a Series of dtype object, not a bare array: pandas would look through the 5,000,000 values for a type
            filled = np.full(len(frame), None, dtype=object) if empty else values.astype("object").where(values.notna(), None)
            frame[column] = pd.Series(filled, index=frame.index, dtype="object", copy=False)
        elif dtype == "category" and empty:
            frame[column] = pd.Categorical.from_codes(np.full(len(frame), -1, dtype=np.int8), categories=pd.Index([], dtype="object"))
        else:
            frame[column] = values.astype(dtype)
    return frame.reset_index(drop=True) if not isinstance(frame.index, pd.RangeIndex) else frame


def _categories(column):
    """A dictionary-encoded key column as the pandas category it was stored from: codes taken as they are and
    the categories built once (pyarrow's own conversion turns every category into a Python string first: 0.2 s
    for the 250,000 accounts of each frame)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if not chunks:
        chunks = [pa.array([], type=column.type)]
    if not _one_dictionary(chunks):  # an IPC file holds one dictionary per column; anything else is unified
        chunks = [column.unify_dictionaries().combine_chunks()]
    categories = pd.Index(chunks[0].dictionary.to_pandas(types_mapper={pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}.get), dtype="str")
    parts = [chunk.indices.fill_null(-1).to_numpy(zero_copy_only=False) if chunk.null_count else chunk.indices.to_numpy(zero_copy_only=False) for chunk in chunks]
    codes = parts[0] if len(parts) == 1 else np.concatenate(parts)
    return pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False)


def _one_dictionary(chunks) -> bool:
    """Whether the chunks of a dictionary column share one dictionary (the same buffers, as an IPC file reads
    back): their codes can then be put end to end, without comparing or merging 500,000 categories."""
    first = [buffer.address if buffer is not None else None for buffer in chunks[0].dictionary.buffers()]
    return all([buffer.address if buffer is not None else None for buffer in chunk.dictionary.buffers()] == first for chunk in chunks[1:])

