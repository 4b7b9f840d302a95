"""Issue 12, "Damaged files are loud" and "Exports come from inside the workspace".

- an export with all its rows rejected, or more than data.max_rejected of them, fails every command that
  reads it (exit 2, SP908) with the reason most rows share and its fix in the message;
- a CSV record over more than data.max_record_lines lines (an unclosed quote) fails them too (SP905);
- validate checks the data: section (unknown canonical fields) and each export's header row, never its rows;
- every fallback (no last_activity, no created_date, no probability) is said once;
- the summary cites the first rejected lines; report intake shows each row's id and name; JSON and Markdown
  carry the intake account;
- export paths out of the workspace are refused unread unless the person running the command allows the folder.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import EXAMPLE
from salesplan_cli.intake.cache import ENV_DISABLE
from salesplan_cli.intake.load import ENV_DATA_DIRS
from test_intake import SALES, load, workspace_with

AS_OF = "2027-10-15"
#: The codes this file triggers, and the test that does (tests/test_check_codes.py wants a case for every code).
TRIGGERED = {
    "SP905": "test_an_unclosed_quote_over_many_lines_fails_with_its_span",
    "SP907": "test_an_export_path_out_of_the_workspace_is_refused_unread",
    "SP908": "test_a_decimal_comma_export_declared_dot_fails_with_the_fix_in_the_message",
}
OPPS_COLUMNS = "columns: {id: Id, owner: Owner, account: Account, stage: Stage, amount: Amount, close_date: Close}"


@pytest.fixture(autouse=True)
def _no_env(monkeypatch):
    monkeypatch.delenv(ENV_DATA_DIRS, raising=False)
    monkeypatch.setenv(ENV_DISABLE, "1")


def opportunities_csv(amounts: list[str], delimiter: str = ";") -> str:
    rows = [delimiter.join(["Id", "Owner", "Account", "Stage", "Amount", "Close"])]
    for i, amount in enumerate(amounts, start=1):
        rows.append(delimiter.join([f"O{i}", "rep-n1", f"ACME-{i}", "won", amount, "2027-03-01"]))
    return "\n".join(rows) + "\n"


def opps_yaml(extra: str = "", data_extra: str = "") -> str:
    return f"data:\n{data_extra}  opportunities: {{path: data/o.csv, {OPPS_COLUMNS}{extra}}}\n"


def errors(text: str, code: str) -> list[str]:
    return [line for line in text.splitlines() if f"error {code}:" in line]


# --- an export with too many rows rejected ----------------------------------------------------------------


def test_a_decimal_comma_export_declared_dot_fails_with_the_fix_in_the_message(tmp_path, run_cli):
    plan = workspace_with(tmp_path, opps_yaml(), {"data/o.csv": opportunities_csv([f"{i}.234,56" for i in range(1, 201)])})
    for args in (["report"], ["report", "pipeline"], ["report", "attainment"], ["review", "-r", "rep-n1"], ["pam", "--dry-run"]):
        run = run_cli(*args, "-w", plan.root, "--as-of", AS_OF)
        assert run.code == 2, (args, run.err)
        [line] = errors(run.err, "SP908")
        assert line.endswith(
            "data/o.csv: error SP908: all 200 amounts unreadable as numbers with '.' as decimal separator: "
            "they look like '1.234,56'; set data.opportunities.decimal: \",\""
        ), line
        assert "opportunities: used 0 of 200 rows from data/o.csv (200 rejected (lines 2, 3, 4, 5, 6, ...)" in run.err
        assert run.out == "" or args[0] == "pam"
    # report intake is the tool to diagnose: it lists every row, then fails the same way
    run = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert run.code == 2 and errors(run.err, "SP908")
    payload = json.loads(run.out)
    assert len(payload["tables"]["issues"]) == 200
    assert payload["tables"]["issues"][0] == {"export": "data/o.csv", "kind": "opportunities", "line": 2, "id": "O1", "name": None, "status": "rejected", "reason": "unreadable amount '1.234,56'"}
    # the fix works
    plan.replace("salesplan.yaml", "close_date: Close}", 'close_date: Close}, decimal: ","')
    assert run_cli("report", "-w", plan.root, "--as-of", AS_OF).code == 0


@pytest.mark.parametrize(
    ("bad", "setting", "code", "message"),
    [
        (1, "", 0, None),  # 1 of 20: 5%
        (2, "", 0, None),  # 2 of 20: exactly 10% is not more than 10%
        (3, "", 2, "3 of 20 rows (15%) rejected, over data.max_rejected (10%); 3 amounts unreadable as numbers with '.' as decimal separator: they look like 'ten'"),
        (3, "  max_rejected: 15%\n", 0, None),
        (20, "  max_rejected: 100%\n", 2, "all 20 amounts unreadable"),  # all rejected fails whatever the share
    ],
)
def test_the_share_of_rejected_rows(tmp_path, run_cli, bad, setting, code, message):
    amounts = ["ten"] * bad + ["100.00"] * (20 - bad)
    plan = workspace_with(tmp_path, opps_yaml(data_extra=setting), {"data/o.csv": opportunities_csv(amounts, ",")})
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == code, run.err
    if message:
        [line] = errors(run.err, "SP908")
        assert message in line, line
    else:
        assert not errors(run.err, "SP908")


@pytest.mark.parametrize(
    ("values", "column", "fix"),
    [
        (["31/03/2027"] * 5, "Close", 'set data.opportunities.date_format: "%d/%m/%Y"'),
        (["1,234.56"] * 5, "Amount", None),  # read as it is: no damage
    ],
)
def test_the_fix_for_unreadable_dates_names_the_format(tmp_path, run_cli, values, column, fix):
    text = opportunities_csv(["100.00"] * 5, ",")
    if column == "Close":
        text = text.replace("2027-03-01", values[0])
    plan = workspace_with(tmp_path, opps_yaml(), {"data/o.csv": text})
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    if fix is None:
        assert run.code == 0, run.err
        return
    assert run.code == 2
    [line] = errors(run.err, "SP908")
    assert "all 5 close dates unreadable as %Y-%m-%d: they look like '31/03/2027'" in line and line.endswith(fix), line


# --- a record over many lines ----------------------------------------------------------------------------


def _sales_with_unclosed_quote(rows: int, at: int, close_after: int | None = None) -> str:
    """A sales export of `rows` rows; the row on line `at` opens a quote closed `close_after` lines later (or never)."""
    lines = ["id,owner,account,amount,date"] + [f"{i},rep-n1,ACME-{i:06d},100.00,2027-01-05" for i in range(2, rows + 2)]
    lines[at - 1] = f'{at},rep-n1,"ACME unclosed,100.00,2027-01-05'
    if close_after is not None:
        lines[at - 1 + close_after] = 'end of the name"'
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("rows", "close_after", "says", "used"),
    [
        (1200, None, "an unclosed quote at line 560 runs to line 1201 (642 lines read as one field)", "used 558 of 559 rows"),
        # over 256 KiB: the pyarrow fast path, which finds the same span
        (12_000, 100, "an unclosed quote at line 560 runs to line 660 (101 lines read as one field)", "used 11,899 of 11,900 rows"),
        # a swallowed field over the csv module's limit: it says where the quote opens
        (12_000, None, "an unclosed quote at line 560 runs to line 3", None),
    ],
)
def test_an_unclosed_quote_over_many_lines_fails_with_its_span(tmp_path, run_cli, rows, close_after, says, used):
    text = _sales_with_unclosed_quote(rows, 560, close_after)
    plan = workspace_with(tmp_path, SALES, {"data/s.csv": text})
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2, run.err
    [line] = errors(run.err, "SP905")
    assert f"data/s.csv:560: error SP905: {says}" in line, line
    if used:
        assert f"sales: {used} from data/s.csv (1 rejected (line 560)" in run.err


def test_a_quoted_field_over_a_few_lines_is_one_listed_row(tmp_path, run_cli):
    # below data.max_record_lines (20): one ragged row, listed with its line, the report is drawn (1 of 40 rejected)
    text = _sales_with_unclosed_quote(40, 10, close_after=4)
    plan = workspace_with(tmp_path, SALES, {"data/s.csv": text})
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "sales: used 35 of 36 rows from data/s.csv (1 rejected (line 10); list them with: salesplan report intake)" in run.err
    run = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "csv")
    assert run.code == 0
    assert 'data/s.csv,sales,10,,,rejected,"ragged row: 3 fields where the header has 5, spanning lines 10-14 (an unclosed quote?)"' in run.out
    # the threshold is a setting
    plan.replace("salesplan.yaml", "data:\n", "data:\n  max_record_lines: 4\n")
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2 and errors(run.err, "SP905")[0].endswith("an unclosed quote at line 10 runs to line 14 (5 lines read as one field)")


# --- the intake account ----------------------------------------------------------------------------------


def test_the_summary_cites_the_first_rejected_lines(run_cli):
    run = run_cli("report", "-w", EXAMPLE, "--as-of", AS_OF)
    assert run.code == 0
    assert "opportunities: used 2,593 of 2,597 rows from data/opportunities.csv (4 rejected (lines 3, 960, 1731, 2082), 6 unmatched, 4 skipped; list them with: salesplan report intake)" in run.err
    assert "accounts: used 1,115 of 1,118 rows from data/accounts.csv (3 rejected (lines 420, 965, 1103), 4 unmatched;" in run.err


def test_report_intake_shows_each_rows_id_and_name(run_cli):
    run = run_cli("report", "intake", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "csv")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == "export,kind,line,id,name,status,reason"
    assert "data/accounts.csv,accounts,420,GRANI-848,GRANIT SERVICES GMBH,rejected,account 'GRANI-848' appears again (first occurrence kept)" in lines
    assert "data/accounts.csv,accounts,1103,,,rejected,ragged row: 9 fields where the header has 8" in lines  # no id: the row could not be cut


def test_markdown_and_json_carry_the_intake_account(run_cli):
    run = run_cli("report", "pipeline", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "markdown")
    assert run.code == 0
    assert "**CRM exports read**" in run.out
    assert "- opportunities: used 2,593 of 2,597 rows from data/opportunities.csv (4 rejected (lines 3, 960, 1731, 2082), 6 unmatched, 4 skipped; list them with: salesplan report intake)" in run.out
    run = run_cli("report", "pipeline", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "json")
    intake = json.loads(run.out)["intake"]
    opportunities = next(r for r in intake if r["kind"] == "opportunities")
    assert (opportunities["rows_read"], opportunities["rows_used"], opportunities["rejected"]) == (2597, 2593, 4)
    assert [i["line"] for i in opportunities["issues"] if i["status"] == "rejected"] == [3, 960, 1731, 2082]


# --- fallbacks, said once ----------------------------------------------------------------------------------


def test_each_fallback_is_said_once(tmp_path, run_cli):
    # open deals without last activity, created date or probability columns, and no activities export
    text = "Id,Owner,Account,Stage,Amount,Close\n" + "".join(f"O{i},rep-n1,ACME-{i},proposal,100.00,2027-12-01\n" for i in range(1, 6))
    plan = workspace_with(tmp_path, opps_yaml(), {"data/o.csv": text})
    run = run_cli("report", "pipeline", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 0, run.err
    notes = [line for line in run.err.splitlines() if line.startswith("note: opportunities:")]
    assert notes == [
        "note: opportunities: no last_activity column, no created date and no activity logged on a deal: no deal can be judged stale",
        "note: opportunities: no created_date column: the age of open deals is unknown (age bucket 'unknown')",
        "note: opportunities: no probability column: weighted pipeline uses each stage's default probability (strategy.yaml)",
        "note: opportunities: no product column: in figures by product range (win rates), every deal counts as <unplanned>",
    ]
    run = run_cli("report", "pipeline", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert [n for n in json.loads(run.out)["notes"] if n.startswith("opportunities:")] == [n[len("note: ") :] for n in notes]
    # an accounts export without a status column, a sales export without a product column
    plan.write("data/a.csv", "id,name\nACME-1,Acme\n")
    plan.write("data/s.csv", "id,owner,account,amount,date\n1,rep-n1,ACME-1,100.00,2027-01-05\n")
    plan.replace("salesplan.yaml", "data:\n", "data:\n  accounts: {path: data/a.csv, columns: {id: id, name: name}}\n  sales: {path: data/s.csv, columns: {owner: owner, account: account, amount: amount, date: date}}\n")
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert "note: sales: no product column: in figures by product range (attainment), every sale counts as <unplanned>" in run.err.splitlines()
    assert "note: accounts: no status column: an account is a customer once it has bought by the end of the period to date, else a prospect" in run.err.splitlines()
    # with a created date only: staleness is measured from it, and the report says so
    text = "Id,Owner,Account,Stage,Amount,Close,Created\n" + "".join(f"O{i},rep-n1,ACME-{i},proposal,100.00,2027-12-01,2027-01-05\n" for i in range(1, 6))
    plan.write("data/o.csv", text)
    plan.replace("salesplan.yaml", "close_date: Close}", "close_date: Close, created_date: Created}")
    run = run_cli("report", "pipeline", "-w", plan.root, "--as-of", AS_OF)
    assert [line for line in run.err.splitlines() if "stale" in line] == [
        "note: opportunities: no last_activity column and no activity logged on a deal (activities with an opportunity id): staleness is measured from each deal's created date"
    ]


def test_the_example_has_no_fallback_note(run_cli):
    run = run_cli("report", "pipeline", "-w", EXAMPLE, "--as-of", AS_OF)
    assert "note: opportunities:" not in run.err


# --- validate checks the data: section and the exports' header rows ----------------------------------------


def test_validate_finds_an_unknown_field_under_columns_with_a_did_you_mean(tmp_path, run_cli):
    plan = workspace_with(tmp_path, opps_yaml(), {"data/o.csv": opportunities_csv(["1"])})
    plan.replace("salesplan.yaml", "close_date: Close}", "close: Close}")
    run = run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01", "--format", "json")
    assert run.code == 1
    [finding] = [d for d in json.loads(run.out)["diagnostics"] if d["severity"] == "error"]
    line = plan.line_of("salesplan.yaml", "close: Close}")
    assert (finding["code"], finding["file"], finding["line"], finding["col"]) == ("SP903", "salesplan.yaml", line, plan.col_of("salesplan.yaml", "close: Close"))
    assert finding["message"] == "data.opportunities.columns: unknown field 'close'"
    assert finding["hint"].startswith("did you mean 'close_date'?")
    # a report stops at the plan check, with the same finding
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2 and "error SP903: data.opportunities.columns: unknown field 'close'" in run.err


def test_validate_checks_the_header_row_without_reading_the_rows(tmp_path, run_cli, monkeypatch):
    from salesplan_cli.intake import read

    def no_rows(*_args, **_kwargs):
        raise AssertionError("validate read the rows of an export")

    monkeypatch.setattr(read, "read_table", no_rows)
    # the rows are not even text: only the header line is read
    body = "Id,Owner,Account,Stage,Amount,Closing\n".encode() + b"\xff\xfe garbage \x00\x01\n" * 50
    plan = workspace_with(tmp_path, opps_yaml(), {"data/o.csv": body})
    run = run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01")
    assert run.code == 1, run.out
    assert "data/o.csv:1: error SP903: opportunities export lacks required field(s): close_date (column 'Close' not in the export)" in run.out
    assert "did you mean 'Close' -> 'Closing'?" in run.out
    plan.write("data/o.csv", body.replace(b"Closing", b"Close"))
    run = run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01")
    assert run.code == 0, run.out
    # a missing export is not validate's finding (the report says SP901)
    (plan.root / "data/o.csv").unlink()
    assert run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01").code == 0


def test_validate_says_when_the_header_is_not_the_presets(tmp_path, run_cli):
    data = 'data:\n  opportunities: {path: data/o.csv, preset: salesforce, date_format: "%m/%d/%Y"}\n'
    plan = workspace_with(tmp_path, data, {"data/o.csv": "deal,seller,customer,phase,value,closing\n"})
    run = run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01")
    assert run.code == 1
    assert "none of the salesforce preset's columns is in the header: is this a salesforce export (data.opportunities.preset)?" in run.out


@pytest.mark.parametrize("suffix", ["xlsx", "parquet"])
def test_validate_reads_the_header_of_a_workbook_and_a_parquet_file(tmp_path, run_cli, suffix):
    header = ["id", "owner", "account", "amount", "day"]
    path = tmp_path / f"s.{suffix}"
    if suffix == "xlsx":
        openpyxl = pytest.importorskip("openpyxl")
        book = openpyxl.Workbook()
        book.active.append(header)
        book.active.append(["1", "rep-n1", "A", 1, "2027-01-01"])
        book.save(path)
    else:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({name: ["x"] for name in header}), path)
    plan = workspace_with(tmp_path, SALES.replace("s.csv", f"s.{suffix}"), {f"data/s.{suffix}": path.read_bytes()})
    run = run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01")
    assert run.code == 1
    assert f"data/s.{suffix}:1: error SP903: sales export lacks required field(s): date (column 'date' not in the export)" in run.out


# --- export paths stay inside the workspace ----------------------------------------------------------------

SECRET = "SECRET-TOKEN-9f8e7d"


@pytest.fixture
def outside(tmp_path) -> Path:
    """A folder out of the workspace holding a file whose first line must never be printed."""
    folder = tmp_path / "runner"
    folder.mkdir()
    (folder / "s.csv").write_text(f"{SECRET},b\n1,2\n", encoding="utf-8")
    (folder / "good.csv").write_text("id,owner,account,amount,date\n1,rep-n1,A,100.00,2027-01-05\n", encoding="utf-8")
    return folder


def _ways_out(plan, outside: Path, how: str, name: str = "s.csv") -> str:
    if how == "absolute":
        return str(outside / name)
    if how == "dotdot":
        return os.path.relpath(outside / name, plan.root)
    (plan.root / "data").mkdir(exist_ok=True)
    (plan.root / "data" / "link.csv").symlink_to(outside / name)
    return "data/link.csv"


@pytest.mark.parametrize(("how", "why"), [("absolute", "an absolute path"), ("dotdot", "it leaves the workspace through '..'"), ("symlink", "a symbolic link resolving outside the workspace")])
def test_an_export_path_out_of_the_workspace_is_refused_unread(tmp_path, run_cli, outside, how, why):
    plan = workspace_with(tmp_path, SALES, {})
    path = _ways_out(plan, outside, how)
    plan.replace("salesplan.yaml", "path: data/s.csv", f"path: {path}")
    line, col = plan.line_of("salesplan.yaml", "sales: {path:"), plan.col_of("salesplan.yaml", "sales: {path:", path)
    for args in (["report"], ["report", "intake"], ["review", "-r", "rep-n1"], ["pam", "--dry-run"], ["validate", "--format", "human"]):
        run = run_cli(*args, "-w", plan.root, "--as-of", AS_OF)
        assert run.code == (1 if args[0] == "validate" else 2), (args, run.out, run.err)
        text = run.out + run.err
        assert SECRET not in text, args
        assert f"salesplan.yaml:{line}:{col}: error SP907: data.sales.path '{path}' is refused: {why}" in text, (args, text)
        assert "--data-dir DIR, or $SALESPLAN_DATA_DIRS" in text


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink"])
def test_the_person_running_the_command_may_allow_a_folder(tmp_path, run_cli, outside, monkeypatch, how):
    plan = workspace_with(tmp_path, SALES, {})
    path = _ways_out(plan, outside, how, "good.csv")
    plan.replace("salesplan.yaml", "path: data/s.csv", f"path: {path}")
    run = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "--data-dir", outside)
    assert run.code == 0, run.err
    assert f"sales: used 1 of 1 rows from {path}" in run.err
    assert run_cli("validate", "-w", plan.root, "--as-of", "2027-02-01", "--data-dir", outside).code == 0
    # the option before the report name, and the environment variable of a CI job
    assert run_cli("report", "--data-dir", outside, "attainment", "-w", plan.root, "--as-of", AS_OF).code == 0
    monkeypatch.setenv(ENV_DATA_DIRS, os.pathsep.join([str(tmp_path / "elsewhere"), str(outside)]))
    assert run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF).code == 0
    assert run_cli("pam", "-w", plan.root, "--as-of", AS_OF, "--dry-run").code == 0
    # another folder does not allow it
    monkeypatch.setenv(ENV_DATA_DIRS, str(tmp_path / "elsewhere"))
    assert run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF).code == 2


def test_a_link_out_of_an_allowed_folder_is_still_refused(tmp_path, run_cli, outside):
    allowed = tmp_path / "allowed"
    allowed.mkdir()
    (allowed / "s.csv").symlink_to(outside / "s.csv")
    plan = workspace_with(tmp_path, SALES, {})
    plan.replace("salesplan.yaml", "path: data/s.csv", f"path: {allowed / 's.csv'}")
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--data-dir", allowed)
    assert run.code == 2 and "error SP907" in run.err and SECRET not in run.out + run.err


def test_a_path_through_dotdot_that_stays_inside_is_fine(tmp_path):
    plan = workspace_with(tmp_path, SALES.replace("data/s.csv", "reps/../data/s.csv"), {"data/s.csv": "id,owner,account,amount,date\n1,rep-n1,A,1,2027-01-01\n"})
    frames, diags = load(plan)
    assert diags == [] and len(frames.sales) == 1


def test_a_header_hint_quotes_column_names_of_an_allowed_file_only(tmp_path, run_cli, outside):
    # the "export's columns" hint of SP903 names the header of a file the person running the command allowed
    plan = workspace_with(tmp_path, SALES, {})
    plan.replace("salesplan.yaml", "path: data/s.csv", f"path: {outside / 's.csv'}")
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 2 and SECRET not in run.err
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--data-dir", outside)
    assert run.code == 2 and "error SP903" in run.err and f"the export's columns: {SECRET}, b" in run.err


def test_the_triggering_tests_exist():
    assert all(callable(globals().get(name)) for name in TRIGGERED.values())


def test_the_cache_keeps_what_the_rules_need(tmp_path, run_cli, monkeypatch):
    """The span of a ragged record, the ids and names of listed rows and the fields an export carried come back
    from the cache: a damaged export fails the second run too, with the same words."""
    from salesplan_cli.intake import cache, load as intake_load

    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    monkeypatch.delenv(ENV_DISABLE, raising=False)
    text = _sales_with_unclosed_quote(300, 100, close_after=40)
    plan = workspace_with(tmp_path, SALES, {"data/s.csv": text})
    first = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert first.code == 2 and (plan.root / cache.FOLDER).is_dir()

    def no_reading(*_args, **_kwargs):
        raise AssertionError("exports read despite a warm cache")

    monkeypatch.setattr(intake_load, "load_exports", no_reading)
    second = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert (second.code, second.out, second.err) == (first.code, first.out, first.err)
    assert "an unclosed quote at line 100 runs to line 140 (41 lines read as one field)" in second.err


@pytest.mark.parametrize(
    ("kind", "reasons", "read", "message"),
    [
        ("sales", ["unreadable amount '1,234.56'"] * 10, 10, "all 10 amounts unreadable as numbers with ',' as decimal separator: they look like '1,234.56'; set data.sales.decimal: \".\""),
        ("sales", ["unreadable amount '1 234.56'"] * 10, 10, 'they look like \'1 234.56\'; set data.sales.decimal: "." and data.sales.thousands: " "'),
        ("opportunities", ["unreadable amount 'USD 1,000.00'"] * 3, 3, "the amounts carry another currency than the workspace's"),
        ("opportunities", ["unreadable amount 'TBD'"] * 3, 3, "no decimal or thousands setting reads them all"),
        ("opportunities", ["unreadable close date '03/31/2027'", "unreadable close date '04/01/2027'"], 2, 'all 2 close dates unreadable as %Y-%m-%d: they look like \'03/31/2027\'; set data.opportunities.date_format: "%m/%d/%Y"'),
        (
            "opportunities",
            ["unknown stage 'Won Deal' (map it under data.mapping.stages)"] * 5 + ["unknown stage 'Dead' (map it under data.mapping.stages)"] * 3,
            20,
            "8 of 20 rows (40%) rejected, over data.max_rejected (10%); 8 rows have a stage the plan does not know ('Won Deal', 'Dead'); map them under data.mapping.stages",
        ),
        ("opportunities", ["ragged row: 1 fields where the header has 6"] * 10, 10, "all 10 rows have another number of fields than the header; check data.opportunities.delimiter (now 'auto')"),
        ("opportunities", ["missing amount"] * 4 + ["unreadable close date '13/31/2027'"], 10, "5 of 10 rows (50%) rejected, over data.max_rejected (10%); 4 rows have no amount"),
        ("opportunities", ["missing amount"] * 1, 10, None),  # 10%: not over
    ],
)
def test_the_reason_most_rejected_rows_share_and_its_fix(kind, reasons, read, message):
    from salesplan_cli.config.data import DataConfig, Source
    from salesplan_cli.intake.load import SourceReport
    from salesplan_cli.intake.loud import damage
    from salesplan_cli.intake.read import RowIssue

    config = DataConfig(opportunities=Source(path="o.csv"), sales=Source(path="s.csv", decimal=","))
    report = SourceReport(kind=kind, path=f"data/{kind}.csv", unit="line", rows_read=read, rows_used=read - len(reasons))
    report.issues = [RowIssue(line, reason) for line, reason in enumerate(reasons, start=2)]
    found = damage(config, [report])
    if message is None:
        assert found == []
        return
    [diag] = found
    assert diag.code == "SP908" and diag.file == f"data/{kind}.csv" and message in diag.message, diag.message


def test_a_missing_column_that_is_no_required_field_is_not_called_required(tmp_path, run_cli):
    """stage_dates (or attributes, expected outputs) naming a column the export lacks: SP903 says the
    settings name it, not that a required field is missing."""
    from conftest import EXAMPLE, copy_workspace

    ws = copy_workspace(EXAMPLE, tmp_path / "ws")
    ws.replace("salesplan.yaml", '    date_format: "%m/%d/%Y"\n', '    date_format: "%m/%d/%Y"\n    stage_dates: {proposal: "Date entered proposal"}\n')
    run = run_cli("report", "pipeline", "-w", ws.root, "--as-of", "2027-10-15")
    assert run.code == 2
    assert "error SP903: opportunities export lacks column(s) the settings name: column 'Date entered proposal' (data.attributes or stage_dates)" in run.err
