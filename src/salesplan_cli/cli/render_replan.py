"""Show a plan diff: rich tables, JSON or Markdown (salesplan diff, salesplan allocate --dry-run)."""

from __future__ import annotations

from enum import Enum

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .common import clean, use_color
from .render_table import to_json


class DiffFormat(str, Enum):
    table = "table"
    json = "json"
    markdown = "markdown"


NUMERIC = {"old", "new", "change", "%", "before: reps", "before: target", "before: gap", "after: reps", "after: target", "after: gap"}


def show_diff(diff, format: DiffFormat, extra: dict | None = None, notes: list[str] = ()) -> None:
    from ..replan.diff import to_dict
    from ..replan.render import headline, markdown, tables
    from ..replan.render import notes as diff_notes

    if format is DiffFormat.json:
        typer.echo(to_json({**to_dict(diff), **(extra or {}), "notes": [*diff_notes(diff), *notes]}))
        return
    if format is DiffFormat.markdown:
        text = markdown(diff)
        if notes:
            text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
        typer.echo(clean(text), nl=False)
        return
    console = Console(highlight=False, no_color=not use_color(), width=None if use_color() else 200)
    console.print(escape(clean(headline(diff))))
    for note in [*diff_notes(diff), *notes]:
        console.print(escape(clean(note)))
    for title, headers, rows in tables(diff):
        table = Table(title=escape(clean(title)), title_justify="left")
        for header in headers:
            table.add_column(header, justify="right" if header in NUMERIC else "left")
        for row in rows:
            table.add_row(*(escape(clean(cell)) for cell in row))
        console.print(table)
