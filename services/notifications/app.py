"""Composition root of the notifications service: settings, data files, channels, runtime; the only reader of config."""
from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.chassis.audit import case_ids_by_ref
from services.chassis.clock import Clock
from services.chassis.privacy import KeyVault
from services.chassis.runtime import ServiceRuntime, assemble
from services.chassis.spec import Infra, ServiceSpec
from services.chassis.unit_names import load_unit_names
from services.notifications.api import router as api_router
from services.notifications.channels import Channel, DigitalLetter, MessageExchange, SmsGateway, SmtpMailer
from services.notifications.deps import Deps
from services.notifications.dispatcher import Dispatcher
from services.notifications.domain.retry import Retry
from services.notifications.handlers import SUBSCRIPTIONS
from services.notifications.rules import (
    CHECKIN_POLICY_FILE,
    DIRECTORY_FILE,
    POLICY_FILE,
    REFERRER_UPDATES_FILE,
    TEMPLATES_FILE,
    load_checkin_policy,
    load_directory,
    load_policy,
    load_referrer_updates,
    load_templates,
)
from services.notifications.settings import NotificationsSettings
from services.notifications.store import FamilyContact, metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def spec(settings: NotificationsSettings | None = None,
         clock: Clock | None = None) -> ServiceSpec[NotificationsSettings, Deps]:
    s = settings or NotificationsSettings()
    # broken data files stop start-up here, not at the first message
    policy = load_policy(s.policy_file or POLICY_FILE)
    directory = load_directory(s.directory_file or DIRECTORY_FILE)
    templates = load_templates(s.templates_file or TEMPLATES_FILE, load_unit_names(s.units_file))
    referrer_updates = load_referrer_updates(s.referrer_updates_file or REFERRER_UPDATES_FILE)
    checkin_policy = load_checkin_policy(s.checkin_policy_file or CHECKIN_POLICY_FILE)
    infra = Infra.of(s, [metadata], clock)
    vault = KeyVault(s.resolved_keyvault_url(), "notifications")
    deps = Deps(infra.clock, policy, directory, templates, referrer_updates, s.contact_centre_hsa_id, checkin_policy,
                vault, s.checkin_secret, s.checkin_link_url, s.stream_poll_s, s.stream_ping_s)
    http = httpx.AsyncClient(timeout=s.channel_timeout_s)
    channels: dict[str, Channel] = {
        "sms": SmsGateway(s.sms_gateway_url, s.sms_sender, http, s.sms_gateway_token),
        "email": SmtpMailer(s.smtp_host, s.smtp_port, s.mail_from, s.channel_timeout_s, s.smtp_starttls,
                            s.smtp_username, s.smtp_password),
        "digital_letter": DigitalLetter(s.digital_letter_url, http, s.digital_letter_token),
        "edi": MessageExchange(s.exchange_url, http, s.exchange_token),
    }
    retry = Retry(s.send_max_attempts, s.send_backoff_base_s, s.send_backoff_max_s, s.send_lease_s)
    dispatcher = Dispatcher(infra.db, deps, vault=vault,
                            channels=channels, retry=retry, poll_s=s.dispatch_poll_s)
    sends = s.dispatch_enabled  # off: deliveries wait until something drives the dispatcher (tests, ops tools)
    return ServiceSpec(
        title="Notifications", description=(__doc__ or "").strip(), infra=infra, migrations=MIGRATIONS,
        deps=deps, subscriptions=SUBSCRIPTIONS, routers=[api_router],
        background=[*([dispatcher.run] if sends else []), lambda: _close_when_stopped(http)],
        on_commit=[dispatcher.wake] if sends else [], cases_of_child=case_ids_by_ref(FamilyContact),
        app_state={"dispatcher": dispatcher})  # for tests and ops tooling: sending driven by hand


def build(settings: NotificationsSettings | None = None,
          clock: Clock | None = None) -> tuple[ServiceRuntime[NotificationsSettings, Deps], FastAPI]:
    return assemble(spec(settings, clock))


async def _close_when_stopped(http: httpx.AsyncClient) -> None:
    """Background tasks are cancelled at shutdown: close the gateways' connection pool then."""
    try:
        await asyncio.Event().wait()
    finally:
        await http.aclose()
