"""`salesplan review`: the follow-up meeting sheet of one rep, on the example and on hand-built sales.

Example plan (examples/nordwind): rep-n1 sells 1,000,000 a year (A 350,000, B 250,000, C 400,000), seasonality
Q1 15% (5% a month), Q2 15%, Q3 20%, Q4 50%; thresholds: attainment 90%, watch band 15% (watch from
90% x 0.85 = 76.5%).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import math

import pandas as pd
import pytest

from conftest import EXAMPLE, CliRun, figures_only
from salesplan_cli.cli.app import main
from salesplan_cli.cli.formats import Options, ReportFormat
from salesplan_cli.cli.reporting import prepare
from salesplan_cli.intake.load import Frames
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.reports.context import Filters, ReportContext
from salesplan_cli.reports.period import resolve_period
from salesplan_cli.reports.review import review

AS_OF = "2027-10-15"
METRICS = ["revenue", "actions", "coverage", "pipeline", "win rate"]


def cli(*args) -> CliRun:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(a) for a in args])
    return CliRun(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def json_run():
    return cli("review", "-w", EXAMPLE, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "json")


@pytest.fixture(scope="module")
def markdown_run():
    return cli("review", "-w", EXAMPLE, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "markdown")


@pytest.fixture(scope="module")
def direct():
    """The review of rep-n1 built in-process from the same context as the command's."""
    opts = Options(workspace=EXAMPLE, as_of=AS_OF, period=None, reps=["rep-n1"], team=None, segment=None, product=None, format=ReportFormat.json, output=None)
    ctx = prepare(opts)
    return ctx, review(ctx, "rep-n1")


def plain(value):
    """A table cell as JSON gives it back: missing -> None, numpy -> Python, days -> ISO text."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, dt.datetime)):
        if pd.isna(value):
            return None
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def test_review_json_of_the_example(json_run):
    assert json_run.code == 0, json_run.err
    assert "Traceback" not in json_run.err
    payload = json.loads(json_run.out)
    assert payload["report"] == "review"
    assert payload["as_of"] == AS_OF
    assert payload["filters"]["reps"] == ["rep-n1"]
    summary = payload["tables"]["summary"]
    assert [row["metric"] for row in summary] == METRICS
    assert list(figures_only(summary)[0]) == ["metric", "actual", "plan", "ratio", "gap", "benchmark", "status"]
    revenue = summary[0]
    # target to 2027-10-15: January..September = 50% = 500,000, plus October 166,666.666.. x 15 / 31 = 80,645.16
    assert revenue["plan"] == 580645.16
    assert revenue["gap"] == pytest.approx(revenue["actual"] - revenue["plan"], abs=0.005)
    # the ratio is taken on the exact target, 500,000 + 2,500,000 / 31 = 18,000,000 / 31 (not on the rounded one)
    assert revenue["ratio"] == pytest.approx(revenue["actual"] * 31 / 18_000_000, rel=1e-12)
    assert isinstance(payload["decisions"], list) and all(isinstance(d, str) and d for d in payload["decisions"])
    # rep-n1's figures are all on track: no decision about them; its deals past their close date have theirs
    pipeline = summary[3]
    assert pipeline["status"] == "on track"
    assert not any(d.startswith("Pipeline: ") for d in payload["decisions"])
    assert any("past their close date" in d for d in payload["decisions"])
    # a figure off track has its decision: rep-e5's thin pipeline
    thin = json.loads(cli("review", "-w", EXAMPLE, "--as-of", AS_OF, "--rep", "rep-e5", "--format", "json").out)
    assert thin["tables"]["summary"][3]["status"] == "off track"
    assert any(d.startswith("Pipeline: open deals cover ") for d in thin["decisions"])
    assert {"revenue", "actions", "coverage", "pipeline", "conversion", "accounts", "deals"} <= set(payload["tables"])


def test_review_json_equals_the_review_function(json_run, direct):
    ctx, sheet = direct
    payload = json.loads(json_run.out)
    assert list(payload["tables"]) == list(sheet.tables)
    for name, frame in sheet.tables.items():
        expected = [{str(k): plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        assert figures_only(payload["tables"][name]) == expected, name
    assert payload["decisions"] == sheet.decisions
    from salesplan_cli.intake.currency import conversion_notes

    # the command adds to every report's notes which amounts it converted (the example has deals in USD and GBP)
    assert payload["notes"] == sheet.notes + conversion_notes(ctx.frames.reports)
    assert [row["metric"] for row in payload["tables"]["summary"]] == list(sheet.summary)
    assert payload["period"]["label"] == ctx.period.label


def test_review_markdown_has_the_decisions(markdown_run, json_run):
    assert markdown_run.code == 0, markdown_run.err
    md = markdown_run.out
    assert md.startswith("## salesplan review\n")
    assert "**Decisions to take**" in md
    for decision in json.loads(json_run.out)["decisions"]:
        assert f"- {decision}" in md


def test_review_unknown_rep(run_cli):
    result = run_cli("review", "-w", EXAMPLE, "--as-of", AS_OF, "--rep", "rep-zz", "--format", "json")
    assert result.code == 2
    assert "salesplan: error: --rep: unknown rep 'rep-zz'" in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


# --- hand-built sales -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def ws():
    result = validate_workspace(EXAMPLE, as_of=dt.date(2027, 3, 31))
    assert result.errors == 0
    return result.workspace


def sales_frame(by_segment: dict[str, int]) -> pd.DataFrame:
    """rep-n1's sales in Q1 2027: one invoice per segment, amounts in cents."""
    rows = list(by_segment.items())
    return pd.DataFrame(
        {
            "owner": ["Lena Vogel"] * len(rows),
            "rep": ["rep-n1"] * len(rows),
            "account": [f"ACC-{seg}" for seg, _ in rows],
            "amount": pd.Series([cents for _, cents in rows], dtype="int64"),
            "date": pd.to_datetime(["2027-02-15"] * len(rows)),
            "product": ["platform"] * len(rows),
            "line": list(range(2, len(rows) + 2)),
            "segment": [seg for seg, _ in rows],
        }
    )


def sheet_for(ws, by_segment: dict[str, int]):
    as_of = dt.date(2027, 3, 31)
    ctx = ReportContext(
        ws=ws,
        frames=Frames(sales=sales_frame(by_segment)),
        period=resolve_period("ytd", ws.settings, as_of),
        as_of=as_of,
        filters=Filters(reps=("rep-n1",)),
    )
    return review(ctx, "rep-n1")


def test_revenue_off_track_calls_for_a_decision(ws):
    # Q1 target 150,000 (A 52,500, B 37,500, C 60,000); sold 100,000 = 2/3 of each: 67% < 76.5% -> off track.
    sheet = sheet_for(ws, {"A": 3_500_000, "B": 2_500_000, "C": 4_000_000})
    revenue = sheet.summary["revenue"]
    assert (revenue["actual"], revenue["plan"], revenue["gap"], revenue["status"]) == (100_000.0, 150_000.0, -50_000.0, "off track")
    assert revenue["ratio"] == pytest.approx(2 / 3, abs=1e-12)
    assert [r["metric"] for r in sheet.tables["summary"].to_dict("records")] == ["revenue"]  # no other export
    assert sheet.decisions == [
        "Revenue: 100,000 EUR of 150,000 EUR planned to date (66.7%, aim 90%): agree how the 50,000 EUR gap is closed.",
        "Segment A: 35,000 EUR of 52,500 EUR (66.7%).",
        "Segment B: 25,000 EUR of 37,500 EUR (66.7%).",
        "Segment C: 40,000 EUR of 60,000 EUR (66.7%).",
    ]


def test_revenue_on_watch_calls_for_a_decision(ws):
    # sold 130,000 of 150,000 = 86.7%: between 76.5% and 90% -> watch; the gap is 20,000.
    sheet = sheet_for(ws, {"A": 4_550_000, "B": 3_250_000, "C": 5_200_000})
    assert sheet.summary["revenue"]["status"] == "watch"
    assert sheet.decisions[0] == "Revenue: 130,000 EUR of 150,000 EUR planned to date (86.7%, aim 90%): agree how the 20,000 EUR gap is closed."


def test_revenue_on_track_needs_no_decision(ws):
    # sold exactly the target of each segment: 100% -> on track, nothing to decide.
    sheet = sheet_for(ws, {"A": 5_250_000, "B": 3_750_000, "C": 6_000_000})
    assert sheet.summary["revenue"]["status"] == "on track"
    assert sheet.summary["revenue"]["ratio"] == 1.0
    assert not any(d.startswith("Revenue") for d in sheet.decisions)
    assert sheet.decisions == []
    assert "actions: no activities export (data.activities)" in sheet.notes


def test_without_sales_data_the_sheet_has_no_revenue_figures(tmp_path):
    """No sales export and no opportunities: no revenue row, table or decision (not a 0 EUR shortfall)."""
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(EXAMPLE, ws)
    settings = ws / "salesplan.yaml"
    text = settings.read_text(encoding="utf-8")
    for start, end in (("  opportunities:", "  activities:"), ("  sales:", "  attributes:")):
        text = text[: text.index(start)] + text[text.index(end) :]
    settings.write_text(text, encoding="utf-8")
    result = cli("review", "-w", ws, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "json")
    assert result.code == 0, result.err
    sheet = json.loads(result.out)
    assert [row["metric"] for row in sheet["tables"]["summary"]] == ["actions", "coverage"]
    assert "revenue" not in sheet["tables"]
    assert not any(d.startswith(("Revenue", "Segment")) for d in sheet["decisions"])
    assert any(n.startswith("revenue: no sales export") for n in sheet["notes"])
