"""Rewrite values of a plan file in place: a targeted text edit, located with ruamel.yaml.

Only the values that change are rewritten; comments, key order, quoting, flow or block style and the
number style (`350_000`) of everything else stay as the person wrote them. A mapping whose keys change
(a new segment, quarters instead of months) is rewritten in the style it had (flow or block).
"""

from __future__ import annotations

import hashlib
import io
import re
from fractions import Fraction
from pathlib import Path

from ..config.values import money
from ..writing import write_atomic

_PLAIN_FLOW = re.compile(r"[^,\}\]\s#]+")
_UNDERSCORED = re.compile(r"\d_\d{3}")


class EditError(Exception):
    """The file cannot be edited safely (a value in a form the editor does not know)."""


class StaleFile(Exception):
    """A file changed on disk after it was read."""


def _load(text: str):
    from ruamel.yaml import YAML

    reader = YAML(typ="rt")  # round-trip: plain maps, lists and scalars, no Python objects built from tags
    return reader.load(io.StringIO(text))


def format_amount(value: Fraction, underscores: bool) -> str:
    """An amount as YAML: a whole number (350_000 with underscores), else two decimals."""
    value = Fraction(value)
    if value.denominator == 1:
        n = int(value)
        return f"{n:_}" if underscores else str(n)
    text = f"{money(value):.2f}"
    whole, cents = text.split(".")
    return (f"{int(whole):_}" if underscores else whole) + "." + cents


def _token_end(line: str, col: int, flow: bool) -> int:
    if line[col] in "'\"":
        quote = line[col]
        end = line.find(quote, col + 1)
        while quote == "'" and end != -1 and line[end + 1 : end + 2] == "'":
            end = line.find(quote, end + 2)
        if end == -1:
            raise EditError("a quoted value spans lines")
        return end + 1
    if flow:
        match = _PLAIN_FLOW.match(line, col)
        return match.end() if match else col
    comment = line.find(" #", col)
    end = comment if comment != -1 else len(line.rstrip("\r\n"))
    return len(line[:end].rstrip())


def _styled(old: str, value: Fraction, underscores: bool) -> str:
    quote = old[0] if old[:1] in "'\"" else ""
    body = old[1:-1] if quote else old
    if "%" in body:  # a share becomes an amount
        return format_amount(value, underscores)
    return quote + format_amount(value, "_" in body) + quote  # each value keeps its own number style


def _value_text(lines: list[str], node, key, flow: bool) -> str:
    line, col = node.lc.value(key)
    return lines[line][col:_token_end(lines[line], col, flow)]


def _flow_text(values: dict[str, Fraction], underscores: bool) -> str:
    return "{" + ", ".join(f"{k}: {format_amount(v, underscores)}" for k, v in values.items()) + "}"


def _end_of_flow(lines: list[str], line: int, col: int) -> int:
    depth = 0
    text = lines[line]
    for i in range(col, len(text)):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
    raise EditError("a flow mapping spans lines")


def set_mapping(text: str, key: str, values: dict[str, Fraction], after: str = "targets") -> str:
    """`text` with the top-level mapping `key` set to `values` (inserted after `after` when absent)."""
    data = _load(text)
    lines = text.splitlines(keepends=True)
    underscores = bool(_UNDERSCORED.search(text))
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    if key not in data:
        anchor = after if after in data else None
        if anchor is None:
            last = len(lines)
            if lines and not lines[-1].endswith("\n"):
                lines[-1] += newline
        else:
            last = _last_line(data, anchor, lines) + 1
        lines.insert(last, f"{key}: {_flow_text(values, underscores)}{newline}")
        return "".join(lines)
    node = data[key]
    from ruamel.yaml.comments import CommentedMap

    if not isinstance(node, CommentedMap):
        raise EditError(f"{key}: is not a mapping")
    flow = node.fa.flow_style()
    old_keys = [str(k) for k in node]
    if set(old_keys) <= set(values) and old_keys:  # the same keys, maybe more: edit values in place, add the rest
        by_name = {str(k): k for k in node}
        added = {k: v for k, v in values.items() if k not in by_name}
        style = any("_" in _value_text(lines, node, k, flow) for k in node) or (underscores and not old_keys)
        edits = []
        for name in old_keys:
            line, col = node.lc.value(by_name[name])
            end = _token_end(lines[line], col, flow)
            old = lines[line][col:end]
            edits.append((line, col, end, _styled(old, values[name], underscores)))
        if added and flow:
            line, col = node.lc.value(by_name[old_keys[-1]])
            end = _token_end(lines[line], col, flow)
            extra = "".join(f", {k}: {format_amount(v, style)}" for k, v in added.items())
            edits.append((line, end, end, extra))
        for line, col, end, new in sorted(edits, reverse=True):
            lines[line] = lines[line][:col] + new + lines[line][end:]
        if added and not flow:
            last = _last_line(data, key, lines)
            indent = node.lc.key(by_name[old_keys[0]])[1]
            lines[last + 1 : last + 1] = [f"{' ' * indent}{k}: {format_amount(v, style)}{newline}" for k, v in added.items()]
        return "".join(lines)
    if flow:
        line, col = data.lc.value(key)
        end = _end_of_flow(lines, line, col)
        lines[line] = lines[line][:col] + _flow_text(values, underscores) + lines[line][end:]
        return "".join(lines)
    first = min(node.lc.key(k)[0] for k in node)
    last = _last_line(data, key, lines)
    indent = node.lc.key(next(iter(node)))[1]
    new = [f"{' ' * indent}{k}: {format_amount(v, underscores)}{newline}" for k, v in values.items()]
    lines[first : last + 1] = new
    return "".join(lines)


def set_values(text: str, path: tuple[str, ...], values: dict[str, Fraction]) -> str:
    """`text` with existing scalar values under the nested mapping `path` replaced (keys must exist)."""
    data = _load(text)
    node = data
    for key in path:
        node = node[key]
    lines = text.splitlines(keepends=True)
    underscores = bool(_UNDERSCORED.search(text))
    flow = node.fa.flow_style()
    by_name = {str(k): k for k in node}
    edits = []
    for name, value in values.items():
        line, col = node.lc.value(by_name[name])
        end = _token_end(lines[line], col, flow)
        edits.append((line, col, end, _styled(lines[line][col:end], value, underscores)))
    for line, col, end, new in sorted(edits, reverse=True):
        lines[line] = lines[line][:col] + new + lines[line][end:]
    return "".join(lines)


def _last_line(data, key: str, lines: list[str]) -> int:
    """The last line of a top-level entry's value (the line of its key for a one-line value)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    node = data[key]
    line = data.lc.key(key)[0]
    if isinstance(node, (CommentedMap, CommentedSeq)) and not node.fa.flow_style() and len(node):
        keys = list(node) if isinstance(node, CommentedMap) else range(len(node))
        getter = node.lc.value if isinstance(node, CommentedMap) else node.lc.item
        line = max(getter(k)[0] for k in keys)
    return line


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_edits(root: Path, edits: dict[str, tuple[bytes, str]]) -> None:
    """Write each file's new text, atomically, after checking that none changed since it was read
    (`edits`: relative path -> (the bytes read, the new text)). Nothing is written when one changed."""
    stale = [rel for rel, (before, _) in edits.items() if (root / rel).read_bytes() != before]
    if stale:
        raise StaleFile(", ".join(stale))
    for rel, (_, text) in edits.items():
        write_atomic(root / rel, text)


def set_nested(text: str, key: str, values: dict[str, dict[str, Fraction]], after: tuple[str, ...] = ("periods", "products", "targets")) -> str:
    """`text` with the numbers of the two-level mapping `key` (e.g. volume: kind -> name -> number) set.

    Values under existing keys are rewritten in place; a missing key is added: the whole mapping is rewritten
    in flow style when it is written in flow style, inserted as one flow line when absent (after the first
    of `after` present); a block mapping missing a key cannot be edited safely (EditError)."""
    data = _load(text)
    node = data.get(key) if data is not None else None
    if node is not None and all(kind in node and all(name in node[kind] for name in names) for kind, names in values.items()):
        for kind, names in values.items():
            text = set_values(text, (key, kind), names)
        return text
    lines = text.splitlines(keepends=True)
    underscores = bool(_UNDERSCORED.search(text))
    newline = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    merged: dict[str, dict[str, object]] = {}
    for kind, names in (node or {}).items():
        merged[str(kind)] = {str(n): v for n, v in names.items()}
    for kind, names in values.items():
        merged.setdefault(kind, {}).update(names)

    def show(v) -> str:
        return format_amount(v, underscores) if isinstance(v, Fraction) else str(v)

    flow = "{" + ", ".join(f"{kind}: {{" + ", ".join(f"{n}: {show(v)}" for n, v in names.items()) + "}" for kind, names in merged.items()) + "}"
    if node is None:
        anchor = next((a for a in after if a in data), None)
        last = _last_line(data, anchor, lines) + 1 if anchor else len(lines)
        if not anchor and lines and not lines[-1].endswith("\n"):
            lines[-1] += newline
        lines.insert(last, f"{key}: {flow}{newline}")
        return "".join(lines)
    if not node.fa.flow_style():
        raise EditError(f"{key}: a block mapping would need a new entry ({', '.join(f'{k}.{n}' for k, names in values.items() for n in names)}); write it in flow style or add the entries by hand")
    line, col = data.lc.value(key)
    end = _end_of_flow(lines, line, col)
    lines[line] = lines[line][:col] + flow + lines[line][end:]
    return "".join(lines)
