"""Canonical fields of each export kind, and the column names of known CRM exports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | amount | date | probability | quantity
    required: bool
    meaning: str


#: Canonical fields per export kind. Required fields must be mapped to a column.
FIELDS: dict[str, list[Field]] = {
    "opportunities": [
        Field("id", "text", True, "opportunity id, unique in the export"),
        Field("owner", "text", True, "owner: rep id, name or e-mail"),
        Field("account", "text", False, "account id or name (as in the accounts export); blank or absent: <no account>"),
        Field("stage", "text", True, "CRM stage, mapped to a plan stage"),
        Field("amount", "amount", True, "deal value; may be blank on a deal (value unknown)"),
        Field("close_date", "date", True, "expected or actual close date; may be blank on a deal"),
        Field("created_date", "date", False, "creation date (pipeline age)"),
        Field("probability", "probability", False, "win probability; default: the stage's"),
        Field("product", "text", False, "product, mapped to a product range"),
        Field("last_activity", "date", False, "last activity or change on the deal (stale deals)"),
        Field("name", "text", False, "opportunity name"),
        Field("status", "text", False, "open, won or lost when the CRM keeps it apart from the stage (Pipedrive)"),
        Field("line_amount", "amount", False, "one row per product line: the line's amount (the rows of an id are the deal's lines)"),
        Field("currency", "text", False, "ISO code of the amount's currency (multi-currency CRMs); blank: the workspace currency"),
        Field("quantity", "quantity", False, "units sold on the deal, or on the product line with line_amount (attainment's units); 0 or more"),
    ],
    "activities": [
        Field("owner", "text", True, "who did it: rep id, name or e-mail"),
        Field("account", "text", False, "account id or name; blank or absent: counted per rep and type, not in coverage"),
        Field("type", "text", True, "CRM activity type, mapped to an action type"),
        Field("date", "date", True, "day it was done"),
        Field("id", "text", False, "activity id"),
        Field("opportunity", "text", False, "opportunity id it relates to"),
        Field("status", "text", False, "task status, mapped to done or open (Completed, Not Started...)"),
        Field("contact_role", "text", False, "the contact's role or job title, mapped to a segment's contact role (roles reached)"),
    ],
    "accounts": [
        Field("id", "text", True, "account id or name, as used by the other exports"),
        Field("name", "text", False, "account name"),
        Field("status", "text", False, "CRM account type, mapped to prospect or customer"),
        Field("segment", "text", False, "segment id, when the CRM already holds it"),
        Field("owner", "text", False, "account owner: rep id, name or e-mail"),
    ],
    "sales": [
        Field("owner", "text", True, "who sold: rep id, name or e-mail"),
        Field("account", "text", True, "account id or name"),
        Field("amount", "amount", True, "amount invoiced or ordered (negative for credit notes)"),
        Field("date", "date", True, "order or invoice date"),
        Field("product", "text", False, "product, mapped to a product range"),
        Field("id", "text", False, "order or invoice id"),
        Field("currency", "text", False, "ISO code of the amount's currency (multi-currency CRMs); blank: the workspace currency"),
        Field("quantity", "quantity", False, "units sold (attainment's units); counted negative on a credit note"),
    ],
    "stage_history": [
        Field("opportunity", "text", True, "opportunity id"),
        Field("stage", "text", True, "stage entered"),
        Field("date", "date", True, "day the stage was entered"),
    ],
}

#: Column headers of each CRM's standard exports, per kind.
PRESETS: dict[str, dict[str, dict[str, str]]] = {
    "salesforce": {
        "opportunities": {
            "id": "Opportunity ID",
            "owner": "Opportunity Owner",
            "account": "Account Name",
            "stage": "Stage",
            "amount": "Amount",
            "close_date": "Close Date",
            "created_date": "Created Date",
            "probability": "Probability (%)",
            "product": "Product Name",
            "last_activity": "Last Activity",
            "name": "Opportunity Name",
            "currency": "Opportunity Currency",
            "quantity": "Quantity",
        },
        "activities": {
            "owner": "Assigned",
            "account": "Company / Account",
            "type": "Task Subtype",
            "date": "Date",
            "id": "Activity ID",
            "opportunity": "Opportunity ID",
            "status": "Status",
            "contact_role": "Contact: Title",
        },
        "accounts": {"id": "Account Name", "name": "Account Name", "status": "Type", "owner": "Account Owner"},
        "sales": {"owner": "Opportunity Owner", "account": "Account Name", "amount": "Amount", "date": "Close Date", "product": "Product Name", "id": "Order Number", "currency": "Opportunity Currency", "quantity": "Quantity"},
        "stage_history": {"opportunity": "Opportunity ID", "stage": "To Stage", "date": "Last Modified"},
    },
    "hubspot": {
        "opportunities": {
            "id": "Record ID",
            "owner": "Deal owner",
            "account": "Associated Company",
            "stage": "Deal Stage",
            "amount": "Amount",
            "close_date": "Close Date",
            "created_date": "Create Date",
            "probability": "Deal probability",
            "product": "Product",
            "last_activity": "Last Activity Date",
            "name": "Deal Name",
            "currency": "Currency",
            "quantity": "Quantity",
        },
        "activities": {
            "owner": "Activity assigned to",
            "account": "Associated Company",
            "type": "Activity type",
            "date": "Activity date",
            "id": "Record ID",
            "opportunity": "Associated Deal",
            "status": "Task Status",
            # no contact_role: a HubSpot activity export has no job title column of its own (README, data.mapping.contact_roles)
        },
        "accounts": {"id": "Company name", "name": "Company name", "status": "Lifecycle Stage", "owner": "Company owner"},
        "sales": {"owner": "Deal owner", "account": "Associated Company", "amount": "Amount", "date": "Close Date", "product": "Product", "id": "Record ID", "currency": "Currency", "quantity": "Quantity"},
        "stage_history": {"opportunity": "Record ID", "stage": "Deal Stage", "date": "Date entered stage"},
    },
    "pipedrive": {
        "opportunities": {
            "id": "Deal - ID",
            "owner": "Deal - Owner",
            "account": "Deal - Organization",
            "stage": "Deal - Stage",
            "amount": "Deal - Value",
            "close_date": "Deal - Expected close date",
            "created_date": "Deal - Deal created",
            "probability": "Deal - Probability",
            "product": "Deal - Product name",
            "last_activity": "Deal - Last activity date",
            "name": "Deal - Title",
            "status": "Deal - Status",
            "currency": "Deal - Currency",
            "quantity": "Deal - Product quantity",
        },
        "activities": {
            "owner": "Activity - Assigned to user",
            "account": "Activity - Organization",
            "type": "Activity - Type",
            "date": "Activity - Due date",
            "id": "Activity - ID",
            "opportunity": "Activity - Deal ID",
            "status": "Activity - Done",
            "contact_role": "Person - Job title",
        },
        "accounts": {"id": "Organization - Name", "name": "Organization - Name", "owner": "Organization - Owner"},
        "sales": {"owner": "Deal - Owner", "account": "Deal - Organization", "amount": "Deal - Value", "date": "Deal - Won time", "product": "Deal - Product name", "id": "Deal - ID", "currency": "Deal - Currency", "quantity": "Deal - Product quantity"},
        "stage_history": {"opportunity": "Deal - ID", "stage": "Deal - Stage", "date": "Deal - Update time"},
    },
    "none": {},
}

#: CRM stage names every preset understands as a closed deal.
PRESET_STAGES: dict[str, dict[str, str]] = {
    "salesforce": {"closed won": "won", "closed lost": "lost"},
    "hubspot": {"closedwon": "won", "closed won": "won", "closedlost": "lost", "closed lost": "lost"},
    "pipedrive": {"won": "won", "lost": "lost"},
    "none": {},
}

#: Task status values every preset understands (case-folded), as done or open; data.mapping.activity_statuses
#: adds to them and overrides them. 'done' and 'open' themselves are understood whatever the preset.
PRESET_ACTIVITY_STATUSES: dict[str, dict[str, str]] = {
    "salesforce": {
        "completed": "done",
        "not started": "open",
        "in progress": "open",
        "waiting on someone else": "open",
        "deferred": "open",
    },
    "hubspot": {
        "completed": "done",
        "not started": "open",
        "in progress": "open",
        "waiting": "open",
        "deferred": "open",
        # the internal values, as an export through the API writes them
        "not_started": "open",
        "in_progress": "open",
    },
    "pipedrive": {"done": "done", "to do": "open"},
    "none": {},
}

#: Footer lines of a Salesforce report export, dropped (and counted) when the preset is salesforce.
SALESFORCE_FOOTER_PREFIXES = ("Grand Totals", "Confidential Information", "Copyright (c)", "Generated By", "Total")


def columns_for(kind: str, preset: str, overrides: dict[str, str]) -> dict[str, str]:
    """Canonical field -> export header, from the preset then the explicit columns."""
    mapped = dict(PRESETS.get(preset, {}).get(kind, {}))
    mapped.update(overrides)
    return mapped
