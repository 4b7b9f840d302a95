"""Reports as an XLSX workbook: one sheet per table (header frozen, autofilter on, widths set, statuses shaded
by conditional formatting), then an `about` sheet (as of, period, currency, titles, notes, breaches).

Numbers are numbers (amounts with the currency's format, ratios as percentages or multiples), dates are dates,
and no cell is ever a formula: text from exports starting with = + - @ is stored as text, quote-prefixed.
The same inputs give the same bytes (pam/xlsx.py's fixed workbook and zip timestamps)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .render_report import MONEY, MULTIPLE, PERCENT, PVALUES, VOLUME, _fallbacks, _plain, command_title, records

#: Columns holding days (ISO text in JSON, dates in the workbook).
DATES = {"date", "close_date", "created_date", "last_action", "last_touch", "last_activity", "start", "end", "since", "due_date"}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: status -> (fill, font) of the conditional formatting; the word stays in the cell (never colour alone).
STATUS_FILL = {"on track": ("C6EFCE", "006100"), "watch": ("FFEB9C", "7F6000"), "off track": ("FFC7CE", "9C0006")}
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def number_format(table: str, column: str, value: Any, currency: str, row: dict) -> str | None:
    """The Excel number format of a figure (None: not a number)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if column in ("line", "row"):
        return "0"
    if column in PVALUES:
        return "0.0000"
    if (table == "pipeline_coverage" and column == "coverage") or column in MULTIPLE or (table == "pipeline" and column == "coverage") or (
        table == "summary" and column == "ratio" and row.get("metric") == "pipeline"
    ):
        return '0.00"x"'
    if column in PERCENT and not (column in VOLUME and table != "dashboard"):
        return "0.0%"
    if column in MONEY:
        return f'#,##0.00 "{currency}"'
    return "#,##0" if isinstance(value, int) else "#,##0.00"


def sheet_names(names: list[str]) -> list[str]:
    out: list[str] = []
    for name in names:
        base = _BAD_SHEET.sub("_", name)[:31] or "table"
        candidate, n = base, 2
        while candidate.lower() in (o.lower() for o in out) or candidate.lower() == "about":
            suffix = f"_{n}"
            candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
        out.append(candidate)
    return out


def to_xlsx(ctx, rendered, breaches) -> bytes:
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from ..pam.xlsx import _bytes, _workbook, write_text

    currency = ctx.ws.settings.currency
    workbook = _workbook()
    from .blank_marks import facts, marks

    known = facts(ctx)
    names = list(rendered.tables)
    for sheet_name, name in zip(sheet_names(names), names):
        frame = rendered.tables[name]
        ws = workbook.create_sheet(sheet_name)
        columns = [str(c) for c in frame.columns]
        widths = [len(c) + 2 for c in columns]
        bold = Font(bold=True)
        for j, column in enumerate(columns, 1):
            cell = ws.cell(row=1, column=j, value=column)
            cell.data_type = "s"
            cell.font = bold
        rows = records(frame)
        row_marks, legend = marks(name, frame, known)
        for i, (row, mark) in enumerate(zip(rows, row_marks), 2):
            for j, column in enumerate(columns, 1):
                value = row.get(column)
                if value is None and mark.get(column):
                    ws.cell(row=i, column=j, value=mark[column]).data_type = "s"  # why the figure is blank: see the legend
                    continue
                if value is None or value == "":
                    continue
                cell = ws.cell(row=i, column=j)
                fmt = number_format(name, column, value, currency, row)
                if fmt is not None:
                    cell.value = value
                    cell.number_format = fmt
                    shown = 16 if column in MONEY else 10
                elif isinstance(value, bool):
                    cell.value = value
                    shown = 6
                elif column in DATES and isinstance(value, str) and _ISO_DAY.fullmatch(value):
                    cell.value = dt.date.fromisoformat(value)
                    cell.number_format = "yyyy-mm-dd"
                    shown = 10
                else:
                    shown = write_text(cell, value)
                widths[j - 1] = max(widths[j - 1], min(shown + 2, 50))
        for k, line in enumerate(legend, len(rows) + 3):  # under the table, after an empty row
            ws.cell(row=k, column=1, value=line).data_type = "s"
        for j, width in enumerate(widths, 1):
            ws.column_dimensions[get_column_letter(j)].width = max(width, 8)
        ws.freeze_panes = "A2"
        last = get_column_letter(max(len(columns), 1))
        ws.auto_filter.ref = f"A1:{last}{max(len(rows) + 1, 1)}"
        for j, column in enumerate(columns, 1):
            if column == "status" or column.endswith("_status"):
                letter = get_column_letter(j)
                area = f"{letter}2:{letter}{max(len(rows) + 1, 2)}"
                for status, (fill, font) in STATUS_FILL.items():
                    ws.conditional_formatting.add(
                        area, CellIsRule(operator="equal", formula=[f'"{status}"'], fill=PatternFill(start_color=fill, end_color=fill, fill_type="solid"), font=Font(color=font))
                    )
    _about(workbook, ctx, rendered, breaches, dict(zip(names, sheet_names(names))))
    return _bytes(workbook)


def _about(workbook, ctx, rendered, breaches, sheets: dict[str, str]) -> None:
    from openpyxl.styles import Font

    from ..pam.xlsx import write_text

    ws = workbook.create_sheet("about")
    lines: list[tuple[str, Any]] = [
        ("report", command_title(rendered.report)),
        ("as of", ctx.as_of),
        ("period", ctx.period.label),
        ("period start", dt.date.fromisoformat(ctx.period.to_dict()["start"])),
        ("period end", dt.date.fromisoformat(ctx.period.to_dict()["end"])),
        ("currency", ctx.ws.settings.currency),
    ]
    lines += [(f"sheet {sheets[name]}", rendered.titles.get(name, name)) for name in rendered.tables]
    lines += [("decision", d) for d in rendered.decisions or []]
    lines += [("note", n) for n in list(rendered.notes) + _fallbacks(ctx)]
    lines += [("breach", b.describe()) for b in breaches]
    for i, (label, value) in enumerate(lines, 1):
        ws.cell(row=i, column=1, value=label).font = Font(bold=True)
        cell = ws.cell(row=i, column=2)
        if isinstance(value, dt.date):
            cell.value = value
            cell.number_format = "yyyy-mm-dd"
        else:
            write_text(cell, _plain(value))
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["B"].width = 100
