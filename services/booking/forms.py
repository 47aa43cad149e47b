"""Input models of the booking API: what a booking screen, a scheduler or a BUP unit may send."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from contracts.booking import EasierEveryday, Exchange, Recommend, Satisfaction, VisitType, WaitExclusion
from services.booking.domain.groups import BookedFrom
from services.booking.domain.reference import Profession
from services.chassis.validation import PlausibleDatetime

CASE_ID = r"^C-[0-9A-Z]{12}$"


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SlotIn(_In):
    starts_at: PlausibleDatetime = Field(examples=["2026-12-01T09:00:00+01:00"])
    duration_min: int = Field(45, ge=10, le=240)
    profession: Profession = "psychologist"
    visit_type: VisitType = "new_visit"
    digital: bool = False


class HoldIn(_In):
    case_id: str = Field(pattern=CASE_ID)
    slot_id: str = Field(max_length=20)


class ConfirmIn(_In):
    patient_chosen_wait: bool = Field(False, description="The family declined an earlier offered time.")
    slot_id: str | None = Field(None, max_length=60, description="The time the screen shows; refused if the token holds another.")


class RebookIn(_In):
    hold_token: str = Field(max_length=40, description="A hold on the new time (POST /api/holds) for the same case.")
    slot_id: str | None = Field(None, max_length=60, description="The time the screen shows; refused if the token holds another.")
    patient_chosen_wait: bool = Field(False, description="The family declined an earlier offered time.")


class CancelIn(_In):
    by: Literal["family", "unit"] = "family"
    reason: str | None = Field(None, max_length=60, pattern=r"^[a-z0-9_]+$")


class GroupIn(_In):
    course_kind: str = Field(max_length=40)
    unit_id: str = Field(max_length=60)
    starts_on: date
    seats: int = Field(12, ge=1, le=40)
    digital: bool = True


class EvaluationIn(_In):
    satisfaction: Satisfaction = Field(examples=["nojd"])
    recommend: Recommend = Field(examples=["sannolikt"])
    easier_everyday: EasierEveryday = Field(examples=["en_del_situationer"])
    exchange: Exchange = Field(examples=["bra_givande"])


class SeatIn(_In):
    case_id: str = Field(pattern=CASE_ID)
    parents: int = Field(1, ge=1, le=2)
    booked_from: BookedFrom = "contact_centre"


class StageDecidedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    decided_at: PlausibleDatetime = Field(description="When the unit decided the stage is needed.",
                                          examples=["2026-03-06T14:00:00+01:00"])


class StageExcludedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    code: WaitExclusion = Field(description="pvv: offered a time within the limit and declined; mov: medical reason; "
                                            "sov: special reason.")
    at: PlausibleDatetime = Field(examples=["2026-03-20T10:00:00+01:00"])


class StageStartedIn(_In):
    unit_id: str = Field(max_length=60, pattern=r"^[a-z0-9-]+$", examples=["bup-umea"])
    started_at: PlausibleDatetime = Field(examples=["2026-04-03T09:00:00+02:00"])
    decided_at: PlausibleDatetime | None = Field(None, description="Only if the decision was not reported.")
