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
    languages_file: Path | None = Field(None, description="The languages a family can be registered with; default "
                                                          "services/intake/data/languages.yaml.")
    return_reasons_file: Path | None = Field(None, description="The coded reasons a referral is returned for; "
                                                               "default services/intake/data/return_reasons.yaml.")

    schools_file: Path | None = Field(None, description="Schools that may use the referral form; default "
                                                        "services/intake/data/schools.yaml.")
    school_max_attachments: int = Field(5, ge=0, le=20, description="PDF attachments per school referral.")
    school_max_attachment_bytes: int = Field(5 * 1024 * 1024, ge=1, description="Largest PDF attachment (bytes).")
    school_attempts_per_10min: int = Field(20, ge=1, description="Form submissions (accepted or not) one sender "
                                                                 "may make in 10 minutes.")
    callback_policy_file: Path | None = Field(None, description="Call-back policy; default "
                                                                "services/intake/data/callback_policy.yaml.")
    school_submissions_per_day: int = Field(30, ge=1, description="Accepted school referrals per sender per day.")

    self_referral_attempts_per_10min: int = Field(10, ge=1, description="'Kontakta oss' submissions (accepted or "
                                                                       "not) one person may make in 10 minutes.")
    self_referral_address_attempts_per_10min: int = Field(30, ge=1, description="The same from one network "
                                                                                "address.")
    self_referral_per_day: int = Field(3, ge=1, description="Accepted 'Kontakta oss' submissions per person per day.")
    self_referral_address_per_day: int = Field(20, ge=1, description="Accepted submissions per network address "
                                                                     "per day.")

    def resolved_documents_dir(self) -> Path:
        return self.documents_dir or self.data_dir / "intake-documents"
