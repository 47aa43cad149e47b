"""Sending to a referrer: the route from the referrer's row (the reply details opened in memory), and the message
for the route (a FHIR Task for the message exchange, the referrer template for e-mail and letters)."""
from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError
from sqlmodel import Session

from contracts.common import ContactDetails, SealedContact
from services.chassis.db import Database
from services.chassis.privacy import ContactShredded, KeyVault
from services.notifications.domain.contact import Route
from services.notifications.domain.fhir_task import task_for
from services.notifications.domain.recipients import Recipient, Undeliverable
from services.notifications.domain.referrer_status import referrer_routes
from services.notifications.domain.templates import Message, Templates
from services.notifications.store import ReferrerRow


def _open(vault: KeyVault, sealed: str) -> dict[str, Any]:
    try:
        return vault.open(SealedContact.model_validate_json(sealed))
    except ContactShredded:
        raise Undeliverable("contact_shredded") from None


def referrer_recipient(db: Database, vault: KeyVault, referrer_id: str) -> Recipient:
    """The referrer's route: the requester's address for EDI, the sealed reply details for a school or paper."""
    with Session(db.engine) as s:
        row = s.get(ReferrerRow, referrer_id)
    if row is None:
        raise Undeliverable("referrer_unknown")
    reply = None
    if row.reply_to is not None:
        try:
            reply = ContactDetails.model_validate(_open(vault, row.reply_to))
        except ValidationError:
            raise Undeliverable("referrer_reply_invalid") from None  # from None: the text would echo the details
    found = referrer_routes(row.kind, row.organisation_ref, reply)
    if not found:
        raise Undeliverable("referrer_no_route")
    return Recipient(found, "sv", False)


def referrer_message(templates: Templates, vault: KeyVault, context: dict[str, Any], route: Route,
                     owner_ref: str) -> Message:
    """The Task (validated FHIR) for the exchange, else the template; the advice opened only for this send."""
    ctx = dict(context)
    sealed = ctx.pop("advice_sealed", None)
    ctx["advice"] = _open(vault, sealed)["advice"] if sealed else None
    if route.channel == "edi":
        return Message(subject="Task", body=json.dumps(task_for(ctx, owner_ref), ensure_ascii=False))
    ctx.setdefault("level", None)
    ctx.setdefault("reason_sv", None)
    ctx.setdefault("reason_en", None)
    return templates.render("referrer_status", "sv", ctx)
