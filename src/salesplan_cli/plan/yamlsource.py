"""Safe YAML reading with a source map, and diagnostics for the YAML traps.

We never use PyYAML's constructors: we read the event stream (an iterative
parser, so deep nesting cannot blow the stack), build plain Python values
ourselves and record the line and column of every key and value. This lets us
refuse duplicate keys, YAML 1.1 booleans and octals, unknown tags and alias
bombs, and map any later error back to the place it comes from.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostic, diagnostic
from .filetext import MAX_FILE_BYTES, line_col, read_text  # noqa: F401 - MAX_FILE_BYTES and read_text: also read from here

try:  # libyaml's parser is much faster; the pure-Python one is equivalent.
    from yaml.cyaml import CParser as _Parser

    _Loader = yaml.CSafeLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    _Loader = _Parser = yaml.SafeLoader

#: Deepest nesting of mappings and lists accepted (SP106).
MAX_DEPTH = 64
#: Most values a file may expand to, aliases counted at their expanded size (SP105).
MAX_NODES = 250_000

Path_ = tuple  # a key path inside a document: ("targets", "A") or ("stages", 3)

_YAML11_BOOL = re.compile(r"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_NULL = re.compile(r"^(~|null|Null|NULL|)$")
_BOOL = re.compile(r"^(true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?[0-9][0-9_]*$")
_RADIX = re.compile(r"^[-+]?0(x[0-9a-fA-F_]+|o[0-7_]+|b[01_]+)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = re.compile(r"^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")

_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {f"{_STD}{t}" for t in ("str", "int", "float", "bool", "null", "map", "seq")} | {"!"}


_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_lines(text: str) -> list[str]:
    """Lines as YAML counts them: CR LF, CR, LF, NEL, LS and PS all end a line."""
    return _LINE_BREAK.split(text)


@dataclass
class Mark:
    line: int  # 1-based
    col: int  # 1-based


@dataclass
class SourceDoc:
    """A parsed plan file: its data, its text and where every key and value sits."""

    rel: str
    text: str = ""
    data: Any = None
    key_marks: dict[Path_, Mark] = field(default_factory=dict)
    value_marks: dict[Path_, Mark] = field(default_factory=dict)
    #: lines whose other findings are only echoes of a finding already made there
    noisy_lines: set[int] = field(default_factory=set)

    def lines(self) -> list[str]:
        return yaml_lines(self.text)

    def mark_for(self, path: Path_, prefer_key: bool = False) -> Mark | None:
        """Best place for a path: the exact key/value, else the closest existing parent."""
        path = tuple(path)
        while True:
            first, second = (
                (self.key_marks, self.value_marks) if prefer_key else (self.value_marks, self.key_marks)
            )
            if path in first:
                return first[path]
            if path in second:
                return second[path]
            if not path:
                return None
            path = path[:-1]


def path_str(path: Path_) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class _Builder:
    """Turns a YAML event stream into Python values plus a source map."""

    def __init__(self, doc: SourceDoc):
        self.doc = doc
        self.diags: list[Diagnostic] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.nodes = 0
        self.merged: dict[int, set] = {}
        self.merge_keys: dict[int, list] = {}  # id(mapping) -> marks of its "<<" keys (one is allowed)
        self._lines: list[str] | None = None

    def problem(self, code: str, mark, message: str, hint: str = "", path: Path_ = ()) -> None:
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        self.diags.append(diagnostic(code, self.doc.rel, line, col, message, hint, path_str(path)))

    def build(self, text: str) -> Any:
        # One pass over the parser's events. The common events (a plain scalar as a key, as a mapping's value or
        # as a list item) are handled inline: this loop runs for every value of every plan file (about 150,000
        # times on 2,000 reps), so a method call or an isinstance chain per event is most of the time. Every
        # other case goes to the helpers below, in the same order as ever, so findings and the source map are
        # the same event by event (a syntax error part-way keeps the findings made before it).
        get_event = _Parser(text).get_event
        # stack entries: [container, path, size, pending_key, anchor, is_mapping, key_mark, is_flow]
        stack: list[list] = []
        root: Any = None
        documents = 0
        key_marks = self.doc.key_marks
        value_marks = self.doc.value_marks
        known = _PLAIN_VALUES
        while True:
            event = get_event()
            if event is None:
                return root
            kind = event.__class__
            if kind is yaml.ScalarEvent:
                tag = event.tag
                if tag is not None and tag not in _ALLOWED_TAGS:
                    return self._bad_tag(event, tag, stack)
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self._count_exceeded(event.start_mark)
                    return None
                text = event.value
                if tag is None and event.implicit[0] and not event.style and not (stack and stack[-1][7] and len(text) == 3):
                    # a plain scalar outside the thousands trap: its value depends on its text alone
                    value = known.get(text, _MISSING)
                    if value is _MISSING:
                        value = self._scalar(event, stack)
                else:
                    value = self._scalar(event, stack)
                if event.anchor:
                    self.anchors[event.anchor] = (value, 1)
                if not stack:
                    return value
                top = stack[-1]
                mark = event.start_mark
                if not top[5]:  # a list item
                    top[2] += 1
                    container = top[0]
                    value_marks.setdefault(top[1] + (len(container),), Mark(mark.line + 1, mark.column + 1))
                    container.append(value)
                    root = stack[0][0]
                    continue
                key = top[3]
                if key is _NO_KEY:  # a key: its value comes next
                    top[2] += 1
                    top[3] = str(value) if isinstance(value, Decimal) else value
                    top[6] = Mark(mark.line + 1, mark.column + 1)
                    root = stack[0][0]
                    continue
                if key is not _BAD_KEY and key != "<<" and key not in top[0]:  # a new key's value
                    top[2] += 1
                    top[3] = _NO_KEY
                    top[0][key] = value
                    item_path = top[1] + (key,)
                    key_marks[item_path] = top[6]
                    value_marks.setdefault(item_path, Mark(mark.line + 1, mark.column + 1))
                    root = stack[0][0]
                    continue
                root = self._attach(stack, value, 1, mark, event)
                continue
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                container, path, size, _key, anchor, _is_map, _km, _flow = stack.pop()
                if anchor:
                    self.anchors[anchor] = (container, size)
                if not stack:
                    root = container
                    continue
                top = stack[-1]
                if not top[5]:  # a list item (its place was recorded at its start)
                    top[2] += size
                    top[0].append(container)
                    root = stack[0][0]
                    continue
                key = top[3]
                if key is not _NO_KEY and key is not _BAD_KEY and key != "<<" and key not in top[0]:  # a new key's value
                    top[2] += size
                    top[3] = _NO_KEY
                    top[0][key] = container
                    key_marks[top[1] + (key,)] = top[6]
                    root = stack[0][0]
                    continue
                root = self._attach(stack, container, size, event.start_mark, None)
                continue
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                tag = event.tag
                if tag is not None and tag not in _ALLOWED_TAGS:
                    return self._bad_tag(event, tag, stack)
                if len(stack) >= MAX_DEPTH:
                    self.problem(
                        "SP106",
                        event.start_mark,
                        f"nesting deeper than {MAX_DEPTH} levels",
                        "plan files need only a few levels; flatten the structure",
                    )
                    return None
                mark = event.start_mark
                if not stack:
                    path = ()
                elif not stack[-1][5]:
                    path = stack[-1][1] + (len(stack[-1][0]),)
                elif stack[-1][3] is _NO_KEY:
                    # a mapping or list used as a key
                    self.problem("SP203", mark, "a mapping or list cannot be used as a key", "use a plain text key", stack[-1][1])
                    return None
                else:
                    path = stack[-1][1] + (stack[-1][3],)
                value_marks.setdefault(path, Mark(mark.line + 1, mark.column + 1))
                is_map = kind is yaml.MappingStartEvent
                stack.append([{} if is_map else [], path, 1, _NO_KEY, event.anchor, is_map, None, bool(event.flow_style)])
                self.nodes += 1
                if self.nodes > MAX_NODES:
                    self._count_exceeded(event.start_mark)
                    return None
                continue
            if kind is yaml.AliasEvent:
                if event.anchor not in self.anchors:
                    self.problem("SP101", event.start_mark, f"alias *{event.anchor} refers to no finished anchor", "define the anchor (&name) before using it")
                    return None
                value, size = self.anchors[event.anchor]
                self.nodes += size
                if self.nodes > MAX_NODES:
                    self.problem(
                        "SP105",
                        event.start_mark,
                        f"the file expands to more than {MAX_NODES:,} values through aliases",
                        "remove the nested aliases; plan files never need this many values",
                    )
                    return None
                if not stack:
                    return value
                root = self._attach(stack, value, size, event.start_mark, None)
                continue
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    self.problem("SP101", event.start_mark, "more than one YAML document in the file", "remove the extra '---' separator")
                    return None
            # the stream's and documents' other events carry nothing

    def _bad_tag(self, event, tag: str, stack) -> None:
        self.problem(
            "SP107",
            event.start_mark,
            f"tag {tag.replace(_STD, '!!')} is not allowed",
            "plan files are plain data: remove the tag",
            self._child_path(stack),
        )
        return None

    def _count_exceeded(self, mark) -> None:
        """The node count went over the limit by one value: say so (once; aliases say it themselves)."""
        if self.nodes == MAX_NODES + 1:
            self.problem("SP105", mark, f"the file holds more than {MAX_NODES:,} values", "a plan file never needs this many values")

    def _child_path(self, stack) -> Path_:
        if not stack:
            return ()
        container, path, _size, key, _anchor, is_map, _km, _flow = stack[-1]
        if is_map:
            return path + ((key,) if key is not _NO_KEY else ())
        return path + (len(container),)

    def _attach(self, stack, value, size, mark, scalar_event) -> Any:
        top = stack[-1]
        container, path, _size, key, _anchor, is_map, key_mark, _flow = top
        top[2] += size
        if not is_map:
            item_path = path + (len(container),)
            if scalar_event is not None or not isinstance(value, (dict, list)):
                self.doc.value_marks.setdefault(item_path, Mark(mark.line + 1, mark.column + 1))
            container.append(value)
            return stack[0][0]
        if key is _NO_KEY:
            if isinstance(value, (dict, list)):
                self.problem("SP203", mark, "a mapping or list cannot be used as a key", "use a plain text key", path)
                top[3] = _BAD_KEY
                return stack[0][0]
            hashable = value if not isinstance(value, Decimal) else str(value)
            top[3] = hashable
            top[6] = Mark(mark.line + 1, mark.column + 1)
            return stack[0][0]
        if key is _BAD_KEY:
            top[3] = _NO_KEY
            return stack[0][0]
        item_path = path + (key,)
        top[3] = _NO_KEY
        if key == "<<" and (scalar_event is not None or not isinstance(value, (dict, list))):
            self.diags.append(
                diagnostic("SP203", self.doc.rel, key_mark.line, key_mark.col, "'<<' merges only mappings", "merge an anchored mapping: <<: *name", path_str(item_path))
            )
            return stack[0][0]
        if key == "<<" and scalar_event is None and isinstance(value, (dict, list)):
            merges = self.merge_keys.setdefault(id(container), [])
            if merges:
                self.diags.append(
                    diagnostic(
                        "SP102",
                        self.doc.rel,
                        key_mark.line,
                        key_mark.col,
                        f"duplicate key '<<' (first defined on line {merges[0].line})",
                        "merge several mappings with one key: <<: [*first, *second]",
                        path_str(item_path),
                    )
                )
                return stack[0][0]
            merges.append(key_mark)
            self._merge(container, value, key_mark, path)
            return stack[0][0]
        merged = self.merged.get(id(container))
        if key in container and merged and key in merged:
            merged.discard(key)
            del container[key]
        if key in container:
            first = self.doc.key_marks.get(item_path)
            where = f" (first defined on line {first.line})" if first else ""
            self.diags.append(
                diagnostic(
                    "SP102",
                    self.doc.rel,
                    key_mark.line,
                    key_mark.col,
                    f"duplicate key '{key}'{where}",
                    "YAML keeps only one of them silently in most tools; remove or rename one",
                    path_str(item_path),
                )
            )
            return stack[0][0]
        container[key] = value
        self.doc.key_marks[item_path] = key_mark
        if scalar_event is not None or not isinstance(value, (dict, list)):
            self.doc.value_marks.setdefault(item_path, Mark(mark.line + 1, mark.column + 1))
        return stack[0][0]

    def _merge(self, container: dict, value, key_mark: Mark, path: Path_) -> None:
        sources = value if isinstance(value, list) else [value]
        for source in sources:
            if not isinstance(source, dict):
                self.diags.append(
                    diagnostic("SP203", self.doc.rel, key_mark.line, key_mark.col, "'<<' merges only mappings", "merge an anchored mapping: <<: *name", path_str(path))
                )
                return
            for k, v in source.items():
                if k not in container:
                    container[k] = v
                    self.merged.setdefault(id(container), set()).add(k)
                    self.doc.key_marks.setdefault(path + (k,), key_mark)

    def _scalar(self, event, stack) -> Any:
        text = event.value
        tag = event.tag
        plain = event.implicit[0] and not event.style
        if tag == f"{_STD}str" or (not plain and tag in (None, "!")):
            return text
        if stack and stack[-1][7] and self._split_thousands(event):
            return text
        if tag is not None and tag != "!":
            return self._tagged(event, tag, self._child_path(stack))
        known = _PLAIN_VALUES.get(text, _MISSING)
        if known is not _MISSING:
            return known
        found = len(self.diags)
        value = self._implicit(text, event, stack)
        if len(self.diags) == found:
            # no finding: the value depends on the text alone, and is immutable (text, number, date, yes/no, null)
            if len(_PLAIN_VALUES) >= _PLAIN_VALUES_MAX:
                _PLAIN_VALUES.clear()
            _PLAIN_VALUES[text] = value
        return value

    def _implicit(self, text: str, event, stack) -> Any:
        """The value of a plain scalar (YAML 1.2 core schema), with a finding for each YAML 1.1 trap."""
        if _NULL.match(text):
            return None
        if _BOOL.match(text):
            return text.lower() == "true"
        is_key = bool(stack) and stack[-1][5] and stack[-1][3] is _NO_KEY
        where = "key" if is_key else "value"
        if _YAML11_BOOL.match(text):
            self.problem(
                "SP103",
                event.start_mark,
                f"unquoted {where} {text!r} is read as a boolean by YAML 1.1 tools",
                f"write \"{text}\" in quotes if you mean the text, or true/false if you mean a yes/no",
                self._child_path(stack),
            )
            return text
        if _INT.match(text):
            digits = text.lstrip("+-").replace("_", "")
            if len(digits) > 1 and digits.startswith("0"):
                self.problem(
                    "SP104",
                    event.start_mark,
                    f"{text} has a leading zero: YAML 1.1 reads it as an octal number",
                    f"quote it (\"{text}\") if it is an id or code, or drop the leading zero if it is a number",
                    self._child_path(stack),
                )
                return text
            return int(text.replace("_", ""))
        if _RADIX.match(text) or _SEXAGESIMAL.match(text):
            self.problem(
                "SP104",
                event.start_mark,
                f"{text} is read as a number in another base by YAML 1.1 tools",
                f"quote it (\"{text}\") if it is text, or write the number in decimal",
                self._child_path(stack),
            )
            return text
        if _FLOAT.match(text) and any(ch.isdigit() for ch in text):
            try:
                return Decimal(text.replace("_", ""))
            except InvalidOperation:  # pragma: no cover - regex guarantees a number
                return text
        if _SPECIAL_FLOAT.match(text):
            if "n" in text.lower().replace("inf", ""):
                return Decimal("NaN")
            return Decimal("-Infinity") if text.startswith("-") else Decimal("Infinity")
        if _DATE.match(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                self.problem("SP203", event.start_mark, f"{text} is not a valid calendar date", "write an existing date as YYYY-MM-DD", self._child_path(stack))
                return text
        return text

    def _split_thousands(self, event) -> bool:
        """In [ ] or { }, 1,100,000 arrives as 1 then 100 then 000: flag it once, at its start."""
        if not _THREE_DIGITS.fullmatch(event.value):
            return False
        line = self._line(event.start_mark.line)
        col = event.start_mark.column
        if col < 2 or col > len(line) or line[col - 1] != "," or not line[col - 2].isdigit():
            return False
        start = col - 1
        while start > 0 and (line[start - 1].isdigit() or line[start - 1] == ","):
            start -= 1
        end = col + 3
        while end < len(line) and (line[end].isdigit() or line[end] == ","):
            end += 1
        number = line[start:end].strip(",")
        if self.doc.noisy_lines and event.start_mark.line + 1 in self.doc.noisy_lines:
            return True
        self.doc.noisy_lines.add(event.start_mark.line + 1)
        self.diags.append(
            diagnostic(
                "SP204",
                self.doc.rel,
                event.start_mark.line + 1,
                start + 1,
                f"{number} inside [ ] or {{ }} is read as several values: YAML splits it at the commas",
                f"write {number.replace(',', '_')} (underscores group digits) or {number.replace(',', '')}",
            )
        )
        return True

    def _line(self, index: int) -> str:
        if self._lines is None:
            self._lines = yaml_lines(self.doc.text)
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def _tagged(self, event, tag: str, path: Path_) -> Any:
        text = event.value
        kind = tag.replace(_STD, "")
        try:
            if kind == "int":
                return int(text.replace("_", ""))
            if kind == "float":
                return Decimal(text.replace("_", ""))
            if kind == "bool":
                if _BOOL.match(text):
                    return text.lower() == "true"
                raise ValueError
            if kind == "null":
                return None
        except (ValueError, InvalidOperation):
            pass
        self.problem("SP203", event.start_mark, f"{text!r} is not a valid !!{kind}", f"remove the !!{kind} tag or fix the value", path)
        return text


def _char_at(text: str, line: int, column: int) -> str:
    lines = yaml_lines(text)
    if 0 <= line < len(lines) and 0 <= column < len(lines[line]):
        return lines[line][column]
    return ""


_NO_KEY = object()
_BAD_KEY = object()
_MISSING = object()
_THREE_DIGITS = re.compile(r"[0-9]{3}")

#: Values of the plain scalars already read, by text (only those read without a finding). Plan files repeat
#: the same keys and many values from rep to rep; the regular expressions then run once per distinct text.
_PLAIN_VALUES: dict[str, Any] = {}
_PLAIN_VALUES_MAX = 100_000


def parse_yaml(text: str, rel: str) -> tuple[SourceDoc, list[Diagnostic]]:
    """Parse YAML text into a SourceDoc; every problem comes back as a diagnostic."""
    doc = SourceDoc(rel=rel, text=text)
    builder = _Builder(doc)
    try:
        data = builder.build(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = (exc.problem or exc.context or "invalid YAML").strip()
        hint = "fix the YAML syntax at this place"
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t":
            hint = "YAML does not allow tabs for indentation: indent with spaces"
        elif "mapping values are not allowed" in message:
            hint = "a value containing ': ' must be quoted, or the indentation is off"
        elif "could not find expected ':'" in message or "expected <block end>" in message:
            hint = "check the indentation: keys of one mapping must line up"
        if "maximum nesting depth" in message:
            builder.problem("SP106", mark, "nesting deeper than YAML's own limit of 1000 levels", f"plan files need a few levels (salesplan accepts up to {MAX_DEPTH}); flatten the structure")
        else:
            builder.problem("SP101", mark, f"YAML syntax error: {message}", hint)
        return doc, builder.diags
    except yaml.reader.ReaderError as exc:
        # libyaml counts bytes of the UTF-8 text; turn that into a character position
        position = len(text.encode("utf-8")[: exc.position].decode("utf-8", errors="ignore")) if _Loader is not yaml.SafeLoader else exc.position
        line, col = line_col(text, position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        builder.diags.append(
            diagnostic("SP002", rel, line, col, f"control character U+{char:04X} is not allowed in YAML", "remove it (it is invisible in most editors)")
        )
        return doc, builder.diags
    except UnicodeEncodeError as exc:  # lone surrogates: only reachable from Python callers
        builder.diags.append(diagnostic("SP002", rel, None, None, f"text holds an invalid character ({exc.reason})", "save the file as UTF-8"))
        return doc, builder.diags
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml errors without a mark
        builder.diags.append(diagnostic("SP101", rel, None, None, f"YAML error: {exc}", "fix the YAML syntax"))
        return doc, builder.diags
    doc.data = data
    if builder.nodes <= MAX_NODES and not builder.diags and data is None:
        builder.diags.append(diagnostic("SP003", rel, None, None, "file holds no data (only comments or null)", "fill it in"))
    return doc, builder.diags


def load_yaml_file(path: Path, rel: str, parse=parse_yaml) -> tuple[SourceDoc | None, list[Diagnostic]]:
    """Read and parse one plan file (`parse(text, rel)`: `parse_yaml`, or what a cache of parsed files gives)."""
    text, diags = read_text(path, rel)
    if text is None:
        return None, diags
    doc, diags = parse(text, rel)
    if any(d.code in {"SP101", "SP105", "SP106", "SP107"} for d in diags):
        doc.data = None
    return doc, diags
