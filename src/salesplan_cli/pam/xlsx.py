"""A PAM and the team index as XLSX workbooks: one sheet per section, byte-identical for identical inputs.

Every text cell is stored as text (never a formula: a CRM value starting with = + - @ stays text, with
Excel's quote prefix); amounts are numbers with the currency's number format; dates are dates.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

from .formats import MISSING_HEADER, month_title, plain_text

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
#: A fixed time for the workbook's properties and zip entries, so that identical inputs give identical bytes.
_EPOCH = dt.datetime(2000, 1, 1)

MONEY, COUNT, PERCENT, MULTIPLE, DATE, TEXT, DECIMAL = "money", "count", "percent", "multiple", "date", "text", "decimal"


class _Sheet:
    def __init__(self, workbook, title: str, currency: str):
        self.ws = workbook.create_sheet(title)
        self.row = 1
        self.currency = currency
        self.widths: dict[int, int] = {}

    def put(self, col: int, value: Any, kind: str = TEXT, bold: bool = False) -> None:
        from openpyxl.styles import Font

        cell = self.ws.cell(row=self.row, column=col)
        if value is None or value == "":
            return
        if kind == TEXT or isinstance(value, str) and kind not in (DATE,):
            shown = write_text(cell, value)
        elif kind == DATE:
            cell.value = dt.date.fromisoformat(value) if isinstance(value, str) else value
            cell.number_format = "yyyy-mm-dd"
            shown = 10
        else:
            cell.value = value
            cell.number_format = {
                MONEY: f'#,##0.00 "{self.currency}"',
                COUNT: "#,##0",
                PERCENT: "0.0%",
                MULTIPLE: '0.00"x"',
                DECIMAL: "#,##0.0",
            }[kind]
            shown = 16 if kind == MONEY else 8
        if bold:
            cell.font = Font(bold=True)
        self.widths[col] = max(self.widths.get(col, 0), min(shown + 2, 60))

    def line(self, *cells: tuple[Any, str] | Any, bold: bool = False) -> None:
        widths = dict(self.widths)
        for col, item in enumerate(cells, 1):
            value, kind = item if isinstance(item, tuple) else (item, TEXT)
            self.put(col, value, kind, bold)
        if len(cells) == 1:  # a title or a sentence: it may run over the next columns, the column keeps its width
            self.widths = widths
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def table(self, headers: list[str], rows: list[list[tuple[Any, str]]]) -> None:
        self.line(*headers, bold=True)
        for row in rows:
            self.line(*row)

    def finish(self) -> None:
        from openpyxl.utils import get_column_letter

        for col, width in sorted(self.widths.items()):
            self.ws.column_dimensions[get_column_letter(col)].width = max(width, 8)


def write_text(cell, value) -> int:
    """`value` into `cell` as plain text, never a formula (text from exports starting with = + - @ stays text);
    its length, for the column width."""
    text = plain_text(value)
    cell.value = text
    cell.data_type = "s"
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True
    return len(text)


def _workbook():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.creator = "salesplan"
    workbook.properties.lastModifiedBy = "salesplan"
    workbook.properties.created = _EPOCH
    workbook.properties.modified = _EPOCH
    return workbook


def _bytes(workbook) -> bytes:
    """The workbook's bytes, with fixed zip timestamps (openpyxl stamps the time of the run)."""
    raw = io.BytesIO()
    workbook.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time as `modified`
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            target.writestr(fixed, data)
    return out.getvalue()


def _figure_kind(metric: str, value: Any) -> str:
    """Money for revenue and pipeline figures, whole counts where the value is whole, else one decimal."""
    if metric in ("revenue", "pipeline"):
        return MONEY
    return COUNT if isinstance(value, int) or (isinstance(value, float) and value.is_integer()) else DECIMAL


def to_xlsx(doc: dict) -> bytes:
    workbook = _workbook()
    cur = doc["currency"]
    catching = doc["mode"] == "catch-up"
    head = doc["headline"]

    s = _Sheet(workbook, "Summary", cur)
    s.line(f"Monthly action plan: {doc['name']}, {month_title(doc['month'])}", bold=True)
    s.blank()
    for label, value, kind in (
        ("Rep", doc["rep"], TEXT),
        ("Team", doc["team"], TEXT),
        ("Manager", doc["manager"], TEXT),
        ("Territory", doc["territory"], TEXT),
        ("Company", doc["company"], TEXT),
        ("Month", doc["month"], TEXT),
        ("Fiscal month", doc["fiscal_month"], COUNT),
        ("Days in post", doc["days_in_post"], COUNT),
        ("CRM data as of", doc["as_of"] if doc["crm_data"] else "plan only", DATE if doc["crm_data"] else TEXT),
        ("Mode", doc["mode"], TEXT),
        ("Currency", cur, TEXT),
    ):
        s.line(label, (value, kind))
    s.blank()
    s.line("At a glance", bold=True)
    s.line("Revenue objective (plan)", (head["revenue_plan"], MONEY))
    if catching:
        s.line("Revenue objective (catch-up)", (head["revenue_catch_up"], MONEY))
    s.line("Actions planned", (head["actions_planned"], COUNT))
    s.line("Actions objective", (head["actions_objective"], COUNT))
    if "actions_booked" in head:
        s.line("Actions done this month", (head["actions_done_in_month"], COUNT))
        s.line("Actions booked", (head["actions_booked"], COUNT))
        s.line("Actions still to book", (head["actions_to_book"], COUNT))
    if doc["crm_data"]:
        s.line("Accounts targeted in the CRM", (head["accounts_targeted"], COUNT))
        s.line("Accounts planned (portfolio.accounts)", (head["accounts_planned"], COUNT))
        s.line("Accounts due", (head["accounts_due"], COUNT))
        s.line("Accounts never touched", (head["accounts_never_touched"], COUNT))
        s.line("Deals to push", (head["deals_to_push"], COUNT))
        s.line("Open deals closing this month", (head["closing_this_month"], MONEY))
        s.line("Last month's revenue attainment", (head["last_month_attainment"], PERCENT))
    for note in doc["notes"]:
        s.line("Note", note)
    s.finish()

    revenue = doc["revenue"]
    s = _Sheet(workbook, "Objectives", cur)
    headers = ["Segment", "Name", "Annual", "Plan"] + (["Catch-up"] if catching else []) + ["Target before the month", "Sold before the month"]
    rows = []
    for r in revenue["segments"]:
        row = [(r["segment"], TEXT), (r["name"], TEXT), (r["annual"], MONEY), (r["plan"], MONEY)]
        if catching:
            row.append((r["catch_up"], MONEY))
        rows.append(row + [(r["ytd_target"], MONEY), (r["ytd_actual"], MONEY)])
    rows.append([("Total", TEXT), (None, TEXT), (revenue["annual"], MONEY), (revenue["plan"], MONEY)] + ([(revenue["catch_up"], MONEY)] if catching else []))
    s.table(headers, rows)
    if revenue["products"]:
        s.blank()
        s.table(
            ["Product range", "Plan"] + (["Catch-up"] if catching else []),
            [[(r["product"], TEXT), (r["plan"], MONEY)] + ([(r["catch_up"], MONEY)] if catching else []) for r in revenue["products"]],
        )
    if doc.get("volume"):
        s.blank()
        s.table(
            ["Volume objective", "Segment or range", "Annual", "Plan", "Target before the month"],
            [[(v["label"], TEXT), (v["key"], TEXT), (v["annual"], DECIMAL), (v["plan"], DECIMAL), (v["ytd_target"], DECIMAL)] for v in doc["volume"]],
        )
    if catching:
        s.blank()
        s.line("Sold before the month", (revenue["actual_before"], MONEY))
        s.line("Planned before the month", (revenue["target_before"], MONEY))
        s.line("Missing", (revenue["missing"], MONEY))
        s.line("Still to sell this fiscal year", (revenue["remaining_target"], MONEY))
        s.blank()
        s.table(["Month", "Plan", "Catch-up"], [[(p["month"], TEXT), (p["plan"], MONEY), (p["catch_up"], MONEY)] for p in revenue["catch_up_path"]])
    s.finish()

    s = _Sheet(workbook, "Activity", cur)
    booking = bool(doc["activity"]) and "booked" in doc["activity"][0]
    s.table(
        ["Segment", "Action", "Planned", "Planned before the month", "Done before the month", "Missing", "Objective"] + (["Done this month", "Booked", "To book"] if booking else []),
        [
            [
                (a["segment"], TEXT), (a["action"], TEXT), (a["planned"], COUNT),
                (a["planned_before"] if a["done_before"] is not None else None, DECIMAL), (a["done_before"], COUNT),
                (a["missing"] if a["done_before"] is not None else None, DECIMAL), (a["objective"], COUNT),
            ] + ([(a["done_in_month"], COUNT), (a["booked"], COUNT), (a["to_book"], COUNT)] if booking else [])
            for a in doc["activity"]
        ],
    )
    s.finish()

    s = _Sheet(workbook, "Accounts", cur)
    roles = any(a.get("roles_to_meet") is not None for a in doc["accounts"])
    s.table(
        ["#", "Account", "Name", "Segment", "Status", "Last action", "Days since", "Due"] + (["Roles to meet"] if roles else []),
        [
            [
                (i, COUNT), (a["account"], TEXT), (a["name"], TEXT), (a["segment"], TEXT), (a["status"], TEXT),
                (a["last_action"], DATE) if a["last_action"] else ("never" if a["never_touched"] else "unknown", TEXT),
                (a["days_since"], COUNT), (", ".join(a["due"]), TEXT),
            ]
            + ([((", ".join(a["roles_to_meet"]) or "-") if a.get("roles_to_meet") is not None else None, TEXT)] if roles else [])
            for i, a in enumerate(doc["accounts"], 1)
        ],
    )
    if doc["accounts_not_listed"]:
        s.blank()
        s.line(f"And {doc['accounts_not_listed']} more accounts are due (list them all with --top {head['accounts_due']}).")
    s.finish()

    s = _Sheet(workbook, "Deals", cur)
    measured = any(d.get("missing") is not None for d in doc["deals"])  # an export links the expected outputs
    s.table(
        ["Deal", "Name", "Account", "Stage", "Amount", "Weighted", "Close date", "Age (days)", "Why", "To get at this stage"] + ([MISSING_HEADER] if measured else []),
        [
            [
                (d["id"], TEXT), (d["name"], TEXT), (d["account"], TEXT), (d["stage"], TEXT), (d["amount"], MONEY), (d["weighted"], MONEY),
                (d["close_date"], DATE), (d["age_days"], COUNT), (", ".join(d["why"]), TEXT), ("; ".join(d["expected"]), TEXT),
            ]
            + ([("; ".join(d.get("missing") or []), TEXT)] if measured else [])
            for d in doc["deals"]
        ],
    )
    if doc["deals_not_listed"]:
        s.blank()
        s.line(f"And {doc['deals_not_listed']} more deals to push (list them all with --top {head['deals_to_push']}).")
    s.finish()

    last = doc["last_month"]
    s = _Sheet(workbook, "Last month", cur)
    s.line(f"Last month in review: {last['month'] or '-'}", bold=True)
    if last.get("note"):
        s.line(last["note"])
    s.blank()
    if last["summary"]:
        rows = []
        for r in last["summary"]:
            ratio = MULTIPLE if r["metric"] == "pipeline" else PERCENT
            rows.append(
                [(r["metric"], TEXT)]
                + [(r[k], _figure_kind(r["metric"], r[k])) for k in ("actual", "plan")]
                + [(r["ratio"], ratio), (r["gap"], _figure_kind(r["metric"], r["gap"])), (r["benchmark"], PERCENT), (r["status"], TEXT)]
            )
        s.table(["Metric", "Actual", "Plan", "Ratio", "Gap", "Benchmark", "Status"], rows)
        s.blank()
    if last["talking_points"]:
        s.line("Talking points", bold=True)
        for point in last["talking_points"]:
            s.line(point)
    s.finish()

    s = _Sheet(workbook, "Methods", cur)
    s.table(
        ["Stage", "Pitch", "Questions", "Expected before moving on", "Notes"],
        [[(m["stage"], TEXT), (m["pitch"], TEXT), ("; ".join(m["questions"]), TEXT), ("; ".join(m["expected"]), TEXT), (m["notes"], TEXT)] for m in doc["methods"]],
    )
    s.finish()
    return _bytes(workbook)


def index_xlsx(index: dict) -> bytes:
    workbook = _workbook()
    catching = index["mode"] == "catch-up"
    s = _Sheet(workbook, "PAMs", index["currency"])
    s.line(f"Monthly action plans, {month_title(index['month'])}", bold=True)
    s.line(f"{index['company']}. As of {index['as_of']}, mode {index['mode']}.")
    s.blank()
    headers = ["Rep", "Name", "Team", "File", "Revenue (plan)"] + (["Revenue (catch-up)"] if catching else []) + ["Actions (objective)", "Accounts due", "Deals to push", "Closing this month", "Last month"]
    rows = []
    for r in index["pams"]:
        row = [(r["rep"], TEXT), (r["name"], TEXT), (r["team"], TEXT), (r["file"], TEXT), (r["revenue_plan"], MONEY)]
        if catching:
            row.append((r["revenue_catch_up"], MONEY))
        row += [(r["actions_objective"], COUNT), (r["accounts_due"], COUNT), (r["deals_to_push"], COUNT), (r["closing_this_month"], MONEY), (r["last_month_attainment"], PERCENT)]
        rows.append(row)
    first = s.row + 1
    s.table(headers, rows)
    for offset, r in enumerate(index["pams"]):  # the File cells open the rep's PAM (same folder)
        cell = s.ws.cell(row=first + offset, column=4)
        cell.hyperlink = r["file"]
        cell.style = "Hyperlink"
    if index["not_in_post"]:
        s.blank()
        s.line("Not in post this month (no PAM): " + ", ".join(index["not_in_post"]))
    s.finish()
    return _bytes(workbook)
