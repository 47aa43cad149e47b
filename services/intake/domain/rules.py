"""Intake's versioned policy data (age bands, municipalities, the 3-day promise): its shape and its own checks."""
from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import MUNICIPALITIES, SignpostDestination


class AgeBand(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)
    starts: date = Field(alias="from")
    until: date | None
    min_age: int = Field(ge=0)
    max_age: int = Field(ge=0)

    def covers(self, day: date) -> bool:
        return self.starts <= day and (self.until is None or day <= self.until)


class Municipality(BaseModel):
    model_config = ConfigDict(frozen=True)
    name: str
    code: str = Field(pattern=r"^\d{4}$")


class IntakeRules(BaseModel):
    model_config = ConfigDict(frozen=True)
    version: str
    promise_days: int = Field(ge=0)
    at_risk_from_day: int = Field(ge=0)
    age_bands: tuple[AgeBand, ...]
    adult_age: int = Field(ge=1)
    municipalities: tuple[Municipality, ...]
    signpost_destinations: dict[str, SignpostDestination]

    @model_validator(mode="after")
    def _consistent(self) -> IntakeRules:
        # Bands must follow each other without gaps, or some contact day would have no rule.
        for before, after in pairwise(self.age_bands):
            if before.until is None or before.until + timedelta(days=1) != after.starts:
                raise ValueError(f"age bands must be contiguous: {before.until} -> {after.starts}")
        if self.age_bands[-1].until is not None:
            raise ValueError("the last age band must be open-ended")
        names = {m.name for m in self.municipalities}
        if names != set(MUNICIPALITIES):  # the contract's list and the policy list must agree
            raise ValueError(f"municipalities differ from contracts.common: {names ^ set(MUNICIPALITIES)}")
        if self.at_risk_from_day > self.promise_days:
            raise ValueError("at_risk_from_day must not be after the promise")
        missing = {"adult_care", "out_of_county"} - set(self.signpost_destinations)
        if missing:
            raise ValueError(f"signpost_destinations lacks {missing}")
        return self

    def band_on(self, day: date) -> AgeBand | None:
        return next((b for b in self.age_bands if b.covers(day)), None)

    def municipality_by_code(self, code: str) -> str | None:
        return next((m.name for m in self.municipalities if m.code == code), None)
