"""Every error answer of every service in one shape: RFC 9457 problem details, field errors in Swedish and English.

    {"type": "urn:en-vag-in:problem:invalid-input", "title": "Unprocessable Content", "status": 422,
     "detail": "contact.phone: Not a phone number.", "detail_sv": "contact.phone: Inte ett telefonnummer.",
     "title_sv": "Ogiltiga uppgifter", "instance": "/api/referrals",
     "errors": [{"field": "contact.phone", "location": "body", "code": "phone_invalid",
                 "sv": "Inte ett telefonnummer.", "en": "Not a phone number."}]}

This module is the only place that writes such a body: 401/403/404/405/413/422/409/503 alike.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from services.chassis.outbox_rows import EventTooLarge
from services.chassis.refusal import Refused

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("kontakt.errors")

_SV = {
    "missing": "Uppgiften saknas.",
    "string_too_short": "Texten är för kort (minst {min_length} tecken).",
    "string_too_long": "Texten är för lång (högst {max_length} tecken).",
    "too_short": "För få värden (minst {min_length}).",
    "too_long": "För många värden (högst {max_length}).",
    "string_pattern_mismatch": "Formatet är fel.",
    "string_type": "Ange en text.",
    "literal_error": "Värdet är inte ett av de tillåtna ({expected}).",
    "enum": "Värdet är inte ett av de tillåtna ({expected}).",
    "int_parsing": "Ange ett heltal.",
    "int_type": "Ange ett heltal.",
    "int_from_float": "Ange ett heltal.",
    "float_parsing": "Ange ett tal.",
    "bool_parsing": "Ange true eller false.",
    "bool_type": "Ange true eller false.",
    "greater_than": "Värdet måste vara större än {gt}.",
    "greater_than_equal": "Värdet måste vara minst {ge}.",
    "less_than": "Värdet måste vara mindre än {lt}.",
    "less_than_equal": "Värdet får vara högst {le}.",
    "date_from_datetime_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "date_type": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "datetime_parsing": "Ange datum och tid.",
    "datetime_type": "Ange datum och tid.",
    "timezone_aware": "Tidpunkten måste ha tidszon.",
    "json_invalid": "Ogiltig JSON.",
    "json_type": "Ogiltig JSON.",
    "model_type": "Ange ett JSON-objekt.",
    "model_attributes_type": "Ange ett JSON-objekt.",
    "dict_type": "Ange ett JSON-objekt.",
    "list_type": "Ange en lista.",
    "extra_forbidden": "Okänt fält.",
    "value_error": "Ogiltigt värde.",
    "uuid_parsing": "Ange ett UUID.",
}

# Swedish titles; the English title is the HTTP reason phrase.
_TITLE_SV = {
    400: "Felaktig begäran", 401: "Inloggning krävs", 403: "Åtkomst nekad", 404: "Finns inte",
    405: "Metoden är inte tillåten", 406: "Svarsformatet stöds inte", 409: "Konflikt", 410: "Finns inte längre",
    413: "För stort innehåll", 415: "Innehållstypen stöds inte", 422: "Ogiltiga uppgifter",
    429: "För många anrop", 500: "Internt fel", 503: "Tjänsten är inte tillgänglig just nu",
}
_KIND = {
    400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found", 405: "method-not-allowed",
    406: "not-acceptable", 409: "conflict", 410: "gone", 413: "too-large", 415: "unsupported-media-type",
    422: "invalid-input", 429: "too-many-requests", 500: "internal", 503: "unavailable",
}
_DETAIL_SV = {  # Starlette's own plain details, in Swedish
    "Not Found": "Adressen finns inte.", "Method Not Allowed": "Metoden är inte tillåten här.",
    "Content Too Large": "Innehållet är för stort.",
}


class FieldError(BaseModel):
    """One refused field: where it is and why, in Swedish and English."""

    field: str = Field(description="Dotted path of the field (`contact.phone`), or a header/parameter name.",
                       examples=["contact.phone"])
    location: str = Field("body", description="body | query | path | header | file | service", examples=["body"])
    code: str = Field(description="Machine-readable reason.", examples=["phone_invalid"])
    sv: str = Field(description="Why, in Swedish.", examples=["Inte ett giltigt telefonnummer."])
    en: str = Field(description="Why, in English.", examples=["Not a valid phone number."])


class Problem(BaseModel):
    """RFC 9457 problem details (media type application/problem+json), with bilingual extensions."""

    type: str = Field(description="URI naming the kind of problem.", examples=["urn:en-vag-in:problem:invalid-input"])
    title: str = Field(description="Short summary (English; the HTTP reason phrase).", examples=["Unprocessable Content"])
    title_sv: str = Field(description="Short summary in Swedish.", examples=["Ogiltiga uppgifter"])
    status: int = Field(description="The HTTP status code.", examples=[422])
    detail: str = Field(description="What went wrong, in English.", examples=["contact.phone: Not a valid phone number."])
    detail_sv: str = Field(description="What went wrong, in Swedish.",
                           examples=["contact.phone: Inte ett giltigt telefonnummer."])
    instance: str = Field(description="The request path this problem belongs to.", examples=["/api/referrals"])
    errors: list[FieldError] = Field(default_factory=list, description="Each refused field (may be empty).")


def field_error(field: str, sv: str, en: str, code: str = "invalid", location: str = "body") -> dict[str, str]:
    return {"field": field, "location": location, "code": code, "sv": sv, "en": en}


def problem_body(status: int, instance: str, errors: list[dict[str, Any]] | None = None,
                 sv: str | None = None, en: str | None = None) -> dict[str, Any]:
    errors = [{"location": "body", **e} for e in errors or []]
    phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    if en is None and errors:
        en = "; ".join(f"{e['field']}: {e['en']}" for e in errors[:5])
        sv = "; ".join(f"{e['field']}: {e['sv']}" for e in errors[:5])
    return {"type": f"urn:en-vag-in:problem:{_KIND.get(status, 'error')}", "title": phrase,
            "title_sv": _TITLE_SV.get(status, phrase), "status": status, "detail": en or phrase,
            "detail_sv": sv or _TITLE_SV.get(status, phrase), "instance": instance, "errors": errors}


def problem_response(request: Request | None, status: int, errors: list[dict[str, Any]] | None = None,
                     sv: str | None = None, en: str | None = None,
                     headers: Mapping[str, str] | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else ""
    return JSONResponse(problem_body(status, instance, errors, sv, en), status_code=status, headers=headers,
                        media_type=PROBLEM_JSON)


def validation_errors(raw: Sequence[Any], location: str | None = None) -> list[dict[str, str]]:
    """Pydantic/FastAPI errors as our field errors; never echoes the input (it may hold a child's data)."""
    out = []
    for e in raw:
        loc = list(e.get("loc", ()))
        where = location or (str(loc[0]) if loc and loc[0] in ("body", "query", "path", "header", "cookie") else "body")
        parts = [str(p) for p in (loc[1:] if loc and loc[0] == where else loc)]
        msg = str(e.get("msg", ""))
        msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
        kind = str(e.get("type", "invalid"))
        try:
            sv = _SV.get(kind, "Ogiltigt värde.").format(**e.get("ctx", {}))
        except (KeyError, IndexError, ValueError):
            sv = _SV.get(kind, "Ogiltigt värde.").split(" (")[0].rstrip(".") + "."
        if "|" in msg:  # our validators say "sv | en"
            sv, msg = (part.strip() for part in msg.split("|", 1))
        out.append(field_error(".".join(parts) or where, sv, msg, kind, where))
    return out


def _http_detail(exc: HTTPException) -> tuple[str | None, str | None, list[dict[str, Any]]]:
    detail = exc.detail
    if isinstance(detail, dict):
        return detail.get("sv"), detail.get("en"), list(detail.get("errors", []))
    if isinstance(detail, str) and detail:
        return _DETAIL_SV.get(detail), detail, []
    return None, None, []


def event_too_large_error(exc: EventTooLarge) -> dict[str, str]:
    return field_error(
        exc.field or "body",
        f"Uppgifterna är för stora för att skickas vidare ({exc.size} byte, högst {exc.limit}); "
        f"fältet {exc.field} är störst. Korta det och försök igen.",
        f"The data is too large to pass on ({exc.size} bytes, at most {exc.limit}); field {exc.field} is the "
        "largest. Shorten it and try again.", "too_large")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(request, 422, validation_errors(exc.errors()))

    @app.exception_handler(Refused)
    async def _refused(request: Request, exc: Refused) -> JSONResponse:
        return problem_response(request, exc.status, exc.errors)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        sv, en, errors = _http_detail(exc)
        return problem_response(request, exc.status_code, errors, sv, en, headers=exc.headers)

    @app.exception_handler(EventTooLarge)
    async def _too_large(request: Request, exc: EventTooLarge) -> JSONResponse:
        # the request would create an event the broker can never carry: refused, nothing was stored
        return problem_response(request, 413, [event_too_large_error(exc)])

    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, __: OperationalError) -> JSONResponse:
        return problem_response(request, 503, [field_error(
            "service", "Databasen kan inte nås just nu, försök igen strax.",
            "The database is unreachable right now; try again shortly.", "unavailable", "service")],
            headers={"Retry-After": "5"})

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # a bug: logged with its trace, answered in the one shape without internals
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, sv="Ett oväntat fel inträffade; det är loggat.",
                                en="An unexpected error occurred; it has been logged.")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries: these statuses answer with a Problem (application/problem+json)."""
    return {s: {"description": f"{HTTPStatus(s).phrase} (RFC 9457 problem details)",
                "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}} for s in statuses}
