"""From an allocation to edited rep files: the new texts, the workspace they make, and its diff."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from ..plan.load import REPS_DIR, SEGMENTS_FILE, STRATEGY_FILE, WORKSPACE_FILE, load_workspace
from ..plan.validate import check_workspace
from .allocate import Allocation
from .diff import PlanDiff, Side, plan_diff
from .yamledit import set_mapping, set_nested


@dataclass
class Outcome:
    edits: dict[str, tuple[bytes, str]]  # rel -> (bytes read, new text), changed files only
    diff: PlanDiff
    new_errors: list  # error findings the allocation would introduce


def edited_texts(root: Path, allocation: Allocation) -> dict[str, tuple[bytes, str]]:
    edits: dict[str, tuple[bytes, str]] = {}
    for change in allocation.changes:
        raw = (root / change.rel).read_bytes()
        text = raw.decode("utf-8-sig")
        new = set_mapping(text, "targets", change.targets)
        if change.products is not None:
            new = set_mapping(new, "products", change.products)
        if change.periods is not None:
            new = set_mapping(new, "periods", change.periods, after="products" if "\nproducts:" in new else "targets")
        if change.volume:
            new = set_nested(new, "volume", change.volume)
        if raw.startswith(b"\xef\xbb\xbf"):
            new = "\ufeff" + new
        if new != raw.decode("utf-8"):
            edits[change.rel] = (raw, new)
    return edits


def outcome(root: Path, before: Side, allocation: Allocation, as_of: dt.date) -> Outcome:
    """The edits, and the workspace they would make (built in a temporary folder) compared with `before`."""
    edits = edited_texts(root, allocation)
    with tempfile.TemporaryDirectory(prefix="salesplan-allocate-") as tmp:
        copy = Path(tmp)
        for name in (WORKSPACE_FILE, STRATEGY_FILE, SEGMENTS_FILE):
            if (root / name).is_file():
                shutil.copyfile(root / name, copy / name)
        (copy / REPS_DIR).mkdir()
        for path in sorted((root / REPS_DIR).iterdir()):
            if path.is_file() and path.suffix in (".yaml", ".yml"):
                shutil.copyfile(path, copy / REPS_DIR / path.name)
        for rel, (_, text) in edits.items():
            (copy / rel).write_text(text, encoding="utf-8")
        ws, diags = load_workspace(copy)
        result = check_workspace(ws, diags, as_of)
        after = Side("after allocation", ws, result.diagnostics)
        diff = plan_diff(before, after)
    # refused: an error at a place that had none (an error already there whose figures moved is not new)
    had = {(d.code, d.file, d.path) for d in before.findings if d.is_error}
    new_errors = [d for d in diff.appeared if d.is_error and (d.code, d.file, d.path) not in had]
    return Outcome(edits=edits, diff=diff, new_errors=new_errors)


def last_year_sales(ws, frames) -> dict[tuple[str, str], Fraction]:
    """(rep id, segment) -> sales in the fiscal year before the workspace's, from the sales export (cents)."""
    sales = frames.sales
    start = ws.settings.fiscal_year.start
    first = start.replace(year=start.year - 1)
    dates = sales["date"]
    import pandas as pd

    mask = (dates >= pd.Timestamp(first)) & (dates < pd.Timestamp(start)) & sales["rep"].notna() & sales["segment"].notna()
    picked = sales[mask]
    ids = {stem: rep.id for stem, rep in ws.reps.items()}
    out: dict[tuple[str, str], Fraction] = {}
    for (rep, segment), amount in picked.groupby(["rep", "segment"])["amount"].sum().items():
        key = (ids.get(rep, rep), segment)
        out[key] = out.get(key, Fraction(0)) + Fraction(int(amount))
    return out
