"""The deals: amounts, products, stages and outcomes per rep, the departed seller's deals."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from fractions import Fraction

from .dialect import _UNIT_PRICE
from .model import _Deal, _Rep
from .values import _CYCLE, _DEAL_MEDIAN, _HOLIDAYS, _add_months, _days_between, _weighted


class _Deals:
    """Each rep's deals drawn against the plan."""

    # --- deals -------------------------------------------------------------------------------------------------

    def _amount(self, segment: str | None, product_index: int, rng: random.Random | None = None) -> int:
        """A deal amount in cents: a typical size for the segment and product, rounded as deals are."""
        rng = rng or self.rng
        u1, u2 = rng.random(), rng.random()
        median = _DEAL_MEDIAN[self.rank.get(segment, len(_DEAL_MEDIAN) - 1)]
        value = median * (1.0 if product_index == 0 else 0.45) * (0.5 + 1.5 * u1 * u2) / self.scale
        step = 100 if value >= 20_000 else 50 if value >= 2_000 else 10 if value >= 200 else 1
        return max(step, int(round(value / step)) * step) * 100

    def _day_in(self, first: dt.date, last: dt.date, rng: random.Random | None = None) -> dt.date:
        """A working day between `first` and `last` (any day when the span has none)."""
        rng = rng or self.rng
        span = _days_between(first, last)
        day = first + dt.timedelta(days=rng.randrange(span))
        for _ in range(8):
            if day.weekday() < 5 and (day.month, day.day) not in _HOLIDAYS:
                break
            day = first + dt.timedelta(days=rng.randrange(span))
        return day

    def _units(self, cents: int, range_: str | None, rng: random.Random) -> int:
        """Units of a sale of `cents` in a range: its amount over about the unit price (at least one)."""
        rank = self.ranges.index(range_) if range_ in self.ranges else len(_UNIT_PRICE) - 1
        price = _UNIT_PRICE[min(rank, len(_UNIT_PRICE) - 1)] / self.scale * (0.75 + 0.5 * rng.random())
        return max(1, int(round(cents / 100 / price)))

    def _product(self, range_: str | None) -> tuple[int, str]:
        names = self.crm_products[range_]
        index = 0 if len(names) == 1 or self.rng.random() < 0.6 else 1 + self.rng.randrange(len(names) - 1)
        return index, names[index]

    def _stage_for(self, close: dt.date) -> int:
        """An open deal's stage: late stages when it closes soon, early ones when it closes far out."""
        k = len(self.open_stages)
        if k == 1:
            return 0
        days = (close - self.as_of).days
        weights = []
        for i in range(k):
            pos = i / (k - 1)
            weights.append(0.2 + pos if days <= 30 else (1.0 - abs(pos - 0.5)) if days <= 90 else 1.2 - pos)
        return _weighted(self.rng, weights)

    def _make_deal(self, segment: str | None, range_: str | None, accounts: list[int], outcome: str, close: dt.date, cents: int | None = None) -> _Deal:
        rng = self.rng
        product_index, product = self._product(range_)
        amount = cents if cents is not None else self._amount(segment, product_index)
        lo, hi = _CYCLE[self.rank.get(segment, len(_CYCLE) - 1)]
        created = close - dt.timedelta(days=lo + int((hi - lo) * rng.random()))
        if created > self.as_of:
            created = self.as_of - dt.timedelta(days=rng.randrange(1, 60))
        created = min(created, close)
        if outcome == "open":
            stage = self._stage_for(close)
            recent = rng.random() < 0.85 and close >= self.as_of
            last = self.as_of - dt.timedelta(days=rng.randrange(0, 21) if recent else rng.randrange(31, 121))
            probability = self.probabilities[stage]
            if rng.random() < 0.15:
                probability = min(99, max(1, probability + rng.choice([-10, -5, 5, 10])))
        else:
            k = len(self.open_stages)
            stage = k - 1 if outcome == "won" else rng.randrange(k) if k else 0
            last = min(close - dt.timedelta(days=rng.randrange(0, 6)), self.as_of)
            probability = 100 if outcome == "won" else 0
        last = max(last, created)
        account = self._pick_account(accounts)
        return _Deal(close, created, last, account, product, range_, amount, outcome, stage, probability)

    def _pick_account(self, accounts: list[int]) -> int:
        """An account of the list, customers twice as likely as prospects (they buy add-ons and services)."""
        rng = self.rng
        while True:
            i = accounts[rng.randrange(len(accounts))]
            if self.accounts[i].status == "customer" or rng.random() < 0.5:
                return i

    def _rep_deals(self, rep: _Rep) -> list[_Deal]:
        """One rep's deals: won ones worth about the objective to date, lost ones at the rep's win rate, open pipeline."""
        rng = self.rng
        deals: list[_Deal] = []
        t = rep.targets
        mix = t.product_mix or {None: Fraction(1)}
        for segment in rep.carried:
            accounts = rep.deal_accounts.get(segment) or []
            if not accounts or segment not in t.full_year:
                continue
            monthly = t.monthly(segment)
            for range_ in self.ranges:
                share = float(mix.get(range_, Fraction(0))) if range_ is not None else 1.0
                if share <= 0:
                    continue
                low = rep is self.low_rep and range_ == self.low_range
                rate = self.low_rate if low else rep.win[range_]
                won_factor = rep.perf * (self.low_rate / 0.45 if low else 1.0)
                if rep is self.low_rep and not low and self.low_range in mix:
                    # what the weak range does not bring, the low seller makes up on the others
                    weak = float(mix[self.low_range])
                    won_factor *= 1 + weak * (1 - self.low_rate / 0.45) / max(1 - weak, 0.05)
                balance, lost_balance = 0.0, 0.0
                next_cents = None
                closed: list[_Deal] = []
                for m, month in enumerate(self.months):
                    first = max(month.first_day, rep.first_day)
                    last = min(month.last_day, self.as_of, rep.last_day)
                    if last < first:
                        continue
                    elapsed = _days_between(month.first_day, min(month.last_day, self.as_of)) / _days_between(month.first_day, month.last_day)
                    balance += float(monthly[m]) * share * elapsed * won_factor
                    while True:
                        if next_cents is None:
                            next_cents = self._amount(segment, 0 if rng.random() < 0.6 else 1)
                        if balance < next_cents / 200:
                            break
                        closed.append(self._make_deal(segment, range_, accounts, "won", self._day_in(first, last), next_cents))
                        balance -= next_cents / 100
                        next_cents = None
                        lost_balance += (1 - rate) / rate
                        while lost_balance >= 1:
                            closed.append(self._make_deal(segment, range_, accounts, "lost", self._day_in(first, last)))
                            lost_balance -= 1
                deals += closed
                # open pipeline: the rest of this fiscal year, then the first quarter of the next one
                balance = 0.0
                next_cents = None
                for m, month in enumerate(self.months + self.months[:3]):
                    next_year = m >= 12
                    first_day = _add_months(month.first_day, 12) if next_year else month.first_day
                    last_day = dt.date(first_day.year, first_day.month, calendar.monthrange(first_day.year, first_day.month)[1])
                    first = max(first_day, self.as_of + dt.timedelta(days=1), rep.first_day)
                    last = min(last_day, rep.last_day)
                    if last < first:
                        continue
                    remaining = _days_between(first, last) / _days_between(first_day, last_day)
                    weight = float(t.full_year.get(segment, 0)) * float(t.month_weights[m % 12]) if next_year else float(monthly[m])
                    if next_year:
                        cover = 0.8 - 0.2 * (m - 12)
                    elif m >= 9:
                        cover = rep.q4_cover
                    else:
                        cover = 2.2 + 0.4 * rng.random()
                    balance += weight * share * remaining * cover
                    while True:
                        if next_cents is None:
                            next_cents = self._amount(segment, 0 if rng.random() < 0.6 else 1)
                        if balance < next_cents / 200:
                            break
                        deal = self._make_deal(segment, range_, accounts, "open", self._day_in(first, last), next_cents)
                        balance -= next_cents / 100
                        next_cents = None
                        if rng.random() < 0.04:  # a deal that slipped: still open, its close date passed
                            deal.close = max(deal.created, self.as_of - dt.timedelta(days=rng.randrange(3, 60)))
                            deal.last_activity = max(deal.created, min(deal.last_activity, self.as_of - dt.timedelta(days=rng.randrange(31, 90))))
                        deals.append(deal)
        if rep is self.low_rep:
            self._top_up_low(rep, deals)
        self._new_customers(rep, deals)
        return deals

    def _new_customers(self, rep: _Rep, deals: list[_Deal]) -> None:
        """About the rep's new-customer objective to date: won deals moved, earliest first, from accounts already
        customers to prospects of the rep's not won yet (a prospect's first sale makes a new customer). No draw."""
        from ..plan.targets import rep_volume

        t = rep.targets
        for segment, objective in rep_volume(rep.plan, self.strategy).get("new_customers", {}).items():
            if not objective or not t.full_year.get(segment):
                continue
            to_date = 0.0
            for m, month in enumerate(self.months):
                if month.first_day > self.as_of:
                    break
                elapsed = _days_between(month.first_day, min(month.last_day, self.as_of)) / _days_between(month.first_day, month.last_day)
                to_date += float(t.monthly(segment)[m]) * elapsed
            aim = math.ceil(float(objective) * to_date / float(t.full_year[segment]))
            won = [d for d in deals if d.outcome == "won" and d.close <= self.as_of and self.accounts[d.account].segment == segment]
            new = {d.account for d in won if self.accounts[d.account].status == "prospect"}
            free = [i for i in rep.deal_accounts.get(segment, []) if self.accounts[i].status == "prospect" and i not in new]
            movable = sorted((d for d in won if self.accounts[d.account].status != "prospect"), key=lambda d: (d.close, d.account, d.cents))
            while len(new) < aim and free and movable:
                deal = movable.pop(0)
                deal.account = free.pop(0)
                new.add(deal.account)

    def _top_up_low(self, rep: _Rep, deals: list[_Deal]) -> None:
        """Enough closed deals on the low range for the low seller (36 from mid-year on), so a significance test can tell."""
        closed = [d for d in deals if d.range == self.low_range and d.outcome != "open"]
        need = max(30, self.ws.settings.conversion.min_closed) + 6
        elapsed = _days_between(self.fy_start, min(max(self.as_of, self.fy_start), self.fy_end)) / _days_between(self.fy_start, self.fy_end)
        need = int(math.ceil(need * min(1.0, 2 * elapsed)))  # in full from mid-year on
        segments = [s for s in rep.carried if rep.deal_accounts.get(s)]
        if not segments:
            return
        first = max(rep.first_day, self.fy_start)
        last = min(self.as_of, rep.last_day, self.fy_end)
        if last < first:
            return
        won = sum(1 for d in closed if d.outcome == "won")
        segment = segments[-1]
        while len(closed) < need:
            outcome = "won" if (won + 1) / (len(closed) + 1) <= self.low_rate + 0.02 else "lost"
            deal = self._make_deal(segment, self.low_range, rep.deal_accounts[segment], outcome, self._day_in(first, last))
            won += outcome == "won"
            closed.append(deal)
            deals.append(deal)

    def _departed_deals(self) -> list[_Deal]:
        rng = self.rng
        if not self.departed_accounts:
            return []
        left = self.departed_until
        deals = []
        segment = self.accounts[self.departed_accounts[0]].segment
        if left is not None:
            count = max(1, int(round(5 * self.scale)))
            for i in range(count):
                outcome = "won" if i % 5 in (0, 2, 4) else "lost"
                range_ = self.ranges[i % len(self.ranges)]
                deals.append(self._make_deal(segment, range_, self.departed_accounts, outcome, self._day_in(self.fy_start, left)))
        # a deal of hers still open: nobody took it over
        close = self.as_of + dt.timedelta(days=rng.randrange(10, 80))
        deal = self._make_deal(segment, self.ranges[0], self.departed_accounts, "open", close)
        if left is not None:
            deal.last_activity = min(deal.last_activity, left)
        deals.append(deal)
        return deals
