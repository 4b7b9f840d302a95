"""An opportunities export with one row per product line (a Salesforce "Opportunities with Products" report):
with `line_amount` mapped, the rows of an id are one deal's lines. Figures worked out by hand."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-10-15"

DATA = """data:
  opportunities:
    path: data/lines.csv
    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, product: product, line_amount: total}
"""

# P1 won 3,000: platform 2,000 + services 1,000. P2 won, amount blank: lines 500 + 700 = 1,200.
# P3 lost 4,000 (platform). P4 open 6,000: platform 1,000 + services 5,000.
# P5 won 1,000: platform 600, services line blank: 400 of the deal is in no known line.
LINES = """id,owner,account,stage,amount,close,product,total
P1,rep-n1,ACME-001,won,3000,2027-03-01,platform,2000
P1,rep-n1,ACME-001,won,3000,2027-03-01,services,1000
P2,rep-n1,ACME-001,won,,2027-04-01,platform,500
P2,rep-n1,ACME-001,won,,2027-04-01,services,700
P3,rep-n1,ACME-017,lost,4000,2027-05-01,platform,4000
P4,rep-n1,ACME-017,proposal,6000,2027-12-01,platform,1000
P4,rep-n1,ACME-017,proposal,6000,2027-12-01,services,5000
P5,rep-n1,ACME-001,won,1000,2027-06-01,platform,600
P5,rep-n1,ACME-001,won,1000,2027-06-01,services,
"""


@pytest.fixture
def lines_ws(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace_data(DATA)
    ws.write("data/lines.csv", LINES)
    return ws


def run_json(run_cli, ws, *args):
    result = run_cli(*args, "-w", ws.root, "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_every_line_is_used_and_each_deal_counts_once(run_cli, lines_ws):
    data = run_json(run_cli, lines_ws, "report", "pipeline", "--by", "rep")
    summary = data["intake"][0]
    assert (summary["rows_read"], summary["rows_used"], summary["rejected"]) == (9, 9, 0)
    n1 = {r["rep"]: r for r in data["tables"]["pipeline"]}["rep-n1"]
    assert (n1["count"], n1["value"]) == (1, 6_000.0)  # P4 once, with its amount


def test_attainment_by_product_uses_the_lines(run_cli, lines_ws):
    data = run_json(run_cli, lines_ws, "report", "attainment", "--by", "rep,product")
    actual = {(r["rep"], r["product"]): r["actual"] for r in data["tables"]["attainment"] if r["rep"] == "rep-n1"}
    # platform 2,000 + 500 + 600 = 3,100; services 1,000 + 700 = 1,700; P5's 400 in no known line: <unplanned>
    assert actual[("rep-n1", "platform")] == 3_100.0
    assert actual[("rep-n1", "services")] == 1_700.0
    by_rep = run_json(run_cli, lines_ws, "report", "attainment")
    assert {r["rep"]: r["actual"] for r in by_rep["tables"]["attainment"]}["rep-n1"] == 5_200.0  # 3,000 + 1,200 + 1,000


def test_conversion_per_seller_and_range_uses_the_lines(run_cli, lines_ws):
    data = run_json(run_cli, lines_ws, "report", "conversion", "--by", "rep,product")
    rows = {(r["rep"], r["product"]): r for r in data["tables"]["conversion"]}
    platform = rows[("rep-n1", "platform")]
    # won P1, P2, P5 on platform (2,000 + 500 + 600), lost P3 (4,000)
    assert (platform["won"], platform["lost"], platform["won_value"], platform["lost_value"]) == (3, 1, 3_100.0, 4_000.0)
    assert platform["win_rate_value"] == pytest.approx(3_100 / 7_100)
    services = rows[("rep-n1", "services")]
    # won P1, P2, P5 on services; P5's services line has no amount: no value, n/a
    assert (services["won"], services["lost"], services["won_value"], services["no_value"], services["win_rate_value"]) == (3, 0, 1_700.0, 1, None)
    total = rows[("<total>", "<total>")]
    # each deal once: won P1, P2, P5, lost P3; every deal's value is known: 5,200 won, 4,000 lost
    assert (total["won"], total["lost"], total["won_value"], total["lost_value"], total["no_value"]) == (3, 1, 5_200.0, 4_000.0, 0)
    by_rep = {r["rep"]: r for r in run_json(run_cli, lines_ws, "report", "conversion", "--by", "rep")["tables"]["conversion"]}
    assert (by_rep["rep-n1"]["won"], by_rep["rep-n1"]["lost"], by_rep["rep-n1"]["won_value"]) == (3, 1, 5_200.0)


def test_pipeline_by_product_and_product_filter(run_cli, lines_ws):
    data = run_json(run_cli, lines_ws, "report", "pipeline", "--by", "product")
    rows = {r["product"]: r for r in data["tables"]["pipeline"]}
    assert (rows["platform"]["count"], rows["platform"]["value"]) == (1, 1_000.0)
    assert (rows["services"]["count"], rows["services"]["value"]) == (1, 5_000.0)
    assert (rows["<total>"]["count"], rows["<total>"]["value"]) == (1, 6_000.0)
    services = run_json(run_cli, lines_ws, "report", "pipeline", "--by", "rep", "--product", "services")
    n1 = {r["rep"]: r for r in services["tables"]["pipeline"]}["rep-n1"]
    assert (n1["count"], n1["value"]) == (1, 5_000.0)
    cover = {r["rep"]: r for r in services["tables"]["pipeline_coverage"]}["rep-n1"]
    assert cover["open_in_rest"] == 5_000.0


def test_without_line_amount_a_repeated_id_keeps_its_first_row(run_cli, lines_ws):
    lines_ws.replace("salesplan.yaml", ", line_amount: total", "")
    lines_ws.replace("salesplan.yaml", "  opportunities:\n", "  max_rejected: 100%\n  opportunities:\n")
    data = run_json(run_cli, lines_ws, "report", "intake")
    summary = data["intake"][0]
    assert (summary["rows_read"], summary["rows_used"], summary["rejected"]) == (9, 5, 4)
    assert all("map line_amount" in i["reason"] for i in summary["issues"] if i["status"] == "rejected")
