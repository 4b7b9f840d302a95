"""Fuzz the plan YAML loader and the CSV intake with hypothesis, for a bounded time.

The runner: the targets, one run of a target for a time (the first failure shrunk and saved), replay, main."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from .inputs import OUT_DIR, REPO, example_workspace, sample_exports
from .yaml_target import check_yaml, yaml_cases
from .csv_target import check_csv, csv_cases


# --- the runner --------------------------------------------------------------------------------------------------


@dataclass
class Target:
    name: str
    strategy: Callable[[], st.SearchStrategy]
    check: Callable[[dict], None]


TARGETS = {"yaml": Target("yaml", yaml_cases, check_yaml), "csv": Target("csv", csv_cases, check_csv)}


class _StopShrinking(BaseException):
    """Raised inside the test once the time for shrinking is spent: hypothesis lets it through."""


@dataclass
class Outcome:
    target: str
    examples: int
    seconds: float
    failure: dict | None = None  # the case
    error: str | None = None  # its traceback
    saved: Path | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$bytes"}:
            return base64.b64decode(value["$bytes"])
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def _size(case: dict) -> int:
    return len(json.dumps(_jsonable(case), default=str))


def describe_case(case: dict, limit: int = 1500) -> str:
    """The case as text for a person: files and exports shown as text."""
    lines = []
    for key, value in case.items():
        if key == "files":
            for rel, data in value.items():
                lines.append(f"--- {rel}: " + ("(deleted)" if data is None else f"{len(data)} bytes"))
                if data is not None:
                    lines.append(repr(data)[:limit] if len(data) < 200 else data.decode("utf-8", errors="backslashreplace")[:limit])
                    if len(data) > limit:
                        lines.append(f"... ({len(data) - limit} more bytes, in the saved case)")
        elif key == "data":
            lines.append(f"--- data: {len(value)} bytes")
            lines.append(repr(value)[:limit] if len(value) <= limit else f"{value[: limit // 2]!r} ... {value[-200:]!r}")
        else:
            lines.append(f"{key}: {value!r}")
    return "\n".join(lines)


def save_failure(outcome: Outcome, out_dir: Path) -> Path:
    blob = json.dumps(_jsonable(outcome.failure), sort_keys=True, default=str)
    digest = hashlib.sha1(blob.encode()).hexdigest()[:10]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{outcome.target}-{digest}.json"
    path.write_text(json.dumps({"target": outcome.target, "case": _jsonable(outcome.failure), "error": outcome.error}, indent=2, default=str) + "\n", encoding="utf-8")
    files = out_dir / f"{outcome.target}-{digest}"
    files.mkdir(exist_ok=True)
    case = outcome.failure
    if outcome.target == "yaml":
        for rel, data in case["files"].items():
            dest = files / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            if data is not None:
                dest.write_bytes(data)
    else:
        (files / f"{case['kind']}.csv").write_bytes(case["data"])
    (files / "traceback.txt").write_text(outcome.error or "", encoding="utf-8")
    return path


def run_target(name: str, seconds: float, seed: int | None = None, out_dir: Path | None = OUT_DIR, shrink_seconds: float | None = None,
               check: Callable[[dict], None] | None = None) -> Outcome:
    """Run one target for about `seconds` (plus the time to shrink a failure); the first failure stops it."""
    target = TARGETS[name]
    check = check or target.check
    started = time.monotonic()
    stop_at = started + seconds
    shrink_budget = shrink_seconds if shrink_seconds is not None else max(20.0, seconds)
    state: dict[str, Any] = {"examples": 0, "failures": [], "shrink_until": None}

    def body(case: dict) -> None:
        now = time.monotonic()
        if state["failures"]:
            if now > state["shrink_until"]:
                raise _StopShrinking()
        elif now > stop_at:
            return  # time is up: let the batch finish at once
        state["examples"] += 1
        state["last"] = case
        try:
            check(case)
        except Exception:
            if not state["failures"]:
                state["shrink_until"] = time.monotonic() + shrink_budget
            state["failures"].append((case, traceback.format_exc()))
            raise

    import warnings

    from hypothesis.errors import HypothesisWarning

    warnings.simplefilter("ignore", HypothesisWarning)  # "overly large repr" of the grown exports
    rng = random.Random(seed)
    error = None
    batch = 25
    while time.monotonic() < stop_at and not state["failures"]:
        test = settings(
            max_examples=batch,
            deadline=None,
            database=None,
            derandomize=False,
            report_multiple_bugs=False,
            print_blob=False,
            phases=[Phase.generate, Phase.shrink],
            suppress_health_check=list(HealthCheck),
        )(given(target.strategy())(body))
        test = hypothesis_seed(rng.getrandbits(64))(test)
        try:
            test()
        except _StopShrinking:
            break
        except Exception as exc:  # the failure (hypothesis re-raised it after shrinking), or hypothesis itself
            error = exc
            break
    outcome = Outcome(name, state["examples"], time.monotonic() - started)
    if state["failures"]:
        last_case, last_error = state["failures"][-1]
        if error is None:  # shrinking was cut short: the smallest failing case seen
            last_case, last_error = min(state["failures"], key=lambda f: _size(f[0]))
        outcome.failure, outcome.error = last_case, last_error
        if out_dir is not None:
            outcome.saved = save_failure(outcome, out_dir)
    elif error is not None:  # not the program: a generator of this script, or hypothesis itself (a health check)
        outcome.failure = {"harness_error": "raised outside the program under test, while generating or by hypothesis"}
        outcome.error = "".join(traceback.format_exception(error))
    return outcome


def report(outcome: Outcome) -> str:
    if outcome.failure is None:
        return f"{outcome.target}: clean, {outcome.examples} examples in {outcome.seconds:.0f} s"
    lines = [f"{outcome.target}: FAILED after {outcome.examples} examples ({outcome.seconds:.0f} s)", "minimal failing input:", describe_case(outcome.failure), "error:", outcome.error or ""]
    if outcome.saved is not None:
        lines.append(f"saved: {outcome.saved.relative_to(REPO) if outcome.saved.is_relative_to(REPO) else outcome.saved}")
        lines.append(f"replay: python fuzz/run.py --replay {outcome.saved.relative_to(REPO) if outcome.saved.is_relative_to(REPO) else outcome.saved}")
    return "\n".join(lines)


def replay(path: Path) -> int:
    saved = json.loads(path.read_text(encoding="utf-8"))
    case = _from_json(saved["case"])
    print(describe_case(case))
    try:
        TARGETS[saved["target"]].check(case)
    except Exception:
        traceback.print_exc()
        print(f"{saved['target']}: still fails", file=sys.stderr)
        return 1
    print(f"{saved['target']}: passes now")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="time to fuzz, shared by the targets (default 60)")
    parser.add_argument("--target", action="append", choices=sorted(TARGETS), help="fuzz only this target (repeatable; default: all)")
    parser.add_argument("--seed", type=int, default=None, help="seed of the batches (default: random)")
    parser.add_argument("--shrink-seconds", type=float, default=None, help="time allowed to shrink a failure (default: max(20, the target's time))")
    parser.add_argument("--replay", type=Path, help="run a saved case again (.fuzz/<target>-<hash>.json)")
    parser.add_argument("--out", type=Path, default=None, help="folder for failing cases (default: .fuzz/ in the repository)")
    args = parser.parse_args(argv)
    if args.replay is not None:
        return replay(args.replay)
    os.environ.setdefault("COLUMNS", "120")
    names = args.target or list(TARGETS)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    print(f"fuzzing {', '.join(names)} for {args.seconds:.0f} s (seed {seed})", flush=True)
    example_workspace(), sample_exports()  # warm up outside the clock of the first target
    failed = False
    for i, name in enumerate(names):
        outcome = run_target(name, args.seconds / len(names), seed=seed + i, shrink_seconds=args.shrink_seconds, out_dir=args.out or OUT_DIR)
        print(report(outcome), flush=True)
        failed |= outcome.failure is not None
    return 1 if failed else 0
