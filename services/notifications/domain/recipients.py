"""Who a delivery reaches and how: the family's routes from its contact details, or a staff work contact."""
from __future__ import annotations

from dataclasses import dataclass

from contracts.common import ContactDetails
from services.notifications.domain.contact import Route, normalise_phone, routes
from services.notifications.domain.directory import StaffDirectory


class Undeliverable(Exception):
    """No route to the recipient. `permanent`: waiting cannot help. The code is safe to log and publish."""

    def __init__(self, code: str, permanent: bool = True) -> None:
        super().__init__(code)
        self.code = code
        self.permanent = permanent


@dataclass(frozen=True)
class Recipient:
    routes: list[Route]
    language: str
    young: bool
    family_language: str | None = None  # the language the family speaks, used where a template is written in it

    @property
    def languages(self) -> list[str | None]:
        """The languages to write in, best first: the family's own, then the contact's choice of sv/en."""
        return [self.family_language, self.language]


def family_recipient(details: ContactDetails, order: tuple[str, ...], family_language: str | None = None) -> Recipient:
    """The family's usable routes, preferred first; the reasons for the others name no detail."""
    usable, problems = routes(details, order)
    if not usable:
        raise Undeliverable("no_usable_channel:" + ",".join(problems))
    return Recipient(usable, details.language, details.is_young_person, family_language)


def staff_recipient(recipient_ref: str, directory: StaffDirectory) -> Recipient:
    member = directory.staff.get(recipient_ref)
    if member is None:
        raise Undeliverable("staff_ref_unknown")
    if member.channel == "sms":
        phone = normalise_phone(member.phone or "")
        if phone is None:
            raise Undeliverable("staff_phone_malformed")
        return Recipient([Route("sms", phone)], member.language, False)
    return Recipient([Route("email", member.email or "")], member.language, False)
