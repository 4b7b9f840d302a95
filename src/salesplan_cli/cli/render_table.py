"""Render a table (columns + rows of plain values) as a rich table, JSON, CSV or Markdown."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .common import clean

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formula injection: text starting with = + - @ tab or CR gets a leading quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def fmt_number(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if value == int(value):
            return f"{int(value):,}"
        return f"{value:,.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def to_json(payload: dict) -> str:
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str)


_CSV_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        value = _CSV_CONTROL.sub("", value)  # terminal escapes and other control characters; tabs and newlines stay
    return safe_cell(value)


def to_csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(c) for c in columns])
    for row in rows:
        writer.writerow([_csv_value(row.get(c)) for c in columns])
    return buffer.getvalue()


def _md_cell(value: Any) -> str:
    text = clean(fmt_number(value)).replace("|", "\\|").replace("\n", " ")
    return text


def to_markdown(title: str, columns: list[str], rows: list[dict], notes: list[str], numeric: set[str]) -> str:
    lines = [f"### {title}", ""]
    lines.append("| " + " | ".join(columns) + " |")
    lines.append("|" + "|".join("---:" if c in numeric else "---" for c in columns) + "|")
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row.get(c)) for c in columns) + " |")
    for note in notes:
        lines.append("")
        lines.append(f"_{clean(note)}_")
    return "\n".join(lines) + "\n"


def to_rich(console: Console, title: str, columns: list[str], rows: list[dict], notes: list[str], numeric: set[str], emphasis: dict[str, str] | None = None) -> None:
    table = Table(title=escape(title), title_justify="left", show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(escape(c), justify="right" if c in numeric else "left", no_wrap=c in numeric)
    for row in rows:
        style = (emphasis or {}).get(str(row.get("row", "")), "")
        table.add_row(*(escape(clean(fmt_number(row.get(c)))) for c in columns), style=style or None)
    console.print(table)
    for note in notes:
        console.print(f"[dim]{escape(clean(note))}[/]")
