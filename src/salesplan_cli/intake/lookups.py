"""How CRM names meet the plan: owners (name, e-mail or id) -> reps, CRM stages -> plan stages."""

from __future__ import annotations

from ..plan.model import Workspace
from ..config.data import DataConfig
from .fields import PRESET_STAGES

def stage_lookup(ws: Workspace, config: DataConfig, preset: str) -> dict[str, tuple[str, str]]:
    """Case-folded CRM stage -> (plan stage, outcome)."""
    stages = {s.name: s for s in ws.strategy.stages}
    lookup: dict[str, tuple[str, str]] = {}
    by_outcome = {}
    for spec in ws.strategy.stages:
        by_outcome.setdefault(spec.outcome, spec.name)
        lookup[spec.name.casefold()] = (spec.name, spec.outcome)
    for crm, outcome in PRESET_STAGES.get(preset, {}).items():
        if outcome in by_outcome:
            lookup.setdefault(crm, (by_outcome[outcome], outcome))
    for crm, plan_stage in config.mapping.stages.items():
        if plan_stage in stages:
            lookup[crm.strip().casefold()] = (plan_stage, stages[plan_stage].outcome)
    return lookup


def owner_key(text: str) -> str:
    """How an owner is matched: Unicode NFC, spaces collapsed, case folded."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


def rep_owner_keys(ws: Workspace) -> dict[str, list[str]]:
    """Owner key -> the rep ids whose id, name or e-mail it is (several: the key is ambiguous)."""
    keys: dict[str, list[str]] = {}
    for _stem, rep in sorted(ws.reps.items()):
        for key in (rep.id, rep.name, rep.email):
            if key:
                ids = keys.setdefault(owner_key(key), [])
                if rep.id not in ids:
                    ids.append(rep.id)
    return keys


def owner_lookup(ws: Workspace, config: DataConfig) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Case-folded owner name, e-mail or id -> rep id; and the keys that name several reps (left out of the
    lookup: rows with such an owner are not given to either rep) unless data.mapping.owners says which."""
    lookup: dict[str, str] = {}
    ambiguous: dict[str, list[str]] = {}
    for key, ids in rep_owner_keys(ws).items():
        if len(ids) == 1:
            lookup[key] = ids[0]
        else:
            ambiguous[key] = ids
    for crm, rep_id in config.mapping.owners.items():
        lookup[owner_key(crm)] = rep_id
        ambiguous.pop(owner_key(crm), None)
    return lookup, ambiguous
