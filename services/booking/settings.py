"""Settings of the booking service (environment prefix BOOKING_)."""
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore")
    service_name: str = "booking"
    http_port: int = 8103
    units_file: Path | None = None  # the units reference file; default services/booking/data/units.yaml
    runway_policy_file: Path | None = None  # the runway policy; default services/booking/data/runway_policy.yaml
    runway_every_s: float = 24 * 3600  # the longest wait between forecasts (they run at 02:00 Swedish time)
    import_max_bytes: int = 512 * 1024  # a calendar file larger than this is refused (413)
    import_max_rows: int = 1000  # a calendar file with more times than this is refused (413)
    # the interpreting agency's booking API (the embedded default's stand-in listens beside the SMS gateway)
    interpreting_url: str = "http://127.0.0.1:8190/interpreting"
    interpreting_token: str | None = None
    interpreting_timeout_s: float = 10.0
