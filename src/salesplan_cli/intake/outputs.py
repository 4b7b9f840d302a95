"""Expected outputs recorded on the deals: `data.opportunities.expected` links the outputs the reps' methods
expect at each stage (`methods.<stage>.expected`) to export columns.

A cell records its output when it is not blank and not a no-word: the built-in NOT_RECORDED words, in the
languages of the CRM exports salesplan reads, plus the workspace's `data.mapping.not_recorded`; compared
case-insensitively, spaces collapsed, a trailing full stop ignored. A number equal to zero (0, 0.0, 0,00)
is a no as well. Only pydantic-free helpers and pandas here (frames.py calls them).
"""

from __future__ import annotations

import re

#: Words that say an expected output is not there (case-folded). Documented in docs/metrics.md (pipeline,
#: "Qualified by the book") and README (data.mapping.not_recorded).
NOT_RECORDED = (
    # English, and the values of boolean and picklist columns
    "false", "f", "no", "n", "none", "off", "unknown", "n/a", "na", "tbd", "-", "--", "?",
    # French, German, Spanish / Italian / Portuguese, Dutch, Scandinavian, Polish
    "non", "faux", "nein", "falsch", "falso", "não", "nao", "nee", "nej", "nei", "nie",
    "inconnu", "unbekannt", "desconocido",
)

_ZERO = re.compile(r"^[+-]?0+(?:[.,]0*)?$")


def output_key(name: str) -> str:
    """How an output's name is matched between the methods and data.<kind>.expected: case-folded, spaces collapsed."""
    return " ".join(str(name).split()).casefold()


def no_words(extra: list[str] | tuple[str, ...] = ()) -> set[str]:
    """The no-words in force: the built-in ones and the workspace's data.mapping.not_recorded."""
    return {_word(w) for w in (*NOT_RECORDED, *extra)}


def _word(text: str) -> str:
    return " ".join(str(text).split()).casefold().rstrip(".").strip()


def recorded(values, words: set[str]):
    """Per cell (a pandas Series of text): True when the output is recorded, False when blank or a no-word."""
    import pandas as pd

    text = pd.Series(values, dtype="object").fillna("").astype("str")
    keys = text.map(_word)
    return ~((keys == "") | keys.isin(list(words)) | keys.str.match(_ZERO.pattern))
