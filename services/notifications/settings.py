"""Settings of the notifications service (environment prefix NOTIFICATIONS_)."""
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings
from services.chassis.unit_names import BOOKING_UNITS


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFICATIONS_", extra="ignore")
    service_name: str = "notifications"
    http_port: int = 8104

    policy_file: Path | None = Field(None, description="Policy data file; default data/notification_policy.yaml.")
    directory_file: Path | None = Field(None, description="Staff directory and rota; default data/staff_directory.yaml.")
    templates_file: Path | None = Field(None, description="Message templates; default data/templates.yaml.")
    units_file: Path = Field(BOOKING_UNITS, description="Booking's units, for units by name in staff messages.")
    referrer_updates_file: Path | None = Field(None, description="What each kind of referrer hears; default "
                                                                 "data/referrer_updates.yaml.")
    exchange_url: str = Field("http://127.0.0.1:8190/exchange/messages",
                              description="The region's message exchange (EDI): FHIR Tasks to referring units.")
    exchange_token: str | None = Field(None, description="Bearer token for the message exchange.")
    checkin_policy_file: Path | None = Field(None, description="When waiting families are checked in with; "
                                                               "default data/checkin_policy.yaml.")
    checkin_link_url: str = Field("http://127.0.0.1:8106/svar", description="The family's check-in page (the "
                                  "workspace's /svar); the personal token is appended.")
    checkin_secret: str = Field("dev-only-checkin-secret", description="Keys the check-in links' tokens (a secret "
                                "in production, like the pseudonym key).")
    contact_centre_hsa_id: str = Field("SE2321000222-KC0001", description="The contact centre's HSA-id: the owner "
                                       "of the Tasks referrers get.")

    sms_gateway_url: str = Field("http://127.0.0.1:8190/sms", description="SMS gateway endpoint (POST JSON).")
    sms_gateway_token: str | None = Field(None, description="Bearer token for the SMS gateway.")
    sms_sender: str = Field("1177", description="Sender id shown on SMS.")
    digital_letter_url: str = Field("http://127.0.0.1:8191/letters", description="Digital mailbox service endpoint.")
    digital_letter_token: str | None = Field(None, description="Bearer token for the digital mailbox service.")
    smtp_host: str = Field("127.0.0.1", description="SMTP relay host.")
    smtp_port: int = Field(8025, description="SMTP relay port.")
    smtp_starttls: bool = Field(False, description="Use STARTTLS towards the relay.")
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = Field("Kontaktcenter barn och unga <no-reply@rvn.example.se>", description="From address.")
    channel_timeout_s: float = Field(10.0, gt=0, description="Timeout of one send to a gateway or relay.")

    send_max_attempts: int = Field(4, ge=1, description="Attempts per channel before falling back to the next.")
    send_backoff_base_s: float = Field(30.0, ge=0, description="First retry delay; doubles per attempt.")
    send_backoff_max_s: float = Field(900.0, ge=0, description="Longest retry delay.")
    send_lease_s: float = Field(120.0, gt=0, description="A claimed message not recorded within this is re-sent "
                                "(with the same idempotency key) by any instance.")
    dispatch_poll_s: float = Field(1.0, gt=0, description="How often the sender looks for due messages.")
    dispatch_enabled: bool = Field(True, description="Run the background sender (tests drive it by hand).")
    stream_poll_s: float = Field(0.5, gt=0, description="How often an open event stream looks for new events.")
    stream_ping_s: float = Field(15.0, gt=0, description="Keep-alive comment interval on event streams.")
