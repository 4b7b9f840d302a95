"""A hostile reviewer's pass over issue 12's export features: inputs written against the README to find a
traceback, a silent wrong figure or a dropped row. Each test is a regression test of a bug found that way."""

from __future__ import annotations

from test_intake import load, workspace_with

AS_OF = "2027-10-15"
OPP_COLUMNS = "{id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, currency: cur}"
HEADER = "id,owner,account,stage,amount,close,cur\n"


def test_codes_in_amounts_across_the_files_of_a_list_are_read(tmp_path, run_cli):
    """Two files of one kind, amounts written with a code: the rows of the two files are converted each at the
    plan rate (it was an internal error: the amounts' text of two files was a chunked Arrow array)."""
    data = f"""data:
  opportunities:
    - path: data/a.csv
      columns: {OPP_COLUMNS}
    - path: data/b.csv
      columns: {OPP_COLUMNS}
rates: {{USD: 0.5}}
"""
    files = {
        "data/a.csv": HEADER + "A1,rep-n1,ACME-001,won,USD 100.00,2027-03-01,\nA2,rep-n1,ACME-001,won,10.00,2027-03-01,\n",
        "data/b.csv": HEADER + "B1,rep-n1,ACME-002,won,3.01 USD,2027-04-01,\nB2,rep-n1,ACME-002,won,7.00,2027-04-01,USD\n",
    }
    plan = workspace_with(tmp_path, data, files)
    frames, diags = load(plan)
    assert diags == []
    opps = frames.opportunities
    assert list(opps["id"]) == ["A1", "A2", "B1", "B2"]
    # 100.00 x 0.5 = 50.00; 10.00 EUR as is; 3.01 x 0.5 = 1.505 -> 1.51 (half away from zero); 7.00 x 0.5 = 3.50
    assert list(opps["amount"]) == [5_000, 1_000, 151, 350]
    assert list(opps["currency"]) == ["USD", "EUR", "USD", "USD"]
    result = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "internal error" not in result.err


LINE_COLUMNS = "{id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close, product: product, line_amount: line}"
LINE_HEADER = "id,owner,account,stage,amount,close,product,line\n"


def test_product_lines_of_an_id_in_another_file_are_a_repeated_id(tmp_path, run_cli):
    """README "Several files for one kind": an id repeated across files is rejected, the first kept, with
    line_amount too. Two monthly exports of opportunities with products both holding deal D1: its lines were
    summed twice (platform 2 x 100.00) with nothing listed."""
    data = f"""data:
  max_rejected: 60%
  opportunities:
    path: data/opps-*.csv
    columns: {LINE_COLUMNS}
  mapping:
    products: {{P: platform, S: services}}
"""
    files = {
        "data/opps-01.csv": LINE_HEADER + "D1,rep-n1,ACME-001,won,,2027-03-01,P,100.00\nD1,rep-n1,ACME-001,won,,2027-03-01,S,50.00\n",
        "data/opps-02.csv": LINE_HEADER + "D1,rep-n1,ACME-001,won,,2027-03-01,P,100.00\nD2,rep-n1,ACME-002,won,,2027-04-01,S,20.00\n",
    }
    plan = workspace_with(tmp_path, data, files)
    frames, diags = load(plan)
    assert diags == []
    opps = frames.opportunities
    assert list(opps["id"]) == ["D1", "D2"]
    assert list(opps["amount"]) == [15_000, 2_000]  # D1: 100.00 + 50.00 from its first file only
    lines = frames.opportunity_lines
    assert sorted(zip(lines["id"], lines["product"], lines["line_amount"])) == [("D1", "platform", 10_000), ("D1", "services", 5_000), ("D2", "services", 2_000)]
    report = next(r for r in frames.reports if r.path == "data/opps-02.csv")
    assert [(i.line, i.kind, i.reason) for i in report.issues] == [
        (2, "rejected", "opportunity id 'D1' appears again (first occurrence kept in data/opps-01.csv line 2; the product lines of a deal come in one file)")
    ]
    result = run_cli("report", "attainment", "-w", plan.root, "--as-of", AS_OF, "-r", "rep-n1", "--by", "product", "-f", "csv")
    assert result.code == 0, result.err
    rows = {line.split(",")[0]: line.split(",")[1] for line in result.out.splitlines()[1:]}
    assert rows["platform"] == "100" and rows["services"] == "70" and rows["<total>"] == "170"


def test_validate_refuses_a_file_read_by_two_declarations_of_a_kind(tmp_path, run_cli):
    """A glob and a path naming one of its files: `report` refuses it (SP203, its rows would count twice);
    `validate` said "ok" and exited 0, so a CI job checking the plan passed and the report failed after."""
    data = f"""data:
  opportunities:
    - path: data/opps-*.csv
      columns: {OPP_COLUMNS}
    - path: data/opps-01.csv
      columns: {OPP_COLUMNS}
"""
    plan = workspace_with(tmp_path, data, {"data/opps-01.csv": HEADER + "A1,rep-n1,ACME-001,won,10.00,2027-03-01,\n"})
    line = plan.line_of("salesplan.yaml", "- path: data/opps-01.csv")
    expected = f"salesplan.yaml:{line}: error SP203: data.opportunities[1].path: data/opps-01.csv (already read under data.opportunities[0])"
    checked = run_cli("validate", "-w", plan.root, "--as-of", AS_OF)
    assert checked.code == 1
    assert expected in checked.out + checked.err
    reported = run_cli("report", "-w", plan.root, "--as-of", AS_OF)
    assert reported.code == 2
    assert expected in reported.err


def test_a_link_in_an_allowed_folder_leading_out_of_it_is_named_as_such(tmp_path, run_cli):
    """--data-dir allows a folder; a symbolic link in it to a file elsewhere stays refused (SP907). The reason
    said "an absolute path, outside the workspace", which --data-dir had just allowed."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.csv").write_text(HEADER + "A1,rep-n1,ACME-001,won,10.00,2027-03-01,\n", encoding="utf-8")
    allowed = tmp_path / "exports"
    allowed.mkdir()
    (allowed / "opps.csv").symlink_to(elsewhere / "secret.csv")
    data = f"""data:
  opportunities:
    path: {allowed / "opps.csv"}
    columns: {OPP_COLUMNS}
"""
    plan = workspace_with(tmp_path, data, {})
    result = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--data-dir", allowed)
    assert result.code == 2
    assert "SP907" in result.err
    assert "is refused: a symbolic link resolving outside the folders this run may read (--data-dir, $SALESPLAN_DATA_DIRS)" in result.err
    assert "A1" not in result.out + result.err
    plain = run_cli("report", "-w", plan.root, "--as-of", AS_OF)  # no folder allowed: the absolute path is the reason
    assert plain.code == 2 and "is refused: an absolute path, outside the workspace" in plain.err


def test_a_lower_case_code_in_an_amount_is_read_like_the_same_code_in_the_currency_column(tmp_path):
    """`usd` in the currency column was USD, `usd 100.00` in the amount an "unreadable amount" (and `eur 5`
    in the workspace currency was read): a code of rates: is read in any case, other letters stay no code."""
    data = f"""data:
  max_rejected: 50%
  opportunities:
    path: data/opps.csv
    columns: {OPP_COLUMNS}
rates: {{USD: 0.5}}
"""
    body = "A1,rep-n1,ACME-001,won,usd 100.00,2027-03-01,\nA2,rep-n1,ACME-001,won,100.00,2027-03-01,usd\nA3,rep-n1,ACME-001,won,abc 100.00,2027-03-01,\nA4,rep-n1,ACME-001,won,100.00 Usd,2027-03-01,\n"
    frames, _diags = load(workspace_with(tmp_path, data, {"data/opps.csv": HEADER + body}))
    opps = frames.opportunities
    assert list(opps["id"]) == ["A1", "A2", "A4"]
    assert list(opps["amount"]) == [5_000, 5_000, 5_000]  # 100.00 USD x 0.5 each
    assert list(opps["currency"]) == ["USD", "USD", "USD"]
    report = next(r for r in frames.reports if r.kind == "opportunities")
    assert [(i.line, i.kind, i.reason) for i in report.issues] == [(4, "rejected", "unreadable amount 'abc 100.00'")]
