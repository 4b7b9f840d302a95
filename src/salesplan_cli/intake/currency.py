"""Amounts in several currencies: each row's currency, and its amount converted into the workspace currency
at the plan rates (`rates:` in salesplan.yaml).

A row's currency is the ISO code written with its amount (`USD 1,000.00`, `1.000,00 EUR`), else the value of
its `currency` column, else (blank, or no such column) the workspace currency. A converted amount is the
exact product amount x rate, rounded half away from zero to the cent: per row, as the CRM shows a converted
amount, so that every report sums integer cents as before. The amount as exported stays in `amount_original`
(cents of its own currency) next to `currency`.

Symbols: `€` and `£` name one currency each; `$` and `¥` name several (USD, CAD, AUD...; JPY, CNY) and are read
only as the workspace currency's own symbol, never guessed as another currency.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from .parse import _SYMBOLS, MAX_AMOUNT_DIGITS

#: Symbols that name a single currency.
SYMBOL_CODES = {"€": "EUR", "£": "GBP"}
#: Symbols that name several currencies: never converted as one of them.
AMBIGUOUS_SYMBOLS = {"$": "USD, CAD, AUD and others", "¥": "JPY and CNY"}
#: Markers in the result of `written_currencies` (not ISO codes: they never match a rate).
TWO_CODES, BAD_CODE = "!two", "!bad"
_LIMIT = 10 ** (MAX_AMOUNT_DIGITS + 2)  # cents: 9,999,999,999,999.99 at most, converted or not


def _code_of(token: str, workspace: str, known=()) -> str | None:
    """A token written around an amount (a code or a symbol; '' for none) -> ISO code, '?<symbol>' for an
    ambiguous symbol, BAD_CODE for letters that are no upper-case code (in any case, the workspace currency
    and the `known` codes, those of rates:, are codes); None where nothing is written."""
    if not token:
        return None
    if token.upper() == workspace or token == _SYMBOLS.get(workspace):
        return workspace
    if token.upper() in known:
        return token.upper()
    if token in SYMBOL_CODES:
        return SYMBOL_CODES[token]
    if token in AMBIGUOUS_SYMBOLS:
        return "?" + token
    return token if token.isupper() else BAD_CODE  # '12abc' is no amount in ABC


#: The tokens parse.py's _CURRENCY_AROUND allows before and after the number, for Arrow (RE2).
_BEFORE_RE2 = r"^\s*(?P<token>[A-Za-z]{3}|[€$£¥])"
_AFTER_RE2 = r"(?P<token>[A-Za-z]{3}|[€$£¥])\s*$"


def written_currencies(text: pd.Series, workspace: str, known=()) -> pd.Series:
    """The currency written around each amount (see `_code_of`), TWO_CODES where two different ones are;
    None where none is written. Arrow compute on the texts holding a letter or a symbol; the few distinct
    tokens are read once each."""
    import pyarrow as pa
    import pyarrow.compute as pc

    out = np.full(len(text), None, dtype=object)
    if len(text):
        arrow = pa.array(text.astype("str").array)
        if isinstance(arrow, pa.ChunkedArray):  # the rows of several files of a list: one array
            arrow = arrow.combine_chunks()
        arrow = arrow.cast(pa.large_string())
        marked = pc.match_substring_regex(arrow, r"[A-Za-z€$£¥]").fill_null(False)
        if pc.any(marked).as_py():
            subset = arrow.filter(marked)

            def codes(field) -> np.ndarray:  # a few distinct tokens: each read once
                encoded = pc.dictionary_encode(field.fill_null(""))
                table = np.array([_code_of(token, workspace, known) for token in encoded.dictionary.to_pylist()] + [None], dtype=object)
                return table[encoded.indices.fill_null(len(table) - 1).to_numpy(zero_copy_only=False)]

            before = codes(pc.extract_regex(subset, _BEFORE_RE2).field("token"))
            after = codes(pc.extract_regex(subset, _AFTER_RE2).field("token"))
            has_before, has_after = before != None, after != None  # noqa: E711 (element-wise)
            found = np.where(has_before, before, after)
            found[has_before & has_after & (before != after)] = TWO_CODES
            out[marked.to_numpy(zero_copy_only=False)] = found
    return pd.Series(out, index=text.index, dtype="object")


def column_currencies(values: pd.Series, workspace: str) -> tuple[pd.Series, pd.Series]:
    """A currency column -> (ISO code or None where blank, mask of unreadable values). Codes are read
    case-insensitively, once per distinct value; `€` and `£` stand for EUR and GBP."""
    text = values.astype("str")
    codes, uniques = pd.factorize(text, use_na_sentinel=False)
    read, bad = [], []
    own_symbol = _SYMBOLS.get(workspace)
    for value in uniques.tolist():
        value = value.strip()
        upper = value.upper()
        if value == "":
            read.append(None), bad.append(False)
        elif value == own_symbol:
            read.append(workspace), bad.append(False)
        elif value in SYMBOL_CODES:
            read.append(SYMBOL_CODES[value]), bad.append(False)
        elif len(upper) == 3 and upper.isascii() and upper.isalpha():
            read.append(upper), bad.append(False)
        else:
            read.append(None), bad.append(True)
    read_arr = np.array(read, dtype=object)[codes] if len(read) else np.array([], dtype=object)
    bad_arr = np.array(bad, dtype=bool)[codes] if len(bad) else np.array([], dtype=bool)
    return pd.Series(read_arr, index=values.index, dtype="object"), pd.Series(bad_arr, index=values.index, dtype=bool)


def convert_cents(cents: np.ndarray, rate: Decimal | Fraction) -> np.ndarray:
    """Integer cents x rate, exactly, rounded half away from zero to the cent (Python integers: no overflow)."""
    rate = Fraction(rate)
    p, q = rate.numerator, rate.denominator
    values = np.asarray(cents, dtype=object)
    magnitude = (np.abs(values) * (2 * p) + q) // (2 * q)
    return np.where(values < 0, -magnitude, magnitude)


def settle_currencies(rows, name: str, text: pd.Series, cents: pd.Series, workspace: str, rates: dict) -> pd.Series:
    """The amounts of `rows` (an intake/frames `_Rows`) in the workspace currency; rows in a currency without a
    rate (or a currency that cannot be read) are rejected with the currency named. Sets the frame's `currency`
    and `<name>_original` columns and records the rates used on `rows`.

    Column arithmetic on the whole export; text work only on the rows that write a code or a symbol."""
    frame = rows.frame
    n = len(frame)
    present = cents.notna() & rows.keep
    written = written_currencies(text.where(present, ""), workspace, frozenset(rates))
    by_amount = written.notna().to_numpy()
    currency = np.full(n, workspace, dtype=object)
    if rows.has("currency"):
        column, unreadable = column_currencies(frame["currency"], workspace)
        header = rows.headers.get("currency", "currency")
        raw = frame["currency"]
        rows.reject(present & unreadable, lambda: "unreadable currency '" + raw.str.slice(0, 40) + f"' in column '{header}' (an ISO code such as USD; blank for the workspace currency {workspace})")
        by_column = column.notna().to_numpy()
        currency[by_column] = column.to_numpy(dtype=object)[by_column]
        clash = pd.Series(False, index=frame.index)
        both = by_amount & by_column
        if both.any():
            w, c = written[both], column[both]
            clash[both] = ((w != c) & ~w.str[:1].isin(["!", "?"])).to_numpy()
            rows.reject(present & clash, lambda: "amount '" + text.str.slice(0, 40) + "' is in " + written.fillna("") + f" but its currency column '{header}' says " + column.fillna(""))
    if by_amount.any():
        marks = written[by_amount]
        first = marks.str[:1]
        ambiguous = pd.Series(False, index=frame.index)
        ambiguous[by_amount] = (first == "?").to_numpy()
        symbol = written.fillna("?").str.slice(1)
        rows.reject(
            present & ambiguous,
            lambda: "amount '" + text.str.slice(0, 40) + "': the symbol '" + symbol + "' names several currencies ("
            + symbol.map(AMBIGUOUS_SYMBOLS).fillna("") + "); export ISO codes (USD 1,000.00) or a currency column",
        )
        unreadable_amount = pd.Series(False, index=frame.index)
        unreadable_amount[by_amount] = (first == "!").to_numpy()
        rows.reject(present & unreadable_amount, lambda: "unreadable amount '" + text.str.slice(0, 40) + "'")
        usable = by_amount.copy()
        usable[by_amount] = ~first.isin(["!", "?"]).to_numpy()
        currency[usable] = written.to_numpy(dtype=object)[usable]
    currency = pd.Series(currency, index=frame.index, dtype="object")
    frame["currency"] = currency
    frame[f"{name}_original"] = cents
    other = (currency.to_numpy(dtype=object) != workspace)
    foreign = present & rows.keep & other
    if not foreign.any():
        return cents
    missing = foreign & ~currency.isin(list(rates))
    if missing.any():
        parts = frame["_part"] if "_part" in frame.columns else pd.Series(0, index=frame.index)
        for (part, code), count in pd.DataFrame({"part": parts[missing], "code": currency[missing]}).value_counts().items():
            report = rows.parts[int(part)].report if hasattr(rows, "parts") else rows.report
            report.without_rate[str(code)] = report.without_rate.get(str(code), 0) + int(count)
        rows.reject(missing, lambda: "amount in " + currency + ", and salesplan.yaml gives no rate for " + currency + " (add rates: {" + currency + f": ...}} to convert it to {workspace})")
    converted = cents.copy()
    for code in sorted(set(currency[foreign & rows.keep])):
        where = foreign & rows.keep & (currency == code)
        values = convert_cents(cents[where].to_numpy(dtype="int64"), rates[code])
        too_big = np.abs(values) >= _LIMIT
        if too_big.any():
            big = pd.Series(False, index=frame.index)
            big[where[where].index[too_big]] = True
            rows.reject(big, f"amount in {code} converted at {_shown(rates[code])} is beyond 9,999,999,999,999.99 {workspace}")
            values = np.where(too_big, 0, values)
        converted[where] = values.astype("int64")
        rows.rates_used[code] = (rates[code], workspace)
    return converted.astype("Int64")


def _shown(rate) -> str:
    """A rate as written in salesplan.yaml (0.92, 1.170), without an exponent (1e2 is 100)."""
    return f"{rate:f}" if isinstance(rate, Decimal) else str(rate)


def _valued(frame: pd.DataFrame) -> pd.Series | None:
    """Rows whose amount (or product line amount) is known: the rows whose amount was converted."""
    if "amount_known" in frame.columns:
        valued = frame["amount_known"].astype(bool)
    elif "amount" in frame.columns:
        valued = frame["amount"].notna()
    else:
        return None
    if "line_amount" in frame.columns:
        valued = valued | frame["line_amount"].notna()
    return valued


def record_conversions(rows, out: pd.DataFrame, folded: pd.DataFrame | None = None) -> None:
    """How many of the rows used were converted, per currency and rate (for the notes of every report).
    `folded`: the rows used as part of another row (the later product lines of a deal): rows used, counted too."""
    if not rows.rates_used or "currency" not in out.columns:
        return
    counts: dict[tuple[int, str], int] = {}
    for frame in (out, folded):
        if frame is None or not len(frame) or "currency" not in frame.columns:
            continue
        valued = _valued(frame)
        if valued is None:
            continue
        parts = frame["_part"] if "_part" in frame.columns else pd.Series(0, index=frame.index)
        for (part, code), count in pd.DataFrame({"part": parts[valued], "code": frame.loc[valued, "currency"]}).value_counts().items():
            counts[(int(part), str(code))] = counts.get((int(part), str(code)), 0) + int(count)
    for (part, code), count in sorted(counts.items()):
        if code in rows.rates_used and int(count):
            rate, workspace = rows.rates_used[code]
            report = rows.parts[int(part)].report if hasattr(rows, "parts") else rows.report
            report.converted[str(code)] = {"rate": _shown(rate), "rows": int(count), "into": workspace}


def conversion_notes(reports, converted: bool = True, missing: bool = True) -> list[str]:
    """One line per export that was converted (the rates used: `converted`) or had rows rejected in a currency
    without a rate (`missing`)."""
    notes = []
    for report in reports:
        done = (getattr(report, "converted", None) or {}) if converted else {}
        if done:
            into = next(iter(done.values())).get("into", "")
            parts = [f"{c['rows']:,} in {code} at {c['rate']} {into} per {code}" for code, c in done.items()]
            notes.append(
                f"{report.path}: amounts converted to {into} at the plan rates (rates: in salesplan.yaml): " + ", ".join(parts)
                + "; each converted amount rounded to the cent"
            )
        lacking = (getattr(report, "without_rate", None) or {}) if missing else {}
        if lacking:
            total = sum(lacking.values())
            listed = ", ".join(f"{code} ({count:,})" for code, count in sorted(lacking.items()))
            fix = ", ".join(f"{code}: ..." for code in sorted(lacking))
            notes.append(f"{report.path}: {total:,} row{'s' if total != 1 else ''} rejected in currencies without a rate: {listed}; add rates: {{{fix}}} to salesplan.yaml")
    return notes
