"""`salesplan schema`: JSON Schemas for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from .. import exitcodes
from ..writing import write_atomic
from .common import fail_usage


def schema(
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="Folder to write one <kind>.schema.json per file kind into. Default: print them all as one JSON object.")
    ] = None,
) -> None:
    """Write JSON Schemas of the plan files so editors autocomplete and flag them as you type."""
    from ..plan.schemas import json_schemas

    schemas = json_schemas()
    if out is None:
        typer.echo(json.dumps(schemas, indent=2))
        raise typer.Exit(exitcodes.OK)
    if out.exists() and not out.is_dir():
        fail_usage(f"{out} exists and is not a folder", "give a folder for --out")
    try:
        out.mkdir(parents=True, exist_ok=True)
        for name, body in schemas.items():
            write_atomic(out / name, json.dumps(body, indent=2) + "\n")
    except OSError as exc:
        fail_usage(f"cannot write to {out}: {exc.strerror or exc}", "check the folder and its permissions")
    for name in schemas:
        typer.echo(str(out / name))
    raise typer.Exit(exitcodes.OK)
