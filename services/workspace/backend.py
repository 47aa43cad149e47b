"""The five services as the workspace reaches them: HTTP with the signed-in person's bearer token, nothing else."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from services.workspace.sessions import Session


@dataclass
class Refused(Exception):
    """A service said no: its status and its field errors ({field, code, sv, en}), whatever shape it used."""

    status: int
    errors: list[dict[str, str]]

    def codes(self) -> set[str]:
        return {e.get("code", "") for e in self.errors}

    def by_field(self) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for e in self.errors:
            out.setdefault(e.get("field", "form"), e)
        return out


def errors_of(r: httpx.Response) -> list[dict[str, str]]:
    """Field errors from `{"errors": [...]}` (also inside problem+json) or FastAPI's `{"detail": {...}}`."""
    try:
        body = r.json()
    except ValueError:
        body = {}
    if isinstance(body, dict) and isinstance(body.get("errors"), list):
        return [e for e in body["errors"] if isinstance(e, dict)]
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict) and "sv" in detail:
        return [{"field": "form", "code": str(r.status_code), "sv": detail["sv"], "en": detail.get("en", "")}]
    if r.status_code == 403:
        return [{"field": "form", "code": "forbidden", "sv": "Din roll får inte se detta.",
                 "en": "Your role may not see this."}]
    return [{"field": "form", "code": str(r.status_code),
             "sv": f"Tjänsten svarade med fel {r.status_code}. Försök igen.",
             "en": f"The service answered with error {r.status_code}. Try again."}]


class Backend:
    def __init__(self, urls: dict[str, str], timeout_s: float, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.urls = urls
        self.http = httpx.AsyncClient(timeout=timeout_s, transport=transport)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(self, session: Session, service: str, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {session.token}", **kw.pop("headers", {})}
        try:
            return await self.http.request(method, self.urls[service] + path, headers=headers, **kw)
        except httpx.HTTPError:
            raise Refused(503, [{"field": "form", "code": "unavailable",
                                 "sv": f"Tjänsten {service} svarar inte just nu. Försök igen om en stund.",
                                 "en": f"The {service} service does not answer right now. Try again shortly."}]) from None

    async def json(self, session: Session, service: str, method: str, path: str, **kw: Any) -> Any:
        r = await self.request(session, service, method, path, **kw)
        if r.status_code >= 400:
            raise Refused(r.status_code, errors_of(r))
        return r.json() if r.content else None

    async def get(self, session: Session, service: str, path: str, **kw: Any) -> Any:
        return await self.json(session, service, "GET", path, **kw)

    async def post(self, session: Session, service: str, path: str, **kw: Any) -> Any:
        return await self.json(session, service, "POST", path, **kw)
