"""The interpreting agency's booking API over HTTP (on the embedded default, the stand-in in kontakt/sinks.py).

POST {url}/bookings with an Idempotency-Key: 201 `{"booking_id"}` when an interpreter is booked, 409 when none is
free; DELETE {url}/bookings/{id} cancels. Errors carry codes only, never the family's data (there is none to carry).
"""
from __future__ import annotations

import httpx

from services.booking.domain.interpreting import AgencyUnreachable, InterpreterRequest


class HttpInterpretingAgency:
    def __init__(self, url: str, timeout_s: float = 10.0, token: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.client = httpx.Client(timeout=timeout_s, headers=headers, transport=transport)

    def book(self, request: InterpreterRequest) -> str | None:
        """The agency's booking reference, or None when it has no interpreter free then."""
        try:
            r = self.client.post(f"{self.url}/bookings", json=request.as_json(),
                                 headers={"Idempotency-Key": request.reference})
        except httpx.HTTPError as exc:
            raise AgencyUnreachable("interpreting_unreachable") from exc
        if r.status_code == 409:
            return None
        if r.status_code not in (200, 201):
            raise AgencyUnreachable(f"interpreting_status_{r.status_code}")
        return str(r.json()["booking_id"])

    def cancel(self, booking_id: str) -> bool:
        """Best effort: False when the agency could not be told (staff cancel by phone then)."""
        try:
            r = self.client.delete(f"{self.url}/bookings/{booking_id}")
        except httpx.HTTPError:
            return False
        return r.status_code in (200, 204, 404)

    def close(self) -> None:
        self.client.close()
