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

The bytes are never copied: every function takes a buffer (bytes, or a memoryview of the
file's bytes past a byte-order mark) and reads it through numpy or pyarrow views. The scan
goes over the bytes in blocks small enough to stay in the processor's cache, so each
block is compared to a newline and to a quote while it is there, and the temporary masks
stay small whatever the file's size.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import numpy as np

#: Bytes scanned at a time: the temporary masks of a block stay in the processor's cache.
_BLOCK = 1024 * 1024

_LF, _CR, _QUOTE = 0x0A, 0x0D, 0x22


@dataclass
class Scan:
    """Record boundaries of a CSV file (bytes, UTF-8 or another ASCII-compatible encoding)."""

    starts: np.ndarray  # first byte of each record
    ends: np.ndarray  # one past the last byte (the newline, or a CR before it, excluded)
    lines: np.ndarray  # physical line of each record's first byte (1-based)
    last_lines: np.ndarray  # physical line of each record's last byte (the same array when no record spans lines)
    multiline: bool = False  # some record spans several lines (a newline inside a quoted value)


def _bytes(buffer) -> np.ndarray:
    return np.frombuffer(buffer, dtype=np.uint8)


def _might_hold(buffer, byte: int) -> bool:
    """Whether `byte` may be in the buffer: bytes are searched (memchr); another buffer is taken to hold it."""
    return byte in buffer if isinstance(buffer, (bytes, bytearray)) else True


def _newlines_and_parity(data: np.ndarray, quotes: bool, carriage: bool) -> tuple[np.ndarray, np.ndarray | None, int, int]:
    """Offsets of the newlines; for each, whether an odd number of quotes precede it (None: no quote in the
    file, every newline ends a record); the parity of all the quotes of the file; and the number of CRs
    (when `carriage`, else 0).

    Per block: the newlines are found, then the quotes of each line are summed (np.add.reduceat over the
    quote mask, cut at the newlines; a uint8 sum that wraps keeps its parity) and accumulated into the
    parity before each newline, carried from block to block.
    """
    found: list[np.ndarray] = []
    parities: list[np.ndarray] = []
    carry = 0
    returns = 0
    for start in range(0, len(data), _BLOCK):
        block = data[start : start + _BLOCK]
        newlines = np.flatnonzero(block == _LF)
        found.append(newlines + start if start else newlines)
        if carriage:
            returns += int(np.count_nonzero(block == _CR))
        if not quotes:
            continue
        mask = (block == _QUOTE).view(np.uint8)
        if not len(newlines):
            carry ^= int(np.count_nonzero(mask)) & 1
            parities.append(np.empty(0, dtype=np.uint8))
            continue
        # sums[0]: quotes before the first newline; sums[k]: quotes from newline k-1 to newline k; the last one
        # runs to the block's end. A cut at a newline holds no quote, so a repeated cut (a newline at offset 0)
        # yields mask[0] == 0, the empty sum.
        cuts = np.empty(len(newlines) + 1, dtype=np.intp)
        cuts[0] = 0
        cuts[1:] = newlines
        sums = np.add.reduceat(mask, cuts)
        np.bitwise_and(sums, 1, out=sums)
        parity = np.bitwise_xor.accumulate(sums)
        if carry:
            parity ^= 1
        parities.append(parity[:-1])
        carry = int(parity[-1])
    newlines = np.concatenate(found) if len(found) > 1 else (found[0] if found else np.empty(0, dtype=np.intp))
    if not quotes:
        return newlines, None, 0, returns
    inside = np.concatenate(parities) if len(parities) > 1 else (parities[0] if parities else np.empty(0, dtype=np.uint8))
    return newlines, inside, carry, returns


def scan(buffer) -> Scan | None:
    """Split the bytes of `buffer` into records; None when they need the exact (slow) reader."""
    data = _bytes(buffer)
    size = len(data)
    newlines, inside, tail_parity, returns = _newlines_and_parity(data, _might_hold(buffer, _QUOTE), _might_hold(buffer, _CR))
    carriage = returns > 0
    if carriage:
        # every CR must be the first half of a CRLF: a bare CR ends lines on old Macs, and the slow reader counts
        # those lines. Counted, not located: the CRs before a newline are distinct CRs, so equal counts mean
        # there is no other one.
        before = newlines[newlines > 0] - 1
        if returns != int(np.count_nonzero(data[before] == _CR)):
            return None
    if inside is not None and inside.any():
        outside = inside == 0
        terminators = newlines[outside]
        term_index = np.flatnonzero(outside)  # which newline (0-based) ends each record
        multiline = True
    else:
        terminators = newlines
        term_index = None  # every newline ends a record
        multiline = False
    if size and data[-1] != _LF:
        if tail_parity:
            return None  # an unclosed quote runs to the end of the file: the slow reader says where
        terminators = np.append(terminators, size)  # a virtual newline after the last byte
        if term_index is not None:
            term_index = np.append(term_index, len(newlines))
    elif tail_parity:
        return None  # the file ends inside a quoted value
    count = len(terminators)
    ends = terminators.astype(np.int64, copy=False)
    starts = np.empty(count, dtype=np.int64)
    if count:
        starts[0] = 0
        np.add(ends[:-1], 1, out=starts[1:])
    if term_index is None:
        lines = np.arange(1, count + 1, dtype=np.int64)  # record k is line k+1
        last_lines = lines
    else:
        last_lines = term_index.astype(np.int64) + 1
        lines = np.empty(count, dtype=np.int64)
        if count:
            lines[0] = 1
            np.add(last_lines[:-1], 1, out=lines[1:])
    if carriage and count:  # a CR before the newline is part of the line end
        before = np.maximum(ends - 1, 0)
        ends = ends - ((ends > starts) & (data[before] == _CR))
    return Scan(starts=starts, ends=ends, lines=lines, last_lines=last_lines, multiline=multiline)


def field_counts(buffer, found: Scan, delimiter: str) -> np.ndarray:
    """Fields of each record, counting the delimiters outside quotes (only needed when some rows are ragged).

    Per block: the quote parity before each byte (a running xor of the quote mask, carried across blocks)
    keeps the delimiters outside quotes; their running count is read at each record's start and end.
    """
    data = _bytes(buffer)
    byte = ord(delimiter)
    before_start = np.empty(len(found.starts), dtype=np.int64)
    before_end = np.empty(len(found.ends), dtype=np.int64)
    counted = 0  # delimiters outside quotes before the block
    carry = np.uint8(0)  # quote parity before the block
    for start in range(0, len(data), _BLOCK):
        stop = min(start + _BLOCK, len(data))
        block = data[start:stop]
        quotes = (block == _QUOTE).view(np.uint8)
        parity = np.bitwise_xor.accumulate(quotes)  # parity after each byte: a quote's own byte is a quote, never a delimiter
        if carry:
            parity ^= 1
        if len(parity):
            carry = parity[-1]
        outside = np.flatnonzero((block == byte) & (parity == 0))
        for positions, out in ((found.starts, before_start), (found.ends, before_end)):
            lo, hi = np.searchsorted(positions, (start, stop))
            out[lo:hi] = counted + np.searchsorted(outside, positions[lo:hi] - start)
        counted += len(outside)
    for positions, out in ((found.starts, before_start), (found.ends, before_end)):
        lo = np.searchsorted(positions, len(data))
        out[lo:] = counted  # a virtual end after the last byte
    return before_end - before_start + 1


def record_cells(buffer, start: int, end: int, delimiter: str, encoding: str = "utf-8") -> list[str]:
    """One record read by Python's csv module (the reasons the slow path would give)."""
    text = bytes(memoryview(buffer)[start:end]).decode(encoding, errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False))
    return [cell for row in rows for cell in row] if rows else []


def valid_utf8(buffer) -> bool:
    """Whether the bytes are valid UTF-8, checked by pyarrow in place (bytes.decode would copy the whole file
    into a str: up to four times its size)."""
    import pyarrow as pa

    offsets = pa.py_buffer(np.array([0, len(memoryview(buffer))], dtype=np.int64))
    try:
        pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(buffer)).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def read_records(
    buffer, header_end: int, width: int, columns: list[int], delimiter: str, multiline: bool = True, encoding: str = "utf8"
):
    """pyarrow's parse of the records after the header: (text columns by position, rows it skipped for a
    wrong field count), or None when pyarrow cannot parse the bytes. `multiline` False (the scan found no record
    over several lines) lets pyarrow parse blocks of the file in parallel. `encoding` other than UTF-8 (a
    single-byte one): pyarrow decodes the bytes block by block, strictly, as it reads them."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    wanted = [names[i] for i in columns]
    invalid = 0

    def on_invalid(_row) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    body = pa.py_buffer(buffer).slice(header_end)
    if encoding in ("utf8", "utf-8") and bytes(memoryview(buffer)[header_end : header_end + 3]) == b"\xef\xbb\xbf":
        return None  # pyarrow would take the first row's leading U+FEFF for a byte-order mark and drop it
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names, encoding=encoding, block_size=16 * 1024 * 1024),
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
