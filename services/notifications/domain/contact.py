"""Which channels a family's contact details allow, in the order of their preference and the policy."""
from __future__ import annotations

import re
from dataclasses import dataclass

from contracts.common import ContactDetails
from contracts.notifications import DeliveryChannel

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_POSTCODE = re.compile(r"\b\d{3} ?\d{2}\b")


def normalise_phone(raw: str) -> str | None:
    """A Swedish mobile number in E.164 (+467...), or None when it cannot be one.

    Accepts national form (070-123 45 67) and E.164; SMS only reaches mobiles (07x).
    """
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0"):
        digits = "+46" + digits[1:]
    if not re.fullmatch(r"\+\d{8,15}", digits):
        return None
    if digits.startswith("+46") and not re.fullmatch(r"\+467\d{8}", digits):
        return None
    return digits


def valid_email(raw: str) -> bool:
    return bool(_EMAIL.match(raw.strip()))


def valid_address(raw: str) -> bool:
    """A postal address good enough for a letter: a street part and a Swedish postcode with a town."""
    parts = [p.strip() for p in raw.split(",")]
    return len(parts) >= 2 and all(parts) and bool(_POSTCODE.search(parts[-1])) and bool(re.search(r"[A-Za-zÅÄÖåäö]", parts[-1]))


@dataclass(frozen=True)
class Route:
    channel: DeliveryChannel
    address: str


def routes(contact: ContactDetails, order: tuple[str, ...]) -> tuple[list[Route], list[str]]:
    """Usable routes, preferred channel first, then `order`; and why the others were not usable.

    The reasons are codes (`phone_malformed`), never the details themselves: they go to logs and staff.
    """
    wanted = [contact.preferred_channel] + [c for c in order if c != contact.preferred_channel]
    usable: list[Route] = []
    problems: list[str] = []
    for channel in wanted:
        route, problem = _route(contact, channel)
        if route:
            usable.append(route)
        elif problem:
            problems.append(problem)
    return usable, problems


def _route(contact: ContactDetails, channel: str) -> tuple[Route | None, str | None]:
    if channel == "sms":
        if not contact.phone:
            return None, "phone_missing"
        phone = normalise_phone(contact.phone)
        return (Route("sms", phone), None) if phone else (None, "phone_malformed")
    if channel == "email":
        if not contact.email:
            return None, "email_missing"
        return (Route("email", contact.email.strip()), None) if valid_email(contact.email) else (None, "email_malformed")
    if not contact.address:
        return None, "address_missing"
    return (Route("digital_letter", contact.address), None) if valid_address(contact.address) else (None, "address_malformed")
