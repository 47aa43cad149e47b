"""Settings of the triage service (environment prefix TRIAGE_)."""
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")
    service_name: str = "triage"
    http_port: int = 8102
