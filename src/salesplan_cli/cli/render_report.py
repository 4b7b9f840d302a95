"""Render report tables: rich (bars, colours by status), JSON, CSV, Markdown. Shared by every report."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from typing import Any

from .common import clean, use_color
from .render_table import safe_cell, to_csv

PERCENT = {"attainment", "ratio", "coverage", "win_rate", "win_rate_value", "rest_win_rate", "difference", "rate", "share"}
MULTIPLE = {"pipeline_coverage"}
PVALUES = {"p_value", "adjusted_p"}
STATUS_STYLE = {"on track": "green", "watch": "yellow", "off track": "red"}


def records(frame) -> list[dict]:
    """A DataFrame as JSON-ready records: NaN/NaT -> None, dates -> ISO text, numpy scalars -> Python."""
    out = []
    for row in frame.to_dict("records"):
        clean_row = {}
        for key, value in row.items():
            clean_row[str(key)] = _plain(value)
        out.append(clean_row)
    return out


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        try:
            if value != value:  # NaT
                return None
        except TypeError:
            pass
        if isinstance(value, dt.datetime) or type(value).__name__ == "Timestamp":
            return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
        return value.isoformat()
    if type(value).__name__ in ("NAType", "NaTType"):
        return None
    return value


def payload(ctx, rendered, breaches) -> dict:
    return {
        "report": rendered.report,
        "as_of": ctx.as_of.isoformat(),
        "period": ctx.period.to_dict(),
        "filters": ctx.filters.to_dict(),
        "currency": ctx.ws.settings.currency,
        "tables": {name: records(frame) for name, frame in rendered.tables.items()},
        "notes": list(rendered.notes),
        "breaches": [b.to_dict() for b in breaches],
        "intake": ctx.frames.intake_summary(),
    }


def fmt_cell(column: str, value: Any, table: str = "") -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, (int, float)):
        if column in PVALUES:
            return f"{value:.3g}"
        if (table == "pipeline_coverage" and column == "coverage") or column in MULTIPLE:
            return f"{value:.2f}x"
        if column in PERCENT:
            return f"{value:.1%}"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.2f}"
        return f"{int(value):,}"
    return clean(str(value))


def to_markdown(ctx, rendered, breaches) -> str:
    lines = [f"## salesplan report {rendered.report}", "", f"As of {ctx.as_of}, period {ctx.period.label}, amounts in {ctx.ws.settings.currency}.", ""]
    for name, frame in rendered.tables.items():
        lines.append(f"### {rendered.titles.get(name, name)}")
        lines.append("")
        columns = [str(c) for c in frame.columns]
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---:" if _numeric(frame, c) else "---" for c in frame.columns) + "|")
        for row in frame.to_dict("records"):
            cells = [fmt_cell(str(c), row[c], name).replace("|", "\\|").replace("\n", " ") for c in frame.columns]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    for note in rendered.notes:
        lines.append(f"_{clean(note)}_")
        lines.append("")
    if breaches:
        lines.append("**Breaches**")
        lines.append("")
        lines += [f"- {clean(b.describe())}" for b in breaches]
        lines.append("")
    return "\n".join(lines)


def _numeric(frame, column) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])


def render(ctx, opts, rendered, breaches, to_terminal: bool) -> str | None:
    """The report as text in the chosen format; None when it was printed to the terminal directly."""
    from .report import ReportFormat

    if opts.format is ReportFormat.json:
        return json.dumps(payload(ctx, rendered, breaches), indent=2, ensure_ascii=False) + "\n"
    if opts.format is ReportFormat.csv:
        name, frame = next(iter(rendered.tables.items()))
        rows = records(frame)
        return to_csv([str(c) for c in frame.columns], [{k: safe_cell(v) for k, v in r.items()} for r in rows])
    if opts.format is ReportFormat.markdown:
        return to_markdown(ctx, rendered, breaches)
    from rich.console import Console

    if to_terminal:
        console = Console(highlight=False, no_color=not use_color(), width=None if use_color() else 160)
        to_rich(console, ctx, rendered)
        return None
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, no_color=True, width=160, force_terminal=False)
    to_rich(console, ctx, rendered)
    return buffer.getvalue()


def _bar(ratio: float | None, width: int = 12) -> str:
    if ratio is None:
        return ""
    filled = max(0, min(width, round(ratio * width)))
    return "█" * filled + "·" * (width - filled)


def to_rich(console, ctx, rendered) -> None:
    from rich.markup import escape
    from rich.table import Table

    console.print(f"[bold]salesplan report {escape(rendered.report)}[/]  as of {ctx.as_of}, {escape(ctx.period.label)}, {ctx.ws.settings.currency}")
    for name, frame in rendered.tables.items():
        table = Table(title=escape(rendered.titles.get(name, name)), title_justify="left", header_style="bold")
        columns = [str(c) for c in frame.columns]
        attainment_view = name == "attainment"
        shown = columns
        if attainment_view:
            dims = [c for c in columns if c not in ("actual", "target", "attainment", "gap", "period_target", "projection", "annual_target", "status")]
            shown = [*dims, "actual [% of target]", "", "gap", "projection", "status"]
        for column in shown:
            right = column not in ("status", "") and (column not in columns or _numeric(frame, column))
            table.add_column(escape(column), justify="right" if right else "left", no_wrap=True)
        for row in frame.to_dict("records"):
            style = STATUS_STYLE.get(row.get("status") or "", None)
            if attainment_view:
                dims = shown[: len(shown) - 5]
                ratio = _plain(row.get("attainment"))
                target = _plain(row.get("target"))
                actual = fmt_cell("actual", row.get("actual"))
                combined = f"{actual} [{fmt_cell('attainment', ratio)} of {fmt_cell('target', target)}]" if target is not None and ratio is not None else actual
                cells = [fmt_cell(d, row.get(d)) for d in dims]
                cells += [combined, _bar(ratio), fmt_cell("gap", row.get("gap")), fmt_cell("projection", row.get("projection")), row.get("status") or ""]
            else:
                cells = [fmt_cell(c, row.get(c), name) for c in columns]
            status_cell = cells[-1] if "status" in (shown[-1],) else None
            escaped = [escape(c) for c in cells]
            if style and status_cell:
                escaped[-1] = f"[{style}]{escaped[-1]}[/]"
            bold = any(str(row.get(d)) == "<total>" for d in columns[:2])
            table.add_row(*escaped, style="bold" if bold else None)
        console.print(table)
    for note in rendered.notes:
        console.print(f"[dim]{escape(clean(note))}[/]")
