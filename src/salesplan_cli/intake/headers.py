"""The header row of an export, read without its rows: what `salesplan validate` checks of the exports.

CSV: the first line only; XLSX: the first rows, down to the header row; Parquet: the schema. The findings
are those the reports would give on the same header (SP901-SP906 of the file, SP903 for missing columns),
so a CI job can check the exports' shape before drawing any report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic
from ..plan.model import Workspace
from ..config.data import Source
from .fields import FIELDS, columns_for
from .load import KINDS, export_path_problems, header_findings, read_twice, setting_of, source_files, where_findings
from .read import HEADER_SEARCH_ROWS, MAX_EXPORT_BYTES, _cell_text, _decode, _header_problems, _sniff_delimiter

#: Bytes read from a CSV file to find its header line.
HEADER_BYTES = 1024 * 1024


def check_export_headers(ws: Workspace, data_dirs: Sequence[Path] = ()) -> list[Diagnostic]:
    """SP907 for export paths out of the workspace; for each export file that exists, the findings on its
    header row (nothing of a refused file is read, and no row of any file)."""
    config = ws.settings.data if ws.settings else None
    if config is None:
        return []
    out = export_path_problems(ws, data_dirs)
    refused = {d.path for d in out}
    seen: dict = {}  # (kind, resolved file) -> the declaration reading it: a file read twice is SP203
    for kind in KINDS:
        for source in config.sources(kind):
            setting = setting_of(config, kind, source)
            if f"{setting}.path" in refused:
                continue
            known = {f.name for f in FIELDS[kind]}
            if any(name not in known for name in [*source.columns, *source.values]):
                continue  # SP903/SP201 on salesplan.yaml already (check_data_columns, the model)
            files, _problem = source_files(ws.root, source)  # a glob matching nothing: the report says so
            twice = read_twice(ws, seen, kind, files, setting)
            if twice:
                out.append(twice)
                continue
            mapped = {name: header for name, header in columns_for(kind, source.preset, source.columns).items() if name not in source.values}
            key = [mapped[f.name] for f in FIELDS[kind] if f.required and f.name in mapped]
            extra = list(config.attributes.values()) if kind == "accounts" else []
            if kind == "opportunities":
                extra += list(source.stage_dates.values()) + list(source.expected.values())
            for rel, path in files:
                try:
                    if not path.is_file():
                        continue  # not exported yet, or a folder: the report says so when it runs
                except OSError:
                    continue
                headers, diags = read_header(path, rel, source, key)
                out += diags
                if headers is None:
                    continue
                _mapped, problems = header_findings(kind, source, mapped, headers, extra, rel, setting)
                out += problems or where_findings(source, headers, rel, setting)
    return out


def read_header(path: Path, rel: str, source: Source, key: Sequence[str] = ()) -> tuple[list[str] | None, list[Diagnostic]]:
    """The header row of one export file, read without its rows."""
    try:
        size = path.stat().st_size
        if size > MAX_EXPORT_BYTES:
            return None, [diagnostic("SP901", rel, None, None, f"file is {size:,} bytes, over the {MAX_EXPORT_BYTES:,}-byte limit", "export a shorter period")]
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm"):
            return _xlsx_header(path, rel, source, key)
        if suffix == ".parquet":
            return _parquet_header(path, rel)
        if suffix in (".csv", ".txt", ".tsv", ""):
            return _csv_header(path, rel, source)
    except OSError as exc:
        return None, [diagnostic("SP901", rel, None, None, f"cannot read: {exc.strerror or exc}", "check the file and its permissions")]
    return None, [diagnostic("SP906", rel, None, None, f"unknown export format '{path.suffix}'", "export as .csv, .xlsx or .parquet")]


def _csv_header(path: Path, rel: str, source: Source) -> tuple[list[str] | None, list[Diagnostic]]:
    with open(path, "rb") as handle:
        head = handle.read(HEADER_BYTES)
    newline = head.find(b"\n")
    first = head[: newline + 1] if newline >= 0 else head
    text, diags = _decode(first, rel, source.encoding)
    if text is None:
        return None, diags
    if not text.strip():
        return None, [diagnostic("SP905", rel, None if not head.strip() else 1, None, "export is empty (no header line)" if not head.strip() else "header line is empty", "export again with the column headers")]
    delimiter = _sniff_delimiter(text.rstrip("\r\n")) if source.delimiter == "auto" else source.delimiter
    row = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False), [])
    headers = [h.strip() for h in row]
    problem = _header_problems(headers, rel)
    return (None, problem) if problem else (headers, [])


def _xlsx_header(path: Path, rel: str, source: Source, key: Sequence[str]) -> tuple[list[str] | None, list[Diagnostic]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        return None, [diagnostic("SP906", rel, None, None, f"not a readable XLSX workbook ({type(exc).__name__})", "open it in a spreadsheet and save it again as .xlsx")]
    try:
        if source.sheet is not None and source.sheet not in book.sheetnames:
            return None, [diagnostic("SP906", rel, None, None, f"no worksheet '{source.sheet}'", "worksheets: " + ", ".join(book.sheetnames))]
        sheet = book[source.sheet] if source.sheet is not None else book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS):
            texts = [_cell_text(v).strip() for v in values]
            while texts and not texts[-1]:
                texts.pop()
            if texts:
                rows.append(texts)
    finally:
        book.close()
    if not rows:
        return None, [diagnostic("SP905", rel, None, None, "worksheet is empty (no header row)", "export again with the column headers")]
    # the header: the first row holding every required column (rows above are titles), else the first row
    headers = next((r for r in rows if not key or set(key) <= set(r)), rows[0])
    problem = _header_problems(headers, rel)
    return (None, problem) if problem else (headers, [])


def _parquet_header(path: Path, rel: str) -> tuple[list[str] | None, list[Diagnostic]]:
    import pyarrow.parquet as pq

    try:
        names = list(pq.read_schema(path).names)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends on damaged files
        return None, [diagnostic("SP906", rel, None, None, f"not a readable Parquet file ({type(exc).__name__})", "write the file again")]
    problem = _header_problems(names, rel)
    return (None, problem) if problem else (names, [])
