"""`salesplan init --rep/--reps-from/--export`: the exports profiled, the reps made, what was found, as lines to
print. Light: the csv module only (scaffold/), never pandas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

from .common import clean, fail_usage

#: Values shown per field in the printed account (the written files list more).
SHOWN = 12


def _split_export(spec: str) -> tuple[Optional[str], Path]:
    from ..intake.load import KINDS

    kind, sep, rest = spec.partition("=")
    if sep and kind.strip() in KINDS:
        return kind.strip(), Path(rest.strip())
    if sep and kind.strip() and "/" not in kind and "\\" not in kind and not Path(spec).exists():
        fail_usage(f"--export {spec}: unknown kind '{kind.strip()}'", "kinds: " + ", ".join(KINDS) + "; or give the file alone")
    return None, Path(spec)


def _inside(path: Path, folder: Path) -> Optional[str]:
    """The path relative to the folder, when it is inside it."""
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except ValueError:
        return None


def from_exports(directory: Path, company: str, currency: str, start: dt.date, today: dt.date, reps: list[str], reps_from: Optional[Path], exports: list[str], segments_text: str):
    """(files to write, exports to copy as (source, relative target), lines to print); `segments_text`: the
    template's segments.yaml."""
    from ..scaffold.detect import DetectError, profile_export
    from ..scaffold.files import ExportEntry, InitSpec, action_types, open_stages, workspace_files
    from ..scaffold.people import PeopleError, Person, make_people, match_owners, parse_rep, people_from_owners, read_reps_csv

    entries: list[ExportEntry] = []
    copies: list[tuple[Path, str]] = []
    targets: set[str] = set()
    for spec in exports:
        kind, path = _split_export(spec)
        if not path.is_file():
            fail_usage(f"--export {spec}: no such file", "give the path of a CSV file exported from your CRM")
        try:
            profile = profile_export(path, kind)
        except DetectError as exc:
            fail_usage(clean(exc.message), exc.hint)
        rel = _inside(path, directory)
        if rel is None:
            rel = f"data/{path.name}"
            copies.append((path, rel))
        if rel in targets:
            fail_usage(f"--export {spec}: a second export would be {rel}", "rename one of the files")
        targets.add(rel)
        entries.append(ExportEntry(profile, rel))

    owners: dict[str, int] = {}
    for entry in entries:
        for value, rows in entry.profile.found("owner"):
            owners[value] = owners.get(value, 0) + rows
    owner_list = sorted(owners.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    try:
        given = [parse_rep(text) for text in reps] + (read_reps_csv(reps_from) if reps_from is not None else [])
        if given:
            people = make_people(given)
        elif owner_list:
            people = people_from_owners(owner_list)
        else:
            people = [Person("rep-1", "Rep 1"), Person("rep-2", "Rep 2")]
    except PeopleError as exc:
        fail_usage(clean(exc.message), exc.hint)
    _matched, unmatched = match_owners(people, owner_list) if given else ({}, {})
    spec = InitSpec(company=company, currency=currency, fy_start=start, today=today, people=people, exports=entries, unmatched_owners=unmatched, reps_given=bool(given))
    files = workspace_files(spec, segments_text)
    return files, copies, _account(spec, owner_list, unmatched, open_stages(spec), action_types(spec))


def _values(values: list[tuple[str, int]]) -> str:
    shown = ", ".join(f"{clean(v)} ({n:,})" for v, n in values[:SHOWN])
    return shown + (f", and {len(values) - SHOWN} more" if len(values) > SHOWN else "")


def _account(spec, owners, unmatched, stages, actions) -> list[str]:
    """What init read and made, to print."""
    from ..scaffold.files import KIND_TITLES

    lines = []
    for entry in spec.exports:
        p = entry.profile
        dialect = [f"dates {p.date_format}"] + (["decimal comma"] if p.decimal == "," else []) + ([p.encoding] if p.encoding != "utf-8" else [])
        dialect += [f"probability as a {p.probability}"] if "probability" in p.columns else []
        lines.append(f"found {clean(str(p.path))}: {p.preset} {KIND_TITLES[p.kind]} export (preset {p.preset}), {p.rows:,} rows; {', '.join(dialect)}")
        for note in p.notes:
            lines.append(f"  note: {clean(note)}")
    if not spec.reps_given and owners:
        lines.append(f"reps: one per owner found ({len(spec.people)}): " + ", ".join(f"{clean(r.id)} ({clean(r.name)})" for r in spec.people[:SHOWN]) + (", ..." if len(spec.people) > SHOWN else ""))
    elif spec.reps_given:
        lines.append(f"reps: {len(spec.people)} given: " + ", ".join(clean(r.id) for r in spec.people[:SHOWN]) + (", ..." if len(spec.people) > SHOWN else ""))
        if unmatched:
            lines.append(f"  {len(unmatched)} owner{'s' if len(unmatched) != 1 else ''} of the exports match no rep (their rows count as <unplanned>): " + ", ".join(f"{clean(o)} ({n:,} rows{'; nearest: ' + clean(near) if near else ''})" for o, (n, near) in list(unmatched.items())[:SHOWN]))
            lines.append("  to give them to a rep: data.mapping.owners in salesplan.yaml (written there as comments)")
    for kind, field, what in (("opportunities", "stage", "stages"), ("activities", "type", "activity types"), ("accounts", "status", "account types"), ("opportunities", "product", "products"), ("sales", "product", "products")):
        values = [v for e in spec.exports if e.profile.kind == kind for v in e.profile.found(field)]
        if values:
            lines.append(f"{what} found in the {KIND_TITLES[kind]}: {_values(values)}")
    if any(e.profile.kind in ("opportunities", "stage_history") for e in spec.exports):
        lines.append(f"  the plan's stages are the CRM's for a start (strategy.yaml): {', '.join(clean(s) for s in stages[:SHOWN])}{', ...' if len(stages) > SHOWN else ''}, won, lost")
    if any(e.profile.kind == "activities" for e in spec.exports):
        lines.append(f"  the plan's action types are the CRM's for a start (strategy.yaml): {', '.join(clean(a) for a in actions[:SHOWN])}{', ...' if len(actions) > SHOWN else ''}")
    others = sorted({v.upper() for e in spec.exports if e.profile.kind in ("opportunities", "sales") for v, _ in e.profile.found("currency") if v.upper() != spec.currency})
    if others:
        lines.append(f"note: amounts in {', '.join(clean(c) for c in others[:8])} found: give their rates (rates: in salesplan.yaml, written as a comment) before salesplan report, or those rows are rejected")
    if spec.exports:
        lines.append("to merge or rename them, edit strategy.yaml and fill in the mapping blocks written as comments under data: in salesplan.yaml")
    lines.append("the targets, portfolios and norms are placeholders (the same for every rep): set your own")
    return lines
