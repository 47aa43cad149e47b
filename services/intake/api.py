"""HTTP API of the intake service for staff apps."""
from __future__ import annotations

from fastapi import APIRouter

from services.chassis.runtime import ServiceRuntime


def build_api(rt: ServiceRuntime) -> APIRouter:
    api = APIRouter(prefix="/api", tags=["intake"])
    return api
