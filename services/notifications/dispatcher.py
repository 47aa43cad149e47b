"""Sends what the ledger says is due, exactly once per (event, recipient), with retries and channel fallback.

Order of work for one message: the intent (a `pending` row) was committed when the event was applied;
here the row is claimed (`sending`, with a lease), the message is sent with an idempotency key derived
from the notification id, then the row is marked `sent` together with the NotificationSent event. A crash
after the send leaves the row `sending`; when the lease runs out it is claimed again and re-sent with the
same key, which the gateway answers without sending twice. Two instances cannot hold one row at once.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from pydantic import ValidationError
from sqlmodel import Session

from contracts.common import ContactDetails, SealedContact
from services.chassis.db import Database
from services.chassis.privacy import ContactShredded, KeyVault
from services.notifications import store
from services.notifications.channels import Channel, ChannelError
from services.notifications.deps import Deps
from services.notifications.domain.checkins import TEMPLATE as CHECK_IN
from services.notifications.domain.recipients import Recipient, Undeliverable, family_recipient, staff_recipient
from services.notifications.domain.retry import Retry, after_error
from services.notifications.domain.timing import early_morning, in_quiet_hours, next_allowed
from services.notifications.referrer_messages import referrer_message, referrer_recipient
from services.notifications.store import Delivery, FamilyContact
from services.notifications.use_cases import deliveries
from services.notifications.use_cases.checkins import link

log = logging.getLogger("kontakt.notifications.dispatcher")


class Dispatcher:
    def __init__(self, db: Database, deps: Deps, *, vault: KeyVault, channels: dict[str, Channel], retry: Retry,
                 poll_s: float = 1.0) -> None:
        self.db, self.deps, self.vault, self.channels, self.retry, self.poll_s = db, deps, vault, channels, retry, poll_s
        # test-only fault injection: called after a channel accepted the message, before it is recorded
        self.after_send: Callable[[Delivery], None] | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Called after any commit (possibly from a worker thread): an urgent alert need not wait for the poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- the loop ------------------------------------------------------------------------------------------
    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            try:
                if await self.run_once() > 0:
                    continue
            except Exception as exc:  # database away: keep the rows, try again later
                log.warning("dispatch cycle failed: %s", type(exc).__name__)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_s)
            except TimeoutError:
                pass

    async def run_once(self, limit: int = 50) -> int:
        now = self.deps.clock.now()
        ids = await asyncio.to_thread(self._due, now, limit)
        for delivery_id in ids:
            await self.process(delivery_id)
        return len(ids)

    def _due(self, now: datetime, limit: int) -> list[int]:
        with Session(self.db.engine) as s:
            return store.due_ids(s, now, limit)

    def _claim(self, delivery_id: int, now: datetime) -> Delivery | None:
        with self.db.uow() as uow:
            row = deliveries.claim(uow, delivery_id, now, self.retry.lease_s)
            uow.commit()
        return row

    # -- one message ---------------------------------------------------------------------------------------
    async def process(self, delivery_id: int) -> None:
        now = self.deps.clock.now()
        row = await asyncio.to_thread(self._claim, delivery_id, now)
        if row is None:
            return
        q = self.deps.policy.quiet_hours
        if self._held_by_quiet_hours(row, now):  # not an attempt: give the attempt back
            await asyncio.to_thread(self._release, row, next_allowed(now, q.start, q.end), row.last_error,
                                    row.channel_step, row.attempts - 1)
            return
        n_routes = 1
        try:
            recipient = await asyncio.to_thread(self._recipient, row)
            if row.silent and self._quiet(now):
                recipient = replace(recipient, routes=[r for r in recipient.routes if r.channel in q.silent_channels])
                if not recipient.routes:  # nothing silent: an SMS before the visit, not at the end of the quiet
                    await asyncio.to_thread(self._defer, row, early_morning(now, q.start, q.end, q.early_sms_at))
                    return
            n_routes = len(recipient.routes)
            await self._send(row, recipient)
        except (Undeliverable, ChannelError) as exc:
            await asyncio.to_thread(self._on_error, row, exc.code, exc.permanent, n_routes)
        except Exception as exc:  # our own fault (database, template): retry, never drop
            log.exception("delivery %s failed unexpectedly", row.notification_id)
            await asyncio.to_thread(self._on_error, row, f"internal_{type(exc).__name__}", False, n_routes)

    def _quiet(self, now: datetime) -> bool:
        return in_quiet_hours(now, self.deps.policy.quiet_hours.start, self.deps.policy.quiet_hours.end)

    def _held_by_quiet_hours(self, row: Delivery, now: datetime) -> bool:
        return self.deps.templates.is_family(row.template) and not row.urgent and not row.silent and self._quiet(now)

    def _recipient(self, row: Delivery) -> Recipient:
        if row.recipient_kind == "referrer":
            return referrer_recipient(self.db, self.vault, row.recipient_ref)
        if row.recipient_kind != "family":
            return staff_recipient(row.recipient_ref, self.deps.directory)
        with Session(self.db.engine) as s:
            contact = s.get(FamilyContact, row.case_id) if row.case_id else None
        return family_recipient(self._open(contact), self.deps.policy.channel_order,
                                contact.language if contact else None)

    def _open(self, contact: FamilyContact | None) -> ContactDetails:
        """Open the sealed contact in memory only; the plaintext lives as long as this send."""
        if contact is None:  # booking's event may overtake intake's on another topic: wait for it
            raise Undeliverable("contact_not_yet_known", permanent=False)
        if contact.sealed is None:
            raise Undeliverable("contact_missing")
        try:
            return ContactDetails.model_validate(self.vault.open(SealedContact.model_validate_json(contact.sealed)))
        except ContactShredded:
            raise Undeliverable("contact_shredded") from None
        except ValidationError:
            raise Undeliverable("contact_invalid") from None  # from None: the error text would echo the details

    async def _send(self, row: Delivery, recipient: Recipient) -> None:
        if row.channel_step >= len(recipient.routes):
            raise Undeliverable(row.last_error or "channels_exhausted")
        route = recipient.routes[row.channel_step]
        row.channel = route.channel
        if row.recipient_kind == "referrer":
            message = referrer_message(self.deps.templates, self.vault, row.context, route,
                                       self.deps.contact_centre_ref)
        else:
            lang = self.deps.templates.language_for(row.template, recipient.languages)
            context = {**row.context, "link": link(self.deps, row.notification_id)} if row.template == CHECK_IN \
                else row.context
            message = self.deps.templates.render(row.template, lang, context, recipient.young)
        await self.channels[route.channel].send(route.address, message, f"{row.notification_id}.{route.channel}")
        if self.after_send is not None:
            self.after_send(row)
        await asyncio.to_thread(self._mark_sent, row)

    # -- recording the outcome -----------------------------------------------------------------------------
    def _mark_sent(self, row: Delivery) -> None:
        with self.db.uow() as uow:
            if not deliveries.mark_sent(uow, row, self.deps.clock.now()):
                return  # another sender finished it after our lease ran out; it already published
            uow.commit()
        log.info("sent %s (%s) via %s", row.notification_id, row.template, row.channel)

    def _release(self, row: Delivery, due: datetime, error: str | None, step: int, attempts: int) -> None:
        with self.db.uow() as uow:
            deliveries.release(uow, row, due, error, step, attempts)
            uow.commit()

    def _defer(self, row: Delivery, due: datetime) -> None:
        with self.db.uow() as uow:
            deliveries.defer_urgent(uow, row, due)
            uow.commit()

    def _on_error(self, row: Delivery, code: str, permanent: bool, n_routes: int) -> None:
        now = self.deps.clock.now()
        log.warning("delivery %s attempt %d failed: %s", row.notification_id, row.attempts, code)
        again = after_error(row.attempts, row.channel_step, n_routes, permanent, self.retry, now)
        if again is not None:
            self._release(row, again.due, code, again.step, again.attempts)
            return
        with self.db.uow() as uow:
            if not deliveries.mark_failed(uow, row, code, now, self.deps.directory):
                return
            uow.commit()
        log.error("delivery %s (%s to %s) failed: %s; staff alerted", row.notification_id, row.template,
                  row.recipient_kind, code)
