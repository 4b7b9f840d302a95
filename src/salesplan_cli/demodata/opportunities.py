"""The opportunities and stage-history exports (and the ids a CRM gives them)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from ..config.data import Source
from ..intake.fields import PRESET_STAGES
from .dialect import _CHECKBOX_WORDS, _FOREIGN_SHARE, _LOST_NO_VALUE, _OPEN_BLANKS, _BadRow, _Export, _quantity_text
from .model import ExportFile, _Deal, _Rep
from .values import _UNKNOWN_STAGES, _amount_text, _date_text, _fold, _impossible_date, _output_key, _wrong_locale_amount


class _Opportunities:
    """The opportunities and stage-history exports and their bad rows."""

    # --- ids -----------------------------------------------------------------------------------------------------

    _BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

    def _scrambled(self, counter: int, modulus: int, salt: int) -> int:
        return (counter * 2_654_435_761 + salt) % modulus  # a bijection: the multiplier is odd and prime to 62 and 10

    def _sf_id(self, prefix: str, counter: int, salt: int) -> str:
        number = self._scrambled(counter, 62**12, salt)
        chars = []
        for _ in range(12):
            number, digit = divmod(number, 62)
            chars.append(self._BASE62[digit])
        return prefix + "".join(reversed(chars))

    def opportunity_id(self, counter: int) -> str:
        preset = self.config.opportunities.preset if self.config.opportunities else "none"
        if preset == "salesforce":
            return self._sf_id("006", counter, 0x5F3759DF)
        if preset == "hubspot":
            return str(10_000_000_000 + self._scrambled(counter, 10**10, 7_777_777))
        if preset == "pipedrive":
            return str(1000 + counter)
        return f"OPP-{counter + 1:06d}"

    def activity_id(self, counter: int) -> str:
        preset = self.config.activities.preset if self.config.activities else "none"
        if preset == "salesforce":
            return self._sf_id("00T", counter, 0x1B873593)
        if preset == "hubspot":
            return str(80_000_000_000 + self._scrambled(counter, 10**10, 12_345_678))
        if preset == "pipedrive":
            return str(5000 + counter)
        return f"ACT-{counter + 1:07d}"

    # --- the opportunities and stage-history exports -----------------------------------------------------------

    def _write_opportunities(self) -> dict[str, ExportFile]:
        rng = self.rng
        config = self.config
        book = [(f"expected:{output}", header) for output, header in self.expected]
        opp = _Export("opportunities", config.opportunities, book, fill=self._fill()) if config.opportunities is not None else None
        history = _Export("stage_history", config.stage_history) if config.stage_history is not None else None
        blocks: list[tuple[str, _Rep | None]] = []
        for rep in self.reps:
            blocks.append((self.owner_label(rep, "opportunities") if opp else rep.plan.name, rep))
        blocks.append((self.owner_label(None, "opportunities") if opp else self.departed_name, None))
        blocks.sort(key=lambda b: (b[0].casefold(), b[1].index if b[1] else -1))
        rep_blocks = [label for label, rep in blocks if rep is not None and rep.carried]
        if opp is not None and rep_blocks:
            for bad in self._bad_opportunities(opp):
                opp.plan_bad(rng.choice(rep_blocks), rng.randint(1, 15), bad)
        if history is not None and rep_blocks:
            for bad in self._bad_history(history):
                history.plan_bad(rng.choice(rep_blocks), rng.randint(1, 40), bad)
        counter = 0
        self.q4_open = 0
        self.team_low = [0, 0]  # won, closed on the low range, the low seller excepted
        self.low_counts = [0, 0]
        q4_first = self.months[9].first_day
        for label, rep in blocks:
            deals = self._rep_deals(rep) if rep is not None else self._departed_deals()
            deals.sort(key=lambda d: (d.close, d.created, d.account, d.cents))
            if opp is not None:
                opp.begin(label)
            if history is not None:
                history.begin(label)
            for deal in deals:
                acc = self.accounts[deal.account]
                opp_id = self.opportunity_id(counter)
                counter += 1
                deal.quantity = self._units(deal.cents, deal.range, self.qty_rng) if deal.product else 0
                if deal.outcome == "won":
                    if deal.close <= self.as_of:
                        acc.won = True
                    when = deal.close + dt.timedelta(days=rng.randrange(0, 8))
                    if when <= self.as_of:
                        per_mille = 0 if rng.random() < 0.65 else rng.randrange(5, 46)
                        cents = deal.cents * (1000 - per_mille) // 1000
                        self.invoices.append((when, deal.account, rep.index if rep else -2, deal.range, cents, False, deal.quantity))
                blanks = self._blanks(deal, opp) if opp is not None else set()
                if deal.outcome == "open" and q4_first <= deal.close <= self.fy_end and not blanks & {"amount", "close_date"}:
                    self.q4_open += deal.cents
                if rep is not None and deal.range == self.low_range and deal.outcome != "open":
                    target = self.low_counts if rep is self.low_rep else self.team_low
                    target[0] += deal.outcome == "won"
                    target[1] += 1
                if rep is not None:
                    previous = self.links.get((rep.index, deal.account))
                    if previous is None or previous[1] <= deal.created:
                        self.links[(rep.index, deal.account)] = (counter - 1, deal.created)
                if opp is not None:
                    opp.row(self._opportunity_values(opp, rep, deal, opp_id, blanks), departed=rep is None)
                if history is not None:
                    self._history_rows(history, rep, deal, opp_id)
        out = {}
        if opp is not None:
            footer = None
            if config.opportunities.preset == "salesforce":
                footer = [
                    f"Grand Totals ({opp.rows} records)",
                    "Confidential Information - Do Not Distribute",
                    f"Copyright (c) 2000-{self.as_of.year} salesforce.com, inc. All rights reserved.",
                ]
            out["opportunities"] = opp.finish(footer)
        if history is not None:
            out["stage_history"] = history.finish()
        return out

    def _fill(self) -> frozenset:
        """The fields written beyond the preset's usual ones: the currency when the workspace declares rates."""
        return frozenset({"currency"}) if self.rates else frozenset()

    def _blanks(self, deal: _Deal, export: _Export) -> set[str]:
        """The cells a real export leaves blank on this deal: some open deals' amount, close date or account;
        lost deals without value (`lost_zero`: written 0) in the presets whose orgs do that."""
        aux = self.aux
        blanks = set()
        if deal.outcome == "open":
            for name, share in _OPEN_BLANKS.items():
                if aux.random() < share and (name != "account" or export.has("account")):
                    blanks.add(name)
        elif deal.outcome == "lost" and export.source.preset in _LOST_NO_VALUE:
            share, how = _LOST_NO_VALUE[export.source.preset]
            if aux.random() < share:
                blanks.add("amount" if how == "blank" else "lost_zero")
        return blanks

    def _in_currency(self, cents: int) -> tuple[str, int]:
        """A deal's currency and its amount in it: mostly the workspace currency; else a foreign one of `rates:`,
        the amount converted at the plan rate and rounded as deals are (its value in the workspace currency stays near)."""
        if not self.rates or self.aux.random() >= _FOREIGN_SHARE:
            return self.currency, cents
        codes = list(self.rates)
        code = codes[self.aux.randrange(len(codes))]
        value = Fraction(cents, 100) / self.rates[code]
        step = 100 if value >= 20_000 else 50 if value >= 2_000 else 10 if value >= 200 else 1
        return code, max(step, int(round(value / step)) * step) * 100

    def _opportunity_values(self, export: _Export, rep: _Rep | None, deal: _Deal, opp_id: str, blanks: set[str] = frozenset()) -> dict[str, str]:
        source = export.source
        acc = self.accounts[deal.account]
        uses_status = export.has("status")
        if deal.outcome == "open" or uses_status:
            stage = self.crm_stage[self.open_stages[deal.stage].name] if self.open_stages else ""
        else:
            stage = self.closed_stage[deal.outcome]
        probability = deal.probability if source.probability == "percent" else f"{deal.probability / 100:.2f}"
        name = f"{acc.name} - {deal.product}" if deal.product else acc.name
        currency, cents = self._in_currency(deal.cents) if export.has("currency") else (self.currency, deal.cents)
        if "lost_zero" in blanks:
            cents = 0
        return {
            "id": opp_id,
            "owner": self.owner_label(rep, "opportunities"),
            "account": "" if "account" in blanks else acc.id,
            "stage": stage,
            "amount": "" if "amount" in blanks else _amount_text(cents, source),
            "currency": currency,
            "close_date": "" if "close_date" in blanks else _date_text(dt.datetime.combine(deal.close, dt.time()), source),
            "created_date": _date_text(dt.datetime.combine(deal.created, dt.time(9, 0)), source),
            "probability": str(probability),
            "product": deal.product,
            "last_activity": _date_text(dt.datetime.combine(deal.last_activity, dt.time()), source),
            "name": _fold(name, [source.encoding]),
            "status": deal.outcome if uses_status else "",
            "quantity": _quantity_text(deal.quantity, source) if deal.product else "",
            **self._book_values(source, rep, deal),
        }

    def _book_values(self, source: Source, rep: _Rep | None, deal: _Deal) -> dict[str, str]:
        """The qualification columns of a deal (data.opportunities.expected): an output is mostly recorded once
        its stage is passed, half the time at its stage, seldom before; a timeline as the quarter the customer
        gave. The rep of `self.unqualified` moves most of its open deals on without the first output."""
        if not self.expected:
            return {}
        book = self.book_rng
        yes, no = _CHECKBOX_WORDS.get(source.preset, _CHECKBOX_WORDS["none"])
        out = {}
        for output, _header in self.expected:
            key = _output_key(output)
            at = self.expected_at.get((rep.index, key)) if rep is not None else None
            if deal.outcome == "won":
                share = 0.95
            elif at is None:
                share = 0.45
            else:
                share = 0.93 if at < deal.stage else 0.45 if at == deal.stage else 0.1
                if rep is not None and self.unqualified == (rep.index, key) and deal.outcome == "open" and at < deal.stage:
                    share = 0.3
            recorded = book.random() < share
            blank = book.random() < 0.4
            if any(word in key for word in ("time", "date", "when")):
                text = f"Q{(deal.close.month - 1) // 3 + 1} {deal.close.year}" if recorded else "" if blank else "Unknown"
            else:
                text = yes if recorded else "" if blank else no
            out[f"expected:{output}"] = text
        return out

    def _history_rows(self, export: _Export, rep: _Rep | None, deal: _Deal, opp_id: str) -> None:
        source = export.source
        reached = [self.crm_stage[s.name] for s in self.open_stages[: deal.stage + 1]]
        end = deal.close if deal.outcome != "open" else self.as_of
        end = max(min(end, self.as_of), deal.created)
        if deal.outcome != "open":
            reached.append(self.closed_stage[deal.outcome])
        span = (end - deal.created).days
        for i, stage in enumerate(reached):
            day = deal.created + dt.timedelta(days=(span * i) // max(1, len(reached) - 1)) if len(reached) > 1 else deal.created
            if i == len(reached) - 1 and deal.outcome != "open":
                day = end
            export.row({"opportunity": opp_id, "stage": stage, "date": _date_text(dt.datetime.combine(day, dt.time(10, 0)), source)}, departed=False)

    # --- their deliberate bad rows -----------------------------------------------------------------------------

    def _bad_opportunities(self, export: _Export) -> list[_BadRow]:
        source = export.source
        new_id = lambda v, e: self.opportunity_id(10**8 + len(e.bad))  # noqa: E731 - ids no real deal uses
        known = {k.casefold() for k in self.config.mapping.stages} | {s.name.casefold() for s in self.strategy.stages}
        known |= set(PRESET_STAGES.get(source.preset, {}))
        stage = self._unknown(_UNKNOWN_STAGES, known)
        year = self.as_of.year
        bad = [
            _BadRow("unreadable amount 'TBD'", lambda v, e: {**v, "id": new_id(v, e), "amount": "TBD"}),
            _BadRow("amount in the wrong locale", lambda v, e: {**v, "id": new_id(v, e), "amount": _wrong_locale_amount(1_250_000, source)}),
            _BadRow(f"impossible close date {_impossible_date(source, year)}", lambda v, e: {**v, "id": new_id(v, e), "close_date": _impossible_date(source, year)}),
        ]
        if "stage" in export.fields:
            bad.append(_BadRow(f"unknown stage '{stage}'", lambda v, e: {**v, "id": new_id(v, e), "stage": stage, "status": ""}))
        return bad

    def _bad_history(self, export: _Export) -> list[_BadRow]:
        source = export.source
        known = {k.casefold() for k in self.config.mapping.stages} | {s.name.casefold() for s in self.strategy.stages}
        known |= set(PRESET_STAGES.get(source.preset, {}))
        stage = self._unknown(_UNKNOWN_STAGES, known)
        return [
            _BadRow(f"unknown stage '{stage}'", lambda v, e: {**v, "stage": stage}),
            _BadRow("impossible date", lambda v, e: {**v, "date": _impossible_date(source, self.as_of.year)}),
        ]
