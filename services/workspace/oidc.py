"""Sign-in through an OIDC provider with Authlib: authorization code with PKCE (S256), the ID token checked
(signature against the provider's JWKS, issuer, audience, nonce), the tokens kept only in the server-side session,
refreshed before they expire, and RP-initiated logout at the provider's end_session_endpoint."""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.integrations.starlette_client import OAuth, OAuthError  # type: ignore[import-untyped]  # Authlib ships no type information
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Column, Float, String, Table, Text, delete, select

from services.chassis.auth import Staff, TokenVerifier
from services.workspace.sessions import COOKIE, FAMILY_ROLES, Sessions, metadata
from services.workspace.settings import WorkspaceSettings

FLOW_COOKIE = "evi_signin"  # lives from the redirect to the provider until the way back: a marker, no secret
FLOW_TTL_S = 600

flow_table = Table(
    "workspace_signin_flow", metadata,
    Column("key", String(200), primary_key=True),
    Column("value", Text, nullable=False),  # encrypted: the state's nonce and PKCE verifier
    Column("expires_at", Float, nullable=False, index=True),
)


class SignInFailed(Exception):
    """The provider said no, the person went back and forth, or the token names no role here."""


@dataclass
class Tokens:
    access_token: str
    refresh_token: str
    id_token: str
    expires_at: float
    claims: dict[str, Any]  # the ID token's, checked


class FlowStore:
    """Authlib's cache for the state of a sign-in under way: on the server, in the sessions database, so that
    whichever workspace process the provider sends the person back to can finish it."""

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def get(self, key: str) -> str | None:
        with self.sessions.engine.begin() as db:
            row = db.execute(select(flow_table.c.value, flow_table.c.expires_at)
                             .where(flow_table.c.key == key)).first()
        if row is None or row.expires_at < time.time():
            return None
        return self.sessions.crypt.decrypt(row.value.encode()).decode()

    async def set(self, key: str, value: str, expires_in: int | None = None) -> None:
        sealed = self.sessions.crypt.encrypt(value.encode()).decode()
        now = time.time()
        with self.sessions.engine.begin() as db:
            db.execute(delete(flow_table).where((flow_table.c.key == key) | (flow_table.c.expires_at < now)))
            db.execute(flow_table.insert().values(key=key, value=sealed, expires_at=now + (expires_in or FLOW_TTL_S)))

    async def delete(self, key: str) -> None:
        with self.sessions.engine.begin() as db:
            db.execute(delete(flow_table).where(flow_table.c.key == key))


class Provider:
    """One OIDC provider as the workspace uses it (staff and schools; or families)."""

    def __init__(self, oauth: OAuth, name: str, issuer: str, client_id: str, client_secret: str, scope: str,
                 audience: str) -> None:
        self.name = name
        self.audience = audience
        self.client = oauth.register(
            name, client_id=client_id, client_secret=client_secret,
            server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={"scope": scope, "code_challenge_method": "S256"})
        self._verifier: TokenVerifier | None = None

    async def metadata(self) -> dict[str, Any]:
        return dict(await self.client.load_server_metadata())

    async def verifier(self) -> TokenVerifier:
        """The services' own check of an access token, against the provider's JWKS (refetched on a new key)."""
        if self._verifier is None:
            meta = await self.metadata()
            self._verifier = TokenVerifier(meta["issuer"], self.audience, jwks_url=meta["jwks_uri"])
        return self._verifier

    async def redirect(self, request: Request, redirect_uri: str) -> Response:
        response: Response = await self.client.authorize_redirect(request, redirect_uri)
        return response

    async def finish(self, request: Request) -> Tokens:
        try:
            token = await self.client.authorize_access_token(request)
        except (OAuthError, jwt.PyJWTError, ValueError) as e:
            raise SignInFailed(str(e)) from None
        return Tokens(access_token=token["access_token"], refresh_token=token.get("refresh_token", ""),
                      id_token=token.get("id_token", ""), expires_at=float(token.get("expires_at") or 0),
                      claims=dict(token.get("userinfo") or {}))

    async def refresh(self, refresh_token: str) -> Tokens:
        """New tokens for a refresh token; SignInFailed when the provider refuses it (its session ended)."""
        meta = await self.metadata()
        async with httpx.AsyncClient(timeout=15) as http:
            r = await http.post(meta["token_endpoint"], auth=(self.client.client_id, self.client.client_secret),
                                data={"grant_type": "refresh_token", "refresh_token": refresh_token})
        if r.status_code in (400, 401):
            raise SignInFailed(r.json().get("error", "refused") if r.content else "refused")
        r.raise_for_status()
        body = r.json()
        return Tokens(access_token=body["access_token"], refresh_token=body.get("refresh_token", refresh_token),
                      id_token=body.get("id_token", ""), expires_at=time.time() + float(body.get("expires_in", 0)),
                      claims={})

    async def logout_url(self, id_token: str, after: str) -> str | None:
        """The provider's end-session address (RP-initiated logout), or None if it has none."""
        end = (await self.metadata()).get("end_session_endpoint")
        if not end:
            return None
        return str(httpx.URL(end, params={"id_token_hint": id_token, "post_logout_redirect_uri": after,
                                          "client_id": self.client.client_id}))


class Oidc:
    """The workspace's providers: `staff` (staff and school senders) and `family` (guardians, young people)."""

    def __init__(self, settings: WorkspaceSettings, sessions: Sessions) -> None:
        self.settings = settings
        self.sessions = sessions
        oauth = OAuth(cache=FlowStore(sessions))
        s = settings
        secret = s.oidc_client_secret.get_secret_value()
        self.staff = Provider(oauth, "staff", s.oidc_issuer, s.oidc_client_id, secret, s.oidc_scope, s.auth_audience)
        self.family = Provider(oauth, "family", s.family_oidc_issuer or s.oidc_issuer,
                               s.family_oidc_client_id or s.oidc_client_id,
                               s.family_oidc_client_secret.get_secret_value() or secret, s.oidc_scope,
                               s.auth_audience)

    def issuers(self) -> list[str]:
        """The providers' origins (scheme, host, port)."""
        s = self.settings
        found = {str(httpx.URL(i).copy_with(path="/", query=None)).rstrip("/")
                 for i in (s.oidc_issuer, s.family_oidc_issuer) if i}
        return sorted(found)

    def url(self, request: Request, path: str) -> str:
        base = self.settings.public_url or str(request.base_url)
        return base.rstrip("/") + path

    async def staff_of(self, provider: Provider, tokens: Tokens) -> Staff:
        """Who signed in. Staff: the access token as every service checks it (role, unit and school from its
        mapped claims). Families: the checked ID token (their access token opens nothing in the services)."""
        if provider is self.family:
            role = tokens.claims.get("role")
            if role not in FAMILY_ROLES:
                raise SignInFailed("not a guardian or young person")
            return Staff(subject=str(tokens.claims["sub"]), role=str(role), unit=None, licensed=False)
        try:
            return (await provider.verifier()).verify(tokens.access_token)
        except jwt.PyJWTError as e:
            raise SignInFailed(str(e)) from None

    async def keep_fresh(self, request: Request) -> None:
        """Before a page: a session whose access token is about to expire gets new tokens. A refused refresh (the
        provider's session ended, or was ended there) ends this session too; an unreachable provider does not."""
        sid = request.cookies.get(COOKIE)
        session = self.sessions.get(sid)
        if session and session.refresh_token and session.expires_at - time.time() < self.settings.oidc_refresh_margin_s:
            provider = self.family if session.is_family else self.staff
            try:
                tokens = await provider.refresh(session.refresh_token)
                # a family's role came from the door they used and their ID token; it does not change here
                staff = session.staff if session.is_family else await self.staff_of(provider, tokens)
                self.sessions.renew(session, tokens.access_token, staff, refresh_token=tokens.refresh_token,
                                    id_token=tokens.id_token, expires_at=tokens.expires_at)
            except SignInFailed:
                self.sessions.close(sid)
                session = None
            except httpx.HTTPError:
                pass
        request.state.session = session


def flow_cookie_options(settings: WorkspaceSettings) -> dict[str, Any]:
    """Starlette's signed cookie for Authlib's marker of a sign-in under way. SameSite=Lax: the provider's
    redirect back is a top-level navigation from another site; no Max-Age: gone with the browser."""
    secret = hashlib.sha256(b"evi-signin-flow:" + settings.session_key_list()[0].encode()).hexdigest()
    return {"secret_key": secret, "session_cookie": FLOW_COOKIE, "max_age": None, "same_site": "lax",
            "https_only": settings.secure_cookie()}
