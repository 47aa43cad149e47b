"""The staff directory and on-duty rota as its data file states it: who hears about what, who is on duty when."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.chassis.clock import STOCKHOLM

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class StaffMember(BaseModel):
    """A staff member's work contact (functional mailbox or duty phone), never a private one."""

    model_config = ConfigDict(frozen=True)
    role: Literal["clinician", "unit_head", "kc_head", "coordinator", "call_handler", "scheduler"]
    unit: str
    channel: Literal["sms", "email"]
    phone: str | None = None
    email: str | None = None
    language: Literal["sv", "en"] = "sv"

    @model_validator(mode="after")
    def _has_address(self) -> StaffMember:
        if getattr(self, self.channel if self.channel == "email" else "phone") is None:
            raise ValueError(f"channel {self.channel} needs its address")
        return self


class Shift(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    days: tuple[Day, ...]
    starts: time = Field(alias="from")
    ends: time = Field(alias="to")
    staff: str

    def covers(self, local: datetime) -> bool:
        """A shift starting on one of `days`; one whose end is before its start runs past midnight."""
        t = local.time()
        if self.starts < self.ends:
            return DAYS[local.weekday()] in self.days and self.starts <= t < self.ends
        if t >= self.starts:
            return DAYS[local.weekday()] in self.days
        return t < self.ends and DAYS[(local.weekday() - 1) % 7] in self.days


class StaffDirectory(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    staff: dict[str, StaffMember]
    kc_head: str
    coordinators: tuple[str, str]
    rota: tuple[Shift, ...]

    @model_validator(mode="after")
    def _consistent(self) -> StaffDirectory:
        refs = [self.kc_head, *self.coordinators, *(s.staff for s in self.rota)]
        unknown = sorted({r for r in refs if r not in self.staff})
        if unknown:
            raise ValueError(f"unknown staff refs {unknown}")
        if self.staff[self.kc_head].role != "kc_head":
            raise ValueError("kc_head must have role kc_head")
        for ref in (*(s.staff for s in self.rota),):
            if self.staff[ref].role != "clinician":
                raise ValueError(f"{ref} on the rota is not a clinician")
        self._check_rota_covers_week()
        return self

    def _check_rota_covers_week(self) -> None:
        # an urgent risk must always reach someone: every quarter hour of a week has exactly one shift
        start = datetime(2024, 1, 1, tzinfo=STOCKHOLM)  # a Monday
        for q in range(7 * 24 * 4):
            at = start + timedelta(minutes=15 * q)
            n = sum(s.covers(at) for s in self.rota)
            if n != 1:
                raise ValueError(f"rota has {n} clinicians on duty at {DAYS[at.weekday()]} {at:%H:%M}")

    def on_duty(self, now: datetime) -> str:
        local = now.astimezone(STOCKHOLM)
        return next(s.staff for s in self.rota if s.covers(local))

    def unit_head(self, unit_id: str | None) -> str | None:
        return next((ref for ref, m in self.staff.items() if m.role == "unit_head" and m.unit == unit_id), None)

