"""A plan diff as tables (title, headers, rows of text) and as Markdown for a pull-request comment."""

from __future__ import annotations

from .diff import PlanDiff, pct, show, signed

SECTIONS = {
    "settings": "Settings and managers",
    "strategy": "Strategy",
    "rep": "Reps",
    "objective": "Objectives this fiscal year",
    "portfolio": "Portfolios",
    "sign-off": "Sign-offs",
}
CHANGE_HEADERS = ["subject", "what", "old", "new", "change", "%"]
SUM_HEADERS = ["sum", "before: reps", "before: target", "before: gap", "after: reps", "after: target", "after: gap"]


def headline(diff: PlanDiff) -> str:
    if not diff.changed:
        return f"No change in the plan between {diff.old} and {diff.new}."
    kinds = len(diff.changes)
    return f"Plan diff {diff.old} -> {diff.new} ({diff.currency}): {kinds} change{'s' if kinds != 1 else ''}, {len(diff.appeared)} finding(s) appear, {len(diff.disappeared)} disappear."


def tables(diff: PlanDiff) -> list[tuple[str, list[str], list[list[str]]]]:
    out = []
    for section, title in SECTIONS.items():
        rows = [
            [c.subject, c.what, show(c.old, c.amount), show(c.new, c.amount), signed(c.difference), pct(c.percent)]
            for c in diff.changes
            if c.section == section
        ]
        if rows:
            out.append((title, CHANGE_HEADERS, rows))
    if diff.changes:
        rows = []
        for s in diff.sums:
            rows.append(
                [s.what, show(s.old_reps, True), show(s.old_target, True), signed(s.gap("old")) or ("0" if s.gap("old") == 0 else "-"),
                 show(s.new_reps, True), show(s.new_target, True), signed(s.gap("new")) or ("0" if s.gap("new") == 0 else "-")]
            )
        if rows:
            out.append(("The reps' sum against the strategy", SUM_HEADERS, rows))
    for title, findings in (("Findings that appear", diff.appeared), ("Findings that disappear", diff.disappeared)):
        if findings:
            out.append((title, ["code", "where", "finding"], [[d.code, d.location(), d.message] for d in findings]))
    return out


def notes(diff: PlanDiff) -> list[str]:
    return [
        f"{label} has {count} error(s) in its plan files: only what could be read is compared (run salesplan validate there)"
        for label, count in diff.errors.items()
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(diff: PlanDiff) -> str:
    lines = [f"### {headline(diff)}", ""]
    for note in notes(diff):
        lines += [f"> {note}", ""]
    for title, headers, rows in tables(diff):
        lines += [f"#### {title}", "", "| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
