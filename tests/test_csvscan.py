"""The fast CSV path (pyarrow + the byte scan) gives exactly what the exact reader (Python's csv module) gives:
the same rows, the same physical lines, the same skipped and rejected rows with the same reasons; or it
declines (returns None) and the exact reader is used."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salesplan_cli.intake import read
from salesplan_cli.config.data import Source

WANTED = ["id", "owner", "amount", "note"]


def _both(raw: bytes, **dialect):
    source = Source(path="x.csv", **dialect)
    fast = read._read_csv_fast(raw, "x.csv", source, WANTED)
    exact = read._read_csv_exact(raw, "x.csv", source, WANTED)
    return fast, exact


def _same(fast, exact) -> None:
    (ft, fd), (et, ed) = fast, exact
    assert fd == ed
    assert ft.headers == et.headers
    assert [int(x) for x in ft.lines] == list(et.lines)
    assert {k: v.to_pylist() for k, v in ft.columns.items()} == et.columns
    key = lambda i: (i.line, i.kind, i.reason)  # noqa: E731
    assert sorted(map(key, ft.issues)) == sorted(map(key, et.issues))


def _csv(rows: list[list[str]], delimiter: str = ",", terminator: str = "\n") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=terminator, quoting=csv.QUOTE_MINIMAL).writerows(rows)
    return out.getvalue().encode()


HEADER = ["id", "owner", "amount", "note", "extra"]


@pytest.mark.parametrize(
    "raw",
    [
        _csv([HEADER, ["1", "ana", "10", "a\nb", ""], ["2", "bo", "20", 'say "hi"', "x"]]),
        _csv([HEADER, ["1", "ana", "10", "a\r\nb", ""], ["2", "bo", "20", "", ""]], terminator="\r\n"),
        _csv([HEADER, ["1", "ana", "10", "n", ""]]).rstrip(b"\n"),  # no newline at the end
        _csv([HEADER, ["1", "ana", "10", "n", ""]]) + b"\n\n,,,,\n   \n",  # blank lines of every kind
        _csv([HEADER, ["1", "ana", "10", "n", ""]]) + b"1,2\n3,4,5,6,7,8\n",  # ragged rows
        _csv([HEADER, ["1", "ana", "10", "multi\nline\nnote", ""]]) + b'4,"open,quote\n5,x,1,2,3\n',  # unclosed quote
        _csv([HEADER]),  # header only
        _csv([HEADER, ["1", "ana", "10", "n", ""]]).replace(b"ana", b'a"na'),  # a quote inside an unquoted value
    ],
    ids=["embedded-newline", "crlf", "no-final-newline", "blank-lines", "ragged", "unclosed-quote", "header-only", "stray-quote"],
)
def test_fast_path_matches_exact_reader(raw):
    fast, exact = _both(raw)
    if fast is not None:
        _same(fast, exact)


def test_fast_path_is_taken_on_ordinary_exports():
    rows = [HEADER] + [[str(i), f"rep {i % 7}", f"{i}.50", "note\nwith a newline" if i % 5 == 0 else "", ""] for i in range(500)]
    raw = _csv(rows) + b"\n7,8\n"
    fast, exact = _both(raw)
    assert fast is not None
    _same(fast, exact)
    ragged = [i for i in exact[0].issues if i.reason.startswith("ragged")]
    assert [i.line for i in ragged] == [raw.count(b"\n")]  # the last physical line


def test_salesforce_footer_is_skipped_alike():
    rows = [HEADER, ["1", "ana", "10", "", ""], ["", "", "", "", ""], ["Grand Totals (1 records)", "", "", "", ""]]
    raw = _csv(rows) + b'"Confidential Information - Do Not Distribute"\n'
    fast, exact = _both(raw, preset="salesforce")
    assert fast is not None
    _same(fast, exact)
    assert {i.kind for i in exact[0].issues} == {"skipped"}


def test_other_encodings_and_delimiters():
    text = "id;owner;amount;note;extra\n1;Zoë;1.234,50;«x»;\n2;José;10,00;\"a;b\";\n"
    for encoding in ("cp1252", "latin-1", "utf-8-sig"):
        raw = (b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + text.encode("utf-8" if encoding == "utf-8-sig" else encoding)
        fast, exact = _both(raw, encoding=encoding, delimiter=";", decimal=",")
        assert fast is not None
        _same(fast, exact)


def test_invalid_utf8_is_left_to_the_exact_reader():
    raw = _csv([HEADER, ["1", "ana", "10", "n", ""]]) + b"2,\xff,1,2,3\n"
    fast, exact = _both(raw)
    assert fast is None
    assert exact[0] is None and exact[1][0].code == "SP902"


CELL = st.text(alphabet=st.sampled_from(list('ab ,;"\n\r\t1é')), max_size=6)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=7), max_size=12),
    terminator=st.sampled_from(["\n", "\r\n"]),
    tail=st.sampled_from([b"", b"\n", b"\n\n", b'"', b"x", b" \n"]),
    delimiter=st.sampled_from([",", ";"]),
)
def test_fast_path_never_disagrees(rows, terminator, tail, delimiter):
    raw = _csv([HEADER] + rows, delimiter=delimiter, terminator=terminator) + tail
    fast, exact = _both(raw, delimiter=delimiter)
    if fast is not None:
        _same(fast, exact)


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=200).map(lambda b: b"id,owner,amount,note\n" + b))
def test_fast_path_never_disagrees_on_any_bytes(raw):
    fast, exact = _both(raw)
    if fast is not None:
        _same(fast, exact)


def test_a_field_over_the_csv_limit_is_left_to_the_exact_reader():
    big = "x" * (csv.field_size_limit() + 10)
    raw = _csv([HEADER, ["1", "ana", "10", big, ""]] + [[str(i), "bo", "1", "n", ""] for i in range(20_000)])
    fast, exact = _both(raw)
    assert fast is None  # the exact reader refuses the field with its line (SP905), whatever the file's size
    assert exact[0] is None and exact[1][0].code == "SP905" and exact[1][0].line == 2


def test_a_first_row_starting_with_a_byte_order_mark_keeps_it():
    # pyarrow drops a BOM at the start of what it reads, which is the first row here (found by make fuzz)
    raw = b"\xef\xbb\xbf" + _csv([HEADER]) + b"\xef\xbb\xbf" + _csv([["1", "ana", "10", "n", ""]] * 20_000)
    fast, exact = _both(raw)
    assert exact[0].columns["id"][0] == "\ufeff1"
    if fast is not None:
        _same(fast, exact)


# --- the block-wise scan (csvscan.py): its answer must not depend on where the blocks are cut ---------------

from salesplan_cli.intake import csvscan  # noqa: E402


def _reference_records(raw: bytes):
    """Record boundaries by a plain byte loop: (start, end, first line, last line) of each record, or None."""
    if b"\r" in raw.replace(b"\r\n", b""):
        return None
    out, start, line, first, inside = [], 0, 1, 1, False
    for i, byte in enumerate(raw):
        if byte == 0x22:
            inside = not inside
        elif byte == 0x0A:
            if not inside:
                end = i - 1 if i > start and raw[i - 1] == 0x0D else i
                out.append((start, end, first, line))
                start, first = i + 1, line + 1
            line += 1
    if inside:
        return None
    if raw and raw[-1] != 0x0A:
        out.append((start, len(raw), first, line))
    return out


@pytest.mark.parametrize("block", [1, 2, 3, 5, 8, 64, 1024 * 1024])
@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"a,b\n",
        b"a,b",  # no final newline
        b'a,b\n"x\ny",2\n3,4',  # a quoted newline, no final newline
        b'a,b\r\n"x\r\ny",2\r\n\r\n3,4\r\n',  # CRLF, a quoted CRLF, a blank line
        b'a,b\n"\n"\n',  # a record that is one quoted newline
        b'a,b\n""\n"\n',  # a quote-only line, then a line opening a quote that never closes
        b'a,b\n""""\n1,2\n',  # a doubled quote in a quoted value
        b'"a","b"\n"1","2"\n"3","4"\n',  # every value quoted: quotes on both sides of every block cut
        b"\n\n\n",  # lines of nothing
        b'a,b\n1,2\r3,4\n',  # a bare CR
        b'a,b\n1,"2\n',  # the file ends inside a quoted value
    ],
)
def test_scan_is_the_same_whatever_the_blocks(monkeypatch, raw, block):
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    expected = _reference_records(raw)
    for buffer in (raw, memoryview(b"\xef\xbb\xbf" + raw)[3:]):  # bytes, and a view past a byte-order mark
        found = csvscan.scan(buffer)
        if expected is None:
            assert found is None
            continue
        got = list(zip(found.starts.tolist(), found.ends.tolist(), found.lines.tolist(), found.last_lines.tolist()))
        assert got == expected
        assert found.multiline == any(first != last for _, _, first, last in expected)
        for delimiter in ",;":
            reference = [len(list(csv.reader([raw[s:e].decode()], delimiter=delimiter, strict=False))[0]) if e > s else 1 for s, e, _, _ in expected]
            counted = csvscan.field_counts(buffer, found, delimiter).tolist()
            # the scan counts delimiters outside quotes by quote parity, as the csv module does on these records
            assert counted == reference


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    parts=st.lists(st.sampled_from([b"a", b",", b'"', b"\n", b"\r\n", b'""', b" "]), max_size=40),
    block=st.sampled_from([1, 2, 3, 7, 16, 1024 * 1024]),
)
def test_scan_agrees_with_a_byte_loop(monkeypatch, parts, block):
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    raw = b"".join(parts)
    expected = _reference_records(raw)
    found = csvscan.scan(raw)
    if expected is None:
        assert found is None
    else:
        assert list(zip(found.starts.tolist(), found.ends.tolist(), found.lines.tolist(), found.last_lines.tolist())) == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=7), max_size=12),
    terminator=st.sampled_from(["\n", "\r\n"]),
    tail=st.sampled_from([b"", b"\n", b'"', b"x", b"\r\n\r\n"]),
    block=st.sampled_from([1, 3, 16]),
)
def test_fast_path_never_disagrees_with_small_blocks(monkeypatch, rows, terminator, tail, block):
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    raw = _csv([HEADER] + rows, terminator=terminator) + tail
    fast, exact = _both(raw)
    if fast is not None:
        _same(fast, exact)


def test_empty_and_blank_files_go_to_the_exact_reader():
    for raw in (b"", b"\n", b" \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"):
        fast, exact = _both(raw, encoding="utf-8-sig")
        assert fast is None
        assert exact[0] is None and exact[1][0].code == "SP905"


def test_a_quote_only_line_and_a_file_without_final_newline():
    raw = _csv([HEADER, ["1", "ana", "10", "n", ""]]) + b'""\n' + b'2,bo,20,"x\ny",z'
    fast, exact = _both(raw)
    assert fast is not None
    _same(fast, exact)
    assert [int(x) for x in fast[0].lines] == [2, 4]
    assert [(i.line, i.reason) for i in fast[0].issues] == [(3, "blank line")]


def test_a_byte_order_mark_is_skipped_without_copying_the_file():
    raw = b"\xef\xbb\xbf" + _csv([HEADER] + [[str(i), "Zoë", "1", "n", ""] for i in range(50)])
    fast, exact = _both(raw, encoding="utf-8-sig")
    assert fast is not None and fast[0].headers[0] == "id"
    _same(fast, exact)


def test_single_byte_encodings_are_read_in_place_and_checked_strictly():
    text = "id,owner,amount,note,extra\n" + "".join(f'{i},Zoë €,1,"a\r\nb",\r\n' for i in range(50))
    fast, exact = _both(text.encode("cp1252"), encoding="cp1252")
    assert fast is not None
    _same(fast, exact)
    bad = text.encode("cp1252") + b"51,\x81,1,n,\n"  # 0x81 is no character in cp1252
    fast, exact = _both(bad, encoding="cp1252")
    assert fast is None and exact[0] is None and exact[1][0].code == "SP902"
    header = b"id,own\x81er,amount,note,extra\n1,a,1,n,\n"
    fast, exact = _both(header, encoding="cp1252")
    assert fast is None and exact[1][0].code == "SP902"


@settings(max_examples=300, deadline=None)
@given(raw=st.binary(max_size=40) | st.text(max_size=20).map(lambda t: t.encode("utf-8", errors="surrogatepass")))
def test_utf8_check_in_place_is_pythons(raw):
    try:
        raw.decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    assert csvscan.valid_utf8(raw) is valid


def test_arrow_takes_the_same_characters_for_whitespace_as_python():
    # read.py `_blank_cells` finds blank cells with pyarrow's utf8_is_space, the exact reader with str.strip()
    import sys

    import pyarrow as pa

    characters = [chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF]
    blank = read._blank_cells(pa.chunked_array([pa.array(characters + ["", " \t\u3000", " a "], type=pa.large_string())]))
    assert blank.tolist() == [not c.strip() for c in characters] + [True, True, False]


# --- the file read block by block, never whole -----------------------------------------------------------


@pytest.mark.parametrize("block", [1, 7, 1024 * 1024])
def test_the_file_path_reads_what_the_bytes_path_reads(tmp_path, monkeypatch, block):
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    rows = [HEADER] + [[str(i), "Zoë", "1", "a\r\nb" if i % 3 == 0 else "n", ""] for i in range(40)]
    cases = {
        "plain.csv": _csv(rows),
        "crlf.csv": _csv(rows, terminator="\r\n") + b"\r\n1,2\r\n",
        "bom.csv": b"\xef\xbb\xbf" + _csv(rows) + b"Grand Totals (40 records)\n",
        "no-final-newline.csv": _csv(rows).rstrip(b"\n"),
        "bare-cr.csv": _csv(rows) + b"1,2\r3,4\n",
        "unclosed.csv": _csv(rows) + b'1,"2\n',
    }
    for name, raw in cases.items():
        path = tmp_path / name
        path.write_bytes(raw)
        source = Source(path=name, encoding="utf-8-sig", preset="salesforce")
        from_file = read._read_csv_fast_file(path, name, source, WANTED)
        from_bytes = read._read_csv_fast(raw, name, source, WANTED)
        assert (from_file is None) == (from_bytes is None), name
        assert (from_file is None) == (name in ("bare-cr.csv", "unclosed.csv")), name
        if from_file is not None:
            _same(from_file, read._read_csv_exact(raw, name, source, WANTED))
            _same(from_bytes, read._read_csv_exact(raw, name, source, WANTED))


def test_a_file_that_changes_while_read_goes_to_the_exact_reader(tmp_path, monkeypatch):
    path = tmp_path / "x.csv"
    raw = _csv([HEADER] + [[str(i), "ana", "1", "n", ""] for i in range(100)])
    path.write_bytes(raw)
    scan = csvscan.scan

    def scan_then_append(content, **options):
        found = scan(content, **options)
        with path.open("ab") as out:  # another program writes to the export between the scan and the parse
            out.write(b"101,bo,2,n,\n")
        return found

    monkeypatch.setattr(csvscan, "scan", scan_then_append)
    assert read._read_csv_fast_file(path, "x.csv", Source(path="x.csv"), WANTED) is None
    monkeypatch.setattr(csvscan, "scan", scan)
    table, _ = read._read_csv(path, "x.csv", Source(path="x.csv"), WANTED)
    assert len(table.lines) == 101


@pytest.mark.parametrize("popcount", [True, False])
def test_byte_parity_with_and_without_numpy_popcount(monkeypatch, popcount):
    import numpy as np

    if not popcount and hasattr(np, "bitwise_count"):
        monkeypatch.delattr(np, "bitwise_count")  # numpy 1.x: the shift-and-xor fold
    rng = np.random.default_rng(7)
    ones = rng.random(8 * 4000) < 0.3
    words = ones.view(np.uint64)
    expected = ones.reshape(-1, 8).sum(axis=1) % 2
    assert csvscan._byte_parity(words).tolist() == expected.tolist()
    raw = b'a,"b\nc",d\n' * 3000 + b'"x"\n'  # the scan through the same path
    found = csvscan.scan(raw)
    assert found.multiline and found.lines.tolist()[:3] == [1, 3, 5] and len(found.lines) == 3001


@pytest.mark.parametrize("block", [1, 2, 3, 5])
def test_utf8_checked_in_the_scan_pass_across_block_cuts(monkeypatch, block):
    monkeypatch.setattr(csvscan, "_BLOCK", block)
    good = "id,owner\n1,Zoë 𝄞 €\n".encode()
    assert csvscan.scan(good, utf8=True) is not None
    for bad in (good + b"\xc3", good.replace("ë".encode(), b"\xeb"), b"\xed\xa0\x80\n"):  # cut, latin-1, a surrogate
        assert csvscan.scan(bad, utf8=True) is None
        assert csvscan.scan(bad) is not None  # the scan alone does not look at characters
