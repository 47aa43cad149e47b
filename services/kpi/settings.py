"""Settings of the kpi service (environment prefix KPI_)."""
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class KpiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore")
    service_name: str = "kpi"
    http_port: int = 8105
