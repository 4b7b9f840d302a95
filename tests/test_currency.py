"""Multi-currency exports: each row's currency, its conversion at the plan rates (rates: in salesplan.yaml),
and the rows that cannot be converted; numbers worked out by hand.

Rates of the test workspace (currency EUR): USD 0.92, GBP 1.17 (EUR per unit).
  1,000.00 USD x 0.92 = 920.00 EUR            333.33 GBP x 1.17 = 389.9961 -> 390.00 EUR
  USD 2,000.00 x 0.92 = 1,840.00 EUR          0.50 USD x 0.92 = 0.46 EUR
"""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from conftest import EXAMPLE, PlanCopy
from test_intake import workspace_with
from salesplan_cli.intake import cache
from salesplan_cli.config.data import Source
from salesplan_cli.intake.currency import conversion_notes, convert_cents, written_currencies
from salesplan_cli.intake.frames import _Rows
from salesplan_cli.intake.load import load_exports
from salesplan_cli.intake.read import RawTable
from salesplan_cli.plan.load import load_workspace

AS_OF = "2027-03-31"
RATES = 'rates: {USD: 0.92, GBP: "1.17"}\n'
SF_HEADER = '"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Opportunity Currency","Close Date"\n'
OPPS = (
    SF_HEADER
    + '"006A","Lena Vogel","ACME-001","Closed Won","1,000.00","USD","2/15/2027"\n'  # 920.00 EUR
    + '"006B","Lena Vogel","ACME-001","Closed Won","333.33","GBP","3/1/2027"\n'  # 389.9961 -> 390.00 EUR
    + '"006C","Lena Vogel","ACME-001","Closed Won","500.00","","3/2/2027"\n'  # blank: the workspace's EUR
    + '"006D","rep-n2","C-100","Proposal/Price Quote","USD 2,000.00","","11/30/2027"\n'  # code in the amount: 1,840.00 EUR
    + '"006E","rep-n2","C-100","Proposal/Price Quote","1,000.00","CHF","11/30/2027"\n'  # no rate for CHF: rejected
    + '"006F","rep-n2","C-100","Proposal/Price Quote","USD 10.00","GBP","11/30/2027"\n'  # two currencies: rejected
    + '"006G","rep-n2","C-100","Proposal/Price Quote","10.00","Euro","11/30/2027"\n'  # no ISO code: rejected
    + '"006H","rep-n2","C-100","Proposal/Price Quote","$ 10.00","","11/30/2027"\n'  # '$' names several currencies
    + '"006I","rep-n2","C-100","Proposal/Price Quote","","CHF","11/30/2027"\n'  # no amount: never a currency problem
    + '"006J","rep-n2","C-100","Proposal/Price Quote","0.50","usd","11/30/2027"\n'  # 0.46 EUR (codes read in any case)
)
DATA = """data:
  opportunities: {path: data/opps.csv, preset: salesforce, date_format: "%m/%d/%Y"}
  max_rejected: 100%   # the rows rejected on purpose below are more than the default 10% of so small an export
  mapping:
    stages: {Proposal/Price Quote: proposal}
"""


def load(plan: PlanCopy):
    ws, diags = load_workspace(plan.root)
    assert not [d for d in diags if d.is_error], [d.headline() for d in diags]
    frames, problems = load_exports(ws)
    assert problems == []
    return frames


def issues(frames, kind: str) -> list[tuple[int, str, str]]:
    report = next(r for r in frames.reports if r.kind == kind)
    return [(i.line, i.kind, i.reason) for i in report.issues]


@pytest.fixture
def multi(tmp_path) -> PlanCopy:
    return workspace_with(tmp_path, RATES + DATA, {"data/opps.csv": OPPS})


# --- the arithmetic ---------------------------------------------------------------------------------------


def test_conversion_is_exact_and_rounds_each_row_half_away_from_zero():
    assert list(convert_cents(np.array([100_000, 50, -100_000]), Fraction(92, 100))) == [92_000, 46, -92_000]
    assert list(convert_cents(np.array([33_333]), Fraction(117, 100))) == [39_000]  # 389.9961 -> 390.00
    assert list(convert_cents(np.array([1, -1, 3, -3, 2]), Fraction(1, 2))) == [1, -1, 2, -2, 1]  # halves away from zero
    # a rate with many digits, an amount near the largest: Python integers, no overflow on the way
    assert list(convert_cents(np.array([999_999_999_999_999]), Fraction("0.123456789123456789"))) == [123_456_789_123_457]


def test_codes_and_symbols_written_with_amounts():
    text = pd.Series(["USD 1,000.00", "1.000,00 EUR", "€ 5", "£5", "$ 5", "5 ¥", "12abc", "100", "GBP 5 USD", "eur 5"])
    assert list(written_currencies(text, "EUR")) == ["USD", "EUR", "EUR", "GBP", "?$", "?¥", "!bad", None, "!two", "EUR"]
    assert written_currencies(pd.Series(["$ 5"]), "USD").tolist() == ["USD"]  # the workspace's own symbol


# --- intake -----------------------------------------------------------------------------------------------


def test_a_currency_column_and_codes_in_amounts_are_converted_at_the_plan_rates(multi):
    frames = load(multi)
    opps = frames.opportunities
    # 006I, an open deal without amount, is kept (value unknown: amount 0, amount_known False), whatever its currency
    assert list(opps["id"]) == ["006A", "006B", "006C", "006D", "006I", "006J"]
    assert list(opps["amount"]) == [92_000, 39_000, 50_000, 184_000, 0, 46]
    assert list(opps["amount_known"]) == [True, True, True, True, False, True]
    assert list(opps["amount_original"].fillna(-1)) == [100_000, 33_333, 50_000, 200_000, -1, 50]
    assert list(opps["currency"]) == ["USD", "GBP", "EUR", "USD", "CHF", "USD"]
    assert issues(frames, "opportunities") == [
        (6, "rejected", "amount in CHF, and salesplan.yaml gives no rate for CHF (add rates: {CHF: ...} to convert it to EUR)"),
        (7, "rejected", "amount 'USD 10.00' is in USD but its currency column 'Opportunity Currency' says GBP"),
        (8, "rejected", "unreadable currency 'Euro' in column 'Opportunity Currency' (an ISO code such as USD; blank for the workspace currency EUR)"),
        (9, "rejected", "amount '$ 10.00': the symbol '$' names several currencies (USD, CAD, AUD and others); export ISO codes (USD 1,000.00) or a currency column"),
    ]
    report = frames.reports[0]
    assert report.converted == {"USD": {"rate": "0.92", "rows": 3, "into": "EUR"}, "GBP": {"rate": "1.17", "rows": 1, "into": "EUR"}}
    assert report.without_rate == {"CHF": 1}
    # the won deals stand in for sales, with their converted amounts and their original ones
    assert list(frames.sales["amount"]) == [92_000, 39_000, 50_000]
    assert list(frames.sales["currency"]) == ["USD", "GBP", "EUR"]
    assert conversion_notes(frames.reports) == [
        "data/opps.csv: amounts converted to EUR at the plan rates (rates: in salesplan.yaml): 1 in GBP at 1.17 EUR per GBP, 3 in USD at 0.92 EUR per USD; each converted amount rounded to the cent",
        "data/opps.csv: 1 row rejected in currencies without a rate: CHF (1); add rates: {CHF: ...} to salesplan.yaml",
    ]


def test_a_sales_export_with_codes_in_decimal_comma_amounts(tmp_path):
    invoices = "id;owner;account;amount;date\nF1;rep-n1;ACME-001;1.000,00 USD;20/02/2027\nF2;rep-n1;ACME-001;-100,00 USD;21/02/2027\nF3;rep-n1;ACME-001;50,00;22/02/2027\n"
    data = RATES + """data:
  sales: {path: data/s.csv, delimiter: ";", decimal: ",", date_format: "%d/%m/%Y", columns: {id: id, owner: owner, account: account, amount: amount, date: date}}
"""
    frames = load(workspace_with(tmp_path, data, {"data/s.csv": invoices}))
    assert list(frames.sales["amount"]) == [92_000, -9_200, 5_000]  # a credit note converts like an invoice
    assert list(frames.sales["currency"]) == ["USD", "USD", "EUR"]
    assert frames.reports[0].converted == {"USD": {"rate": "0.92", "rows": 2, "into": "EUR"}}


def test_without_rates_a_single_currency_export_reads_as_before_and_a_foreign_amount_says_how_to_convert_it(tmp_path):
    body = SF_HEADER + '"006A","Lena Vogel","ACME-001","Closed Won","1,000.00","","2/15/2027"\n' + '"006B","Lena Vogel","ACME-001","Closed Won","USD 1,000.00","","2/15/2027"\n'
    frames = load(workspace_with(tmp_path, DATA, {"data/opps.csv": body}))
    assert list(frames.opportunities["amount"]) == [100_000]
    assert list(frames.opportunities["currency"]) == ["EUR"]
    assert issues(frames, "opportunities") == [
        (3, "rejected", "amount in USD, and salesplan.yaml gives no rate for USD (add rates: {USD: ...} to convert it to EUR)")
    ]
    assert frames.reports[0].converted == {} and frames.reports[0].without_rate == {"USD": 1}


def test_a_blank_amount_stays_blank_through_conversion_whatever_its_currency():
    """An optional amount (an open deal without a value) is never rejected for its currency, never 0."""
    table = RawTable(headers=["amount", "currency"], columns={"amount": ["", "10.00", "", "5.00"], "currency": ["CHF", "USD", "Euro", ""]}, lines=[2, 3, 4, 5])
    rows = _Rows("opportunities", [(table, {"amount": "amount", "currency": "currency"}, Source(path="x.csv"), "x.csv")])
    rows.parse("amount", "amount", required=False, currency="EUR", rates={"USD": Fraction(92, 100)})
    out = rows.done()
    assert out["amount"].isna().tolist() == [True, False, True, False]
    assert out["amount"].iloc[1] == 920 and out["amount"].iloc[3] == 500
    assert rows.report.issues == []


# --- settings -----------------------------------------------------------------------------------------------


def test_bad_rates_are_reported_at_their_line(tmp_path, run_cli):
    rates = 'rates:\n  usd: 0.92\n  GBP: -1\n  CHF: "abc"\n  SEK: "0.089"\n  JPY: true\n'
    plan = workspace_with(tmp_path, rates + DATA, {"data/opps.csv": OPPS})
    run = run_cli("validate", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 1
    line = plan.line_of("salesplan.yaml", "usd: 0.92")
    assert f"salesplan.yaml:{line}:3: error SP203: 'usd' is not an ISO 4217 currency code" in run.out
    assert "hint: write USD" in run.out
    assert f"salesplan.yaml:{line + 1}:8: error SP203: a rate must be a positive number, not -1" in run.out
    assert f"salesplan.yaml:{line + 2}:8: error SP203: 'abc' is not a rate: write a plain decimal number like 0.92" in run.out
    assert f"salesplan.yaml:{line + 4}:8: error SP203: expected a rate (a number), got a yes/no value" in run.out
    assert "SEK" not in run.out  # a quoted decimal is a rate


def test_the_workspace_currency_may_be_listed_only_at_1(tmp_path, run_cli):
    plan = workspace_with(tmp_path, "rates: {USD: 0.92, EUR: 0.9}\n" + DATA, {"data/opps.csv": OPPS})
    run = run_cli("validate", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 1
    assert f"salesplan.yaml:{plan.line_of('salesplan.yaml', 'rates:')}:8: error SP203: rates: EUR is the workspace currency (currency: EUR), its rate is 1, not 0.9" in run.out
    plan.replace("salesplan.yaml", "EUR: 0.9", "EUR: 1")
    assert not [d for d in plan.validate() if d.is_error]


# --- reports ------------------------------------------------------------------------------------------------


def test_attainment_and_pipeline_of_a_two_currency_workspace_in_table_and_json(multi, run_cli):
    run = run_cli("report", "attainment", "-w", multi.root, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "json")
    assert run.code == 0, run.err
    payload = json.loads(run.out)
    row = payload["tables"]["attainment"][0]
    assert (row["rep"], row["actual"]) == ("rep-n1", 1810.0)  # 920.00 + 390.00 + 500.00 EUR
    note = "data/opps.csv: amounts converted to EUR at the plan rates (rates: in salesplan.yaml): 1 in GBP at 1.17 EUR per GBP, 3 in USD at 0.92 EUR per USD; each converted amount rounded to the cent"
    assert [n for n in payload["notes"] if "converted" in n] == [note]  # the others are the fallback notes (no created date...)
    assert payload["intake"][0]["converted"] == {"GBP": {"rate": "1.17", "rows": 1, "into": "EUR"}, "USD": {"rate": "0.92", "rows": 3, "into": "EUR"}}
    assert payload["intake"][0]["without_rate"] == {"CHF": 1}
    # stderr: the currencies without a rate and the fix; the rates used are in the report's notes already
    assert "  data/opps.csv: 1 row rejected in currencies without a rate: CHF (1); add rates: {CHF: ...} to salesplan.yaml" in run.err
    assert "amounts converted" not in run.err

    run = run_cli("report", "pipeline", "-w", multi.root, "--as-of", AS_OF, "--rep", "rep-n2", "--format", "json")
    total = json.loads(run.out)["tables"]["pipeline"][-1]
    # USD 2,000.00 -> 1,840.00 and 0.50 USD -> 0.46; 006I, without amount, counts and has no value
    assert (total["count"], total["value"], total["value_unknown"]) == (3, 1840.46, 1)

    run = run_cli("report", "attainment", "-w", multi.root, "--as-of", AS_OF, "--rep", "rep-n1")
    assert run.code == 0
    assert "1,810 [1% of 150,000]" in run.out
    assert "3 in USD at 0.92 EUR per USD" in run.out

    run = run_cli("report", "attainment", "-w", multi.root, "--as-of", AS_OF, "--rep", "rep-n1", "--format", "csv")
    assert "3 in USD at 0.92 EUR per USD" in run.err  # CSV has no notes: stderr says it


def test_report_intake_lists_the_rows_and_the_currencies_without_a_rate(multi, run_cli):
    run = run_cli("report", "intake", "-w", multi.root, "--as-of", AS_OF, "--format", "json")
    payload = json.loads(run.out)
    reasons = {r["line"]: r["reason"] for r in payload["tables"]["issues"]}
    assert reasons[6].startswith("amount in CHF, and salesplan.yaml gives no rate for CHF")
    assert "data/opps.csv: 1 row rejected in currencies without a rate: CHF (1); add rates: {CHF: ...} to salesplan.yaml" in payload["notes"]
    assert any("3 in USD at 0.92 EUR per USD" in n for n in payload["notes"])
    assert set(payload["tables"]["summary"][0]) == {"kind", "path", "rows_read", "rows_used", "rejected", "unmatched", "skipped", "incomplete", "absent", "unit"}


def test_the_cache_round_trips_the_currency_columns_and_the_rates_used(multi, tmp_path):
    ws, _ = load_workspace(multi.root)
    frames, _ = load_exports(ws)
    folder = tmp_path / "cache"
    assert cache.store(folder, "k", frames)
    back = cache.load(folder, "k")
    for name in ("opportunities", "sales"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(frames, name))
    assert str(back.opportunities["amount_original"].dtype) == "Int64"
    assert list(back.opportunities["currency"]) == ["USD", "GBP", "EUR", "USD", "CHF", "USD"]
    assert [(r.converted, r.without_rate) for r in back.reports] == [(r.converted, r.without_rate) for r in frames.reports]


@pytest.mark.parametrize(
    ("preset", "text"),
    [
        ("hubspot", "Record ID,Deal owner,Associated Company,Deal Stage,Amount,Currency,Close Date\n9,Lena Vogel,ACME-001,closedwon,1000,USD,2027-03-01\n8,Lena Vogel,ACME-001,closedwon,1000,,2027-03-01\n"),
        ("pipedrive", "Deal - ID,Deal - Owner,Deal - Organization,Deal - Stage,Deal - Value,Deal - Currency,Deal - Expected close date,Deal - Status\n9,Lena Vogel,ACME-001,negotiation,1000,USD,2027-03-01,won\n8,Lena Vogel,ACME-001,negotiation,1000,EUR,2027-03-01,won\n"),
        ("salesforce", '"Opportunity ID","Opportunity Owner","Account Name","Stage","Amount","Opportunity Currency","Close Date"\n"9","Lena Vogel","ACME-001","Closed Won","1,000.00","USD","2027-03-01"\n"8","Lena Vogel","ACME-001","Closed Won","1,000.00","EUR","2027-03-01"\n'),
    ],
)
def test_each_preset_knows_its_crms_currency_column(tmp_path, preset, text):
    data = RATES + f"data:\n  opportunities: {{path: data/o.csv, preset: {preset}}}\n"
    frames = load(workspace_with(tmp_path, data, {"data/o.csv": text}))
    assert list(frames.opportunities["amount"]) == [92_000, 100_000]
    assert list(frames.opportunities["currency"]) == ["USD", "EUR"]


def test_pam_says_on_stderr_which_rates_it_used(multi, run_cli, tmp_path):
    run = run_cli("pam", "-w", multi.root, "--as-of", AS_OF, "--rep", "rep-n1", "-o", tmp_path / "pam")
    assert run.code == 0, run.err
    assert "  data/opps.csv: amounts converted to EUR at the plan rates (rates: in salesplan.yaml): 1 in GBP at 1.17 EUR per GBP, 3 in USD at 0.92 EUR per USD" in run.err


def test_a_converted_amount_beyond_the_largest_amount_is_rejected_not_wrapped():
    from decimal import Decimal

    table = RawTable(headers=["amount"], columns={"amount": ["USD 99,999,999,999.99", "USD 1.00"]}, lines=[2, 3])
    rows = _Rows("sales", [(table, {"amount": "amount"}, Source(path="x.csv"), "x.csv")])
    rows.parse("amount", "amount", required=True, currency="EUR", rates={"USD": Decimal("1E+6")})
    out = rows.done()
    assert out["amount"].tolist() == [100_000_000]  # 1.00 USD x 1,000,000 = 1,000,000.00 EUR
    assert [(i.line, i.reason) for i in rows.report.issues] == [(2, "amount in USD converted at 1000000 is beyond 9,999,999,999,999.99 EUR")]
    assert rows.report.converted == {"USD": {"rate": "1000000", "rows": 1, "into": "EUR"}}


def test_two_files_in_two_currencies_each_say_what_they_converted(tmp_path):
    """With a list of exports, each file's account names its own conversions and its own missing rates."""
    data = RATES + """data:
  sales:
    - {path: data/us.csv, columns: {owner: owner, account: account, amount: amount, date: date, currency: currency}}
    - {path: data/uk.csv, columns: {owner: owner, account: account, amount: amount, date: date, currency: currency}}
  max_rejected: 100%
"""
    us = "owner,account,amount,date,currency\nrep-n1,ACME-001,100.00,2027-02-01,USD\nrep-n1,ACME-001,10.00,2027-02-02,CHF\n"
    uk = "owner,account,amount,date,currency\nrep-n1,ACME-001,100.00,2027-02-01,GBP\nrep-n1,ACME-001,100.00,2027-02-03,GBP\n"
    frames = load(workspace_with(tmp_path, data, {"data/us.csv": us, "data/uk.csv": uk}))
    assert list(frames.sales["amount"]) == [9_200, 11_700, 11_700]
    us_report, uk_report = frames.reports
    assert (us_report.converted, us_report.without_rate) == ({"USD": {"rate": "0.92", "rows": 1, "into": "EUR"}}, {"CHF": 1})
    assert (uk_report.converted, uk_report.without_rate) == ({"GBP": {"rate": "1.17", "rows": 2, "into": "EUR"}}, {})


def test_a_report_quotes_the_rates_of_the_exports_whose_amounts_it_shows(run_cli):
    """The example's opportunities are in three currencies, its invoices in EUR: attainment (from the invoices)
    says nothing of rates; pipeline (from the opportunities) names them."""
    from conftest import EXAMPLE

    def notes(*args):
        run = run_cli("report", *args, "-w", EXAMPLE, "--as-of", "2027-10-15", "--format", "json")
        assert run.code == 0, run.err
        return [n for n in json.loads(run.out)["notes"] if "converted" in n]

    assert notes("attainment") == []
    assert len(notes("pipeline")) == 1 and "at 0.92 EUR per USD" in notes("pipeline")[0]
