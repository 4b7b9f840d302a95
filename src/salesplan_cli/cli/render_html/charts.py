"""Inline SVG charts, written by hand: bullet charts, cumulative lines (small multiples), bars, a heatmap.

Colours from the Okabe-Ito palette (safe for colour-blind readers); every status is also a shape and a word,
and every chart's figures are in a table next to it. A chart with no data is an empty-state message."""

from __future__ import annotations

from .escape import esc, num

#: status -> (symbol, css class, colour): the symbol and the word carry the meaning, the colour only helps.
STATUS = {
    "on track": ("\u25cf", "ok", "#009E73"),
    "watch": ("\u25b2", "watch", "#E69F00"),
    "off track": ("\u2716", "off", "#D55E00"),
}
BAR = "#0072B2"
BAND = "#d9d9d9"
TARGET = "#000000"
WIDTH = 800
LABEL = 150
RIGHT = 280


def empty(message: str) -> str:
    return f'<p class="empty">{esc(message)}</p>'


def status_mark(status: str | None) -> str:
    """The status as a symbol and a word (never a colour alone)."""
    if not status or status not in STATUS:
        return ""
    symbol, css, _ = STATUS[status]
    return f'<span class="st {css}" aria-hidden="true">{symbol}</span> {esc(status)}'


def short(amount: float | None) -> str:
    """A figure in whole units with k/M: 1.2M, 350k, 980."""
    if amount is None:
        return "-"
    sign = "-" if amount < 0 else ""
    value = abs(amount)
    if value >= 1_000_000:
        return f"{sign}{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{sign}{value / 1_000:.0f}k"
    if value >= 1_000:
        return f"{sign}{value / 1_000:.1f}k"
    return f"{sign}{value:.0f}" if float(value).is_integer() or value >= 100 else f"{sign}{value:.1f}"


def _svg(title: str, width: int, height: int, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
        f"<title>{esc(title)}</title>" + "".join(body) + "</svg>"
    )


def bullet(title: str, items: list[dict], value_name: str, marker_name: str, band_name: str | None = None) -> str:
    """One row per item: the band up to `band` (e.g. the full-year target), the bar up to `value` (the actual),
    a tick at `marker` (e.g. the target to date), and the status as symbol and word at the right."""
    items = [i for i in items if i.get("value") is not None or i.get("marker") is not None]
    if not items:
        return empty(f"{title}: no figures to chart")
    row_h = 24
    top = 22
    height = top + row_h * len(items) + 8
    scale_max = max(max(i.get("value") or 0, i.get("marker") or 0, i.get("band") or 0) for i in items) or 1
    span = WIDTH - LABEL - RIGHT

    def x(value: float) -> str:
        return num(LABEL + span * max(0.0, value) / scale_max)

    legend = f'<rect x="{LABEL}" y="4" width="14" height="8" fill="{BAR}"/><text x="{LABEL + 18}" y="12" class="lg">{esc(value_name)}</text>'
    legend += f'<rect x="{LABEL + 130}" y="2" width="2.5" height="12" fill="{TARGET}"/><text x="{LABEL + 138}" y="12" class="lg">{esc(marker_name)}</text>'
    if band_name:
        legend += f'<rect x="{LABEL + 290}" y="4" width="14" height="8" fill="{BAND}"/><text x="{LABEL + 308}" y="12" class="lg">{esc(band_name)}</text>'
    body = [legend]
    for n, item in enumerate(items):
        y = top + n * row_h
        body.append(f'<text x="{LABEL - 6}" y="{y + 15}" class="lb" text-anchor="end">{esc(_cut(item["label"], 26))}</text>')
        if item.get("band"):
            body.append(f'<rect x="{LABEL}" y="{y + 3}" width="{num(span * max(0.0, item["band"]) / scale_max)}" height="16" fill="{BAND}"/>')
        if item.get("value") is not None:
            body.append(f'<rect x="{LABEL}" y="{y + 7}" width="{num(span * max(0.0, item["value"]) / scale_max)}" height="8" fill="{BAR}"/>')
        if item.get("marker") is not None:
            body.append(f'<rect x="{num(float(x(item["marker"])) - 1.25)}" y="{y + 2}" width="2.5" height="18" fill="{TARGET}"/>')
        status = item.get("status")
        mark = ""
        if status in STATUS:
            symbol, css, colour = STATUS[status]
            mark = f'<tspan class="{css}" fill="{colour}">{symbol}</tspan> {esc(status)} '
        body.append(f'<text x="{WIDTH - RIGHT + 6}" y="{y + 15}" class="lb">{mark}{esc(item.get("text", ""))}</text>')
    return _svg(title, WIDTH, height, body)


def bars(title: str, items: list[dict], unit: str = "") -> str:
    """Horizontal bars: one per item (label, value, text); an item without value shows its text only."""
    if not items or not any(i.get("value") for i in items):
        return empty(f"{title}: nothing to chart")
    row_h = 22
    height = row_h * len(items) + 8
    scale_max = max(i.get("value") or 0 for i in items) or 1
    span = WIDTH - LABEL - RIGHT
    body = []
    for n, item in enumerate(items):
        y = 4 + n * row_h
        body.append(f'<text x="{LABEL - 6}" y="{y + 14}" class="lb" text-anchor="end">{esc(_cut(item["label"], 26))}</text>')
        value = item.get("value") or 0
        body.append(f'<rect x="{LABEL}" y="{y + 4}" width="{num(span * max(0.0, value) / scale_max)}" height="12" fill="{item.get("colour", BAR)}"/>')
        body.append(f'<text x="{num(LABEL + span * max(0.0, value) / scale_max + 6)}" y="{y + 14}" class="lb">{esc(item.get("text", ""))}</text>')
    return _svg(title, WIDTH, height, body)


def lines(title: str, series: list[dict]) -> str:
    """Small multiples: per series, the cumulative target (dashed) and the cumulative actual (solid) by period.
    series: label, status, points = [(period, cumulative_target, cumulative_actual or None)]."""
    series = [s for s in series if s["points"] and any(p[1] or p[2] for p in s["points"])]
    if not series:
        return empty(f"{title}: no figures to chart")
    out = ['<div class="multiples">']
    w, h, left, bottom = 230, 130, 34, 18
    for s in series:
        points = s["points"]
        top_value = max(max(p[1] or 0, p[2] or 0) for p in points) or 1
        step = (w - left - 8) / max(len(points) - 1, 1)

        def xy(i: int, value: float) -> str:
            return f"{num(left + i * step)},{num(h - bottom - (h - bottom - 20) * value / top_value)}"

        body = [f'<text x="4" y="13" class="lb">{esc(_cut(s["label"], 24))}</text>']
        if s.get("status") in STATUS:
            symbol, css, colour = STATUS[s["status"]]
            body.append(f'<text x="{w - 4}" y="13" class="lb" text-anchor="end"><tspan class="{css}" fill="{colour}">{symbol}</tspan> {esc(s["status"])}</text>')
        body.append(f'<line x1="{left}" y1="{h - bottom}" x2="{w - 4}" y2="{h - bottom}" stroke="#999" stroke-width="1"/>')
        body.append(f'<text x="{left - 3}" y="24" class="ax" text-anchor="end">{esc(short(top_value))}</text>')
        body.append(f'<text x="{left}" y="{h - 4}" class="ax">{esc(points[0][0])}</text>')
        body.append(f'<text x="{w - 4}" y="{h - 4}" class="ax" text-anchor="end">{esc(points[-1][0])}</text>')
        target = " ".join(xy(i, p[1] or 0) for i, p in enumerate(points) if p[1] is not None)
        if target:
            body.append(f'<polyline points="{target}" fill="none" stroke="{TARGET}" stroke-width="1.5" stroke-dasharray="4 3"/>')
        done = [(i, p[2]) for i, p in enumerate(points) if p[2] is not None]
        if done:
            body.append(f'<polyline points="{" ".join(xy(i, v) for i, v in done)}" fill="none" stroke="{BAR}" stroke-width="2.5"/>')
            i, v = done[-1]
            cx, cy = xy(i, v).split(",")
            body.append(f'<circle cx="{cx}" cy="{cy}" r="3.5" fill="{BAR}"/>')
        out.append(_svg(f"{title}: {s['label']}", w, h, body))
    out.append("</div>")
    legend = (
        '<p class="legend"><svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" y2="5" stroke="#0072B2" stroke-width="2.5"/></svg> cumulative actual '
        '<svg width="28" height="10" aria-hidden="true"><line x1="0" y1="5" x2="28" y2="5" stroke="#000" stroke-width="1.5" stroke-dasharray="4 3"/></svg> cumulative seasonal target</p>'
    )
    return legend + "".join(out)


def heatmap(title: str, rows: list[str], columns: list[str], cells: dict[tuple[str, str], dict]) -> str:
    """Rows x columns; each cell's shade is its rate (light = low, dark = high, readable in greyscale), its text
    the rate, and an alert is framed and marked with a triangle pointing the way of the difference."""
    if not rows or not columns or not cells:
        return empty(f"{title}: no closed deals to chart")
    cw, ch = 110, 26
    height = 24 + ch * len(rows) + 6
    width = LABEL + cw * len(columns) + 10
    body = []
    for j, column in enumerate(columns):
        body.append(f'<text x="{LABEL + j * cw + cw / 2:.0f}" y="16" class="lb" text-anchor="middle">{esc(_cut(column, 16))}</text>')
    for i, row in enumerate(rows):
        y = 24 + i * ch
        body.append(f'<text x="{LABEL - 6}" y="{y + 17}" class="lb" text-anchor="end">{esc(_cut(row, 26))}</text>')
        for j, column in enumerate(columns):
            x = LABEL + j * cw
            cell = cells.get((row, column))
            if not cell or cell.get("rate") is None:
                body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" fill="#ffffff" stroke="#ccc"/>')
                body.append(f'<text x="{x + cw / 2:.0f}" y="{y + 17}" class="ax" text-anchor="middle">no closed deal</text>')
                continue
            rate = max(0.0, min(1.0, cell["rate"]))
            light = round(96 - 62 * rate)  # lightness 96% (0%) .. 34% (100%)
            fill = f"hsl(205,70%,{light}%)"
            ink = "#000" if light > 55 else "#fff"
            alert = cell.get("alert")
            stroke = ' stroke="#000" stroke-width="3"' if alert else ""
            body.append(f'<rect x="{x + 1}" y="{y + 1}" width="{cw - 2}" height="{ch - 2}" fill="{fill}"{stroke}/>')
            mark = ("\u25bc " if (cell.get("difference") or 0) < 0 else "\u25b2 ") if alert else ""
            body.append(f'<text x="{x + cw / 2:.0f}" y="{y + 17}" class="lb" text-anchor="middle" fill="{ink}">{mark}{cell["rate"]:.0%} of {cell.get("closed", 0)}</text>')
    return _svg(title, width, height, body)


def _cut(text, size: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= size else text[: size - 1] + "\u2026"
