"""Intake of CRM exports: presets, dialects, file-level errors (SP9xx) and every dropped row accounted for."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from conftest import EXAMPLE, PlanCopy, copy_workspace, texts
from salesplan_cli.config.data import Source
from salesplan_cli.intake.load import load_exports
from salesplan_cli.intake.parse import parse_amounts, parse_dates, parse_probabilities
from salesplan_cli.plan.load import load_workspace

DATA_BLOCK = "\n# CRM exports read by"


def workspace_with(tmp_path: Path, data_yaml: str, files: dict[str, bytes | str]) -> PlanCopy:
    """The example plan with its `data:` section replaced and the given export files."""
    plan = copy_workspace(EXAMPLE, tmp_path / "ws")
    text = plan.text("salesplan.yaml")
    cut = text.index(DATA_BLOCK)
    plan.write("salesplan.yaml", text[:cut] + "\n" + data_yaml)
    for rel, content in files.items():
        plan.write(rel, content)
    return plan


def load(plan: PlanCopy):
    ws, diags = load_workspace(plan.root)
    assert not [d for d in diags if d.is_error], [d.headline() for d in diags]
    return load_exports(ws)


def issues_of(frames, kind: str) -> list[tuple[int, str, str]]:
    report = next(r for r in frames.reports if r.kind == kind)
    return [(i.line, i.kind, i.reason) for i in report.issues]


# --- value parsers, numbers worked out by hand --------------------------------------------------------------


@pytest.mark.parametrize(
    ("decimal", "thousands", "text", "cents"),
    [
        (",", "auto", "1 234,56", 123456),
        (",", "auto", "1\u00a0234,56", 123456),  # no-break space, as Excel writes it
        (",", "auto", "1.234,56", 123456),
        (",", "auto", "1 234,56 EUR", 123456),
        (",", "auto", "(1 200,00)", -120000),
        (",", "auto", "12,345", 1235),  # 12.345 rounds half up to 12.35
        (".", "auto", "1,234.56", 123456),
        (".", "auto", "(1,200.00)", -120000),
        (".", "auto", "$ 99.9951", 10000),
        (".", "auto", "-0.0049", 0),
        (".", "none", "1234.5", 123450),
        (".", "'", "1'234.50", 123450),
        (".", "auto", "123456789012.34", 12345678901234),
    ],
)
def test_amounts_parse_to_exact_cents(decimal, thousands, text, cents):
    parsed, bad = parse_amounts(pd.Series([text]), Source(path="x.csv", decimal=decimal, thousands=thousands))
    assert not bad.iloc[0]
    assert int(parsed.iloc[0]) == cents


@pytest.mark.parametrize(
    ("decimal", "text"),
    [(".", "1.234,56"), (".", "1,23"), (",", "1.23"), (".", "12abc"), (".", "1,2345.00"), (".", "--5"), (".", "99999999999999999999"), (".", "999999999999999.99"), (".", "12.500"), (".", "1.000")],
)
def test_amounts_that_do_not_fit_the_declared_dialect_are_unreadable(decimal, text):
    parsed, bad = parse_amounts(pd.Series([text]), Source(path="x.csv", decimal=decimal))
    assert bad.iloc[0] and pd.isna(parsed.iloc[0])


def test_dates_follow_the_declared_format_and_refuse_impossible_days():
    parsed, bad = parse_dates(pd.Series(["31/03/2027", "31/02/2027", "01/04/2027 10:30", "", "2027-03-01"]), Source(path="x", date_format="%d/%m/%Y"))
    assert list(bad) == [False, True, False, False, True]
    assert parsed.iloc[0] == pd.Timestamp("2027-03-31") and parsed.iloc[2] == pd.Timestamp("2027-04-01")


def test_month_first_and_excel_serial_dates():
    us, bad = parse_dates(pd.Series(["3/31/2027", "12/1/2027"]), Source(path="x", date_format="%m/%d/%Y"))
    assert not bad.any() and list(us.dt.strftime("%Y-%m-%d")) == ["2027-03-31", "2027-12-01"]
    serial, bad = parse_dates(pd.Series(["46477", "x"]), Source(path="x", date_format="excel"))
    assert list(bad) == [False, True]
    assert serial.iloc[0] == pd.Timestamp("2027-03-31")  # 46477 days after 1899-12-30


def test_probabilities_percent_or_fraction():
    values, bad = parse_probabilities(pd.Series(["25", "25%", "", "150", "x"]), Source(path="x"))
    assert list(bad) == [False, False, False, True, True]
    assert values.iloc[0] == 0.25 and values.iloc[1] == 0.25
    values, bad = parse_probabilities(pd.Series(["0.25"]), Source(path="x", probability="fraction"))
    assert values.iloc[0] == 0.25


# --- presets, dialects, rejected rows ------------------------------------------------------------------------

SF_HEADER = '"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Probability (%)","Close Date","Created Date","Product Name"\n'


def test_salesforce_preset_strips_the_footer_and_accounts_for_each_row(tmp_path):
    body = (
        SF_HEADER
        + '"006A","Lena Vogel","ACME-001","Closed Won","120,000.00","100","2/15/2027","11/2/2026","Nordwind Platform"\n'
        + '"006B","rep-n2","C-100","Proposal/Price Quote","5,000.00","","11/30/2027","9/1/2027","Consulting"\n'
        + '"006C","Former Rep","B-200","Closed Won","1,000.00","100","3/1/2027","1/1/2027","Consulting"\n'
        + '"006D","rep-n2","C-100","Closed Won","abc","100","3/1/2027","1/1/2027","Consulting"\n'
        + '"006E","rep-n2","C-100","Dormant","10.00","100","3/1/2027","1/1/2027","Consulting"\n'
        + '"006F","rep-n2","C-100","Closed Lost","10.00","0","2/30/2027","1/1/2027","Consulting"\n'
        + '"006G","rep-n2"\n'
        + "\n"
        + '"Grand Totals (7 records)"\n'
        + '"Confidential Information - Do Not Distribute"\n'
        + '"Copyright (c) 2000-2027 salesforce.com, inc. All rights reserved."\n'
    )
    data = """data:
  opportunities: {path: data/opps.csv, preset: salesforce, date_format: "%m/%d/%Y"}
  mapping:
    stages: {Proposal/Price Quote: proposal}
    products: {Nordwind Platform: platform, Consulting: services}
"""
    frames, diags = load(workspace_with(tmp_path, data, {"data/opps.csv": body}))
    assert diags == []
    opps = frames.opportunities
    assert list(opps["id"]) == ["006A", "006B", "006C"]
    assert list(opps["amount"]) == [12_000_000, 500_000, 100_000]
    assert list(opps["outcome"]) == ["won", "open", "won"]
    assert opps["probability"].iloc[1] == 0.5  # empty: the stage's default (proposal, 50%)
    assert texts(opps["rep"]) == ["rep-n1", "rep-n2", None]
    assert list(opps["line"]) == [2, 3, 4]
    assert issues_of(frames, "opportunities") == [
        (4, "unmatched", "owner 'Former Rep' matches no rep (counted as <unplanned>)"),
        (5, "rejected", "unreadable amount 'abc'"),
        (6, "rejected", "unknown stage 'Dormant' (map it under data.mapping.stages)"),
        (7, "rejected", "unreadable close date '2/30/2027'"),
        (8, "rejected", "ragged row: 2 fields where the header has 9"),
        (9, "skipped", "blank line"),
        (10, "skipped", "report footer 'Grand Totals (7 records)'"),
        (11, "skipped", "report footer 'Confidential Information - Do Not Distribute'"),
        (12, "skipped", "report footer 'Copyright (c) 2000-2027 salesforce.com, inc. All rights res…'"),
    ]
    report = frames.reports[0]
    assert (report.rows_read, report.rows_used) == (7, 3)


def test_french_dialect_cp1252_semicolon_decimal_comma(tmp_path):
    invoices = "N° facture;Commercial;Code client;Montant HT;Date facture;Gamme\r\nF1;rep-n1;ACME-001;120 000,00;20/02/2027;Plateforme\r\nF2;Lena Vogel;ACME-001;1 500,50;01/03/2027;Services\r\n"
    data = """data:
  sales:
    path: data/invoices.csv
    encoding: cp1252
    delimiter: ";"
    decimal: ","
    date_format: "%d/%m/%Y"
    columns: {id: "N° facture", owner: Commercial, account: Code client, amount: Montant HT, date: Date facture, product: Gamme}
  mapping:
    products: {Plateforme: platform, Services: services}
"""
    frames, diags = load(workspace_with(tmp_path, data, {"data/invoices.csv": invoices.encode("cp1252")}))
    assert diags == []
    assert list(frames.sales["amount"]) == [12_000_000, 150_050]
    assert list(frames.sales["rep"]) == ["rep-n1", "rep-n1"]
    assert list(frames.sales["product"]) == ["platform", "services"]


def test_utf8_with_bom_and_ids_with_leading_zeros_stay_text(tmp_path):
    invoices = "\ufeffid,owner,account,amount,date\n00123,rep-n1,00042,10.00,2027-01-31\n"
    data = """data:
  sales: {path: data/s.csv, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}
"""
    frames, diags = load(workspace_with(tmp_path, data, {"data/s.csv": invoices}))
    assert diags == []
    assert frames.sales["account"].iloc[0] == "00042"


def test_hubspot_and_pipedrive_presets(tmp_path):
    hubspot = "Record ID,Deal owner,Associated Company,Deal Stage,Amount,Close Date,Create Date\n9,Lena Vogel,ACME-001,closedwon,100,2027-03-01 00:00,2027-01-01 00:00\n"
    pipedrive = "Deal - ID,Deal - Owner,Deal - Organization,Deal - Stage,Deal - Value,Deal - Expected close date,Deal - Status\n7,Lena Vogel,ACME-001,negotiation,250,2027-03-01,won\n"
    for preset, text in (("hubspot", hubspot), ("pipedrive", pipedrive)):
        data = f"data:\n  opportunities: {{path: data/o.csv, preset: {preset}}}\n"
        frames, diags = load(workspace_with(tmp_path / preset, data, {"data/o.csv": text}))
        assert diags == [], preset
        assert list(frames.opportunities["outcome"]) == ["won"], preset
        assert frames.sales_from_opportunities and len(frames.sales) == 1


def test_embedded_newlines_keep_physical_line_numbers(tmp_path):
    text = 'id,owner,account,amount,date\n1,rep-n1,"ACME\n-001",10.00,2027-01-31\n2,rep-n1,X,oops,2027-01-31\n'
    data = "data:\n  sales: {path: data/s.csv, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}\n"
    frames, _ = load(workspace_with(tmp_path, data, {"data/s.csv": text}))
    assert issues_of(frames, "sales") == [(4, "rejected", "unreadable amount 'oops'")]


def test_a_repeated_opportunity_id_keeps_the_first_row(tmp_path):
    # a report of opportunities with products repeats the deal, and its amount, on each product line
    text = SF_HEADER + '"1","rep-n1","A","Closed Won","1","100","1/1/2027","1/1/2027",""\n' * 3
    data = 'data:\n  opportunities: {path: data/o.csv, preset: salesforce, date_format: "%m/%d/%Y"}\n'
    frames, _ = load(workspace_with(tmp_path, data, {"data/o.csv": text}))
    assert [(line, kind) for line, kind, _ in issues_of(frames, "opportunities")] == [(3, "rejected"), (4, "rejected")]
    assert "appears again (first occurrence kept" in issues_of(frames, "opportunities")[0][2]
    assert list(frames.opportunities["line"]) == [2] and list(frames.opportunities["amount"]) == [100]


def test_one_bad_row_among_many(tmp_path):
    rows = [f"{i},rep-n1,ACC-{i},10.00,2027-01-31" for i in range(20_000)]
    rows[12_345] = "12345,rep-n1,ACC,ten,2027-01-31"
    text = "id,owner,account,amount,date\n" + "\n".join(rows) + "\n"
    data = "data:\n  sales: {path: data/s.csv, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}\n"
    frames, _ = load(workspace_with(tmp_path, data, {"data/s.csv": text}))
    assert issues_of(frames, "sales") == [(12_347, "rejected", "unreadable amount 'ten'")]
    assert len(frames.sales) == 19_999


def test_xlsx_export(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "owner", "account", "amount", "date"])
    sheet.append(["1", "rep-n1", "ACME-001", 1234.5, dt.datetime(2027, 3, 31)])
    sheet.append(["2", "rep-n1", "ACME-001", "abc", 46477])  # an Excel serial date in a number cell
    path = tmp_path / "s.xlsx"
    book.save(path)
    data = "data:\n  sales: {path: data/s.xlsx, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}\n"
    frames, _ = load(workspace_with(tmp_path, data, {"data/s.xlsx": path.read_bytes()}))
    assert list(frames.sales["amount"]) == [123450]
    assert frames.sales["date"].iloc[0] == pd.Timestamp("2027-03-31")
    assert issues_of(frames, "sales") == [(3, "rejected", "unreadable amount 'abc'")]


def _xlsx_workspace(tmp_path, rows, data_extra="", formats=None, stray=None):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for (row, col), number_format in (formats or {}).items():
        sheet.cell(row=row, column=col).number_format = number_format
    if stray:
        sheet[stray] = " "  # a formatted-looking stray cell far away
    path = tmp_path / "o.xlsx"
    book.save(path)
    data = f"data:\n  opportunities: {{path: data/o.xlsx{data_extra}, columns: {{id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, probability: probability}}}}\n"
    return workspace_with(tmp_path, data, {"data/o.xlsx": path.read_bytes()})


XLSX_HEADER = ["id", "owner", "account", "stage", "amount", "close", "probability"]


def test_xlsx_percent_cells_read_as_shown(tmp_path):
    # 0.25 formatted as a percentage shows 25%: the probability is 25%, not 0.25%
    rows = [XLSX_HEADER, ["1", "rep-n1", "A", "discovery", 100, dt.datetime(2027, 3, 1), 0.25], ["2", "rep-n1", "A", "discovery", 100, dt.datetime(2027, 3, 1), 40]]
    frames, _ = load(_xlsx_workspace(tmp_path, rows, formats={(2, 7): "0%"}))
    assert list(frames.opportunities["probability"]) == [0.25, 0.40]


def test_xlsx_text_cells_follow_the_declared_decimal(tmp_path):
    rows = [
        XLSX_HEADER,
        ["1", "rep-n1", "A", "discovery", "1.234,56", dt.datetime(2027, 3, 1), 10],  # text, German style
        ["2", "rep-n1", "A", "discovery", 1234.56, dt.datetime(2027, 3, 1), 10],  # a number cell
        ["3", "rep-n1", "A", "discovery", "12.500", dt.datetime(2027, 3, 1), 10],  # text: twelve thousand five hundred
    ]
    frames, _ = load(_xlsx_workspace(tmp_path, rows, data_extra=", decimal: ','"))
    assert list(frames.opportunities["amount"]) == [123456, 123456, 1250000]


def test_xlsx_title_rows_footer_and_a_stray_cell(tmp_path):
    rows = [
        ["Opportunity report"],
        ["Filtered by: all opportunities"],
        [],
        XLSX_HEADER,
        ["1", "rep-n1", "A", "discovery", 100, dt.datetime(2027, 3, 1), 10],
        [],
        ["Grand Totals (1 records)"],
    ]
    frames, _ = load(_xlsx_workspace(tmp_path, rows, data_extra=", preset: salesforce", stray="BZ20500"))
    assert list(frames.opportunities["line"]) == [5]
    found = issues_of(frames, "opportunities")
    assert found[:2] == [(1, "skipped", "title row above the header 'Opportunity report'"), (2, "skipped", "title row above the header 'Filtered by: all opportunities'")]
    assert (6, "skipped", "blank row") in found and (7, "skipped", "report footer 'Grand Totals (1 records)'") in found
    # the stray cell far below and to the right: reading stops after a long run of blank rows, and says so
    assert found[-1] == (8, "skipped", "blank rows from here; reading stopped after 10,000 of them (the rest of the worksheet is taken to be empty)")


# --- file-level errors: the export cannot be used at all ------------------------------------------------------


@dataclass(frozen=True)
class IntakeCase:
    name: str
    code: str
    files: dict
    data: str
    line: int | None = None
    message: str = ""


SALES = "data:\n  sales: {path: data/s.csv, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}\n"
SALES_CP = "data:\n  sales: {path: data/s.csv, encoding: cp1252, columns: {id: id, owner: owner, account: account, amount: amount, date: date}}\n"
GOOD = "id,owner,account,amount,date\n1,rep-n1,A,1,2027-01-01\n"

INTAKE_CASES = [
    IntakeCase("missing-file", "SP901", {}, SALES, None, "file not found"),
    IntakeCase("folder-not-file", "SP901", {"data/s.csv/x": "a"}, SALES, None, "folder"),
    IntakeCase("latin1-declared-utf8", "SP902", {"data/s.csv": "id,owner,account,amount,date\n1,Zoë,A,1,2027-01-01\n".encode("cp1252")}, SALES, 2, "byte 0xeb"),
    IntakeCase("cp1252-undefined-byte", "SP902", {"data/s.csv": b"id,owner,account,amount,date\n1,\x81,A,1,2027-01-01\n"}, SALES_CP, 2, "byte 0x81"),
    IntakeCase("utf16", "SP902", {"data/s.csv": GOOD.encode("utf-16")}, SALES, 1, "UTF-16"),
    IntakeCase("missing-column", "SP903", {"data/s.csv": "id,owner,account,amont,date\n"}, SALES, 1, "amount (column 'amount' not in the export)"),
    IntakeCase("no-data-section", "SP903", {}, "", None, "no CRM export declared"),
    IntakeCase("unknown-field-in-columns", "SP903", {"data/s.csv": GOOD}, "data:\n  sales: {path: data/s.csv, columns: {amout: amount}}\n", None, "amout"),
    IntakeCase("duplicated-column", "SP904", {"data/s.csv": "id,owner,account,amount,date,amount\n"}, SALES, 1, "'amount' appears twice"),
    IntakeCase("empty-file", "SP905", {"data/s.csv": ""}, SALES, None, "empty"),
    IntakeCase("header-only-is-fine-but-blank-header", "SP905", {"data/s.csv": ",,,\n1,2,3,4\n"}, SALES, 1, "header line is empty"),
    IntakeCase("unknown-format", "SP906", {"data/s.json": "{}"}, SALES.replace("s.csv", "s.json"), None, "unknown export format"),
    IntakeCase("damaged-xlsx", "SP906", {"data/s.xlsx": b"not a zip"}, SALES.replace("s.csv", "s.xlsx"), None, "not a readable XLSX"),
    IntakeCase("damaged-parquet", "SP906", {"data/s.parquet": b"PAR1garbage"}, SALES.replace("s.csv", "s.parquet"), None, "not a readable Parquet"),
]


@pytest.mark.parametrize("case", INTAKE_CASES, ids=lambda c: c.name)
def test_file_level_errors(tmp_path, case):
    plan = workspace_with(tmp_path, case.data, case.files)
    frames, diags = load(plan)
    assert frames is None
    assert [d.code for d in diags] == [case.code], [d.headline() for d in diags]
    assert diags[0].line == case.line
    assert case.message in diags[0].message, diags[0].headline()
    assert diags[0].hint


def test_header_only_export_is_read_as_no_rows(tmp_path):
    frames, diags = load(workspace_with(tmp_path, SALES, {"data/s.csv": "id,owner,account,amount,date\n"}))
    assert diags == [] and len(frames.sales) == 0


# --- the data: mapping is checked by validate; "date entered stage" columns make a stage history -------------


@pytest.mark.parametrize(
    ("old", "new", "code", "needle"),
    [
        ("      Prospecting: lead\n", "      Prospecting: leads\n", "SP302", "Prospecting: leads"),
        ("Email: follow_up,", "Email: followup,", "SP303", "Email: followup"),
        ("Consulting: services,", "Consulting: service,", "SP304", "Consulting: service,"),
        ("    statuses: {Client: customer, Prospect: prospect}\n", "    statuses: {Client: customer, Prospect: prospect}\n    owners: {C. Moreau: rep-x9}\n", "SP306", "owners: {C. Moreau"),
    ],
)
def test_validate_checks_the_data_mapping(tmp_path, old, new, code, needle):
    from salesplan_cli.plan.validate import validate_workspace

    plan = copy_workspace(EXAMPLE, tmp_path / "ws")
    plan.replace("salesplan.yaml", old, new)
    found = [d for d in validate_workspace(plan.root, as_of=dt.date(2027, 2, 1)).diagnostics if d.is_error]
    assert [(d.code, d.file, d.line) for d in found] == [(code, "salesplan.yaml", plan.line_of("salesplan.yaml", needle))]


def test_date_entered_stage_columns_give_a_stage_history(tmp_path):
    text = (
        "id,owner,account,stage,amount,close,Entered Discovery,Entered Proposal\n"
        "1,rep-n1,A,won,100,2027-03-01,2027-01-05,2027-02-01\n"
        "2,rep-n1,A,lost,100,2027-03-01,2027-01-06,\n"
        "3,rep-n1,A,proposal,100,2027-06-01,2027-01-07,2027-13-01\n"
    )
    data = """data:
  opportunities:
    path: data/o.csv
    columns: {id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close}
    stage_dates: {discovery: Entered Discovery, proposal: Entered Proposal}
"""
    frames, diags = load(workspace_with(tmp_path, data, {"data/o.csv": text}))
    assert diags == []
    history = frames.stage_history
    assert sorted(zip(history["opportunity"], history["stage"], history["date"].dt.strftime("%Y-%m-%d"))) == [
        ("1", "discovery", "2027-01-05"),
        ("1", "proposal", "2027-02-01"),
        ("2", "discovery", "2027-01-06"),
        ("3", "discovery", "2027-01-07"),
    ]
    assert issues_of(frames, "opportunities") == [(4, "unmatched", "unreadable date entered proposal '2027-13-01' (left out of the stage history)")]
    assert len(frames.opportunities) == 3


def test_amounts_in_another_currency_are_unreadable_not_summed():
    values = pd.Series(["EUR 1000.00", "1,000.00 €", "USD 1000.00", "£1,000.00", "1eur000", "1$000", "1000"])
    parsed, bad = parse_amounts(values, Source(path="x.csv"), currency="EUR")
    assert list(bad) == [False, False, True, True, True, True, False]
    assert [int(v) for v in parsed[~bad]] == [100_000, 100_000, 100_000]


def test_an_unclosed_quote_names_the_lines_it_swallowed(tmp_path):
    rows = [f"{i},rep-n1,A{i},100,2027-01-05" for i in range(1, 11)]
    rows[4] = '5,rep-n1,"X2,100,2027-01-05'
    text = "id,owner,account,amount,date\n" + "\n".join(rows) + "\n"
    frames, _ = load(workspace_with(tmp_path, SALES, {"data/s.csv": text}))
    (issue,) = [i for i in next(r for r in frames.reports if r.kind == "sales").issues]
    assert issue.line == 6 and "spanning lines 6-11" in issue.reason and "unclosed quote" in issue.reason


def test_an_unreadable_optional_field_keeps_the_deal(tmp_path):
    text = SF_HEADER + '"1","rep-n1","A","Proposal/Price Quote","1000","N/A","3/1/2027","n/a",""\n'
    data = 'data:\n  opportunities: {path: data/o.csv, preset: salesforce, date_format: "%m/%d/%Y"}\n  mapping: {stages: {Proposal/Price Quote: proposal}}\n'
    frames, _ = load(workspace_with(tmp_path, data, {"data/o.csv": text}))
    assert list(frames.opportunities["id"]) == ["1"]
    assert frames.opportunities["probability"].iloc[0] == 0.5  # the stage's default
    assert issues_of(frames, "opportunities") == [
        (2, "unmatched", "unreadable created date 'n/a' (ignored; the row is kept)"),
        (2, "unmatched", "unreadable probability 'N/A' (ignored; the row is kept)"),
    ]


def test_a_pipe_at_an_export_path_is_refused_not_waited_on(tmp_path):
    import os

    plan = workspace_with(tmp_path, SALES, {})
    (plan.root / "data").mkdir(exist_ok=True)
    os.mkfifo(plan.root / "data" / "s.csv")
    frames, diags = load(plan)
    assert frames is None and [d.code for d in diags] == ["SP901"] and "not a regular file" in diags[0].message


def test_an_owner_naming_two_reps_goes_to_neither(run_cli, tmp_path):
    """Two reps called Julie Laurent: her CRM rows are not guessed onto one of them (SP309 warns in validate)."""
    import json
    import shutil

    ws = tmp_path / "ws"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples" / "nordwind", ws)
    rep = ws / "reps" / "rep-s3.yaml"
    rep.write_text(rep.read_text(encoding="utf-8").replace("name: Pedro Alves", "name: Julie Laurent"), encoding="utf-8")
    checked = run_cli("validate", "-w", ws, "--as-of", "2027-10-15")
    assert checked.code == 0 and "SP309" in checked.out + checked.err
    result = run_cli("report", "intake", "-w", ws, "--as-of", "2027-10-15", "--format", "json")
    assert result.code == 0, result.err
    issues = json.loads(result.out)["tables"]["issues"]
    several = [i for i in issues if "names several reps (rep-s2, rep-s3)" in i["reason"]]
    assert several and all(i["status"] == "unmatched" for i in several)
    activity = json.loads(run_cli("report", "activity", "-w", ws, "--as-of", "2027-10-15", "--by", "rep", "--format", "json").out)
    done = {row["rep"]: row["done"] for row in activity["tables"]["activity"]}
    assert done["rep-s2"] == 0 and done["rep-s3"] == 0


def test_segment_criteria_read_numbers_in_the_accounts_dialect(tmp_path):
    # employees '1.200' in a decimal-comma export is 1,200 employees: segment B (>= 200), not C
    text = "id;employees;industry\nX-1;1.200;retail\nX-2;150;retail\nX-3;2 500;banking\n"
    data = "data:\n  accounts: {path: data/a.csv, decimal: ',', columns: {id: id}}\n  attributes: {employees: employees, industry: industry}\n"
    frames, _ = load(workspace_with(tmp_path, data, {"data/a.csv": text}))
    assert dict(zip(frames.accounts["id"], frames.accounts["segment"])) == {"X-1": "B", "X-2": "C", "X-3": "A"}
