"""The owners of the exports that match no rep, one line each, with the nearest rep names as a suggestion.

Never a guess: the rows of an unmatched owner stay <unplanned>; the suggestion only says which line of
data.mapping.owners would give them to a rep.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field

from ..plan.model import Workspace
from .frameset import Frames
from .lookups import owner_key, owner_lookup

#: How close an owner must be to a rep's id, name or e-mail (difflib ratio of the owner keys) to be suggested.
SUGGEST_CUTOFF = 0.75
#: Distinct unmatched owners listed by name; the others are counted.
LISTED = 10


@dataclass
class UnmatchedOwner:
    owner: str  # as the export writes it (the most frequent spelling)
    rows: int  # rows of all exports with this owner (after trimming, Unicode normalisation and case folding)
    suggestions: list[tuple[str, str]] = field(default_factory=list)  # (rep name, id or e-mail as matched; rep id)

    def describe(self) -> str:
        text = f"'{self.owner}' ({self.rows:,} row{'s' if self.rows != 1 else ''}"
        if self.suggestions:
            text += "; did you mean " + " or ".join(f"'{shown}' ({rep_id})" for shown, rep_id in self.suggestions) + "?"
        return text + ")"


def unmatched_owners(ws: Workspace, frames: Frames) -> list[UnmatchedOwner]:
    """The distinct owners matching no rep, most rows first; owners naming several reps are left out (they
    have their own message: say which in data.mapping.owners)."""
    import pandas as pd

    config = ws.settings.data if ws.settings else None
    if config is None:
        return []
    _lookup, ambiguous = owner_lookup(ws, config)
    counts: dict[str, int] = {}
    spellings: dict[str, dict[str, int]] = {}
    kinds = ["opportunities", "activities", "accounts"] + ([] if frames.sales_from_opportunities else ["sales"])
    for kind in kinds:
        frame = getattr(frames, kind)
        if frame is None or "owner" not in frame.columns or "rep" not in frame.columns:
            continue
        owners = frame.loc[frame["rep"].isna(), "owner"].astype("str")
        owners = owners[owners.str.strip() != ""]
        for owner, rows in pd.Series(owners).value_counts().items():
            key = owner_key(str(owner))
            if key in ambiguous:
                continue
            counts[key] = counts.get(key, 0) + int(rows)
            spellings.setdefault(key, {})
            spellings[key][str(owner).strip()] = spellings[key].get(str(owner).strip(), 0) + int(rows)
    if not counts:
        return []
    shown = _rep_spellings(ws)
    # reps left out by report --keep-going (plan/keepgoing.py): their rows are <unplanned>, said by the report's notes
    left_out = {owner_key(name) for name in ws.derived.get("keep_going_left_out_names", ())}
    out = []
    for key, rows in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if key in left_out:
            continue
        spelling = max(spellings[key].items(), key=lambda kv: kv[1])[0]
        close = difflib.get_close_matches(key, list(shown), n=3, cutoff=SUGGEST_CUTOFF)
        suggestions = list(dict.fromkeys(shown[c] for c in close))
        out.append(UnmatchedOwner(spelling, rows, suggestions))
    return out


def _rep_spellings(ws: Workspace) -> dict[str, tuple[str, str]]:
    """Owner key of each rep id, name and e-mail, and of each CRM name data.mapping.owners already gives to a
    rep -> (that text as written, rep id)."""
    out: dict[str, tuple[str, str]] = {}
    for _stem, rep in sorted(ws.reps.items()):
        for text in (rep.name, rep.email, rep.id):
            if text:
                out.setdefault(owner_key(text), (text, rep.id))
    config = ws.settings.data if ws.settings else None
    for crm, rep_id in (config.mapping.owners.items() if config is not None else []):
        out.setdefault(owner_key(crm), (crm, rep_id))
    return out


def unmatched_owner_lines(ws: Workspace, frames: Frames) -> list[str]:
    """The summary of the owners matching no rep, for stderr and `report intake`: empty when all match."""
    owners = unmatched_owners(ws, frames)
    if not owners:
        return []
    count = len(owners)
    head = f"{count} owner{'s' if count != 1 else ''} match{'es' if count == 1 else ''} no rep (their rows count as <unplanned>): "
    listed = ", ".join(o.describe() for o in owners[:LISTED])
    if count > LISTED:
        listed += f", and {count - LISTED} more (salesplan report intake lists their rows)"
    lines = [head + listed]
    fixes = [f"{json.dumps(o.owner, ensure_ascii=False)}: {o.suggestions[0][1]}" for o in owners if o.suggestions]
    if fixes:
        lines.append("  to give them to a rep, add under data.mapping.owners in salesplan.yaml: " + "; ".join(fixes[:LISTED]))
    else:
        lines.append("  to give them to a rep, add them under data.mapping.owners in salesplan.yaml (\"CRM owner\": rep-id)")
    return lines


def owner_table(ws: Workspace, frames: Frames):
    """The owners matching no rep as a table for `report intake`: owner, rows, nearest reps, the mapping line."""
    import pandas as pd

    rows = [
        {
            "owner": o.owner,
            "rows": o.rows,
            "nearest reps": ", ".join(f"{shown} ({rep_id})" for shown, rep_id in o.suggestions),
            "add under data.mapping.owners": f"{json.dumps(o.owner, ensure_ascii=False)}: {o.suggestions[0][1]}" if o.suggestions else "",
        }
        for o in unmatched_owners(ws, frames)
    ]
    return pd.DataFrame(rows, columns=["owner", "rows", "nearest reps", "add under data.mapping.owners"])
