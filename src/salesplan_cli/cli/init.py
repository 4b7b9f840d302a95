"""`salesplan init`: write a small working workspace."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from .. import exitcodes
from .common import fail_usage


def _template_files() -> dict[str, str]:
    root = resources.files("salesplan_cli") / "templates" / "init"
    files: dict[str, str] = {}

    def walk(node, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".yaml"):
                files[f"{prefix}{child.name}"] = child.read_text(encoding="utf-8")

    walk(root, "")
    return files


def next_fiscal_year(today: dt.date) -> dt.date:
    """The calendar fiscal year being planned: next year from October on, else this one."""
    return dt.date(today.year + 1 if today.month >= 10 else today.year, 1, 1)


def init(
    directory: Annotated[Path, typer.Argument(help="Folder to create the workspace in (created if missing).")] = Path("."),
) -> None:
    """Write a small working workspace (salesplan.yaml, strategy.yaml, segments.yaml, reps/) that passes validate."""
    if directory.exists() and not directory.is_dir():
        fail_usage(f"{directory} exists and is not a folder", "choose another folder")
    from ..plan.load import WORKSPACE_FILE

    if (directory / WORKSPACE_FILE).exists():
        fail_usage(f"{directory / WORKSPACE_FILE} already exists", "salesplan init never overwrites a workspace; choose an empty folder")
    start = next_fiscal_year(dt.date.today())
    today = dt.date.today()
    signed = min(start - dt.timedelta(days=20), today)
    values = {
        "fy_start": start.isoformat(),
        "signed": signed.isoformat(),
        "signed_mgr": signed.isoformat(),
        # a fiscal year already under way has had its reviews: record one today
        "reviewed": f"reviewed: [{today.isoformat()}]\n" if today >= start else "",
    }
    files = {name: text.format(**values) for name, text in _template_files().items()}
    clashes = [name for name in files if (directory / name).exists()]
    if clashes:
        fail_usage(f"{', '.join(clashes)} already exist in {directory}", "salesplan init never overwrites files; choose an empty folder")
    try:
        for name, text in files.items():
            target = directory / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "x", encoding="utf-8") as handle:
                handle.write(text)
    except OSError as exc:
        fail_usage(f"cannot write the workspace: {exc.strerror or exc}", "check the folder and its permissions")
    for name in files:
        typer.echo(f"created {directory / name}")
    typer.echo(f"next: salesplan validate --workspace {directory}")
    raise typer.Exit(exitcodes.OK)
