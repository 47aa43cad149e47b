"""What the composition root hands to booking's routes and handlers once: reference data, runway policy, settings,
clock."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from services.booking.domain.interpreting import InterpretingAgency
from services.booking.domain.reference import Reference
from services.booking.domain.runway import RunwayPolicy
from services.booking.settings import BookingSettings
from services.chassis.clock import Clock
from services.chassis.runtime import ServiceRuntime, runtime_of


@dataclass(frozen=True)
class Deps:
    ref: Reference
    settings: BookingSettings
    clock: Clock
    runway: RunwayPolicy
    agency: InterpretingAgency


def deps_of(request: Request) -> Deps:
    """The service's dependencies, put on `app.state.deps` by app.py."""
    deps: Deps = request.app.state.deps
    return deps


Runtime = Annotated[ServiceRuntime, Depends(runtime_of)]
BookingDeps = Annotated[Deps, Depends(deps_of)]
