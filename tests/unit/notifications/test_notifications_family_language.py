"""Messages to the family in their language where a template is written in it (Finnish is the example), else in
the Swedish or English their contact chose; the confirmation says an interpreter is booked."""
from __future__ import annotations

from datetime import timedelta

import pytest

from contracts.booking import InterpreterBooked
from contracts.common import LanguageNeed
from contracts.intake import CaseLinked, CaseLinkedPayload
from services.notifications.domain.templates import TemplateFile, Templates, when
from services.notifications.rules import load_templates
from tests.unit.notifications import events as ev
from tests.unit.notifications.conftest import NOW, Notifications

TOLK = InterpreterBooked(language="fi", mode="on_site", agency_ref="TB-1")


def vault(svc: Notifications) -> str:
    return svc.settings.resolved_keyvault_url()


async def test_a_finnish_speaking_family_gets_the_confirmation_in_finnish_with_the_interpreter(svc: Notifications):
    ref = ev.referral(vault(svc), NOW, language=LanguageNeed(language="fi", interpreter_needed=True))
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, interpreter=TOLK))
    assert await svc.send_due() == 1
    [sms] = svc.gateway.sms()
    assert "Lapsellenne on varattu aika: BUP Umeå 19.3.2023 klo 10.00" in sms["text"]
    assert "Käynnille on varattu tulkki." in sms["text"] and "Hej" not in sms["text"]


async def test_a_language_without_the_template_gets_the_contacts_swedish_or_english(svc: Notifications):
    ref = ev.referral(vault(svc), NOW, details=ev.contact(language="en"),
                      language=LanguageNeed(language="ar", interpreter_needed=True))
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW, interpreter=TOLK.model_copy(update={"language": "ar"})))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert sms["text"].startswith("Hello!") and "An interpreter is booked for the visit." in sms["text"]


async def test_without_an_interpreter_the_confirmation_says_nothing_of_one(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(ev.booked(ref.case_id, NOW))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert "tolk" not in sms["text"]


async def test_a_later_contact_that_tells_the_language_is_used_from_then_on(svc: Notifications):
    ref = ev.referral(vault(svc), NOW)
    svc.apply(ref)
    svc.apply(CaseLinked.new(case_id=ref.case_id, occurred_at=NOW, recorded_at=NOW, payload=CaseLinkedPayload(
        linked_channel="phone", linked_source="guardian", linked_clock_start=NOW, effective_clock_start=NOW,
        external_ref=None, language=LanguageNeed(language="fi", interpreter_needed=False))))
    svc.apply(ev.booked(ref.case_id, NOW, starts_in=timedelta(days=6)))
    await svc.send_due()
    [sms] = svc.gateway.sms()
    assert sms["text"].startswith("Hei!")


def test_every_template_has_swedish_and_english_and_an_added_language_its_young_wording() -> None:
    shipped = load_templates()
    data = shipped.data.model_dump()
    assert "fi" in data["family"]["appointment_confirmation"]
    del data["family"]["appointment_confirmation"]["fi"]["young"]
    with pytest.raises(ValueError, match="appointment_confirmation/fi lacks young-person wording"):
        Templates(TemplateFile.model_validate(data))
    data = shipped.data.model_dump()
    del data["family"]["appointment_reminder"]["en"]
    with pytest.raises(ValueError, match="appointment_reminder lacks language en"):
        Templates(TemplateFile.model_validate(data))


def test_the_language_for_a_template_is_the_familys_then_the_contacts_then_swedish() -> None:
    t = load_templates()
    assert t.language_for("appointment_confirmation", ["fi", "en"]) == "fi"
    assert t.language_for("appointment_reminder", ["fi", "en"]) == "en"
    assert t.language_for("appointment_reminder", [None, "xx"]) == "sv"
    assert when("2023-03-19T10:00:00+01:00", "fi") == "19.3.2023 klo 10.00"
