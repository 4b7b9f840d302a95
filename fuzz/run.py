#!/usr/bin/env python
"""Fuzz the plan YAML loader and the CSV intake with hypothesis, for a bounded time.

    python fuzz/run.py                      # 60 seconds over every target
    python fuzz/run.py --seconds 600 --target csv
    python fuzz/run.py --replay .fuzz/csv-1a2b3c4d.json

Targets:

- ``yaml``: random bytes, YAML-like token soup, byte-level mutations and tree-level mutations of
  the example workspace's plan files (examples/nordwind) go through ``validate_workspace`` (the core
  of ``salesplan validate``) and its three renderings (human, json, github). When a mutated workspace
  still validates without errors, the plan breakdowns are made and the (small) example exports are
  read and every report runs on them, as ``salesplan plan`` and ``salesplan report`` would.
- ``csv``: random, mutated (a sample of the example's exports) and generated CSV exports, in random
  dialects (presets, encodings, delimiters, decimal and thousands separators, date formats), go
  through ``load_exports`` (``read_table`` + ``build_frames``) with the example's plan, then every
  report (attainment, activity, coverage, pipeline, conversion, dashboard) and its renderings.

The oracle:

- no exception escapes: problems must come back as diagnostics (values), never as exceptions;
- every diagnostic is well formed (a registered code, a file, a line and column inside the file);
- every row read is either used or rejected and listed, exactly once (``SourceReport``:
  ``rows_read == rows_used + len(rejected)``, and the lines of the rows used plus the lines of the
  rows rejected are exactly the lines of the rows read);
- the fast CSV reader (pyarrow, used from 256 KiB up) gives the same headers, rows, lines and reasons
  as the exact one (the csv module) whenever it answers; the exports are also grown past that size now
  and then, so that the whole intake runs on the fast path;
- the attainment report adds up: the rows of the reps (and ``<unplanned>``) sum to the teams and to
  the ``<total>`` row, whatever the grouping, and the total is every sale dated in the window; the
  dashboard shows each rep of the filters once, with the attainment report's figure.

Reports are called as ``cli/report.py`` calls them: with the filters each command accepts, attainment
only when there is a sales frame (else the command is a usage error), a team filter only for a team
with reps.

Exit code 0 when nothing was found in the time given, 1 when a target failed: the minimal failing
input (shrunk by hypothesis) is printed and saved under ``.fuzz/`` (a JSON case to replay with
``--replay``, and the input files themselves next to it).

The code is in the package fuzz/fuzzlib/, a module per input kind: ``inputs`` (the example, the
oracle's failure), ``mutations`` (strategies shared by the targets), ``yaml_target``, ``csv_target``,
``oracle`` (the reports and what they must satisfy) and ``runner`` (time, shrinking, saving, replay).
This script puts them together; every name of theirs is importable from it, as before.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for _path in (REPO / "src", REPO / "fuzz"):  # a checkout without `pip install -e .` still runs
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from fuzzlib.inputs import (  # noqa: E402
    AS_OF_CHOICES,
    EXAMPLE,
    EXAMPLE_EXPORTS,
    EXPORT_KINDS,
    OUT_DIR,
    OracleFailure,
    PERIOD_CHOICES,
    REPO,
    SAMPLE_EVERY,
    Universe,
    YAML_FILES,
    _CACHE,
    _example_bytes,
    chance,
    example_tree,
    example_workspace,
    require,
    sample_exports,
)
from fuzzlib.mutations import (  # noqa: E402
    FOCUS,
    INTERESTING_BYTES,
    SCALARS,
    TEXT_BYTES,
    YAML_TOKENS,
    _apply_tree_edit,
    _encode,
    _get,
    _mutate_number,
    _paths,
    _scaled,
    apply_mutations,
    dump_tree,
    mutations,
    tree_edits,
)
from fuzzlib.yaml_target import (  # noqa: E402
    check_diagnostics,
    check_renderings,
    check_yaml,
    write_workspace,
    yaml_cases,
)
from fuzzlib.oracle import (  # noqa: E402
    FILTERS,
    REPORT_FILTERS,
    _exact,
    _filters,
    _slack,
    _sums_to,
    check_attainment,
    check_frames,
    check_intake_and_reports,
    render_reports,
    run_reports,
)
from fuzzlib.csv_target import (  # noqa: E402
    DATE_FORMATS,
    ENCODINGS,
    PRESETS,
    _field_values,
    _thousands,
    amount_texts,
    check_csv,
    check_readers_agree,
    csv_cases,
    csv_documents,
    date_texts,
    grow,
    sources,
    workspace_with_exports,
)
from fuzzlib.runner import (  # noqa: E402
    Outcome,
    TARGETS,
    Target,
    _StopShrinking,
    _from_json,
    _jsonable,
    _size,
    describe_case,
    main,
    replay,
    report,
    run_target,
    save_failure,
)

if __name__ == "__main__":
    sys.exit(main())
