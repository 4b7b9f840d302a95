"""Activities done, open, overdue and scheduled; the like-with-like activity ratio (issue 12).

Every expected figure is worked out by hand. The report-level tests reuse the reduced workspace of
test_reports_activity_coverage (rep-e3, rep-n1, rep-s3; as of 2027-03-14 the year to date is 73 days, 1/5 of
the fiscal year). The intake and CLI tests use the example plan with a `data:` section of their own and
exports written in each CRM's own words.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from conftest import texts

from salesplan_cli.intake.activity_status import status_notes, unknown_status_notes
from salesplan_cli.intake.load import Frames
from salesplan_cli.reports.activity import activity
from salesplan_cli.reports.context import TOTAL
from salesplan_cli.reports.coverage import coverage, untouched_accounts
from salesplan_cli.reports.dashboard import dashboard
from test_intake import issues_of, load, workspace_with
from test_reports_activity_coverage import accounts_frame, activities_frame, context, opportunities_frame, q, records, ws  # noqa: F401 (ws: a fixture)

NO_STATUS_NOTE = (
    "activities: the export gives no task status, so every activity dated up to the as-of date counts as done "
    "(map a status column under data.activities.columns to tell done from open)"
)


def with_status(rows: list[tuple]) -> pd.DataFrame:
    """rows: (rep, account, action, date, segment, how many, status 'done' / 'open' / None)."""
    frame = activities_frame([row[:6] for row in rows])
    statuses = [row[6] for row in rows for _ in range(row[5])]
    frame["status"] = pd.Series(statuses, dtype="object")
    return frame


# rep-n1 on ACME-001 (segment A), as of 2027-03-14. rep-n1's norms in A: call and meeting (prospects and
# customers), proposal (customers); no follow_up (the e-mails of the example's mapping).
STATUS_ROWS = [
    ("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1, "done"),
    ("rep-n1", "ACME-001", "call", "2027-03-02", "A", 1, "done"),
    ("rep-n1", "ACME-001", "call", "2027-03-10", "A", 1, "open"),  # open, dated before the as-of day: overdue
    ("rep-n1", "ACME-001", "call", "2027-03-20", "A", 1, "open"),  # after the as-of day: scheduled
    ("rep-n1", "ACME-001", "call", "2027-03-20", "A", 1, "done"),  # after the as-of day, even marked done: scheduled
    ("rep-n1", "ACME-001", "meeting", "2027-03-05", "A", 1, None),  # blank status (an event): done by its date
    ("rep-n1", "ACME-001", "meeting", "2027-02-10", "A", 1, "open"),  # a deferred meeting: overdue
    ("rep-n1", "ACME-001", "follow_up", "2027-02-01", "A", 3, "done"),  # e-mails: no norm in A, done_other
    ("rep-n1", "ACME-001", "call", "2027-04-02", "A", 1, "open"),  # beyond the end of March: not in the horizon
]


def test_done_overdue_and_scheduled_by_status(ws):  # noqa: F811
    # Planned to date (see test_reports_activity_coverage): call A 26.4, meeting A 14.4, proposal A 1.6: 42.4.
    # call A: done 2 (03-01, 03-02) -> 2 / 26.4 = 0.0758, gap -24.4; overdue 1 (03-10); scheduled 2 (both 03-20:
    #   the year to date ends on the as-of day, so what is booked counts to the end of March; not the 04-02 call).
    # meeting A: done 1 (the blank status on 03-05) -> 1 / 14.4, gap -13.4; overdue 1 (02-10).
    # follow_up A: 3 done, no norm: done_other 3, done 0, nothing planned, no ratio, no status.
    # total: done 3, planned 42.4 -> 3 / 42.4 = 0.0708, gap -39.4; done_other 3, overdue 2, scheduled 2.
    frames = Frames(activities=with_status(STATUS_ROWS))
    table = activity(context(ws, frames, reps=("rep-n1",), segment="A"))
    assert records(table) == [
        ("rep-n1", "call", "A", 2, 26.4, q(2, "26.4"), -24.4, 0, 1, 2, "off track"),
        ("rep-n1", "meeting", "A", 1, 14.4, q(1, "14.4"), -13.4, 0, 1, 0, "off track"),
        ("rep-n1", "proposal", "A", 0, 1.6, 0.0, -1.6, 0, 0, 0, "off track"),
        ("rep-n1", "follow_up", "A", 0, 0.0, None, 0.0, 3, 0, 0, ""),
        (TOTAL, TOTAL, TOTAL, 3, 42.4, q(3, "42.4"), -39.4, 3, 2, 2, "off track"),
    ]


def test_the_same_activities_seen_at_the_end_of_the_quarter(ws):  # noqa: F811
    # As of 2027-03-31, --period Q1 (90 days): the open 03-20 call is now overdue, the done one is done; the period
    # ends on the as-of day, at the end of March: the 04-02 call is still beyond the horizon.
    # call A planned (10 x 10 + 4 x 8) x 90 / 365 = 11880 / 365 = 32.55; done 3 -> 3 x 365 / 11880; overdue 2.
    frames = Frames(activities=with_status(STATUS_ROWS))
    table = activity(context(ws, frames, as_of=dt.date(2027, 3, 31), period="Q1", reps=("rep-n1",), segment="A"), by=["rep", "action"])
    assert records(table)[0] == ("rep-n1", "call", 3, 32.55, q(1095, 11880), -29.55, 0, 2, 0, "off track")
    assert records(table)[-1][-4:] == (3, 3, 0, "off track")  # done_other, overdue, scheduled, status


def test_emails_without_a_norm_stay_out_of_the_ratio(ws):  # noqa: F811
    # rep-e3 plans call B 100 and meeting B 50 to date (150). It made 80 calls and 34 meetings (114) and sent
    # 60 e-mails (follow_up: no norm in B). ratio = 114 / 150 = 0.76, watch (68% to 80%); counting the e-mails
    # would read 174 / 150 = 1.16, on track, for a rep behind on every action the plan asks for.
    frames = Frames(
        activities=activities_frame(
            [("rep-e3", "E-B1", "call", "2027-02-01", "B", 80), ("rep-e3", "E-B1", "meeting", "2027-02-15", "B", 34), ("rep-e3", "E-B1", "follow_up", "2027-02-20", "B", 60)]
        )
    )
    ctx = context(ws, frames, reps=("rep-e3",))
    assert records(activity(ctx, by=["rep"])) == [
        ("rep-e3", 114, 150.0, 0.76, -36.0, 60, 0, 0, "watch"),
        (TOTAL, 114, 150.0, 0.76, -36.0, 60, 0, 0, "watch"),
    ]
    by_action = records(activity(ctx, by=["action"]))
    assert by_action[2] == ("follow_up", 0, 0.0, None, 0.0, 60, 0, 0, "")
    # the dashboard's activity figure is the same like-with-like ratio, and the frame has no status: one note
    table, notes = dashboard(ctx)
    row = table.to_dict("records")[0]
    assert (row["rep"], row["activity"]) == ("rep-e3", 0.76)
    assert NO_STATUS_NOTE in notes


def test_open_activities_touch_no_account_and_are_no_last_action(ws):  # noqa: F811
    # rep-n1's named accounts: ACME-001 (customer) done on 03-01; ACME-017 (prospect) only an open call on 03-10.
    # Coverage: A customer 1 of 1 touched, 1 action; A prospect 0 of 1, 0 actions. ACME-017 is untouched with no
    # last action (the open to-do is not one).
    frames = Frames(
        accounts=accounts_frame([("ACME-001", "Acme Bank", "customer", "A", "rep-n1"), ("ACME-017", "Acme Insurance", "prospect", "A", "rep-n1")]),
        activities=with_status([("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1, "done"), ("rep-n1", "ACME-017", "call", "2027-03-10", "A", 1, "open")]),
    )
    ctx = context(ws, frames, reps=("rep-n1",))
    table = coverage(ctx)
    got = {(r["account_status"]): (r["targeted"], r["touched"], r["actions"]) for r in table.to_dict("records") if r["rep"] == "rep-n1"}
    assert got == {"customer": (1, 1, 1), "prospect": (1, 0, 0)}
    untouched = untouched_accounts(ctx).to_dict("records")
    assert [(r["account"], r["last_action"]) for r in untouched] == [("ACME-017", None)]


def test_an_open_activity_on_a_deal_is_no_sign_of_life(ws):  # noqa: F811
    # Deal O-1, open, created 2026-11-01: a call done on it on 2027-01-20 and one open to-do dated 2027-03-10.
    # last_touch = 2027-01-20 (not 03-10); as of 2027-03-14 that is 53 days > 30: stale.
    from salesplan_cli.reports.pipeline import open_deals

    activities = with_status([("rep-n1", "ACME-001", "call", "2027-01-20", "A", 1, "done"), ("rep-n1", "ACME-001", "call", "2027-03-10", "A", 1, "open")])
    activities["opportunity"] = "O-1"
    frames = Frames(
        opportunities=opportunities_frame([("O-1", "rep-n1", "ACME-001", "proposal", "open", 100_00, "2027-06-30", "A")]),
        activities=activities,
    )
    deal = open_deals(context(ws, frames)).to_dict("records")[0]
    assert (deal["last_touch"], deal["stale"]) == (dt.date(2027, 1, 20), True)


def test_notes_say_how_activities_were_counted():
    assert status_notes(activities_frame([("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1)])) == [NO_STATUS_NOTE]
    blank = with_status([("rep-n1", "ACME-001", "call", "2027-03-01", "A", 2, None), ("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1, "done")])
    assert status_notes(blank) == [
        "activities: 2 activities have a blank status (events and logged calls carry none): each counts by its date, "
        "as done up to the as-of date and as scheduled after it"
    ]
    assert status_notes(with_status([("rep-n1", "ACME-001", "call", "2027-03-01", "A", 1, "open")])) == []


# --- intake: each preset's own words ----------------------------------------------------------------------------

SALESFORCE = (
    '"Assigned","Company / Account","Task Subtype","Date","Status"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-01","Completed"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-02","Completed"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-10","Not Started"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-20","In Progress"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-20","Completed"\n'
    '"Lena Vogel","ACME-001","Meeting","2027-03-05",""\n'
    '"Lena Vogel","ACME-001","Meeting","2027-02-10","Deferred"\n'
    '"Lena Vogel","ACME-001","Email","2027-02-01","Completed"\n'
    '"Lena Vogel","ACME-001","Email","2027-02-01","completed "\n'
    '"Lena Vogel","ACME-001","Email","2027-02-01","Completed"\n'
    '"Lena Vogel","ACME-001","Call","2027-04-02","Waiting on someone else"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-03","Cancelled"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-04","Cancelled"\n'
    '"Lena Vogel","ACME-001","Call","2027-03-04","On hold"\n'
)
SF_DATA = "data:\n  activities: {path: data/tasks.csv, preset: salesforce}\n  max_rejected: 100%\n  mapping:\n    actions: {Call: call, Meeting: meeting, Email: follow_up}\n"


def test_salesforce_task_statuses_and_unknown_values_rejected_and_summarised(tmp_path):
    frames, diags = load(workspace_with(tmp_path, SF_DATA, {"data/tasks.csv": SALESFORCE}))
    assert diags == []
    assert texts(frames.activities["status"]) == ["done", "done", "open", "open", "done", None, "open", "done", "done", "done", "open"]
    assert issues_of(frames, "activities") == [
        (13, "rejected", "unknown activity status 'Cancelled' (map it under data.mapping.activity_statuses: done or open)"),
        (14, "rejected", "unknown activity status 'Cancelled' (map it under data.mapping.activity_statuses: done or open)"),
        (15, "rejected", "unknown activity status 'On hold' (map it under data.mapping.activity_statuses: done or open)"),
    ]
    report = frames.reports[0]
    assert (report.rows_read, report.rows_used, len(report.rejected)) == (14, 11, 3)
    assert unknown_status_notes(frames.reports) == [
        "data/tasks.csv: 3 activities rejected for a status that maps to nothing: 'Cancelled' (2 rows), 'On hold' (1 row); "
        "say which are done and which open under data.mapping.activity_statuses, e.g. activity_statuses: {Cancelled: open, On hold: open}"
    ]
    # one mapping line takes them in (case and spaces ignored)
    fixed = SF_DATA + "    activity_statuses: {' cancelled': open, ON HOLD: done}\n"
    frames, diags = load(workspace_with(tmp_path / "fixed", fixed, {"data/tasks.csv": SALESFORCE}))
    assert diags == [] and frames.reports[0].rejected == []
    assert texts(frames.activities["status"])[-3:] == ["open", "open", "done"]


def test_hubspot_and_pipedrive_task_statuses(tmp_path):
    hubspot = (
        "Activity assigned to,Associated Company,Activity type,Activity date,Task Status\n"
        "Lena Vogel,ACME-001,Call,2027-03-01 09:00,Completed\n"
        "Lena Vogel,ACME-001,Call,2027-03-02 09:00,Not started\n"
        "Lena Vogel,ACME-001,Call,2027-03-03 09:00,In progress\n"
        "Lena Vogel,ACME-001,Call,2027-03-04 09:00,Waiting\n"
        "Lena Vogel,ACME-001,Call,2027-03-05 09:00,Deferred\n"
        "Lena Vogel,ACME-001,Meeting,2027-03-06 09:00,\n"
        "Lena Vogel,ACME-001,Call,2027-03-07 09:00,NOT_STARTED\n"
    )
    data = 'data:\n  activities: {path: data/a.csv, preset: hubspot, date_format: "%Y-%m-%d %H:%M"}\n  mapping:\n    actions: {Call: call, Meeting: meeting}\n'
    frames, diags = load(workspace_with(tmp_path / "hubspot", data, {"data/a.csv": hubspot}))
    assert diags == [] and frames.reports[0].rejected == []
    assert texts(frames.activities["status"]) == ["done", "open", "open", "open", "open", None, "open"]
    pipedrive = (
        "Activity - Assigned to user,Activity - Organization,Activity - Type,Activity - Due date,Activity - Done\n"
        "Lena Vogel,ACME-001,Call,2027-03-01,Done\n"
        "Lena Vogel,ACME-001,Meeting,2027-03-20,To do\n"
        "Lena Vogel,ACME-001,Call,2027-03-02,Completed\n"  # Salesforce's word: not Pipedrive's
    )
    data = "data:\n  activities: {path: data/a.csv, preset: pipedrive}\n  mapping:\n    actions: {Call: call, Meeting: meeting}\n"
    frames, diags = load(workspace_with(tmp_path / "pipedrive", data, {"data/a.csv": pipedrive}))
    assert diags == []
    assert texts(frames.activities["status"]) == ["done", "open"]
    assert issues_of(frames, "activities") == [(4, "rejected", "unknown activity status 'Completed' (map it under data.mapping.activity_statuses: done or open)")]


def test_an_export_without_status_reads_every_activity_as_not_open(tmp_path):
    text = "Activity assigned to,Associated Company,Activity type,Activity date\nLena Vogel,ACME-001,Call,2027-03-01 09:00\n"
    data = 'data:\n  activities: {path: data/a.csv, preset: hubspot, date_format: "%Y-%m-%d %H:%M"}\n  mapping:\n    actions: {Call: call}\n'
    frames, diags = load(workspace_with(tmp_path, data, {"data/a.csv": text}))
    assert diags == [] and texts(frames.activities["status"]) == [None]
    assert status_notes(frames.activities) == [NO_STATUS_NOTE]


def test_a_status_mapping_to_something_else_is_a_finding(tmp_path, run_cli):
    plan = workspace_with(tmp_path, SF_DATA + "    activity_statuses: {Cancelled: skipped}\n", {"data/tasks.csv": SALESFORCE})
    result = run_cli("validate", "-w", plan.root, "--as-of", "2027-03-14")
    assert result.code == 1
    text = result.out + result.err
    assert "error SP203: value 'skipped' is not allowed here" in text and "allowed: done, open" in text


# --- the CLI: table and JSON --------------------------------------------------------------------------------


def test_report_activity_table_and_json_with_statuses(tmp_path, run_cli):
    plan = workspace_with(tmp_path, SF_DATA, {"data/tasks.csv": SALESFORCE})
    args = ("report", "activity", "-w", plan.root, "--as-of", "2027-03-14", "--rep", "rep-n1", "--segment", "A")
    run = run_cli(*args, "--format", "json")
    assert run.code == 0, run.err
    rows = {(r["action"]): r for r in json.loads(run.out)["tables"]["activity"]}
    # as in test_done_overdue_and_scheduled_by_status, read from the Salesforce words (the 3 rejected rows aside)
    assert {a: (r["done"], r["done_other"], r["overdue"], r["scheduled"]) for a, r in rows.items()} == {
        "call": (2, 0, 1, 2),
        "meeting": (1, 0, 1, 0),
        "proposal": (0, 0, 0, 0),
        "follow_up": (0, 3, 0, 0),
        TOTAL: (3, 3, 2, 2),
    }
    assert rows[TOTAL]["ratio"] == q(3, "42.4")
    assert "activities: 1 activity has a blank status" in " ".join(json.loads(run.out)["notes"])
    # the stderr summary lists the distinct unknown values with the mapping line that fixes them
    assert "'Cancelled' (2 rows), 'On hold' (1 row)" in run.err
    assert "activity_statuses: {Cancelled: open, On hold: open}" in run.err
    table = run_cli(*args)
    assert table.code == 0, table.err
    header = next(line for line in table.out.splitlines() if "done_other" in line)
    assert [w for w in header.replace("┃", " ").split()] == ["rep", "action", "segment", "done", "planned", "ratio", "gap", "done_other", "overdue", "scheduled", "status"]
    total = next(line for line in table.out.splitlines() if "<total>" in line)
    assert total.replace("│", " ").split()[3:] == ["3", "42.40", "7.1%", "-39", "3", "2", "2", "off", "track"]
    intake = json.loads(run_cli("report", "intake", "-w", plan.root, "--as-of", "2027-03-14", "--format", "json").out)
    assert any("'Cancelled' (2 rows)" in note for note in intake["notes"])


def test_report_activity_without_status_says_so(tmp_path, run_cli):
    text = "Activity assigned to,Associated Company,Activity type,Activity date\nLena Vogel,ACME-001,Call,2027-03-01 09:00\n"
    data = 'data:\n  activities: {path: data/a.csv, preset: hubspot, date_format: "%Y-%m-%d %H:%M"}\n  mapping:\n    actions: {Call: call}\n'
    plan = workspace_with(tmp_path, data, {"data/a.csv": text})
    run = run_cli("report", "activity", "-w", plan.root, "--as-of", "2027-03-14", "--rep", "rep-n1", "--by", "rep", "--format", "json")
    assert run.code == 0, run.err
    out = json.loads(run.out)
    assert out["notes"] == [NO_STATUS_NOTE]
    assert out["tables"]["activity"][0]["done"] == 1
    table = run_cli("report", "activity", "-w", plan.root, "--as-of", "2027-03-14", "--rep", "rep-n1", "--by", "rep")
    assert NO_STATUS_NOTE in " ".join(table.out.split())


# --- PAM: what is already booked ----------------------------------------------------------------------------


def test_pam_lists_the_actions_booked_for_the_month(tmp_path):
    from salesplan_cli.pam.document import PamInputs, build_pam

    plan = workspace_with(tmp_path, SF_DATA, {"data/tasks.csv": SALESFORCE})
    frames, diags = load(plan)
    assert diags == []
    from salesplan_cli.plan.load import load_workspace

    ws, _ = load_workspace(plan.root)
    rep = next(r for r in ws.reps.values() if r.id == "rep-n1")
    doc = build_pam(PamInputs(ws=ws, frames=frames, as_of=dt.date(2027, 3, 14), mode="plan"), rep, 2)
    by = {(a["segment"], a["action"]): a for a in doc["activity"]}
    # March, as of 03-14: booked = activities dated 03-15..03-31: the two 03-20 calls (one open, one marked
    # done). call A planned 132 a year: shown per month by cumulative rounding 11, 10, 12 (cumulative 11.21,
    # 21.34, 32.55); done before March 0 (the February meeting is open, the e-mails are no calls), so missing
    # 132 x 59 / 365 = 21.34, raised by 21.34 x 31 / 306 = 2.16 -> 2: objective 14; done this month 2 (03-01,
    # 03-02; not the open 03-10 call), booked 2: to book 14 - 2 - 2 = 10.
    # meeting A: objective 7, done this month 1 (the blank status on 03-05), booked 0: to book 6.
    call = by[("A", "call")]
    assert (call["planned"], call["done_before"], call["objective"], call["done_in_month"], call["booked"], call["to_book"]) == (12, 0, 14, 2, 2, 10)
    meeting = by[("A", "meeting")]
    assert (meeting["objective"], meeting["done_in_month"], meeting["booked"], meeting["to_book"]) == (7, 1, 0, 6)
    assert (doc["headline"]["actions_done_in_month"], doc["headline"]["actions_booked"]) == (3, 2)
    assert doc["headline"]["actions_to_book"] == sum(a["to_book"] for a in doc["activity"])
    from salesplan_cli.pam.formats import to_markdown

    text = to_markdown(doc)
    assert "| Actions: done this month / booked / still to book | 3 / 2 / 87 |" in text  # objectives 92 in all
    assert "| Objective | Done this month | Booked | To book |" in text
    assert "| A | call | 12 | 21.3 | 0 | 21.3 | **14** | 2 | 2 | 10 |" in text
    import io

    from openpyxl import load_workbook

    from salesplan_cli.pam.xlsx import to_xlsx

    sheet = load_workbook(io.BytesIO(to_xlsx(doc)))["Activity"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "Segment")
    assert header[-3:] == ["Done this month", "Booked", "To book"]
    call_row = next(r for r in rows if r[:2] == ["A", "call"])
    assert call_row[6:10] == [14, 2, 2, 10]


def test_pam_without_a_status_column_shows_nothing_booked(tmp_path):
    from salesplan_cli.pam.document import PamInputs, build_pam
    from salesplan_cli.plan.load import load_workspace

    text = "Activity assigned to,Associated Company,Activity type,Activity date\nLena Vogel,ACME-001,Call,2027-03-20 09:00\n"
    data = 'data:\n  activities: {path: data/a.csv, preset: hubspot, date_format: "%Y-%m-%d %H:%M"}\n  mapping:\n    actions: {Call: call}\n'
    plan = workspace_with(tmp_path, data, {"data/a.csv": text})
    frames, _ = load(plan)
    ws, _ = load_workspace(plan.root)
    rep = next(r for r in ws.reps.values() if r.id == "rep-n1")
    doc = build_pam(PamInputs(ws=ws, frames=frames, as_of=dt.date(2027, 3, 14), mode="plan"), rep, 2)
    assert all("booked" not in a and "done_in_month" not in a for a in doc["activity"]) and "actions_booked" not in doc["headline"]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_cache_keeps_the_status_column(tmp_path, run_cli, monkeypatch, fmt):
    from salesplan_cli.intake import cache

    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    monkeypatch.delenv(cache.ENV_DISABLE, raising=False)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)
    plan = workspace_with(tmp_path, SF_DATA, {"data/tasks.csv": SALESFORCE})
    args = ("report", "activity", "-w", plan.root, "--as-of", "2027-03-14", "--rep", "rep-n1", "--format", fmt)
    first = run_cli(*args)
    assert (plan.root / cache.FOLDER).exists()
    second = run_cli(*args)
    assert first.code == second.code == 0 and first.out == second.out and first.err == second.err


def test_review_names_the_overdue_actions(tmp_path, run_cli):
    plan = workspace_with(tmp_path, SF_DATA, {"data/tasks.csv": SALESFORCE})
    run = run_cli("review", "-r", "rep-n1", "-w", plan.root, "--as-of", "2027-03-14", "--format", "json")
    assert run.code == 0, run.err
    out = json.loads(run.out)
    # rep-n1, all segments, to date: calls planned 26.4 (A) + 36 (B) + 48 (C) = 110.4, done 2, one open call
    # dated 03-10; meetings 14.4 + 14 + 8 = 36.4, done 1, the open 02-10 meeting overdue.
    assert "Actions, call: 2 done of 110.4 planned (1.8%), 1 overdue (open, dated by the as-of day)." in out["decisions"]
    assert "Actions, meeting: 1 done of 36.4 planned (2.7%), 1 overdue (open, dated by the as-of day)." in out["decisions"]
    summary = next(r for r in out["tables"]["summary"] if r["metric"] == "actions")
    assert (summary["actual"], summary["plan"]) == (3, 180.4)
