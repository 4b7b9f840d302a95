"""Every check code fires, at the right file, line and column, on a realistic edit of examples/nordwind.

Each case copies the example workspace, breaks it in one small way and validates it.
The case lists where the code must be reported (lines are found by searching the
edited file, never hard-coded) and which other codes the same edit also causes
(e.g. lowering a rep's target also breaks the territory mix). Anything else new,
compared with the untouched example, fails the test.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from salesplan_cli.diagnostics import CODES, Diagnostic
from salesplan_cli.plan.validate import validate_workspace

from conftest import AS_OF, EXAMPLE, PlanCopy, copy_workspace

#: Severity of each code, written down here independently of the registry.
WARNINGS = {"SP309", "SP404", "SP409", "SP701", "SP801", "SP802"}


def severity_of(code: str) -> str:
    return "warning" if code in WARNINGS else "error"


# --- describing a case ------------------------------------------------------------------


@dataclass(frozen=True)
class At:
    """Where a diagnostic must point: file, the line holding `line` (None: no line) and the column of `col` on it."""

    file: str
    line: str | int | None = None
    col: str | None = None


@dataclass(frozen=True)
class Case:
    id: str
    code: str
    edit: Callable[[PlanCopy], None]
    at: tuple[At, ...]
    message: str | Callable[[PlanCopy], str] = ""  # some diagnostic of `code` says this
    hint: str = ""  # ... and its hint says this
    also: frozenset[str] = field(default_factory=frozenset)  # other codes this edit rightly causes
    as_of: dt.date = AS_OF

    def __str__(self) -> str:
        return self.id


def replace(rel: str, old: str, new: str) -> Callable[[PlanCopy], None]:
    return lambda p: p.replace(rel, old, new)


def append(rel: str, text: str) -> Callable[[PlanCopy], None]:
    """`text` at the end of the file; a case appending `volume:` starts from the example without its volume
    objectives (the strategy's and every rep's), so that only the case's own are checked."""

    def run(p: PlanCopy) -> None:
        if text.startswith("volume:") and not getattr(p, "volume_cleared", False):
            p.volume_cleared = True
            for other in ["strategy.yaml", *sorted(f"reps/{f.name}" for f in p.path("reps").glob("*.yaml"))]:
                lines = p.text(other).splitlines(keepends=True)
                start = next((i for i, line in enumerate(lines) if line.startswith("volume:")), None)
                if start is not None:
                    end = start + 1
                    while end < len(lines) and lines[end][:1] in (" ", "\t"):
                        end += 1
                    p.write(other, "".join(lines[:start] + lines[end:]))
        p.append(rel, text)

    return run


def write(rel: str, content: str | bytes) -> Callable[[PlanCopy], None]:
    return lambda p: p.write(rel, content)


def each(*edits: Callable[[PlanCopy], None]) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        for one in edits:
            one(p)

    return run


def recode(rel: str, transform: Callable[[str], bytes]) -> Callable[[PlanCopy], None]:
    """Rewrite a file's bytes from its current text (for encoding cases)."""
    return lambda p: p.write(rel, transform(p.text(rel)))


def make_dir(rel: str) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        p.path(rel).unlink()
        p.path(rel).mkdir()

    return run


def symlink_to_itself(rel: str) -> Callable[[PlanCopy], None]:
    def run(p: PlanCopy) -> None:
        p.path(rel).unlink()
        os.symlink(p.path(rel).name, p.path(rel))

    return run


def alias_bomb(levels: int = 6) -> str:
    """Billion laughs: each level is nine aliases of the one before; level 5 alone expands to over 500,000 values."""
    lines = ["lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


N1, N2, N3, S1, S3 = "reps/rep-n1.yaml", "reps/rep-n2.yaml", "reps/rep-n3.yaml", "reps/rep-s1.yaml", "reps/rep-s3.yaml"
E1, E2, E3, E4 = "reps/rep-e1.yaml", "reps/rep-e2.yaml", "reps/rep-e3.yaml", "reps/rep-e4.yaml"
ST, SEG, SET = "strategy.yaml", "segments.yaml", "salesplan.yaml"
TERRITORY_LINE = "territory: north-east"  # rep-n2
REVIEWED = "reviewed: [2027-01-05, 2027-04-06, 2027-07-06, 2027-10-05]"  # every full-year rep
N1_TARGETS = "{A: 350_000, B: 250_000, C: 400_000}"
SIX_MB = 6 * 1024 * 1024

CASES: list[Case] = [
    # --- SP001 file missing, unreadable or not a regular file -----------------------------
    Case("missing-file", "SP001", lambda p: p.path(ST).unlink(), (At(ST),), message="not found"),
    Case("directory-in-place-of-strategy", "SP001", make_dir(ST), (At(ST),), message="directory"),
    Case("directory-in-place-of-rep-file", "SP001", make_dir(E4), (At(E4),), message="directory"),
    Case("symlink-loop", "SP001", symlink_to_itself(SEG), (At(SEG),), message="cannot read"),
    Case("missing-reps-folder", "SP001", lambda p: shutil.rmtree(p.path("reps")), (At("reps/"),), message="not found"),
    # --- SP002 not UTF-8 ------------------------------------------------------------------------
    Case(
        "cp1252-bytes",
        "SP002",
        recode(N2, lambda t: t.replace("Tomasz Nowak", "José Nowak").encode("cp1252")),
        (At(N2, "name:", "\ufffd"),),  # the é, shown as U+FFFD when the file is read leniently
        message="byte 0xe9",
    ),
    Case(
        "cp1252-byte-after-utf8-accent",  # column counted in characters, like editors and the YAML parser do
        "SP002",
        recode(N2, lambda t: t.replace("Tomasz Nowak", "Zoë Pérez").encode("utf-8").replace("é".encode(), b"\xe9")),
        (At(N2, "name:", "\ufffd"),),
        message="byte 0xe9",
    ),
    Case("utf-16-with-bom", "SP002", recode(N2, lambda t: t.encode("utf-16")), (At(N2, 1),), message="UTF-16"),
    Case("utf-16-without-bom", "SP002", recode(N2, lambda t: t.encode("utf-16-le")), (At(N2, 1),)),
    Case("control-character", "SP002", replace(N2, TERRITORY_LINE, "territory: north\x0beast"), (At(N2, "territory:", "\x0b"),)),
    Case(
        "control-character-after-accented-text",  # a vertical tab pasted at a line end, accented letters earlier
        "SP002",
        each(replace(N2, "Tomasz Nowak", "Zoë Nowakówska"), replace(N2, TERRITORY_LINE, "territory: north-east\x0b")),
        (At(N2, "territory:", "\x0b"),),
    ),
    # --- SP003 empty ------------------------------------------------------------------------------
    Case("empty-file", "SP003", write(ST, ""), (At(ST),)),
    Case("whitespace-only-file", "SP003", write(ST, "\n  \n\n"), (At(ST),)),
    Case("comments-only-file", "SP003", write(SEG, "# segments: to be defined with marketing\n# A: key accounts\n"), (At(SEG),)),
    Case("null-document", "SP003", write(SEG, "# nothing yet\n~\n"), (At(SEG),)),
    # --- SP004 too large --------------------------------------------------------------------------
    Case("six-megabyte-file", "SP004", lambda p: p.append(N2, "#" + "x" * SIX_MB + "\n"), (At(N2),), message="bytes"),
    # --- SP005 top level not a mapping ------------------------------------------------------------
    Case("list-at-top-level", "SP005", write(SEG, "- A\n- B\n- C\n"), (At(SEG, "- A", "- A"),), message="a list"),
    Case(
        "list-at-top-level-after-comment",  # points at the list, not at the comment above it
        "SP005",
        write(SEG, "# yaml-language-server: $schema=../../schemas/segments.schema.json\n- A\n- B\n- C\n"),
        (At(SEG, "- A", "- A"),),
        message="a list",
    ),
    Case("single-value-file", "SP005", write(ST, "revenue 12 million\n"), (At(ST, "revenue 12", "revenue"),), message="a single value"),
    # --- SP101 YAML syntax --------------------------------------------------------------------------
    Case(
        "tab-indentation",
        "SP101",
        replace(E4, '  criteria: {employees: "<200", region: north}', '\tcriteria: {employees: "<200", region: north}'),
        (At(E4, "criteria:", "\t"),),
        hint="tab",
    ),
    Case("unquoted-colon-in-value", "SP101", replace(N2, "name: Tomasz Nowak", "name: Tomasz: Nowak"), (At(N2, "name:", ": Nowak"),)),
    Case("second-document", "SP101", append(N2, "---\nid: rep-n2-copy\n"), (At(N2, "---", "---"),), message="more than one"),
    Case("alias-to-nothing", "SP101", replace(N2, "manager: mgr-north", "manager: *north"), (At(N2, "manager: *", "*north"),)),
    # --- SP102 duplicate key --------------------------------------------------------------------------
    Case(
        "duplicate-top-level-key",
        "SP102",
        append(N2, "targets: {A: 400_000}\n"),
        (At(N2, "targets: {A: 400_000}", "targets"),),
        message=lambda p: f"duplicate key 'targets' (first defined on line {p.line_of(N2, 'targets: {A: 350_000')})",
    ),
    Case(
        "duplicate-nested-key",
        "SP102",
        replace(SET, "  over_assignment: 5%", "  over_assignment: 5%\n  amount: 2000"),
        (At(SET, "amount: 2000", "amount"),),
        message=lambda p: f"duplicate key 'amount' (first defined on line {p.line_of(SET, 'amount: 1000')})",
    ),
    Case(
        "duplicate-key-in-flow-mapping",
        "SP102",
        replace(N2, N1_TARGETS, "{A: 350_000, B: 250_000, A: 400_000}"),
        (At(N2, "targets:", "A: 400_000"),),
    ),
    Case(
        "duplicate-block-mapping",
        "SP102",
        append(N2, "portfolio:   # moved to the south team\n  criteria: {region: south}\n"),
        (At(N2, "portfolio:   # moved", "portfolio"),),
        message="duplicate key 'portfolio'",
    ),
    # --- SP103 YAML 1.1 booleans ----------------------------------------------------------------------
    *[
        Case(f"unquoted-{word}", "SP103", replace(N2, TERRITORY_LINE, f"territory: {word}"), (At(N2, "territory:", word),), message=repr(word))
        for word in ("NO", "on", "yes", "Off", "y", "N")
    ],
    Case(
        "unquoted-NO-in-a-list",  # the Norway problem
        "SP103",
        replace(SEG, "industry: [banking, insurance, energy]}", "industry: [banking, insurance, energy], country: [DE, NO, SE]}"),
        (At(SEG, "country:", "NO"),),
    ),
    Case("unquoted-NO-as-key", "SP103", append(SEG, "NO:\n  name: Norway\n"), (At(SEG, "NO:", "NO"),), message="key 'NO'"),
    Case(
        "unquoted-on-as-nested-key",
        "SP103",
        replace(SEG, 'criteria: {employees: ">=200"}', 'criteria: {employees: ">=200", on: premise}'),
        (At(SEG, "on: premise", "on:"),),
    ),
    # --- SP104 octal, hex, base 60 --------------------------------------------------------------------
    *[
        Case(f"number-{value}", "SP104", replace(S1, "named: [BALT-330]", f"named: [BALT-330, {value}]"), (At(S1, "named:", value),), message=value)
        for value in ("01234", "0x1F", "0o17", "0b101", "12:30")
    ],
    # --- SP105 alias bomb -------------------------------------------------------------------------------
    Case(
        "alias-bomb",
        "SP105",
        append(N2, alias_bomb()),
        (At(N2, "lol5:"),),  # levels 0-4 expand to ~75,000 values, the first aliases of level 5 cross 250,000
        message="aliases",
    ),
    Case(
        "too-many-values",
        "SP105",
        append(N2, "notes: [" + ", ".join(["x"] * 250_001) + "]\n"),
        (At(N2, "notes:"),),
    ),
    # --- SP106 deep nesting ----------------------------------------------------------------------------
    Case("deep-block-lists", "SP106", append(N2, "notes:\n  " + "- " * 10_000 + "x\n"), (At(N2, "- - - "),)),
    Case("deep-flow-mappings", "SP106", append(N2, "notes: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n"), (At(N2, "notes:"),)),
    Case("deep-flow-lists-10000", "SP106", append(N2, "notes: " + "[" * 10_000 + "]" * 10_000 + "\n"), (At(N2, "notes:"),)),
    Case("deep-flow-braces-10000", "SP106", append(N2, "notes: " + "{" * 10_000 + "}" * 10_000 + "\n"), (At(N2, "notes:"),)),
    Case("deep-flow-lists-100", "SP106", append(N2, "notes: " + "[" * 100 + "]" * 100 + "\n"), (At(N2, "notes:"),)),
    # --- SP107 tags ---------------------------------------------------------------------------------------
    *[
        Case(f"tag-{name}", "SP107", replace(N2, "name: Tomasz Nowak", f"name: {tagged}"), (At(N2, "name:", tag),), message=tag)
        for name, tagged, tag in (
            ("python-object-apply", '!!python/object/apply:os.system ["echo pwned"]', "!!python/object/apply:os.system"),
            ("python-object", "!!python/object:__main__.Evil {}", "!!python/object:__main__.Evil"),
            ("local", "!Ref mgr-north", "!Ref"),
            ("binary", "!!binary VG9tYXN6", "!!binary"),
        )
    ],
    # --- SP201 unknown key ------------------------------------------------------------------------------------
    Case(
        "unknown-key-traget",
        "SP201",
        replace(N2, "targets:", "traget:"),
        (At(N2, "traget:", "traget"),),
        message="unknown key 'traget'",
        hint="did you mean 'targets'?",
        also=frozenset({"SP202"}),  # and targets is then missing
    ),
    Case(
        "unknown-nested-key",
        "SP201",
        replace(SET, "over_assignment:", "over_assigment:"),
        (At(SET, "over_assigment", "over_assigment"),),
        hint="did you mean 'over_assignment'?",
    ),
    Case(
        "unknown-key-in-list-item",
        "SP201",
        replace(ST, "{name: lead, probability: 5%}", "{name: lead, probabilty: 5%}"),
        (At(ST, "probabilty", "probabilty"),),
        hint="did you mean 'probability'?",
    ),
    # --- SP202 missing key -------------------------------------------------------------------------------------
    Case(
        "missing-manager",
        "SP202",
        replace(N2, "manager: mgr-north\n", ""),
        (At(N2, "id: rep-n2", "id"),),  # no line holds the missing key: the top of the mapping
        message="missing required key 'manager'",
    ),
    Case(
        "missing-nested-key",
        "SP202",
        replace(SET, "fiscal_year: {start: 2027-01-01}", "fiscal_year: {}"),
        (At(SET, "fiscal_year:", "{}"),),
        message="'start'",
    ),
    # --- SP203 wrong type or value -------------------------------------------------------------------------------
    Case("cadence-not-allowed", "SP203", replace(SET, "review_cadence: quarterly", "review_cadence: weekly"), (At(SET, "review_cadence:", "weekly"),), message="'weekly'"),
    Case(
        "organization-typo",
        "SP203",
        replace(ST, "organization: hybrid", "organization: hybird"),
        (At(ST, "organization:", "hybird"),),
        hint="did you mean 'hybrid'?",
    ),
    Case("currency-not-iso", "SP203", replace(SET, "currency: EUR", "currency: euro"), (At(SET, "currency:", "euro"),)),
    Case(
        "fiscal-year-not-on-the-1st",
        "SP203",
        replace(SET, "{start: 2027-01-01}", "{start: 2027-01-15}"),
        (At(SET, "fiscal_year:", "2027-01-15"),),
        message="1st of a month",
    ),
    Case("impossible-date", "SP203", replace(SET, "{start: 2027-01-01}", "{start: 2027-02-30}"), (At(SET, "fiscal_year:", "2027-02-30"),), message="2027-02-30"),
    Case("number-for-a-name", "SP203", replace(N2, "name: Tomasz Nowak", "name: 4711"), (At(N2, "name:", "4711"),), message="expected text"),
    # --- SP204 invalid amount -------------------------------------------------------------------------------------
    Case("negative-amount", "SP204", replace(ST, "revenue_target: 12_000_000", "revenue_target: -12_000_000"), (At(ST, "revenue_target:", "-12"),), message="negative"),
    Case("nan-target", "SP204", replace(N2, "{A: 350_000,", "{A: .nan,"), (At(N2, "targets:", ".nan"),), message="finite"),
    Case(
        "thousands-commas-in-flow-mapping",
        "SP204",
        replace(N2, "{A: 350_000,", "{A: 350,000,"),
        (At(N2, "targets:", "350,000"),),
        message="read as several values",
    ),
    Case("amount-with-commas", "SP204", replace(ST, "revenue_target: 12_000_000", "revenue_target: 12,000,000"), (At(ST, "revenue_target:", "12,"),)),
    Case("percentage-for-an-amount", "SP204", replace(ST, "revenue_target: 12_000_000", "revenue_target: 35%"), (At(ST, "revenue_target:", "35%"),), message="percentage"),
    # a volume or a count gets its own word in the message, with the article that goes with it ("a volume", not "an volume")
    Case("percentage-for-a-volume", "SP204", append(ST, "volume:\n  new_customers: {A: 150%}\n"), (At(ST, "new_customers: {A: 150%}", "150%"),), message="expected a volume here, not a percentage (150%)"),
    Case("nothing-for-a-count", "SP204", replace(ST, "prospect: {call: 8, meeting: 3}", "prospect: {call: null, meeting: 3}"), (At(ST, "prospect: {call: null", "null"),), message="expected a count (a number)"),
    Case("nothing-for-a-volume", "SP204", append(ST, "volume:\n  new_customers: {A: null}\n"), (At(ST, "new_customers: {A: null}", "null"),), message="expected a volume (a number)"),
    Case(
        "negative-count",
        "SP204",
        replace(N2, "A: {prospect: 10, customer: 8}", "A: {prospect: -10, customer: 8}"),
        (At(N2, "prospect: -10", "-10"),),
        message="count must not be negative",
    ),
    # --- SP205 invalid percentage ----------------------------------------------------------------------------------
    Case("percent-sign-missing", "SP205", replace(ST, "  A: 35%", "  A: 35"), (At(ST, "  A: 35", "35"),), message="percent sign"),
    Case("percent-over-100", "SP205", replace(ST, "  A: 35%", "  A: 135%"), (At(ST, "A: 135%", "135%"),), message="outside 0% to 100%"),
    Case("fraction-for-a-percent", "SP205", replace(SET, "over_assignment: 5%", "over_assignment: 0.05"), (At(SET, "over_assignment:", "0.05"),)),
    # --- SP301 unknown segment ---------------------------------------------------------------------------------------
    Case(
        "unknown-segment-in-targets",
        "SP301",
        replace(N2, N1_TARGETS, "{A: 350_000, B: 250_000, D: 400_000}"),
        (At(N2, "targets:", "D:"),),
        message="unknown segment 'D'",
    ),
    Case(
        "segment-without-share",
        "SP301",
        append(SEG, "D:\n  name: Public sector\n  criteria: {sector: public}\n"),
        (At(SEG, "D:", "D:"),),
        message="no share",
    ),
    Case(
        "norms-for-unknown-segment",
        "SP301",
        replace(ST, "norms:                           # actions", "norms:                           # actions\n  SMB:\n    prospect: {call: 2}\n  # actions"),
        (At(ST, "SMB:", "SMB"),),
    ),
    # --- SP302 stages -----------------------------------------------------------------------------------------------------
    Case(
        "method-for-unknown-stage",
        "SP302",
        replace(N2, "  proposal:\n", "  propsal:\n"),
        (At(N2, "propsal:", "propsal"),),
        hint="did you mean 'proposal'?",
    ),
    Case("stage-listed-twice", "SP302", replace(ST, "  - won\n", "  - won\n  - proposal\n"), (At(ST, "  - proposal", "proposal"),), message="listed twice"),
    Case("no-lost-stage", "SP302", replace(ST, "  - lost\n", "  - churned\n"), (At(ST, "stages:", "stages"),), message="lost"),
    # --- SP303 action types -----------------------------------------------------------------------------------------------
    Case(
        "unknown-action-in-activities",
        "SP303",
        replace(N1, "prospect: {call: 10, meeting: 4}", "prospect: {call: 10, meeting: 4, visit: 2}"),
        (At(N1, "visit", "visit"),),
        message="'visit'",
    ),
    Case(
        "action-listed-twice",
        "SP303",
        replace(ST, "actions: [call, meeting, proposal, follow_up]", "actions: [call, meeting, proposal, follow_up, call]"),
        (At(ST, "actions:", "call]"),),
    ),
    # --- SP304 product ranges -----------------------------------------------------------------------------------------------
    Case(
        "unknown-product-range",
        "SP304",
        replace(E1, "services: 30%", "service: 30%"),
        (At(E1, "products:", "service:"),),
        hint="did you mean 'services'?",
    ),
    # --- SP305 manager ------------------------------------------------------------------------------------------------------
    Case(
        "unknown-manager",
        "SP305",
        replace(N2, "manager: mgr-north", "manager: mgr-nort"),
        (At(N2, "manager: mgr", "mgr-nort"),),
        hint="did you mean 'mgr-north'?",
    ),
    # --- SP306 rep ----------------------------------------------------------------------------------------------------------
    Case(
        "unknown-rep-in-shared",
        "SP306",
        replace(E1, "shared: {ACME-001: [rep-n1]}", "shared: {ACME-001: [rep-n1, rep-n9]}"),
        (At(E1, "shared:", "rep-n9"),),
        message="'rep-n9'",
    ),
    Case(
        "shared-with-itself",
        "SP306",
        replace(E1, "shared: {ACME-001: [rep-n1]}", "shared: {ACME-001: [rep-n1, rep-e1]}"),
        (At(E1, "shared:", "rep-e1"),),
        message="itself",
    ),
    # --- SP307 id vs file name ---------------------------------------------------------------------------------------------------
    Case("id-differs-from-file-name", "SP307", replace(N2, "id: rep-n2", "id: rep-n02"), (At(N2, "id:", "rep-n02"),), message="'rep-n02'"),
    Case(
        "second-file-for-a-rep",
        "SP307",
        lambda p: p.write("reps/rep-n2.yml", p.text(N2)),
        (At("reps/rep-n2.yml"),),
        message="second plan file",
    ),
    # --- SP308 named account in several portfolios ----------------------------------------------------------------------
    Case(
        "account-in-two-portfolios",
        "SP308",
        replace(S1, "named: [BALT-330]", "named: [BALT-330, HELIO-204]"),
        (At(E1, "named:", "HELIO-204"), At(S1, "named:", "HELIO-204")),
        message="HELIO-204",
    ),
    # --- SP309 two reps answer to one CRM owner -------------------------------------------------------------------------------
    Case(
        "two-reps-share-a-name",
        "SP309",
        replace(N3, "name: Aisha Karim", "name: tomasz  NOWAK"),
        (At(N3, "name:", "tomasz"),),
        message="rep-n2",
    ),
    # --- SP310 one account named in two segments -----------------------------------------------------------------------
    Case(
        "account-named-in-two-segments",
        "SP310",
        replace(SEG, "  contacts: [CIO, IT manager]", "  named: [HELIO-204]\n  contacts: [CIO, IT manager]"),
        (At(SEG, "named: [HELIO-204]", "HELIO-204"),),
        message="segment A and in segment B",
    ),
    # --- SP311 a contact title mapped to a role no segment names -----------------------------------------------------
    Case(
        "contact-title-mapped-to-an-unknown-role",
        "SP311",
        replace(SET, "      DSI: CIO", "      DSI: CI0"),  # in the example's data.mapping.contact_roles
        (At(SET, "DSI: CI0", "CI0"),),
        message="maps 'DSI' to 'CI0', a role no segment names",
        hint="did you mean 'CIO'?",
    ),
    # the same title twice once case and spacing are ignored, for two roles: the last would win silently (DSI's CIO calls read as CFO)
    Case(
        "contact-title-twice-for-two-roles",
        "SP203",
        replace(SET, "      DSI: CIO\n", "      DSI: CIO\n      dsi: CFO\n"),
        (At(SET, "dsi: CFO", "dsi"),),
        message="maps 'dsi' to 'CFO' but 'DSI', the same title once case and spacing are ignored, to 'CIO'",
    ),
    Case(
        "contact-title-blank",
        "SP203",
        replace(SET, "      DSI: CIO\n", "      DSI: CIO\n      \" \": CIO\n"),
        (At(SET, '" ": CIO', '" "'),),
        message="maps a blank contact title",
    ),
    # --- SP315 an expected output linked that no rep's method expects -------------------------------------------------
    Case(
        "expected-output-nobody-expects",
        "SP315",
        replace(SET, '      budget: "Budget Confirmed"', '      budgett: "Budget Confirmed"'),  # the example links budget, timeline and decision maker
        (At(SET, "budgett:", "budgett"),),
        message="links 'budgett', an output no rep's method expects",
        hint="did you mean 'budget'?",
    ),
    # --- SP401/SP402 shares ------------------------------------------------------------------------------------------------------
    Case(
        "segment-shares-105",
        "SP401",
        replace(ST, "  C: 40%", "  C: 45%"),
        (At(ST, "segments:", "segments"),),
        message="add up to 105%",  # and the sums wait until the shares are fixed
    ),
    Case(
        "product-shares-95",
        "SP402",
        replace(ST, "  services: 40%", "  services: 35%"),
        (At(ST, "products:", "products"),),
        message="add up to 95%",
    ),
    # --- SP403/SP404/SP405 assignment --------------------------------------------------------------------------------------------
    Case(
        "under-assigned-segment",
        "SP403",
        replace(N1, "{A: 350_000,", "{A: 250_000,"),
        (
            At(ST, "revenue_target:", "revenue_target"),
            At(ST, "  A: 35%", "A"),
            At(ST, "platform: 60%", "platform"),
            At(ST, "services: 40%", "services"),
        ),
        message="segment A: reps carry 4,100,000 EUR of 4,200,000 EUR (97.62% of target); 100,000 EUR is not assigned",
        also=frozenset({"SP501"}),  # rep-n1's mix is off too
    ),
    Case(
        "over-assigned-within-allowance",
        "SP404",
        replace(N1, "{A: 350_000,", "{A: 351_000.01,"),
        (At(ST, "revenue_target:", "revenue_target"), At(ST, "  A: 35%", "A")),
        message="over-assigned by 1,000.01 EUR",
    ),
    Case(
        "over-assigned-beyond-allowance",
        "SP405",
        replace(E4, "{C: 1_230_000}", "{C: 1_470_000.01}"),
        (At(ST, "  C: 40%", "C"),),
        message="over-assigned by 240,000.01 EUR",
        also=frozenset({"SP404"}),  # revenue and product ranges stay within their allowance
    ),
    # --- SP406 a rep's product split -------------------------------------------------------------------------------------------
    Case(
        "product-amounts-off",
        "SP406",
        replace(E2, "services: 531_000}", "services: 532_000.01}"),
        (At(E2, "products:", "products"),),
        message="gap 1,000.01 EUR",
        also=frozenset({"SP404"}),  # the services range is over by the same 1,000.01
    ),
    Case(
        "product-shares-off",
        "SP406",
        replace(E1, "services: 30%", "services: 25%"),
        (At(E1, "products:", "products"),),
        message="95%",
        also=frozenset({"SP403"}),
    ),
    Case(
        "product-split-mixed",
        "SP406",
        replace(E1, "services: 30%", "services: 330_000"),
        (At(E1, "products:", "products"),),
        message="mixes",
    ),
    # --- SP407-SP410 volume objectives (the example sets none: each case adds some) ---------------------------------------------
    Case(
        "volume-not-whole-in-strategy",
        "SP407",
        append(ST, "volume:\n  new_customers: {A: 10.5}\n"),
        (At(ST, "new_customers: {A: 10.5}", "10.5"),),
        message="volume.new_customers.A is 10.5: new customers are counted in whole numbers",
        also=frozenset({"SP408"}),  # and no rep carries them
    ),
    Case(
        "volume-share-not-whole-in-rep",
        "SP407",
        each(append(ST, "volume:\n  new_customers: {A: 10}\n"), append(N1, "volume: {new_customers: {A: 33%}}\n")),
        (At(N1, "volume: {new_customers: {A: 33%}}", "33%"),),
        message="33% of the strategy's 10 = 3.3",  # 10 x 33% = 3.3 new customers
        also=frozenset({"SP408"}),  # 3.3 of 10 carried
    ),
    Case(
        "volume-under-assigned",
        "SP408",
        each(append(ST, "volume:\n  new_customers: {A: 10}\n"), append(N1, "volume: {new_customers: {A: 6}}\n"), append(N2, "volume: {new_customers: {A: 3}}\n")),
        (At(ST, "new_customers: {A: 10}", "A"),),
        message="new customers in segment A: reps carry 9 of 10 (90% of the objective); 1 not assigned",
    ),
    Case(
        "volume-under-assigned-by-proration",
        "SP408",
        # rep-s3 starts 2027-04-01: Q2-Q4 carry 85% of the seasonality, so 5 a year is 4.25 this year; 5 + 4.25 = 9.25
        each(append(ST, "volume:\n  new_customers: {A: 10}\n"), append(N1, "volume: {new_customers: {A: 5}}\n"), append(S3, "volume: {new_customers: {A: 5}}\n")),
        (At(ST, "new_customers: {A: 10}", "A"),),
        message="reps carry 9.25 of 10 (92.5% of the objective); 0.75 not assigned",
    ),
    Case(
        "volume-gap-not-whole-names-the-part-year-rep",
        "SP408",
        # 9 + rep-s3's 1 x 85% = 9.85 of 10: no whole number closes a gap of 0.15; the hint says why and what comes out whole
        each(append(ST, "volume:\n  new_customers: {A: 10}\n"), append(N1, "volume: {new_customers: {A: 9}}\n"), append(S3, "volume: {new_customers: {A: 1}}\n")),
        (At(ST, "new_customers: {A: 10}", "A"),),
        message="reps carry 9.85 of 10 (98.5% of the objective); 0.15 not assigned",
        hint="rep-s3 is in post 85% of the year (a multiple of 20 comes out whole: 20 x 85% = 17)",
    ),
    Case(
        "volume-over-assigned-within-allowance",
        "SP409",
        # 60 + 45 = 105 for 100: over by 5, the allowance is 5% of 100 = 5
        each(append(ST, "volume:\n  units: {platform: 100}\n"), append(N1, "volume: {units: {platform: 60}}\n"), append(N2, "volume: {units: {platform: 45}}\n")),
        (At(ST, "units: {platform: 100}", "platform"),),
        message="units in product range platform: reps carry 105 for an objective of 100 (105% of the objective); over-assigned by 5",
    ),
    Case(
        "volume-over-assigned-beyond-allowance",
        "SP410",
        each(append(ST, "volume:\n  units: {platform: 100}\n"), append(N1, "volume: {units: {platform: 60}}\n"), append(N2, "volume: {units: {platform: 46}}\n")),
        (At(ST, "units: {platform: 100}", "platform"),),
        message="over-assigned by 6",
        hint="allowance is 5% = 5",
    ),
    Case(
        "volume-where-the-strategy-sets-none",
        "SP410",
        append(N1, "volume: {deals_won: {B: 3}}\n"),
        (At(N1, "volume: {deals_won: {B: 3}}", "B"),),
        message="the rep carries 3 deals won but the strategy sets no such objective",
    ),
    Case(
        "volume-share-where-the-strategy-sets-none",
        "SP410",
        each(append(ST, "volume:\n  units: {platform: 100}\n"), append(N1, "volume: {units: {platform: 60, services: 10%}}\n"), append(N2, "volume: {units: {platform: 40}}\n")),
        (At(N1, "volume: {units: {platform: 60, services: 10%}}", "services"),),
        message="volume.units.services: the rep carries 10% of it but the strategy sets no such objective",
    ),
    Case(
        "volume-unknown-segment",
        "SP301",
        append(ST, "volume:\n  new_customers: {Z: 10}\n"),
        (At(ST, "new_customers: {Z: 10}", "Z"),),
        message="volume.new_customers: unknown segment 'Z'",
    ),
    Case(
        "volume-units-unknown-range",
        "SP304",
        append(ST, "volume:\n  units: {platfrom: 10}\n"),
        (At(ST, "units: {platfrom: 10}", "platfrom"),),
        hint="did you mean 'platform'?",
    ),
    # --- SP501-SP503 organisation ------------------------------------------------------------------------------------------------
    Case(
        "territory-mix-off",
        "SP501",
        each(
            replace(N1, "{A: 350_000, B: 250_000,", "{A: 450_000, B: 150_000,"),
            replace(N2, "{A: 350_000, B: 250_000,", "{A: 250_000, B: 350_000,"),
        ),
        (At(N1, "targets:", "A:"), At(N1, "targets:", "B:"), At(N2, "targets:", "A:"), At(N2, "targets:", "B:")),
        message="segment A is 45% of this territory rep's target, the strategy says 35%",
    ),
    Case(
        "specialist-with-two-segments",
        "SP502",
        each(replace(E4, "{C: 1_230_000}", "{B: 100_000, C: 1_230_000}"), replace(E3, "{B: 51.25%}", "{B: 1_437_500}")),
        (At(E4, "targets:", "targets"),),
        message="2 segments (B, C)",
    ),
    Case(
        "segment-carried-by-no-rep",
        "SP503",
        each(replace(ST, "  C: 40%", "  C: 35%\n  D: 5%"), append(SEG, "D:\n  name: Public sector\n  criteria: {sector: public}\n")),
        (At(ST, "  D: 5%", "D"),),
        message="segment D (5% of turnover) is carried by no rep",
        also=frozenset({"SP403", "SP405"}),  # D unassigned, C now over-assigned
    ),
    # --- SP601-SP605 periods ----------------------------------------------------------------------------------------------------
    Case("seasonality-missing-q4", "SP601", replace(ST, "  Q3: 20%\n  Q4: 50%", "  Q3: 70%"), (At(ST, "seasonality:", "seasonality"),), message="Q4"),
    Case("seasonality-mixed", "SP601", replace(ST, "  Q4: 50%", "  dec: 50%"), (At(ST, "seasonality:", "seasonality"),), message="mix"),
    Case("rep-period-not-a-period", "SP601", replace(E1, "Q4: 550_000}", "Q5: 550_000}"), (At(E1, "periods:", "Q5"),), message="'Q5'"),
    Case(
        "seasonality-95",
        "SP602",
        replace(ST, "  Q4: 50%", "  Q4: 45%"),
        (At(ST, "seasonality:", "seasonality"),),
        message="95%",
    ),
    Case(
        "rep-periods-off",
        "SP603",
        replace(E1, "Q4: 550_000}", "Q4: 551_000.01}"),
        (At(E1, "periods:", "periods"),),
        message="gap 1,000.01 EUR",
    ),
    Case(
        "start-after-fiscal-year",
        "SP604",
        replace(S3, "start: 2027-04-01", "start: 2028-04-01"),
        (At(S3, "start:", "2028"),),
        message="after the fiscal year ends",
    ),
    Case(
        "end-before-fiscal-year",
        "SP604",
        replace(N2, "territory: north-east\n", "territory: north-east\nend: 2026-12-31\n"),
        (At(N2, "end:", "2026"),),
        message="before the fiscal year starts",
    ),
    Case(
        "target-before-hire",
        "SP605",
        replace(S3, N1_TARGETS, N1_TARGETS + "\nperiods: {Q1: 15%, Q2: 15%, Q3: 20%, Q4: 50%}"),
        (At(S3, "periods:", "Q1"),),
        message="Q1 carries 15% but the rep is not in post then (start 2027-04-01)",
    ),
    # --- SP701 capacity -------------------------------------------------------------------------------------------------------
    Case(
        "over-capacity",
        "SP701",
        replace(N1, "C: {prospect: 40, customer: 40}", "C: {prospect: 70, customer: 40}"),
        (At(N1, "accounts:", "accounts"),),
        message="1,112 actions planned this year for a capacity of 1,100 (101%)",
    ),
    # --- SP801/SP802 co-construction -------------------------------------------------------------------------------------------
    Case(
        "never-agreed",
        "SP801",
        replace(N2, "agreed: {rep: 2026-12-09, manager: 2026-12-10}\n", ""),
        (At(N2, "id: rep-n2", "id"),),
        message="not yet agreed by rep and manager",
        as_of=dt.date(2027, 1, 15),  # before any review is due (SP802 would change with the dates)
    ),
    Case(
        "manager-did-not-sign",
        "SP801",
        replace(N2, "agreed: {rep: 2026-12-09, manager: 2026-12-10}", "agreed: {rep: 2026-12-09}"),
        (At(N2, "agreed:", "agreed"),),
        message="not yet agreed by manager",
        as_of=dt.date(2027, 1, 15),
    ),
    Case(
        "review-missing-for-last-quarter",
        "SP802",
        replace(N1, REVIEWED, "reviewed: [2027-01-05]"),
        (At(N1, "reviewed:", "["),),
        message="last reviewed 2027-01-05; the quarterly review of the period from 2027-04-01 is missing (as of 2027-08-01)",
        as_of=dt.date(2027, 8, 1),
    ),
    Case(
        "never-reviewed-since-sign-off",
        "SP802",
        replace(N2, REVIEWED + "    # quarterly reviews held with the manager\n", ""),
        (At(N2, "agreed:", "{"),),
        message="not reviewed since the sign-off on 2026-12-10; the quarterly review of the period from 2027-01-01 is missing",
        as_of=dt.date(2027, 4, 1),
    ),
]

#: code -> ids of the cases that trigger it
BY_CODE: dict[str, list[str]] = {}
for _case in CASES:
    BY_CODE.setdefault(_case.code, []).append(_case.id)


# --- running a case ------------------------------------------------------------------------------


def identity(d: Diagnostic) -> tuple:
    """A finding without its line and column, so an edit that shifts lines does not make old findings new."""
    return (d.file, d.code, d.path, d.message)


@functools.cache
def baseline(as_of: dt.date) -> frozenset[tuple]:
    """Findings the untouched example gives on that day (what a case must not be blamed for)."""
    return frozenset(identity(d) for d in validate_workspace(EXAMPLE, as_of=as_of).diagnostics)


def new_diagnostics(plan: PlanCopy, as_of: dt.date = AS_OF) -> list[Diagnostic]:
    known = baseline(as_of)
    return [d for d in plan.validate(as_of) if identity(d) not in known]


def expected_place(plan: PlanCopy, at: At) -> tuple:
    if at.line is None:
        line = None
    elif isinstance(at.line, int):
        line = at.line
    else:
        line = plan.line_of(at.file, at.line)
    col = None
    if at.col:
        col = plan.col_of(at.file, at.line, at.col)
    return (at.file, line, col)


def test_case_ids_are_unique():
    ids = [case.id for case in CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_check_code(plan: PlanCopy, case: Case):
    case.edit(plan)
    found = new_diagnostics(plan, case.as_of)
    mine = [d for d in found if d.code == case.code]
    summary = "\n".join(d.headline() for d in found)

    expected = sorted((expected_place(plan, at) for at in case.at), key=str)
    with_col = {(file, line) for file, line, col in expected if col is not None}
    actual = sorted(((d.file, d.line, d.col if (d.file, d.line) in with_col else None) for d in mine), key=str)
    assert actual == expected, f"{case.code} reported at the wrong place(s); all new findings:\n{summary}"

    assert {d.severity.value for d in mine} == {severity_of(case.code)}
    if case.message:
        message = case.message(plan) if callable(case.message) else case.message
        assert any(message in d.message for d in mine), f"no {case.code} message says {message!r}:\n{summary}"
    if case.hint:
        assert any(case.hint in d.hint for d in mine), f"no {case.code} hint says {case.hint!r}: {[d.hint for d in mine]}"
    assert {d.code for d in found} == {case.code} | case.also, f"unexpected set of new codes:\n{summary}"


# --- the registry ----------------------------------------------------------------------------------


def test_every_code_has_a_triggering_case():
    from test_intake import INTAKE_CASES  # the export codes (SP9xx) are triggered by reading exports
    from test_loud import TRIGGERED as LOUD  # ... and by the rules on damaged exports and export paths

    assert all(code.startswith("SP9") for code in LOUD)
    missing = sorted(set(CODES) - set(BY_CODE) - {case.code for case in INTAKE_CASES} - set(LOUD))
    unknown = sorted(set(BY_CODE) - set(CODES))
    assert all(code.startswith("SP9") for code in {case.code for case in INTAKE_CASES})
    assert not missing, f"codes without a triggering case: {missing}"
    assert not unknown, f"cases for codes that are not registered: {unknown}"


def test_registry_severities():
    assert {code: entry.severity.value for code, entry in CODES.items()} == {code: severity_of(code) for code in CODES}


# --- the clean example ----------------------------------------------------------------------------------


def test_clean_example_gives_no_diagnostics():
    result = validate_workspace(EXAMPLE, as_of=AS_OF)
    assert [d.headline() for d in result.diagnostics] == []
    assert result.skipped == []


@pytest.mark.parametrize("day", ["2026-12-01", "2027-04-01", "2027-07-06", "2027-10-01", "2027-12-31", "2028-01-10"])
def test_clean_example_stays_clean_through_the_year(day):
    """Quarterly cadence; every plan has a review (or its sign-off) in each completed quarter."""
    assert [d.headline() for d in validate_workspace(EXAMPLE, as_of=dt.date.fromisoformat(day)).diagnostics] == []


def test_clean_example_copy_gives_no_diagnostics(plan: PlanCopy):
    """Same, through the copy the other tests edit (proves the copy itself changes nothing)."""
    assert {identity(d) for d in plan.validate()} == baseline(AS_OF)


def test_clean_example_exit_code_is_0(run_cli):
    run = run_cli("validate", "-w", EXAMPLE, "--as-of", AS_OF.isoformat(), "--format", "human")
    assert run.code == 0, run.out + run.err
    assert run.err == ""


def test_clean_example_json_has_no_errors(run_cli):
    import json

    run = run_cli("validate", "-w", EXAMPLE, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert run.code == 0
    summary = json.loads(run.out)["summary"]
    assert summary["errors"] == 0
    assert summary["files"] == 14


def test_example_rep_hired_in_april_is_due_a_review_until_its_first_one():
    """rep-s3 signed on 2027-03-26 and has its first review on 2027-07-06: from 1 to 5 July its Q2 review is missing."""
    plan = PlanCopy(EXAMPLE)
    for day in ("2027-07-01", "2027-07-05"):
        found = validate_workspace(EXAMPLE, as_of=dt.date.fromisoformat(day)).diagnostics
        assert [(d.file, d.line, d.col, d.code) for d in found] == [
            (S3, plan.line_of(S3, "reviewed:"), plan.col_of(S3, "reviewed:", "["), "SP802")
        ]
        assert found[0].message == (
            f"not reviewed since the sign-off on 2027-03-26; the quarterly review of the period from 2027-04-01 is missing (as of {day})"
        )


@pytest.mark.parametrize(("day", "due"), [("2027-06-30", False), ("2027-07-01", True)])
def test_review_is_due_the_day_after_the_quarter_ends(plan: PlanCopy, day, due):
    plan.replace(N1, REVIEWED, "reviewed: [2027-01-05]")  # no review in Q2 (April to June)
    found = [(d.file, d.code) for d in new_diagnostics(plan, dt.date.fromisoformat(day))]
    assert found == ([(N1, "SP802")] if due else [])


def test_end_before_start_points_at_end(plan: PlanCopy):
    """End before start is SP604, at end:, and the sums built on it are not reported (no SP403 cascade)."""
    plan.replace(S3, "start: 2027-04-01", "start: 2027-04-01\nend: 2027-03-01")
    found = [d for d in new_diagnostics(plan) if d.file == S3]
    assert [(d.code, d.line, d.col) for d in found] == [
        ("SP604", plan.line_of(S3, "end: 2027-03-01"), plan.col_of(S3, "end: 2027-03-01", "2027-03-01"))
    ], "\n".join(d.headline() for d in found)
    assert "before start" in found[0].message


# --- sums: exact boundaries ------------------------------------------------------------------------------
# Tolerance is 1,000 EUR, over-assignment allowance 5% of the target (A: 210,000, C: 240,000).


@pytest.mark.parametrize(
    ("rep", "old", "new", "expected"),
    [
        # rep-n1, a territory rep: segment A, +/- the tolerance
        (N1, "{A: 350_000,", "{A: 351_000,", {}),
        (N1, "{A: 350_000,", "{A: 351_000.01,", {"segments.A": "SP404", "revenue_target": "SP404"}),
        (N1, "{A: 350_000,", "{A: 349_000,", {}),
        (N1, "{A: 350_000,", "{A: 348_999.99,", {"segments.A": "SP403", "revenue_target": "SP403"}),
        # one cent over: well within the tolerance
        (N1, "{A: 350_000,", "{A: 350_000.01,", {}),
        # rep-e4, a specialist: segment C, up to the 5% allowance and one cent beyond
        (E4, "{C: 1_230_000}", "{C: 1_231_000}", {}),
        (E4, "{C: 1_230_000}", "{C: 1_231_000.01}", {"segments.C": "SP404", "revenue_target": "SP404"}),
        (
            E4,
            "{C: 1_230_000}",
            "{C: 1_470_000}",
            {"segments.C": "SP404", "revenue_target": "SP404", "products.platform": "SP404", "products.services": "SP404"},
        ),
        (
            E4,
            "{C: 1_230_000}",
            "{C: 1_470_000.01}",
            {"segments.C": "SP405", "revenue_target": "SP404", "products.platform": "SP404", "products.services": "SP404"},
        ),
    ],
    ids=["n1-A+1000", "n1-A+1000.01", "n1-A-1000", "n1-A-1000.01", "n1-A+0.01", "e4-C+1000", "e4-C+1000.01", "e4-C+5%", "e4-C+5%+0.01"],
)
def test_assignment_boundaries(plan: PlanCopy, rep, old, new, expected):
    plan.replace(rep, old, new)
    found = {d.path: d.code for d in new_diagnostics(plan)}
    assert found == expected


def test_cents_cancel_across_reps_without_drift(plan: PlanCopy):
    plan.replace(N1, "{A: 350_000,", "{A: 350_000.01,")
    plan.replace(N2, "{A: 350_000,", "{A: 349_999.99,")
    plan.replace(E4, "{C: 1_230_000}", "{C: 1_230_000.1}")
    plan.replace("reps/rep-e5.yaml", "{C: 1_230_000}", "{C: 1_229_999.9}")
    assert new_diagnostics(plan) == []


def test_under_assignment_says_how_much_is_missing(plan: PlanCopy):
    plan.replace(N1, "{A: 350_000,", "{A: 250_000,")
    by_path = {d.path: d for d in new_diagnostics(plan) if d.code == "SP403"}
    a = by_path["segments.A"]
    assert a.message.endswith("; 100,000 EUR is not assigned")
    assert "raise rep targets by 100,000 EUR" in a.hint
    assert "rep-n1 250,000" in a.hint  # who carries it now
    # the revenue target misses the same 100,000; the product ranges split it 60/40
    assert by_path["revenue_target"].message.endswith("; 100,000 EUR is not assigned")
    assert by_path["products.platform"].message.endswith("; 60,000 EUR is not assigned")
    assert by_path["products.services"].message.endswith("; 40,000 EUR is not assigned")


def test_over_assignment_boundary_message(plan: PlanCopy):
    plan.replace(E4, "{C: 1_230_000}", "{C: 1_470_000.01}")
    [c] = [d for d in new_diagnostics(plan) if d.path == "segments.C"]
    assert c.code == "SP405"
    assert c.message == (
        "segment C: reps carry 5,040,000.01 EUR for a target of 4,800,000 EUR (105% of target); over-assigned by 240,000.01 EUR"
    )
    assert "240,000 EUR" in c.hint  # the allowance


@pytest.mark.parametrize(
    ("rep", "old", "new"),
    [
        (E2, "services: 531_000}", "services: 532_000}"),  # product amounts within 1,000
        (E1, "Q4: 550_000}", "Q4: 551_000}"),  # period amounts within 1,000
        (N1, "C: {prospect: 40, customer: 40}", "C: {prospect: 68, customer: 40}"),  # 1,098 actions for 1,100
    ],
)
def test_within_tolerance_is_clean(plan: PlanCopy, rep, old, new):
    plan.replace(rep, old, new)
    assert new_diagnostics(plan) == []


# --- YAML: what must stay quiet -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "edit",
    [
        replace(N2, TERRITORY_LINE, 'territory: "NO"'),
        replace(N2, TERRITORY_LINE, "territory: 'on'"),
        replace(S1, "named: [BALT-330]", 'named: [BALT-330, "01234"]'),
        recode(N2, lambda t: t.replace("\n", "\r\n").encode()),  # Windows line endings
        recode(N2, lambda t: b"\xef\xbb\xbf" + t.encode()),  # UTF-8 with a byte order mark
        replace(N2, "name: Tomasz Nowak", "name: Zoë Nowakówska"),  # UTF-8 accents
        replace(N2, "targets: {A: 350_000", "# 2026 was: targets: {A: 1,100,000}\ntargets: {A: 350_000"),  # old value kept as a comment
        replace(N2, "  proposal:\n", "  proposal:\n    notes: |\n      Budget [FY27]: 1,200,000 EUR signed off by the board\n"),  # block scalar
        replace(N2, "    pitch: roi-deck-2027", "    pitch: roi deck {v3} shows 1,200,000 EUR saved"),  # plain text, block context
        replace(N2, "    expected: [written proposal, ROI agreed with sponsor]", '    expected: [written proposal, "ROI above 1,000,000 agreed"]'),  # quoted
    ],
    ids=["quoted-NO", "quoted-on", "quoted-01234", "crlf", "utf8-bom", "utf8-accents", "thousands-in-comment", "thousands-in-block-scalar", "thousands-in-block-text", "thousands-quoted-in-flow"],
)
def test_harmless_yaml_is_clean(plan: PlanCopy, edit):
    edit(plan)
    assert new_diagnostics(plan) == []


def test_crlf_file_reports_the_right_line(plan: PlanCopy):
    plan.replace(N2, "manager: mgr-north", "manager: mgr-nort")
    plan.write(N2, plan.text(N2).replace("\n", "\r\n"))
    [d] = new_diagnostics(plan)
    assert (d.code, d.file, d.line, d.col) == ("SP305", N2, plan.line_of(N2, "manager: mgr"), plan.col_of(N2, "manager: mgr", "mgr-nort"))


# --- messages: readable, with the offending value ----------------------------------------------------


@pytest.mark.parametrize(
    ("rel", "old", "new", "code", "shown"),
    [
        (ST, "revenue_target: 12_000_000", "revenue_target: 12,000,000", "SP204", "12,000,000"),
        (ST, "revenue_target: 12_000_000", "revenue_target: 12 000 000", "SP204", "12 000 000"),
        (ST, "revenue_target: 12_000_000", "revenue_target: 12000000 EUR", "SP204", "12000000 EUR"),
        (ST, "actions_per_year: 1100", "actions_per_year: many", "SP204", "many"),
        (ST, "  A: 35%", "  A: thirty-five%", "SP205", "thirty-five%"),
        (SEG, 'criteria: {employees: ">=200"}', 'criteria: {employees: ">=two hundred"}', "SP203", ">=two hundred"),
    ],
)
def test_message_shows_the_offending_value(plan: PlanCopy, rel, old, new, code, shown):
    plan.replace(rel, old, new)
    [d] = new_diagnostics(plan)
    assert d.code == code
    assert "{value" not in d.message, f"unformatted placeholder in: {d.message}"
    assert shown in d.message


def test_fraction_written_for_a_percentage_is_not_turned_into_a_tiny_percentage(plan: PlanCopy):
    """`A: 0.35` most likely means 35%; the README says it is 'refused rather than guessed', so the
    message must not suggest '0.35%' (a share 100 times too small)."""
    plan.replace(ST, "  A: 35%", "  A: 0.35")
    [d] = new_diagnostics(plan)
    assert d.code == "SP205"
    assert "0.35%" not in d.message + " " + d.hint, d.message


def test_period_mix_message_is_plural(plan: PlanCopy):
    plan.replace(ST, "  Q4: 50%", "  dec: 50%")
    [d] = new_diagnostics(plan)
    assert d.code == "SP601"
    assert "mix months and quarters" in d.message


def test_control_character_is_named_readably(plan: PlanCopy):
    """'character 11 is not allowed' reads as the digits 1 and 1: name the control character."""
    plan.replace(N2, TERRITORY_LINE, "territory: north\x0beast")
    [d] = new_diagnostics(plan)
    assert d.code == "SP002"
    assert any(form in d.message for form in ("\\x0b", "0x0b", "U+000B", "\\v")), d.message


# --- bugs found while writing these tests --------------------------------------------------------------


def test_seasonality_total_does_not_shrink_full_year_reps(plan: PlanCopy):
    """docs/metrics.md: 'P(r) = 1 (100%) for a rep in post all year'. A seasonality that totals 95%
    is SP602; it must not make every full-year rep carry 95% of its objective in the sums."""
    plan.replace(ST, "  Q4: 50%", "  Q4: 45%")
    found = new_diagnostics(plan)
    assert "SP602" in {d.code for d in found}
    sums = {d.path: d for d in found if d.code in ("SP403", "SP404", "SP405")}
    carriers = {"segments.A": "rep-n1 350,000", "segments.C": "rep-e4 1,230,000", "revenue_target": "rep-n1 1,000,000"}
    for path, full_year in carriers.items():
        if path in sums:  # (skipping the sums on a broken seasonality would be fine too)
            assert full_year in sums[path].hint, sums[path].headline() + "\n" + sums[path].hint


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        (N2, REVIEWED, "reviewed: [2027-01-05, 2027-04-06, 2027-07-06, 2027-10-05, 9999-12-31]"),
        (N2, "agreed: {rep: 2026-12-09, manager: 2026-12-10}", "agreed: {rep: 2026-12-09, manager: 9999-12-31}"),
        (N2, TERRITORY_LINE, TERRITORY_LINE + "\nend: 9999-12-31"),
        (SET, "fiscal_year: {start: 2027-01-01}", "fiscal_year: {start: 9999-01-01}"),
    ],
    ids=["reviewed-9999-12-31", "agreed-9999-12-31", "end-9999-12-31", "fiscal-year-9999"],
)
def test_far_future_dates_do_not_crash(plan: PlanCopy, run_cli, monkeypatch, tmp_path, rel, old, new):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # a crash report would land here, not in /tmp
    plan.replace(rel, old, new)
    validate_workspace(plan.root, as_of=AS_OF)  # must not raise
    run = run_cli("validate", "-w", plan.root, "--as-of", AS_OF.isoformat(), "--format", "json")
    assert run.code in (0, 1), run.err
    assert "internal error" not in run.err


# --- the CLI --------------------------------------------------------------------------------------------


def test_warnings_pass_unless_strict(plan: PlanCopy, run_cli):
    plan.replace(N1, "{A: 350_000,", "{A: 351_000.01,")  # SP404 warnings only
    args = ("validate", "-w", plan.root, "--as-of", "2027-01-15", "--format", "json")
    assert run_cli(*args).code == 0
    assert run_cli(*args, "--strict").code == 1


def test_errors_exit_1(plan: PlanCopy, run_cli):
    plan.replace(N1, "{A: 350_000,", "{A: 250_000,")
    run = run_cli("validate", "-w", plan.root, "--as-of", AS_OF.isoformat(), "--format", "human")
    assert run.code == 1
    assert f"strategy.yaml:{plan.line_of(ST, '  A: 35%')}:3: error SP403: segment A:" in run.out


def test_no_workspace_exits_2(tmp_path, run_cli):
    run = run_cli("validate", "-w", tmp_path / "nowhere")
    assert run.code == 2
    assert "salesplan: error:" in run.err


# --- a file that does not load silences the checks that need it ----------------------------------------------------


def test_contact_roles_and_expected_outputs_wait_for_the_files_they_check(run_cli, tmp_path):
    """The example maps contact titles to the roles of segments.yaml (SP311) and links the outputs the reps'
    methods expect (SP315): with segments.yaml or a rep plan not loading, their own findings come, not a
    cascade of SP311/SP315 on every mapping line."""
    plan = copy_workspace(EXAMPLE, tmp_path / "ws")
    plan.write("segments.yaml", "- a list, not a mapping\n")
    plan.write("reps/rep-e1.yaml", "id: [unclosed\n")
    result = run_cli("validate", "-w", plan.root, "--as-of", "2027-10-15")
    assert result.code == 1
    assert "SP311" not in result.out and "SP315" not in result.out
    assert "segments.yaml" in result.out and "reps/rep-e1.yaml" in result.out
