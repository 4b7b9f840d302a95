"""Issue 14 part 6: a cell without a figure says why (reports/blanks.py), in every format.

The reason cases are rows worked out by hand; the CLI cases run on a copy of examples/nordwind (as of
2027-10-15, year to date unless said otherwise), where the <unplanned> attainment row has no target, the
conversion report's <total> rows are not tested, and a month after the as-of day has not begun.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from salesplan_cli.reports.blanks import BLANKABLE, REASONS, Facts, columns_of, explain, reason

ROOT = Path(__file__).resolve().parent.parent
AS_OF = "2027-10-15"


# --- the reasons, row by row ------------------------------------------------------------------------


def test_pipeline_coverage_of_a_rep_over_target_is_target_met():
    # period target 100,000, sold 120,000: remaining max(0, 100,000 - 120,000) = 0, coverage has no figure
    row = {"rep": "rep-a", "period_target": 100000.0, "actual": 120000.0, "remaining_target": 0.0, "open_in_rest": 5000.0, "coverage": None}
    assert reason("pipeline_coverage", "coverage", row, Facts()) == "target met"
    # 40,000 still to reach but no day left of the fiscal year: nothing can close in it
    left = {**row, "actual": 60000.0, "remaining_target": 40000.0}
    assert reason("pipeline_coverage", "coverage", left, Facts()) == "period over"
    # no target at all: not "target met"
    none = {**row, "period_target": 0.0, "actual": 0.0}
    assert reason("pipeline_coverage", "coverage", none, Facts()) == "no target"


def test_dashboard_pipeline_coverage_reasons():
    row = {"rep": "rep-a", "target": 50000.0, "pipeline_coverage": None}
    assert reason("dashboard", "pipeline_coverage", row, Facts()) == "target met"
    assert reason("dashboard", "pipeline_coverage", row, Facts(period_over=True)) == "period over"
    assert reason("dashboard", "pipeline_coverage", row, Facts(exports={"sales", "accounts", "activities"})) == "no export"
    assert reason("dashboard", "pipeline_coverage", {**row, "target": None}, Facts()) == "no target"


def test_dashboard_rep_not_in_post_and_missing_exports():
    row = {"rep": "rep-new", "activity": None, "coverage": None, "win_rate": None, "attainment": None, "target": None}
    facts = Facts(in_post={"rep-new": False})
    assert reason("dashboard", "activity", row, facts) == "not in post"
    assert reason("dashboard", "coverage", row, facts) == "not in post"
    assert reason("dashboard", "win_rate", row, facts) == "no closed deals"
    assert reason("dashboard", "attainment", row, facts) == "no target"
    assert reason("dashboard", "coverage", row, Facts(exports={"sales", "opportunities", "activities"})) == "no export"
    assert reason("dashboard", "attainment", row, Facts(exports={"accounts"})) == "no export"


def test_conversion_reasons():
    facts = Facts(min_closed=20)
    # 3 won + 1 lost = 4 closed, one without a value: no value win rate; 4 < 20: not tested
    row = {"rep": "rep-a", "product": "Alpha", "won": 3, "lost": 1, "closed": 4, "no_value": 1, "win_rate": 0.75, "win_rate_value": None, "rest_win_rate": None}
    assert reason("conversion", "win_rate_value", row, facts) == "deal without value"
    assert reason("conversion", "rest_win_rate", row, facts) == "too few closed deals"
    assert reason("conversion", "adjusted_p", row, facts) == "too few closed deals"
    # 25 closed (>= 20) but nobody else sold the range: no rest to compare with
    tested = {**row, "won": 20, "lost": 5, "closed": 25}
    assert reason("conversion", "rest_win_rate", tested, facts) == "no other deals"
    assert reason("conversion", "difference", tested, facts) == "no other deals"
    # nothing closed: no win rate of any kind
    empty = {**row, "won": 0, "lost": 0, "closed": 0, "no_value": 0, "win_rate": None}
    assert reason("conversion", "win_rate", empty, facts) == "no closed deals"
    assert reason("conversion", "win_rate_value", empty, facts) == "no closed deals"
    # the <total> row is never tested; a plan without product ranges leaves the range blank
    assert reason("conversion", "p_value", {**tested, "rep": "<total>"}, facts) == "not tested"
    assert reason("conversion", "product", {**row, "product": None}, facts) == "no product range"


def test_month_by_month_reasons():
    # November as of 2027-10-15: not begun; a row without a plan: no target; a begun month due nothing yet
    later = {"rep": "rep-a", "period": "2027-11", "actual": None, "target": 50000.0, "attainment": None, "cumulative_actual": None, "cumulative_attainment": None}
    assert reason("attainment", "actual", later, Facts()) == "not begun"
    assert reason("attainment", "attainment", later, Facts()) == "not begun"
    assert reason("attainment", "cumulative_attainment", later, Facts()) == "not begun"
    unplanned = {"rep": "<unplanned>", "period": "2027-10", "actual": 10.0, "target": None, "attainment": None, "cumulative_actual": 10.0}
    assert reason("attainment", "target", unplanned, Facts()) == "no target"
    assert reason("attainment", "attainment", unplanned, Facts()) == "no target"
    nothing_due = {"rep": "rep-a", "period": "2027-10", "actual": 10.0, "target": 0.0, "target_to_date": 0.0, "attainment": None, "cumulative_actual": 10.0}
    assert reason("attainment", "attainment", nothing_due, Facts()) == "no target to date"


def test_activity_coverage_and_pipeline_reasons():
    assert reason("activity", "ratio", {"rep": "rep-a", "done": 3, "planned": 0, "ratio": None}, Facts()) == "nothing planned"
    assert reason("coverage", "pressure", {"rep": "rep-a", "pressure": None}, Facts(in_post={"rep-a": False})) == "not in post"
    assert reason("coverage", "pressure", {"rep": "rep-a", "pressure": None}, Facts(period_begun=False)) == "too early"
    assert reason("coverage", "pressure", {"rep": "<total>", "pressure": None}, Facts()) == "no total"
    assert reason("untouched", "last_action", {"rep": "rep-a", "last_action": None}, Facts()) == "never touched"
    assert reason("deals_to_watch", "close_date", {"rep": "rep-a", "close_date": None}, Facts()) == "no close date"
    assert reason("deals_to_watch", "amount", {"rep": "rep-a", "amount": None}, Facts()) == "no amount"
    assert reason("qualification", "share", {"rep": "rep-a", "share": None}, Facts()) == "nothing required"
    assert reason("summary", "benchmark", {"metric": "revenue", "benchmark": None}, Facts()) == "no benchmark"
    assert reason("summary", "ratio", {"metric": "pipeline", "plan": 0.0, "ratio": None}, Facts()) == "target met"


def test_explain_gives_one_reason_per_row_and_none_where_the_figure_is_there():
    frame = pd.DataFrame({"rep": ["rep-a", "rep-b"], "done": [2, 1], "planned": [4, 0], "ratio": [0.5, None]})
    assert explain("activity", frame) == {"ratio": [None, "nothing planned"]}
    # a NaN is as blank as None
    frame = pd.DataFrame({"rep": ["rep-a"], "done": [1], "planned": [0], "ratio": [float("nan")]})
    assert explain("activity", frame) == {"ratio": ["nothing planned"]}


def test_the_reason_columns_of_a_table_are_stable():
    """Only blankable columns get a companion; attainment by rep has no `actual_reason` (only months can lack an actual)."""
    assert columns_of("attainment", ["rep", "actual", "target", "attainment", "status"]) == ["target", "attainment"]
    assert "actual" in columns_of("attainment", ["rep", "actual", "cumulative_actual"])
    assert columns_of("intake", ["kind", "line"]) == []


def test_every_reason_is_documented_with_its_meaning():
    page = (ROOT / "docs" / "reference" / "commands" / "report.md").read_text(encoding="utf-8")
    missing = [r for r, text in REASONS.items() if f"| `{r}` | {text} |" not in page]
    assert not missing, f"add these rows to the Blank cells table of docs/reference/commands/report.md: {missing}"


def test_every_reason_the_code_returns_is_in_the_legend():
    source = (ROOT / "src" / "salesplan_cli" / "reports" / "blanks.py").read_text(encoding="utf-8")
    body = source.split("def reason(", 1)[1]
    returned = set(re.findall(r'return "([^"]+)"', body)) | set(re.findall(r'"([a-z ]+)" if ', body)) | set(re.findall(r'else "([a-z ]+)"', body))
    assert returned <= set(REASONS), returned - set(REASONS)
    assert set(BLANKABLE)  # every table named has its columns


# --- every format, on the example -------------------------------------------------------------------


def _run(run_cli, plan, *args):
    result = run_cli("report", *args, "--workspace", plan.root, "--as-of", AS_OF)
    assert result.code in (0, 1), result.err
    return result


def test_json_carries_reason_fields_null_where_the_figure_is_there(run_cli, plan):
    data = json.loads(_run(run_cli, plan, "attainment", "--format", "json").out)
    rows = {r["rep"]: r for r in data["tables"]["attainment"]}
    # <unplanned> has no target: target, gap, attainment blank, each with its reason
    unplanned = rows["<unplanned>"]
    assert unplanned["target"] is None and unplanned["target_reason"] == "no target"
    assert unplanned["attainment"] is None and unplanned["attainment_reason"] == "no target"
    assert unplanned["gap_reason"] == "no target"
    # a planned rep: every reason field there, and null
    planned = rows["rep-n1"]
    assert planned["target"] is not None and planned["target_reason"] is None
    assert "actual_reason" not in planned
    # the existing fields come first, in their order
    keys = list(planned)
    assert keys.index("new_customers_status") < keys.index("target_reason")


def test_csv_appends_the_reason_columns(run_cli, plan):
    text = _run(run_cli, plan, "attainment", "--format", "csv").out
    reader = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["rep", "actual", "target"]
    assert header.index("target_reason") > header.index("status")
    unplanned = next(r for r in reader if r["rep"] == "<unplanned>")
    assert unplanned["target"] == "" and unplanned["target_reason"] == "no target"
    rep = next(r for r in reader if r["rep"] == "rep-n1")
    assert rep["target_reason"] == ""


def test_markdown_and_table_show_a_mark_and_a_legend(run_cli, plan):
    md = _run(run_cli, plan, "attainment", "--format", "markdown").out
    unplanned = next(line for line in md.splitlines() if line.startswith("| &lt;unplanned&gt;"))
    assert "(a)" in unplanned
    assert "- (a) no target: " + REASONS["no target"] in md
    table = _run(run_cli, plan, "attainment").out
    assert "(a) no target: " in table
    line = next(line for line in table.splitlines() if "<unplanned>" in line)
    assert "(a)" in line


def test_month_by_month_marks_months_not_begun(run_cli, plan):
    data = json.loads(_run(run_cli, plan, "attainment", "--by", "month", "-r", "rep-n1", "--period", "Q4", "--format", "json").out)
    rows = {r["period"]: r for r in data["tables"]["attainment"] if r["rep"] == "rep-n1"}
    assert rows["2027-11"]["actual"] is None and rows["2027-11"]["actual_reason"] == "not begun"
    assert rows["2027-11"]["cumulative_attainment_reason"] == "not begun"
    assert rows["2027-10"]["actual"] is not None and rows["2027-10"]["actual_reason"] is None


def test_conversion_total_rows_are_not_tested(run_cli, plan):
    data = json.loads(_run(run_cli, plan, "conversion", "--format", "json").out)
    total = next(r for r in data["tables"]["conversion"] if r["rep"] == "<total>")
    assert total["p_value"] is None and total["p_value_reason"] == "not tested"


def test_html_and_xlsx_show_the_mark_and_the_legend(run_cli, plan, tmp_path):
    out = tmp_path / "a.html"
    _run(run_cli, plan, "attainment", "--format", "html", "--output", out)
    page = out.read_text(encoding="utf-8")
    assert 'class="blank">(a)</td>' in page
    assert '<ul class="legend"><li>(a) no target: ' in page

    from openpyxl import load_workbook

    book = tmp_path / "a.xlsx"
    _run(run_cli, plan, "attainment", "--format", "xlsx", "--output", book)
    sheet = load_workbook(book).worksheets[0]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=2)]
    unplanned = next(r for r in rows if r[0] == "<unplanned>")
    assert unplanned[header.index("target")] == "(a)"
    assert any(r[0] and str(r[0]).startswith("(a) no target: ") for r in rows)


def test_every_report_renders_with_reasons(run_cli, plan):
    """No report breaks on the reasons: each blank of the example's JSON has a known reason."""
    for args in (["attainment"], ["activity"], ["coverage"], ["pipeline"], ["conversion"], []):
        data = json.loads(_run(run_cli, plan, *args, "--format", "json").out)
        for name, rows in data["tables"].items():
            for row in rows:
                for key, value in row.items():
                    if key.endswith("_reason"):
                        figure = key[: -len("_reason")]
                        assert (value is None) == (row[figure] is not None), (name, key, row)
                        assert value is None or value in REASONS
