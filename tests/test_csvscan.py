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
