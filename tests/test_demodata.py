"""`salesplan demo-data` and salesplan_cli.demodata: deterministic CRM exports that intake reads back.

The example's committed exports (examples/nordwind/data/) are the generator's
output for --as-of 2027-10-15 and the default seed; the tests read them back
through intake and check that only the deliberate bad rows are rejected and
only the departed seller's rows are unmatched, and that the anomalies the
reports are meant to find are there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from fractions import Fraction
from pathlib import Path

import pytest

from salesplan_cli.cli.app import main
from salesplan_cli.demodata import _UNFILLED, DemoDataError, build, generate
from salesplan_cli.intake.fields import columns_for
from salesplan_cli.intake.load import load_exports
from salesplan_cli.plan.targets import workspace_targets
from salesplan_cli.plan.validate import validate_workspace

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "nordwind"
AS_OF = dt.date(2027, 10, 15)
KINDS = ("accounts", "opportunities", "activities", "sales")


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


@pytest.fixture(scope="module")
def workspace():
    result = validate_workspace(EXAMPLE, as_of=AS_OF)
    assert result.errors == 0
    return result.workspace


@pytest.fixture(scope="module")
def demo(workspace):
    return build(workspace, AS_OF)


@pytest.fixture(scope="module")
def frames(workspace):
    frames, diags = load_exports(workspace)
    assert not diags, [d.headline() for d in diags]
    return frames


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def copy_example(tmp_path: Path, with_data: bool = False) -> Path:
    target = tmp_path / "ws"
    shutil.copytree(EXAMPLE, target, ignore=None if with_data else shutil.ignore_patterns("data"))
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- the generator ---------------------------------------------------------------------------------------


def test_generate_is_deterministic(workspace):
    first = generate(workspace, AS_OF)
    second = generate(workspace, AS_OF)
    assert list(first) == ["data/accounts.csv", "data/opportunities.csv", "data/activities.csv", "data/invoices.csv"]
    assert first == second
    other_seed = generate(workspace, AS_OF, seed=7)
    assert other_seed.keys() == first.keys()
    assert all(other_seed[path] != first[path] for path in first)


def test_committed_example_data_is_the_generators_output(demo):
    """examples/nordwind/data/ is `salesplan demo-data -w examples/nordwind --as-of 2027-10-15`: regenerate it when the generator changes."""
    for f in demo.files:
        committed = (EXAMPLE / f.path).read_bytes()
        assert committed == f.data, f"{f.path} differs from the generator's output: run salesplan demo-data -w examples/nordwind --as-of 2027-10-15 --force"


def test_example_data_stays_small(demo):
    assert sum(len(f.data) for f in demo.files) < 2_000_000


def test_files_decode_in_their_declared_encodings_with_the_declared_headers(workspace, demo):
    config = workspace.settings.data
    for f in demo.files:
        source = getattr(config, f.kind)
        text = f.data.decode(source.encoding)  # strict
        delimiter = "," if source.delimiter == "auto" else source.delimiter
        header = next(csv.reader(io.StringIO(text), delimiter=delimiter))
        mapped = columns_for(f.kind, source.preset, source.columns)
        # the currency column is written because the workspace declares rates: (the example's has USD and GBP)
        assert workspace.settings.rates
        mapped = {name: header for name, header in mapped.items() if name not in _UNFILLED or name in source.columns or workspace.settings.rates}
        expected = set(mapped.values()) | (set(config.attributes.values()) if f.kind == "accounts" else set())
        expected |= set(source.expected.values())  # the qualification columns of data.opportunities.expected
        assert set(header) == expected, f.kind
        assert len(header) == len(set(header))
    accounts = demo.by_kind()["accounts"].data
    invoices = demo.by_kind()["sales"].data
    assert accounts.startswith("Code client;Raison sociale;Type;Commercial;Effectif;Secteur;Région;Secteur commercial\r\n".encode("cp1252"))
    assert invoices.startswith("N° facture;Commercial;Code client;Montant HT;Date facture;Gamme;Qté\r\n".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        accounts.decode("utf-8")  # really cp1252: 'é' is one byte


def test_values_follow_the_declared_dialects(demo):
    invoices = demo.by_kind()["sales"].data.decode("cp1252").splitlines()
    amounts = [line.split(";")[3] for line in invoices[1:]]
    assert any(" " in a and "," in a for a in amounts), "French amounts like '12 345,67'"
    dates = [line.split(";")[4] for line in invoices[1:]]
    assert [d for d in dates if not _parses(d, "%d/%m/%Y")] == ["31/02/2027"]  # the one deliberate impossible date
    activities = demo.by_kind()["activities"].data.decode("utf-8").splitlines()
    first = next(csv.reader([activities[1]]))
    dt.datetime.strptime(first[3], "%Y-%m-%d %H:%M")
    opportunities = list(csv.reader(io.StringIO(demo.by_kind()["opportunities"].data.decode("utf-8"))))
    row = opportunities[1]
    assert opportunities[0][4:7] == ["Amount", "Opportunity Currency", "Close Date"]  # the currency next to the amount
    dt.datetime.strptime(row[6], "%m/%d/%Y")
    stages = {r[3] for r in opportunities[1:] if len(r) > 3}
    assert {"Prospecting", "Needs Analysis", "Qualification", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost"} <= stages
    products = {r[9] for r in opportunities[1:] if len(r) > 9}
    assert products == {"Nordwind Platform", "Platform add-on", "Consulting", "Managed services"}


def _parses(text: str, fmt: str) -> bool:
    try:
        dt.datetime.strptime(text, fmt)
    except ValueError:
        return False
    return True


def test_salesforce_report_ends_with_its_footer(demo):
    f = demo.by_kind()["opportunities"]
    lines = f.data.decode("utf-8").split("\r\n")
    assert lines[-5:] == [
        "",
        f'"Grand Totals ({f.rows} records)"',
        '"Confidential Information - Do Not Distribute"',
        '"Copyright (c) 2000-2027 salesforce.com, inc. All rights reserved."',
        "",
    ]
    assert len(lines) == 1 + f.rows + 1 + 3 + 1  # header, rows, blank line, footer, final line break


# --- intake reads it back ------------------------------------------------------------------------------------


def test_intake_uses_every_row_but_the_deliberate_bad_ones(demo, frames):
    reports = {r.kind: r for r in frames.reports}
    assert set(reports) == set(KINDS)
    expected_bad = {"accounts": 3, "opportunities": 4, "activities": 3, "sales": 4}
    for f in demo.files:
        report = reports[f.kind]
        assert report.rows_read == f.rows, f.kind
        rejected = report.rejected
        assert len(rejected) == expected_bad[f.kind] == len(f.bad), (f.kind, [(i.line, i.reason) for i in rejected])
        assert sorted(i.line for i in rejected) == sorted(line for line, _ in f.bad), f.kind
        for issue in rejected:
            assert issue.line > 1 and issue.reason.strip(), (f.kind, issue)
        assert report.rows_used == f.rows - len(f.bad), f.kind
        assert sorted(i.line for i in report.unmatched) == sorted(f.departed), f.kind
        assert all("matches no rep" in i.reason and demo.facts["departed"]["name"].split()[-1].lower() in i.reason.lower() for i in report.unmatched)
        skipped = report.skipped
        if f.kind == "opportunities":
            assert [i.reason.split(" '")[0] for i in skipped] == ["blank line", "report footer", "report footer", "report footer"]
        else:
            assert skipped == []
    assert len(demo.by_kind()["opportunities"].departed) >= 3
    assert len(demo.by_kind()["sales"].departed) >= 1
    assert len(demo.by_kind()["activities"].departed) >= 1


def test_rejection_reasons_name_each_kind_of_mistake(frames):
    reasons = {r.kind: " | ".join(i.reason for i in r.rejected) for r in frames.reports}
    assert "appears again" in reasons["accounts"] and "missing id" in reasons["accounts"] and "ragged row" in reasons["accounts"]
    assert "unreadable amount 'TBD'" in reasons["opportunities"]
    assert "unreadable close date '02/31/2027'" in reasons["opportunities"]
    assert "unknown stage 'On Hold'" in reasons["opportunities"]
    assert "unknown activity type" in reasons["activities"] and "unreadable date '2027-02-31 10:00'" in reasons["activities"]
    assert "unreadable date '31/02/2027'" in reasons["sales"] and "'#VALEUR!'" in reasons["sales"]


def test_accounts_fall_in_every_segment_and_named_accounts_are_there(workspace, frames):
    accounts = frames.accounts
    assert len(accounts) >= 300
    counts = accounts["segment"].value_counts().to_dict()
    assert set(counts) == {"A", "B", "C"} and min(counts.values()) >= 50
    assert accounts["segment"].notna().all()
    by_id = accounts.set_index("id")
    for named in ("ACME-001", "ACME-017", "HELIO-204", "BALT-330"):
        assert by_id.loc[named, "segment"] == "A"
    assert set(accounts["status"]) == {"customer", "prospect"}
    assert accounts["rep"].notna().mean() > 0.9  # owners map by themselves
    # every opportunity, activity and sale is on a known account, but the open deals left without account
    for frame in (frames.opportunities, frames.activities, frames.sales):
        assert frame.loc[frame["account"].notna(), "segment"].notna().all()
    assert frames.opportunities["account"].isna().sum() == 17


def test_turnover_to_date_is_near_the_seasonal_plan(workspace, frames):
    targets = workspace_targets(workspace)
    from salesplan_cli.plan.calendar import fiscal_months

    months = fiscal_months(workspace.settings.fiscal_year.start)
    plan = Fraction(0)
    for t in targets.values():
        for month, amount in zip(months, t.monthly_total()):
            if month.last_day <= AS_OF:
                plan += amount
            elif month.first_day <= AS_OF:
                plan += amount * Fraction(AS_OF.day, month.last_day.day)
    sales = frames.sales
    this_year = (sales["date"] >= str(months[0].first_day)) & (sales["date"] <= str(AS_OF))  # last year's invoices too
    actual = int(sales.loc[this_year, "amount"].sum()) / 100
    assert 0.85 <= actual / float(plan) <= 1.05, (actual, float(plan))


def test_one_seller_converts_far_less_on_services(demo, frames):
    low = demo.facts["low_conversion"]
    assert (low["rep"], low["range"]) == ("rep-n2", "services")
    closed = frames.opportunities[frames.opportunities["outcome"].isin(["won", "lost"]) & frames.opportunities["rep"].notna()]
    services = closed[closed["product"] == "services"]
    seller = services[services["rep"] == "rep-n2"]
    rest = services[services["rep"] != "rep-n2"]
    assert len(seller) >= 30
    assert (seller["outcome"] == "won").mean() < 0.2
    assert 0.4 < (rest["outcome"] == "won").mean() < 0.5
    from salesplan_cli.reports.stats import fisher_exact_two_sided

    a = int((seller["outcome"] == "won").sum())
    c = int((rest["outcome"] == "won").sum())
    assert fisher_exact_two_sided(a, len(seller) - a, c, len(rest) - c) < 0.001
    # nobody else stands out on either range
    for rep in sorted(set(closed["rep"]) - {"rep-n2"}):
        for product in ("platform", "services"):
            mine = closed[(closed["rep"] == rep) & (closed["product"] == product)]
            others = closed[(closed["rep"] != rep) & (closed["product"] == product)]
            a = int((mine["outcome"] == "won").sum())
            c = int((others["outcome"] == "won").sum())
            assert fisher_exact_two_sided(a, len(mine) - a, c, len(others) - c) > 0.01, (rep, product)


def test_some_key_accounts_in_portfolios_are_never_touched(workspace, demo, frames):
    untouched = [u["account"] for u in demo.facts["untouched_accounts"]]
    assert len(untouched) >= 5 and "HELIO-204" in untouched
    accounts = frames.accounts.set_index("id")
    for account in untouched:
        assert accounts.loc[account, "segment"] == "A"
    assert not frames.activities["account"].isin(untouched).any()
    assert not frames.opportunities["account"].isin(untouched).any()
    from salesplan_cli.intake.segments import portfolio_accounts

    in_portfolios = portfolio_accounts(frames.accounts, workspace)
    assert set(untouched) <= set(in_portfolios["id"])
    # the other key accounts of the portfolios are worked
    touched = set(frames.activities["account"])
    key = set(in_portfolios.loc[in_portfolios["segment"] == "A", "id"]) - set(untouched)
    assert len(key & touched) / len(key) > 0.6


def test_q4_pipeline_covers_the_rest_of_the_year(workspace, frames):
    """The team's open deals due by the end of the year cover about twice what it still has to sell (one rep's
    pipeline is thin: see test_the_dashboard_shows_a_mix_of_statuses)."""
    months = workspace_targets(workspace)
    q4_target = sum((sum(t.monthly_total()[9:12], Fraction(0)) for t in months.values()), Fraction(0))
    sales = frames.sales
    q4_done = int(sales.loc[(sales["date"] >= "2027-10-01") & (sales["date"] <= str(AS_OF)), "amount"].sum()) / 100
    remaining = float(q4_target) - q4_done
    opportunities = frames.opportunities
    open_q4 = opportunities[(opportunities["outcome"] == "open") & (opportunities["close_date"] > str(AS_OF)) & (opportunities["close_date"] <= "2027-12-31")]
    pipeline = int(open_q4["amount"].sum()) / 100
    assert 1.8 * remaining < pipeline < 3 * remaining, (pipeline, remaining)
    # open deals also close in the next fiscal year, and a few have slipped past their close date
    assert (opportunities.loc[opportunities["outcome"] == "open", "close_date"] > "2027-12-31").any()
    assert (opportunities.loc[opportunities["outcome"] == "open", "close_date"] < str(AS_OF)).any()


def test_activities_follow_the_norms_roughly(frames):
    activities = frames.activities
    assert 3_000 < len(activities) < 20_000
    assert set(activities["action"]) == {"call", "meeting", "follow_up", "proposal"}
    assert (activities.loc[activities["status"] == "done", "date"] <= str(AS_OF)).all()  # done: to date only
    assert activities["date"].dt.day_of_week.max() <= 4  # working days


# --- other dialects, dates and scales ------------------------------------------------------------------------

OTHER_DATA = """data:
  accounts: {path: exports/companies.csv, preset: hubspot, encoding: utf-8-sig}
  opportunities:
    path: exports/deals.csv
    preset: pipedrive
    delimiter: ";"
    decimal: ","
    thousands: none
    date_format: excel
    probability: fraction
  activities: {path: exports/tasks.tsv, preset: salesforce, delimiter: "\\t", date_format: "%d.%m.%Y"}
  sales: {path: exports/orders.csv, preset: hubspot, encoding: latin-1, date_format: "%Y-%m-%dT%H:%M:%S"}
  stage_history: {path: exports/history.csv, preset: salesforce}
  attributes: {employees: "Number of Employees", industry: "Industry", region: "Region"}
  mapping:
    owners: {"T. Nowak": rep-n2}
    stages: {Prospecting: lead, Needs Analysis: discovery}
    products: {Licence: platform, Delivery: services}

"""


def _with_data_section(tmp_path: Path, section: str) -> Path:
    root = copy_example(tmp_path)
    path = root / "salesplan.yaml"
    text = path.read_text(encoding="utf-8")
    start, end = text.index("data:\n"), text.index("thresholds:")
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")
    return root


def _write_and_check(root: Path, as_of: dt.date, scale: float = 1.0) -> dict:
    ws = validate_workspace(root, as_of=as_of).workspace
    demo = build(ws, as_of, scale=scale)
    for f in demo.files:
        target = root / f.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(f.data)
    frames, diags = load_exports(validate_workspace(root, as_of=as_of).workspace)
    assert not diags, [d.headline() for d in diags]
    by_kind = demo.by_kind()
    for report in frames.reports:
        f = by_kind[report.kind]
        assert report.rows_read == f.rows, report.kind
        assert sorted(i.line for i in report.rejected) == sorted(line for line, _ in f.bad), (report.kind, [(i.line, i.reason) for i in report.rejected])
        assert sorted(i.line for i in report.unmatched) == sorted(f.departed), report.kind
    return {"demo": demo, "frames": frames}


def test_other_presets_and_dialects_read_back(tmp_path):
    root = _with_data_section(tmp_path, OTHER_DATA)
    out = _write_and_check(root, dt.date(2027, 6, 30))
    frames = out["frames"]
    assert {r.kind for r in frames.reports} == {"accounts", "opportunities", "activities", "sales", "stage_history"}
    assert all(len(r.rejected) >= 2 for r in frames.reports)
    assert (root / "exports/companies.csv").read_bytes().startswith(b"\xef\xbb\xbfCompany name,")
    assert (root / "exports/deals.csv").read_bytes().startswith(b"Deal - ID;Deal - Owner;")
    assert set(frames.opportunities["outcome"]) == {"open", "won", "lost"}
    assert "T. Nowak" in set(frames.opportunities["owner"])  # owner aliases of data.mapping.owners are used
    assert set(frames.sales["product"]) == {"platform", "services"}


@pytest.mark.parametrize("as_of", [dt.date(2026, 12, 1), dt.date(2027, 1, 4), dt.date(2028, 2, 15)])
def test_any_as_of_date_reads_back(tmp_path, as_of):
    _write_and_check(copy_example(tmp_path), as_of)


@pytest.mark.parametrize("scale", [0.05, 3.0])
def test_scale_multiplies_rows(tmp_path, workspace, demo, scale):
    out = _write_and_check(copy_example(tmp_path), AS_OF, scale)
    rows = {f.kind: f.rows for f in out["demo"].files}
    base = {f.kind: f.rows for f in demo.files}
    for kind in ("accounts", "opportunities", "activities"):
        assert 0.4 * scale * base[kind] < rows[kind] < 2.5 * scale * base[kind] + 60, (kind, rows[kind], base[kind])
    low = out["demo"].facts["low_conversion"]
    assert low["closed"] >= 30


@pytest.mark.parametrize(
    "section, message",
    [
        ("data:\n  opportunities: {path: data/deals.xlsx, preset: salesforce}\n\n", "CSV exports only"),
        ("data:\n  opportunities: {path: data/deals.csv}\n\n", "no column for the required field"),
        ("data:\n  sales: {path: data/sales.csv, encoding: latin-1, columns: {owner: Vendeur, account: Client, amount: Montant, date: Date, id: Numéro€}}\n\n", "cannot be written in latin-1"),
    ],
)
def test_exports_that_cannot_be_written_are_refused(tmp_path, section, message):
    root = _with_data_section(tmp_path, section)
    ws = validate_workspace(root, as_of=AS_OF).workspace
    with pytest.raises(DemoDataError, match=message):
        generate(ws, AS_OF)


# --- the command ------------------------------------------------------------------------------------------------


def test_command_writes_the_generators_bytes(capsys, tmp_path, demo):
    root = copy_example(tmp_path)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert len(lines) == 4
    for f, line in zip(demo.files, lines):
        assert (root / f.path).read_bytes() == f.data
        assert line.startswith("wrote ") and f.path in line
        assert f"{len(f.data):,} bytes" in line and f"{f.rows:,} rows" in line


def test_command_refuses_to_overwrite_without_force(capsys, tmp_path):
    root = copy_example(tmp_path, with_data=True)
    (root / "data" / "invoices.csv").write_bytes(b"hand-edited\r\n")
    before = snapshot(root)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15")
    assert code == 2
    assert out == ""
    for name in ("accounts.csv", "opportunities.csv", "activities.csv", "invoices.csv"):
        assert f"data/{name}" in err
    assert "--force" in err
    assert snapshot(root) == before
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--force")
    assert code == 0, err
    assert (root / "data" / "invoices.csv").read_bytes() == (EXAMPLE / "data" / "invoices.csv").read_bytes()


def test_dry_run_writes_nothing(capsys, tmp_path, demo):
    root = copy_example(tmp_path)
    before = snapshot(root)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--dry-run")
    assert code == 0, err
    assert snapshot(root) == before
    assert not (root / "data").exists()
    lines = out.strip().splitlines()
    assert len(lines) == len(demo.files)
    for f, line in zip(demo.files, lines):
        assert line.startswith("would write ") and f.path in line and f"{f.rows:,} rows" in line
    # on existing files too, and it says which ones need --force
    root = copy_example(tmp_path / "again", with_data=True)
    before = snapshot(root)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--dry-run")
    assert code == 0
    assert out.count("needs --force") == 4
    assert snapshot(root) == before


def test_seed_and_scale_options(capsys, tmp_path, workspace):
    root = copy_example(tmp_path)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--seed", "11", "--scale", "0.2")
    assert code == 0, err
    expected = generate(workspace, AS_OF, seed=11, scale=0.2)
    for path, data in expected.items():
        assert (root / path).read_bytes() == data
    for bad in ("0", "-1", "nan"):
        code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--scale", bad, "--force", "--dry-run")
        assert code == 2, bad


def test_paths_outside_the_workspace_are_refused(capsys, tmp_path):
    root = _with_data_section(tmp_path, "data:\n  opportunities: {path: ../outside/deals.csv, preset: salesforce}\n\n")
    before = snapshot(tmp_path)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15", "--force")
    assert code == 2
    assert "outside the workspace" in err and "../outside/deals.csv" in err
    assert snapshot(tmp_path) == before
    assert not (tmp_path / "outside").exists()


def test_symlinked_folder_out_of_the_workspace_is_refused(capsys, tmp_path):
    root = copy_example(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (root / "data").symlink_to(outside, target_is_directory=True)
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15")
    assert code == 2
    assert "outside the workspace" in err
    assert list(outside.iterdir()) == []


def test_workspace_with_errors_exits_1_and_writes_nothing(capsys, tmp_path):
    root = copy_example(tmp_path)
    path = root / "reps" / "rep-n2.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("C: 400_000", "C: 300_000"), encoding="utf-8")
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15")
    assert code == 1
    assert "SP403" in err and "fix them first" in err
    assert not (root / "data").exists()


def test_workspace_without_data_section_is_a_usage_error(capsys, tmp_path):
    root = _with_data_section(tmp_path, "")
    code, out, err = run(capsys, "demo-data", "-w", root, "--as-of", "2027-10-15")
    assert code == 2
    assert "data:" in err


# --- what real exports have: blanks, task statuses, scheduled tasks, currencies -----------------------------------


def _rows(f, delimiter: str = ",", encoding: str = "utf-8") -> list[dict[str, str]]:
    """The data rows of a generated export by header (the deliberate bad rows and a report footer left out)."""
    bad = {line for line, _ in f.bad}
    lines = list(csv.reader(io.StringIO(f.data.decode(encoding)), delimiter=delimiter))
    header = lines[0]
    return [dict(zip(header, cells)) for number, cells in enumerate(lines[1:], start=2) if number not in bad and len(cells) == len(header)]


def test_example_opportunities_have_blank_cells_and_lost_deals_at_zero(demo, frames):
    rows = _rows(demo.by_kind()["opportunities"])
    closed = {"Closed Won", "Closed Lost"}
    open_ = [r for r in rows if r["Stage"] not in closed]
    assert [sum(1 for r in open_ if r[h] == "") for h in ("Amount", "Close Date", "Account Name")] == [35, 29, 17]
    assert 0.01 < 35 / len(open_) < 0.05  # a few percent of the open deals
    won = [r for r in rows if r["Stage"] == "Closed Won"]
    assert all(r["Amount"] and r["Close Date"] and r["Account Name"] for r in won)  # won deals keep their values
    lost = [r for r in rows if r["Stage"] == "Closed Lost"]
    zero = [r for r in lost if r["Amount"] == "0.00"]
    assert len(zero) == 267 and all(r["Amount"] for r in lost)  # this Salesforce org zeroes part of its lost deals
    assert 0.2 < len(zero) / len(lost) < 0.4
    report = next(r for r in frames.reports if r.kind == "opportunities")
    assert [i for i in report.issues if i.kind == "incomplete"] == []
    opportunities = frames.opportunities
    lost_frame = opportunities[opportunities["outcome"] == "lost"]
    assert int(((lost_frame["amount"] == 0) & lost_frame["amount_known"]).sum()) == 267
    open_frame = opportunities[opportunities["outcome"] == "open"]
    assert int((~open_frame["amount_known"]).sum()) == 35 and int(open_frame["close_date"].isna().sum()) == 29


def test_example_activities_carry_hubspot_task_statuses_with_overdue_and_scheduled_tasks(demo, frames):
    rows = _rows(demo.by_kind()["activities"])
    words = {r["Task Status"] for r in rows}
    assert words == {"Completed", "Not started", "In progress", "Waiting", "Deferred"}
    report = next(r for r in frames.reports if r.kind == "activities")
    assert not [i for i in report.rejected if "status" in i.reason]  # every word maps by the preset
    acts = frames.activities
    past, ahead = acts[acts["date"] <= str(AS_OF)], acts[acts["date"] > str(AS_OF)]
    overdue = past[past["status"] == "open"]
    assert len(overdue) == 148 and len(overdue) / len(past) < 0.03  # past tasks mostly done, a few overdue
    assert len(ahead) == 282 and (ahead["status"] == "open").all()  # scheduled: open, in the calendar
    assert ahead["date"].max() <= pd_timestamp(AS_OF + dt.timedelta(days=35))
    assert (ahead["rep"].notna()).all()  # the departed seller books nothing
    # more overdue tasks in the last three weeks than before
    recent = past[past["date"] > str(AS_OF - dt.timedelta(days=21))]
    assert (recent["status"] == "open").mean() > 5 * (past["status"] == "open").mean() / 2


def pd_timestamp(day: dt.date):
    import pandas as pd

    return pd.Timestamp(day) + pd.Timedelta(days=1)


def test_example_opportunities_are_in_three_currencies_that_all_convert(workspace, demo, frames):
    rows = _rows(demo.by_kind()["opportunities"])
    currencies = {}
    for r in rows:
        currencies[r["Opportunity Currency"]] = currencies.get(r["Opportunity Currency"], 0) + 1
    assert set(currencies) == {"EUR", "USD", "GBP"} and currencies["EUR"] > 0.8 * len(rows)
    report = next(r for r in frames.reports if r.kind == "opportunities")
    assert report.without_rate == {}
    assert {code: c["rows"] for code, c in report.converted.items()} == {"GBP": 197, "USD": 200}
    opportunities = frames.opportunities
    for code, rate in workspace.settings.rates.items():
        mine = opportunities[(opportunities["currency"] == code) & opportunities["amount_known"]]
        assert len(mine) > 100
        for original, amount in zip(mine["amount_original"], mine["amount"]):
            exact = Fraction(int(original)) * Fraction(str(rate))
            assert abs(Fraction(int(amount)) - exact) <= Fraction(1, 2)  # rounded to the cent
        # the deals' values in EUR stay in the range of the EUR deals
        eur = opportunities.loc[(opportunities["currency"] == "EUR") & (opportunities["amount"] > 0), "amount"]
        assert 0.6 < mine.loc[mine["amount"] > 0, "amount"].median() / eur.median() < 1.6


PRESET_SECTION = """data:
  accounts: {{path: exports/accounts.csv, preset: hubspot}}
  opportunities: {{path: exports/deals.csv, preset: {preset}}}
  activities: {{path: exports/tasks.csv, preset: {preset}}}
  sales: {{path: exports/sales.csv, preset: {preset}}}
  attributes: {{employees: "Number of Employees", industry: "Industry", region: "Region"}}
  mapping:
    stages: {{Prospecting: lead, Needs Analysis: discovery}}
    products: {{Licence: platform, Delivery: services}}
{rates}
"""
OWN_WORDS_SECTION = """data:
  accounts: {path: exports/accounts.csv, preset: hubspot}
  opportunities:
    path: exports/deals.csv
    columns: {id: Id, owner: Owner, account: Client, stage: Stage, amount: Montant, currency: Devise, close_date: Cloture, product: Produit}
  activities:
    path: exports/tasks.csv
    columns: {owner: Commercial, account: Client, type: Type, date: Date, status: Statut}
  attributes: {employees: "Number of Employees", industry: "Industry", region: "Region"}
  mapping:
    stages: {Prospecting: lead, Needs Analysis: discovery}
    products: {Licence: platform, Delivery: services}
    activity_statuses: {Fait: done, "À faire": open, Reporté: open}

"""
WORDS = {
    "salesforce": ("Status", {"Completed", "Not Started", "In Progress", "Waiting on someone else", "Deferred"}),
    "hubspot": ("Task Status", {"Completed", "Not started", "In progress", "Waiting", "Deferred"}),
    "pipedrive": ("Activity - Done", {"Done", "To do"}),
    "none": ("Statut", {"Fait", "À faire", "Reporté"}),
}


@pytest.mark.parametrize("preset, rates", [("salesforce", ""), ("hubspot", "rates: {USD: 0.92}\n"), ("pipedrive", "rates: {GBP: 1.17, USD: 0.92}\n"), ("none", "")])
def test_every_preset_writes_blanks_statuses_and_currencies_that_read_back(tmp_path, preset, rates):
    section = OWN_WORDS_SECTION + rates if preset == "none" else PRESET_SECTION.format(preset=preset, rates=rates)
    root = _with_data_section(tmp_path, section)
    out = _write_and_check(root, AS_OF)  # only the deliberate bad rows rejected, only the departed seller unmatched
    demo, frames = out["demo"], out["frames"]
    for report in frames.reports:
        f = demo.by_kind()[report.kind]
        assert len(report.rejected) == len(f.bad) <= 0.1 * f.rows  # below data.max_rejected
        assert report.without_rate == {}
    # task statuses in the export's own words, all mapped; overdue and scheduled tasks
    header, words = WORDS[preset]
    tasks = _rows(demo.by_kind()["activities"])
    assert {r[header] for r in tasks} == words
    acts = frames.activities
    assert ((acts["status"] == "open") & (acts["date"] <= str(AS_OF))).sum() > 20
    assert ((acts["status"] == "open") & (acts["date"] > str(AS_OF))).sum() > 50
    assert ((acts["status"] == "done") & (acts["date"] > str(AS_OF))).sum() == 0
    # open deals with blanks; lost deals without value where this CRM's orgs do that
    deals = frames.opportunities
    open_ = deals[deals["outcome"] == "open"]
    assert (~open_["amount_known"]).sum() >= 3 and open_["close_date"].isna().sum() >= 3 and open_["account"].isna().sum() >= 2
    lost = deals[deals["outcome"] == "lost"]
    no_value = {"salesforce": ((lost["amount"] == 0) & lost["amount_known"]).sum(), "hubspot": (~lost["amount_known"]).sum()}.get(preset, 0)
    if preset in ("salesforce", "hubspot"):
        assert 0.1 * len(lost) < no_value < 0.5 * len(lost)
    else:
        assert lost["amount_known"].all() and (lost["amount"] > 0).all()
    won = deals[deals["outcome"] == "won"]
    assert won["amount_known"].all() and won["close_date"].notna().all()
    # currencies: foreign ones only where the workspace declares their rates; written all the same where mapped
    report = next(r for r in frames.reports if r.kind == "opportunities")
    expected = {"hubspot": {"USD"}, "pipedrive": {"GBP", "USD"}}.get(preset, set())
    assert set(report.converted) == expected
    header = demo.by_kind()["opportunities"].data.decode("utf-8").split("\r\n")[0].casefold()
    assert ("currency" in header or "devise" in header) == (preset == "none" or bool(rates))  # mapped, or rates declared


# --- issue 17: quantities, contact titles, qualification columns ------------------------------------------------


def test_example_exports_carry_quantities_titles_and_qualification_columns(demo, frames):
    """Each export in its own shape: the Salesforce report's Quantity and its qualification checkboxes, the
    HubSpot activities' associated contact job title, the ERP's Qté; intake reads all of it, nothing unknown."""
    deals = _rows(demo.by_kind()["opportunities"])
    assert all(r["Quantity"] and r["Quantity"].endswith(".00") for r in deals if r["Product Name"])
    assert {r["Budget Confirmed"] for r in deals} == {"true", "false", ""}
    assert {r["Decision Maker Identified"] for r in deals} == {"true", "false", ""}
    timeframes = {r["Timeframe"] for r in deals}
    assert {"", "Unknown"} < timeframes and all(t in ("", "Unknown") or re.fullmatch(r"Q[1-4] 20\d\d", t) for t in timeframes)
    invoices = _rows(demo.by_kind()["sales"], encoding="cp1252", delimiter=";")
    assert all(r["Qté"].lstrip("-").isdigit() for r in invoices)
    assert [r["Qté"] for r in invoices if r["N° facture"].startswith("AV")] and all(
        r["Qté"] == "0" or r["Qté"].startswith("-") for r in invoices if r["N° facture"].startswith("AV"))  # credit notes return units
    titles = {r["Associated Contact Job Title"] for r in _rows(demo.by_kind()["activities"])}
    assert {"Chief Information Officer", "DSI", "CIO", "Directeur financier", "Gérant", "IT manager", ""} <= titles
    # intake: no quantity left out, every title maps to a segment role, every linked output read
    for report in frames.reports:
        assert not [i for i in report.issues if "quantity" in i.reason], report.kind
    sales = frames.sales
    assert sales["quantity"].notna().all() and int(sales["quantity"].sum()) > 0
    acts = frames.activities
    assert acts["contact_role"].notna().sum() > 0.9 * len(acts)
    assert (acts["contact_title"].notna() == acts["contact_role"].notna()).all()  # no title maps to nothing
    assert set(acts["contact_role"].dropna()) == {"CIO", "CDO", "CFO", "IT manager", "owner"}
    opportunities = frames.opportunities
    for key in ("budget", "decision maker", "timeline"):
        assert set(opportunities[f"output:{key}"]) == {True, False}


def test_a_rep_never_reaches_the_cfo(workspace, demo, frames):
    """rep-e1 (the largest key-account target) meets CIOs and CDOs of its key accounts, never the CFO."""
    acts = frames.activities
    accounts = frames.accounts.set_index("id")["segment"]
    key = acts[acts["account"].map(accounts) == "A"]
    by_rep = key.groupby("rep")["contact_role"].apply(lambda roles: set(roles.dropna()))
    assert by_rep["rep-e1"] == {"CIO", "CDO"}
    assert all(roles == {"CIO", "CDO", "CFO"} for rep, roles in by_rep.items() if rep != "rep-e1")


def test_deals_move_to_proposal_without_a_known_budget(demo, frames):
    """rep-s3 moves most of its open deals past discovery without a confirmed budget; the others mostly have it."""
    deals = frames.opportunities
    passed = deals[(deals["outcome"] == "open") & deals["stage"].isin(["qualified", "proposal", "negotiation"]) & deals["rep"].notna()]
    without = passed[passed["output:budget"] == False]  # noqa: E712 - an object column of True/False
    share = without.groupby("rep").size().reindex(passed["rep"].unique(), fill_value=0) / passed.groupby("rep").size()
    assert share["rep-s3"] > 0.5 and share.drop("rep-s3").max() < 0.3
    proposals = without[without["stage"] == "proposal"]
    assert (proposals["rep"] == "rep-s3").sum() >= 3 and len(proposals) >= 6


def test_last_years_invoices_tell_new_customers_from_old(demo, frames):
    """The invoices run from the previous fiscal year: accounts already customers bought then, so this year's new
    customers are the prospects won this year."""
    sales = frames.sales
    last_year = sales[sales["date"] < "2027-01-01"]
    assert len(last_year) > 300 and last_year["date"].min() >= pd_timestamp(dt.date(2025, 12, 31))
    first = sales[sales["amount"] >= 0].groupby("account")["date"].min()
    new = set(first[first >= "2027-01-01"].index)
    status = frames.accounts.set_index("id")["status"]
    # the accounts export shows the won prospects as customers: every new customer was a prospect won this year
    assert 100 < len(new) < 250
    assert {status.get(a) for a in new} <= {"customer"}
    assert not (set(last_year["account"]) & new)


def test_example_volume_objectives_add_up_and_show_in_attainment(capsys):
    code, out, err = run(capsys, "validate", "-w", EXAMPLE, "--as-of", "2027-10-15")
    assert code == 0 and "no findings" in out
    code, out, err = run(capsys, "report", "attainment", "-w", EXAMPLE, "--as-of", "2027-10-15", "--by", "segment", "--format", "json")
    assert code == 0
    import json

    rows = {r["segment"]: r for r in json.loads(out)["tables"]["attainment"]}
    assert {seg: rows[seg]["new_customers"] for seg in ("A", "B", "C")} == {"A": 22, "B": 33, "C": 131}
    # the targets to date: 25, 45 and 190 a year, s3's 20 in C from April (see docs/metrics.md, volume)
    assert {seg: rows[seg]["new_customers_target"] for seg in ("A", "B", "C")} == {"A": 14.52, "B": 26.13, "C": 109.06}
    assert {rows[seg]["new_customers_status"] for seg in ("A", "B", "C")} == {"on track"}


def test_the_dashboard_shows_a_mix_of_statuses(capsys):
    """The example's scenario as of 2027-10-15: most reps on track or watch; three off track, each for one
    visible reason (the last full-year rep by id behind on attainment, the first with few actions, the middle
    one with a thin pipeline); the low seller (rep-n2) with a conversion alert on services."""
    import json

    code, out, err = run(capsys, "report", "-w", EXAMPLE, "--as-of", "2027-10-15", "--format", "json")
    assert code == 0, err
    rows = {r["rep"]: r for r in json.loads(out)["tables"]["dashboard"]}
    off = {rep for rep, r in rows.items() if r["status"] == "off track"}
    assert off == {"rep-s2", "rep-e1", "rep-e5"}
    assert sum(r["status"] in ("on track", "watch") for r in rows.values()) == len(rows) - 3
    # each off track for its own figure, fine on the others
    assert rows["rep-s2"]["attainment"] < 0.765 and rows["rep-s2"]["activity"] >= 0.68 and rows["rep-s2"]["pipeline_coverage"] >= 2
    assert rows["rep-e1"]["activity"] < 0.68 and rows["rep-e1"]["attainment"] >= 0.9 and rows["rep-e1"]["pipeline_coverage"] >= 1.7
    assert rows["rep-e5"]["pipeline_coverage"] < 1.7 * 0.5 and rows["rep-e5"]["attainment"] >= 0.9 and rows["rep-e5"]["activity"] >= 0.8
    # the others' pipeline covers the rest of the year (watch at worst)
    assert all(r["pipeline_coverage"] >= 1.7 for rep, r in rows.items() if rep != "rep-e5")
    assert {rep: r["alerts"] for rep, r in rows.items() if r["alerts"]} == {"rep-n2": 1}
    assert rows["rep-n2"]["status"] in ("on track", "watch")


PRESET_BOOK = '    expected: {budget: "Budget Confirmed", "decision maker": "Decision Maker Identified", timeline: "Timeframe"}\n'


@pytest.mark.parametrize("preset", ["salesforce", "hubspot", "pipedrive"])
def test_every_preset_writes_quantities_titles_and_qualification_that_read_back(tmp_path, preset):
    section = PRESET_SECTION.format(preset=preset, rates="")
    section = section.replace(
        f"  opportunities: {{path: exports/deals.csv, preset: {preset}}}\n",
        f"  opportunities:\n    path: exports/deals.csv\n    preset: {preset}\n{PRESET_BOOK}",
    )
    if preset == "hubspot":  # no preset column: the associated contact's Job Title exported with the activities
        section = section.replace(
            "  activities: {path: exports/tasks.csv, preset: hubspot}\n",
            '  activities: {path: exports/tasks.csv, preset: hubspot, columns: {contact_role: "Associated Contact Job Title"}}\n',
        )
    root = _with_data_section(tmp_path, section)
    out = _write_and_check(root, AS_OF)  # only the deliberate bad rows rejected, under data.max_rejected
    demo, frames = out["demo"], out["frames"]
    for report in frames.reports:
        f = demo.by_kind()[report.kind]
        assert len(report.rejected) == len(f.bad) <= 0.1 * f.rows
        assert not [i for i in report.issues if "quantity" in i.reason], report.kind
    quantity = {"salesforce": "Quantity", "hubspot": "Quantity", "pipedrive": "Deal - Product quantity"}[preset]
    title = {"salesforce": "Contact: Title", "hubspot": "Associated Contact Job Title", "pipedrive": "Person - Job title"}[preset]
    words = {"salesforce": {"true", "false", ""}, "hubspot": {"Yes", "No", ""}, "pipedrive": {"Yes", ""}}[preset]
    deals = _rows(demo.by_kind()["opportunities"], delimiter=",")
    assert all(r[quantity] for r in deals) and {r["Budget Confirmed"] for r in deals} == words
    assert all(r[quantity] for r in _rows(demo.by_kind()["sales"]))
    tasks = _rows(demo.by_kind()["activities"])
    assert list(tasks[0])[-1] == title or preset != "hubspot"  # a column added by hand comes after the preset's
    # no contact_roles mapping here: the titles are the segments' roles themselves, which map by themselves
    assert {r[title] for r in tasks} == {"CIO", "CDO", "CFO", "IT manager", "Owner", ""}
    acts = frames.activities
    assert (acts["contact_title"].notna() == acts["contact_role"].notna()).all()
    assert frames.sales["quantity"].notna().all() and frames.opportunities["quantity"].notna().all()
    assert set(frames.opportunities["output:budget"]) == {True, False}
