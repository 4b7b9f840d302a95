"""salesplan allocate: hand-worked allocations on a small workspace, the file edits, and bad input.

The workspace (`small`): a strategy of 1,200,000 EUR, segments A 50% / B 50%, even quarters; three
territory reps r1, r2, r3 carrying {A: 200_000, B: 200_000} each (clean).
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pytest

from conftest import PlanCopy
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.replan.allocate import AllocationError, Request, allocate
from salesplan_cli.replan.yamledit import StaleFile, set_mapping, write_edits

F = Fraction

SETTINGS = """\
company: Small
fiscal_year: {start: 2027-01-01}
currency: EUR
managers:
  mgr-a: {name: Ann}
  mgr-b: {name: Bob}
"""
STRATEGY = """\
revenue_target: 1_200_000     # the year
organization: territory
segments: {A: 50%, B: 50%}
seasonality: {Q1: 25%, Q2: 25%, Q3: 25%, Q4: 25%}
stages: [lead, won, lost]
actions: [call]
"""
SEGMENTS = """\
A: {name: Big, criteria: {employees: ">=100"}}
B: {name: Small, criteria: {employees: ">=1"}}
"""


def rep_text(rid: str, manager: str = "mgr-a", extra: str = "", accounts: str = "") -> str:
    text = f"id: {rid}\nname: Rep {rid}\nmanager: {manager}\n{extra}targets: {{A: 200_000, B: 200_000}}   # agreed in December\nagreed: {{rep: 2026-12-01, manager: 2026-12-02}}\n"
    if accounts:
        text += f"portfolio:\n  accounts: {accounts}\n"
    return text


@pytest.fixture
def small(tmp_path: Path) -> PlanCopy:
    ws = PlanCopy(tmp_path / "small")
    ws.write("salesplan.yaml", SETTINGS)
    ws.write("strategy.yaml", STRATEGY)
    ws.write("segments.yaml", SEGMENTS)
    for rid in ("r1", "r2", "r3"):
        ws.write(f"reps/{rid}.yaml", rep_text(rid))
    return ws


def loaded(ws: PlanCopy):
    workspace, diags = load_workspace(ws.root)
    assert not [d for d in diags if d.is_error], diags
    return workspace


def by_rep(allocation) -> dict:
    return {c.stem: c for c in allocation.changes}


def assert_clean(ws: PlanCopy) -> None:
    result = validate_workspace(ws.root, as_of=dt.date(2027, 1, 15))  # before any review is due
    assert not result.diagnostics, [d.headline() for d in result.diagnostics]


def test_small_workspace_is_clean(small):
    assert_clean(small)


def test_equal_with_a_revised_target_splits_by_largest_remainder(small, run_cli):
    # revised to 1,000,000: 500,000 per segment / 3 = 166,666.67; floors 3 x 166,666 = 499,998, the 2 left
    # go to the largest remainders (all equal: the first ones) -> 166,667 to r1 and r2, 166,666 to r3
    small.replace("strategy.yaml", "1_200_000", "1_000_000")
    changes = by_rep(allocate(loaded(small), Request(by="equal")))
    assert changes["r1"].targets == {"A": 166_667, "B": 166_667}
    assert changes["r2"].targets == {"A": 166_667, "B": 166_667}
    assert changes["r3"].targets == {"A": 166_666, "B": 166_666}
    assert all(c.periods is None for c in changes.values())
    result = run_cli("allocate", "-w", small.root, "--by", "equal")
    assert result.code == 0, result.err
    assert "targets: {A: 166_667, B: 166_667}   # agreed in December" in small.text("reps/r1.yaml")
    assert_clean(small)


def test_unit_of_a_thousand(small):
    # 500 units of 1,000 per segment over 3 reps: 166.67 -> 167, 167, 166 (two units left: r1, r2)
    small.replace("strategy.yaml", "1_200_000", "1_000_000")
    changes = by_rep(allocate(loaded(small), Request(by="equal", unit=1000)))
    assert [changes[r].targets["A"] for r in ("r1", "r2", "r3")] == [167_000, 167_000, 166_000]


def test_unit_larger_than_a_share_is_refused(small):
    with pytest.raises(AllocationError, match="less than the rounding unit"):
        allocate(loaded(small), Request(by="equal", unit=1_000_000))


def test_accounts_basis(small):
    # accounts: r1 10, r2 30, r3 40 (territory reps: all segments count) -> 1/8, 3/8, 4/8 of 600,000 per segment
    small.write("reps/r1.yaml", rep_text("r1", accounts="{A: {prospect: 5, customer: 5}}"))
    small.write("reps/r2.yaml", rep_text("r2", accounts="{A: {customer: 20}, B: {prospect: 10}}"))
    small.write("reps/r3.yaml", rep_text("r3", accounts="{B: {customer: 40}}"))
    changes = by_rep(allocate(loaded(small), Request(by="accounts")))
    assert changes["r1"].targets == {"A": 75_000, "B": 75_000}
    assert changes["r2"].targets == {"A": 225_000, "B": 225_000}
    assert changes["r3"].targets == {"A": 300_000, "B": 300_000}


def test_a_mid_year_hire_is_prorated_and_keeps_a_full_year_target(small, run_cli):
    # r3 starts 2027-07-01: in post Q3 + Q4 = 50% of the seasonality. Equal weights 1, 1, 0.5:
    # per segment 600,000 -> 240,000, 240,000 and 120,000 this year for r3 = a full-year target of 240,000 x 50%
    small.replace("reps/r3.yaml", "manager: mgr-a\n", "manager: mgr-a\nstart: 2027-07-01\n")
    changes = by_rep(allocate(loaded(small), Request(by="equal")))
    assert changes["r3"].targets == {"A": 240_000, "B": 240_000}
    assert changes["r3"].periods is None
    assert changes["r1"].targets == {"A": 240_000, "B": 240_000}
    assert run_cli("allocate", "-w", small.root).code == 0
    assert_clean(small)


def test_leaver_effective_dated(small, run_cli):
    # r2 leaves 2027-06-30: carries H1 = 200,000 (100,000 per segment); 200,000 is unassigned (SP403).
    # --from 2027-07-01: r1 and r3 keep H1 (100,000 per segment each); per segment 600,000 - 100,000 (r2)
    # - 2 x 100,000 (closed H1) = 300,000 left -> 150,000 each. r1: A 250,000, B 250,000;
    # periods Q1 100,000 Q2 100,000 (as they were), Q3 150,000 Q4 150,000 (the new H2, even seasonality).
    small.replace("reps/r2.yaml", "manager: mgr-a\n", "manager: mgr-a\nend: 2027-06-30\n")
    assert any(d.code == "SP403" for d in validate_workspace(small.root).diagnostics)
    changes = by_rep(allocate(loaded(small), Request(by="equal", start=dt.date(2027, 7, 1), team="mgr-a")))
    assert set(changes) == {"r1", "r3"}
    assert changes["r1"].targets == {"A": 250_000, "B": 250_000}
    assert changes["r1"].periods == {"Q1": 100_000, "Q2": 100_000, "Q3": 150_000, "Q4": 150_000}
    result = run_cli("allocate", "-w", small.root, "--from", "2027-07-01", "--team", "mgr-a")
    assert result.code == 0, result.err
    text = small.text("reps/r1.yaml")
    assert "targets: {A: 250_000, B: 250_000}   # agreed in December\nperiods: {Q1: 100_000, Q2: 100_000, Q3: 150_000, Q4: 150_000}\nagreed:" in text
    assert small.text("reps/r2.yaml") == rep_text("r2", extra="end: 2027-06-30\n")
    assert_clean(small)
    again = run_cli("allocate", "-w", small.root, "--from", "2027-07-01", "--team", "mgr-a")
    assert again.code == 0 and "nothing to change" in again.out


def test_from_a_month_that_is_not_a_quarter_start_writes_months(small):
    # --from 2027-08-01, r2 left 2027-07-31: r2 carries 7/12 of 400,000 (A and B 116,666.67 each);
    # r1, r3 keep jan..jul: 7 x 16,666.67 per segment; left per segment 600,000 - 116,666.67 - 2 x 116,666.67 = 250,000.
    # jan..jul are written to the cent: 7 x 33,333.33 = 233,333.31 of 233,333.33, the 2 cents to jan and feb
    small.replace("reps/r2.yaml", "manager: mgr-a\n", "manager: mgr-a\nend: 2027-07-31\n")
    changes = by_rep(allocate(loaded(small), Request(by="equal", start=dt.date(2027, 8, 1))))
    r1 = changes["r1"]
    assert list(r1.periods) == ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    assert [r1.periods[m] for m in ("jan", "feb", "mar")] == [F("33333.34"), F("33333.34"), F("33333.33")]
    # targets to the cent (A: 116,666.67 + 125,000), so aug..dec share 250,000.01: 50,000.01 to aug (largest remainder, first)
    assert r1.targets == {"A": F("241666.67"), "B": F("241666.67")}
    assert r1.periods["aug"] == F("50000.01") and r1.periods["sep"] == 50_000
    assert sum(r1.periods.values()) == sum(r1.targets.values())


def test_restricted_to_one_rep_and_one_segment(small):
    small.replace("strategy.yaml", "1_200_000", "1_300_000")  # +50,000 in each segment
    changes = by_rep(allocate(loaded(small), Request(by="equal", reps=["r2"], segments=["A"])))
    assert set(changes) == {"r2"} and changes["r2"].targets == {"A": 250_000, "B": 200_000}


@pytest.mark.parametrize(
    "request_, message",
    [
        (Request(reps=["nobody"]), "unknown rep nobody"),
        (Request(team="mgr-z"), "unknown team mgr-z"),
        (Request(segments=["Z"]), "unknown segment Z"),
        (Request(start=dt.date(2028, 2, 1)), "outside the fiscal year"),
        (Request(start=dt.date(2027, 7, 15)), "not the first day of a month"),
        (Request(by="capacity"), "has no capacity"),
        (Request(by="accounts"), "no selected rep has portfolio accounts"),
        (Request(team="mgr-b"), "no selected rep is in post"),
    ],
)
def test_bad_requests(small, request_, message):
    with pytest.raises(AllocationError, match=message):
        allocate(loaded(small), request_)


@pytest.mark.parametrize(
    "args, message",
    [
        (["--rep", "nobody"], "unknown rep nobody"),
        (["--from", "2026-12-01"], "outside the fiscal year"),
        (["--by", "sales"], "declares none"),
        (["--by", "capacity"], "has no capacity"),
    ],
)
def test_bad_input_exits_2_and_touches_nothing(small, run_cli, args, message):
    before = {p.name: p.read_bytes() for p in (small.root / "reps").iterdir()}
    result = run_cli("allocate", "-w", small.root, *args)
    assert result.code == 2 and message in result.err, result.err
    assert {p.name: p.read_bytes() for p in (small.root / "reps").iterdir()} == before


def test_a_workspace_with_errors_is_refused(small, run_cli):
    small.write("reps/r1.yaml", "id: r1\nname: [broken\n")
    result = run_cli("allocate", "-w", small.root)
    assert result.code == 2 and "errors that stop the plan checks" in result.err


def test_dry_run_writes_nothing_and_shows_the_change(small, run_cli):
    small.replace("strategy.yaml", "1_200_000", "1_500_000")
    before = small.text("reps/r1.yaml")
    result = run_cli("allocate", "-w", small.root, "--dry-run", "--format", "markdown")
    assert result.code == 0
    assert small.text("reps/r1.yaml") == before
    assert "| r1 | segment A | 200,000 | 250,000 | +50,000 | +25% |" in result.out
    assert "dry run: 3 file(s) would be rewritten; nothing written" in result.out


# --- the writer ---------------------------------------------------------------------------------


def test_writer_keeps_comments_quoting_style_and_order():
    text = "# a rep\nid: x\ntargets:            # by segment\n  A: 350_000         # north\n  B: '120000'\nname: y\n"
    out = set_mapping(text, "targets", {"A": F(400_000), "B": F(125_000)})
    assert out == "# a rep\nid: x\ntargets:            # by segment\n  A: 400_000         # north\n  B: '125000'\nname: y\n"


def test_writer_replaces_a_share_and_adds_keys():
    text = "id: x\ntargets: {A: 35%}   # note\nname: y\n"
    out = set_mapping(text, "targets", {"A": F(350_000), "B": F(1, 2)})
    assert out == "id: x\ntargets: {A: 350000, B: 0.50}   # note\nname: y\n"
    out = set_mapping(out, "periods", {"Q1": F(1), "Q2": F(2)})
    assert out == "id: x\ntargets: {A: 350000, B: 0.50}   # note\nperiods: {Q1: 1, Q2: 2}\nname: y\n"


def test_a_file_changed_since_it_was_read_is_not_overwritten(tmp_path):
    path = tmp_path / "reps" / "r.yaml"
    path.parent.mkdir()
    path.write_text("targets: {A: 1}\n")
    read = path.read_bytes()
    path.write_text("targets: {A: 2}\n")  # someone saved meanwhile
    with pytest.raises(StaleFile):
        write_edits(tmp_path, {"reps/r.yaml": (read, "targets: {A: 3}\n")})
    assert path.read_text() == "targets: {A: 2}\n"


def test_product_split_keeps_each_reps_mix_when_the_ranges_add_up(small, run_cli):
    # products p/q 50% each; r1 80/20, r2 20/80, r3 the strategy's: p = 320,000 + 80,000 + 200,000 = 600,000.
    # Revised to 1,500,000, equal: 500,000 each. r3 (no split) carries 250,000 of each range; r1 and r2 must
    # carry 500,000 of each: their own mixes give r1 400,000/100,000 and r2 100,000/400,000, which add up.
    small.replace("strategy.yaml", "segments: {A: 50%, B: 50%}\n", "segments: {A: 50%, B: 50%}\nproducts: {p: 50%, q: 50%}\n")
    small.replace("reps/r1.yaml", "manager: mgr-a\n", "manager: mgr-a\nproducts: {p: 80%, q: 20%}\n")
    small.replace("reps/r2.yaml", "manager: mgr-a\n", "manager: mgr-a\nproducts: {p: 20%, q: 80%}\n")
    assert_clean(small)
    small.replace("strategy.yaml", "1_200_000", "1_500_000")
    changes = by_rep(allocate(loaded(small), Request(by="equal")))
    assert changes["r1"].products == {"p": 400_000, "q": 100_000}
    assert changes["r2"].products == {"p": 100_000, "q": 400_000}
    assert changes["r3"].products is None
    assert run_cli("allocate", "-w", small.root).code == 0
    assert "products: {p: 400_000, q: 100_000}\n" in small.text("reps/r1.yaml")  # shares become amounts, in the file's style
    assert_clean(small)


def test_example_allocations_validate_clean(plan, run_cli):
    """On the example: each basis, for the whole year, leaves no sum or period finding."""
    for by in ("equal", "capacity", "accounts"):
        result = run_cli("allocate", "-w", plan.root, "--by", by, "--unit", "1000", "--dry-run")
        assert result.code == 0, result.err
    assert run_cli("allocate", "-w", plan.root, "--by", "accounts", "--unit", "1000").code == 0
    result = validate_workspace(plan.root, as_of=dt.date(2027, 10, 15))
    assert not result.diagnostics, [d.headline() for d in result.diagnostics]
    text = plan.text("reps/rep-e1.yaml")
    assert re.search(r"\ntargets: \{A: \d+_000\}\nproducts: \{platform: [\d_.]+, services: [\d_.]+\}    # platform-heavy key accounts\n", text), text


def test_example_revised_target_by_sales(plan, run_cli):
    """The revised-target case: the strategy lowered to 11,400,000 after H1, re-allocated --by sales from July."""
    plan.replace("strategy.yaml", "revenue_target: 12_000_000", "revenue_target: 11_400_000")
    result = run_cli("allocate", "-w", plan.root, "--from", "2027-07-01", "--by", "sales", "--unit", "1000")
    assert result.code == 0, result.err
    codes = {d.code for d in validate_workspace(plan.root, as_of=dt.date(2027, 10, 15)).diagnostics}
    assert not codes & {"SP403", "SP404", "SP405", "SP501", "SP603", "SP605", "SP407", "SP408", "SP409", "SP410"}, codes


def test_writer_adds_a_segment_in_the_mappings_style():
    block = "id: x\r\ntargets:\r\n  A: 350_000   # north\r\n  B: 1_000\r\n\r\n# portfolio next\r\nportfolio: {}\r\n"
    assert set_mapping(block, "targets", {"A": F(360_000), "B": F(2_000), "C": F(3_000)}) == (
        "id: x\r\ntargets:\r\n  A: 360_000   # north\r\n  B: 2_000\r\n  C: 3_000\r\n\r\n# portfolio next\r\nportfolio: {}\r\n"
    )
    flow = "targets: {A: 350_000}    # key accounts\n"
    assert set_mapping(flow, "targets", {"A": F(340_000), "B": F(12_000)}) == "targets: {A: 340_000, B: 12_000}    # key accounts\n"


def test_sales_basis_by_hand(small):
    # last year's sales: r1 100 (A), r2 300 (B), r3 none. Territory reps weigh their sales in all segments:
    # 100 : 300 : 0 -> 1/4 and 3/4 of each segment's 600,000; r3 gets nothing
    sales = {("r1", "A"): F(100), ("r2", "B"): F(300)}
    changes = by_rep(allocate(loaded(small), Request(by="sales"), sales))
    assert changes["r1"].targets == {"A": 150_000, "B": 150_000}
    assert changes["r2"].targets == {"A": 450_000, "B": 450_000}
    assert changes["r3"].targets == {"A": 0, "B": 0}


def test_by_sales_without_last_years_sales_is_exit_2(plan, run_cli):
    # the example's invoices run from 2026-01 to 2027-10: planning 2026, the year before has none
    plan.replace("salesplan.yaml", "fiscal_year: {start: 2027-01-01}", "fiscal_year: {start: 2026-01-01}")
    (plan.root / "reps" / "rep-s3.yaml").unlink()  # hired in 2027: not in the 2026 plan
    before = plan.text("reps/rep-n1.yaml")
    result = run_cli("allocate", "-w", plan.root, "--by", "sales")
    assert result.code == 2 and "no sale of a planned rep dated in the last fiscal year (2025-01-01" in result.err
    assert plan.text("reps/rep-n1.yaml") == before
