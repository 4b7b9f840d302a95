"""Keep the docs complete: every command, option, check code, plan-file key and metric is documented.

These tests read README.md and docs/metrics.md and compare them with what the
code declares (the typer app, the registry of check codes, the plan models, the
exit codes). When one fails, its message lists exactly what is missing.
"""

from __future__ import annotations

import enum
import re
import typing
from pathlib import Path

import pytest
import typer.main
import yaml
from pydantic import BaseModel

from salesplan_cli import exitcodes
from salesplan_cli.cli.app import app
from salesplan_cli.diagnostics import CODES
from salesplan_cli.plan.model import FILE_MODELS

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
METRICS = ROOT / "docs" / "metrics.md"

#: The headings docs/metrics.md must have, one per plan figure salesplan computes
#: (see plan/targets.py, plan/checks/sums.py, organisation.py, capacity.py), then
#: the report metrics: one subsection per report (reports/*.py), the status rule
#: (reports/status.py) and the intake counts (intake/load.py).
METRIC_HEADINGS = [
    "Segment target",
    "Product range target",
    "Full-year objective",
    "Month weights",
    "Employment fraction",
    "Prorated share",
    "Effective objective",
    "Period breakdown",
    "Product split",
    "Assigned total",
    "Gap",
    "Under- and over-assignment",
    "Territory mix share",
    "Planned actions",
    "Capacity comparison",
    "Report metrics",
    "status",
    "attainment",
    "activity",
    "coverage",
    "pipeline",
    "conversion",
    "dashboard",
    "intake",
    "pam",
    "review",
]

#: README heading of the section documenting each kind of plan file (keys of FILE_MODELS).
FILE_SECTIONS = {
    "salesplan": "salesplan.yaml",
    "strategy": "strategy.yaml",
    "segments": "segments.yaml",
    "rep": "reps/",
}


# --- helpers -----------------------------------------------------------------------


def _read(path: Path) -> str:
    assert path.is_file(), f"{path.relative_to(ROOT)} does not exist"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def readme() -> str:
    return _read(README)


@pytest.fixture(scope="module")
def metrics() -> str:
    return _read(METRICS)


def _report(what: str, missing: list[str]) -> str:
    return f"{what} ({len(missing)}):\n" + "\n".join(f"  - {item}" for item in missing)


def _headings(lines: list[str]) -> list[bool]:
    """For each line, whether it is a '## '/'### ' heading (lines inside ``` fences are not: quoted Markdown output)."""
    flags, fenced = [], False
    for line in lines:
        if line.lstrip().startswith("```"):
            fenced = not fenced
            flags.append(False)
            continue
        flags.append(not fenced and re.match(r"^#{2,3} ", line) is not None)
    return flags


def _section(text: str, heading: str) -> str:
    """The text under the first '## '/'### ' heading starting with `heading`, up to the next heading of level 2 or 3."""
    lines = text.splitlines()
    is_heading = _headings(lines)
    for index, line in enumerate(lines):
        if not is_heading[index]:
            continue
        title = re.sub(r"^#{2,3} ", "", line).strip().replace("&lt;", "<").replace("&gt;", ">")
        if title.startswith(heading) and (len(title) == len(heading) or not title[len(heading)].isalnum()):
            body = []
            for following, stop in zip(lines[index + 1 :], is_heading[index + 1 :]):
                if stop:
                    break
                body.append(following)
            return "\n".join(body)
    return ""


def _mentions(text: str, word: str) -> bool:
    """`word` appears in `text`, not as part of a longer option or name."""
    return re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text) is not None


def _cli():
    return typer.main.get_command(app)


def _commands() -> dict:
    """Every command by the words after `salesplan`: 'validate', and for a group of commands (a typer
    sub-app) both the group itself ('report': its options are those of its bare form) and each of its
    commands ('report attainment'), each documented under its own '### salesplan <words>' heading."""
    found: dict = {}

    def walk(prefix: str, group) -> None:
        for name, command in dict(getattr(group, "commands", {})).items():
            words = f"{prefix} {name}".strip()
            found[words] = command
            walk(words, command)

    walk("", _cli())
    return found


def _param_names(param) -> list[str]:
    return [*getattr(param, "opts", []), *getattr(param, "secondary_opts", [])]


def _is_argument(param) -> bool:
    return getattr(param, "param_type_name", "") == "argument"


def _choices(param) -> list[str]:
    default = getattr(param, "default", None)
    if isinstance(default, enum.Enum):
        return [member.value for member in type(default)]
    return []


def _model_keys(annotation, seen: set | None = None) -> set[str]:
    """Every key name of the pydantic models reachable from `annotation`."""
    seen = set() if seen is None else seen
    keys: set[str] = set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return keys
        seen.add(annotation)
        for name, info in annotation.model_fields.items():
            if name != "root":  # a RootModel's value has no key of its own
                keys.add(info.alias or name)
            keys |= _model_keys(info.annotation, seen)
        return keys
    for arg in typing.get_args(annotation):
        keys |= _model_keys(arg, seen)
    return keys


def _table_keys(section: str) -> set[str]:
    """Key names documented in the first cell of the section's tables: `a.b`, `<id>.name`, `stages[].name`."""
    names: set[str] = set()
    for cell in re.findall(r"^\|\s*`([^`]+)`\s*\|", section, flags=re.MULTILINE):
        for part in cell.split("."):
            part = re.sub(r"\[\]$", "", part.strip())
            if part and not part.startswith("<"):
                names.add(part)
    return names


# --- commands and options --------------------------------------------------------------


def test_commands_are_registered():
    assert _commands(), "no command found on salesplan_cli.cli.app.app: did the registration change?"


def test_every_command_is_documented(readme):
    missing = [f"salesplan {name}" for name in _commands() if not _section(readme, f"salesplan {name}")]
    assert not missing, _report("README.md has no '### salesplan <command>' section for", missing)


def test_every_option_is_documented(readme):
    missing = []
    for name, command in _commands().items():
        section = _section(readme, f"salesplan {name}")
        for param in getattr(command, "params", []):
            if getattr(param, "hidden", False):
                continue
            if _is_argument(param):
                if not _mentions(section, param.name.upper()):
                    missing.append(f"salesplan {name}: argument {param.name.upper()}")
                continue
            for option in _param_names(param):
                if not _mentions(section, option):
                    missing.append(f"salesplan {name}: option {option}")
            for choice in _choices(param):
                if not _mentions(section, choice):
                    missing.append(f"salesplan {name}: value '{choice}' of {_param_names(param)[0]}")
    assert not missing, _report("README.md does not document (in the command's section)", missing)


def _option_table_entries(section: str) -> list[tuple[str, str]]:
    """(option, metavar or '') for each option written in the first cell of a table row: `-w`, `--workspace PATH`."""
    entries = []
    for cell in re.findall(r"^\|([^|\n]*(?:\\\|[^|\n]*)*)\|", section, flags=re.MULTILINE):
        for option, metavar in re.findall(r"`(--?[A-Za-z][\w-]*)(?: ([^`]+))?`", cell):
            entries.append((option, metavar.strip()))
    return entries


def test_option_tables_list_only_real_options(readme):
    """A command's option table names no option the command does not have (e.g. one that was removed)."""
    stale = []
    for name, command in _commands().items():
        section = _section(readme, f"salesplan {name}")
        real = {option for param in getattr(command, "params", []) for option in _param_names(param)} | {"-h", "--help"}
        stale += [f"salesplan {name}: {option}" for option, _ in _option_table_entries(section) if option not in real]
    assert not stale, _report("README.md documents options the command does not have", stale)


def test_option_tables_use_the_cli_metavars(readme):
    """Where an option declares a metavar (--rep REP, --as-of DATE), its table row shows that same placeholder."""
    wrong = []
    for name, command in _commands().items():
        entries = _option_table_entries(_section(readme, f"salesplan {name}"))
        for param in getattr(command, "params", []):
            metavar = getattr(param, "metavar", None)
            if _is_argument(param) or getattr(param, "hidden", False) or not metavar:
                continue
            shown = {value for option, value in entries if option in _param_names(param) and value}
            if shown != {metavar}:
                wrong.append(f"salesplan {name} {_param_names(param)[0]}: the CLI says {metavar}, README.md shows {sorted(shown) or 'none'}")
    assert not wrong, _report("README.md's option tables do not match the CLI's metavars", wrong)


def test_long_option_names_appear_in_readme(readme):
    """The brief's rule, kept on its own: every long option name is somewhere in README.md."""
    longs = {option for command in _commands().values() for param in getattr(command, "params", []) for option in _param_names(param) if option.startswith("--")}
    longs |= {option for param in getattr(_cli(), "params", []) for option in _param_names(param) if option.startswith("--")}
    missing = sorted(option for option in longs if not _mentions(readme, option))
    assert not missing, _report("README.md never mentions the options", missing)


def test_global_options_are_documented(readme):
    cli = _cli()
    options = [option for param in getattr(cli, "params", []) for option in _param_names(param)]
    options += list((getattr(cli, "context_settings", None) or {}).get("help_option_names", ["--help"]))
    missing = [option for option in options if not _mentions(readme, option)]
    assert not missing, _report("README.md does not document the global options", missing)


# --- quick start, codes, exit codes, hooks --------------------------------------------------------


def test_quick_start_is_make_demo_and_make_test(readme):
    section = _section(readme, "Quick start")
    assert section, "README.md has no '## Quick start' section"
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the Quick start section has no code block"
    commands = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"], f"the Quick start must be exactly 'make demo' and 'make test', found {commands}"
    for target in ("make demo", "make test"):
        assert target in readme, f"README.md does not mention '{target}'"


def test_every_check_code_is_documented(readme):
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\|\s*`?(SP\d{3})`?\s*\|\s*(\w+)\s*\|", readme, flags=re.MULTILINE)}
    problems = [f"{code}: not mentioned at all" for code in CODES if code not in readme]
    problems += [f"{code}: no '| {code} | {entry.severity.value} |' row in the 'Check codes' table" for code, entry in CODES.items() if code in readme and code not in rows]
    problems += [
        f"{code}: README says {rows[code]}, diagnostics.CODES says {entry.severity.value}"
        for code, entry in CODES.items()
        if code in rows and rows[code] != entry.severity.value
    ]
    problems += [f"{code}: documented but not in diagnostics.CODES" for code in sorted(set(rows) - set(CODES))]
    assert not problems, _report("README.md's check codes do not match diagnostics.CODES", problems)


def test_every_exit_code_is_documented(readme):
    section = _section(readme, "Exit codes")
    assert section, "README.md has no '## Exit codes' section"
    values = {name: value for name, value in vars(exitcodes).items() if name.isupper() and isinstance(value, int)}
    missing = [f"{value} ({name})" for name, value in values.items() if not re.search(rf"^\|\s*`?{value}`?\s*\|", section, flags=re.MULTILINE)]
    assert not missing, _report("README.md's 'Exit codes' table has no row for", missing)


def test_pre_commit_hook_is_declared():
    hooks = yaml.safe_load(_read(ROOT / ".pre-commit-hooks.yaml"))
    by_id = {hook.get("id"): hook for hook in hooks or []}
    assert "salesplan-validate" in by_id, ".pre-commit-hooks.yaml declares no hook 'salesplan-validate'"
    hook = by_id["salesplan-validate"]
    expected = {"entry": "salesplan validate", "language": "python", "pass_filenames": False, "files": r"\.ya?ml$"}
    wrong = [f"{key}: expected {value!r}, found {hook.get(key)!r}" for key, value in expected.items() if hook.get(key) != value]
    assert not wrong, _report("the salesplan-validate hook is misconfigured", wrong)


# --- the plan files -------------------------------------------------------------------------------


def test_every_plan_file_key_is_documented(readme):
    missing = []
    for kind, model in FILE_MODELS.items():
        heading = FILE_SECTIONS.get(kind)
        if heading is None:
            missing.append(f"a README section for the new file kind '{kind}' (add it to FILE_SECTIONS too)")
            continue
        section = _section(readme, heading)
        if not section:
            missing.append(f"section '### {heading}'")
            continue
        documented = _table_keys(section)
        missing += [f"{heading}: key '{key}'" for key in sorted(_model_keys(model)) if key not in documented]
    assert not missing, _report("README.md has no key-table row for", missing)


def test_the_workspace_section_exists(readme):
    # The files `salesplan init` writes point readers to this section by name.
    assert _section(readme, "The workspace"), "README.md has no '## The workspace' section (the init templates refer to it)"


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_document_exists():
    assert METRICS.is_file(), "docs/metrics.md does not exist"


def test_every_metric_has_a_heading(metrics):
    headings = {m.group(1).strip() for m in re.finditer(r"^#{2,3} (.+)$", metrics, flags=re.MULTILINE)}
    missing = [heading for heading in METRIC_HEADINGS if heading not in headings]
    assert not missing, _report("docs/metrics.md has no '## ' heading for the metrics", missing)
