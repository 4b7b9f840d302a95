"""Deterministic demo CRM exports for a workspace (`salesplan demo-data`).

`generate(ws, as_of)` returns the bytes of every export declared under `data:`
in salesplan.yaml, written the way that section says they are read: the same
headers (the preset's column names, then the explicit `columns:`), encoding,
delimiter, decimal and thousands separators and date formats; a Salesforce
report ends with its usual footer.

The data follows the plan:

- accounts: enough of each segment and status for every rep's
  `portfolio.accounts`, with the attributes of `data.attributes` drawn so that
  the segment criteria and the reps' portfolio criteria pick them; the named
  accounts of segments.yaml and of the portfolios keep their ids;
- opportunities and sales: each rep wins, month by month up to the as-of date,
  about the objective of the plan (a performance of 90% to 112%) by segment and
  product range, and new customers about its `new_customers` objective; lost
  deals follow the rep's win rate; open deals close after the as-of date, up
  to three months into the next fiscal year, covering 2.5 to 3.1 times the
  rest of the year's target;
- activities: each rep works the accounts of `portfolio.accounts`, at 85% to
  115% of the plan's norms, 30% of its actions on the other accounts it is
  responsible for (owned, or meeting its criteria), and books some ahead (see
  below);
- owners are written as the exports of each system would: names (CRM presets),
  e-mails (sales), rep ids (other exports); all map to their rep by themselves.

And it holds what the reports are meant to find (see `DemoData.facts`):

- a departed seller, who matches no rep, owns a few rows of each export;
- a handful of deliberately bad rows per export (an unreadable amount, an
  impossible date, an unknown stage or activity type, a duplicate or missing
  account id, a ragged line), each listed with its line in `ExportFile.bad`;
- one seller converts far less on one product range (15% against about 45%,
  over at least 30 closed deals), and makes up for it on the other ranges;
- several key accounts (first segment) in portfolios have had no activity and
  no deal at all;
- three other reps in post all year are off track for one reason each
  (`facts["off_track"]`): the last by id behind on attainment (62% of its
  objective; it builds pipeline to catch up), the first with few actions
  (half of the norms), the middle one with a thin pipeline for the rest of
  the year (half of its target).

And what real exports have (drawn from a second stream, `self.aux`, so that the
rest of the data does not move):

- open deals without amount, close date or account (a few percent each);
  lost deals at 0 (Salesforce) or blank (HubSpot) for part of them;
- a task status in the export's words (`_STATUS_WORDS`, or the workspace's
  `data.mapping.activity_statuses`): past tasks mostly done, a few overdue,
  open tasks scheduled over the five weeks after the as-of date;
- with `rates:` in salesplan.yaml, deals in its currencies (`_FOREIGN_SHARE`),
  the amount converted at the plan rate and rounded as deals are.

And what the plan's volume objectives, contact roles and expected outputs
need, each from a stream of its own (`qty_rng`, `history_rng`, `title_rng`,
`book_rng`), so that the rows above do not move:

- quantities: a deal with a product carries its units (amount over about a
  unit price, `_UNIT_PRICE`), its invoice the same, a credit note the share
  it returns; the sales export also holds the fiscal year before (one or two
  invoices per account already a customer), so that new customers are the
  prospects won this year;
- contact titles on activities: the titles data.mapping.contact_roles maps
  to the roles of the account's segment (or the role itself), a few blank;
  one rep never meets the last role of the first segment naming several
  (`self.unreached`: in the example, rep-e1 and the CFO);
- the columns of data.opportunities.expected: an output mostly recorded
  once its stage is passed; one rep moves its deals on without the first
  linked output (`self.unqualified`: in the example, rep-s3 and the budget).

Determinism: one `random.Random(seed)` drives everything and its draws go
through arithmetic only (+, -, *, /, sqrt; no log or exp), so the bytes are the
same on every run and platform; nothing of the run (clock, paths, hash order)
is written. `scale` multiplies every row count and divides deal amounts, so the
turnover stays near the plan whatever the scale.

The package follows the data it writes: `model` (what it produces and the
records it draws), `values` (cell texts and draws), `dialect` (writing one
export), `scenario` (streams, names, reps), `accounts`, `deals`,
`opportunities` (and stage history), `sales`, `activities`, and `generator`
(the one class made of those parts, which runs them in order).
"""

from __future__ import annotations

import datetime as dt

from ..plan.model import Workspace
from .dialect import _UNFILLED
from .generator import _Demo
from .model import CSV_SUFFIXES, KINDS, DemoData, DemoDataError, ExportFile, unsupported_shape

__all__ = ["CSV_SUFFIXES", "KINDS", "DemoData", "DemoDataError", "ExportFile", "_UNFILLED", "build", "generate", "unsupported_shape"]


def generate(ws: Workspace, as_of: dt.date, seed: int = 2027, scale: float = 1.0) -> dict[str, bytes]:
    """Relative path -> bytes of every export declared under `data:` in salesplan.yaml."""
    return {f.path: f.data for f in build(ws, as_of, seed, scale).files}


def build(ws: Workspace, as_of: dt.date, seed: int = 2027, scale: float = 1.0) -> DemoData:
    """The exports with what they hold on purpose (bad rows and their lines, anomalies)."""
    return _Demo(ws, as_of, seed, scale).run()
