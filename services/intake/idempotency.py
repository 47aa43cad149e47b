"""Idempotency keys: a retried submission gets the answer the first one got, inside the same transaction."""
from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from services.intake.domain.problems import Invalid, problem
from services.intake.store import IdempotencyRow


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def replay(s: Session, key: str | None, req_hash: str) -> dict[str, Any] | None:
    """The stored answer for `key`, or None; the same key with other content is refused."""
    if not key:
        return None
    row = s.get(IdempotencyRow, key)
    if row is None:
        return None
    if row.request_hash != req_hash:
        raise Invalid([problem("Idempotency-Key", "Nyckeln har redan använts för en annan inlämning.",
                               "This key was already used for a different submission.", "idempotency_conflict")])
    return dict(row.response)


def remember(s: Session, key: str | None, req_hash: str, case_id: str | None, response: dict[str, Any],
             now: datetime) -> None:
    if key:  # a plain INSERT: a key already used fails here, and the caller's retry looks it up
        s.execute(insert(IdempotencyRow.__table__).values(  # type: ignore[attr-defined]
            key=key, request_hash=req_hash, case_id=case_id, response=response, created_at=now))
