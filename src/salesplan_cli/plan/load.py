"""Load a workspace: find it, read every plan file, validate each against its model.

Errors never escape as exceptions: every problem becomes a Diagnostic that
points at the file, line and column it comes from.
"""

from __future__ import annotations

import difflib
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..diagnostics import Diagnostic, diagnostic
from ..config.data import ONE_EXPORT, SEVERAL_EXPORTS
from .model import FILE_MODELS, RepPlan, SegmentsFile, Settings, Strategy, Workspace
from .parsed import ParsedPlans
from .yamlsource import SourceDoc, load_yaml_file, parse_yaml, path_str
from .locate import REPS_DIR, SEGMENTS_FILE, STRATEGY_FILE, WORKSPACE_FILE, WorkspaceNotFound, find_workspace, rep_plan_files  # noqa: F401 - also read from here


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a plan is read or checked, then restore it as it was.

    Reading 2,000 plan files builds some 600,000 small dicts, lists, tuples and marks that all stay alive
    (the data and its source map); the collector would walk them again and again while they are built, and
    find nothing to free (they hold no cycles): a third of the load's time. Reference counting still frees
    everything as usual; a cycle made meanwhile is collected once the collector runs again."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_workspace(root: Path, parsed: ParsedPlans | None = None) -> tuple[Workspace, list[Diagnostic]]:
    """Read and validate every plan file of the workspace at `root`.

    `parsed`: the plan files parsed before, by content (`parsed.py`): those unchanged are not parsed again."""
    with gc_paused():
        loaded = _load_workspace(root, parsed.parse if parsed is not None else parse_yaml)
    if parsed is not None:
        parsed.save()
    return loaded


def _load_workspace(root: Path, parse) -> tuple[Workspace, list[Diagnostic]]:
    ws = Workspace(root=root)
    diags: list[Diagnostic] = []
    ws.settings = _load_one(ws, root / WORKSPACE_FILE, WORKSPACE_FILE, Settings, diags, parse)
    ws.strategy = _load_one(ws, root / STRATEGY_FILE, STRATEGY_FILE, Strategy, diags, parse)
    segments = _load_one(ws, root / SEGMENTS_FILE, SEGMENTS_FILE, SegmentsFile, diags, parse)
    ws.segments = segments.root if segments is not None else None

    rep_paths = rep_plan_files(root)
    if rep_paths is None:
        diags.append(
            diagnostic("SP001", f"{REPS_DIR}/", None, None, "folder of rep plans not found", f"create {REPS_DIR}/ with one <rep-id>.yaml per salesperson")
        )
        return ws, diags
    seen_stems: dict[str, str] = {}
    for path in rep_paths:
        rel = f"{REPS_DIR}/{path.name}"
        if path.stem in seen_stems:
            diags.append(
                diagnostic(
                    "SP307",
                    rel,
                    None,
                    None,
                    f"a second plan file for '{path.stem}' (also {seen_stems[path.stem]})",
                    "keep one file per rep",
                )
            )
            continue
        seen_stems[path.stem] = rel
        ws.rep_files[path.stem] = rel
        rep = _load_one(ws, path, rel, RepPlan, diags, parse)
        if rep is not None:
            ws.reps[path.stem] = rep
    return ws, diags


def _load_one(ws: Workspace, path: Path, rel: str, model: type[BaseModel], diags: list[Diagnostic], parse=parse_yaml):
    doc, file_diags = load_yaml_file(path, rel, parse)
    if doc is not None and doc.noisy_lines:
        file_diags = [d for d in file_diags if d.line not in doc.noisy_lines or (d.code == "SP204")]
    diags.extend(file_diags)
    if doc is None:
        return None
    ws.sources[rel] = doc
    if doc.data is None:
        return None
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else "a single value"
        mark = doc.mark_for(())
        line, col = (mark.line, mark.col) if mark else (1, 1)
        diags.append(diagnostic("SP005", rel, line, col, f"the file holds {kind}, not a mapping of keys", "write the file as 'key: value' lines"))
        return None
    if any(d.is_error for d in file_diags):
        # Validate what we could read so schema errors come too, but never build on a damaged file;
        # a value the YAML layer already flagged (an unquoted NO, a 01234) is not reported twice.
        flagged = {(d.line, d.col) for d in file_diags}
        schema_diags: list[Diagnostic] = []
        _validate(model, doc, schema_diags)
        diags.extend(d for d in schema_diags if (d.line, d.col) not in flagged and d.line not in doc.noisy_lines)
        return None
    return _validate(model, doc, diags)


def _validate(model: type[BaseModel], doc: SourceDoc, diags: list[Diagnostic]):
    try:
        return model.model_validate(doc.data)
    except ValidationError as exc:
        schema = model.model_json_schema()
        for error in exc.errors(include_url=False):
            diags.append(pydantic_diagnostic(error, doc, schema))
        return None


# --- pydantic errors to diagnostics ------------------------------------------------------

#: Tags pydantic puts in an error's location for the shape a union value took (no key of the YAML file).
_UNION_TAGS = frozenset({ONE_EXPORT, SEVERAL_EXPORTS})


def pydantic_diagnostic(error: dict, doc: SourceDoc, schema: dict) -> Diagnostic:
    """Turn one pydantic error into a diagnostic pointing at the YAML source."""
    loc = list(error["loc"])
    on_key = "[key]" in loc
    path = tuple(part for part in loc if part != "[key]" and part not in _UNION_TAGS)
    kind = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}

    if kind == "extra_forbidden":
        key = path[-1]
        allowed = _allowed_keys(schema, path[:-1])
        guess = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean '{guess[0]}'?" if guess else ""
        if allowed:
            hint = (hint + " " if hint else "") + "allowed keys here: " + ", ".join(sorted(allowed))
        return _at(doc, path, "SP201", f"unknown key '{key}'", hint, prefer_key=True)
    if kind == "missing":
        key = path[-1]
        description = _describe(schema, path)
        hint = f"add '{key}:'" + (f" ({description})" if description else "")
        where = f"under '{path_str(path[:-1])}'" if path[:-1] else "at the top level"
        return _at(doc, path, "SP202", f"missing required key '{key}' {where}", hint)
    if kind == "sp_amount":
        return _at(doc, path, "SP204", error["msg"], ctx.get("hint") or "write a non-negative number, e.g. 1470000 or 1_470_000")
    if kind == "sp_percent":
        return _at(doc, path, "SP205", error["msg"], ctx.get("hint") or "write a percentage between 0% and 100%, e.g. 35%")
    if kind == "literal_error":
        expected = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        guess = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.6)
        hint = (f"did you mean '{guess[0]}'? " if guess else "") + "allowed: " + ", ".join(expected)
        what = "key" if on_key else "value"
        return _at(doc, path, "SP203", f"{what} {value!r} is not allowed here", hint, prefer_key=on_key)
    message, hint = _type_message(kind, value, error["msg"], ctx)
    if ctx.get("hint"):
        hint = ctx["hint"]
    elif hint is None:
        description = _describe(schema, path)
        hint = f"expected: {description}" if description else "see docs/reference/plan-files.md for this key's format"
    return _at(doc, path, "SP203", message, hint, prefer_key=on_key)


def _type_message(kind: str, value: Any, pydantic_msg: str, ctx: dict) -> tuple[str, str | None]:
    """Message and hint for a type error; hint None means: describe the key from the schema."""
    shown = _show(value)
    if kind == "string_type":
        hint = f'put it in quotes ("{value}") if it is a name or an id' if isinstance(value, (int, float)) or hasattr(value, "is_finite") else "write a text value"
        return f"expected text, got {shown}", hint
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return f"expected a mapping of keys, got {shown}", None
    if kind == "list_type":
        return f"expected a list, got {shown}", "write a list: [a, b] or one '- item' per line"
    if kind.startswith("date") or kind.startswith("datetime"):
        return f"expected a date, got {shown}", "write the date as YYYY-MM-DD"
    if kind.startswith("int") or kind == "greater_than_equal":
        return f"{pydantic_msg[0].lower()}{pydantic_msg[1:]} (got {shown})", "write a whole number"
    if kind == "string_pattern_mismatch":
        return f"{shown} does not have the expected form", None
    if kind == "too_short":
        return f"{pydantic_msg[0].lower()}{pydantic_msg[1:]}", "add the missing entries"
    if kind == "bool_type":
        return f"expected true or false, got {shown}", "write true or false"
    return error_text(pydantic_msg), None


def error_text(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            message = message[len(prefix) :]
    return message[:1].lower() + message[1:]


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}"
    if isinstance(value, str):
        return f"the text {value!r}"
    return f"the {type(value).__name__.replace('Decimal', 'number').replace('int', 'number')} {value}"


def _at(doc: SourceDoc, path: tuple, code: str, message: str, hint: str, prefer_key: bool = False) -> Diagnostic:
    mark = doc.mark_for(path, prefer_key=prefer_key)
    line, col = (mark.line, mark.col) if mark else (None, None)
    return diagnostic(code, doc.rel, line, col, message, hint, path_str(path))


def _resolve(schema: dict, node: dict) -> dict:
    while isinstance(node, dict) and "$ref" in node:
        node = schema.get("$defs", {}).get(node["$ref"].split("/")[-1], {})
    return node


def _candidates(schema: dict, node: dict) -> list[dict]:
    node = _resolve(schema, node)
    options = node.get("anyOf") or node.get("oneOf")
    if not options:
        return [node]
    return [found for option in options for found in _candidates(schema, option)]  # a union in a union: flat


def _walk(schema: dict, path: tuple) -> list[dict]:
    nodes = [schema]
    for part in path:
        following = []
        for node in nodes:
            for option in _candidates(schema, node):
                if isinstance(part, int) and "items" in option:
                    following.append(option["items"])
                elif "properties" in option and part in option["properties"]:
                    following.append(option["properties"][part])
                elif isinstance(option.get("additionalProperties"), dict):
                    following.append(option["additionalProperties"])
        nodes = following
    return nodes


def _allowed_keys(schema: dict, path: tuple) -> list[str]:
    keys: list[str] = []
    for node in _walk(schema, path):
        for option in _candidates(schema, node):
            keys.extend(option.get("properties", {}))
    return sorted(set(keys))


def _describe(schema: dict, path: tuple) -> str:
    """The schema description of the key at `path` (a list item: its list's description)."""
    while path and isinstance(path[-1], int):
        found = _describe_exact(schema, path)
        if found:
            return found
        path = path[:-1]
    return _describe_exact(schema, path)


def _describe_exact(schema: dict, path: tuple) -> str:
    for node in _walk(schema, path):
        for option in _candidates(schema, node):
            if option.get("description"):
                return option["description"]
        if isinstance(node, dict) and node.get("description"):
            return node["description"]
    return ""


__all__ = ["WorkspaceNotFound", "find_workspace", "load_workspace", "FILE_MODELS"]
