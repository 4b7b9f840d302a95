"""The sales (invoices) export: this year's won deals invoiced, last year's invoices, credit notes."""

from __future__ import annotations

import datetime as dt

from .dialect import _BadRow, _Export, _quantity_text
from .model import ExportFile
from .values import _add_months, _amount_text, _date_text, _impossible_date, _weighted, _wrong_locale_amount


class _Sales:
    """The sales export and its bad rows."""

    def _write_sales(self) -> ExportFile:
        rng = self.rng
        source = self.config.sales
        export = _Export("sales", source, fill=self._fill())
        invoices = self.invoices
        # a few credit notes on earlier invoices
        credits = []
        candidates = [inv for inv in invoices if inv[5] is False]
        for _ in range(min(len(candidates), max(1, int(round(2 * self.scale))))):
            inv = rng.choice(candidates)
            when = inv[0] + dt.timedelta(days=rng.randrange(5, 40))
            if when <= self.as_of:
                percent = rng.randrange(10, 31)  # a rebate on the invoice, returning that share of its units
                credits.append((when, inv[1], inv[2], inv[3], -(inv[4] * percent // 100), True, -(inv[6] * percent // 100)))
        invoices = sorted(invoices + credits, key=lambda inv: (inv[0], inv[5], inv[1], inv[4]))
        ordinals = sorted(rng.sample(range(1, max(len(invoices), 5) + 1), 4))
        prior = self._prior_invoices()
        for bad, ordinal in zip(self._bad_sales(export), ordinals):
            export.plan_bad(None, ordinal + len(prior), bad)  # among this year's invoices
        export.begin(None)
        year = f"{self.as_of.year % 100:02d}"
        last_year = f"{(self.fy_start - dt.timedelta(days=1)).year % 100:02d}"
        self.invoice_counter = {}
        for when, account, owner, range_, cents, credit, units in prior:
            rep = self.reps[owner] if owner >= 0 else None
            export.row(self._invoice_values(export, rep, account, range_, cents, credit, when, last_year, units), departed=rep is None)
        self.invoiced = {}
        for when, account, owner, range_, cents, credit, units in invoices:
            rep = self.reps[owner] if owner >= 0 else None
            export.row(self._invoice_values(export, rep, account, range_, cents, credit, when, year, units), departed=rep is None)
            if rep is not None:
                self.invoiced[rep.plan.id] = self.invoiced.get(rep.plan.id, 0) + cents
            else:
                self.invoiced[None] = self.invoiced.get(None, 0) + cents
        return export.finish()

    def _prior_invoices(self) -> list[tuple]:
        """Last fiscal year's invoices of the accounts already customers (one or two each, by their owner):
        the sales export runs from the year before, so an account's first sale tells a new customer from an
        old one. Drawn from their own stream: this year's rows do not move."""
        history = self.history_rng
        first, last = _add_months(self.fy_start, -12), self.fy_start - dt.timedelta(days=1)
        shares = [float(getattr(self.strategy.products.get(r), "value", self.strategy.products.get(r)) or 0) if r is not None else 1.0
                  for r in self.ranges] if self.strategy.products else [1.0] * len(self.ranges)
        out = []
        for i, acc in enumerate(self.accounts):
            if acc.status != "customer" or acc.owner == -1:
                continue
            for _ in range(1 + (history.random() < 0.2)):
                range_ = self.ranges[_weighted(history, shares)]
                cents = self._amount(acc.segment, 0 if history.random() < 0.5 else 1, history)
                units = self._units(cents, range_, history) if self.crm_products[range_] != [""] else 0
                out.append((self._day_in(first, last, history), i, acc.owner, range_, cents, False, units))
        out.sort(key=lambda inv: (inv[0], inv[1], inv[4]))
        return out

    def _invoice_values(self, export: _Export, rep, account, range_, cents, credit, when, year, units=0) -> dict[str, str]:
        slot = (year, 1 if credit else 0)
        self.invoice_counter[slot] = self.invoice_counter.get(slot, 0) + 1
        number = f"{'AV' if credit else 'FA'}{year}-{self.invoice_counter[slot]:06d}"
        return {
            "id": number,
            "owner": self.owner_label(rep, "sales"),
            "account": self.accounts[account].id,
            "amount": _amount_text(cents, export.source),
            "date": _date_text(dt.datetime.combine(when, dt.time()), export.source),
            "product": self.erp_range[range_],
            "currency": self.currency,
            "quantity": _quantity_text(units, export.source) if self.erp_range[range_] else "",
        }

    # --- its deliberate bad rows -------------------------------------------------------------------------------

    def _bad_sales(self, export: _Export) -> list[_BadRow]:
        source = export.source
        error = "#VALEUR!" if source.decimal == "," else "#VALUE!"
        year = f"{self.as_of.year % 100:02d}"
        fresh = lambda e: f"FA{year}-9{len(e.bad) + 1:05d}"  # noqa: E731
        return [
            _BadRow("amount in the wrong locale", lambda v, e: {**v, "id": fresh(e), "amount": _wrong_locale_amount(1_234_567, source)}),
            _BadRow(f"spreadsheet error {error} as the amount", lambda v, e: {**v, "id": fresh(e), "amount": error}),
            _BadRow("impossible date", lambda v, e: {**v, "id": fresh(e), "date": _impossible_date(source, self.as_of.year)}),
            _BadRow("missing account", lambda v, e: {**v, "id": fresh(e), "account": ""}),
        ]
