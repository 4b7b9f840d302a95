"""The pipeline and conversion reports on small frames built by hand, every figure worked out by hand.

The workspace is a copy of examples/nordwind (stale_days 30; thresholds.pipeline 2, watch band 15%;
conversion defaults min_closed 20, min_difference 5%, q 5%). Reps sort by team then id:
mgr-enterprise (rep-e1..e5), mgr-north (rep-n1..n3), mgr-south (rep-s1..s3).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd
import pytest

from salesplan_cli.intake.load import Frames
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.context import TOTAL, UNPLANNED, Filters, ReportContext
from salesplan_cli.reports.conversion import conversion, stage_conversion
from salesplan_cli.reports.period import resolve_period
from salesplan_cli.reports.pipeline import cents_out, coverage_horizon, deals_to_watch, open_deals, pipeline, pipeline_coverage, round_half_away
from salesplan_cli.reports.stats import fisher_exact_two_sided, seller_vs_rest_test

from conftest import EXAMPLE, copy_workspace

D = dt.date
PROBABILITY = {"lead": 0.05, "discovery": 0.10, "qualified": 0.25, "proposal": 0.50, "negotiation": 0.75, "won": 1.0, "lost": 0.0}


# --- building frames in the canonical columns (see intake/load.py) ----------------------------------


def _dates(values) -> pd.Series:
    return pd.Series(pd.to_datetime(list(values)), dtype="datetime64[ns]")


def _text(values) -> pd.Series:
    return pd.Series(list(values), dtype="object")


def opportunities(rows: list[dict]) -> pd.DataFrame:
    """rows: id, rep, stage, amount (cents), close; optional created, last, probability, product, segment, name."""
    outcome = [r["stage"] if r["stage"] in ("won", "lost") else "open" for r in rows]
    return pd.DataFrame(
        {
            "id": _text(r["id"] for r in rows),
            "owner": _text(r.get("rep") or "Jane Doe" for r in rows),
            "rep": _text(r.get("rep") for r in rows),
            "account": _text(r.get("account", "ACC-" + r["id"]) for r in rows),
            "stage": _text(r["stage"] for r in rows),
            "outcome": _text(outcome),
            "amount": pd.Series([r["amount"] for r in rows], dtype="int64"),
            "probability": pd.Series([r.get("probability", PROBABILITY[r["stage"]]) for r in rows], dtype="float64"),
            "close_date": _dates(r["close"] for r in rows),
            "created_date": _dates(r.get("created") for r in rows),
            "last_activity": _dates(r.get("last") for r in rows),
            "product": _text(r.get("product") for r in rows),
            "name": _text(r.get("name", "Deal " + r["id"]) for r in rows),
            "segment": _text(r.get("segment", "A") for r in rows),
            "line": pd.Series(range(2, len(rows) + 2), dtype="int64"),
        }
    )


def sales(rows: list[tuple]) -> pd.DataFrame:
    """rows: (rep, cents, date, segment)."""
    return pd.DataFrame(
        {
            "owner": _text(r[0] or "Jane Doe" for r in rows),
            "rep": _text(r[0] for r in rows),
            "account": _text("ACC" for _ in rows),
            "amount": pd.Series([r[1] for r in rows], dtype="int64"),
            "date": _dates(r[2] for r in rows),
            "product": _text("platform" for _ in rows),
            "segment": _text(r[3] for r in rows),
            "line": pd.Series(range(2, len(rows) + 2), dtype="int64"),
        }
    )


def activities(rows: list[tuple]) -> pd.DataFrame:
    """rows: (rep, opportunity, date)."""
    return pd.DataFrame(
        {
            "owner": _text(r[0] for r in rows),
            "rep": _text(r[0] for r in rows),
            "account": _text("ACC" for _ in rows),
            "action": _text("call" for _ in rows),
            "date": _dates(r[2] for r in rows),
            "opportunity": _text(r[1] for r in rows),
            "segment": _text("A" for _ in rows),
            "line": pd.Series(range(2, len(rows) + 2), dtype="int64"),
        }
    )


def stage_history(rows: list[tuple]) -> pd.DataFrame:
    """rows: (opportunity, stage, date)."""
    return pd.DataFrame(
        {
            "opportunity": _text(r[0] for r in rows),
            "stage": _text(r[1] for r in rows),
            "date": _dates(r[2] for r in rows),
            "line": pd.Series(range(2, len(rows) + 2), dtype="int64"),
        }
    )


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    plan = copy_workspace(EXAMPLE, tmp_path_factory.mktemp("ws") / "nordwind")
    return validate_workspace(plan.root, as_of=AS_OF).workspace


def context(ws, frames: Frames, period: str, as_of: dt.date, filters: Filters = Filters()) -> ReportContext:
    return ReportContext(ws, frames, resolve_period(period, ws.settings, as_of), as_of, filters)


def ratio(numerator: int, denominator: int) -> float:
    """The float nearest the exact ratio: how the reports output ratios (unrounded)."""
    return float(Fraction(numerator, denominator))


def rows_of(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")


# --- exact rounding ---------------------------------------------------------------------------------


def test_round_half_away_from_zero():
    assert [round_half_away(Fraction(n, 2)) for n in (-5, -3, -1, 1, 3, 5)] == [-3, -2, -1, 1, 2, 3]
    assert round_half_away(Fraction(2333331, 20)) == 116667  # 116,666.55 -> 116,667
    # 150,004.5 cents: half away from zero gives 1,500.05 (a float round(1500.045, 2) would say 1,500.04)
    assert cents_out(Fraction(300009, 2)) == 1500.05


# --- the pipeline -------------------------------------------------------------------------------------

AS_OF = D(2027, 5, 15)

# Open deals as of 2027-05-15 (stale_days = 30, so the last sign of life must be on or after 2027-04-15):
#
# id  rep     stage        amount     p     weighted (cents)              created     age  bucket   close       last sign              stale  product
# D1  rep-n1  proposal     10,000.00  0.50  1,000,000 x 1/2 = 500,000     2027-04-15   30  0-30     2027-06-15  04-15 (30 d)           no     platform
# D2  rep-n1  proposal      3,333.33  0.35  333,333 x 7/20 = 116,666.55   2027-04-14   31  31-90    2027-05-15  04-14 (31 d)           yes    services
# D3  rep-n1  negotiation   2,000.06  0.75  200,006 x 3/4 = 150,004.5     2027-02-14   90  31-90    2027-05-14  activity 05-01 (14 d)  no     platform
# D4  rep-n1  lead          1,000.00  0.05  100,000 x 1/20 = 5,000        2027-02-13   91  91-180   2027-07-15  created 02-13 (91 d)   yes    services
# D5  rep-s3  discovery    50,000.00  0.10  5,000,000 x 1/10 = 500,000    2026-11-16  180  91-180   2027-06-30  05-10 (5 d)            no     platform
# D6  rep-s3  qualified    20,000.00  0.25  2,000,000 x 1/4 = 500,000     2026-11-15  181  >180     2027-05-31  05-15 (0 d)            no     platform
# D7  rep-s3  qualified     7,000.00  0.25  700,000 x 1/4 = 175,000       unknown       -  unknown  2027-05-16  none known             no     services
# D8  (none)  proposal      4,000.00  0.50  400,000 x 1/2 = 200,000       2027-03-20   56  31-90    2027-06-01  04-01 (44 d)           yes    (none)
#
# D1: the activity of 04-10 is older than last_activity 04-15, so 04-15 counts: exactly 30 days, not stale.
# D2: due on the as-of day itself: not overdue; its activity of 05-20 is after the as-of day and ignored.
# D3: due the day before the as-of day: overdue (the only one).
# D4: last_activity 05-20 is after the as-of day and ignored, no activity: created 91 days ago, stale.
# Left out: X1 won, X2 lost, X3 created 2027-05-16 (after the as-of day).


def pipeline_frames() -> Frames:
    opps = opportunities(
        [
            {"id": "D1", "rep": "rep-n1", "stage": "proposal", "amount": 1_000_000, "close": D(2027, 6, 15), "created": D(2027, 4, 15), "last": D(2027, 4, 15), "product": "platform"},
            {"id": "D2", "rep": "rep-n1", "stage": "proposal", "amount": 333_333, "probability": 0.35, "close": D(2027, 5, 15), "created": D(2027, 4, 14), "last": D(2027, 4, 14), "product": "services"},
            {"id": "D3", "rep": "rep-n1", "stage": "negotiation", "amount": 200_006, "close": D(2027, 5, 14), "created": D(2027, 2, 14), "product": "platform"},
            {"id": "D4", "rep": "rep-n1", "stage": "lead", "amount": 100_000, "close": D(2027, 7, 15), "created": D(2027, 2, 13), "last": D(2027, 5, 20), "product": "services"},
            {"id": "D5", "rep": "rep-s3", "stage": "discovery", "amount": 5_000_000, "close": D(2027, 6, 30), "created": D(2026, 11, 16), "last": D(2027, 5, 10), "product": "platform"},
            {"id": "D6", "rep": "rep-s3", "stage": "qualified", "amount": 2_000_000, "close": D(2027, 5, 31), "created": D(2026, 11, 15), "last": D(2027, 5, 15), "product": "platform", "segment": "B"},
            {"id": "D7", "rep": "rep-s3", "stage": "qualified", "amount": 700_000, "close": D(2027, 5, 16), "product": "services"},
            {"id": "D8", "rep": None, "stage": "proposal", "amount": 400_000, "close": D(2027, 6, 1), "created": D(2027, 3, 20), "last": D(2027, 4, 1), "segment": None},
            {"id": "X1", "rep": "rep-n1", "stage": "won", "amount": 900_000, "close": D(2027, 5, 1), "created": D(2027, 1, 5), "product": "platform"},
            {"id": "X2", "rep": "rep-n1", "stage": "lost", "amount": 800_000, "close": D(2027, 5, 2), "created": D(2027, 1, 5), "product": "platform"},
            {"id": "X3", "rep": "rep-n1", "stage": "proposal", "amount": 700_000, "close": D(2027, 6, 20), "created": D(2027, 5, 16), "product": "platform"},
        ]
    )
    acts = activities(
        [
            ("rep-n1", "D3", D(2027, 5, 1)),
            ("rep-n1", "D2", D(2027, 5, 20)),  # after the as-of day
            ("rep-n1", "", D(2027, 5, 14)),  # no deal
            ("rep-n1", "D1", D(2027, 4, 10)),  # older than D1's last_activity
        ]
    )
    # Sales (rep, cents, date, segment); H1 to date = 2027-01-01..2027-05-15.
    sold = sales(
        [
            ("rep-n1", 5_000_000, D(2027, 2, 10), "A"),
            ("rep-n1", 2_000_000, D(2027, 5, 15), "B"),  # on the as-of day: counted
            ("rep-n1", 500_000, D(2027, 5, 16), "A"),  # after the as-of day: not counted
            ("rep-n2", 31_000_000, D(2027, 3, 1), "A"),
            ("rep-s3", 10_000_000, D(2027, 4, 20), "A"),
            ("rep-s3", 1_000_000, D(2027, 5, 2), "B"),
            (None, 999_900, D(2027, 4, 1), "A"),  # no rep: in no rep's figures
        ]
    )
    return Frames(opportunities=opps, activities=acts, sales=sold)


def test_open_deals_age_overdue_stale_weighted(ws):
    deals = open_deals(context(ws, pipeline_frames(), "H1", AS_OF)).set_index("id")
    assert list(deals.index) == ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8"]
    assert deals["age_days"].to_dict() == {"D1": 30, "D2": 31, "D3": 90, "D4": 91, "D5": 180, "D6": 181, "D7": None, "D8": 56}
    assert deals["age_bucket"].to_dict() == {
        "D1": "0-30", "D2": "31-90", "D3": "31-90", "D4": "91-180", "D5": "91-180", "D6": ">180", "D7": "unknown", "D8": "31-90",
    }  # fmt: skip
    assert [i for i, v in deals["overdue"].items() if v] == ["D3"]
    assert [i for i, v in deals["stale"].items() if v] == ["D2", "D4", "D8"]
    assert deals["last_touch"].to_dict() == {
        "D1": D(2027, 4, 15), "D2": D(2027, 4, 14), "D3": D(2027, 5, 1), "D4": D(2027, 2, 13),
        "D5": D(2027, 5, 10), "D6": D(2027, 5, 15), "D7": None, "D8": D(2027, 4, 1),
    }  # fmt: skip
    # weighted values in billionths of a cent (amount x probability, exact)
    assert {k: Fraction(v, 10**9) for k, v in deals["weighted_nano"].items()} == {
        "D1": Fraction(500_000), "D2": Fraction(2_333_331, 20), "D3": Fraction(300_009, 2), "D4": Fraction(5_000),
        "D5": Fraction(500_000), "D6": Fraction(500_000), "D7": Fraction(175_000), "D8": Fraction(200_000),
    }  # fmt: skip


def test_stale_days_from_the_workspace(plan):
    # With stale_days 31, D2 (31 days) is no longer stale; D4 (91) and D8 (44) still are.
    plan.replace("salesplan.yaml", "stale_days: 30", "stale_days: 31")
    ws = validate_workspace(plan.root, as_of=AS_OF).workspace
    deals = open_deals(context(ws, pipeline_frames(), "H1", AS_OF)).set_index("id")
    assert [i for i, v in deals["stale"].items() if v] == ["D4", "D8"]


def test_pipeline_by_rep_and_stage(ws):
    table = pipeline(context(ws, pipeline_frames(), "H1", AS_OF))
    assert list(table.columns) == [
        "rep", "stage", "count", "value", "value_unknown", "weighted", "overdue", "no_close_date", "stale",
        "age_0_30", "age_31_90", "age_91_180", "age_over_180", "age_unknown",
    ]  # fmt: skip
    # rep-n1 proposal: D1 + D2: value 10,000 + 3,333.33 = 13,333.33;
    #   weighted 500,000 + 116,666.55 = 616,666.55 cents -> 616,667 -> 6,166.67.
    # rep-n1 negotiation: D3: weighted 150,004.5 cents -> 150,005 (half away from zero) -> 1,500.05.
    # rep-s3 qualified: D6 + D7: 27,000; weighted 500,000 + 175,000 = 675,000 cents = 6,750.
    # Stages in strategy order (lead, discovery, qualified, proposal, negotiation), reps in team order,
    # the deal of no rep under <unplanned>.
    # total: value 1,000 + 13,333.33 + 2,000.06 + 50,000 + 27,000 + 4,000 = 97,333.39;
    #   weighted 5,000 + 616,666.55 + 150,004.5 + 500,000 + 675,000 + 200,000 = 2,146,671.05 cents -> 21,466.71.
    expected = [
        ("rep-n1", "lead", 1, 1_000.00, 0, 50.00, 0, 0, 1, 0, 0, 1, 0, 0),
        ("rep-n1", "proposal", 2, 13_333.33, 0, 6_166.67, 0, 0, 1, 1, 1, 0, 0, 0),
        ("rep-n1", "negotiation", 1, 2_000.06, 0, 1_500.05, 1, 0, 0, 0, 1, 0, 0, 0),
        ("rep-s3", "discovery", 1, 50_000.00, 0, 5_000.00, 0, 0, 0, 0, 0, 1, 0, 0),
        ("rep-s3", "qualified", 2, 27_000.00, 0, 6_750.00, 0, 0, 0, 0, 0, 0, 1, 1),
        (UNPLANNED, "proposal", 1, 4_000.00, 0, 2_000.00, 0, 0, 1, 0, 1, 0, 0, 0),
        (TOTAL, TOTAL, 8, 97_333.39, 0, 21_466.71, 1, 0, 3, 1, 3, 2, 1, 1),
    ]
    assert [tuple(row) for row in table.itertuples(index=False)] == expected


def test_pipeline_by_team_and_by_product(ws):
    ctx = context(ws, pipeline_frames(), "H1", AS_OF)
    by_team = pipeline(ctx, ["team"])
    # mgr-north: D1..D4 = 10,000 + 3,333.33 + 2,000.06 + 1,000 = 16,333.39;
    # weighted 500,000 + 116,666.55 + 150,004.5 + 5,000 = 771,671.05 cents -> 7,716.71.
    # mgr-south: D5..D7 = 77,000; weighted 1,175,000 cents = 11,750.
    assert [tuple(r) for r in by_team[["team", "count", "value", "weighted"]].itertuples(index=False)] == [
        ("mgr-north", 4, 16_333.39, 7_716.71),
        ("mgr-south", 3, 77_000.00, 11_750.00),
        (UNPLANNED, 1, 4_000.00, 2_000.00),
        (TOTAL, 8, 97_333.39, 21_466.71),
    ]
    by_product = pipeline(ctx, ["product"])
    # platform: D1, D3, D5, D6 = 10,000 + 2,000.06 + 50,000 + 20,000 = 82,000.06;
    # services: D2, D4, D7 = 3,333.33 + 1,000 + 7,000 = 11,333.33; no product: D8 -> <unplanned>.
    assert [tuple(r) for r in by_product[["product", "count", "value"]].itertuples(index=False)] == [
        ("platform", 4, 82_000.06),
        ("services", 3, 11_333.33),
        (UNPLANNED, 1, 4_000.00),
        (TOTAL, 8, 97_333.39),
    ]
    with pytest.raises(ValueError, match="--by quarter"):
        pipeline(ctx, ["quarter"])


def test_pipeline_filters(ws):
    south = pipeline(context(ws, pipeline_frames(), "H1", AS_OF, Filters(team="mgr-south")), ["rep"])
    assert [tuple(r) for r in south[["rep", "count", "value"]].itertuples(index=False)] == [("rep-s3", 3, 77_000.00), (TOTAL, 3, 77_000.00)]
    services = open_deals(context(ws, pipeline_frames(), "H1", AS_OF, Filters(product="services")))
    assert list(services["id"]) == ["D2", "D4", "D7"]
    segment_b = open_deals(context(ws, pipeline_frames(), "H1", AS_OF, Filters(segment="B")))
    assert list(segment_b["id"]) == ["D6"]


def test_pipeline_without_deals(ws):
    table = pipeline(context(ws, Frames(opportunities=opportunities([])), "H1", AS_OF))
    assert [tuple(r) for r in table.itertuples(index=False)] == [(TOTAL, TOTAL, 0, 0.0, 0, 0.0, 0, 0, 0, 0, 0, 0, 0, 0)]


def test_pipeline_coverage_with_a_mid_year_hire(ws):
    table = pipeline_coverage(context(ws, pipeline_frames(), "H1", AS_OF))
    assert list(table.columns) == ["rep", "team", "period_target", "actual", "remaining_target", "open_in_rest", "coverage", "status"]
    rows = {r["rep"]: r for r in rows_of(table)}
    # H1 = 2027-01-01..2027-06-30; to date 01-01..05-15; the rest 05-16..06-30.
    # Territory reps: 1,000,000 x (Q1 15% + Q2 15%) = 300,000 for H1.
    # rep-n1: actual 50,000 (02-10) + 20,000 (05-15) = 70,000 (the 05-16 sale is after the as-of day);
    #   remaining 300,000 - 70,000 = 230,000; open in the rest: D1 (06-15) 10,000 (D2 is due on 05-15,
    #   D3 on 05-14, D4 after June); coverage 10,000 / 230,000 = 1/23 = 0.0435, below 2 x 85% = 1.7: off track.
    assert rows["rep-n1"] == {
        "rep": "rep-n1", "team": "mgr-north", "period_target": 300_000.0, "actual": 70_000.0,
        "remaining_target": 230_000.0, "open_in_rest": 10_000.0, "coverage": ratio(10_000, 230_000), "status": "off track",
    }  # fmt: skip
    # rep-n2 sold 310,000 > 300,000: nothing remains, no coverage, no status.
    assert rows["rep-n2"] == {
        "rep": "rep-n2", "team": "mgr-north", "period_target": 300_000.0, "actual": 310_000.0,
        "remaining_target": 0.0, "open_in_rest": 0.0, "coverage": None, "status": "",
    }  # fmt: skip
    # rep-s3, hired 2027-04-01: not in post January to March, so H1 = 1,000,000 x (5% x 3 months of Q2) = 150,000.
    #   actual 100,000 + 10,000 = 110,000; remaining 40,000; open in the rest: D5 (06-30, the period's last day)
    #   50,000 + D6 (05-31) 20,000 + D7 (05-16, the first day after the as-of day) 7,000 = 77,000;
    #   coverage 77,000 / 40,000 = 1.925: below 2 but at or above 1.7: watch.
    assert rows["rep-s3"] == {
        "rep": "rep-s3", "team": "mgr-south", "period_target": 150_000.0, "actual": 110_000.0,
        "remaining_target": 40_000.0, "open_in_rest": 77_000.0, "coverage": ratio(77_000, 40_000), "status": "watch",
    }  # fmt: skip
    # rep-e1 follows its own breakdown: 1,100,000 x (Q1 10% + Q2 15%) = 275,000; rep-e3: 51.25% x 3,000,000
    # = 1,537,500 x 30% = 461,250; no sales, no deals: coverage 0, off track.
    assert (rows["rep-e1"]["period_target"], rows["rep-e1"]["coverage"], rows["rep-e1"]["status"]) == (275_000.0, 0.0, "off track")
    assert rows["rep-e3"]["period_target"] == 461_250.0
    # total: period target = 12,150,000 (sum of full-year objectives) x 30% - rep-s3's Q1 150,000
    #   - rep-e1's 5 points less in H1 (55,000) = 3,440,000; actual 70,000 + 310,000 + 110,000 = 490,000
    #   (the sale of no rep is in no row); remaining = sum of each rep's: 275,000 + 315,750 + 461,250
    #   + 369,000 + 369,000 (enterprise) + 230,000 + 0 + 300,000 (north) + 300,000 + 300,000 + 40,000 (south)
    #   = 2,960,000 (not 3,440,000 - 490,000 = 2,950,000: rep-n2's extra 10,000 covers no one else's gap);
    #   open in the rest 10,000 + 77,000 = 87,000 (D8 has no rep); coverage 87,000 / 2,960,000 = 0.0294.
    assert rows[TOTAL] == {
        "rep": TOTAL, "team": TOTAL, "period_target": 3_440_000.0, "actual": 490_000.0,
        "remaining_target": 2_960_000.0, "open_in_rest": 87_000.0, "coverage": ratio(87_000, 2_960_000), "status": "off track",
    }  # fmt: skip
    assert list(table["rep"]) == ["rep-e1", "rep-e2", "rep-e3", "rep-e4", "rep-e5", "rep-n1", "rep-n2", "rep-n3", "rep-s1", "rep-s2", "rep-s3", TOTAL]


def test_pipeline_coverage_filters(ws):
    south = pipeline_coverage(context(ws, pipeline_frames(), "H1", AS_OF, Filters(team="mgr-south")))
    # rep-s1, rep-s2: 300,000 to go, nothing open: 0. total: remaining 300,000 + 300,000 + 40,000 = 640,000,
    # open 77,000: 77,000 / 640,000 = 0.1203125.
    assert [tuple(r) for r in south[["rep", "remaining_target", "open_in_rest", "coverage"]].itertuples(index=False)] == [
        ("rep-s1", 300_000.0, 0.0, 0.0),
        ("rep-s2", 300_000.0, 0.0, 0.0),
        ("rep-s3", 40_000.0, 77_000.0, ratio(77_000, 40_000)),
        (TOTAL, 640_000.0, 77_000.0, ratio(77_000, 640_000)),
    ]
    seg_a = {r["rep"]: r for r in rows_of(pipeline_coverage(context(ws, pipeline_frames(), "H1", AS_OF, Filters(segment="A"))))}
    # Segment A only: rep-s3's H1 target 350,000 x 15% = 52,500, its A sales 100,000: nothing remains;
    # open A deals in the rest: D5 50,000 + D7 7,000 = 57,000 (D6 is segment B).
    assert (seg_a["rep-s3"]["period_target"], seg_a["rep-s3"]["remaining_target"], seg_a["rep-s3"]["open_in_rest"], seg_a["rep-s3"]["coverage"]) == (
        52_500.0, 0.0, 57_000.0, None,
    )  # fmt: skip
    # rep-n1: A target 350,000 x 30% = 105,000; A sales to date 50,000; remaining 55,000; D1 (A) 10,000 open.
    assert (seg_a["rep-n1"]["remaining_target"], seg_a["rep-n1"]["open_in_rest"], seg_a["rep-n1"]["coverage"]) == (55_000.0, 10_000.0, ratio(10_000, 55_000))


def test_pipeline_coverage_at_the_end_of_the_period_looks_at_the_rest_of_the_year(ws):
    # As of 2027-06-30 nothing of H1 is left: coverage then looks at the rest of the fiscal year,
    # where only D4 (rep-n1, 1,000, closing 2027-07-15) is due.
    ctx = context(ws, pipeline_frames(), "H1", D(2027, 6, 30))
    assert coverage_horizon(ctx) == ctx.fiscal_year
    table = pipeline_coverage(ctx)
    by_rep = dict(zip(table["rep"], table["open_in_rest"]))
    assert by_rep["rep-n1"] == 1_000.00
    assert sum(v for rep, v in by_rep.items() if rep != TOTAL) == 1_000.00


def test_deals_to_watch(ws):
    watch = deals_to_watch(context(ws, pipeline_frames(), "H1", AS_OF))
    assert list(watch.columns) == ["rep", "id", "name", "account", "stage", "amount", "close_date", "age_days", "overdue", "no_close_date", "stale"]
    # Overdue or stale: D8 4,000 (stale), D2 3,333.33 (stale), D3 2,000.06 (overdue), D4 1,000 (stale); largest first.
    assert [tuple(r) for r in watch[["rep", "id", "amount", "close_date", "age_days", "overdue", "stale"]].itertuples(index=False)] == [
        (UNPLANNED, "D8", 4_000.00, D(2027, 6, 1), 56, False, True),
        ("rep-n1", "D2", 3_333.33, D(2027, 5, 15), 31, False, True),
        ("rep-n1", "D3", 2_000.06, D(2027, 5, 14), 90, True, False),
        ("rep-n1", "D4", 1_000.00, D(2027, 7, 15), 91, False, True),
    ]
    assert list(watch["name"]) == ["Deal D8", "Deal D2", "Deal D3", "Deal D4"]
    # At most 2 per rep: rep-n1 keeps its two largest, D2 and D3.
    assert list(deals_to_watch(context(ws, pipeline_frames(), "H1", AS_OF), top=2)["id"]) == ["D8", "D2", "D3"]


def test_deals_to_watch_ties_by_id(ws):
    opps = opportunities(
        [
            {"id": "B", "rep": "rep-n1", "stage": "lead", "amount": 100, "close": D(2027, 5, 1)},
            {"id": "A", "rep": "rep-n1", "stage": "lead", "amount": 100, "close": D(2027, 5, 1)},
            {"id": "C", "rep": "rep-n1", "stage": "lead", "amount": 200, "close": D(2027, 6, 1), "created": D(2027, 1, 1)},
            {"id": "E", "rep": "rep-n1", "stage": "lead", "amount": 900, "close": D(2027, 6, 1), "created": D(2027, 5, 1)},
        ]
    )
    # A and B are overdue (05-01), C is stale (created 134 days ago, no activity), E is neither.
    watch = deals_to_watch(context(ws, Frames(opportunities=opps), "H1", AS_OF))
    assert list(watch["id"]) == ["C", "A", "B"]
    assert list(watch["amount"]) == [2.0, 1.0, 1.0]


# --- conversion ----------------------------------------------------------------------------------------

CONV_AS_OF = D(2027, 11, 30)  # period fy: closed deals dated 2027-01-01..2027-11-30 count


def batch(rep: str | None, product: str | None, won: int, lost: int, won_cents: int, lost_cents: int, tag: str) -> list[dict]:
    out = []
    for i in range(won):
        out.append({"id": f"{tag}-w{i}", "rep": rep, "stage": "won", "amount": won_cents, "close": D(2027, 3, 1 + i % 28), "product": product})
    for i in range(lost):
        out.append({"id": f"{tag}-l{i}", "rep": rep, "stage": "lost", "amount": lost_cents, "close": D(2027, 6, 1 + i % 28), "product": product})
    return out


# Closed deals (platform: won 1,000, lost 2,000 each; services: won 500, lost 250 each):
#
# range     seller        won  lost  closed  tested (min_closed 20)
# platform  rep-n1          5    25      30  yes   vs the rest 30 + 30 = 60 won of 120
# platform  rep-n2         30    30      60  yes   vs rest 5 + 30 = 35 won, 25 + 30 = 55 lost
# platform  rep-s1         30    30      60  yes   vs rest 35 won, 55 lost
# services  rep-n1          1    19      20  yes   (exactly min_closed) vs rest 9 + 3 = 12 won, 16 + 16 = 32 lost
# services  rep-n2          9    16      25  yes   vs rest 1 + 3 = 4 won, 19 + 16 = 35 lost
# services  rep-s3          3    16      19  no    (below min_closed; still in the others' rest)
# services  (no rep)       10     0      10  no    (no seller: in no rest)
# (none)    rep-s2         20     0      20  no    (no product range), 100.00 each
# Left out: a won deal closed 2027-12-15 (after the as-of day), a lost one 2026-12-31 (before the year), an open deal.


def conversion_frames() -> Frames:
    rows = (
        batch("rep-n1", "platform", 5, 25, 100_000, 200_000, "n1p")
        + batch("rep-n2", "platform", 30, 30, 100_000, 200_000, "n2p")
        + batch("rep-s1", "platform", 30, 30, 100_000, 200_000, "s1p")
        + batch("rep-n1", "services", 1, 19, 50_000, 25_000, "n1s")
        + batch("rep-n2", "services", 9, 16, 50_000, 25_000, "n2s")
        + batch("rep-s3", "services", 3, 16, 50_000, 25_000, "s3s")
        + batch(None, "services", 10, 0, 50_000, 25_000, "xs")
        + batch("rep-s2", None, 20, 0, 10_000, 0, "s2x")
        + [
            {"id": "late", "rep": "rep-n1", "stage": "won", "amount": 100_000, "close": D(2027, 12, 15), "product": "platform"},
            {"id": "early", "rep": "rep-n1", "stage": "lost", "amount": 100_000, "close": D(2026, 12, 31), "product": "platform"},
            {"id": "open", "rep": "rep-n1", "stage": "proposal", "amount": 100_000, "close": D(2027, 6, 1), "product": "platform"},
        ]
    )
    return Frames(opportunities=opportunities(rows))


# The tests (reports/stats.py):
# - rep-n1 platform: [[5, 25], [60, 60]], N = 150; expected counts 30 x 65 / 150 = 13, 17, 52, 68: all >= 5, z-test.
#   p1 = 5/30 = 0.16667, p2 = 60/120 = 0.5, pooled p = 65/150 = 0.43333;
#   z = (0.16667 - 0.5) / sqrt(0.43333 x 0.56667 x (1/30 + 1/120)) = -0.33333 / 0.101151 = -3.2954;
#   p-value = erfc(3.2954 / sqrt 2) = 0.000983.
# - rep-n2 (and rep-s1) platform: [[30, 30], [35, 55]]; expected 26, 34, 39, 51: z-test.
#   p1 = 0.5, p2 = 35/90 = 0.38889; z = 0.11111 / sqrt(0.43333 x 0.56667 x (1/60 + 1/90)) = 0.11111 / 0.082589
#   = 1.3453; p-value = 0.17851.
# - rep-n1 services: [[1, 19], [12, 32]], N = 64; expected 20 x 13 / 64 = 4.06 < 5: Fisher.
#   P(k) = C(20, k) C(44, 13 - k) / C(64, 13): P(0) = 0.003952, P(1) = 0.032109, P(2) = 0.1109, ...,
#   P(7) = 0.04166, P(8) = 0.010414, P(9) = 0.001736, P(10..13) = 0.000199 together;
#   the k with P(k) <= P(1) are 0, 1, 8..13: p-value = 0.003952 + 0.032109 + 0.010414 + 0.001736 + 0.000199 = 0.04841.
# - rep-n2 services: [[9, 16], [4, 35]], N = 64; expected 25 x 13 / 64 = 5.08, 19.9, 7.9, 31.1: z-test.
#   p1 = 0.36, p2 = 4/39 = 0.10256, pooled 13/64 = 0.203125;
#   z = 0.25744 / sqrt(0.203125 x 0.796875 x (1/25 + 1/39)) = 0.25744 / 0.103078 = 2.4975; p-value = 0.0125.
# Benjamini-Hochberg over the m = 5 tested pairs, sorted: 0.000983, 0.0125, 0.04841, 0.17851, 0.17851:
#   rank 5: 0.17851 x 5/5 = 0.17851; rank 4: min(0.17851, 0.17851 x 5/4) = 0.17851;
#   rank 3: min(0.17851, 0.04841 x 5/3 = 0.08068) = 0.08068; rank 2: min(0.08068, 0.0125 x 5/2 = 0.03125) = 0.03125;
#   rank 1: min(0.03125, 0.000983 x 5 = 0.004914) = 0.004914.
# Rejected at q = 5%: rep-n1 platform (0.0049) and rep-n2 services (0.031); rep-n1 services is below 5% on its
# own (0.048) but not once adjusted (0.081). Both rejected pairs differ by more than 5 points: alerts.


def test_conversion_by_rep_and_product(ws):
    table = conversion(context(ws, conversion_frames(), "fy", CONV_AS_OF))
    assert list(table.columns) == [
        "rep", "product", "won", "lost", "closed", "win_rate", "won_value", "lost_value", "no_value", "win_rate_value",
        "rest_win_rate", "difference", "method", "p_value", "adjusted_p", "alert",
    ]  # fmt: skip
    assert [(r["rep"], r["product"]) for r in rows_of(table)] == [
        ("rep-n1", "platform"), ("rep-n1", "services"), ("rep-n2", "platform"), ("rep-n2", "services"),
        ("rep-s1", "platform"), ("rep-s2", UNPLANNED), ("rep-s3", "services"), (UNPLANNED, "services"), (TOTAL, TOTAL),
    ]  # fmt: skip
    rows = {(r["rep"], r["product"]): r for r in rows_of(table)}

    n1p = rows[("rep-n1", "platform")]
    # won 5, lost 25: win rate 5/30 = 1/6; values 5 x 1,000 = 5,000 and 25 x 2,000 = 50,000:
    # 5,000 / 55,000 = 1/11; rest 60/120 = 1/2; difference 1/6 - 1/2 = -1/3.
    assert {k: n1p[k] for k in ("won", "lost", "closed", "win_rate", "won_value", "lost_value", "no_value", "win_rate_value", "rest_win_rate", "difference", "method")} == {
        "won": 5, "lost": 25, "closed": 30, "win_rate": ratio(5, 30), "won_value": 5_000.0, "lost_value": 50_000.0, "no_value": 0,
        "win_rate_value": ratio(5_000, 55_000), "rest_win_rate": 0.5, "difference": ratio(-1, 3), "method": "z",
    }  # fmt: skip
    assert n1p["p_value"] == pytest.approx(0.000983, abs=5e-7)
    assert n1p["p_value"] == seller_vs_rest_test(5, 25, 60, 60).p_value
    assert n1p["adjusted_p"] == pytest.approx(0.004914, abs=5e-6)
    assert n1p["alert"] is True

    n1s = rows[("rep-n1", "services")]
    # 1 of 20 = 1/20; values 500 / (500 + 19 x 250 = 4,750) = 500 / 5,250 = 2/21; rest 12/44 = 3/11;
    # difference 1/20 - 3/11 = (11 - 60) / 220 = -49/220.
    assert (n1s["win_rate"], n1s["win_rate_value"], n1s["rest_win_rate"], n1s["difference"], n1s["method"]) == (ratio(1, 20), ratio(2, 21), ratio(3, 11), ratio(-49, 220), "fisher")
    assert n1s["p_value"] == pytest.approx(0.04841, abs=5e-6)
    assert n1s["p_value"] == fisher_exact_two_sided(1, 19, 12, 32)
    assert n1s["adjusted_p"] == pytest.approx(0.04841 * 5 / 3, abs=1e-5)
    assert n1s["alert"] is False  # significant alone, not after Benjamini-Hochberg

    n2s = rows[("rep-n2", "services")]
    # 9/25, rest 4/39, difference 9/25 - 4/39 = (351 - 100) / 975 = 251/975 = 0.2574.
    assert (n2s["win_rate"], n2s["rest_win_rate"], n2s["difference"], n2s["method"]) == (ratio(9, 25), ratio(4, 39), ratio(251, 975), "z")
    assert n2s["p_value"] == pytest.approx(0.0125, abs=5e-5)
    assert n2s["adjusted_p"] == pytest.approx(n2s["p_value"] * 5 / 2)
    assert n2s["alert"] is True

    for key in (("rep-n2", "platform"), ("rep-s1", "platform")):
        row = rows[key]
        # 30/60 = 1/2 against 35/90 = 7/18: difference 1/2 - 7/18 = 1/9; p 0.1785, adjusted 0.1785 (ranks 4 and 5).
        assert (row["win_rate"], row["rest_win_rate"], row["difference"], row["method"], row["alert"]) == (0.5, ratio(7, 18), ratio(1, 9), "z", False)
        assert row["p_value"] == pytest.approx(0.17851, abs=5e-6)
        assert row["adjusted_p"] == row["p_value"]

    # Not tested: rep-s3 (19 closed < 20), rep-s2 (no product range), the deals of no rep.
    for key in (("rep-s3", "services"), ("rep-s2", UNPLANNED), (UNPLANNED, "services")):
        row = rows[key]
        assert [row[k] for k in ("rest_win_rate", "difference", "method", "p_value", "adjusted_p", "alert")] == [None, None, None, None, None, False]
    assert (rows[("rep-s3", "services")]["won"], rows[("rep-s3", "services")]["closed"], rows[("rep-s3", "services")]["win_rate"]) == (3, 19, ratio(3, 19))

    total = rows[(TOTAL, TOTAL)]
    # closed: platform 30 + 60 + 60 = 150 (won 65), services 20 + 25 + 19 + 10 = 74 (won 23), no range 20 (won 20):
    # 244 closed, 108 won, 136 lost; win rate 108/244.
    # won value 65 x 1,000 + 23 x 500 + 20 x 100 = 78,500; lost 85 x 2,000 + 51 x 250 = 182,750;
    # 78,500 / 261,250. The late, early and open deals are left out.
    assert {k: total[k] for k in ("won", "lost", "closed", "win_rate", "won_value", "lost_value", "no_value", "win_rate_value", "method", "alert")} == {
        "won": 108, "lost": 136, "closed": 244, "win_rate": ratio(108, 244), "won_value": 78_500.0, "lost_value": 182_750.0, "no_value": 0,
        "win_rate_value": ratio(78_500, 261_250), "method": None, "alert": False,
    }  # fmt: skip


def test_conversion_alerts_do_not_depend_on_the_rows_shown(ws):
    # Filtered to rep-n1, the other sellers are still the rest and the 5 pairs still the family.
    table = conversion(context(ws, conversion_frames(), "fy", CONV_AS_OF, Filters(reps=("rep-n1",))))
    rows = {(r["rep"], r["product"]): r for r in rows_of(table)}
    assert list(rows) == [("rep-n1", "platform"), ("rep-n1", "services"), (TOTAL, TOTAL)]
    assert rows[("rep-n1", "platform")]["adjusted_p"] == pytest.approx(0.004914, abs=5e-6)
    assert rows[("rep-n1", "platform")]["alert"] is True
    assert rows[(TOTAL, TOTAL)]["closed"] == 50


def test_conversion_min_difference(plan):
    # min_difference 30 points: rep-n1 platform (|-0.3333|) still alerts, rep-n2 services (0.2574) no longer.
    plan.append("salesplan.yaml", "conversion:\n  min_difference: 30%\n")
    ws = validate_workspace(plan.root, as_of=CONV_AS_OF).workspace
    rows = {(r["rep"], r["product"]): r for r in rows_of(conversion(context(ws, conversion_frames(), "fy", CONV_AS_OF)))}
    assert rows[("rep-n1", "platform")]["alert"] is True
    assert rows[("rep-n2", "services")]["alert"] is False
    assert rows[("rep-n2", "services")]["adjusted_p"] == pytest.approx(0.03125, abs=1e-4)


def test_conversion_by_rep_is_not_tested(ws):
    table = conversion(context(ws, conversion_frames(), "fy", CONV_AS_OF), ["rep"])
    # rep-n1: platform 5/30 + services 1/20 = 6 of 50; rep-n2: 30 + 9 = 39 of 60 + 25 = 85.
    assert [tuple(r) for r in table[["rep", "won", "closed", "win_rate", "method", "alert"]].itertuples(index=False)] == [
        ("rep-n1", 6, 50, ratio(6, 50), None, False),
        ("rep-n2", 39, 85, ratio(39, 85), None, False),
        ("rep-s1", 30, 60, 0.5, None, False),
        ("rep-s2", 20, 20, 1.0, None, False),
        ("rep-s3", 3, 19, ratio(3, 19), None, False),
        (UNPLANNED, 10, 10, 1.0, None, False),
        (TOTAL, 108, 244, ratio(108, 244), None, False),
    ]


def test_conversion_before_the_period(ws):
    # As of 2026-12-15, the fiscal year has not begun: nothing is closed in it.
    table = conversion(context(ws, conversion_frames(), "fy", D(2026, 12, 15)))
    assert [tuple(r) for r in table[["rep", "closed", "win_rate"]].itertuples(index=False)] == [(TOTAL, 0, None)]


# --- stage conversion --------------------------------------------------------------------------------

# Open stages: lead, discovery, qualified, proposal, negotiation; then won. H1 to date: 2027-01-01..2027-05-15.
#
# O1 won 04-30 (rep-n1): lead 01-10, discovery 02-01, qualified 03-01, proposal 03-15, negotiation 04-01, won 04-30
# O2 lost (rep-n1):      lead 01-15, discovery 02-10, lost 03-01
# O3 open (rep-s3):      lead 2026-12-20 (before the period), discovery 01-05, proposal 02-01 (skips qualified),
#                        negotiation 05-20 (after the as-of day: ignored)
# O4 won 05-10 (rep-n2): lead 04-01, proposal 04-01 (same day); no negotiation entry, but won
# O5 open (rep-n1):      lead 05-15 (the as-of day: counts), nothing after
# O6 open (rep-n1):      lead 05-16 (after the as-of day)
# O8 open (rep-s3):      qualified 01-20, then back to discovery 02-01
# ZZ is in no opportunities export: left out.
#
# lead -> discovery:        entered O1, O2, O4, O5 = 4; advanced O1, O2, O4 (proposal the same day) = 3; 0.75
# discovery -> qualified:   entered O1, O2, O3, O8 = 4; advanced O1, O3 (proposal) = 2 (O8's qualified is before
#                           its discovery entry); 0.5
# qualified -> proposal:    entered O1, O8 = 2; advanced O1 = 1; 0.5
# proposal -> negotiation:  entered O1, O3, O4 = 3; advanced O1, O4 (won 05-10) = 2; 2/3
# negotiation -> won:       entered O1 = 1; advanced O1 = 1; 1.0


def stage_frames() -> Frames:
    opps = opportunities(
        [
            {"id": "O1", "rep": "rep-n1", "stage": "won", "amount": 100, "close": D(2027, 4, 30)},
            {"id": "O2", "rep": "rep-n1", "stage": "lost", "amount": 100, "close": D(2027, 3, 1)},
            {"id": "O3", "rep": "rep-s3", "stage": "negotiation", "amount": 100, "close": D(2027, 6, 30)},
            {"id": "O4", "rep": "rep-n2", "stage": "won", "amount": 100, "close": D(2027, 5, 10)},
            {"id": "O5", "rep": "rep-n1", "stage": "lead", "amount": 100, "close": D(2027, 8, 1)},
            {"id": "O6", "rep": "rep-n1", "stage": "lead", "amount": 100, "close": D(2027, 8, 1)},
            {"id": "O8", "rep": "rep-s3", "stage": "discovery", "amount": 100, "close": D(2027, 8, 1)},
        ]
    )
    history = stage_history(
        [
            ("O1", "lead", D(2027, 1, 10)), ("O1", "discovery", D(2027, 2, 1)), ("O1", "qualified", D(2027, 3, 1)),
            ("O1", "proposal", D(2027, 3, 15)), ("O1", "negotiation", D(2027, 4, 1)), ("O1", "won", D(2027, 4, 30)),
            ("O2", "lead", D(2027, 1, 15)), ("O2", "discovery", D(2027, 2, 10)), ("O2", "lost", D(2027, 3, 1)),
            ("O3", "lead", D(2026, 12, 20)), ("O3", "discovery", D(2027, 1, 5)), ("O3", "proposal", D(2027, 2, 1)),
            ("O3", "negotiation", D(2027, 5, 20)),
            ("O4", "lead", D(2027, 4, 1)), ("O4", "proposal", D(2027, 4, 1)),
            ("O5", "lead", D(2027, 5, 15)),
            ("O6", "lead", D(2027, 5, 16)),
            ("O8", "qualified", D(2027, 1, 20)), ("O8", "discovery", D(2027, 2, 1)),
            ("ZZ", "lead", D(2027, 2, 1)),
        ]
    )  # fmt: skip
    return Frames(opportunities=opps, stage_history=history)


def test_stage_conversion(ws):
    table = stage_conversion(context(ws, stage_frames(), "H1", AS_OF))
    assert [tuple(r) for r in table.itertuples(index=False)] == [
        ("lead", "discovery", 4, 3, 0.75),
        ("discovery", "qualified", 4, 2, 0.5),
        ("qualified", "proposal", 2, 1, 0.5),
        ("proposal", "negotiation", 3, 2, ratio(2, 3)),
        ("negotiation", "won", 1, 1, 1.0),
    ]


def test_stage_conversion_filtered(ws):
    # mgr-south: O3 and O8 only. lead: none entered (O3's lead is before the period); discovery: O3 advanced,
    # O8 not; qualified: O8, not advanced; proposal: O3, its negotiation is after the as-of day; negotiation: none.
    table = stage_conversion(context(ws, stage_frames(), "H1", AS_OF, Filters(team="mgr-south")))
    assert [tuple(r) for r in table.itertuples(index=False)] == [
        ("lead", "discovery", 0, 0, None),
        ("discovery", "qualified", 2, 1, 0.5),
        ("qualified", "proposal", 1, 0, 0.0),
        ("proposal", "negotiation", 1, 0, 0.0),
        ("negotiation", "won", 0, 0, None),
    ]


def test_stage_conversion_without_history(ws):
    assert stage_conversion(context(ws, pipeline_frames(), "H1", AS_OF)) is None


def test_pipeline_coverage_after_the_fiscal_year_has_no_ratio(ws):
    # as of 2028-01-10 nothing of the fiscal year 2027 is left: no coverage and no status, not 0.00x off track
    table = pipeline_coverage(context(ws, pipeline_frames(), "fy", dt.date(2028, 1, 10)))
    assert table["coverage"].isna().all()
    assert set(table["status"]) == {""}
