"""BUP units report their later stages; booking checks the case is BUP's and publishes the fact (no state)."""
from __future__ import annotations

from contracts.envelope import Event
from services.booking.domain import enforce
from services.booking.domain.stages import why_not_report
from services.booking.store import BookingCase
from services.chassis.db import UnitOfWork


def report_stage(uow: UnitOfWork, case_id: str, event: Event) -> None:
    """The events are the record: the KPI service computes the national report's BUP stages from them."""
    case = uow.session.get(BookingCase, case_id)
    enforce(why_not_report(case is not None, case.level if case else None))
    uow.publish(event)
