"""'Kontakta oss', intake's side: the rate, who sends for whom, the case (clock at submission), the sender's
call-back promise, and staff's audited read of what was written."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlmodel import Session

from contracts.common import LanguageNeed
from contracts.envelope import Event
from services.chassis.auth import Staff
from services.chassis.privacy import patient_ref
from services.chassis.refusal import Refusal, Refused
from services.intake.deps import Deps
from services.intake.domain.calendar import local, local_day
from services.intake.domain.cases import Contact, Outcome
from services.intake.domain.idempotency import request_hash
from services.intake.domain.identity import Identity, parse_identity
from services.intake.domain.language import LanguageList
from services.intake.domain.self_referral import acute_signals, check_sender, preferred_window
from services.intake.forms import ChildIn, ContactIn, SelfReferralForm
from services.intake.store.queries import case_of
from services.intake.store.self_referrals import mark_acute, self_referrals_of_case, sent_since
from services.intake.store.tables import SelfReferralRow
from services.intake.use_cases.callbacks import Asked, promise_callback
from services.intake.use_cases.contacts import After, child, seal, submit
from services.intake.use_cases.idempotency import Answer

FORM_ACTION = "take-in-self_referral"


def _address_ref(deps: Deps, address: str | None) -> str | None:
    """A keyed hash of the network address: enough to count, never the address."""
    if not address:
        return None
    return "A-" + hmac.new(deps.pseudonym_key.encode(), address.encode(), hashlib.sha256).hexdigest()[:24]


def spoken(form: SelfReferralForm, languages: LanguageList) -> LanguageNeed | None:
    """The language on the case, as on every other way in: English told as English (with or without an
    interpreter); Swedish is assumed when none is told; another language named as one on the list (in Swedish
    or English, any case) is that language, so the call and the first visit book an interpreter as for any
    other way in; a language not on the list stays in the sender's own words on the submission, for staff to
    confirm on the call."""
    if form.language == "en":
        return LanguageNeed(language="en", interpreter_needed=form.interpreter)
    known = languages.by_name(form.other_language or "") if form.language == "other" else None
    if known is None or known.code == "sv":
        return None
    return LanguageNeed(language=known.code, interpreter_needed=form.interpreter)


def messages_language(form: SelfReferralForm) -> Literal["sv", "en"]:
    """Messages go in Swedish or English; another language is for the call (with an interpreter if asked)."""
    return "en" if form.language == "en" else "sv"


def _too_often(deps: Deps, staff: Staff, sv: str, en: str) -> Refused:
    deps.audit.record(staff, FORM_ACTION, outcome="rate_limited")
    return Refused(Refusal("form", "rate_limited", sv, en, 429))


def _check_rate(deps: Deps, staff: Staff, sender_ref: str, address_ref: str | None, now: datetime) -> None:
    lim = deps.self_referral
    if not lim.person.allow(sender_ref) or (address_ref is not None and not lim.address.allow(address_ref)):
        raise _too_often(deps, staff, "För många försök på kort tid. Vänta några minuter och försök igen.",
                         "Too many attempts in a short time. Wait a few minutes and try again.")
    with Session(deps.db.engine) as s:
        by_person = sent_since(s, now - timedelta(days=1), sender_ref=sender_ref)
        by_address = sent_since(s, now - timedelta(days=1), address_ref=address_ref) if address_ref else 0
    if by_person >= lim.per_person_per_day or by_address >= lim.per_address_per_day:
        raise _too_often(deps, staff, "Vi har redan tagit emot dina meddelanden i dag. Vi ringer upp dig; är det "
                                      "bråttom, ring 1177 och välj 2.",
                         "We have already received your messages today. We will call you; if it is urgent, "
                         "call 1177 and choose 2.")


def _child_identity(form: SelfReferralForm, sender: Identity, today: Any) -> Identity:
    given = form.child.identity_number if form.sender.role == "guardian" else None
    kid = parse_identity(given, today, "child.identity_number") if given else None
    return check_sender(form.sender.role, sender, kid, today)


def submit_self_referral(deps: Deps, form: SelfReferralForm, staff: Staff, key: str | None) -> Answer:
    """Checks (rate, sender, child), then one transaction: case or link, the row, the call-back, events, audit."""
    now = deps.clock.now()
    today = local_day(now)
    sender = parse_identity(form.sender.identity_number, today, "sender.identity_number")
    sender_ref = patient_ref(sender.number, deps.pseudonym_key)
    address_ref = _address_ref(deps, form.client_address)
    _check_rate(deps, staff, sender_ref, address_ref, now)
    kid_identity = _child_identity(form, sender, today)
    ref, kid = child(deps, ChildIn(identity_number=kid_identity.number, municipality=form.child.municipality), today)
    young = form.sender.role == "young_person"
    signals = acute_signals(form.risk.model_dump())
    referral_id = "KO-" + secrets.token_hex(5).upper()
    language = messages_language(form)
    contact = Contact(channel="self_referral", source=form.sender.role, clock_start=now, received_at=now,
                      patient_ref=ref, child=kid, sender_date=today, external_ref=referral_id,
                      contact=seal(deps, ref, ContactIn(phone=form.reach.phone, language=language,
                                                        is_young_person=young)),
                      reason_codes=tuple(form.problem_areas), risk_signals=signals, language=spoken(form, deps.languages))
    extra: dict[str, Any] = {"referral_id": referral_id, "submitted_at": local(now), "acute": bool(signals)}
    body = form.model_dump(mode="json", exclude={"client_address"})
    answer, replayed = submit(deps, contact, staff, f"key:self:{sender_ref}:{key}" if key else None,
                              request_hash(body), extra, (),
                              _record(deps, form, referral_id, sender_ref, address_ref, signals, now, extra))
    return receipt(answer), replayed


def _record(deps: Deps, form: SelfReferralForm, referral_id: str, sender_ref: str, address_ref: str | None,
            signals: tuple[str, ...], now: datetime, extra: dict[str, Any]) -> After:
    """The submission's row, the acute mark and the sender's call-back, with the case id the take-in decides.
    The promised window goes into `extra`, so the answer (and its replay) carries it."""

    def record(s: Session, outcome: Outcome) -> list[Event]:
        events: list[Event] = []
        callback_id = None
        if signals:
            mark_acute(s, outcome.case_id, now)
        if outcome.status != "signposted":
            language = messages_language(form)
            row, promised = promise_callback(s, deps, Asked(
                f"web-{referral_id}", "public_1177", "self_referral", now, form.reach.phone, language,
                preferred_window(now, form.reach.preferred_time, deps.callbacks), outcome.case_id), now)
            callback_id = row.callback_id
            extra["callback"] = {"window_start": local(row.window_start), "window_end": local(row.window_end),
                                 "same_day": row.same_day}
            events.append(promised)
        s.add(SelfReferralRow(
            referral_id=referral_id, case_id=outcome.case_id, sender_role=form.sender.role, sender_ref=sender_ref,
            address_ref=address_ref, submitted_at=now, linked=outcome.status == "linked",
            problem_areas=list(form.problem_areas), worry=form.worry, urgency=form.urgency,
            risk_signals=list(signals), phone=form.reach.phone, preferred_time=form.reach.preferred_time,
            sms_ok=form.reach.sms_ok, language=form.language, other_language=form.other_language,
            interpreter=form.interpreter, guardians_may_know=form.guardians_may_know, callback_id=callback_id))
        return events

    return record


def receipt(answer: dict[str, Any]) -> dict[str, Any]:
    """What the sender is told: their reference, the call-back window, where to turn if it was signposted. Not
    the case, and not whether the child already had one (that is the contact centre's to say)."""
    return {"referral_id": answer["referral_id"], "submitted_at": answer["submitted_at"], "acute": answer["acute"],
            "callback": answer.get("callback"),
            "signposted": answer["status"] == "signposted"}


def for_case(deps: Deps, case_id: str, staff: Staff) -> list[dict[str, Any]]:
    """The contact centre's read of a case's 'Kontakta oss' submissions (audited per child)."""
    with Session(deps.db.engine) as s:
        rows = self_referrals_of_case(s, case_id)
        case = case_of(s, case_id)
    deps.audit.record(staff, "read-self-referral", case_id=case_id, patient_ref=case.patient_ref if case else None,
                      detail=f"{len(rows)}")
    return [{"referral_id": r.referral_id, "submitted_at": local(r.submitted_at), "sender_role": r.sender_role,
             "problem_areas": r.problem_areas, "worry": r.worry, "urgency": r.urgency, "risk_signals": r.risk_signals,
             "phone": r.phone, "preferred_time": r.preferred_time, "sms_ok": r.sms_ok, "language": r.language,
             "other_language": r.other_language, "interpreter": r.interpreter,
             "guardians_may_know": r.guardians_may_know, "linked": r.linked} for r in rows]
