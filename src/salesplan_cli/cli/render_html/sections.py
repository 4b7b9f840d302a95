"""Which chart(s) a report table gets, chosen by its name and columns; each built from the table's own figures."""

from __future__ import annotations

from collections import OrderedDict

from ..render_report import records
from .charts import bars, bullet, heatmap, lines, short

SPECIAL = ("<total>", "<unplanned>", "<unsegmented>")
AGE_LABELS = {"age_0_30": "0-30 days", "age_31_90": "31-90 days", "age_91_180": "91-180 days", "age_over_180": "over 180 days", "age_unknown": "age unknown"}


def charts_for(name: str, frame, currency: str, stages: list[str] | None = None) -> list[str]:
    """The SVG (or empty-state) blocks for one table; [] for a table shown as a table only."""
    columns = {str(c) for c in frame.columns}
    rows = records(frame)
    first = str(frame.columns[0]) if len(frame.columns) else ""
    if {"period", "cumulative_actual", "cumulative_target"} <= columns:
        return [_lines(rows, first)]
    if {"actual", "target", "attainment"} <= columns and name != "dashboard":
        return [_attainment(rows, first, currency)]
    if {"done", "planned"} <= columns:
        return [_activity(rows, first)]
    if name == "coverage" and {"targeted", "touched", "due"} <= columns:
        return [_coverage(rows)]
    if {"stage", "value", "value_unknown"} <= columns:
        return _pipeline(rows, currency, stages or [])
    if name == "pipeline_coverage":
        return [_pipeline_coverage(rows, currency)]
    if {"win_rate", "closed"} <= columns:
        return [_conversion(rows, first)]
    return []


def _plain_rows(rows, key):
    return [r for r in rows if str(r.get(key)) not in SPECIAL]


def _attainment(rows, key, currency):
    items = []
    for r in _plain_rows(rows, key):
        if r.get("target") is None:
            continue
        ratio = r.get("attainment")
        items.append(
            {
                "label": r.get(key),
                "value": r.get("actual"),
                "marker": r.get("target"),
                "band": r.get("annual_target"),
                "status": r.get("status"),
                "text": f"{ratio:.0%}" if ratio is not None else "no target to date",
            }
        )
    band = "full-year target" if any(i.get("band") for i in items) else None
    return bullet(f"Attainment by {key}", items, f"actual ({currency})", "target to date", band)


def _lines(rows, key):
    series: OrderedDict[str, dict] = OrderedDict()
    for r in rows:
        group = str(r.get(key))
        if group == "<unplanned>":
            continue
        s = series.setdefault(group, {"label": group, "points": [], "status": ""})
        s["points"].append((r["period"], r.get("cumulative_target"), r.get("cumulative_actual")))
        if r.get("status"):
            s["status"] = r["status"]
    return lines(f"Cumulative actual vs seasonal target by {key}", list(series.values()))


def _activity(rows, key):
    groups: OrderedDict[str, dict] = OrderedDict()
    for r in _plain_rows(rows, key):
        g = groups.setdefault(str(r.get(key)), {"done": 0, "planned": 0.0, "statuses": set()})
        g["done"] += r.get("done") or 0
        g["planned"] += r.get("planned") or 0
        g["statuses"].add(r.get("status") or "")
    items = []
    for label, g in groups.items():
        ratio = g["done"] / g["planned"] if g["planned"] else None
        status = next(iter(g["statuses"])) if len(g["statuses"]) == 1 else ""
        text = f"{g['done']:,} of {g['planned']:,.0f}" + (f" ({ratio:.0%})" if ratio is not None else "")
        items.append({"label": label, "value": g["done"], "marker": g["planned"], "status": status, "text": text})
    return bullet(f"Actions done vs planned by {key}", items, "done", "planned")


def _coverage(rows):
    groups: OrderedDict[str, dict] = OrderedDict()
    for r in _plain_rows(rows, "segment"):
        g = groups.setdefault(str(r.get("segment")), {"targeted": 0, "touched": 0, "due": 0.0})
        g["targeted"] += r.get("targeted") or 0
        g["touched"] += r.get("touched") or 0
        g["due"] += r.get("due") or 0
    items = [
        {"label": f"segment {s}", "value": g["touched"], "marker": g["due"], "band": g["targeted"], "text": f"{g['touched']:,} of {g['targeted']:,} touched"}
        for s, g in groups.items()
    ]
    return bullet("Targeted accounts touched by segment", items, "touched", "due to date", "targeted")


def _pipeline(rows, currency, order: list[str]):
    stages: OrderedDict[str, dict] = OrderedDict((stage, {"value": 0.0, "count": 0, "unknown": 0}) for stage in order)
    ages = {column: 0 for column in AGE_LABELS}
    for r in _plain_rows(rows, "rep"):
        s = stages.setdefault(str(r.get("stage")), {"value": 0.0, "count": 0, "unknown": 0})
        s["value"] += r.get("value") or 0
        s["count"] += r.get("count") or 0
        s["unknown"] += r.get("value_unknown") or 0
        for column in ages:
            ages[column] += r.get(column) or 0
    items = []
    for stage, s in stages.items():
        if not s["count"] and stage in order and stage not in {str(r.get("stage")) for r in rows}:
            continue  # a stage of the strategy with no open deal (won and lost stages)
        text = f"{short(s['value'])} {currency} \u00b7 {s['count']:,} deals"
        if s["unknown"]:
            text += f" \u00b7 {s['unknown']:,} value unknown"
        items.append({"label": stage, "value": s["value"], "text": text})
    out = [bars("Open pipeline by stage", items)]
    if any(ages.values()):
        out.append(bars("Open deals by age", [{"label": AGE_LABELS[c], "value": n, "text": f"{n:,} deals"} for c, n in ages.items()]))
    return out


def _pipeline_coverage(rows, currency):
    items = []
    for r in _plain_rows(rows, "rep"):
        cover = r.get("coverage")
        text = f"{cover:.2f}x" if cover is not None else ("target met" if (r.get("remaining_target") or 0) <= 0 else "")
        items.append({"label": r.get("rep"), "value": r.get("open_in_rest"), "marker": r.get("remaining_target"), "status": r.get("status"), "text": text})
    return bullet("Pipeline coverage of the remaining target", items, f"open pipeline ({currency})", "target remaining")


def _conversion(rows, key):
    plain = [r for r in rows if str(r.get("rep", r.get(key))) not in SPECIAL and str(r.get(key)) not in SPECIAL]
    if rows and "rep" in rows[0] and "product" in rows[0]:
        reps = list(dict.fromkeys(r["rep"] for r in plain))
        products = list(dict.fromkeys(str(r["product"]) for r in plain if str(r["product"]) not in SPECIAL))
        cells = {
            (r["rep"], str(r["product"])): {"rate": r.get("win_rate"), "closed": r.get("closed"), "alert": bool(r.get("alert")), "difference": r.get("difference")}
            for r in plain
            if r.get("closed")
        }
        return heatmap("Win rate by seller and product range (framed: a significant gap)", reps, products, cells)
    items = [
        {"label": r.get(key), "value": r.get("win_rate") or 0, "text": f"{r['win_rate']:.0%} of {r.get('closed', 0)} closed" if r.get("win_rate") is not None else "no closed deal"}
        for r in plain
    ]
    return bars(f"Win rate by {key}", items)
