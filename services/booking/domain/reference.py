"""The units reference file: 43 units, nearness between municipalities, promises; validated at start-up."""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.common import MUNICIPALITIES

DEFAULT_FILE = Path(__file__).parents[1] / "data" / "units.yaml"
Profession = Literal["psychologist", "counsellor", "psychiatric_nurse", "physician"]
PromiseLevel = Literal["primary_care", "bup", "parenting_group", "urgent"]  # the care levels with a promise
UnitLevel = Literal["first_line", "specialist"]


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    unit_id: str = Field(pattern=r"^(hc|bup)-[a-z0-9-]+$")
    name: str
    kind: Literal["health_centre", "cottage_hospital", "bup"]
    operator: Literal["region", "private"]
    municipality: str
    level: UnitLevel
    ages: tuple[int, int]
    professions: tuple[Profession, ...] = Field(min_length=1)
    digital_visits: bool
    address: str
    head_of_unit: str = Field(pattern=r"^S-[A-Z0-9-]+$")

    def takes_age(self, age: int) -> bool:
        return self.ages[0] <= age <= self.ages[1]


class Reference(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    version: str
    promise_days: dict[PromiseLevel, int]
    hold_minutes: int = Field(gt=0)
    course_kinds: tuple[str, ...] = Field(min_length=1)
    neighbours: dict[str, tuple[str, ...]]
    units: tuple[Unit, ...]

    @model_validator(mode="after")
    def _consistent(self) -> Reference:
        ids = [u.unit_id for u in self.units]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate unit_id")
        for u in self.units:
            if u.municipality not in MUNICIPALITIES:
                raise ValueError(f"{u.unit_id}: unknown municipality {u.municipality}")
        for m, ns in self.neighbours.items():
            unknown = [x for x in (m, *ns) if x not in MUNICIPALITIES]
            if unknown:
                raise ValueError(f"neighbours: unknown municipalities {unknown}")
        return self

    def unit(self, unit_id: str) -> Unit | None:
        return next((u for u in self.units if u.unit_id == unit_id), None)

    def nearness(self, family_municipality: str, unit: Unit, digital: bool) -> int:
        """0: the family's municipality or a digital visit; 1: a neighbour; 2: further away."""
        if digital or unit.municipality == family_municipality:
            return 0
        return 1 if unit.municipality in self.neighbours.get(family_municipality, ()) else 2


class ReferenceError_(ValueError):
    """The units file is missing, not YAML, or breaks a rule; the message names the file."""


def load(path: Path | None = None) -> Reference:
    """The units file at `path` (default: the one shipped in data/), validated."""
    path = path or DEFAULT_FILE
    try:
        return Reference.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValueError) as exc:
        raise ReferenceError_(f"{path}: {exc}") from exc
