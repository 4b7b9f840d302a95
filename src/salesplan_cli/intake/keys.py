"""Key columns as pandas categories: owners, accounts, stages, products, types, statuses.

Each distinct text is hashed once; a report's group-by or lookup on a key column works on integer codes. Some
keys are made categories as their rows are mapped (owners and types as they are stripped, actions, statuses and
contact roles as they are looked up); `intern_keys` gives every frame the categories interning its texts after
the rejections would give (sorted, only those in use), so the frames are the same whichever way a key came.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .frameset import Frames
from .parse import arrow_strip, as_category, factorize_sorted

#: Required texts that are keys of the frame: interned as they are stripped, mapped through their categories.
KEY_TEXTS = ("owner", "type")


def stripped_category(values: pd.Series) -> pd.Series:
    """strip_texts(values) as a category (sorted): each distinct text stripped once, the rows never copied."""
    dtype = "str" if str(values.dtype) == "str" else "object"  # Arrow's strip for Arrow text, Python's otherwise
    return as_category(values, lambda distinct: pd.Series(distinct.to_numpy(dtype=object), dtype=dtype).str.strip().to_numpy(dtype=object), arrow_strip)


#: The key columns of each frame interned as categories: owners, accounts, stages, products, types, statuses.
KEY_COLUMNS = {
    "opportunities": ("owner", "account", "stage", "product", "currency", "outcome", "rep", "file", "segment"),
    "opportunity_lines": ("product", "rep", "segment"),
    "activities": ("owner", "account", "type", "action", "status", "contact_role", "rep", "file", "segment"),
    "sales": ("owner", "account", "product", "currency", "rep", "file", "segment"),
    "accounts": ("status", "owner", "rep", "file", "segment"),
}


def intern_keys(frames: Frames) -> None:
    """Key columns as pandas categories: each distinct text is hashed once here, and a report's group-by or
    lookup on the column works on integer codes."""
    for name, columns in KEY_COLUMNS.items():
        frame = getattr(frames, name)
        if frame is None:
            continue
        for column in columns:
            if column in frame.columns and str(frame[column].dtype) in ("object", "str"):
                frame[column] = key_category(frame[column])
            elif column in frame.columns and column not in INTERNED_EARLY and isinstance(frame[column].dtype, pd.CategoricalDtype):
                frame[column] = used_categories(frame[column])


#: Interned from intake on, over the distinct values of the export (as_category): their categories stay as built.
INTERNED_EARLY = ("account", "rep", "segment")


def used_categories(values: pd.Series) -> pd.Series:
    """A key column made a category while its rows were mapped (map_key(..., category=True)), as interning its
    texts after the rejections would have made it: only the categories still in use (none: no category at all)."""
    codes = np.asarray(values.cat.codes)
    categories = values.cat.categories
    used = np.bincount(codes[codes >= 0], minlength=len(categories)) > 0  # not remove_unused_categories: a sort
    if used.all() and len(categories):
        return values
    if used.any():
        codes = np.append(np.cumsum(used) - 1, -1)[codes]
        return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories[used]), validate=False), index=values.index)
    return absent_key(values.index)


def absent_key(index: pd.Index) -> pd.Series:
    """A key column an export does not carry (None throughout), as intern_keys makes such a column: a category
    with no category at all, built as such instead of as millions of None interned afterwards."""
    return pd.Series(pd.Categorical.from_codes(np.full(len(index), -1, dtype=np.int8), categories=pd.Index([], dtype="object")), index=index)


def file_category(part_numbers: np.ndarray, names: list[str], index: pd.Index) -> pd.Series:
    """The file each row comes from (`names[part_numbers[i]]`) as intern_keys makes the column of their names: the
    names in use, sorted, as categories; the codes spread by part number (no text per row)."""
    in_use = np.bincount(part_numbers, minlength=len(names)) > 0
    categories = sorted({name for name, used in zip(names, in_use) if used})
    code_of = {name: code for code, name in enumerate(categories)}
    codes = np.array([code_of.get(name, -1) for name in names], dtype=np.int64)[part_numbers]
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(pd.Index(categories, dtype="str")), validate=False), index=index)


def key_category(values: pd.Series) -> pd.Series:
    """values.astype("category"), for a column of texts (and None) built by Python code: factorised once, the
    categories sorted (astype would turn the objects into Arrow text first, three times slower)."""
    if str(values.dtype) == "object":
        try:
            codes, uniques = factorize_sorted(values)
        except TypeError:  # values that do not sort together: astype says how it files them
            return values.astype("category")
        if all(isinstance(value, str) for value in uniques):
            categories = pd.Index(np.asarray(uniques, dtype=object), dtype="str") if len(uniques) else pd.Index([], dtype="object")
            return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(categories), validate=False), index=values.index)
    return values.astype("category")
