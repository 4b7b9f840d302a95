"""Keep the docs complete: every command, option, check code, plan-file key and metric is documented.

These tests read the documentation site's pages under docs/ (and README.md, the front door) and compare
them with what the code declares (the typer app, the registry of check codes, the plan models, the exit
codes, the CRM presets). When one fails, its message lists exactly what is missing.

docs/reference/commands.md and docs/reference/presets.md are generated from the code by
tools/gen_reference.py (`make docs`); a test fails when the committed pages are out of date.
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
DOCS = ROOT / "docs"
METRICS = DOCS / "metrics.md"
REFERENCE = DOCS / "reference"
COMMANDS = REFERENCE / "commands.md"  # generated from the CLI's help
COMMAND_PAGES = REFERENCE / "commands"  # one hand-written page per top-level command: commands/<name>.md
PLAN_FILES = REFERENCE / "plan-files.md"
DATA_SECTION = REFERENCE / "data-section.md"
CHECK_CODES = REFERENCE / "check-codes.md"
EXIT_CODES = REFERENCE / "exit-codes.md"
MKDOCS = ROOT / "mkdocs.yml"
README_MAX_LINES = 300

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

#: Heading in docs/reference/plan-files.md of the section documenting each kind of plan file (keys of FILE_MODELS).
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


# --- the generated reference ----------------------------------------------------------


def _generator():
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_reference", ROOT / "tools" / "gen_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def commands_page() -> str:
    return _read(COMMANDS)


def test_generated_reference_pages_are_up_to_date():
    """docs/reference/commands.md and presets.md are what tools/gen_reference.py renders from the code now."""
    generator = _generator()
    stale = [str(page.relative_to(ROOT)) for page, render in generator.PAGES.items() if not page.is_file() or page.read_text(encoding="utf-8") != render()]
    assert not stale, _report("generated pages out of date: run `python tools/gen_reference.py` (or `make docs`) and commit", stale)


def test_presets_page_lists_every_preset_column_and_value():
    from salesplan_cli.intake.fields import PRESET_ACTIVITY_STATUSES, PRESET_STAGES, PRESETS

    page = _read(REFERENCE / "presets.md")
    missing = [f"{preset}: {kind}.{field} '{header}'" for preset, kinds in PRESETS.items() for kind, fields in kinds.items() for field, header in fields.items() if f"`{header}`" not in page]
    missing += [f"{preset}: stage value '{value}'" for preset, values in PRESET_STAGES.items() for value in values if f"`{value}`" not in page]
    missing += [f"{preset}: task status '{value}'" for preset, values in PRESET_ACTIVITY_STATUSES.items() for value in values if f"`{value}`" not in page]
    assert not missing, _report("docs/reference/presets.md does not list", missing)


# --- commands and options --------------------------------------------------------------


def test_commands_are_registered():
    assert _commands(), "no command found on salesplan_cli.cli.app.app: did the registration change?"


def test_every_command_is_documented(commands_page):
    missing = [f"salesplan {name}: no '## salesplan {name}' in docs/reference/commands.md" for name in _commands() if not _section(commands_page, f"salesplan {name}")]
    missing += [
        f"salesplan {name}: no page docs/reference/commands/{name}.md (how it works, with examples; add it to mkdocs.yml's nav)"
        for name in _commands()
        if " " not in name and not (COMMAND_PAGES / f"{name}.md").is_file()
    ]
    assert not missing, _report("commands not documented", missing)


def test_every_option_is_documented(commands_page):
    missing = []
    for name, command in _commands().items():
        section = _section(commands_page, f"salesplan {name}")
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
    assert not missing, _report("docs/reference/commands.md does not document (in the command's section)", missing)


def test_every_option_has_a_description():
    """The generated reference shows each option's help: an option without one would be documented by its name only."""
    missing = [
        f"salesplan {name} {_param_names(param)[0] if _param_names(param) else param.name}"
        for name, command in _commands().items()
        for param in getattr(command, "params", [])
        if not getattr(param, "hidden", False) and not _is_argument(param) and not (getattr(param, "help", None) or "").strip()
    ]
    assert not missing, _report("options without a help text (help=... in the typer.Option)", missing)


def _command_page_section(name: str) -> str:
    """The hand-written text about `salesplan <name>`: the page docs/reference/commands/<first word>.md, up to its
    first '## salesplan <first word> <sub>' section for the group itself, or that section for a sub-command."""
    words = name.split()
    page = COMMAND_PAGES / f"{words[0]}.md"
    if not page.is_file():
        return ""
    text = page.read_text(encoding="utf-8")
    if len(words) > 1:
        return _section(text, f"salesplan {name}")
    lines, is_heading = text.splitlines(), _headings(text.splitlines())
    body = []
    for line, heading in zip(lines, is_heading):
        if heading and line.startswith(f"## salesplan {words[0]} "):
            break
        body.append(line)
    return "\n".join(body)


def _option_table_entries(section: str) -> list[tuple[str, str]]:
    """(option, metavar or '') for each option written in the first cell of a table row: `-w`, `--workspace PATH`."""
    entries = []
    for cell in re.findall(r"^\|([^|\n]*(?:\\\|[^|\n]*)*)\|", section, flags=re.MULTILINE):
        for option, metavar in re.findall(r"`(--?[A-Za-z][\w-]*)(?: ([^`]+))?`", cell):
            entries.append((option, metavar.strip()))
    return entries


def test_option_tables_list_only_real_options():
    """A command page's option table names no option the command does not have (e.g. one that was removed)."""
    stale = []
    for name, command in _commands().items():
        section = _command_page_section(name)
        real = {option for param in getattr(command, "params", []) for option in _param_names(param)} | {"-h", "--help"}
        stale += [f"salesplan {name}: {option}" for option, _ in _option_table_entries(section) if option not in real]
    assert not stale, _report("docs/reference/commands/*.md document options the command does not have", stale)


def test_option_tables_use_the_cli_metavars():
    """Where an option declares a metavar (--rep REP, --as-of DATE) and a command page's table shows a placeholder, it is that one."""
    wrong = []
    for name, command in _commands().items():
        entries = _option_table_entries(_command_page_section(name))
        for param in getattr(command, "params", []):
            metavar = getattr(param, "metavar", None)
            if _is_argument(param) or getattr(param, "hidden", False) or not metavar:
                continue
            shown = {value for option, value in entries if option in _param_names(param) and value}
            if shown and shown != {metavar}:
                wrong.append(f"salesplan {name} {_param_names(param)[0]}: the CLI says {metavar}, the page shows {sorted(shown)}")
    assert not wrong, _report("docs/reference/commands/*.md option tables do not match the CLI's metavars", wrong)


def test_global_options_are_documented(commands_page):
    cli = _cli()
    options = [option for param in getattr(cli, "params", []) for option in _param_names(param)]
    options += list((getattr(cli, "context_settings", None) or {}).get("help_option_names", ["--help"]))
    missing = [option for option in options if not _mentions(commands_page, option)]
    assert not missing, _report("docs/reference/commands.md does not document the global options", missing)


# --- README: the front door ----------------------------------------------------------------------


def test_quick_start_is_make_demo_and_make_test(readme):
    section = _section(readme, "Quick start")
    assert section, "README.md has no '## Quick start' section"
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, flags=re.DOTALL)
    assert blocks, "the Quick start section has no code block"
    commands = [line.strip() for line in blocks[0].splitlines() if line.strip()]
    assert commands == ["make demo", "make test"], f"the Quick start must be exactly 'make demo' and 'make test', found {commands}"
    for target in ("make demo", "make test"):
        assert target in readme, f"README.md does not mention '{target}'"


def test_readme_is_a_front_door(readme):
    lines = readme.count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines: keep it a front door (at most {README_MAX_LINES}); move reference to docs/"
    for heading in ("Quick start", "Your own workspace in 4 steps", "Where to go next"):
        assert _section(readme, heading), f"README.md has no '## {heading}' section"


def _relative_links(text: str) -> list[str]:
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    return [link.split("#")[0] for link in links if not re.match(r"^[a-z]+:", link) and not link.startswith("#")]


def test_readme_links_lead_to_files(readme):
    broken = [link for link in _relative_links(readme) if link and not (ROOT / link).exists()]
    assert not broken, _report("README.md links to files that do not exist", broken)


def test_docs_paths_named_in_the_code_exist():
    """Messages and templates point readers at docs pages by path (docs/reference/plan-files.md): each exists."""
    named = set()
    for path in (ROOT / "src").rglob("*"):
        if path.is_file() and path.suffix in {".py", ".yaml", ".yml", ".md"}:
            named |= set(re.findall(r"docs/[\w/.-]+\.md", path.read_text(encoding="utf-8")))
    missing = sorted(name for name in named if not (ROOT / name).is_file())
    assert not missing, _report("src/ names docs pages that do not exist", missing)


def test_init_template_points_at_the_plan_files_reference():
    # The files `salesplan init` writes point readers to the page describing every key.
    template = _read(ROOT / "src" / "salesplan_cli" / "templates" / "init" / "salesplan.yaml")
    assert "docs/reference/plan-files.md" in template, "the init template's salesplan.yaml does not point at docs/reference/plan-files.md"
    assert _section(_read(PLAN_FILES), "The workspace"), "docs/reference/plan-files.md has no '## The workspace' section"


# --- the site: mkdocs.yml's nav ---------------------------------------------------------------------


def _nav_pages(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, list):
        return [page for item in node for page in _nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in _nav_pages(value)]
    return []


def test_mkdocs_nav_lists_every_page_and_only_pages_that_exist():
    config = yaml.safe_load(_read(MKDOCS))
    assert config.get("docs_dir", "docs") == "docs", "mkdocs.yml: docs_dir must be docs"
    nav = [page for page in _nav_pages(config.get("nav")) if not re.match(r"^[a-z]+://", page)]
    pages = {path.relative_to(DOCS).as_posix() for path in DOCS.rglob("*.md")}
    problems = [f"{page}: in the nav, but docs/{page} does not exist" for page in nav if page not in pages]
    problems += [f"docs/{page}: not in mkdocs.yml's nav" for page in sorted(pages - set(nav))]
    problems += [f"{page}: listed twice in the nav" for page in sorted({page for page in nav if nav.count(page) > 1})]
    assert not problems, _report("mkdocs.yml's nav and docs/ differ", problems)


# --- codes, exit codes, hooks --------------------------------------------------------


def test_every_check_code_is_documented():
    page = _read(CHECK_CODES)
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\|\s*`?(SP\d{3})`?\s*\|\s*(\w+)\s*\|", page, flags=re.MULTILINE)}
    problems = [f"{code}: not mentioned at all" for code in CODES if code not in page]
    problems += [f"{code}: no '| {code} | {entry.severity.value} |' row in the table" for code, entry in CODES.items() if code in page and code not in rows]
    problems += [
        f"{code}: the page says {rows[code]}, diagnostics.CODES says {entry.severity.value}"
        for code, entry in CODES.items()
        if code in rows and rows[code] != entry.severity.value
    ]
    problems += [f"{code}: documented but not in diagnostics.CODES" for code in sorted(set(rows) - set(CODES))]
    assert not problems, _report("docs/reference/check-codes.md does not match diagnostics.CODES", problems)


def test_every_exit_code_is_documented():
    page = _read(EXIT_CODES)
    values = {name: value for name, value in vars(exitcodes).items() if name.isupper() and isinstance(value, int)}
    missing = [f"{value} ({name})" for name, value in values.items() if not re.search(rf"^\|\s*`?{value}`?\s*\|", page, flags=re.MULTILINE)]
    assert not missing, _report("docs/reference/exit-codes.md's table has no row for", missing)


def test_pre_commit_hook_is_declared():
    hooks = yaml.safe_load(_read(ROOT / ".pre-commit-hooks.yaml"))
    by_id = {hook.get("id"): hook for hook in hooks or []}
    assert "salesplan-validate" in by_id, ".pre-commit-hooks.yaml declares no hook 'salesplan-validate'"
    hook = by_id["salesplan-validate"]
    expected = {"entry": "salesplan validate", "language": "python", "pass_filenames": False, "files": r"\.ya?ml$"}
    wrong = [f"{key}: expected {value!r}, found {hook.get(key)!r}" for key, value in expected.items() if hook.get(key) != value]
    assert not wrong, _report("the salesplan-validate hook is misconfigured", wrong)


# --- the plan files -------------------------------------------------------------------------------


def test_every_plan_file_key_is_documented():
    plan_files, data_section = _read(PLAN_FILES), _read(DATA_SECTION)
    missing = []
    for kind, model in FILE_MODELS.items():
        heading = FILE_SECTIONS.get(kind)
        if heading is None:
            missing.append(f"a docs/reference/plan-files.md section for the new file kind '{kind}' (add it to FILE_SECTIONS too)")
            continue
        section = _section(plan_files, heading)
        if not section:
            missing.append(f"section '## {heading}'")
            continue
        documented = _table_keys(section)
        if kind == "salesplan":  # the data: section's keys have their own page
            documented |= _table_keys(data_section)
        missing += [f"{heading}: key '{key}'" for key in sorted(_model_keys(model)) if key not in documented]
    assert not missing, _report("docs/reference/plan-files.md (or data-section.md) has no key-table row for", missing)


# --- metrics ------------------------------------------------------------------------------------


def test_metrics_document_exists():
    assert METRICS.is_file(), "docs/metrics.md does not exist"


def test_every_metric_has_a_heading(metrics):
    headings = {m.group(1).strip() for m in re.finditer(r"^#{2,3} (.+)$", metrics, flags=re.MULTILINE)}
    missing = [heading for heading in METRIC_HEADINGS if heading not in headings]
    assert not missing, _report("docs/metrics.md has no '## ' heading for the metrics", missing)
