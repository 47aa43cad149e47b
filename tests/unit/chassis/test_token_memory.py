"""A verified token is remembered to spare the signature check, but never past its expiry or its exact text."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from services.chassis.auth import Staff, TokenVerifier, require
from services.chassis.errors import install_error_handlers
from services.chassis.issuer import LocalIssuer


def verifier_for(issuer: LocalIssuer, **kw: Any) -> TokenVerifier:
    return TokenVerifier(issuer.issuer, issuer.audience, jwks_file=issuer.jwks_file, **kw)


def app_with(verifier: TokenVerifier) -> FastAPI:
    app = FastAPI()
    app.state.verifier = verifier
    install_error_handlers(app)

    @app.get("/who")
    async def who(staff: Staff = require("ops")) -> dict[str, str]:
        return {"subject": staff.subject}

    return app


async def test_remembered_token_is_refused_once_it_expires(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path / "keys")
    app = app_with(verifier_for(issuer))
    # `exp` is whole seconds, so this one expires 2-3 s from now: room for the first request on a busy machine
    token = issuer.token("ops", subject="S-EXP", ttl_s=3)
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as http:
        first = await http.get("/who", headers={"Authorization": f"Bearer {token}"})
        assert first.status_code == 200 and first.json() == {"subject": "S-EXP"}
        time.sleep(max(0.0, exp - time.time()) + 0.1)  # the token's own end, by the wall clock PyJWT reads
        late = await http.get("/who", headers={"Authorization": f"Bearer {token}"})
    assert late.status_code == 401
    assert late.headers["content-type"].startswith("application/problem+json")
    assert late.json()["detail"] == "Token expired."


def test_a_token_with_another_signature_is_checked_not_remembered(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path / "keys")
    verifier = verifier_for(issuer)
    token = issuer.token("ops", subject="S-SIG")
    assert verifier.verify(token).subject == "S-SIG"
    head, body, sig = token.split(".")
    forged = f"{head}.{body}.{sig[:-6]}{'AAAAAA' if sig[-6:] != 'AAAAAA' else 'BBBBBB'}"
    assert verifier.remembered(forged) is None
    with pytest.raises(jwt.InvalidTokenError):
        verifier.verify(forged)


def test_memory_lasts_at_most_remember_s_and_stays_bounded(tmp_path: Path) -> None:
    issuer = LocalIssuer(tmp_path / "keys")
    now = [time.time()]
    verifier = verifier_for(issuer, remember_s=30, remember_max=3, clock=lambda: now[0])
    tokens = [issuer.token("ops", subject=f"S-{i}") for i in range(4)]  # valid for hours
    for t in tokens:
        verifier.verify(t)
    assert verifier.remembered(tokens[0]) is None  # the oldest made room for the fourth
    now[0] += 29
    assert [verifier.remembered(t).subject for t in tokens[1:]] == ["S-1", "S-2", "S-3"]  # type: ignore[union-attr]
    now[0] += 2
    assert all(verifier.remembered(t) is None for t in tokens)
