"""A PAM and the team index as Markdown, JSON and YAML (the XLSX rendering is in xlsx.py)."""

from __future__ import annotations

import calendar
import json
import re
from typing import Any

FORMATS = ("md", "xlsx", "json", "yaml")
EXTENSIONS = {"md": ".md", "xlsx": ".xlsx", "json": ".json", "yaml": ".yaml"}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|#~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")

#: The deals-to-push column of the outputs expected at the stages a deal has passed that its export does not
#: record (reports.quality); shown when an export links the expected outputs (data.opportunities.expected).
MISSING_HEADER = "Missing from the stages passed"


def plain_text(value: Any) -> str:
    """Text from a plan or an export, on one line, without control or bidirectional-override characters,
    nor characters XML cannot hold (U+FFFE, U+FFFF, lone surrogates)."""
    text = "" if value is None else str(value)
    return _CONTROL.sub("", text.replace("\r\n", " ").replace("\n", " ").replace("\r", " "))


_LINK_LIKE = re.compile(r"(?i)[a-z][a-z0-9+.-]*://|\bwww\.|@|\b(?:mailto|xmpp):")


def md_text(value: Any) -> str:
    """Text for Markdown: on one line, Markdown and HTML characters escaped (a CRM name cannot become a link).

    Text that a renderer could autolink (a URL, `www.`, an e-mail address) goes in a code span, which no
    renderer turns into a link.
    """
    text = plain_text(value)
    if _LINK_LIKE.search(text):
        return "`" + text.replace("`", "'").replace("|", "\\|") + "`"
    return _MD_SPECIAL.sub(r"\\\1", text.replace("&", "&amp;"))


def money_text(value: float | None) -> str:
    return "" if value is None else f"{value:,.2f}"


def pct_text(value: float | None) -> str:
    """A ratio as a percentage: whole where it is whole, else to one decimal (89.9% must not read as 90%)."""
    if value is None:
        return ""
    whole = abs(value * 100 - round(value * 100)) < 1e-9
    return f"{value:.0%}" if whole else f"{value:.1%}"


def _volume_text(value: float) -> str:
    """A volume objective shown to one decimal, without a trailing .0: 12, 0.3."""
    return f"{value:,.1f}".removesuffix(".0")


def month_title(label: str) -> str:
    year, month = label.split("-")
    return f"{calendar.month_name[int(month)]} {year}"


def _table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---:" if i in right else "---" for i in range(len(headers))) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell if cell else " " for cell in row) + " |")
    return lines


def summary_value(metric: str, key: str, value: Any) -> str:
    """A cell of the last-month summary: money, counts, ratios or multiples by metric."""
    if value is None:
        return ""
    if key in ("ratio", "benchmark"):
        return f"{value:.2f}x" if metric == "pipeline" and key == "ratio" else pct_text(value)
    if metric in ("revenue", "pipeline"):
        return money_text(value)
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{int(value):,}" if isinstance(value, (int, float)) else md_text(value)


def to_markdown(doc: dict) -> str:
    cur = doc["currency"]
    head = doc["headline"]
    catching = doc["mode"] == "catch-up"
    out = [f"# Monthly action plan: {md_text(doc['name'])}, {month_title(doc['month'])}", ""]
    who = [f"Rep {md_text(doc['rep'])}", f"team {md_text(doc['team'])}" + (f" ({md_text(doc['manager'])})" if doc["manager"] else "")]
    if doc["territory"]:
        who.append(f"territory {md_text(doc['territory'])}")
    out += [", ".join(who) + f". {md_text(doc['company'])}.", ""]
    source = f"CRM data as of {doc['as_of']}" if doc["crm_data"] else "Plan only (no CRM data)"
    out += [f"Fiscal month {doc['fiscal_month']} of 12, {doc['days_in_post']} days in post. {source}. Mode: {doc['mode']}. Amounts in {cur}.", ""]

    out += ["## At a glance", ""]
    glance = [["Revenue objective (plan)", money_text(head["revenue_plan"])]]
    if catching:
        glance.append(["Revenue objective (catch-up)", money_text(head["revenue_catch_up"])])
    glance.append(["Actions: planned / objective", f"{head['actions_planned']:,} / {head['actions_objective']:,}"])
    if "actions_booked" in head:
        glance.append(["Actions: done this month / booked / still to book", f"{head['actions_done_in_month']:,} / {head['actions_booked']:,} / {head['actions_to_book']:,}"])
    if doc["crm_data"]:
        if head["accounts_never_touched"] is None:
            glance.append(["Accounts due", f"{head['accounts_due']:,}"])
        else:
            glance.append(["Accounts due (never touched)", f"{head['accounts_due']:,} ({head['accounts_never_touched']:,})"])
        glance.append(["Deals to push", f"{head['deals_to_push']:,}"])
        if head["closing_this_month"] is not None:
            glance.append(["Open deals closing this month", money_text(head["closing_this_month"])])
        if head["last_month_attainment"] is not None:
            glance.append(["Last month's revenue attainment", pct_text(head["last_month_attainment"])])
    out += _table(["", ""], glance, {1}) + [""]

    revenue = doc["revenue"]
    out += ["## 1. Objectives of the month", "", "### Revenue by segment", ""]
    headers = ["Segment", "Name", "Annual", "Plan"] + (["Catch-up"] if catching else []) + ["Target before the month", "Sold before the month"]
    rows = []
    for r in revenue["segments"]:
        row = [md_text(r["segment"]), md_text(r["name"] or ""), money_text(r["annual"]), money_text(r["plan"])]
        if catching:
            row.append(money_text(r["catch_up"]))
        row += [money_text(r["ytd_target"]), money_text(r["ytd_actual"])]
        rows.append(row)
    total = ["**Total**", "", money_text(revenue["annual"]), money_text(revenue["plan"])] + ([money_text(revenue["catch_up"])] if catching else []) + ["", ""]
    rows.append(total)
    out += _table(headers, rows, set(range(2, len(headers)))) + [""]
    if revenue["products"]:
        out += ["### Revenue by product range", ""]
        headers = ["Product range", "Plan"] + (["Catch-up"] if catching else [])
        rows = [[md_text(r["product"]), money_text(r["plan"])] + ([money_text(r["catch_up"])] if catching else []) for r in revenue["products"]]
        out += _table(headers, rows, {1, 2}) + [""]
    if catching:
        out += [
            f"Catch-up: {money_text(revenue['actual_before'])} sold of {money_text(revenue['target_before'])} planned before the month; "
            f"{money_text(revenue['missing'])} missing, spread over the months left in proportion to the plan. "
            f"Still to sell this fiscal year: {money_text(revenue['remaining_target'])}. "
            "The catch-up is reckoned on the total (a segment ahead of its plan makes up for one behind) and goes to the "
            "segments that are behind, in proportion to their shortfall.",
            "",
        ]
        rows = [[p["month"], money_text(p["plan"]), money_text(p["catch_up"])] for p in revenue["catch_up_path"]]
        out += _table(["Month", "Plan", "Catch-up"], rows, {1, 2}) + [""]

    if doc.get("volume"):
        out += ["### Volume", ""]
        rows = [
            [md_text(v["label"]), md_text(v["key"]), _volume_text(v["annual"]), _volume_text(v["plan"]), _volume_text(v["ytd_target"])]
            for v in doc["volume"]
        ]
        out += _table(["Objective", "Segment or range", "Annual", "Plan", "Target before the month"], rows, {2, 3, 4}) + [""]

    out += ["## 2. Activity objectives", ""]
    if doc["activity"]:
        rows = []
        for a in doc["activity"]:
            known = a["done_before"] is not None
            done = f"{a['done_before']:,}" if known else ""
            before = f"{a['planned_before']:,.1f}" if known else ""
            missing = f"{a['missing']:,.1f}" if known else ""
            rows.append([md_text(a["segment"]), md_text(a["action"]), f"{a['planned']:,}", before, done, missing, f"**{a['objective']:,}**"])
            if "booked" in a:
                rows[-1] += [f"{a['done_in_month']:,}", f"{a['booked']:,}", f"{a['to_book']:,}"]
        headers = ["Segment", "Action", "Planned", "Planned before the month", "Done before the month", "Missing", "Objective"]
        booking = "booked" in doc["activity"][0]
        if booking:
            headers += ["Done this month", "Booked", "To book"]
        out += _table(headers, rows, {2, 3, 4, 5, 6, 7, 8, 9} if booking else {2, 3, 4, 5, 6}) + [""]
        out += ["Objective = planned + the actions missing to date spread over the months left.", ""]
        if booking:
            out += [
                "Done this month = actions done in the month up to the as-of day; booked = actions already in the calendar "
                "for the rest of the month (dated after the as-of day); to book = objective - done this month - booked.",
                "",
            ]
    else:
        out += ["No actions planned: the plan declares no portfolio accounts with norms.", ""]

    out += ["## 3. Accounts to work", ""]
    if doc["crm_data"] and head["accounts_targeted"]:
        out += [f"Targeted accounts: {head['accounts_targeted']:,} in the CRM; {head['accounts_planned']:,} planned in the plan's portfolio.accounts.", ""]
    if doc["accounts"]:
        rows = []
        roles = any(a.get("roles_to_meet") is not None for a in doc["accounts"])
        for i, a in enumerate(doc["accounts"], 1):
            rows.append(
                [
                    str(i),
                    md_text(a["account"]),
                    md_text(a["name"] or ""),
                    md_text(a["segment"] or "-"),
                    md_text(a["status"] or ""),
                    a["last_action"] or ("never" if a["never_touched"] else "unknown"),
                    "" if a["days_since"] is None else f"{a['days_since']:,}",
                    md_text(", ".join(a["due"])),
                ]
                + ([md_text(", ".join(a["roles_to_meet"]) or "-") if a.get("roles_to_meet") is not None else ""] if roles else [])
            )
        out += _table(["#", "Account", "Name", "Segment", "Status", "Last action", "Days since", "Due"] + (["Roles to meet"] if roles else []), rows, {0, 6}) + [""]
        if doc["accounts_not_listed"]:
            out += [f"And {doc['accounts_not_listed']:,} more accounts are due (list them all with --top {head['accounts_due']}).", ""]
    else:
        out += ["No targeted account is due this month." if doc["crm_data"] else "No named accounts in the plan; the CRM data lists the targeted accounts.", ""]

    out += ["## 4. Opportunities to push", ""]
    if doc["deals"]:
        rows = []
        measured = any(d.get("missing") is not None for d in doc["deals"])  # an export links the expected outputs
        for d in doc["deals"]:
            rows.append(
                [
                    md_text(d["id"]),
                    md_text(d["name"] or ""),
                    md_text(d["account"] or ""),
                    md_text(d["stage"]),
                    money_text(d["amount"]) if d["amount"] is not None else "unknown",
                    money_text(d["weighted"]),
                    d["close_date"] or "",
                    "" if d["age_days"] is None else f"{d['age_days']:,}",
                    md_text(", ".join(d["why"])),
                    md_text("; ".join(d["expected"])),
                ]
                + ([md_text("; ".join(d.get("missing") or []))] if measured else [])
            )
        headers = ["Deal", "Name", "Account", "Stage", "Amount", "Weighted", "Close date", "Age (days)", "Why", "To get at this stage"]
        out += _table(headers + ([MISSING_HEADER] if measured else []), rows, {4, 5, 7}) + [""]
        if doc["deals_not_listed"]:
            out += [f"And {doc['deals_not_listed']:,} more deals to push (list them all with --top {head['deals_to_push']}).", ""]
    else:
        out += ["No open deal is overdue, closing this month or stale." if doc["crm_data"] else "Plan only: the CRM data lists the deals to push.", ""]

    last = doc["last_month"]
    title = f"## 5. Last month in review ({last['month']})" if last["month"] else "## 5. Last month in review"
    out += [title, ""]
    if last.get("note"):
        out += [f"_{md_text(last['note'])}_", ""]
    if last["summary"]:
        rows = []
        for r in last["summary"]:
            rows.append([md_text(r["metric"])] + [summary_value(r["metric"], k, r[k]) for k in ("actual", "plan", "ratio", "gap", "benchmark")] + [md_text(r["status"])])
        out += _table(["Metric", "Actual", "Plan", "Ratio", "Gap", "Benchmark", "Status"], rows, {1, 2, 3, 4, 5}) + [""]
    if last["talking_points"]:
        out += ["### Talking points", ""] + [f"- {md_text(p)}" for p in last["talking_points"]] + [""]

    out += ["## 6. Methods", ""]
    if doc["methods"]:
        for m in doc["methods"]:
            out += [f"### {md_text(m['stage'])}", ""]
            if m["pitch"]:
                out += [f"Pitch: {md_text(m['pitch'])}", ""]
            if m["questions"]:
                out += ["Questions:", ""] + [f"- {md_text(q)}" for q in m["questions"]] + [""]
            if m["expected"]:
                out += ["Expected before moving on: " + md_text("; ".join(m["expected"])), ""]
            if m["notes"]:
                out += [md_text(m["notes"]), ""]
    else:
        out += ["The plan gives no methods (methods: in the rep's plan).", ""]
    if doc["notes"]:
        out += ["---", ""] + [f"_Note: {md_text(n)}_" for n in doc["notes"]] + [""]
    return "\n".join(out).rstrip("\n") + "\n"


def to_json(doc: dict) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def to_yaml(doc: dict) -> str:
    import yaml

    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False)


# --- the index ------------------------------------------------------------------------------------------


def index_row(doc: dict, file_name: str) -> dict:
    head = doc["headline"]
    return {
        "rep": doc["rep"],
        "name": doc["name"],
        "team": doc["team"],
        "file": file_name,
        "revenue_plan": head["revenue_plan"],
        "revenue_catch_up": head["revenue_catch_up"],
        "actions_objective": head["actions_objective"],
        "accounts_due": head["accounts_due"],
        "deals_to_push": head["deals_to_push"],
        "closing_this_month": head["closing_this_month"],
        "last_month_attainment": head["last_month_attainment"],
    }


def index_document(month: str, as_of: str, mode: str, currency: str, company: str, rows: list[dict], not_in_post: list[str]) -> dict:
    return {"layout": 1, "company": company, "month": month, "as_of": as_of, "mode": mode, "currency": currency, "pams": rows, "not_in_post": not_in_post}


def index_markdown(index: dict) -> str:
    catching = index["mode"] == "catch-up"
    out = [f"# Monthly action plans, {month_title(index['month'])}", ""]
    out += [f"{md_text(index['company'])}. As of {index['as_of']}, mode {index['mode']}, amounts in {index['currency']}.", ""]
    headers = ["Rep", "Name", "Team", "Revenue (plan)"] + (["Revenue (catch-up)"] if catching else []) + ["Actions (objective)", "Accounts due", "Deals to push", "Closing this month", "Last month"]
    rows = []
    for r in index["pams"]:
        link = f"[{md_text(r['rep'])}]({r['file']})"
        row = [link, md_text(r["name"]), md_text(r["team"]), money_text(r["revenue_plan"])]
        if catching:
            row.append(money_text(r["revenue_catch_up"]))
        row += [f"{r['actions_objective']:,}", f"{r['accounts_due']:,}", f"{r['deals_to_push']:,}", money_text(r["closing_this_month"]), pct_text(r["last_month_attainment"])]
        rows.append(row)
    out += _table(headers, rows, set(range(3, len(headers)))) + [""]
    if index["not_in_post"]:
        out += [f"Not in post this month (no PAM): {', '.join(md_text(r) for r in index['not_in_post'])}.", ""]
    return "\n".join(out).rstrip("\n") + "\n"
