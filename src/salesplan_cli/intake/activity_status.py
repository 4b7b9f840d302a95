"""Task status of activities: done or open, from each CRM's own words.

The activities frame gets a `status` column: 'done', 'open', or None (the export has no status field, or the
cell is blank: an event or a logged call carries no task status). A value that maps to nothing is rejected,
like an unknown stage, and the summary lists the distinct values so that one mapping line fixes them.
"""

from __future__ import annotations

import re

from ..config.data import DataConfig
from .fields import PRESET_ACTIVITY_STATUSES
from .lookups import owner_key

#: Reason of a row rejected for its status; `unknown_status_notes` reads the values back from it.
UNKNOWN_PREFIX = "unknown activity status '"
_UNKNOWN = re.compile(re.escape(UNKNOWN_PREFIX) + r"(.*)' \(map it under data\.mapping\.activity_statuses")


def status_lookup(config: DataConfig, preset: str) -> dict[str, str]:
    """Case-folded, trimmed CRM status -> 'done' or 'open': done/open, the preset's values, then the mapping."""
    lookup = {"done": "done", "open": "open"}
    lookup.update(PRESET_ACTIVITY_STATUSES.get(preset, {}))
    lookup.update({owner_key(k): v for k, v in config.mapping.activity_statuses.items()})
    return lookup


def map_activity_status(rows, config: DataConfig, presets: list[str]) -> None:
    """Turn the `status` column of an activities _Rows into done / open / None; reject unknown values.

    `presets`: the presets of the kind's files, whose status words are all understood (first file first)."""
    import pandas as pd

    from .parse import map_key

    if not rows.has("status"):
        from .keys import absent_key

        rows.frame["status"] = absent_key(rows.frame.index)  # a key column: as intern_keys makes a column of None
        return
    raw = rows.frame["status"].fillna("").astype("str").str.strip()
    lookup: dict[str, str] = {}
    for preset in presets:
        for key, value in status_lookup(config, preset).items():
            lookup.setdefault(key, value)
    mapped = map_key(raw, lookup, category=True)
    blank = raw == ""
    rows.reject(
        mapped.isna() & ~blank,
        lambda: UNKNOWN_PREFIX + raw.str.slice(0, 40) + "' (map it under data.mapping.activity_statuses: done or open)",
    )
    # a category (done, open), not a text per row: the frame's key column as interned (build_frames)
    rows.frame["status"] = mapped.where(~blank) if isinstance(mapped.dtype, pd.CategoricalDtype) else pd.Series(mapped.astype("object").where(mapped.notna() & ~blank, None), index=rows.frame.index, dtype="object")


def unknown_status_notes(reports) -> list[str]:
    """Per activities export with rows rejected for their status: the distinct values, most frequent first,
    and the mapping line that takes them in."""
    notes = []
    for report in reports:
        if report.kind != "activities":
            continue
        counts: dict[str, int] = {}
        for issue in report.issues:
            if issue.kind != "rejected":
                continue
            found = _UNKNOWN.match(issue.reason)
            if found:
                counts[found.group(1)] = counts.get(found.group(1), 0) + 1
        if not counts:
            continue
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        rows = sum(counts.values())
        values = ", ".join(f"'{value}' ({n} row{'s' if n != 1 else ''})" for value, n in ordered)
        example = ", ".join(f"{_yaml_key(value)}: open" for value, _ in ordered[:5])
        notes.append(
            f"{report.path}: {rows} activit{'ies' if rows != 1 else 'y'} rejected for a status that maps to nothing: {values}; "
            f"say which are done and which open under data.mapping.activity_statuses, e.g. activity_statuses: {{{example}}}"
        )
    return notes


def _yaml_key(value: str) -> str:
    """A status value written as a YAML flow-mapping key (quoted when it needs to be)."""
    if re.fullmatch(r"[A-Za-z][A-Za-z0-9 _-]*", value) and value.casefold() not in {"yes", "no", "on", "off", "true", "false", "null", "y", "n"}:
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def status_notes(activities) -> list[str]:
    """One line on how activities were counted: no status at all (all done by date), or blank statuses."""
    if activities is None:
        return []
    if "status" not in activities.columns or not activities["status"].notna().any():
        return [
            "activities: the export gives no task status, so every activity dated up to the as-of date counts as done "
            "(map a status column under data.activities.columns to tell done from open)"
        ]
    blank = int(activities["status"].isna().sum())
    if blank:
        return [
            f"activities: {blank:,} activit{'ies have' if blank != 1 else 'y has'} a blank status (events and logged calls carry none): "
            "each counts by its date, as done up to the as-of date and as scheduled after it"
        ]
    return []
