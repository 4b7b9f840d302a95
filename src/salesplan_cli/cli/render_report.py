"""Render report tables: rich (bars, colours by status), JSON, CSV, Markdown. Shared by every report."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from typing import Any

from .common import clean, use_color
from .render_table import to_csv

PERCENT = {"attainment", "ratio", "coverage", "win_rate", "win_rate_value", "rest_win_rate", "difference", "rate", "share", "activity", "benchmark",
           "new_customers_attainment", "deals_won_attainment", "units_attainment", "new_customers", "deals_won", "units", "cumulative_attainment"}
MULTIPLE = {"pipeline_coverage"}
#: Volume figures: counts in the attainment report, volume attainment ratios in the dashboard.
VOLUME = ("new_customers", "deals_won", "units")
PVALUES = {"p_value", "adjusted_p"}
STATUS_STYLE = {"on track": "green", "watch": "yellow", "off track": "red"}
#: Money columns shown in whole currency units in the terminal (JSON and CSV keep the cents).
MONEY = {"actual", "target", "gap", "period_target", "projection", "annual_target", "value", "weighted", "won_value", "lost_value",
         "open_in_rest", "remaining_target", "amount", "target_to_date", "cumulative_actual", "cumulative_target", "cumulative_target_to_date"}


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
    from .blank_marks import add_reasons, facts

    known = facts(ctx)
    extra = {"decisions": list(rendered.decisions)} if rendered.decisions is not None else {}
    return {
        "report": rendered.report,
        "as_of": ctx.as_of.isoformat(),
        "period": ctx.period.to_dict(),
        "filters": ctx.filters.to_dict(),
        "currency": ctx.ws.settings.currency,
        "tables": {name: add_reasons(name, frame, records(frame), known) for name, frame in rendered.tables.items()},
        **extra,
        "notes": list(rendered.notes) + _fallbacks(ctx),
        "breaches": [b.to_dict() for b in breaches],
        "intake": ctx.frames.intake_summary(),
    }


def _fallbacks(ctx) -> list[str]:
    """The one-line notes on what the reports fall back on where an export lacks a column."""
    from .exports import intake_notes

    return intake_notes(ctx)


def fmt_cell(column: str, value: Any, table: str = "", row: dict | None = None) -> str:
    value = _plain(value)
    if value is None:
        if column == "win_rate_value" and (row or {}).get("closed"):
            return "n/a"  # closed deals without a value (no_value): never a misleading ratio
        if column == "amount" and table in ("deals_to_watch", "missing_outputs"):
            return "unknown"  # the CRM holds no amount for the deal
        if column == "share" and table == "qualification":
            return "n/a"  # nothing required yet at that stage
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if column in ("line", "row") and isinstance(value, int):
        return str(value)
    if isinstance(value, (int, float)):
        if column in PVALUES:
            return f"{value:.3g}"
        if (table == "pipeline_coverage" and column == "coverage") or column in MULTIPLE or (table == "pipeline" and column == "coverage") or (
            table == "summary" and column == "ratio" and (row or {}).get("metric") == "pipeline"
        ):
            return f"{value:.2f}x"
        if column in PERCENT and not (column in VOLUME and table != "dashboard"):
            return f"{value:.1%}"
        if isinstance(value, float) and not value.is_integer():
            return f"{value:,.2f}"
        return f"{int(value):,}"
    return clean(str(value))


def to_markdown(ctx, rendered, breaches) -> str:
    from .blank_marks import facts, marks, with_mark

    known = facts(ctx)
    lines = [f"## {command_title(rendered.report)}", "", f"As of {ctx.as_of}, period {ctx.period.label}, amounts in {ctx.ws.settings.currency}.", ""]
    for name, frame in rendered.tables.items():
        lines.append(f"### {rendered.titles.get(name, name)}")
        lines.append("")
        columns = [str(c) for c in frame.columns]
        lines.append("| " + " | ".join(columns) + " |")
        lines.append("|" + "|".join("---:" if _numeric_column(frame, str(c)) else "---" for c in frame.columns) + "|")
        row_marks, legend = marks(name, frame, known)
        for row, mark in zip(frame.to_dict("records"), row_marks):
            cells = [_md(with_mark(fmt_cell(str(c), row[c], name, row), mark.get(str(c)))) for c in frame.columns]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
        if legend:
            lines += [f"- {_md(line)}" for line in legend]
            lines.append("")
    if rendered.decisions is not None:
        lines.append("**Decisions to take**")
        lines.append("")
        lines += [f"- {_md(clean(d))}" for d in rendered.decisions] or ["- none: every figure is on track"]
        lines.append("")
    for note in rendered.notes:
        lines.append(f"_{clean(note)}_")
        lines.append("")
    if breaches:
        lines.append("**Breaches**")
        lines.append("")
        lines += [f"- {clean(b.describe())}" for b in breaches]
        lines.append("")
    lines += _markdown_intake(ctx)
    return "\n".join(lines)


def _markdown_intake(ctx) -> list[str]:
    """The intake account (rows used, first rejected lines per export) and the fallback notes: a CI job
    summary says what the figures were drawn from."""
    from ..intake.loud import summary_lines

    summary = summary_lines(ctx.frames)
    notes = _fallbacks(ctx)
    if not summary and not notes:
        return []
    lines = ["**CRM exports read**", ""]
    lines += [f"- {_md(clean(line))}" for line in summary]
    lines += [f"- note: {_md(clean(note))}" for note in notes]
    lines.append("")
    return lines


def command_title(report: str) -> str:
    """The command that made a report: `salesplan report NAME`, or `salesplan review`."""
    return "salesplan review" if report == "review" else f"salesplan report {report}"


def _md(text: str) -> str:
    """A table cell for GitHub Markdown: no pipes, newlines or HTML-looking tags (<unplanned>), and no link or
    image from a CRM value: brackets escaped, and text a renderer could autolink (a URL, www., an e-mail)
    in a code span."""
    from ..pam.formats import _LINK_LIKE

    text = text.replace("\r", " ").replace("\n", " ")
    if _LINK_LIKE.search(text):
        return "`" + text.replace("`", "'").replace("|", "\\|") + "`"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|").replace("[", "\\[").replace("]", "\\]")


def _numeric_column(frame, column: str) -> bool:
    """Right-aligned: a known figure column, or one whose values are numbers."""
    return column in PERCENT | MULTIPLE | PVALUES | MONEY | {"pressure", "line", "plan"} or (column in frame.columns and _numeric(frame, column))


def _numeric(frame, column) -> bool:
    import pandas as pd

    return pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column])


def render(ctx, opts, rendered, breaches, to_terminal: bool) -> str | None:
    """The report as text in a text format (table, json, csv, markdown); None when it was printed to the terminal
    directly. cli/render.py dispatches every format, html and xlsx included."""
    from .formats import ReportFormat

    if opts.format is ReportFormat.json:
        return json.dumps(payload(ctx, rendered, breaches), indent=2, ensure_ascii=False) + "\n"
    if opts.format is ReportFormat.csv:
        from .blank_marks import add_reasons, facts

        name, frame = next(iter(rendered.tables.items()))
        rows = add_reasons(name, frame, records(frame), facts(ctx))
        return to_csv(list(rows[0]) if rows else [str(c) for c in frame.columns], rows)
    if opts.format is ReportFormat.markdown:
        return to_markdown(ctx, rendered, breaches)
    from rich.console import Console

    if to_terminal:
        import os
        import sys

        free = sys.stdout.isatty() or "COLUMNS" in os.environ
        console = Console(highlight=False, no_color=not use_color(), width=None if free else 200)
        to_rich(console, ctx, rendered)
        return None
    buffer = io.StringIO()
    console = Console(file=buffer, highlight=False, no_color=True, width=200, force_terminal=False)
    to_rich(console, ctx, rendered)
    return buffer.getvalue()


def _bar(ratio: float | None, width: int = 10) -> str:
    if ratio is None:
        return ""
    filled = max(0, min(width, round(ratio * width)))
    return "█" * filled + "·" * (width - filled)


#: Columns left out of the terminal view (still in JSON, CSV and Markdown).
TERMINAL_HIDDEN = {"dashboard": {"team"}, "attainment": {"period_target", "annual_target"}, "issues": {"kind"}}
#: Columns of the month-by-month attainment (reports/monthly.py) left out of the terminal view.
MONTHLY_HIDDEN = {"start", "end", "target", "cumulative_target_to_date"}
#: Shorter headers in the terminal.
TERMINAL_HEADERS = {"pipeline_coverage": "pipeline", "win_rate": "win rate", "attainment": "attained"}


def _terminal_cell(column: str, value: Any, table: str, row: dict | None = None) -> str:
    value = _plain(value)
    if column in MONEY and isinstance(value, (int, float)) and not isinstance(value, bool):
        from decimal import ROUND_HALF_UP, Decimal

        return f"{int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP)):,}"
    return fmt_cell(column, value, table, row)


def to_rich(console, ctx, rendered) -> None:
    from rich.markup import escape
    from rich.table import Table

    from .blank_marks import facts, marks, with_mark

    known = facts(ctx)

    console.print(f"[bold]{escape(command_title(rendered.report))}[/]  as of {ctx.as_of}, {escape(ctx.period.label)}, {ctx.ws.settings.currency}")
    for name, frame in rendered.tables.items():
        table = Table(title=escape(rendered.titles.get(name, name)), title_justify="left", header_style="bold")
        hidden = TERMINAL_HIDDEN.get(name, set()) | (MONTHLY_HIDDEN if "cumulative_actual" in frame.columns else set())
        columns = [str(c) for c in frame.columns if str(c) not in hidden]
        combined = {"actual", "target", "attainment"} <= set(columns)
        volume = [k for k in VOLUME if {k, f"{k}_target", f"{k}_attainment"} <= set(columns)]
        shown: list[str] = []
        for column in columns:
            if combined and column in ("target", "attainment"):
                continue
            if any(column in (f"{k}_target", f"{k}_attainment") for k in volume):
                continue
            if column in volume:
                shown.append(f"{column} [% of target]")
                continue
            if combined and column == "actual":
                shown += ["actual [% of target]", "bar"]
                continue
            shown.append(column)
        for column in shown:
            numeric = column.endswith("[% of target]") or _numeric_column(frame, column)
            header = "" if column == "bar" else TERMINAL_HEADERS.get(column, column)
            table.add_column(escape(header), justify="right" if numeric else "left", no_wrap=numeric or column in ("rep", "status", "line"), overflow="fold")
        row_marks, legend = marks(name, frame, known)
        for row, mark in zip(frame.to_dict("records"), row_marks):
            mark = {c: m for c, m in mark.items() if c not in hidden}  # the legend lists only marks shown
            cells = []
            for column in shown:
                if column == "actual [% of target]":
                    ratio, target = _plain(row.get("attainment")), _plain(row.get("target"))
                    actual = _terminal_cell("actual", row.get("actual"), name)
                    if ratio is not None and target is not None:
                        actual = f"{actual} [{ratio:.0%} of {_terminal_cell('target', target, name)}]"
                    elif ratio is None:
                        actual = with_mark(actual, mark.get("attainment") or mark.get("actual"))
                    cells.append(escape(actual))
                elif column == "bar":
                    cells.append(_bar(_plain(row.get("attainment"))))
                elif column.endswith(" [% of target]"):
                    kind = column.split(" ")[0]
                    ratio, target = _plain(row.get(f"{kind}_attainment")), _plain(row.get(f"{kind}_target"))
                    done = fmt_cell(kind, row.get(kind), name, row)
                    if ratio is not None and target is not None:
                        done = f"{done} [{ratio:.0%} of {fmt_cell(kind, target, name, row)}]"
                    elif ratio is None:
                        done = with_mark(done, mark.get(f"{kind}_attainment") or mark.get(kind))
                    cells.append(escape(done))
                else:
                    text = escape(with_mark(clean(_terminal_cell(column, row.get(column), name, row)), mark.get(column)))
                    style = STATUS_STYLE.get(str(row.get(column))) if column == "status" or column.endswith("_status") else None
                    cells.append(f"[{style}]{text}[/]" if style else text)
            first = [str(row.get(c)) for c in columns[:2]]
            table.add_row(*cells, style="bold" if "<total>" in first else None)
        console.print(table)
        shown_marks = {m for marks_of_row in row_marks for c, m in marks_of_row.items() if c not in hidden}
        for line in legend:
            if line.split(" ", 1)[0] in shown_marks:
                console.print(f"[dim]{escape(line)}[/]")
    if rendered.decisions is not None:
        console.print("[bold]Decisions to take[/]")
        for decision in rendered.decisions or ["none: every figure is on track"]:
            console.print(f"  - {escape(clean(decision))}")
    for note in rendered.notes:
        console.print(f"[dim]{escape(clean(note))}[/]")
