"""Cross-site request forgery: the page's own origin and a per-session token, checked on every write.

The token is an HMAC keyed by the session id (or, before sign-in, by a random pre-session cookie): a page
rendered for this browser's session carries it, a page on another origin cannot read it, and it reveals nothing
of the session id. Being derived, it needs no storage and is the same in every workspace process that knows the
session. htmx sends it in a header (`hx-headers` on <body>); a plain form sends it as its FIRST field, so the
edge can read it from the head of a multipart upload without reading the file behind it.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from base64 import urlsafe_b64encode
from urllib.parse import parse_qs, urlsplit

HEADER = "x-csrf-token"
FIELD = "csrf_token"
PRE_COOKIE = "evi_csrf"  # before sign-in: binds the sign-in form's token to this browser (login CSRF)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_MULTIPART_FIRST = re.compile(
    rb"^--(?P<b>[^\r\n]{1,200})\r\ncontent-disposition: *form-data; *name=\"" + FIELD.encode()
    + rb"\"\r\n(?:[^\r\n]*\r\n)*?\r\n(?P<v>[A-Za-z0-9_\-]{1,100})\r\n--(?P=b)", re.IGNORECASE)
HEAD_BYTES = 4096  # the most read of a multipart body to find its first field


def token_for(secret: str) -> str:
    """The token of a session id or pre-session cookie."""
    mac = hmac.new(secret.encode(), b"evi-csrf-v1", hashlib.sha256).digest()
    return urlsafe_b64encode(mac).decode().rstrip("=")


def new_pre_secret() -> str:
    return secrets.token_urlsafe(32)


def matches(sent: str | None, secret: str | None) -> bool:
    return bool(sent and secret) and hmac.compare_digest(sent or "", token_for(secret or ""))


def form_token(content_type: str, body: bytes) -> str | None:
    """The `csrf_token` field of a urlencoded body, or of a multipart body's first part."""
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded":
        values = parse_qs(body.decode("latin-1"), max_num_fields=200).get(FIELD)
        return values[0] if values else None
    if kind == "multipart/form-data":
        m = _MULTIPART_FIRST.match(body[:HEAD_BYTES])
        return m.group("v").decode() if m else None
    return None


def is_form(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in ("application/x-www-form-urlencoded", "multipart/form-data")


def same_origin(origin: str | None, fetch_site: str | None, referer: str | None, own: set[str]) -> bool:
    """Whether a write comes from a page of our own origin.

    `Origin` decides when the browser sends it; else `Sec-Fetch-Site` (a browser that sends neither header
    sends a Referer). A client that sends none of the three is no browser, so no victim of a forged request:
    the token still has to match."""
    if origin is not None:
        return origin in own
    if fetch_site is not None:
        return fetch_site == "same-origin"
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}" in own
    return True
