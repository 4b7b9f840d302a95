"""Values a CRM lets its users leave blank: open deals without amount, close date or account; won deals without
amount; lost deals at 0; activities without account. Every figure below is worked out by hand.

The workspace is the example's plan with a small opportunities export (no accounts, activities or sales
export: won deals stand in for sales), read as of 2027-10-15, period ytd.
"""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-10-15"

DATA = """data:
  opportunities:
    path: data/opps.csv
    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created, product: product}
  stale_days: 30
"""

OPPS = """id,owner,account,stage,amount,close,created,product
O1,rep-n1,ACME-001,proposal,10000,2027-11-30,2027-09-01,platform
O2,rep-n1,,proposal,,2027-12-15,2027-06-01,platform
O3,rep-n1,ACME-017,qualified,5000,,2027-10-01,services
O4,rep-n1,ACME-001,won,20000,2027-03-10,2027-01-05,platform
O5,rep-n1,ACME-001,won,,2027-04-10,2027-01-05,platform
O6,rep-n1,ACME-017,lost,0,2027-05-10,2027-01-05,platform
O7,rep-n1,ACME-017,lost,,2027-06-10,2027-01-05,platform
O8,rep-n2,ACME-002,won,1000,2027-02-01,2027-01-05,platform
O9,rep-n2,ACME-002,lost,3000,2027-02-02,2027-01-05,platform
O10,rep-n2,ACME-002,won,500,,2027-01-05,platform
O11,rep-n2,,proposal,abc,2027-12-01,2027-01-05,platform
"""


@pytest.fixture
def blanks(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace_data(DATA)
    ws.write("data/opps.csv", OPPS)
    return ws


def report_json(run_cli, ws, *args):
    result = run_cli(*args, "-w", ws.root, "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out), result.err


def by(rows, key):
    return {r[key]: r for r in rows}


def test_intake_keeps_blank_values_and_lists_incomplete_won_deals(run_cli, blanks):
    data, err = report_json(run_cli, blanks, "report", "intake")
    summary = data["intake"][0]
    # 11 rows: O11's amount 'abc' is unreadable (a value, not a blank): rejected; the rest are used.
    assert (summary["rows_read"], summary["rows_used"], summary["rejected"], summary["incomplete"]) == (11, 10, 1, 2)
    issues = [(i["line"], i["status"], i["reason"]) for i in summary["issues"]]
    assert issues == [
        (6, "incomplete", "won deal without amount: counts in win/loss counts, not in attainment"),
        (11, "incomplete", "won deal without close date: counts in no period (attainment, win rates): no day places it in one"),
        (12, "rejected", "unreadable amount 'abc'"),
    ]
    assert "2 incomplete" in err


def test_pipeline_counts_deals_without_amount_or_close_date(run_cli, blanks):
    data, err = report_json(run_cli, blanks, "report", "pipeline", "--by", "rep")
    rows = by(data["tables"]["pipeline"], "rep")
    # rep-n1 open deals: O1 (10,000, proposal 50%), O2 (no amount), O3 (5,000, qualified 25%, no close date).
    # value 15,000; weighted 5,000 + 1,250 = 6,250; ages 44 (31-90), 136 (91-180), 14 (0-30) days;
    # stale (last touch = created, > 30 days): O1 and O2.
    n1 = rows["rep-n1"]
    assert (n1["count"], n1["value"], n1["value_unknown"], n1["weighted"], n1["no_close_date"], n1["stale"], n1["overdue"]) == (3, 15_000.0, 1, 6_250.0, 1, 2, 0)
    assert (n1["age_0_30"], n1["age_31_90"], n1["age_91_180"]) == (1, 1, 1)
    assert "rep-n2" not in rows  # O11, its only open deal, was rejected (unreadable amount)
    # pipeline coverage: O3 has no close date and O2 no amount, so only O1 covers the rest of the year
    cover = by(data["tables"]["pipeline_coverage"], "rep")
    assert cover["rep-n1"]["open_in_rest"] == 10_000.0
    # deals to watch: stale O1, undated O3, then O2 whose value is unknown (after every valued deal)
    watch = [(d["id"], d["amount"], d["account"], d["no_close_date"], d["stale"]) for d in data["tables"]["deals_to_watch"]]
    assert watch == [("O1", 10_000.0, "ACME-001", False, True), ("O3", 5_000.0, "ACME-017", True, False), ("O2", None, "<no account>", False, True)]
    notes = data["notes"]
    assert any("1 open deal without an amount" in n for n in notes)
    assert any("1 open deal without a close date" in n for n in notes)
    assert any("1 open deal without an account" in n for n in notes)


def test_value_win_rate_is_not_available_where_deals_have_no_value(run_cli, blanks):
    data, _ = report_json(run_cli, blanks, "report", "conversion", "--by", "rep")
    rows = by(data["tables"]["conversion"], "rep")
    # rep-n1: won O4, O5; lost O6 (0), O7 (blank): win rate 2/4; won value 20,000 (O5 has none);
    # three closed deals without a value (O5, O6, O7): the value win rate would read 100%: n/a.
    n1 = rows["rep-n1"]
    assert (n1["won"], n1["lost"], n1["win_rate"], n1["won_value"], n1["lost_value"], n1["no_value"], n1["win_rate_value"]) == (2, 2, 0.5, 20_000.0, 0.0, 3, None)
    # rep-n2: won O8 1,000, lost O9 3,000 (O10 has no close date: in no period): 1,000 / 4,000
    n2 = rows["rep-n2"]
    assert (n2["won"], n2["lost"], n2["no_value"], n2["win_rate_value"]) == (1, 1, 0, 0.25)
    total = rows["<total>"]
    assert (total["won"], total["lost"], total["no_value"], total["win_rate_value"]) == (3, 3, 3, None)
    assert any("3 closed deals without a value" in n for n in data["notes"])


def test_attainment_counts_only_won_deals_with_amount_and_close_date(run_cli, blanks):
    data, _ = report_json(run_cli, blanks, "report", "attainment")
    rows = by(data["tables"]["attainment"], "rep")
    # rep-n1: O4 20,000 (O5 has no amount); rep-n2: O8 1,000 (O10 has no close date)
    assert rows["rep-n1"]["actual"] == 20_000.0
    assert rows["rep-n2"]["actual"] == 1_000.0
    assert any(n.startswith("attainment: 2 won deals without an amount or a close date") and "lines 6, 11" in n for n in data["notes"])


def test_dashboard_notes_what_it_could_not_value(run_cli, blanks):
    data, _ = report_json(run_cli, blanks, "report")
    notes = "\n".join(data["notes"])
    assert "without an amount" in notes and "without a close date" in notes and "win_rate_value is n/a" in notes


def test_table_output_shows_unknown_value(run_cli, blanks):
    result = run_cli("report", "pipeline", "-w", blanks.root, "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "value_unknown" in result.out.replace(" ", "_") or "value unknown" in result.out
    assert "<no account>" in result.out


def test_opportunities_without_account_column(run_cli, blanks):
    blanks.replace("salesplan.yaml", "account: account, ", "")
    data, _ = report_json(run_cli, blanks, "report", "pipeline", "--by", "rep")
    rows = by(data["tables"]["pipeline"], "rep")
    assert rows["rep-n1"]["count"] == 3
    assert {d["account"] for d in data["tables"]["deals_to_watch"]} == {"<no account>"}
    assert any("has no account column" in n for n in data["notes"])
    assert not any("open deal without an account" in n for n in data["notes"])  # said once


def test_activities_without_account_count_for_the_rep(run_cli, blanks):
    blanks.replace("salesplan.yaml", "  stale_days: 30\n", "  activities:\n    path: data/acts.csv\n    columns: {owner: owner, type: type, date: date}\n  stale_days: 30\n")
    blanks.write("data/acts.csv", "owner,type,date\nrep-n1,call,2027-03-01\nrep-n1,meeting,2027-03-02\nrep-n1,call,2027-10-20\n")
    data, _ = report_json(run_cli, blanks, "report", "activity", "--by", "rep,action")
    counted = {(r["rep"], r["action"]): (r["done"], r["done_other"], r["scheduled"]) for r in data["tables"]["activity"]}
    # actions without an account have no segment, so no norm to compare with: counted for the rep and type
    # in done_other, out of the ratio; the 2027-10-20 call is after the as-of day: scheduled (in the month of the as-of day)
    assert counted[("rep-n1", "call")] == (0, 1, 1)
    assert counted[("rep-n1", "meeting")] == (0, 1, 0)


def test_estimates_of_deals_without_amount_are_shown_apart(run_cli, blanks):
    # O2 (platform, no amount) at the platform list price; with average_won_months instead, the average of
    # the platform deals won with an amount in the last 12 months: O4 20,000 and O8 1,000 -> 10,500.
    blanks.replace("salesplan.yaml", "  stale_days: 30\n", "  stale_days: 30\n  estimate: {list_prices: {platform: 7_500}}\n")
    data, _ = report_json(run_cli, blanks, "report", "pipeline", "--by", "rep")
    n1 = by(data["tables"]["pipeline"], "rep")["rep-n1"]
    assert (n1["value"], n1["value_unknown"], n1["estimated"]) == (15_000.0, 1, 7_500.0)  # never in value
    assert any("1 of 1 open deals without an amount are estimated" in n for n in data["notes"])
    blanks.replace("salesplan.yaml", "estimate: {list_prices: {platform: 7_500}}", "estimate: {average_won_months: 12}")
    data, _ = report_json(run_cli, blanks, "report", "pipeline", "--by", "rep")
    assert by(data["tables"]["pipeline"], "rep")["rep-n1"]["estimated"] == 10_500.0
    # without data.estimate, no estimated column at all
    blanks.replace("salesplan.yaml", "  estimate: {average_won_months: 12}\n", "")
    data, _ = report_json(run_cli, blanks, "report", "pipeline", "--by", "rep")
    assert "estimated" not in data["tables"]["pipeline"][0]


def test_an_estimate_for_an_unknown_range_is_a_finding(run_cli, blanks):
    blanks.replace("salesplan.yaml", "  stale_days: 30\n", "  stale_days: 30\n  estimate: {list_prices: {platfrom: 7_500}}\n")
    result = run_cli("validate", "-w", blanks.root, "--as-of", AS_OF)
    assert result.code == 1
    assert "SP304" in result.out and "platfrom" in result.out and "platform" in result.out


def test_the_pam_pushes_deals_without_close_date_and_shows_unknown_amounts(tmp_path):
    import datetime as dt

    from salesplan_cli.pam.deals import deals_to_push

    deals = [
        {"id": "O3", "stage": "qualified", "amount": 500_000, "close_date": None, "overdue": False, "stale": False},
        {"id": "O2", "stage": "proposal", "amount": None, "close_date": dt.date(2027, 10, 20), "overdue": False, "stale": False},
        {"id": "O9", "stage": "proposal", "amount": 100, "close_date": dt.date(2027, 12, 20), "overdue": False, "stale": False},
    ]
    chosen = deals_to_push(deals, dt.date(2027, 10, 1), dt.date(2027, 10, 31), {})
    # O2 closes this month (amount unknown), O3 has no close date (listed last), O9 is neither
    assert [(d.id, d.reasons, d.to_dict()["amount"]) for d in chosen] == [("O2", ["closing this month"], None), ("O3", ["no close date"], 5_000.0)]
