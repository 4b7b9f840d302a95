"""Acceptance test of issue 12: a workspace whose CRM exports look like real ones, every report checked on
figures worked out by hand from docs/metrics.md (not from the code), in JSON and as a person reads the table.

The workspace is tests/cases/real-exports (copied to tmp_path: nothing is written into tests/cases), read as of
2027-03-14 with the default period, the year to date: 2027-01-01..2027-03-14, 73 days, 73 / 365 = 1/5 of the
fiscal year 2027.

Plan (by hand)
--------------
strategy: revenue 1,500,000 (A 60%, B 40%; platform 60%, services 40%); seasonality Q1..Q4 25% each, so every
month weighs 25% / 3 = 1/12. Norms (actions per account a year): A prospect call 10, meeting 5; A customer call 5,
meeting 5, proposal 1; B prospect call 5; B customer call 5, meeting 5. No norm names follow_up (e-mails).
Reps, all in post all year, team mgr-x, no product split (the strategy's 60/40 applies):
    rep-a1 Anna Berg    A 600,000   portfolio.accounts A {prospect: 10, customer: 10}
    rep-a2 Omar Haddad  A 300,000   portfolio.accounts A {prospect: 5, customer: 5}
    rep-b1 Lea Roth     B 600,000   portfolio.accounts B {prospect: 10, customer: 10}
rates: {USD: 0.92}.

Exports
-------
data/opportunities.csv, a Salesforce "Opportunities with Products" report (preset salesforce, M/D/YYYY,
line_amount = Total Price, an Opportunity Currency column, a blank line and 3 footer lines). Line numbers:
     2-3  OPP-A1 a1 ACC-01 won  30,000 EUR 02/15  lines platform 20,000 + services (Consulting) 10,000
     4-5  OPP-A2 a1 ACC-02 won  10,000 USD 03/01  lines platform 6,000 + services 4,000 (USD)
       6  OPP-A3 a1 ACC-03 lost 0.00       02/20  platform 0.00
       7  OPP-A4 a1 ACC-01 proposal 50%  40,000, close 05/31, created 02/01, last activity 03/01, platform
       8  OPP-A5 a1 (no account) lead 5%: no amount, no close date, created 03/10, no product
       9  OPP-A6 a1 ACC-02 negotiation 75%  12,000, close 03/05, created 2026-10-01, last activity 01/20, services
      10  OPP-C1 a2 ACC-04 won  15,000 EUR 01/25  services
      11  OPP-C2 a2 ACC-05 lost 2,000 EUR  03/02  platform
      12  OPP-C3 a2 ACC-04 lost 333.33 USD 02/10  services
      13  OPP-C4 a2 ACC-05 qualified 25%: no amount, close 06/30, created 01/10, no last activity, platform
      14  OPP-C5 a2 ACC-04 discovery 10%  8,000, no close date, created 02/20, last activity 03/10, services
   15-16  OPP-D1 b1 ACC-06 won  20,000 EUR 03/10  lines platform 12,000 + services (Managed services) 8,000
      17  OPP-D2 b1 ACC-07 proposal 50%  25,000, close 04/30, created 01/20, no last activity, platform;
          a task done on 2027-03-12 is logged on it
      18  OPP-D3 b1 ACC-07 won, no amount, 03/12, platform (line amount blank)
      19  OPP-D4 b1 ACC-08 lost, no amount, 01/30, platform
  20 blank, 21-23 footer.
USD conversions, rounded to the cent per row: 10,000 x 0.92 = 9,200 (lines 6,000 -> 5,520, 4,000 -> 3,680);
333.33 x 0.92 = 306.6636 -> 306.66. Three rows (lines 4, 5, 12) carry a converted amount.

data/tasks.csv, a HubSpot tasks export (Task Status), 21 rows, lines 2-22:
   a1: call ACC-01 01-10 Completed; call ACC-02 02-03 Completed; meeting ACC-01 03-01 Completed;
       call ACC-03 03-10 Not started; meeting ACC-02 03-20 Not started; email ACC-02 02-15 Completed;
       email ACC-01 03-02 Completed; call ACC-01 03-14 Deferred (on OPP-A6)
   a2: call ACC-04 01-20 Completed; meeting ACC-04 02-20 In progress; call ACC-05 03-25 Completed;
       call ACC-05 04-05 Not started; meeting ACC-05 03-08 (blank status: an event)
   b1: call ACC-06 01-15 Completed; meeting ACC-06 02-10 Completed; call ACC-07 03-12 Completed (on OPP-D2);
       meeting ACC-07 03-13 Completed; call (no account) 03-03 Completed; email ACC-07 03-11 Completed;
       call ACC-08 2026-12-20 Completed
   Max Mustermann (no rep): call ACC-06 02-01 Completed (line 22, unmatched)

data/accounts.csv, semicolons and decimal comma; 14 lines after the header, 12 records: ACC-01..ACC-08 (a1 owns 01-03 A, a2 owns 04-05 A,
b1 owns 06-08 B; 01, 04, 06 are Client), then on line 10 ACC-09 opens a quote closed on line 12: one record of
2 fields spanning lines 10-12 (ACC-10's line is swallowed), rejected; then ACC-11 (B, no owner), ACC-12 (B, owned
by a1 who has no B target), ACC-13 (A, owned by b1 who has no A target): none of the three is targeted.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

CASE = Path(__file__).resolve().parent / "cases" / "real-exports"
AS_OF = "2027-03-14"
REPS = ["rep-a1", "rep-a2", "rep-b1"]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "real-exports"
    shutil.copytree(CASE, root)
    return root


def run_json(run_cli, ws, *args):
    result = run_cli(*args, "-w", ws, "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def run_table(run_cli, ws, *args):
    result = run_cli(*args, "-w", ws, "--as-of", AS_OF)
    assert result.code == 0, result.err
    return result.out, result.err


def rows_by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def pick(row, *columns):
    return tuple(row[c] for c in columns)


def line_with(text: str, *words: str) -> str:
    """The one table line holding every word (so that figures are read on the row a person reads them)."""
    hits = [line for line in text.splitlines() if all(w in line for w in words)]
    assert len(hits) == 1, (words, hits)
    return hits[0]


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.replace("┃", "│").split("│")[1:-1]]


CONVERTED_NOTE = (
    "data/opportunities.csv: amounts converted to EUR at the plan rates (rates: in salesplan.yaml): "
    "3 in USD at 0.92 EUR per USD; each converted amount rounded to the cent"
)


# --- intake ------------------------------------------------------------------------------------------------
# accounts: 14 lines after the header; the damaged record (lines 10-12) is one row: rows_read 12, rejected 1
#   (1 / 12 = 8.3%, within data.max_rejected 10%; 3 lines, within data.max_record_lines 20), used 11.
# opportunities: 18 data rows (lines 2-19); product lines are rows used; the blank line and 3 footer lines are
#   skipped (4); OPP-D3 (line 18), won without an amount, is incomplete. Nothing rejected.
# activities: 21 rows, all used; Max Mustermann's (line 22) unmatched.


def test_intake(run_cli, ws):
    data = run_json(run_cli, ws, "report", "intake")
    summary = {s["kind"]: s for s in data["intake"]}
    counts = ("rows_read", "rows_used", "rejected", "unmatched", "skipped", "incomplete")
    assert pick(summary["accounts"], *counts) == (12, 11, 1, 0, 0, 0)
    assert pick(summary["opportunities"], *counts) == (18, 18, 0, 0, 4, 1)
    assert pick(summary["activities"], *counts) == (21, 21, 0, 1, 0, 0)
    assert summary["opportunities"]["converted"] == {"USD": {"rate": "0.92", "rows": 3, "into": "EUR"}}
    issues = {(s["kind"], i["line"]): (i["status"], i["reason"]) for s in data["intake"] for i in s["issues"]}
    status, reason = issues[("accounts", 10)]
    assert status == "rejected" and "spanning lines 10-12" in reason
    assert issues[("opportunities", 18)][0] == "incomplete" and "won deal without amount" in issues[("opportunities", 18)][1]
    assert [line for (kind, line), (st, _) in issues.items() if kind == "opportunities" and st == "skipped"] == [20, 21, 22, 23]
    assert issues[("activities", 22)][0] == "unmatched" and "Max Mustermann" in issues[("activities", 22)][1]

    out, err = run_table(run_cli, ws, "report", "intake")
    assert "accounts: used 11 of 12 rows from data/accounts.csv (1 rejected (line 10)" in err
    assert "opportunities: used 18 of 18 rows from data/opportunities.csv (4 skipped, 1 incomplete" in err
    assert "activities: used 21 of 21 rows from data/tasks.csv (1 unmatched" in err
    assert "spanning lines 10-12" in out
    row = cells(line_with(out, "OPP-D3"))
    assert row[:5] == ["data/opportunities.csv", "18", "OPP-D3", "Golf add-on", "incomplete"]
    assert cells(line_with(out, "│ accounts "))[2:6] == ["12", "11", "1", "0"]


# --- attainment ----------------------------------------------------------------------------------------------
# No sales export: won deals at their close date are the sales. To date: 2027-01-01..2027-03-14.
#   target(r) = F(r) x (1/12 + 1/12 + 1/12 x 14/31) = F(r) x 19/93
#   rep-a1: 600,000 x 19/93 = 122,580.645 -> 122,580.65; actual OPP-A1 30,000 + OPP-A2 9,200 = 39,200
#           attainment 39,200 x 93 / 11,400,000 = 0.319789; gap -83,380.65; projection 600,000 x 39,200 /
#           122,580.645 = 39,200 x 93 / 19 = 191,873.68
#   rep-a2: 300,000 x 19/93 = 61,290.32; actual OPP-C1 15,000; attainment 0.244737; gap -46,290.32;
#           projection 15,000 x 93 / 19 = 73,421.05
#   rep-b1: 122,580.65; actual OPP-D1 20,000 (OPP-D3 has no amount: not a sale); attainment 0.163158;
#           gap -102,580.65; projection 20,000 x 93 / 19 = 97,894.74
#   <total>: 1,500,000 x 19/93 = 306,451.61; 74,200; 74,200 x 93 / 28,500,000 = 0.242126; projection 363,189.47
# By product, each line's range and amount (targets x 60% / 40%):
#   platform target 306,451.61 x 60% = 183,870.97; actual 20,000 + 5,520 + 12,000 = 37,520; 0.204056
#   services target 122,580.65; actual 10,000 + 3,680 + 15,000 + 8,000 = 36,680; 0.299232
# All off track (below 76.5%).


def test_attainment(run_cli, ws):
    data = run_json(run_cli, ws, "report", "attainment")
    rows = rows_by(data["tables"]["attainment"], "rep")
    cols = ("actual", "target", "gap", "projection", "annual_target", "status")
    assert pick(rows["rep-a1"], *cols) == (39_200.0, 122_580.65, -83_380.65, 191_873.68, 600_000.0, "off track")
    assert pick(rows["rep-a2"], *cols) == (15_000.0, 61_290.32, -46_290.32, 73_421.05, 300_000.0, "off track")
    assert pick(rows["rep-b1"], *cols) == (20_000.0, 122_580.65, -102_580.65, 97_894.74, 600_000.0, "off track")
    assert pick(rows["<total>"], *cols) == (74_200.0, 306_451.61, -232_251.61, 363_189.47, 1_500_000.0, "off track")
    assert rows["rep-a1"]["attainment"] == pytest.approx(39_200 * 93 / 11_400_000)
    assert rows["rep-a2"]["attainment"] == pytest.approx(15_000 * 93 / 5_700_000)
    assert rows["rep-b1"]["attainment"] == pytest.approx(20_000 * 93 / 11_400_000)
    assert rows["<total>"]["attainment"] == pytest.approx(74_200 * 93 / 28_500_000)
    assert CONVERTED_NOTE in data["notes"]
    assert any(n.startswith("attainment: 1 won deal without an amount or a close date counts in no sales figure") and "line 18" in n for n in data["notes"])

    data = run_json(run_cli, ws, "report", "attainment", "--by", "product")
    rows = rows_by(data["tables"]["attainment"], "product")
    assert pick(rows["platform"], "actual", "target") == (37_520.0, 183_870.97)
    assert pick(rows["services"], "actual", "target") == (36_680.0, 122_580.65)
    assert rows["platform"]["attainment"] == pytest.approx(37_520 * 93 / 17_100_000)
    assert rows["services"]["attainment"] == pytest.approx(36_680 * 93 / 11_400_000)
    assert "<unplanned>" not in rows  # every won deal's lines add up to its amount
    assert rows["<total>"]["actual"] == 74_200.0

    out, err = run_table(run_cli, ws, "report", "attainment")
    row = cells(line_with(out, "rep-a1"))
    # then the volume columns (deals_won, units, new_customers: see tests/test_volume.py)
    assert row[:6] == ["rep-a1", "39,200 [32% of 122,581]", "███·······", "-83,381", "191,874", "off track"]
    assert "3 in USD at 0.92 EUR per USD" in out + err


# --- activity ------------------------------------------------------------------------------------------------
# planned = norm x accounts x 73/365 (= 1/5):
#   rep-a1: call (10 x 10 + 5 x 10) / 5 = 30, meeting (5 x 10 + 5 x 10) / 5 = 20, proposal 1 x 10 / 5 = 2: 52
#   rep-a2: call (10 x 5 + 5 x 5) / 5 = 15, meeting (25 + 25) / 5 = 10, proposal 5 / 5 = 1: 26
#   rep-b1: call (5 x 10 + 5 x 10) / 5 = 20, meeting 5 x 10 / 5 = 10: 30                      total 108
# done (not open, dated to date, of a type its norms name in the account's segment):
#   rep-a1: calls 01-10, 02-03; meeting 03-01: 3 (call 2, meeting 1); e-mails 02-15, 03-02: done_other 2;
#           overdue: call 03-10 Not started, call 03-14 Deferred (dated on the as-of day): 2;
#           scheduled: meeting 03-20: 1
#   rep-a2: call 01-20; meeting 03-08 of blank status (done by its date): 2; overdue: meeting 02-20 In
#           progress: 1; scheduled: call 03-25 (Completed, but after the as-of day): 1; the call of 04-05 is
#           after the end of March (the horizon of the year to date): not scheduled
#   rep-b1: calls 01-15, 03-12; meetings 02-10, 03-13 (on a prospect: its norms name meetings in B, on
#           customers): 4; done_other: the call without an account (no segment) and the e-mail: 2;
#           the call of 2026-12-20 is before the period
#   <unplanned> (Max Mustermann): done_other 1
# ratios: 3/52 = 0.0577, 2/26 = 0.0769, 4/30 = 0.1333; total done 9, done_other 5, overdue 3, scheduled 2,
# 9/108 = 0.0833: all off track (below 68%).


def test_activity(run_cli, ws):
    data = run_json(run_cli, ws, "report", "activity", "--by", "rep")
    rows = rows_by(data["tables"]["activity"], "rep")
    cols = ("done", "done_other", "overdue", "scheduled", "planned", "gap", "status")
    assert pick(rows["rep-a1"], *cols) == (3, 2, 2, 1, 52.0, -49.0, "off track")
    assert pick(rows["rep-a2"], *cols) == (2, 0, 1, 1, 26.0, -24.0, "off track")
    assert pick(rows["rep-b1"], *cols) == (4, 2, 0, 0, 30.0, -26.0, "off track")
    assert pick(rows["<unplanned>"], "done", "done_other", "planned", "ratio") == (0, 1, 0.0, None)
    assert pick(rows["<total>"], *cols) == (9, 5, 3, 2, 108.0, -99.0, "off track")
    for rep, ratio in (("rep-a1", 3 / 52), ("rep-a2", 2 / 26), ("rep-b1", 4 / 30), ("<total>", 9 / 108)):
        assert rows[rep]["ratio"] == pytest.approx(ratio)
    assert any(n.startswith("activities: 1 activity has a blank status") for n in data["notes"])

    data = run_json(run_cli, ws, "report", "activity")  # rep, action, segment
    rows = rows_by(data["tables"]["activity"], "rep", "action", "segment")
    cols = ("done", "done_other", "overdue", "scheduled", "planned")
    assert pick(rows[("rep-a1", "call", "A")], *cols) == (2, 0, 2, 0, 30.0)
    assert pick(rows[("rep-a1", "meeting", "A")], *cols) == (1, 0, 0, 1, 20.0)
    assert pick(rows[("rep-a1", "proposal", "A")], *cols) == (0, 0, 0, 0, 2.0)
    assert pick(rows[("rep-a1", "follow_up", "A")], *cols) == (0, 2, 0, 0, 0.0)
    assert pick(rows[("rep-a2", "call", "A")], *cols) == (1, 0, 0, 1, 15.0)
    assert pick(rows[("rep-a2", "meeting", "A")], *cols) == (1, 0, 1, 0, 10.0)
    assert pick(rows[("rep-b1", "call", "B")], *cols) == (2, 0, 0, 0, 20.0)
    assert pick(rows[("rep-b1", "call", "<unsegmented>")], *cols) == (0, 1, 0, 0, 0.0)
    assert pick(rows[("rep-b1", "meeting", "B")], *cols) == (2, 0, 0, 0, 10.0)
    assert pick(rows[("rep-b1", "follow_up", "B")], *cols) == (0, 1, 0, 0, 0.0)
    assert pick(rows[("<unplanned>", "call", "B")], *cols) == (0, 1, 0, 0, 0.0)

    out, _ = run_table(run_cli, ws, "report", "activity", "--by", "rep")
    assert cells(line_with(out, "rep-a1")) == ["rep-a1", "3", "52", "5.8%", "-49", "2", "2", "1", "off track"]
    assert cells(line_with(out, "<total>")) == ["<total>", "9", "108", "8.3%", "-99", "5", "3", "2", "off track"]
    assert "1 activity has a blank status" in out


# --- coverage ------------------------------------------------------------------------------------------------
# targeted = accounts owned in the CRM in a segment the rep has a target in (ACC-12, ACC-13 are not; ACC-11 has
# no owner); statuses from the export's Type. touched / actions: activities done by the rep to date.
#   rep-a1 A prospect: ACC-02 (call 02-03, e-mail 02-15: 2 actions), ACC-03 (only an open call): 2, 1, 0.5
#          pressure (2/2) / ((10 + 5) x 1/5) = 1/3; off track (below 51%)
#   rep-a1 A customer: ACC-01 (call, meeting, e-mail: 3; the Deferred call is open): 1, 1, 1.0;
#          pressure 3 / ((5 + 5 + 1) / 5) = 15/11 = 1.3636; on track
#   rep-a2 A prospect: ACC-05 (the blank-status meeting 03-08; the call of 03-25 is scheduled): 1, 1, 1 action,
#          pressure 1 / 3; A customer: ACC-04 (call 01-20; the meeting In progress is open): 1 action,
#          pressure 1 / (11/5) = 5/11
#   rep-b1 B prospect: ACC-07 (call, meeting, e-mail: 3), ACC-08 (only a call of 2026-12-20): 2, 1, 0.5,
#          pressure (3/2) / (5/5) = 1.5; B customer: ACC-06 (call, meeting: 2; Max's call is not b1's):
#          pressure 2 / (10/5) = 1.0
#   <total>: targeted 8, touched 6, actions 12, coverage 0.75.
# Untouched: rep-a1 ACC-03 (never worked: no last action, the open call does not count); rep-b1 ACC-08,
#   last action 2026-12-20, 84 days before 2027-03-14 (11 + 31 + 28 + 14).


def test_coverage(run_cli, ws):
    data = run_json(run_cli, ws, "report", "coverage")
    rows = rows_by(data["tables"]["coverage"], "rep", "segment", "account_status")
    cols = ("targeted", "touched", "coverage", "actions", "status")
    assert pick(rows[("rep-a1", "A", "prospect")], *cols) == (2, 1, 0.5, 2, "off track")
    assert pick(rows[("rep-a1", "A", "customer")], *cols) == (1, 1, 1.0, 3, "on track")
    assert pick(rows[("rep-a2", "A", "prospect")], *cols) == (1, 1, 1.0, 1, "on track")
    assert pick(rows[("rep-a2", "A", "customer")], *cols) == (1, 1, 1.0, 1, "on track")
    assert pick(rows[("rep-b1", "B", "prospect")], *cols) == (2, 1, 0.5, 3, "off track")
    assert pick(rows[("rep-b1", "B", "customer")], *cols) == (1, 1, 1.0, 2, "on track")
    assert pick(rows[("<total>", "<total>", "<total>")], *cols) == (8, 6, 0.75, 12, "on track")
    pressures = {k: r["pressure"] for k, r in rows.items() if k[0] != "<total>"}
    assert pressures == pytest.approx({
        ("rep-a1", "A", "prospect"): 1 / 3, ("rep-a1", "A", "customer"): 15 / 11,
        ("rep-a2", "A", "prospect"): 1 / 3, ("rep-a2", "A", "customer"): 5 / 11,
        ("rep-b1", "B", "prospect"): 1.5, ("rep-b1", "B", "customer"): 1.0,
    })
    untouched = [pick(r, "rep", "account", "status", "last_action", "days_since") for r in data["tables"]["untouched"]]
    assert untouched == [("rep-a1", "ACC-03", "prospect", None, None), ("rep-b1", "ACC-08", "prospect", "2026-12-20", 84)]
    assert "coverage: 1 activity without an account counts in the activity report, for no account's coverage" in data["notes"]

    out, _ = run_table(run_cli, ws, "report", "coverage")
    assert cells(line_with(out, "<total>"))[3:6] == ["8", "6", "75.0%"]
    assert cells(line_with(out, "ACC-08"))[-2:] == ["2026-12-20", "84"]


# --- pipeline ------------------------------------------------------------------------------------------------
# Open deals as of 2027-03-14 (stale_days 30; last touch = latest of Last Activity and tasks done on the deal,
# else the created date):
#   OPP-A4 a1 proposal 40,000 x 50% = 20,000; due 05-31; age 41 (27 + 14: 31-90); touched 03-01 (13 days)
#   OPP-A5 a1 lead, no amount (weighs 0), no close date, <no account>; age 4 (0-30); touch = created 03-10
#   OPP-A6 a1 negotiation 12,000 x 75% = 9,000; due 03-05: overdue; age 164 (30 + 30 + 31 + 31 + 28 + 14:
#          91-180); last activity 01-20, 53 days: stale (the Deferred call of 03-14 on it is open: no touch)
#   OPP-C4 a2 qualified, no amount; due 06-30; age 63 (21 + 28 + 14: 31-90); no last activity: touch =
#          created 01-10, 63 days: stale
#   OPP-C5 a2 discovery 8,000 x 10% = 800; no close date; age 22 (8 + 14: 0-30); touched 03-10
#   OPP-D2 b1 proposal 25,000 x 50% = 12,500; due 04-30; age 53 (11 + 28 + 14: 31-90); no last activity but
#          the call done on it on 03-12: 2 days, not stale
#   rep-a1: count 3, value 52,000, value_unknown 1, weighted 29,000, overdue 1, no_close_date 1, stale 1,
#           ages 1 / 1 / 1 / 0 / 0
#   rep-a2: count 2, value 8,000, value_unknown 1, weighted 800, overdue 0, no_close_date 1, stale 1, ages 1 / 1
#   rep-b1: count 1, value 25,000, weighted 12,500, age 31-90
#   <total>: 6, 85,000, 2, 42,300, overdue 1, no_close_date 2, stale 2, ages 2 / 3 / 1 / 0 / 0
# Pipeline coverage, the whole fiscal year (ytd looks ahead), rest 2027-03-15..2027-12-31:
#   rep-a1: 600,000 - 39,200 = 560,800; open in rest: OPP-A4 40,000 (A6 overdue, A5 no value nor date):
#           40,000 / 560,800 = 0.0713
#   rep-a2: 300,000 - 15,000 = 285,000; C4 has no amount, C5 no close date: 0 -> 0.0
#   rep-b1: 600,000 - 20,000 = 580,000; D2 25,000: 0.0431
#   <total>: 1,500,000, 74,200, 1,425,800, 65,000: 0.0456. All off track (below 1.7).
# Deals to watch (overdue, stale or undated), by amount, unknown values last, then id:
#   OPP-A6 12,000 (overdue, stale), OPP-C5 8,000 (no close date), OPP-A5 unknown <no account> (no close date),
#   OPP-C4 unknown (stale).


def test_pipeline(run_cli, ws):
    data = run_json(run_cli, ws, "report", "pipeline", "--by", "rep")
    rows = rows_by(data["tables"]["pipeline"], "rep")
    cols = ("count", "value", "value_unknown", "weighted", "overdue", "no_close_date", "stale",
            "age_0_30", "age_31_90", "age_91_180", "age_over_180", "age_unknown")
    assert pick(rows["rep-a1"], *cols) == (3, 52_000.0, 1, 29_000.0, 1, 1, 1, 1, 1, 1, 0, 0)
    assert pick(rows["rep-a2"], *cols) == (2, 8_000.0, 1, 800.0, 0, 1, 1, 1, 1, 0, 0, 0)
    assert pick(rows["rep-b1"], *cols) == (1, 25_000.0, 0, 12_500.0, 0, 0, 0, 0, 1, 0, 0, 0)
    assert pick(rows["<total>"], *cols) == (6, 85_000.0, 2, 42_300.0, 1, 2, 2, 2, 3, 1, 0, 0)

    cover = rows_by(data["tables"]["pipeline_coverage"], "rep")
    cols = ("period_target", "actual", "remaining_target", "open_in_rest", "status")
    assert pick(cover["rep-a1"], *cols) == (600_000.0, 39_200.0, 560_800.0, 40_000.0, "off track")
    assert pick(cover["rep-a2"], *cols) == (300_000.0, 15_000.0, 285_000.0, 0.0, "off track")
    assert pick(cover["rep-b1"], *cols) == (600_000.0, 20_000.0, 580_000.0, 25_000.0, "off track")
    assert pick(cover["<total>"], *cols) == (1_500_000.0, 74_200.0, 1_425_800.0, 65_000.0, "off track")
    for rep, ratio in (("rep-a1", 40_000 / 560_800), ("rep-a2", 0.0), ("rep-b1", 25_000 / 580_000), ("<total>", 65_000 / 1_425_800)):
        assert cover[rep]["coverage"] == pytest.approx(ratio)

    watch = [pick(d, "rep", "id", "account", "amount", "close_date", "age_days", "overdue", "no_close_date", "stale")
             for d in data["tables"]["deals_to_watch"]]
    assert watch == [
        ("rep-a1", "OPP-A6", "ACC-02", 12_000.0, "2027-03-05", 164, True, False, True),
        ("rep-a2", "OPP-C5", "ACC-04", 8_000.0, None, 22, False, True, False),
        ("rep-a1", "OPP-A5", "<no account>", None, None, 4, False, True, False),
        ("rep-a2", "OPP-C4", "ACC-05", None, "2027-06-30", 63, False, False, True),
    ]
    notes = data["notes"]
    assert any(n.startswith("pipeline: 2 open deals without an amount") for n in notes)
    assert any(n.startswith("pipeline: 2 open deals without a close date") for n in notes)
    assert any(n.startswith("pipeline: 1 open deal without an account, shown as <no account>") for n in notes)
    assert CONVERTED_NOTE in notes

    out, _ = run_table(run_cli, ws, "report", "pipeline")
    a5 = cells(line_with(out, "OPP-A5"))
    assert "<no account>" in a5 and "unknown (b)" in a5 and "yes" in a5  # (b): the legend says why (no amount)
    assert "unknown (b)" in cells(line_with(out, "OPP-C4"))  # (b) no amount, in the legend
    total = cells(line_with(out, "<total>", "85,000"))
    assert total[2:8] == ["6", "85,000", "2", "42,300", "1", "2"]
    assert cells(line_with(out, "rep-a2", "285,000"))[-2:] == ["0.00x", "off track"]
    assert "3 in USD at 0.92 EUR per USD" in out


# --- conversion ----------------------------------------------------------------------------------------------
# Closed deals with a close date in 2027-01-01..2027-03-14 (OPP-D3 won without amount, OPP-D4 lost blank and
# OPP-A3 lost at 0 are the deals without a value):
#   by rep: rep-a1 won A1 30,000 + A2 9,200, lost A3 (0): 2 / 3, won_value 39,200, no_value 1: value n/a
#           rep-a2 won C1 15,000, lost C2 2,000 + C3 306.66: 1 / 3, lost_value 2,306.66, no_value 0,
#                  value win rate 15,000 / 17,306.66 = 0.8667
#           rep-b1 won D1 20,000 and D3 (no value), lost D4 (no value): 2 / 3, no_value 2: n/a
#           <total> won 5, lost 4 (each deal once), 74,200 / 2,306.66, no_value 3: n/a
#   by product (a deal once in each range it has a line of, with its lines' amounts):
#           platform: won A1 20,000, A2 5,520, D1 12,000, D3 (none); lost A3 (0), C2 2,000, D4 (none):
#                     4 / 7, won_value 37,520, lost_value 2,000, no_value 3: n/a
#           services: won A1 10,000, A2 3,680, C1 15,000, D1 8,000; lost C3 306.66: 4 / 5,
#                     value 36,680 / 36,986.66 = 0.9917
#   by rep, product: rep-a1 platform 2 / 3, no_value 1, n/a; rep-a1 services 2 / 2, 13,680, 100%;
#           rep-a2 platform 0 / 1, lost 2,000, 0%; rep-a2 services 1 / 2, 15,000 / 15,306.66 = 0.98;
#           rep-b1 platform 2 / 3, 12,000, no_value 2, n/a; rep-b1 services 1 / 1, 8,000, 100%.
#   No seller has 20 closed deals on a range: nothing tested, no alert.


def test_conversion(run_cli, ws):
    cols = ("won", "lost", "closed", "won_value", "lost_value", "no_value", "win_rate_value")
    data = run_json(run_cli, ws, "report", "conversion", "--by", "rep")
    rows = rows_by(data["tables"]["conversion"], "rep")
    assert pick(rows["rep-a1"], *cols) == (2, 1, 3, 39_200.0, 0.0, 1, None)
    assert pick(rows["rep-a2"], *cols[:-1]) == (1, 2, 3, 15_000.0, 2_306.66, 0)
    assert rows["rep-a2"]["win_rate_value"] == pytest.approx(15_000 / 17_306.66)
    assert pick(rows["rep-b1"], *cols) == (2, 1, 3, 20_000.0, 0.0, 2, None)
    assert pick(rows["<total>"], *cols) == (5, 4, 9, 74_200.0, 2_306.66, 3, None)
    for rep, rate in (("rep-a1", 2 / 3), ("rep-a2", 1 / 3), ("rep-b1", 2 / 3), ("<total>", 5 / 9)):
        assert rows[rep]["win_rate"] == pytest.approx(rate)
    assert any(n.startswith("conversion: 3 closed deals without a value") for n in data["notes"])
    assert CONVERTED_NOTE in data["notes"]

    data = run_json(run_cli, ws, "report", "conversion", "--by", "product")
    rows = rows_by(data["tables"]["conversion"], "product")
    assert pick(rows["platform"], *cols) == (4, 3, 7, 37_520.0, 2_000.0, 3, None)
    assert pick(rows["services"], *cols[:-1]) == (4, 1, 5, 36_680.0, 306.66, 0)
    assert rows["services"]["win_rate_value"] == pytest.approx(36_680 / 36_986.66)
    assert pick(rows["<total>"], *cols) == (5, 4, 9, 74_200.0, 2_306.66, 3, None)

    data = run_json(run_cli, ws, "report", "conversion")
    rows = rows_by(data["tables"]["conversion"], "rep", "product")
    assert pick(rows[("rep-a1", "platform")], *cols) == (2, 1, 3, 25_520.0, 0.0, 1, None)
    assert pick(rows[("rep-a1", "services")], *cols) == (2, 0, 2, 13_680.0, 0.0, 0, 1.0)
    assert pick(rows[("rep-a2", "platform")], *cols) == (0, 1, 1, 0.0, 2_000.0, 0, 0.0)
    assert pick(rows[("rep-a2", "services")], *cols[:-1]) == (1, 1, 2, 15_000.0, 306.66, 0)
    assert rows[("rep-a2", "services")]["win_rate_value"] == pytest.approx(15_000 / 15_306.66)
    assert pick(rows[("rep-b1", "platform")], *cols) == (2, 1, 3, 12_000.0, 0.0, 2, None)
    assert pick(rows[("rep-b1", "services")], *cols) == (1, 0, 1, 8_000.0, 0.0, 0, 1.0)
    assert pick(rows[("<total>", "<total>")], *cols) == (5, 4, 9, 74_200.0, 2_306.66, 3, None)
    assert not any(r["alert"] for r in data["tables"]["conversion"])

    out, _ = run_table(run_cli, ws, "report", "conversion")
    row = cells(line_with(out, "rep-a1", "platform"))
    assert row[2:10] == ["2", "1", "3", "66.7%", "25,520", "0", "1", "n/a (a)"]  # (a) deal without value, in the legend
    assert cells(line_with(out, "<total>"))[2:10] == ["5", "4", "9", "55.6%", "74,200", "2,307", "3", "n/a (a)"]
    assert cells(line_with(out, "rep-a2", "services"))[9] == "98.0%"
    assert "3 closed deals without a value" in out
    assert "3 in USD at 0.92 EUR per USD" in out


# --- dashboard -----------------------------------------------------------------------------------------------
# Each rep's figures from the reports above:
#   rep-a1: 39,200 / 122,580.65 (32%), projection 191,874, activity 3/52 = 5.8%, coverage (1 + 1) / (2 + 1) =
#           66.7%, pipeline 0.07, win rate 2/3 = 66.7% (each deal once: OPP-A1 and OPP-A2 have lines in both
#           ranges, but they are two won deals, not four), off track
#   rep-a2: 15,000 / 61,290.32 (24%), 2/26 = 7.7%, coverage 2/2 = 100%, pipeline 0.00, win rate 1/3, off track
#   rep-b1: 20,000 / 122,580.65 (16%), 4/30 = 13.3%, coverage 2/3, pipeline 0.04, win rate 2/3 (OPP-D1 once),
#           off track
# No alerts. The status is the worst of attainment, activity, coverage and pipeline: off track for all.


def test_dashboard(run_cli, ws):
    data = run_json(run_cli, ws, "report")
    rows = rows_by(data["tables"]["dashboard"], "rep")
    assert list(rows) == REPS
    cols = ("actual", "target", "projection", "alerts", "status")
    assert pick(rows["rep-a1"], *cols) == (39_200.0, 122_580.65, 191_873.68, 0, "off track")
    assert pick(rows["rep-a2"], *cols) == (15_000.0, 61_290.32, 73_421.05, 0, "off track")
    assert pick(rows["rep-b1"], *cols) == (20_000.0, 122_580.65, 97_894.74, 0, "off track")
    expected = {
        "rep-a1": (39_200 * 93 / 11_400_000, 3 / 52, 2 / 3, 40_000 / 560_800, 2 / 3),
        "rep-a2": (15_000 * 93 / 5_700_000, 2 / 26, 1.0, 0.0, 1 / 3),
        "rep-b1": (20_000 * 93 / 11_400_000, 4 / 30, 2 / 3, 25_000 / 580_000, 2 / 3),
    }
    for rep, figures in expected.items():
        assert pick(rows[rep], "attainment", "activity", "coverage", "pipeline_coverage", "win_rate") == pytest.approx(figures), rep
    notes = data["notes"]
    assert CONVERTED_NOTE in notes
    assert any(n.startswith("conversion: 3 closed deals without a value") for n in notes)
    assert any(n.startswith("pipeline: 2 open deals without an amount") for n in notes)

    out, err = run_table(run_cli, ws, "report")
    assert cells(line_with(out, "rep-a1"))[2:] == ["39,200 [32% of 122,581]", "███·······", "191,874", "5.8%", "66.7%", "0.07x", "66.7%", "0", "off track"]
    assert cells(line_with(out, "rep-a2"))[5:] == ["7.7%", "100.0%", "0.00x", "33.3%", "0", "off track"]
    assert cells(line_with(out, "rep-b1"))[5:] == ["13.3%", "66.7%", "0.04x", "66.7%", "0", "off track"]
    assert "3 in USD at 0.92 EUR per USD" in out
    assert "accounts: used 11 of 12 rows from data/accounts.csv (1 rejected (line 10)" in err


def test_review_win_rate_counts_each_deal_once(run_cli, ws):
    # rep-a1 won OPP-A1 and OPP-A2 (each with a platform and a services line) and lost OPP-A3: 2 / 3;
    # its peers (rep-a2, rep-b1) won 1 + 2 of 3 + 3: 0.5
    data = run_json(run_cli, ws, "review", "--rep", "rep-a1")
    win = rows_by(data["tables"]["summary"], "metric")["win rate"]
    assert pick(win, "actual", "plan", "benchmark") == (2, 3, 0.5)


# --- damaged: an unclosed quote over many lines ------------------------------------------------------------
# Without the closing line 12 and with 25 more accounts after the last one, the quote of line 10 runs to the end
# of the file: lines 10 to 14 + 25 = 39, 30 lines read as one field, above data.max_record_lines (20): exit 2.


def test_an_unclosed_quote_over_many_lines_stops_every_report(run_cli, ws):
    path = ws / "data" / "accounts.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[11] == 'vormals Juliet"'
    lines = lines[:11] + lines[12:] + [f"ACC-{n};Filler {n};Prospect;;B;" for n in range(20, 45)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(lines) == 39
    for args in (("report",), ("report", "pipeline"), ("report", "intake")):
        for fmt in ("table", "json"):
            run = run_cli(*args, "-w", ws, "--as-of", AS_OF, "--format", fmt)
            assert run.code == 2, (args, fmt, run.err)
            assert "data/accounts.csv:10: error SP905: an unclosed quote at line 10 runs to line 39 (30 lines read as one field)" in run.err


# --- fallbacks: the same exports without a created date and without an account type ------------------------
# Without `Created Date`: every open deal is in the `unknown` age bucket (6), and last touch falls back to the
# last activity or a task done on the deal only: OPP-A6 (01-20, 53 days) is stale; OPP-C4, with no date at all,
# cannot be judged stale: stale 1 (rep-a1), rep-a2 0. Without `Type`: an account is a customer once it has a
# sale or a won deal dated by 2027-03-14: ACC-01 (OPP-A1), ACC-02 (OPP-A2), ACC-04 (OPP-C1), ACC-06 (OPP-D1) and
# ACC-07 (OPP-D3, won on 03-12: a won deal, even without an amount); ACC-03, ACC-05, ACC-08 stay prospects.
#   rep-a1 customer: ACC-01 (3 actions) + ACC-02 (2): 2 of 2, pressure (5/2) / (11/5) = 25/22; prospect
#          ACC-03: 0 of 1, pressure 0
#   rep-b1 customer: ACC-06 (2) + ACC-07 (3): 2 of 2, pressure (5/2) / (10/5) = 1.25; prospect ACC-08: 0 of 1
#   rep-a2 unchanged; <total> 8 targeted, 6 touched.


def _drop_column(path: Path, header: str) -> None:
    """Remove a column from the quoted Salesforce export (the blank line and the footer have one field)."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = rows[0].index(header)
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    for row in rows:
        writer.writerow(row[:index] + row[index + 1 :] if len(row) > index else row)
    path.write_text(out.getvalue().replace('""\n', "\n"), encoding="utf-8")


def test_fallbacks_are_said_and_counted(run_cli, ws):
    _drop_column(ws / "data" / "opportunities.csv", "Created Date")
    # the accounts export without its Type column (the damaged record keeps its 2 fields: edit the good lines)
    lines = (ws / "data" / "accounts.csv").read_text(encoding="utf-8").split("\n")
    lines = [";".join(p[:2] + p[3:]) if len(p := line.split(";")) == 6 else line for line in lines]
    (ws / "data" / "accounts.csv").write_text("\n".join(lines), encoding="utf-8")
    settings = ws / "salesplan.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace('status: "Type", ', ""), encoding="utf-8")

    data = run_json(run_cli, ws, "report", "pipeline", "--by", "rep")
    rows = rows_by(data["tables"]["pipeline"], "rep")
    assert pick(rows["rep-a1"], "count", "stale", "age_unknown") == (3, 1, 3)
    assert pick(rows["rep-a2"], "count", "stale", "age_unknown") == (2, 0, 2)
    assert pick(rows["<total>"], "count", "value", "stale", "age_0_30", "age_31_90", "age_91_180", "age_unknown") == (6, 85_000.0, 1, 0, 0, 0, 6)
    assert "opportunities: no created_date column: the age of open deals is unknown (age bucket 'unknown')" in data["notes"]

    data = run_json(run_cli, ws, "report", "coverage")
    rows = rows_by(data["tables"]["coverage"], "rep", "segment", "account_status")
    cols = ("targeted", "touched", "actions")
    assert pick(rows[("rep-a1", "A", "customer")], *cols) == (2, 2, 5)
    assert pick(rows[("rep-a1", "A", "prospect")], *cols) == (1, 0, 0)
    assert pick(rows[("rep-b1", "B", "customer")], *cols) == (2, 2, 5)
    assert pick(rows[("rep-b1", "B", "prospect")], *cols) == (1, 0, 0)
    assert pick(rows[("<total>", "<total>", "<total>")], *cols) == (8, 6, 12)
    assert rows[("rep-a1", "A", "customer")]["pressure"] == pytest.approx(25 / 22)
    assert rows[("rep-b1", "B", "customer")]["pressure"] == pytest.approx(1.25)
    assert any(n.startswith("accounts: no status column: an account is a customer once it has bought") for n in data["notes"])

    _, err = run_table(run_cli, ws, "report")
    assert "note: opportunities: no created_date column: the age of open deals is unknown (age bucket 'unknown')" in err
    assert "note: accounts: no status column: an account is a customer once it has bought by the end of the period to date, else a prospect" in err
