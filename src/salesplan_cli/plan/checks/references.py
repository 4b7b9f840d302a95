"""Reference checks: every name used in a plan file is declared somewhere."""

from __future__ import annotations

import difflib

from ...diagnostics import Diagnostic
from ..model import Workspace
from .base import SEGMENTS, SETTINGS, STRATEGY, CheckContext, at, rep_file


def _suggest(name: str, known) -> str:
    known = sorted({str(k) for k in known})
    guess = difflib.get_close_matches(str(name), known, n=1, cutoff=0.6)
    listing = ", ".join(known) if known else "none declared"
    return (f"did you mean '{guess[0]}'? " if guess else "") + f"known: {listing}"


def check_segments(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP301: every segment used is defined in segments.yaml and weighted in strategy.yaml."""
    out: list[Diagnostic] = []
    if ws.strategy is None or ws.segments is None:
        return out
    defined, weighted = set(ws.segments), set(ws.strategy.segments)
    for seg in ws.strategy.segments:
        if seg not in defined:
            out.append(at(ws, STRATEGY, ("segments", seg), "SP301", f"segment '{seg}' is not defined in segments.yaml", _suggest(seg, defined)))
    for seg in ws.segments:
        if seg not in weighted:
            out.append(
                at(ws, SEGMENTS, (seg,), "SP301", f"segment '{seg}' has no share in strategy.yaml", f"add '{seg}: 0%' (or its share) under segments: in strategy.yaml, or remove it here")
            )
    for seg in ws.strategy.norms:
        if seg not in weighted:
            out.append(at(ws, STRATEGY, ("norms", seg), "SP301", f"norms for unknown segment '{seg}'", _suggest(seg, weighted)))
    for stem, rep in ws.reps.items():
        rel = rep_file(ws, stem)
        for section, keys in (("targets", rep.targets), ("activities", rep.activities), (("portfolio", "accounts"), rep.portfolio.accounts)):
            prefix = section if isinstance(section, tuple) else (section,)
            for seg in keys:
                if seg not in weighted:
                    out.append(at(ws, rel, (*prefix, seg), "SP301", f"unknown segment '{seg}' in {'.'.join(prefix)}", _suggest(seg, weighted)))
    return out


def check_stages(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP302: stages are unique, include a won and a lost outcome, and methods name real stages."""
    out: list[Diagnostic] = []
    if ws.strategy is None:
        return out
    names = ws.strategy.stage_names()
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            out.append(at(ws, STRATEGY, ("stages", index), "SP302", f"stage '{name}' is listed twice", "list each stage once, in order", prefer_key=False))
        seen.add(name)
    outcomes = {stage.outcome for stage in ws.strategy.stages}
    for needed in ("won", "lost"):
        if needed not in outcomes:
            out.append(
                at(ws, STRATEGY, ("stages",), "SP302", f"no stage marks a deal as {needed}", f"add a stage named '{needed}', or give one stage 'outcome: {needed}'")
            )
    for stem, rep in ws.reps.items():
        for stage in rep.methods:
            if stage not in seen:
                out.append(at(ws, rep_file(ws, stem), ("methods", stage), "SP302", f"method for unknown stage '{stage}'", _suggest(stage, names)))
    return out


def check_actions(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP303: norms and rep activity overrides use declared action types."""
    out: list[Diagnostic] = []
    if ws.strategy is None:
        return out
    actions = ws.strategy.actions
    seen: set[str] = set()
    for index, action in enumerate(actions):
        if action in seen:
            out.append(at(ws, STRATEGY, ("actions", index), "SP303", f"action type '{action}' is listed twice", "list each action type once", prefer_key=False))
        seen.add(action)
    sources = [(STRATEGY, ("norms",), ws.strategy.norms)]
    sources += [(rep_file(ws, stem), ("activities",), rep.activities) for stem, rep in ws.reps.items()]
    for rel, prefix, norms in sources:
        for seg, by_status in norms.items():
            for status, by_action in by_status.items():
                for action in by_action:
                    if action not in seen:
                        out.append(at(ws, rel, (*prefix, seg, status, action), "SP303", f"unknown action type '{action}'", _suggest(action, actions)))
    return out


def check_products(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP304: a rep's product split uses the strategy's product ranges."""
    out: list[Diagnostic] = []
    if ws.strategy is None:
        return out
    known = set(ws.strategy.products or {})
    for stem, rep in ws.reps.items():
        for product in rep.products or {}:
            if product not in known:
                hint = _suggest(product, known) if known else "declare product ranges under products: in strategy.yaml first"
                out.append(at(ws, rep_file(ws, stem), ("products", product), "SP304", f"unknown product range '{product}'", hint))
    return out


def check_managers(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP305: every rep's manager is declared under managers: in salesplan.yaml."""
    out: list[Diagnostic] = []
    if ws.settings is None:
        return out
    known = ws.settings.managers
    for stem, rep in ws.reps.items():
        if rep.manager not in known:
            hint = _suggest(rep.manager, known) + f"; or declare it under managers: in {SETTINGS}"
            out.append(at(ws, rep_file(ws, stem), ("manager",), "SP305", f"unknown manager '{rep.manager}'", hint, prefer_key=False))
    return out


def check_rep_references(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP306: reps named in a portfolio's shared accounts exist."""
    out: list[Diagnostic] = []
    known = {rep.id for rep in ws.reps.values()} | set(ws.rep_files)
    for stem, rep in ws.reps.items():
        for account, partners in rep.portfolio.shared.items():
            for index, partner in enumerate(partners):
                if partner not in known:
                    out.append(
                        at(ws, rep_file(ws, stem), ("portfolio", "shared", account, index), "SP306", f"unknown rep '{partner}' shares account {account}", _suggest(partner, known), prefer_key=False)
                    )
                elif partner == rep.id:
                    out.append(
                        at(ws, rep_file(ws, stem), ("portfolio", "shared", account, index), "SP306", f"account {account} is shared with the rep itself", "list the other reps who work this account", prefer_key=False)
                    )
    return out


def check_rep_ids(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP307: a rep file is named after the rep's id (reps/<id>.yaml)."""
    out: list[Diagnostic] = []
    for stem, rep in ws.reps.items():
        if rep.id != stem:
            out.append(
                at(ws, rep_file(ws, stem), ("id",), "SP307", f"id '{rep.id}' differs from the file name '{stem}'", f"rename the file to reps/{rep.id}.yaml or set id: {stem}", prefer_key=False)
            )
    return out


def check_shared_accounts(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP308: a named account in several portfolios must be declared shared by one of them."""
    out: list[Diagnostic] = []
    holders: dict[str, list[str]] = {}
    for stem, rep in sorted(ws.reps.items()):
        for account in dict.fromkeys(rep.portfolio.named):
            holders.setdefault(account, []).append(stem)
    for account, stems in holders.items():
        if len(stems) < 2:
            continue
        for stem in stems:
            rep = ws.reps[stem]
            others = [s for s in stems if s != stem]
            declared = set(rep.portfolio.shared.get(account, []))
            missing = [
                other for other in others if other not in declared and stem not in set(ws.reps[other].portfolio.shared.get(account, []))
            ]
            if missing:
                index = rep.portfolio.named.index(account)
                out.append(
                    at(
                        ws,
                        rep_file(ws, stem),
                        ("portfolio", "named", index),
                        "SP308",
                        f"named account {account} is also in the portfolio of {', '.join(missing)}",
                        f"declare it shared (portfolio: shared: {{{account}: [{', '.join(missing)}]}}) or keep it in one portfolio",
                        prefer_key=False,
                    )
                )
    return out



def check_segment_named_accounts(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP310: an account named in two segments of segments.yaml has no one segment (the reports would
    silently keep one)."""
    out: list[Diagnostic] = []
    first: dict[str, str] = {}
    for seg, spec in (ws.segments or {}).items():
        for index, account in enumerate(spec.named):
            if account in first and first[account] != seg:
                out.append(
                    at(
                        ws,
                        SEGMENTS,
                        (seg, "named", index),
                        "SP310",
                        f"account {account} is named in segment {first[account]} and in segment {seg}",
                        "keep it in one segment's named list",
                        prefer_key=False,
                    )
                )
            first.setdefault(account, seg)
    return out


def check_data_mapping(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP302/SP303/SP304/SP306/SP311: the data: mapping (and stage_dates) maps CRM values to names the plan declares."""
    out: list[Diagnostic] = []
    data = ws.settings.data if ws.settings else None
    if data is None or ws.strategy is None:
        return out
    reps = {rep.id for rep in ws.reps.values()} | set(ws.rep_files)
    stages = ws.strategy.stage_names()
    products = list(ws.strategy.products or {})
    tables = [
        ("owners", data.mapping.owners, reps, "SP306", "rep"),
        ("stages", data.mapping.stages, stages, "SP302", "stage"),
        ("products", data.mapping.products, products, "SP304", "product range"),
        ("actions", data.mapping.actions, ws.strategy.actions, "SP303", "action type"),
    ]
    for key, mapping, known, code, what in tables:
        for crm, name in mapping.items():
            if name not in known:
                out.append(
                    at(ws, SETTINGS, ("data", "mapping", key, crm), code, f"data.mapping.{key} maps '{crm}' to unknown {what} '{name}'", _suggest(name, known), prefer_key=False)
                )
    roles: dict[str, str] = {}
    for spec in (ws.segments or {}).values():
        for role in spec.contacts:
            roles.setdefault(" ".join(role.split()).casefold(), role)
    # titles are compared case-folded, NFC, spaces collapsed (intake/contact_roles.py): a blank title is never mapped, and two
    # keys that are the same title there must not map to different roles (the last would win, silently)
    from ...intake.lookups import owner_key

    seen: dict[str, str] = {}
    for title, role in data.mapping.contact_roles.items():
        place = ("data", "mapping", "contact_roles", title)
        first = seen.setdefault(owner_key(title), title)
        if not owner_key(title):
            out.append(at(ws, SETTINGS, place, "SP203", "data.mapping.contact_roles maps a blank contact title: a blank title is never mapped (its role is unknown)", "remove the blank title"))
        elif first != title and owner_key(data.mapping.contact_roles[first]) != owner_key(role):
            out.append(
                at(
                    ws,
                    SETTINGS,
                    place,
                    "SP203",
                    f"data.mapping.contact_roles maps '{title}' to '{role}' but '{first}', the same title once case and spacing are ignored, to '{data.mapping.contact_roles[first]}'",
                    f"keep one of '{first}' and '{title}', with the role the title means",
                )
            )
    for title, role in data.mapping.contact_roles.items() if ws.segments is not None else []:  # segments.yaml's own findings first
        if " ".join(role.split()).casefold() not in roles:
            hint = _suggest(role, roles.values()) + " (segments.yaml contacts:)" if roles else "name the roles each segment targets under contacts: in segments.yaml"
            out.append(at(ws, SETTINGS, ("data", "mapping", "contact_roles", title), "SP311", f"data.mapping.contact_roles maps '{title}' to '{role}', a role no segment names under contacts:", hint, prefer_key=False))
    for product in (data.estimate.list_prices if data.estimate else {}):
        if product not in products:
            out.append(at(ws, SETTINGS, ("data", "estimate", "list_prices", product), "SP304", f"data.estimate.list_prices names unknown product range '{product}'", _suggest(product, products)))
    for index, source in enumerate(data.sources("opportunities")):
        where = ("data", "opportunities", index) if isinstance(data.opportunities, list) else ("data", "opportunities")
        for stage in source.stage_dates:
            if stage not in stages:
                out.append(at(ws, SETTINGS, (*where, "stage_dates", stage), "SP302", f"stage_dates names unknown stage '{stage}'", _suggest(stage, stages)))
    return out


def check_owner_names(ws: Workspace, ctx: CheckContext) -> list[Diagnostic]:
    """SP309: with CRM exports declared, no two reps answer to the same owner name, e-mail or id
    (unless data.mapping.owners says which rep a CRM owner is)."""
    from ...intake.lookups import owner_key, rep_owner_keys

    out: list[Diagnostic] = []
    data = ws.settings.data if ws.settings else None
    if data is None:
        return out
    settled = {owner_key(crm) for crm in data.mapping.owners}
    by_id = {rep.id: stem for stem, rep in ws.reps.items()}
    for key, ids in rep_owner_keys(ws).items():
        if len(ids) < 2 or key in settled:
            continue
        for rep_id in ids[1:]:
            stem = by_id[rep_id]
            rep = ws.reps[stem]
            field = next(name for name in ("name", "email", "id") if getattr(rep, name) and owner_key(getattr(rep, name)) == key)
            value = getattr(rep, field)
            out.append(
                at(
                    ws,
                    rep_file(ws, stem),
                    (field,),
                    "SP309",
                    f"{field} '{value}' is also the name, e-mail or id of {ids[0]}: CRM rows owned by '{value}' cannot be told apart",
                    f"give the CRM owner's exact name to one rep only, or say which rep it is in data.mapping.owners (e.g. '{value}': {ids[0]})",
                    prefer_key=False,
                )
            )
    return out
