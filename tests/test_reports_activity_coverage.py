"""The activity and coverage reports, on hand-built canonical frames; every expected figure is worked out by hand.

The workspace is a copy of examples/nordwind reduced to three reps, in the order ctx.reps() gives
(team, then id):

- rep-e3 (mgr-enterprise), segment B only; its `portfolio.accounts` is edited to B: {customer: 125}
  so that planned figures are round numbers. Strategy norms B customer: call 4, meeting 2.
- rep-n1 (mgr-north), unchanged: A prospect 10, A customer 8, B prospect 20, B customer 15,
  C prospect 40, C customer 40; its `activities:` overrides A prospects to call 10, meeting 4.
- rep-s3 (mgr-south), unchanged: same accounts as rep-n1 under the strategy norms
  (A prospect call 8, meeting 3), in post from 2027-04-01 (a mid-year hire).

Fiscal year 2027-01-01..2027-12-31: 365 days. Thresholds of the example: activity 80%, coverage 60%,
watch band 15% (default), so 'watch' starts at 80% x 0.85 = 68% (activity) and 60% x 0.85 = 51% (coverage).

Planned actions and gaps come out rounded to 2 decimals; ratios, coverage and pressure as the float of the
exact quotient, not rounded (q() below); the comments show them to 4 decimals.

The main as-of date is 2027-03-14 (mid-March): the year to date is 2027-01-01..2027-03-14,
31 + 28 + 14 = 73 days, and 73 / 365 = 1/5 exactly; rep-s3 has 0 days in post in it.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMPLE
from salesplan_cli.intake.load import Frames
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.reports.activity import activity, exact_round
from salesplan_cli.reports.context import TOTAL, UNPLANNED, UNSEGMENTED, Filters, ReportContext
from salesplan_cli.reports.coverage import account_statuses, coverage, untouched_accounts
from salesplan_cli.reports.period import resolve_period

AS_OF = dt.date(2027, 3, 14)
KEPT_REPS = ("rep-e3", "rep-n1", "rep-s3")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    for path in (root / "reps").glob("*.yaml"):
        if path.stem not in KEPT_REPS:
            path.unlink()
    e3 = root / "reps" / "rep-e3.yaml"
    text = e3.read_text(encoding="utf-8")
    assert text.count("B: {prospect: 60, customer: 45}") == 1
    e3.write_text(text.replace("B: {prospect: 60, customer: 45}", "B: {customer: 125}"), encoding="utf-8")
    workspace, diags = load_workspace(Path(root))
    assert not [d for d in diags if d.is_error], [d.headline() for d in diags]
    assert sorted(r.id for r in workspace.reps.values()) == list(KEPT_REPS)
    return workspace


def context(ws, frames, as_of=AS_OF, period="ytd", **filters) -> ReportContext:
    return ReportContext(ws=ws, frames=frames, period=resolve_period(period, ws.settings, as_of), as_of=as_of, filters=Filters(**filters))


# --- canonical frames, built by hand ------------------------------------------------------------------------------

REP_OWNER = {"rep-e3": "Daniel Weiss", "rep-n1": "Lena Vogel", "rep-s3": "Pedro Alves", None: "Old Seller"}


def activities_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (rep or None, account, action, date 'YYYY-MM-DD', segment or None, how many)."""
    records = []
    for rep, account, action, day, segment, count in rows:
        for _ in range(count):
            records.append(
                {
                    "owner": REP_OWNER[rep],
                    "rep": rep,
                    "account": account,
                    "action": action,
                    "date": pd.Timestamp(day),
                    "opportunity": "",
                    "line": len(records) + 2,
                    "segment": segment,
                }
            )
    frame = pd.DataFrame(records, columns=["owner", "rep", "account", "action", "date", "opportunity", "line", "segment"])
    frame["date"] = pd.to_datetime(frame["date"])
    for column in ("rep", "segment"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


def accounts_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (id, name, status or None, segment or None, rep or None)."""
    frame = pd.DataFrame(
        [
            {"id": i, "name": n, "status": st, "segment": sg, "owner": REP_OWNER[r], "rep": r, "line": k + 2}
            for k, (i, n, st, sg, r) in enumerate(rows)
        ],
        columns=["id", "name", "status", "segment", "owner", "rep", "line"],
    )
    for column in ("status", "segment", "rep"):
        frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    return frame


def sales_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (rep, account, amount in cents, date, segment)."""
    frame = pd.DataFrame(
        [
            {"owner": REP_OWNER[r], "rep": r, "account": a, "amount": c, "date": pd.Timestamp(d), "product": "platform", "line": k + 2, "segment": s}
            for k, (r, a, c, d, s) in enumerate(rows)
        ],
        columns=["owner", "rep", "account", "amount", "date", "product", "line", "segment"],
    )
    frame["amount"] = frame["amount"].astype("int64")
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def opportunities_frame(rows: list[tuple]) -> pd.DataFrame:
    """rows: (id, rep, account, stage, outcome, amount in cents, close date, segment)."""
    frame = pd.DataFrame(
        [
            {
                "id": i,
                "owner": REP_OWNER[r],
                "rep": r,
                "account": a,
                "stage": st,
                "outcome": o,
                "amount": c,
                "probability": {"won": 1.0, "lost": 0.0}.get(o, 0.5),
                "close_date": pd.Timestamp(d),
                "created_date": pd.Timestamp("2026-11-01"),
                "last_activity": pd.NaT,
                "product": "platform",
                "line": k + 2,
                "segment": s,
            }
            for k, (i, r, a, st, o, c, d, s) in enumerate(rows)
        ]
    )
    frame["amount"] = frame["amount"].astype("int64")
    return frame


# --- activity -----------------------------------------------------------------------------------------------------

#: Activities of the activity tests (the activity report reads the `segment` of each activity, no accounts frame).
ACTIVITY_ROWS = [
    ("rep-e3", "E-B1", "call", "2027-02-01", "B", 80),
    ("rep-e3", "E-B1", "meeting", "2027-02-15", "B", 34),
    ("rep-n1", "N-A1", "call", "2027-01-10", "A", 3),
    ("rep-n1", "N-A1", "call", "2027-02-10", "A", 2),
    ("rep-n1", "N-A1", "call", "2027-03-01", "A", 1),  # first day of March
    ("rep-n1", "N-A1", "call", "2027-03-14", "A", 1),  # the as-of day itself: counted
    ("rep-n1", "N-A1", "call", "2027-03-15", "A", 1),  # the day after the as-of date: not counted
    ("rep-n1", "N-A1", "call", "2026-12-31", "A", 1),  # before the fiscal year: not counted
    ("rep-n1", "N-C1", "call", "2027-01-20", "C", 5),
    ("rep-n1", "N-X1", "call", "2027-02-01", None, 2),  # an account of no segment
    ("rep-n1", "N-A1", "meeting", "2027-02-05", "A", 11),
    ("rep-n1", "N-A1", "proposal", "2027-03-05", "A", 1),
    ("rep-n1", "N-C1", "proposal", "2027-01-25", "C", 1),  # no norm for proposals in C: done, nothing planned
    ("rep-s3", "S-A1", "call", "2027-03-10", "A", 1),  # before rep-s3 is in post
    ("rep-s3", "S-A1", "meeting", "2027-04-20", "A", 3),  # after the main as-of date
    (None, "O-A1", "call", "2027-01-15", "A", 3),  # owner matches no rep
    (None, "O-X1", "meeting", "2027-02-20", None, 1),  # no rep and no segment
]


@pytest.fixture(scope="module")
def activity_frames():
    return Frames(activities=activities_frame(ACTIVITY_ROWS))


def q(numerator, denominator) -> float:
    """An exact quotient as the float the reports give for ratios (not rounded): q(7, "26.4") = 7 / 26.4."""
    return float(Fraction(str(numerator)) / Fraction(str(denominator)))


def records(frame: pd.DataFrame) -> list[tuple]:
    return [tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in row) for row in frame.itertuples(index=False, name=None)]


def test_activity_by_rep_action_segment_year_to_date(ws, activity_frames):
    # Planned = sum over statuses of norm x accounts, x 73 days in post / 365 = x 1/5:
    #   rep-e3 call B     = 4 x 125 = 500 / 5 = 100      meeting B = 2 x 125 = 250 / 5 = 50
    #   rep-n1 call A     = 10 x 10 (override) + 4 x 8 = 132 / 5 = 26.4
    #          call B     = 6 x 20 + 4 x 15 = 180 / 5 = 36
    #          call C     = 4 x 40 + 2 x 40 = 240 / 5 = 48
    #          meeting A  = 4 x 10 (override) + 4 x 8 = 72 / 5 = 14.4
    #          meeting B  = 2 x 20 + 2 x 15 = 70 / 5 = 14
    #          meeting C  = 1 x 40 = 40 / 5 = 8
    #          proposal A = 1 x 8 = 8 / 5 = 1.6
    #          follow_up C = 2 x 40 + 2 x 40 = 160 / 5 = 32
    #   rep-s3: 0 days in post before 2027-04-01, so nothing planned.
    # Done (2027-01-01..2027-03-14): rep-e3 call B 80 -> 80 / 100 = 0.8, on track (exactly the threshold);
    #   meeting B 34 -> 34 / 50 = 0.68, watch (exactly the watch floor 0.8 x 0.85);
    #   rep-n1 call A 3 + 2 + 1 + 1 = 7 (not the 2027-03-15 and 2026-12-31 calls) -> 7 / 26.4 = 0.265151.. -> 0.2652;
    #   call C 5 / 48 = 0.104166.. -> 0.1042; call <unsegmented> 2 (nothing planned: ratio None, status '');
    #   meeting A 11 / 14.4 = 0.763888.. -> 0.7639, watch (0.68 <= 0.7639 < 0.8);
    #   proposal A 1 / 1.6 = 0.625, off track; proposal C 1 (nothing planned);
    #   rep-s3 call A 1 on 2027-03-10, before the hire: planned 0, ratio None;
    #   no rep: call A 3 and meeting <unsegmented> 1.
    # Like with like: the calls on an account of no segment (2), the proposal in C (no norm: 1) and the activities
    #   of no rep (3 + 1) are done_other, in no ratio; rep-s3's call A has a norm (nothing planned yet: ratio None).
    # Total: done 80+34+7+5+11+1+1 = 139; planned 100+50+26.4+36+48+14.4+14+8+1.6+32 = 330.4;
    #   ratio 139 / 330.4 = 0.420702.. -> 0.4207; gap -191.4; off track; done_other 2+1+3+1 = 7.
    # Scheduled: the year to date ends on the as-of day, so what is booked counts up to the end of March:
    #   the 2027-03-15 call of rep-n1 (the 2027-04-20 meetings of rep-s3 are beyond it). No status: nothing overdue.
    table = activity(context(ws, activity_frames))
    assert list(table.columns) == ["rep", "action", "segment", "done", "planned", "ratio", "gap", "done_other", "overdue", "scheduled", "status"]
    assert records(table) == [
        ("rep-e3", "call", "B", 80, 100.0, 0.8, -20.0, 0, 0, 0, "on track"),
        ("rep-e3", "meeting", "B", 34, 50.0, 0.68, -16.0, 0, 0, 0, "watch"),
        ("rep-n1", "call", "A", 7, 26.4, q(7, "26.4"), -19.4, 0, 0, 1, "off track"),
        ("rep-n1", "call", "B", 0, 36.0, 0.0, -36.0, 0, 0, 0, "off track"),
        ("rep-n1", "call", "C", 5, 48.0, q(5, 48), -43.0, 0, 0, 0, "off track"),
        ("rep-n1", "call", UNSEGMENTED, 0, 0.0, None, 0.0, 2, 0, 0, ""),
        ("rep-n1", "meeting", "A", 11, 14.4, q(11, "14.4"), -3.4, 0, 0, 0, "watch"),
        ("rep-n1", "meeting", "B", 0, 14.0, 0.0, -14.0, 0, 0, 0, "off track"),
        ("rep-n1", "meeting", "C", 0, 8.0, 0.0, -8.0, 0, 0, 0, "off track"),
        ("rep-n1", "proposal", "A", 1, 1.6, 0.625, -0.6, 0, 0, 0, "off track"),
        ("rep-n1", "proposal", "C", 0, 0.0, None, 0.0, 1, 0, 0, ""),
        ("rep-n1", "follow_up", "C", 0, 32.0, 0.0, -32.0, 0, 0, 0, "off track"),
        ("rep-s3", "call", "A", 1, 0.0, None, 1.0, 0, 0, 0, ""),
        (UNPLANNED, "call", "A", 0, 0.0, None, 0.0, 3, 0, 0, ""),
        (UNPLANNED, "meeting", UNSEGMENTED, 0, 0.0, None, 0.0, 1, 0, 0, ""),
        (TOTAL, TOTAL, TOTAL, 139, 330.4, q(139, "330.4"), -191.4, 7, 0, 1, "off track"),
    ]
    assert table["ratio"].dtype == object  # None stays None, not NaN


def test_activity_by_team(ws, activity_frames):
    # mgr-enterprise = rep-e3: done 80 + 34 = 114, planned 150 -> 0.76, watch (0.68 <= 0.76 < 0.8), gap -36.
    # mgr-north = rep-n1: done 7 + 5 + 11 + 1 = 24 (the 2 <unsegmented> calls and the proposal in C, of no norm,
    #   are done_other: 3), planned 26.4 + 36 + 48 + 14.4 + 14 + 8 + 1.6 + 32 = 180.4 -> 24 / 180.4, gap -156.4;
    #   scheduled 1 (the 2027-03-15 call).
    # mgr-south = rep-s3: done 1, planned 0. No rep: done_other 3 + 1 = 4.
    table = activity(context(ws, activity_frames), by=["team"])
    assert records(table) == [
        ("mgr-enterprise", 114, 150.0, 0.76, -36.0, 0, 0, 0, "watch"),
        ("mgr-north", 24, 180.4, q(24, "180.4"), -156.4, 3, 0, 1, "off track"),
        ("mgr-south", 1, 0.0, None, 1.0, 0, 0, 0, ""),
        (UNPLANNED, 0, 0.0, None, 0.0, 4, 0, 0, ""),
        (TOTAL, 139, 330.4, q(139, "330.4"), -191.4, 7, 0, 1, "off track"),
    ]


def test_activity_by_action_keeps_unplanned_activities_apart(ws, activity_frames):
    # call: planned 100 + 26.4 + 36 + 48 = 210.4, done 80 + 7 + 5 + 1 = 93 -> 0.442015.. (the 2 calls of no segment
    #   are done_other), scheduled 1
    # meeting: planned 50 + 14.4 + 14 + 8 = 86.4, done 34 + 11 = 45 -> 0.520833.. -> 0.5208
    # proposal: planned 1.6, done 1 (the proposal in C has no norm: done_other) -> 0.625, off track, gap -0.6;
    # follow_up: planned 32, done 0.
    # The 4 activities of no rep form one <unplanned> row instead of adding to the planned calls and meetings.
    table = activity(context(ws, activity_frames), by=["action"])
    assert records(table) == [
        ("call", 93, 210.4, q(93, "210.4"), -117.4, 2, 0, 1, "off track"),
        ("meeting", 45, 86.4, q(45, "86.4"), -41.4, 0, 0, 0, "off track"),
        ("proposal", 1, 1.6, 0.625, -0.6, 1, 0, 0, "off track"),
        ("follow_up", 0, 32.0, 0.0, -32.0, 0, 0, 0, "off track"),
        (UNPLANNED, 0, 0.0, None, 0.0, 4, 0, 0, ""),
        (TOTAL, 139, 330.4, q(139, "330.4"), -191.4, 7, 0, 1, "off track"),
    ]


def test_activity_segment_filter(ws, activity_frames):
    # --segment A: planned rep-n1 call A 26.4, meeting A 14.4, proposal A 1.6 (42.4 in all);
    # done 7, 11, 1 and rep-s3's 1 (20 in all): 20 / 42.4 = 0.471698..; the 3 calls of no rep on segment A are
    # done_other. Activities of no segment are outside --segment A.
    table = activity(context(ws, activity_frames, segment="A"))
    assert records(table) == [
        ("rep-n1", "call", "A", 7, 26.4, q(7, "26.4"), -19.4, 0, 0, 1, "off track"),
        ("rep-n1", "meeting", "A", 11, 14.4, q(11, "14.4"), -3.4, 0, 0, 0, "watch"),
        ("rep-n1", "proposal", "A", 1, 1.6, 0.625, -0.6, 0, 0, 0, "off track"),
        ("rep-s3", "call", "A", 1, 0.0, None, 1.0, 0, 0, 0, ""),
        (UNPLANNED, "call", "A", 0, 0.0, None, 0.0, 3, 0, 0, ""),
        (TOTAL, TOTAL, TOTAL, 20, 42.4, q(20, "42.4"), -22.4, 3, 0, 1, "off track"),
    ]


def test_activity_team_filter_drops_other_reps_and_unplanned_rows(ws, activity_frames):
    table = activity(context(ws, activity_frames, team="mgr-enterprise"), by=["rep", "segment"])
    # rep-e3 B: done 80 + 34 = 114, planned 100 + 50 = 150 -> 0.76, watch.
    assert records(table) == [
        ("rep-e3", "B", 114, 150.0, 0.76, -36.0, 0, 0, 0, "watch"),
        (TOTAL, TOTAL, 114, 150.0, 0.76, -36.0, 0, 0, 0, "watch"),
    ]


def test_activity_month_to_date_with_a_mid_month_as_of(ws, activity_frames):
    # --period mar, as of 2027-03-14: 2027-03-01..2027-03-14 = 14 days; --rep rep-n1 --segment A.
    #   call A:     132 x 14 / 365 = 1848 / 365 = 5.063013.. -> 5.06; done 2 (03-01 and 03-14)
    #               -> 2 x 365 / 1848 = 0.395021.. -> 0.3950; gap 2 - 5.063013.. = -3.063013.. -> -3.06
    #   meeting A:  72 x 14 / 365 = 1008 / 365 = 2.761643.. -> 2.76; done 0 (all in February)
    #   proposal A: 8 x 14 / 365 = 112 / 365 = 0.306849.. -> 0.31; done 1 -> 365 / 112 = 3.258928.. -> 3.2589;
    #               gap 1 - 0.306849.. = 0.693150.. -> 0.69
    #   total:      212 x 14 / 365 = 2968 / 365 = 8.131506.. -> 8.13; done 3 -> 1095 / 2968 = 0.368935.. -> 0.3689;
    #               gap -5.131506.. -> -5.13
    table = activity(context(ws, activity_frames, period="mar", reps=("rep-n1",), segment="A"))
    assert records(table) == [
        ("rep-n1", "call", "A", 2, 5.06, q(730, 1848), -3.06, 0, 0, 1, "off track"),  # the 03-15 call: scheduled
        ("rep-n1", "meeting", "A", 0, 2.76, 0.0, -2.76, 0, 0, 0, "off track"),
        ("rep-n1", "proposal", "A", 1, 0.31, q(365, 112), 0.69, 0, 0, 0, "on track"),
        (TOTAL, TOTAL, TOTAL, 3, 8.13, q(1095, 2968), -5.13, 0, 0, 1, "off track"),
    ]


def test_activity_of_the_brief_q1_example(ws, activity_frames):
    # --period Q1 as of 2027-03-31: 90 days. rep-n1 call A = (10 x 10 prospects + 4 x 8 customers) x 90 / 365
    #   = 24.657534.. + 7.890410.. = 11880 / 365 = 32.547945.. -> 32.55; done 7 (the 03-15 call is now in) + 1 = 8
    #   -> 8 x 365 / 11880 = 0.245791.. -> 0.2458.
    table = activity(context(ws, activity_frames, as_of=dt.date(2027, 3, 31), period="Q1", reps=("rep-n1",), segment="A"), by=["rep", "action"])
    assert records(table)[0] == ("rep-n1", "call", 8, 32.55, q(2920, 11880), -24.55, 0, 0, 0, "off track")


def test_activity_of_a_mid_year_hire(ws, activity_frames):
    # Before 2027-04-01 nothing is planned for rep-s3: only the call done before the hire shows.
    before = activity(context(ws, activity_frames, reps=("rep-s3",)))
    assert records(before) == [
        ("rep-s3", "call", "A", 1, 0.0, None, 1.0, 0, 0, 0, ""),
        (TOTAL, TOTAL, TOTAL, 1, 0.0, None, 1.0, 0, 0, 0, ""),
    ]
    # As of 2027-05-15 (ytd 2027-01-01..2027-05-15), rep-s3 is in post 2027-04-01..2027-05-15 = 30 + 15 = 45 days.
    #   call A:     (8 x 10 + 4 x 8) = 112 x 45 / 365 = 1008 / 73 = 13.808219.. -> 13.81; done 1
    #               -> 73 / 1008 = 0.072420.. -> 0.0724; gap 1 - 1008 / 73 = -935 / 73 = -12.808219.. -> -12.81
    #   meeting A:  (3 x 10 + 4 x 8) = 62 x 45 / 365 = 558 / 73 = 7.643835.. -> 7.64; done 3 (2027-04-20)
    #               -> 219 / 558 = 0.392473.. -> 0.3925; gap -339 / 73 = -4.643835.. -> -4.64
    #   proposal A: 1 x 8 = 8 x 45 / 365 = 72 / 73 = 0.986301.. -> 0.99; done 0; gap -0.99
    #   total:      1638 / 73 = 22.438356.. -> 22.44; done 4 -> 292 / 1638 = 0.178266.. -> 0.1783; gap -1346 / 73 -> -18.44
    after = activity(context(ws, activity_frames, as_of=dt.date(2027, 5, 15), reps=("rep-s3",), segment="A"))
    assert records(after) == [
        ("rep-s3", "call", "A", 1, 13.81, q(73, 1008), -12.81, 0, 0, 0, "off track"),
        ("rep-s3", "meeting", "A", 3, 7.64, q(219, 558), -4.64, 0, 0, 0, "off track"),
        ("rep-s3", "proposal", "A", 0, 0.99, 0.0, -0.99, 0, 0, 0, "off track"),
        (TOTAL, TOTAL, TOTAL, 4, 22.44, q(292, 1638), -18.44, 0, 0, 0, "off track"),
    ]


@pytest.mark.parametrize(
    ("calls", "ratio", "status"),
    [(80, 0.8, "on track"), (79, 0.79, "watch"), (68, 0.68, "watch"), (67, 0.67, "off track"), (100, 1.0, "on track")],
)
def test_activity_status_at_the_threshold_boundaries(ws, calls, ratio, status):
    # rep-e3 call B: 100 planned as of 2027-03-14 (see above); 80% is the threshold, 80% x (1 - 15%) = 68% the watch floor.
    frames = Frames(activities=activities_frame([("rep-e3", "E-B1", "call", "2027-03-01", "B", calls)]))
    table = activity(context(ws, frames, reps=("rep-e3",)), by=["rep", "action"])
    assert records(table)[0] == ("rep-e3", "call", calls, 100.0, ratio, calls - 100.0, 0, 0, 0, status)


def test_activity_before_the_period_begins_and_errors(ws, activity_frames):
    # As of 2026-12-20 the fiscal year to date is empty: nothing planned, nothing done; every activity of the
    # fiscal year is dated after the as-of day, so scheduled: 150 (all but the 2026-12-31 call, before the year).
    table = activity(context(ws, activity_frames, as_of=dt.date(2026, 12, 20), period="fy"))
    assert records(table)[-1] == (TOTAL, TOTAL, TOTAL, 0, 0.0, None, 0.0, 0, 0, 150, "")
    assert set(table["done"]) == {0} and set(table["done_other"]) == {0}
    with pytest.raises(ValueError, match="--by product"):
        activity(context(ws, activity_frames), by=["product"])
    with pytest.raises(ValueError, match=r"data\.activities"):
        activity(context(ws, Frames()))


def test_exact_round_is_half_away_from_zero():
    assert exact_round(Fraction(5, 1000), 2) == 0.01
    assert exact_round(Fraction(-5, 1000), 2) == -0.01
    assert exact_round(Fraction(2675, 1000), 2) == 2.68  # float(2.675) would round to 2.67
    assert exact_round(Fraction(1, 3), 4) == 0.3333


# --- coverage -----------------------------------------------------------------------------------------------------

#: (id, name, status in the export, segment, owning rep)
ACCOUNTS = [
    ("ACME-001", "Acme Bank", "customer", "A", None),  # rep-n1's named account, owned by a departed seller
    ("ACME-017", "Acme Insurance", None, "A", "rep-n1"),  # a sale on 2027-02-01 -> customer
    ("N-A1", "Nord Energie", None, "A", "rep-n1"),  # won on 2027-03-20, after the as-of date -> prospect
    ("N-A2", "Nordlicht", None, "A", "rep-n1"),  # only a lost deal -> prospect
    ("N-A3", "Nordsee", "prospect", "A", "rep-n1"),  # a sale, but the export says prospect: the export wins
    ("N-A4", "Nordwald", None, "A", "rep-n1"),  # nothing at all -> prospect
    ("N-B1", "Nordpol", "prospect", "B", "rep-n1"),
    ("N-B2", "Nordhafen", None, "B", "rep-n1"),  # won on 2027-03-14, the as-of day -> customer
    ("N-C1", "Nordstern", "customer", "C", "rep-n1"),
    ("N-X1", "Nowhere", "prospect", None, "rep-n1"),  # no segment: in no portfolio
    ("E-B1", "Baltic One", "customer", "B", "rep-e3"),
    ("E-B2", "Baltic Two", "customer", "B", "rep-e3"),
    ("E-B3", "Baltic Three", "customer", "B", "rep-e3"),
    ("E-B4", "Baltic Four", "customer", "B", "rep-e3"),
    ("E-B5", "Baltic Five", "customer", "B", "rep-e3"),
    ("S-A1", "Sud Energie", "prospect", "A", "rep-s3"),
    ("S-A2", "Sud Banque", "prospect", "A", "rep-s3"),
    ("O-A1", "Orphan", "prospect", "A", None),  # in no portfolio
]

COVERAGE_ACTIVITIES = [
    ("rep-n1", "N-A1", "call", "2027-01-05", "A", 1),
    ("rep-n1", "N-A1", "meeting", "2027-02-20", "A", 1),
    ("rep-n1", "N-A1", "call", "2027-03-14", "A", 1),  # the as-of day: counted
    ("rep-n1", "N-A2", "call", "2027-03-15", "A", 1),  # after the as-of date: neither touched nor a last action
    ("rep-e3", "N-A2", "call", "2027-02-02", "A", 1),  # another rep: N-A2's last action, not rep-n1's touch
    ("rep-n1", "N-A3", "call", "2026-12-20", "A", 1),  # before the period: a last action, not a touch
    ("rep-n1", "ACME-001", "meeting", "2027-02-10", "A", 1),
    ("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1),
    (None, "ACME-017", "call", "2027-01-20", "A", 1),  # a departed seller: ACME-017's last action
    ("rep-n1", "N-B1", "call", "2027-02-15", "B", 1),
    ("rep-n1", "N-B1", "call", "2027-03-02", "B", 1),
    ("rep-n1", "N-C1", "follow_up", "2027-01-31", "C", 1),
    ("rep-n1", "N-X1", "call", "2027-02-01", None, 1),
    ("rep-e3", "E-B1", "call", "2027-01-10", "B", 1),
    ("rep-e3", "E-B1", "meeting", "2027-02-10", "B", 1),
    ("rep-e3", "E-B2", "call", "2027-02-11", "B", 1),
    ("rep-e3", "E-B3", "call", "2027-03-01", "B", 1),
    ("rep-e3", "E-B4", "call", "2027-03-20", "B", 1),  # after the as-of date
    ("rep-s3", "S-A1", "call", "2027-03-10", "A", 1),  # before the hire, but in the period: a touch
    ("rep-s3", "S-A1", "call", "2027-04-20", "A", 1),
    ("rep-s3", "S-A2", "meeting", "2027-05-15", "A", 1),
]


@pytest.fixture(scope="module")
def coverage_frames():
    return Frames(
        accounts=accounts_frame(ACCOUNTS),
        activities=activities_frame(COVERAGE_ACTIVITIES),
        sales=sales_frame(
            [
                ("rep-n1", "ACME-017", 1_500_000, "2027-02-01", "A"),
                ("rep-n1", "N-A3", 800_000, "2027-01-15", "A"),
            ]
        ),
        opportunities=opportunities_frame(
            [
                ("OP-1", "rep-n1", "N-A1", "won", "won", 900_000, "2027-03-20", "A"),
                ("OP-2", "rep-n1", "N-A2", "lost", "lost", 400_000, "2027-02-01", "A"),
                ("OP-3", "rep-n1", "N-B2", "won", "won", 300_000, "2027-03-14", "B"),
                ("OP-4", "rep-n1", "N-A4", "proposal", "open", 500_000, "2027-02-28", "A"),
            ]
        ),
    )


def test_account_statuses(ws, coverage_frames):
    statuses = account_statuses(context(ws, coverage_frames))
    assert statuses.to_dict() == {
        "ACME-001": "customer",
        "ACME-017": "customer",
        "N-A1": "prospect",
        "N-A2": "prospect",
        "N-A3": "prospect",
        "N-A4": "prospect",
        "N-B1": "prospect",
        "N-B2": "customer",
        "N-C1": "customer",
        "N-X1": "prospect",
        "E-B1": "customer",
        "E-B2": "customer",
        "E-B3": "customer",
        "E-B4": "customer",
        "E-B5": "customer",
        "S-A1": "prospect",
        "S-A2": "prospect",
        "O-A1": "prospect",
    }
    # As of 2027-03-31 the deal won on 2027-03-20 makes N-A1 a customer.
    assert account_statuses(context(ws, coverage_frames, as_of=dt.date(2027, 3, 31)))["N-A1"] == "customer"


def test_coverage_year_to_date(ws, coverage_frames):
    # Targeted: rep-e3 owns E-B1..E-B5 (B, its segment); rep-n1 has ACME-001 and ACME-017 by name, owns the
    # N-A*, N-B*, N-C1 accounts (N-X1 has no segment, so it is in no portfolio); rep-s3 owns S-A1, S-A2.
    # Norm sums per account and year, x 73 / 365 = 1/5 for the days in post:
    #   rep-e3 B customer: call 4 + meeting 2 = 6 -> 6/5 = 1.2
    #   rep-n1 A prospect: call 10 + meeting 4 = 14 -> 2.8; A customer: 4 + 4 + 1 = 9 -> 1.8;
    #          B prospect: 6 + 2 = 8 -> 1.6; B customer: 4 + 2 = 6 -> 1.2; C customer: 2 + 2 = 4 -> 0.8
    #   rep-s3: 0 days in post -> pressure None and no status.
    # rep-e3 B customer: 5 targeted, touched E-B1, E-B2, E-B3 = 3 -> 0.6 (on track, exactly the threshold);
    #   actions 2 + 1 + 1 = 4; pressure (4 / 5) / 1.2 = 2/3 = 0.6667.
    # rep-n1 A prospect: N-A1..N-A4 = 4, touched N-A1 = 1 -> 0.25; actions 3; pressure (3 / 4) / 2.8 = 15/56 = 0.267857.. -> 0.2679.
    # rep-n1 A customer: ACME-001, ACME-017 = 2, touched ACME-001 -> 0.5 (off track, below 0.51); actions 2;
    #   pressure (2 / 2) / 1.8 = 5/9 = 0.5556.
    # rep-n1 B prospect: N-B1, touched, actions 2 -> pressure 2 / 1.6 = 1.25. B customer: N-B2, untouched -> 0, pressure 0.
    # rep-n1 C customer: N-C1, touched, 1 action -> pressure 1 / 0.8 = 1.25.
    # rep-s3 A prospect: S-A1 (call on 2027-03-10), S-A2 untouched -> 0.5, 1 action.
    # Total: targeted 5 + 4 + 2 + 1 + 1 + 1 + 2 = 16, touched 3 + 1 + 1 + 1 + 0 + 1 + 1 = 8 -> 0.5, off track;
    #   actions 4 + 3 + 2 + 2 + 0 + 1 + 1 = 13.
    table = coverage(context(ws, coverage_frames))
    assert list(table.columns) == ["rep", "segment", "account_status", "targeted", "touched", "coverage", "due", "actions", "pressure", "status"]
    assert records(table) == [
        ("rep-e3", "B", "customer", 5, 3, 0.6, 3.0, 4, q(2, 3), "on track"),
        ("rep-n1", "A", "prospect", 4, 1, 0.25, 2.4, 3, q(15, 56), "off track"),
        ("rep-n1", "A", "customer", 2, 1, 0.5, 1.2, 2, q(5, 9), "off track"),
        ("rep-n1", "B", "prospect", 1, 1, 1.0, 0.6, 2, 1.25, "on track"),
        ("rep-n1", "B", "customer", 1, 0, 0.0, 0.6, 0, 0.0, "off track"),
        ("rep-n1", "C", "customer", 1, 1, 1.0, 0.6, 1, 1.25, "on track"),
        ("rep-s3", "A", "prospect", 2, 1, 0.5, 0.0, 1, None, ""),
        (TOTAL, TOTAL, TOTAL, 16, 8, 0.5, 8.4, 13, None, "off track"),
    ]
    assert table["pressure"].dtype == object  # None stays None, not NaN


def test_coverage_filters(ws, coverage_frames):
    # --segment A: rep-n1 A prospect (4, 1, 3 actions), A customer (2, 1, 2), rep-s3 A prospect (2, 1, 1):
    #   total 8 targeted, 3 touched -> 0.375, 6 actions.
    by_segment = coverage(context(ws, coverage_frames, segment="A"))
    assert records(by_segment) == [
        ("rep-n1", "A", "prospect", 4, 1, 0.25, 2.4, 3, q(15, 56), "off track"),
        ("rep-n1", "A", "customer", 2, 1, 0.5, 1.2, 2, q(5, 9), "off track"),
        ("rep-s3", "A", "prospect", 2, 1, 0.5, 0.0, 1, None, ""),
        (TOTAL, TOTAL, TOTAL, 8, 3, 0.375, 3.6, 6, None, "off track"),
    ]
    # --rep rep-e3: its row and a total of the same figures.
    by_rep = coverage(context(ws, coverage_frames, reps=("rep-e3",)))
    assert records(by_rep) == [
        ("rep-e3", "B", "customer", 5, 3, 0.6, 3.0, 4, q(2, 3), "on track"),
        (TOTAL, TOTAL, TOTAL, 5, 3, 0.6, 3.0, 4, None, "on track"),
    ]


def test_coverage_of_a_mid_year_hire(ws, coverage_frames):
    # As of 2027-05-15, rep-s3 has touched S-A1 (2027-03-10, 2027-04-20) and S-A2 (2027-05-15): 2 of 2, 3 actions.
    # In post 2027-04-01..2027-05-15 = 45 days; norm A prospect call 8 + meeting 3 = 11 per account and year.
    # pressure = (3 / 2) / (11 x 45 / 365) = 1.5 x 365 / 495 = 73/66 = 1.106060.. -> 1.1061.
    table = coverage(context(ws, coverage_frames, as_of=dt.date(2027, 5, 15), reps=("rep-s3",)))
    assert records(table) == [
        ("rep-s3", "A", "prospect", 2, 2, 1.0, 1.2, 3, q(73, 66), "on track"),
        (TOTAL, TOTAL, TOTAL, 2, 2, 1.0, 1.2, 3, None, "on track"),
    ]
    # Before the hire (as of 2027-03-14), the rep is judged on nothing: no status, and none for the total either.
    before = coverage(context(ws, coverage_frames, reps=("rep-s3",)))
    assert records(before)[-1] == (TOTAL, TOTAL, TOTAL, 2, 1, 0.5, 0.0, 1, None, "")


@pytest.mark.parametrize(
    ("touched", "status"),
    [(60, "on track"), (59, "watch"), (51, "watch"), (50, "off track")],
)
def test_coverage_status_at_the_threshold_boundaries(ws, touched, status):
    # 100 B accounts owned by rep-e3: coverage = touched / 100; threshold 60%, watch floor 60% x 0.85 = 51%.
    # pressure = (touched / 100) / (6 x 1/5) = touched / 120.
    accounts = accounts_frame([(f"E-B{n:03d}", f"Baltic {n}", "customer", "B", "rep-e3") for n in range(1, 101)])
    acts = activities_frame([("rep-e3", f"E-B{n:03d}", "call", "2027-02-01", "B", 1) for n in range(1, touched + 1)])
    table = coverage(context(ws, Frames(accounts=accounts, activities=acts), reps=("rep-e3",)))
    assert records(table)[0] == ("rep-e3", "B", "customer", 100, touched, touched / 100, 60.0, touched, q(touched, 120), status)


def test_coverage_needs_the_accounts_and_activities_exports(ws, coverage_frames):
    with pytest.raises(ValueError, match=r"coverage needs an accounts export \(data\.accounts\)"):
        coverage(context(ws, Frames(activities=coverage_frames.activities)))
    with pytest.raises(ValueError, match=r"data\.accounts"):
        untouched_accounts(context(ws, Frames(activities=coverage_frames.activities)))
    with pytest.raises(ValueError, match=r"data\.accounts"):
        account_statuses(context(ws, Frames()))
    with pytest.raises(ValueError, match=r"data\.activities"):
        coverage(context(ws, Frames(accounts=coverage_frames.accounts)))


def test_untouched_accounts(ws, coverage_frames):
    # Not touched by their rep in 2027-01-01..2027-03-14; last action by anyone on or before 2027-03-14.
    # rep-e3: E-B4 (its call is on 2027-03-20, after the as-of date) and E-B5: both never -> by id.
    # rep-n1, priority 1 (A) first: N-A4 never; then the oldest last action:
    #   N-A3 2026-12-20 (rep-n1, before the period): 12 days to 2027-01-01 + 72 to 2027-03-14 = 84 days;
    #   ACME-017 2027-01-20 (the departed seller): 11 + 28 + 14 = 53 days;
    #   N-A2 2027-02-02 (rep-e3; rep-n1's call of 2027-03-15 is too late): 26 + 14 = 40 days;
    #   then priority 2 (B): N-B2, never.
    # rep-s3: S-A2 (its meeting is on 2027-05-15).
    table = untouched_accounts(context(ws, coverage_frames))
    assert list(table.columns) == ["rep", "account", "name", "segment", "status", "priority", "last_action", "days_since"]
    assert records(table) == [
        ("rep-e3", "E-B4", "Baltic Four", "B", "customer", 2, None, None),
        ("rep-e3", "E-B5", "Baltic Five", "B", "customer", 2, None, None),
        ("rep-n1", "N-A4", "Nordwald", "A", "prospect", 1, None, None),
        ("rep-n1", "N-A3", "Nordsee", "A", "prospect", 1, dt.date(2026, 12, 20), 84),
        ("rep-n1", "ACME-017", "Acme Insurance", "A", "customer", 1, dt.date(2027, 1, 20), 53),
        ("rep-n1", "N-A2", "Nordlicht", "A", "prospect", 1, dt.date(2027, 2, 2), 40),
        ("rep-n1", "N-B2", "Nordhafen", "B", "customer", 2, None, None),
        ("rep-s3", "S-A2", "Sud Banque", "A", "prospect", 1, None, None),
    ]


def test_untouched_accounts_top_and_filters(ws, coverage_frames):
    top_two = untouched_accounts(context(ws, coverage_frames), top=2)
    assert [(r, a) for r, a, *_ in records(top_two)] == [
        ("rep-e3", "E-B4"),
        ("rep-e3", "E-B5"),
        ("rep-n1", "N-A4"),
        ("rep-n1", "N-A3"),
        ("rep-s3", "S-A2"),
    ]
    assert untouched_accounts(context(ws, coverage_frames), top=0).empty
    # --segment B --rep rep-n1: N-B2 only.
    only_b = untouched_accounts(context(ws, coverage_frames, reps=("rep-n1",), segment="B"))
    assert records(only_b) == [("rep-n1", "N-B2", "Nordhafen", "B", "customer", 2, None, None)]
    # As of 2027-05-15 rep-s3 has touched both accounts; E-B4 was called on 2027-03-20 by rep-e3 itself.
    later = untouched_accounts(context(ws, coverage_frames, as_of=dt.date(2027, 5, 15), reps=("rep-e3", "rep-s3")))
    assert records(later) == [
        ("rep-e3", "E-B5", "Baltic Five", "B", "customer", 2, None, None),
    ]


# --- coverage of a period still in progress (docs/metrics.md, coverage: "A period in progress") ----------------


def _june(touched: int, as_of: dt.date):
    """rep-e3 owns 20 B customers; it touched the first `touched` of them on 2027-06-01."""
    accounts = accounts_frame([(f"E-B{n:03d}", f"Baltic {n}", "customer", "B", "rep-e3") for n in range(1, 21)])
    acts = activities_frame([("rep-e3", f"E-B{n:03d}", "call", "2027-06-01", "B", 1) for n in range(1, touched + 1)])
    return accounts, acts


@pytest.mark.parametrize(
    ("as_of", "touched", "due", "status"),
    [
        # June has 30 days; threshold 60%, watch floor 51%. due = 20 x 60% x elapsed.
        (dt.date(2027, 6, 1), 0, 0.4, ""),  # elapsed 1/30: 0.4 account due, under one: not judged yet
        (dt.date(2027, 6, 2), 0, 0.8, ""),  # elapsed 2/30: 0.8 due: not judged yet
        (dt.date(2027, 6, 1), 1, 0.4, "on track"),  # pace 1 / (20 x 1/30) = 1.5 >= 60%: on track at once
        (dt.date(2027, 6, 3), 0, 1.2, "off track"),  # elapsed 3/30 = 10%: expected 2, pace 0 / 2 = 0
        (dt.date(2027, 6, 3), 1, 1.2, "off track"),  # pace 1 / 2 = 50% < 51%
        (dt.date(2027, 6, 3), 2, 1.2, "on track"),  # pace 2 / 2 = 100%
        (dt.date(2027, 6, 10), 4, 4.0, "on track"),  # elapsed 1/3: expected 20/3, pace 4 x 3 / 20 = 60% (was 4 / 20 = 20%, off track)
        (dt.date(2027, 6, 10), 3, 4.0, "off track"),  # pace 3 x 3 / 20 = 45%
        (dt.date(2027, 6, 30), 12, 12.0, "on track"),  # the month is over: elapsed 1, pace = coverage = 12 / 20
        (dt.date(2027, 6, 30), 11, 12.0, "watch"),  # 11 / 20 = 55%, at or above 51%
    ],
)
def test_coverage_of_a_month_in_progress_is_judged_against_the_share_elapsed(ws, as_of, touched, due, status):
    accounts, acts = _june(touched, as_of)
    ctx = context(ws, Frames(accounts=accounts, activities=acts), as_of=as_of, period="month", reps=("rep-e3",))
    rows = coverage(ctx).to_dict("records")
    assert (rows[0]["targeted"], rows[0]["touched"], rows[0]["coverage"], rows[0]["due"], rows[0]["status"]) == (20, touched, touched / 20, due, status)
    assert (rows[-1]["rep"], rows[-1]["due"], rows[-1]["status"]) == (TOTAL, due, status)
    from salesplan_cli.reports.coverage import coverage_by_rep

    share, pace, judged = coverage_by_rep(ctx, coverage(ctx))["rep-e3"]
    assert (share, judged) == (touched / 20, status)
    # the gate's figure: the pace to date, none while not judged
    elapsed = Fraction((as_of - dt.date(2027, 6, 1)).days + 1, 30)
    assert pace == (float(Fraction(touched) / (20 * elapsed)) if status else None)


COVERAGE_DATA = """data:
  accounts:
    path: data/accounts.csv
    columns: {id: id, name: name, owner: owner, status: status}
  activities:
    path: data/acts.csv
    columns: {owner: owner, account: account, type: type, date: date}
  attributes: {employees: employees}
"""


@pytest.fixture
def june(tmp_path):
    from conftest import copy_workspace

    ws = copy_workspace(EXAMPLE, tmp_path / "june")
    ws.replace_data(COVERAGE_DATA)
    ws.write("data/accounts.csv", "id,name,owner,status,employees\n" + "".join(f"B-{n:03d},Baltic {n},rep-e3,customer,500\n" for n in range(1, 21)))
    ws.write("data/acts.csv", "owner,account,type,date\nrep-e3,B-001,call,2027-05-20\nrep-e3,B-002,call,2027-06-03\nrep-e3,B-003,call,2027-06-03\n")
    return ws


def test_coverage_cli_on_the_second_and_third_day_of_a_month(run_cli, june):
    import json

    # As of 2027-06-02 (elapsed 2/30): 0 of 20 touched in June, due 20 x 60% x 2/30 = 0.8: not judged yet, no gate breach.
    second = run_cli("report", "coverage", "-w", june.root, "--period", "month", "--as-of", "2027-06-02", "--format", "json", "--fail-under", "coverage=60%")
    assert second.code == 0, second.out + second.err
    row = json.loads(second.out)["tables"]["coverage"][0]
    assert (row["rep"], row["targeted"], row["touched"], row["due"], row["status"]) == ("rep-e3", 20, 0, 0.8, "")
    # As of 2027-06-03 (elapsed 3/30 = 10%): B-002 and B-003 touched that day: pace 2 / (20 x 10%) = 100%, on track
    # (judged against the whole month, 2 / 20 = 10% would be off track); due 1.2.
    third = run_cli("report", "coverage", "-w", june.root, "--period", "month", "--as-of", "2027-06-03", "--fail-under", "coverage=60%")
    assert third.code == 0, third.out + third.err
    line = next(l for l in third.out.splitlines() if "rep-e3" in l and "customer" in l)
    assert "1.20" in line and "10.0%" in line and "on track" in line
    # Review of the month as of the 3rd: the coverage summary row follows the same rule.
    review = run_cli("review", "-w", june.root, "--rep", "rep-e3", "--period", "month", "--as-of", "2027-06-03", "--format", "json")
    assert review.code == 0, review.err
    summary = {r["metric"]: r for r in json.loads(review.out)["tables"]["summary"]}
    assert (summary["coverage"]["actual"], summary["coverage"]["plan"], summary["coverage"]["status"]) == (2, 20, "on track")


def test_untouched_accounts_when_no_activity_is_dated_before_the_end(plan, run_cli):
    """Found by the fuzzer: with no activity done on or before the end of the period to date, every targeted
    account is untouched and never worked (last_action None), not a crash."""
    header = plan.text("data/activities.csv").splitlines()[0]
    plan.write("data/activities.csv", header + "\nDaniel Weiss,ARCAD-357,Call,2027-12-01 08:28,80012345678,,Completed,CIO\n")
    run = run_cli("report", "coverage", "-w", plan.root, "--as-of", "2027-10-15", "--format", "json")
    assert run.code in (0, 1), run.err
    untouched = json.loads(run.out)["tables"]["untouched"]
    assert untouched and all(row["last_action"] is None and row["days_since"] is None for row in untouched)
