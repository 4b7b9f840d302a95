"""Write the large benchmark workspace: 2,000 reps in 200 teams, 500,000 accounts, 1,000,000 opportunities
and 5,000,000 activities over fiscal year 2027 up to 2027-10-15 (about 450 MB of CSV), with a fixed seed.

    python bench/generate.py OUT_DIR [--reps 2000] [--seed 2027]

Row counts scale with --reps (250 accounts, 500 opportunities and 2,500 activities per rep). Vectorised
with numpy (salesplan demo-data writes realistic small exports row by row, far too slowly for this size).
The plan validates clean: territory reps carrying the strategy's mix, targets adding up to the strategy.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

REPS_PER_TEAM = 10
ACCOUNTS_PER_REP = {"A": (25, 25), "B": (40, 35), "C": (70, 55)}  # (prospects, customers)
OPPORTUNITIES_PER_REP = 500
ACTIVITIES_PER_REP = 2500
TARGETS = {"A": 350_000, "B": 250_000, "C": 400_000}
STAGES = ["lead", "discovery", "qualified", "proposal", "negotiation", "won", "lost"]
PROBABILITIES = {"lead": 5, "discovery": 10, "qualified": 25, "proposal": 50, "negotiation": 75}
ACTIONS = ["call", "meeting", "proposal", "follow_up"]
PRODUCTS = ["platform", "services"]
FY_START = np.datetime64("2027-01-01")
AS_OF = "2027-10-15"  # the exports run to this day (day 287 of the fiscal year)
AS_OF_DAY = 287


def plan_files(out: Path, reps: int) -> None:
    teams = max(1, reps // REPS_PER_TEAM)
    (out / "reps").mkdir(parents=True)
    managers = "\n".join(f"  team-{t:03d}: {{name: Manager {t:03d}}}" for t in range(teams))
    (out / "salesplan.yaml").write_text(
        f"""company: Bench Corp
fiscal_year: {{start: 2027-01-01}}
currency: EUR
review_cadence: annual
tolerance: {{amount: 1000, over_assignment: 5%, mix: 5%}}
managers:
{managers}
data:
  accounts:
    path: data/accounts.csv
    columns: {{id: id, name: name, status: status, owner: owner}}
  opportunities:
    path: data/opportunities.csv
    columns: {{id: id, owner: owner, account: account, stage: stage, amount: amount, close_date: close_date, created_date: created_date, product: product, probability: probability}}
  activities:
    path: data/activities.csv
    columns: {{owner: owner, account: account, type: type, date: date, opportunity: opportunity}}
  attributes: {{employees: employees, industry: industry, area: area}}
  stale_days: 30
thresholds: {{attainment: 90%, coverage: 60%, activity: 80%, pipeline: 2}}
""",
        encoding="utf-8",
    )
    (out / "strategy.yaml").write_text(
        f"""revenue_target: {sum(TARGETS.values()) * reps}
organization: territory
segments: {{A: 35%, B: 25%, C: 40%}}
products: {{platform: 60%, services: 40%}}
seasonality: {{Q1: 15%, Q2: 15%, Q3: 20%, Q4: 50%}}
stages:
  - {{name: lead, probability: 5%}}
  - {{name: discovery, probability: 10%}}
  - {{name: qualified, probability: 25%}}
  - {{name: proposal, probability: 50%}}
  - {{name: negotiation, probability: 75%}}
  - won
  - lost
actions: [call, meeting, proposal, follow_up]
norms:
  A:
    prospect: {{call: 12, meeting: 4, follow_up: 4}}
    customer: {{call: 8, meeting: 4, proposal: 1, follow_up: 2}}
  B:
    prospect: {{call: 10, meeting: 2, follow_up: 2}}
    customer: {{call: 6, meeting: 2, follow_up: 2}}
  C:
    prospect: {{call: 6, meeting: 1, follow_up: 2}}
    customer: {{call: 4, follow_up: 2}}
capacity: {{actions_per_year: 4000}}
""",
        encoding="utf-8",
    )
    (out / "segments.yaml").write_text(
        """A: {name: Key accounts, priority: 1, criteria: {employees: ">=1000", industry: [banking, insurance, energy]}}
B: {name: Mid-market, priority: 2, criteria: {employees: ">=200"}}
C: {name: Small business, priority: 3, criteria: {employees: ">=1"}}
""",
        encoding="utf-8",
    )
    for r in range(reps):
        accounts = ", ".join(f"{s}: {{prospect: {p}, customer: {c}}}" for s, (p, c) in ACCOUNTS_PER_REP.items())
        (out / "reps" / f"rep-{r:04d}.yaml").write_text(
            f"""id: rep-{r:04d}
name: Rep {r:04d}
manager: team-{r // REPS_PER_TEAM:03d}
targets: {{A: {TARGETS['A']}, B: {TARGETS['B']}, C: {TARGETS['C']}}}
portfolio:
  criteria: {{area: area-{r:04d}}}
  accounts: {{{accounts}}}
methods:
  discovery: {{pitch: pitch-v1, questions: ["What does it cost you today?"], expected: [budget, timeline]}}
agreed: {{rep: 2026-12-10, manager: 2026-12-11}}
reviewed: 2027-01-05
""",
            encoding="utf-8",
        )


def _ids(prefix: str, n: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(n).astype(str), 7))


def _dates(rng: np.random.Generator, n: int, first_day: int = 0, days: int = 365) -> np.ndarray:
    return (FY_START + rng.integers(first_day, first_day + days, n).astype("timedelta64[D]")).astype(str)


def exports(out: Path, reps: int, seed: int) -> dict[str, int]:
    rng = np.random.default_rng(seed)
    data = out / "data"
    data.mkdir()
    rep_ids = np.char.add("rep-", np.char.zfill(np.arange(reps).astype(str), 4))

    # accounts: per rep, its segments and statuses as in portfolio.accounts
    segs, statuses = [], []
    for seg, (prospects, customers) in ACCOUNTS_PER_REP.items():
        segs += [seg] * (prospects + customers)
        statuses += ["prospect"] * prospects + ["customer"] * customers
    per_rep = len(segs)
    n_acc = per_rep * reps
    seg = np.tile(np.array(segs), reps)
    employees = np.where(seg == "A", rng.integers(1000, 50_000, n_acc), np.where(seg == "B", rng.integers(200, 1000, n_acc), rng.integers(1, 200, n_acc)))
    industry = np.where(seg == "A", rng.choice(["banking", "insurance", "energy"], n_acc), rng.choice(["retail", "transport", "health", "banking"], n_acc))
    owner_index = np.repeat(np.arange(reps), per_rep)
    account_ids = _ids("ACC", n_acc)
    accounts = pa.table(
        {
            "id": account_ids,
            "name": np.char.add("Account ", account_ids),
            "status": np.tile(np.array(statuses), reps),
            "owner": rep_ids[owner_index],
            "employees": employees,
            "industry": industry,
            "area": np.char.add("area-", np.char.zfill(owner_index.astype(str), 4)),
        }
    )

    # opportunities: 500 per rep on the rep's accounts; closed ones closed in the year, open ones due after
    n_opp = OPPORTUNITIES_PER_REP * reps
    opp_rep = np.repeat(np.arange(reps), OPPORTUNITIES_PER_REP)
    opp_account = opp_rep * per_rep + rng.integers(0, per_rep, n_opp)
    stage_index = rng.choice(len(STAGES), n_opp, p=[0.08, 0.08, 0.08, 0.08, 0.08, 0.30, 0.30])
    stage = np.array(STAGES)[stage_index]
    probability = np.array([PROBABILITIES.get(s, 100 if s == "won" else 0) for s in STAGES])[stage_index]
    created = rng.integers(0, AS_OF_DAY + 1, n_opp)
    cycle = rng.integers(10, 120, n_opp)
    closed = np.isin(stage, ["won", "lost"])
    # closed deals closed by the as-of day; open ones due from the next day to early next year
    close = np.where(closed, np.minimum(created + cycle, AS_OF_DAY), AS_OF_DAY + 1 + rng.integers(0, 130, n_opp))
    amount = rng.integers(200, 15_000, n_opp) * 100 + rng.integers(0, 100, n_opp)
    opp_ids = _ids("OPP", n_opp)
    opportunities = pa.table(
        {
            "id": opp_ids,
            "owner": rep_ids[opp_rep],
            "account": account_ids[opp_account],
            "stage": stage,
            "amount": np.char.add(np.char.add((amount // 100).astype(str), "."), np.char.zfill((amount % 100).astype(str), 2)),
            "close_date": (FY_START + close.astype("timedelta64[D]")).astype(str),
            "created_date": (FY_START + created.astype("timedelta64[D]")).astype(str),
            "product": rng.choice(np.array(PRODUCTS), n_opp, p=[0.6, 0.4]),
            "probability": probability,
        }
    )

    # activities: 2,500 per rep on the rep's accounts, a fifth of them logged on one of the rep's deals
    n_act = ACTIVITIES_PER_REP * reps
    act_rep = np.repeat(np.arange(reps), ACTIVITIES_PER_REP)
    act_account = act_rep * per_rep + rng.integers(0, per_rep, n_act)
    on_deal = rng.random(n_act) < 0.2
    deal = act_rep * OPPORTUNITIES_PER_REP + rng.integers(0, OPPORTUNITIES_PER_REP, n_act)
    activities = pa.table(
        {
            "owner": rep_ids[act_rep],
            "account": account_ids[act_account],
            "type": rng.choice(np.array(ACTIONS), n_act, p=[0.55, 0.2, 0.05, 0.2]),
            "date": _dates(rng, n_act, 0, AS_OF_DAY + 1),
            "opportunity": np.where(on_deal, opp_ids[deal], ""),
        }
    )
    options = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    counts = {}
    for name, table in (("accounts", accounts), ("opportunities", opportunities), ("activities", activities)):
        pacsv.write_csv(table, data / f"{name}.csv", options)
        counts[name] = table.num_rows
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args(argv)
    if args.out.exists():
        shutil.rmtree(args.out)
    started = time.perf_counter()
    plan_files(args.out, args.reps)
    counts = exports(args.out, args.reps, args.seed)
    size = sum(p.stat().st_size for p in (args.out / "data").iterdir())
    print(f"wrote {args.out}: {args.reps:,} reps, " + ", ".join(f"{n:,} {k}" for k, n in counts.items()) + f", {size / 1e6:,.0f} MB of CSV in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
