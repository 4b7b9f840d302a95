"""allocate on the example, for every basis and several --from dates and units: the sums are exact
(not merely within the example's 1,000 EUR tolerance) and no sum or period finding is left."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import EXAMPLE, copy_workspace
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.targets import product_targets, segment_targets, strategy_volume, workspace_targets
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.replan.allocate import AllocationError, Request, allocate
from salesplan_cli.replan.apply import edited_texts, last_year_sales

SUM_AND_PERIOD_CODES = {"SP403", "SP404", "SP405", "SP501", "SP502", "SP406", "SP603", "SP605", "SP407", "SP408", "SP409", "SP410"}


@pytest.fixture(scope="module")
def sales() -> dict:
    from salesplan_cli.intake.load import load_exports

    ws, _ = load_workspace(EXAMPLE)
    frames, problems = load_exports(ws)
    assert frames is not None, problems
    found = last_year_sales(ws, frames)
    assert found, "the example's invoices have 2026 sales"
    return found


def exact_sums(root: Path) -> dict[str, tuple[Fraction, Fraction]]:
    ws, _ = load_workspace(root)
    reps = workspace_targets(ws)
    out = {"total": (sum((t.effective_total for t in reps.values()), Fraction(0)), Fraction(ws.strategy.revenue_target))}
    for seg, target in segment_targets(ws.strategy).items():
        out[seg] = (sum((t.effective.get(seg, Fraction(0)) for t in reps.values()), Fraction(0)), target)
    for p, target in product_targets(ws.strategy).items():
        out[p] = (sum((t.effective_products.get(p, Fraction(0)) for t in reps.values()), Fraction(0)), target)
    for kind, keys in strategy_volume(ws.strategy).items():  # volume objectives too, prorated as the checks do
        for key, target in keys.items():
            out[f"volume {kind} {key}"] = (sum((t.effective_volume.get(kind, {}).get(key, Fraction(0)) for t in reps.values()), Fraction(0)), target)
    return out


@pytest.mark.parametrize("revised", [False, True], ids=["as-planned", "revised-target"])
@pytest.mark.parametrize("start", [None, dt.date(2027, 4, 1), dt.date(2027, 7, 1), dt.date(2027, 8, 1), dt.date(2027, 12, 1)])
@pytest.mark.parametrize("by", ["equal", "accounts", "sales"])
def test_allocations_are_exact(tmp_path, sales, by, start, revised):
    ws_copy = copy_workspace(EXAMPLE, tmp_path / "ws")
    if revised:
        ws_copy.replace("strategy.yaml", "revenue_target: 12_000_000", "revenue_target: 11_437_000")
    ws, _ = load_workspace(ws_copy.root)
    try:
        allocation = allocate(ws, Request(by=by, unit=1000, start=start), sales if by == "sales" else None)
    except AllocationError as exc:  # a refusal must say why
        pytest.fail(f"refused: {exc.message}")
    for rel, (_, text) in edited_texts(ws_copy.root, allocation).items():
        ws_copy.write(rel, text)
    for what, (carried, target) in exact_sums(ws_copy.root).items():
        assert carried == target, f"{what}: reps carry {carried}, the strategy {target}"
    codes = {d.code for d in validate_workspace(ws_copy.root, as_of=dt.date(2027, 10, 15)).diagnostics}
    assert not codes & SUM_AND_PERIOD_CODES, codes
