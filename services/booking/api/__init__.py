"""HTTP API of the booking service: the booking screen during the call, units' schedulers, BUP's stages."""
from __future__ import annotations

from fastapi import APIRouter

from services.booking.api import booking, groups, runway, schedule, stages, views
from services.booking.settings import BookingSettings


def routers(settings: BookingSettings) -> list[APIRouter]:
    """Every router of the service, in the order the OpenAPI document lists them."""
    return [schedule.router, schedule.calendar_router(settings), booking.router, groups.router, views.router,
            stages.router, runway.router]
