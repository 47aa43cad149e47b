"""What happens after a failed send: try the channel again later, fall back to the next one, or give up."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.notifications.domain.timing import backoff


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 4  # per channel
    base_s: float = 30.0
    max_s: float = 900.0
    lease_s: float = 120.0


@dataclass(frozen=True)
class Again:
    """Send again at `due` on channel step `step`, with `attempts` made on it so far."""

    due: datetime
    step: int
    attempts: int


def after_error(attempts: int, step: int, n_routes: int, permanent: bool, retry: Retry, now: datetime) -> Again | None:
    """Retry with backoff; when this channel is spent, fall back to the next; when all are, None: it failed."""
    if not permanent and attempts < retry.max_attempts:
        return Again(now + backoff(attempts, retry.base_s, retry.max_s), step, attempts)
    if step + 1 < n_routes:
        return Again(now, step + 1, 0)
    return None
