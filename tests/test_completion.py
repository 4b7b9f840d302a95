"""Shell completion (cli/completion.py): the script printed by `salesplan completion SHELL`, and the
candidates given by the completion entry point through click's protocol ($_SALESPLAN_COMPLETE with
COMP_WORDS and COMP_CWORD), read from the workspace without pandas."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "nordwind"


def complete(run_cli, monkeypatch, words: str, instruction: str = "bash_complete") -> list[str]:
    """The candidates for the last word of `words` (a trailing space: a new, empty word)."""
    parts = words.split(" ")
    monkeypatch.setenv("_SALESPLAN_COMPLETE", instruction)
    monkeypatch.setenv("COMP_WORDS", words)
    monkeypatch.setenv("COMP_CWORD", str(len(parts) - 1))
    result = run_cli()
    assert result.code == 0, result.err
    return result.out.split()


@pytest.fixture
def in_example(monkeypatch):
    monkeypatch.chdir(EXAMPLE)


def test_commands(run_cli, monkeypatch, in_example):
    assert complete(run_cli, monkeypatch, "salesplan re") == ["review", "report"]
    assert {"validate", "init", "pam", "completion"} <= set(complete(run_cli, monkeypatch, "salesplan "))


def test_report_names(run_cli, monkeypatch, in_example):
    assert complete(run_cli, monkeypatch, "salesplan report ") == ["attainment", "intake", "activity", "coverage", "pipeline", "conversion"]
    assert complete(run_cli, monkeypatch, "salesplan report co") == ["coverage", "conversion"]


def test_options(run_cli, monkeypatch, in_example):
    found = complete(run_cli, monkeypatch, "salesplan report attainment --")
    assert {"--rep", "--team", "--period", "--format", "--keep-going", "--workspace"} <= set(found)
    assert complete(run_cli, monkeypatch, "salesplan report attainment --format ") == ["table", "json", "csv", "markdown", "md", "html", "xlsx"]


def test_rep_ids_from_the_current_workspace(run_cli, monkeypatch, in_example):
    assert complete(run_cli, monkeypatch, "salesplan report attainment --rep rep-n") == ["rep-n1", "rep-n2", "rep-n3"]
    assert complete(run_cli, monkeypatch, "salesplan review --rep rep-e") == ["rep-e1", "rep-e2", "rep-e3", "rep-e4", "rep-e5"]


def test_rep_ids_and_teams_from_workspace_option(run_cli, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no workspace here: only --workspace gives one
    assert complete(run_cli, monkeypatch, "salesplan report --rep ") == []
    assert complete(run_cli, monkeypatch, f"salesplan pam -w {EXAMPLE} --rep rep-s") == ["rep-s1", "rep-s2", "rep-s3"]
    assert complete(run_cli, monkeypatch, f"salesplan report -w {EXAMPLE} --team ") == ["mgr-north", "mgr-south", "mgr-enterprise"]
    assert complete(run_cli, monkeypatch, f"salesplan report -w {EXAMPLE} pipeline --team mgr-n") == ["mgr-north"]


def test_period_segment_product_month(run_cli, monkeypatch, in_example):
    periods = complete(run_cli, monkeypatch, "salesplan report --period ")
    assert {"ytd", "fy", "Q1", "H2", "jan", "2027-01", "2027-12"} <= set(periods)
    assert complete(run_cli, monkeypatch, "salesplan report pipeline --period Q") == ["Q1", "Q2", "Q3", "Q4"]
    assert complete(run_cli, monkeypatch, "salesplan report activity --segment ") == ["A", "B", "C"]
    assert complete(run_cli, monkeypatch, "salesplan report attainment --product ") == ["platform", "services"]
    assert complete(run_cli, monkeypatch, "salesplan pam --month 2027-1") == ["2027-10", "2027-11", "2027-12"]


def test_typer_instruction_order_is_accepted(run_cli, monkeypatch, in_example):
    assert complete(run_cli, monkeypatch, "salesplan report attainment --rep rep-n", "complete_bash") == ["rep-n1", "rep-n2", "rep-n3"]


def test_a_broken_workspace_completes_nothing_without_error(run_cli, monkeypatch, tmp_path):
    (tmp_path / "salesplan.yaml").write_text("managers: [unclosed\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert complete(run_cli, monkeypatch, "salesplan report --team ") == []
    assert complete(run_cli, monkeypatch, "salesplan report --rep ") == []


@pytest.mark.parametrize("shell, needle", [("bash", "complete -o default -F"), ("zsh", "compdef"), ("fish", "complete --command salesplan")])
def test_completion_prints_the_script(run_cli, shell, needle):
    result = run_cli("completion", shell)
    assert result.code == 0
    assert needle in result.out and "_SALESPLAN_COMPLETE" in result.out


def test_completion_unknown_shell_is_a_usage_error(run_cli):
    result = run_cli("completion", "tcsh")
    assert result.code == 2


def _run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    code = (
        "import sys\n"
        "from salesplan_cli.cli.app import main\n"
        "code = main(sys.argv[1:])\n"
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules)\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy) + '\\n')\n"
        "sys.exit(code)\n"
    )
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, env={**os.environ, **env}, timeout=120)


def test_completion_in_a_subprocess_reads_no_data():
    """The shell's call, as the bash script makes it: rep ids, and no pandas, pyarrow or numpy imported."""
    done = _run([], {"_SALESPLAN_COMPLETE": "bash_complete", "COMP_WORDS": "salesplan report attainment --rep rep-n", "COMP_CWORD": "4"}, EXAMPLE)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rep-n1", "rep-n2", "rep-n3"]
    assert "HEAVY=\n" in done.stderr


@pytest.mark.parametrize("args", [["--help"], ["completion", "bash"], ["init", "--help"]])
def test_light_commands_import_no_data_library(args, tmp_path):
    done = _run(args, {}, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stderr


@pytest.mark.skipif(not __import__("shutil").which("bash"), reason="no bash")
def test_bash_script_end_to_end():
    """The printed script loaded in bash: its completion function, called as bash calls it, fills COMPREPLY."""
    salesplan = Path(sys.executable).parent / "salesplan"
    if not salesplan.exists():
        pytest.skip("the salesplan console script is not installed next to this Python")
    script = (
        'eval "$(salesplan completion bash)"\n'
        "COMP_WORDS=(salesplan report attainment --rep rep-n); COMP_CWORD=4\n"
        'func=$(complete -p salesplan | sed "s/.*-F \\([^ ]*\\) .*/\\1/")\n'
        '"$func" salesplan\n'
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{salesplan.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], capture_output=True, text=True, cwd=EXAMPLE, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["rep-n1", "rep-n2", "rep-n3"]


def test_install_completion_writes_the_script_and_sources_it(tmp_path):
    """typer's --install-completion: the script under ~/.bash_completions, sourced from ~/.bashrc."""
    env = {"HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    done = _run(["--install-completion", "bash"], env, tmp_path)
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "salesplan.sh"
    assert "_SALESPLAN_COMPLETE" in script.read_text(encoding="utf-8")
    assert str(script) in (tmp_path / ".bashrc").read_text(encoding="utf-8")
    shown = _run(["--show-completion", "zsh"], env, tmp_path)
    assert shown.returncode == 0 and "compdef" in shown.stdout
