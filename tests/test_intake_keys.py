"""Key columns interned once per distinct value (intake/parse.py): the shortcuts give what the plain forms give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from salesplan_cli.intake.parse import as_category, lookup, map_key, normalise_key, normalised_category

TEXTS = ["Won", " won ", "WON", "Closed  Lost", "closed lost", None, "", "Ｗon", "Straße", "STRASSE", "Lost", "won"]


def _same(a: pd.Series, b: pd.Series) -> None:
    assert str(a.dtype) == str(b.dtype)
    assert list(a.index) == list(b.index)
    assert [None if pd.isna(v) else v for v in a.tolist()] == [None if pd.isna(v) else v for v in b.tolist()]


@pytest.mark.parametrize(
    "mapping",
    [
        {"won": "won", "closed lost": "lost"},  # some keys unmapped: missing
        {"won": "x", "closed lost": "x", "lost": "x", "": "blank", "straße": "s", "strasse": "s", "ｗon": "w"},  # all mapped
        {"won": 1, "lost": 2},  # numbers: a float column with NaN, as Series.map gives
        {"won": ("a", "b")},  # objects
        {},
    ],
)
def test_map_key_is_normalise_then_map(mapping):
    values = pd.Series(TEXTS * 3, dtype="str", index=range(10, 10 + 3 * len(TEXTS)))
    _same(map_key(values, mapping), normalise_key(values).map(mapping))


def test_map_key_on_no_rows():
    _same(map_key(pd.Series([], dtype="str"), {"a": "b"}), normalise_key(pd.Series([], dtype="str")).map({"a": "b"}))


def test_normalised_category_merges_texts_that_normalise_alike():
    keys = normalised_category(pd.Series([" Anna  Berg", "anna berg", "ANNA BERG", None, "Bo"], dtype="str"))
    assert isinstance(keys.dtype, pd.CategoricalDtype)
    assert keys.tolist()[:3] == ["anna berg"] * 3 and pd.isna(keys.iloc[3]) and keys.iloc[4] == "bo"
    assert sorted(keys.cat.categories) == ["anna berg", "bo"]  # one category for the three spellings


def test_as_category_of_a_category_transforms_only_the_values_in_use():
    # "zed" is a category no row uses any more (its rows were rejected): it must not reach the result
    values = pd.Series(pd.Categorical(["b", "a", None, "b"], categories=["zed", "b", "a"]))
    seen = []

    def upper(distinct: pd.Series) -> pd.Series:
        seen.extend(distinct.tolist())
        return distinct.str.upper()

    out = as_category(values, upper)
    assert sorted(seen) == ["a", "b"]
    assert list(out.cat.categories) == ["A", "B"]  # sorted, as for text
    assert out.tolist()[:2] == ["B", "A"] and pd.isna(out.iloc[2]) and out.iloc[3] == "B"
    # the same as interning the text itself
    plain = as_category(pd.Series(["b", "a", None, "b"], dtype="str"), upper)
    assert list(plain.cat.categories) == list(out.cat.categories) and plain.cat.codes.tolist() == out.cat.codes.tolist()


def test_lookup_with_keys_built_once_as_arrow():
    import pyarrow as pa

    keys = pa.array(["acc-1", "acc-2", "acc-3"], type=pa.large_string())
    results = np.array(["A", "B", "A"], dtype=object)
    values = pd.Series(pd.Categorical(["acc-2", "acc-9", None, "acc-1"]))
    found = lookup(values, keys, results)
    assert found.tolist()[0] == "B" and pd.isna(found.iloc[1]) and pd.isna(found.iloc[2]) and found.iloc[3] == "A"
    _same(found, lookup(values, ["acc-1", "acc-2", "acc-3"], results))


def test_segment_table_export_first_then_named_accounts_it_does_not_hold():
    from types import SimpleNamespace

    from salesplan_cli.intake.segments import segment_table

    ws = SimpleNamespace(segments={"A": SimpleNamespace(named=["acc-1", "acc-7"]), "B": SimpleNamespace(named=["acc-8"])})
    accounts = pd.DataFrame({"id": pd.Series(["acc-1", "acc-2", "acc-3"], dtype="str"), "segment": [None, "B", "A"]})
    keys, segments = segment_table(accounts, ws)
    table = dict(zip(keys.to_pylist(), segments.tolist()))
    # acc-1 is in the export without a segment: the named list gives it A; acc-7 and acc-8 only named
    assert table == {"acc-2": "B", "acc-3": "A", "acc-1": "A", "acc-7": "A", "acc-8": "B"}
    assert len(keys) == len(set(keys.to_pylist()))


@pytest.mark.parametrize("values", [["b", "a", None, "b"], [None, None], [], ["x", np.nan, "a"], [True, False, None], ["a", 1], ["Straße", "strasse", "Zoë", "zoe"]])
def test_a_key_column_interned_is_what_astype_category_gives(values):
    from salesplan_cli.intake.keys import key_category

    column = pd.Series(values, dtype="object", index=range(5, 5 + len(values)))
    expected, got = column.astype("category"), key_category(column)
    assert got.dtype == expected.dtype and got.equals(expected)
    assert list(got.cat.categories) == list(expected.cat.categories) and got.cat.categories.dtype == expected.cat.categories.dtype
    assert list(got.index) == list(expected.index)


@pytest.mark.parametrize(
    "values",
    [
        ["b", "a", None, "b", "A", "ä", "z", "Ä", "\u00e9", "e\u0301", "", " ", "😀", "\uffff", "a\x00"],  # code point order, not locale
        ["only"],
        [],
        [None, np.nan],
        ["a", "\ud800"],  # a lone surrogate: no UTF-8, pandas' own sort
        ["b", 2, "a"],  # not all text: pandas' own way
    ],
)
def test_factorize_sorted_is_pandas_sorted_factorize(values):
    from salesplan_cli.intake.parse import factorize_sorted

    column = pd.Series(values, dtype="object")
    codes, uniques = factorize_sorted(column)
    expected_codes, expected_uniques = pd.factorize(column, sort=True, use_na_sentinel=True)
    assert list(codes) == list(expected_codes)
    assert list(uniques) == list(expected_uniques)


@pytest.mark.parametrize("values", [[" a", "b ", None, "b ", "\u3000c\u00a0", ""], ["a", "b", None], [], [None], ["x\t", "x"]])
def test_strip_texts_is_str_strip(values):
    from salesplan_cli.intake.parse import strip_texts

    column = pd.Series(values, dtype="str", index=range(3, 3 + len(values)))
    _same(strip_texts(column), column.str.strip())
    plain = pd.Series(values, dtype="object")
    _same(strip_texts(plain), plain.str.strip())


@pytest.mark.parametrize(
    "mapping",
    [
        {"won": "done", "closed lost": "open", "lost": "open"},  # some texts unmapped
        {"won": "done"},
        {},  # nothing maps: no category in use
    ],
)
def test_a_key_mapped_as_a_category_is_the_mapped_text_interned(mapping):
    """map_key(..., category=True) then the rejections, then build_frames' used_categories: the category that
    interning the mapped texts would give (sorted, only the values in use, none: no category at all)."""
    from salesplan_cli.intake.keys import key_category, used_categories

    values = pd.Series(TEXTS * 2, dtype="str")
    as_text = map_key(values, mapping)
    as_category = map_key(values, mapping, category=True)
    assert isinstance(as_category.dtype, pd.CategoricalDtype)
    assert [None if pd.isna(v) else v for v in as_category] == [None if pd.isna(v) else v for v in as_text]
    kept = np.arange(len(values)) % 3 != 0  # rows rejected on the way
    expected = key_category(as_text.astype("object").where(as_text.notna(), None)[kept].reset_index(drop=True))
    got = used_categories(as_category[kept].reset_index(drop=True))
    assert got.dtype == expected.dtype and got.equals(expected)
    assert list(got.cat.categories) == list(expected.cat.categories) and got.cat.categories.dtype == expected.cat.categories.dtype


@pytest.mark.parametrize("dtype", ["str", "object"])
def test_an_owner_or_type_stripped_as_a_category_is_the_stripped_text_interned(dtype):
    from salesplan_cli.intake.keys import key_category, stripped_category

    column = pd.Series([" Anna", "Anna", "Bo ", None, "", "\u3000Cy", "Anna "], dtype=dtype)
    got = stripped_category(column)
    expected = key_category(column.str.strip().astype("object").where(column.notna(), None))
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert list(got.cat.categories) == list(expected.cat.categories)  # "" stays a value: the row is rejected
    assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in expected]


def _interned_the_plain_way(values: pd.Series) -> pd.Series:
    from salesplan_cli.intake.keys import key_category, used_categories

    out = key_category(values) if str(values.dtype) in ("object", "str") else values
    return used_categories(out) if isinstance(out.dtype, pd.CategoricalDtype) else out


def _same_category_column(got: pd.Series, expected: pd.Series) -> None:
    assert isinstance(got.dtype, pd.CategoricalDtype)
    assert got.cat.categories.equals(expected.cat.categories) and str(got.cat.categories.dtype) == str(expected.cat.categories.dtype)
    assert got.cat.codes.tolist() == expected.cat.codes.tolist() and got.cat.codes.dtype == expected.cat.codes.dtype


@pytest.mark.parametrize(
    "names, parts",
    [
        (["data/a.csv"], [0, 0, 0]),
        (["data/b.csv", "data/a.csv"], [0, 1, 1, 0]),
        (["data/b.csv", "data/a.csv", "data/c.csv"], [2, 2, 0]),  # a file whose rows were all rejected
        (["z.csv", "é.csv", "E.csv", "a b.csv"], [3, 1, 2, 0, 1]),
    ],
)
def test_the_file_column_is_the_names_interned(names, parts):
    from salesplan_cli.intake.keys import file_category

    numbers = np.array(parts, dtype=np.int64)
    index = pd.RangeIndex(len(parts))
    plain = pd.Series(np.array(names, dtype=object)[numbers], index=index, dtype="object")
    if len(names) == 1:  # one file: the name was set as a scalar (a 'str' column)
        plain = pd.Series(names[0], index=index)
    _same_category_column(file_category(numbers, names, index), _interned_the_plain_way(plain))


def test_an_absent_key_is_a_column_of_none_interned():
    from salesplan_cli.intake.keys import absent_key

    index = pd.RangeIndex(4)
    _same_category_column(absent_key(index), _interned_the_plain_way(pd.Series([None] * 4, index=index, dtype="object")))


@pytest.mark.parametrize("n", [1, 126, 127, 128, 32766, 32767, 32768, 70000])
def test_code_dtype_is_the_type_pandas_keeps_codes_in(n):
    from salesplan_cli.intake.parse import code_dtype

    kept = pd.Categorical.from_codes(np.zeros(3, dtype=np.int64), categories=pd.Index(range(n))).codes.dtype
    assert np.dtype(code_dtype(n)) == kept


_AWKWARD = ["ACME", " ACME", "ACME ", "acme", "\u00a0ACME\u3000", "", "   ", "\t", None, "Ünïcödé", "🙂 x", "x\u200b", "b", "a", "A", "\u2028z", "\x85y"]


@pytest.mark.parametrize("rows", [_AWKWARD, _AWKWARD[::-1] * 3, ["only"], ["", " "], [None, None], ["b", "a", " a"]])
def test_an_account_interned_by_arrow_is_the_python_form(rows):
    """_optional_account's blank-as-none interning on Arrow text (arrow_blank_as_none) gives the categories and
    codes the Python form gives on the same texts (object column)."""
    from salesplan_cli.intake.frames import _blank_as_none
    from salesplan_cli.intake.parse import arrow_blank_as_none

    got = as_category(pd.Series(rows, dtype="str"), _blank_as_none, arrow_blank_as_none)
    expected = as_category(pd.Series(rows, dtype="object"), _blank_as_none)
    _same_category_column(got, expected)


@pytest.mark.parametrize("rows", [_AWKWARD, _AWKWARD[::-1] * 3, ["only"], [None, None]])
def test_a_text_stripped_by_arrow_is_the_python_form(rows):
    from salesplan_cli.intake.parse import arrow_strip

    got = as_category(pd.Series(rows, dtype="str"), lambda d: d.str.strip().to_numpy(dtype=object), arrow_strip)
    expected = as_category(pd.Series(rows, dtype="object"), lambda d: d.str.strip().to_numpy(dtype=object))
    _same_category_column(got, expected)
