"""The `yaml` target: the example's plan files mutated, through `validate_workspace` and its three renderings; a
workspace that still validates goes on through intake and every report."""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
from pathlib import Path

from hypothesis import strategies as st
from salesplan_cli.diagnostics import CODES, Diagnostic, Severity

from .inputs import AS_OF_CHOICES, PERIOD_CHOICES, YAML_FILES, _example_bytes, chance, example_tree, require, sample_exports
from .mutations import TEXT_BYTES, _apply_tree_edit, apply_mutations, dump_tree, mutations, tree_edits
from .oracle import FILTERS, check_intake_and_reports


# --- the yaml target -----------------------------------------------------------------------------------------


@st.composite
def yaml_cases(draw) -> dict:
    mode = draw(st.sampled_from(["bytes", "mutate", "mutate", "tree", "tree", "tree"]))
    files: dict[str, bytes | None] = {}
    if mode == "bytes":
        rel = draw(st.sampled_from([*YAML_FILES, "reps/zz-fuzz.yaml"]))
        files[rel] = draw(TEXT_BYTES)
    elif mode == "mutate":
        for rel in draw(st.lists(st.sampled_from(YAML_FILES), min_size=1, max_size=2, unique=True)):
            files[rel] = apply_mutations(_example_bytes(rel), draw(mutations()))
    else:
        for rel in draw(st.lists(st.sampled_from(YAML_FILES), min_size=1, max_size=2, unique=True)):
            tree = example_tree(rel)
            for edit in draw(tree_edits(rel)):
                tree = _apply_tree_edit(tree, edit)
            files[rel] = dump_tree(tree)
    if chance(draw, 20):
        files[draw(st.sampled_from(YAML_FILES))] = None  # a missing file
    return {"mode": mode, "files": files, "as_of": draw(st.sampled_from(AS_OF_CHOICES)).isoformat(), "period": draw(st.sampled_from(PERIOD_CHOICES)), "filters": draw(FILTERS)}


def write_workspace(root: Path, overlay: dict[str, bytes | None]) -> None:
    (root / "reps").mkdir(parents=True)
    for rel in YAML_FILES:
        (root / rel).write_bytes(_example_bytes(rel))
    (root / "data").mkdir()
    for rel, data in sample_exports().items():
        (root / rel).write_bytes(data)
    for rel, data in overlay.items():
        if data is None:
            (root / rel).unlink(missing_ok=True)
        else:
            (root / rel).write_bytes(data)


def check_yaml(case: dict) -> None:
    from salesplan_cli.plan.validate import validate_workspace

    as_of = dt.date.fromisoformat(case["as_of"])
    with tempfile.TemporaryDirectory(prefix="salesplan-fuzz-") as tmp:
        root = Path(tmp) / "ws"
        write_workspace(root, case["files"])
        result = validate_workspace(root, as_of=as_of)
        check_diagnostics(result, root)
        check_renderings(result)
        if result.errors:
            return
        ws = result.workspace
        require(ws.complete and not result.skipped, f"no errors, yet checks were skipped: {result.skipped}")
        from salesplan_cli.plan.breakdown import BY_CHOICES, plan_breakdown

        for by in BY_CHOICES:
            plan_breakdown(ws, by=by)
        for manager in ws.settings.managers:
            plan_breakdown(ws, by="segment", team=manager)
        check_intake_and_reports(ws, as_of, case["period"], case["filters"])


def check_diagnostics(result, root: Path) -> None:
    rels = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()} | {"reps/", *YAML_FILES}  # missing files are named too
    for d in result.diagnostics:
        require(isinstance(d, Diagnostic), f"not a Diagnostic: {d!r}")
        require(d.code in CODES, f"unregistered code {d.code}")
        require(d.severity is CODES[d.code].severity, f"{d.code} with severity {d.severity}, registered as {CODES[d.code].severity}")
        require(isinstance(d.message, str) and d.message.strip() != "", f"{d.code} without a message")
        require(d.file in rels or d.file.startswith("reps/"), f"{d.code} names a file that is not in the workspace: {d.file!r}")
        source = result.workspace.sources.get(d.file)
        if d.line is not None:
            require(d.line >= 1, f"{d.code} at line {d.line}")
            if source is not None:
                lines = len(source.lines())
                require(d.line <= lines + 1, f"{d.code} at line {d.line} of a {lines}-line file {d.file}")
        if d.col is not None:
            require(d.col >= 1 and d.line is not None, f"{d.code} at column {d.col} (line {d.line})")
    require(result.errors == sum(1 for d in result.diagnostics if d.severity is Severity.ERROR), "error count")
    json.dumps(result.to_dict())


def check_renderings(result) -> None:
    from rich.console import Console

    from salesplan_cli.cli.render_diagnostics import render_github, render_human, render_json

    json.loads(render_json(result))
    render_github(result, "ws")
    console = Console(file=io.StringIO(), width=120, highlight=False, no_color=True, force_terminal=False)
    render_human(result, console, "ws")
