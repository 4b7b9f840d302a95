"""`salesplan demo-data`: write realistic CRM exports for the workspace's `data:` section."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .. import exitcodes
from .common import AsOfOption, WorkspaceOption, as_of_date, display_path, display_root, fail_usage, resolve_workspace, use_color


def demo_data(
    workspace: WorkspaceOption = None,
    as_of: AsOfOption = None,
    seed: Annotated[int, typer.Option("--seed", metavar="INT", help="Seed of the random draws: the same seed writes the same bytes.")] = 2027,
    scale: Annotated[
        float, typer.Option("--scale", metavar="FLOAT", help="Multiply every row count (deal amounts are divided, so turnover stays near the plan).")
    ] = 1.0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite export files that already exist.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="List the files that would be written, write nothing.")] = False,
) -> None:
    """Write demo CRM exports (accounts, opportunities, activities, sales) as the data: section of salesplan.yaml declares them."""
    from rich.console import Console

    from ..demodata import DemoDataError, build
    from ..plan.validate import validate_workspace
    from .render_diagnostics import render_human

    root = resolve_workspace(workspace)
    when = as_of_date(as_of)
    if not 0 < scale <= 10_000:
        fail_usage(f"--scale {scale:g} is out of range", "give a factor above 0 and at most 10000, e.g. --scale 0.5 or --scale 20")
    result = validate_workspace(root, as_of=when)
    shown = display_root(root)
    if result.errors:
        console = Console(stderr=True, highlight=False, no_color=not use_color(), width=None if use_color() else 200)
        render_human(result, console, shown)
        console.print("salesplan demo-data: the workspace has errors; fix them first (salesplan validate)")
        raise typer.Exit(exitcodes.FINDINGS)
    ws = result.workspace
    config = ws.settings.data
    from ..demodata import unsupported_shape

    if unsupported_shape(config):
        fail_usage(unsupported_shape(config), "fix the data: section of salesplan.yaml")
    declared = [(kind, getattr(config, kind).path) for kind in ("accounts", "opportunities", "activities", "sales", "stage_history") if config and getattr(config, kind)]
    if not declared:
        fail_usage("salesplan.yaml declares no CRM export under data:", "declare data: opportunities: {path: data/opportunities.csv, preset: salesforce} (see docs/reference/data-section.md)")

    base = root.resolve()
    targets: dict[str, Path] = {}
    for kind, rel in declared:
        target = (base / rel).resolve()
        if not target.is_relative_to(base):
            fail_usage(f"data.{kind}.path '{rel}' is outside the workspace", "demo-data only writes inside the workspace folder; give a relative path such as data/export.csv")
        if target.is_dir():
            fail_usage(f"data.{kind}.path '{rel}' is a folder", "point it at a file such as data/export.csv")
        if target in targets.values():
            fail_usage(f"data.{kind}.path '{rel}' is also the path of another export", "give each export its own file")
        targets[rel] = target

    try:
        demo = build(ws, when, seed=seed, scale=scale)
    except DemoDataError as exc:
        fail_usage(str(exc), "fix the data: section of salesplan.yaml")

    def shown_path(rel: str) -> str:
        return rel if Path(rel).is_absolute() else display_path(shown, rel)

    existing = [f.path for f in demo.files if targets[f.path].exists()]
    if dry_run:
        for f in demo.files:
            note = " (exists: needs --force)" if f.path in existing and not force else " (overwrites)" if f.path in existing else ""
            typer.echo(f"would write {shown_path(f.path)}  {len(f.data):,} bytes, {f.rows:,} rows{note}")
        raise typer.Exit(exitcodes.OK)
    if existing and not force:
        fail_usage(
            "export files already exist: " + ", ".join(shown_path(p) for p in existing),
            "pass --force to overwrite them, or --dry-run to see what would be written",
        )

    from ..writing import write_atomic

    for f in demo.files:
        target = targets[f.path]
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(target, f.data)
        except OSError as exc:
            fail_usage(f"cannot write {shown_path(f.path)}: {exc.strerror or exc}", "check the folder and its permissions")
        typer.echo(f"wrote {shown_path(f.path)}  {len(f.data):,} bytes, {f.rows:,} rows")
    raise typer.Exit(exitcodes.OK)
