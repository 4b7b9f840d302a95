"""The accounts: drawn per segment, owned by reps, worked or left untouched; the accounts export."""

from __future__ import annotations

import math

from .dialect import _BadRow, _Export
from .model import ExportFile, _Account, _Rep
from .values import _COMPARISON, _INDUSTRY_EXTRAS, _LEGAL, _REGION_DEFAULTS, _ROOTS, _TAILS, _ascii_letters, _fold, _matches, _meets, _weighted


class _Accounts:
    """Accounts, their owners and the work planned on them; the accounts export and its bad rows."""

    # --- accounts ---------------------------------------------------------------------------------------------

    def _attribute_domains(self) -> None:
        """Values of each account attribute: numbers between the criteria's thresholds, or the criteria's words."""
        criteria = [spec.criteria for spec in self.ws.segments.values()] + [r.plan.portfolio.criteria for r in self.reps]
        self.attributes = list(self.config.attributes)
        self.numeric: dict[str, list[float]] = {}
        self.words: dict[str, list[str]] = {}
        for attribute in self.attributes:
            thresholds: list[float] = []
            words: list[str] = []
            numeric = False
            for crit in criteria:
                if attribute not in crit:
                    continue
                values = crit[attribute] if isinstance(crit[attribute], list) else [crit[attribute]]
                for value in values:
                    if isinstance(value, str) and (match := _COMPARISON.match(value)):
                        numeric = True
                        thresholds.append(float(match.group(2)))
                    elif isinstance(value, str):
                        if value.strip().casefold() not in [w.casefold() for w in words]:
                            words.append(value.strip())
                    else:
                        numeric = True
                        thresholds.append(float(value))
            name = attribute.casefold()
            if not numeric and not words:
                if name in ("employees", "headcount", "effectif", "size"):
                    numeric = True
                elif name in ("industry", "sector", "secteur"):
                    words = list(_INDUSTRY_EXTRAS)
                elif name in ("region", "région", "territory"):
                    words = list(_REGION_DEFAULTS)
            if numeric:
                points = sorted({t for t in thresholds if t > 0} | {1.0})
                bounds = [(points[i], points[i + 1]) for i in range(len(points) - 1)]
                bounds.append((points[-1], max(points[-1] * 20, points[-1] + 500)))
                if points[0] > 1:
                    bounds.insert(0, (1.0, points[0]))
                self.numeric[attribute] = bounds  # type: ignore[assignment]
            else:
                if name in ("industry", "sector", "secteur"):
                    for extra in _INDUSTRY_EXTRAS:
                        if extra.casefold() not in [w.casefold() for w in words]:
                            words.append(extra)
                self.words[attribute] = words

    def _draw_attribute(self, attribute: str, constraints: list) -> str:
        rng = self.rng
        for _ in range(40):
            if attribute in self.numeric:
                lo, hi = rng.choice(self.numeric[attribute])
                u = rng.random()
                value = str(int(lo + (hi - lo) * u * u))
            elif self.words.get(attribute):
                value = rng.choice(self.words[attribute])
                value = value[:1].upper() + value[1:]
            else:
                return ""
            if all(_matches(value, c) for c in constraints):
                return value
        return value

    def _segment_of(self, account_id: str, attrs: dict[str, str]) -> str | None:
        if account_id in self.named_segment:
            return self.named_segment[account_id]
        for seg in self.segment_order:
            spec = self.ws.segments.get(seg)
            if spec is not None and spec.criteria and _meets(attrs, spec.criteria):
                return seg
        return None

    def _draw_account(self, segment: str | None, extra: list[dict] | dict | None, account_id: str | None = None) -> dict[str, str] | None:
        """Attributes that put an account in `segment` and meet every `extra` criteria (None when none found).

        A named account (`account_id`) is in its segment by name: only `extra` counts.
        """
        wanted: dict[str, list] = {}
        spec = self.ws.segments.get(segment) if segment else None
        extras = [extra] if isinstance(extra, dict) else list(extra or [])
        for crit in ([spec.criteria] if spec is not None and account_id is None else []) + [e for e in extras if e]:
            for attribute, expected in crit.items():
                wanted.setdefault(attribute, []).append(expected)
        if any(a not in self.attributes for a in wanted):
            return None  # a criterion on an attribute the accounts export does not carry matches no account
        for _ in range(60):
            attrs = {a: self._draw_attribute(a, wanted.get(a, [])) for a in self.attributes}
            if not all(_matches(attrs[a], c) for a, cs in wanted.items() for c in cs):
                continue
            if account_id is not None or self._segment_of("", attrs) == segment:
                return attrs
        return None

    def _new_id(self, root: str) -> str:
        letters = _ascii_letters(root).upper()[:5] or "ACC"
        width = 3 if self.scale <= 2 else len(str(int(1000 * self.scale)))
        for _ in range(50):
            candidate = f"{letters}-{self.rng.randrange(1, 10 ** width):0{width}d}"
            if candidate not in self.account_ids:
                return candidate
        number = len(self.accounts)
        while f"{letters}-{number:0{width + 1}d}" in self.account_ids:
            number += 1
        return f"{letters}-{number:0{width + 1}d}"

    def _name(self, root: str | None, attrs: dict[str, str]) -> str:
        rng = self.rng
        industry = next((attrs[a].casefold() for a in self.attributes if a.casefold() in ("industry", "sector", "secteur") and attrs.get(a)), "")
        tails = _TAILS.get(industry) or [t for ts in _TAILS.values() for t in ts]
        name = f"{root or rng.choice(_ROOTS)} {rng.choice(tails)} {rng.choice(_LEGAL)}"
        return _fold(name, self.encodings)

    def _add_account(self, account_id: str, name: str, segment: str | None, status: str, attrs: dict[str, str]) -> int:
        self.accounts.append(_Account(account_id, name, segment, status, attrs))
        self.account_ids[account_id] = len(self.accounts) - 1
        self.by_segment_status.setdefault((segment, status), []).append(len(self.accounts) - 1)
        return len(self.accounts) - 1

    def _eligible(self, rep: _Rep, acc: _Account) -> bool:
        """In the rep's patch: named, or in a carried segment and meeting the portfolio criteria (any account without criteria).

        intake/segments.py portfolio_accounts also counts the accounts a rep owns in the CRM, which
        owners given among eligible reps keep true.
        """
        portfolio = rep.plan.portfolio
        if acc.id in portfolio.named or acc.id in portfolio.shared:
            return True
        if acc.segment not in rep.carried:
            return False
        return not portfolio.criteria or _meets(acc.attrs, portfolio.criteria)

    def _count(self, n) -> int:
        return int(round(float(n) * self.scale)) if n else 0

    def _build_accounts(self) -> None:
        rng = self.rng
        self._attribute_domains()
        self.accounts: list[_Account] = []
        self.account_ids: dict[str, int] = {}
        self.by_segment_status: dict[tuple, list[int]] = {}
        # named accounts first: their attributes meet the criteria of the reps naming them where possible
        named: list[str] = []
        for spec in self.ws.segments.values():
            named += [a for a in spec.named if a not in named]
        for rep in self.reps:
            named += [a for a in [*rep.plan.portfolio.named, *rep.plan.portfolio.shared] if a not in named]
        for account_id in named:
            segment = self.named_segment.get(account_id)
            namers = [r for r in self.reps if account_id in r.plan.portfolio.named or account_id in r.plan.portfolio.shared]
            crits = [self.ws.segments[segment].criteria] if segment and self.ws.segments[segment].criteria else []
            attrs = None
            for drop in range(len(namers) + 1):
                kept = [r.plan.portfolio.criteria for r in namers[: len(namers) - drop] if r.plan.portfolio.criteria]
                attrs = self._draw_account(segment, crits + kept, account_id=account_id)
                if attrs is not None:
                    break
            attrs = attrs or {a: self._draw_attribute(a, []) for a in self.attributes}
            segment = self._segment_of(account_id, attrs)
            root = account_id.split("-")[0].capitalize()
            self._add_account(account_id, self._name(root, attrs), segment, "customer", attrs)
        # then enough accounts of each segment and status for every rep's portfolio, with some slack
        for rep in self.reps:
            for segment, statuses in rep.plan.portfolio.accounts.items():
                if segment not in self.strategy.segments:
                    continue
                for status, count in statuses.items():
                    need = int(math.ceil(self._count(count) * 1.25))
                    have = sum(1 for i in self.by_segment_status.get((segment, status), []) if self._eligible(rep, self.accounts[i]))
                    misses = 0
                    while have < need and misses < 20:
                        attrs = self._draw_account(segment, rep.plan.portfolio.criteria if segment in rep.carried else None)
                        if attrs is None:
                            attrs = self._draw_account(segment, None)
                        if attrs is None:
                            # the export cannot carry what puts an account in this segment: intake will leave it
                            # unsegmented, the generator still sizes its deals as the segment's
                            attrs = {a: self._draw_attribute(a, []) for a in self.attributes}
                        root = rng.choice(_ROOTS)
                        index = self._add_account(self._new_id(root), self._name(root, attrs), segment, status, attrs)
                        if self._eligible(rep, self.accounts[index]):
                            have += 1
                        else:
                            misses += 1
        # a long tail of accounts nobody plans to work
        tail = max(1, int(round(len(self.accounts) * 0.10)))
        for _ in range(tail):
            segment = rng.choice(self.segment_order)
            attrs = self._draw_account(segment, None)
            if attrs is None:
                continue
            status = "customer" if rng.random() < 0.35 else "prospect"
            root = rng.choice(_ROOTS)
            self._add_account(self._new_id(root), self._name(root, attrs), segment, status, attrs)

    def _assign_owners(self) -> None:
        """Each account's owner in the CRM: a rep whose portfolio holds it, favouring the reps still short of accounts."""
        rng = self.rng
        need = {(r.index, seg, st): self._count(n) for r in self.reps for seg, sts in r.plan.portfolio.accounts.items() for st, n in sts.items()}
        order = list(range(len(self.accounts)))
        rng.shuffle(order)
        for i in order:
            acc = self.accounts[i]
            sharer = [r for r in self.reps if acc.id in r.plan.portfolio.shared]
            namer = [r for r in self.reps if acc.id in r.plan.portfolio.named]
            if sharer or namer:
                acc.owner = (sharer or namer)[0].index
                continue
            candidates = [r for r in self.reps if self._eligible(r, acc)]
            if not candidates:
                continue
            weights = [max(need.get((r.index, acc.segment, acc.status), 0), 0) + 0.05 for r in candidates]
            chosen = candidates[_weighted(rng, weights)]
            acc.owner = chosen.index
            key = (chosen.index, acc.segment, acc.status)
            need[key] = need.get(key, 0) - 1

    def _plan_work(self) -> None:
        """The accounts each rep works: its named accounts, then those it owns, then others of its portfolio."""
        rng = self.rng
        for rep in self.reps:
            portfolio = rep.plan.portfolio
            for segment, statuses in portfolio.accounts.items():
                for status, count in statuses.items():
                    pool = [i for i in self.by_segment_status.get((segment, status), []) if self._eligible(rep, self.accounts[i])]
                    rng.shuffle(pool)
                    pool.sort(key=lambda i: (self.accounts[i].id not in portfolio.named and self.accounts[i].id not in portfolio.shared,
                                             self.accounts[i].owner != rep.index))
                    rep.worked[(segment, status)] = pool[: self._count(count)]
                    rep.owned_more[(segment, status)] = pool[self._count(count):]
            for segment in rep.carried:
                worked = [i for (seg, _), ids in rep.worked.items() if seg == segment for i in ids]
                if not worked:
                    worked = [i for i, acc in enumerate(self.accounts) if acc.segment == segment and self._eligible(rep, acc)]
                if not worked:
                    worked = [i for i, acc in enumerate(self.accounts) if acc.segment == segment]
                rep.deal_accounts[segment] = worked

    def _choose_untouched(self) -> None:
        """Key accounts (first segment) in portfolios that nobody touches: a named one, and some worked ones."""
        rng = self.rng
        top = self.segment_order[0] if self.segment_order else None
        chosen: list[int] = []
        single = []
        for spec_seg, spec in self.ws.segments.items():
            if spec_seg != top:
                continue
            for account_id in spec.named:
                namers = {r.plan.id for r in self.reps if account_id in r.plan.portfolio.named or account_id in r.plan.portfolio.shared}
                for r in self.reps:
                    namers |= set(r.plan.portfolio.shared.get(account_id, []))
                if len(namers) == 1 and account_id in self.account_ids:
                    single.append(account_id)
        if single:
            chosen.append(self.account_ids[single[0]])
        want = max(3, int(round(6 * math.sqrt(self.scale))))
        reps = [r for r in self.reps if any(seg == top for seg, _ in r.worked)]
        rng.shuffle(reps)
        all_named = {a for spec in self.ws.segments.values() for a in spec.named} | {a for r in self.reps for a in [*r.plan.portfolio.named, *r.plan.portfolio.shared]}
        rounds = 0
        while len(chosen) < want and reps and rounds < 50:
            rounds += 1
            for rep in reps:
                if len(chosen) >= want:
                    break
                pool = sorted(i for (seg, _), ids in rep.worked.items() if seg == top for i in ids
                              if i not in chosen and self.accounts[i].id not in all_named)
                if pool:
                    chosen.append(rng.choice(pool))
        for i in chosen:
            self.accounts[i].untouched = True
        self.untouched = chosen
        for rep in self.reps:
            for segment, ids in rep.deal_accounts.items():
                kept = [i for i in ids if not self.accounts[i].untouched]
                rep.deal_accounts[segment] = kept or ids
        # the departed seller's accounts: a few small ones nobody names
        small = self.segment_order[-1] if self.segment_order else None
        pool = sorted(i for i, acc in enumerate(self.accounts) if acc.segment == small and not acc.untouched and acc.id not in all_named)
        self.departed_accounts = rng.sample(pool, min(len(pool), max(1, int(round(4 * self.scale)))))
        for i in self.departed_accounts:
            self.accounts[i].owner = -2

    # --- the accounts export -----------------------------------------------------------------------------------

    def _write_accounts(self) -> ExportFile:
        rng = self.rng
        source = self.config.accounts
        extra = [(f"attr:{attribute}", header) for attribute, header in self.config.attributes.items()]
        export = _Export("accounts", source, extra)
        order = sorted(range(len(self.accounts)), key=lambda i: (self.accounts[i].name.casefold(), self.accounts[i].id))
        ordinals = sorted(rng.sample(range(1, max(len(order), 4) + 1), 3))
        for bad, ordinal in zip(self._bad_accounts(export), ordinals):
            export.plan_bad(None, ordinal, bad)
        export.begin(None)
        for i in order:
            acc = self.accounts[i]
            owner = self.reps[acc.owner] if acc.owner >= 0 else None
            status = "customer" if acc.won else acc.status
            values = {
                "id": acc.id,
                "name": acc.name,
                "status": self.status_label[status],
                "segment": acc.segment or "",
                "owner": "" if acc.owner == -1 else self.owner_label(owner, "accounts"),
            }
            values.update({f"attr:{a}": acc.attrs.get(a, "") for a in self.config.attributes})
            export.row(values, departed=acc.owner == -2)
        return export.finish()

    # --- its deliberate bad rows -------------------------------------------------------------------------------

    def _bad_accounts(self, export: _Export) -> list[_BadRow]:
        def duplicate(v: dict, e: _Export) -> dict:
            return {**v, "name": v.get("name", "").upper()}

        def missing(v: dict, e: _Export) -> dict:
            return {**v, "id": "", "name": _fold("Prospect salon Vivatech (à qualifier)", [e.source.encoding])}

        def ragged(v: dict, e: _Export) -> str:
            values = {**v, "id": self._new_id("Dupont"), "name": f"Dupont{e.delimiter} Fils et Associés"}
            values["name"] = _fold(values["name"], [e.source.encoding])
            cells = []
            for name in e.fields:
                text = values.get(name, "")
                cells.append(text if name == "name" else e.quote(text))
            if "name" not in e.fields:
                cells.append("")
            return e.delimiter.join(cells)

        return [
            _BadRow("account id given twice", duplicate),
            _BadRow("missing account id", missing),
            _BadRow("ragged row: an unquoted delimiter in the name", ragged),
        ]
