"""Contact roles of activities: the contact's job title, mapped to the roles the segments name.

The activities frame gets two columns: `contact_title` (the export's title, trimmed; None when blank or when the
export has no such column) and `contact_role` (the segment role it maps to, or None). A title is matched
case-insensitively (spaces collapsed) against `data.mapping.contact_roles`, then against the roles the segments
name in `contacts:` (a title equal to a role maps by itself). A title that maps to no role is no rejection: the
activity still counts as an action, its role unknown; `unmapped_title_notes` lists the distinct titles.
"""

from __future__ import annotations

from .lookups import owner_key

#: The canonical field.
FIELD = "contact_role"


def segment_roles(ws) -> dict[str, str]:
    """Case-folded role -> the role as the first segment naming it spells it (segments.yaml `contacts:`)."""
    roles: dict[str, str] = {}
    for spec in (getattr(ws, "segments", None) or {}).values():
        for role in spec.contacts:
            roles.setdefault(owner_key(role), role)
    return roles


def role_lookup(ws, config) -> dict[str, str]:
    """Case-folded, trimmed title -> segment role: the roles themselves, then data.mapping.contact_roles (a mapping
    to a role no segment names is left out: `salesplan validate` reports it, SP311)."""
    roles = segment_roles(ws)
    lookup = dict(roles)
    for title, role in config.mapping.contact_roles.items():
        known = roles.get(owner_key(role))
        if known is not None:
            lookup[owner_key(title)] = known
        else:
            lookup.pop(owner_key(title), None)
    return lookup


def map_contact_roles(rows, ws, config) -> None:
    """Add `contact_title` and `contact_role` to an activities _Rows (None throughout without the column)."""
    import pandas as pd

    from .parse import map_key

    if not rows.has(FIELD):
        from .keys import absent_key

        rows.frame["contact_title"] = None
        rows.frame[FIELD] = absent_key(rows.frame.index)  # a key column: as intern_keys makes a column of None
        return
    raw = rows.frame[FIELD].fillna("").astype("str").str.strip()
    blank = raw == ""
    mapped = map_key(raw, role_lookup(ws, config), category=True)
    rows.frame["contact_title"] = pd.Series(raw.astype("object").where(~blank, None), index=rows.frame.index, dtype="object")
    rows.frame[FIELD] = mapped.where(~blank) if isinstance(mapped.dtype, pd.CategoricalDtype) else pd.Series(mapped.astype("object").where(mapped.notna() & ~blank, None), index=rows.frame.index, dtype="object")


def has_roles(frames) -> bool:
    """Whether an activities export carried a contact role column (a mapped `contact_role` field)."""
    for report in getattr(frames, "reports", []):
        if report.kind == "activities" and FIELD in report.fields:
            return True
    return False


def unmapped_title_notes(activities, limit: int = 8) -> list[str]:
    """One line: the distinct contact titles that map to no segment role, most frequent first, and the mapping line
    that takes them in. The activities themselves are kept (they count as actions, their role unknown)."""
    if activities is None or "contact_title" not in activities.columns:
        return []
    titled = activities["contact_title"].notna()
    unmapped = activities.loc[titled & activities["contact_role"].isna(), "contact_title"]
    if not len(unmapped):
        return []
    counts = unmapped.value_counts()
    ordered = sorted(counts.items(), key=lambda item: (-int(item[1]), str(item[0])))
    from .activity_status import _yaml_key

    shown = ", ".join(f"'{str(title)[:60]}' ({int(n)} row{'s' if n != 1 else ''})" for title, n in ordered[:limit])
    more = f" and {len(ordered) - limit} more" if len(ordered) > limit else ""
    rows = int(counts.sum())
    example = ", ".join(f"{_yaml_key(str(title)[:60])}: ROLE" for title, _ in ordered[:3])
    return [
        f"contact roles: {rows:,} activit{'ies' if rows != 1 else 'y'} with a contact title that maps to no segment role "
        f"(kept, role unknown): {shown}{more}; map them under data.mapping.contact_roles, e.g. contact_roles: {{{example}}}"
    ]
