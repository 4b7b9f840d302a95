"""salesplan allocate re-allocates the strategy's volume objectives with the revenue: hand-worked numbers on
the small workspace of test_replan_allocate (1,200,000 EUR, segments A/B 50% each, even quarters, reps r1, r2,
r3 with {A: 200_000, B: 200_000}), here with new customers {A: 12, B: 9} in the strategy and {A: 4, B: 3} per rep.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from conftest import PlanCopy
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.replan.allocate import Request, allocate
from salesplan_cli.replan.yamledit import EditError, set_nested
from test_replan_allocate import SEGMENTS, SETTINGS, STRATEGY, assert_clean, by_rep, loaded, rep_text

F = Fraction
VOLUME_CODES = {"SP407", "SP408", "SP409", "SP410"}


def with_volume(rid: str, volume: str = "{new_customers: {A: 4, B: 3}}", extra: str = "") -> str:
    return rep_text(rid, extra=extra) + f"volume: {volume}    # this year\n"


@pytest.fixture
def small(tmp_path) -> PlanCopy:
    ws = PlanCopy(tmp_path / "small")
    ws.write("salesplan.yaml", SETTINGS)
    ws.write("strategy.yaml", STRATEGY + "volume: {new_customers: {A: 12, B: 9}}\n")
    ws.write("segments.yaml", SEGMENTS)
    for rid in ("r1", "r2", "r3"):
        ws.write(f"reps/{rid}.yaml", with_volume(rid))
    return ws


def codes(ws: PlanCopy) -> set[str]:
    return {d.code for d in validate_workspace(ws.root, as_of=dt.date(2027, 1, 15)).diagnostics}


def test_the_small_workspace_with_volume_is_clean(small):
    assert_clean(small)


def test_a_leavers_new_customers_go_to_the_team_from_the_date(small, run_cli):
    # r2 leaves 2027-06-30 (50% of the seasonality): it carries A 4 x 50% = 2, B 3 x 50% = 1.5 -> SP408.
    # --from 2027-07-01: r2 is rewritten with periods Q1/Q2 (no longer prorated): A 2, B 1.5 rounded -> 2.
    # r1 and r3 keep H1 (A 2, B 1.5 each) and share the rest as they share the revenue (equally):
    # A: 12 - 2 = 10 = 2 + 2 + 6 open -> 5 each; B: 9 - 2 = 7 = 1.5 + 1.5 + 4 open -> 3.5 each -> 4 (r1), 3
    small.replace("reps/r2.yaml", "manager: mgr-a\n", "manager: mgr-a\nend: 2027-06-30\n")
    assert "SP408" in codes(small)
    changes = by_rep(allocate(loaded(small), Request(by="equal", start=dt.date(2027, 7, 1), team="mgr-a")))
    assert set(changes) == {"r1", "r2", "r3"}
    assert changes["r1"].volume == {"new_customers": {"A": 5, "B": 4}}
    assert changes["r3"].volume == {"new_customers": {"A": 5, "B": 3}}
    assert changes["r2"].volume == {"new_customers": {"A": 2, "B": 2}}
    assert changes["r2"].targets == {"A": 100_000, "B": 100_000}  # what it carries this year, in its quarters
    assert changes["r2"].periods == {"Q1": 100_000, "Q2": 100_000, "Q3": 0, "Q4": 0}
    dry = run_cli("allocate", "-w", small.root, "--from", "2027-07-01", "--team", "mgr-a", "--dry-run")
    assert dry.code == 0, dry.err
    assert "volume new_customers A" in dry.out and "SP408" in dry.out  # the change, and the finding that disappears
    result = run_cli("allocate", "-w", small.root, "--from", "2027-07-01", "--team", "mgr-a")
    assert result.code == 0, result.err
    assert "volume: {new_customers: {A: 5, B: 4}}    # this year\n" in small.text("reps/r1.yaml")
    assert "volume: {new_customers: {A: 2, B: 2}}    # this year\n" in small.text("reps/r2.yaml")
    assert_clean(small)


def test_a_prorated_hire_gets_a_multiple_of_its_prorations_denominator(small, run_cli):
    # r3 starts 2027-07-01 (50%): A carried 4 + 4 + 2 = 10 of 12 (SP408). --by equal for the whole year:
    # revenue 2 : 2 : 1 this year; r3 keeps a full-year target (prorated 1/2), so its number F must be even:
    # A: 12 x 1/5 = 2.4 this year = 4.8 full year -> nearest even 4 (2 this year); r1, r2 share 10 -> 5, 5.
    # B: 9 x 1/5 = 1.8 -> 3.6 -> 4 (2 this year); r1, r2 share 7 -> 3.5 each -> 4 (r1), 3.
    small.replace("reps/r3.yaml", "manager: mgr-a\n", "manager: mgr-a\nstart: 2027-07-01\n")
    assert "SP408" in codes(small)
    changes = by_rep(allocate(loaded(small), Request(by="equal")))
    assert changes["r3"].periods is None and changes["r3"].targets == {"A": 240_000, "B": 240_000}
    assert changes["r1"].volume == {"new_customers": {"A": 5, "B": 4}}
    assert changes["r2"].volume == {"new_customers": {"A": 5, "B": 3}}
    assert changes["r3"].volume == {"new_customers": {"A": 4, "B": 4}}
    assert run_cli("allocate", "-w", small.root).code == 0
    assert_clean(small)


def test_a_rep_without_volume_gets_one_and_a_segment_restriction_leaves_the_others(small, run_cli):
    # r3 sets no volume; r1 and r2 carry A 6 + 6 and B 4 + 5. --by equal --segment A: A is shared 4, 4, 4
    # (r3 gets a volume: line after its targets); B stays as written.
    small.write("reps/r1.yaml", with_volume("r1", "{new_customers: {A: 6, B: 4}}"))
    small.write("reps/r2.yaml", with_volume("r2", "{new_customers: {A: 6, B: 5}}"))
    small.write("reps/r3.yaml", rep_text("r3"))
    assert_clean(small)
    changes = by_rep(allocate(loaded(small), Request(by="equal", segments=["A"])))
    assert changes["r1"].volume == {"new_customers": {"A": 4}}
    assert changes["r3"].volume == {"new_customers": {"A": 4}}
    assert run_cli("allocate", "-w", small.root, "--segment", "A").code == 0
    assert "volume: {new_customers: {A: 4, B: 5}}    # this year\n" in small.text("reps/r2.yaml")
    assert "targets: {A: 200_000, B: 200_000}   # agreed in December\nvolume: {new_customers: {A: 4}}\n" in small.text("reps/r3.yaml")
    assert_clean(small)


def test_unchanged_objectives_stay_as_written(small, run_cli):
    # a revised revenue target, shared equally: the volume objectives already add up and each rep's share is
    # unchanged (4, 4, 4 and 3, 3, 3): nothing to rewrite there
    small.replace("strategy.yaml", "1_200_000", "1_050_000")
    changes = by_rep(allocate(loaded(small), Request(by="equal")))
    assert all(c.volume == {"new_customers": {"A": 4, "B": 3}} for c in changes.values())
    assert run_cli("allocate", "-w", small.root).code == 0
    assert small.text("reps/r1.yaml").endswith("volume: {new_customers: {A: 4, B: 3}}    # this year\n")
    assert not codes(small) & VOLUME_CODES


def test_set_nested_edits_in_place_adds_keys_and_refuses_a_block_missing_one():
    flow = "id: x\ntargets: {A: 1}\nvolume: {new_customers: {A: 2}}   # kept\n"
    assert set_nested(flow, "volume", {"new_customers": {"A": F(3)}}) == "id: x\ntargets: {A: 1}\nvolume: {new_customers: {A: 3}}   # kept\n"
    assert set_nested(flow, "volume", {"new_customers": {"B": F(1)}, "deals_won": {"A": F(7)}}) == (
        "id: x\ntargets: {A: 1}\nvolume: {new_customers: {A: 2, B: 1}, deals_won: {A: 7}}   # kept\n"
    )
    absent = "id: x\ntargets: {A: 1}\nperiods: {Q1: 1}\nagreed: {}\n"
    assert set_nested(absent, "volume", {"units": {"p": F(40)}}) == "id: x\ntargets: {A: 1}\nperiods: {Q1: 1}\nvolume: {units: {p: 40}}\nagreed: {}\n"
    block = "volume:\n  new_customers:\n    A: 2   # two\n"
    assert set_nested(block, "volume", {"new_customers": {"A": F(5)}}) == "volume:\n  new_customers:\n    A: 5   # two\n"
    with pytest.raises(EditError, match="block mapping"):
        set_nested(block, "volume", {"new_customers": {"B": F(1)}})


def test_example_leaver_round_trip_validates_clean(plan, run_cli):
    # rep-n2 leaves 2027-06-30 (Q1 + Q2 = 30% of the seasonality): it carries A 0.6, B 1.2, C 5.1 new customers
    # (SP408 x 3). allocate --from 2027-07-01 --by accounts --team mgr-north (rep-n1 and rep-n3 share equally):
    # rep-n2 keeps its months in post, rounded: A 1, B 1, C 5. The others carry A 19 (e1 8, e2 7, s1 2, s2 2),
    # B 33 (e3 24, s1 4, s2 5), C 139 (e4 45, e5 45, s3 20 x 85% = 17, s1 16, s2 16).
    # A: 25 - 19 - 1 = 5 = n1, n3 0.6 each in H1 + 1.9 each after -> 2.5 each -> 3 (n1, the tie), 2.
    # B: 45 - 33 - 1 = 11 -> 5.5 each -> 6 (n1), 5.  C: 190 - 139 - 5 = 46 -> 23 each.
    plan.replace("reps/rep-n2.yaml", "manager: mgr-north\n", "manager: mgr-north\nend: 2027-06-30\n")
    before = {d.code for d in validate_workspace(plan.root, as_of=dt.date(2027, 7, 1)).diagnostics}
    assert "SP408" in before
    result = run_cli("allocate", "-w", plan.root, "--from", "2027-07-01", "--by", "accounts", "--team", "mgr-north")
    assert result.code == 0, result.err
    assert "volume: {new_customers: {A: 3, B: 6, C: 23}}    # new customers to win this year\n" in plan.text("reps/rep-n1.yaml")
    assert "volume: {new_customers: {A: 1, B: 1, C: 5}}    # new customers to win this year\n" in plan.text("reps/rep-n2.yaml")
    assert "volume: {new_customers: {A: 2, B: 5, C: 23}}    # new customers to win this year\n" in plan.text("reps/rep-n3.yaml")
    check = run_cli("validate", "-w", plan.root, "--as-of", "2027-07-01")
    assert check.code == 0, check.out
    found = {d.code for d in validate_workspace(plan.root, as_of=dt.date(2027, 7, 1)).diagnostics}
    assert not found & (VOLUME_CODES | {"SP403", "SP404", "SP405", "SP603", "SP605"}), found


def test_a_block_volume_missing_an_entry_is_exit_2_and_nothing_written(small, run_cli):
    # r3 writes its volume as a block without B; an allocation that gives it B cannot edit it in place
    block = rep_text("r3") + "volume:\n  new_customers:\n    A: 4\n"
    small.write("reps/r3.yaml", block)
    small.replace("reps/r1.yaml", "B: 3", "B: 5")
    small.replace("reps/r2.yaml", "B: 3", "B: 4")
    small.replace("strategy.yaml", "1_200_000", "1_050_000")
    before = {rel: small.text(rel) for rel in ("reps/r1.yaml", "reps/r2.yaml", "reps/r3.yaml")}
    result = run_cli("allocate", "-w", small.root)
    assert result.code == 2
    assert "block mapping" in result.err + result.out and "volume:" in result.err + result.out
    assert {rel: small.text(rel) for rel in before} == before
