"""Pseudonyms and crypto-shredding: what lets events speak of a child without naming them."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import MetaData, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel

from contracts.common import SealedContact
from services.chassis.db import Database

_B32 = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def patient_ref(identity_number: str, secret: str) -> str:
    """A stable pseudonym: keyed hash of the 12-digit identity number (no key, no reversal)."""
    digest = hmac.new(secret.encode(), identity_number.encode(), hashlib.sha256).digest()
    n = int.from_bytes(digest[:13], "big")
    chars = []
    for _ in range(20):
        n, r = divmod(n, 32)
        chars.append(_B32[r])
    return "P-" + "".join(chars)


PERSON_KEYS, KEY_ACCESS = "person_keys", "key_access"


class KeyVaultBase(SQLModel, registry=registry(metadata=MetaData())):
    """Base of the keyvault tables: a metadata of their own, so each database holds only its own tables."""




class PersonKey(KeyVaultBase, table=True):
    """One encryption key per person. Deleting the row erases their contact details everywhere."""

    __tablename__ = PERSON_KEYS
    patient_ref: str = Field(primary_key=True, max_length=40)
    key: str = Field(max_length=100)
    created_at: datetime


class KeyAccess(KeyVaultBase, table=True):
    """Every use of a person's key, for the audit (which service opened whose contact details)."""

    __tablename__ = KEY_ACCESS
    id: int | None = Field(default=None, primary_key=True)
    patient_ref: str = Field(max_length=40, index=True)
    service: str = Field(max_length=40)
    action: str = Field(max_length=20)
    at: datetime


class ContactShredded(Exception):
    """The person's key was deleted: their contact details are gone for good."""


class KeyVault:
    """Per-person keys. In production this is the region's KMS/Vault; embedded, a SQLite file."""

    def __init__(self, url: str, service: str) -> None:
        self.db = Database(url, [KeyVaultBase.metadata])
        self.db.create_all()
        self.service = service

    def _log(self, s: Session, ref: str, action: str) -> None:
        s.add(KeyAccess(patient_ref=ref, service=self.service, action=action, at=datetime.now(UTC)))

    def _key(self, ref: str) -> str:
        """The person's key, created on first use; two first uses at once agree on one key. Plain SQL in one
        transaction (read, create if absent, log the use): the ORM's unit of work cost more than the statements."""
        tables = KeyVaultBase.metadata.tables
        keys, access = tables[PERSON_KEYS], tables[KEY_ACCESS]
        for _ in range(3):
            now = datetime.now(UTC)
            try:
                with self.db.engine.begin() as conn:
                    key = conn.execute(select(keys.c.key).where(keys.c.patient_ref == ref)).scalar()
                    if key is None:
                        key = Fernet.generate_key().decode()
                        conn.execute(insert(keys).values(patient_ref=ref, key=key, created_at=now))
                    conn.execute(insert(access).values(patient_ref=ref, service=self.service, action="seal", at=now))
                return str(key)
            except IntegrityError:  # the other writer created it first: read theirs
                continue
        raise RuntimeError("could not create the person's key")

    def seal(self, ref: str, contact: dict[str, Any]) -> SealedContact:
        key = self._key(ref)
        token = Fernet(key.encode()).encrypt(json.dumps(contact, ensure_ascii=False).encode())
        return SealedContact(key_id=ref, algorithm="fernet", ciphertext=token.decode())

    def open(self, sealed: SealedContact) -> dict[str, Any]:
        """Decrypt in memory. Raises ContactShredded if the key is gone."""
        with Session(self.db.engine) as s:
            row = s.get(PersonKey, sealed.key_id)
            self._log(s, sealed.key_id, "open" if row else "open-shredded")
            s.commit()
            if row is None:
                raise ContactShredded(sealed.key_id)
            key = row.key
        try:
            contact: dict[str, Any] = json.loads(Fernet(key.encode()).decrypt(sealed.ciphertext.encode()))
            return contact
        except InvalidToken as exc:
            raise ContactShredded(sealed.key_id) from exc

    def shred(self, ref: str) -> bool:
        with Session(self.db.engine) as s:
            row = s.get(PersonKey, ref)
            self._log(s, ref, "shred")
            if row is not None:
                s.delete(row)
            s.commit()
            return row is not None


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()
