"""The guarantees of the README's Reliability section that no other test file shows: a reader that leaves
(`| head`), a closed stdout, Ctrl-C in the middle of a write, bidirectional overrides from an export."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest

from salesplan_cli import exitcodes, writing
from salesplan_cli.cli.app import main
from salesplan_cli.intake import cache

AS_OF = "2027-10-15"


class _GoneReader(io.TextIOWrapper):
    def write(self, text):  # the other end of the pipe is closed
        raise BrokenPipeError(32, "Broken pipe")


def test_a_reader_that_leaves_gives_exit_141_and_no_message(capsys, monkeypatch, tmp_path):
    target = open(tmp_path / "stdout", "wb")  # a real descriptor for the dup2 that silences the final flush
    monkeypatch.setattr(sys, "stdout", _GoneReader(target))
    code = main(["schema"])
    assert code == exitcodes.BROKEN_PIPE == 141
    assert capsys.readouterr().err == ""


def test_a_real_pipe_closed_by_the_reader(tmp_path):
    # more than a pipe buffer of output, and a reader that takes 10 bytes and goes: 141, nothing on stderr
    read, write = os.pipe()
    proc = subprocess.Popen(
        [sys.executable, "-c", "from salesplan_cli.cli.app import main; import sys; sys.exit(main(['schema', '--out', '-'] if False else ['schema']))"],
        stdout=write,
        stderr=subprocess.PIPE,
    )
    os.close(write)
    os.read(read, 10)
    os.close(read)
    err = proc.stderr.read().decode()
    code = proc.wait()
    # `schema` may fit in the pipe buffer before the reader leaves: then it succeeded, which is fine too
    assert code in (0, 141), err
    assert "Traceback" not in err and "internal error" not in err


def test_closed_stdout_is_a_clear_error():
    proc = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m salesplan_cli --help >&-'], capture_output=True, text=True)
    assert proc.returncode == exitcodes.USAGE
    assert "standard output is closed" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_ctrl_c_during_a_write_leaves_no_partial_file(plan, run_cli, monkeypatch):
    out = plan.root / "dashboard.csv"
    out.write_text("the previous report\n")

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(writing.os, "replace", interrupted)
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "csv", "--output", out)
    assert run.code == exitcodes.INTERRUPTED == 130
    assert out.read_text() == "the previous report\n"  # the old file stands, whole
    assert [p.name for p in plan.root.iterdir() if p.name.startswith(".dashboard.csv")] == []  # no temporary file left


def test_ctrl_c_while_the_cache_is_written_leaves_no_entry(plan, run_cli, monkeypatch):
    monkeypatch.setattr(cache, "MIN_BYTES", 0)
    monkeypatch.delenv(cache.ENV_DISABLE, raising=False)
    monkeypatch.delenv(cache.ENV_FOLDER, raising=False)

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", interrupted)
    run = run_cli("report", "-w", plan.root, "--as-of", AS_OF, "--format", "json")
    assert run.code == exitcodes.INTERRUPTED
    folder = plan.root / cache.FOLDER
    assert [p.name for p in folder.iterdir() if p.is_dir()] == []


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x1b", "\x9b"])
def test_bidirectional_overrides_and_escapes_from_an_export_never_reach_the_terminal(plan, run_cli, char, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    plan.append("data/opportunities.csv", f"OPP-EVIL,ab{char}cd,ACME-217,Prospecting,1000,EUR,11/30/2027,09/01/2027,,Platform,,x,,,,\n")
    run = run_cli("report", "intake", "-w", plan.root, "--as-of", AS_OF)
    assert run.code == 0, run.err
    assert char not in run.out and char not in run.err
    assert "abcd" in run.out
