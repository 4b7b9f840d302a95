"""`report --format html` and `--format xlsx` on examples/nordwind as of 2027-10-15: structure of the page (its
charts and their tables), offline, deterministic, escaped; the workbook read back equals the JSON figures, and
no cell is a formula."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from conftest import EXAMPLE, figures_only

AS_OF = "2027-10-15"
HOSTILE = "=SUM(A1) <script>alert(\"x\")</script> & 'Lena' \u200fعلي"
DASHBOARD_SECTIONS = ["dashboard", "attainment", "attainment_team", "monthly_team", "monthly_rep", "activity_segment", "coverage", "pipeline", "pipeline_coverage", "conversion"]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The example with rep-n1's name full of markup, a formula start, quotes and a right-to-left mark."""
    from conftest import copy_workspace

    copy = copy_workspace(EXAMPLE, tmp_path_factory.mktemp("hostile") / "nordwind")
    escaped = HOSTILE.replace("'", "''")
    copy.replace("reps/rep-n1.yaml", "name: Lena Vogel", f"name: '{escaped}'")
    return copy.root


def make(run_cli, tmp_path, fmt, *args, workspace=EXAMPLE, name="out"):
    target = tmp_path / f"{name}.{fmt}"
    result = run_cli("report", *args, "-w", workspace, "--as-of", AS_OF, "-f", fmt, "-o", target)
    assert result.code == 0, result.err
    return target


def sections(page: str) -> dict[str, str]:
    parts = re.split(r'<section id="([^"]+)">', page)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


def test_dashboard_page_has_every_chart_with_its_table(run_cli, tmp_path):
    page = make(run_cli, tmp_path, "html").read_text(encoding="utf-8")
    found = sections(page)
    assert [s for s in found if s in DASHBOARD_SECTIONS] == DASHBOARD_SECTIONS
    for name in DASHBOARD_SECTIONS[1:]:
        body = found[name]
        assert "<svg" in body and "</svg>" in body, name
        assert re.search(r"<(rect|polyline)\b", body), f"{name}: an empty chart"
        assert '<table class="figures">' in body, f"{name}: no figures table"
    # the status is a symbol and a word, not a colour alone
    assert "\u2716</span> off track" in page or "\u2716</tspan> off track" in page
    assert page.count("<svg") >= 3 + 11  # the bullets, the small multiples of every rep, ...


def test_each_report_has_its_chart_and_table(run_cli, tmp_path):
    for report, chart in (("attainment", "Attainment by rep"), ("activity", "Actions done vs planned"), ("coverage", "Targeted accounts touched"),
                          ("pipeline", "Open pipeline by stage"), ("conversion", "Win rate by seller")):
        page = make(run_cli, tmp_path, "html", report, name=report).read_text(encoding="utf-8")
        assert f"<title>{chart}" in page, report
        assert '<table class="figures">' in page


def test_attainment_by_month_draws_the_cumulative_lines(run_cli, tmp_path):
    page = make(run_cli, tmp_path, "html", "attainment", "--by", "month").read_text(encoding="utf-8")
    assert "Cumulative actual vs seasonal target by rep" in page
    assert page.count("<polyline") >= 2 * 11


def test_html_is_offline_and_deterministic(run_cli, tmp_path):
    first = make(run_cli, tmp_path, "html", name="a").read_bytes()
    second = make(run_cli, tmp_path, "html", name="b").read_bytes()
    assert first == second
    text = first.decode("utf-8")
    for forbidden in ("<script", "<link", "<img", "<iframe", "url(", "@import", " src=", " href="):
        assert forbidden not in text, forbidden
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {"http://www.w3.org/2000/svg"}


def test_names_from_files_render_as_text(run_cli, tmp_path, hostile):
    page = make(run_cli, tmp_path, "html", workspace=hostile).read_text(encoding="utf-8")
    assert "<script>" not in page and "alert(\"x\")" not in page
    assert "=SUM(A1) &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;Lena&#x27; \u200fعلي" in page


def test_an_empty_chart_says_so(run_cli, tmp_path):
    # nothing closes in December as of mid-October: no win rate to chart
    page = make(run_cli, tmp_path, "html", "conversion", "--period", "2027-12").read_text(encoding="utf-8")
    assert '<p class="empty">' in page
    assert "<svg" not in sections(page)["conversion"]


def test_an_output_folder_is_refused(run_cli, tmp_path):
    for fmt in ("html", "xlsx"):
        result = run_cli("report", "-w", EXAMPLE, "--as-of", AS_OF, "-f", fmt, "-o", tmp_path)
        assert result.code == 2 and "is a folder" in result.err


def test_xlsx_needs_an_output_file(run_cli):
    result = run_cli("report", "-w", EXAMPLE, "--as-of", AS_OF, "-f", "xlsx")
    assert result.code == 2 and "--output" in result.err


def _cell_value(value):
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value


@pytest.mark.parametrize("report", ["", "attainment", "pipeline", "conversion", "coverage", "activity"])
def test_xlsx_reads_back_as_the_json_figures(run_cli, tmp_path, report):
    from openpyxl import load_workbook

    args = (report,) if report else ()
    path = make(run_cli, tmp_path, "xlsx", *args)
    if report:
        data = json.loads(run_cli("report", *args, "-w", EXAMPLE, "--as-of", AS_OF, "-f", "json").out)["tables"]
    else:  # the dashboard's workbook holds the figures of its charts too: the JSON of the same tables
        data = _dashboard_views_json(run_cli)
    data = figures_only(data)
    book = load_workbook(path)
    assert book.sheetnames == [*data, "about"]
    for name, rows in data.items():
        ws = book[name]
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        header = [c.value for c in ws[1]]
        assert header == list(rows[0]) if rows else True
        for i, row in enumerate(rows, 2):
            for j, column in enumerate(header, 1):
                cell = ws.cell(row=i, column=j)
                assert cell.data_type != "f"
                expected = row[column]
                got = _cell_value(cell.value)
                if expected in (None, ""):
                    assert got is None or (expected is None and re.fullmatch(r"\([a-z]\)", str(got))), (name, i, column)  # blank, or the mark of why
                elif isinstance(expected, float):  # Excel keeps 15 significant digits (amounts: exact cents)
                    assert got == pytest.approx(expected, rel=1e-14), (name, i, column, got, expected)
                else:
                    assert got == expected, (name, i, column, got, expected)


def _dashboard_views_json(run_cli):
    """The JSON of the dashboard and of the reports its workbook holds, through the same core functions."""
    from salesplan_cli.cli.render_report import records
    from salesplan_cli.cli.formats import Options, ReportFormat
    from salesplan_cli.cli.reporting import prepare
    from salesplan_cli.reports.dashboard import dashboard
    from salesplan_cli.reports.dashboard_views import dashboard_views

    opts = Options(workspace=EXAMPLE, as_of=AS_OF, period=None, reps=[], team=None, segment=None, product=None, format=ReportFormat.json, output=None)
    ctx = prepare(opts)
    tables, _ = dashboard_views(ctx)
    out = {"dashboard": records(dashboard(ctx)[0])}
    out.update({name: records(frame) for name, frame in tables.items()})
    return json.loads(json.dumps(out))


def test_xlsx_keeps_text_as_text_and_is_deterministic(run_cli, tmp_path, hostile):
    from openpyxl import load_workbook

    first = make(run_cli, tmp_path, "xlsx", workspace=hostile, name="a")
    second = make(run_cli, tmp_path, "xlsx", workspace=hostile, name="b")
    assert first.read_bytes() == second.read_bytes()
    book = load_workbook(first)
    names = [row[1].value for row in book["dashboard"].iter_rows(min_row=2)]
    cell = next(row[1] for row in book["dashboard"].iter_rows(min_row=2) if str(row[1].value).startswith("=SUM"))
    assert cell.data_type == "s" and cell.quotePrefix, names
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas
    # statuses: conditional formatting on the status column; amounts in the currency's format; dates as dates
    assert book["dashboard"].conditional_formatting
    assert "EUR" in book["attainment"]["C2"].number_format
    months = book["monthly_rep"]
    assert isinstance(months["C2"].value, dt.datetime) and months["C2"].number_format == "yyyy-mm-dd"


def test_a_dashboard_over_the_limit_is_split_per_team(run_cli, tmp_path, monkeypatch):
    from salesplan_cli.cli.render_html import split

    monkeypatch.setattr(split, "PAGE_LIMIT", 20_000)
    index = make(run_cli, tmp_path, "html", name="dashboard")
    folder = tmp_path / "dashboard-teams"
    assert sorted(p.name for p in folder.iterdir()) == ["mgr-enterprise.html", "mgr-north.html", "mgr-south.html"]
    text = index.read_text(encoding="utf-8")
    assert '<a href="dashboard-teams/mgr-north.html">' in text
    assert set(sections(text)) >= {"dashboard", "attainment_team", "monthly_team"} and "monthly_rep" not in sections(text)
    north = (folder / "mgr-north.html").read_text(encoding="utf-8")
    assert '<a href="../dashboard.html">' in north
    assert "rep-n1" in north and "rep-e1" not in north
    assert "<svg" in sections(north)["monthly_rep"]
    assert "rep-n1" in sections(north)["dashboard"] and "monthly_team" not in sections(north)
