"""What the health routes tell anyone (a load balancer, a probe) and what only ops see: group names, lag per
partition, the relay's error text and the reasons stay behind an ops token. Also the bounds of ops' own inputs."""
from __future__ import annotations

from typing import Annotated, Any

import jwt
from fastapi import Request
from pydantic import Field
from starlette.concurrency import run_in_threadpool

INT64_MAX = 2**63 - 1
# an outbox row id as the database holds it (a bigger number would overflow the driver: a 500, not a no)
RowId = Annotated[int, Field(ge=1, le=INT64_MAX)]
MAX_IDS = 1000
PUBLIC_READY = ("status", "started", "database", "pipeline")


async def asked_by_ops(request: Request) -> bool:
    """Whether the request carries a valid token of role ops (no token, or another role: the public answer)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    verifier = request.app.state.verifier
    try:
        staff = verifier.remembered(token) or await run_in_threadpool(verifier.verify, token)
    except jwt.PyJWTError:
        return False
    return bool(staff.role == "ops")


def for_whom(body: dict[str, Any], ops: bool, public: tuple[str, ...]) -> dict[str, Any]:
    """The whole body for ops; only the `public` keys for anyone else."""
    return body if ops else {k: v for k, v in body.items() if k in public}
