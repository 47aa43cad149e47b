"""Server-side sessions: the bearer token stays here; the browser holds only an opaque, HttpOnly cookie."""
from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.chassis.auth import Staff

COOKIE = "evi_session"

# What each role may see in the workspace. The services decide again on every call (they hold the rules);
# this only keeps the navigation honest so nobody is shown a door that will not open.
PERSONAL_DATA_ROLES = ("call_handler", "clinician", "coordinator", "kc_head", "scheduler", "unit_head")
HOME = {"call_handler": "/queue", "clinician": "/queue", "kc_head": "/queue", "coordinator": "/board",
        "scheduler": "/unit", "unit_head": "/unit", "kpi_analyst": "/no-personal-data", "ops": "/no-personal-data",
        "school_sender": "/skola"}


@dataclass
class Session:
    sid: str
    token: str
    staff: Staff
    last_seen: float
    lang: str = "sv"
    # embedded default only: what the phone showed for a test call rung for this person (caller's number, the
    # personnummer given), to fill in the call's form; kept here, never in intake's telephony API or the browser
    test_calls: dict[str, dict[str, str]] = field(default_factory=dict)
    # the number of a call-back this person took, by call id: for the call-back screen and the call's form;
    # intake gives it only to whoever takes the call-back, and it never reaches the browser's storage
    callback_numbers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def sees_personal_data(self) -> bool:
        return self.staff.role in PERSONAL_DATA_ROLES


class Sessions:
    """In memory: one workspace process holds its sessions (a restart signs everyone out, on purpose).

    The clock is a monotonic one (seconds, any origin): idle time must not jump with the wall clock. It is
    injected so a test's clock reaches both the opening and the checking of a session."""

    def __init__(self, idle_s: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s = idle_s
        self._clock = clock
        self._by_id: dict[str, Session] = {}

    def open(self, token: str, staff: Staff, lang: str = "sv") -> Session:
        s = Session(sid=secrets.token_urlsafe(32), token=token, staff=staff, last_seen=self._clock(), lang=lang)
        self._by_id[s.sid] = s
        return s

    def get(self, sid: str | None) -> Session | None:
        s = self._by_id.get(sid or "")
        if s is None:
            return None
        now = self._clock()
        if now - s.last_seen > self.idle_s:
            self._by_id.pop(s.sid, None)
            return None
        s.last_seen = now
        return s

    def close(self, sid: str | None) -> None:
        self._by_id.pop(sid or "", None)
