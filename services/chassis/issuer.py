"""A local token issuer for the embedded default and tests: keys on disk, a JWKS file, signed tokens."""
from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class LocalIssuer:
    def __init__(self, key_dir: Path, issuer: str = "kontakt-local", audience: str = "en-vag-in") -> None:
        self.key_dir = key_dir
        self.issuer = issuer
        self.audience = audience
        key_dir.mkdir(parents=True, exist_ok=True)
        pem = key_dir / "issuer.pem"
        if not pem.exists():
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
            pem.chmod(0o600)
        loaded = serialization.load_pem_private_key(pem.read_bytes(), password=None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError(f"{pem} is not an RSA private key (the local issuer signs with RS256)")
        self._key = loaded
        self.kid = "local-" + hashlib.sha256(pem.read_bytes()).hexdigest()[:12]
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        self.jwks_file = key_dir / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": [jwk]}))

    def token(self, role: str, *, subject: str | None = None, unit: str | None = None, licensed: bool | None = None,
              school: str | None = None, ttl_s: int = 8 * 3600, now: float | None = None) -> str:
        now = now if now is not None else time.time()
        claims = {"iss": self.issuer, "aud": self.audience, "sub": subject or f"S-{uuid.uuid4().hex[:8].upper()}",
                  "role": role, "iat": int(now), "exp": int(now + ttl_s)}
        if unit:
            claims["unit"] = unit
        if school:
            claims["school"] = school
        if licensed is not None:
            claims["licensed"] = licensed
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
