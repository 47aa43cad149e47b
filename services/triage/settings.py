"""Settings of the triage service (environment prefix TRIAGE_)."""
from pathlib import Path

from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings

DATA = Path(__file__).parent / "data"


class TriageSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")
    service_name: str = "triage"
    http_port: int = 8102
    # A licensee's own instrument files (e.g. the real BCFPI): read after the shipped ones, so a file
    # with the same id replaces the shipped one. No code change is needed to load a new instrument.
    instrument_dir: Path | None = None
    # The id of the instrument that is the main telephone interview.
    main_instrument: str = "demo-bcfpi-shape"
    # The responsibility-allocation guide's rules file.
    guide_file: Path = DATA / "care_level_guide.yaml"

    def instrument_dirs(self) -> list[Path]:
        shipped = DATA / "instruments"
        return [shipped] if self.instrument_dir is None else [shipped, self.instrument_dir]
