"""Settings of the intake service (environment prefix INTAKE_)."""
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", extra="ignore")
    service_name: str = "intake"
    http_port: int = 8101
    max_scan_bytes: int = Field(10 * 1024 * 1024, ge=1, description="Largest scanned referral accepted (bytes).")
    documents_dir: Path | None = Field(None, description="Where scans are stored; default data_dir/intake-documents.")
    rules_file: Path | None = Field(None, description="Policy data file; default services/intake/data/intake_rules.yaml.")

    def resolved_documents_dir(self) -> Path:
        return self.documents_dir or self.data_dir / "intake-documents"
