"""What intake's use cases, routes and handlers are given: built once by app.py from the settings and the runtime."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass, field

from services.chassis.audit import AuditTrail
from services.chassis.clock import Clock
from services.chassis.db import Database
from services.chassis.privacy import KeyVault
from services.intake.domain.callback_policy import CallbackPolicy
from services.intake.domain.language import LanguageList
from services.intake.domain.returns import ReturnReasons
from services.intake.domain.rules import IntakeRules
from services.intake.domain.school import SchoolList
from services.intake.store.documents import DocumentStore


@dataclass(frozen=True)
class Limits:
    """The school form's limits: attachments, and how often one sender may send."""

    max_attachments: int = 5
    max_attachment_bytes: int = 5 * 1024 * 1024
    attempts_per_window: int = 20
    window_s: float = 600.0
    submissions_per_day: int = 30


@dataclass
class AttemptWindow:
    """Per sender: at most `limit` attempts (accepted or not) in a sliding window, so no one can hammer the form."""

    limit: int
    window_s: float
    _seen: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allow(self, sender: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        with self._lock:
            q = self._seen.setdefault(sender, deque())
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.limit:
                return False
            q.append(now)
            return True


@dataclass(frozen=True)
class SelfReferralLimits:
    """'Kontakta oss': how often one person, and one network address, may send (tried, and accepted per day)."""

    person: AttemptWindow
    address: AttemptWindow
    per_person_per_day: int = 3
    per_address_per_day: int = 20


@dataclass(frozen=True)
class Deps:
    """One service's worth of dependencies; the same object for every request and every message."""

    clock: Clock
    db: Database
    audit: AuditTrail
    rules: IntakeRules
    vault: KeyVault
    docs: DocumentStore
    schools: SchoolList
    limits: Limits
    window: AttemptWindow
    pseudonym_key: str
    max_scan_bytes: int
    callbacks: CallbackPolicy
    self_referral: SelfReferralLimits
    languages: LanguageList
    return_reasons: ReturnReasons
