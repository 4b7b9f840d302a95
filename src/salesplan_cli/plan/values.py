"""Moved to salesplan_cli/config/values.py (the bottom of the house: plan, intake, reports and pam import it).

Kept only so that branches written before the move still import; import from `..config.values` in new code.
Remove once no module of src/, tests/, bench/ or fuzz/ imports `plan.values` (tests/test_architecture.py
checks that this repository's own modules do not).
"""

from __future__ import annotations

from ..config.values import *  # noqa: F401,F403
from ..config.values import money, round_half_away  # noqa: F401 - named for readers and type checkers
