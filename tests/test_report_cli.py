"""`salesplan report` end to end, through `main(argv)` (no subprocess): formats, gates, bad input, --output,
periods and filters, on examples/nordwind as of 2027-10-15.

The JSON test: for each report, the `tables` of `--format json` are exactly what the core functions return for
the same context (built as `cli.reporting.prepare` builds it: validate_workspace, load_exports, resolve_period,
Filters), converted with `render_report.records`.

Speed: reading the example's exports takes a good part of each run, so while this module runs,
`load_exports` reads each workspace of READ_ONCE for real once and then returns copies of that load: the
example itself and the module-scoped copies, which are never edited once made. Any other workspace (the
per-test copies edited to break them) is read every time. The JSON of each report is produced once.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import json
import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import EXAMPLE, CliRun, figures_only
from salesplan_cli.cli import render_report
from salesplan_cli.cli.app import main
from salesplan_cli.cli.render_report import records
from salesplan_cli.intake import load as intake_load
from salesplan_cli.intake.load import load_exports  # the real loader, bound before the module fixture patches it
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.activity import activity
from salesplan_cli.reports.quality import missing_outputs, qualification
from salesplan_cli.reports.roles import no_role_reached, roles_reached
from salesplan_cli.reports.attainment import attainment
from salesplan_cli.reports.context import TOTAL, Filters, ReportContext
from salesplan_cli.reports.conversion import conversion, stage_conversion
from salesplan_cli.reports.coverage import coverage, untouched_accounts
from salesplan_cli.reports.dashboard import dashboard
from salesplan_cli.reports.period import resolve_period
from salesplan_cli.reports.pipeline import deals_to_watch, pipeline, pipeline_coverage

AS_OF = "2027-10-15"
AS_OF_DATE = dt.date.fromisoformat(AS_OF)
REPORTS = ("dashboard", "attainment", "activity", "coverage", "pipeline", "conversion", "intake")
INTAKE_COLUMNS = ["export", "kind", "line", "id", "name", "status", "reason"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Workspaces whose exports are read once per module (resolved roots); see the module docstring.
READ_ONCE: set[Path] = {EXAMPLE.resolve()}


def report_args(report: str, *extra: str, workspace: Path = EXAMPLE) -> list[str]:
    """argv of one report: `report` alone is the dashboard."""
    head = ["report"] if report == "dashboard" else ["report", report]
    return [*head, "-w", str(workspace), "--as-of", AS_OF, *extra]


def invoke(*args: str) -> CliRun:
    """main(argv) with stdout and stderr captured, usable where capsys is not (module fixtures)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliRun(code, out.getvalue(), err.getvalue())


def no_nan(text: str):
    """json.loads that fails on NaN / Infinity (not JSON, though Python writes them)."""

    def refuse(constant):
        raise AssertionError(f"{constant} in the JSON output")

    return json.loads(text, parse_constant=refuse)


def assert_usage_error(run: CliRun, *needles: str) -> None:
    assert run.code == 2, (run.code, run.err)
    assert run.out == ""
    assert "Traceback" not in run.err and "internal error" not in run.err, run.err
    for needle in needles:
        assert needle in run.err, (needle, run.err)


def parse_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_formula_cells(rows: list[list[str]]) -> None:
    """No cell a spreadsheet would run as a formula: text starting with = + - @ tab CR must be quoted."""
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_START):
                assert is_number(cell), f"cell {cell!r} would run as a formula in a spreadsheet"


def markdown_tables(text: str) -> list[tuple[str, list[str], str, list[str]]]:
    """(title, header cells, separator line, row lines) of each `###` table of a Markdown report."""
    lines = text.split("\n")
    tables = []
    i = 0
    while i < len(lines):
        if not lines[i].startswith("### "):
            i += 1
            continue
        title = lines[i][4:]
        j = i + 1
        while j < len(lines) and not lines[j].startswith("|"):
            j += 1
        header = [c.strip() for c in lines[j].strip().strip("|").split(" | ")]
        separator = lines[j + 1]
        k = j + 2
        rows = []
        while k < len(lines) and lines[k].startswith("|"):
            rows.append(lines[k])
            k += 1
        tables.append((title, header, separator, rows))
        i = k
    return tables


# --- fixtures -----------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch, tmp_path):
    """Same output on a laptop, in CI and under FORCE_COLOR; crash reports (if any) go to tmp_path."""
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("FORCE_COLOR", "GITHUB_ACTIONS", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


@pytest.fixture(scope="module", autouse=True)
def _example_read_once():
    """load_exports on a workspace of READ_ONCE returns a deep copy of one real load; others are read."""
    cache: dict[Path, tuple] = {}

    def load(ws, progress=None, data_dirs=()):
        root = Path(ws.root).resolve()
        if root not in READ_ONCE:
            return load_exports(ws, progress=progress, data_dirs=data_dirs)
        if root not in cache:
            cache[root] = load_exports(ws)
        frames, diags = cache[root]
        return copy.deepcopy(frames), list(diags)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(intake_load, "load_exports", load)
        yield


@pytest.fixture(scope="module")
def workspace():
    result = validate_workspace(EXAMPLE, as_of=AS_OF_DATE)
    assert not result.errors
    return result.workspace


@pytest.fixture(scope="module")
def frames(workspace):
    loaded, diags = load_exports(workspace)
    assert not diags
    return loaded


def make_context(workspace, frames, period=None, **filters) -> ReportContext:
    """The context as cli.reporting.prepare builds it."""
    return ReportContext(
        ws=workspace,
        frames=frames,
        period=resolve_period(period, workspace.settings, AS_OF_DATE),
        as_of=AS_OF_DATE,
        filters=Filters(reps=tuple(filters.get("reps", ())), team=filters.get("team"), segment=filters.get("segment"), product=filters.get("product")),
    )


@pytest.fixture(scope="module")
def ctx(workspace, frames):
    return make_context(workspace, frames)


@pytest.fixture(scope="module")
def expected(ctx) -> dict[str, dict[str, list[dict]]]:
    """Report -> table name -> records, from the core functions, with each command's default options."""
    stages = stage_conversion(ctx)
    conversion_tables = {"conversion": conversion(ctx, ["rep", "product"])}
    if stages is not None:
        conversion_tables["stages"] = stages
    frames_by_report = {
        "dashboard": {"dashboard": dashboard(ctx)[0]},
        "attainment": {"attainment": attainment(ctx, ["rep"])},
        "activity": {"activity": activity(ctx, ["rep", "action", "segment"])},
        # the example's activities carry contact titles, its opportunities the qualification columns (issue 17)
        "coverage": {"coverage": coverage(ctx), "untouched": untouched_accounts(ctx, top=10), "roles": roles_reached(ctx), "no_role_reached": no_role_reached(ctx, top=10)},
        "pipeline": {
            "pipeline": pipeline(ctx, ["rep", "stage"]),
            "pipeline_coverage": pipeline_coverage(ctx),
            "deals_to_watch": deals_to_watch(ctx, top=10),
            "qualification": qualification(ctx),
            "missing_outputs": missing_outputs(ctx, top=10),
        },
        "conversion": conversion_tables,
    }
    out = {report: {name: records(frame) for name, frame in tables.items()} for report, tables in frames_by_report.items()}
    issues = [
        {"export": r.path, "kind": r.kind, "line": i.line, "id": i.id, "name": i.name, "status": i.kind, "reason": i.reason}
        for r in ctx.frames.reports
        for i in r.issues
    ]
    summary = [{k: v for k, v in (r.to_dict() | {"absent": ", ".join(r.absent)}).items() if k not in ("issues", "converted", "without_rate")} for r in ctx.frames.reports]
    out["intake"] = {"issues": issues, "summary": summary}
    from salesplan_cli.intake.owners import owner_table

    owners = owner_table(ctx.ws, ctx.frames)
    if len(owners):  # the example's departed rep: her CRM rows match no rep
        out["intake"]["owners"] = records(owners)
    return out


@pytest.fixture(scope="module")
def main_columns(ctx) -> dict[str, list[str]]:
    """The columns of each report's main (first) table, as the core functions name them."""
    return {
        "dashboard": list(dashboard(ctx)[0].columns),
        "attainment": list(attainment(ctx, ["rep"]).columns),
        "activity": list(activity(ctx, ["rep", "action", "segment"]).columns),
        "coverage": list(coverage(ctx).columns),
        "pipeline": list(pipeline(ctx, ["rep", "stage"]).columns),
        "conversion": list(conversion(ctx, ["rep", "product"]).columns),
        "intake": INTAKE_COLUMNS,
    }


@pytest.fixture(scope="module")
def example_json() -> dict[str, CliRun]:
    """`--format json` of every report on the example, run once."""
    return {report: invoke(*report_args(report, "--format", "json")) for report in REPORTS}


# --- JSON ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_json_tables_are_the_core_functions_tables(report, example_json, expected, ctx):
    run = example_json[report]
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    payload = no_nan(run.out)
    assert payload["report"] == report
    assert figures_only(payload["tables"]) == expected[report]
    assert list(payload["tables"]) == list(expected[report])  # same tables, in the same order (the first is the main one)
    assert all(payload["tables"][name] for name in payload["tables"] if name != "deals_to_watch"), "an empty table on the example"
    assert payload["as_of"] == AS_OF
    assert payload["period"] == {"start": "2027-01-01", "end": AS_OF, "label": "year to date (2027-01-01..2027-10-15)"}
    assert payload["currency"] == "EUR"
    assert payload["filters"] == {"reps": [], "team": None, "segment": None, "product": None}
    assert payload["intake"] == ctx.frames.intake_summary()
    assert [r["kind"] for r in payload["intake"]] == ["accounts", "opportunities", "activities", "sales"]
    assert payload["breaches"] == []
    assert isinstance(payload["notes"], list)
    assert "NaN" not in run.out and "Infinity" not in run.out


def test_json_conversion_notes_say_there_is_no_stage_history(example_json):
    payload = json.loads(example_json["conversion"].out)
    assert "stages" not in payload["tables"]
    assert any("no stage history" in note for note in payload["notes"])


@pytest.mark.parametrize("report", REPORTS)
def test_json_is_deterministic(report, example_json):
    again = invoke(*report_args(report, "--format", "json"))
    assert again.code == 0
    assert again.out.encode("utf-8") == example_json[report].out.encode("utf-8")


# --- CSV ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_csv_is_the_main_table(report, run_cli, main_columns, expected):
    run = run_cli(*report_args(report, "--format", "csv"))
    assert run.code == 0, run.err
    rows = parse_csv(run.out)
    assert rows[0][: len(main_columns[report])] == main_columns[report]
    assert all(c.endswith("_reason") for c in rows[0][len(main_columns[report]) :])  # why a figure is blank
    main_table = next(iter(expected[report].values()))
    assert len(rows) - 1 == len(main_table)
    first = main_columns[report][0]
    assert [row[0] for row in rows[1:]] == ["" if r[first] is None else str(r[first]) for r in main_table]
    assert all(len(row) == len(rows[0]) for row in rows)
    assert_no_formula_cells(rows)
    assert not [c for row in rows[1:] for c in row if "," in c and is_number(c.replace(",", ""))]  # no thousands separators


def test_csv_numbers_are_the_json_numbers(run_cli, expected):
    """Every number keeps its digits (ratios above 100% were once cut to 2 decimals: 1.0472... -> '1.05')."""
    run = run_cli(*report_args("attainment", "--format", "csv"))
    rows = parse_csv(run.out)
    header, body = rows[0], rows[1:]
    for row, record in zip(body, expected["attainment"]["attainment"]):
        for column, cell in zip(header, row):
            value = record.get(column)
            if isinstance(value, float):
                assert float(cell) == value, (record["rep"], column, cell, value)


# --- Markdown -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("report", REPORTS)
def test_markdown_has_a_table_per_table(report, run_cli, expected):
    run = run_cli(*report_args(report, "--format", "markdown"))
    assert run.code == 0, run.err
    assert run.out.startswith(f"## salesplan report {report}\n")
    assert f"As of {AS_OF}, period year to date (2027-01-01..2027-10-15), amounts in EUR." in run.out
    tables = markdown_tables(run.out)
    assert len(tables) == len(expected[report])
    for (title, header, separator, rows), (name, records_) in zip(tables, expected[report].items()):
        assert title
        assert header == list(records_[0])
        assert separator.count("|") == len(header) + 1 and set(separator) <= set("|-:")
        assert len(rows) == len(records_), name
        assert all(row.count(" | ") >= len(header) - 1 for row in rows)


def test_markdown_right_aligns_number_columns(run_cli):
    run = run_cli(*report_args("attainment", "--format", "markdown"))
    title, header, separator, rows = markdown_tables(run.out)[0]
    aligns = dict(zip(header, separator.strip("|").split("|")))
    assert {c: aligns[c] for c in ("actual", "target", "attainment", "gap", "projection")} == dict.fromkeys(
        ("actual", "target", "attainment", "gap", "projection"), "---:"
    )


# --- hostile values: spreadsheet formulas, rich markup, terminal escapes ----------------------------------

HYPERLINK = '=HYPERLINK("http://evil.example","click")'
MARKUP_ESC = "[red]x[/red]\x1b[31mEVIL"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """A copy of the example where:
    - rep-n1's name is a formula (it is the dashboard's `name` column);
    - the sales export lives at '@SUM(1).csv' (its path is the intake's `export` column);
    - two opportunities have owners matching no rep: a formula and rich markup + an ANSI escape (quoted in the
      intake's reasons).
    """
    root = tmp_path_factory.mktemp("hostile") / "nordwind"
    shutil.copytree(EXAMPLE, root)

    def replace_once(rel: str, old: str, new: str) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, (rel, old)
        path.write_bytes(text.replace(old, new).encode("utf-8"))

    replace_once("reps/rep-n1.yaml", "name: Lena Vogel", "name: '" + HYPERLINK + "'")
    (root / "data" / "invoices.csv").rename(root / "@SUM(1).csv")
    replace_once("salesplan.yaml", "path: data/invoices.csv", "path: '@SUM(1).csv'")
    opportunities = root / "data" / "opportunities.csv"
    lines = opportunities.read_bytes().decode("utf-8").split("\n")
    for number, owner in ((2, MARKUP_ESC), (4, "=HYPERLINK(1)")):  # lines 2 and 4 are kept rows of Aisha Karim
        assert lines[number - 1].count('"Aisha Karim"') == 1
        lines[number - 1] = lines[number - 1].replace('"Aisha Karim"', f'"{owner}"')
    opportunities.write_bytes("\n".join(lines).encode("utf-8"))
    READ_ONCE.add(root.resolve())
    return root


def test_csv_quotes_a_formula_in_the_dashboard(run_cli, hostile):
    run = run_cli(*report_args("dashboard", "--format", "csv", workspace=hostile))
    assert run.code == 0, run.err
    rows = parse_csv(run.out)
    names = {row[0]: row[1] for row in rows[1:]}
    assert names["rep-n1"] == "'" + HYPERLINK
    assert_no_formula_cells(rows)


def test_csv_quotes_a_formula_in_the_intake(run_cli, hostile):
    run = run_cli(*report_args("intake", "--format", "csv", workspace=hostile))
    assert run.code == 0, run.err
    rows = parse_csv(run.out)
    assert rows[0] == INTAKE_COLUMNS
    sales = [row for row in rows[1:] if row[1] == "sales"]
    assert sales and {row[0] for row in sales} == {"'@SUM(1).csv"}
    # an export value is quoted inside the reason, so the cell never starts with it
    reasons = {int(row[2]): row[6] for row in rows[1:] if row[0] == "data/opportunities.csv"}
    assert reasons[4] == "owner '=HYPERLINK(1)' matches no rep (counted as <unplanned>)"
    assert_no_formula_cells(rows)


def test_table_output_escapes_markup_and_strips_escapes(run_cli, hostile):
    run = run_cli(*report_args("intake", workspace=hostile))
    assert run.code == 0, run.err
    assert "\x1b" not in run.out and "\x1b" not in run.err
    line = next(line for line in run.out.splitlines() if "EVIL" in line)
    assert "owner '[red]x[/red][31mEVIL' matches no rep" in line


def test_colour_terminal_escapes_markup_and_strips_escapes(run_cli, hostile, monkeypatch):
    monkeypatch.setattr(render_report, "use_color", lambda: True)
    monkeypatch.delenv("NO_COLOR")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    run = run_cli(*report_args("intake", workspace=hostile))
    assert run.code == 0, run.err
    assert "\x1b[" in run.out  # rich does style this output
    assert "[red]x[/red][31mEVIL" in run.out  # the markup shown as text, the export's escape removed
    assert "\x1b[31mx" not in run.out and "\x1b[31mEVIL" not in run.out


def test_markdown_strips_escapes(run_cli, hostile):
    run = run_cli(*report_args("intake", "--format", "markdown", workspace=hostile))
    assert run.code == 0, run.err
    assert "\x1b" not in run.out
    # brackets escaped: a CRM value cannot make a Markdown link or image in a job summary
    assert "owner '\\[red\\]x\\[/red\\]\\[31mEVIL'" in run.out


def test_markdown_never_renders_a_link_from_an_export(run_cli, plan):
    plan.append("data/opportunities.csv", "OPP-LINK,[click](https://evil.example) ![x](https://evil.example/i.png),ACME-217,Prospecting,1000,EUR,11/30/2027,09/01/2027,,Platform,,x,,,,\n")
    plan.append("data/opportunities.csv", "OPP-LINK2,[click](javascript:alert(1)),ACME-217,Prospecting,1000,EUR,11/30/2027,09/01/2027,,Platform,,x,,,,\n")
    run = run_cli(*report_args("intake", "--format", "markdown", workspace=plan.root))
    assert run.code == 0, run.err
    rows = [line for line in run.out.splitlines() if "click" in line and line.startswith("| data/")]
    assert len(rows) == 2
    owners = [line for line in run.out.splitlines() if "click" in line and not line.startswith("| data/")]
    assert len(owners) == 2 and all("](" not in line.replace("\\](", "") or "`" in line for line in owners)  # the owners table: escaped too
    assert "`owner '[click](https://evil.example) ![x](https' matches no rep (counted as <unplanned>)`" in rows[0]  # a code span
    assert "owner '\\[click\\](javascript:alert(1))' matches no rep" in rows[1]


def test_json_keeps_the_value_and_escapes_it(run_cli, hostile):
    run = run_cli(*report_args("intake", "--format", "json", workspace=hostile))
    assert run.code == 0, run.err
    assert "\x1b" not in run.out
    reasons = [row["reason"] for row in no_nan(run.out)["tables"]["issues"]]
    assert f"owner '{MARKUP_ESC}' matches no rep (counted as <unplanned>)" in reasons


def test_csv_on_stdout_has_no_escape_byte(run_cli, hostile):
    run = run_cli(*report_args("intake", "--format", "csv", workspace=hostile))
    assert run.code == 0
    assert "\x1b" not in run.out


# --- gates --------------------------------------------------------------------------------------------


def test_fail_under_below_everyone_passes(run_cli):
    run = run_cli(*report_args("dashboard", "--fail-under", "attainment=50%", "--format", "json"))
    assert run.code == 0, run.err
    assert "breach" not in run.err
    assert json.loads(run.out)["breaches"] == []


def test_fail_under_above_some_fails(run_cli, expected):
    run = run_cli(*report_args("dashboard", "--fail-under", "attainment=99%", "--format", "json"))
    assert run.code == 1, run.err
    below = [r["rep"] for r in expected["dashboard"]["dashboard"] if r["attainment"] is not None and r["attainment"] < 0.99]
    assert below and len(below) < len(expected["dashboard"]["dashboard"])  # some reps above 99% too
    for rep in below:
        assert f"breach: attainment of {rep} is " in run.err
    assert run.err.count("breach: attainment of rep-") == len(below)
    assert f"salesplan report: {len(below)} breaches" in run.err
    payload = json.loads(run.out)  # the report is written in full first
    assert [(b["metric"], b["entity"]) for b in payload["breaches"]] == [("attainment", rep) for rep in below]


def test_fail_under_on_a_report(run_cli):
    run = run_cli(*report_args("attainment", "--fail-under", "attainment=99%", "--format", "csv"))
    assert run.code == 1
    assert "breach: attainment of rep-" in run.err
    assert parse_csv(run.out)[0][0] == "rep"


def test_check_uses_the_workspace_thresholds(run_cli, expected, workspace):
    run = run_cli(*report_args("dashboard", "--check", "--format", "json"))
    assert run.code == 1, run.err
    t = workspace.settings.thresholds
    gates = {
        "attainment": ("attainment", float(t.attainment.fraction)),
        "activity": ("activity", float(t.activity.fraction)),
        "coverage": ("coverage", float(t.coverage.fraction)),
        "pipeline": ("pipeline_coverage", float(t.pipeline)),
        "new_customers": ("new_customers", float(t.attainment.fraction)),  # the example's volume objectives
    }
    rows = expected["dashboard"]["dashboard"]
    want = {(metric, r["rep"]) for metric, (column, limit) in gates.items() for r in rows if r[column] is not None and r[column] < limit}
    got = {(b["metric"], b["entity"]) for b in json.loads(run.out)["breaches"]}
    assert got == want
    # the example's thin pipeline is rep-e5's; rep-e1's (1.95x) is on watch, under the threshold all the same
    assert {rep for metric, rep in got if metric == "pipeline"} == {"rep-e1", "rep-e5"}
    assert "breach: pipeline of rep-e5 is 0.39x, under 2.00x" in run.err


def test_a_gate_the_report_has_no_figure_for_is_named(run_cli):
    run = run_cli(*report_args("coverage", "--fail-under", "pipeline=2", "--format", "json"))
    assert run.code == 0
    assert "note: this report has no pipeline figure" in run.err


@pytest.mark.parametrize(
    "gate, needle",
    [
        ("attainment=80", "attainment is a percentage"),
        ("nonsense=1%", "'nonsense' is not a gate"),
        ("pipeline=2%", "pipeline is a multiple"),
        ("attainment", "write METRIC=VALUE"),
    ],
)
def test_bad_fail_under_is_a_usage_error(run_cli, gate, needle):
    assert_usage_error(run_cli(*report_args("dashboard", "--fail-under", gate, "--format", "json")), "--fail-under", needle)


def test_an_empty_by_does_not_skip_the_gate(run_cli):
    """'--by ,' once meant rows by rep but no attainment figure: exit 0 although reps were under the gate."""
    run = run_cli(*report_args("attainment", "--by", ",", "--fail-under", "attainment=99%", "--format", "json"))
    assert run.code in (1, 2), run.err


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, needles",
    [
        (["dashboard", "--rep", "rep-x9"], ["--rep: unknown rep 'rep-x9'", "rep-n1"]),
        (["attainment", "--team", "mgr-west"], ["--team: unknown team 'mgr-west'", "mgr-north"]),
        (["attainment", "--segment", "Z"], ["--segment: unknown segment 'Z'"]),
        (["pipeline", "--product", "hardware"], ["--product: unknown product range 'hardware'", "platform"]),
        (["dashboard", "--period", "Q5"], ["--period", "'Q5' is not a period"]),
        (["attainment", "--period", "2027-13"], ["--period", "2027-13 is not a month"]),
        (["attainment", "--period", "2027-03-01..2027-02-01"], ["--period", "the end is before the start"]),
        (["attainment", "--period", "2027-02-30..2027-03-01"], ["--period"]),
        (["dashboard", "--period", "month", "--as-of", "2028-03-01"], ["--period", "outside the fiscal year"]),
        (["attainment", "--by", "city"], ["--by city: choose among rep, team, segment, product"]),
        (["activity", "--by", "product"], ["--by product: choose among"]),
        (["pipeline", "--by", "rep,rep"], ["a dimension is repeated"]),
        (["conversion", "--by", "stage"], ["--by stage"]),
        (["coverage", "--top", "0"], ["--top"]),
        (["dashboard", "--as-of", "2027-02-30"], ["is not a date"]),
        (["dashboard", "--format", "xml"], ["--format"]),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) and value and value[0] in REPORTS else "",
)
def test_bad_options_are_usage_errors(run_cli, args, needles):
    report, *extra = args
    assert_usage_error(run_cli(*report_args(report, *extra)), *needles)


@pytest.mark.parametrize("period", ["9999-12", "0000-01"])
def test_a_month_out_of_the_calendar_is_a_usage_error(run_cli, period):
    assert_usage_error(run_cli(*report_args("attainment", "--period", period)), "--period")


def edited_copy(tmp_path: Path, edit) -> Path:
    root = tmp_path / "nordwind"
    shutil.copytree(EXAMPLE, root)
    edit(root)
    return root


def cut(path: Path, start: str, end: str) -> None:
    """Remove the text of a file from `start` (included) to `end` (excluded); each occurs once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(start) == 1 and text.count(end) == 1, (start, end)
    path.write_text(text[: text.index(start)] + text[text.index(end) :], encoding="utf-8")


def test_plan_errors_stop_the_report(run_cli, tmp_path):
    def edit(root):
        strategy = root / "strategy.yaml"
        strategy.write_text(strategy.read_text(encoding="utf-8").replace("revenue_target: 12_000_000", "revenue_target: 30_000_000"), encoding="utf-8")

    root = edited_copy(tmp_path, edit)
    run = run_cli(*report_args("dashboard", "--format", "json", workspace=root))
    assert_usage_error(run, "error SP", "the plan has errors; fix them first")


def test_a_missing_export_is_sp901(run_cli, tmp_path):
    root = edited_copy(tmp_path, lambda root: (root / "data" / "activities.csv").unlink())
    run = run_cli(*report_args("attainment", "--format", "json", workspace=root))
    assert_usage_error(run, "SP901", "data/activities.csv", "file not found")


def test_no_data_section_is_sp903(run_cli, tmp_path):
    root = edited_copy(tmp_path, lambda root: cut(root / "salesplan.yaml", "# CRM exports", "thresholds:"))
    run = run_cli(*report_args("dashboard", workspace=root))
    assert_usage_error(run, "SP903", "no CRM export declared")


def test_a_report_needing_an_undeclared_export(run_cli, tmp_path):
    root = edited_copy(tmp_path, lambda root: cut(root / "salesplan.yaml", "  accounts:  ", "  opportunities:"))
    run = run_cli(*report_args("coverage", "--format", "json", workspace=root))
    assert_usage_error(run, "this report needs the accounts export(s)", "data.accounts")
    # the dashboard does without, and says so
    run = run_cli(*report_args("dashboard", "--format", "json", workspace=root))
    assert run.code == 0, run.err
    assert any("coverage: needs accounts" in note for note in json.loads(run.out)["notes"])


@pytest.fixture(scope="module")
def no_products(tmp_path_factory) -> Path:
    """The example without product ranges (strategy `products:`, the reps' splits and the product mapping)."""
    root = tmp_path_factory.mktemp("noproducts") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    cut(root / "strategy.yaml", "products:", "seasonality:")
    for rep in (root / "reps").glob("*.yaml"):
        lines = rep.read_text(encoding="utf-8").split("\n")
        rep.write_text("\n".join(line for line in lines if not line.startswith("products:")), encoding="utf-8")
    config = root / "salesplan.yaml"
    lines = config.read_text(encoding="utf-8").split("\n")
    config.write_text("\n".join(line for line in lines if not line.startswith("    products:")), encoding="utf-8")
    result = validate_workspace(root, as_of=AS_OF_DATE)
    assert not result.errors and not result.workspace.strategy.products
    READ_ONCE.add(root.resolve())
    return root


def test_without_product_ranges_attainment_by_product_is_a_usage_error(run_cli, no_products):
    assert_usage_error(run_cli(*report_args("attainment", "--by", "product", workspace=no_products)), "the strategy declares no product ranges")


def test_without_product_ranges_the_dashboard_works(run_cli, no_products):
    run = run_cli(*report_args("dashboard", "--format", "json", workspace=no_products))
    assert run.code == 0, run.err
    rows = no_nan(run.out)["tables"]["dashboard"]
    assert len(rows) == 11 and all(r["win_rate"] is not None for r in rows)


def test_without_product_ranges_conversion_defaults_to_by_rep(run_cli, no_products):
    run = run_cli(*report_args("conversion", "--format", "json", workspace=no_products))
    assert run.code == 0, run.err
    assert "product" not in no_nan(run.out)["tables"]["conversion"][0]


@pytest.mark.parametrize("report", ["pipeline", "conversion"])
def test_without_product_ranges_by_product_is_a_usage_error(run_cli, no_products, report):
    assert_usage_error(run_cli(*report_args(report, "--by", "product", workspace=no_products)), "no product ranges")


# --- --output -----------------------------------------------------------------------------------------


def test_output_writes_the_file_and_nothing_on_stdout(run_cli, tmp_path, example_json):
    target = tmp_path / "out" / "attainment.json"
    target.parent.mkdir()
    target.write_text("old content\n", encoding="utf-8")
    run = run_cli(*report_args("attainment", "--format", "json", "--output", target))
    assert run.code == 0, run.err
    assert run.out == ""
    assert f"wrote {target}" in run.err
    assert "accounts: used" in run.err  # the intake account goes to stderr with --output
    assert target.read_bytes() == example_json["attainment"].out.encode("utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["attainment.json"]  # no temporary file left


def test_output_in_the_table_format_is_plain_text(run_cli, tmp_path):
    target = tmp_path / "dashboard.txt"
    run = run_cli(*report_args("dashboard", "--output", target))
    assert run.code == 0, run.err
    assert run.out == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("salesplan report dashboard")
    assert "\x1b" not in text


def test_output_with_a_breach_is_written_and_exits_1(run_cli, tmp_path):
    target = tmp_path / "gate.md"
    run = run_cli(*report_args("dashboard", "--check", "--format", "markdown", "--output", target))
    assert run.code == 1
    assert run.out == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("## salesplan report dashboard") and "**Breaches**" in text


@pytest.fixture(scope="module")
def guarded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("guarded") / "nordwind"
    shutil.copytree(EXAMPLE, root)
    READ_ONCE.add(root.resolve())
    return root


@pytest.mark.parametrize("rel", ["strategy.yaml", "data/opportunities.csv", "reps/rep-n1.yaml"])
def test_output_onto_an_input_file_is_refused(run_cli, guarded, rel):
    target = guarded / rel
    before = target.read_bytes()
    listing = sorted(p.name for p in target.parent.iterdir())
    run = run_cli(*report_args("intake", "--format", "json", "--output", target, workspace=guarded))
    assert_usage_error(run, "is one of the workspace's input files")
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == listing


def test_output_onto_an_input_file_through_another_spelling_is_refused(run_cli, guarded):
    target = guarded / "data" / ".." / "data" / "opportunities.csv"
    before = (guarded / "data" / "opportunities.csv").read_bytes()
    run = run_cli(*report_args("intake", "--format", "csv", "--output", target, workspace=guarded))
    assert_usage_error(run, "is one of the workspace's input files")
    assert (guarded / "data" / "opportunities.csv").read_bytes() == before


def test_output_into_a_missing_folder_is_refused(run_cli, tmp_path):
    target = tmp_path / "missing" / "report.json"
    run = run_cli(*report_args("attainment", "--format", "json", "--output", target))
    assert_usage_error(run, "does not exist")
    assert not target.parent.exists()


def test_output_onto_a_folder_is_refused(run_cli, tmp_path):
    run = run_cli(*report_args("attainment", "--format", "json", "--output", tmp_path))
    assert_usage_error(run, "is a folder")


# --- periods and filters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, start, end, token",
    [
        ("fy", "2027-01-01", "2027-12-31", "fiscal year"),
        ("Q3", "2027-07-01", "2027-09-30", "Q3"),
        ("sep", "2027-09-01", "2027-09-30", "sep"),
        ("2027-09", "2027-09-01", "2027-09-30", "2027-09"),
        ("2027-07-01..2027-09-30", "2027-07-01", "2027-09-30", "2027-07-01..2027-09-30"),
        ("month", "2027-10-01", "2027-10-31", "oct"),  # the month holding --as-of
        ("quarter", "2027-10-01", "2027-12-31", "Q4"),  # the quarter holding --as-of
        ("half", "2027-07-01", "2027-12-31", "H2"),
    ],
)
def test_periods_resolve(run_cli, workspace, frames, spec, start, end, token):
    run = run_cli(*report_args("attainment", "--period", spec, "--format", "json"))
    assert run.code == 0, run.err
    payload = no_nan(run.out)
    period = payload["period"]
    assert (period["start"], period["end"]) == (start, end)
    assert token in period["label"]
    assert period["label"] == resolve_period(spec, workspace.settings, AS_OF_DATE).label
    assert figures_only(payload["tables"]["attainment"]) == records(attainment(make_context(workspace, frames, spec), ["rep"]))


def test_period_label_in_markdown_and_table(run_cli):
    run = run_cli(*report_args("attainment", "--period", "Q3", "--format", "markdown"))
    assert "period Q3 (2027-07-01..2027-09-30)" in run.out
    run = run_cli(*report_args("attainment", "--period", "Q3"))
    assert "Q3 (2027-07-01..2027-09-30)" in run.out.splitlines()[0]


def test_rep_filter(run_cli, workspace, frames):
    run = run_cli(*report_args("attainment", "--rep", "rep-n1", "--format", "json"))
    assert run.code == 0, run.err
    payload = no_nan(run.out)
    assert [r["rep"] for r in payload["tables"]["attainment"]] == ["rep-n1", TOTAL]
    assert payload["filters"]["reps"] == ["rep-n1"]
    assert figures_only(payload["tables"]["attainment"]) == records(attainment(make_context(workspace, frames, reps=("rep-n1",)), ["rep"]))
    rep_row, total = payload["tables"]["attainment"]
    assert (total["actual"], total["target"]) == (rep_row["actual"], rep_row["target"])


def test_team_filter(run_cli, workspace, frames):
    north = sorted(r.id for r in workspace.reps.values() if r.manager == "mgr-north")
    assert north == ["rep-n1", "rep-n2", "rep-n3"]
    run = run_cli(*report_args("attainment", "--team", "mgr-north", "--format", "json"))
    assert run.code == 0, run.err
    payload = no_nan(run.out)
    assert [r["rep"] for r in payload["tables"]["attainment"]] == [*north, TOTAL]
    assert payload["filters"]["team"] == "mgr-north"
    assert figures_only(payload["tables"]["attainment"]) == records(attainment(make_context(workspace, frames, team="mgr-north"), ["rep"]))


def test_options_before_the_report_name_apply_to_it(run_cli):
    run = run_cli("report", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "json", "attainment", "--rep", "rep-n1")
    assert run.code == 0, run.err
    assert [r["rep"] for r in no_nan(run.out)["tables"]["attainment"]] == ["rep-n1", TOTAL]


def test_the_reports_own_option_wins_over_the_one_before_the_name(run_cli):
    run = run_cli("report", "-w", EXAMPLE, "--as-of", AS_OF, "--format", "json", "attainment", "--format", "table")
    assert run.code == 0, run.err
    assert run.out.startswith("salesplan report attainment")


def test_filters_on_the_dashboard(run_cli):
    run = run_cli(*report_args("dashboard", "--rep", "rep-n1", "--rep", "rep-s3", "--format", "json"))
    assert run.code == 0, run.err
    assert [r["rep"] for r in json.loads(run.out)["tables"]["dashboard"]] == ["rep-n1", "rep-s3"]


def _without(plan, *kinds):
    """The example with some `data:` exports taken out of salesplan.yaml."""
    import re as _re

    text = plan.text("salesplan.yaml")
    for kind in kinds:
        text = _re.sub(rf"\n  {kind}:[^\n]*(\n    [^\n]*)*", "", text)
    plan.write("salesplan.yaml", text)


def test_attainment_without_sales_or_opportunities_is_a_usage_error(run_cli, plan):
    _without(plan, "sales", "opportunities")
    run = run_cli(*report_args("attainment", workspace=plan.root))
    assert run.code == 2 and "needs the sales export, or the opportunities export" in run.err
    # the dashboard leaves attainment out, says why, and does not judge its gate
    run = run_cli(*report_args("dashboard", "--check", "--format", "json", workspace=plan.root))
    doc = json.loads(run.out)
    assert all(row["actual"] is None and row["attainment"] is None for row in doc["tables"]["dashboard"])
    assert any("attainment: needs a sales or an opportunities export" in note for note in doc["notes"])
    assert "the workspace has no export for the attainment figure; that gate is not checked" in run.err
    assert "breach: attainment" not in run.err


def test_a_team_filter_selecting_no_rep_says_so(run_cli, plan):
    run = run_cli(*report_args("attainment", "--team", "mgr-north", "--rep", "rep-e1", workspace=plan.root))
    assert run.code == 2 and "select no rep" in run.err


def test_intake_says_how_unreadable_values_are_read(run_cli):
    run = run_cli(*report_args("intake", "--format", "json"))
    notes = json.loads(run.out)["notes"]
    assert "data/opportunities.csv: dates are read as %m/%d/%Y (31 December 2027 is written 12/31/2027); if the export writes them otherwise, set data.opportunities.date_format" in notes
    assert any(n.startswith("data/invoices.csv: amounts are read with decimal ',' and thousands a space (1234.56 is written 1 234,56") for n in notes)
    # accounts had no unreadable value: no note about them
    assert not any(n.startswith("data/accounts.csv") for n in notes)


def test_progress_on_a_terminal_leaves_the_report_on_stdout_unchanged(run_cli, monkeypatch):
    """On a terminal each stage is shown on stderr (reading each export, building the frames, each figure);
    what goes to stdout (a JSON document redirected to a file) is byte for byte the report without it."""
    from salesplan_cli.cli import exports, progress

    args = ("report", "-w", EXAMPLE, "--as-of", "2027-10-15", "--format", "json")
    plain = run_cli(*args)
    shown_stages = []
    monkeypatch.setattr(progress, "shown", lambda: True)
    monkeypatch.setattr(exports, "PROGRESS_BYTES", 0)
    real_stages = progress.stages

    def recording(first=""):
        shown_stages.append(first)
        return real_stages(first)

    monkeypatch.setattr(progress, "stages", recording)
    with_progress = run_cli(*args)
    assert with_progress.code == plain.code
    assert with_progress.out == plain.out
    assert shown_stages == ["computing the dashboard"]
