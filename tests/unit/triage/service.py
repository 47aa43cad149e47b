"""A triage service built for tests on a given database (no broker started): seed cases, read its outbox."""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from contracts.common import ChildProfile
from contracts.envelope import new_case_id
from contracts.intake import ReferralReceived, ReferralReceivedPayload
from contracts.registry import parse_event
from services.chassis.clock import FixedClock
from services.chassis.tables import OutboxRow
from services.triage.app import build
from services.triage.settings import TriageSettings

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def build_triage(db_url: str, tmp_path: Path, jwks_file: Path | None = None, **extra: Any):  # type: ignore[no-untyped-def]
    settings = TriageSettings(database_url=db_url, data_dir=tmp_path, auth_jwks_file=jwks_file, **extra)
    rt, app = build(settings, clock=FixedClock(T0))
    rt.migrate()
    return rt, app


def referral(age: int = 9, sex: str = "female", hint: str = "none", case_id: str | None = None) -> ReferralReceived:
    return ReferralReceived.new(  # type: ignore[return-value]
        case_id=case_id or new_case_id(), occurred_at=T0,
        payload=ReferralReceivedPayload(
            channel="phone", source="guardian", school_referral=False, clock_start=T0, sender_date=None,
            received_at=T0, contact=None, call_id=None, external_ref=None, reason_codes=["anxiety"],
            child=ChildProfile(patient_ref="P-" + "A" * 20, age_years=age, sex=sex, municipality="Umeå"),  # type: ignore[arg-type]
            triage_hint=hint))  # type: ignore[arg-type]


def seed_case(rt, **kw: Any) -> str:  # type: ignore[no-untyped-def]
    ev = referral(**kw)
    rt.consumers.deliver("triage.cases", ev)
    return ev.case_id  # type: ignore[return-value]


def outbox(rt, case_id: str, event_type: str | None = None) -> list[Any]:  # type: ignore[no-untyped-def]
    with Session(rt.db.engine) as s:
        rows = s.exec(select(OutboxRow).where(OutboxRow.key == case_id).order_by(OutboxRow.id)).all()
    events = [parse_event(r.payload) for r in rows]
    return [e for e in events if event_type is None or e.event_type == event_type]
