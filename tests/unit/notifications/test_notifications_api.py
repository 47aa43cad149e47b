"""The staff API: history per case, delivery status, resend (audited), and who may do what."""
from __future__ import annotations

from sqlmodel import Session, select

from services.chassis.tables import AuditRecord
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications


async def booked_and_sent(svc: Notifications) -> str:
    ref = ev.referral(svc.settings.resolved_keyvault_url(), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    return str(ref.case_id)


def audit(svc: Notifications) -> list[AuditRecord]:
    with Session(svc.rt.db.engine) as s:
        return list(s.exec(select(AuditRecord).order_by(AuditRecord.id)).all())


async def test_history_lists_the_case_messages_without_addresses_and_is_audited(svc: Notifications):
    case_id = await booked_and_sent(svc)
    r = await svc.http.get(f"/api/cases/{case_id}/notifications", headers=svc.auth("call_handler", subject="S-77"))
    assert r.status_code == 200, r.text
    rows = r.json()
    assert [(m["template"], m["status"], m["channel"]) for m in rows] == [
        ("appointment_confirmation", "sent", "sms"), ("appointment_reminder", "pending", None)]
    assert "+4670" not in r.text and "anna@" not in r.text
    [rec] = audit(svc)
    assert (rec.actor, rec.action, rec.case_id) == ("S-77", "read-notification-history", case_id)


async def test_status_of_one_notification(svc: Notifications):
    case_id = await booked_and_sent(svc)
    nid = svc.deliveries(case_id)[0].notification_id
    r = await svc.http.get(f"/api/notifications/{nid}", headers=svc.auth("clinician"))
    assert r.status_code == 200 and r.json()["status"] == "sent" and r.json()["attempts"] == 1
    r = await svc.http.get("/api/notifications/N-NOPE", headers=svc.auth("clinician"))
    assert r.status_code == 404 and r.json()["detail"] == "No such notification." and r.json()["status"] == 404


async def test_roles_outside_casework_may_not_read_history(svc: Notifications):
    case_id = await booked_and_sent(svc)
    r = await svc.http.get(f"/api/cases/{case_id}/notifications", headers=svc.auth("kpi_analyst"))
    assert r.status_code == 403
    r = await svc.http.get(f"/api/cases/{case_id}/notifications")
    assert r.status_code == 401


async def test_malformed_case_id_is_a_field_error(svc: Notifications):
    r = await svc.http.get("/api/cases/Anna-Andersson/notifications", headers=svc.auth("clinician"))
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["field"] == "case_id" and err["sv"] and err["en"]


async def test_resend_by_staff_sends_again_once_and_is_audited(svc: Notifications):
    case_id = await booked_and_sent(svc)
    nid = svc.deliveries(case_id)[0].notification_id
    r = await svc.http.post(f"/api/notifications/{nid}/resend", json={"reason": "family lost the SMS"},
                            headers=svc.auth("call_handler", subject="S-42"))
    assert r.status_code == 202, r.text
    assert r.json()["resend_of"] == nid and r.json()["status"] == "pending"
    await svc.send_due()
    await svc.send_due()
    assert len(svc.gateway.sms()) == 2  # the original and the one resend
    assert svc.gateway.sms()[0]["text"] == svc.gateway.sms()[1]["text"]
    [rec] = [a for a in audit(svc) if a.action == "resend-notification"]
    assert rec.actor == "S-42" and rec.case_id == case_id and "family lost the SMS" in (rec.detail or "")


async def test_resend_refuses_a_message_still_on_its_way_in_both_languages(svc: Notifications):
    case_id = await booked_and_sent(svc)
    reminder = svc.deliveries(case_id)[1].notification_id
    r = await svc.http.post(f"/api/notifications/{reminder}/resend", json={"reason": "why not"},
                            headers=svc.auth("clinician"))
    assert r.status_code == 422
    [err] = r.json()["errors"]
    assert err["code"] == "not_done" and err["sv"].startswith("Meddelandet är inte skickat")
    r = await svc.http.post(f"/api/notifications/{reminder}/resend", json={}, headers=svc.auth("clinician"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "reason"
    r = await svc.http.post(f"/api/notifications/{reminder}/resend", json={"reason": "x y z"},
                            headers=svc.auth("scheduler"))
    assert r.status_code == 403
