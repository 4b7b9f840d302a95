"""Attainment and periods on numbers worked out by hand from the example plan.

Example plan (examples/nordwind): seasonality Q1 15% (5% a month), Q2 15%, Q3 20%, Q4 50%.
rep-n1: 1,000,000 a year (A 350,000, B 250,000, C 400,000), so Q1 = 150,000.
rep-e1: its own breakdown, Q1 110,000. rep-s3: hired 2027-04-01, nothing in Q1.
Q1 target of all reps: 1,617,500 (see `salesplan plan --by quarter`).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import EXAMPLE
from salesplan_cli.intake.load import Frames
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.attainment import attainment
from salesplan_cli.reports.context import Filters, ReportContext
from salesplan_cli.reports.period import PeriodError, resolve_period
from salesplan_cli.reports.status import OFF_TRACK, ON_TRACK, WATCH, status_of
from fractions import Fraction


@pytest.fixture(scope="module")
def ws():
    result = validate_workspace(EXAMPLE, as_of=dt.date(2027, 3, 31))
    assert result.errors == 0
    return result.workspace


def sales_frame(rows):
    return pd.DataFrame(
        {
            "owner": [r[0] or "someone" for r in rows],
            "rep": [r[0] for r in rows],
            "account": [f"ACC-{i}" for i in range(len(rows))],
            "amount": pd.Series([r[1] for r in rows], dtype="int64"),
            "date": pd.to_datetime([r[2] for r in rows]),
            "product": [r[4] for r in rows],
            "line": list(range(2, len(rows) + 2)),
            "segment": [r[3] for r in rows],
        }
    )


SALES = [
    # rep, cents, date, segment, product
    ("rep-n1", 10_000_000, "2027-02-10", "A", "platform"),
    ("rep-n1", 2_000_050, "2027-03-31", "C", "services"),
    ("rep-s3", 1_000_000, "2027-04-15", "B", "services"),  # after the as-of date
    (None, 500_000, "2027-03-01", "A", "platform"),  # owner matches no rep -> <unplanned>
    ("rep-e3", 700_000, "2027-03-05", "A", "platform"),  # rep-e3 carries only B -> <unplanned>
    ("rep-n2", 300_000, "2027-01-20", None, None),  # account of unknown segment: still rep-n2's
]


def context(ws, as_of, period="ytd", filters=Filters()):
    frames = Frames(sales=sales_frame(SALES))
    return ReportContext(ws=ws, frames=frames, period=resolve_period(period, ws.settings, as_of), as_of=as_of, filters=filters)


def rows_by(table, column):
    return {row[column]: row for row in table.to_dict("records")}


def test_attainment_by_rep_year_to_date(ws):
    table = attainment(context(ws, dt.date(2027, 3, 31)))
    rows = rows_by(table, "rep")
    n1 = rows["rep-n1"]
    assert n1["actual"] == 120_000.50
    assert n1["target"] == 150_000.00
    assert n1["attainment"] == pytest.approx(120_000.50 / 150_000, abs=1e-15)
    assert n1["gap"] == -29_999.50
    assert n1["annual_target"] == 1_000_000.00
    assert n1["projection"] == 800_003.33  # 1,000,000 x 120,000.50 / 150,000
    assert n1["status"] == WATCH  # 80.0% is below 90% but above 90% x (1 - 15%) = 76.5%
    assert (rows["rep-n2"]["actual"], rows["rep-n2"]["attainment"], rows["rep-n2"]["status"]) == (3_000.00, 0.02, OFF_TRACK)
    assert (rows["rep-e3"]["actual"], rows["rep-e3"]["target"]) == (0.0, 230_625.00)  # 1,537,500 x 15%
    s3 = rows["rep-s3"]
    assert (s3["actual"], s3["target"], s3["attainment"], s3["status"]) == (0.0, 0.0, None, "")
    assert s3["annual_target"] == 850_000.00
    unplanned = rows["<unplanned>"]
    assert unplanned["actual"] == 12_000.00 and unplanned["target"] is None and unplanned["status"] == ""
    total = rows["<total>"]
    assert total["actual"] == 135_000.50
    assert total["target"] == 1_617_500.00
    assert list(table["rep"])[-2:] == ["<unplanned>", "<total>"]


def test_a_partial_month_counts_its_days(ws):
    # as of 2027-02-14: January 5% x 1,000,000 + 14/28 of February's 5% = 50,000 + 25,000
    rows = rows_by(attainment(context(ws, dt.date(2027, 2, 14))), "rep")
    assert rows["rep-n1"]["target"] == 75_000.00
    assert rows["rep-n1"]["actual"] == 100_000.00
    assert rows["rep-n1"]["status"] == ON_TRACK


def test_attainment_by_segment_has_unsegmented_and_unplanned_rows(ws):
    rows = rows_by(attainment(context(ws, dt.date(2027, 3, 31)), ["segment"]), "segment")
    # A in Q1: rep-e1 110,000 + rep-e2 157,875 + five territory reps x 52,500 = 530,375
    assert rows["A"]["target"] == 530_375.00
    assert rows["A"]["actual"] == 100_000.00
    assert rows["C"]["actual"] == 20_000.50
    assert rows["<unsegmented>"]["actual"] == 3_000.00
    assert rows["<unplanned>"]["actual"] == 12_000.00


def test_attainment_by_product_uses_each_reps_mix(ws):
    rows = rows_by(attainment(context(ws, dt.date(2027, 3, 31)), ["product"]), "product")
    # platform: strategy mix 60% for most reps; rep-e1 70% of 110,000; rep-e2 521,500/1,052,500 of 157,875
    expected = Fraction(60, 100) * (1_617_500 - 110_000 - 157_875) + Fraction(70, 100) * 110_000 + Fraction(521_500, 1_052_500) * 157_875
    assert rows["platform"]["target"] == round(float(expected), 2)
    assert rows["platform"]["actual"] == 100_000.00
    assert rows["<unplanned>"]["actual"] == 15_000.00  # the two unplanned sales + rep-n2's sale without product


def test_filters_keep_only_their_reps(ws):
    table = attainment(context(ws, dt.date(2027, 3, 31), filters=Filters(reps=("rep-n1",))))
    assert list(table["rep"]) == ["rep-n1", "<total>"]
    assert table["actual"].iloc[-1] == 120_000.50
    team = attainment(context(ws, dt.date(2027, 3, 31), filters=Filters(team="mgr-north")))
    assert list(team["rep"]) == ["rep-n1", "rep-n2", "rep-n3", "<total>"]


def test_quarter_period_target_and_actual_to_date(ws):
    # Q1 as of 2027-02-14: period_target is the whole quarter, target only the days up to the as-of date
    rows = rows_by(attainment(context(ws, dt.date(2027, 2, 14), "Q1")), "rep")
    assert rows["rep-n1"]["period_target"] == 150_000.00
    assert rows["rep-n1"]["target"] == 75_000.00


@pytest.mark.parametrize(
    ("spec", "start", "end"),
    [
        ("ytd", "2027-01-01", "2027-05-20"),
        ("fy", "2027-01-01", "2027-12-31"),
        ("month", "2027-05-01", "2027-05-31"),
        ("quarter", "2027-04-01", "2027-06-30"),
        ("half", "2027-01-01", "2027-06-30"),
        ("Q3", "2027-07-01", "2027-09-30"),
        ("H2", "2027-07-01", "2027-12-31"),
        ("feb", "2027-02-01", "2027-02-28"),
        ("2028-02", "2028-02-01", "2028-02-29"),
        ("2027-03-15..2027-04-15", "2027-03-15", "2027-04-15"),
    ],
)
def test_periods(ws, spec, start, end):
    period = resolve_period(spec, ws.settings, dt.date(2027, 5, 20))
    assert (period.start.isoformat(), period.end.isoformat()) == (start, end)


@pytest.mark.parametrize("spec", ["Q5", "2027-13", "2027-03-01..2027-02-01", "last week", "2027-02-30..2027-03-01"])
def test_bad_periods(ws, spec):
    with pytest.raises(PeriodError):
        resolve_period(spec, ws.settings, dt.date(2027, 5, 20))


def test_fiscal_year_starting_in_april(tmp_path):
    from conftest import copy_workspace

    plan = copy_workspace(EXAMPLE, tmp_path / "ws")
    plan.replace("salesplan.yaml", "fiscal_year: {start: 2027-01-01}", "fiscal_year: {start: 2027-04-01}")
    plan.replace("reps/rep-s3.yaml", "start: 2027-04-01", "start: 2027-07-01")
    result = validate_workspace(plan.root, as_of=dt.date(2027, 5, 1))
    assert result.errors == 0, [d.headline() for d in result.diagnostics]
    q1 = resolve_period("Q1", result.workspace.settings, dt.date(2027, 5, 1))
    assert (q1.start, q1.end) == (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    jan = resolve_period("jan", result.workspace.settings, dt.date(2027, 5, 1))
    assert jan.start == dt.date(2028, 1, 1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Fraction(9, 10), ON_TRACK), (Fraction(899, 1000), WATCH), (Fraction(765, 1000), WATCH), (Fraction(7649, 10000), OFF_TRACK), (None, "")],
)
def test_status_boundaries(value, expected):
    assert status_of(value, Fraction(9, 10), Fraction(15, 100)) == expected


def test_target_in_counts_only_days_in_post_within_the_span():
    """A rep leaving on 10 October: the October target (10 days' worth) is all due by 15 October;
    a rep starting on 20 October has no target for 1..15 October. Worked by hand with an even year."""
    import datetime as _dt
    from fractions import Fraction as F

    from salesplan_cli.plan.calendar import fiscal_months
    from salesplan_cli.plan.targets import RepTargets
    from salesplan_cli.reports.period import Period, target_in

    months = fiscal_months(_dt.date(2027, 1, 1))
    even = [F(1, 12)] * 12
    october = Period(_dt.date(2027, 10, 1), _dt.date(2027, 10, 15), "2027-10")
    leaver = RepTargets("r1", {"A": F(372_000)}, even, [F(1)] * 12, end=_dt.date(2027, 10, 10))
    # October objective 31,000 spread over 31 days: 1,000 a day; 10 days in post, all before the 15th
    assert target_in(leaver, months, october) == F(10_000)
    joiner = RepTargets("r2", {"A": F(372_000)}, even, [F(1)] * 12, start=_dt.date(2027, 10, 20))
    assert target_in(joiner, months, october) == 0
    # a rep in post all month: 15 of 31 days
    full = RepTargets("r3", {"A": F(372_000)}, even, [F(1)] * 12)
    assert target_in(full, months, october) == F(15_000)
