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
the caller (intake/read.py `_read_fast`) returns None and the exact reader reads the
file, row by row. Files the scan cannot vouch for never reach pyarrow: a bare CR, an
unclosed quote at the end, a header over several lines, a record longer than the csv
module's field limit, a first row starting with a byte-order mark. Nothing is guessed.

The file is never held whole, nor copied: every function takes a `Bytes`, which reads the
bytes block by block, from memory (bytes, or a memoryview past a byte-order mark, through
numpy and pyarrow views) or from the open file (an export of 250 MB need not sit in memory
beside its parsed columns). The blocks are small enough to stay in the processor's cache,
so each is compared to a newline and to a quote while it is there, and the temporary
masks stay small whatever the file's size.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
from dataclasses import dataclass

import numpy as np

#: Bytes scanned at a time: the temporary masks of a block stay in the processor's cache.
_BLOCK = 1024 * 1024

_LF, _CR, _QUOTE = 0x0A, 0x0D, 0x22


@dataclass
class Scan:
    """Record boundaries of a CSV file (bytes, UTF-8 or another ASCII-compatible encoding).

    Held lean while pyarrow parses (an export of 5,000,000 records would otherwise keep four arrays of 40 MB):
    only the offset of each record's newline, and when some record spans lines, which newline that is. A
    record's start, end and lines are derived from them, one at a time (`start`, `end`, `line`,
    `last_line`) or as arrays on demand (`starts`, `ends`, `lines`, `last_lines`).
    """

    terminators: np.ndarray  # the newline ending each record (the file's size for a last record without one)
    crlf: np.ndarray | None  # per record, whether a CR comes before its newline (None: no CR in the file)
    term_index: np.ndarray | None  # which newline (0-based) ends each record; None: the k-th ends record k
    longest: int = 0  # the longest record, in bytes
    blank: np.ndarray | None = None  # the records with no byte at all
    first_newline: int = -1  # offset of the first newline (-1: none)

    def __len__(self) -> int:
        return len(self.terminators)

    @property
    def multiline(self) -> bool:
        """Some record spans several lines (a newline inside a quoted value)."""
        return self.term_index is not None

    def start(self, record: int) -> int:
        return int(self.terminators[record - 1]) + 1 if record else 0

    def end(self, record: int) -> int:
        """One past the last byte (the newline, or a CR before it, excluded)."""
        return int(self.terminators[record]) - (int(self.crlf[record]) if self.crlf is not None else 0)

    def line(self, record: int) -> int:
        """Physical line of the record's first byte (1-based)."""
        if self.term_index is None:
            return record + 1
        return int(self.term_index[record - 1]) + 2 if record else 1

    def last_line(self, record: int) -> int:
        return record + 1 if self.term_index is None else int(self.term_index[record]) + 1

    def lines_of(self, records: np.ndarray) -> np.ndarray:
        """Physical line of the first byte of each of `records` (int64)."""
        records = np.asarray(records, dtype=np.int64)
        if self.term_index is None:
            return records + 1
        return np.where(records > 0, self.term_index[records - 1] + 2, 1).astype(np.int64)

    @property
    def starts(self) -> np.ndarray:
        starts = np.empty(len(self), dtype=np.int64)
        if len(self):
            starts[0] = 0
            np.add(self.terminators[:-1], 1, out=starts[1:])
        return starts

    @property
    def ends(self) -> np.ndarray:
        ends = self.terminators.astype(np.int64, copy=False)
        return ends - self.crlf if self.crlf is not None else ends

    @property
    def lines(self) -> np.ndarray:
        return self.lines_of(np.arange(len(self)))

    @property
    def last_lines(self) -> np.ndarray:
        if self.term_index is None:
            return np.arange(1, len(self) + 1, dtype=np.int64)
        return self.term_index.astype(np.int64) + 1


class Bytes:
    """The bytes of an export, read block by block: a buffer in memory (bytes, or a memoryview past a byte-order
    mark), or an open file, which is never held whole (its pages need not sit beside the parsed columns)."""

    def __init__(self, buffer=None, file=None, offset: int = 0, size: int = 0, path: str | None = None):
        self.buffer, self.file, self.offset, self.path = buffer, file, offset, path
        self.size = len(memoryview(buffer)) if buffer is not None else size - offset
        self.short = False  # a file that gave fewer or more bytes than its size said (changed while read)

    def might_hold(self, byte: int) -> bool:
        """Whether `byte` may be in the bytes: bytes in memory are searched (memchr); others may hold it."""
        return byte in self.buffer if isinstance(self.buffer, (bytes, bytearray)) else True

    def blocks(self):
        """(offset, numpy view) of each block; a file's block is overwritten by the next one."""
        if self.buffer is not None:
            data = np.frombuffer(self.buffer, dtype=np.uint8)
            for start in range(0, len(data), _BLOCK):
                yield start, data[start : start + _BLOCK]
            return
        room = bytearray(_BLOCK)
        view = np.frombuffer(room, dtype=np.uint8)
        done = 0
        self.file.seek(self.offset)
        while True:
            got = self.file.readinto(room)
            if not got:
                break
            yield done, view[:got]
            done += got
        if done != self.size:
            self.short = True

    def read(self, start: int, end: int) -> bytes:
        if self.buffer is not None:
            return bytes(memoryview(self.buffer)[start:end])
        return os.pread(self.file.fileno(), max(end - start, 0), self.offset + start)

    def arrow_input(self, start: int):
        """A pyarrow input stream of the bytes from `start` on (the buffer sliced, not copied; the file read)."""
        import pyarrow as pa

        if self.buffer is not None:
            return pa.BufferReader(pa.py_buffer(self.buffer).slice(start))
        if self.path is not None:  # read by pyarrow itself, into its own memory pool, without the GIL
            stream = pa.OSFile(self.path)
            stream.seek(self.offset + start)
            return stream
        self.file.seek(self.offset + start)
        return pa.PythonFile(self.file, mode="r")


def as_bytes(content) -> Bytes:
    return content if isinstance(content, Bytes) else Bytes(content)


#: LOW[k]: the low k bytes of a 64-bit word (little-endian: the first k bytes of the 8 it holds).
_LOW = np.array([(1 << (8 * k)) - 1 for k in range(8)], dtype=np.uint64)


def _byte_parity(words: np.ndarray) -> np.ndarray:
    """The xor of the 8 bytes of each 64-bit word, whose bytes are 0 or 1: the parity of its ones (uint8)."""
    if hasattr(np, "bitwise_count"):  # numpy 2: one pass, a popcount per word
        return np.bitwise_and(np.bitwise_count(words), 1)
    folded = words ^ (words >> np.uint64(32))
    folded ^= folded >> np.uint64(16)
    folded ^= folded >> np.uint64(8)
    return (folded & np.uint64(1)).astype(np.uint8)


def _quote_parity(quotes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, int]:
    """For each of `positions` (sorted offsets in the block), whether an odd number of quotes come before it in
    the block; and the parity of all the quotes of the block. `quotes`: the block's quote mask (bool).

    The mask is read 8 bytes at a time as 64-bit words, each byte 0 or 1, so the xor of a word's bytes is the
    parity of its quotes: a running xor of the words' parities gives the parity before each word, and the quotes of a
    position's own word that come before it are counted by masking the word's low bytes. This touches an
    eighth as many elements as summing the mask line by line (np.add.reduceat), and gives the same answer.
    """
    if len(quotes) % 8:  # the file's last block: padded with bytes that are no quote
        padded = np.zeros(len(quotes) + 8 - len(quotes) % 8, dtype=bool)
        padded[: len(quotes)] = quotes
        quotes = padded
    words = quotes.view(np.uint64)
    upto = np.bitwise_xor.accumulate(_byte_parity(words))  # parity up to the end of each word
    total = int(upto[-1]) if len(upto) else 0
    if not len(positions):
        return np.empty(0, dtype=np.uint8), total
    word = positions >> 3
    before = np.where(word > 0, upto[word - 1], 0)  # the words before the position's own (index -1 wraps: unused)
    own = _byte_parity(words[word] & _LOW[positions & 7])
    return (before ^ own).astype(np.uint8), total


def _newlines_and_parity(content: Bytes, check: Utf8Check | None = None) -> tuple[np.ndarray, np.ndarray | None, int, int, np.ndarray | None, int] | None:
    """One pass over the blocks: the offsets of the newlines; for each, whether an odd number of quotes precede
    it (None: no quote in the file, every newline ends a record); the parity of all the quotes of the file; the
    number of CRs; for each newline, whether a CR comes right before it (None: no CR looked for); the last byte.
    None when `check` (UTF-8, in the same pass over the file) refuses the bytes.

    Per block: the newlines are found, then the parity of the quotes before each (`_quote_parity`), carried
    from block to block.
    """
    quotes, carriage = content.might_hold(_QUOTE), content.might_hold(_CR)
    found: list[np.ndarray] = []
    parities: list[np.ndarray] = []
    before_cr: list[np.ndarray] = []
    carry = 0
    returns = 0
    last = 0  # the last byte of the previous block
    for start, block in content.blocks():
        if check is not None and not check.feed(block):
            return None
        newlines = np.flatnonzero(block == _LF)
        found.append(newlines + start if start else newlines)
        if carriage:
            returns += int(np.count_nonzero(block == _CR))
            before = block[newlines - 1]  # for a newline at offset 0, index -1 reads the block's end: replaced
            if len(newlines) and newlines[0] == 0:
                before[0] = last
            before_cr.append(before == _CR)
        last = int(block[-1])
        if not quotes:
            continue
        parity_before, total = _quote_parity(block == _QUOTE, newlines)
        if carry:
            parity_before ^= 1
        parities.append(parity_before)
        carry ^= total
    if check is not None and not check.finish():
        return None
    newlines = _joined(found, np.intp)
    crlf = _joined(before_cr, bool) if carriage else None
    inside = _joined(parities, np.uint8) if quotes else None
    return newlines, inside, carry, returns, crlf, last


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if len(parts) > 1 else (parts[0] if parts else np.empty(0, dtype=dtype))


def scan(content, utf8: bool = False) -> Scan | None:
    """Split the bytes (a Bytes, or a buffer) into records; None when they need the exact (slow) reader, or,
    with `utf8`, when they are not valid UTF-8 (checked in the same pass)."""
    content = as_bytes(content)
    passed = _newlines_and_parity(content, Utf8Check() if utf8 else None)
    if passed is None or content.short:
        return None
    newlines, inside, tail_parity, returns, crlf, last = passed
    size = content.size
    if returns:
        # every CR must be the first half of a CRLF: a bare CR ends lines on old Macs, and the slow reader counts
        # those lines. Counted, not located: the CRs before a newline are distinct CRs, so equal counts mean
        # there is no other one.
        if returns != int(np.count_nonzero(crlf)):
            return None
    else:
        crlf = None
    if inside is not None and inside.any():
        outside = inside == 0
        terminators = newlines[outside]
        if crlf is not None:
            crlf = crlf[outside]
        term_index = np.flatnonzero(outside)  # which newline (0-based) ends each record
    else:
        terminators = newlines
        term_index = None  # every newline ends a record
    if size and last != _LF:
        if tail_parity:
            return None  # an unclosed quote runs to the end of the file: the slow reader says where
        terminators = np.append(terminators, size)  # a virtual newline after the last byte
        if crlf is not None:
            crlf = np.append(crlf, False)  # a CR there would be a bare CR, refused above
        if term_index is not None:
            term_index = np.append(term_index, len(newlines))
    elif tail_parity:
        return None  # the file ends inside a quoted value
    found = Scan(terminators=terminators, crlf=crlf, term_index=term_index, first_newline=int(newlines[0]) if len(newlines) else -1)
    if len(found):
        lengths = found.ends - found.starts  # temporaries, dropped before the parse
        found.longest = int(lengths.max())
        found.blank = np.flatnonzero(lengths == 0)
    else:
        found.blank = np.empty(0, dtype=np.intp)
    return found


def field_counts(content, found: Scan, delimiter: str) -> np.ndarray:
    """Fields of each record, counting the delimiters outside quotes (only needed when some rows are ragged).

    Per block: the quote parity before each delimiter (`_quote_parity`, carried across blocks) keeps those
    outside quotes; their running count is read at each record's start and end.
    """
    content = as_bytes(content)
    byte = ord(delimiter)
    starts, ends = found.starts, found.ends  # arrays made once (properties of the lean Scan)
    before_start = np.empty(len(starts), dtype=np.int64)
    before_end = np.empty(len(ends), dtype=np.int64)
    counted = 0  # delimiters outside quotes before the block
    carry = 0  # quote parity before the block
    for start, block in content.blocks():
        stop = start + len(block)
        delimiters = np.flatnonzero(block == byte)
        parity, total = _quote_parity(block == _QUOTE, delimiters)
        outside = delimiters[parity == carry]
        carry ^= total
        for positions, out in ((starts, before_start), (ends, before_end)):
            lo, hi = np.searchsorted(positions, (start, stop))
            out[lo:hi] = counted + np.searchsorted(outside, positions[lo:hi] - start)
        counted += len(outside)
    for positions, out in ((starts, before_start), (ends, before_end)):
        lo = np.searchsorted(positions, content.size)
        out[lo:] = counted  # a virtual end after the last byte
    return before_end - before_start + 1


def record_cells(content, start: int, end: int, delimiter: str, encoding: str = "utf-8") -> list[str]:
    """One record read by Python's csv module (the reasons the slow path would give)."""
    text = as_bytes(content).read(start, end).decode(encoding, errors="replace")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True, strict=False))
    return [cell for row in rows for cell in row] if rows else []


class Utf8Check:
    """Whether bytes fed block by block are valid UTF-8, as Python's strict decoder says (bytes.decode would
    hold the whole file as a str: up to four times its size). ASCII blocks are skipped, unless a character
    began at the end of the block before."""

    def __init__(self):
        self.decoder = codecs.getincrementaldecoder("utf-8")("strict")

    def feed(self, block: np.ndarray) -> bool:
        try:
            if self.decoder.getstate()[0] or int(block.max()) >= 0x80:
                self.decoder.decode(memoryview(block))
        except UnicodeDecodeError:
            return False
        return True

    def finish(self) -> bool:
        try:
            self.decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
        return True


def valid_utf8(content) -> bool:
    """Whether the bytes are valid UTF-8 (`Utf8Check` over their blocks)."""
    check = Utf8Check()
    return all(check.feed(block) for _start, block in as_bytes(content).blocks()) and check.finish()


def read_records(
    content, header_end: int, width: int, columns: list[int], delimiter: str, multiline: bool = True, encoding: str = "utf8"
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

    content = as_bytes(content)
    if encoding in ("utf8", "utf-8") and content.read(header_end, header_end + 3) == b"\xef\xbb\xbf":
        return None  # pyarrow would take the first row's leading U+FEFF for a byte-order mark and drop it
    try:
        table = pacsv.read_csv(
            content.arrow_input(header_end),
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
