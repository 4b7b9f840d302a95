"""The activities export: calls, meetings and tasks following the norms, scheduled tasks."""

from __future__ import annotations

import datetime as dt
import math

from .dialect import _NO_TITLE, _OPEN_WEIGHTS, _STATUS_WORDS, _BadRow, _Export
from .model import ExportFile, _Rep
from .values import _HOLIDAYS, _UNKNOWN_ACTIVITIES, _bisect, _date_text, _days_between, _fold, _impossible_date, _poisson, _weighted


# the share of a rep's actions on the accounts it is responsible for beyond its portfolio's counts (owned, or
# meeting its criteria): its coverage of them is not only its portfolio's
_SPILL = 0.3


class _Activities:
    """The activities export and its bad rows."""

    def _norms(self, rep: _Rep, segment: str, status: str) -> dict:
        """Actions per account and year: the strategy's norms, the rep's own where it sets them."""
        norms = dict(self.strategy.norms.get(segment, {}).get(status, {}))
        norms.update(rep.plan.activities.get(segment, {}).get(status, {}))
        return norms

    def _write_activities(self) -> ExportFile:
        rng = self.rng
        source = self.config.activities
        export = _Export("activities", source)
        year_days = _days_between(self.fy_start, self.fy_end)
        # what each rep does, per year: (account, action) pairs weighted by the norms
        plans = []
        for rep in self.reps:
            entries, weights = [], []
            for (segment, status), ids in rep.worked.items():
                norms = self._norms(rep, segment, status)
                for action, count in norms.items():
                    if action not in self.crm_action or not count:
                        continue
                    for i in ids:
                        if not self.accounts[i].untouched:
                            entries.append((i, action))
                            weights.append(float(count))
            cumulative, total = [], 0.0
            for w in weights:
                total += w
                cumulative.append(total)
            # the accounts it is responsible for beyond its portfolio: one action in _SPILL goes to one of them (the count of
            # actions stays that of the norms)
            spill = [(i, action) for (segment, status), ids in sorted(rep.owned_more.items()) for i in ids
                     if not self.accounts[i].untouched
                     for action in [max(self._norms(rep, segment, status).items(), key=lambda kv: (kv[1], kv[0]), default=(None, 0))[0]]
                     if action in self.crm_action]
            plans.append((rep, entries, cumulative, total, spill))
        months = [m for m in self.months if m.first_day <= self.as_of]
        if months:
            for bad, month in zip(self._bad_activities(export), [rng.choice(months) for _ in range(3)]):
                export.plan_bad(month.index, rng.randint(1, 40), bad)
        counter = 0
        for month in months:
            chunk = []
            for rep, entries, cumulative, total, spill in plans:
                first = max(month.first_day, rep.first_day)
                last = min(month.last_day, self.as_of, rep.last_day)
                if last < first or not entries:
                    continue
                lam = total * _days_between(first, last) / year_days * rep.activity
                for _ in range(_poisson(rng, lam)):
                    account, action = entries[min(len(entries) - 1, _bisect(cumulative, rng.random() * total))]
                    if spill and rng.random() < _SPILL:
                        account, action = spill[rng.randrange(len(spill))]
                    chunk.append((self._moment(first, last), rep, account, action))
            if self.departed_until is not None and self.departed_accounts:
                first, last = month.first_day, min(month.last_day, self.departed_until)
                if first <= last:
                    lam = 4 * self.scale * _days_between(first, last) / 30
                    for _ in range(_poisson(rng, lam)):
                        chunk.append((self._moment(first, last), None, rng.choice(self.departed_accounts), rng.choice(list(self.crm_action))))
            chunk.sort(key=lambda item: (item[0], item[1].index if item[1] else -1, item[2]))
            export.begin(month.index)
            for moment, rep, account, action in chunk:
                link = self.links.get((rep.index, account)) if rep is not None else None
                opportunity = ""
                if link is not None and link[1] <= moment.date() and rng.random() < 0.5:
                    opportunity = self.opportunity_id(link[0])
                values = {
                    "owner": self.owner_label(rep, "activities"),
                    "account": self.accounts[account].id,
                    "type": self.crm_action[action],
                    "date": _date_text(moment, source),
                    "id": self.activity_id(counter),
                    "opportunity": opportunity,
                    "status": self._task_status(export, moment.date(), rep is None),
                    "contact_role": self._title(export, account, rep),
                }
                counter += 1
                export.row(values, departed=rep is None)
        if export.has("status"):
            self._scheduled_activities(export, plans, counter)
        return export.finish()

    def _status_words(self, export: _Export) -> tuple[str, list[str]]:
        """The export's own words for a task done and for open ones: the preset's, else data.mapping.activity_statuses."""
        if export.source.preset in _STATUS_WORDS:
            return _STATUS_WORDS[export.source.preset]
        mapping = self.config.mapping.activity_statuses
        done = [k for k, v in mapping.items() if v == "done"]
        open_ = [k for k, v in mapping.items() if v == "open"]
        return (done[0] if done else "done"), (open_ or ["open"])

    def _open_word(self, export: _Export) -> str:
        words = self._status_words(export)[1]
        return words[_weighted(self.aux, _OPEN_WEIGHTS[: len(words)] + [0.05] * max(0, len(words) - len(_OPEN_WEIGHTS)))]

    def _task_status(self, export: _Export, day: dt.date, departed: bool) -> str:
        """A past task: mostly done; a few left open (overdue), more of them in the last three weeks."""
        if not export.has("status"):
            return ""
        share = 0.0 if departed else 0.12 if (self.as_of - day).days <= 21 else 0.012
        if self.aux.random() < share:
            return self._open_word(export)
        return self._status_words(export)[0]

    def _scheduled_activities(self, export: _Export, plans: list, counter: int) -> None:
        """Tasks in the calendar after the as-of date (open, in the export's words): the next five weeks,
        at about a third of each rep's pace, thinning out further ahead."""
        aux, source = self.aux, export.source
        year_days = _days_between(self.fy_start, self.fy_end)
        first_day, last_day = self.as_of + dt.timedelta(days=1), self.as_of + dt.timedelta(days=35)
        rows = []
        for rep, entries, cumulative, total, _spill in plans:
            first, last = max(first_day, rep.first_day), min(last_day, rep.last_day)
            if last < first or not entries:
                continue
            lam = total * _days_between(first, last) / year_days * rep.activity * 0.35
            for _ in range(_poisson(aux, lam)):
                span = _days_between(first, last)
                offset = int(span * aux.random() * math.sqrt(aux.random()))  # nearer dates more booked
                day = first + dt.timedelta(days=min(span - 1, offset))
                while day.weekday() >= 5 or (day.month, day.day) in _HOLIDAYS:
                    day += dt.timedelta(days=1)
                moment = dt.datetime.combine(day, dt.time(8 + aux.randrange(11), aux.randrange(60)))
                account, action = entries[min(len(entries) - 1, _bisect(cumulative, aux.random() * total))]
                rows.append((moment, rep, account, action))
        rows.sort(key=lambda item: (item[0], item[1].index, item[2]))
        export.begin("scheduled")
        for moment, rep, account, action in rows:
            link = self.links.get((rep.index, account))
            export.row({
                "owner": self.owner_label(rep, "activities"),
                "account": self.accounts[account].id,
                "type": self.crm_action[action],
                "date": _date_text(moment, source),
                "id": self.activity_id(counter),
                "opportunity": self.opportunity_id(link[0]) if link is not None and aux.random() < 0.5 else "",
                "status": self._open_word(export),
                "contact_role": self._title(export, account, rep),
            })
            counter += 1

    def _title(self, export: _Export, account: int, rep: _Rep | None) -> str:
        """The job title of the contact an activity is with: one of the roles the account's segment targets
        (the first most often), written as data.mapping.contact_roles names it; a few blank. The rep of
        `self.unreached` never meets that role in that segment."""
        if not export.has("contact_role"):
            return ""
        titles = self.title_rng
        acc = self.accounts[account]
        spec = self.ws.segments.get(acc.segment) if acc.segment else None
        roles = list(spec.contacts) if spec is not None else []
        if rep is not None and self.unreached is not None and self.unreached[:2] == (rep.index, acc.segment):
            roles = [role for role in roles if role != self.unreached[2]]
        if not roles or titles.random() < _NO_TITLE:
            return ""
        role = roles[_weighted(titles, ([3.0, 1.5] + [1.0] * len(roles))[: len(roles)])]
        names = self.role_titles[role]
        return _fold(names[titles.randrange(len(names))], [export.source.encoding])

    def _moment(self, first: dt.date, last: dt.date) -> dt.datetime:
        """A working day between `first` and `last`, in office hours."""
        rng = self.rng
        day = self._day_in(first, last)
        return dt.datetime.combine(day, dt.time(8 + rng.randrange(11), rng.randrange(60)))

    # --- its deliberate bad rows -------------------------------------------------------------------------------

    def _bad_activities(self, export: _Export) -> list[_BadRow]:
        source = export.source
        known = {k.casefold() for k in self.config.mapping.actions} | {a.casefold() for a in self.strategy.actions}
        kind = self._unknown(_UNKNOWN_ACTIVITIES, known)
        fresh = lambda e: self.activity_id(10**8 + len(e.bad))  # noqa: E731
        return [
            _BadRow(f"unknown activity type '{kind}'", lambda v, e: {**v, "id": fresh(e), "type": kind}),
            _BadRow("impossible date", lambda v, e: {**v, "id": fresh(e), "date": _impossible_date(source, self.as_of.year)}),
            _BadRow("missing activity type", lambda v, e: {**v, "id": fresh(e), "type": ""}),
        ]
