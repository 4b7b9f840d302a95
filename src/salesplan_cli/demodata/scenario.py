"""The scenario: the generator's streams, the names of things in the exports, the reps and their behaviour."""

from __future__ import annotations

import datetime as dt
import difflib
import random
from fractions import Fraction

from ..config.data import DataConfig, Source
from ..intake.fields import PRESET_STAGES
from ..plan.calendar import fiscal_months
from ..plan.model import Workspace
from ..plan.targets import rep_targets
from .model import KINDS, DemoDataError, _Rep, unsupported_shape
from .values import _DEAL_MEDIAN, _DEPARTED_CANDIDATES, _ascii_letters, _output_key


class _Scenario:
    """Streams, names, reps; `__init__` of the generator."""

    def __init__(self, ws: Workspace, as_of: dt.date, seed: int, scale: float):
        if ws.settings is None or ws.strategy is None or ws.segments is None:
            raise DemoDataError("the workspace does not load: run salesplan validate and fix it first")
        config: DataConfig | None = ws.settings.data
        if config is None or not any(getattr(config, kind) for kind in KINDS):
            raise DemoDataError("salesplan.yaml declares no CRM export under data:")
        if unsupported_shape(config):
            raise DemoDataError(unsupported_shape(config))
        if not scale > 0 or scale > 10_000:
            raise DemoDataError(f"scale must be above 0 and at most 10000, not {scale}")
        self.ws, self.config, self.as_of, self.seed, self.scale = ws, config, as_of, seed, scale
        self.rng = random.Random(seed)
        # a second stream for what real exports add (blank cells, task statuses, scheduled tasks, currencies):
        # the draws of the first one, hence every other row and figure, do not move
        self.aux = random.Random(seed * 7919 + 104_729)
        # and one stream each for what issue 17 added (quantities and last year's invoices, contact titles,
        # the qualification columns), so that none of them moves the others or the rows above
        self.qty_rng = random.Random(seed * 6151 + 31)
        self.history_rng = random.Random(seed * 5113 + 67)
        self.title_rng = random.Random(seed * 4099 + 53)
        self.book_rng = random.Random(seed * 3571 + 97)
        self.currency = ws.settings.currency
        self.rates = {code: Fraction(str(rate)) for code, rate in sorted(ws.settings.rates.items()) if code != self.currency}
        self.strategy = ws.strategy
        self.months = fiscal_months(ws.settings.fiscal_year.start)
        self.fy_start, self.fy_end = self.months[0].first_day, self.months[-1].last_day
        self.encodings = list(dict.fromkeys(getattr(config, k).encoding for k in KINDS if getattr(config, k) is not None))

        order = sorted(ws.segments.items(), key=lambda kv: (kv[1].priority, list(ws.segments).index(kv[0])))
        self.segment_order = [seg for seg, _ in order if seg in self.strategy.segments] + [s for s in self.strategy.segments if s not in ws.segments]
        self.rank = {seg: min(i, len(_DEAL_MEDIAN) - 1) for i, seg in enumerate(self.segment_order)}
        self.named_segment = {acc: seg for seg, spec in ws.segments.items() for acc in spec.named if seg in self.strategy.segments}

        self._naming()
        self._reps()
        self._contacts_and_book()

    # --- names of things in the exports ----------------------------------------------------------------

    def _naming(self) -> None:
        config, strategy = self.config, self.strategy
        mapping = config.mapping
        self.ranges: list[str | None] = list(strategy.products or {}) or [None]
        self.crm_products: dict[str | None, list[str]] = {}
        self.erp_range: dict[str | None, str] = {}
        for rng_ in self.ranges:
            if rng_ is None:
                self.crm_products[None], self.erp_range[None] = [""], ""
                continue
            names = [k for k, v in mapping.products.items() if v == rng_]
            if not names:
                self.crm_products[rng_], self.erp_range[rng_] = [rng_], rng_
                continue
            erp = max(names, key=lambda n: (difflib.SequenceMatcher(None, n.casefold(), rng_.casefold()).ratio(), -names.index(n)))
            self.erp_range[rng_] = erp
            self.crm_products[rng_] = [n for n in names if n != erp] or [erp]

        self.open_stages = [s for s in strategy.stages if s.outcome == "open"]
        self.crm_stage: dict[str, str] = {}
        for spec in strategy.stages:
            keys = [k for k, v in mapping.stages.items() if v == spec.name]
            self.crm_stage[spec.name] = keys[0] if keys else spec.name
        source = config.opportunities or config.stage_history
        preset = source.preset if source is not None else "none"
        self.closed_stage: dict[str, str] = {}
        for outcome in ("won", "lost"):
            plan = next((s.name for s in strategy.stages if s.outcome == outcome), None)
            preset_names = [k for k, v in PRESET_STAGES.get(preset, {}).items() if v == outcome]
            mapped = [k for k, v in mapping.stages.items() if plan is not None and v == plan]
            if mapped:
                self.closed_stage[outcome] = mapped[0]
            elif preset_names:
                spaced = [n for n in preset_names if " " in n] or preset_names
                self.closed_stage[outcome] = spaced[0].title()
            else:
                self.closed_stage[outcome] = plan or outcome
        self.probabilities = []
        for i, spec in enumerate(self.open_stages):
            if spec.probability is not None:
                self.probabilities.append(int(round(float(spec.probability.value) * 100)))
            else:
                self.probabilities.append(int(round(100 * (i + 1) / (len(self.open_stages) + 1))))

        self.crm_action = {}
        for action in strategy.actions:
            keys = [k for k, v in mapping.actions.items() if v == action]
            self.crm_action[action] = keys[0] if keys else action
        self.status_label = {}
        for status in ("prospect", "customer"):
            keys = [k for k, v in mapping.statuses.items() if v == status]
            self.status_label[status] = keys[0] if keys else status

        taken = set()
        for rep in self.ws.reps.values():
            taken |= {x.casefold() for x in (rep.id, rep.name, rep.email) if x}
        taken |= {k.casefold() for k in mapping.owners}
        self.departed_name = next(n for n in _DEPARTED_CANDIDATES + [f"Former Rep {i}" for i in range(2, 99)] if n.casefold() not in taken)
        domains = [rep.email.split("@", 1)[1] for rep in self.ws.reps.values() if rep.email and "@" in rep.email]
        domain = domains[0] if domains else "example.com"
        local = ".".join(_ascii_letters(part).lower() for part in self.departed_name.split())
        self.departed_email = f"{local}@{domain}"
        if self.departed_email.casefold() in taken:
            self.departed_email = f"former.{local}@{domain}"

    def owner_label(self, rep: _Rep | None, kind: str) -> str:
        """How an export names a seller: CRM presets by name, sales by e-mail, other exports by rep id."""
        source: Source = getattr(self.config, kind)
        if rep is None:
            return self.departed_name if source.preset != "none" else self.departed_email
        plan = rep.plan
        if source.preset != "none":
            aliases = [k for k, v in self.config.mapping.owners.items() if v == plan.id]
            return aliases[0] if aliases else plan.name
        if kind == "sales":
            return plan.email or plan.id
        return plan.id

    # --- reps: objectives and their behaviour -----------------------------------------------------------

    def _reps(self) -> None:
        rng = self.rng
        self.reps: list[_Rep] = []
        # the range one seller converts far less on; the team wins about 45% of it, 30% to 42% of the others
        self.low_range = "services" if "services" in self.ranges else self.ranges[-1]
        self.low_rate = 0.15
        for index, stem in enumerate(sorted(self.ws.reps)):
            plan = self.ws.reps[stem]
            targets = rep_targets(plan, self.strategy, self.ws.settings)
            win = {r: (0.40 + 0.10 * rng.random()) if r == self.low_range else (0.30 + 0.12 * rng.random()) for r in self.ranges}
            carried = [seg for seg, value in plan.targets.items() if getattr(value, "value", value) and seg in self.strategy.segments]
            self.reps.append(
                _Rep(
                    index=index,
                    plan=plan,
                    targets=targets,
                    first_day=max(plan.start or self.fy_start, self.fy_start),
                    last_day=plan.end or dt.date.max,
                    perf=0.90 + 0.22 * rng.random(),
                    activity=0.85 + 0.30 * rng.random(),
                    q4_cover=2.5 + 0.6 * rng.random(),
                    win=win,
                    carried=carried,
                )
            )
        # the seller who converts far less on one range: the second (by id) of the reps in post all year with most segments
        full_year = [r for r in self.reps if r.plan.start is None or r.plan.start <= self.fy_start]
        full_year = [r for r in full_year if r.plan.end is None or r.plan.end >= self.fy_end] or self.reps
        widest = max((len(r.carried) for r in full_year), default=0)
        candidates = [r for r in full_year if len(r.carried) == widest and r.carried]
        self.low_rep: _Rep | None = (candidates[1] if len(candidates) > 1 else candidates[0]) if candidates else None
        self._off_track(full_year)

    def _off_track(self, full_year: list[_Rep]) -> None:
        """Most reps are on track or watch; three of those in post all year (not the low seller) are off track,
        each for one visible reason: the last by id behind on attainment (it builds pipeline to catch up), the
        first with few actions, the middle one with a thin pipeline for the rest of the year."""
        others = [r for r in full_year if r is not self.low_rep]
        self.behind = self.idle = self.thin = None
        if len(others) < 3:
            return
        self.behind, self.idle, self.thin = others[-1], others[0], others[len(others) // 2]
        self.behind.perf, self.behind.q4_cover = 0.62, 4.8
        self.idle.activity = 0.5
        self.thin.q4_cover = 0.5

    def _contacts_and_book(self) -> None:
        """Contact titles per role; the rep who never reaches one role; the outputs linked to columns and the
        rep whose deals move on without the first of them."""
        ws, config = self.ws, self.config
        mapping = config.mapping.contact_roles
        self.role_titles: dict[str, list[str]] = {}
        for spec in ws.segments.values():
            for role in spec.contacts:
                if role not in self.role_titles:
                    titles = [k for k, v in mapping.items() if v.casefold() == role.casefold()]
                    own = role[:1].upper() + role[1:]
                    self.role_titles[role] = titles + ([own] if own.casefold() not in [t.casefold() for t in titles] else [])
        # the last role of the first segment naming several: never reached by the rep with the largest target there
        self.unreached: tuple[int, str, str] | None = None
        top = next((seg for seg in self.segment_order if seg in ws.segments and len(ws.segments[seg].contacts) > 1), None)
        carriers = [r for r in self.reps if top in r.carried]
        if top is not None and carriers:
            rep = max(carriers, key=lambda r: (r.targets.full_year.get(top, 0), -r.index))
            self.unreached = (rep.index, top, ws.segments[top].contacts[-1])
        source = config.opportunities
        self.expected: list[tuple[str, str]] = list(source.expected.items()) if source is not None else []
        stage_index = {s.name: i for i, s in enumerate(self.open_stages)}
        self.expected_at: dict[tuple[int, str], int] = {}  # (rep, output) -> the first stage whose method expects it
        for rep in self.reps:
            for stage, method in rep.plan.methods.items():
                for output in method.expected if stage in stage_index else []:
                    key = (rep.index, _output_key(output))
                    self.expected_at[key] = min(stage_index[stage], self.expected_at.get(key, len(stage_index)))
        # the rep whose open deals move on without the first linked output (a budget): the last, by id, of the
        # reps whose method expects it, other than the sellers of the other anomalies
        self.unqualified: tuple[int, str] | None = None
        if self.expected:
            first = _output_key(self.expected[0][0])
            taken = {self.low_rep.index if self.low_rep else -1, self.unreached[0] if self.unreached else -1}
            candidates = [r for r in self.reps if (r.index, first) in self.expected_at and r.carried and r.index not in taken]
            if candidates:
                self.unqualified = (candidates[-1].index, first)

    # --- names no mapping knows (for the deliberate bad rows) --------------------------------------------------

    def _unknown(self, candidates: list[str], known: set[str]) -> str:
        return next((c for c in candidates if c.casefold() not in known), candidates[0] + " (old)")
