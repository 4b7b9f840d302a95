"""A report's figures kept in the cache: asked again on unchanged exports and plan with the same options, a report
prints what it computed the first time instead of computing it again.

What is kept is what a report command hands to its renderer (`Rendered`: the titled tables, notes, gate figures,
decisions), never the rendered text: the format, the terminal's width and colours, `--output` and the gates are
applied afresh on every run. It is one more derived figure of the cache entry (`intake/derived.py`): kept in
`<entry>/derived/report-<sha256>.arrow`, keyed by the entry (every export's bytes, what of the plan shapes the
frames, the intake code), the text of every plan file, the source of the whole package (the commands assemble
titles and notes), and everything the request says: the report, its `--by`/`--top`, the as-of day, the period as resolved, the filters, the format,
the gates asked, the reps of the workspace as loaded and those `--keep-going` left out.

Only what comes back exactly is kept: tables whose columns hold numbers, booleans, days and text (in the dtypes
they had), notes and figures that are plain JSON. A report is decoded again right after it is encoded and compared
with what was computed, value by value and type by type; one that would not come back the same (another
dtype, a Python object of another kind) is simply not kept, and is computed on every run as before.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable

from .formats import Options, Rendered

NAME = "report"
_PLAIN = (str, int, float, bool, type(None))


class _NotKept(Exception):
    """Something of the report does not come back from JSON as it was."""


def kept(ctx, opts: Options, report: str, request: tuple, build: Callable[[], Rendered]) -> Rendered:
    """`build()`, or the figures it gave for the same request on unchanged exports and plan.

    `request`: what the command was asked besides the common options (its `--by`, `--top`, ...), as text or
    JSON values. Without a cache (small exports, SALESPLAN_NO_CACHE): `build()`."""
    store = getattr(ctx.frames, "store", None)
    if store is None:
        return build()
    parts = request_parts(ctx, opts, report, request)
    found = store.get(NAME, parts)
    if found is not None:
        try:
            return decode(found[1], report)
        except Exception:  # noqa: BLE001 - another shape under the right key: computed again and rewritten
            store.notes.append(f"the figures of a report kept in the cache ({report}) could not be read: they are computed again and rewritten")
    rendered = build()
    try:
        values = encode(rendered)
        if not same(decode(json.loads(json.dumps(values)), report), rendered):
            raise _NotKept("not the same once read back")
    except (_NotKept, ValueError, TypeError, KeyError):  # refused by decode: not kept
        return rendered
    store.put(NAME, parts, {}, values)
    return rendered


def request_parts(ctx, opts: Options, report: str, request: tuple) -> tuple:
    """Everything besides the cache entry and the code that decides the figures of a report."""
    left_out = sorted((item.rep, item.reason()) for item in opts.left_out)
    return (
        report,
        json.dumps(list(request)),
        ctx.as_of.isoformat(),
        repr(ctx.period),
        repr(ctx.filters),
        opts.format.value,
        json.dumps(sorted(opts.fail_under)),
        opts.check,
        json.dumps(left_out),
        json.dumps(sorted(ctx.ws.reps)),
    )


# --- Rendered <-> JSON -------------------------------------------------------------------------------------


def encode(rendered: Rendered) -> dict:
    """The report as JSON values; raises _NotKept when a part has no exact JSON form."""
    for value in (rendered.report, rendered.titles, rendered.notes, rendered.gate_figures, rendered.decisions):
        _check_plain(value)
    return {
        "report": rendered.report,
        "tables": [[name, _encode_frame(frame)] for name, frame in rendered.tables.items()],
        "titles": rendered.titles,
        "notes": rendered.notes,
        "gate_figures": rendered.gate_figures,
        "decisions": rendered.decisions,
    }


def decode(values: dict, report: str | None = None) -> Rendered:
    """The report `encode` gave; raises ValueError when `values` are not of its shape (or of another report)."""
    if report is not None and values["report"] != report:
        raise ValueError(f"the figures of {values['report']!r}, not of {report!r}")
    _texts(values["titles"], mapping=True)
    _texts(values["notes"])
    if values["decisions"] is not None:
        _texts(values["decisions"])
    figures = values["gate_figures"]
    if type(figures) is not dict or any(type(by_rep) is not dict for by_rep in figures.values()):
        raise ValueError("gate figures that are not figures per rep")
    for by_rep in figures.values():
        if any(type(rep) is not str or type(figure) not in (int, float, type(None)) for rep, figure in by_rep.items()):
            raise ValueError("a gate figure that is not a number")
    tables = {str(name): _decode_frame(frame) for name, frame in values["tables"]}
    return Rendered(
        report=str(values["report"]),
        tables=tables,
        titles=dict(values["titles"]),
        notes=list(values["notes"]),
        gate_figures=figures,
        decisions=None if values["decisions"] is None else list(values["decisions"]),
    )


def _texts(values, mapping: bool = False) -> None:
    """Raise ValueError unless `values` is a list of texts (a mapping of text to text with `mapping`)."""
    if mapping:
        if type(values) is not dict or any(type(key) is not str or type(value) is not str for key, value in values.items()):
            raise ValueError("titles that are not texts")
    elif type(values) is not list or any(type(value) is not str for value in values):
        raise ValueError("notes that are not texts")


def same(a: Rendered, b: Rendered) -> bool:
    """Whether two reports are the same, down to each table's dtypes and each value's type."""
    if (a.report, a.titles, a.notes, a.decisions) != (b.report, b.titles, b.notes, b.decisions):
        return False
    if not _same_plain(a.gate_figures, b.gate_figures) or list(a.tables) != list(b.tables):
        return False
    return all(_same_frame(a.tables[name], b.tables[name]) for name in a.tables)


def _check_plain(value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if type(key) is not str:
                raise _NotKept(f"a key of type {type(key).__name__}")
            _check_plain(item)
    elif isinstance(value, list):
        for item in value:
            _check_plain(item)
    elif type(value) not in _PLAIN:
        raise _NotKept(f"a value of type {type(value).__name__}")


def _same_plain(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same_plain(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same_plain(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    return a == b


def _encode_frame(frame) -> dict:
    import pandas as pd

    if not all(type(column) is str for column in frame.columns) or type(frame.columns) is not pd.Index:
        raise _NotKept("column labels that are not text")
    index = frame.index
    if type(index) is pd.RangeIndex and index.name is None:
        encoded_index = {"range": [index.start, index.stop, index.step]}
    else:
        encoded_index = {"values": _encode_values(pd.Series(index)), "name": _plain_name(index.name)}
    return {
        "columns": [[column, _encode_values(frame.iloc[:, i])] for i, column in enumerate(frame.columns)],
        "index": encoded_index,
    }


def _plain_name(name):
    if type(name) not in _PLAIN:
        raise _NotKept("an index name that is not text")
    return name


def _encode_values(series) -> dict:
    import pandas as pd

    dtype = series.dtype
    kind = str(dtype)
    if kind == "category":
        return {"dtype": kind, "categories": _encode_values(series.cat.categories.to_series()), "ordered": bool(dtype.ordered), "codes": series.cat.codes.tolist()}
    if kind not in ("float64", "int64", "int32", "bool", "object", "str", "Int64", "Float64", "boolean", "string"):
        raise _NotKept(f"a column of dtype {kind}")
    values = series.tolist() if kind != "object" else list(series.array)
    out = []
    for value in values:
        if type(value) is dt.date:
            out.append({"date": value.isoformat()})  # deals' and activities' days in the lists of accounts and deals
            continue
        if type(value) not in _PLAIN:
            if kind in ("Int64", "Float64", "boolean", "string") and value is pd.NA:
                out.append({"na": True})
                continue
            raise _NotKept(f"a value of type {type(value).__name__}")
        if isinstance(value, float) and not math.isfinite(value):
            out.append({"float": repr(value)})  # NaN and infinities: JSON has no number for them
        else:
            out.append(value)
    storage = getattr(dtype, "storage", None)
    return {"dtype": kind, "storage": storage, "values": out}


def _decode_values(encoded: dict):
    import pandas as pd

    kind = encoded["dtype"]
    if kind == "category":
        categories = _decode_values(encoded["categories"])
        dtype = pd.CategoricalDtype(pd.Index(categories), ordered=bool(encoded["ordered"]))
        return pd.Series(pd.Categorical.from_codes(encoded["codes"], dtype=dtype))
    values = [_decode_value(value, pd.NA) for value in encoded["values"]]
    if kind == "object":
        import numpy as np

        array = np.empty(len(values), dtype=object)
        array[:] = values
        return pd.Series(array, dtype=object)
    if kind in ("str", "string") and encoded.get("storage"):
        na_value = float("nan") if kind == "str" else pd.NA
        return pd.Series(values, dtype=pd.StringDtype(storage=encoded["storage"], na_value=na_value))
    return pd.Series(values, dtype=kind)


def _decode_value(value, na):
    """One value of a table as `_encode_values` wrote it (`na`: pandas' missing value, passed in rather than
    imported once per value)."""
    if isinstance(value, dict):
        if value.get("na") is True:
            return na
        if "date" in value:
            return dt.date.fromisoformat(value["date"])
        return float(value["float"])
    if type(value) not in _PLAIN:
        raise ValueError(f"a value of type {type(value).__name__} in a table")
    return value


def _decode_frame(encoded: dict):
    import pandas as pd

    columns = encoded["columns"]
    data = {}
    for column, values in columns:
        data[column] = _decode_values(values).reset_index(drop=True)
    index = encoded["index"]
    if "range" in index:
        start, stop, step = index["range"]
        new_index = pd.RangeIndex(start, stop, step)
    else:
        new_index = pd.Index(_decode_values(index["values"]), name=index["name"])
    frame = pd.DataFrame(data, columns=[column for column, _ in columns]) if data else pd.DataFrame(columns=[column for column, _ in columns])
    if len(frame) != len(new_index):
        if data:
            raise ValueError("the index and the columns differ in length")
        frame = pd.DataFrame(index=new_index, columns=pd.Index([], dtype=object))
    frame.index = new_index
    return frame


def _same_frame(a, b) -> bool:
    if list(a.columns) != list(b.columns) or type(a.columns) is not type(b.columns) or a.columns.dtype != b.columns.dtype:
        return False
    if type(a.index) is not type(b.index) or a.index.dtype != b.index.dtype or a.index.name != b.index.name or not a.index.equals(b.index):
        return False
    for i in range(a.shape[1]):
        x, y = a.iloc[:, i], b.iloc[:, i]
        if x.dtype != y.dtype or not _same_values(x, y):
            return False
    return True


def _same_values(x, y) -> bool:
    import numpy as np

    if isinstance(x.dtype, np.dtype) and x.dtype.kind in "iub":  # numpy numbers of one dtype: their values are their types
        return np.array_equal(x.to_numpy(), y.to_numpy())
    if isinstance(x.dtype, np.dtype) and x.dtype.kind == "f":  # NaN where NaN, and -0.0 told from 0.0
        a, b = x.to_numpy(), y.to_numpy()
        return np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a), np.signbit(b))
    if str(x.dtype) in ("str", "string"):  # text or missing, by the dtype: equal values where missing alike
        return bool(x.reset_index(drop=True).equals(y.reset_index(drop=True)))
    if str(x.dtype) == "category":
        return _same_values(x.cat.categories.to_series(), y.cat.categories.to_series()) and x.cat.codes.tolist() == y.cat.codes.tolist()
    left, right = (list(x.array), list(y.array)) if x.dtype == object else (x.tolist(), y.tolist())
    if len(left) != len(right):
        return False
    import pandas as pd

    for u, v in zip(left, right):
        if u is pd.NA or v is pd.NA:
            if not (u is pd.NA and v is pd.NA):
                return False
        elif not _same_plain(u, v):
            return False
    return True
