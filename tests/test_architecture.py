"""The shape of the house (docs/architecture.md), checked by reading the code, not running it.

- no module over 600 lines in src/, bench/ or fuzz/;
- no import cycle between the modules of src/salesplan_cli (every `import` and `from` statement counts,
  those inside functions too: a lazy import hides a cycle from Python, not from the next developer);
- the core (config, plan, intake, reports, pam) never imports typer, rich, click or the cli package;
- the model of salesplan.yaml (config/, plan/model.py, plan/load.py) imports no layer above it;
- no CLI command module imports another command's module (shared code lives in cli/common.py,
  cli/exports.py, cli/formats.py, cli/reporting.py and the cli/render_*.py modules).
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
PACKAGE = SRC / "salesplan_cli"
MAX_LINES = 600
CORE = ("config", "plan", "intake", "reports", "pam")
UI_LIBRARIES = ("typer", "rich", "click")

#: Import edges that still close a cycle, each with the work that removes it. The test fails when one of them
#: is gone (then delete it here) or when any other cycle appears.
KNOWN_CYCLE_EDGES: dict[tuple[str, str], str] = {
    # none left: the intake and reports circles were broken by issue 13 work; keep it empty
}


def _name(path: Path) -> str:
    """'intake.load' for src/salesplan_cli/intake/load.py, 'demodata' for demodata/__init__.py."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@cache
def _modules() -> dict[str, Path]:
    return {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imported(path: Path) -> list[tuple[str, int]]:
    """Every module named by an import statement of the file (absolute dotted names), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = ["salesplan_cli", *_name(path).split(".")] if _name(path) else ["salesplan_cli"]
    package = here if path.name == "__init__.py" else here[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            out.append((target, node.lineno))
            out += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]  # `from . import report`
    return out


@cache
def _graph() -> dict[str, dict[str, int]]:
    """Module -> {module of salesplan_cli it imports: line of the first such import}."""
    modules = _modules()
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules.items():
        edges: dict[str, int] = {}
        for target, line in _imported(path):
            if target != "salesplan_cli" and not target.startswith("salesplan_cli."):
                continue
            local = target.removeprefix("salesplan_cli").removeprefix(".")
            if local in modules and local != name:
                edges.setdefault(local, line)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(graph[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _describe(component: list[str], graph: dict[str, dict[str, int]]) -> str:
    edges = [f"  {a}.py:{graph[a][b]} imports {b}" for a in component for b in sorted(graph[a]) if b in component]
    return "import cycle between " + ", ".join(component) + ":\n" + "\n".join(edges)


# --- sizes ------------------------------------------------------------------------------------------------


def test_no_module_over_600_lines():
    too_long = []
    for folder in ("src", "bench", "fuzz"):
        for path in sorted((REPO / folder).rglob("*.py")):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                too_long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert not too_long, f"split these modules by concept (at most {MAX_LINES} lines each):\n" + "\n".join(too_long)


# --- import cycles ----------------------------------------------------------------------------------------


def test_no_import_cycle():
    graph = {name: dict(edges) for name, edges in _graph().items()}
    for (source, target) in KNOWN_CYCLE_EDGES:
        graph[source].pop(target, None)
    cycles = _cycles(graph)
    assert not cycles, "\n\n".join(_describe(c, graph) for c in cycles) + "\n\nmove the shared names to the module that owns them"


def test_the_known_cycles_are_still_there():
    """Each allowed edge must still close a cycle: once the work removes it, delete it from KNOWN_CYCLE_EDGES."""
    graph = _graph()
    for (source, target), what in KNOWN_CYCLE_EDGES.items():
        assert target in graph[source], f"{source} no longer imports {target} ({what}): remove it from KNOWN_CYCLE_EDGES"
        assert any(source in c and target in c for c in _cycles(graph)), f"{source} -> {target} closes no cycle any more ({what}): remove it from KNOWN_CYCLE_EDGES"


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3, "d": 4}, "d": {}, "e": {"e": 5}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b": 1}, "b": {}}) == []


def test_function_level_imports_are_edges():
    graph = _graph()
    assert "intake.frames" in graph["intake.load"]  # `from .frames import build_frames` inside load_exports
    assert "cli.report" in graph["cli.app"]  # `from .report import report_app` inside _register


# --- layers -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("package", CORE)
def test_core_imports_no_user_interface(package):
    wrong = []
    for name, path in _modules().items():
        if name != package and not name.startswith(package + "."):
            continue
        for target, line in _imported(path):
            top = target.split(".")[0]
            if top in UI_LIBRARIES or target == "salesplan_cli.cli" or target.startswith("salesplan_cli.cli."):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    assert not wrong, "the core returns values; the CLI renders them:\n" + "\n".join(sorted(set(wrong)))


def test_the_workspace_model_imports_no_layer_above_it():
    """config/ (the value types, the data:, thresholds: and conversion: models) is the bottom: it imports no other
    package of salesplan_cli; plan/model.py and plan/load.py import none of intake, reports, pam, demodata or cli."""
    graph = _graph()
    wrong = []
    for name, edges in graph.items():
        if name == "config" or name.startswith("config."):
            wrong += [f"{name} imports {t}" for t in edges if not t.startswith("config")]
        if name in ("plan.model", "plan.load"):
            wrong += [f"{name} imports {t}" for t in edges if t.split(".")[0] in ("intake", "reports", "pam", "demodata", "cli")]
    assert not wrong, "\n".join(wrong)


def test_nothing_imports_the_moved_value_types_from_plan():
    """plan/values.py only re-exports config/values.py for branches written before the move."""
    wrong = [f"{name} imports plan.values" for name, edges in _graph().items() if "plan.values" in edges]
    for folder in ("tests", "bench", "fuzz"):
        for path in sorted((REPO / folder).rglob("*.py")):
            if "salesplan_cli.plan.values" in path.read_text(encoding="utf-8") and path != Path(__file__):
                wrong.append(f"{path.relative_to(REPO)} imports salesplan_cli.plan.values")
    assert not wrong, "import from config.values:\n" + "\n".join(wrong)


def test_no_cli_command_module_imports_another():
    """The command modules are those cli/app.py registers; what they share lives in modules of its own."""
    graph = _graph()
    commands = {t for t in graph["cli.app"] if t.startswith("cli.")}
    assert {"cli.report", "cli.review", "cli.pam", "cli.validate"} <= commands
    wrong = [f"{a} imports {b}" for a in sorted(commands) for b in sorted(graph[a]) if b in commands]
    assert not wrong, "move what two commands share to a shared cli module (common, formats, reporting, render_*):\n" + "\n".join(wrong)


# --- light commands -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["report", "--help"],
        ["validate", "-w", "examples/nordwind", "--as-of", "2027-10-15"],
        ["plan", "-w", "examples/nordwind"],
        ["plan", "-w", "examples/nordwind", "--format", "json"],
        ["schema", "--help"],
        ["init", "--help"],
    ],
)
def test_commands_that_read_no_data_import_no_numeric_library(args):
    """`--help`, validate, plan, init and schema answer at once: pandas, pyarrow and numpy are imported inside the
    functions that read exports, never at a module's top on the way to these commands."""
    import subprocess
    import sys

    code = (
        "import contextlib, io, sys\n"
        "from salesplan_cli.cli.app import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        "    code = main(sys.argv[1:])\n"
        "print(code, ','.join(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, cwd=REPO)
    exit_code, heavy = done.stdout.split(" ", 1)
    assert exit_code == "0", done.stdout + done.stderr
    assert heavy.strip() == "", f"salesplan {' '.join(args)} imported {heavy.strip()}"
