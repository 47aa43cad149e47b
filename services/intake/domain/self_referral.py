"""'Kontakta oss', pure: who may send for which child, which answers are acute risk, when the sender wants a call.

The rights behind the rules are in docs/self-referral.md: a guardian contacts care for a child; a young person
from 13 may contact the contact centre on their own (their views weigh by age and maturity, and staff decide
whether guardians are told); younger children are helped to ask a guardian, the school nurse or 1177.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Literal

from services.chassis.clock import STOCKHOLM
from services.chassis.refusal import Refusal, Refused
from services.intake.domain.age import age_on
from services.intake.domain.callback_policy import CallbackPolicy
from services.intake.domain.callbacks import Window
from services.intake.domain.identity import Identity

SenderRole = Literal["guardian", "young_person"]
Urgency = Literal["weeks", "days", "today"]
PreferredTime = Literal["morning", "afternoon", "any"]
YOUNG_PERSON_FROM = 13
NOON = time(12, 0)
# the acute-risk questions and the code each 'yes' raises (codes only reach the bus)
RISK_CODES = {"self_harm_now": "self_harm_now", "suicide_thoughts": "suicidal_thoughts", "danger_now": "danger_now"}


def acute_signals(answers: dict[str, bool]) -> tuple[str, ...]:
    """The codes of the acute-risk questions answered yes, in a fixed order."""
    return tuple(code for question, code in RISK_CODES.items() if answers.get(question))


def check_sender(role: SenderRole, sender: Identity, child: Identity | None, day: date) -> Identity:
    """The child the submission is about: a young person sends for themselves (from 13), a guardian for a child
    who is not themselves. Returns the child's identity."""
    if role == "young_person":
        age = age_on(sender.birth_date, day)
        if age < YOUNG_PERSON_FROM:
            raise Refused(Refusal(
                "sender.role", "young_person_too_young",
                f"Du behöver vara minst {YOUNG_PERSON_FROM} år för att skicka själv. Be en vårdnadshavare fylla i "
                "formuläret, prata med skolsköterskan eller ring 1177 och välj 2.",
                f"You need to be at least {YOUNG_PERSON_FROM} to send this yourself. Ask a guardian to fill it in, "
                "talk to the school nurse, or call 1177 and choose 2."))
        return sender
    if child is None:
        raise Refused(Refusal("child.identity_number", "missing", "Ange barnets personnummer.",
                              "Enter the child's personal identity number."))
    if child.number == sender.number:
        raise Refused(Refusal("child.identity_number", "guardian_is_child",
                              "Barnets personnummer är ditt eget. Är du 13–17 år, välj att du söker för dig själv.",
                              "The child's number is your own. If you are 13–17, choose that you ask for yourself."))
    return child


def preferred_window(now: datetime, preferred: PreferredTime, policy: CallbackPolicy) -> Window | None:
    """The first morning (opening to noon) or afternoon (noon to closing) still ahead, as the sender's chosen
    window for the call-back promise; None for any time."""
    if preferred == "any":
        return None
    local = now.astimezone(STOCKHOLM)
    earliest = local + timedelta(minutes=policy.lead_minutes)
    for n in range(14):
        hours = policy.hours_on(local.date() + timedelta(days=n))
        if hours is None:
            continue
        noon = datetime.combine(hours[0].date(), NOON, tzinfo=STOCKHOLM)
        part = Window(hours[0], noon) if preferred == "morning" else Window(noon, hours[1])
        if part.start < part.end and part.end > earliest:
            return part
    return None
