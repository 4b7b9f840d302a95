#!/usr/bin/env python
"""Fuzz the plan YAML loader and the CSV intake with hypothesis, for a bounded time.

    python fuzz/run.py                      # 60 seconds over every target
    python fuzz/run.py --seconds 600 --target csv
    python fuzz/run.py --replay .fuzz/csv-1a2b3c4d.json

Targets:

- ``yaml``: random bytes, YAML-like token soup, byte-level mutations and tree-level mutations of
  the example workspace's plan files (examples/nordwind) go through ``validate_workspace`` (the core
  of ``salesplan validate``) and its three renderings (human, json, github). When a mutated workspace
  still validates without errors, the plan breakdowns are made and the (small) example exports are
  read and every report runs on them, as ``salesplan plan`` and ``salesplan report`` would.
- ``csv``: random, mutated (a sample of the example's exports) and generated CSV exports, in random
  dialects (presets, encodings, delimiters, decimal and thousands separators, date formats), go
  through ``load_exports`` (``read_table`` + ``build_frames``) with the example's plan, then every
  report (attainment, activity, coverage, pipeline, conversion, dashboard) and its renderings.

The oracle:

- no exception escapes: problems must come back as diagnostics (values), never as exceptions;
- every diagnostic is well formed (a registered code, a file, a line and column inside the file);
- every row read is either used or rejected and listed, exactly once (``SourceReport``:
  ``rows_read == rows_used + len(rejected)``, and the lines of the rows used plus the lines of the
  rows rejected are exactly the lines of the rows read);
- the fast CSV reader (pyarrow, used from 256 KiB up) gives the same headers, rows, lines and reasons
  as the exact one (the csv module) whenever it answers; the exports are also grown past that size now
  and then, so that the whole intake runs on the fast path;
- the attainment report adds up: the rows of the reps (and ``<unplanned>``) sum to the teams and to
  the ``<total>`` row, whatever the grouping, and the total is every sale dated in the window; the
  dashboard shows each rep of the filters once, with the attainment report's figure.

Reports are called as ``cli/report.py`` calls them: with the filters each command accepts, attainment
only when there is a sales frame (else the command is a usage error), a team filter only for a team
with reps.

Exit code 0 when nothing was found in the time given, 1 when a target failed: the minimal failing
input (shrunk by hypothesis) is printed and saved under ``.fuzz/`` (a JSON case to replay with
``--replay``, and the input files themselves next to it).
"""

from __future__ import annotations

import argparse
import base64
import copy
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import math
import os
import random
import sys
import tempfile
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parents[1]
if str(REPO / "src") not in sys.path:  # a checkout without `pip install -e .` still runs
    sys.path.insert(0, str(REPO / "src"))

import yaml  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from salesplan_cli.diagnostics import CODES, Diagnostic, Severity  # noqa: E402

EXAMPLE = REPO / "examples" / "nordwind"
OUT_DIR = REPO / ".fuzz"
YAML_FILES = sorted(
    [p.relative_to(EXAMPLE).as_posix() for p in EXAMPLE.glob("*.yaml")]
    + [p.relative_to(EXAMPLE).as_posix() for p in (EXAMPLE / "reps").glob("*.yaml")]
)
EXPORT_KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")
#: The example's export files, by kind (stage_history: none in the example).
EXAMPLE_EXPORTS = {"accounts": "data/accounts.csv", "opportunities": "data/opportunities.csv", "activities": "data/activities.csv", "sales": "data/invoices.csv"}
#: Every n-th row of each example export goes into the small sample the targets read (fast reports).
SAMPLE_EVERY = {"accounts": 8, "opportunities": 12, "activities": 40, "sales": 4}
AS_OF_CHOICES = [dt.date(2027, 10, 15), dt.date(2027, 2, 1), dt.date(2027, 7, 3), dt.date(2027, 12, 31), dt.date(2026, 12, 31), dt.date(2028, 2, 15)]
PERIOD_CHOICES = [None, None, "fy", "quarter", "month", "half", "Q1", "Q4", "H2", "dec", "2027-06", "2027-03-10..2027-08-20", "2026-11-01..2027-01-31"]


class OracleFailure(AssertionError):
    """The program did something the oracle forbids (beyond raising an exception)."""


def require(condition: bool, message: str) -> None:
    if not condition:
        raise OracleFailure(message)


# --- inputs: what the example gives ---------------------------------------------------------------


def _example_bytes(rel: str) -> bytes:
    return (EXAMPLE / rel).read_bytes()


_CACHE: dict[str, Any] = {}


def sample_exports() -> dict[str, bytes]:
    """A small sample of each example export: the header, every n-th row, and the trailing footer lines."""
    if "sample" not in _CACHE:
        out = {}
        for kind, rel in EXAMPLE_EXPORTS.items():
            lines = _example_bytes(rel).split(b"\n")
            header, body = lines[0], lines[1:]
            last_row = max((i for i, row in enumerate(body) if row.startswith(b'"0')), default=len(body) - 1) if kind == "opportunities" else len(body) - 1
            rows, footer = body[: last_row + 1], [row for row in body[last_row + 1 :] if row.strip()]
            picked = [row for i, row in enumerate(rows) if i % SAMPLE_EVERY[kind] == 0 and row.strip()]
            out[rel] = b"\n".join([header, *picked, *footer]) + (b"" if footer else b"\n")
        _CACHE["sample"] = out
    return _CACHE["sample"]


def example_workspace():
    """The example workspace, loaded and validated once."""
    if "ws" not in _CACHE:
        from salesplan_cli.plan.validate import validate_workspace

        result = validate_workspace(EXAMPLE, as_of=dt.date(2027, 10, 15))
        assert result.errors == 0, "the example workspace does not validate"
        _CACHE["ws"] = result.workspace
    return _CACHE["ws"]


def example_tree(rel: str) -> Any:
    key = "tree:" + rel
    if key not in _CACHE:
        # libyaml, as salesplan itself: the pure-Python loader refuses a plain '?' before ']' that libyaml reads
        _CACHE[key] = yaml.load(_example_bytes(rel).decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return _CACHE[key]


@dataclass
class Universe:
    """The names an export may use, so that generated rows match the plan often enough to go deep."""

    owners: list[str]
    accounts: list[str]
    stages: list[str]
    products: list[str]
    actions: list[str]
    statuses: list[str]
    attributes: dict[str, list[str]]  # attribute column header -> values
    opportunity_ids: list[str]
    segments: list[str] = field(default_factory=lambda: ["A", "B", "C", "Z", ""])
    first_day: dt.date = dt.date(2026, 6, 1)  # dates of well-formed rows fall in this window (the fiscal year and around)
    last_day: dt.date = dt.date(2028, 6, 30)

    @classmethod
    def of(cls, ws) -> "Universe":
        owners = []
        for rep in ws.reps.values():
            owners += [rep.id, rep.name, rep.email or rep.id, rep.name.upper(), "  " + rep.name.lower() + " "]
        owners += ["Camille Moreau", "nobody", "", "ÉLODIE Ünal", "Lena\u00a0Vogel", "Lena Vogel"]  # a departed seller, unknown
        data = ws.settings.data
        stages = [s.name for s in ws.strategy.stages] + ["Closed Won", "Closed Lost", "closedwon", "won", "lost", "Unknown stage", ""]
        products = list(ws.strategy.products or {}) + ["Mystery box", ""]
        actions = list(ws.strategy.actions) + ["Fax", ""]
        statuses = ["prospect", "customer", "Other", ""]
        accounts = ["ACME-001", "ACME-017", "HELIO-204", "BALT-330", "NEW-1", "NEW-2", "", "acme-001"]
        attributes: dict[str, list[str]] = {}
        if data is not None:
            stages += list(data.mapping.stages)
            products += list(data.mapping.products)
            actions += list(data.mapping.actions)
            statuses += list(data.mapping.statuses)
            owners += list(data.mapping.owners)
            for header in data.attributes.values():
                attributes[header] = ["", "1", "150", "1000", "5000", "abc", "-3", "1e3", "banking", "Insurance", "north-west", "North", "South-central"]
        from salesplan_cli.plan.calendar import fiscal_months

        months = fiscal_months(ws.settings.fiscal_year.start)
        return cls(
            owners, accounts, stages, products, actions, statuses, attributes, ["OPP-1", "OPP-2", "OPP-3", "opp-1", ""],
            segments=list(ws.strategy.segments) + ["Z", ""],
            first_day=months[0].first_day - dt.timedelta(days=150), last_day=months[-1].last_day + dt.timedelta(days=180),
        )


def chance(draw, n: int) -> bool:
    """True about once in `n` draws (hypothesis favours the ends of a small range; a wide one spreads evenly);
    shrinks towards False."""
    return draw(st.integers(1, 1 << 16)) % n == 0


# --- hypothesis strategies: bytes and text ----------------------------------------------------------------

YAML_TOKENS = [
    "a", "key", "- ", ": ", ":", "\n", "\n  ", "\n    ", "  ", "\t", "[", "]", "{", "}", ", ", ",", "&x ", "*x", "<<: ", "? ",
    "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!map ", "!!seq ", "!!binary ", "!!timestamp ", "!!set ", "!tag ", "#c",
    "'", '"', "|", ">", "---\n", "...\n", "%YAML 1.2\n", "~", "null", "yes", "NO", "on", "true", "0", "01", "0x1F", "0o17", "1:30",
    "1_000", "1.5", ".5", "1e3", "1e400", "-1", ".inf", ".nan", "2027-02-30", "2027-01-01", "2027-13-01", "35%", "100%", "0%",
    "101%", "-5%", "1e3%", "nan%", "é", "€", "😀", "\u2028", "\x85", "\ufeff", "\x00", "\x07", "\r", "1,100,000", "12,5", "[1,100,000]",
    "{a: 1,100}", "targets: ", "segments: ", "products: ", "periods: ", "seasonality: ", "agreed: ", "reviewed: ", "start: ", "end: ",
    "portfolio: ", "accounts: ", "criteria: ", "named: ", "norms: ", "capacity: ", "stages: ", "actions: ", "data: ", "managers: ",
    "fiscal_year: ", "tolerance: ", "thresholds: ", "id: ", "name: ", "manager: ", "activities: ", "A: ", "B: ", "C: ", "Q1: ",
    "jan: ", "platform: ", "services: ", "prospect: ", "customer: ", "call: ", "mgr-north", "rep-n1", "employees: ", "\">=1000\"",
]


def _encode(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


TEXT_BYTES = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(_encode),
    st.lists(st.sampled_from(YAML_TOKENS), max_size=60).map(lambda parts: _encode("".join(parts))),
)

INTERESTING_BYTES = [
    b"", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xff\xfe", b"\r", b"\r\n", b"\n\n", b"\t", b'"', b"'", b",", b";", b"|", b"%", b"-", b"(",
    b")", b"0", b"9" * 20, b"-1", b"1e308", b"nan", b"inf", b" ", b"\xc2\xa0", b"\xe2\x80\xaf", b"\xe9", b"\xc3\xa9", b"\xf0\x9f\x98\x80",
    b"2027-02-30", b"02/30/2027", b"31/12/9999", b"0001-01-01", b"99999999", b"1,000.00", b"1.000,00", b"1 000,00", b"EUR", b"USD", b"$",
    b"Closed Won", b"Grand Totals", b"Total", b"rep-n1", b"Lena Vogel", b"\\", b"\x1a", b"\x0b",
]


@st.composite
def mutations(draw, max_ops: int = 8) -> list[list]:
    """A list of byte-level edits, applied in order (positions are taken modulo the length)."""
    ops = []
    for _ in range(draw(st.integers(1, max_ops))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "copy", "swap_lines", "drop_line", "dup_line", "flip", "number"]))
        a, b = draw(st.integers(0, 1 << 20)), draw(st.integers(0, 1 << 20))
        payload = draw(st.one_of(st.sampled_from(INTERESTING_BYTES), st.sampled_from(YAML_TOKENS).map(_encode), st.binary(max_size=12)))
        ops.append([kind, a, b, payload])
    return ops


def _mutate_number(data: bytes, index: int, payload: bytes) -> bytes:
    import re

    hits = list(re.finditer(rb"\d+(?:[._,]\d+)*%?", data))
    if not hits:
        return data
    hit = hits[index % len(hits)]
    replacement = payload if any(c in b"0123456789" for c in payload) else str(int(hit.group().rstrip(b"%").replace(b"_", b"").replace(b",", b"").replace(b".", b"") or b"0") + (index % 7) - 3).encode()
    return data[: hit.start()] + replacement + data[hit.end() :]


def apply_mutations(data: bytes, ops: list[list]) -> bytes:
    for kind, a, b, payload in ops:
        n = len(data)
        if kind == "number":
            data = _mutate_number(data, a, payload)
            continue
        if kind in ("swap_lines", "drop_line", "dup_line"):
            lines = data.split(b"\n")
            i, j = a % len(lines), b % len(lines)
            if kind == "swap_lines":
                lines[i], lines[j] = lines[j], lines[i]
            elif kind == "drop_line":
                del lines[i]
            else:
                lines.insert(j, lines[i])
            data = b"\n".join(lines)
            continue
        pos = a % (n + 1)
        length = b % 16
        if kind == "delete":
            data = data[:pos] + data[pos + length :]
        elif kind == "insert":
            data = data[:pos] + payload + data[pos:]
        elif kind == "replace":
            data = data[:pos] + payload + data[pos + max(length, 1) :]
        elif kind == "copy" and n:
            chunk = data[pos : pos + 1 + b % 64]
            dest = b % (n + 1)
            data = data[:dest] + chunk + data[dest:]
        elif kind == "flip" and n:
            at = a % n
            data = data[:at] + bytes([data[at] ^ (1 << (b % 8))]) + data[at + 1 :]
    return data


# --- hypothesis strategies: YAML trees ---------------------------------------------------------------------

SCALARS = [
    None, True, False, 0, 1, -1, 7, 100, 1000, 10**6, 12_000_000, 10**15, 10**400, 0.5, 1e-9, 1e308, float("inf"), float("nan"),
    "", " ", "0%", "5%", "35%", "99.99%", "100%", "100.01%", "150%", "-5%", "35 %", "%", "abc", "ACME-001", "rep-n1", "mgr-north",
    "A", "B", "C", "D", "platform", "services", "Q1", "Q5", "jan", "call", "meeting", "lead", "won", "prospect", "customer",
    "territory", "specialized", "hybrid", "quarterly", "monthly", "EUR", "eur", ">=1000", ">=", "<5", "1,000", "1_000", "12M",
    dt.date(2027, 1, 1), dt.date(2027, 4, 1), dt.date(2027, 12, 31), dt.date(2026, 12, 1), dt.date(2028, 1, 1), dt.date(1899, 1, 1),
    dt.date(9999, 12, 31), "2027-02-30", "2027-07-01", "x" * 101, "ÄÖÜ 😀", [], {}, ["A"], {"A": 1}, [1, 2], {"rep": dt.date(2027, 1, 5)},
    # values of the data: section, criteria and portfolios, so that edits there often stay valid
    "north-west", "South-central", ">=200", "<=50", ">0", "banking", ["banking", "energy"], ["ACME-001", "NOPE-1"], "Closed Won", "lead",
    "%d/%m/%Y", "%m/%d/%Y", "excel", ";", ",", "|", "cp1252", "utf-8-sig", "hubspot", "salesforce", "pipedrive", "none",
    "data/accounts.csv", "data/opportunities.csv", "data/activities.csv", "data/invoices.csv", "Effectif", "Secteur", "Commercial",
    {"Closed Won": "won"}, {"Call": "meeting"}, {"Nordwind Platform": "services"}, {"Lena Vogel": "rep-s1"}, {"Client": "prospect"},
]
#: Where edits tend to keep a workspace valid and change what the reports do: half the edits go there.
FOCUS = {
    "salesplan.yaml": ("data", "thresholds", "conversion", "tolerance", "review_cadence", "fiscal_year"),
    "strategy.yaml": ("norms", "stages", "capacity", "actions", "products", "seasonality"),
    "segments.yaml": None,  # any path through criteria or named
    "rep": ("portfolio", "activities", "targets", "start", "end", "products", "periods", "email", "name", "manager"),
}


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, prefix + (i,))
    return out


def _get(node: Any, path: tuple) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def tree_edits(draw, rel: str) -> list[list]:
    """Edits of the parsed example file: replace a value, delete or add a key, scale a number..."""
    tree = copy.deepcopy(example_tree(rel))
    edits = []
    focus = FOCUS["rep" if rel.startswith("reps/") else rel]
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(tree)
        focused = [p for p in paths if p and (p[0] in focus if focus is not None else ("criteria" in p or "named" in p))]
        path = draw(st.sampled_from(focused if focused and draw(st.booleans()) else paths))
        action = draw(st.sampled_from(["replace", "replace", "scale", "delete", "add", "rename", "copy", "wrap"]))
        value = draw(st.sampled_from(SCALARS))
        factor = draw(st.sampled_from(["0", "0.5", "0.999", "0.9999999", "1.0000001", "1.001", "1.01", "1.1", "2", "-1", "1000"]))
        other = draw(st.sampled_from(paths))
        edit = [action, list(path), value, factor, list(other), draw(st.sampled_from(["zz_unknown", "A", "B", "C", "Q1", "rep-n1", "platform", "call", "1", "name", "targets"]))]
        tree = _apply_tree_edit(tree, edit)
        edits.append(edit)
    return edits


def _scaled(value: Any, factor: str) -> Any:
    f = Decimal(factor)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        scaled = Decimal(value) * f
        return int(scaled) if scaled == scaled.to_integral_value() else float(scaled)
    if isinstance(value, float):
        return value * float(f)
    if isinstance(value, str) and value.endswith("%"):
        try:
            return f"{(Decimal(value[:-1]) * f).normalize():f}%"
        except Exception:
            return value
    return value


def _apply_tree_edit(tree: Any, edit: list) -> Any:
    action, path, value, factor, other, new_key = edit
    path, other = tuple(path), tuple(other)
    tree = copy.deepcopy(tree)
    try:
        if not path:
            return value if action == "replace" else tree
        parent = _get(tree, path[:-1])
        last = path[-1]
        if action == "replace":
            parent[last] = copy.deepcopy(value)
        elif action == "scale":
            parent[last] = _scaled(parent[last], factor)
        elif action == "delete":
            del parent[last]
        elif action == "add":
            target = parent[last] if isinstance(parent[last], (dict, list)) else parent
            if isinstance(target, dict):
                target[new_key] = copy.deepcopy(value)
            else:
                target.append(copy.deepcopy(value))
        elif action == "rename" and isinstance(parent, dict):
            parent[new_key] = parent.pop(last)
        elif action == "copy":
            parent[last] = copy.deepcopy(_get(tree, other))
        elif action == "wrap":
            parent[last] = [parent[last]]
    except (KeyError, IndexError, TypeError):
        pass
    return tree


def dump_tree(tree: Any) -> bytes:
    try:
        return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False, default_flow_style=None, width=200).encode("utf-8", errors="surrogatepass")
    except yaml.YAMLError:
        return b"{}\n"


# --- the yaml target -----------------------------------------------------------------------------------------


@st.composite
def yaml_cases(draw) -> dict:
    mode = draw(st.sampled_from(["bytes", "mutate", "mutate", "tree", "tree", "tree"]))
    files: dict[str, bytes | None] = {}
    if mode == "bytes":
        rel = draw(st.sampled_from([*YAML_FILES, "reps/zz-fuzz.yaml"]))
        files[rel] = draw(TEXT_BYTES)
    elif mode == "mutate":
        for rel in draw(st.lists(st.sampled_from(YAML_FILES), min_size=1, max_size=2, unique=True)):
            files[rel] = apply_mutations(_example_bytes(rel), draw(mutations()))
    else:
        for rel in draw(st.lists(st.sampled_from(YAML_FILES), min_size=1, max_size=2, unique=True)):
            tree = example_tree(rel)
            for edit in draw(tree_edits(rel)):
                tree = _apply_tree_edit(tree, edit)
            files[rel] = dump_tree(tree)
    if chance(draw, 20):
        files[draw(st.sampled_from(YAML_FILES))] = None  # a missing file
    return {"mode": mode, "files": files, "as_of": draw(st.sampled_from(AS_OF_CHOICES)).isoformat(), "period": draw(st.sampled_from(PERIOD_CHOICES)), "filters": draw(FILTERS)}


def write_workspace(root: Path, overlay: dict[str, bytes | None]) -> None:
    (root / "reps").mkdir(parents=True)
    for rel in YAML_FILES:
        (root / rel).write_bytes(_example_bytes(rel))
    (root / "data").mkdir()
    for rel, data in sample_exports().items():
        (root / rel).write_bytes(data)
    for rel, data in overlay.items():
        if data is None:
            (root / rel).unlink(missing_ok=True)
        else:
            (root / rel).write_bytes(data)


def check_yaml(case: dict) -> None:
    from salesplan_cli.plan.validate import validate_workspace

    as_of = dt.date.fromisoformat(case["as_of"])
    with tempfile.TemporaryDirectory(prefix="salesplan-fuzz-") as tmp:
        root = Path(tmp) / "ws"
        write_workspace(root, case["files"])
        result = validate_workspace(root, as_of=as_of)
        check_diagnostics(result, root)
        check_renderings(result)
        if result.errors:
            return
        ws = result.workspace
        require(ws.complete and not result.skipped, f"no errors, yet checks were skipped: {result.skipped}")
        from salesplan_cli.plan.breakdown import BY_CHOICES, plan_breakdown

        for by in BY_CHOICES:
            plan_breakdown(ws, by=by)
        for manager in ws.settings.managers:
            plan_breakdown(ws, by="segment", team=manager)
        check_intake_and_reports(ws, as_of, case["period"], case["filters"])


def check_diagnostics(result, root: Path) -> None:
    rels = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} | {"reps/", *YAML_FILES}  # missing files are named too
    for d in result.diagnostics:
        require(isinstance(d, Diagnostic), f"not a Diagnostic: {d!r}")
        require(d.code in CODES, f"unregistered code {d.code}")
        require(d.severity is CODES[d.code].severity, f"{d.code} with severity {d.severity}, registered as {CODES[d.code].severity}")
        require(isinstance(d.message, str) and d.message.strip() != "", f"{d.code} without a message")
        require(d.file in rels or d.file.startswith("reps/"), f"{d.code} names a file that is not in the workspace: {d.file!r}")
        source = result.workspace.sources.get(d.file)
        if d.line is not None:
            require(d.line >= 1, f"{d.code} at line {d.line}")
            if source is not None:
                lines = len(source.lines())
                require(d.line <= lines + 1, f"{d.code} at line {d.line} of a {lines}-line file {d.file}")
        if d.col is not None:
            require(d.col >= 1 and d.line is not None, f"{d.code} at column {d.col} (line {d.line})")
    require(result.errors == sum(1 for d in result.diagnostics if d.severity is Severity.ERROR), "error count")
    json.dumps(result.to_dict())


def check_renderings(result) -> None:
    from rich.console import Console

    from salesplan_cli.cli.render_diagnostics import render_github, render_human, render_json

    json.loads(render_json(result))
    render_github(result, "ws")
    console = Console(file=io.StringIO(), width=120, highlight=False, no_color=True, force_terminal=False)
    render_human(result, console, "ws")


# --- reports and their oracle ------------------------------------------------------------------------------------

FILTERS = st.sampled_from(["none", "none", "none", "team", "rep", "segment", "product"])


#: The filters each report command accepts (cli/report.py): the others are left out for that report.
REPORT_FILTERS = {
    "attainment": {"rep", "team", "segment", "product"},
    "activity": {"rep", "team", "segment"},
    "coverage": {"rep", "team", "segment"},
    "pipeline": {"rep", "team", "segment", "product"},
    "conversion": {"rep", "team", "segment", "product"},
    "dashboard": {"rep", "team"},
}


def _filters(ws, choice: str, report: str):
    from salesplan_cli.reports.context import Filters

    if choice not in REPORT_FILTERS[report]:
        return Filters()
    reps = sorted(ws.reps.values(), key=lambda r: r.id)
    teams = sorted({rep.manager for rep in reps})  # a team without reps is a usage error (cli/report.py _check_filters)
    if choice == "team" and teams:
        return Filters(team=teams[0])
    if choice == "rep" and reps:
        return Filters(reps=(reps[0].id,))
    if choice == "segment" and ws.strategy.segments:
        return Filters(segment=list(ws.strategy.segments)[-1])
    if choice == "product" and ws.strategy.products:
        return Filters(product=list(ws.strategy.products)[0])
    return Filters()


def check_intake_and_reports(ws, as_of: dt.date, period_spec: str | None, filters: str, reread: bool = True) -> None:
    from salesplan_cli.intake.load import load_exports

    frames, diags = load_exports(ws)
    if frames is None:
        require(bool(diags), "no frames and no diagnostic")
        for d in diags:
            require(d.code in CODES and (d.code.startswith("SP9")), f"intake answered {d.code}: {d.message}")
        return
    require(not diags, "frames and diagnostics at once")
    check_frames(ws, frames, reread)
    run_reports(ws, frames, as_of, period_spec, filters)


def check_frames(ws, frames, reread: bool = True) -> None:
    """Every row read is used or rejected, once; the account adds up."""
    from salesplan_cli.intake.load import _path_of
    from salesplan_cli.intake.read import read_table

    config = ws.settings.data
    for report in frames.reports:
        frame = getattr(frames, report.kind)
        require(frame is not None, f"{report.kind}: a report but no frame")
        for issue in report.issues:
            require(issue.kind in ("rejected", "unmatched", "skipped", "incomplete"), f"{report.kind}: issue of kind {issue.kind}")
        rejected = report.rejected
        require(
            report.rows_read == report.rows_used + len(rejected),
            f"{report.kind}: {report.rows_read} rows read, {report.rows_used} used + {len(rejected)} rejected = {report.rows_used + len(rejected)}",
        )
        if report.kind == "opportunities" and frames.opportunity_lines is not None:
            frame = frames.opportunity_lines  # one row per product line: every line used is a line of a deal
            require(frames.opportunities["id"].is_unique, "opportunities: an id twice among the deals")
        require(len(frame) == report.rows_used, f"{report.kind}: {len(frame)} rows in the frame, {report.rows_used} said used")
        if not reread:
            continue
        source = getattr(config, report.kind)
        table, problems = read_table(_path_of(ws.root, source), source.path, source, [])
        require(table is not None, f"{report.kind}: read once, unreadable the second time: {problems}")
        read_lines = sorted([*table.lines, *(i.line for i in table.issues if i.kind == "rejected")])
        accounted = sorted([*(int(x) for x in frame["line"]), *(i.line for i in rejected)])
        require(
            read_lines == accounted,
            f"{report.kind}: lines read and lines used or rejected differ: "
            f"missing {sorted(set(read_lines) - set(accounted))[:10]}, extra {sorted(set(accounted) - set(read_lines))[:10]}, "
            f"counted twice {sorted({x for x in accounted if accounted.count(x) > 1})[:10]}",
        )


def _exact(value) -> Fraction:
    return Fraction(value) if value is not None else Fraction(0)


def _slack(values: list, cents_each: Fraction = Fraction(0)) -> Fraction:
    """What float output (and rounding each figure to the cent) may add up to."""
    total = Fraction(0)
    for v in values:
        if v is not None and math.isfinite(v):
            total += Fraction(math.ulp(v)) * 2 + cents_each
    return total


def _sums_to(parts: list, total, what: str, cents_each: Fraction = Fraction(0)) -> None:
    for v in [*parts, total]:
        require(v is None or (isinstance(v, float) and math.isfinite(v)) or isinstance(v, int), f"{what}: not a finite number: {v!r}")
    exact = sum((_exact(v) for v in parts), Fraction(0))
    gap = abs(exact - _exact(total))
    require(gap <= _slack([*parts, total], cents_each) + (Fraction(1, 10**9) if cents_each else 0), f"{what}: the parts add up to {float(exact)!r}, the total says {total!r}")


def check_attainment(ctx, tables: dict) -> None:
    """Reps (and <unplanned>) sum to teams and to the total, whatever the grouping; the total is every sale of the window."""
    from salesplan_cli.reports.context import TOTAL, UNPLANNED

    half_cent = Fraction(1, 200)
    totals = {}
    for dims, table in tables.items():
        rows = table.to_dict("records")
        require(len(rows) >= 1 and all(rows[-1][d] == TOTAL for d in dims), f"attainment by {dims}: no <total> row last")
        body, total = rows[:-1], rows[-1]
        keys = [tuple(r[d] for d in dims) for r in body]
        require(len(keys) == len(set(keys)), f"attainment by {dims}: a group appears twice: {keys}")
        _sums_to([r["actual"] for r in body], total["actual"], f"attainment by {dims}: actual")
        planned = [r["target"] for r in body if r["target"] is not None]
        if total["target"] is not None:
            _sums_to(planned, total["target"], f"attainment by {dims}: target", half_cent)
            _sums_to([r["annual_target"] for r in body if r["annual_target"] is not None], total["annual_target"], f"attainment by {dims}: annual target", half_cent)
        totals[dims] = total
    first = next(iter(totals.values()))
    for dims, total in totals.items():
        require(total["actual"] == first["actual"], f"attainment: total actual by {dims} {total['actual']!r} != {first['actual']!r}")
        if total["target"] is not None and first["target"] is not None:
            require(abs(total["target"] - first["target"]) <= 0.01 * 8, f"attainment: total target by {dims} {total['target']!r} != {first['target']!r}")
    # per rep: the rep's row is the sum of its segments, and the teams are the sums of their reps
    by_rep = {r["rep"]: r for r in tables[("rep",)].to_dict("records")}
    if ("rep", "segment") in tables:
        per_rep: dict[str, list] = defaultdict(list)
        for r in tables[("rep", "segment")].to_dict("records")[:-1]:
            per_rep[r["rep"]].append(r["actual"])
        for rep_id, parts in per_rep.items():
            require(rep_id in by_rep, f"attainment by rep,segment: {rep_id} has no row by rep")
            _sums_to(parts, by_rep[rep_id]["actual"], f"attainment of {rep_id}: its segments")
    if ("team",) in tables:
        managers = {rep.id: rep.manager for rep in ctx.ws.reps.values()}
        team_parts: dict[str, list] = defaultdict(list)
        for rep_id, r in by_rep.items():
            if rep_id in managers:
                team_parts[managers[rep_id]].append(r["actual"])
        by_team = {r["team"]: r for r in tables[("team",)].to_dict("records")[:-1]}
        for team, parts in team_parts.items():
            require(team in by_team, f"attainment: team {team} has reps but no row")
            _sums_to(parts, by_team[team]["actual"], f"attainment of team {team}: its reps")
        if UNPLANNED in by_rep or UNPLANNED in by_team:
            require(by_rep.get(UNPLANNED, {}).get("actual", 0.0) == by_team.get(UNPLANNED, {}).get("actual", 0.0), "attainment: <unplanned> differs by rep and by team")
    # the company total: every sale dated in the window (no filter), independently of the report's grouping
    window = ctx.to_date
    sales = ctx.frames.sales
    if not (ctx.filters.reps or ctx.filters.team or ctx.filters.segment or ctx.filters.product):
        import pandas as pd

        cents = 0
        if window is not None and sales is not None and len(sales):
            dates = sales["date"]
            inside = (dates >= pd.Timestamp(window.start)) & (dates <= pd.Timestamp(window.end))
            cents = int(sales.loc[inside, "amount"].astype("int64").sum())
        expected = Fraction(cents, 100)
        got = _exact(first["actual"])
        require(abs(got - expected) <= Fraction(math.ulp(float(expected))) * 2, f"attainment: total actual {first['actual']!r}, the sales of the window add up to {float(expected)!r}")


def run_reports(ws, frames, as_of: dt.date, period_spec: str | None, filters: str) -> None:
    from salesplan_cli.reports.activity import activity
    from salesplan_cli.reports.attainment import attainment
    from salesplan_cli.reports.context import ReportContext
    from salesplan_cli.reports.conversion import conversion, stage_conversion
    from salesplan_cli.reports.coverage import coverage, untouched_accounts
    from salesplan_cli.reports.dashboard import dashboard
    from salesplan_cli.reports.period import PeriodError, resolve_period
    from salesplan_cli.reports.pipeline import coverage_horizon, deals_to_watch, pipeline, pipeline_coverage

    try:
        period = resolve_period(period_spec, ws.settings, as_of)
    except PeriodError:
        period = resolve_period(None, ws.settings, ws.settings.fiscal_year.start)
    contexts = {name: ReportContext(ws=ws, frames=frames, period=period, as_of=as_of, filters=_filters(ws, filters, name)) for name in REPORT_FILTERS}
    products = bool(ws.strategy.products)
    rendered: list[tuple[object, str, dict]] = []

    ctx = contexts["attainment"]
    att = {}
    if frames.sales is not None:  # else `report attainment` is a usage error, and the dashboard leaves it empty
        groupings = [("rep",), ("team",), ("segment",), ("rep", "segment")] + ([("product",), ("rep", "product")] if products else [])
        att = {dims: attainment(ctx, list(dims)) for dims in groupings}
        check_attainment(ctx, att)
        rendered.append((ctx, "attainment", {"attainment": att[("rep",)]}))
    if frames.activities is not None:
        ctx = contexts["activity"]
        for dims in (["rep", "action", "segment"], ["rep"], ["team"], ["action"], ["segment"]):
            table = activity(ctx, dims)
        rendered.append((ctx, "activity", {"activity": table}))
        if frames.accounts is not None:
            ctx = contexts["coverage"]
            rendered.append((ctx, "coverage", {"coverage": coverage(ctx), "untouched": untouched_accounts(ctx, top=3)}))
    if frames.opportunities is not None:
        ctx = contexts["pipeline"]
        for dims in (["rep", "stage"], ["team"], ["segment"]) + ((["product"],) if products else ()):
            table = pipeline(ctx, dims)
        coverage_horizon(ctx)
        rendered.append((ctx, "pipeline", {"pipeline": table, "pipeline_coverage": pipeline_coverage(ctx), "deals_to_watch": deals_to_watch(ctx, top=3)}))
        ctx = contexts["conversion"]
        tables = {}
        for dims in (["rep"], ["team"], ["segment"]) + ((["rep", "product"], ["product"]) if products else ()):
            tables["conversion"] = conversion(ctx, dims)
        stages = stage_conversion(ctx)
        if stages is not None:
            tables["stages"] = stages
        rendered.append((ctx, "conversion", tables))
    ctx = contexts["dashboard"]
    board, notes = dashboard(ctx)
    rendered.append((ctx, "dashboard", {"dashboard": board}))
    by_rep = {}
    if frames.sales is not None:
        per_rep = att[("rep",)] if contexts["attainment"].filters == ctx.filters else attainment(ctx, ["rep"])
        by_rep = {r["rep"]: r for r in per_rep.to_dict("records")}
    reps = {rep.id for rep in ctx.reps()}
    board_rows = board.to_dict("records")
    require(sorted(row["rep"] for row in board_rows) == sorted(reps), f"dashboard: rows for {sorted(r['rep'] for r in board_rows)}, the reps are {sorted(reps)}")
    for row in board_rows:
        if frames.sales is None:
            require(row["actual"] is None, f"dashboard: {row['rep']} actual {row['actual']!r} without any sales export")
            continue
        if row["rep"] not in by_rep:  # a rep carrying no target has no plan row: the dashboard leaves it empty
            require(row["actual"] is None, f"dashboard: {row['rep']} actual {row['actual']!r}, no row in the attainment by rep")
            continue
        require(row["actual"] == by_rep[row["rep"]]["actual"], f"dashboard: {row['rep']} actual {row['actual']!r}, attainment says {by_rep[row['rep']]['actual']!r}")
    render_reports(rendered, notes)


def render_reports(rendered: list[tuple[object, str, dict]], notes: list[str]) -> None:
    from salesplan_cli.cli.render_report import render
    from salesplan_cli.cli.report import Options, Rendered, ReportFormat

    for number, (ctx, name, tables) in enumerate(rendered):
        for fmt in (ReportFormat.json, list(ReportFormat)[number % len(ReportFormat)]):
            opts = Options(workspace=None, as_of=None, period=None, reps=[], team=None, segment=None, product=None, format=fmt, output=Path("out"))
            text = render(ctx, opts, Rendered(name, tables, {k: k for k in tables}, notes=list(notes)), [], to_terminal=False)
            require(isinstance(text, bytes if fmt is ReportFormat.xlsx else str), f"{name} rendered as {fmt.value}: no text")
            if fmt is ReportFormat.json:
                json.loads(text)


# --- the csv target ------------------------------------------------------------------------------------------------

PRESETS = ["none", "salesforce", "hubspot", "pipedrive"]
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "iso-8859-15"]
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M", "%d %b %Y", "%Y%m%d", "%m/%d/%y", "excel", "%Y-%m-%dT%H:%M:%S"]


@st.composite
def sources(draw, kind: str) -> dict:
    source = {
        "preset": draw(st.sampled_from(PRESETS)),
        "encoding": draw(st.sampled_from(ENCODINGS)),
        "delimiter": draw(st.sampled_from(["auto", "auto", ",", ";", "\t", "|"])),
        "decimal": draw(st.sampled_from([".", ","])),
        "thousands": draw(st.sampled_from(["auto", "auto", "none", ",", ".", " ", "'"])),
        "date_format": draw(st.sampled_from(DATE_FORMATS)),
        "probability": draw(st.sampled_from(["percent", "fraction"])),
    }
    if source["preset"] == "none" or chance(draw, 4):
        from salesplan_cli.intake.fields import FIELDS

        # without a preset every field needs a column; with one, some columns are renamed
        chosen = [f for f in FIELDS[kind] if (f.required and source["preset"] == "none") or draw(st.booleans())]
        source["columns"] = {f.name: draw(st.sampled_from([f.name, f.name.title(), f"Col {f.name}", f.name.upper()])) for f in chosen}
    if kind == "opportunities" and draw(st.booleans()):
        source["stage_dates"] = {stage: f"Date entered {stage}" for stage in draw(st.lists(st.sampled_from(["lead", "qualified", "proposal", "won"]), max_size=2, unique=True))}
    return source


def _thousands(source: dict) -> str:
    t = source.get("thousands", "auto")
    if t == "none":
        return ""
    if t != "auto":
        return t
    return "," if source.get("decimal", ".") == "." else "."


@st.composite
def amount_texts(draw, source: dict, messy: bool = True) -> str:
    if messy and chance(draw, 6):
        return draw(st.sampled_from(["", " ", "abc", "1e5", "NaN", "inf", "-", "()", "12.500", "1.000", "1,000", "1 000", "9" * 14, "9" * 13 + ".995",
                                     "0", "-0", "+5", "(5)", "EUR", "USD 5", "5 $", "€ 12", "12 CHF", "1'000.50", "1\u00a0000,50", "0.005", "-0.005"]))
    cents = draw(st.one_of(st.integers(-10**6, 10**8), st.integers(-10**15, 10**15)) if messy else st.integers(0, 10**9))
    places = draw(st.sampled_from([0, 1, 2, 2, 3]))
    value = Decimal(cents) / 100
    text = f"{abs(value):.{places}f}"
    whole, _, frac = text.partition(".")
    sep = _thousands(source) if draw(st.booleans()) else ""
    if sep and len(whole) > 3:
        groups = []
        while len(whole) > 3:
            groups.insert(0, whole[-3:])
            whole = whole[:-3]
        whole = sep.join([whole, *groups])
    text = whole + (source.get("decimal", ".") + frac if frac else "")
    if value < 0:
        text = f"({text})" if draw(st.booleans()) else "-" + text
    around = draw(st.sampled_from(["", "", "", "EUR ", " EUR", "€", "USD ", " $"] if messy else ["", "EUR ", " EUR"]))
    return around + text if not around.startswith(" ") else text + around


@st.composite
def date_texts(draw, source: dict, universe: Universe | None = None, messy: bool = True) -> str:
    if messy and chance(draw, 7):
        return draw(st.sampled_from(["", "2027-02-30", "02/30/2027", "30/02/2027", "0", "99999", "2958466", "-1", "2027", "tomorrow", "2027-13-01",
                                     "31.12.2027", "2027-06-01T10:00:00Z", "2027-06-01 25:00", "12/31/27", "1.5", "45000", "45000.5"]))
    window = st.dates(universe.first_day, universe.last_day) if universe is not None else st.dates(dt.date(2026, 6, 1), dt.date(2028, 6, 30))
    day = draw(st.one_of(window, st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))) if messy else window)
    fmt = source.get("date_format", "%Y-%m-%d")
    if fmt == "excel":
        text = str((day - dt.date(1899, 12, 30)).days) + draw(st.sampled_from(["", "", ".0", ".25"]))
    else:
        text = dt.datetime(day.year, day.month, day.day, draw(st.integers(0, 23)), draw(st.integers(0, 59))).strftime(fmt)
    return text + (draw(st.sampled_from(["", "", "", " 08:15", "T08:15:00Z", " 8:15 PM"])) if messy and "%H" not in fmt else "")


def _field_values(draw, kind: str, name: str, field_kind: str, source: dict, universe: Universe, messy: bool) -> str:
    if field_kind == "amount":
        return draw(amount_texts(source, messy))
    if field_kind == "date":
        return draw(date_texts(source, universe, messy))
    if field_kind == "probability":
        if not messy:
            return draw(st.sampled_from(["", "10", "25", "50%"] if source.get("probability", "percent") == "percent" else ["", "0.1", "0.25", "50%"]))
        return draw(st.sampled_from(["", "0", "5", "25", "25%", "0.25", "100", "150", "-1", "abc", "nan", "inf", "1e2", "50,5", "0,5"]))
    pools = {
        "owner": universe.owners,
        "account": universe.accounts,
        "stage": universe.stages,
        "product": universe.products,
        "type": universe.actions,
        "status": universe.statuses + ["won", "lost", "open"],
        "opportunity": universe.opportunity_ids,
        "segment": universe.segments,
    }
    if kind == "accounts" and name == "id":
        pool = universe.accounts
    elif kind in ("opportunities",) and name == "id":
        pool = universe.opportunity_ids
    else:
        pool = pools.get(name, ["", "x", "Name, with comma", 'quote "inside"', "multi\nline", "ÄÖÜ€"])
    if messy and chance(draw, 10):
        return draw(st.text(max_size=12))
    return draw(st.sampled_from(pool or [""]))


@st.composite
def csv_documents(draw, kind: str, source: dict, universe: Universe, max_rows: int = 25, messy: bool = True) -> bytes:
    """A generated export of `kind` written in the dialect of `source`.

    messy: now and then in another dialect or encoding, with a column missing or twice, ragged rows,
    unreadable values and dates anywhere in 1-9999; else every row is well formed (its names may
    still match nothing in the plan) and the dates fall around the fiscal year.
    """
    from salesplan_cli.intake.fields import FIELDS, columns_for

    mapped = columns_for(kind, source.get("preset", "none"), source.get("columns", {}))
    fields = {f.name: f for f in FIELDS[kind]}
    columns: list[tuple[str, str, str]] = []  # (header, field name, field kind)
    for f in FIELDS[kind]:
        header = mapped.get(f.name, f.name)
        if f.required or f.name in source.get("columns", {}) or draw(st.booleans()):
            columns.append((header, f.name, f.kind))
    if kind == "accounts":
        columns += [(header, "attr", "text") for header in universe.attributes]
    if kind == "opportunities":
        columns += [(header, "entered", "date") for header in source.get("stage_dates", {}).values()]
    if messy and chance(draw, 10) and columns:
        del columns[draw(st.integers(0, len(columns) - 1))]  # a required column missing
    if messy and chance(draw, 6):
        columns.append((draw(st.sampled_from(["Extra", "", "Notes", columns[0][0] if columns else "x"])), "extra", "text"))
    columns = draw(st.permutations(columns))
    seen = set()
    columns = columns if messy and chance(draw, 10) else [c for c in columns if not (c[0] in seen or seen.add(c[0]))]  # duplicates now and then
    rows = []
    for _ in range(draw(st.integers(0, max_rows))):
        row = []
        for header, name, field_kind in columns:
            if name == "attr":
                row.append(draw(st.sampled_from(universe.attributes[header])))
            elif name in fields or name == "entered":
                row.append(_field_values(draw, kind, name, field_kind, source, universe, messy))
            else:
                row.append(draw(st.sampled_from(["", "note", "a;b,c"])))
        shape = draw(st.integers(1, 3000)) % 30 if messy else 0
        if shape == 1 and row:
            row = row[:-1]
        elif shape == 2:
            row = row + ["spill"]
        elif shape == 3:
            row = []
        rows.append(row)
    delimiter = source.get("delimiter", "auto")
    if delimiter == "auto" or (messy and chance(draw, 15)):
        delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, quotechar='"', quoting=draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL])), lineterminator=draw(st.sampled_from(["\n", "\r\n"])))
    writer.writerow([c[0] for c in columns])
    for row in rows:
        writer.writerow(row)
    if source.get("preset") == "salesforce" and draw(st.booleans()):  # the report footer
        out.write(f'\n"Grand Totals ({len(rows)} records)"\n"Confidential Information - Do Not Distribute"\n')
    encoding = draw(st.sampled_from(["utf-8", "cp1252", "utf-16"])) if messy and chance(draw, 10) else source.get("encoding", "utf-8")
    data = out.getvalue().encode("utf-8-sig" if encoding == "utf-8-sig" else encoding, errors="replace")
    return data


@st.composite
def csv_cases(draw) -> dict:
    ws = example_workspace()
    universe = Universe.of(ws)
    kind = draw(st.sampled_from(EXPORT_KINDS))
    mode = draw(st.sampled_from(["generate", "generate", "generate", "mutate", "mutate", "bytes"]))
    if mode == "mutate" and kind in EXAMPLE_EXPORTS:
        # the example's own dialect for this export most of the time, a random one now and then
        if not chance(draw, 4):
            source = ws.settings.data.model_dump()[kind]
            source = {k: v for k, v in source.items() if k not in ("path", "sheet")}
        else:
            source = draw(sources(kind))
        data = apply_mutations(sample_exports()[EXAMPLE_EXPORTS[kind]], draw(mutations()))
    elif mode == "bytes":
        source = draw(sources(kind))
        data = draw(TEXT_BYTES)
    else:
        mode = "generate"
        source = draw(sources(kind))
        data = draw(csv_documents(kind, source, universe))
        if chance(draw, 4):
            data = apply_mutations(data, draw(mutations(max_ops=3)))
    if chance(draw, 12):
        data = grow(data, draw(st.integers(0, 1 << 20)))
    others = draw(st.lists(st.sampled_from([k for k in EXAMPLE_EXPORTS if k != kind]), unique=True, max_size=3))
    return {"mode": mode, "kind": kind, "source": source, "data": data, "others": sorted(others), "as_of": draw(st.sampled_from(AS_OF_CHOICES)).isoformat(),
            "period": draw(st.sampled_from(PERIOD_CHOICES)), "filters": draw(FILTERS)}


def grow(data: bytes, pick: int) -> bytes:
    """The export made large enough for the fast (pyarrow) reader: its rows repeated up to FAST_CSV_BYTES and a bit."""
    from salesplan_cli.intake import read

    threshold = getattr(read, "FAST_CSV_BYTES", 256 * 1024)
    header, _, body = data.partition(b"\n")
    if not body.strip():
        body = b"\n"
    copies = threshold // max(len(body), 1) + 1 + pick % 3
    out = header + b"\n" + body * copies
    return out[: threshold * 2 + pick % 4096] if len(out) > threshold * 2 + 4096 else out


def check_readers_agree(path: Path, source) -> None:
    """The fast (pyarrow) CSV reader, when it answers, gives what the exact (csv module) reader gives."""
    from salesplan_cli.intake import read

    fast_reader, exact_reader = getattr(read, "_read_csv_fast", None), getattr(read, "_read_csv_exact", None)
    if fast_reader is None or exact_reader is None or path.suffix.lower() not in (".csv", ".txt", ".tsv", ""):
        return
    raw = path.read_bytes()
    wanted = []
    exact, exact_diags = exact_reader(raw, path.name, source, wanted)
    if exact is not None:
        wanted = list(dict.fromkeys(h for h in exact.headers if h))
        exact, exact_diags = exact_reader(raw, path.name, source, wanted)
    fast = fast_reader(raw, path.name, source, wanted)
    if fast is None:
        return
    table, diags = fast
    require(exact is not None, f"the fast CSV reader reads what the exact one refuses: {[d.message for d in exact_diags]}")
    require(not diags, f"the fast CSV reader says {[d.message for d in diags]}")

    def shape(t):
        return {
            "headers": list(t.headers),
            "lines": [int(x) for x in t.lines],
            "issues": sorted((i.line, i.kind, i.reason) for i in t.issues),
            "columns": {k: [str(v) for v in (col.to_pylist() if hasattr(col, "to_pylist") else col)] for k, col in t.columns.items()},
        }

    a, b = shape(table), shape(exact)
    for key in a:
        if a[key] != b[key]:
            detail = a[key], b[key]
            if key == "columns":
                detail = {k: (a[key].get(k, [])[:5], b[key].get(k, [])[:5]) for k in set(a[key]) | set(b[key]) if a[key].get(k) != b[key].get(k)}
            elif isinstance(a[key], list):
                detail = (sorted(set(a[key]) - set(b[key]))[:5], sorted(set(b[key]) - set(a[key]))[:5])
            raise OracleFailure(f"the fast and the exact CSV readers differ on {key}: fast only / exact only: {detail}")


def workspace_with_exports(ws, root: Path, exports: dict[str, tuple[dict, bytes]]):
    """The workspace `ws` reading the given exports (kind -> (source settings, bytes)), written under `root`."""
    from salesplan_cli.intake.config import DataConfig

    config = ws.settings.data.model_dump() if ws.settings.data is not None else {}
    for kind in EXPORT_KINDS:
        config[kind] = None
    for kind, (source, data) in exports.items():
        path = root / f"{kind}.csv"
        path.write_bytes(data)
        config[kind] = {**source, "path": path.name}
    data_config = DataConfig.model_validate(config)
    # `root` holds the exports: export paths are read from inside the workspace only (SP907)
    return dataclasses.replace(ws, root=root, settings=ws.settings.model_copy(update={"data": data_config}), derived={})


def check_csv(case: dict) -> None:
    ws = example_workspace()
    example_sources = ws.settings.data.model_dump()
    with tempfile.TemporaryDirectory(prefix="salesplan-fuzz-") as tmp:
        exports = {case["kind"]: (case["source"], case["data"])}
        for kind in case["others"]:
            source = {k: v for k, v in example_sources[kind].items() if k not in ("path", "sheet")}
            exports[kind] = (source, sample_exports()[EXAMPLE_EXPORTS[kind]])
        fuzzed = workspace_with_exports(ws, Path(tmp), exports)
        check_readers_agree(Path(tmp) / f"{case['kind']}.csv", getattr(fuzzed.settings.data, case["kind"]))
        check_intake_and_reports(fuzzed, dt.date.fromisoformat(case["as_of"]), case["period"], case["filters"])


# --- the runner --------------------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    strategy: Callable[[], st.SearchStrategy]
    check: Callable[[dict], None]


TARGETS = {"yaml": Target("yaml", yaml_cases, check_yaml), "csv": Target("csv", csv_cases, check_csv)}


class _StopShrinking(BaseException):
    """Raised inside the test once the time for shrinking is spent: hypothesis lets it through."""


@dataclass
class Outcome:
    target: str
    examples: int
    seconds: float
    failure: dict | None = None  # the case
    error: str | None = None  # its traceback
    saved: Path | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _size(case: dict) -> int:
    return len(json.dumps(_jsonable(case), default=str))


def describe_case(case: dict, limit: int = 1500) -> str:
    """The case as text for a person: files and exports shown as text."""
    lines = []
    for key, value in case.items():
        if key == "files":
            for rel, data in value.items():
                lines.append(f"--- {rel}: " + ("(deleted)" if data is None else f"{len(data)} bytes"))
                if data is not None:
                    lines.append(repr(data)[:limit] if len(data) < 200 else data.decode("utf-8", errors="backslashreplace")[:limit])
                    if len(data) > limit:
                        lines.append(f"... ({len(data) - limit} more bytes, in the saved case)")
        elif key == "data":
            lines.append(f"--- data: {len(value)} bytes")
            lines.append(repr(value)[:limit] if len(value) <= limit else f"{value[: limit // 2]!r} ... {value[-200:]!r}")
        else:
            lines.append(f"{key}: {value!r}")
    return "\n".join(lines)


def save_failure(outcome: Outcome, out_dir: Path) -> Path:
    blob = json.dumps(_jsonable(outcome.failure), sort_keys=True, default=str)
    digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{outcome.target}-{digest}.json"
    path.write_text(json.dumps({"target": outcome.target, "case": _jsonable(outcome.failure), "error": outcome.error}, indent=2, default=str) + "\n", encoding="utf-8")
    files = out_dir / f"{outcome.target}-{digest}"
    files.mkdir(exist_ok=True)
    case = outcome.failure
    if outcome.target == "yaml":
        for rel, data in case["files"].items():
            dest = files / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if data is not None:
                dest.write_bytes(data)
    else:
        (files / f"{case['kind']}.csv").write_bytes(case["data"])
    (files / "traceback.txt").write_text(outcome.error or "", encoding="utf-8")
    return path


def run_target(name: str, seconds: float, seed: int | None = None, out_dir: Path | None = OUT_DIR, shrink_seconds: float | None = None,
               check: Callable[[dict], None] | None = None) -> Outcome:
    """Run one target for about `seconds` (plus the time to shrink a failure); the first failure stops it."""
    target = TARGETS[name]
    check = check or target.check
    started = time.monotonic()
    stop_at = started + seconds
    shrink_budget = shrink_seconds if shrink_seconds is not None else max(20.0, seconds)
    state: dict[str, Any] = {"examples": 0, "failures": [], "shrink_until": None}

    def body(case: dict) -> None:
        now = time.monotonic()
        if state["failures"]:
            if now > state["shrink_until"]:
                raise _StopShrinking()
        elif now > stop_at:
            return  # time is up: let the batch finish at once
        state["examples"] += 1
        state["last"] = case
        try:
            check(case)
        except Exception:
            if not state["failures"]:
                state["shrink_until"] = time.monotonic() + shrink_budget
            state["failures"].append((case, traceback.format_exc()))
            raise

    import warnings

    from hypothesis.errors import HypothesisWarning

    warnings.simplefilter("ignore", HypothesisWarning)  # "overly large repr" of the grown exports
    rng = random.Random(seed)
    error = None
    batch = 25
    while time.monotonic() < stop_at and not state["failures"]:
        test = settings(
            max_examples=batch,
            deadline=None,
            database=None,
            derandomize=False,
            report_multiple_bugs=False,
            print_blob=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )(given(target.strategy())(body))
        test = hypothesis_seed(rng.getrandbits(64))(test)
        try:
            test()
        except _StopShrinking:
            break
        except Exception as exc:  # the failure (hypothesis re-raised it after shrinking), or hypothesis itself
            error = exc
            break
    outcome = Outcome(name, state["examples"], time.monotonic() - started)
    if state["failures"]:
        last_case, last_error = state["failures"][-1]
        if error is None:  # shrinking was cut short: the smallest failing case seen
            last_case, last_error = min(state["failures"], key=lambda f: _size(f[0]))
        outcome.failure, outcome.error = last_case, last_error
        if out_dir is not None:
            outcome.saved = save_failure(outcome, out_dir)
    elif error is not None:  # not the program: a generator of this script, or hypothesis itself (a health check)
        outcome.failure = {"harness_error": "raised outside the program under test, while generating or by hypothesis"}
        outcome.error = "".join(traceback.format_exception(error))
    return outcome


def report(outcome: Outcome) -> str:
    if outcome.failure is None:
        return f"{outcome.target}: clean, {outcome.examples} examples in {outcome.seconds:.0f} s"
    lines = [f"{outcome.target}: FAILED after {outcome.examples} examples ({outcome.seconds:.0f} s)", "minimal failing input:", describe_case(outcome.failure), "error:", outcome.error or ""]
    if outcome.saved is not None:
        lines.append(f"saved: {outcome.saved.relative_to(REPO) if outcome.saved.is_relative_to(REPO) else outcome.saved}")
        lines.append(f"replay: python fuzz/run.py --replay {outcome.saved.relative_to(REPO) if outcome.saved.is_relative_to(REPO) else outcome.saved}")
    return "\n".join(lines)


def replay(path: Path) -> int:
    saved = json.loads(path.read_text(encoding="utf-8"))
    case = _from_json(saved["case"])
    print(describe_case(case))
    try:
        TARGETS[saved["target"]].check(case)
    except Exception:
        traceback.print_exc()
        print(f"{saved['target']}: still fails", file=sys.stderr)
        return 1
    print(f"{saved['target']}: passes now")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="time to fuzz, shared by the targets (default 60)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="fuzz only this target (repeatable; default: all)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the batches (default: random)")
    parser.add_argument("--shrink-seconds", type=float, default=None, help="time allowed to shrink a failure (default: max(20, the target's time))")
    parser.add_argument("--replay", type=Path, help="run a saved case again (.fuzz/<target>-<hash>.json)")
    parser.add_argument("--out", type=Path, default=None, help="folder for failing cases (default: .fuzz/ in the repository)")
    args = parser.parse_args(argv)
    if args.replay is not None:
        return replay(args.replay)
    os.environ.setdefault("COLUMNS", "120")
    names = args.target or list(TARGETS)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"fuzzing {', '.join(names)} for {args.seconds:.0f} s (seed {seed})", flush=True)
    example_workspace(), sample_exports()  # warm up outside the clock of the first target
    failed = False
    for i, name in enumerate(names):
        outcome = run_target(name, args.seconds / len(names), seed=seed + i, shrink_seconds=args.shrink_seconds, out_dir=args.out or OUT_DIR)
        print(report(outcome), flush=True)
        failed |= outcome.failure is not None
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
