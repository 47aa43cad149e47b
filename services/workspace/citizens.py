"""Sessions of people using 'Kontakta oss': who the e-identification said they are, kept on the server only.

Apart from staff sessions (another cookie, no staff token): a guardian or a young person signed in here reaches
nothing of the workspace but their own form and receipts."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from services.chassis.issuer import LocalIssuer

COOKIE = "evi_kontakt"
ROLES = ("guardian", "young_person")


@dataclass
class Citizen:
    sid: str
    identity_number: str  # as the e-identification asserted it; never sent to the browser
    role: str
    lang: str
    last_seen: float
    form_key: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    receipts: dict[str, dict[str, Any]] = field(default_factory=dict)


class Citizens:
    """In memory, like staff sessions; a short idle time, since the form may be filled on a shared device."""

    def __init__(self, idle_s: int = 1800, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s, self._clock = idle_s, clock
        self._by_id: dict[str, Citizen] = {}

    def open(self, identity_number: str, role: str, lang: str) -> Citizen:
        c = Citizen(secrets.token_urlsafe(32), identity_number, role, lang, self._clock())
        self._by_id[c.sid] = c
        return c

    def get(self, sid: str | None) -> Citizen | None:
        c = self._by_id.get(sid or "")
        if c is None or self._clock() - c.last_seen > self.idle_s:
            self._by_id.pop(sid or "", None)
            return None
        c.last_seen = self._clock()
        return c

    def adopt(self, sid: str, identity_number: str, role: str, lang: str) -> Citizen:
        """A family signed in through the e-ID provider: their form key and receipts, kept by their session's id."""
        c = self.get(sid)
        if c is None or c.identity_number != identity_number:
            c = Citizen(sid, identity_number, role, lang, self._clock())
            self._by_id[sid] = c
        return c

    def close(self, sid: str | None) -> None:
        self._by_id.pop(sid or "", None)


class Gateway:
    """The workspace's own account towards intake for the form (role ops). On the embedded default the local
    issuer signs it; in production the deployment keeps a client-credentials token from the region's identity
    provider in a file (WORKSPACE_KONTAKT_GATEWAY_TOKEN_FILE), renewed outside the process."""

    def __init__(self, issuer: LocalIssuer | None, token_file: Path | None) -> None:
        self.issuer, self.token_file = issuer, token_file

    def token(self) -> str | None:
        if self.issuer is not None:
            return self.issuer.token("ops", subject="S-KONTAKTA-OSS", ttl_s=60)
        if self.token_file is not None and self.token_file.exists():
            return self.token_file.read_text().strip() or None
        return None
