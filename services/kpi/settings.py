"""Settings of the kpi service (environment prefix KPI_)."""
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings
from services.chassis.unit_names import BOOKING_UNITS
from services.kpi.rules import DATA


class KpiSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="KPI_", extra="ignore")
    service_name: str = "kpi"
    http_port: int = 8105
    # how often the guarantee clocks are checked for cases about to breach (and time-based deviations)
    clock_scan_interval_s: float = 60.0
    # the longest wait between demand forecasts for booking's runway (published each night at 01:30)
    demand_every_s: float = 86400.0
    definitions_file: Path = DATA / "kpi_definitions.yaml"
    deviation_rules_file: Path = DATA / "deviation_rules.yaml"
    # the dashboard names units by name: booking's reference file (one image holds every service's data)
    units_file: Path = BOOKING_UNITS
