"""Checks of the `data:` section of salesplan.yaml beyond its schema: the canonical fields named under
`columns:` (SP903). The export files' header rows are checked by intake.headers (validate only)."""

from __future__ import annotations

import difflib

from ...diagnostics import Diagnostic
from ..model import Workspace
from .base import SETTINGS, CheckContext, at


def check_data_columns(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP903: every key under data.<kind>.columns is a canonical field of that kind (`close` is not `close_date`)."""
    from ...intake.fields import FIELDS
    from ...intake.frameset import KINDS

    out: list[Diagnostic] = []
    data = ws.settings.data if ws.settings else None
    if data is None:
        return out
    from ...intake.frameset import setting_of, setting_path as _setting_path

    for kind in KINDS:
        known = [f.name for f in FIELDS[kind]]
        for source in data.sources(kind):
            setting = setting_of(data, kind, source)
            for name in source.columns:
                if name in known:
                    continue
                guess = [k for k in known if k.startswith(name) or name.startswith(k)][:1] or difflib.get_close_matches(name, known, n=1, cutoff=0.6)
                hint = (f"did you mean '{guess[0]}'? " if guess else "") + f"fields of {kind}: {', '.join(sorted(known))}"
                out.append(at(ws, SETTINGS, (*_setting_path(setting), "columns", name), "SP903", f"{setting}.columns: unknown field '{name}'", hint))
    return out


def check_expected_outputs(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP315: every output linked under data.opportunities.expected is one a rep's method expects at some stage
    (methods.<stage>.expected; names compared case-insensitively, spaces collapsed); no other kind of export
    links expected outputs."""
    from ...intake.frameset import setting_of, setting_path as _setting_path
    from ...intake.outputs import output_key

    out: list[Diagnostic] = []
    data = ws.settings.data if ws.settings else None
    if data is None:
        return out
    expected: dict[str, str] = {}
    for rep in ws.reps.values():
        for method in rep.methods.values():
            for name in method.expected:
                expected.setdefault(output_key(name), name)
    from ...intake.frameset import KINDS

    for kind in KINDS:
        for source in data.sources(kind) if kind != "opportunities" else []:
            if source.expected:
                setting = setting_of(data, kind, source)
                out.append(
                    at(ws, SETTINGS, (*_setting_path(setting), "expected"), "SP315", f"{setting}.expected: only the opportunities export records a deal's expected outputs", "move it under data.opportunities (each declaration of a list links its own)")
                )
    if set(ws.rep_files) - set(ws.reps) or not (ws.root / "reps").is_dir():
        return out  # a rep plan that does not load (or no reps folder): its methods are unknown, its findings come first
    for source in data.sources("opportunities"):
        setting = setting_of(data, "opportunities", source)
        for name in source.expected:
            if output_key(name) in expected:
                continue
            known = sorted(set(expected.values()))
            guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = (f"did you mean '{guess[0]}'? " if guess else "") + (
                "outputs the reps' methods expect: " + ", ".join(known) if known else "no rep's plan names an expected output yet (methods.<stage>.expected in reps/<id>.yaml)"
            )
            hint += f"; or remove it from {setting}.expected"
            out.append(at(ws, SETTINGS, (*_setting_path(setting), "expected", name), "SP315", f"{setting}.expected links '{name}', an output no rep's method expects at any stage", hint))
    return out
