"""A join-semilattice over fact dicts: merging is commutative, associative and idempotent.

That is what makes the projections order-proof: whatever order events from different
topics and partitions arrive in, and however often one is redelivered, folding their
facts with `merge` ends in the same state.
"""
from __future__ import annotations

from typing import Any

# Merge operations per key. A nested dict of ops means "map of entries, each merged with these ops".
MIN, MAX, MIN_BY, MAX_BY, UNION = "min", "max", "min_by", "max_by", "union"
Ops = dict[str, Any]


def _min(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _max(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def _by_key(x: list[Any]) -> tuple[Any, Any]:
    # [sort value, event id, content]: the first two are unique, so content is never compared
    return (x[0], x[1])


def _min_by(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b, key=_by_key)


def _max_by(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b, key=_by_key)


_SCALAR = {MIN: _min, MAX: _max, MIN_BY: _min_by, MAX_BY: _max_by}


def merge(a: dict[str, Any] | None, b: dict[str, Any] | None, ops: Ops) -> dict[str, Any]:
    """The least upper bound of two fact dicts under `ops` (neither input is changed)."""
    if not a:
        return dict(b or {})
    if not b:
        return dict(a)
    out = dict(a)
    for key, value in b.items():
        out[key] = _merge_value(key, out.get(key), value, ops)
    return out


def merge_into(target: dict[str, Any], b: dict[str, Any], ops: Ops) -> None:
    """`merge` in place, for the batch path where the target is ours alone."""
    for key, value in b.items():
        target[key] = _merge_value(key, target.get(key), value, ops)


def _merge_value(key: str, mine: Any, theirs: Any, ops: Ops) -> Any:
    op = ops.get(key)
    if op is None:
        raise KeyError(f"no merge operation for fact {key!r}")
    if isinstance(op, dict):  # map of nested entries
        if not mine:
            return dict(theirs)
        merged = dict(mine)
        for k, entry in theirs.items():
            merged[k] = merge(merged.get(k), entry, op)
        return merged
    if op == UNION:  # map of immutable entries keyed by event id
        if not mine:
            return dict(theirs)
        return {**mine, **theirs}
    return _SCALAR[op](mine, theirs)


# The shape of a case's facts: what each key holds is described where it is produced (facts.py).
CASE_OPS: Ops = {
    "ref": MIN_BY, "clock": MIN, "contacts": UNION, "paper": UNION, "assess": MIN_BY,
    "signpost": MIN_BY, "closed": MIN, "decisions": UNION, "collabs": UNION, "noslots": UNION,
    "appts": {"booked": MIN_BY, "status": MAX_BY},
    "groups": {"seat": MIN_BY, "dropped": MIN, "evaluation": MIN_BY},
    # BUP's later stages per stage name: earliest decision and start, latest exclusion [at, code]
    "stages": {"decided": MIN, "started": MIN, "excl": MAX, "unit": MIN},
    # the family's interpreter need (when first told) and the times not booked for want of an interpreter
    "interp": MIN, "unavail": UNION,
    "returned": MIN_BY, "rkind": MIN,
    # check-ins with a waiting family, per check-in: sent, answered, and the answers that go to staff
    "checkins": {"sent": MIN, "answered": MIN, "how": MIN, "risk": MAX, "nln": MAX},  # the referral returned to its referrer with advice: [at, event id, {reason}]
    "seen": MAX,
}
CALL_OPS: Ops = {
    "line": MIN, "offered": MIN, "answered": MIN, "abandoned": MIN, "full": MIN,
    "cb_sched": MIN, "cb_made": MIN, "seen": MAX,
    # call-backs by id: the promise (one per call), the most tries made, the first reach, how it ended
    "cb": {"requested": MIN, "start": MIN, "end": MIN, "reason": MIN, "tries": MAX, "reached": MIN, "failed": MIN,
           "cancelled": MIN},
}
CALL_STEP_KEYS = ("offered", "answered", "abandoned", "full", "cb_sched", "cb_made")
