"""Booking's parent groups in the database: the open groups and a seat taken (named queries)."""
from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select, update

from services.booking.store import ParentGroup


def open_groups(s: Session, today: date, last_start: date | None = None) -> list[ParentGroup]:
    """Groups with free seats that have not started (and start by `last_start`), earliest first."""
    q = select(ParentGroup).where(col(ParentGroup.starts_on) >= today, col(ParentGroup.booked) < col(ParentGroup.seats))
    if last_start is not None:
        q = q.where(col(ParentGroup.starts_on) <= last_start)
    return list(s.exec(q.order_by(col(ParentGroup.starts_on))).all())


def take_seat(s: Session, group_id: str) -> bool:
    """Count one more booked seat if one is free; False if the group is full."""
    res = s.exec(update(ParentGroup).where(col(ParentGroup.group_id) == group_id,
                                           col(ParentGroup.booked) < col(ParentGroup.seats))
                 .values(booked=col(ParentGroup.booked) + 1))
    return res.rowcount == 1
