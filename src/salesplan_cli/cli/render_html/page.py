"""The HTML document: header, one section per table (its charts, then its figures), notes, breaches, intake."""

from __future__ import annotations

from ..render_report import _fallbacks, command_title
from .escape import esc
from .sections import charts_for
from .tables import table_html

CSS = """
*{box-sizing:border-box}
body{font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#111;margin:24px;max-width:1320px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:28px 0 8px;border-bottom:1px solid #999;padding-bottom:2px}
.meta{color:#333;margin:0 0 12px}
svg.chart{display:block;max-width:100%;height:auto;margin:6px 0}
svg text{font-family:inherit;font-size:12px;fill:#111}svg text.ax{font-size:10px;fill:#444}svg text.lg{font-size:11px}
.multiples{display:flex;flex-wrap:wrap;gap:6px}.multiples svg.chart{border:1px solid #ddd;margin:0}
.legend{margin:4px 0;color:#333}
table.figures{border-collapse:collapse;margin:6px 0 10px;font-size:12px}
table.figures th,table.figures td{border:1px solid #bbb;padding:2px 6px;text-align:left;unicode-bidi:isolate;vertical-align:top}
table.figures th{background:#eee}table.figures td.n,table.figures th.n{text-align:right;font-variant-numeric:tabular-nums}
table.figures caption{text-align:left;font-weight:600;padding:2px 0}
table.figures td{white-space:nowrap}.scroll{overflow-x:auto;max-width:100%}
tr.total td{font-weight:600;background:#f6f6f6}
.st{font-weight:700}.ok{color:#009E73}.watch{color:#B07800}.off{color:#D55E00}
.empty{border:1px dashed #999;padding:10px;color:#333;background:#fafafa}
details summary{cursor:pointer;color:#0b4f8a}
.notes li{margin:2px 0}ul.pages{columns:3 180px}
@media print{body{margin:0;max-width:none;font-size:10.5px}.scroll{overflow:visible}table.figures td{white-space:normal}section{break-inside:auto}figure,svg.chart,.multiples svg{break-inside:avoid}
h2{break-after:avoid}}
@page{size:A4;margin:12mm}
"""


def to_html(ctx, rendered, breaches, links: list[tuple[str, str]] | None = None, links_title: str = "", intake: bool = True) -> str:
    """The whole report as one self-contained HTML document (no script, no external resource). `links`:
    (label, relative path) of the pages a split dashboard is made of (render_html/split.py)."""
    currency = ctx.ws.settings.currency
    title = f"{command_title(rendered.report)}: as of {ctx.as_of}"
    company = getattr(ctx.ws.settings, "company", None)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta name=\"color-scheme\" content=\"light\">",
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{esc(_heading(rendered.report))}{(' · ' + esc(company)) if isinstance(company, str) and company else ''}</h1>",
        f'<p class="meta">As of {esc(ctx.as_of.isoformat())}, period {esc(ctx.period.label)}, amounts in {esc(currency)}.'
        f"{esc(_filters(ctx))} Produced by <code>{esc(command_title(rendered.report))}</code>.</p></header>",
        "<main>",
    ]
    if links:
        items = "".join(f'<li><a href="{esc(href)}">{esc(label)}</a></li>' for label, href in links)
        out.append(f'<nav id="pages"><h2>{esc(links_title)}</h2><ul class="pages">{items}</ul></nav>')
    from ..blank_marks import facts

    known = facts(ctx)
    for index, (name, frame) in enumerate(rendered.tables.items()):
        heading = rendered.titles.get(name, name)
        blocks = charts_for(name, frame, currency, [stage.name for stage in ctx.ws.strategy.stages])
        out.append(f'<section id="{esc(name)}"><h2>{esc(heading)}</h2>')
        out.extend(f"<figure>{block}</figure>" for block in blocks)
        table = table_html(name, frame, known=known)
        if blocks and not (index == 0 and rendered.report != "dashboard"):
            out.append(f'<details class="data"><summary>Figures of this chart ({len(frame):,} rows)</summary>{table}</details>')
        else:
            out.append(table)
        out.append("</section>")
    if rendered.decisions is not None:
        out.append("<section><h2>Decisions to take</h2><ul>")
        out += [f"<li>{esc(d)}</li>" for d in rendered.decisions] or ["<li>none: every figure is on track</li>"]
        out.append("</ul></section>")
    if breaches:
        out.append('<section id="breaches"><h2>Breaches</h2><ul>' + "".join(f"<li>{esc(b.describe())}</li>" for b in breaches) + "</ul></section>")
    notes = list(rendered.notes) + _fallbacks(ctx)
    if notes:
        out.append('<section id="notes"><h2>Notes</h2><ul class="notes">' + "".join(f"<li>{esc(n)}</li>" for n in notes) + "</ul></section>")
    if intake:
        out.append(_intake(ctx))
    out.append("</main></body></html>\n")
    return "\n".join(part for part in out if part)


def _heading(report: str) -> str:
    return {"dashboard": "Sales dashboard"}.get(report, f"{report.capitalize()} report")


def _filters(ctx) -> str:
    shown = {k: v for k, v in ctx.filters.to_dict().items() if v}
    if not shown:
        return ""
    return " Filters: " + ", ".join(f"{k} {', '.join(v) if isinstance(v, (list, tuple)) else v}" for k, v in shown.items()) + "."


def _intake(ctx) -> str:
    from ...intake.loud import summary_lines

    lines = summary_lines(ctx.frames)
    if not lines:
        return ""
    return '<section id="intake"><h2>CRM exports read</h2><ul class="notes">' + "".join(f"<li>{esc(line)}</li>" for line in lines) + "</ul></section>"
