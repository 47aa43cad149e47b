"""The work queue: a page of the cases waiting for their assessment, most urgent first, with the counts of all of them."""
from __future__ import annotations

import base64
import binascii
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session

from services.chassis.auth import Staff
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local_day, start_of_day
from services.intake.domain.rules import IntakeRules
from services.intake.store.queries import QueueKey, work_queue, work_queue_counts
from services.intake.store.tables import CaseRow
from services.intake.use_cases.cases import summary

Which = Literal["all", "at_risk", "broken"]
BAD_CURSOR = Refusal("after", "bad_cursor", "Sidmarkören är ogiltig. Börja om från köns första sida.",
                     "The page marker is not valid. Start again from the first page of the queue.", 400, "query")


def queue(deps: Deps, staff: Staff, limit: int = 500, after: str | None = None, channel: str | None = None,
          which: Which = "all") -> dict[str, Any]:
    """A page of the queue (after the row `after` names) and the counts of the whole queue. Only the children
    on the page are read, so only they are audited."""
    now = deps.clock.now()
    at_risk_before, broken_before = bounds(local_day(now), deps.rules)
    started_before = {"at_risk": at_risk_before, "broken": broken_before}.get(which)
    with Session(deps.db.engine) as s:
        rows = work_queue(s, limit + 1, decode(after) if after else None, channel, started_before)
        counts = work_queue_counts(s, at_risk_before, broken_before)
    page = rows[:limit]
    # a row per child on the page: the region's log review asks "who looked at this child"
    deps.audit.children(staff, "read-work-queue", [(c.case_id, c.patient_ref) for c in page],
                        detail=f"{len(page)} cases")
    return {"as_of": now.isoformat(), "promise_days": deps.rules.promise_days,
            "waiting": sum(n for _, n, _, _ in counts), "at_risk": sum(r for _, _, r, _ in counts),
            "broken": sum(b for _, _, _, b in counts),
            "by_channel": {ch: {"waiting": n, "at_risk": r, "broken": b} for ch, n, r, b in sorted(counts)},
            "cases": [summary(c, now, deps.rules, deps.languages) for c in page],
            "next": encode(page[-1]) if len(rows) > limit else None}


def bounds(today: date, rules: IntakeRules) -> tuple[datetime, datetime]:
    """The clock starts before which a waiting case is at risk, and past its promise (Stockholm's days, as
    `promise_timing` counts them: the counts agree with each row's own `at_risk` and `promise_broken`)."""
    return (start_of_day(today - timedelta(days=rules.at_risk_from_day - 1)),
            start_of_day(today - timedelta(days=rules.promise_days)))


def encode(row: CaseRow) -> str:
    key = f"{int(row.acute_risk_at is None)}|{row.clock_start.isoformat()}|{row.case_id}"
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode(cursor: str) -> QueueKey:
    try:
        calm, clock, case_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().split("|")
        if calm not in ("0", "1") or not case_id:
            raise ValueError(calm)
        at = datetime.fromisoformat(clock)
        if at.tzinfo is None:
            raise ValueError(clock)
        return calm == "1", at, case_id
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Refused(BAD_CURSOR) from exc

