"""Which activities are done, overdue or scheduled (see 'Done, open, overdue, scheduled' in docs/metrics.md).

done      : dated up to the as-of day and not open (status done, or no status given);
overdue   : open and dated up to the as-of day (shown, never counted as done);
scheduled : dated after the as-of day, whatever the status (in the calendar, not done yet).

Every report that counts actions done (activity, coverage, staleness of deals, review, dashboard, PAM) counts
the rows `not_open` keeps, dated up to its own cut-off day.
"""

from __future__ import annotations

import datetime as dt


def has_status(activities) -> bool:
    """Whether the activities frame tells done from open (a status column with at least one value)."""
    return activities is not None and "status" in activities.columns and bool(activities["status"].notna().any())


def not_open(activities):
    """The activities that are not open: done, or of unknown status (no status field, a blank cell)."""
    if activities is None or "status" not in activities.columns:
        return activities
    keep = (activities["status"] != "open").to_numpy(dtype=bool)
    return activities if keep.all() else activities[keep]  # no copy of a large export without open rows


def open_mask(activities):
    """Boolean Series: the activity is open (an overdue or scheduled to-do)."""
    import pandas as pd

    if "status" not in activities.columns:
        return pd.Series(False, index=activities.index, dtype=bool)
    return (activities["status"] == "open").fillna(False).astype(bool)


def scheduled_horizon(period, as_of: dt.date, fiscal_months) -> tuple[dt.date, dt.date] | None:
    """The days whose activities the activity report shows as scheduled: after the as-of day up to the end of
    the period; for a period that ends on the as-of day (the year to date), up to the end of the fiscal month
    holding it. None when the period ended before the as-of day."""
    start = max(as_of + dt.timedelta(days=1), period.start)
    if period.end > as_of:
        return start, period.end
    if period.end == as_of:
        for month in fiscal_months:
            if month.first_day <= as_of <= month.last_day:
                return (start, month.last_day) if month.last_day > as_of else None
    return None
