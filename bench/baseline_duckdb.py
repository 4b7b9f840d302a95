"""The analyst's baseline: the per-rep figures of `salesplan report` computed with DuckDB SQL over the same CSVs.

    python bench/baseline_duckdb.py WORKSPACE AS_OF > figures.json

What an analyst would write by hand for the bench workspace (bench/generate.py: plain CSV, ISO dates,
owners given as rep ids, stages named as in the plan, no sales export so won deals stand in for sales):
per rep, sales to date (won deals closed in the fiscal year up to the as-of day), activities to date,
open deals as of the as-of day (count, value) and deals closed to date (won, lost).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb


def figures(root: Path, as_of: str, fy_start: str = "2027-01-01") -> dict[str, dict]:
    con = duckdb.connect()
    opp = f"read_csv('{root / 'data' / 'opportunities.csv'}', header=true, all_varchar=true)"
    act = f"read_csv('{root / 'data' / 'activities.csv'}', header=true, all_varchar=true)"
    params = {"start": fy_start, "as_of": as_of}
    rows: dict[str, dict] = {}

    def collect(sql: str, names: list[str]) -> None:
        used = {name: value for name, value in params.items() if f"${name}" in sql}
        for rep, *values in con.execute(sql, used).fetchall():
            entry = rows.setdefault(rep, {})
            for name, value in zip(names, values):
                entry[name] = int(value) if value is not None else 0

    collect(
        f"""SELECT owner, sum(round(CAST(amount AS DECIMAL(18,2)) * 100)) FROM {opp}
            WHERE stage = 'won' AND CAST(close_date AS DATE) BETWEEN CAST($start AS DATE) AND CAST($as_of AS DATE)
            GROUP BY owner""",
        ["sales_cents"],
    )
    collect(
        f"""SELECT owner, count(*) FROM {act}
            WHERE CAST(date AS DATE) BETWEEN CAST($start AS DATE) AND CAST($as_of AS DATE) GROUP BY owner""",
        ["activities"],
    )
    collect(
        f"""SELECT owner, count(*), sum(round(CAST(amount AS DECIMAL(18,2)) * 100)) FROM {opp}
            WHERE stage NOT IN ('won', 'lost') AND CAST(created_date AS DATE) <= CAST($as_of AS DATE) GROUP BY owner""",
        ["open_count", "open_cents"],
    )
    collect(
        f"""SELECT owner, count(*) FILTER (WHERE stage = 'won'), count(*) FILTER (WHERE stage = 'lost') FROM {opp}
            WHERE stage IN ('won', 'lost') AND CAST(close_date AS DATE) BETWEEN CAST($start AS DATE) AND CAST($as_of AS DATE)
            GROUP BY owner""",
        ["won", "lost"],
    )
    return dict(sorted(rows.items()))


if __name__ == "__main__":
    json.dump(figures(Path(sys.argv[1]), sys.argv[2]), sys.stdout, indent=1)
    sys.stdout.write("\n")
