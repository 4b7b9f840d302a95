"""Vectorised parsers for export values: amounts to exact cents, dates, probabilities.

Each parser takes a pandas Series of text and returns the parsed Series plus a
boolean mask of the values that could not be read (empty values are not
errors here: whether a field may be empty is the caller's decision).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..config.data import Source

#: A currency code or symbol written before or after an amount.
_CURRENCY_AROUND = re.compile(r"^\s*([A-Za-z]{3}|[€$£¥])?\s*(.*?)\s*([A-Za-z]{3}|[€$£¥])?\s*$")
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CNY": "¥"}
_KNOWN_CURRENCIES = {"EUR", "USD", "GBP", "CHF", "SEK", "NOK", "DKK", "CAD", "AUD", "JPY", "€", "$", "£", "¥"}
#: `currency` of parse_amounts that accepts any code or symbol around an amount (intake/currency.py then reads
#: which one, and converts the amount or rejects its row)
ANY_CURRENCY = "*"
#: Integer digits an amount may have (9,999,999,999,999.99 at most).
MAX_AMOUNT_DIGITS = 13


def _by_distinct(values: pd.Series, parse) -> tuple[pd.Series, pd.Series]:
    """Apply `parse` (a Series -> (parsed, bad) function) once per distinct text, then spread back by codes.

    Exports repeat dates, probabilities and often amounts many times; parsing each distinct text once
    gives the same result for a fraction of the work.
    """
    text = values.astype("str")
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    if len(uniques) == len(text):
        parsed, bad = parse(text)
        return parsed, bad
    parsed_u, bad_u = parse(pd.Series(uniques, dtype="str"))
    parsed = pd.Series(parsed_u.array.take(codes), index=values.index, dtype=parsed_u.dtype)
    bad = pd.Series(bad_u.to_numpy(dtype=bool)[codes], index=values.index)
    return parsed, bad


def parse_amounts(values: pd.Series, source: Source, typed: bool = False, currency: str | None = None) -> tuple[pd.Series, pd.Series]:
    """Text amounts -> integer cents (exact, rounded half away from zero), and the unreadable mask.

    Accepts currency codes or symbols around the number, parentheses for negatives,
    and the declared decimal and thousands separators, grouped by three.
    """
    return _by_distinct(values, lambda text: _amounts(text, source, typed, currency))


def _amounts(values: pd.Series, source: Source, typed: bool, currency: str | None) -> tuple[pd.Series, pd.Series]:
    """Plain amounts ('-1234.5', '1234,50' with a decimal comma) by column arithmetic; the rest by the full grammar."""
    import pyarrow as pa
    import pyarrow.compute as pc

    decimal = "." if typed else source.decimal
    arrow = pa.array(values.astype("str").array)
    if isinstance(arrow, pa.ChunkedArray):  # the rows of several files of a list: one array
        arrow = arrow.combine_chunks()
    arrow = pc.utf8_trim_whitespace(arrow)
    plain = pc.match_substring_regex(arrow, rf"^[+-]?\d{{1,{MAX_AMOUNT_DIGITS}}}(?:{re.escape(decimal)}\d{{1,2}})?$").to_numpy(zero_copy_only=False)
    if not plain.any():
        return _amounts_full(values, source, typed, currency)
    parts = pc.extract_regex(arrow.filter(pa.array(plain)), rf"^(?P<sign>[+-]?)(?P<units>\d+)(?:{re.escape(decimal)}(?P<fraction>\d*))?$")
    units = pc.cast(parts.field("units"), pa.int64()).to_numpy()
    fraction = pc.cast(pc.utf8_rpad(parts.field("fraction"), 2, "0"), pa.int64()).to_numpy()
    sign = np.where(pc.equal(parts.field("sign"), "-").to_numpy(zero_copy_only=False), -1, 1)
    cents = pd.Series(pd.NA, index=values.index, dtype="Int64")
    bad = pd.Series(False, index=values.index)
    cents[plain] = (units * 100 + fraction) * sign
    if not plain.all():
        rest, rest_bad = _amounts_full(values[~plain], source, typed, currency)
        cents[~plain] = rest
        bad[~plain] = rest_bad
    return cents, bad


def _amounts_full(values: pd.Series, source: Source, typed: bool, currency: str | None) -> tuple[pd.Series, pd.Series]:
    text = values.astype("str").str.strip()
    empty = text == ""
    around = text.str.extract(_CURRENCY_AROUND)
    allowed = {currency.upper(), _SYMBOLS.get(currency.upper(), currency.upper())} if currency else _KNOWN_CURRENCIES
    # an amount in another currency is unreadable here, never summed as the workspace's own
    foreign = pd.Series(False, index=text.index)
    for token in (around[0], around[2]) if currency != ANY_CURRENCY else ():
        foreign |= (token.notna() & ~token.fillna("").str.upper().isin(allowed)).astype(bool)
    text = around[1].fillna("").str.strip()
    negative_paren = text.str.match(r"^\(.*\)$")
    text = text.where(~negative_paren, text.str.slice(1, -1).str.strip())
    decimal = "." if typed else source.decimal
    thousands = "" if typed else source.thousands_separator()
    if thousands == " " or (source.decimal == "," and source.thousands == "auto" and not typed):
        # a space (or no-break space) groups digits in most locales that use a decimal comma
        text = text.str.replace(r"(?<=\d)[\u00a0\u202f\u2009 ](?=\d{3}\b)", "\u0001", regex=True)
    sep = re.escape(thousands) if thousands and thousands != " " else None
    group = f"(?:{sep}|\u0001)" if sep else "\u0001"
    dec = re.escape(decimal)
    pattern = rf"^([+-]?)(\d{{1,3}}(?:{group}\d{{3}})+|\d+)(?:{dec}(\d+))?$"
    parts = text.str.extract(pattern)
    bad = (parts[1].isna() | foreign) & ~empty
    if not typed and decimal == "." and thousands != ".":
        # 12.500 or 1.000: a German thousands group or three decimals? Never guess.
        bad |= text.str.fullmatch(r"[+-]?\d{1,3}\.\d{3}") & ~empty
    integer = parts[1].fillna("0").str.replace(sep or "\u0001", "", regex=bool(sep)).str.replace("\u0001", "", regex=False)
    fraction = parts[2].fillna("")
    cents_part = fraction.str.slice(0, 2).str.pad(2, side="right", fillchar="0")
    round_up = fraction.str.slice(2, 3).fillna("").map(lambda d: d >= "5" if d else False).astype(bool)
    # 13 digits is ten trillion: beyond it an amount is a mistake, and cents stay far inside int64
    too_big = integer.str.lstrip("0").str.len() > MAX_AMOUNT_DIGITS
    bad = bad | too_big
    integer = integer.where(~too_big, "0")
    cents = integer.astype("int64") * 100 + cents_part.astype("int64") + round_up.astype("int64")
    sign = np.where((parts[0] == "-") ^ negative_paren, -1, 1)
    cents = (cents * sign).astype("Int64")
    cents[bad | empty] = pd.NA
    return cents, bad


def parse_dates(values: pd.Series, source: Source, typed: bool = False) -> tuple[pd.Series, pd.Series]:
    """Text dates in the declared format (typed files: ISO first) -> datetime64, and the unreadable mask."""
    return _by_distinct(values, lambda text: _dates(text, source, typed))


#: Dates are held to the nanosecond (pandas' datetime64[ns]): 1677-09-22 to 2262-04-11. A date outside
#: (9999-12-31 as "no end", 0001-01-01) is unreadable: its row is listed, never a crash.
FIRST_DAY, LAST_DAY = pd.Timestamp("1677-09-22"), pd.Timestamp("2262-04-11")
MAX_EXCEL_SERIAL = (LAST_DAY - pd.Timestamp("1899-12-30")).days


def _in_range(parsed: pd.Series) -> pd.Series:
    """Parsed dates as datetime64[ns], NaT where they fall outside what it can hold."""
    if str(parsed.dtype) == "datetime64[ns]":
        return parsed
    inside = parsed.notna() & (parsed >= FIRST_DAY) & (parsed <= LAST_DAY)
    return parsed.where(inside).astype("datetime64[ns]")


def _dates(values: pd.Series, source: Source, typed: bool) -> tuple[pd.Series, pd.Series]:
    text = values.astype("str").str.strip()
    empty = text == ""
    if source.date_format == "excel":
        serial = pd.to_numeric(text.where(~empty), errors="coerce")
        plausible = serial.between(1, MAX_EXCEL_SERIAL) & (serial == serial.round())
        parsed = pd.to_datetime("1899-12-30") + pd.to_timedelta(serial.where(plausible), unit="D")
    else:
        parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
        formats = ["%Y-%m-%d", source.date_format] if typed else [source.date_format]
        for fmt in dict.fromkeys(formats):
            todo = parsed.isna() & ~empty
            if not todo.any():
                break
            candidate = text[todo]
            if "%H" not in fmt:
                # exports often add a time to dates: keep the date part
                candidate = candidate.str.replace(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?( ?[AaPp][Mm])?( ?(Z|[+-]\d{2}:?\d{2}))?$", "", regex=True)
            parsed.loc[todo] = _in_range(pd.to_datetime(candidate, format=fmt, errors="coerce"))
        if typed:
            todo = parsed.isna() & ~empty & text.str.fullmatch(r"\d{5}(\.0)?")
            if todo.any():
                serial = pd.to_numeric(text[todo], errors="coerce")
                serial = serial.where(serial.between(1, MAX_EXCEL_SERIAL))
                parsed.loc[todo] = pd.to_datetime("1899-12-30") + pd.to_timedelta(serial, unit="D")
    bad = parsed.isna() & ~empty
    return parsed.dt.normalize().astype("datetime64[ns]"), bad


def parse_probabilities(values: pd.Series, source: Source, typed: bool = False) -> tuple[pd.Series, pd.Series]:
    """Probabilities -> fraction 0..1: '25', '25%' (percent) or '0.25' (fraction)."""
    return _by_distinct(values, lambda text: _probabilities(text, source))


def _probabilities(values: pd.Series, source: Source) -> tuple[pd.Series, pd.Series]:
    text = values.astype("str").str.strip()
    empty = text == ""
    has_percent = text.str.endswith("%")
    number = pd.to_numeric(text.str.rstrip("%").str.replace(",", ".", regex=False).str.strip().where(~empty), errors="coerce")
    scale_percent = has_percent | (source.probability == "percent")
    fraction = number.where(~scale_percent, number / 100)
    bad = (fraction.isna() | (fraction < 0) | (fraction > 1)) & ~empty
    return fraction.where(~bad), bad


def _distinct_keys(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """The codes of `values` over their distinct texts, and those texts normalised (a 'str' Series)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # interned already: its categories are the distinct texts
        codes = np.asarray(values.cat.codes, dtype=np.int64)
        uniques = np.asarray(values.cat.categories, dtype=object)
        if (codes < 0).any():  # a missing value is a distinct value of its own, as factorize counts it
            codes = np.where(codes < 0, len(uniques), codes)
            uniques = np.append(uniques, np.array([np.nan], dtype=object))
    else:
        codes, uniques = pd.factorize(values.astype("str"), use_na_sentinel=False)
    keys = pd.Series(uniques, dtype="object").str.normalize("NFC").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    return codes, pd.Series(keys.to_numpy(dtype=object), dtype="str")


def strip_texts(values: pd.Series) -> pd.Series:
    """values.str.strip(); the column itself when no text changes (a clean export: the stripped copy of millions
    of owners or ids is not kept beside the original)."""
    stripped = values.str.strip()
    return values if str(values.dtype) == "str" and stripped.equals(values) else stripped


def normalise_key(values: pd.Series) -> pd.Series:
    """How names are compared: Unicode NFC, case-folded, spaces collapsed.

    Computed once per distinct value (exports repeat a few owners, stages and types millions of times).
    """
    codes, keys = _distinct_keys(values)
    if not len(keys):
        return pd.Series(codes.astype(object), index=values.index, dtype="object")
    return pd.Series(keys.array.take(codes), index=values.index)


def map_key(values: pd.Series, mapping, category: bool = False) -> pd.Series:
    """`normalise_key(values).map(mapping)`, normalised and mapped once per distinct value, then spread over the
    rows in one take (a stage, a type, a status: a few distinct texts over millions of rows).

    `category`: the result as a category (sorted categories, missing as NaN) when the mapping gives texts: the
    key column of a frame, never spelled out row by row (build_frames keeps only the categories in use)."""
    codes, keys = _distinct_keys(values)
    if not len(keys):
        return normalise_key(values).map(mapping)
    mapped = keys.map(mapping)
    if category:
        distinct = np.asarray(mapped, dtype=object)
        present = distinct[pd.notna(distinct)]
        if not len(present) or pd.api.types.infer_dtype(present, skipna=False) == "string":
            new_codes, uniques = factorize_sorted(pd.Series(distinct, dtype="object"))
            categories = pd.Index(np.asarray(uniques, dtype=object), dtype="str")
            return pd.Series(pd.Categorical.from_codes(np.asarray(new_codes)[codes], dtype=pd.CategoricalDtype(categories), validate=False), index=values.index)
    return pd.Series(mapped.array.take(codes), index=values.index)


def code_dtype(categories: int) -> type:
    """The integer type pandas keeps a category's codes in for that many categories (int8 up to 127, ...): a
    table of new codes in that type makes the codes gathered through it as small as they end up (a million
    rows of int64 codes are 8 MB written, read and converted again)."""
    for dtype in (np.int8, np.int16, np.int32):
        if categories < np.iinfo(dtype).max:
            return dtype
    return np.int64


def _gather(table: np.ndarray, codes: np.ndarray, categories: int) -> np.ndarray:
    """table[codes] in the codes' final type (see code_dtype)."""
    return table.astype(code_dtype(categories), copy=False)[codes]


def normalised_category(values: pd.Series) -> pd.Series:
    """normalise_key(values) as a category (categories in no particular order, missing as NaN): for keys that are
    looked up next (`as_category(keys, transform)` then transforms the few distinct keys, not the rows)."""
    codes, keys = _distinct_keys(values)
    new_codes, uniques = pd.factorize(keys, use_na_sentinel=True)  # two texts may normalise to one key
    categories = pd.Index(np.asarray(uniques, dtype=object), dtype="str")
    return pd.Series(pd.Categorical.from_codes(_gather(new_codes, codes, len(categories)) if len(codes) else codes, categories=categories), index=values.index)


def factorize_sorted(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(values, sort=True, use_na_sentinel=True) for a column of Python objects: the distinct texts
    sorted by Arrow (UTF-8 byte order is code point order, Python's order for str) rather than by Python
    comparisons, five times faster on 500,000 account ids. Values that are not all text: pandas' own way."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    uniques = np.asarray(uniques, dtype=object)
    if len(uniques) < 2 or pd.api.types.infer_dtype(uniques, skipna=False) != "string":  # all str: checked in C
        return pd.factorize(values, sort=True, use_na_sentinel=True)
    try:
        order = pc.sort_indices(pa.array(uniques, type=pa.large_string())).to_numpy()
    except (pa.ArrowException, UnicodeError):  # a lone surrogate cannot be UTF-8
        return pd.factorize(values, sort=True, use_na_sentinel=True)
    return _ranked(order, codes), uniques[order]


def _ranked(order: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Codes over distinct values renumbered by the values' sorted `order` (each code -> its rank; -1 stays)."""
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.append(rank, -1)[codes]


def as_category(values: pd.Series, transform=None, arrow_transform=None) -> pd.Series:
    """`values` interned as a category (sorted categories, missing as NaN): each distinct value is hashed once.

    `transform(distinct)`, when given, maps the distinct values (an object Series) to what the column holds
    (None for missing): a key normalised or looked up over a few thousand texts, not millions of rows.
    `arrow_transform(distinct)`: the same map over an Arrow text array (null for missing), used for Arrow text
    (the distinct values never become Python strings: 500,000 account ids stripped and sorted in C).
    """
    if arrow_transform is not None and str(values.dtype) == "str" and len(values):
        return _arrow_category(values, arrow_transform)
    if transform is not None and isinstance(values.dtype, pd.CategoricalDtype):
        # already interned: transform the categories in use (as factorize would find them), not the rows
        codes, uniques = np.asarray(values.cat.codes), values.cat.categories  # in their own (small) type
        used = np.bincount(codes[codes >= 0], minlength=len(uniques)) > 0
        if not used.all():
            codes = _gather(np.append(np.cumsum(used) - 1, -1), codes, int(used.sum()))
            uniques = uniques[used]
    else:  # with a transform, its results are sorted below: the distinct values need no order of their own
        codes, uniques = pd.factorize(values, sort=transform is None, use_na_sentinel=True)
    if transform is not None:
        mapped = transform(pd.Series(np.asarray(uniques, dtype=object), dtype="object"))
        new_codes, uniques = factorize_sorted(pd.Series(mapped, dtype="object"))
        codes = _gather(np.append(new_codes, -1), codes, len(uniques))  # a missing value (-1) stays missing
    categories = pd.Index(np.asarray(uniques, dtype=object), dtype="str")
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=values.index)


def _arrow_category(values: pd.Series, transform) -> pd.Series:
    """as_category(values, transform) for Arrow text, with `transform` over Arrow arrays: the distinct texts
    transformed, encoded and sorted by Arrow (UTF-8 byte order: code point order, as Python sorts str)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(values, sort=False, use_na_sentinel=True)
    distinct = pa.array(uniques)
    if isinstance(distinct, pa.ChunkedArray):
        distinct = distinct.combine_chunks()
    encoded = pc.dictionary_encode(transform(distinct))  # a missing result (null) has no index
    dictionary = encoded.dictionary
    order = pc.sort_indices(dictionary).to_numpy()
    new_codes = _ranked(order, encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64))
    ordered = dictionary.take(pa.array(order, type=pa.int64()))
    codes = _gather(np.append(new_codes, -1), codes, len(ordered))  # a missing value (-1) stays missing
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    categories = pd.Index(ordered.to_pandas(types_mapper={pa.large_string(): text, pa.string(): text}.get), dtype="str")
    return pd.Series(pd.Categorical.from_codes(codes, categories=categories), index=values.index)


def arrow_blank_as_none(distinct):
    """Arrow texts stripped, blank ones null: what `_blank_as_none` does to Python strings (Arrow's whitespace
    is Python's: tests/test_intake_keys.py)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(distinct)
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, type=stripped.type), stripped)


def arrow_strip(distinct):
    """Arrow texts stripped (Python's str.strip: the same whitespace)."""
    import pyarrow.compute as pc

    return pc.utf8_trim_whitespace(distinct)


def _arrow_text(values):
    import pyarrow as pa

    if isinstance(values, pd.Series) and str(values.dtype) == "str":
        return pa.array(values.array)
    try:  # text and missing values (None, NaN) only: converted in C, not one Python call per value
        return pa.array(np.asarray(values, dtype=object), type=pa.large_string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # a number or another object among them: it matches no key
        return pa.array([v if isinstance(v, str) else None for v in values], type=pa.large_string())


def lookup(values: pd.Series, keys, results) -> pd.Series:
    """values -> the result of the equal key (exact text match), None where no key matches.

    A hash join in Arrow: millions of activities matched to hundreds of thousands of accounts in one call.
    `keys` must be distinct texts (a list, or an Arrow array built once for several lookups); `results` lines
    up with them.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    results = np.asarray(results, dtype=object)
    if not len(values):
        return pd.Series([], index=values.index, dtype="object")
    if isinstance(values.dtype, pd.CategoricalDtype):  # interned: look up each distinct value once
        return as_category(values, lambda distinct: lookup(distinct, keys, results))
    value_set = keys if isinstance(keys, pa.Array) else _arrow_text(pd.Series(list(keys), dtype="object"))
    position = pc.index_in(_arrow_text(values).cast(pa.large_string()), value_set=value_set.cast(pa.large_string()))
    found = position.is_valid().to_numpy(zero_copy_only=False)
    where = position.fill_null(0).to_numpy(zero_copy_only=False)
    out = np.where(found, results[where] if len(results) else None, None)
    return pd.Series(out, index=values.index, dtype="object")


def is_in(values: pd.Series, keys) -> np.ndarray:
    """Which values equal one of `keys` (exact text match), as a boolean array."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not len(values):
        return np.zeros(0, dtype=bool)
    value_set = _arrow_text(pd.Series(list(keys), dtype="object")).cast(pa.large_string())
    return pc.is_in(_arrow_text(values).cast(pa.large_string()), value_set=value_set).to_numpy(zero_copy_only=False).astype(bool)


def canonical_numbers(values: pd.Series, source: Source) -> pd.Series:
    """Numbers written in a decimal-comma dialect ('1.200', '1 200', '2,5') as plain decimals ('1200', '2.5'),
    so segment criteria such as employees: ">=1000" compare what the export means. Other text is left alone;
    with a '.' decimal nothing changes (criteria already ignore ',' and space thousands separators)."""
    if source.decimal != ",":
        return values
    thousands = source.thousands_separator()
    seps = "".join(re.escape(c) for c in {thousands, " ", "\u00a0", "\u202f"} if c)
    pattern = rf"^\s*([+-]?)(\d{{1,3}}(?:[{seps}]\d{{3}})+|\d+)(?:,(\d+))?\s*$"
    parts = values.astype("str").str.extract(pattern)
    number = parts[1].notna()
    if not number.any():
        return values
    digits = parts[1].fillna("").str.replace(rf"[{seps}]", "", regex=True)
    fraction = parts[2].fillna("")
    canonical = parts[0].fillna("") + digits + fraction.where(fraction == "", "." + fraction)
    return values.astype("str").where(~number, canonical)
