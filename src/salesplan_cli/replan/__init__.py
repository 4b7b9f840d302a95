"""Re-planning during the year: compare two versions of a plan (diff) and share a target out (allocate).

Core only: no typer, no rich; pandas only for `allocate --by sales` (imported there).
"""
