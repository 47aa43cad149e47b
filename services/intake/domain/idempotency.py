"""Idempotency's rules: which key makes a resend land on the same case, and when a key is used for other content."""
from __future__ import annotations

import hashlib
import json
from typing import Any

from services.chassis.refusal import Refusal, Refused


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def natural_key(key: str | None, *parts: str | None) -> str | None:
    """Without an Idempotency-Key, a sender's own reference still makes a resend land on the same case."""
    if key:
        return f"key:{key}"
    return ":".join(p for p in parts if p) if all(parts) else None


def check_same_request(stored_hash: str, req_hash: str) -> None:
    """A key answers only the submission it was first used for."""
    if stored_hash != req_hash:
        raise Refused(Refusal("Idempotency-Key", "idempotency_conflict",
                              "Nyckeln har redan använts för en annan inlämning.",
                              "This key was already used for a different submission."))
