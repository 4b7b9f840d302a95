"""The generator: one class made of the parts of this package; `run` writes the exports in order and states the facts."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from .accounts import _Accounts
from .activities import _Activities
from .deals import _Deals
from .model import KINDS, DemoData, ExportFile
from .opportunities import _Opportunities
from .sales import _Sales
from .scenario import _Scenario
from .values import _add_months, _days_between


class _Demo(_Scenario, _Accounts, _Deals, _Opportunities, _Sales, _Activities):
    """Everything the exports hold; the parts are split by the data they write (see the package docstring)."""

    def run(self) -> DemoData:
        self._build_accounts()
        self._assign_owners()
        self._plan_work()
        self._choose_untouched()
        left = min(_add_months(self.fy_start, 3) - dt.timedelta(days=17), self.as_of - dt.timedelta(days=1))
        self.departed_until = left if left >= self.fy_start else None
        self.invoices: list[tuple] = []  # (date, account, owner rep index or -2, range, cents, credit note?, units)
        self.links: dict[tuple[int, int], tuple[int, dt.date]] = {}  # (rep, account) -> latest deal counter, its created date
        files: dict[str, ExportFile] = {}
        if self.config.opportunities is not None or self.config.stage_history is not None or self.config.sales is not None:
            files.update(self._write_opportunities())
        if self.config.sales is not None:
            files["sales"] = self._write_sales()
        if self.config.activities is not None:
            files["activities"] = self._write_activities()
        if self.config.accounts is not None:
            files["accounts"] = self._write_accounts()
        ordered = [files[k] for k in KINDS if k in files]
        return DemoData(ordered, self._facts(files))

    # --- what the data holds -------------------------------------------------------------------------------------

    def _facts(self, files: dict[str, ExportFile]) -> dict:
        as_of = self.as_of
        plan_to_date = Fraction(0)
        q4_target = Fraction(0)
        q4_done = 0
        for rep in self.reps:
            monthly = rep.targets.monthly_total()
            for m, month in enumerate(self.months):
                if month.first_day > as_of:
                    continue
                share = Fraction(_days_between(month.first_day, min(month.last_day, as_of)), _days_between(month.first_day, month.last_day))
                plan_to_date += monthly[m] * share
            q4_target += sum(monthly[9:12], Fraction(0))
        q4_first = self.months[9].first_day
        for when, _, owner, _, cents, *_ in self.invoices:
            if q4_first <= when <= as_of and owner >= 0:
                q4_done += cents
        facts = {
            "as_of": as_of.isoformat(),
            "seed": self.seed,
            "scale": self.scale,
            "accounts": len(self.accounts),
            "departed": {
                "name": self.departed_name,
                "email": self.departed_email,
                "left": self.departed_until.isoformat() if self.departed_until else None,
                "accounts": [self.accounts[i].id for i in self.departed_accounts],
            },
            "low_conversion": None,
            "untouched_accounts": [
                {"account": self.accounts[i].id, "segment": self.accounts[i].segment,
                 "reps": [r.plan.id for r in self.reps if any(i in ids for ids in r.worked.values())]}
                for i in self.untouched
            ],
            "plan_to_date": round(float(plan_to_date), 2),
            "q4": {
                "target": round(float(q4_target), 2),
                "invoiced_to_date": q4_done / 100,
                "remaining": round(float(q4_target) - q4_done / 100, 2),
                "open_pipeline": self.q4_open / 100,
            },
        }
        if self.low_rep is not None:
            facts["low_conversion"] = {
                "rep": self.low_rep.plan.id,
                "range": self.low_range,
                "won": self.low_counts[0],
                "closed": self.low_counts[1],
                "team_won": self.team_low[0],
                "team_closed": self.team_low[1],
            }
        behind, idle, thin = getattr(self, "behind", None), getattr(self, "idle", None), getattr(self, "thin", None)
        if behind is not None and idle is not None and thin is not None:
            facts["off_track"] = {"attainment": behind.plan.id, "activity": idle.plan.id, "pipeline": thin.plan.id}
        if "sales" in files:
            facts["invoiced_to_date"] = {k if k is not None else "<departed>": v / 100 for k, v in self.invoiced.items()}
        return facts
