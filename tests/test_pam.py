"""`salesplan pam`: monthly action plans, from the arithmetic up to the files on disk.

Every expected figure is worked out by hand in the comments (never by calling the function under test a
second time). The example workspace (examples/nordwind) has a fiscal year 2027-01..2027-12 of 365 days,
seasonality Q1 15%, Q2 15%, Q3 20%, Q4 50% (5% a month in Q1 and Q2, 6.67% in Q3, 16.67% in Q4), and CRM
exports that run to 2027-10-15. PAM files are only ever written under tmp_path.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import json
import re
import shutil
import zipfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
import yaml

from conftest import EXAMPLE, CliRun
from salesplan_cli.cli.app import main
from salesplan_cli.pam.accounts import FIRST_CONTACT, Target, due_accounts
from salesplan_cli.pam.actions import action_objectives, monthly_planned_actions
from salesplan_cli.pam.document import PamInputs, build_pam
from salesplan_cli.pam.files import MANIFEST, file_stem
from salesplan_cli.pam.objectives import catch_up, cumulative_round, month_objectives, split_rounded
from salesplan_cli.pam.xlsx import to_xlsx
from salesplan_cli.plan.calendar import fiscal_months
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.model import RepPlan, Strategy
from salesplan_cli.plan.targets import RepTargets, workspace_targets
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.config.values import money

AS_OF = "2027-10-15"
REPS = ["rep-e1", "rep-e2", "rep-e3", "rep-e4", "rep-e5", "rep-n1", "rep-n2", "rep-n3", "rep-s1", "rep-s2", "rep-s3"]
MONTHS_2027 = fiscal_months(dt.date(2027, 1, 1))


def cli(*args) -> CliRun:
    """Run `salesplan ARGS...` in-process (usable from module-scoped fixtures, where capsys is not)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliRun(code, out.getvalue(), err.getvalue())


def D(text: str) -> Decimal:
    return Decimal(text)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def example_ws():
    result = validate_workspace(EXAMPLE, as_of=dt.date.fromisoformat(AS_OF))
    assert result.errors == 0
    return result.workspace


@pytest.fixture(scope="module")
def loaded(example_ws):
    """The example workspace and its CRM exports, read once."""
    from salesplan_cli.intake.load import load_exports

    frames, diags = load_exports(example_ws)
    assert frames is not None and not diags
    return example_ws, frames


# =============================================================================================================
# 1. Plan mode: the twelve monthly objectives add up to the annual figure shown
# =============================================================================================================

#: The annual objective per segment, by hand:
#:   rep-n1: its declared targets A 350,000, B 250,000, C 400,000 (in post all year).
#:   rep-e1: A 1,100,000 (its own quarterly breakdown only changes the spread, not the total).
#:   rep-e2: A 1,052,500.
#:   rep-e3: B 51.25% of the B target 12,000,000 x 25% = 3,000,000 -> 1,537,500.
#:   rep-s3: hired 2027-04-01, so it carries Q2..Q4 = 15% + 20% + 50% = 85% of the year:
#:           A 350,000 x 85% = 297,500; B 250,000 x 85% = 212,500; C 400,000 x 85% = 340,000.
EXAMPLE_ANNUALS = {
    "rep-n1": {"A": "350000.00", "B": "250000.00", "C": "400000.00"},
    "rep-e1": {"A": "1100000.00"},
    "rep-e2": {"A": "1052500.00"},
    "rep-e3": {"B": "1537500.00"},
    "rep-s3": {"A": "297500.00", "B": "212500.00", "C": "340000.00"},
}


def check_year(targets: RepTargets, annuals: dict[str, str]) -> list:
    months = [month_objectives(targets, i) for i in range(12)]
    assert set(months[0].segments) == set(annuals)
    for seg, text in annuals.items():
        annual = D(text)
        assert sum((m.segments[seg] for m in months), Decimal(0)) == annual, seg
        assert all(m.annual[seg] == annual for m in months), seg
        assert money(targets.effective[seg]) == annual, seg
    for i, m in enumerate(months):
        assert m.total == sum(m.segments.values(), Decimal(0)), i
        assert sum(m.products.values(), Decimal(0)) == m.total, i
        for value in [*m.segments.values(), *m.products.values(), m.total]:
            assert value.as_tuple().exponent == -2, (i, value)  # shown to the cent
    return months


@pytest.mark.parametrize("rep_id", sorted(EXAMPLE_ANNUALS))
def test_example_reps_months_add_up_to_the_annual_objective(example_ws, rep_id):
    check_year(workspace_targets(example_ws)[rep_id], EXAMPLE_ANNUALS[rep_id])


def test_example_month_figures_by_hand(example_ws):
    targets = workspace_targets(example_ws)
    n1 = [month_objectives(targets["rep-n1"], i) for i in range(12)]
    # January = 5% of the year: A 17,500, B 12,500, C 20,000 -> 50,000; products by the strategy mix 60/40.
    assert n1[0].segments == {"A": D("17500.00"), "B": D("12500.00"), "C": D("20000.00")}
    assert n1[0].products == {"platform": D("30000.00"), "services": D("20000.00")}
    # October = 50% / 3 of the year: A 58,333.33 (running 233,333.33), B 41,666.67, C 66,666.67 (running 266,666.67).
    assert n1[9].segments == {"A": D("58333.33"), "B": D("41666.67"), "C": D("66666.67")}
    assert n1[9].total == D("166666.67")
    # rep-e1's own breakdown: Q1 110,000 -> 36,666.67, 36,666.66, 36,666.67 (running 36,666.67 / 73,333.33 / 110,000).
    e1 = [month_objectives(targets["rep-e1"], i).segments["A"] for i in range(3)]
    assert e1 == [D("36666.67"), D("36666.66"), D("36666.67")]
    # January products of rep-e1 (70/30): 3,666,667 cents x 0.7 = 2,566,666.9 -> 2,566,666 + the one cent left
    # (largest remainder 0.9) = 25,666.67; services 1,100,000.1 -> 11,000.00.
    assert month_objectives(targets["rep-e1"], 0).products == {"platform": D("25666.67"), "services": D("11000.00")}
    # rep-s3 is hired on 2027-04-01: nothing before April, April A = 350,000 x 5% = 17,500.
    s3 = [month_objectives(targets["rep-s3"], i) for i in range(4)]
    assert [m.total for m in s3[:3]] == [D("0.00")] * 3
    assert s3[3].segments["A"] == D("17500.00")


def test_example_plan_only_document_shows_the_annual_objectives(example_ws):
    rep = next(r for r in example_ws.reps.values() if r.id == "rep-s3")
    doc = build_pam(PamInputs(ws=example_ws, frames=None, as_of=dt.date(2027, 10, 15)), rep, 9)
    assert [(s["segment"], s["annual"], s["plan"]) for s in doc["revenue"]["segments"]] == [
        # October = 50% / 3: A 58,333.33, B 41,666.67, C 66,666.67 (as rep-n1: rep-s3 is in post all of Q4)
        ("A", 297500.0, 58333.33),
        ("B", 212500.0, 41666.67),
        ("C", 340000.0, 66666.67),
    ]
    assert doc["revenue"]["annual"] == 850000.0  # 1,000,000 x 85%


HAND_REP = """\
id: rep-h
name: Hanna Hand
manager: mgr-north
start: 2027-03-17
targets: {A: 100_000, B: 50_000}
periods: {Q1: 10%, Q2: 20%, Q3: 30%, Q4: 40%}
products: {platform: 70%, services: 30%}
portfolio:
  accounts:
    A: {customer: 10}
"""


@pytest.fixture(scope="module")
def hand_ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("hand") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    (root / "reps" / "rep-h.yaml").write_text(HAND_REP, encoding="utf-8")
    ws, diags = load_workspace(root)
    assert not [d for d in diags if d.is_error], [d.headline() for d in diags]
    return ws


def test_hand_rep_mid_year_hire_with_periods_and_product_mix(hand_ws):
    # rep-h: own quarterly weights 10/20/30/40% -> a month of Q1 weighs 1/30, Q2 1/15, Q3 1/10, Q4 2/15.
    # Hired 2027-03-17: 0 days in January and February, 15 of 31 days in March.
    # Proration = 1/30 x 15/31 + 90% = 1/62 + 9/10 = 142/155.
    #   A annual = 100,000 x 142/155 = 91,612.903.. -> 91,612.90; B = 50,000 x 142/155 = 45,806.4516.. -> 45,806.45.
    targets = workspace_targets(hand_ws)["rep-h"]
    months = check_year(targets, {"A": "91612.90", "B": "45806.45"})
    # A: March 100,000 / 62 = 1,612.903..; Q2 6,666.666.. a month; Q3 10,000; Q4 13,333.333..
    #   running 1,612.90 | 8,279.57 | 14,946.24 | 21,612.90 | 31,612.90 | 41,612.90 | 51,612.90 | 64,946.24 | 78,279.57 | 91,612.90
    assert [m.segments["A"] for m in months] == [
        D(x) for x in ("0.00", "0.00", "1612.90", "6666.67", "6666.67", "6666.66", "10000.00", "10000.00", "10000.00", "13333.34", "13333.33", "13333.33")
    ]
    # B: March 806.4516..; running 806.45 | 4,139.78 | 7,473.12 | 10,806.45 | +5,000 x 3 | 32,473.12 | 39,139.78 | 45,806.45
    assert [m.segments["B"] for m in months] == [
        D(x) for x in ("0.00", "0.00", "806.45", "3333.33", "3333.34", "3333.33", "5000.00", "5000.00", "5000.00", "6666.67", "6666.66", "6666.67")
    ]
    # March total 1,612.90 + 806.45 = 2,419.35 = 241,935 cents: platform 169,354.5, services 72,580.5 -> floors
    # 169,354 + 72,580 = 241,934, one cent left, equal remainders -> the first listed (platform).
    assert months[2].total == D("2419.35")
    assert months[2].products == {"platform": D("1693.55"), "services": D("725.80")}


# =============================================================================================================
# 2. cumulative_round and split_rounded
# =============================================================================================================


def test_cumulative_round_thirds():
    # running 33.333.. -> 33.33, 66.666.. -> 66.67 (+33.34), 100 -> 100.00 (+33.33)
    assert cumulative_round([Fraction(100, 3)] * 3) == [D("33.33"), D("33.34"), D("33.33")]


def test_cumulative_round_half_away_from_zero_and_whole_units():
    assert cumulative_round([Fraction(1, 200)]) == [D("0.01")]  # 0.005 -> 0.01 (not banker's 0.00)
    assert cumulative_round([Fraction(-1, 200)]) == [D("-0.01")]
    # whole units: 2.5 -> 3 (running 2.5), 5 -> 5 (+2), 7.5 -> 8 (+3)
    assert cumulative_round([Fraction(5, 2)] * 3, 0) == [D(3), D(2), D(3)]
    # twelve twelfths of 1,000: running k x 83.333.. -> sums to exactly 1,000.00
    shown = cumulative_round([Fraction(1000, 12)] * 12)
    assert sum(shown, Decimal(0)) == D("1000.00")
    assert shown[:3] == [D("83.33"), D("83.34"), D("83.33")]


def test_split_rounded_by_hand():
    # 0.05 = 5 cents, weights 1:1 -> 2.5 each: floors 2 + 2, the cent left goes to the first (tie)
    assert split_rounded(D("0.05"), [Fraction(1), Fraction(1)]) == [D("0.03"), D("0.02")]
    # 100.00 in three: 3,333.33 cents each -> 3,333 x 3 + 1 to the first
    assert split_rounded(D("100.00"), [Fraction(1)] * 3) == [D("33.34"), D("33.33"), D("33.33")]
    # 0.10 by 1:2 -> 3.33 and 6.67 cents: floors 3 + 6, the cent left to the largest remainder (0.67, the second)
    assert split_rounded(D("0.10"), [Fraction(1), Fraction(2)]) == [D("0.03"), D("0.07")]
    # 10.00 by 70/30 -> exactly 7.00 and 3.00
    assert split_rounded(D("10.00"), [Fraction(7, 10), Fraction(3, 10)]) == [D("7.00"), D("3.00")]
    # all weights zero: everything in the first part
    assert split_rounded(D("12.34"), [Fraction(0), Fraction(0)]) == [D("12.34"), D("0.00")]
    assert split_rounded(D("1.00"), []) == []


# =============================================================================================================
# 3. Catch-up
# =============================================================================================================


def even_targets(annual: int, mix: dict[str, Fraction] | None = None) -> RepTargets:
    """One segment A, even seasonality (1/12 a month), in post all year."""
    return RepTargets("rep-x", {"A": Fraction(annual)}, [Fraction(1, 12)] * 12, [Fraction(1)] * 12, mix or {})


def test_catch_up_hand_worked_case():
    # 120,000 a year, 10,000 a month. Before month index 3 (April): target 30,000, sold 20,000 -> 10,000 missing,
    # spread over the 9 months left in proportion to the plan: each month 10,000 + 10,000 / 9 = 100,000 / 9.
    targets = even_targets(120_000, {"platform": Fraction(1, 2), "services": Fraction(1, 2)})
    catch = catch_up(targets, 3, Fraction(20_000))
    assert catch.target_before == 30_000
    assert catch.missing == 10_000
    assert catch.remaining_target == 100_000  # 9 x 10,000 + 10,000
    assert catch.schedule == [Fraction(100_000, 9)] * 9
    shown = month_objectives(targets, 3, catch)
    # running k x 11,111.111..: .11 .22 .33 .44 .56 (+.12) .67 .78 .89 100,000.00
    assert shown.catch_up_schedule == [D("11111.11")] * 4 + [D("11111.12")] + [D("11111.11")] * 4
    assert sum(shown.catch_up_schedule, Decimal(0)) == D("100000.00")
    assert shown.total == D("10000.00")
    assert shown.catch_up_total == D("11111.11")
    assert shown.catch_up_segments == {"A": D("11111.11")}
    # 1,111,111 cents halved: 555,555.5 each -> one cent left, to the first listed
    assert shown.catch_up_products == {"platform": D("5555.56"), "services": D("5555.55")}


@pytest.mark.parametrize("month_index", [0, 1, 3, 7, 11])
@pytest.mark.parametrize("actual_before", [Fraction(0), Fraction(12_345_67, 100), Fraction(40_000), Fraction(10**6)])
def test_catch_up_schedule_sums_to_remaining_target(example_ws, month_index, actual_before):
    for rep_id in ("rep-n1", "rep-e2", "rep-s3"):
        targets = workspace_targets(example_ws)[rep_id]
        plan = targets.monthly_total()
        catch = catch_up(targets, month_index, actual_before)
        target_before = sum(plan[:month_index], Fraction(0))
        missing = max(Fraction(0), target_before - actual_before)
        assert catch.missing == missing
        assert catch.remaining_target == sum(plan[month_index:], Fraction(0)) + missing
        assert sum(catch.schedule, Fraction(0)) == catch.remaining_target
        assert len(catch.schedule) == 12 - month_index
        shown = month_objectives(targets, month_index, catch)
        assert sum(shown.catch_up_schedule, Decimal(0)) == money(catch.remaining_target)
        assert shown.catch_up_total == shown.catch_up_schedule[0]
        assert sum(shown.catch_up_segments.values(), Decimal(0)) == shown.catch_up_total
        assert sum(shown.catch_up_products.values(), Decimal(0)) == shown.catch_up_total


def test_catch_up_spreads_the_shortfall_in_proportion_to_the_plan(example_ws):
    # rep-n1 (1,000,000 a year), from July (index 6): plan July..September 66,666.67 a month (20% / 3),
    # October..December 166,666.67 (50% / 3): 700,000 left. Target before July = 30% = 300,000; sold 200,000
    # -> 100,000 missing = 1/7 of the plan left, so every month left is its plan x 8/7:
    #   July..September 1,000,000 / 15 x 8/7 = 76,190.476..; October..December 1,000,000 / 6 x 8/7 = 190,476.190..
    targets = workspace_targets(example_ws)["rep-n1"]
    catch = catch_up(targets, 6, Fraction(200_000))
    assert (catch.target_before, catch.missing, catch.remaining_target) == (300_000, 100_000, 800_000)
    assert catch.schedule == [Fraction(8_000_000, 105)] * 3 + [Fraction(8_000_000, 42)] * 3
    # running 76,190.48 | 152,380.95 | 228,571.43 | 419,047.62 | 609,523.81 | 800,000.00
    shown = month_objectives(targets, 6, catch)
    assert shown.catch_up_schedule == [D(x) for x in ("76190.48", "76190.47", "76190.48", "190476.19", "190476.19", "190476.19")]
    # shown catch-up = shown plan + shown share of the missing 100,000. July's shown plan per segment (cumulative
    # rounding from January): A 23,333.33, B 16,666.67, C 26,666.67 (66,666.67). July's share of the missing:
    # 100,000 x 66,666.67 / 700,000 = 9,523.81, split 35/25/40 in cents: 952,381 -> 333,333.35 / 238,095.25 /
    # 380,952.4 -> floors 333,333 + 238,095 + 380,952 = 952,380, the cent left to the largest remainder (C, 0.4):
    #   A 23,333.33 + 3,333.33, B 16,666.67 + 2,380.95, C 26,666.67 + 3,809.53
    assert shown.catch_up_segments == {"A": D("26666.66"), "B": D("19047.62"), "C": D("30476.20")}
    assert sum(shown.catch_up_segments.values()) == shown.catch_up_total == D("76190.48")


def test_catch_up_advance_is_not_taken_off_later_months():
    # 120,000 a year; before April the target is 30,000 and 45,000 was sold: 15,000 ahead, nothing missing.
    targets = even_targets(120_000)
    catch = catch_up(targets, 3, Fraction(45_000))
    assert catch.missing == 0
    assert catch.remaining_target == 90_000  # the plan of April..December, not 90,000 - 15,000
    assert catch.schedule == [Fraction(10_000)] * 9


def test_catch_up_figures_shown_equal_the_plan_when_ahead():
    # 100,000 a year, 8,333.333.. a month. The plan shown (cumulative rounding from January):
    #   running 8,333.33 | 16,666.67 | 25,000.00 | 33,333.33 | 41,666.67 | 50,000.00 | ... -> February = 8,333.34.
    # Before February the target is 8,333.33; 9,000 sold -> ahead, nothing missing: the catch-up schedule is the
    # plan, so the catch-up figures shown should be the plan's: 8,333.34 in February, then .33 .33 .34 .33 ...
    targets = even_targets(100_000)
    catch = catch_up(targets, 1, Fraction(9_000))
    assert catch.missing == 0
    shown = month_objectives(targets, 1, catch)
    assert shown.total == D("8333.34")
    plan_shown = [D(x) for x in ("8333.34", "8333.33", "8333.33", "8333.34", "8333.33", "8333.33", "8333.34", "8333.33", "8333.33", "8333.34", "8333.33")]
    assert shown.catch_up_schedule == plan_shown  # actual: 8,333.33, 8,333.34, 8,333.33, ...
    assert shown.catch_up_total == shown.total  # actual: 8,333.33 against a plan of 8,333.34


def test_catch_up_document_of_a_rep_behind(loaded):
    # rep-s2 (1,000,000 a year like rep-n1; the example's rep behind on attainment), October 2027 in catch-up
    # mode, CRM data to 2027-10-15:
    #   target before October = Q1..Q3 = 15% + 15% + 20% = 50% -> 500,000.00;
    #   plan of October..December = 50% -> 500,000.00 (166,666.67 + 166,666.66 + 166,666.67).
    ws, frames = loaded
    rep = next(r for r in ws.reps.values() if r.id == "rep-s2")
    doc = build_pam(PamInputs(ws=ws, frames=frames, as_of=dt.date(2027, 10, 15), mode="catch-up"), rep, 9)
    revenue = doc["revenue"]
    assert revenue["target_before"] == 500_000.0
    actual = D(str(revenue["actual_before"]))
    # what rep-s2 sold January..September, straight from the sales frame (cents; its segments A, B, C or none)
    sales = frames.sales
    days = sales["date"].dt.normalize()
    mine = sales[(sales["rep"] == "rep-s2") & (days >= "2027-01-01") & (days <= "2027-09-30")]
    mine = mine[mine["segment"].isna() | mine["segment"].isin(["A", "B", "C"])]
    assert actual == money(Fraction(int(mine["amount"].sum()), 100))
    assert actual < D("500000.00")  # rep-s2 is behind: something is missing
    missing = D("500000.00") - actual
    assert D(str(revenue["missing"])) == missing
    assert D(str(revenue["remaining_target"])) == D("500000.00") + missing
    path = revenue["catch_up_path"]
    assert [p["month"] for p in path] == ["2027-10", "2027-11", "2027-12"]
    assert [p["plan"] for p in path] == [166666.67, 166666.66, 166666.67]
    assert sum((D(str(p["catch_up"])) for p in path), Decimal(0)) == D(str(revenue["remaining_target"]))
    assert path[0]["catch_up"] == revenue["catch_up"] == doc["headline"]["revenue_catch_up"]
    assert sum((D(str(s["catch_up"])) for s in revenue["segments"]), Decimal(0)) == D(str(revenue["catch_up"]))
    assert sum((D(str(p["catch_up"])) for p in revenue["products"]), Decimal(0)) == D(str(revenue["catch_up"]))
    assert revenue["catch_up"] > revenue["plan"]
    assert doc["last_month"]["talking_points"][0].startswith("Year to date before 2027-10:")


def test_catch_up_document_of_a_rep_ahead_equals_the_plan(loaded):
    # rep-n1, August 2027: target before = Q1 + Q2 + July = 15% + 15% + 20%/3 = 36.67% -> 366,666.67; rep-n1 sold
    # more than that by the end of July (the example data), so nothing is missing: catch-up = plan.
    # August plan: running 366,666.67 -> 433,333.33 = 66,666.66 (A 23,333.34 + B 16,666.66 + C 26,666.66).
    ws, frames = loaded
    rep = next(r for r in ws.reps.values() if r.id == "rep-n1")
    doc = build_pam(PamInputs(ws=ws, frames=frames, as_of=dt.date(2027, 10, 15), mode="catch-up"), rep, 7)
    revenue = doc["revenue"]
    assert revenue["missing"] == 0.0
    assert revenue["plan"] == 66666.66
    assert [p["plan"] for p in revenue["catch_up_path"]] == [p["catch_up"] for p in revenue["catch_up_path"]]
    assert revenue["catch_up"] == revenue["plan"]
    assert [s["catch_up"] for s in revenue["segments"]] == [s["plan"] for s in revenue["segments"]]


# =============================================================================================================
# 4. Accounts due this month
# =============================================================================================================

MONTH_END = dt.date(2027, 10, 31)
TODAY = dt.date(2027, 10, 15)
PRIORITIES = {"A": 1, "B": 2, "C": 3}


def due(targets, last_actions, norms, actions=("call", "meeting", "proposal"), year_days=365):
    return due_accounts(list(targets), dict(last_actions), norms, list(actions), MONTH_END, TODAY, year_days, PRIORITIES)


def test_due_interval_is_year_days_over_the_norm():
    # 12 calls a year over 365 days: one every 365 / 12 = 30.42 days.
    norms = {"A": {"customer": {"call": Fraction(12)}}}
    cases = {
        "late": dt.date(2027, 9, 30),  # 31 days before the month's end 2027-10-31: 31 >= 30.42 -> due
        "fresh": dt.date(2027, 10, 1),  # 30 days before: 30 < 30.42 -> not due
    }
    targets = [Target(a, a.title(), "A", "customer") for a in cases]
    out = due(targets, {(a, "call"): day for a, day in cases.items()}, norms)
    assert [(a.account, a.due) for a in out] == [("late", ["call"])]
    assert out[0].last_action == dt.date(2027, 9, 30)
    assert out[0].days_since == 15  # 2027-09-30 .. 2027-10-15 (days since are counted to the as-of day)
    assert not out[0].never_touched
    # with a 360-day year, 12 calls -> every 30 days: the 30-day-old call is due too
    out = due(targets, {(a, "call"): day for a, day in cases.items()}, norms, year_days=360)
    assert [a.account for a in out] == ["late", "fresh"]  # the oldest last action first


def test_never_touched_and_no_norm():
    norms = {"A": {"customer": {"proposal": Fraction(1), "call": Fraction(4)}}}  # dict order differs from the strategy's
    targets = [
        Target("new-normed", "N", "A", "customer"),  # never touched, has a norm: every norm action, in strategy order
        Target("new-bare", None, "B", "prospect"),  # never touched, no norm (segment B has none): 'first contact'
        Target("old-bare", "O", "B", "prospect"),  # touched, no norm: nothing is due -> not listed
        Target("no-status", "S", "A", None),  # unknown status: no norm applies -> first contact
    ]
    out = due(targets, {("old-bare", "email"): dt.date(2027, 1, 5)}, norms)
    got = {a.account: a.due for a in out}
    assert got == {"new-normed": ["call", "proposal"], "new-bare": [FIRST_CONTACT], "no-status": [FIRST_CONTACT]}
    assert FIRST_CONTACT == "first contact"
    first = next(a for a in out if a.account == "new-normed")
    assert first.never_touched and first.last_action is None and first.days_since is None
    assert first.to_dict()["never_touched"] is True


def test_status_specific_norms():
    # A prospect: 12 calls a year (every 30.42 days). A customer: 4 calls (every 91.25 days) and 1 proposal.
    norms = {"A": {"prospect": {"call": Fraction(12)}, "customer": {"call": Fraction(4), "proposal": Fraction(1)}}}
    two_months = dt.date(2027, 9, 1)  # 60 days before 2027-10-31
    targets = [Target("p", None, "A", "prospect"), Target("c", None, "A", "customer")]
    out = due(targets, {("p", "call"): two_months, ("c", "call"): two_months}, norms)
    # prospect: 60 >= 30.42 -> call due. customer: 60 < 91.25 -> call not due; proposal never done -> due.
    assert {a.account: a.due for a in out} == {"p": ["call"], "c": ["proposal"]}
    # never touched: each status gets its own norm actions
    out = due(targets, {}, norms)
    assert {a.account: a.due for a in out} == {"p": ["call"], "c": ["call", "proposal"]}


def test_due_accounts_order():
    norms = {
        "A": {"prospect": {"call": Fraction(12)}},
        "B": {"customer": {"meeting": Fraction(2)}},
        "C": {"customer": {"call": Fraction(24)}},
    }
    targets = [
        Target("c-1", None, "C", "customer"),
        Target("zz-none", None, None, None),  # no segment: last
        Target("a-recent", None, "A", "prospect"),
        Target("b-new", None, "B", "customer"),
        Target("a-old", None, "A", "prospect"),
        Target("a-new2", None, "A", "prospect"),
        Target("a-new1", None, "A", "prospect"),
        Target("a-tie-b", None, "A", "prospect"),
        Target("a-tie-a", None, "A", "prospect"),
        Target("a-old", "duplicate", "A", "prospect"),  # listed twice: kept once
    ]
    last = {
        ("c-1", "call"): dt.date(2027, 9, 1),
        ("a-recent", "call"): dt.date(2027, 8, 1),
        ("a-old", "call"): dt.date(2027, 7, 1),
        ("a-tie-a", "call"): dt.date(2027, 7, 15),
        ("a-tie-b", "call"): dt.date(2027, 7, 15),
    }
    out = due(targets, last, norms)
    # A (priority 1): never touched first by id (a-new1, a-new2), then the oldest last action (a-old 07-01,
    # the two 07-15 by id, a-recent 08-01); then B (priority 2), C (priority 3), no segment last.
    assert [a.account for a in out] == ["a-new1", "a-new2", "a-old", "a-tie-a", "a-tie-b", "a-recent", "b-new", "c-1", "zz-none"]
    assert [a.priority for a in out] == [1, 1, 1, 1, 1, 1, 2, 3, None]
    assert out[2].name is None  # the first listing of a-old wins


# =============================================================================================================
# 5. Activity objectives
# =============================================================================================================

HAND_STRATEGY = Strategy.model_validate(
    {
        "revenue_target": 1_000_000,
        "organization": "territory",
        "segments": {"A": "100%"},
        "seasonality": {"Q1": "25%", "Q2": "25%", "Q3": "25%", "Q4": "25%"},
        "stages": [{"name": "lead", "probability": "10%"}, "won", "lost"],
        "actions": ["call", "meeting"],
        "norms": {"A": {"customer": {"call": 12}, "prospect": {"meeting": 6}}},
    }
)


def hand_rep(**extra) -> RepPlan:
    return RepPlan.model_validate(
        {"id": "rep-h", "name": "H", "manager": "m", "targets": {"A": 1000}, "portfolio": {"accounts": {"A": {"customer": 10, "prospect": 5}}}, **extra}
    )


def test_planned_actions_add_up_to_norm_times_accounts():
    # call: 12 x 10 customers = 120 a year; meeting: 6 x 5 prospects = 30 a year.
    planned = monthly_planned_actions(hand_rep(), HAND_STRATEGY, MONTHS_2027)
    assert set(planned) == {("A", "call"), ("A", "meeting")}
    assert sum(planned[("A", "call")], Fraction(0)) == 120
    assert sum(planned[("A", "meeting")], Fraction(0)) == 30
    assert planned[("A", "call")][0] == Fraction(120 * 31, 365)  # January: 31 of 365 days
    objectives = [action_objectives(hand_rep(), HAND_STRATEGY, MONTHS_2027, i, None) for i in range(12)]
    by_kind = {(o.segment, o.action): [] for o in objectives[0]}
    for month in objectives:
        for o in month:
            by_kind[(o.segment, o.action)].append(o.planned)
            assert o.objective == o.planned and o.done_before is None and o.missing == 0
    assert sum(by_kind[("A", "call")]) == 120
    assert sum(by_kind[("A", "meeting")]) == 30
    # January calls: 120 x 31 / 365 = 10.19 -> 10; meetings 30 x 31 / 365 = 2.55 -> 3
    assert by_kind[("A", "call")][0] == 10 and by_kind[("A", "meeting")][0] == 3


def test_planned_actions_example_reps(example_ws):
    reps = {r.id: r for r in example_ws.reps.values()}
    strategy = example_ws.strategy
    # rep-n1: A calls = 10 (override) x 10 prospects + 4 x 8 customers = 132; C follow-ups = 2 x 40 + 2 x 40 = 160.
    n1 = [action_objectives(reps["rep-n1"], strategy, MONTHS_2027, i, None) for i in range(12)]
    totals = {}
    for month in n1:
        for o in month:
            totals[(o.segment, o.action)] = totals.get((o.segment, o.action), 0) + o.planned
    assert totals[("A", "call")] == 132
    assert totals[("C", "follow_up")] == 160
    assert totals[("A", "proposal")] == 8  # 1 x 8 customers
    # rep-s3 hired 2027-04-01: A calls 8 x 10 + 4 x 8 = 112 a year x 275 / 365 days in post = 84.38 -> 84
    s3 = [action_objectives(reps["rep-s3"], strategy, MONTHS_2027, i, None) for i in range(12)]
    calls = [next(o.planned for o in month if (o.segment, o.action) == ("A", "call")) for month in s3]
    assert calls[:3] == [0, 0, 0]
    assert sum(calls) == 84


def test_activity_objective_raised_when_behind():
    # July (index 6). Days: Jan..Jun = 181, July 31, July..December = 184.
    # call: planned before July = 120 x 181 / 365 = 59.51, done 50 -> missing 9.51;
    #       raise = 9.51 x 31 / 184 = 1.60 -> 2; July planned: running 59.51 -> 60, 120 x 212 / 365 = 69.70 -> 70: 10.
    #       objective 10 + 2 = 12.
    # meeting: planned before = 30 x 181 / 365 = 14.88, done 20 -> nothing missing; July: 15 -> 17.42 -> 17: 2.
    out = action_objectives(hand_rep(), HAND_STRATEGY, MONTHS_2027, 6, {("A", "call"): 50, ("A", "meeting"): 20})
    got = {o.action: o for o in out}
    assert (got["call"].planned, got["call"].done_before, got["call"].objective) == (10, 50, 12)
    assert got["call"].planned_before == Fraction(120 * 181, 365)
    assert got["call"].missing == Fraction(120 * 181, 365) - 50
    assert (got["meeting"].planned, got["meeting"].missing, got["meeting"].objective) == (2, 0, 2)
    # nothing done at all: call missing 59.51 x 31 / 184 = 10.03 -> 10 -> 20; meeting 14.88 x 31 / 184 = 2.51 -> 3 -> 5
    out = {o.action: o for o in action_objectives(hand_rep(), HAND_STRATEGY, MONTHS_2027, 6, {})}
    assert (out["call"].done_before, out["call"].objective) == (0, 20)
    assert (out["meeting"].done_before, out["meeting"].objective) == (0, 5)
    assert out["call"].to_dict()["missing"] == 59.5


def test_activity_objective_of_a_mid_year_hire():
    # in post from 2027-07-01: 184 days -> call 120 x 184 / 365 = 60.49 a year; July = 120 x 31 / 365 = 10.19 -> 10.
    # Nothing planned before July, so nothing is missing whatever was done.
    rep = hand_rep(start="2027-07-01")
    out = {o.action: o for o in action_objectives(rep, HAND_STRATEGY, MONTHS_2027, 6, {})}
    assert (out["call"].planned, out["call"].planned_before, out["call"].objective) == (10, 0, 10)
    year = [action_objectives(rep, HAND_STRATEGY, MONTHS_2027, i, None) for i in range(12)]
    assert sum(next(o.planned for o in m if o.action == "call") for m in year) == 60


# =============================================================================================================
# 6. The command on the example: every rep, every format, deterministic, re-runs leave files alone
# =============================================================================================================

FORMATS = ["--format", "md", "--format", "xlsx", "--format", "json", "--format", "yaml"]


@pytest.fixture(scope="module")
def example_runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("pam-example")
    one, two = base / "one", base / "two"
    first = cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--out", one, *FORMATS)
    after_first = files_of(one / "2027-10") if (one / "2027-10").is_dir() else {}
    second = cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--out", two, *FORMATS)
    again = cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--out", one, *FORMATS)
    return {"one": one / "2027-10", "two": two / "2027-10", "first": first, "second": second, "again": again, "after_first": after_first}


def expected_names() -> set[str]:
    return {f"{stem}{ext}" for stem in [*REPS, "index"] for ext in (".md", ".xlsx", ".json", ".yaml")} | {MANIFEST}


def test_pam_writes_every_rep_and_the_index(example_runs):
    first = example_runs["first"]
    assert first.code == 0, first.err
    assert "Traceback" not in first.err
    folder = example_runs["one"]
    assert set(files_of(folder)) == expected_names()
    assert {p.name for p in folder.parent.iterdir()} == {"2027-10"}
    for name in expected_names() - {MANIFEST}:
        assert re.search(rf"^wrote .*/2027-10/{re.escape(name)}$", first.out, re.M), name
    assert "salesplan pam: 11 PAMs for 2027-10 (plan): wrote 48 files, 0 unchanged, 0 skipped" in first.err
    index = (folder / "index.md").read_text(encoding="utf-8")
    for rep in REPS:
        assert f"[{rep}]({rep}.md)" in index
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["files"] == {name: [hashlib.sha256((folder / name).read_bytes()).hexdigest()] for name in expected_names() - {MANIFEST}}


def test_pam_contents_agree_across_formats(example_runs):
    folder = example_runs["one"]
    doc = json.loads((folder / "rep-n1.json").read_text(encoding="utf-8"))
    assert yaml.safe_load((folder / "rep-n1.yaml").read_text(encoding="utf-8")) == doc
    assert (doc["rep"], doc["month"], doc["fiscal_month"], doc["as_of"], doc["mode"], doc["currency"]) == ("rep-n1", "2027-10", 10, AS_OF, "plan", "EUR")
    assert doc["days_in_post"] == 31
    # October = 50% / 3 of 1,000,000
    assert doc["headline"]["revenue_plan"] == 166666.67
    md = (folder / "rep-n1.md").read_text(encoding="utf-8")
    assert md.startswith("# Monthly action plan: Lena Vogel, October 2027\n")
    assert "| Revenue objective (plan) | 166,666.67 |" in md
    assert "| A | Key accounts | 350,000.00 | 58,333.33 | 175,000.00 |" in md  # target before October: 50% of 350,000
    def no_constant(name):
        raise AssertionError(f"{name} is not JSON")

    for path in folder.glob("*.json"):  # standard JSON: no NaN or Infinity anywhere
        json.loads(path.read_text(encoding="utf-8"), parse_constant=no_constant)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    assert [r["rep"] for r in index["pams"]] == ["rep-e1", "rep-e2", "rep-e3", "rep-e4", "rep-e5", "rep-n1", "rep-n2", "rep-n3", "rep-s1", "rep-s2", "rep-s3"]
    assert {r["file"] for r in index["pams"]} == {f"{r}.json" for r in REPS}


def test_pam_is_deterministic(example_runs):
    assert example_runs["second"].code == 0, example_runs["second"].err
    one, two = files_of(example_runs["one"]), files_of(example_runs["two"])
    assert set(one) == set(two) == expected_names()
    differing = sorted(name for name in one if one[name] != two[name])
    assert differing == []


def test_second_run_into_the_same_folder_is_unchanged(example_runs):
    again = example_runs["again"]
    assert again.code == 0, again.err
    lines = again.out.splitlines()
    assert len(lines) == 48  # 12 documents (11 PAMs and the index) x 4 formats
    assert all(line.startswith("unchanged ") for line in lines), lines[:3]
    assert "wrote 0 files, 48 unchanged, 0 skipped" in again.err
    assert files_of(example_runs["one"]) == example_runs["after_first"]


# =============================================================================================================
# 7. Hand edits are protected
# =============================================================================================================


def skipped_line(out: str, name: str, reason: str) -> Path:
    match = re.search(rf"^skipped (.*)/{re.escape(name)}: {re.escape(reason)}$", out, re.M)
    assert match, out
    return Path(match.group(1)).resolve()


def test_hand_edited_pam_is_kept_and_force_replaces_it(run_cli, tmp_path):
    out = tmp_path / "pams"
    folder = out / "2027-10"
    args = ["pam", "-w", EXAMPLE, "--rep", "rep-n1", "--rep", "rep-n2", "--out", out]
    first = run_cli(*args, "--as-of", AS_OF)
    assert first.code == 0, first.err
    assert sorted(files_of(folder)) == [MANIFEST, "rep-n1.md", "rep-n2.md"]
    edited = (folder / "rep-n1.md").read_bytes() + "\nMy notes: call Anna on Monday.\r\n".encode("utf-8")
    (folder / "rep-n1.md").write_bytes(edited)

    # A day later every figure may move: rep-n2.md (salesplan's own) is replaced, rep-n1.md (edited) is not.
    later = run_cli(*args, "--as-of", "2027-10-16")
    assert later.code == 1
    assert skipped_line(later.out, "rep-n1.md", "edited since salesplan wrote it") == folder.resolve()
    assert re.search(r"^wrote .*/rep-n2\.md$", later.out, re.M), later.out
    assert (folder / "rep-n1.md").read_bytes() == edited
    assert "CRM data as of 2027-10-16" in (folder / "rep-n2.md").read_text(encoding="utf-8")
    assert "wrote 1 file, 0 unchanged, 1 skipped" in later.err
    assert "--force" in later.err
    assert "Traceback" not in later.err

    forced = run_cli(*args, "--as-of", "2027-10-16", "--force")
    assert forced.code == 0, forced.err
    assert re.search(r"^wrote \(replacing hand edits\) .*/rep-n1\.md$", forced.out, re.M), forced.out
    text = (folder / "rep-n1.md").read_text(encoding="utf-8")
    assert "My notes" not in text and "CRM data as of 2027-10-16" in text

    # and from then on the file is salesplan's again: a rerun leaves both alone
    rerun = run_cli(*args, "--as-of", "2027-10-16")
    assert rerun.code == 0
    assert [line.split(" ")[0] for line in rerun.out.splitlines()] == ["unchanged", "unchanged"]


def test_file_not_written_by_salesplan_is_skipped(run_cli, tmp_path):
    folder = tmp_path / "pams" / "2027-10"
    folder.mkdir(parents=True)
    mine = b"# my own notes on Lena\n"
    (folder / "rep-n1.md").write_bytes(mine)
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--rep", "rep-n2", "--out", tmp_path / "pams")
    assert result.code == 1
    skipped_line(result.out, "rep-n1.md", f"not written by salesplan (no record of it in {MANIFEST})")
    assert (folder / "rep-n1.md").read_bytes() == mine
    assert (folder / "rep-n2.md").is_file()
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert set(manifest["files"]) == {"rep-n2.md"}


def test_link_or_folder_in_place_of_a_pam_is_left_alone(run_cli, tmp_path):
    folder = tmp_path / "pams" / "2027-10"
    folder.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(b"not a PAM\n")
    (folder / "rep-n1.md").symlink_to(elsewhere)
    (folder / "rep-n2.md").mkdir()
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--rep", "rep-n2", "--force", "--out", tmp_path / "pams")
    assert result.code == 1
    for name in ("rep-n1.md", "rep-n2.md"):
        skipped_line(result.out, name, "not a regular file (a folder or a link)")
    assert elsewhere.read_bytes() == b"not a PAM\n"
    assert (folder / "rep-n1.md").is_symlink() and (folder / "rep-n2.md").is_dir()


def test_unreadable_manifest_protects_every_file(run_cli, tmp_path):
    # plan-only rep-n1 lists its two named accounts; with --top 1 the PAM changes ("And 1 more accounts are due").
    args = ["pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--out", tmp_path]
    assert run_cli(*args).code == 0
    folder = tmp_path / "2027-10"
    before = (folder / "rep-n1.md").read_bytes()
    (folder / MANIFEST).write_text("{not json", encoding="utf-8")
    result = run_cli(*args, "--top", "1")
    assert result.code == 1
    assert f"warning: {folder / MANIFEST} is unreadable" in result.err
    skipped_line(result.out, "rep-n1.md", f"not written by salesplan (no record of it in {MANIFEST})")
    assert (folder / "rep-n1.md").read_bytes() == before


def test_dry_run_writes_nothing(run_cli, tmp_path):
    out = tmp_path / "pams"
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--team", "mgr-north", "--dry-run", "--out", out)
    assert result.code == 0, result.err
    assert not out.exists()
    names = [re.match(r"^would write .*/(.+)$", line).group(1) for line in result.out.splitlines()]
    assert names == ["rep-n1.md", "rep-n2.md", "rep-n3.md", "index-mgr-north.md"]
    assert "would write 4 files" in result.err


# =============================================================================================================
# 8 and 9. Values from the CRM: never a formula in the workbook, never a link or markup in the Markdown
# =============================================================================================================

HOSTILE_ACCOUNTS = {  # accounts of rep-n1 never touched in segment A: the top of its due list
    "Aurore Énergie AB": "=SUM(1,2)",
    "Dauphin Mutuelle SAS": "[x](http://evil)",
    "Émeraude Mutuelle SA": "<script>alert(1)</script>",
    "Granit Réseaux GmbH": "a|b",
    "Hélice Crédit SpA": "+1-2",
    "Narvik Assurances AG": "_em_ **strong** `code`",
}
HOSTILE_DEALS = {  # rep-n1's open deals closing in October 2027 (their Opportunity Name in the Salesforce CSV)
    "006000012wHSLSm": '=HYPERLINK("http://evil","x")',
    "006000012zB65Sn": "[y](http://evil) <img src=x> c|d",
}
HOSTILE_PITCH = "[z](http://evil) <b>z</b>"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    accounts = root / "data" / "accounts.csv"
    data = accounts.read_bytes()  # cp1252, ';'-separated
    for old, new in HOSTILE_ACCOUNTS.items():
        assert data.count(f"{old};".encode("cp1252")) == 1, old
        data = data.replace(f"{old};".encode("cp1252"), f"{new};".encode("cp1252"))
    accounts.write_bytes(data)
    opportunities = root / "data" / "opportunities.csv"
    lines = opportunities.read_text(encoding="utf-8").splitlines(keepends=True)
    column = next(csv.reader([lines[0]])).index("Opportunity Name")
    for deal, name in HOSTILE_DEALS.items():
        hits = [i for i, line in enumerate(lines) if line.startswith(f'"{deal}",')]
        assert len(hits) == 1, deal
        line = lines[hits[0]]
        end = line[len(line.rstrip("\r\n")) :]
        cells = next(csv.reader([line.rstrip("\r\n")]))
        cells[column] = name
        lines[hits[0]] = ",".join('"' + cell.replace('"', '""') + '"' for cell in cells) + end
    opportunities.write_text("".join(lines), encoding="utf-8")
    rep = root / "reps" / "rep-n1.yaml"
    text = rep.read_text(encoding="utf-8")
    assert text.count("pitch: company-pitch-v3") == 1
    rep.write_text(text.replace("pitch: company-pitch-v3", "pitch: " + json.dumps(HOSTILE_PITCH)), encoding="utf-8")
    out = root.parent / "out"
    result = cli("pam", "-w", root, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "md", "--format", "xlsx", "--format", "json", "--out", out)
    assert result.code == 0, result.err
    return out / "2027-10"


def test_hostile_names_reach_the_document(hostile):
    doc = json.loads((hostile / "rep-n1.json").read_text(encoding="utf-8"))
    names = {a["name"] for a in doc["accounts"]}
    assert set(HOSTILE_ACCOUNTS.values()) <= names
    assert set(HOSTILE_DEALS.values()) <= {d["name"] for d in doc["deals"]}


def _cells_of(line: str) -> int:
    """Columns of a Markdown table row: the pipes that are not escaped."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_markdown_escapes_crm_names(hostile):
    from markdown_it import MarkdownIt

    md = (hostile / "rep-n1.md").read_text(encoding="utf-8")
    html = MarkdownIt("commonmark").enable("table").render(md)
    assert "<a " not in html  # no link
    for tag in ("<script", "<img", "<b>"):
        assert tag not in html  # no HTML
    # the names read as they were written; text a renderer could autolink (a URL) sits in a code span
    assert "<td><code>[x](http://evil)</code></td>" in html
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "<td>a|b</td>" in html
    assert "<td>_em_ **strong** `code`</td>" in html  # no emphasis, no code span: the text as written
    assert "<td><code>[y](http://evil) &lt;img src=x&gt; c|d</code></td>" in html
    assert "Pitch: <code>[z](http://evil) &lt;b&gt;z&lt;/b&gt;</code>" in html
    assert html.count("<code>") == len(re.findall(r"<code>[^<]*(?:http|www|@)", html)), html
    # every row of every table has as many columns as its header
    header = None
    for line in md.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        if header is None:
            header = _cells_of(line)
        assert _cells_of(line) == header, line


def test_xlsx_text_is_never_a_formula(hostile):
    from openpyxl import load_workbook

    raw = (hostile / "rep-n1.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert "<f>" not in z.read(name).decode("utf-8"), name
    book = load_workbook(io.BytesIO(raw))
    found = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in (*HOSTILE_ACCOUNTS.values(), *HOSTILE_DEALS.values()):
                    found[cell.value] = (sheet.title, cell.data_type, cell.quotePrefix)
    assert found["=SUM(1,2)"] == ("Accounts", "s", True)
    assert found["+1-2"] == ("Accounts", "s", True)
    assert found['=HYPERLINK("http://evil","x")'] == ("Deals", "s", True)
    assert found["a|b"] == ("Accounts", "s", False)


def test_xlsx_with_a_noncharacter_in_a_crm_name_still_opens(example_runs):
    from openpyxl import load_workbook

    doc = json.loads((example_runs["one"] / "rep-n1.json").read_text(encoding="utf-8"))
    assert doc["deals"]
    doc["deals"][0]["name"] = "Deal \uffff end"
    book = load_workbook(io.BytesIO(to_xlsx(doc)))  # actual: ParseError, not well-formed (invalid token)
    names = [row[1].value for row in book["Deals"].iter_rows(min_row=2)]
    assert any(isinstance(n, str) and n.startswith("Deal") and n.endswith("end") for n in names)


def test_xlsx_layout_and_money_cells(example_runs):
    from openpyxl import load_workbook

    book = load_workbook(example_runs["one"] / "rep-n1.xlsx")
    assert book.sheetnames == ["Summary", "Objectives", "Activity", "Accounts", "Deals", "Last month", "Methods"]
    sheet = book["Objectives"]
    assert [c.value for c in sheet[1]][:4] == ["Segment", "Name", "Annual", "Plan"]
    row = {c.column_letter: c for c in sheet[2]}
    assert (row["A"].value, row["B"].value) == ("A", "Key accounts")
    assert row["C"].value == 350000 and row["D"].value == pytest.approx(58333.33, abs=1e-9)
    for cell in (row["C"], row["D"]):
        assert cell.data_type == "n"
        assert "EUR" in cell.number_format
    deals = book["Deals"]
    amounts = [r[4] for r in deals.iter_rows(min_row=2) if r[0].value]
    assert amounts and all(c.data_type == "n" and "EUR" in c.number_format for c in amounts if c.value is not None)


# =============================================================================================================
# 10. Errors and plan-only
# =============================================================================================================


@pytest.fixture(scope="module")
def ws_copy(tmp_path_factory):
    """A copy of the example, so that no error case could ever write into examples/."""
    root = tmp_path_factory.mktemp("pam-errors") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    return root


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--rep", "rep-zz"], "--rep: unknown rep 'rep-zz'"),
        (["--team", "mgr-zz"], "--team: unknown team 'mgr-zz'"),
        (["--month", "2026-05"], "--month: 2026-05 is outside the fiscal year 2027-01..2027-12"),
        (["--month", "2027-13"], "--month: '2027-13' is not a month"),
        (["--mode", "catch-up", "--plan-only"], "--mode catch-up needs the sales made to date: --plan-only ignores the exports"),
        (["--team", "mgr-south", "--rep", "rep-n1"], "no rep is both in --team mgr-south and among --rep rep-n1"),
        (["--as-of", "2028-02-01"], "--as-of: the as-of day 2028-02-01 is outside the fiscal year 2027-01..2027-12"),
    ],
)
def test_usage_errors(run_cli, ws_copy, tmp_path, extra, message):
    out = tmp_path / "out"
    as_of = [] if "--as-of" in extra else ["--as-of", AS_OF]
    result = run_cli("pam", "-w", ws_copy, *as_of, "--out", out, *extra)
    assert result.code == 2
    assert f"salesplan: error: {message}" in result.err
    assert "Traceback" not in result.err and result.out == ""
    assert not out.exists()


def test_out_among_the_rep_plans_is_refused(run_cli, ws_copy):
    before = sorted(p.name for p in (ws_copy / "reps").iterdir())
    for out in (ws_copy / "reps", ws_copy / "reps" / "sub"):
        result = run_cli("pam", "-w", ws_copy, "--as-of", AS_OF, "--plan-only", "--out", out)
        assert result.code == 2
        assert "the PAMs would go among the rep plans (reps/)" in result.err
        assert "Traceback" not in result.err
    assert sorted(p.name for p in (ws_copy / "reps").iterdir()) == before


def test_out_that_is_a_file_is_refused(run_cli, ws_copy, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("keep me\n", encoding="utf-8")
    result = run_cli("pam", "-w", ws_copy, "--as-of", AS_OF, "--plan-only", "--out", target)
    assert result.code == 2
    assert "is a file, not a folder" in result.err and "Traceback" not in result.err
    assert target.read_text(encoding="utf-8") == "keep me\n"
    # the month folder being a file is refused too
    (tmp_path / "pams").mkdir()
    (tmp_path / "pams" / "2027-10").write_text("x", encoding="utf-8")
    result = run_cli("pam", "-w", ws_copy, "--as-of", AS_OF, "--plan-only", "--out", tmp_path / "pams")
    assert result.code == 2 and "is a file, not a folder" in result.err


def test_plan_only(run_cli, tmp_path):
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--rep", "rep-n1", "--out", tmp_path)
    assert result.code == 0, result.err
    assert "note: no index written with --rep" in result.err
    md = (tmp_path / "2027-10" / "rep-n1.md").read_text(encoding="utf-8")
    assert "plan only (no crm data)" in md.lower()
    assert "## 1. Objectives of the month" in md
    assert "| A | Key accounts | 350,000.00 | 58,333.33 |" in md
    assert "## 6. Methods" in md
    assert "### discovery" in md and "Pitch: company-pitch-v3" in md
    assert "- Who signs off a purchase of this size?" in md
    assert sorted(p.name for p in (tmp_path / "2027-10").iterdir()) == [MANIFEST, "rep-n1.md"]


def test_rep_not_in_post_gets_no_pam(run_cli, tmp_path):
    # rep-s3 starts on 2027-04-01: no PAM for February, and the index says so.
    result = run_cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--plan-only", "--team", "mgr-south", "--month", "2027-02", "--out", tmp_path)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (tmp_path / "2027-02").iterdir()) == [MANIFEST, "index-mgr-south.md", "rep-s1.md", "rep-s2.md"]
    assert "note: rep-s3 is not in post in 2027-02: no PAM" in result.err
    assert "Not in post this month (no PAM): rep-s3." in (tmp_path / "2027-02" / "index-mgr-south.md").read_text(encoding="utf-8")


# =============================================================================================================
# 11. File names from rep ids
# =============================================================================================================


@pytest.mark.parametrize("rep_id", ["../../etc/x", "a/b", "..", ".hidden", "a\\b", "/abs", "index", "INDEX", "x" * 150, "Zoë Ünal"])
def test_file_stem_stays_in_the_month_folder(tmp_path, rep_id):
    stem = file_stem(rep_id)
    assert stem and "/" not in stem and "\\" not in stem and not stem.startswith(".")
    assert stem.lower() != "index" and stem != rep_id
    assert len(stem) <= 100
    folder = tmp_path / "2027-10"
    assert (folder / f"{stem}.md").resolve().parent == folder.resolve()
    assert file_stem(rep_id) == stem  # stable


def test_file_stem_keeps_plain_ids_and_tells_apart_unsafe_ones():
    assert file_stem("rep-n1") == "rep-n1"
    assert file_stem("Rep_2.b") == "Rep_2.b"
    assert file_stem("a/b") != file_stem("a-b") and file_stem("a/b") != file_stem("a:b")
    assert re.fullmatch(r"a-b-[0-9a-f]{8}", file_stem("a/b"))
    assert re.fullmatch(r"etc-x-[0-9a-f]{8}", file_stem("../../etc/x"))


def test_rep_named_like_the_team_index_keeps_its_pam(run_cli, tmp_path):
    root = tmp_path / "nordwind"
    shutil.copytree(EXAMPLE, root)
    plan = root / "reps" / "rep-n3.yaml"
    text = plan.read_text(encoding="utf-8")
    (root / "reps" / "index-mgr-north.yaml").write_text(text.replace("id: rep-n3", "id: index-mgr-north"), encoding="utf-8")
    plan.unlink()
    result = run_cli("pam", "-w", root, "--as-of", AS_OF, "--plan-only", "--team", "mgr-north", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    files = sorted(p.name for p in (tmp_path / "out" / "2027-10").iterdir())
    # three PAMs and the index: four files (actual: three, the rep's PAM replaced by the index)
    assert len(files) == 5, files
    pams = [f for f in files if f.endswith(".md")]
    texts = [(tmp_path / "out" / "2027-10" / f).read_text(encoding="utf-8") for f in pams]
    assert sum(t.startswith("# Monthly action plan: ") for t in texts) == 3
    assert sum(t.startswith("# Monthly action plans, ") for t in texts) == 1


def test_catch_up_goes_to_the_segments_behind_in_proportion_to_their_shortfall():
    # A and B 60,000 a year each, even months: 5,000 a month per segment. Before July (index 6): target 30,000 each;
    # sold A 35,000 (5,000 ahead), B 15,000 (15,000 behind): total 50,000 of 60,000, missing 10,000 (netted).
    # Months left: July..December, plan 10,000 each: July's share of the missing = 10,000 x 10,000 / 60,000 = 1,666.67.
    # Only B is short, so all of it goes to B: A 5,000.00, B 6,666.67. Products 50/50 of 11,666.67: 5,833.34 + 5,833.33.
    from salesplan_cli.plan.targets import RepTargets

    targets = RepTargets(
        "r", {"A": Fraction(60_000), "B": Fraction(60_000)}, [Fraction(1, 12)] * 12, [Fraction(1)] * 12,
        product_mix={"p": Fraction(1, 2), "q": Fraction(1, 2)},
    )
    catch = catch_up(targets, 6, Fraction(50_000))
    assert catch.missing == 10_000
    gaps = {"A": Fraction(30_000 - 35_000), "B": Fraction(30_000 - 15_000)}
    shown = month_objectives(targets, 6, catch, gaps)
    assert shown.catch_up_total == D("11666.67")
    assert shown.catch_up_segments == {"A": D("5000.00"), "B": D("6666.67")}
    assert shown.catch_up_products == {"p": D("5833.34"), "q": D("5833.33")}
    # two segments short 1:3 share it 1:3, in cents: 166,667 x 1/4 = 41,666.75 and x 3/4 = 125,000.25 -> floors
    # 41,666 + 125,000, the cent left to the larger remainder (0.75, A): A 5,000 + 416.67, B 5,000 + 1,250.00
    shared = month_objectives(targets, 6, catch, {"A": Fraction(5_000), "B": Fraction(15_000)})
    assert shared.catch_up_segments == {"A": D("5416.67"), "B": D("6250.00")}


# =============================================================================================================
# Findings of a code review, each pinned by a test
# =============================================================================================================


def test_catch_up_when_nothing_is_planned_in_the_months_left():
    # 120,000 a year all in H1 (20,000 a month Jan..Jun, nothing after). Before October: 120,000 planned,
    # 90,000 sold: 30,000 missing. Nothing is planned in Oct..Dec, so the missing 30,000 spreads by time in post:
    # 10,000 a month, and the remaining target is 30,000 (not 0).
    targets = RepTargets("r", {"A": Fraction(120_000)}, [Fraction(1, 6)] * 6 + [Fraction(0)] * 6, [Fraction(1)] * 12)
    catch = catch_up(targets, 9, Fraction(90_000))
    assert (catch.missing, catch.remaining_target) == (30_000, 30_000)
    assert catch.schedule == [Fraction(10_000)] * 3
    shown = month_objectives(targets, 9, catch)
    assert shown.total == D("0.00") and shown.catch_up_total == D("10000.00")
    assert shown.catch_up_segments == {"A": D("10000.00")}


def test_an_unreadable_pam_is_skipped_not_a_crash(tmp_path, monkeypatch):
    first = cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--out", tmp_path, "--rep", "rep-n1")
    assert first.code == 0, first.err
    target = tmp_path / "2027-10" / "rep-n1.md"
    real = Path.read_bytes

    def refuse(self):
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    again = cli("pam", "-w", EXAMPLE, "--as-of", AS_OF, "--out", tmp_path, "--rep", "rep-n1")
    assert again.code == 1, again.err
    assert "skipped" in again.out and "rep-n1.md: cannot be read" in again.out


def test_without_activities_never_touched_is_unknown(tmp_path):
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    settings = ws / "salesplan.yaml"
    text = settings.read_text(encoding="utf-8")
    start = text.index("  activities:")
    end = text.index("  sales:")
    settings.write_text(text[:start] + text[end:], encoding="utf-8")
    result = cli("pam", "-w", ws, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "json", "--format", "md", "--out", tmp_path / "out")
    assert result.code == 0, result.err
    doc = json.loads((tmp_path / "out" / "2027-10" / "rep-n1.json").read_text(encoding="utf-8"))
    assert doc["headline"]["accounts_never_touched"] is None
    assert all(a["never_touched"] is None for a in doc["accounts"])
    md = (tmp_path / "out" / "2027-10" / "rep-n1.md").read_text(encoding="utf-8")
    assert "never touched" not in md.split("## 3.")[0]  # the headline gives no count it cannot know
    assert "| never |" not in md


def test_the_account_cache_is_not_shared_between_workspaces(loaded):
    """Frames.derived keeps targeted accounts per workspace: a second workspace with the same frames recomputes."""
    from salesplan_cli.reports.context import Filters, ReportContext
    from salesplan_cli.reports.coverage import targeted_accounts
    from salesplan_cli.reports.period import Period

    ws, frames = loaded
    year = Period(dt.date(2027, 1, 1), dt.date(2027, 12, 31), "fy")
    first = targeted_accounts(ReportContext(ws, frames, year, dt.date.fromisoformat(AS_OF), Filters(reps=("rep-n1",))))
    other = validate_workspace(EXAMPLE, as_of=dt.date.fromisoformat(AS_OF)).workspace
    rep_n1 = next(stem for stem, rep in other.reps.items() if rep.id == "rep-n1")
    other.reps[rep_n1] = other.reps[rep_n1].model_copy(update={"portfolio": other.reps[rep_n1].portfolio.model_copy(update={"criteria": {}})})
    second = targeted_accounts(ReportContext(other, frames, year, dt.date.fromisoformat(AS_OF), Filters(reps=("rep-n1",))))
    assert len(second) < len(first)  # without its area criteria rep-n1 keeps only its named and owned accounts
