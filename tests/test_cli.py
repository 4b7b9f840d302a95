"""The `salesplan` command line, driven through `salesplan_cli.cli.app.main(argv)`.

`main` returns the exit code instead of exiting; output is read with capsys.
Helpers are local to this file on purpose (tests/conftest.py belongs to another suite).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
import tempfile
import types
from decimal import Decimal
from pathlib import Path

import pytest

from salesplan_cli import __version__
from salesplan_cli.cli import app as app_module
from salesplan_cli.cli.app import main
from salesplan_cli.plan.validate import validate_workspace
from salesplan_cli.plan.yamlsource import parse_yaml

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "nordwind"
AS_OF = "2026-12-20"  # before the example's fiscal year (2027): no review is due yet
AS_OF_DATE = dt.date.fromisoformat(AS_OF)

HEADLINE = re.compile(r"^[^:]+:\d+:\d+: (error|warning) SP\d{3}: ")
NOTICE_LINE = re.compile(r"^::notice title=(?P<title>[^,:]*)::(?P<data>[^\r\n]*)$")
GITHUB_LINE = re.compile(
    r"^::(?P<severity>error|warning) file=(?P<file>[^,]*)(?:,line=(?P<line>\d+)(?:,col=(?P<col>\d+))?)?,title=(?P<title>SP\d{3})::(?P<data>.*)$"
)


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch):
    """Runs the same on a laptop and inside GitHub Actions."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")


def run(capsys, *args) -> tuple[int, str, str]:
    capsys.readouterr()  # drop anything printed before
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert 'File "' not in text


def copy_example(tmp_path: Path, name: str = "ws") -> Path:
    target = tmp_path / name
    shutil.copytree(EXAMPLE, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def warnings_only_workspace(tmp_path: Path) -> Path:
    """The example with one plan not signed off: a single SP801 warning."""
    ws = copy_example(tmp_path, "warn")
    edit(ws / "reps" / "rep-n1.yaml", "agreed: {rep: 2026-12-08, manager: 2026-12-10}\n", "")
    return ws


def broken_workspace(tmp_path: Path, weird_name: str = "we,ird") -> Path:
    """The example with errors a plan can have: an under-assigned segment, an unknown manager,
    a plan not signed off, in a rep file whose name needs escaping in annotations."""
    ws = copy_example(tmp_path, "broken")
    edit(ws / "reps" / "rep-n1.yaml", "targets: {A: 350_000,", "targets: {A: 300_000,")
    (ws / "reps" / f"{weird_name}.yaml").write_text(
        f'id: "{weird_name}"\nname: Weird Name\nmanager: mgr-nobody\ntargets: {{A: 20_000}}\n', encoding="utf-8"
    )
    return ws


def expected_result(root: Path) -> dict:
    return validate_workspace(root.resolve(), as_of=AS_OF_DATE).to_dict()


# --- help, version, usage errors -------------------------------------------------------------

COMMANDS = ["validate", "plan", "init", "schema"]


def test_help_lists_every_command(capsys):
    code, out, err = run(capsys, "--help")
    assert code == 0
    assert "Usage:" in out
    for command in COMMANDS:
        assert command in out


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_help_exits_0(capsys, command):
    code, out, err = run(capsys, command, "--help")
    assert code == 0
    assert f"salesplan {command}" in out
    assert "--help" in out


def test_short_help_option(capsys):
    code, out, _ = run(capsys, "validate", "-h")
    assert code == 0
    assert "--strict" in out


def test_version(capsys):
    code, out, err = run(capsys, "--version")
    assert code == 0
    assert out.strip() == f"salesplan {__version__}"


def test_no_arguments_shows_help_and_is_a_usage_error(capsys):
    code, out, err = run(capsys)
    assert code == 2
    assert "Usage:" in out + err


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "--bogus", "--workspace", EXAMPLE],
        ["bogus-command"],
        ["validate", "--format", "xml", "--workspace", EXAMPLE],
        ["validate", "--workspace"],
        ["plan", "--by", "week", "--workspace", EXAMPLE],
        ["plan", "--format", "pdf", "--workspace", EXAMPLE],
        ["init", "a", "b"],
    ],
)
def test_usage_errors_exit_2(capsys, argv):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert "Error" in err or "error" in err
    no_traceback(out, err)


@pytest.mark.parametrize("value", ["2026-13-45", "tomorrow", "27-01-01", ""])
def test_invalid_as_of_exits_2(capsys, value):
    code, out, err = run(capsys, "validate", "--workspace", EXAMPLE, "--as-of", value)
    assert code == 2
    assert f"'{value}'" in err
    assert "YYYY-MM-DD" in err
    no_traceback(out, err)


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_no_workspace_found_exits_2(capsys, tmp_path, monkeypatch, command):
    empty = tmp_path / "empty" / "deeper"
    empty.mkdir(parents=True)
    monkeypatch.chdir(empty)
    code, out, err = run(capsys, command)
    assert code == 2
    assert "salesplan.yaml" in err
    assert "hint:" in err
    no_traceback(out, err)


@pytest.mark.parametrize("command", ["validate", "plan"])
def test_workspace_option_to_missing_folder_exits_2(capsys, tmp_path, command):
    missing = tmp_path / "no-such-folder"
    code, out, err = run(capsys, command, "--workspace", missing)
    assert code == 2
    assert "no-such-folder" in err
    no_traceback(out, err)


def test_workspace_option_to_folder_without_salesplan_yaml_exits_2(capsys, tmp_path):
    code, out, err = run(capsys, "validate", "-w", tmp_path)
    assert code == 2
    assert "salesplan.yaml" in err


def test_workspace_is_found_from_a_subfolder(capsys, tmp_path, monkeypatch):
    ws = copy_example(tmp_path)
    monkeypatch.chdir(ws / "reps")
    code, out, err = run(capsys, "validate", "--as-of", AS_OF)
    assert code == 0, out + err
    assert "no findings" in out


# --- internal errors --------------------------------------------------------------------------


def _patch_validate(monkeypatch, replacement) -> None:
    """Replace the core validate function, whether the command imports it eagerly or lazily."""
    import salesplan_cli.cli.plan
    import salesplan_cli.cli.validate
    import salesplan_cli.plan.validate

    monkeypatch.setattr(salesplan_cli.plan.validate, "validate_workspace", replacement)
    for module in (salesplan_cli.cli.validate, salesplan_cli.cli.plan):
        if hasattr(module, "validate_workspace"):
            monkeypatch.setattr(module, "validate_workspace", replacement)


def _crash_file(err: str) -> Path:
    match = re.search(r"(\S*salesplan-crash-\S*?\.txt)", err)
    assert match, err
    return Path(match.group(1))


@pytest.mark.parametrize("module", ["validate", "plan"])
def test_internal_error_exits_3_with_a_short_message_and_a_saved_report(capsys, tmp_path, monkeypatch, module):
    def boom(*args, **kwargs):
        raise RuntimeError("boom from the test")

    _patch_validate(monkeypatch, boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, err = run(capsys, module, "--workspace", EXAMPLE)
    assert code == 3
    no_traceback(out, err)
    assert "internal error" in err
    assert "boom from the test" in err
    assert len(err.strip().splitlines()) <= 3
    report = _crash_file(err)
    assert report.is_file()
    assert report.parent == tmp_path
    details = report.read_text(encoding="utf-8")
    assert "Traceback" in details
    assert "RuntimeError: boom from the test" in details
    assert __version__ in details


def test_crash_report_records_the_arguments_given_to_main(capsys, tmp_path, monkeypatch):
    """The report is for reproducing the bug: it must show the command that crashed,
    also when main() is called with an explicit argv (not only sys.argv)."""

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    _patch_validate(monkeypatch, boom)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr("sys.argv", ["pytest-runner"])
    code, out, err = run(capsys, "validate", "--workspace", EXAMPLE, "--as-of", AS_OF)
    assert code == 3
    details = _crash_file(err).read_text(encoding="utf-8")
    assert "--as-of" in details and AS_OF in details


def test_keyboard_interrupt_exits_130(capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    _patch_validate(monkeypatch, interrupted)
    code, out, err = run(capsys, "validate", "--workspace", EXAMPLE)
    assert code == 130
    no_traceback(out, err)


# --- validate ---------------------------------------------------------------------------------


def test_validate_example_exits_0(capsys):
    code, out, err = run(capsys, "validate", "--workspace", EXAMPLE, "--as-of", AS_OF)
    assert code == 0, out + err
    assert "no findings" in out
    assert "14 files checked" in out


def test_validate_example_strict_still_exits_0(capsys):
    code, out, err = run(capsys, "validate", "--workspace", EXAMPLE, "--as-of", AS_OF, "--strict")
    assert code == 0, out + err


def test_strict_turns_warnings_into_exit_1(capsys, tmp_path):
    ws = warnings_only_workspace(tmp_path)
    result = expected_result(ws)
    assert [d["code"] for d in result["diagnostics"]] == ["SP801"]
    assert result["diagnostics"][0]["severity"] == "warning"

    code, out, err = run(capsys, "validate", "--workspace", ws, "--as-of", AS_OF)
    assert code == 0, out + err
    assert "warning SP801" in out
    code, out, err = run(capsys, "validate", "--workspace", ws, "--as-of", AS_OF, "--strict")
    assert code == 1, out + err
    assert "warning SP801" in out


def test_errors_exit_1_with_or_without_strict(capsys, tmp_path):
    ws = broken_workspace(tmp_path)
    for extra in ([], ["--strict"]):
        code, out, err = run(capsys, "validate", "--workspace", ws, "--as-of", AS_OF, *extra)
        assert code == 1


@pytest.mark.parametrize("make", [lambda tmp: EXAMPLE, warnings_only_workspace, broken_workspace])
def test_json_output_equals_validate_workspace_to_dict(capsys, tmp_path, make):
    ws = make(tmp_path)
    code, out, err = run(capsys, "validate", "--workspace", ws, "--as-of", AS_OF, "--format", "json")
    payload = json.loads(out)
    expected = expected_result(ws)
    assert payload == expected
    assert code == (1 if expected["summary"]["errors"] else 0)


def test_json_output_of_broken_workspace_has_the_expected_findings(capsys, tmp_path):
    ws = broken_workspace(tmp_path)
    code, out, err = run(capsys, "validate", "-w", ws, "--as-of", AS_OF, "-f", "json")
    payload = json.loads(out)
    found = {(d["code"], d["file"], d["path"]) for d in payload["diagnostics"]}
    assert ("SP403", "strategy.yaml", "segments.A") in found
    assert ("SP403", "strategy.yaml", "revenue_target") in found
    assert ("SP305", "reps/we,ird.yaml", "manager") in found
    assert ("SP801", "reps/we,ird.yaml", "id") in found
    sp403 = next(d for d in payload["diagnostics"] if d["path"] == "segments.A")
    assert "30,000 EUR is not assigned" in sp403["message"]
    strategy_lines = (ws / "strategy.yaml").read_text(encoding="utf-8").splitlines()
    assert strategy_lines[sp403["line"] - 1].strip().startswith("A:")
    assert ("SP403", "strategy.yaml", "products.platform") in found
    assert payload["summary"]["errors"] == 5
    assert payload["summary"]["warnings"] == 1
    assert payload["summary"]["files"] == 15


def _annotations(out: str) -> list[str]:
    """The finding annotations (errors and warnings); notices (skipped checks) must be well-formed too."""
    lines = [line for line in out.splitlines() if line.startswith("::")]
    for line in lines:
        assert GITHUB_LINE.match(line) or NOTICE_LINE.match(line), line
    return [line for line in lines if line.startswith(("::error ", "::warning "))]


def _unescape_data(text: str) -> str:
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def _unescape_property(text: str) -> str:
    return _unescape_data(text.replace("%3A", ":").replace("%2C", ","))


def test_github_format_lines_and_escaping(capsys, tmp_path, monkeypatch):
    ws = broken_workspace(tmp_path, weird_name="we,ird:na%me")
    monkeypatch.chdir(ws)  # files are shown relative to the current folder
    code, out, err = run(capsys, "validate", "--format", "github", "--as-of", AS_OF)
    assert code == 1
    expected = validate_workspace(ws.resolve(), as_of=AS_OF_DATE).diagnostics
    annotations = _annotations(out)
    assert len(annotations) == len(expected) >= 4
    for line, d in zip(annotations, expected):
        match = GITHUB_LINE.match(line)
        assert match, line
        assert "\n" not in match["data"] and "\r" not in match["data"]
        # properties: ',' and ':' escaped, so the file name splits back exactly
        assert _unescape_property(match["file"]) == d.file
        assert match["severity"] == d.severity.value
        assert match["title"] == d.code
        assert int(match["line"]) == d.line and int(match["col"]) == d.col
        body = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        assert _unescape_data(match["data"]) == body
        # a literal '%' never appears unescaped
        assert re.search(r"%(?!25|0A|0D|3A|2C)", match["data"]) is None
    weird = [line for line in annotations if "we%2Cird%3Ana%25me.yaml" in line]
    assert weird, "a file name with ',', ':' and '%' is escaped in the file property"
    sp403 = [line for line in annotations if "title=SP403" in line]
    assert sp403 and all("%25" in line and "%0Ahint: " in line for line in sp403)
    assert re.match(r"^salesplan: 5 errors, 1 warnings? \(15 files? checked\)$", out.splitlines()[-1]), out.splitlines()[-1]


def test_github_format_escapes_newlines_in_messages(capsys, tmp_path, monkeypatch):
    """A message quoting file content with a line break stays on one annotation line."""
    ws = copy_example(tmp_path)
    # an unknown segment whose name holds a line break and a percent sign (quoted YAML key)
    edit(ws / "reps" / "rep-n1.yaml", "targets: {A: 350_000,", 'targets: {"X\\n50%": 0, A: 350_000,')
    monkeypatch.chdir(ws)
    code, out, err = run(capsys, "validate", "-f", "github", "--as-of", AS_OF)
    assert code == 1
    annotations = _annotations(out)
    assert annotations
    assert any("X%0A50%25" in line for line in annotations)


def test_format_auto_is_github_under_github_actions(capsys, tmp_path, monkeypatch):
    ws = broken_workspace(tmp_path)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code, out, err = run(capsys, "validate", "-w", ws, "--as-of", AS_OF)
    assert code == 1
    assert out.startswith("::")
    assert _annotations(out)
    code2, out2, _ = run(capsys, "validate", "-w", ws, "--as-of", AS_OF, "--format", "auto")
    assert out2 == out


@pytest.mark.parametrize("value", [None, "false", ""])
def test_format_auto_is_human_elsewhere(capsys, tmp_path, monkeypatch, value):
    ws = broken_workspace(tmp_path)
    if value is not None:
        monkeypatch.setenv("GITHUB_ACTIONS", value)
    code, out, err = run(capsys, "validate", "-w", ws, "--as-of", AS_OF)
    assert code == 1
    assert not out.startswith("::")
    assert HEADLINE.match(out.splitlines()[0]), out


def test_human_output_shows_headline_source_caret_and_hint(capsys, tmp_path):
    ws = broken_workspace(tmp_path)
    code, out, err = run(capsys, "validate", "--workspace", ws, "--as-of", AS_OF, "--format", "human")
    assert code == 1
    expected = validate_workspace(ws.resolve(), as_of=AS_OF_DATE).diagnostics
    lines = out.splitlines()
    heads = [i for i, line in enumerate(lines) if HEADLINE.match(line)]
    assert len(heads) == len(expected)
    for i, d in zip(heads, expected):
        head = lines[i]
        assert head.endswith(f"{d.severity.value} {d.code}: {d.message}")
        assert f"{d.file}:{d.line}:{d.col}: " in head
        source_file = ws / d.file
        source = re.match(r"^\s*(\d+) \| (.*)$", lines[i + 1])
        assert source, lines[i + 1]
        assert int(source.group(1)) == d.line
        assert source.group(2) == source_file.read_text(encoding="utf-8").splitlines()[d.line - 1]
        caret = lines[i + 2]
        assert caret.rstrip().endswith("^") and caret.count("^") == 1
        bar = lines[i + 1].index("| ") + 2
        assert caret.index("^") == bar + d.col - 1
        assert lines[i + 3] == f"  hint: {d.hint}"
    assert "5 errors, 1 warning in 2 files (15 files checked)" in out


def test_validate_does_not_crash_on_old_mac_line_endings(capsys, tmp_path, monkeypatch):
    """A plan saved with CR-only line endings and 350,000 in a flow mapping: findings, not an internal error."""
    ws = copy_example(tmp_path)
    rep = ws / "reps" / "rep-n1.yaml"
    text = rep.read_text(encoding="utf-8").replace("targets: {A: 350_000,", "targets: {A: 350,000,")
    rep.write_bytes(text.replace("\n", "\r").encode("utf-8"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, out, err = run(capsys, "validate", "-w", ws, "--as-of", AS_OF, "-f", "json")
    assert code == 1, err
    no_traceback(out, err)
    found = [d for d in json.loads(out)["diagnostics"] if d["file"] == "reps/rep-n1.yaml"]
    assert [(d["code"], d["line"], d["col"]) for d in found][:1] == [("SP204", 7, 14)]


def test_human_output_strips_terminal_escapes_from_file_content(capsys, tmp_path):
    ws = copy_example(tmp_path)
    edit(ws / "reps" / "rep-n1.yaml", "targets: {A: 350_000,", 'targets: {"\\e[31mEVIL": 0, A: 350_000,')
    code, out, err = run(capsys, "validate", "-w", ws, "--as-of", AS_OF, "-f", "human")
    assert code == 1
    assert "\x1b" not in out
    assert "EVIL" in out


# --- init ---------------------------------------------------------------------------------------


def test_init_into_empty_folder_then_validate_is_clean(capsys, tmp_path):
    target = tmp_path / "new-ws"
    code, out, err = run(capsys, "init", target)
    assert code == 0, out + err
    written = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert written == ["reps/rep-1.yaml", "reps/rep-2.yaml", "salesplan.yaml", "segments.yaml", "strategy.yaml"]
    code, out, err = run(capsys, "validate", "--workspace", target, "--format", "json")
    payload = json.loads(out)
    assert code == 0
    assert payload["diagnostics"] == []
    assert payload["summary"]["errors"] == 0 and payload["summary"]["warnings"] == 0


def _freeze_today(monkeypatch, today: dt.date) -> None:
    class FrozenDate(dt.date):
        @classmethod
        def today(cls):
            return cls(today.year, today.month, today.day)

    fake = types.SimpleNamespace(date=FrozenDate, timedelta=dt.timedelta, datetime=dt.datetime)
    monkeypatch.setattr("salesplan_cli.cli.init.dt", fake)
    monkeypatch.setattr("salesplan_cli.cli.common.dt", fake)


@pytest.mark.parametrize("today", ["2026-01-15", "2026-03-31", "2026-05-20", "2026-07-01", "2026-09-30", "2026-10-01", "2026-12-31"])
def test_init_then_validate_is_clean_whatever_the_day(capsys, tmp_path, monkeypatch, today):
    """A freshly written workspace passes validate with no finding on any day of the year."""
    _freeze_today(monkeypatch, dt.date.fromisoformat(today))
    target = tmp_path / "ws"
    assert run(capsys, "init", target)[0] == 0
    code, out, err = run(capsys, "validate", "-w", target, "-f", "json")
    payload = json.loads(out)
    assert code == 0
    assert payload["diagnostics"] == [], [(d["code"], d["message"]) for d in payload["diagnostics"]]


def test_init_into_current_folder_by_default(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, "init")
    assert code == 0
    assert (tmp_path / "salesplan.yaml").is_file()


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_init_refuses_to_overwrite_a_workspace(capsys, tmp_path):
    ws = copy_example(tmp_path)
    before = _snapshot(ws)
    code, out, err = run(capsys, "init", ws)
    assert code == 2
    assert "already exists" in err
    no_traceback(out, err)
    assert _snapshot(ws) == before


def test_init_refuses_when_some_template_file_exists(capsys, tmp_path):
    folder = tmp_path / "partial"
    (folder / "reps").mkdir(parents=True)
    (folder / "strategy.yaml").write_text("# mine\n", encoding="utf-8")
    (folder / "reps" / "rep-2.yaml").write_text("# mine too\n", encoding="utf-8")
    before = _snapshot(folder)
    code, out, err = run(capsys, "init", folder)
    assert code == 2
    assert "strategy.yaml" in err and "rep-2.yaml" in err
    assert _snapshot(folder) == before  # nothing written, not even the files that did not clash


def test_init_into_a_file_is_a_usage_error(capsys, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "init", target)
    assert code == 2
    assert target.read_text(encoding="utf-8") == "x"


# --- schema ---------------------------------------------------------------------------------------

SCHEMA_NAMES = ["rep.schema.json", "salesplan.schema.json", "segments.schema.json", "strategy.schema.json"]


def test_schema_out_writes_four_valid_schema_files(capsys, tmp_path):
    out_dir = tmp_path / "schemas"
    code, out, err = run(capsys, "schema", "--out", out_dir)
    assert code == 0, err
    assert sorted(p.name for p in out_dir.iterdir()) == SCHEMA_NAMES
    for name in SCHEMA_NAMES:
        schema = json.loads((out_dir / name).read_text(encoding="utf-8"))
        assert schema["$schema"].startswith("https://json-schema.org/")
        assert "properties" in json.dumps(schema)
        assert schema.get("properties") or schema["$defs"]["Segment"]["properties"]
        assert str(out_dir / name) in out


def test_schema_without_out_prints_the_same_schemas(capsys, tmp_path):
    out_dir = tmp_path / "s"
    run(capsys, "schema", "--out", out_dir)
    code, out, err = run(capsys, "schema")
    assert code == 0
    printed = json.loads(out)
    assert sorted(printed) == SCHEMA_NAMES
    for name in SCHEMA_NAMES:
        assert printed[name] == json.loads((out_dir / name).read_text(encoding="utf-8"))


def test_schema_out_onto_a_file_is_a_usage_error(capsys, tmp_path):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "schema", "--out", target)
    assert code == 2
    assert target.read_text(encoding="utf-8") == "x"


def _plain(value):
    """YAML values as a JSON document would hold them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def schema_errors(root: dict, node: dict, value, where: str = "") -> list[str]:
    """A small JSON Schema checker for the keywords pydantic emits (jsonschema is not a dependency)."""
    while "$ref" in node:
        node = root["$defs"][node["$ref"].split("/")[-1]]
    errors: list[str] = []
    if "anyOf" in node:
        if all(schema_errors(root, option, value, where) for option in node["anyOf"]):
            errors.append(f"{where}: {value!r} matches none of anyOf")
    if "type" in node:
        types_ = node["type"] if isinstance(node["type"], list) else [node["type"]]
        if not any(_TYPES[t](value) for t in types_):
            return errors + [f"{where}: {value!r} is not of type {types_}"]
    if "enum" in node and value not in node["enum"]:
        errors.append(f"{where}: {value!r} not in {node['enum']}")
    if isinstance(value, str):
        if "pattern" in node and not re.search(node["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {node['pattern']}")
        if len(value) < node.get("minLength", 0) or len(value) > node.get("maxLength", 10**9):
            errors.append(f"{where}: {value!r} length out of range")
    if _TYPES["number"](value) and "minimum" in node and value < node["minimum"]:
        errors.append(f"{where}: {value} < {node['minimum']}")
    if isinstance(value, list):
        if len(value) < node.get("minItems", 0):
            errors.append(f"{where}: fewer than {node['minItems']} items")
        if "items" in node:
            for i, item in enumerate(value):
                errors += schema_errors(root, node["items"], item, f"{where}[{i}]")
    if isinstance(value, dict):
        if len(value) < node.get("minProperties", 0):
            errors.append(f"{where}: fewer than {node['minProperties']} keys")
        for key in node.get("required", []):
            if key not in value:
                errors.append(f"{where}: missing required {key!r}")
        properties = node.get("properties", {})
        extra = node.get("additionalProperties", True)
        for key, item in value.items():
            if "propertyNames" in node:
                errors += schema_errors(root, node["propertyNames"], key, f"{where}.{key}(name)")
            if key in properties:
                errors += schema_errors(root, properties[key], item, f"{where}.{key}")
            elif extra is False:
                errors.append(f"{where}: unknown key {key!r}")
            elif isinstance(extra, dict):
                errors += schema_errors(root, extra, item, f"{where}.{key}")
    return errors


def test_schema_checker_can_fail():
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a", "b"], "additionalProperties": False}
    assert schema_errors(schema, schema, {"a": 1, "b": 2}) == [": unknown key 'b'"]
    assert len(schema_errors(schema, schema, {"a": "x", "c": 1})) == 3


def test_schemas_accept_the_example_files(capsys, tmp_path):
    out_dir = tmp_path / "schemas"
    assert run(capsys, "schema", "--out", out_dir)[0] == 0
    schemas = {name: json.loads((out_dir / name).read_text(encoding="utf-8")) for name in SCHEMA_NAMES}
    files = {
        "salesplan.schema.json": [EXAMPLE / "salesplan.yaml"],
        "strategy.schema.json": [EXAMPLE / "strategy.yaml"],
        "segments.schema.json": [EXAMPLE / "segments.yaml"],
        "rep.schema.json": sorted((EXAMPLE / "reps").glob("*.yaml")),
    }
    for name, paths in files.items():
        schema = schemas[name]
        for path in paths:
            doc, diags = parse_yaml(path.read_text(encoding="utf-8"), path.name)
            assert diags == []
            data = _plain(doc.data)
            for key in schema.get("required", []):
                assert key in data, f"{path.name} lacks required {key}"
            assert schema_errors(schema, schema, data) == [], path


def test_schemas_reject_a_broken_file(capsys, tmp_path):
    out_dir = tmp_path / "schemas"
    run(capsys, "schema", "--out", out_dir)
    schema = json.loads((out_dir / "rep.schema.json").read_text(encoding="utf-8"))
    doc, _ = parse_yaml((EXAMPLE / "reps" / "rep-e3.yaml").read_text(encoding="utf-8"), "rep-e3.yaml")
    data = _plain(doc.data)
    data["colour"] = "blue"
    data["targets"] = {"B": "lots"}
    del data["manager"]
    errors = schema_errors(schema, schema, data)
    assert any("colour" in e for e in errors)
    assert any("manager" in e for e in errors)
    assert any(".targets.B" in e for e in errors)


def test_schemas_accept_every_spelling_salesplan_accepts(capsys, tmp_path):
    """An editor must not flag what validate accepts: a single review date, an underscored amount."""
    ws = copy_example(tmp_path)
    edit(ws / "reps" / "rep-n1.yaml", "reviewed: [2027-01-05, 2027-04-06, 2027-07-06, 2027-10-05]", "reviewed: 2027-01-05")
    result = validate_workspace(ws, as_of=AS_OF_DATE)
    assert result.errors == 0, [d.headline() for d in result.diagnostics]
    out_dir = tmp_path / "schemas"
    run(capsys, "schema", "--out", out_dir)
    schema = json.loads((out_dir / "rep.schema.json").read_text(encoding="utf-8"))
    doc, _ = parse_yaml((ws / "reps" / "rep-n1.yaml").read_text(encoding="utf-8"), "rep-n1.yaml")
    data = _plain(doc.data)
    assert data["reviewed"] == "2027-01-05"
    assert schema_errors(schema, schema, data) == []


# --- plan -----------------------------------------------------------------------------------------


def plan_json(capsys, *args) -> dict:
    code, out, err = run(capsys, "plan", "--workspace", EXAMPLE, "--format", "json", *args)
    assert code == 0, out + err
    return json.loads(out)


def rows_by_kind(payload: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in payload["rows"]:
        out.setdefault(row["row"], []).append(row)
    return out


@pytest.mark.parametrize(
    "by, columns, strategy",
    [
        ("segment", ["A", "B", "C"], {"A": 4_200_000, "B": 3_000_000, "C": 4_800_000}),
        ("product", ["platform", "services"], {"platform": 7_200_000, "services": 4_800_000}),
    ],
)
def test_plan_json_totals_match_the_strategy(capsys, by, columns, strategy):
    payload = plan_json(capsys, "--by", by)
    assert payload["columns"] == ["row", "rep", "name", "manager", "prorated", *columns, "total"]
    assert payload["currency"] == "EUR"
    kinds = rows_by_kind(payload)
    assert [row["row"] for row in payload["rows"]][-3:] == ["total", "strategy", "gap"]
    assert len(kinds["rep"]) == 11
    (total,), (strat,), (gap,) = kinds["total"], kinds["strategy"], kinds["gap"]
    for c in [*columns, "total"]:
        assert total[c] == strat[c]
        assert gap[c] == 0
        assert sum(row[c] for row in kinds["rep"]) == pytest.approx(total[c], abs=0.01)
    for c, amount in strategy.items():
        assert strat[c] == amount
    assert strat["total"] == 12_000_000


def test_plan_by_segment_rep_rows(capsys):
    kinds = rows_by_kind(plan_json(capsys, "--by", "segment"))
    reps = {row["rep"]: row for row in kinds["rep"]}
    assert reps["rep-e3"]["B"] == 1_537_500  # 51.25% of 3,000,000
    assert reps["rep-s3"]["prorated"] == 0.85
    assert reps["rep-s3"]["A"] == 297_500  # 350,000 x 85% (hired in April)
    assert reps["rep-n1"]["manager"] == "mgr-north"


def test_plan_products_follow_each_reps_split(capsys):
    kinds = rows_by_kind(plan_json(capsys, "--by", "product"))
    reps = {row["rep"]: row for row in kinds["rep"]}
    assert reps["rep-e1"]["platform"] == 770_000  # 70% of 1,100,000
    assert reps["rep-e2"]["services"] == 531_000  # written as an amount


def test_plan_mid_year_hire_has_nothing_in_q1(capsys):
    payload = plan_json(capsys, "--rep", "rep-s3", "--by", "quarter")
    kinds = rows_by_kind(payload)
    (rep,) = kinds["rep"]
    assert rep["rep"] == "rep-s3"
    assert rep["Q1"] == 0
    assert (rep["Q2"], rep["Q3"], rep["Q4"]) == (150_000, 200_000, 500_000)
    assert rep["total"] == 850_000
    assert "strategy" not in kinds and "gap" not in kinds
    assert kinds["total"][0]["total"] == 850_000


def test_plan_by_month_has_twelve_fiscal_months(capsys):
    payload = plan_json(capsys, "--by", "month")
    months = payload["columns"][5:-1]
    assert months == [f"2027-{m:02d}" for m in range(1, 13)]
    kinds = rows_by_kind(payload)
    assert kinds["total"][0]["total"] == kinds["strategy"][0]["total"] == 12_000_000
    rep_s3 = next(row for row in kinds["rep"] if row["rep"] == "rep-s3")
    assert rep_s3["2027-01"] == rep_s3["2027-02"] == rep_s3["2027-03"] == 0
    assert rep_s3["2027-04"] == 50_000


def test_plan_team_filter(capsys):
    kinds = rows_by_kind(plan_json(capsys, "--team", "mgr-north"))
    assert sorted(row["rep"] for row in kinds["rep"]) == ["rep-n1", "rep-n2", "rep-n3"]
    assert kinds["total"][0]["total"] == 3_000_000


def test_plan_csv_parses(capsys):
    code, out, err = run(capsys, "plan", "-w", EXAMPLE, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0].keys()) == ["row", "rep", "name", "manager", "prorated", "A", "B", "C", "total"]
    assert [r["row"] for r in rows] == ["rep"] * 11 + ["total", "strategy", "gap"]
    for r in rows:
        for c in ("A", "B", "C", "total"):
            float(r[c])
    assert float(rows[-3]["total"]) == float(rows[-2]["total"]) == 12_000_000
    assert rows[-3]["prorated"] == ""


def test_plan_markdown_and_table(capsys):
    code, out, err = run(capsys, "plan", "-w", EXAMPLE, "--format", "markdown")
    assert code == 0
    assert out.startswith("### Plan 2027-01 to 2027-12 by segment (EUR)")
    assert "| total |" in out.replace("|---", "")
    code, out, err = run(capsys, "plan", "-w", EXAMPLE)
    assert code == 0
    assert "12,000,000" in out


def test_plan_on_a_workspace_with_errors_exits_1(capsys, tmp_path):
    ws = broken_workspace(tmp_path)
    code, out, err = run(capsys, "plan", "--workspace", ws, "--format", "json")
    assert code == 1
    assert out == ""  # no half-true table on stdout
    assert "SP403" in err and "fix them first" in err
    no_traceback(out, err)


def test_plan_with_warnings_only_still_works(capsys, tmp_path):
    ws = warnings_only_workspace(tmp_path)
    code, out, err = run(capsys, "plan", "--workspace", ws, "--format", "json")
    assert code == 0
    assert json.loads(out)["rows"][-1]["row"] == "gap"


@pytest.mark.parametrize("option, value", [("--rep", "nobody"), ("--team", "nobody")])
def test_plan_unknown_rep_or_team_exits_2(capsys, option, value):
    code, out, err = run(capsys, "plan", "-w", EXAMPLE, option, value)
    assert code == 2
    assert "nobody" in err
    assert out == ""
    no_traceback(out, err)


def test_the_docs_show_the_not_checked_line_validate_prints(capsys, tmp_path):
    # the validate page's example of a skipped stage (segment shares at 105%) is what validate prints, word for word
    import re as _re
    import shutil as _shutil

    from conftest import EXAMPLE

    root = tmp_path / "ws"
    _shutil.copytree(EXAMPLE, root)
    strategy = root / "strategy.yaml"
    strategy.write_text(strategy.read_text(encoding="utf-8").replace("  C: 40%", "  C: 45%"), encoding="utf-8")
    main(["validate", "-w", str(root), "--as-of", "2027-10-15", "--format", "json"])
    skipped = json.loads(capsys.readouterr().out)["summary"]["skipped"]
    page = (EXAMPLE.parents[1] / "docs" / "reference" / "commands" / "validate.md").read_text(encoding="utf-8")
    shown = _re.findall(r"^not checked: (.*)$", page, flags=_re.M)
    assert skipped and skipped[0] in shown
