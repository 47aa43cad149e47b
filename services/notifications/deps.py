"""What the notifications use cases, handlers and routes need besides the unit of work; built once by app.py."""
from __future__ import annotations

from dataclasses import dataclass

from services.chassis.clock import Clock
from services.chassis.privacy import KeyVault
from services.notifications.domain.checkins import CheckinPolicy
from services.notifications.domain.directory import StaffDirectory
from services.notifications.domain.policy import NotificationPolicy
from services.notifications.domain.referrer_status import ReferrerUpdates
from services.notifications.domain.templates import Templates


@dataclass(frozen=True)
class Deps:
    clock: Clock
    policy: NotificationPolicy
    directory: StaffDirectory
    templates: Templates
    referrer_updates: ReferrerUpdates
    contact_centre_ref: str  # the contact centre's HSA-id: the owner of the Tasks EDI referrers get
    checkins: CheckinPolicy
    vault: KeyVault  # seals a family's words in a check-in, opens them for staff
    checkin_secret: str  # keys the personal links' tokens
    checkin_link: str  # the family's page, the token appended
    stream_poll_s: float = 0.5  # how often an open event stream looks for new events
    stream_ping_s: float = 15.0  # keep-alive comment interval on event streams
