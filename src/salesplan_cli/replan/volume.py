"""Volume objectives re-allocated with the revenue (docs/metrics.md, Allocation).

Per kind and key the strategy sets (new customers and deals won per segment, units per product range):

- what stays fixed: the reps not re-allocated carry what they carried (their number x their proration);
- each re-allocated rep keeps what it carried in the months before --from (its full-year number x the
  share of its seasonality in those months), rounded to whole numbers by largest remainder;
- the rest goes to the re-allocated reps in post from --from, by the same weights as the revenue (basis x
  share of the seasonality in post; per segment; units by the rep's weight over all its segments), in whole
  numbers by largest remainder;
- the number written is what the rep carries this year divided by its proration after the rewrite (1 for a
  rep given a periods: breakdown in amounts). A rep still prorated (a hire allocated for the whole year,
  keeping a full-year target) gets a multiple of its proration's denominator, nearest its share, so that
  its prorated number is whole; the reps in post all year take the rest. When that cannot be made exact,
  the rep's number is left and a note says so.
"""

from __future__ import annotations

from fractions import Fraction

from ..config.values import Percent
from ..plan.model import VOLUME_KEYS
from ..plan.targets import rep_targets, strategy_volume, workspace_targets
from .rounding import round_values


def new_proration(ws, change) -> Fraction:
    """The proration the checks will apply to the rep once `change` is written."""
    rep = ws.reps[change.stem]
    update = {"targets": dict(change.targets)}
    if change.periods is not None:
        update["periods"] = dict(change.periods)
    if change.products is not None:
        update["products"] = dict(change.products)
    return rep_targets(rep.model_copy(update=update), ws.strategy, ws.settings).proration


def _closed(t, kind: str, key: str, first_open: int) -> Fraction:
    """What the rep carried of this objective in the months before --from (old weights, old dates)."""
    full = t.volume.get(kind, {}).get(key, Fraction(0))
    return full * sum((w * e for w, e in zip(t.month_weights[:first_open], t.employment[:first_open])), Fraction(0))


def allocate_volume(ws, request, changes, seg_weights: dict, rep_weights: dict, first_open: int) -> list[str]:
    """Set `change.volume` on each change (kind -> key -> number to write); returns notes."""
    notes: list[str] = []
    planned = strategy_volume(ws.strategy)
    old = workspace_targets(ws)
    changed = {c.stem: c for c in changes}
    p_new = {s: new_proration(ws, c) for s, c in changed.items()}
    segments = list(request.segments or ws.strategy.segments)
    whole_segments = set(segments) == set(ws.strategy.segments)
    done: dict[str, set[tuple[str, str]]] = {s: set() for s in changed}
    for kind, keys in planned.items():
        for key, target in keys.items():
            if VOLUME_KEYS[kind] == "segment" and key not in segments:
                continue
            if VOLUME_KEYS[kind] != "segment" and not whole_segments:
                continue  # units span the segments: re-allocated only with every segment
            weights = dict(seg_weights.get(key, {})) if VOLUME_KEYS[kind] == "segment" else dict(rep_weights)
            result = _one(ws, kind, key, target, old, changed, p_new, weights, first_open)
            if isinstance(result, str):
                notes.append(result)
                continue
            for s, number in result.items():
                changed[s].volume = changed[s].volume or {}
                changed[s].volume.setdefault(kind, {})[key] = number
                done[s].add((kind, key))
    for s, change in changed.items():  # objectives not re-allocated keep what the rep carries this year
        note = _keep(ws, change, old[s], p_new[s], done[s])
        if note:
            notes.append(note)
    return notes


def _one(ws, kind, key, target, old, changed, p_new, weights, first_open) -> dict[str, Fraction] | str:
    label = f"volume.{kind}.{key}"
    others = sum((t.effective_volume.get(kind, {}).get(key, Fraction(0)) for s, t in old.items() if s not in changed), Fraction(0))
    order = sorted(changed)
    closed = {s: _closed(old[s], kind, key, first_open) for s in order}
    active = [s for s in order if weights.get(s)]
    gone = [s for s in order if s not in active]  # (a leaver) keeps what it carried, rounded to whole numbers
    this_year = dict(zip(gone, round_values([closed[s] for s in gone], Fraction(1)) if gone else []))
    left = target - others - sum(this_year.values(), Fraction(0))
    if left.denominator != 1:
        return f"{label}: the reps not re-allocated carry {float(others):g}, not a whole number; the reps' numbers are left as they were"
    if left < 0:
        return f"{label}: the reps not re-allocated and the months already ended carry more than the strategy's {target}; the reps' numbers are left as they were"
    if left and not active:
        return f"{label}: {left} to allocate but no re-allocated rep has a weight for it; the reps' numbers are left as they were"
    prorated = [s for s in active if p_new[s] != 1 and not closed[s]]
    absorbers = [s for s in active if s not in prorated]
    total_w = sum((weights[s] for s in active), Fraction(0))
    written: dict[str, Fraction] = {}
    rest = left
    if prorated and absorbers:
        # a prorated rep: a full-year number F, a multiple of its proration's denominator, so F x p is whole
        for s in prorated:
            p = p_new[s]
            ideal = left * weights[s] / total_w / p / p.denominator
            written[s] = (ideal.numerator * 2 + ideal.denominator) // (2 * ideal.denominator) * p.denominator
            this_year[s] = written[s] * p
        rest = left - sum((this_year[s] for s in prorated), Fraction(0))
        if rest < 0:
            written, rest = {}, left
            for s in prorated:
                del this_year[s]
    sharing = [s for s in active if s not in written]
    if sharing:
        # this year's numbers: what each carried before --from plus its share of the rest, whole by largest remainder
        open_rest = rest - sum((closed[s] for s in sharing), Fraction(0))
        w = sum((weights[s] for s in sharing), Fraction(0))
        if open_rest >= 0:
            exact = [closed[s] + open_rest * weights[s] / w for s in sharing]
        else:
            exact = [rest * weights[s] / w for s in sharing]
        this_year.update(zip(sharing, round_values(exact, Fraction(1), rest)))
    out: dict[str, Fraction] = {}
    for s in order:
        if s in written:
            out[s] = written[s]
            continue
        number = this_year.get(s, Fraction(0)) / p_new[s]
        if number.denominator != 1:
            return (
                f"{label}: {ws.reps[s].id} is in post {float(p_new[s]):.0%} of the year and no whole number gives its share "
                f"({float(this_year.get(s, 0)):g}); the reps' numbers are left as they were: set them by hand"
            )
        out[s] = number
    rep_has = {s: key in ((ws.reps[s].volume.kinds().get(kind) or {}) if ws.reps[s].volume else {}) for s in order}
    return {s: v for s, v in out.items() if v or rep_has[s]}  # no new key for a zero


def _keep(ws, change, t, p_new: Fraction, done: set) -> str | None:
    """An objective not re-allocated: the rep carries this year what it carried, its number divided by its
    new proration (a hire or leaver given a periods: breakdown is no longer prorated)."""
    rep = ws.reps[change.stem]
    if rep.volume is None or p_new == t.proration:
        return None
    for kind, keys in rep.volume.kinds().items():
        for key, value in keys.items():
            if (kind, key) in done:
                continue
            if isinstance(value, Percent):
                return f"{rep.id}: volume.{kind}.{key} is a share; with its new periods: breakdown its proration changes: check it"
            number = Fraction(value) * t.proration / p_new
            if number.denominator != 1:
                return f"{rep.id}: volume.{kind}.{key} x {float(t.proration):.0%} in post is not a whole number; with its new periods: breakdown it is no longer prorated: set this year's number by hand"
            change.volume = change.volume or {}
            change.volume.setdefault(kind, {})[key] = number
    return None
