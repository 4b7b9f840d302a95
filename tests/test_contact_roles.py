"""Contact roles reached: the contact's title on activities (contact_role), mapped to the roles the segments
target (segments.yaml contacts:), in the coverage report and the PAM. Every figure is worked out by hand.

The workspace is the example's plan with a small accounts export and a small activities export, read as of
2027-03-15 (period ytd: 2027-01-01 to 2027-03-15). rep-n1's criteria (area north-west) target K1 and K2
(segment A: energy, >= 1,000 employees; contacts CIO, CDO, CFO), M1 and M2 (segment B: >= 200 employees;
contacts CIO, IT manager) and S1 (segment C; contacts owner, IT manager).
"""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-03-15"

DATA = """data:
  accounts:
    path: data/accounts.csv
    columns: {id: id, name: name, status: type}
  activities:
    path: data/activities.csv
    columns: {owner: owner, account: account, type: type, date: date, status: status, contact_role: title}
  attributes: {employees: employees, industry: industry, region: region, area: area}
  mapping:
    statuses: {Client: customer, Prospect: prospect}
    actions: {Call: call, Meeting: meeting}
    contact_roles: {"Chief Information Officer": CIO, DSI: CIO, "Directeur financier": CFO}
"""

ACCOUNTS = """id,name,type,employees,industry,region,area
K1,Kilo One,Client,5000,energy,north,north-west
K2,Kilo Two,Prospect,2000,energy,north,north-west
M1,Mike One,Client,500,retail,north,north-west
M2,Mike Two,Prospect,300,retail,north,north-west
S1,Sierra One,Prospect,10,retail,north,north-west
"""

# line 2: K1's CIO through the mapping; line 3: K1's CFO (the mapping is case-insensitive); line 4: a title that
# maps to no role (kept: K2 is touched, no role reached); line 5: an open to-do (not done: no role);
# line 6: M1's CIO (trimmed); line 7: last fiscal year; line 8: after the as-of day; line 9: another rep;
# line 10: no title; line 11: no account.
ACTIVITIES = """owner,account,type,date,status,title
rep-n1,K1,Meeting,2027-02-01,done,Chief Information Officer
rep-n1,K1,Call,2027-02-10,done,directeur FINANCIER
rep-n1,K2,Call,2027-02-11,done,Office manager
rep-n1,K2,Meeting,2027-03-01,open,DSI
rep-n1,M1,Call,2027-01-20,done,  DSI
rep-n1,M2,Call,2026-12-15,done,CIO
rep-n1,M2,Call,2027-03-20,done,IT manager
rep-e2,K1,Meeting,2027-02-02,done,CDO
rep-n1,S1,Call,2027-02-03,done,
rep-n1,,Call,2027-02-04,done,CFO
"""


@pytest.fixture
def roles_ws(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace_data(DATA)
    ws.write("data/accounts.csv", ACCOUNTS)
    ws.write("data/activities.csv", ACTIVITIES)
    return ws


def coverage_json(run_cli, ws, *args):
    result = run_cli("report", "coverage", "-w", ws.root, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_coverage_shows_the_share_of_targeted_accounts_where_each_role_was_reached(run_cli, roles_ws):
    data = coverage_json(run_cli, roles_ws)
    rows = [(r["rep"], r["segment"], r["role"], r["targeted"], r["reached"], r["share"]) for r in data["tables"]["roles"]]
    # A: K1 reached CIO (line 2) and CFO (line 3); K2 nothing done with a role (line 4 unmapped, line 5 open).
    # B: M1 reached CIO (line 6, ' DSI' trimmed); M2's CIO call is last year (line 7), its IT manager call after
    # the as-of day (line 8). C: S1's call has no title. rep-e2's CDO meeting on K1 is not rep-n1's.
    assert rows == [
        ("rep-n1", "A", "CIO", 2, 1, 0.5),
        ("rep-n1", "A", "CDO", 2, 0, 0.0),
        ("rep-n1", "A", "CFO", 2, 1, 0.5),
        ("rep-n1", "B", "CIO", 2, 1, 0.5),
        ("rep-n1", "B", "IT manager", 2, 0, 0.0),
        ("rep-n1", "C", "owner", 1, 0, 0.0),
        ("rep-n1", "C", "IT manager", 1, 0, 0.0),
        ("<total>", "A", "CIO", 2, 1, 0.5),
        ("<total>", "A", "CDO", 2, 0, 0.0),
        ("<total>", "A", "CFO", 2, 1, 0.5),
        ("<total>", "B", "CIO", 2, 1, 0.5),
        ("<total>", "B", "IT manager", 2, 0, 0.0),
        ("<total>", "C", "owner", 1, 0, 0.0),
        ("<total>", "C", "IT manager", 1, 0, 0.0),
    ]
    # None of the roles: K2 (worked once, with an office manager), M2 (untouched in the period), S1 (a call, no title);
    # ordered by segment priority (A, B, C).
    missing = [(r["account"], r["segment"], r["roles"], r["actions"]) for r in data["tables"]["no_role_reached"]]
    assert missing == [("K2", "A", "CIO, CDO, CFO", 1), ("M2", "B", "CIO, IT manager", 0), ("S1", "C", "owner, IT manager", 1)]
    # the coverage itself is unchanged by roles: K2 is touched by the unmapped title's call
    touched = {(r["segment"], r["account_status"]): r["touched"] for r in data["tables"]["coverage"] if r["rep"] == "rep-n1"}
    assert touched[("A", "prospect")] == 1
    notes = [n for n in data["notes"] if n.startswith("contact roles")]
    assert notes == [
        "contact roles: 1 activity with a contact title that maps to no segment role (kept, role unknown): 'Office manager' (1 row); "
        'map them under data.mapping.contact_roles, e.g. contact_roles: {Office manager: ROLE}'
    ]


def test_segment_filter_and_top(run_cli, roles_ws):
    data = coverage_json(run_cli, roles_ws, "--segment", "B", "--top", "1")
    assert [(r["rep"], r["role"], r["reached"]) for r in data["tables"]["roles"]] == [
        ("rep-n1", "CIO", 1),
        ("rep-n1", "IT manager", 0),
        ("<total>", "CIO", 1),
        ("<total>", "IT manager", 0),
    ]
    assert [r["account"] for r in data["tables"]["no_role_reached"]] == ["M2"]


def test_a_title_equal_to_a_role_maps_by_itself_whatever_its_case(run_cli, roles_ws):
    roles_ws.replace("data/activities.csv", "rep-n1,M2,Call,2027-03-20,done,IT manager", "rep-n1,M2,Call,2027-03-02,done,it  MANAGER")
    data = coverage_json(run_cli, roles_ws, "--segment", "B")
    assert [(r["role"], r["reached"]) for r in data["tables"]["roles"] if r["rep"] == "rep-n1"] == [("CIO", 1), ("IT manager", 1)]
    assert [r["account"] for r in data["tables"]["no_role_reached"]] == []


def test_coverage_table_shows_the_roles_tables(run_cli, roles_ws):
    result = run_cli("report", "coverage", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1")
    assert result.code == 0, result.err
    assert "Contact roles reached on targeted accounts" in result.out
    assert "Targeted accounts where no contact role was reached" in result.out
    assert "IT manager" in result.out and "CIO, CDO, CFO" in result.out
    markdown = run_cli("report", "coverage", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "markdown")
    assert markdown.code == 0, markdown.err
    assert "| rep-n1 | A | CFO | 2 | 1 | 50.0% |" in markdown.out


def test_without_a_role_column_the_tables_are_absent_and_a_note_says_why(run_cli, roles_ws):
    roles_ws.replace("salesplan.yaml", ", contact_role: title}", "}")
    data = coverage_json(run_cli, roles_ws)
    assert set(data["tables"]) == {"coverage", "untouched"}
    notes = [n for n in data["notes"] if n.startswith("contact roles")]
    assert notes == [
        "contact roles: the activities export has no contact role column, so the roles reached (segments.yaml contacts:) "
        "are not shown; map the contact's job title as contact_role under data.activities.columns"
    ]
    table = run_cli("report", "coverage", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1")
    assert table.code == 0, table.err
    assert "Contact roles reached" not in table.out and "no contact role column" in table.out


def test_the_salesforce_preset_reads_the_contact_title(run_cli, roles_ws):
    roles_ws.replace(
        "salesplan.yaml",
        "    columns: {owner: owner, account: account, type: type, date: date, status: status, contact_role: title}",
        "    preset: salesforce\n    columns: {account: account, type: type, date: date}",
    )
    roles_ws.write("data/activities.csv", ACTIVITIES.replace("owner,account,type,date,status,title", "Assigned,account,type,date,Status,Contact: Title"))
    data = coverage_json(run_cli, roles_ws, "--segment", "A")
    assert [(r["role"], r["reached"]) for r in data["tables"]["roles"] if r["rep"] == "rep-n1"] == [("CIO", 1), ("CDO", 0), ("CFO", 1)]


def test_validate_reports_a_title_mapped_to_a_role_no_segment_names(run_cli, roles_ws):
    roles_ws.replace("salesplan.yaml", '"Directeur financier": CFO}', '"Directeur financier": DAF}')
    result = run_cli("validate", "-w", roles_ws.root, "--as-of", AS_OF, "--format", "json")
    assert result.code == 1, result.out + result.err
    found = [d for d in json.loads(result.out)["diagnostics"] if d["code"] == "SP311"]
    assert len(found) == 1
    assert found[0]["file"] == "salesplan.yaml"
    assert found[0]["line"] == roles_ws.line_of("salesplan.yaml", "contact_roles:")
    assert "maps 'Directeur financier' to 'DAF', a role no segment names" in found[0]["message"]
    assert "known: CDO, CFO, CIO, IT manager, owner" in found[0]["hint"]
    # an error of the plan: the reports refuse to run until it is fixed, as for every other mapping
    report = run_cli("report", "coverage", "-w", roles_ws.root, "--as-of", AS_OF)
    assert report.code == 2 and "SP311" in report.err


def test_the_pam_lists_the_roles_not_yet_met_this_year(run_cli, roles_ws, tmp_path):
    out = tmp_path / "pams"
    result = run_cli("pam", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1", "--out", out, "-f", "json", "-f", "md")
    assert result.code == 0, result.err
    doc = json.loads((out / "2027-03" / "rep-n1.json").read_text())
    roles = {a["account"]: a["roles_to_meet"] for a in doc["accounts"]}
    # from 2027-01-01 to the as-of day: M2's CIO call of 2026-12-15 is last fiscal year; its IT manager call is after
    # the as-of day; K2's DSI meeting is an open to-do.
    assert roles == {
        "K1": ["CDO"],
        "K2": ["CIO", "CDO", "CFO"],
        "M1": ["IT manager"],
        "M2": ["CIO", "IT manager"],
        "S1": ["owner", "IT manager"],
    }
    md = (out / "2027-03" / "rep-n1.md").read_text()
    assert "| Roles to meet |" in md
    assert "| K1 | Kilo One | A | customer | 2027-02-10 | 33 | proposal | CDO |" in md


def test_the_pam_without_a_role_column_says_so(run_cli, roles_ws, tmp_path):
    roles_ws.replace("salesplan.yaml", ", contact_role: title}", "}")
    out = tmp_path / "pams"
    result = run_cli("pam", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1", "--out", out, "-f", "json", "-f", "md")
    assert result.code == 0, result.err
    doc = json.loads((out / "2027-03" / "rep-n1.json").read_text())
    assert {a["roles_to_meet"] for a in doc["accounts"]} == {None}
    assert any("no contact role column" in n for n in doc["notes"])
    assert "Roles to meet" not in (out / "2027-03" / "rep-n1.md").read_text()


def test_segments_naming_no_role_give_no_roles_tables_and_a_note(run_cli, roles_ws):
    text = roles_ws.text("segments.yaml")
    roles_ws.write("segments.yaml", "\n".join(line for line in text.splitlines() if not line.strip().startswith("contacts:")) + "\n")
    roles_ws.replace("salesplan.yaml", '    contact_roles: {"Chief Information Officer": CIO, DSI: CIO, "Directeur financier": CFO}\n', "")
    data = coverage_json(run_cli, roles_ws)
    assert set(data["tables"]) == {"coverage", "untouched"}
    assert [n for n in data["notes"] if n.startswith("contact roles")] == [
        "contact roles: no segment names the contact roles it targets (contacts: in segments.yaml), so no roles are reported"
    ]


def test_the_pam_workbook_has_the_roles_to_meet(run_cli, roles_ws, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "pams"
    result = run_cli("pam", "-w", roles_ws.root, "--as-of", AS_OF, "--rep", "rep-n1", "--out", out, "-f", "xlsx")
    assert result.code == 0, result.err
    sheet = load_workbook(out / "2027-03" / "rep-n1.xlsx")["Accounts"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header = next(r for r in rows if r and r[0] == "#")
    roles = header.index("Roles to meet")
    by_account = {r[1]: r[roles] for r in rows[rows.index(header) + 1 :] if r and isinstance(r[0], int)}
    assert by_account == {"K1": "CDO", "K2": "CIO, CDO, CFO", "M2": "CIO, IT manager", "M1": "IT manager", "S1": "owner, IT manager"}


def test_report_intake_lists_the_titles_that_map_to_no_role(run_cli, roles_ws):
    roles_ws.replace("data/activities.csv", "rep-n1,S1,Call,2027-02-03,done,", 'rep-n1,S1,Call,2027-02-03,done,"Head of ""Ops"""')
    result = run_cli("report", "intake", "-w", roles_ws.root, "--as-of", AS_OF, "--format", "json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert data["intake"][1]["rows_used"] == 10  # kept: a title mapping to no role rejects nothing
    notes = [n for n in data["notes"] if n.startswith("contact roles")]
    assert notes == [
        "contact roles: 2 activities with a contact title that maps to no segment role (kept, role unknown): "
        "'Head of \"Ops\"' (1 row), 'Office manager' (1 row); map them under data.mapping.contact_roles, "
        'e.g. contact_roles: {"Head of \\"Ops\\"": ROLE, Office manager: ROLE}'
    ]
