"""Staff authentication: JWT bearer tokens checked against a JWKS, and per-endpoint roles."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

ROLES = ("call_handler", "clinician", "scheduler", "unit_head", "kc_head", "coordinator", "kpi_analyst", "ops",
         "school_sender")
# A school's student health staff: may send referrals for its own school and see their status, nothing else.
# Their token must name the school (claim `school`), as a unit's staff's names the unit.
SCHOOL_ROLES = ("school_sender",)
LICENSED_ROLES = ("clinician",)
# Roles bound to one unit by their token's `unit` claim: they act only on that unit's slots, appointments,
# waiting list, groups and alerts. Every other role acts across units by its role, and that is declared
# here: the contact centre (call handlers, clinicians, the KC head) books into all 43 units, coordinators
# and KPI analysts follow the whole county, ops runs it.
UNIT_SCOPED_ROLES = ("scheduler", "unit_head")
CROSS_UNIT_ROLES = tuple(r for r in ROLES if r not in UNIT_SCOPED_ROLES)
# OpenAPI extension on every route a unit-bound role may call: whether it acts on one unit's data (and
# checks the token's unit) or is county-wide by nature (reference data, counts without children).
OWN_UNIT = {"x-unit-scope": "own-unit"}


def county_wide(reason: str) -> dict[str, str]:
    return {"x-unit-scope": "county-wide", "x-unit-scope-reason": reason}


@dataclass(frozen=True)
class Staff:
    subject: str  # pseudonymous staff id (e.g. hashed HSA-id), never a name
    role: str
    unit: str | None
    licensed: bool
    school: str | None = None  # school_sender only: the school the person sends for (claim `school`)


class TokenVerifier:
    """Verifies RS256/ES256 tokens against a JWKS from a URL or a file.

    A token that passed is remembered (by its exact text) until it expires, for at most `remember_s`: a
    sender's system or a staff app sends the same token with every request, and checking its signature
    again each time was most of the cost of authenticating. An expired token is never answered from memory.
    """

    def __init__(self, issuer: str, audience: str, jwks_url: str | None = None, jwks_file: Path | None = None,
                 remember_s: float = 60.0, remember_max: int = 4096, jwks_cache_s: float = 300.0,
                 jwks_refetch_s: float = 5.0, clock: Callable[[], float] = time.time) -> None:
        self.issuer = issuer
        self._clock = clock  # wall-clock seconds, as a token's `exp`; injected so tests need not sleep
        self.audience = audience
        # the provider's key set is kept `jwks_cache_s` and fetched again at once for a key id it lacks (a new
        # key after rotation); a key the provider removed is refused once the kept set (and a token verified
        # with it, `remember_s`) has run out. An unknown key id fetches again at most every `jwks_refetch_s`
        # (made-up key ids cannot make a service hammer the provider; PyJWT's 30 s would refuse every token of
        # a provider that signs with a new key at once, as Keycloak does, for half a minute)
        self._client = jwt.PyJWKClient(jwks_url, lifespan=jwks_cache_s, cooldown_duration=jwks_refetch_s) \
            if jwks_url else None
        self._jwks_file = jwks_file
        self._file_keys: dict[str | None, Any] | None = None  # by kid (a key without one: None)
        self._remember_s = remember_s
        self._remember_max = remember_max
        self._verified: dict[str, tuple[Staff, float]] = {}
        self._lock = threading.Lock()

    def remembered(self, token: str) -> Staff | None:
        """The staff of a token verified before and not yet expired, or None (then call `verify`)."""
        hit = self._verified.get(token)
        if hit is None or hit[1] <= self._clock():
            return None
        return hit[0]

    def _key_for(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        if self._jwks_file is None:
            raise jwt.InvalidTokenError("no JWKS configured")
        if self._file_keys is None:
            jwks = jwt.PyJWKSet.from_dict(json.loads(self._jwks_file.read_text()))
            self._file_keys = {k.key_id: k.key for k in jwks.keys}
        kid = jwt.get_unverified_header(token).get("kid")
        if kid not in self._file_keys:
            self._file_keys = None  # keys may have rotated: reload once
            jwks = jwt.PyJWKSet.from_dict(json.loads(self._jwks_file.read_text()))
            self._file_keys = {k.key_id: k.key for k in jwks.keys}
        if kid not in self._file_keys:
            raise jwt.InvalidTokenError("unknown signing key")
        return self._file_keys[kid]

    def verify(self, token: str) -> Staff:
        claims = jwt.decode(token, self._key_for(token), algorithms=["RS256", "ES256"], audience=self.audience,
                            issuer=self.issuer, options={"require": ["exp", "iat", "sub", "role"]})
        role = claims["role"]
        if role not in ROLES:
            raise jwt.InvalidTokenError("unknown role")
        school = claims.get("school")
        if role in SCHOOL_ROLES and not (isinstance(school, str) and school):
            raise jwt.InvalidTokenError("a school sender's token must name the school")
        staff = Staff(subject=str(claims["sub"]), role=role, unit=claims.get("unit"),
                      licensed=bool(claims.get("licensed", role in LICENSED_ROLES)),
                      school=school if role in SCHOOL_ROLES else None)
        with self._lock:
            if len(self._verified) >= self._remember_max:
                self._verified.pop(next(iter(self._verified)))  # the oldest
            self._verified[token] = (staff, min(float(claims["exp"]), self._clock() + self._remember_s))
        return staff


_bearer = HTTPBearer(auto_error=False)


def _unauthorised(sv: str, en: str) -> HTTPException:
    return HTTPException(status_code=401, detail={"sv": sv, "en": en}, headers={"WWW-Authenticate": "Bearer"})


async def current_staff(request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Staff:
    """async: a remembered token costs a dict look-up on the event loop instead of a trip through the thread
    pool; only a signature check (or a JWKS fetch) goes to a thread."""
    if creds is None:
        raise _unauthorised("Inloggning krävs.", "Authentication required.")
    verifier: TokenVerifier = request.app.state.verifier
    try:
        staff = verifier.remembered(creds.credentials)
        return staff if staff is not None else await run_in_threadpool(verifier.verify, creds.credentials)
    except jwt.ExpiredSignatureError:
        raise _unauthorised("Inloggningen har gått ut.", "Token expired.") from None
    except jwt.PyJWTError:
        raise _unauthorised("Ogiltig inloggning.", "Invalid token.") from None


def acts_for(staff: Staff, unit_id: str | None) -> bool:
    """Whether the caller may act on `unit_id`'s data: by role across units, or by the token's own unit."""
    return staff.role not in UNIT_SCOPED_ROLES or (staff.unit is not None and staff.unit == unit_id)


def require_unit(staff: Staff, unit_id: str | None) -> None:
    """403 unless the caller may act on `unit_id` (a scheduler or unit head of another unit may not)."""
    if not acts_for(staff, unit_id):
        mine = staff.unit or "-"
        raise HTTPException(status_code=403, detail={
            "sv": f"Rollen {staff.role} vid enheten {mine} får bara göra detta för sin egen enhet, inte {unit_id}.",
            "en": f"Role {staff.role} of unit {mine} may do this only for its own unit, not {unit_id}."})


class RoleCheck:
    """A route's dependency admitting the staff whose role is one of `roles` (openapi.py reads `roles`)."""

    def __init__(self, roles: tuple[str, ...]) -> None:
        unknown = set(roles) - set(ROLES)
        assert not unknown, f"unknown roles {unknown}"
        self.roles = roles
        self.__doc__ = f"Roles: {', '.join(roles)}"

    async def __call__(self, staff: Staff = Depends(current_staff)) -> Staff:
        if staff.role not in self.roles:
            raise HTTPException(status_code=403, detail={
                "sv": f"Rollen {staff.role} får inte göra detta (kräver: {', '.join(self.roles)}).",
                "en": f"Role {staff.role} may not do this (requires: {', '.join(self.roles)})."})
        return staff


def require(*roles: str) -> Any:
    """Dependency: the caller must hold one of `roles`. Declares the roles in OpenAPI too."""
    return Depends(RoleCheck(roles))
