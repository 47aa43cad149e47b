"""A tiny service on the chassis, for testing the chassis itself over a real broker."""
from __future__ import annotations

import os
import time
from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from pydantic_settings import SettingsConfigDict
from sqlalchemy import MetaData
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from contracts.envelope import new_case_id
from contracts.intake import CASES_TOPIC, CaseClosed, CaseClosedPayload
from services.chassis.auth import Staff, require
from services.chassis.db import UnitOfWork
from services.chassis.runtime import ServiceRuntime, runtime_of
from services.chassis.serve import main
from services.chassis.settings import ServiceSettings
from services.chassis.spec import Infra, ServiceSpec
from services.chassis.subscriptions import Subscription, on


class ProbeBase(SQLModel, registry=registry(metadata=MetaData())):
    """The probe service's own tables."""


class Tally(ProbeBase, table=True):
    case_id: str = Field(primary_key=True)
    applied: int = 0
    last_occurred_at: datetime | None = None  # of the last event applied
    out_of_order: int = 0  # events applied after a later one of the same case


class ProbeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore")
    service_name: str = "intake"  # publishes as the owner of intake's topics
    http_port: int = 8199


FAIL_CASES: set[str] = set()  # cases whose events the handler refuses (to test retries / dead letters)
SLOW: dict[str, float] = {}  # case id -> seconds the handler takes for it
STARTED: list[str | None] = []  # cases whose slow handler began


def count_closed(event: CaseClosed, uow: UnitOfWork, deps: None) -> None:
    """Counts CaseClosed events per case."""
    if event.case_id in FAIL_CASES:
        raise RuntimeError("refused on purpose")
    delay = SLOW.get(event.case_id or "", SLOW.get("s", 0))  # per case, or "s" for every event
    if delay:
        STARTED.append(event.case_id)  # so a test knows the slow handler is in flight
        if started_file := os.environ.get("PROBE_STARTED_FILE"):
            with open(started_file, "a") as f:
                f.write(f"{event.case_id}\n")
        time.sleep(delay)
    row = uow.session.get(Tally, event.case_id) or Tally(case_id=event.case_id)
    row.applied += 1
    last = row.last_occurred_at
    if last is not None and last.replace(tzinfo=UTC) > event.occurred_at:
        row.out_of_order += 1
    row.last_occurred_at = event.occurred_at
    uow.session.add(row)


api = APIRouter()


@api.post("/close")
def close(staff: Staff = require("call_handler"), rt: ServiceRuntime = Depends(runtime_of)) -> dict[str, str]:
    case_id = new_case_id()
    with rt.db.uow() as uow:
        uow.publish(CaseClosed.new(case_id=case_id, occurred_at=datetime.now(UTC),
                                   payload=CaseClosedPayload(reason="completed")))
        uow.commit()
    return {"case_id": case_id}


def spec(settings: ProbeSettings | None = None, group: str = "probe-consumer") -> ServiceSpec[ProbeSettings, None]:
    return ServiceSpec(
        title="probe", description="", infra=Infra.of(settings or ProbeSettings(), [ProbeBase.metadata]),
        migrations=None, deps=None, routers=[api],
        subscriptions=[Subscription(group, (CASES_TOPIC,), (on(CaseClosed, count_closed),),
                                    description="Counts CaseClosed events per case.")])


def build(settings: ProbeSettings, group: str = "probe-consumer") -> ServiceRuntime[ProbeSettings, None]:
    return ServiceRuntime(spec(settings, group))


if __name__ == "__main__":  # `python -m tests.probe_service`: the probe as its own process (PROBE_* env)
    for item in filter(None, os.environ.get("PROBE_SLOW", "").split(",")):  # "C-...=2.5,C-...=1"
        case, seconds = item.split("=")
        SLOW[case] = float(seconds)
    main(spec)
