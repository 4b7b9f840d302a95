"""Exports in the shapes people have (issue 12): a kind read from several files (a list, a glob), constants
for fields an export does not carry (`values:`), rows selected by a column (`where:`), and the owners matching
no rep summarised with the nearest rep names."""

from __future__ import annotations

import json

import pytest

from conftest import PlanCopy, texts
from salesplan_cli.intake import cache
from salesplan_cli.intake.load import export_files, load_exports
from salesplan_cli.intake.owners import unmatched_owner_lines, unmatched_owners
from salesplan_cli.plan.load import load_workspace
from salesplan_cli.plan.validate import validate_workspace
from test_intake import issues_of, load, workspace_with

AS_OF = "2027-10-15"
OPP_COLUMNS = "{id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close}"


def reports_of(frames, kind: str) -> list[tuple[str, int, int, list[tuple[int, str, str]]]]:
    return [(r.path, r.rows_read, r.rows_used, [(i.line, i.kind, i.reason) for i in r.issues]) for r in frames.reports if r.kind == kind]


# --- several files for one kind --------------------------------------------------------------------------------


TWO_OPP_FILES = f"""data:
  opportunities:
    - path: data/crm-a.csv
      columns: {OPP_COLUMNS}
    - path: data/crm-b.csv
      delimiter: ";"
      decimal: ","
      date_format: "%d/%m/%Y"
      columns: {{id: Deal, owner: Seller, account: Client, stage: Phase, amount: Value, close_date: Closing}}
"""
FILE_A = "id,owner,account,stage,amount,close\nA1,rep-n1,ACME-001,won,100.00,2027-03-01\nA2,rep-n2,ACME-002,proposal,50.00,2027-11-30\nX7,rep-n1,ACME-003,won,10.00,2027-04-01\n"
FILE_B = "Deal;Seller;Client;Phase;Value;Closing\nB1;Lena Vogel;ACME-004;won;1 200,50;15/05/2027\nX7;rep-n2;ACME-005;won;99,00;01/06/2027\nB2;rep-n2;ACME-006;won;abc;01/06/2027\n"


def test_two_files_for_one_kind_each_in_its_dialect_with_its_own_account_of_rows(tmp_path):
    frames, diags = load(workspace_with(tmp_path, TWO_OPP_FILES, {"data/crm-a.csv": FILE_A, "data/crm-b.csv": FILE_B}))
    assert diags == []
    opps = frames.opportunities
    assert list(opps["id"]) == ["A1", "A2", "X7", "B1"]
    assert list(opps["amount"]) == [10_000, 5_000, 1_000, 120_050]  # B1: '1 200,50' in the second file's dialect
    assert list(opps["file"]) == ["data/crm-a.csv"] * 3 + ["data/crm-b.csv"]
    assert list(opps["line"]) == [2, 3, 4, 2]
    assert list(opps["rep"]) == ["rep-n1", "rep-n2", "rep-n1", "rep-n1"]
    # one account per file: the repeated id names the file and line of its first occurrence
    assert reports_of(frames, "opportunities") == [
        ("data/crm-a.csv", 3, 3, []),
        (
            "data/crm-b.csv",
            3,
            1,
            [
                (3, "rejected", "opportunity id 'X7' appears again (first occurrence kept in data/crm-a.csv line 4; export one row per opportunity, or map line_amount to read product lines)"),
                (4, "rejected", "unreadable amount 'abc'"),
            ],
        ),
    ]
    # the won deals stand in for sales, each with its file
    assert list(frames.sales["file"]) == ["data/crm-a.csv", "data/crm-a.csv", "data/crm-b.csv"]


def test_the_intake_account_names_each_file_on_stderr_and_in_report_intake(tmp_path, run_cli):
    plan = workspace_with(tmp_path, TWO_OPP_FILES, {"data/crm-a.csv": FILE_A, "data/crm-b.csv": FILE_B})
    run = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    # 2 of crm-b.csv's 3 rows rejected: a damaged export (SP908, exit 2), still listed in full by report intake
    assert run.code == 2, run.err
    assert "opportunities: used 3 of 3 rows from data/crm-a.csv\n" in run.err
    assert "opportunities: used 1 of 3 rows from data/crm-b.csv (2 rejected (lines 3, 4); list them with: salesplan report intake)" in run.err
    assert "data/crm-b.csv: error SP908" in run.err
    tables = json.loads(run.out)["tables"]
    assert [(row["export"], row["line"], row["status"]) for row in tables["issues"]] == [("data/crm-b.csv", 3, "rejected"), ("data/crm-b.csv", 4, "rejected")]
    assert "first occurrence kept in data/crm-a.csv line 4" in tables["issues"][0]["reason"]
    assert [(row["path"], row["rows_read"], row["rows_used"]) for row in tables["summary"]] == [("data/crm-a.csv", 3, 3), ("data/crm-b.csv", 3, 1)]


def test_a_repeated_account_id_across_files_keeps_the_first(tmp_path):
    data = "data:\n  accounts:\n    - {path: data/acc-1.csv, columns: {id: id, name: name}}\n    - {path: data/acc-2.csv, columns: {id: id, name: name}}\n"
    files = {"data/acc-1.csv": "id,name\nACME-001,Acme\n", "data/acc-2.csv": "id,name\nACME-009,Other\nACME-001,Acme again\n"}
    frames, diags = load(workspace_with(tmp_path, data, files))
    assert diags == []
    assert list(frames.accounts["name"]) == ["Acme", "Other"]
    assert issues_of(frames, "accounts") == []  # the first file's report: nothing to say
    assert reports_of(frames, "accounts")[1][3] == [(3, "rejected", "account 'ACME-001' appears again (first occurrence kept in data/acc-1.csv line 2)")]


SALES_GLOB = """data:
  sales:
    path: data/invoices-2027-*.csv
    columns: {id: id, owner: owner, account: account, amount: amount, date: date}
"""
MONTHS = {
    "data/invoices-2027-03.csv": "id,owner,account,amount,date\nI3,rep-n1,ACME-001,300.00,2027-03-10\n",
    "data/invoices-2027-01.csv": "id,owner,account,amount,date\nI1,rep-n1,ACME-001,100.00,2027-01-10\nI1b,rep-n2,ACME-002,oops,2027-01-11\n",
    "data/invoices-2027-02.csv": "id,owner,account,amount,date\nI2,rep-n2,ACME-002,200.00,2027-02-10\n",
    "data/invoices-2026-12.csv": "id,owner,account,amount,date\nOLD,rep-n2,ACME-002,999.00,2026-12-10\n",  # not matched
}


def test_a_glob_reads_every_monthly_file_in_sorted_order(tmp_path):
    plan = workspace_with(tmp_path, SALES_GLOB, MONTHS)
    (plan.root / "data" / "invoices-2027-99.csv").mkdir()  # a folder matching the glob is no export: left out
    frames, diags = load(plan)
    assert diags == []
    assert list(frames.sales["id"]) == ["I1", "I2", "I3"]
    assert list(frames.sales["amount"]) == [10_000, 20_000, 30_000]
    assert [(path, read, used) for path, read, used, _ in reports_of(frames, "sales")] == [
        ("data/invoices-2027-01.csv", 2, 1),
        ("data/invoices-2027-02.csv", 1, 1),
        ("data/invoices-2027-03.csv", 1, 1),
    ]
    assert reports_of(frames, "sales")[0][3] == [(3, "rejected", "unreadable amount 'oops'")]
    ws, _ = load_workspace(plan.root)
    assert [(kind, path.name) for kind, path in export_files(ws)] == [("sales", f"invoices-2027-0{m}.csv") for m in (1, 2, 3)]


def test_a_glob_matching_nothing_is_an_error_naming_the_pattern(tmp_path, run_cli):
    plan = workspace_with(tmp_path, SALES_GLOB.replace("invoices-2027-*", "factures-*"), MONTHS)
    ws, _ = load_workspace(plan.root)
    frames, diags = load_exports(ws)
    assert frames is None
    assert [(d.code, d.file, d.line) for d in diags] == [("SP901", "salesplan.yaml", plan.line_of("salesplan.yaml", "factures-*"))]
    assert "data.sales.path: the pattern 'data/factures-*.csv' matches no file" in diags[0].message
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2
    assert "the pattern 'data/factures-*.csv' matches no file" in run.err and "Traceback" not in run.err


def test_the_cache_key_covers_every_file_of_a_glob(tmp_path):
    plan = workspace_with(tmp_path, SALES_GLOB, MONTHS)
    ws, _ = load_workspace(plan.root)
    first = cache.cache_key(ws)
    plan.write("data/invoices-2027-02.csv", MONTHS["data/invoices-2027-02.csv"].replace("200.00", "201.00"))
    second = cache.cache_key(ws)
    plan.write("data/invoices-2027-04.csv", "id,owner,account,amount,date\nI4,rep-n1,ACME-001,400.00,2027-04-10\n")
    third = cache.cache_key(ws)
    assert len({first, second, third}) == 3  # an edited month, and a new month matching the glob, make new keys


def test_the_file_column_and_each_file_s_account_round_trip_through_the_cache(tmp_path):
    frames, _ = load(workspace_with(tmp_path, TWO_OPP_FILES, {"data/crm-a.csv": FILE_A, "data/crm-b.csv": FILE_B}))
    assert cache.store(tmp_path / "c", "k", frames)
    again = cache.load(tmp_path / "c", "k")
    assert list(again.opportunities["file"]) == list(frames.opportunities["file"])
    assert again.opportunities["file"].dtype == frames.opportunities["file"].dtype
    assert reports_of(again, "opportunities") == reports_of(frames, "opportunities")


# --- values: constants for the fields an export does not carry -----------------------------------------------


MEETINGS = """data:
  activities:
    - path: data/calls.csv
      columns: {owner: owner, account: account, type: type, date: date}
    - path: data/meetings.csv
      columns: {owner: Organiser, account: Company, date: Start}
      values: {type: meeting}
"""


def test_values_gives_a_meetings_only_export_its_type(tmp_path):
    files = {
        "data/calls.csv": "owner,account,type,date\nrep-n1,ACME-001,call,2027-03-01\n",
        "data/meetings.csv": "Organiser,Company,Start\nrep-n1,ACME-001,2027-03-02\nrep-n2,ACME-002,2027-03-03\n",
    }
    frames, diags = load(workspace_with(tmp_path, MEETINGS, files))
    assert diags == []
    acts = frames.activities
    assert list(acts["action"]) == ["call", "meeting", "meeting"]
    assert list(acts["file"]) == ["data/calls.csv", "data/meetings.csv", "data/meetings.csv"]
    assert [(path, used) for path, _read, used, _ in reports_of(frames, "activities")] == [("data/calls.csv", 1), ("data/meetings.csv", 2)]


def test_a_constant_goes_through_the_mapping_and_replaces_the_preset_s_column(tmp_path):
    # the salesforce preset names 'Task Subtype' for the type: with values: it is not looked for
    data = 'data:\n  activities: {path: data/m.csv, preset: salesforce, values: {type: Visit}}\n  mapping:\n    actions: {Visit: meeting}\n'
    text = "Assigned,Company / Account,Date\nLena Vogel,ACME-001,2027-03-02\n"
    frames, diags = load(workspace_with(tmp_path, data, {"data/m.csv": text}))
    assert diags == []
    assert list(frames.activities["action"]) == ["meeting"]


# --- where: rows selected by a column ----------------------------------------------------------------------------


PIPELINES = """data:
  opportunities:
    path: data/deals.csv
    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close}
    where: {Pipeline: "Sales Pipeline"}
"""
DEALS = (
    "id,owner,account,stage,amount,close,Pipeline\n"
    "O9,rep-n1,ACME-001,won,7000.00,2027-05-01,Renewals\n"  # line 2: skipped; its id does not hide line 7's deal
    "O1,rep-n1,ACME-001,won,1000.00,2027-03-01,Sales Pipeline\n"
    "O2,rep-n1,ACME-002,won,500.00,2027-04-01,Sales Pipeline\n"
    "O3,rep-n1,ACME-003,won,,2027-06-01,Renewals\n"  # line 5: skipped, not rejected for its missing amount
    "O4,rep-n1,ACME-004,won,200.00,2027-02-01, sales  pipeline \n"  # spaces and case: the same pipeline
    "O9,rep-n1,ACME-005,won,300.00,2027-07-01,Sales Pipeline\n"
)


def test_where_skips_the_other_pipelines_with_the_reason(tmp_path):
    frames, diags = load(workspace_with(tmp_path, PIPELINES, {"data/deals.csv": DEALS}))
    assert diags == []
    assert list(frames.opportunities["id"]) == ["O1", "O2", "O4", "O9"]
    assert issues_of(frames, "opportunities") == [
        (2, "skipped", "Pipeline is 'Renewals', not 'Sales Pipeline' (data.opportunities.where)"),
        (5, "skipped", "Pipeline is 'Renewals', not 'Sales Pipeline' (data.opportunities.where)"),
    ]
    report = frames.reports[0]
    # skipped rows are listed, not counted among the rows read: rows_read = used + rejected
    assert (report.rows_read, report.rows_used, len(report.skipped), len(report.rejected)) == (4, 4, 2, 0)


def test_where_leaves_the_skipped_deals_out_of_attainment(tmp_path, run_cli):
    plan = workspace_with(tmp_path, PIPELINES, {"data/deals.csv": DEALS})
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert run.code in (0, 1), run.err
    assert "opportunities: used 4 of 4 rows from data/deals.csv (2 skipped; list them with: salesplan report intake)" in run.err
    rows = {row["rep"]: row for row in json.loads(run.out)["tables"]["attainment"]}
    # by hand: O1 1,000 + O2 500 + O4 200 + O9 300 = 2,000; the Renewals deals (7,000 and a blank) count nowhere
    assert rows["rep-n1"]["actual"] == 2000.0
    assert rows["rep-n1"]["attainment"] == pytest.approx(2000.0 / rows["rep-n1"]["target"])
    assert sum(row["actual"] for rep, row in rows.items() if not rep.startswith("<")) == 2000.0  # no other rep, no <unplanned>
    assert all(row["actual"] in (0, 2000.0) for row in rows.values())


def test_where_accepts_a_list_of_values(tmp_path):
    data = PIPELINES.replace('where: {Pipeline: "Sales Pipeline"}', "where: {Pipeline: [Sales Pipeline, New Business]}")
    text = DEALS + "N1,rep-n2,ACME-006,won,50.00,2027-08-01,New Business\n"
    frames, _ = load(workspace_with(tmp_path, data, {"data/deals.csv": text}))
    assert list(frames.opportunities["id"]) == ["O1", "O2", "O4", "O9", "N1"]
    assert issues_of(frames, "opportunities")[0][2] == "Pipeline is 'Renewals', not one of 'Sales Pipeline', 'New Business' (data.opportunities.where)"


def test_a_where_column_missing_from_the_export_names_the_export_s_columns(tmp_path):
    data = PIPELINES.replace("Pipeline:", "Pipe line:")
    frames, diags = load_exports(load_workspace(workspace_with(tmp_path, data, {"data/deals.csv": DEALS}).root)[0])
    assert frames is None
    assert [(d.code, d.file, d.line) for d in diags] == [("SP903", "data/deals.csv", 1)]
    assert diags[0].message == "data.opportunities.where: column 'Pipe line' not in the export"
    assert "did you mean 'Pipe line' -> 'Pipeline'?" in diags[0].hint
    assert "the export's columns: id, owner, account, stage, amount, close, Pipeline" in diags[0].hint


# --- owners matching no rep: the nearest rep names, never a guess ---------------------------------------------


def test_unmatched_owners_are_summarised_with_the_nearest_rep_names(tmp_path, run_cli):
    data = "data:\n  sales: {path: data/s.csv, columns: {owner: owner, account: account, amount: amount, date: date}}\n"
    text = "owner,account,amount,date\n" + "Lena Vogle,ACME-001,10.00,2027-03-01\n" * 3 + " lena  vogle ,ACME-001,10.00,2027-03-02\nFormer Rep,ACME-002,5.00,2027-03-01\nrep-n2,ACME-003,1.00,2027-03-01\n"
    plan = workspace_with(tmp_path, data, {"data/s.csv": text})
    frames, _ = load(plan)
    ws, _ = load_workspace(plan.root)
    owners = unmatched_owners(ws, frames)
    assert [(o.owner, o.rows, o.suggestions) for o in owners] == [("Lena Vogle", 4, [("Lena Vogel", "rep-n1")]), ("Former Rep", 1, [])]
    assert texts(frames.sales["rep"]) == [None] * 5 + ["rep-n2"]  # never guessed
    assert unmatched_owner_lines(ws, frames) == [
        "2 owners match no rep (their rows count as <unplanned>): 'Lena Vogle' (4 rows; did you mean 'Lena Vogel' (rep-n1)?), 'Former Rep' (1 row)",
        '  to give them to a rep, add under data.mapping.owners in salesplan.yaml: "Lena Vogle": rep-n1',
    ]
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert "'Lena Vogle' (4 rows; did you mean 'Lena Vogel' (rep-n1)?)" in run.err
    intake = json.loads(run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "json").out)
    assert intake["tables"]["owners"][0] == {"owner": "Lena Vogle", "rows": 4, "nearest reps": "Lena Vogel (rep-n1)", "add under data.mapping.owners": '"Lena Vogle": rep-n1'}
    # the suggested line fixes it
    plan.replace("salesplan.yaml", "  sales: {path", '  mapping:\n    owners: {"Lena Vogle": rep-n1}\n  sales: {path')
    frames, _ = load(plan)
    assert texts(frames.sales["rep"]) == ["rep-n1"] * 4 + [None, "rep-n2"]


# --- config errors: validate names the file and line --------------------------------------------------------------


def _errors(plan: PlanCopy) -> list[tuple[str, str, int | None, str]]:
    found = validate_workspace(plan.root).diagnostics
    return [(d.code, d.file, d.line, d.message) for d in found if d.is_error]


def test_validate_finds_an_unknown_field_under_values(tmp_path):
    plan = workspace_with(tmp_path, MEETINGS.replace("values: {type: meeting}", "values: {typ: meeting}"), {})
    found = [d for d in validate_workspace(plan.root).diagnostics if d.is_error]
    assert [(d.code, d.file, d.line) for d in found] == [("SP201", "salesplan.yaml", plan.line_of("salesplan.yaml", "values: {typ"))]
    assert "unknown field 'typ' under values:" in found[0].message and "did you mean 'type'?" in found[0].hint
    assert found[0].path == "data.activities[1].values.typ"


def test_validate_refuses_a_field_both_mapped_and_given_a_constant(tmp_path):
    plan = workspace_with(tmp_path, MEETINGS.replace("values: {type: meeting}", "values: {date: 2027-01-01, type: meeting}").replace("2027-01-01", '"2027-01-01"'), {})
    found = [d for d in validate_workspace(plan.root).diagnostics if d.is_error]
    assert [(d.code, d.file, d.line) for d in found] == [("SP203", "salesplan.yaml", plan.line_of("salesplan.yaml", "values: {date"))]
    assert "date given both a column (columns:) and a constant (values:)" in found[0].message
    assert "keep one" in found[0].hint


@pytest.mark.parametrize(
    ("old", "new", "code", "needle", "path"),
    [
        ("      values: {type: meeting}", "      value: {type: meeting}", "SP201", "value: {type", "data.activities[1].value"),
        ("      values: {type: meeting}", "      values: {type: meeting}\n      where: {Kind: 3}", "SP203", "where: {Kind", "data.activities[1].where.Kind"),
        ("      values: {type: meeting}", "      values: {type: meeting}\n      where: {Kind: []}", "SP203", "where: {Kind", "data.activities[1].where.Kind"),
        ("    - path: data/calls.csv", "    - paht: data/calls.csv", "SP201", "paht:", "data.activities[0].paht"),
    ],
)
def test_validate_points_into_a_list_of_exports(tmp_path, old, new, code, needle, path):
    plan = workspace_with(tmp_path, MEETINGS.replace(old, new), {})
    found = [d for d in validate_workspace(plan.root).diagnostics if d.is_error]
    assert [(d.code, d.file, d.line, d.path) for d in found][:1] == [(code, "salesplan.yaml", plan.line_of("salesplan.yaml", needle), path)]


def test_an_empty_list_of_exports_is_an_error(tmp_path):
    plan = workspace_with(tmp_path, "data:\n  sales: []\n", {})
    found = [d for d in validate_workspace(plan.root).diagnostics if d.is_error]
    assert [(d.code, d.line, d.path) for d in found] == [("SP203", plan.line_of("salesplan.yaml", "sales: []"), "data.sales")]


def test_demo_data_refuses_a_list_of_exports(tmp_path, run_cli):
    plan = workspace_with(tmp_path, MEETINGS, {})
    run = run_cli("demo-data", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2
    assert "data.activities lists several exports" in run.err


def test_stage_dates_of_the_second_file_make_a_stage_history_and_name_their_line(tmp_path):
    data = f"""data:
  opportunities:
    - path: data/a.csv
      columns: {OPP_COLUMNS}
    - path: data/b.csv
      columns: {OPP_COLUMNS}
      stage_dates: {{proposal: Entered Proposal}}
"""
    files = {
        "data/a.csv": "id,owner,account,stage,amount,close\nA1,rep-n1,ACME-001,won,100.00,2027-03-01\n",
        "data/b.csv": "id,owner,account,stage,amount,close,Entered Proposal\nB1,rep-n1,ACME-002,won,100.00,2027-03-01,2027-02-01\nB2,rep-n1,ACME-003,proposal,100.00,2027-06-01,2027-13-01\n",
    }
    frames, diags = load(workspace_with(tmp_path, data, files))
    assert diags == []
    history = frames.stage_history
    assert list(zip(history["opportunity"], history["stage"], history["line"])) == [("B1", "proposal", 2)]
    assert reports_of(frames, "opportunities")[1][3] == [(3, "unmatched", "unreadable date entered proposal '2027-13-01' (left out of the stage history)")]
    assert list(frames.opportunities["id"]) == ["A1", "B1", "B2"]


def test_an_xlsx_and_a_csv_file_for_one_kind(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["owner", "account", "amount", "date"])
    sheet.append(["rep-n1", "ACME-001", 1234.5, __import__("datetime").date(2027, 3, 1)])
    plan = workspace_with(tmp_path, "data:\n  sales:\n    - {path: data/a.xlsx, columns: {owner: owner, account: account, amount: amount, date: date}}\n"
                          "    - {path: data/b.csv, decimal: ',', date_format: '%d/%m/%Y', columns: {owner: owner, account: account, amount: amount, date: date}}\n",
                          {"data/b.csv": "owner;account;amount;date\nrep-n2;ACME-002;1.000,25;02/03/2027\n"})
    book.save(plan.root / "data" / "a.xlsx")
    frames, diags = load(plan)
    assert diags == []
    assert list(frames.sales["amount"]) == [123_450, 100_025]
    assert list(frames.sales["date"].dt.strftime("%Y-%m-%d")) == ["2027-03-01", "2027-03-02"]
    assert [(r.path, r.unit) for r in frames.reports] == [("data/a.xlsx", "row"), ("data/b.csv", "line")]


def test_a_file_declared_twice_for_one_kind_is_refused_not_counted_twice(tmp_path):
    data = """data:
  sales:
  - path: data/invoices-2027-*.csv
    columns: {owner: owner, account: account, amount: amount, date: date}
  - {path: ./data/invoices-2027-02.csv, columns: {owner: owner, account: account, amount: amount, date: date}}
"""
    plan = workspace_with(tmp_path, data, MONTHS)
    frames, diags = load_exports(load_workspace(plan.root)[0])
    assert frames is None
    assert [(d.code, d.file, d.line) for d in diags] == [("SP203", "salesplan.yaml", plan.line_of("salesplan.yaml", "./data/invoices-2027-02"))]
    assert diags[0].message == "data.sales[1].path: ./data/invoices-2027-02.csv (already read under data.sales[0])"


def test_an_unknown_key_in_a_list_of_exports_lists_the_allowed_keys(tmp_path):
    plan = workspace_with(tmp_path, MEETINGS.replace("    - path: data/calls.csv", "    - pth: data/calls.csv"), {})
    found = [d for d in validate_workspace(plan.root).diagnostics if d.code == "SP201"]
    assert len(found) == 1 and found[0].hint.startswith("did you mean 'path'? allowed keys here: columns, date_format")
    assert "values, where" in found[0].hint


def test_salesplan_validate_prints_file_line_and_column_of_a_values_error(tmp_path, run_cli):
    plan = workspace_with(tmp_path, MEETINGS.replace("values: {type: meeting}", "values: {typ: meeting}"), {})
    run = run_cli("validate", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 1
    line = plan.line_of("salesplan.yaml", "values: {typ")
    col = plan.col_of("salesplan.yaml", "values: {typ", inside="typ:")
    assert f"/salesplan.yaml:{line}:{col}: error SP201: unknown field 'typ' under values:" in run.out + run.err
    assert "did you mean 'type'?" in run.out + run.err
    # and a report refuses to run on it (exit 2) rather than read the export without its type
    report = run_cli("report", "activity", "-w", plan.root, "--as-of", AS_OF)
    assert report.code == 2 and "SP201" in report.err


def test_a_constant_amount_is_read_in_the_export_s_dialect_even_in_a_workbook(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.active.append(["owner", "account", "date"])
    book.active.append(["rep-n1", "ACME-001", __import__("datetime").date(2027, 3, 1)])
    data = "data:\n  sales: {path: data/fees.xlsx, decimal: ',', values: {amount: '1.000,50'}, columns: {owner: owner, account: account, date: date}}\n"
    plan = workspace_with(tmp_path, data, {})
    book.save(plan.root / "data" / "fees.xlsx")
    frames, diags = load(plan)
    assert diags == []
    assert list(frames.sales["amount"]) == [100_050]


def test_an_owner_close_to_a_name_already_mapped_is_suggested(tmp_path, run_cli):
    """data.mapping.owners names count as spellings to suggest: 'Lena Vogle' is close to the mapped 'Lena Vogel-Braun'."""
    plan = workspace_with(
        tmp_path,
        "data:\n  sales: {path: data/s.csv, columns: {owner: owner, account: account, amount: amount, date: date}}\n  mapping:\n    owners: {Lena Vogel-Braun: rep-n1}\n",
        {"data/s.csv": "owner,account,amount,date\nLena Vogel-Braun,ACME-001,100,2027-02-01\nLena Vogle-Braun,ACME-001,50,2027-02-02\n"},
    )
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "'Lena Vogle-Braun' (1 row; did you mean 'Lena Vogel-Braun' (rep-n1)?)" in run.err
