"""The text of a new workspace's files, from what init was told and what it found in the exports.

The plan it writes validates clean and `salesplan report` runs on it: the plan's stages and action types are,
for a start, the CRM's own (they match by themselves, case aside), and every owner is a rep or listed. The
values found are written as comments where a mapping to fill in would go.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from .detect import ExportProfile, closing_stages
from .people import Person

#: What each rep is given, and the strategy's total: the template's figures (a start, to be replaced).
REP_TARGETS = {"A": 400_000, "B": 600_000}
#: Norms of the template, for the two most frequent action types found.
NORM_COUNTS = {"A": {"prospect": (6, 2), "customer": (4, 3)}, "B": {"prospect": (4, 1), "customer": (2, 1)}}
TEMPLATE_STAGES = ["lead", "qualified", "proposal", "negotiation"]
TEMPLATE_ACTIONS = ["call", "meeting", "proposal"]
KIND_TITLES = {"opportunities": "deals", "activities": "activities", "accounts": "accounts", "sales": "sales", "stage_history": "stage history"}
#: Values listed per field in the comments (the count of the others is said).
LISTED = 40
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ._/()@+-]*$")
_YAML_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "none", "~"}


def yaml_str(text: str) -> str:
    """A YAML scalar for a name: plain when it is safe, else double-quoted (JSON's quoting is YAML's)."""
    if _PLAIN.match(text) and text.casefold() not in _YAML_WORDS and not text.endswith((" ", ":")) and ": " not in text and " #" not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _comment_text(text: str) -> str:
    """Text for a comment: on one line."""
    return " ".join(text.split())


@dataclass
class ExportEntry:
    profile: ExportProfile
    rel: str  # path under data: (relative to the workspace)


@dataclass
class InitSpec:
    company: str
    currency: str
    fy_start: dt.date
    today: dt.date
    people: list[Person]
    exports: list[ExportEntry] = field(default_factory=list)
    unmatched_owners: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    reps_given: bool = False


def _found(spec: InitSpec, kind: str, name: str) -> list[tuple[str, int]]:
    """Distinct values of a field over the exports of a kind, most frequent first."""
    counts: dict[str, int] = {}
    for entry in spec.exports:
        if entry.profile.kind == kind:
            for value, rows in entry.profile.found(name):
                counts[value] = counts.get(value, 0) + rows
    return sorted(counts.items(), key=lambda kv: -kv[1])


#: Longest plan name (plan/model.py Identifier); a longer CRM value is only listed, for a mapping.
MAX_NAME = 100


def _names(values: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The values usable as plan names (stages, action types, product ranges), one per name."""
    return _distinct([(v, n) for v, n in values if len(v) <= MAX_NAME])


def _distinct(values: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """One per name, case and spaces aside (they match the same plan name)."""
    seen: set[str] = set()
    out = []
    for value, rows in values:
        key = " ".join(value.split()).casefold()
        if key not in seen:
            seen.add(key)
            out.append((value, rows))
    return out


def open_stages(spec: InitSpec) -> list[str]:
    """The CRM's stages that are neither won nor lost for the preset, most frequent first; the template's
    stages without an opportunities export."""
    closing = set()
    for entry in spec.exports:
        if entry.profile.kind in ("opportunities", "stage_history"):
            closing |= closing_stages(entry.profile)
    found = _names(_found(spec, "opportunities", "stage") + _found(spec, "stage_history", "stage"))
    stages = [v for v, _ in found if " ".join(v.split()).casefold() not in closing | {"won", "lost"}]
    if not stages:
        return TEMPLATE_STAGES
    # in the funnel's order where the export gives probabilities: the least likely stage first
    means: dict[str, float] = {}
    for entry in spec.exports:
        if entry.profile.kind == "opportunities":
            for stage, mean in entry.profile.stage_means().items():
                means.setdefault(stage, mean)
    return sorted(stages, key=lambda s: means.get(s, float("inf")))


def action_types(spec: InitSpec) -> list[str]:
    found = _names(_found(spec, "activities", "type"))
    return [v for v, _ in found] if found else TEMPLATE_ACTIONS


def salesplan_yaml(spec: InitSpec) -> str:
    lines = [
        "# The workspace: company, fiscal year, how plans are checked; and the CRM exports (data:).",
        "# Written by `salesplan init`; every key is described in the documentation.",
        f"company: {yaml_str(spec.company)}",
        f"fiscal_year: {{start: {spec.fy_start.isoformat()}}}",
        f"currency: {spec.currency}",
    ]
    others = sorted({v for kind in ("opportunities", "sales") for v, _ in _found(spec, kind, "currency") if v.upper() != spec.currency})
    if others:
        rates = ", ".join(f"{c.upper()}: ?" for c in others[:8])
        lines.append(f"# rates: {{{rates}}}          # amounts in other currencies were found: {spec.currency} per unit of each")
    lines += [
        "review_cadence: quarterly        # annual | half-yearly | quarterly | monthly",
        "tolerance:",
        "  amount: 100                    # sums may differ by this much (currency)",
        "  over_assignment: 5%            # over-assignment up to 5% is a warning, beyond it an error",
        "managers:",
        "  mgr-1:",
        "    name: First Manager",
    ]
    if spec.exports:
        lines += ["", *data_section(spec)]
    return "\n".join(lines) + "\n"


def _source_lines(entry: ExportEntry, indent: str, first: str) -> list[str]:
    p = entry.profile
    title = f"{p.preset.capitalize() if p.preset != 'hubspot' else 'HubSpot'} {KIND_TITLES[p.kind]} export, {p.rows:,} rows"
    out = [f"{first}path: {yaml_str(entry.rel)}".ljust(len(indent) + 31) + f"  # {_comment_text(title)}", f"{indent}preset: {p.preset}"]
    if p.encoding != "utf-8":
        out.append(f"{indent}encoding: {p.encoding}")
    if p.delimiter not in (",", ";"):
        out.append(f"{indent}delimiter: {json.dumps(p.delimiter)}")
    if p.decimal != ".":
        out.append(f'{indent}decimal: ","')
    if p.date_format != "%Y-%m-%d":
        out.append(f"{indent}date_format: {json.dumps(p.date_format)}")
    if p.probability != "percent":
        out.append(f"{indent}probability: {p.probability}")
    return out


def data_section(spec: InitSpec) -> list[str]:
    lines = ["# CRM exports read by `salesplan report`, found by `salesplan init` (see its output for what it read).", "data:"]
    for kind in ("opportunities", "activities", "accounts", "sales", "stage_history"):
        entries = [e for e in spec.exports if e.profile.kind == kind]
        if not entries:
            continue
        if len(entries) == 1:
            lines.append(f"  {kind}:")
            lines += _source_lines(entries[0], "    ", "    ")
        else:
            lines.append(f"  {kind}:                       # read from several files")
            for entry in entries:
                lines += _source_lines(entry, "      ", "    - ")
    lines += _mapping_comments(spec)
    return lines


def _listed(values: list[tuple[str, int]], unit: str, target: str, indent: str = "  #     ") -> list[str]:
    out = []
    for value, rows in values[:LISTED]:
        out.append(f"{indent}{yaml_str(value)}: {target}".ljust(40) + f"  # {rows:,} {unit}")
    if len(values) > LISTED:
        out.append(f"{indent[:-2]}  ... and {len(values) - LISTED} more values")
    return out


def _mapping_comments(spec: InitSpec) -> list[str]:
    """data.mapping, commented out: the values found, each a line whose target is to fill in."""
    out = [
        "  # mapping:                     # CRM values -> plan names. To use a block: uncomment it with its",
        "  #                              # mapping: line, and write each target after the colon.",
    ]
    if spec.unmatched_owners:
        out.append("  #   owners:                    # owners matching no rep: their rows count as <unplanned> (nearest rep shown: check it)")
        for owner, (rows, nearest) in sorted(spec.unmatched_owners.items(), key=lambda kv: (-kv[1][0], kv[0].casefold()))[:LISTED]:
            out.append(f"  #     {yaml_str(owner)}: {nearest or ''}".ljust(40) + f"  # {rows:,} rows")
    stages = _found(spec, "opportunities", "stage") + _found(spec, "stage_history", "stage")
    if stages:
        out.append("  #   stages:                    # CRM stage -> a stage of strategy.yaml (as written, each CRM stage is a plan stage of its own)")
        out += _listed(_distinct(stages), "deals", "")
    types = _found(spec, "activities", "type")
    if types:
        out.append("  #   actions:                   # CRM activity type -> an action type of strategy.yaml (as written, each type is one)")
        out += _listed(_distinct(types), "activities", "")
    products = _found(spec, "opportunities", "product") + _found(spec, "sales", "product")
    if products:
        out.append("  #   products:                  # CRM product -> a product range of strategy.yaml (unmapped: counted as <unplanned>)")
        out += _listed(_distinct(products), "rows", "")
    statuses = _found(spec, "accounts", "status")
    if statuses:
        out.append("  #   statuses:                  # CRM account type -> prospect or customer")
        out += _listed(_distinct(statuses), "accounts", "")
    activity_statuses = _found(spec, "activities", "status")
    if activity_statuses:
        out.append("  #   activity_statuses:         # CRM task status -> done or open (the preset knows the usual ones)")
        out += _listed(_distinct(activity_statuses), "activities", "")
    return out


def strategy_yaml(spec: InitSpec) -> str:
    stages = open_stages(spec)
    actions = action_types(spec)
    revenue = sum(REP_TARGETS.values()) * max(len(spec.people), 1)
    found_stages = stages is not TEMPLATE_STAGES
    found_actions = actions is not TEMPLATE_ACTIONS
    lines = [
        "# The yearly commercial strategy the rep plans must add up to.",
        f"revenue_target: {revenue:_}          # {len(spec.people)} reps x {sum(REP_TARGETS.values()):_} (a start: set your own)",
        "organization: territory          # territory | specialized | hybrid",
        "segments: {A: 40%, B: 60%}       # share of turnover per customer segment",
        *_products_lines(spec),
        "seasonality: {Q1: 20%, Q2: 20%, Q3: 20%, Q4: 40%}",
    ]
    if found_stages:
        lines.append("# The CRM's open stages, by their deals' mean probability where the export gives it, else most frequent")
        lines.append("# first: check the funnel's order, rename or merge them")
        lines.append("# (then map the CRM's names under data.mapping.stages in salesplan.yaml). won and lost close a deal.")
    lines.append("stages: [" + ", ".join(yaml_str(s) for s in [*stages, "won", "lost"]) + "]")
    if found_actions:
        lines.append("# The CRM's activity types, most frequent first (rename or merge them, then map under data.mapping.actions).")
    lines.append("actions: [" + ", ".join(yaml_str(a) for a in actions) + "]")
    first, second = (actions + actions)[:2] if len(actions) == 1 else actions[:2]
    lines.append("norms:                           # actions per account per year")
    for segment, by_status in NORM_COUNTS.items():
        lines.append(f"  {segment}:")
        for status, (n1, n2) in by_status.items():
            pairs = [f"{yaml_str(first)}: {n1}"] + ([f"{yaml_str(second)}: {n2}"] if second != first else [])
            lines.append(f"    {status}: {{{', '.join(pairs)}}}")
    lines.append("capacity: {actions_per_year: 1000}")
    return "\n".join(lines) + "\n"


#: Most product ranges init declares from the products found (beyond: listed in a comment to declare by hand).
MAX_PRODUCTS = 12


def _products_lines(spec: InitSpec) -> list[str]:
    """The template's product ranges without exports. With exports: the CRM's products found, as ranges of
    equal share (so that they match by themselves, not as <unplanned>); none when the exports name none."""
    if not spec.exports:
        return ["products: {licences: 70%, services: 30%}"]
    found = _names(_found(spec, "opportunities", "product") + _found(spec, "sales", "product"))
    if not found:
        return ["# products: {licences: 70%, services: 30%}   # optional: share of turnover per product range"]
    if len(found) > MAX_PRODUCTS:
        names = ", ".join(_comment_text(v) for v, _ in found[:MAX_PRODUCTS]) + ", ..."
        return [
            "# products: {licences: 70%, services: 30%}   # optional: share of turnover per product range; then map the",
            f"#                                             # CRM's {len(found)} products under data.mapping.products ({names})",
        ]
    share, extra = divmod(100, len(found))
    shares = ", ".join(f"{yaml_str(v)}: {share + (1 if i < extra else 0)}%" for i, (v, _) in enumerate(found))
    return [
        "# The CRM's products, as product ranges of equal share (a start): set the shares, or merge them into",
        "# ranges and map the CRM's names under data.mapping.products in salesplan.yaml.",
        f"products: {{{shares}}}",
    ]


def rep_yaml(spec: InitSpec, person: Person, signed: dt.date, reviewed: str) -> str:
    stage = open_stages(spec)[0]
    targets = ", ".join(f"{k}: {v:_}" for k, v in REP_TARGETS.items())
    lines = [
        f"# {_comment_text(person.name)}'s individual plan, co-built with the manager.",
        f"id: {yaml_str(person.id)}",
        f"name: {yaml_str(person.name)}",
    ]
    if person.email:
        lines.append(f"email: {yaml_str(person.email)}")
    lines += [
        "manager: mgr-1",
        f"targets: {{{targets}}}   # full-year objective per segment",
        "portfolio:",
        "  accounts:                      # accounts worked, by segment and status",
        "    A: {prospect: 20, customer: 10}",
        "    B: {prospect: 60, customer: 40}",
        "methods:",
        f"  {yaml_str(stage)}:",
        "    questions: [Who decides?, What budget?]",
        "    expected: [budget, decision maker]",
        f"agreed: {{rep: {signed.isoformat()}, manager: {signed.isoformat()}}}",
    ]
    return "\n".join(lines) + "\n" + reviewed


def workspace_files(spec: InitSpec, segments_text: str) -> dict[str, str]:
    """Relative path -> text of every file of the new workspace."""
    signed = min(spec.fy_start - dt.timedelta(days=20), spec.today)
    reviewed = f"reviewed: [{spec.today.isoformat()}]\n" if spec.today >= spec.fy_start else ""
    files = {"salesplan.yaml": salesplan_yaml(spec), "strategy.yaml": strategy_yaml(spec), "segments.yaml": segments_text}
    for person in spec.people:
        files[f"reps/{person.id}.yaml"] = rep_yaml(spec, person, signed, reviewed)
    return files
