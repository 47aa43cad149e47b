"""Idempotency keys in a use case's transaction: a retried submission gets the answer the first one got."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session

from services.intake.domain.idempotency import check_same_request
from services.intake.store.queries import insert_plain, stored_answer
from services.intake.store.tables import IdempotencyRow

Answer = tuple[dict[str, Any], bool]  # (the answer, whether it is a replay of an earlier one)


def replay(s: Session, key: str | None, req_hash: str) -> dict[str, Any] | None:
    """The stored answer for `key`, or None; the same key with other content is refused."""
    if not key:
        return None
    row = stored_answer(s, key)
    if row is None:
        return None
    check_same_request(row.request_hash, req_hash)
    return dict(row.response)


def remember(s: Session, key: str | None, req_hash: str, case_id: str | None, response: dict[str, Any],
             now: datetime) -> None:
    if key:  # a plain INSERT: a key already used fails here, and the caller's retry looks it up
        insert_plain(s, IdempotencyRow, key=key, request_hash=req_hash, case_id=case_id, response=response,
                     created_at=now)
