"""Which issuer key the running system trusts: `kontakt token` mints only with that one, never a made-up pair."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path


def untrusted_key(keys: Path) -> str | None:
    """Why a token signed from `keys` would be trusted by no running system, or None when the services trust it.

    The services trust the JWKS file `kontakt up` wrote beside the issuer's key (AUTH_JWKS_FILE); a token is
    minted only with that key, never with a key pair made up on the spot."""
    pem, jwks = keys / "issuer.pem", keys / "jwks.json"
    if not pem.exists() or not jwks.exists():
        return (f"Ingen utfärdarnyckel i {keys}: starta systemet (`kontakt up`) eller ange --data-dir för ett "
                f"system som kör. | No issuer key in {keys}: start the system (`kontakt up`) or give --data-dir "
                "of a running system.")
    kid = "local-" + hashlib.sha256(pem.read_bytes()).hexdigest()[:12]  # as LocalIssuer names its key
    try:
        trusted = {k.get("kid") for k in json.loads(jwks.read_text()).get("keys", [])}
    except (ValueError, AttributeError):
        trusted = set()
    if kid not in trusted:
        return (f"Nyckeln i {pem} finns inte i {jwks}, som tjänsterna litar på. | The key in {pem} is not in "
                f"{jwks}, which the services trust.")
    return None
