"""Contact roles reached: which of the roles a segment targets (segments.yaml `contacts:`) each rep has met on
the targeted accounts (see 'Contact roles reached' in docs/metrics.md).

A role is reached on an account when the rep has a done action on it (reports/done.py), dated in the period to
date, whose contact title maps to the role (intake/contact_roles.py). Without a contact role column in the
activities export the tables are not drawn and `roles_notes` says why in one line.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pandas as pd

from ..intake.contact_roles import has_roles, unmapped_title_notes
from .context import TOTAL, ReportContext, report_frame

ROLES_COLUMNS = ["rep", "segment", "role", "targeted", "reached", "share"]
NO_ROLE_COLUMNS = ["rep", "account", "name", "segment", "roles", "actions"]

NO_ROLE_COLUMN = (
    "contact roles: the activities export has no contact role column, so the roles reached (segments.yaml contacts:) "
    "are not shown; map the contact's job title as contact_role under data.activities.columns"
)


def roles_shown(ctx: ReportContext) -> bool:
    """Whether the roles tables are drawn: an activities export with a contact role column, and segments naming roles."""
    frames = ctx.frames
    return frames is not None and frames.activities is not None and has_roles(frames) and bool(_contacts(ctx))


def _contacts(ctx: ReportContext) -> dict[str, list[str]]:
    """Segment -> its targeted contact roles (segments with none left out)."""
    return {seg: list(dict.fromkeys(spec.contacts)) for seg, spec in (ctx.ws.segments or {}).items() if spec.contacts}


def met_roles(activities, start: dt.date | None, end: dt.date | None) -> dict[tuple[str, str], set[str]]:
    """(rep, account) -> the roles reached by the rep's done actions on the account dated start..end (inclusive)."""
    from .done import not_open

    acts = not_open(activities)
    if acts is None or start is None or end is None or not len(acts) or "contact_role" not in acts.columns:
        return {}
    days = pd.to_datetime(acts["date"]).dt.normalize()
    keep = (days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end)) & acts["rep"].notna() & acts["account"].notna() & acts["contact_role"].notna()
    inside = acts.loc[keep, ["rep", "account", "contact_role"]].drop_duplicates()
    out: dict[tuple[str, str], set[str]] = {}
    for rep, account, role in zip(inside["rep"], inside["account"], inside["contact_role"]):
        out.setdefault((rep, account), set()).add(role)
    return out


def _done_counts(ctx: ReportContext) -> dict[tuple[str, str], int]:
    from .coverage import _actions_by_rep

    return _actions_by_rep(ctx)


def _targeted(ctx: ReportContext) -> pd.DataFrame:
    from .coverage import targeted_accounts

    pairs = targeted_accounts(ctx)
    return pairs[pairs["segment"].isin(list(_contacts(ctx)))].drop_duplicates(["rep", "id"])


def roles_reached(ctx: ReportContext) -> pd.DataFrame:
    """One row per rep x segment x role of the segment's `contacts:` (segments and roles in segments.yaml order),
    then one `<total>` row per segment x role: targeted accounts, those where the role was reached, and the share."""
    contacts = _contacts(ctx)
    pairs = _targeted(ctx)
    span = ctx.to_date
    met = met_roles(ctx.frames.activities, span.start if span else None, span.end if span else None)
    by_rep = dict(tuple(pairs.groupby("rep", sort=False)))
    rows, totals = [], {}
    for rep in ctx.reps():
        mine = by_rep.get(rep.id)
        if mine is None:
            continue
        for seg, roles in contacts.items():
            accounts = list(mine.loc[mine["segment"] == seg, "id"])
            if not accounts:
                continue
            for role in roles:
                reached = sum(1 for account in accounts if role in met.get((rep.id, account), ()))
                rows.append(_row(rep.id, seg, role, len(accounts), reached))
                total = totals.setdefault((seg, role), [0, 0])
                total[0] += len(accounts)
                total[1] += reached
    rows += [_row(TOTAL, seg, role, targeted, reached) for (seg, role), (targeted, reached) in totals.items()]
    if not rows:
        return pd.DataFrame({column: pd.Series([], dtype="object") for column in ROLES_COLUMNS})
    return report_frame(rows, ROLES_COLUMNS, nullable=("share",))


def _row(rep: str, seg: str, role: str, targeted: int, reached: int) -> dict:
    return {"rep": rep, "segment": seg, "role": role, "targeted": targeted, "reached": reached, "share": float(Fraction(reached, targeted)) if targeted else None}


def no_role_reached(ctx: ReportContext, top: int | None = 10) -> pd.DataFrame:
    """Per rep, the targeted accounts of segments naming contact roles where the rep reached none of them in the
    period to date: the segment's roles, and the rep's done actions on the account in the period (0: untouched;
    more: worked, but never with a targeted role). Ordered per rep by the segment's priority, then the most
    actions first, then the account id; at most `top` rows per rep (None: all)."""
    if top is not None and top < 0:
        raise ValueError(f"--top {top}: give 0 or more accounts per rep")
    contacts = _contacts(ctx)
    pairs = _targeted(ctx)
    span = ctx.to_date
    met = met_roles(ctx.frames.activities, span.start if span else None, span.end if span else None)
    done = _done_counts(ctx)
    priorities = {seg: spec.priority for seg, spec in (ctx.ws.segments or {}).items()}
    by_rep = dict(tuple(pairs.groupby("rep", sort=False)))
    rows = []
    for rep in ctx.reps():
        mine = by_rep.get(rep.id)
        if mine is None:
            continue
        entries = []
        for account, name, seg in zip(mine["id"], mine["name"], mine["segment"]):
            if met.get((rep.id, account), set()) & set(contacts[seg]):
                continue
            actions = int(done.get((rep.id, account), 0))
            entries.append(({"rep": rep.id, "account": account, "name": name, "segment": seg, "roles": ", ".join(contacts[seg]), "actions": actions}, priorities.get(seg, 0)))
        entries.sort(key=lambda e: (e[1], -e[0]["actions"], str(e[0]["account"])))
        entries = [e[0] for e in entries]
        rows += entries if top is None else entries[:top]
    if not rows:
        return pd.DataFrame({column: pd.Series([], dtype="object") for column in NO_ROLE_COLUMNS})
    return report_frame(rows, NO_ROLE_COLUMNS)


def roles_notes(ctx: ReportContext) -> list[str]:
    """Why the roles tables are absent (one line), or how the titles were read (titles mapping to no role)."""
    frames = ctx.frames
    if frames is None or frames.activities is None:
        return []
    if not has_roles(frames):
        return [NO_ROLE_COLUMN]
    if not _contacts(ctx):
        return ["contact roles: no segment names the contact roles it targets (contacts: in segments.yaml), so no roles are reported"]
    notes = unmapped_title_notes(frames.activities)
    # a rep shown with no row: none of its targeted accounts is in a segment naming roles (say so, not an empty table unsaid)
    from .coverage import targeted_accounts

    with_accounts, with_rows = set(targeted_accounts(ctx)["rep"]), set(_targeted(ctx)["rep"])
    silent = [rep.id for rep in ctx.reps() if rep.id in with_accounts and rep.id not in with_rows]
    if silent:
        who = ", ".join(silent[:8]) + (f" and {len(silent) - 8} more" if len(silent) > 8 else "")
        notes.append(
            f"contact roles: {who} {'has' if len(silent) == 1 else 'have'} no targeted account in a segment naming contact roles "
            f"(only {', '.join(_contacts(ctx))} name contacts: in segments.yaml), so no row in the roles tables"
        )
    if not frames.activities["contact_title"].notna().any():
        notes.append("contact roles: the contact role column is blank on every activity, so no role counts as reached")
    return notes
