"""Results in volume (issue 17, part 1): quantity read from the exports, deals won, units and new customers in
the attainment report, volume objectives to date with attainment and status, the gates. Every figure below is
worked out by hand.

The workspace is the example's plan with volume objectives added, a small accounts export (segments) and a
small invoices export, read as of 2027-03-31, period ytd (Q1: 15% of the year's seasonality, every month 5%).
"""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-03-31"

DATA = """data:
  accounts:
    path: data/accounts.csv
    columns: {id: id, status: status}
  sales:
    path: data/invoices.csv
    columns: {id: invoice, owner: owner, account: account, amount: amount, date: date, product: product, quantity: qty}
  attributes:
    employees: employees
    industry: industry
  mapping:
    statuses: {Client: customer, Prospect: prospect}
"""

ACCOUNTS = """id,status,employees,industry
ACME-001,Client,5000,banking
ACME-017,Prospect,3000,energy
HELIO-204,Prospect,2000,insurance
BALT-330,Prospect,1500,banking
MID-1,Prospect,300,retail
SMALL-1,Prospect,5,retail
"""

# line 2: before the fiscal year (ACME-001 bought before: not new this year)
# lines 4-5: one invoice, two lines (one deal; ACME-017's first sale: new, segment A)
# line 6: quantity unreadable (kept in value, out of units); MID-1's first sale: new, segment B
# line 7: a credit note: returns 1 unit, is no deal
# lines 9-10: after the as-of date; BALT-330's first sale is after it: not new to date
# line 11: a negative quantity on a sale: out of units, listed; SMALL-1 new (segment C)
INVOICES = """invoice,owner,account,amount,date,product,qty
F1,rep-n1,ACME-001,1000,2026-11-15,platform,5
F2,rep-n1,ACME-001,2000,2027-01-10,platform,10
F3,rep-n1,ACME-017,3000,2027-02-01,platform,4
F3,rep-n1,ACME-017,500,2027-02-01,services,2
F4,rep-n1,MID-1,1500,2027-02-15,services,abc
F5,rep-n1,ACME-017,-300,2027-03-01,platform,1
F6,rep-n2,HELIO-204,4000,2027-03-05,platform,6
F7,rep-n2,HELIO-204,1000,2027-04-10,platform,3
F8,rep-n2,BALT-330,2500,2027-04-20,platform,2
F9,rep-n2,SMALL-1,800,2027-03-20,services,-2
"""

STRATEGY_VOLUME = "\nvolume:\n  new_customers: {A: 10}\n  units: {platform: 100}\n"
N1_VOLUME = "volume: {new_customers: {A: 6}, units: {platform: 60}}\n"
N2_VOLUME = "volume: {new_customers: {A: 4}, units: {platform: 40}}\n"


@pytest.fixture
def volume_ws(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace_data(DATA)
    ws.write("data/accounts.csv", ACCOUNTS)
    ws.write("data/invoices.csv", INVOICES)
    for rel in ["strategy.yaml", *(f"reps/{p.name}" for p in sorted((ws.root / "reps").glob("*.yaml")))]:
        # the example's own volume objectives (new customers per segment) make way for this test's
        ws.write(rel, "".join(line for line in ws.text(rel).splitlines(keepends=True) if not line.startswith("volume:") and not line.startswith("  new_customers:")))
    ws.append("strategy.yaml", STRATEGY_VOLUME)
    ws.append("reps/rep-n1.yaml", N1_VOLUME)
    ws.append("reps/rep-n2.yaml", N2_VOLUME)
    return ws


def report_json(run_cli, ws, *args, code=0):
    result = run_cli(*args, "-w", ws.root, "--as-of", AS_OF, "--format", "json")
    assert result.code == code, result.err
    return json.loads(result.out), result.err


def by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


def test_the_plan_with_volume_objectives_validates(run_cli, volume_ws):
    # 6 + 4 = 10 new customers in A, 60 + 40 = 100 platform units: the reps add up to the strategy exactly
    result = run_cli("validate", "-w", volume_ws.root, "--as-of", AS_OF)
    assert result.code == 0, result.out + result.err


def test_quantities_are_read_and_bad_ones_listed(run_cli, volume_ws):
    data, _ = report_json(run_cli, volume_ws, "report", "intake")
    sales = [s for s in data["intake"] if s["kind"] == "sales"][0]
    assert (sales["rows_read"], sales["rows_used"], sales["rejected"]) == (10, 10, 0)
    issues = {i["line"]: i["reason"] for i in sales["issues"]}
    assert issues[6].startswith("unreadable quantity 'abc' (left out of units; the row and its amount are kept)")
    assert issues[11].startswith("negative quantity '-2' (left out of units; the row and its amount are kept)")


def test_attainment_by_rep_in_volume(run_cli, volume_ws):
    data, err = report_json(run_cli, volume_ws, "report", "attainment")
    rows = by(data["tables"]["attainment"], "rep")
    n1, n2, total = rows["rep-n1"], rows["rep-n2"], rows["<total>"]
    # rep-n1, 2027-01-01..03-31: deals F2, F3 (two lines, one deal), F4 (F5 is a credit note) = 3;
    # units 10 + 4 + 2 - 1 (the credit note returns one) = 15 (F4's 'abc' left out);
    # new customers ACME-017 (A) and MID-1 (B) = 2 (ACME-001 bought in 2026)
    assert (n1["deals_won"], n1["units"], n1["new_customers"]) == (3, 15, 2)
    # rep-n2: F6, F9 = 2 deals; units 6 (F9's -2 left out); new: HELIO-204 (A), SMALL-1 (C) = 2
    assert (n2["deals_won"], n2["units"], n2["new_customers"]) == (2, 6, 2)
    assert (total["deals_won"], total["units"], total["new_customers"]) == (5, 21, 4)
    # targets to date: full year x 15% (Q1). new customers: 6 x 15% = 0.9, 4 x 15% = 0.6;
    # units: 60 x 15% = 9, 40 x 15% = 6
    assert (n1["new_customers_target"], n2["new_customers_target"], total["new_customers_target"]) == (0.9, 0.6, 1.5)
    assert (n1["units_target"], n2["units_target"], total["units_target"]) == (9, 6, 15)
    # attainment counts the keys the objective is set for: new customers in A (1 each: 1/0.9, 1/0.6, 2/1.5),
    # platform units (n1: 10 + 4 - 1 = 13, 13/9; n2: 6/6; total 19/15)
    assert n1["new_customers_attainment"] == pytest.approx(10 / 9)
    assert n2["new_customers_attainment"] == pytest.approx(5 / 3)
    assert total["new_customers_attainment"] == pytest.approx(4 / 3)
    assert n1["units_attainment"] == pytest.approx(13 / 9)
    assert n2["units_attainment"] == 1.0
    assert total["units_attainment"] == pytest.approx(19 / 15)
    assert (n1["new_customers_status"], n2["units_status"], total["units_status"]) == ("on track", "on track", "")
    # a rep without volume objectives has no volume target: no ratio, no status
    assert rows["rep-n3"]["new_customers_target"] is None and rows["rep-n3"]["new_customers_status"] == ""
    # the sales data begin in 2026: no note that every account would look new
    assert not any(note.startswith("new customers:") for note in data["notes"])
    assert any(note.startswith("units: 2 sales rows of the period without a quantity") for note in data["notes"])


def test_attainment_by_segment_and_by_product_in_volume(run_cli, volume_ws):
    data, _ = report_json(run_cli, volume_ws, "report", "attainment", "--by", "segment")
    rows = by(data["tables"]["attainment"], "segment")
    # new customers per segment: A ACME-017, HELIO-204; B MID-1; C SMALL-1
    assert [rows[s]["new_customers"] for s in ("A", "B", "C")] == [2, 1, 1]
    # target A: (6 + 4) x 15% = 1.5; units objectives are per product range: no target in segment rows
    assert rows["A"]["new_customers_target"] == 1.5 and rows["A"]["new_customers_attainment"] == pytest.approx(4 / 3)
    assert rows["A"]["units_target"] is None and rows["<total>"]["units_target"] == 15

    data, _ = report_json(run_cli, volume_ws, "report", "attainment", "--by", "product")
    rows = by(data["tables"]["attainment"], "product")
    # deals: platform F2, F3, F6; services F3, F4, F9 (F3 in both ranges, once in the total)
    assert (rows["platform"]["deals_won"], rows["services"]["deals_won"], rows["<total>"]["deals_won"]) == (3, 3, 5)
    assert (rows["platform"]["units"], rows["services"]["units"]) == (19, 2)
    # first-sale rows: ACME-017 (platform and services), MID-1 (services), HELIO-204 (platform), SMALL-1 (services)
    assert (rows["platform"]["new_customers"], rows["services"]["new_customers"], rows["<total>"]["new_customers"]) == (2, 3, 4)
    assert rows["platform"]["units_target"] == 15 and rows["platform"]["units_attainment"] == pytest.approx(19 / 15)
    assert rows["platform"]["new_customers_target"] is None  # set per segment, not per product range


def test_attainment_table_shows_volume_against_target(run_cli, volume_ws):
    result = run_cli("report", "attainment", "-w", volume_ws.root, "--as-of", AS_OF)
    assert result.code == 0, result.err
    line = next(l for l in result.out.splitlines() if "rep-n2" in l)
    # rep-n2: new customers 2 [1 of 0.6 in A = 167%]; units 6 [100% of 6]
    assert "2 [167% of 0.60]" in line and "6 [100% of 6]" in line


def test_dashboard_shows_volume_attainment(run_cli, volume_ws):
    data, _ = report_json(run_cli, volume_ws, "report")
    rows = by(data["tables"]["dashboard"], "rep")
    assert rows["rep-n1"]["new_customers"] == pytest.approx(10 / 9)
    assert rows["rep-n2"]["units"] == 1.0
    assert "deals_won" not in rows["rep-n1"]  # the plan sets no deals_won objective


def test_volume_gate_breach_exits_1(run_cli, volume_ws):
    # rep-n1 is at 111% of its new-customer target to date, rep-n2 at 167%: a 150% gate catches rep-n1
    result = run_cli("report", "attainment", "-w", volume_ws.root, "--as-of", AS_OF, "--fail-under", "new_customers=150%", "--format", "json")
    assert result.code == 1
    assert "breach: new_customers of rep-n1 is 111.1%, under 150.0%" in result.err
    assert "rep-n2" not in result.err.split("breach:", 1)[1]
    ok = run_cli("report", "attainment", "-w", volume_ws.root, "--as-of", AS_OF, "--fail-under", "units=100%", "--format", "json")
    assert ok.code == 0, ok.err
    unset = run_cli("report", "attainment", "-w", volume_ws.root, "--as-of", AS_OF, "--fail-under", "deals_won=80%", "--format", "json")
    assert unset.code == 0 and "the plan sets no deals_won objective" in unset.err


def test_without_quantity_units_are_empty_and_said(run_cli, volume_ws):
    volume_ws.write("data/invoices.csv", "\n".join(line.rsplit(",", 1)[0] for line in INVOICES.splitlines()) + "\n")
    text = volume_ws.text("salesplan.yaml").replace(", quantity: qty}", "}")
    volume_ws.write("salesplan.yaml", text)
    data, _ = report_json(run_cli, volume_ws, "report", "attainment")
    rows = by(data["tables"]["attainment"], "rep")
    assert rows["rep-n1"]["units"] is None and rows["rep-n1"]["units_attainment"] is None
    assert rows["rep-n1"]["deals_won"] == 3
    assert any(note.startswith("units: no sales row carries a quantity") for note in data["notes"])


OPPS = """id,owner,account,stage,amount,close,product,line,qty
O1,rep-n1,ACME-017,won,5000,2027-02-10,platform,3000,3
O1,rep-n1,ACME-017,won,5000,2027-02-10,services,2000,1
O2,rep-n1,ACME-001,won,1000,2027-03-01,platform,1000,-4
O3,rep-n1,ACME-001,proposal,9000,2027-06-01,platform,9000,9
"""


def test_won_deals_with_product_lines_give_units_and_deals(run_cli, volume_ws):
    text = volume_ws.text("salesplan.yaml")
    text = text.replace(
        "  sales:\n    path: data/invoices.csv\n    columns: {id: invoice, owner: owner, account: account, amount: amount, date: date, product: product, quantity: qty}\n",
        "  opportunities:\n    path: data/opps.csv\n    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, product: product, line_amount: line, quantity: qty}\n",
    )
    volume_ws.write("salesplan.yaml", text)
    volume_ws.write("data/opps.csv", OPPS)
    data, _ = report_json(run_cli, volume_ws, "report", "attainment", "--by", "product")
    rows = by(data["tables"]["attainment"], "product")
    # O1's lines: 3 platform units, 1 services unit; O2's -4 is left out (listed); O3 is open
    assert (rows["platform"]["units"], rows["services"]["units"], rows["<total>"]["units"]) == (3, 1, 4)
    assert (rows["platform"]["deals_won"], rows["services"]["deals_won"], rows["<total>"]["deals_won"]) == (2, 1, 2)
    # ACME-017's first won deal (O1) and ACME-001's (O2) are both in Q1 (the data hold nothing earlier)
    assert rows["<total>"]["new_customers"] == 2
    assert any(note.startswith("new customers: the sales data begin on 2027-02-10") for note in data["notes"])
    intake, _ = report_json(run_cli, volume_ws, "report", "intake")
    opps = [s for s in intake["intake"] if s["kind"] == "opportunities"][0]
    assert any(i["line"] == 4 and i["reason"].startswith("negative quantity '-4'") for i in opps["issues"])


def test_preset_reads_the_quantity_column(run_cli, volume_ws):
    """Salesforce, HubSpot and Pipedrive exports name the quantity column themselves: the preset reads it where the
    export has it (Salesforce: Quantity)."""
    text = volume_ws.text("salesplan.yaml").replace(
        "    columns: {id: invoice, owner: owner, account: account, amount: amount, date: date, product: product, quantity: qty}\n",
        "    preset: salesforce\n",
    )
    volume_ws.write("salesplan.yaml", text)
    header = "Order Number,Opportunity Owner,Account Name,Amount,Close Date,Product Name,Quantity"
    volume_ws.write("data/invoices.csv", header + "\n" + INVOICES.split("\n", 1)[1])
    data, _ = report_json(run_cli, volume_ws, "report", "attainment")
    rows = by(data["tables"]["attainment"], "rep")
    assert (rows["rep-n1"]["units"], rows["rep-n2"]["units"]) == (15, 6)


def test_pam_shows_the_months_volume_objectives(run_cli, volume_ws, tmp_path):
    out = tmp_path / "pams"
    result = run_cli("pam", "-w", volume_ws.root, "--as-of", AS_OF, "--month", "2027-02", "-r", "rep-n1", "-o", out, "-f", "json", "-f", "md", "-f", "xlsx")
    assert result.code == 0, result.err
    doc = json.loads((out / "2027-02" / "rep-n1.json").read_text())
    # rep-n1 follows the seasonality: Q1 months weigh 5% each. New customers in A: 6 x 5% = 0.3 a month;
    # platform units: 60 x 5% = 3 a month; before February: January's
    assert doc["volume"] == [
        {"kind": "new_customers", "label": "New customers", "key": "A", "annual": 6.0, "plan": 0.3, "ytd_target": 0.3},
        {"kind": "units", "label": "Units", "key": "platform", "annual": 60.0, "plan": 3.0, "ytd_target": 3.0},
    ]
    md = (out / "2027-02" / "rep-n1.md").read_text()
    assert "| New customers | A | 6 | 0.3 | 0.3 |" in md and "| Units | platform | 60 | 3 | 3 |" in md
    # a rep without volume objectives has no volume section
    run_cli("pam", "-w", volume_ws.root, "--as-of", AS_OF, "--month", "2027-02", "-r", "rep-n3", "-o", out, "-f", "json")
    assert "volume" not in json.loads((out / "2027-02" / "rep-n3.json").read_text())


def test_attainment_markdown_has_the_volume_columns(run_cli, volume_ws):
    result = run_cli("report", "attainment", "-w", volume_ws.root, "--as-of", AS_OF, "--format", "markdown")
    assert result.code == 0, result.err
    header = next(l for l in result.out.splitlines() if l.startswith("| rep |"))
    assert "| deals_won | units | new_customers | new_customers_target | new_customers_attainment | new_customers_status |" in header
    row = next(l for l in result.out.splitlines() if l.startswith("| rep-n2 |"))
    # deals 2, units 6, new customers 2; new customers 0.60 to date, 166.7%, on track; units 6 of 6, 100.0%
    assert "| 2 | 6 | 2 | 0.60 | 166.7% | on track | 6 | 100.0% | on track |" in row
