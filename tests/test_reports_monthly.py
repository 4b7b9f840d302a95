"""Attainment month by month (reports/monthly.py) on numbers worked out by hand from the example plan.

rep-n1: 1,000,000 a year, 5% a month in Q1 (50,000 a month). Sales (cents): rep-n1 100,000.00 on 2027-02-10 and
20,000.50 on 2027-03-31; rep-n2 3,000.00 on 2027-01-20 (no segment: still rep-n2's); 5,000.00 of no rep and
7,000.00 of rep-e3 in segment A (rep-e3 carries only B) in March: <unplanned>.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import EXAMPLE
from salesplan_cli.intake.load import Frames
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.context import Filters, ReportContext
from salesplan_cli.reports.monthly import IN_PROGRESS, NOT_BEGUN, attainment_by_period
from salesplan_cli.reports.period import resolve_period
from salesplan_cli.reports.status import OFF_TRACK, ON_TRACK, WATCH

SALES = [
    ("rep-n1", 10_000_000, "2027-02-10", "A", "platform"),
    ("rep-n1", 2_000_050, "2027-03-31", "C", "services"),
    ("rep-n2", 300_000, "2027-01-20", None, None),
    (None, 500_000, "2027-03-01", "A", "platform"),
    ("rep-e3", 700_000, "2027-03-05", "A", "platform"),
]


@pytest.fixture(scope="module")
def ws():
    result = validate_workspace(EXAMPLE, as_of=dt.date(2027, 3, 31))
    assert result.errors == 0
    return result.workspace


def context(ws, as_of, period="fy", filters=Filters()):
    frame = pd.DataFrame(
        {
            "owner": [r[0] or "someone" for r in SALES],
            "rep": [r[0] for r in SALES],
            "account": [f"ACC-{i}" for i in range(len(SALES))],
            "amount": pd.Series([r[1] for r in SALES], dtype="int64"),
            "date": pd.to_datetime([r[2] for r in SALES]),
            "product": [r[4] for r in SALES],
            "line": list(range(2, len(SALES) + 2)),
            "segment": [r[3] for r in SALES],
        }
    )
    return ReportContext(ws=ws, frames=Frames(sales=frame), period=resolve_period(period, ws.settings, as_of), as_of=as_of, filters=filters)


def rows_of(table, group, key):
    return {row["period"]: row for row in table.to_dict("records") if row[group] == key}


def test_months_of_a_rep_as_of_mid_february(ws):
    table = attainment_by_period(context(ws, dt.date(2027, 2, 14)))
    n1 = rows_of(table, "rep", "rep-n1")
    assert list(n1) == [f"2027-{m:02d}" for m in range(1, 13)]  # the whole fiscal year (--period fy)
    jan, feb, mar = n1["2027-01"], n1["2027-02"], n1["2027-03"]
    assert (jan["actual"], jan["target"], jan["target_to_date"], jan["attainment"]) == (0.0, 50_000.0, 50_000.0, 0.0)
    assert (jan["status"], jan["note"]) == (OFF_TRACK, "")
    # February: 14 of 28 days gone, target to date 25,000; 100,000 sold = 400%
    assert (feb["actual"], feb["target"], feb["target_to_date"], feb["attainment"]) == (100_000.0, 50_000.0, 25_000.0, 4.0)
    assert (feb["cumulative_actual"], feb["cumulative_target"], feb["cumulative_target_to_date"]) == (100_000.0, 100_000.0, 75_000.0)
    assert feb["cumulative_attainment"] == pytest.approx(100_000 / 75_000, abs=1e-15)
    assert (feb["status"], feb["note"]) == (ON_TRACK, IN_PROGRESS)
    # March has not begun: no actual, no attainment; its target counts in the cumulative target
    assert (mar["actual"], mar["attainment"], mar["cumulative_actual"], mar["note"]) == (None, None, None, NOT_BEGUN)
    assert (mar["target"], mar["target_to_date"], mar["cumulative_target"]) == (50_000.0, 0.0, 150_000.0)


def test_quarter_of_a_rep_and_the_total(ws):
    table = attainment_by_period(context(ws, dt.date(2027, 3, 31)), "rep", "quarter")
    q1 = rows_of(table, "rep", "rep-n1")["Q1"]
    assert (q1["actual"], q1["target"], q1["target_to_date"]) == (120_000.50, 150_000.0, 150_000.0)
    assert q1["attainment"] == pytest.approx(120_000.50 / 150_000, abs=1e-15)
    assert q1["status"] == WATCH  # 80.0%: below 90%, above 76.5%
    assert rows_of(table, "rep", "<unplanned>")["Q1"]["actual"] == 12_000.0
    total = rows_of(table, "rep", "<total>")["Q1"]
    assert total["actual"] == 135_000.50  # as the attainment report's <total>
    assert total["target"] == 1_617_500.0
    assert list(rows_of(table, "rep", "rep-n1")) == ["Q1", "Q2", "Q3", "Q4"]


def test_by_team_and_the_period_cut(ws):
    # year to date as of 2027-01-31: January only; mgr-north: rep-n2's 3,000 in January
    table = attainment_by_period(context(ws, dt.date(2027, 1, 31), period="ytd"), "team")
    north = rows_of(table, "team", "mgr-north")
    assert list(north) == ["2027-01"]
    assert north["2027-01"]["actual"] == 3_000.0


def test_a_filter_keeps_its_rep(ws):
    table = attainment_by_period(context(ws, dt.date(2027, 3, 31), filters=Filters(reps=("rep-n1",))), "rep", "quarter")
    assert sorted(set(table["rep"])) == ["<total>", "rep-n1"]  # the sales of no rep are not the filtered rep's
    assert rows_of(table, "rep", "<total>")["Q1"]["target"] == 150_000.0


def test_cli_by_month_and_bad_combinations(run_cli):
    ok = run_cli("report", "attainment", "-w", EXAMPLE, "--as-of", "2027-10-15", "--by", "team,month", "-f", "json")
    assert ok.code == 0, ok.err
    import json

    rows = json.loads(ok.out)["tables"]["attainment"]
    assert {"team", "period", "actual", "target", "cumulative_actual", "cumulative_target", "cumulative_attainment", "note"} <= set(rows[0])
    assert [r["period"] for r in rows if r["team"] == "mgr-north"] == [f"2027-{m:02d}" for m in range(1, 11)]
    for by in ("month,segment", "month,quarter", "rep,team,month"):
        bad = run_cli("report", "attainment", "-w", EXAMPLE, "--as-of", "2027-10-15", "--by", by)
        assert bad.code == 2, by
        assert "--by" in bad.err
