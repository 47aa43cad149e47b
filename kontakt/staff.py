"""The staff behind the demo's and the tests' requests: an HTTP client per service and role, with the local issuer's
token, and the checks on what comes back; checksum-valid personnummer for generated children."""
from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx

from services.chassis.issuer import LocalIssuer


def personnummer(born: date, rng: random.Random, female: bool) -> str:
    """A checksum-valid personnummer (YYYYMMDD-NNNC) for generated children; the sex digit is odd for male."""
    # the serial's last digit is the sex; the serial 000 does not exist (intake rightly refuses it)
    serial = rng.randint(1, 99) * 10 + (rng.choice([0, 2, 4, 6, 8]) if female else rng.choice([1, 3, 5, 7, 9]))
    digits = f"{born:%y%m%d}{serial:03d}"
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n // 10 + n % 10
    return f"{born:%Y%m%d}-{serial:03d}{(10 - total % 10) % 10}"


@dataclass
class Staff:
    """HTTP clients for one staff member per role, with tokens from the local issuer."""

    urls: dict[str, str]
    issuer: LocalIssuer
    # sees every answer (the demo counts the ones that refused it)
    on_response: Callable[[httpx.Response], None] | None = None
    _clients: dict[tuple[str, str, str | None], httpx.Client] = field(default_factory=dict)

    def _make(self, service: str, token: str) -> httpx.Client:
        hooks = {"response": [self.on_response]} if self.on_response else {}
        return httpx.Client(base_url=self.urls[service], timeout=30, headers={"Authorization": f"Bearer {token}"},
                            event_hooks=hooks)

    def client(self, service: str, role: str, unit: str | None = None) -> httpx.Client:
        """A member of `role`; a unit-bound role (scheduler, unit head) needs its `unit`, as its token names it."""
        key = (service, role, unit)
        if key not in self._clients:
            subject = f"S-DEMO-{role.upper()}" + (f"-{unit.upper()}" if unit else "")
            self._clients[key] = self._make(service, self.issuer.token(role, unit=unit, subject=subject,
                                                                       ttl_s=12 * 3600))
        return self._clients[key]

    def school_client(self, school: str) -> httpx.Client:
        """A student health member of `school` (role school_sender, the school named in the token)."""
        key = ("intake", "school_sender", school)
        if key not in self._clients:
            self._clients[key] = self._make("intake", self.issuer.token(
                "school_sender", school=school, subject=f"S-DEMO-{school.upper()}", ttl_s=12 * 3600))
        return self._clients[key]

    def close(self) -> None:
        for c in self._clients.values():
            c.close()


def ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url.path} -> {r.status_code}: {r.text[:500]}")
    return r.json() if r.content else None


def ok_object(r: httpx.Response) -> dict[str, Any]:
    """An answer that must be a JSON object."""
    body = ok(r)
    if body is None:  # no content: nothing to read
        return {}
    if not isinstance(body, dict):
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: expected an object, got {type(body).__name__}")
    return body


def ok_list(r: httpx.Response) -> list[dict[str, Any]]:
    """An answer that must be a JSON list of objects."""
    body = ok(r)
    if body is None:
        return []
    if not isinstance(body, list):
        raise RuntimeError(f"{r.request.method} {r.request.url.path}: expected a list, got {type(body).__name__}")
    return body
