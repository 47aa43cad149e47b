"""Error answers staff can act on: field by field, in Swedish and English; a clear 503 when the database is away."""
from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError

from services.chassis.outbox import EventTooLarge

_SV = {
    "missing": "Uppgiften saknas.",
    "string_too_short": "Texten är för kort.",
    "string_too_long": "Texten är för lång.",
    "string_pattern_mismatch": "Formatet är fel.",
    "literal_error": "Värdet är inte ett av de tillåtna.",
    "enum": "Värdet är inte ett av de tillåtna.",
    "int_parsing": "Ange ett heltal.",
    "date_from_datetime_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "datetime_parsing": "Ange datum och tid.",
    "timezone_aware": "Tidpunkten måste ha tidszon.",
    "json_invalid": "Ogiltig JSON.",
    "extra_forbidden": "Okänt fält.",
    "value_error": "Ogiltigt värde.",
}


class DomainError(Exception):
    """A rule of the domain refused the request: HTTP 422 (or `status`) with bilingual field errors."""

    def __init__(self, errors: list[dict[str, Any]], status: int = 422) -> None:
        super().__init__(errors)
        self.errors = errors
        self.status = status


def field_error(field: str, sv: str, en: str, code: str = "invalid") -> dict[str, str]:
    return {"field": field, "code": code, "sv": sv, "en": en}


def event_too_large_error(exc: EventTooLarge) -> dict[str, str]:
    return field_error(
        exc.field or "body",
        f"Uppgifterna är för stora för att skickas vidare ({exc.size} byte, högst {exc.limit}); "
        f"fältet {exc.field} är störst. Korta det och försök igen.",
        f"The data is too large to pass on ({exc.size} bytes, at most {exc.limit}); field {exc.field} is the "
        "largest. Shorten it and try again.", "too_large")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")]
            msg = e.get("msg", "")
            if e.get("type") == "value_error" and msg.startswith("Value error, "):
                msg = msg.removeprefix("Value error, ")
            sv = _SV.get(e.get("type", ""), "Ogiltigt värde.")
            if "|" in msg:  # our validators say "sv | en"
                sv, msg = (part.strip() for part in msg.split("|", 1))
            errors.append(field_error(".".join(loc) or "body", sv, msg, e.get("type", "invalid")))
        return JSONResponse({"errors": errors}, status_code=422)

    @app.exception_handler(DomainError)
    async def _domain(_: Request, exc: DomainError) -> JSONResponse:
        return JSONResponse({"errors": exc.errors}, status_code=exc.status)

    @app.exception_handler(EventTooLarge)
    async def _too_large(request: Request, exc: EventTooLarge) -> JSONResponse:
        # the request would create an event the broker can never carry: refused, nothing was stored
        return await _domain(request, DomainError([event_too_large_error(exc)], status=413))

    @app.exception_handler(OperationalError)
    async def _db_down(_: Request, __: OperationalError) -> JSONResponse:
        return JSONResponse({"errors": [field_error("service", "Databasen kan inte nås just nu, försök igen strax.",
                                                    "The database is unreachable right now; try again shortly.",
                                                    "unavailable")]},
                            status_code=503, headers={"Retry-After": "5"})
