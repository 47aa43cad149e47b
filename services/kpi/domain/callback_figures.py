"""Call-backs: promised, kept within the promised window, kept the same day, failed after the last try; calls
that met a full queue apart. Per period (a day, month, ...) or per hour of day, so the region sees when to
staff (pure)."""
from __future__ import annotations

from typing import Any

from services.kpi.domain.days import local_date, local_hour
from services.kpi.domain.query import Dataset, Query, in_query, new_table
from services.kpi.domain.table import Table

CALLBACK_DIMENSIONS = ("hour", "reason")
COLUMNS = ["promised", "decided", "kept_in_window", "kept_same_day", "failed", "cancelled", "waiting",
           "from_queue_full", "from_chosen", "from_self_referral", "queue_full"]
SHARES = {"share_kept_in_window": ("kept_in_window", "decided"), "share_kept_same_day": ("kept_same_day", "decided"),
          "share_failed": ("failed", "decided")}


def outcome(cb: dict[str, Any]) -> dict[str, int]:
    """One promised call-back's counts. Decided = reached or failed (the contact centre's to keep); a caller's
    cancellation is neither kept nor failed. Kept within the window: reached between its start and its end
    (calling early breaks the promise too). Kept the same day: reached on the day it was asked."""
    reached, failed = cb.get("reached"), cb.get("failed")
    in_window = bool(reached and cb["start"] <= reached <= cb["end"])
    same_day = bool(reached and local_date(reached) == local_date(cb["requested"]))
    ended = bool(reached or failed or cb.get("cancelled"))
    return {"promised": 1, f"from_{cb['reason']}": 1, "decided": int(bool(reached or failed)),
            "kept_in_window": int(in_window), "kept_same_day": int(same_day), "failed": int(bool(failed and not reached)),
            "cancelled": int(bool(cb.get("cancelled")) and not (reached or failed)), "waiting": int(not ended)}


def _dim(q: Query, ts: str, reason: str) -> str | None:
    if q.by == "hour":
        return local_hour(ts)
    return reason if q.by == "reason" else None


def callbacks_figure(ds: Dataset, q: Query) -> Table:
    """Counted at the time the caller asked (a call-back) or met the full queue (queue full)."""
    t = new_table("callbacks", q, COLUMNS, (), SHARES)
    keys = set(t.periods)
    for _, c in ds.calls:
        full = c.get("full")
        if full and (key := in_query(q, full, keys)):
            t.add(key, _dim(q, full, "queue_full"), {"queue_full": 1})
        for cb in c.get("cb", {}).values():
            if not cb.get("requested"):
                continue  # a try seen before its promise: counted once the promise arrives
            if key := in_query(q, cb["requested"], keys):
                t.add(key, _dim(q, cb["requested"], cb["reason"]), outcome(cb))
    return t
