"""Named queries on the outbox: what waits, what is parked, marking rows sent, parked or back in line."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from services.chassis.tables import OutboxRow

_UNSENT = col(OutboxRow.sent_at).is_(None)
_PARKED = col(OutboxRow.parked_at).is_not(None)


@dataclass(frozen=True)
class Backlog:
    """Unsent rows waiting (parked ones apart), parked rows, and the age of the oldest waiting row."""

    waiting: int
    parked: int
    oldest_age_s: float

    def as_dict(self) -> dict[str, float]:
        return {"waiting": self.waiting, "parked": self.parked, "oldest_age_s": self.oldest_age_s}


def next_unsent(engine: Engine, limit: int) -> list[OutboxRow]:
    """Unsent rows in order, except parked ones and every later row of a parked row's key."""
    with Session(engine) as s:
        blocked = select(OutboxRow.key).where(_PARKED, _UNSENT)
        rows = s.exec(select(OutboxRow).where(_UNSENT, col(OutboxRow.key).not_in(blocked))
                      .order_by(col(OutboxRow.id)).limit(limit)).all()
        return list(rows)


def park(engine: Engine, row_id: int, reason: str) -> None:
    with Session(engine) as s:
        s.exec(update(OutboxRow).where(col(OutboxRow.id) == row_id)
                  .values(parked_at=datetime.now(UTC), parked_reason=reason[:400]))
        s.commit()


def parked_rows(engine: Engine) -> list[OutboxRow]:
    with Session(engine) as s:
        return list(s.exec(select(OutboxRow).where(_PARKED, _UNSENT).order_by(col(OutboxRow.id))).all())


def unpark(engine: Engine, ids: Sequence[int] | None = None) -> int:
    """Parked rows (all, or those with `ids`) back in line; returns how many."""
    with Session(engine) as s:
        stmt = update(OutboxRow).where(_PARKED, _UNSENT)
        if ids is not None:
            stmt = stmt.where(col(OutboxRow.id).in_(ids))
        res = s.exec(stmt.values(parked_at=None, parked_reason=None))
        s.commit()
    return int(res.rowcount or 0)


def backlog(engine: Engine) -> Backlog:
    with Session(engine) as s:
        waiting, oldest = s.exec(select(func.count(), func.min(OutboxRow.created_at))
                                 .where(_UNSENT, col(OutboxRow.parked_at).is_(None))).one()
        parked = s.exec(select(func.count()).select_from(OutboxRow).where(_UNSENT, _PARKED)).one()
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
    return Backlog(int(waiting), int(parked), max(age, 0.0))


def unsent_count(engine: Engine) -> int:
    """Every unsent row, parked ones included (readiness shows it)."""
    with Session(engine) as s:
        return int(s.exec(select(func.count()).select_from(OutboxRow).where(_UNSENT)).one())


def mark_sent(engine: Engine, ids: Sequence[int]) -> None:
    with Session(engine) as s:
        s.exec(update(OutboxRow).where(col(OutboxRow.id).in_(ids)).values(sent_at=datetime.now(UTC)))
        s.commit()


def mark_all_unsent(engine: Engine) -> int:
    """Every row unsent again (the broker restarted empty); returns how many rows."""
    with Session(engine) as s:
        res = s.exec(update(OutboxRow).values(sent_at=None))
        s.commit()
        return int(res.rowcount or 0)
