"""A self-referral's acute-risk answers raise the escalation an interview's risk answer raises: RiskEscalated at
once, the case first on the waiting list; a plain referral raises nothing."""
from __future__ import annotations

import pytest
from sqlmodel import Session

from contracts.envelope import new_case_id
from contracts.intake import CaseLinked, CaseLinkedPayload
from services.triage.store import waiting_cases
from tests.unit.triage.service import T0, build_triage, outbox, referral


@pytest.fixture
def rt(db_url, tmp_path):  # type: ignore[no-untyped-def]
    rt, _ = build_triage(db_url, tmp_path)
    yield rt
    rt.db.dispose()


def test_acute_answers_on_kontakta_oss_escalate_at_once_and_put_the_case_first(rt) -> None:  # type: ignore[no-untyped-def]
    plain = referral()
    risky = referral(case_id=new_case_id()).model_copy(update={"payload": referral().payload.model_copy(update={
        "channel": "self_referral", "external_ref": "KO-AB12CD34EF", "risk_signals": ["self_harm_now"]})})
    for ev in (plain, risky):
        rt.consumers.deliver("triage.cases", ev)
    [alert] = outbox(rt, risky.case_id, "RiskEscalated")
    p = alert.payload
    assert (p.interview_id, p.items, p.severity, p.by_staff_ref) == ("KO-AB12CD34EF", ["self_harm_now"], "acute",
                                                                      "self-referral")
    assert alert.causation_id == risky.event_id and alert.correlation_id == risky.correlation_id
    assert outbox(rt, plain.case_id, "RiskEscalated") == []
    with Session(rt.db.engine) as s:
        order = [c.case_id for c in waiting_cases(s) if c.case_id in (plain.case_id, risky.case_id)]
    assert order == [risky.case_id, plain.case_id]
    rt.consumers.deliver("triage.cases", risky)  # a redelivery escalates nothing more
    assert len(outbox(rt, risky.case_id, "RiskEscalated")) == 1


def test_a_self_referral_linked_to_an_open_case_escalates_its_risk_too(rt) -> None:  # type: ignore[no-untyped-def]
    first = referral()
    rt.consumers.deliver("triage.cases", first)
    link = CaseLinked.new(case_id=first.case_id, occurred_at=T0, payload=CaseLinkedPayload(
        linked_channel="self_referral", linked_source="young_person", linked_clock_start=T0,
        effective_clock_start=T0, external_ref="KO-0000000001", risk_signals=["suicidal_thoughts"]))
    rt.consumers.deliver("triage.cases", link)
    [alert] = outbox(rt, first.case_id, "RiskEscalated")
    assert alert.payload.items == ["suicidal_thoughts"] and alert.payload.interview_id == "KO-0000000001"
