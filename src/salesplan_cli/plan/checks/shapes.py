"""Checks of the shapes of the `data:` exports: the fields named in `values:` exist for their kind."""

from __future__ import annotations

import difflib

from ...diagnostics import Diagnostic
from ..model import Workspace
from .base import SETTINGS, CheckContext, at


def check_export_values(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP201: every field given a constant under data.<kind>.values is a canonical field of that kind."""
    from ...intake.fields import FIELDS

    out: list[Diagnostic] = []
    data = ws.settings.data if ws.settings else None
    if data is None:
        return out
    for kind, fields in FIELDS.items():
        known = sorted(f.name for f in fields)
        declared = getattr(data, kind, None)
        for index, source in enumerate(data.sources(kind)):
            where = ("data", kind, index) if isinstance(declared, list) else ("data", kind)
            for name in source.values:
                if name in known:
                    continue
                guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = (f"did you mean '{guess[0]}'? " if guess else "") + f"fields of {kind}: {', '.join(known)}"
                out.append(at(ws, SETTINGS, (*where, "values", name), "SP201", f"unknown field '{name}' under values: (no {kind} field has this name)", hint))
    return out
