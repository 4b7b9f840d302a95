"""From the workspace's `data:` section to canonical frames, with an account of every row.

Canonical frames (pandas DataFrames, one row per record kept):

- opportunities: id, owner, rep, account, stage, outcome (open/won/lost), amount (cents),
  probability (0..1, the stage's default where the export has none), close_date,
  created_date, last_activity, product (range or None), line
- activities: owner, rep, account, action, date, opportunity, line
- accounts: id, name, status (prospect/customer or None), segment, owner, rep, attributes..., line
- sales: owner, rep, account, amount (cents), date, product, line (won opportunities when no sales export)
- stage_history: opportunity, stage, date, line

`rep` is None where the owner matches no rep: such rows are kept (they are the
<unplanned> part of the attainment) and counted as unmatched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic
from ..plan.model import Workspace
from .config import DataConfig, Source
from .fields import FIELDS, PRESET_STAGES, PRESETS, columns_for
from .read import RawTable, RowIssue, read_table

KINDS = ("accounts", "opportunities", "activities", "sales", "stage_history")


@dataclass
class SourceReport:
    """How many rows of one export were read, used, skipped or rejected, and why."""

    kind: str
    path: str
    unit: str
    rows_read: int = 0
    rows_used: int = 0
    issues: list[RowIssue] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # canonical fields the export carried (a column for each)

    @property
    def rejected(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "rejected"]

    @property
    def unmatched(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "unmatched"]

    @property
    def skipped(self) -> list[RowIssue]:
        return [i for i in self.issues if i.kind == "skipped"]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "path": self.path,
            "rows_read": self.rows_read,
            "rows_used": self.rows_used,
            "rejected": len(self.rejected),
            "unmatched": len(self.unmatched),
            "skipped": len(self.skipped),
            "unit": self.unit,
            "issues": [
                {"line": i.line, "status": i.kind, "reason": i.reason}
                | ({"last_line": i.last} if i.last is not None else {})
                | ({"id": i.id} if i.id is not None else {})
                | ({"name": i.name} if i.name is not None else {})
                for i in self.issues
            ],
        }


@dataclass
class Frames:
    """The canonical frames, and the account of what was read."""

    opportunities: object = None  # pandas.DataFrame
    activities: object = None
    accounts: object = None
    sales: object = None
    stage_history: object = None
    sales_from_opportunities: bool = False
    reports: list[SourceReport] = field(default_factory=list)
    derived: dict = field(default_factory=dict, repr=False)  # figures computed once from the frames (by key)
    damage: list = field(default_factory=list, repr=False)  # Diagnostics: why no report may be drawn (intake.loud.damage)

    def intake_summary(self) -> list[dict]:
        return [r.to_dict() for r in self.reports]


def export_files(ws: Workspace) -> list[tuple[str, Path]]:
    """(kind, path) of every export the workspace declares, in reading order."""
    config = ws.settings.data if ws.settings else None
    out = []
    for kind in KINDS:
        source = getattr(config, kind) if config else None
        if source is not None:
            out.append((kind, _path_of(ws.root, source)))
    return out


def _path_of(root: Path, source: Source) -> Path:
    return root / source.path if not Path(source.path).is_absolute() else Path(source.path)


#: Folders outside the workspace that exports may come from, separated by os.pathsep: set by whoever runs
#: the command (a CI job), never by the workspace (a pull request could change salesplan.yaml).
ENV_DATA_DIRS = "SALESPLAN_DATA_DIRS"


def outside_workspace(root: Path, written: str, allowed: Sequence[Path] = ()) -> str | None:
    """Why the export path `written` (as in salesplan.yaml) is refused, or None when it may be read.

    THE rule for every export path: it must lead inside the workspace, as it resolves (symbolic links
    followed), unless it leads inside a folder the person running the command allowed (`allowed`: --data-dir
    options and $SALESPLAN_DATA_DIRS). An absolute path is refused unless it is inside an allowed folder.
    """
    import os

    given = Path(written)
    target = given if given.is_absolute() else root / given
    try:
        resolved = target.resolve()
        inside_allowed = any(resolved == d or d in resolved.parents for d in (Path(a).resolve() for a in allowed))
        home = root.resolve()
    except (OSError, RuntimeError, ValueError):  # a loop of links: nothing can be read there, the reader says so
        return None
    if inside_allowed:
        return None
    if given.is_absolute():
        return "an absolute path, outside the workspace"
    if resolved == home or home in resolved.parents:
        return None
    lexical = Path(os.path.normpath(root.absolute() / given))
    base = root.absolute()
    if lexical != base and base not in lexical.parents:
        return "it leaves the workspace through '..'"
    return "a symbolic link resolving outside the workspace"


def export_path_problems(ws: Workspace, allowed: Sequence[Path] = ()) -> list[Diagnostic]:
    """SP907 for each declared export whose path leads outside the workspace and the allowed folders.

    Nothing of a refused file is read, so no message can quote it."""
    config = ws.settings.data if ws.settings else None
    out = []
    for kind in KINDS:
        source = getattr(config, kind) if config else None
        if source is None:
            continue
        why = outside_workspace(ws.root, source.path, allowed)
        if why is None:
            continue
        doc = ws.sources.get("salesplan.yaml")
        mark = doc.mark_for(("data", kind, "path"), prefer_key=False) if doc else None
        out.append(
            diagnostic(
                "SP907",
                "salesplan.yaml",
                mark.line if mark else None,
                mark.col if mark else None,
                f"data.{kind}.path '{source.path}' is refused: {why}",
                "put the export inside the workspace (e.g. data/), or let this run read its folder: "
                f"--data-dir DIR, or ${ENV_DATA_DIRS} in the CI job (a setting in the workspace cannot allow it)",
                f"data.{kind}.path",
            )
        )
    return out


def load_exports(ws: Workspace, progress=None, data_dirs: Sequence[Path] = ()) -> tuple[Frames | None, list[Diagnostic]]:
    """Read every export declared under `data:`; diagnostics for files that cannot be used at all.

    `progress(kind, path)`, when given, is called after each file is read. `data_dirs`: folders outside the
    workspace that exports may come from (see outside_workspace); any other path out of it is refused, unread.
    """
    config: DataConfig | None = ws.settings.data if ws.settings else None
    if config is None or not any(getattr(config, k) for k in KINDS):
        return None, [
            diagnostic(
                "SP903",
                "salesplan.yaml",
                None,
                None,
                "no CRM export declared",
                "declare at least data: opportunities: {path: ..., preset: ...} in salesplan.yaml (see 'CRM exports: data:' in the README)",
            )
        ]
    refused = export_path_problems(ws, data_dirs)
    if refused:
        return None, refused
    frames = Frames()
    diags: list[Diagnostic] = []
    raw: dict[str, tuple[RawTable, dict[str, str], Source]] = {}
    for kind in KINDS:
        source = getattr(config, kind)
        if source is None:
            continue
        extra = list(config.attributes.values()) if kind == "accounts" else []
        if kind == "opportunities":
            extra += list(source.stage_dates.values())
        table, mapped, problems = _read_kind(ws.root, kind, source, extra)
        if progress is not None:
            progress(kind, _path_of(ws.root, source))
        diags += problems
        if table is not None:
            raw[kind] = (table, mapped, source)
    if diags:
        return None, diags
    from .frames import build_frames  # pandas only from here on

    return build_frames(ws, config, raw, frames), []


def _read_kind(root: Path, kind: str, source: Source, extra: list[str]) -> tuple[RawTable | None, dict[str, str], list[Diagnostic]]:
    rel = source.path
    path = _path_of(root, source)
    mapped = columns_for(kind, source.preset, source.columns)
    known_fields = {f.name for f in FIELDS[kind]}
    unknown = [name for name in source.columns if name not in known_fields]
    if unknown:
        return None, mapped, [
            diagnostic(
                "SP903",
                "salesplan.yaml",
                None,
                None,
                f"data.{kind}.columns: unknown field(s) {', '.join(unknown)}",
                f"fields of {kind}: {', '.join(sorted(known_fields))}",
            )
        ]
    wanted = list(dict.fromkeys([*mapped.values(), *extra]))
    key = [mapped[f.name] for f in FIELDS[kind] if f.required and f.name in mapped]
    table, diags = read_table(path, rel, source, wanted, key)
    if table is None:
        return None, mapped, diags
    mapped, problems = header_findings(kind, source, mapped, table.headers, extra, rel)
    if problems:
        return None, mapped, problems
    return table, mapped, []


def header_findings(kind: str, source: Source, mapped: dict[str, str], header_row: list[str], extra: list[str], rel: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """SP903 when the header row lacks the column of a required field (or of a field mapped by hand, an
    attribute or a stage_dates column); the mapping without the optional preset columns the export lacks.

    Used by the reports (on the file read) and by validate (on the header row alone)."""
    headers = set(header_row)
    missing = []
    for f in FIELDS[kind]:
        header = mapped.get(f.name)
        if header is None:
            if f.required:
                missing.append(f"{f.name} (no column mapped)")
            continue
        if header not in headers:
            if f.required or f.name in source.columns:
                missing.append(f"{f.name} (column '{header}' not in the export)")
            else:
                mapped = {k: v for k, v in mapped.items() if k != f.name}
    missing += [f"column '{header}' (data.attributes or stage_dates)" for header in extra if header not in headers]
    if not missing:
        return mapped, []
    import difflib

    guesses = []
    for item in missing:
        if "'" in item:
            header = item.split("'")[1]
            same = [h for h in headers if " ".join(h.split()).casefold() == " ".join(header.split()).casefold()]
            close = same[:1] or difflib.get_close_matches(header, list(headers), n=1, cutoff=0.6)
            if close:
                guesses.append(f"'{header}' -> '{close[0]}'?")
    hint = f"map them under data.{kind}.columns in salesplan.yaml"
    if guesses:
        hint += "; did you mean " + ", ".join(guesses)
    preset_columns = set(PRESETS.get(source.preset, {}).get(kind, {}).values())
    if preset_columns and not preset_columns & headers:
        hint += f"; none of the {source.preset} preset's columns is in the header: is this a {source.preset} export (data.{kind}.preset)?"
    # the column names only, of a file inside the workspace (or an allowed folder): never its rows
    hint += "; the export's columns: " + ", ".join(h for h in header_row if h)
    return mapped, [diagnostic("SP903", rel, 1, None, f"{kind} export lacks required field(s): {'; '.join(missing)}", hint)]


def stage_lookup(ws: Workspace, config: DataConfig, preset: str) -> dict[str, tuple[str, str]]:
    """Case-folded CRM stage -> (plan stage, outcome)."""
    stages = {s.name: s for s in ws.strategy.stages}
    lookup: dict[str, tuple[str, str]] = {}
    by_outcome = {}
    for spec in ws.strategy.stages:
        by_outcome.setdefault(spec.outcome, spec.name)
        lookup[spec.name.casefold()] = (spec.name, spec.outcome)
    for crm, outcome in PRESET_STAGES.get(preset, {}).items():
        if outcome in by_outcome:
            lookup.setdefault(crm, (by_outcome[outcome], outcome))
    for crm, plan_stage in config.mapping.stages.items():
        if plan_stage in stages:
            lookup[crm.strip().casefold()] = (plan_stage, stages[plan_stage].outcome)
    return lookup


def owner_key(text: str) -> str:
    """How an owner is matched: Unicode NFC, spaces collapsed, case folded."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def rep_owner_keys(ws: Workspace) -> dict[str, list[str]]:
    """Owner key -> the rep ids whose id, name or e-mail it is (several: the key is ambiguous)."""
    keys: dict[str, list[str]] = {}
    for _stem, rep in sorted(ws.reps.items()):
        for key in (rep.id, rep.name, rep.email):
            if key:
                ids = keys.setdefault(owner_key(key), [])
                if rep.id not in ids:
                    ids.append(rep.id)
    return keys


def owner_lookup(ws: Workspace, config: DataConfig) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Case-folded owner name, e-mail or id -> rep id; and the keys that name several reps (left out of the
    lookup: rows with such an owner are not given to either rep) unless data.mapping.owners says which."""
    lookup: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    for key, ids in rep_owner_keys(ws).items():
        if len(ids) == 1:
            lookup[key] = ids[0]
        else:
            ambiguous[key] = ids
    for crm, rep_id in config.mapping.owners.items():
        lookup[owner_key(crm)] = rep_id
        ambiguous.pop(owner_key(crm), None)
    return lookup, ambiguous


def reading_notes(config: DataConfig | None, reports: list[SourceReport]) -> list[str]:
    """How each export's dates, amounts and probabilities are read, for the exports where some could not be:
    the fix for a whole column of unreadable values is almost always a dialect setting, not the rows."""
    import datetime as dt

    notes = []
    for report in reports:
        source = getattr(config, report.kind, None) if config is not None else None
        if source is None:
            continue
        reasons = [i.reason for i in report.issues if i.reason.startswith("unreadable ")]
        where = f"{report.path}: "
        if any(" date " in r or r.startswith("unreadable date") for r in reasons):
            if source.date_format == "excel":
                how = "dates are read as Excel serial day numbers (31 December 2027 is 46752)"
            else:
                example = dt.date(2027, 12, 31).strftime(source.date_format)
                how = f"dates are read as {source.date_format} (31 December 2027 is written {example})"
                if report.unit == "row":
                    how += "; date cells and ISO 2027-12-31 are read too"
            notes.append(where + how + f"; if the export writes them otherwise, set data.{report.kind}.date_format")
        if any(r.startswith("unreadable amount") for r in reasons):
            thousands = source.thousands_separator()
            example = f"1{thousands}234{source.decimal}56"
            shown = {" ": "a space", "": "none"}.get(thousands, f"'{thousands}'")
            notes.append(
                where + f"amounts are read with decimal '{source.decimal}' and thousands {shown} (1234.56 is written {example}, groups of three digits); "
                f"if the export writes them otherwise, set data.{report.kind}.decimal and thousands"
            )
        if any(r.startswith("unreadable probability") for r in reasons):
            how = "a percentage 0-100 (25 or 25%)" if source.probability == "percent" else "a fraction 0-1 (0.25), or a percentage written with %"
            notes.append(where + f"probabilities are read as {how}; set data.{report.kind}.probability if the export writes them otherwise")
    return notes
