"""A case's merged facts read as the figures need them: clock, child, decisions, first visits."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.kpi.domain.facts import Facts

ENDED = ("cancelled", "no_show")  # a visit that did not happen does not stop the wait


@dataclass(frozen=True)
class Appointment:
    appointment_id: str
    booked_at: str
    unit: str
    level: str
    visit: str
    starts: str
    decided: str
    chosen: bool
    booked_by: str
    status: str | None
    status_at: str | None
    status_reason: str | None
    interpreter: bool = False  # booked with an interpreter

    @property
    def happens(self) -> bool:
        return self.status not in ENDED


@dataclass(frozen=True)
class Decision:
    at: str
    level: str
    guide: str
    overridden: bool
    supersedes: str | None
    event_id: str


class CaseView:
    """Derived, read-only facts of one case; built once per figure computation."""

    def __init__(self, case_id: str, facts: Facts) -> None:
        self.case_id = case_id
        self.facts = facts
        ref = facts.get("ref")
        child: dict[str, Any] = ref[2] if ref else {}
        self.known = ref is not None  # a ReferralReceived was seen: the case exists for the figures
        self.clock: str | None = facts.get("clock") if self.known else None
        self.channel: str | None = child.get("channel")
        self.source: str | None = child.get("source")
        self.referrer: str | None = facts.get("rkind")
        returned = facts.get("returned")
        self.returned: str | None = returned[0] if returned else None
        self.reason: str | None = returned[2]["reason"] if returned else None
        self.school: bool = bool(child.get("school"))
        self.age: int | None = child.get("age")
        self.sex: str | None = child.get("sex")
        self.municipality: str | None = child.get("municipality")
        assess = facts.get("assess")
        self.assessed: str | None = assess[0] if assess else None
        sign = facts.get("signpost")
        self.signposted: str | None = sign[0] if sign else None
        self.closed: str | None = facts.get("closed")
        self.interpreter_told: str | None = facts.get("interp")  # when a contact said an interpreter is needed
        self.unavailable: list[dict[str, Any]] = list(facts.get("unavail", {}).values())
        self.decisions = sorted((Decision(d["at"], d["level"], d["guide"], d["overridden"], d["supersedes"], eid)
                                 for eid, d in facts.get("decisions", {}).items()), key=lambda d: (d.at, d.event_id))
        self.appointments = sorted((a for a in (_appointment(k, v) for k, v in facts.get("appts", {}).items())
                                    if a is not None), key=lambda a: (a.starts, a.appointment_id))

    @property
    def current_level(self) -> str | None:
        return self.decisions[-1].level if self.decisions else None

    @property
    def first_level(self) -> str | None:
        return self.decisions[0].level if self.decisions else None

    @property
    def unit(self) -> str | None:
        """The unit the case was booked into first (for the unit filter)."""
        for a in self.appointments:
            return a.unit
        return None

    def first_visit(self, level: str) -> Appointment | None:
        """The first new visit at `level` that was not cancelled or missed."""
        for a in self.appointments:
            if a.level == level and a.visit == "new_visit" and a.happens:
                return a
        return None

    def decided_to(self, level: str) -> Decision | None:
        """The latest decision to `level` (the wait to a first visit there runs from it)."""
        for d in reversed(self.decisions):
            if d.level == level:
                return d
        return None

    def ended_at(self) -> str | None:
        """When the case stopped waiting for anything: closed or signposted out."""
        ends = [t for t in (self.closed, self.signposted) if t]
        return min(ends) if ends else None


def _appointment(appointment_id: str, entry: dict[str, Any]) -> Appointment | None:
    booked = entry.get("booked")
    if booked is None:  # a status arrived before its booking: wait for the booking
        return None
    b = booked[2]
    status = entry.get("status")
    return Appointment(appointment_id, booked[0], b["unit"], b["level"], b["visit"], b["starts"], b["decided"],
                       b["chosen"], b["by"], status[2] if status else None, status[0] if status else None,
                       status[3] if status else None, bool(b.get("interp")))
