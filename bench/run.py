"""`make bench`: salesplan's speed and memory, as ratios against baselines measured in the same run.

    python bench/run.py [--reps N] [--repeat K] [--workdir DIR] [--write-doc]

1. validate on the N-rep workspace against merely yaml.safe_load-ing the same files;
2. report (the dashboard and each report, JSON) against the same figures computed with DuckDB SQL
   (bench/baseline_duckdb.py) and against parsing the CSVs with pyarrow;
3. peak memory of each (the child process's maximum resident set);
4. start-up: `salesplan --help` and validate on the small example against importing typer, rich, pydantic, yaml.
Every measure runs in a fresh process, K times; the median is reported. salesplan's figures are checked
against the DuckDB baseline first: a benchmark of wrong answers is worthless.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SALESPLAN = str(BIN / "salesplan")
PY = sys.executable
AS_OF = "2027-10-15"
REPORTS = ["dashboard", "attainment", "activity", "coverage", "pipeline", "conversion"]


#: Bytecode caching on, as for a user (a session may run with PYTHONDONTWRITEBYTECODE set).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(command: list[str], repeat: int, env: dict | None = None, warm_up: bool = True, ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, bytes]:
    """Median wall time (s) and peak memory (MB) of `command` over `repeat` fresh runs after one untimed
    warm-up run (bytecode compiled, files in the OS cache), and its last stdout. The reports skip the
    warm-up: the correctness check before them has compiled the code and read the files."""
    env = env or ENV
    if warm_up:
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    times, peaks, out = [], [], b""
    for _ in range(repeat):
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - started)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) not in ok:
            raise SystemExit(f"bench: {' '.join(command)} failed with exit code {os.waitstatus_to_exitcode(status)}")
    return statistics.median(times), max(peaks), out


def report_command(ws: Path, name: str, *extra: str) -> list[str]:
    head = [SALESPLAN, "report"] if name == "dashboard" else [SALESPLAN, "report", name]
    return [*head, "-w", str(ws), "--as-of", AS_OF, "--format", "json", *extra]


def salesplan_figures(ws: Path) -> dict[str, dict]:
    """The per-rep figures the DuckDB baseline computes, from salesplan's JSON output."""
    figures: dict[str, dict] = {}

    def tables(name: str, by: str) -> list[dict]:
        out = subprocess.run(report_command(ws, name, "--by", by), capture_output=True, check=True, env={**ENV, "SALESPLAN_NO_CACHE": "1"}).stdout
        return next(iter(json.loads(out)["tables"].values()))

    for row in tables("attainment", "rep"):
        if not row["rep"].startswith("<"):
            figures.setdefault(row["rep"], {})["sales_cents"] = round(row["actual"] * 100)
    for row in tables("activity", "rep"):
        if not row["rep"].startswith("<"):
            # every activity of the rep to date: those of types with a norm (done) and the others (done_other)
            figures.setdefault(row["rep"], {})["activities"] = row["done"] + row.get("done_other", 0)
    for row in tables("pipeline", "rep"):
        if not row["rep"].startswith("<"):
            figures.setdefault(row["rep"], {}).update(open_count=row["count"], open_cents=round(row["value"] * 100))
    for row in tables("conversion", "rep"):
        if not row["rep"].startswith("<"):
            figures.setdefault(row["rep"], {}).update(won=row["won"], lost=row["lost"])
    return {rep: {k: v for k, v in values.items() if v} for rep, values in sorted(figures.items())}


def teams_of(ws: Path, count: int) -> list[str]:
    """The managers of the first rep plans, `count` distinct ones (the generator writes `manager: team-NNN`)."""
    teams: list[str] = []
    for path in sorted((ws / "reps").glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("manager:") and line.split(":", 1)[1].strip() not in teams:
                teams.append(line.split(":", 1)[1].strip())
        if len(teams) == count:
            return teams
    raise SystemExit(f"bench: the rep plans name fewer than {count} managers")


def measure_each(commands: list[list[str]], env: dict) -> tuple[float, float]:
    """Median wall time (s) and peak memory (MB) of each command run once, in a fresh process (no warm-up:
    each is a request not made before)."""
    times, peaks = [], []
    for command in commands:
        t, m, _ = measure(command, 1, env=env, warm_up=False)
        times.append(t)
        peaks.append(m)
    return statistics.median(times), max(peaks)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        memory = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
        memory_text = f"{memory:.0f} GiB"
    except (OSError, ValueError, IndexError):
        memory_text = "unknown memory"
    import duckdb
    import pandas
    import pyarrow

    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_text}; {platform.system()} {platform.release()}; Python {platform.python_version()}, "
        f"pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, duckdb {duckdb.__version__}"
    )


STARTED = time.perf_counter()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="salesplan benchmark")
    parser.add_argument("--reps", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".bench")
    parser.add_argument("--write-doc", action="store_true", help="write docs/performance.md")
    args = parser.parse_args(argv)

    ws = args.workdir / f"workspace-{args.reps}"
    if not (ws / "data" / "activities.csv").is_file():
        subprocess.run([PY, str(ROOT / "bench" / "generate.py"), str(ws), "--reps", str(args.reps)], check=True)
    size = sum(p.stat().st_size for p in (ws / "data").iterdir()) / 1e6
    rows: list[tuple[str, float, float, str, float, float]] = []  # measure, seconds, MB, baseline, seconds, MB

    # --- correctness first ------------------------------------------------------------------------------
    mine = salesplan_figures(ws)
    theirs = json.loads(subprocess.run([PY, str(ROOT / "bench" / "baseline_duckdb.py"), str(ws), AS_OF], capture_output=True, check=True).stdout)
    theirs = {rep: {k: v for k, v in values.items() if v} for rep, values in theirs.items()}
    if mine != theirs:
        wrong = [rep for rep in sorted(set(mine) | set(theirs)) if mine.get(rep) != theirs.get(rep)]
        print(f"bench: salesplan and the DuckDB baseline disagree for {len(wrong)} reps, e.g. {wrong[0]}: {mine.get(wrong[0])} vs {theirs.get(wrong[0])}", file=sys.stderr)
        return 1
    print(f"figures agree with the DuckDB baseline for {len(mine):,} reps", file=sys.stderr)

    # --- validate ---------------------------------------------------------------------------------------
    loader = "import sys, yaml, pathlib\nfor p in sorted(pathlib.Path(sys.argv[1]).rglob('*.yaml')):\n    yaml.safe_load(p.read_text(encoding='utf-8'))"
    base_t, base_m, _ = measure([PY, "-c", loader, str(ws)], args.repeat, ok=(0,))
    t, m, _ = measure([SALESPLAN, "validate", "-w", str(ws), "--as-of", AS_OF], args.repeat)
    rows.append((f"validate, {args.reps:,} reps", t, m, "yaml.safe_load of the same files", base_t, base_m))

    # --- reports ----------------------------------------------------------------------------------------
    duck_t, duck_m, _ = measure([PY, str(ROOT / "bench" / "baseline_duckdb.py"), str(ws), AS_OF], args.repeat, ok=(0,))
    parse = "import sys, pyarrow.csv as c, pathlib\nfor p in sorted(pathlib.Path(sys.argv[1]).glob('*.csv')):\n    c.read_csv(p)"
    arrow_t, arrow_m, _ = measure([PY, "-c", parse, str(ws / "data")], args.repeat, ok=(0,))
    cold = {**ENV, "SALESPLAN_NO_CACHE": "1"}  # cold: every run reads and parses the exports
    outputs = {}
    for name in REPORTS:
        t, m, outputs[name] = measure(report_command(ws, name), args.repeat, env=cold, warm_up=False)
        rows.append((f"report {name}, cold ({size:,.0f} MB of CSV)", t, m, "DuckDB SQL baseline", duck_t, duck_m))
    # second run on unchanged exports: the warm-up run fills the cache of parsed exports, the timed runs use it
    warm = {**ENV, "SALESPLAN_CACHE_DIR": str(args.workdir / "cache")}
    warm.pop("SALESPLAN_NO_CACHE", None)
    t, m, out = measure(report_command(ws, "dashboard"), args.repeat, env=warm)
    if out != outputs["dashboard"]:
        print("bench: the dashboard from the cache differs from the dashboard read afresh", file=sys.stderr)
        return 1
    rows.append(("report dashboard, second run (cache)", t, m, "DuckDB SQL baseline", duck_t, duck_m))
    # one manager's dashboard from the same cache, another team's at each run (forty managers reviewing their
    # teams): a request not made before, so its figures are computed from the cached frames and derived figures
    # (the same request again would print the figures kept by the first, as the second run above does)
    teams = teams_of(ws, args.repeat)
    t, m = measure_each([report_command(ws, "dashboard", "--team", team) for team in teams], env=warm)
    rows.append((f"report dashboard --team, another team each run ({', '.join(teams)}), from the cache", t, m, "DuckDB SQL baseline", duck_t, duck_m))

    # --- growth and a smaller team: the cold dashboard on half the reps, and on 200 reps ------------------
    cold_t, cold_m = next(row[1:3] for row in rows if row[0].startswith("report dashboard, cold"))
    for reps in sorted({args.reps // 2, 200} - {args.reps}, reverse=True):
        if reps < 20:
            continue
        other = args.workdir / f"workspace-{reps}"
        if not (other / "data" / "activities.csv").is_file():
            subprocess.run([PY, str(ROOT / "bench" / "generate.py"), str(other), "--reps", str(reps)], check=True, stdout=subprocess.DEVNULL)
        t, m, _ = measure(report_command(other, "dashboard"), args.repeat, env=cold)
        if reps == args.reps // 2:  # growth: the full workload against half of it (target: at most 2.2x for 2x the data)
            rows.append((f"report dashboard, cold, {args.reps:,} reps (growth)", cold_t, cold_m, f"the same on {reps:,} reps", t, m))
        if reps == 200:
            small_t, small_m, _ = measure([PY, str(ROOT / "bench" / "baseline_duckdb.py"), str(other), AS_OF], args.repeat, ok=(0,))
            rows.append(("report dashboard, cold, 200 reps", t, m, "DuckDB SQL baseline, 200 reps", small_t, small_m))
    rows.append(("(bare CSV parse, pyarrow)", arrow_t, arrow_m, "DuckDB SQL baseline", duck_t, duck_m))

    # --- start-up ---------------------------------------------------------------------------------------
    floor_t, floor_m, _ = measure([PY, "-c", "import typer, rich, pydantic, yaml"], max(args.repeat, 5), ok=(0,))
    t, m, _ = measure([SALESPLAN, "--help"], max(args.repeat, 5))
    rows.append(("salesplan --help", t, m, "import typer, rich, pydantic, yaml", floor_t, floor_m))
    t, m, _ = measure([SALESPLAN, "validate", "-w", str(ROOT / "examples" / "nordwind"), "--as-of", AS_OF], max(args.repeat, 5))
    rows.append(("validate, the 11-rep example", t, m, "import typer, rich, pydantic, yaml", floor_t, floor_m))

    lines = ["| measure | seconds | peak MB | baseline | seconds | peak MB | ratio |", "|---|---:|---:|---|---:|---:|---:|"]
    for name, t, m, base, bt, bm in rows:
        lines.append(f"| {name} | {t:.2f} | {m:,.0f} | {base} | {bt:.2f} | {bm:,.0f} | {t / bt:.2f}x |")
    table = "\n".join(lines) + f"\n\nThe whole run took {time.perf_counter() - STARTED:,.0f} s."
    print(table)
    if args.write_doc:
        write_doc(table, args, size)
    return 0


def write_doc(table: str, args, size: float) -> None:
    doc = ROOT / "docs" / "performance.md"
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    body = (
        f"{start}\nMeasured by `make bench` (`python bench/run.py --reps {args.reps} --repeat {args.repeat}`) on "
        f"{time.strftime('%Y-%m-%d')}: {args.reps:,} reps, {size:,.0f} MB of CSV.\n\nMachine: {machine()}.\n\n{table}\n{end}"
    )
    if start in text and end in text:
        text = text[: text.index(start)] + body + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    doc.write_text(text, encoding="utf-8")
    print(f"wrote {doc.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
