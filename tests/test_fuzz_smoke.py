"""The fuzzing script fuzz/run.py in `make test`: each target for a few seconds, the harness itself, and
the crashes the fuzzer found, pinned as regressions.

Longer runs: `python fuzz/run.py --seconds 600` (random seed; failures are saved under .fuzz/).
Here the seed is fixed, so a failure reproduces; SALESPLAN_FUZZ_SECONDS changes the time per target.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import load_fuzz
from salesplan_cli.config.data import Source
from salesplan_cli.intake.load import load_exports
from salesplan_cli.intake.read import read_table
from salesplan_cli.plan.validate import validate_workspace

REPO = Path(__file__).resolve().parents[1]
SECONDS = float(os.environ.get("SALESPLAN_FUZZ_SECONDS", "5"))
SEED = 20270101


@pytest.fixture(autouse=True)
def _columns_restored(monkeypatch):
    """fuzz.main() sets COLUMNS for its own output: undone after each test, so later tests render at their width."""
    monkeypatch.setenv("COLUMNS", os.environ.get("COLUMNS", "120"))


fuzz = load_fuzz()


@pytest.mark.parametrize("target", ["yaml", "csv"])
def test_fuzz_target_finds_nothing(target, tmp_path):
    outcome = fuzz.run_target(target, SECONDS, seed=SEED, out_dir=tmp_path, shrink_seconds=20)
    assert outcome.examples > 0
    assert outcome.failure is None, fuzz.report(outcome)


# --- the harness can fail ----------------------------------------------------------------------------------


def test_a_crash_is_caught_shrunk_saved_and_replayable(tmp_path):
    def planted(case: dict) -> None:
        if case["mode"] == "bytes" and len(case["data"]) >= 3:
            raise ZeroDivisionError("planted crash")

    outcome = fuzz.run_target("csv", 20, seed=SEED, out_dir=tmp_path, shrink_seconds=15, check=planted)
    assert outcome.failure is not None and "planted crash" in outcome.error
    assert len(outcome.failure["data"]) == 3, outcome.failure["data"]  # shrunk to the smallest failing input
    saved = json.loads(outcome.saved.read_text(encoding="utf-8"))
    assert saved["target"] == "csv" and "planted crash" in saved["error"]
    assert fuzz._from_json(saved["case"]) == outcome.failure  # what --replay runs
    assert (outcome.saved.with_suffix("") / "traceback.txt").is_file()
    assert "minimal failing input" in fuzz.report(outcome)


def test_the_script_exits_1_on_a_crash_and_0_when_clean(tmp_path, monkeypatch, capsys):
    def crash(case: dict) -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(fuzz.TARGETS["yaml"], "check", crash)
    assert fuzz.main(["--seconds", "2", "--target", "yaml", "--seed", "1", "--shrink-seconds", "3", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "yaml: FAILED" in out and "replay: python fuzz/run.py --replay" in out
    assert list(tmp_path.glob("yaml-*.json"))
    monkeypatch.setattr(fuzz.TARGETS["yaml"], "check", lambda case: None)
    assert fuzz.main(["--seconds", "1", "--target", "yaml", "--seed", "1", "--out", str(tmp_path)]) == 0
    assert "yaml: clean" in capsys.readouterr().out


# --- what the fuzzer found -----------------------------------------------------------------------------------

BIG = 300_000  # above intake/read.py FAST_CSV_BYTES (256 KiB): read by the pyarrow path


def test_a_large_salesforce_export_without_rows_is_read_not_a_crash(tmp_path):
    path = tmp_path / "accounts.csv"
    path.write_bytes(b"Account Name\n" + b"\n" * BIG)  # what a small file gives: no row, every blank line listed
    table, diags = read_table(path, "accounts.csv", Source(path="accounts.csv", preset="salesforce"), ["Account Name", "Type"])
    assert diags == []
    assert table.rows == 0
    assert len(table.issues) == BIG and {i.kind for i in table.issues} == {"skipped"}


def test_a_stray_quote_in_the_header_reads_the_same_in_a_large_export(tmp_path):
    header = b'Owner,Amount,Date,Note (see "terms)\n'
    first = b'rep-1,100,2027-01-05,12" screen\n'
    row = b"rep-1,100,2027-01-05,n\n"
    source = Source(path="sales.csv")
    wanted = ["Owner", "Amount", "Date"]
    small, big = tmp_path / "small.csv", tmp_path / "big.csv"
    small.write_bytes(header + first + row * 10)
    big.write_bytes(header + first + row * (BIG // len(row)))
    expected_headers = ["Owner", "Amount", "Date", 'Note (see "terms)']
    table, _ = read_table(small, "small.csv", source, wanted)
    assert (table.headers, table.rows, table.issues) == (expected_headers, 11, [])  # the exact reader
    table, _ = read_table(big, "big.csv", source, wanted)
    assert table.headers == expected_headers
    assert table.rows == 1 + BIG // len(row) and table.issues == []


def test_an_absurd_rep_target_is_a_finding_not_a_crash(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "nordwind", root)
    rep = root / "reps" / "rep-e1.yaml"
    text = rep.read_text(encoding="utf-8")
    assert "targets: {A: 1_100_000}" in text
    rep.write_text(text.replace("targets: {A: 1_100_000}", "targets: {A: 1" + "0" * 320 + "}"), encoding="utf-8")
    result = validate_workspace(root, as_of=dt.date(2027, 10, 15))
    # over-assigned (SP405 at segments.A), or the amount refused at the rep's file: either is a finding
    assert any(d.is_error and (d.path == "segments.A" or d.file == "reps/rep-e1.yaml") for d in result.diagnostics)


def test_a_huge_number_in_a_segment_criterion_is_a_finding_not_a_crash(tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(REPO / "examples" / "nordwind", root)
    segments = root / "segments.yaml"
    old = 'criteria: {employees: ">=1000", industry: [banking, insurance, energy]}'
    text = segments.read_text(encoding="utf-8")
    assert old in text
    segments.write_text(text.replace(old, "criteria: {employees: 1" + "0" * 309 + ", industry: [banking, insurance, energy]}"), encoding="utf-8")
    result = validate_workspace(root, as_of=dt.date(2027, 10, 15))
    if result.errors:
        return  # refused at validate: a finding, fine
    frames, diags = load_exports(result.workspace)  # must not raise
    assert frames is not None and diags == []


def test_a_bom_before_the_first_row_reads_the_same_in_a_large_export(tmp_path):
    source = Source(path="sales.csv", encoding="utf-8-sig")
    header = "\ufeffOwner,Amount,Date\n".encode()
    first = "\ufeffrep-2,200,2027-01-06\n".encode()
    row = b"rep-1,100,2027-01-05\n"
    owners = []
    for name, count in (("small.csv", 10), ("big.csv", BIG // len(row))):
        path = tmp_path / name
        path.write_bytes(header + first + row * count)
        table, diags = read_table(path, name, source, ["Owner", "Amount", "Date"])
        assert diags == [] and table.rows == 1 + count
        column = table.columns["Owner"]
        owners.append((column.to_pylist() if hasattr(column, "to_pylist") else list(column))[0])
    assert owners[0] == owners[1], owners
