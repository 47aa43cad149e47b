"""Value types shared by several events: care levels, channels, municipalities, sealed contacts."""
from __future__ import annotations

from typing import Literal, get_args

from contracts.envelope import F, Payload

Municipality = Literal[
    "Umeå", "Skellefteå", "Lycksele", "Vilhelmina", "Storuman", "Sorsele", "Malå", "Norsjö",
    "Åsele", "Dorotea", "Vindeln", "Vännäs", "Bjurholm", "Nordmaling", "Robertsfors",
]
MUNICIPALITIES: tuple[str, ...] = get_args(Municipality)

Sex = Literal["female", "male", "other", "unknown"]
# school_form: the digital referral form for schools' student health (the clock starts at submission);
# self_referral: "Kontakta oss", the public form where a guardian or a young person from 13 asks for contact.
Channel = Literal["phone", "edi", "paper", "partner", "school_form", "self_referral"]
Source = Literal[
    "guardian", "young_person", "healthcare", "school_student_health",
    "social_services", "partner_external", "partner_internal", "other",
]
CareLevel = Literal["primary_care", "bup", "parenting_group", "signposting", "urgent"]
Role = Literal["call_handler", "clinician", "scheduler", "unit_head", "kc_head", "coordinator", "kpi_analyst", "ops",
               "school_sender"]
# ISO 639-1 (two letters) or, for a language without one (Ume Sami `sju`, Meänkieli `fit`), ISO 639-3
LANGUAGE_PATTERN = r"^[a-z]{2,3}$"
SignpostDestination = Literal[
    "social_services", "school", "parish", "association", "group", "adult_psychiatry",
    "adult_primary_care", "other_region",
]


class SealedContact(Payload):
    """Contact details encrypted with a per-person key held in the key vault.

    Deleting the person's key (crypto-shredding) makes every copy unreadable, on the
    bus and in replays alike. Only the notifications service decrypts, in memory.
    """

    key_id: str = F("Id of the per-person key in the key vault (the patient reference).", "P-4Q7T2M9KZ3XW8RB6N1HC")
    algorithm: Literal["fernet"] = F("Encryption scheme of the ciphertext.", "fernet")
    ciphertext: str = F("Encrypted JSON of the contact details (name, phone, e-mail, address, preference).",
                        "gAAAAABl...")


class ChildProfile(Payload):
    """What the figures need to know of a child, without identifying them."""

    patient_ref: str = F("Pseudonymous patient reference (keyed hash of the identity number).", "P-4Q7T2M9KZ3XW8RB6N1HC",
                         pattern=r"^P-[0-9A-Z]{20}$")
    age_years: int = F("Age in whole years on the day of contact.", 11, ge=0, le=130)
    sex: Sex = F("Legal sex as given by the identity number or the contact, for split statistics.", "female")
    municipality: str = F("Municipality of residence (one of the county's 15, or 'outside' the county).", "Lycksele")


class LanguageNeed(Payload):
    """The language the family speaks and whether they need an interpreter: captured at the first contact."""

    language: str = F("The language the family speaks (ISO 639-1, or ISO 639-3 where there is no two-letter code: "
                      "`sju` Ume Sami), as told at the contact.", "ar", pattern=LANGUAGE_PATTERN)
    interpreter_needed: bool = F("The family needs an interpreter (in `language`) to talk with care.", False,
                                 default=False)


class ContactDetails(Payload):
    """The plaintext inside a SealedContact. Never on the bus unsealed; only notifications opens it."""

    name: str | None = F("Name of the person to contact (guardian or young person).", "Anna Andersson", default=None)
    phone: str | None = F("Mobile number for SMS, E.164 or Swedish national form.", "+46701234567", default=None)
    email: str | None = F("E-mail address.", "anna@example.se", default=None)
    address: str | None = F("Postal address for the digital-letter fallback.", "Storgatan 1, 921 31 Lycksele", default=None)
    preferred_channel: Literal["sms", "email", "digital_letter"] = F("The contact's stated preference.", "sms", default="sms")
    language: Literal["sv", "en"] = F("Language of messages.", "sv", default="sv")
    is_young_person: bool = F("True when the young person is the contact (wording for a young person).", False, default=False)
