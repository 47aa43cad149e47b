"""Input types every service's forms share: times, free text, phone numbers and e-mail, each with a clear refusal.

Messages are "svenska | English"; services/chassis/errors.py splits them into a field error.
Formats come from kept libraries: `phonenumbers` (stored as E.164) and `email-validator` via pydantic's EmailStr.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

import phonenumbers
from pydantic import (
    AfterValidator,
    AwareDatetime,
    EmailStr,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic_core import PydanticCustomError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u2028\u2029]")


def _plausible(value: datetime) -> datetime:
    # a time zone offset on year 1 or 9999 cannot even be turned into UTC: refuse clearly, not with a 500
    if not 2000 <= value.year <= 2100:
        raise ValueError("Tidpunkten måste ligga mellan år 2000 och 2100. | The time must be between the years 2000 and 2100.")
    return value


PlausibleDatetime = Annotated[AwareDatetime, AfterValidator(_plausible)]


def _no_control(value: str) -> str:
    if _CONTROL.search(value):
        raise PydanticCustomError("control_character", "Texten innehåller otillåtna styrtecken. | "
                                  "The text holds control characters that are not allowed.")
    return value


def FreeText(max_length: int, min_length: int = 0) -> Any:
    """A line or paragraph typed by a person: bounded length, no control characters (tabs and newlines are fine)."""
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length), AfterValidator(_no_control)]


def _phone(value: str) -> str:
    try:
        number = phonenumbers.parse(value, "SE")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PydanticCustomError("phone_invalid", "Inte ett giltigt telefonnummer (t.ex. 070-123 45 67 eller "
                                  "+46701234567). | Not a valid phone number (e.g. 070-123 45 67 or +46701234567).")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


PhoneNumber = Annotated[str, StringConstraints(max_length=40), AfterValidator(_phone),
                        Field(description="A phone number, Swedish national form or international; stored as E.164.",
                              examples=["+46701234567"])]


def _email(value: Any, handler: ValidatorFunctionWrapHandler) -> str:
    try:
        email: str = handler(value)
        return email
    except ValueError:
        raise PydanticCustomError("email_invalid", "Inte en giltig e-postadress. | Not a valid e-mail address.") from None


Email = Annotated[EmailStr, StringConstraints(max_length=254), WrapValidator(_email)]
