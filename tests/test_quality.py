"""Pipeline quality by the book: the outputs the reps' methods expect at each stage, linked to the opportunities
export's columns (data.opportunities.expected), held against the open deals. Every figure is worked out by hand.

The workspace is the example's plan (rep-n1 and rep-n2 expect budget, timeline and decision maker at discovery;
written proposal and ROI agreed with sponsor at proposal; procurement contact and signature date at
negotiation; stages lead, discovery, qualified, proposal, negotiation) with a small opportunities export that
links budget, timeline and decision maker; read as of 2027-10-15.
"""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE, copy_workspace

AS_OF = "2027-10-15"

DATA = """data:
  opportunities:
    path: data/opps.csv
    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created}
    expected: {budget: Budget Confirmed, timeline: Timeframe, Decision  Maker: Decision Maker}
  mapping:
    not_recorded: [pas encore]
"""

# Required (the outputs of the stages before the deal's own; only the linked ones are measured):
#   discovery: nothing (lead has no method); qualified, proposal: budget, timeline, decision maker (discovery's);
#   negotiation: the same three (proposal's written proposal and ROI are linked to no column).
OPPS = """id,owner,account,stage,amount,close,created,Budget Confirmed,Timeframe,Decision Maker
Q1,rep-n1,ACME-001,discovery,10000,2027-11-30,2027-10-01,,,
Q2,rep-n1,ACME-001,qualified,20000,2027-11-30,2027-10-01,Yes,Q4,Jane Doe
Q3,rep-n1,ACME-017,qualified,5000,2027-10-31,2027-10-01,No,Q1,
Q4,rep-n1,ACME-017,proposal,30000,2027-10-31,2027-10-01,false,0,CFO
Q5,rep-n1,ACME-001,proposal,8000,2027-10-31,2027-10-01,TRUE,2028,nein
Q6,rep-n1,ACME-001,negotiation,50000,2027-10-31,2027-10-01,1,Q1,CTO
Q7,rep-n2,ACME-002,proposal,12000,2027-10-31,2027-10-01,Oui,Pas  encore.,x
Q8,rep-n2,ACME-002,won,1000,2027-02-01,2027-01-05,,,
Q9,Old Seller,ACME-002,proposal,7000,2027-10-31,2027-10-01,,,
"""


@pytest.fixture
def book(tmp_path):
    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace_data(DATA)
    ws.write("data/opps.csv", OPPS)
    return ws


def pipeline_json(run_cli, ws, *args):
    result = run_cli("report", "pipeline", "-w", ws.root, "--as-of", AS_OF, "--format", "json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_qualification_by_the_book_per_rep_and_stage(run_cli, book):
    data = pipeline_json(run_cli, book)
    rows = [(r["rep"], r["stage"], r["deals"], r["required"], r["qualified"], r["missing"], r["share"]) for r in data["tables"]["qualification"]]
    three = "budget, timeline, decision maker"
    assert rows == [
        ("rep-n1", "discovery", 1, "", 0, 0, None),  # nothing required yet
        ("rep-n1", "qualified", 2, three, 1, 1, 0.5),  # Q2 has all three; Q3: budget 'No', decision maker blank
        ("rep-n1", "proposal", 2, three, 0, 2, 0.0),  # Q4: budget 'false', timeline '0'; Q5: decision maker 'nein'
        ("rep-n1", "negotiation", 1, three, 1, 0, 1.0),  # Q6: '1', 'Q1', 'CTO' all recorded
        ("rep-n2", "proposal", 1, three, 0, 1, 0.0),  # Q7: timeline 'Pas  encore.' is a no-word of data.mapping.not_recorded
        ("<total>", "<total>", 7, "", 2, 4, 2 / 6),  # 6 deals measured (Q1 is not), 2 qualified
    ]
    missing = [(r["rep"], r["id"], r["stage"], r["amount"], r["missing"]) for r in data["tables"]["missing_outputs"]]
    assert missing == [  # per rep, the largest first
        ("rep-n1", "Q4", "proposal", 30_000.0, "budget, timeline"),
        ("rep-n1", "Q5", "proposal", 8_000.0, "decision maker"),
        ("rep-n1", "Q3", "qualified", 5_000.0, "budget, decision maker"),
        ("rep-n2", "Q7", "proposal", 12_000.0, "timeline"),
    ]
    notes = "\n".join(data["notes"])
    assert "expected outputs no export column records, not measured: written proposal, ROI agreed with sponsor" in notes
    assert "1 open deal of no rep: no method says what they need" in notes  # Q9


def test_top_limits_the_deals_listed_per_rep(run_cli, book):
    data = pipeline_json(run_cli, book, "--top", "1")
    assert [(r["rep"], r["id"]) for r in data["tables"]["missing_outputs"]] == [("rep-n1", "Q4"), ("rep-n2", "Q7")]


def test_qualification_in_the_terminal_and_markdown(run_cli, book):
    table = run_cli("report", "pipeline", "-w", book.root, "--as-of", AS_OF)
    assert table.code == 0, table.err
    assert "Open deals qualified by the book" in table.out and "Deals that moved on without an expected output" in table.out
    assert "50.0%" in table.out and "budget, decision maker" in table.out
    assert [l for l in table.out.splitlines() if "discovery" in l and "rep-n1" in l][-1].rstrip(" │").endswith("n/a (a)")  # the mark of the blank share: "(a) nothing required" under the table
    md = run_cli("report", "pipeline", "-w", book.root, "--as-of", AS_OF, "--format", "markdown")
    assert md.code == 0, md.err
    assert "| rep-n1 | qualified | 2 | budget, timeline, decision maker | 1 | 1 | 50.0% |" in md.out
    assert "| rep-n1 | Q4 |" in md.out


def test_without_a_linked_output_the_tables_are_absent_and_a_note_says_why(run_cli, book):
    text = book.text("salesplan.yaml")
    book.write("salesplan.yaml", text.replace("    expected: {budget: Budget Confirmed, timeline: Timeframe, Decision  Maker: Decision Maker}\n", ""))
    data = pipeline_json(run_cli, book)
    assert "qualification" not in data["tables"] and "missing_outputs" not in data["tables"]
    assert "pipeline: qualification by the book not measured: no expected output is linked to an export column (data.opportunities.expected)" in data["notes"]


def test_an_expected_column_absent_from_the_export_is_a_finding_with_file_line_and_fix(run_cli, book):
    book.write("data/opps.csv", OPPS.replace("Timeframe", "Time frame"))
    validate = run_cli("validate", "-w", book.root, "--as-of", AS_OF, "--format", "json")
    findings = [f for f in json.loads(validate.out)["diagnostics"] if f["code"] == "SP903"]
    assert [(f["file"], f["line"]) for f in findings] == [("data/opps.csv", 1)]
    assert "column 'Timeframe' (data.opportunities.expected: timeline)" in findings[0]["message"]
    assert "'Timeframe' -> 'Time frame'?" in findings[0]["hint"] and "data.opportunities.expected" in findings[0]["hint"]
    report = run_cli("report", "pipeline", "-w", book.root, "--as-of", AS_OF)
    assert report.code == 2
    assert "data/opps.csv:1: error SP903" in report.out + report.err
    assert "data.opportunities.expected: timeline" in report.out + report.err


def test_an_output_no_method_expects_is_a_validate_finding(run_cli, book):
    text = book.text("salesplan.yaml")
    book.write("salesplan.yaml", text.replace("timeline: Timeframe", "timelines: Timeframe"))
    validate = run_cli("validate", "-w", book.root, "--as-of", AS_OF, "--format", "json")
    findings = [f for f in json.loads(validate.out)["diagnostics"] if f["code"] == "SP315"]
    line = book.text("salesplan.yaml").splitlines().index("    expected: {budget: Budget Confirmed, timelines: Timeframe, Decision  Maker: Decision Maker}") + 1
    assert [(f["file"], f["line"], f["severity"]) for f in findings] == [("salesplan.yaml", line, "error")]
    assert "links 'timelines', an output no rep's method expects" in findings[0]["message"]
    assert "did you mean 'timeline'?" in findings[0]["hint"]


def test_pam_deals_to_push_show_what_is_missing(run_cli, book, tmp_path):
    out = tmp_path / "pam"
    result = run_cli("pam", "-w", book.root, "--as-of", AS_OF, "--rep", "rep-n1", "--out", out, "--format", "json", "--format", "md", "--format", "xlsx")
    assert result.code == 0, result.err
    doc = json.loads((out / "2027-10" / "rep-n1.json").read_text(encoding="utf-8"))
    missing = {d["id"]: d["missing"] for d in doc["deals"]}
    # closing by 2027-10-31: Q3..Q6; Q1 and Q2 (due in November, 14 days old) are not pushed
    assert missing == {"Q3": ["budget", "decision maker"], "Q4": ["budget", "timeline"], "Q5": ["decision maker"], "Q6": []}
    md = (out / "2027-10" / "rep-n1.md").read_text(encoding="utf-8")
    assert "Missing from the stages passed" in md and "budget; timeline" in md
    import openpyxl

    book_xlsx = openpyxl.load_workbook(out / "2027-10" / "rep-n1.xlsx", read_only=True)
    cells = [c for row in book_xlsx["Deals"].iter_rows(values_only=True) for c in row if c is not None]
    assert "Missing from the stages passed" in cells and "budget; decision maker" in cells


@pytest.mark.parametrize(
    ("cell", "recorded"),
    [("", False), ("  ", False), ("No", False), ("FALSE", False), ("0", False), ("0.0", False), ("0,00", False), ("n", False),
     ("non", False), ("Nein", False), ("falso", False), ("N/A", False), ("unknown", False), ("no.", False),
     ("Yes", True), ("1", True), ("x", True), ("Q4", True), ("2028-01-31", True), ("None yet", True), ("10", True)],
)
def test_what_a_cell_records(cell, recorded):
    from salesplan_cli.intake.outputs import no_words, recorded as is_recorded

    assert bool(is_recorded([cell], no_words())[0]) is recorded


def test_the_workspace_adds_its_own_no_words():
    from salesplan_cli.intake.outputs import no_words, recorded

    assert list(recorded(["pas encore", "Pas  Encore.", "oui"], no_words(["pas encore"]))) == [False, False, True]


def test_the_recorded_flags_survive_the_frames_cache():
    import pandas as pd

    from salesplan_cli.intake.cache import _restore, _storable
    from salesplan_cli.reports.quality import flag

    frame = pd.DataFrame({"output:budget": pd.Series([True, False, None], dtype="object")})
    import pyarrow as pa

    stored = pa.Table.from_pandas(_storable(frame), preserve_index=False)  # as the cache writes it
    back = _restore(stored, {"output:budget": "object"}, ["output:budget"])
    assert [flag(row, "budget") for row in back.to_dict("records")] == [True, False, None]
    assert [flag(row, "Budget") for row in frame.to_dict("records")] == [True, False, None]


def test_expected_outputs_on_another_export_are_a_finding(run_cli, book):
    text = book.text("salesplan.yaml")
    book.write("salesplan.yaml", text.replace("  mapping:\n", "  sales: {path: data/opps.csv, columns: {owner: owner, account: account, amount: amount, date: close}, expected: {budget: Budget Confirmed}}\n  mapping:\n", 1))
    validate = run_cli("validate", "-w", book.root, "--as-of", AS_OF, "--format", "json")
    findings = [f for f in json.loads(validate.out)["diagnostics"] if f["code"] == "SP315"]
    assert [(f["file"], f["message"]) for f in findings] == [("salesplan.yaml", "data.sales.expected: only the opportunities export records a deal's expected outputs")]
    assert findings[0]["line"] == book.text("salesplan.yaml").splitlines().index(next(l for l in book.text("salesplan.yaml").splitlines() if l.startswith("  sales:"))) + 1


def test_each_export_of_a_list_links_its_own_outputs(run_cli, book):
    # A second opportunities export that links only the budget (under another header): its proposal R1 records a
    # budget and is measured on it alone; R2 lacks it. An export linking nothing leaves its deals unmeasured.
    text = book.text("salesplan.yaml")
    first = "  opportunities:\n    path: data/opps.csv\n    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created}\n    expected: {budget: Budget Confirmed, timeline: Timeframe, Decision  Maker: Decision Maker}\n"
    assert first in text
    listed = (
        "  opportunities:\n"
        "    - path: data/opps.csv\n      columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created}\n"
        "      expected: {budget: Budget Confirmed, timeline: Timeframe, Decision  Maker: Decision Maker}\n"
        "    - path: data/more.csv\n      columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created}\n"
        "      expected: {BUDGET: Budget OK}\n"
        "    - path: data/bare.csv\n      columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, created_date: created}\n"
    )
    book.write("salesplan.yaml", text.replace(first, listed))
    book.write("data/more.csv", "id,owner,account,stage,amount,close,created,Budget OK\nR1,rep-n2,ACME-002,proposal,4000,2027-11-30,2027-10-01,ja\nR2,rep-n2,ACME-002,proposal,3000,2027-11-30,2027-10-01,\n")
    book.write("data/bare.csv", "id,owner,account,stage,amount,close,created\nR3,rep-n2,ACME-002,proposal,2000,2027-11-30,2027-10-01\n")
    data = pipeline_json(run_cli, book)
    rows = {(r["rep"], r["stage"]): r for r in data["tables"]["qualification"]}
    # rep-n2 proposal: Q7 (missing timeline), R1 (qualified on budget), R2 (missing budget), R3 (not measured)
    n2 = rows[("rep-n2", "proposal")]
    assert (n2["deals"], n2["qualified"], n2["missing"], n2["share"]) == (4, 1, 2, 1 / 3)
    missing = [(r["id"], r["missing"]) for r in data["tables"]["missing_outputs"] if r["rep"] == "rep-n2"]
    assert missing == [("Q7", "timeline"), ("R2", "budget")]
