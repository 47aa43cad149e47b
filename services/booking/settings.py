"""Settings of the booking service (environment prefix BOOKING_)."""
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class BookingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="BOOKING_", extra="ignore")
    service_name: str = "booking"
    http_port: int = 8103
    units_file: Path | None = None  # the units reference file; default services/booking/data/units.yaml
