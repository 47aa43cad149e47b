"""Settings of the intake service (environment prefix INTAKE_)."""
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")
    service_name: str = "intake"
    http_port: int = 8101
