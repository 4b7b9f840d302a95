"""A report in the format asked for: the text formats (table, json, csv, markdown) from render_report.py, the
HTML page from render_html/, the workbook from render_xlsx.py. Each of those modules imports the shared cell
formatting of render_report.py; only this one imports them all."""

from __future__ import annotations


def render(ctx, opts, rendered, breaches, to_terminal: bool) -> str | bytes | None:
    """The report as text (bytes for xlsx); None when it was printed to the terminal directly."""
    from .formats import ReportFormat

    if opts.format is ReportFormat.html:
        from .render_html import to_html

        return to_html(ctx, rendered, breaches)
    if opts.format is ReportFormat.xlsx:
        from .render_xlsx import to_xlsx

        return to_xlsx(ctx, rendered, breaches)
    from .render_report import render as render_text

    return render_text(ctx, opts, rendered, breaches, to_terminal)
