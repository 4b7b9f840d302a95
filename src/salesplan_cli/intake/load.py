"""From the workspace's `data:` section to canonical frames, with an account of every row.

Canonical frames (pandas DataFrames, one row per record kept):

- opportunities: id, owner, rep, account (None when blank or absent), stage, outcome (open/won/lost),
  amount (cents in the workspace currency; 0 where blank), amount_known (False where the amount was blank),
  amount_original (cents, in the row's currency), currency (ISO code),
  probability (0..1, the stage's default where the export has none), close_date,
  created_date, last_activity, product (range or None), quantity (hundredths of a unit, Int64, NA where not
  exported, blank, unreadable or negative; with product lines: the sum of the deal's lines'), line
- activities: owner, rep, account (None when blank or absent), action, date, opportunity, status (done/open, None when not given), line
- accounts: id, name, status (prospect/customer or None), segment, owner, rep, attributes..., line
- sales: owner, rep, account, amount (cents), amount_original, currency, date, product, quantity (hundredths
  of a unit, NA where not known; negative on a credit note), deal (the order or invoice id, or the won
  opportunity's id; None where the sales export maps no id), line (won opportunities when no sales export)
- stage_history: opportunity, stage, date, line
- opportunity_lines (only when `line_amount` is mapped: one row per product line): id, product,
  line_amount (cents, None where blank), quantity (hundredths of a unit, NA where blank), line

Every frame also has `file`: the export file (as shown in the intake account) its row comes from; a kind
may be read from several files (a list of declarations under data.<kind>, or a glob), concatenated in order.

`rep` is None where the owner matches no rep: such rows are kept (they are the
<unplanned> part of the attainment) and counted as unmatched.
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic
from ..plan.model import Workspace
from ..config.data import DataConfig, Source
from .globs import is_pattern, pattern_files
from .fields import FIELDS, PRESETS, columns_for
from .frameset import KINDS, Frames, SourceReport, setting_of, setting_path as _setting_path  # noqa: F401  (the frames, defined beside them)
from .lookups import owner_key, owner_lookup, rep_owner_keys, stage_lookup  # noqa: F401
from .read import RawTable, RowIssue, read_table

def export_files(ws: Workspace) -> list[tuple[str, Path]]:
    """(kind, path) of every export file the workspace declares, in reading order (a glob: each file it matches)."""
    return [(kind, path) for kind, _declared, _shown, path in export_sources(ws)]


def export_sources(ws: Workspace) -> list[tuple[str, str, str, Path]]:
    """(kind, path as declared, path as shown in messages, path) of every export file the workspace declares,
    in reading order."""
    config = ws.settings.data if ws.settings else None
    out = []
    for kind in KINDS:
        for source in config.sources(kind) if config else []:
            files, _problem = source_files(ws.root, source)
            out += [(kind, source.path, shown, path) for shown, path in files]
    return out


def _path_of(root: Path, source: Source) -> Path:
    return root / source.path if not Path(source.path).is_absolute() else Path(source.path)


def source_files(root: Path, source: Source) -> tuple[list[tuple[str, Path]], str | None]:
    """The files of one declaration, as (path shown in messages, path): its path, or every regular file its glob
    matches (relative to the workspace, in sorted order); with the reason when a glob matches no file.

    Every export path is resolved here and only here (through _path_of, and globs.pattern_files for a glob);
    whether it may be read at all is outside_workspace's rule (export_path_problems applies it to every file,
    before anything is read)."""
    if not is_pattern(source.path):
        return [(source.path, _path_of(root, source))], None
    pattern = source.path
    files = pattern_files(root, pattern)
    if not files:
        return [], f"the pattern '{pattern}' matches no file"
    odd = next((rel for rel, _path in files if not rel.isascii() and not _utf8(rel)), None)
    if odd is not None:  # its bytes came back as surrogates: no report could name it
        return [], f"the pattern '{pattern}' matches a file whose name is not UTF-8 text ({ascii(odd)}): rename it"
    return files, None


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    lexical = Path(os.path.normpath(root.absolute() / given))
    if any(lexical == d or d in lexical.parents for a in allowed for d in (Path(os.path.abspath(a)), Path(a).resolve())):
        return "a symbolic link resolving outside the folders this run may read (--data-dir, $" + ENV_DATA_DIRS + ")"
    if given.is_absolute():
        return "an absolute path, outside the workspace"
    if resolved == home or home in resolved.parents:
        return None
    base = root.absolute()
    if lexical != base and base not in lexical.parents:
        return "it leaves the workspace through '..'"
    return "a symbolic link resolving outside the workspace"


def export_path_problems(ws: Workspace, allowed: Sequence[Path] = ()) -> list[Diagnostic]:
    """SP907 for each declared export whose path (or a file its glob matches) leads outside the workspace and
    the allowed folders. Nothing of a refused file is read, so no message can quote it."""
    config = ws.settings.data if ws.settings else None
    out = []
    for kind in KINDS:
        for source in config.sources(kind) if config else []:
            setting = setting_of(config, kind, source)
            why = outside_workspace(ws.root, source.path, allowed)
            if why is None and glob.has_magic(source.path):
                files, _problem = source_files(ws.root, source)
                why = next((f"the file {rel} it matches: {reason}" for rel, _path in files if (reason := outside_workspace(ws.root, rel, allowed))), None)
            if why is None:
                continue
            doc = ws.sources.get("salesplan.yaml")
            mark = doc.mark_for((*_setting_path(setting), "path"), prefer_key=False) if doc else None
            out.append(
                diagnostic(
                    "SP907",
                    "salesplan.yaml",
                    mark.line if mark else None,
                    mark.col if mark else None,
                    f"{setting}.path '{source.path}' is refused: {why}",
                    "put the export inside the workspace (e.g. data/), or let this run read its folder: "
                    f"--data-dir DIR, or ${ENV_DATA_DIRS} in the CI job (a setting in the workspace cannot allow it)",
                    f"{setting}.path",
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
                "declare at least data: opportunities: {path: ..., preset: ...} in salesplan.yaml (see docs/reference/data-section.md)",
            )
        ]
    refused = export_path_problems(ws, data_dirs)
    if refused:
        return None, refused
    frames = Frames()
    diags: list[Diagnostic] = []
    raw: dict[str, list[tuple[RawTable, dict[str, str], Source, str]]] = {}
    seen: dict[tuple[str, Path], str] = {}  # (kind, resolved file) -> the setting that reads it
    for kind in KINDS:
        for source in config.sources(kind):
            setting = setting_of(config, kind, source)
            extra = list(config.attributes.values()) if kind == "accounts" else []
            if kind == "opportunities":
                extra += list(source.stage_dates.values()) + list(source.expected.values())
            files, problem = source_files(ws.root, source)
            line = _line_of(ws, (*_setting_path(setting), "path"))
            if problem:
                diags.append(diagnostic("SP901", "salesplan.yaml", line, None, f"{setting}.path: {problem}", "export the files into the workspace, or fix the pattern (relative to the workspace; * matches any part of a name)"))
            twice = read_twice(ws, seen, kind, files, setting)
            if twice:
                diags.append(twice)
                continue
            for rel, path in files:
                table, mapped, problems = _read_kind(kind, source, extra, rel, path, setting)
                if progress is not None:
                    progress(kind, path)
                diags += problems
                if table is not None:
                    raw.setdefault(kind, []).append((table, mapped, source, rel))
    if diags:
        return None, diags
    from .frames import build_frames  # pandas only from here on

    table = None  # build_frames lets go of each export's text once its frame is built: no other reference
    return build_frames(ws, config, raw, frames), []


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path


def read_twice(ws: Workspace, seen: dict[tuple[str, Path], str], kind: str, files, setting: str) -> Diagnostic | None:
    """SP203 when a file of `setting` is already read under another declaration of the kind: its rows would
    count twice (sales and activities have no id to tell copies by). `seen` carries over the declarations."""
    twice = [(rel, first) for rel, path in files if (first := _read_before(seen, kind, path, setting))]
    if not twice:
        return None
    shown = ", ".join(f"{rel} (already read under {first})" for rel, first in twice[:3]) + (f" and {len(twice) - 3} more" if len(twice) > 3 else "")
    line = _line_of(ws, (*_setting_path(setting), "path"))
    return diagnostic("SP203", "salesplan.yaml", line, None, f"{setting}.path: {shown}", "declare each export file once per kind: narrow the glob, or remove one declaration")


def _read_before(seen: dict[tuple[str, Path], str], kind: str, path: Path, setting: str) -> str | None:
    """The other declaration of the kind that already reads the file, if any; else the file is noted as read
    under `setting`."""
    key = (kind, _resolved(path))
    if key in seen and seen[key] != setting:
        return seen[key]
    seen.setdefault(key, setting)
    return None




def _line_of(ws: Workspace, path: tuple) -> int | None:
    doc = ws.sources.get("salesplan.yaml")
    mark = doc.mark_for(path) if doc is not None else None
    return mark.line if mark else None


def _read_kind(kind: str, source: Source, extra: list[str], rel: str, path: Path, setting: str) -> tuple[RawTable | None, dict[str, str], list[Diagnostic]]:
    # a constant (values:) stands for the field: the preset's column for it is not looked for
    mapped = {name: header for name, header in columns_for(kind, source.preset, source.columns).items() if name not in source.values}
    known_fields = {f.name for f in FIELDS[kind]}
    unknown = [name for name in source.columns if name not in known_fields]
    if unknown:
        return None, mapped, [
            diagnostic(
                "SP903",
                "salesplan.yaml",
                None,
                None,
                f"{setting}.columns: unknown field(s) {', '.join(unknown)}",
                f"fields of {kind}: {', '.join(sorted(known_fields))}",
            )
        ]
    unknown = [name for name in source.values if name not in known_fields]
    if unknown:  # validate says so first (SP201, with the line): this is for a workspace loaded without it
        return None, mapped, [diagnostic("SP903", "salesplan.yaml", None, None, f"{setting}.values: unknown field(s) {', '.join(unknown)}", f"fields of {kind}: {', '.join(sorted(known_fields))}")]
    wanted = list(dict.fromkeys([*mapped.values(), *extra, *source.where]))
    key = [mapped[f.name] for f in FIELDS[kind] if f.required and f.name in mapped]
    table, diags = read_table(path, rel, source, wanted, key)
    if table is None:
        return None, mapped, diags
    mapped, problems = header_findings(kind, source, mapped, table.headers, extra, rel, setting)
    problems = problems or where_findings(source, table.headers, rel, setting)
    if problems:
        return None, mapped, problems
    return table, mapped, []


def header_findings(kind: str, source: Source, mapped: dict[str, str], header_row: list[str], extra: list[str], rel: str, setting: str | None = None) -> tuple[dict[str, str], list[Diagnostic]]:
    """SP903 when the header row lacks the column of a required field (or of a field mapped by hand, an
    attribute or a stage_dates column); the mapping without the optional preset columns the export lacks.

    Used by the reports (on the file read) and by validate (on the header row alone)."""
    headers = set(header_row)
    missing = []
    optional_named = 0  # optional fields mapped by hand whose column is absent
    for f in FIELDS[kind]:
        header = mapped.get(f.name)
        if header is None:
            if f.required and f.name not in source.values:
                missing.append(f"{f.name} (no column mapped)")
            continue
        if header not in headers:
            if f.required or f.name in source.columns:
                missing.append(f"{f.name} (column '{header}' not in the export)")
                optional_named += 0 if f.required else 1
            else:
                mapped = {k: v for k, v in mapped.items() if k != f.name}
    required_missing = len(missing) - optional_named
    linked = {header: name for name, header in source.expected.items()}
    missing += [
        f"column '{header}' ({setting or f'data.{kind}'}.expected: {linked[header]})" if header in linked else f"column '{header}' (data.attributes or stage_dates)"
        for header in dict.fromkeys(extra)
        if header not in headers
    ]
    if not missing:
        return mapped, []
    import difflib

    setting = setting or f"data.{kind}"
    guesses = []
    for item in missing:
        if "'" in item:
            header = item.split("'")[1]
            same = [h for h in headers if " ".join(h.split()).casefold() == " ".join(header.split()).casefold()]
            close = same[:1] or difflib.get_close_matches(header, list(headers), n=1, cutoff=0.6)
            if close:
                guesses.append(f"'{header}' -> '{close[0]}'?")
    hint = f"map them under {setting}.columns in salesplan.yaml (or, for a field the export does not carry, give it a constant under {setting}.values)"
    if any(header not in headers for header in linked):
        hint += f"; an expected output's column: name the export's column under {setting}.expected, or remove the output from it until the CRM records it"
    if guesses:
        hint += "; did you mean " + ", ".join(guesses)
    preset_columns = set(PRESETS.get(source.preset, {}).get(kind, {}).values())
    if preset_columns and not preset_columns & headers:
        hint += f"; none of the {source.preset} preset's columns is in the header: is this a {source.preset} export ({setting}.preset)?"
    # the column names only, of a file inside the workspace (or an allowed folder): never its rows
    hint += "; the export's columns: " + ", ".join(h for h in header_row if h)
    what = "required field(s)" if required_missing == len(missing) else "column(s) the settings name"
    return mapped, [diagnostic("SP903", rel, 1, None, f"{kind} export lacks {what}: {'; '.join(missing)}", hint)]


def where_findings(source: Source, header_row: list[str], rel: str, setting: str) -> list[Diagnostic]:
    """SP903 when a `where:` column is not in the header row."""
    headers = set(header_row)
    absent = [header for header in source.where if header not in headers]
    if not absent:
        return []
    import difflib

    guesses = [f"'{h}' -> '{close[0]}'?" for h in absent if (close := difflib.get_close_matches(h, list(headers), n=1, cutoff=0.6))]
    hint = f"name a column of the export under {setting}.where" + ("; did you mean " + ", ".join(guesses) if guesses else "")
    hint += "; the export's columns: " + ", ".join(h for h in header_row if h)
    named = ", ".join(f"'{h}'" for h in absent)
    return [diagnostic("SP903", rel, 1, None, f"{setting}.where: column {named} not in the export", hint)]


def reading_notes(config: DataConfig | None, reports: list[SourceReport]) -> list[str]:
    """How each export's dates, amounts and probabilities are read, for the exports where some could not be:
    the fix for a whole column of unreadable values is almost always a dialect setting, not the rows."""
    import datetime as dt

    notes = []
    for report in reports:
        source = _source_of(config, report) if config is not None else None
        if source is None:
            continue
        setting = setting_of(config, report.kind, source)
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
            notes.append(where + how + f"; if the export writes them otherwise, set {setting}.date_format")
        if any(r.startswith("unreadable amount") for r in reasons):
            thousands = source.thousands_separator()
            example = f"1{thousands}234{source.decimal}56"
            shown = {" ": "a space", "": "none"}.get(thousands, f"'{thousands}'")
            notes.append(
                where + f"amounts are read with decimal '{source.decimal}' and thousands {shown} (1234.56 is written {example}, groups of three digits); "
                f"if the export writes them otherwise, set {setting}.decimal and thousands"
            )
        if any(r.startswith("unreadable probability") for r in reasons):
            how = "a percentage 0-100 (25 or 25%)" if source.probability == "percent" else "a fraction 0-1 (0.25), or a percentage written with %"
            notes.append(where + f"probabilities are read as {how}; set {setting}.probability if the export writes them otherwise")
    return notes


def _source_of(config: DataConfig, report: SourceReport) -> Source | None:
    """The declaration an export file was read under: its path, or a glob matching it."""
    import fnmatch

    sources = config.sources(report.kind) if report.kind in KINDS else []
    for source in sources:
        if report.path == source.path or (glob.has_magic(source.path) and fnmatch.fnmatchcase(report.path, Path(source.path).as_posix())):
            return source
    return sources[0] if len(sources) == 1 else None
