"""The optional `quantity` field of sales and opportunities (and of each product line): units sold.

Quantities are held like amounts, exactly, in hundredths of a unit (Int64; None where blank or not read):
'3' is 300, '2,5' under a decimal comma is 250. A quantity is never a reason to drop a row: its value still
counts. An unreadable or negative quantity is left out of units and its row listed (file, line, the value,
the fix). A sales credit note (a negative amount) returns units: its quantity counts negative, whether the
export writes it 3 or -3.
"""

from __future__ import annotations

import pandas as pd

from .parse import parse_amounts


def parse_quantity(rows, credit_notes: bool = False) -> None:
    """Parse rows.frame['quantity'] into hundredths of a unit, listing what cannot count in units.

    credit_notes: the rows are sales whose amount (already parsed) may be negative; there the quantity is
    made negative. Elsewhere (a deal, a product line, a sale at a positive amount) a negative quantity is listed
    and left out."""
    frame = rows.frame
    if not rows.has("quantity"):
        frame["quantity"] = pd.array([pd.NA] * len(frame), dtype="Int64")
        return
    text = frame["quantity"]
    parsed, bad = rows.parse_column(parse_amounts, "quantity", currency=None)
    parsed = parsed.astype("Int64")
    if bad.any():
        rows.note(bad, "unreadable quantity '" + text.str.slice(0, 40) + "' (left out of units; the row and its amount are kept): write a plain number, e.g. 3 or 2.5")
        parsed = parsed.mask(bad)
    negative = parsed.fillna(0) < 0
    if credit_notes and "amount" in frame.columns:
        credit = frame["amount"].fillna(0).astype("int64") < 0
        parsed = parsed.where(~credit, -parsed.abs())
        negative &= ~credit
    if negative.any():
        rows.note(
            negative,
            "negative quantity '" + text.str.slice(0, 40) + "' (left out of units; the row and its amount are kept): a quantity counts units sold, 0 or more"
            + (" (a credit note, with a negative amount, returns units)" if credit_notes else ""),
        )
        parsed = parsed.mask(negative)
    frame["quantity"] = parsed
