"""'Kontakta oss' in intake: a guardian or a young person from 13 becomes a case clocked at submission, with a
call-back promised to the sender; acute-risk answers go on the bus as codes and put the case on top; the free
text and the number stay in intake; per-person and per-address limits; staff's read is audited per child."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from services.chassis.tables import AuditRecord

from .conftest import NOW, make_intake
from .helpers import outbox, outbox_bytes, pnr

GUARDIAN = pnr(date(1984, 2, 3), serial=452)
CHILD = pnr(date(2013, 5, 5))        # 9 on the day
TEEN = pnr(date(2008, 1, 20), serial=113)  # 15
TWELVE = pnr(date(2010, 6, 1), serial=226)
WORRY = "Hon sover dåligt och vill inte gå till skolan sedan jullovet."
PHONE = "+46701740641"


def form(role: str = "guardian", sender: str = GUARDIAN, child: str | None = CHILD, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sender": {"role": role, "identity_number": sender},
        "child": {"identity_number": child, "municipality": "Umeå"},
        "problem_areas": ["sleep", "school_absence"], "worry": WORRY, "urgency": "days",
        "reach": {"phone": "070-174 06 41", "preferred_time": "any", "sms_ok": True},
        "language": "sv", "interpreter": False, "client_address": "203.0.113.7"}
    return {**body, **over}


async def send(intake, body: dict[str, Any], key: str | None = None):  # type: ignore[no-untyped-def]
    return await intake.post("/api/self-referrals", body, role="ops", key=key, subject="S-KONTAKTA-OSS")


async def test_a_guardians_message_becomes_a_case_clocked_now_with_a_call_back_promised(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, form())
    assert r.status_code == 201, r.text
    receipt = r.json()
    assert receipt["referral_id"].startswith("KO-") and receipt["acute"] is False and not receipt["signposted"]
    assert "case_id" not in receipt and receipt["callback"]["window_start"] == "2023-03-14T10:00:00+01:00"
    received, promised = outbox(intake.rt.db.engine)
    p = received.payload
    assert (p.channel, p.source, p.clock_start, p.risk_signals) == ("self_referral", "guardian", NOW, [])
    assert p.language is None  # Swedish, no interpreter: nothing to arrange
    assert p.reason_codes == ["sleep", "school_absence"] and p.external_ref == receipt["referral_id"]
    assert promised.event_type == "CallbackPromised" and promised.payload.reason == "self_referral"
    raw = outbox_bytes(intake.rt.db.engine)
    assert b"sover" not in raw and b"1740641" not in raw and GUARDIAN.encode() not in raw
    queue = (await intake.get("/api/work-queue")).json()["cases"]
    assert [c["channel"] for c in queue] == ["self_referral"] and queue[0]["acute_risk"] is False


async def test_a_young_person_from_13_sends_for_themselves_and_is_written_to_as_a_young_person(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, form("young_person", TEEN, None, guardians_may_know=False))
    assert r.status_code == 201, r.text
    received = outbox(intake.rt.db.engine)[0]
    assert received.payload.source == "young_person" and received.payload.child.age_years == 15
    contact = intake.app.state.deps.vault.open(received.payload.contact)
    assert contact["is_young_person"] is True and contact["phone"] == PHONE


async def test_under_13_alone_or_a_guardian_giving_their_own_number_is_refused_with_where_to_turn(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, form("young_person", TWELVE, None))
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["code"] == "young_person_too_young" and "1177" in err["sv"] and "school nurse" in err["en"]
    r = await send(intake, form(child=GUARDIAN))
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "guardian_is_child"
    r = await send(intake, form(child=None))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "child.identity_number"
    assert outbox(intake.rt.db.engine) == []


async def test_acute_answers_are_told_as_codes_and_the_case_goes_to_the_top_of_the_queue(intake):  # type: ignore[no-untyped-def]
    await intake.post("/api/referrals", {"channel": "edi", "source": "healthcare", "authored_on": "2023-03-01",
                                         "external_ref": "sr-old", "child": {"identity_number": pnr(date(2012, 1, 1)),
                                                                             "municipality": "Umeå"}}, role="ops")
    r = await send(intake, form(risk={"self_harm_now": True, "suicide_thoughts": True, "danger_now": False}))
    assert r.status_code == 201 and r.json()["acute"] is True
    received = next(e for e in outbox(intake.rt.db.engine) if e.payload.__class__.__name__ == "ReferralReceivedPayload"
                    and e.payload.channel == "self_referral")
    assert received.payload.risk_signals == ["self_harm_now", "suicidal_thoughts"]
    queue = (await intake.get("/api/work-queue")).json()["cases"]
    assert [c["channel"] for c in queue] == ["self_referral", "edi"]  # acute first, though its clock is newer
    assert queue[0]["acute_risk"] is True


async def test_a_child_with_an_open_case_is_linked_and_the_sender_is_not_told_so(intake):  # type: ignore[no-untyped-def]
    first = await send(intake, form())
    second = await send(intake, form("young_person", TEEN, None) | {"child": {"municipality": "Umeå"}})
    assert second.status_code == 201
    again = await intake.post("/api/referrals", {"channel": "edi", "source": "healthcare", "authored_on": "2023-03-13",
                                                 "external_ref": "sr-9", "child": {"identity_number": CHILD,
                                                                                   "municipality": "Umeå"}},
                              role="ops")
    assert again.json()["status"] == "linked"
    linked = await send(intake, form(risk={"danger_now": True}), key="k-1")
    assert linked.status_code == 201 and set(linked.json()) == set(first.json())
    link = [e for e in outbox(intake.rt.db.engine) if e.event_type == "CaseLinked"][-1]
    assert link.payload.linked_channel == "self_referral" and link.payload.risk_signals == ["danger_now"]
    replay = await send(intake, form(risk={"danger_now": True}), key="k-1")
    assert replay.status_code == 200 and replay.json() == linked.json()


async def test_one_person_may_send_three_a_day_and_one_address_a_set_number(tmp_path, issuer):  # type: ignore[no-untyped-def]
    intake = make_intake(tmp_path, issuer, self_referral_address_per_day=4)
    try:
        for _ in range(3):
            assert (await send(intake, form())).status_code == 201
        r = await send(intake, form())
        assert r.status_code == 429 and "1177" in r.json()["errors"][0]["sv"]
        other = pnr(date(1979, 9, 9), serial=334)
        assert (await send(intake, form(sender=other, child=pnr(date(2011, 4, 4))))).status_code == 201
        r = await send(intake, form(sender=pnr(date(1990, 1, 1), serial=556), child=pnr(date(2012, 2, 2))))
        assert r.status_code == 429  # the fifth from the same address today
        other_address = form(sender=pnr(date(1990, 1, 1), serial=556), child=pnr(date(2012, 2, 2)),
                             client_address="198.51.100.9")
        assert (await send(intake, other_address)).status_code == 201
    finally:
        await intake.http.aclose()
        intake.rt.db.dispose()


async def test_staff_read_the_senders_words_and_every_read_is_audited_for_the_child(intake):  # type: ignore[no-untyped-def]
    await send(intake, form(interpreter=True, language="other", other_language="tigrinja"))
    case_id = outbox(intake.rt.db.engine)[0].case_id
    ref = outbox(intake.rt.db.engine)[0].payload.child.patient_ref
    r = await intake.get(f"/api/cases/{case_id}/self-referrals", role="clinician")
    [sr] = r.json()
    assert (sr["worry"], sr["phone"], sr["interpreter"], sr["other_language"]) == (WORRY, PHONE, True, "tigrinja")
    with Session(intake.rt.db.engine) as s:
        rows = s.exec(select(AuditRecord).where(col(AuditRecord.action) == "read-self-referral")).all()
    assert [(a.patient_ref, a.case_id, a.role) for a in rows] == [(ref, case_id, "clinician")]
    assert (await intake.get(f"/api/cases/{case_id}/self-referrals", role="kpi_analyst")).status_code == 403
    assert (await intake.post("/api/self-referrals", form(), role="clinician")).status_code == 403


async def test_the_senders_call_back_reached_leads_to_the_case_not_to_a_call(intake):  # type: ignore[no-untyped-def]
    await send(intake, form())
    case_id = outbox(intake.rt.db.engine)[0].case_id
    [cb] = (await intake.get("/api/callbacks")).json()["callbacks"]
    assert cb["reason"] == "self_referral"
    taken = await intake.post(f"/api/callbacks/{cb['callback_id']}/take", subject="S-ANNA")
    assert taken.json()["number"] == PHONE
    done = (await intake.post(f"/api/callbacks/{cb['callback_id']}/outcome", {"outcome": "reached"},
                              subject="S-ANNA")).json()
    assert done["case_id"] == case_id and done["status"] == "reached"
    assert "CallbackMade" not in [e.event_type for e in outbox(intake.rt.db.engine)]
    assert isinstance(datetime.fromisoformat(cb["window_start"]), datetime)


async def test_the_language_told_on_the_form_reaches_the_case_as_on_every_other_way_in(intake):  # type: ignore[no-untyped-def]
    r = await send(intake, form(language="en", interpreter=True))
    assert r.status_code == 201, r.text
    received, _ = outbox(intake.rt.db.engine)
    assert received.payload.language is not None
    assert (received.payload.language.language, received.payload.language.interpreter_needed) == ("en", True)


async def test_another_language_named_in_the_familys_words_is_that_language_on_the_case(intake):  # type: ignore[no-untyped-def]
    said = {"  Tigrinja ": ("ti", True), "ARABIC": ("ar", False), "dari": ("prs", True), "Klingonska": None,
            "svenska": None}
    for i, (words, expected) in enumerate(said.items()):
        r = await send(intake, form(sender=pnr(date(1970 + i, 2, 3), serial=452), child=pnr(date(2010 + i, 5, 5)),
                                    language="other", other_language=words, interpreter=bool(expected and expected[1]),
                                    client_address=f"198.51.100.{i + 1}"))
        assert r.status_code == 201, r.text
        p = [e for e in outbox(intake.rt.db.engine) if e.event_type == "ReferralReceived"][-1].payload
        got = (p.language.language, p.language.interpreter_needed) if p.language else None
        assert got == expected, words
