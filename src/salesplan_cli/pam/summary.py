"""The one-screen summary `salesplan pam` prints of what it wrote: one line per rep, then the totals.

Pure text from the PAM documents and the files planned (pam/files.py); the CLI prints it on stderr, after the
per-file lines of stdout that scripts read.
"""

from __future__ import annotations

from collections.abc import Sequence

from .formats import plain_text

#: What happened to a rep's files, worst first: the word shown when a rep's files differ.
_STATES = (("skipped", "skipped"), ("forced", "written (hand edits replaced)"), ("written", "written"), ("unchanged", "unchanged"))


def _state(actions: Sequence[str], skipped: Sequence[bool]) -> str:
    found = set()
    for action, skip in zip(actions, skipped):
        if skip:
            found.add("skipped")
        elif action == "forced":
            found.add("forced")
        elif action in ("new", "update"):
            found.add("written")
        else:
            found.add("unchanged")
    for key, word in _STATES:
        if key in found:
            return word
    return "nothing written"


def _amount(value) -> str:
    return "-" if value is None else f"{value:,.0f}"


def summary_lines(docs: Sequence[tuple[str, dict]], files: dict[str, list], folder: str, currency: str, dry_run: bool = False) -> list[str]:
    """One line per rep: id, name, team, the month's revenue objective, actions, accounts due, deals to push,
    and what happened to its files. `docs` are (file stem, PAM document); `files` maps a stem to the planned
    files of that stem (objects with .name, .action and .skipped)."""
    if not docs:
        return []
    width_id = max(len(plain_text(doc["rep"])) for _, doc in docs)
    width_name = max(len(plain_text(doc["name"])) for _, doc in docs)
    lines = [f"PAMs in {folder}/ ({'nothing written: --dry-run' if dry_run else 'one line per rep'}); revenue in {currency}:"]
    for stem, doc in docs:
        head = doc["headline"]
        planned = files.get(stem, [])
        names = ", ".join(p.name for p in planned)
        state = _state([p.action for p in planned], [p.skipped for p in planned])
        revenue = head["revenue_catch_up"] if head.get("revenue_catch_up") is not None else head["revenue_plan"]
        lines.append(
            f"  {plain_text(doc['rep']):<{width_id}}  {plain_text(doc['name']):<{width_name}}  team {plain_text(doc['team'])}: "
            f"revenue {_amount(revenue)}, {head['actions_objective']:,} actions, {head['accounts_due']:,} accounts due, "
            f"{head['deals_to_push']:,} deals to push; {names} {('would be ' + state) if dry_run and state != 'unchanged' else state}"
        )
    return lines
