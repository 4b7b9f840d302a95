"""Cross-file checks: plain functions `check_x(workspace, context) -> list[Diagnostic]`, in one registry."""

from __future__ import annotations

from collections.abc import Callable

from ...diagnostics import Diagnostic
from ..model import Workspace
from . import agreement, capacity, data, organisation, periods, references, shapes, sums, volume
from .base import CheckContext

Check = Callable[[Workspace, CheckContext], list[Diagnostic]]

#: Reference checks run first; the rest build on names that resolve.
REFERENCE_CHECKS: list[Check] = [
    references.check_segments,
    references.check_stages,
    references.check_actions,
    references.check_products,
    volume.check_volume_references,
    volume.check_volume_whole,
    references.check_managers,
    references.check_rep_references,
    references.check_rep_ids,
    references.check_shared_accounts,
    references.check_segment_named_accounts,
    references.check_data_mapping,
    data.check_data_columns,
    data.check_expected_outputs,
    references.check_owner_names,
    shapes.check_export_values,
]

#: Checks of what every sum builds on: the strategy's shares and seasonality, the reps' dates in post.
STRATEGY_CHECKS: list[Check] = [
    sums.check_strategy_shares,
    periods.check_seasonality,
    periods.check_dates_in_post,
]

#: Checks that compute with the plan: run only on a workspace whose files all loaded
#: and whose strategy figures are sound (else every sum would be off for the same reason).
PLAN_CHECKS: list[Check] = [
    periods.check_rep_periods,
    sums.check_rep_products,
    sums.check_assignment,
    volume.check_volume_assignment,
    organisation.check_territory_mix,
    organisation.check_specialists,
    organisation.check_segment_coverage,
    capacity.check_capacity,
]

#: Checks on the plan's life cycle, independent of the figures.
PROCESS_CHECKS: list[Check] = [agreement.check_agreed, agreement.check_reviewed]

__all__ = ["CheckContext", "REFERENCE_CHECKS", "STRATEGY_CHECKS", "PLAN_CHECKS", "PROCESS_CHECKS"]
