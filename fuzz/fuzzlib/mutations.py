"""Hypothesis strategies shared by the targets: bytes and text (token soup, byte-level mutations) and YAML trees
(edits of the example's plan files)."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import yaml
from hypothesis import strategies as st

from .inputs import example_tree


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
