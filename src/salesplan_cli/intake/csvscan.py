"""The fast CSV path: pyarrow parses, a vectorised scan of the bytes gives every record its physical line.

pyarrow's CSV reader is fast but cannot tell which line a row came from once quoted
values may hold newlines. The scan recovers it from the bytes alone: a newline ends a
record when an even number of quote characters precede it (a doubled quote inside a
quoted value adds two). pyarrow skips the records whose field count differs from the
header's (ragged rows, footers, lines of spaces) and says how many; only then are the
delimiters outside quotes counted to find which ones, and those few records are read
again with Python's csv module to give the same reasons as the exact reader. The two
bookkeepings are checked against each other: when pyarrow's row count, or its count of
skipped rows, differs from the scan's (a quote in the middle of an unquoted value, say),
the caller (intake/read.py `_read_csv_fast`) returns None and the exact reader reads the
file, row by row. Files the scan cannot vouch for never reach pyarrow: a bare CR, an
unclosed quote at the end, a header over several lines, a record longer than the csv
module's field limit, a first row starting with a byte-order mark. Nothing is guessed.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

#: Bytes scanned at a time (bounds the temporary boolean arrays on a large export).
_CHUNK = 32 * 1024 * 1024


def _positions(data: np.ndarray, byte: int) -> np.ndarray:
    """Offsets of `byte` in `data`, chunk by chunk."""
    parts = [np.flatnonzero(data[start : start + _CHUNK] == byte) + start for start in range(0, len(data), _CHUNK)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


@dataclass
class Scan:
    """Record boundaries of a CSV file (bytes, UTF-8 or another ASCII-compatible encoding)."""

    starts: np.ndarray  # first byte of each record
    ends: np.ndarray  # one past the last byte (the newline, or a CR before it, excluded)
    lines: np.ndarray  # physical line of each record's first byte (1-based)
    last_lines: np.ndarray  # physical line of each record's last byte


def _quote_parity(data: np.ndarray, newlines: np.ndarray) -> np.ndarray:
    """For each newline, whether an odd number of quote characters precede it (it is inside a quoted value).

    One pass over the bytes, chunk by chunk: the quotes of each line are xor-reduced, then accumulated.
    """
    out = np.empty(len(newlines), dtype=np.uint8)
    carry = np.uint8(0)
    done = 0
    for start in range(0, len(data), _CHUNK):
        stop = min(start + _CHUNK, len(data))
        mask = (data[start:stop] == 0x22).view(np.uint8)
        upto = int(np.searchsorted(newlines, stop))
        inside = newlines[done:upto] - start
        if len(inside):
            cuts = inside if inside[0] == 0 else np.concatenate(([0], inside))
            segments = np.bitwise_xor.reduceat(mask, cuts)
            if inside[0] == 0:
                segments = np.concatenate(([0], segments)).astype(np.uint8)
            # segments[k]: quotes before newline k of this chunk (after newline k-1); the last one runs to the chunk's end
            parity = np.bitwise_xor.accumulate(segments) ^ carry
            out[done:upto] = parity[: len(inside)]
            carry = parity[-1]
        else:
            carry ^= np.bitwise_xor.reduce(mask) if len(mask) else 0
        done = upto
    return out


def scan(raw: bytes) -> Scan | None:
    """Split `raw` into records; None when the bytes need the exact (slow) reader."""
    data = np.frombuffer(raw, dtype=np.uint8)
    newlines = _positions(data, 0x0A)
    carriage = _positions(data, 0x0D)
    if len(carriage) and (len(carriage) != len(np.intersect1d(carriage + 1, newlines, assume_unique=True))):
        return None  # a bare CR ends lines on old Macs: the slow reader counts those lines
    inside = _quote_parity(data, newlines)
    outside = inside == 0
    terminators = newlines[outside]
    term_index = np.flatnonzero(outside)  # which newline (0-based) ends each record
    if len(data) and data[-1] != 0x0A:
        tail_quotes = int(np.count_nonzero(data[(newlines[-1] + 1) if len(newlines) else 0 :] == 0x22))
        if (int(inside[-1]) if len(inside) else 0) ^ (tail_quotes % 2):
            return None  # an unclosed quote runs to the end of the file: the slow reader says where
        terminators = np.append(terminators, len(data))
        term_index = np.append(term_index, len(newlines))  # a virtual newline after the last byte
    elif len(inside) and inside[-1]:
        return None  # the file ends inside a quoted value
    starts = np.concatenate(([0], terminators[:-1] + 1)).astype(np.int64)
    ends = terminators.astype(np.int64)
    lines = np.concatenate(([1], term_index[:-1] + 2)).astype(np.int64)
    last_lines = (term_index + 1).astype(np.int64)
    if len(carriage):  # a CR before the newline is part of the line end
        before = np.clip(ends - 1, 0, max(len(data) - 1, 0))
        ends = np.where((ends > starts) & (data[before] == 0x0D), ends - 1, ends)
    return Scan(starts=starts, ends=ends, lines=lines, last_lines=last_lines)


def field_counts(raw: bytes, found: Scan, delimiter: str) -> np.ndarray:
    """Fields of each record, counting the delimiters outside quotes (only needed when some rows are ragged)."""
    data = np.frombuffer(raw, dtype=np.uint8)
    quotes = _positions(data, 0x22)
    delimiters = _positions(data, ord(delimiter))
    delimiters = delimiters[np.searchsorted(quotes, delimiters) % 2 == 0]
    return np.searchsorted(delimiters, found.ends) - np.searchsorted(delimiters, found.starts) + 1


def record_cells(raw: bytes, start: int, end: int, delimiter: str, encoding: str = "utf-8") -> list[str]:
    """One record read by Python's csv module (the reasons the slow path would give)."""
    text = raw[start:end].decode(encoding, errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False))
    return [cell for row in rows for cell in row] if rows else []


def read_records(raw: bytes, header_end: int, width: int, columns: list[int], delimiter: str, multiline: bool = True):
    """pyarrow's parse of the records after the header: (text columns by position, rows it skipped for a
    wrong field count), or None when pyarrow cannot parse the bytes. `multiline` False (the scan found no record
    over several lines) lets pyarrow parse blocks of the file in parallel."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    wanted = [names[i] for i in columns]
    invalid = 0

    def on_invalid(_row) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    if raw[header_end : header_end + 3] == b"\xef\xbb\xbf":
        return None  # pyarrow would take the first row's leading U+FEFF for a byte-order mark and drop it
    body = pa.py_buffer(raw).slice(header_end)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, encoding="utf8", block_size=16 * 1024 * 1024),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=multiline,
                ignore_empty_lines=True,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.large_string() for name in wanted},
                include_columns=wanted,
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError):
        return None
    return {i: table.column(f"c{i}") for i in columns}, invalid
