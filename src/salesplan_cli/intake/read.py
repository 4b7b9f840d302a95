"""Read an export file (CSV, XLSX, Parquet) into text columns with their source line numbers.

Nothing is parsed here beyond the file format: every value comes out as text
(typed files give ISO dates and plain numbers), with the line (CSV, XLSX row)
or row number (Parquet) it came from. Rows that cannot be read (ragged rows,
blank lines, report footers) are counted and listed, never dropped silently.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic, diagnostic, looks_wide
from ..config.data import Source
from .fields import SALESFORCE_FOOTER_PREFIXES

#: Exports above this size are refused (the 1,000,000-opportunity benchmark is ~200 MB).
MAX_EXPORT_BYTES = 4 * 1024**3


@dataclass
class RowIssue:
    line: int
    reason: str
    kind: str = "rejected"  # rejected | skipped (blank lines, report footers) | unmatched | incomplete (kept, listed)
    last: int | None = None  # a record over several lines (a ragged row): its last line
    id: str | None = None  # the row's id and name, where the export has them (shown by report intake)
    name: str | None = None


@dataclass
class RawTable:
    """Text columns by export header, and the source line of each row."""

    headers: list[str]
    columns: dict[str, list[str]]
    lines: list[int]
    issues: list[RowIssue] = field(default_factory=list)
    typed: bool = False  # values come from typed cells (XLSX, Parquet): ISO dates, '.' decimals
    unit: str = "line"  # how `lines` count: CSV/XLSX lines, Parquet rows
    #: typed files only: per column, True where the value was text in the file (an XLSX text cell, a Parquet
    #: string column), to be read in the declared dialect (decimal, thousands, date format) like a CSV value
    text_cells: dict[str, list[bool]] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return len(self.lines)


def read_table(path: Path, rel: str, source: Source, wanted: list[str], key: list[str] | None = None) -> tuple[RawTable | None, list[Diagnostic]]:
    """Read the `wanted` columns (export headers) of one export file.

    `key`: headers the header row must hold (the required fields); in a worksheet, rows above the first row
    holding them all are title rows, skipped and listed (a formatted Salesforce report).
    """
    try:
        if path.is_dir():
            return None, [diagnostic("SP901", rel, None, None, "is a folder, not an export file", "point data.<kind>.path at a .csv, .xlsx or .parquet file")]
        if path.exists() and not path.is_file():
            return None, [diagnostic("SP901", rel, None, None, "is not a regular file (a pipe or a device)", "point data.<kind>.path at an exported file")]
        size = path.stat().st_size
    except OSError as exc:
        reason = "file not found" if isinstance(exc, FileNotFoundError) else f"cannot read: {exc.strerror or exc}"
        return None, [diagnostic("SP901", rel, None, None, reason, "export the file from the CRM, or fix data.<kind>.path in salesplan.yaml")]
    if size > MAX_EXPORT_BYTES:
        return None, [diagnostic("SP901", rel, None, None, f"file is {size:,} bytes, over the {MAX_EXPORT_BYTES:,}-byte limit", "export a shorter period")]
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            return _read_xlsx(path, rel, source, wanted, key or [])
        if suffix == ".parquet":
            return _read_parquet(path, rel, wanted)
        if suffix in (".csv", ".txt", ".tsv", ""):
            return _read_csv(path, rel, source, wanted)
    except OSError as exc:
        return None, [diagnostic("SP901", rel, None, None, f"cannot read: {exc.strerror or exc}", "check the file and its permissions")]
    return None, [diagnostic("SP906", rel, None, None, f"unknown export format '{path.suffix}'", "export as .csv, .xlsx or .parquet")]


def shorten(text: str, width: int = 60) -> str:
    """A value quoted in a message: at most `width` characters, an ellipsis when cut."""
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


# --- CSV ------------------------------------------------------------------------------------------------


#: First bytes of files that are not text, whatever their name says.
_NOT_TEXT = {b"PK\x03\x04": "an XLSX workbook (a ZIP file)", b"PAR1": "a Parquet file", b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook"}


def _decode(raw: bytes, rel: str, encoding: str) -> tuple[str | None, list[Diagnostic]]:
    for magic, what in _NOT_TEXT.items():
        if raw.startswith(magic):
            fix = "save it as .xlsx and point data.<kind>.path at it" if "xls" in what else "name it .parquet"
            return None, [diagnostic("SP906", rel, None, None, f"is {what}, not a CSV file", fix)]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")) or looks_wide(raw):
        return None, [
            diagnostic("SP902", rel, 1, 1, "file is UTF-16 or UTF-32 encoded (NUL bytes)", "export as UTF-8 (or cp1252 and declare encoding: cp1252)")
        ]
    if raw.startswith(b"\xef\xbb\xbf") and encoding not in ("utf-8", "utf-8-sig"):
        return None, [
            diagnostic("SP902", rel, 1, 1, f"file starts with a UTF-8 byte-order mark but is declared {encoding}", "declare encoding: utf-8-sig (or utf-8) under data.<kind> in salesplan.yaml")
        ]
    if encoding in ("utf-8", "utf-8-sig") and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    try:
        return raw.decode(codec), []
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        col = len(before[line_start:].decode(codec, errors="replace")) + 1
        other = "cp1252" if codec.startswith("utf") else "utf-8"
        return None, [
            diagnostic(
                "SP902",
                rel,
                line,
                col,
                f"byte 0x{raw[exc.start]:02x} is not valid {encoding}",
                f"declare the file's real encoding (encoding: {other}?) under data.<kind> in salesplan.yaml; salesplan never guesses",
            )
        ]


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _read_csv(path: Path, rel: str, source: Source, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]]:
    if path.stat().st_size >= FAST_CSV_BYTES:
        fast = _read_csv_fast_file(path, rel, source, wanted)
        if fast is not None:
            return fast
    return _read_csv_exact(path.read_bytes(), rel, source, wanted)


#: Exports from this size up are parsed by pyarrow (csvscan.py); smaller ones by Python's csv module,
#: which is quicker to start. Both give the same rows, lines and reasons (tests/test_csvscan.py).
FAST_CSV_BYTES = 256 * 1024


def _read_csv_fast(raw: bytes, rel: str, source: Source, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]] | None:
    """The pyarrow path over bytes in memory; None when the file needs the exact reader (odd bytes, a
    disagreement, a problem to report)."""
    from . import csvscan

    base = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    return _read_fast(csvscan.Bytes(memoryview(raw)[base:] if base else raw), raw[:4096], rel, source, wanted)


def _read_csv_fast_file(path: Path, rel: str, source: Source, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]] | None:
    """The pyarrow path reading the file block by block, never whole: the bytes of a large export are not held
    beside its parsed columns. The file is read twice (scanned, then parsed): if it changed in between (its
    size, time or inode; pyarrow opens the path again), None, and the exact reader reads it at once."""
    import os

    from . import csvscan

    def identity(stat: os.stat_result) -> tuple:
        return stat.st_size, stat.st_mtime_ns, stat.st_ino, stat.st_dev

    with open(path, "rb", buffering=0) as file:
        before = identity(os.fstat(file.fileno()))
        head = file.read(4096)
        base = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        result = _read_fast(csvscan.Bytes(file=file, offset=base, size=before[0], path=str(path)), head, rel, source, wanted)
        after = identity(os.fstat(file.fileno()))
    if result is None or before != after or before != identity(path.stat()):
        return None
    return result


def _read_fast(content, head: bytes, rel: str, source: Source, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]] | None:
    """The pyarrow path: `content` (csvscan.Bytes) the bytes past a byte-order mark, `head` the file's first bytes.

    The bytes are read in place, never copied whole: UTF-8 checked block by block, a single-byte encoding
    (cp1252, latin-1, iso-8859-15) scanned as it is (quotes, newlines and delimiters are the same bytes as in
    ASCII) and decoded by pyarrow block by block, strictly.
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff", *_NOT_TEXT)) or looks_wide(head):
        return None
    if head.startswith(b"\xef\xbb\xbf") and source.encoding not in ("utf-8", "utf-8-sig"):
        return None
    from . import csvscan

    utf8 = source.encoding in ("utf-8", "utf-8-sig")
    # a single-byte encoding: pyarrow decodes strictly, a bad byte gives None
    codec, arrow_codec = ("utf-8", "utf8") if utf8 else (source.encoding, source.encoding)
    if not any(_NOT_SPACE.search(memoryview(block)) for _start, block in content.blocks()):
        return None  # empty, or only whitespace (not data.strip(): that copies the whole file)
    found = csvscan.scan(content, utf8=utf8)  # not valid UTF-8: None, and the exact reader says where
    if found is None:
        return None
    try:
        first_line = content.read(0, found.first_newline if found.first_newline >= 0 else content.size).decode(codec)
    except UnicodeDecodeError:
        return None
    delimiter = _sniff_delimiter(first_line) if source.delimiter == "auto" else source.delimiter
    if found.longest > csv.field_size_limit():
        return None  # a record that may hold a field over the csv module's limit: the exact reader says where
    if len(found) and found.last_line(0) != 1:
        # a header over several lines: a quoted header name holding a newline, or a stray quote in a name that
        # throws the quote parity off; the body would be read from the wrong place, so the exact reader reads it
        return None
    headers = [h.strip() for h in csvscan.record_cells(content, found.start(0), found.end(0), delimiter, codec)]
    problem = _header_problems(headers, rel)
    if problem:
        return None
    width = len(headers)
    index = {h: i for i, h in enumerate(headers)}
    positions = [(name, index[name]) for name in wanted if name in index]
    footer = source.preset == "salesforce"
    issues: list[RowIssue] = []

    def judge(record: int) -> RowIssue | None:
        """What the exact reader says of a record that is not a plain row (None: it is one)."""
        start, end, line = found.start(record), found.end(record), found.line(record)
        cells = csvscan.record_cells(content, start, end, delimiter, codec)
        if not cells or all(not cell.strip() for cell in cells):
            return RowIssue(line, "blank line", "skipped")
        if footer and cells[0].strip().startswith(SALESFORCE_FOOTER_PREFIXES) and all(not c.strip() for c in cells[1:]):
            return RowIssue(line, f"report footer '{shorten(cells[0].strip())}'", "skipped")
        if len(cells) != width:
            last = found.last_line(record)
            if last > line:
                return RowIssue(line, f"ragged row: {len(cells)} fields where the header has {width}, spanning lines {line}-{last} (an unclosed quote?)", last=last)
            return RowIssue(line, f"ragged row: {len(cells)} fields where the header has {width}")
        return None

    import numpy as np

    count = len(found)
    # the records that may be rows: from the second on, but those with no byte (blank lines); None: all of them,
    # not spelled out (an export of 5,000,000 rows would hold another 40 MB array while pyarrow parses it)
    good = None
    blank = found.blank[found.blank > 0]
    if len(blank):
        issues += [RowIssue(int(line), "blank line", "skipped") for line in found.lines_of(blank)]
        body = np.ones(count, dtype=bool)
        body[0] = False
        body[blank] = False
        good = np.flatnonzero(body)
        del body
    rows = count - 1 if good is None else len(good)
    wanted_positions = sorted({pos for _, pos in positions} | {0})
    if rows:
        # no record over several lines: pyarrow may cut the file into blocks at any newline and parse them in parallel
        result = csvscan.read_records(content, found.start(1), width, wanted_positions, delimiter, multiline=found.multiline, encoding=arrow_codec)
        if result is None:
            return None
        parsed, invalid = result
        if invalid:
            # ragged rows (or footers, lines of spaces): which ones, from the delimiters outside quotes
            if good is None:
                good = np.arange(1, count)
            fields = csvscan.field_counts(content, found, delimiter)[good]
            odd = good[fields != width]
            if len(odd) != invalid:
                return None
            for record in odd:
                issue = judge(int(record))
                if issue is None:
                    return None  # the scan and the csv module disagree on this record
                issues.append(issue)
            good = good[fields == width]
            del fields
            rows = len(good)
        if len(parsed[0]) != rows:
            return None
    else:
        import pyarrow as pa

        parsed = {pos: pa.chunked_array([], type=pa.large_string()) for pos in wanted_positions}
    keep = _plain_rows(parsed, (lambda i: i + 1) if good is None else (lambda i: int(good[i])), judge, issues, footer)
    if keep is not None:
        import pyarrow as pa

        mask = pa.array(keep)
        parsed = {pos: column.filter(mask) for pos, column in parsed.items()}
        good = (np.arange(1, count) if good is None else good)[keep]
    if good is None and not found.multiline:
        lines = np.arange(2, count + 1, dtype=np.int64)  # record k is line k+1
    else:
        lines = found.lines_of(np.arange(1, count) if good is None else good)
    columns = {name: parsed[pos] for name, pos in positions}
    return RawTable(headers=headers, columns=columns, lines=lines, issues=issues), []


#: A byte that bytes.isspace() does not take for whitespace.
_NOT_SPACE = re.compile(rb"[^ \t\n\r\x0b\x0c]")


def _blank_cells(column):
    """Which values of an Arrow text column are blank to Python's str.strip(): empty, or whitespace only
    (pyarrow's utf8_is_space takes the same characters for whitespace as Python, tests/test_csvscan.py);
    a numpy mask. Nothing is copied, unlike a trim of every value."""
    import pyarrow.compute as pc

    return pc.or_(pc.equal(column, ""), pc.utf8_is_space(column)).to_numpy(zero_copy_only=False)


def _plain_rows(parsed: dict, record_of, judge, issues: list[RowIssue], footer: bool):
    """Rows of blank cells or a report footer among those pyarrow parsed: a keep mask (numpy), or None if all are rows.
    `record_of(i)`: the record (of the scan) of parsed row i.

    Both have every column but the first blank: the other columns are looked at one by one, and the search stops
    as soon as no row is left with all of them blank (an export whose second column is never blank is cleared
    by one pass over that column). The first column is then looked at in the rows left only.
    """
    import numpy as np
    import pyarrow.compute as pc

    rest = None  # rows whose columns but the first are blank so far
    for pos, column in parsed.items():
        if pos == 0:
            continue
        blank = _blank_cells(column)
        rest = blank if rest is None else np.logical_and(rest, blank, out=rest)
        if not rest.any():
            return None
    rows = np.arange(len(parsed[0])) if rest is None else np.flatnonzero(rest)
    if not len(rows):
        return None
    first = parsed[0] if rest is None else parsed[0].take(rows)
    candidates = _blank_cells(first)
    if footer:
        trimmed = pc.utf8_trim_whitespace(first)
        for prefix in SALESFORCE_FOOTER_PREFIXES:
            candidates |= pc.starts_with(trimmed, prefix).to_numpy(zero_copy_only=False)
    flagged = rows[candidates]
    if not len(flagged):
        return None
    keep = np.ones(len(parsed[0]), dtype=bool)
    for i in flagged:
        issue = judge(record_of(int(i)))
        if issue is not None:
            issues.append(issue)
            keep[i] = False
    return keep


def _read_csv_exact(raw: bytes, rel: str, source: Source, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]]:
    """Python's csv module, row by row: exact physical lines, ragged rows, any quoting."""
    text, diags = _decode(raw, rel, source.encoding)
    if text is None:
        return None, diags
    if not text or text.isspace():
        return None, [diagnostic("SP905", rel, None, None, "export is empty (no header line)", "export again with the column headers")]
    newline = text.find("\n")
    first_line = text[:newline] if newline >= 0 else text  # not text.split: that copies the whole file
    delimiter = _sniff_delimiter(first_line) if source.delimiter == "auto" else source.delimiter
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        headers = [h.strip() for h in next(reader)]
    except csv.Error as exc:  # pragma: no cover - csv with strict=False rarely raises
        return None, [diagnostic("SP905", rel, 1, None, f"header line cannot be read: {exc}", "check the export")]
    problem = _header_problems(headers, rel)
    if problem:
        return None, problem
    index = {h: i for i, h in enumerate(headers)}
    positions = [(name, index[name]) for name in wanted if name in index]
    columns: dict[str, list[str]] = {name: [] for name, _ in positions}
    lines: list[int] = []
    issues: list[RowIssue] = []
    width = len(headers)
    end_of_previous = reader.line_num
    footer = source.preset == "salesforce"
    trailing_blank: list[int] = []
    try:
        for record in reader:
            start = end_of_previous + 1
            end_of_previous = reader.line_num
            if not record or all(not cell.strip() for cell in record):
                trailing_blank.append(start)
                continue
            if footer and record[0].strip().startswith(SALESFORCE_FOOTER_PREFIXES) and all(not c.strip() for c in record[1:]):
                issues.append(RowIssue(start, f"report footer '{shorten(record[0].strip())}'", "skipped"))
                continue
            for blank in trailing_blank:
                issues.append(RowIssue(blank, "blank line", "skipped"))
            trailing_blank = []
            if len(record) != width:
                if reader.line_num > start:
                    reason = f"ragged row: {len(record)} fields where the header has {width}, spanning lines {start}-{reader.line_num} (an unclosed quote?)"
                else:
                    reason = f"ragged row: {len(record)} fields where the header has {width}"
                issues.append(RowIssue(start, reason, last=reader.line_num if reader.line_num > start else None))
                continue
            for name, pos in positions:
                columns[name].append(record[pos])
            lines.append(start)
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # an unclosed quote swallowing the rest of the file
            start = end_of_previous + 1
            return None, [
                diagnostic(
                    "SP905",
                    rel,
                    start,
                    None,
                    f"an unclosed quote at line {start} runs to line {reader.line_num} or further (over {csv.field_size_limit():,} characters read as one field)",
                    "close the quote in the export (or export it again)",
                )
            ]
        return None, [diagnostic("SP905", rel, reader.line_num, None, f"CSV cannot be read past this line: {exc}", "check the quoting around this line")]
    for blank in trailing_blank:
        issues.append(RowIssue(blank, "blank line", "skipped"))
    return RawTable(headers=headers, columns=columns, lines=lines, issues=issues), []


def _header_problems(headers: list[str], rel: str) -> list[Diagnostic]:
    if not any(headers):
        return [diagnostic("SP905", rel, 1, None, "header line is empty", "export again with the column headers")]
    seen: dict[str, int] = {}
    out = []
    for position, name in enumerate(headers, start=1):
        if name and name in seen:
            out.append(
                diagnostic("SP904", rel, 1, None, f"column '{name}' appears twice (fields {seen[name]} and {position})", "remove or rename one of the columns in the export")
            )
        seen.setdefault(name, position)
    return out


# --- XLSX and Parquet -------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if not value.is_integer() else str(int(value))
    return str(value)


def _number_text(value: float | int, number_format: str | None) -> str:
    """A numeric cell as text: exact decimal digits of the stored number; a cell formatted as a percentage
    (0.25 shown as 25%) as the percentage it shows ('25%'), so it reads as the user sees it."""
    from decimal import Decimal

    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if number_format and "%" in number_format.replace("\\%", "").replace('"%"', ""):
        return f"{(number * 100).normalize():f}%"
    text = f"{number.normalize():f}" if isinstance(value, float) else str(value)
    return text


#: Consecutive blank rows after which a worksheet is taken to be over (a stray formatted cell far below
#: the data would otherwise make the reader walk a million empty rows); said in the intake account.
MAX_BLANK_ROWS = 10_000
#: Rows searched for the header row, and columns read past it.
HEADER_SEARCH_ROWS = 50
EXTRA_COLUMNS = 50


def _read_xlsx(path: Path, rel: str, source: Source, wanted: list[str], key: list[str]) -> tuple[RawTable | None, list[Diagnostic]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - a declared dependency
        return None, [diagnostic("SP906", rel, None, None, "reading XLSX needs openpyxl", "pip install openpyxl")]
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        return None, [diagnostic("SP906", rel, None, None, f"not a readable XLSX workbook ({type(exc).__name__})", "open it in a spreadsheet and save it again as .xlsx")]
    try:
        if source.sheet is not None:
            if source.sheet not in book.sheetnames:
                return None, [diagnostic("SP906", rel, None, None, f"no worksheet '{source.sheet}'", "worksheets: " + ", ".join(book.sheetnames))]
            sheet = book[source.sheet]
        else:
            sheet = book.worksheets[0]
        # the header: the first row holding every required header (rows above it are titles), else the
        # first non-blank row (SP903 then names what is missing)
        header_row, headers, titles = None, None, []
        first: tuple[int, list[str]] | None = None
        for number, values in enumerate(sheet.iter_rows(values_only=True, max_row=HEADER_SEARCH_ROWS), start=1):
            texts = [_cell_text(v).strip() for v in values]
            while texts and not texts[-1]:
                texts.pop()
            if not texts:
                continue
            if first is None:
                first = (number, texts)
            if not key or set(key) <= set(texts):
                header_row, headers = number, texts
                break
            titles.append((number, texts))
        if headers is None:
            if first is None:
                return None, [diagnostic("SP905", rel, None, None, "worksheet is empty (no header row)", "export again with the column headers")]
            (header_row, headers), titles = first, []
        problem = _header_problems(headers, rel)
        if problem:
            return None, problem
        width = len(headers)
        index = {h: i for i, h in enumerate(headers)}
        positions = [(name, index[name]) for name in wanted if name in index]
        columns: dict[str, list[str]] = {name: [] for name, _ in positions}
        text_cells: dict[str, list[bool]] = {name: [] for name, _ in positions}
        lines: list[int] = []
        issues = [RowIssue(n, f"title row above the header '{shorten(' '.join(t for t in texts if t))}'", "skipped") for n, texts in titles]
        footer = source.preset == "salesforce"
        blanks: list[int] = []
        stopped = None
        # columns far beyond the header are not read (a stray formatted cell at XFD1048576 would make every
        # row 16,384 cells wide); values within EXTRA_COLUMNS past the header reject their row
        bound = width + EXTRA_COLUMNS
        for number, row in enumerate(sheet.iter_rows(min_row=header_row + 1, max_col=bound, values_only=False), start=header_row + 1):
            values = [getattr(cell, "value", None) for cell in row]
            texts = [
                _number_text(v, getattr(cell, "number_format", None)) if isinstance(v, (int, float)) and not isinstance(v, bool) else _cell_text(v)
                for cell, v in zip(row, values)
            ]
            if not any(t.strip() for t in texts):
                blanks.append(number)
                if len(blanks) > MAX_BLANK_ROWS:
                    stopped = number
                    break
                continue
            # blank rows between data rows are listed one by one; a run at the end is summed up below
            issues += [RowIssue(blank, "blank row", "skipped") for blank in blanks]
            blanks = []
            if footer and texts[0].strip().startswith(SALESFORCE_FOOTER_PREFIXES) and all(not t.strip() for t in texts[1:]):
                issues.append(RowIssue(number, f"report footer '{shorten(texts[0].strip())}'", "skipped"))
                continue
            if any(t.strip() for t in texts[width:]):
                issues.append(RowIssue(number, f"values beyond the {width} headed columns"))
                continue
            texts += [""] * (width - len(texts))
            for name, pos in positions:
                columns[name].append(texts[pos])
                text_cells[name].append(pos < len(values) and isinstance(values[pos], str))
            lines.append(number)
        if stopped is not None:
            issues.append(RowIssue(blanks[0], f"blank rows from here; reading stopped after {MAX_BLANK_ROWS:,} of them (the rest of the worksheet is taken to be empty)", "skipped"))
        elif len(blanks) == 1:
            issues.append(RowIssue(blanks[0], "blank row", "skipped"))
        elif blanks:
            issues.append(RowIssue(blanks[0], f"blank rows {blanks[0]}-{blanks[-1]} to the end of the worksheet", "skipped"))
        return RawTable(headers=headers, columns=columns, lines=lines, issues=issues, typed=True, unit="row", text_cells=text_cells), []
    finally:
        book.close()


def _read_parquet(path: Path, rel: str, wanted: list[str]) -> tuple[RawTable | None, list[Diagnostic]]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        present = [name for name in wanted if name in schema.names]
        table = pq.read_table(path, columns=present)
    except Exception as exc:  # pyarrow raises ArrowInvalid and friends on damaged files
        return None, [diagnostic("SP906", rel, None, None, f"not a readable Parquet file ({type(exc).__name__})", "write the file again")]
    problem = _header_problems(list(schema.names), rel)
    if problem:
        return None, problem
    import pyarrow as pa

    columns = {name: [_cell_text(v) for v in table.column(name).to_pylist()] for name in present}
    text = {name: [pa.types.is_string(table.column(name).type) or pa.types.is_large_string(table.column(name).type)] * table.num_rows for name in present}
    lines = list(range(1, table.num_rows + 1))
    return RawTable(headers=list(schema.names), columns=columns, lines=lines, typed=True, unit="row", text_cells=text), []
