"""Unit tests of the safe YAML loader (salesplan_cli.plan.yamlsource) on hand-written snippets."""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal

import pytest

from salesplan_cli.diagnostics import Diagnostic
from salesplan_cli.plan.yamlsource import Mark, SourceDoc, load_yaml_file, parse_yaml, path_str


def parse(text: str):
    doc, diags = parse_yaml(textwrap.dedent(text), "snippet.yaml")
    assert isinstance(doc, SourceDoc)
    assert all(isinstance(d, Diagnostic) for d in diags)
    return doc, diags


def codes(diags) -> list[str]:
    return [d.code for d in diags]


# --- typed values ---------------------------------------------------------------------


def test_integers_with_underscores_are_ints():
    doc, diags = parse(
        """\
        revenue_target: 12_000_000
        plain: 1470000
        signed: -42
        plus: +7
        """
    )
    assert diags == []
    assert doc.data == {"revenue_target": 12000000, "plain": 1470000, "signed": -42, "plus": 7}
    for value in doc.data.values():
        assert type(value) is int


def test_decimals_are_exact_decimal_not_float():
    doc, diags = parse(
        """\
        amount: 1470000.50
        small: 0.1
        grouped: 1_470_000.25
        """
    )
    assert diags == []
    amount = doc.data["amount"]
    assert isinstance(amount, Decimal) and not isinstance(amount, float)
    assert amount == Decimal("1470000.50")
    assert str(amount) == "1470000.50"  # the digits as written, trailing zero kept
    assert doc.data["small"] == Decimal("0.1")  # a float would be 0.1000000000000000055...
    assert doc.data["small"] + doc.data["small"] + doc.data["small"] == Decimal("0.3")
    assert doc.data["grouped"] == Decimal("1470000.25")


def test_dates_booleans_null_and_text():
    doc, diags = parse(
        """\
        start: 2027-01-01
        flag: true
        other: False
        nothing: ~
        empty:
        text: hello world
        pct: 35%
        """
    )
    assert diags == []
    assert doc.data["start"] == dt.date(2027, 1, 1)
    assert type(doc.data["start"]) is dt.date
    assert doc.data["flag"] is True
    assert doc.data["other"] is False
    assert doc.data["nothing"] is None
    assert doc.data["empty"] is None
    assert doc.data["text"] == "hello world"
    assert doc.data["pct"] == "35%"


def test_invalid_calendar_date_is_a_diagnostic_and_stays_text():
    doc, diags = parse("start: 2027-02-30\n")
    assert codes(diags) == ["SP203"]
    assert (diags[0].line, diags[0].col) == (1, 8)
    assert diags[0].path == "start"
    assert doc.data == {"start": "2027-02-30"}


@pytest.mark.parametrize(
    "snippet, expected",
    [
        ('answer: "NO"\n', "NO"),
        ("answer: 'no'\n", "no"),
        ("answer: 'yes'\n", "yes"),
        ("code: '01234'\n", "01234"),
        ('code: "0x1F"\n', "0x1F"),
        ('code: "1:30"\n', "1:30"),
        ("code: '2027-01-01'\n", "2027-01-01"),
        ('code: "12"\n', "12"),
        ('code: "1_000"\n', "1_000"),
        ("code: 'true'\n", "true"),
        ("code: '~'\n", "~"),
    ],
)
def test_quoted_scalars_stay_strings(snippet, expected):
    doc, diags = parse(snippet)
    assert diags == []
    (value,) = doc.data.values()
    assert type(value) is str
    assert value == expected


def test_explicit_str_tag_keeps_text():
    doc, diags = parse("code: !!str 01234\nother: !!str 12\n")
    assert diags == []
    assert doc.data == {"code": "01234", "other": "12"}


def test_yaml11_boolean_word_unquoted_is_flagged_and_kept_as_text():
    doc, diags = parse("answer: NO\nok: 1\n")
    assert codes(diags) == ["SP103"]
    assert (diags[0].line, diags[0].col) == (1, 9)
    assert diags[0].path == "answer"
    assert doc.data["answer"] == "NO"


def test_leading_zero_number_is_flagged_and_kept_as_text():
    doc, diags = parse("code: 01234\n")
    assert codes(diags) == ["SP104"]
    assert (diags[0].line, diags[0].col) == (1, 7)
    assert doc.data == {"code": "01234"}


def test_unsafe_tag_is_refused():
    doc, diags = parse("x: !!python/object:os.system ls\n")
    assert codes(diags) == ["SP107"]
    assert doc.data is None


# --- merge keys -------------------------------------------------------------------------


def test_merge_key_with_override_after_merge():
    doc, diags = parse(
        """\
        base: &base
          call: 4
          meeting: 2
        custom:
          <<: *base
          meeting: 5
        """
    )
    assert diags == []
    assert doc.data["base"] == {"call": 4, "meeting": 2}
    assert doc.data["custom"] == {"call": 4, "meeting": 5}
    # the override is marked where it is written, the merged key at the '<<'
    assert doc.key_marks[("custom", "meeting")] == Mark(6, 3)
    assert doc.value_marks[("custom", "meeting")] == Mark(6, 12)
    assert doc.key_marks[("custom", "call")] == Mark(5, 3)


def test_merge_key_does_not_override_keys_written_before_it():
    doc, diags = parse(
        """\
        base: &b {call: 4, meeting: 2}
        custom: {meeting: 9, <<: *b}
        """
    )
    assert diags == []
    assert doc.data["custom"] == {"meeting": 9, "call": 4}


def test_merge_of_several_mappings_first_wins():
    doc, diags = parse(
        """\
        one: &one {a: 1, b: 1}
        two: &two {b: 2, c: 2}
        both:
          <<: [*one, *two]
          c: 3
        """
    )
    assert diags == []
    assert doc.data["both"] == {"a": 1, "b": 1, "c": 3}


def test_merge_does_not_mutate_the_anchored_mapping():
    doc, diags = parse(
        """\
        base: &b {a: 1}
        first:
          <<: *b
          a: 2
        second:
          <<: *b
        """
    )
    assert diags == []
    assert doc.data == {"base": {"a": 1}, "first": {"a": 2}, "second": {"a": 1}}


def test_duplicate_key_after_merge_override_is_still_a_duplicate():
    doc, diags = parse(
        """\
        base: &b {a: 1}
        x:
          <<: *b
          a: 2
          a: 3
        """
    )
    assert codes(diags) == ["SP102"]
    assert (diags[0].line, diags[0].col) == (5, 3)
    assert diags[0].path == "x.a"
    assert "first defined on line 4" in diags[0].message


def test_merging_a_scalar_is_an_error():
    doc, diags = parse(
        """\
        n: &n 5
        x:
          <<: [*n]
        """
    )
    assert "SP203" in codes(diags)


def test_duplicate_key_is_reported_at_the_second_key():
    doc, diags = parse("a: 1\nb: 2\na: 3\n")
    assert codes(diags) == ["SP102"]
    d = diags[0]
    assert (d.file, d.line, d.col, d.path) == ("snippet.yaml", 3, 1, "a")
    assert "line 1" in d.message
    assert doc.data["a"] == 1  # the first one is kept


# --- source marks -----------------------------------------------------------------------

NESTED = """\
company: Nordwind
tolerance:
  amount: 1000
  nested:
    deep: value
stages:
  - lead
  - {name: won, probability: 100%}
  - name: lost
    outcome: lost
"""


def test_marks_of_nested_keys_are_one_based():
    doc, diags = parse(NESTED)
    assert diags == []
    assert doc.key_marks[("company",)] == Mark(1, 1)
    assert doc.value_marks[("company",)] == Mark(1, 10)
    assert doc.key_marks[("tolerance",)] == Mark(2, 1)
    assert doc.key_marks[("tolerance", "amount")] == Mark(3, 3)
    assert doc.value_marks[("tolerance", "amount")] == Mark(3, 11)
    assert doc.key_marks[("tolerance", "nested", "deep")] == Mark(5, 5)
    assert doc.value_marks[("tolerance", "nested", "deep")] == Mark(5, 11)


def test_marks_of_list_items():
    doc, diags = parse(NESTED)
    assert doc.value_marks[("stages", 0)] == Mark(7, 5)
    assert doc.value_marks[("stages", 1)] == Mark(8, 5)
    assert doc.key_marks[("stages", 1, "probability")] == Mark(8, 17)
    assert doc.value_marks[("stages", 1, "probability")] == Mark(8, 30)
    assert doc.value_marks[("stages", 2)] == Mark(9, 5)
    assert doc.key_marks[("stages", 2, "outcome")] == Mark(10, 5)
    assert doc.value_marks[("stages", 2, "outcome")] == Mark(10, 14)


def test_marks_point_at_the_text_they_name():
    """Independent of hand-counted columns: every key mark points at the key's text."""
    doc, diags = parse(NESTED)
    lines = doc.lines()
    for path, mark in doc.key_marks.items():
        key = str(path[-1])
        assert lines[mark.line - 1][mark.col - 1 :].startswith(key), (path, mark)
    for path, mark in doc.value_marks.items():
        if path and not isinstance(path[-1], int):
            value = doc.data
            for part in path:
                value = value[part]
            if isinstance(value, str):
                assert lines[mark.line - 1][mark.col - 1 :].startswith(value), (path, mark)


def test_mark_for_exact_key_and_value():
    doc, _ = parse(NESTED)
    assert doc.mark_for(("tolerance", "amount"), prefer_key=True) == Mark(3, 3)
    assert doc.mark_for(("tolerance", "amount"), prefer_key=False) == Mark(3, 11)
    assert doc.mark_for(("stages", 0)) == Mark(7, 5)


def test_mark_for_falls_back_to_the_closest_parent():
    doc, _ = parse(NESTED)
    assert doc.mark_for(("tolerance", "nested", "missing"), prefer_key=True) == Mark(4, 3)
    assert doc.mark_for(("tolerance", "missing", "deeper", 3), prefer_key=True) == Mark(2, 1)
    assert doc.mark_for(("stages", 2, "probability"), prefer_key=True) == doc.mark_for(("stages", 2))
    assert doc.mark_for(("stages", 2, "probability")) == Mark(9, 5)
    assert doc.mark_for(("stages", 17)) == doc.mark_for(("stages",))
    assert doc.mark_for(("no", "such", "key")) == Mark(1, 1)  # the document itself
    assert doc.mark_for(()) == Mark(1, 1)


def test_mark_for_on_an_empty_source_map_is_none():
    assert SourceDoc(rel="x.yaml").mark_for(("a", "b")) is None


def test_path_str():
    assert path_str(()) == ""
    assert path_str(("targets", "A")) == "targets.A"
    assert path_str(("stages", 3, "name")) == "stages[3].name"
    assert path_str((0,)) == "[0]"


# --- file level -------------------------------------------------------------------------


def test_syntax_error_has_a_position_and_no_data(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("a: 1\nb: [1, 2\nc: 3\n", encoding="utf-8")
    doc, diags = load_yaml_file(path, "bad.yaml")
    assert codes(diags) == ["SP101"]
    assert diags[0].line is not None and diags[0].col is not None
    assert doc is not None and doc.data is None


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r", "\x85", "\u2028"], ids=["LF", "CRLF", "CR", "NEL", "LS"])
def test_thousands_separator_in_flow_is_flagged_whatever_the_line_breaks(newline):
    """YAML breaks lines at CR, NEL and U+2028 too: positions must still be found, never an exception."""
    text = newline.join(["id: rep-n1", "name: x", "targets: {A: 350,000}", ""])
    doc, diags = parse_yaml(text, "rep-n1.yaml")
    assert codes(diags) == ["SP204"]
    assert (diags[0].line, diags[0].col) == (3, 14)
    assert "350,000" in diags[0].message
    assert doc.lines()[diags[0].line - 1] == "targets: {A: 350,000}"


@pytest.mark.parametrize("newline", ["\r", "\x85", "\u2028"], ids=["CR", "NEL", "LS"])
def test_marks_follow_yaml_line_breaks(newline):
    doc, diags = parse(newline.join(["a: 1", "b: 2", "a: 3", ""]))
    assert codes(diags) == ["SP102"]
    assert (diags[0].line, diags[0].col) == (3, 1)
    assert doc.lines()[2] == "a: 3"


def test_tab_indentation_gets_a_specific_hint():
    doc, diags = parse("a:\n\tb: 1\n")
    assert codes(diags) == ["SP101"]
    assert "tab" in diags[0].hint


def test_bom_is_accepted_and_latin1_refused(tmp_path):
    good = tmp_path / "good.yaml"
    good.write_bytes(b"\xef\xbb\xbfname: caf\xc3\xa9\n")
    doc, diags = load_yaml_file(good, "good.yaml")
    assert diags == []
    assert doc.data == {"name": "café"}
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: ok\nother: caf\xe9\n")
    doc, diags = load_yaml_file(bad, "bad.yaml")
    assert doc is None
    assert codes(diags) == ["SP002"]
    assert (diags[0].line, diags[0].col) == (2, 11)


def test_alias_bomb_is_refused():
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        name = chr(ord("a") + i)
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    doc, diags = parse("\n".join(lines) + "\n")
    assert "SP105" in codes(diags)


def test_deep_nesting_is_refused():
    doc, diags = parse("a: " + "[" * 100 + "]" * 100 + "\n")
    assert codes(diags) == ["SP106"]
    assert doc.data is None


def test_very_deep_nesting_is_a_diagnostic_not_a_recursion_error():
    doc, diags = parse("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert diags and all(d.is_error for d in diags)
    assert set(codes(diags)) <= {"SP101", "SP106"}


def test_more_than_one_document_is_refused():
    doc, diags = parse("a: 1\n---\nb: 2\n")
    assert codes(diags) == ["SP101"]
    assert doc.data is None
