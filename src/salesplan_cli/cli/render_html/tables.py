"""Report tables as HTML: the same cells as the Markdown output, statuses as symbol and word."""

from __future__ import annotations

from ..render_report import _numeric_column, fmt_cell
from .charts import status_mark
from .escape import esc

#: Rows shown in a table before the rest is folded away (all still in the file, under a <details>).
FOLD = 60


def table_html(name: str, frame, caption: str = "", known=None) -> str:
    from ..blank_marks import marks, with_mark

    columns = [str(c) for c in frame.columns]
    if not len(frame):
        return f'<p class="empty">{esc(caption or name)}: no rows</p>'
    numeric = {c: _numeric_column(frame, c) for c in columns}
    head = "".join(f'<th scope="col"{_align(numeric[c])}>{esc(c)}</th>' for c in columns)
    body = []
    row_marks, legend = marks(name, frame, known)
    for row, mark in zip(frame.to_dict("records"), row_marks):
        cells = []
        for c in columns:
            value = row[c]
            if (c == "status" or c.endswith("_status")) and isinstance(value, str) and value:
                cells.append(f'<td class="s">{status_mark(value)}</td>')
                continue
            text = fmt_cell(c, value, name, row)
            reason = mark.get(c)
            cells.append(f"<td{_align(numeric[c])}>{esc(with_mark(text, reason))}</td>" if not reason else f'<td{_align(numeric[c])} class="blank">{esc(with_mark(text, reason))}</td>')
        special = str(row[columns[0]]).startswith("<")
        body.append(f'<tr{" class=total" if special else ""}>' + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    shown = "".join(body[:FOLD])
    table = f'<div class="scroll"><table class="figures">{cap}<thead><tr>{head}</tr></thead><tbody>{shown}</tbody></table></div>'
    if len(body) > FOLD:
        rest = "".join(body[FOLD:])
        table += (
            f'<details class="more"><summary>{len(body) - FOLD:,} more rows</summary>'
            f'<div class="scroll"><table class="figures"><thead><tr>{head}</tr></thead><tbody>{rest}</tbody></table></div></details>'
        )
    if legend:
        table += '<ul class="legend">' + "".join(f"<li>{esc(line)}</li>" for line in legend) + "</ul>"
    return table


def _align(numeric: bool) -> str:
    return ' class="n"' if numeric else ""
