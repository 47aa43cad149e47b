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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, update
from sqlmodel import Session, select

from services.chassis.privacy import KeyVault
from services.chassis.runtime import ServiceRuntime
from services.notifications.channels import Channel, ChannelError
from services.notifications.directory import StaffDirectory
from services.notifications.domain.planning import plan_failure_alert
from services.notifications.domain.timing import backoff, early_morning, in_quiet_hours, next_allowed
from services.notifications.ledger import add_deliveries, record_failed, record_sent
from services.notifications.policy import NotificationPolicy
from services.notifications.recipients import Recipient, Undeliverable, family_recipient, staff_recipient
from services.notifications.store import Delivery, FamilyContact
from services.notifications.templates import Templates

log = logging.getLogger("kontakt.notifications.dispatcher")


@dataclass(frozen=True)
class Retry:
    max_attempts: int = 4  # per channel
    base_s: float = 30.0
    max_s: float = 900.0
    lease_s: float = 120.0


class Dispatcher:
    def __init__(self, rt: ServiceRuntime, *, vault: KeyVault, templates: Templates, directory: StaffDirectory,
                 policy: NotificationPolicy, channels: dict[str, Channel], retry: Retry, poll_s: float = 1.0) -> None:
        self.rt, self.vault, self.templates, self.directory = rt, vault, templates, directory
        self.policy, self.channels, self.retry, self.poll_s = policy, channels, retry, poll_s
        # test-only fault injection: called after a channel accepted the message, before it is recorded
        self.after_send: Callable[[Delivery], None] | None = None
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None

    def wake(self) -> None:
        """Called after any commit (possibly from a worker thread): an urgent alert need not wait for the poll."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- the loop ----------------------------------------------------------------------------------
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
        now = self.rt.clock.now()
        ids = await asyncio.to_thread(self._due, now, limit)
        for delivery_id in ids:
            await self.process(delivery_id)
        return len(ids)

    def _due(self, now: datetime, limit: int) -> list[int]:
        with Session(self.rt.db.engine) as s:
            return list(s.exec(select(Delivery.id).where(_claimable(now)).order_by(Delivery.due_at).limit(limit)).all())

    def _claim(self, delivery_id: int, now: datetime) -> Delivery | None:
        """Compare-and-set: only one sender (instance or task) can move a row into `sending`."""
        with Session(self.rt.db.engine, expire_on_commit=False) as s:
            res = s.exec(update(Delivery).where(Delivery.id == delivery_id, _claimable(now))  # type: ignore[call-overload]
                         .values(status="sending", lease_until=now + timedelta(seconds=self.retry.lease_s),
                                 attempts=Delivery.attempts + 1))
            s.commit()
            return s.get(Delivery, delivery_id) if res.rowcount == 1 else None

    # -- one message -----------------------------------------------------------------------------------
    async def process(self, delivery_id: int) -> None:
        now = self.rt.clock.now()
        row = await asyncio.to_thread(self._claim, delivery_id, now)
        if row is None:
            return
        if self._held_by_quiet_hours(row, now):  # not an attempt: give the attempt back
            q = self.policy.quiet_hours
            await asyncio.to_thread(self._release, row, next_allowed(now, q.start, q.end), row.last_error,
                                    row.channel_step, row.attempts - 1)
            return
        n_routes = 1
        try:
            recipient = await asyncio.to_thread(self._recipient, row)
            if row.silent and self._quiet(now):
                recipient = replace(recipient, routes=[r for r in recipient.routes
                                                       if r.channel in self.policy.quiet_hours.silent_channels])
                if not recipient.routes:  # nothing silent: an SMS before the visit, not at the end of the quiet
                    await asyncio.to_thread(self._defer_to_early_sms, row, now)
                    return
            n_routes = len(recipient.routes)
            await self._send(row, recipient)
        except (Undeliverable, ChannelError) as exc:
            await asyncio.to_thread(self._on_error, row, exc.code, exc.permanent, n_routes)
        except Exception as exc:  # our own fault (database, template): retry, never drop
            log.exception("delivery %s failed unexpectedly", row.notification_id)
            await asyncio.to_thread(self._on_error, row, f"internal_{type(exc).__name__}", False, n_routes)

    def _quiet(self, now: datetime) -> bool:
        return in_quiet_hours(now, self.policy.quiet_hours.start, self.policy.quiet_hours.end)

    def _held_by_quiet_hours(self, row: Delivery, now: datetime) -> bool:
        return self.templates.is_family(row.template) and not row.urgent and not row.silent and self._quiet(now)

    def _defer_to_early_sms(self, row: Delivery, now: datetime) -> None:
        """The family has no silent channel: send at `early_sms_at` on any channel (urgent from then on)."""
        q = self.policy.quiet_hours
        due = early_morning(now, q.start, q.end, q.early_sms_at)
        with Session(self.rt.db.engine) as s:
            s.exec(update(Delivery).where(Delivery.id == row.id, Delivery.status == "sending")  # type: ignore[call-overload]
                   .values(status="pending", due_at=due, lease_until=None, silent=False, urgent=True,
                           attempts=row.attempts - 1))
            s.commit()

    def _recipient(self, row: Delivery) -> Recipient:
        if row.recipient_kind != "family":
            return staff_recipient(row, self.directory)
        with Session(self.rt.db.engine) as s:
            contact = s.get(FamilyContact, row.case_id) if row.case_id else None
        return family_recipient(contact, self.vault, self.policy.channel_order)

    async def _send(self, row: Delivery, recipient: Recipient) -> None:
        if row.channel_step >= len(recipient.routes):
            raise Undeliverable(row.last_error or "channels_exhausted")
        route = recipient.routes[row.channel_step]
        row.channel = route.channel
        message = self.templates.render(row.template, recipient.language, row.context, recipient.young)
        await self.channels[route.channel].send(route.address, message, f"{row.notification_id}.{route.channel}")
        if self.after_send is not None:
            self.after_send(row)
        await asyncio.to_thread(self._mark_sent, row)

    # -- recording the outcome ---------------------------------------------------------------------------
    def _mark_sent(self, row: Delivery) -> None:
        now = self.rt.clock.now()
        with self.rt.db.uow() as uow:
            res = uow.session.exec(update(Delivery).where(Delivery.id == row.id, Delivery.status == "sending")  # type: ignore[call-overload]
                                   .values(status="sent", sent_at=now, channel=row.channel, lease_until=None))
            if res.rowcount != 1:
                return  # another sender finished it after our lease ran out; it already published
            record_sent(uow, row, now)
            uow.commit()
        log.info("sent %s (%s) via %s", row.notification_id, row.template, row.channel)

    def _release(self, row: Delivery, due: datetime, error: str | None, step: int, attempts: int) -> None:
        with Session(self.rt.db.engine) as s:
            s.exec(update(Delivery).where(Delivery.id == row.id, Delivery.status == "sending")  # type: ignore[call-overload]
                   .values(status="pending", due_at=due, lease_until=None, last_error=error, channel=row.channel,
                           channel_step=step, attempts=attempts))
            s.commit()

    def _on_error(self, row: Delivery, code: str, permanent: bool, n_routes: int) -> None:
        """Retry with backoff; when this channel is spent, fall back to the next; when all are, fail loudly."""
        now = self.rt.clock.now()
        log.warning("delivery %s attempt %d failed: %s", row.notification_id, row.attempts, code)
        if not permanent and row.attempts < self.retry.max_attempts:
            due = now + backoff(row.attempts, self.retry.base_s, self.retry.max_s)
            self._release(row, due, code, row.channel_step, row.attempts)
        elif row.channel_step + 1 < n_routes:
            self._release(row, now, code, row.channel_step + 1, 0)
        else:
            self._fail(row, code, now)

    def _fail(self, row: Delivery, error: str, now: datetime) -> None:
        with self.rt.db.uow() as uow:
            res = uow.session.exec(update(Delivery).where(Delivery.id == row.id, Delivery.status == "sending")  # type: ignore[call-overload]
                                   .values(status="failed", last_error=error[:300], lease_until=None, channel=row.channel))
            if res.rowcount != 1:
                return
            record_failed(uow, row, now, error)
            alerts = plan_failure_alert(row.case_id, row.template, row.recipient_kind, error, now, self.directory)
            add_deliveries(uow.session, alerts, case_id=row.case_id, trigger_event_id=row.trigger_event_id,
                           trigger_type="NotificationFailed", now=now, id_source=row.notification_id)
            uow.commit()
        log.error("delivery %s (%s to %s) failed: %s; staff alerted", row.notification_id, row.template,
                  row.recipient_kind, error)


def _claimable(now: datetime):  # type: ignore[no-untyped-def]
    return or_(and_(Delivery.status == "pending", Delivery.due_at <= now),
               and_(Delivery.status == "sending", Delivery.lease_until < now))  # type: ignore[operator]
