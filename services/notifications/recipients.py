"""Turning a delivery's recipient into routes: the family's sealed contact opened in memory, or a staff work contact."""
from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from contracts.common import ContactDetails, SealedContact
from services.chassis.privacy import ContactShredded, KeyVault
from services.notifications.directory import StaffDirectory
from services.notifications.domain.contact import Route, normalise_phone, routes
from services.notifications.store import Delivery, FamilyContact


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


def family_recipient(contact: FamilyContact | None, vault: KeyVault, order: tuple[str, ...]) -> Recipient:
    """Open the sealed contact in memory only; the plaintext lives as long as this send."""
    if contact is None:  # booking's event may overtake intake's on another topic: wait for it
        raise Undeliverable("contact_not_yet_known", permanent=False)
    if contact.sealed is None:
        raise Undeliverable("contact_missing")
    try:
        details = ContactDetails.model_validate(vault.open(SealedContact.model_validate_json(contact.sealed)))
    except ContactShredded:
        raise Undeliverable("contact_shredded") from None
    except ValidationError:
        raise Undeliverable("contact_invalid") from None  # from None: the error text would echo the details
    usable, problems = routes(details, order)
    if not usable:
        raise Undeliverable("no_usable_channel:" + ",".join(problems))
    return Recipient(usable, details.language, details.is_young_person)


def staff_recipient(row: Delivery, directory: StaffDirectory) -> Recipient:
    member = directory.staff.get(row.recipient_ref)
    if member is None:
        raise Undeliverable("staff_ref_unknown")
    if member.channel == "sms":
        phone = normalise_phone(member.phone or "")
        if phone is None:
            raise Undeliverable("staff_phone_malformed")
        return Recipient([Route("sms", phone)], member.language, False)
    return Recipient([Route("email", member.email or "")], member.language, False)
