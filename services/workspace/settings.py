"""Settings of the staff workspace (environment prefix WORKSPACE_)."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


class WorkspaceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKSPACE_", extra="ignore")
    service_name: str = "workspace"
    http_port: int = 8106
    intake_url: str = Field("http://127.0.0.1:8101", description="The intake service's public API.")
    triage_url: str = Field("http://127.0.0.1:8102", description="The triage service's public API.")
    booking_url: str = Field("http://127.0.0.1:8103", description="The booking service's public API.")
    notifications_url: str = Field("http://127.0.0.1:8104", description="Notifications: history and the SSE stream.")
    kpi_url: str = Field("http://127.0.0.1:8105", description="The KPI service (its dashboard is linked).")
    kpi_public_url: str = Field("", description="The KPI dashboard's address as browsers reach it; default kpi_url.")
    local_signin: bool = Field(False, description="Embedded default ONLY: a sign-in page where a person picks role "
                                                  "and unit and the local issuer signs the token. Off in production, "
                                                  "where sign-in is the region's OIDC provider.")
    local_issuer_dir: Path | None = Field(None, description="Key directory of the local issuer; default data_dir/keys.")
    session_idle_s: int = Field(8 * 3600, ge=60, description="A session ends after this long without a request.")
    cookie_secure: bool = Field(False, description="Set the Secure flag on the session cookie (behind HTTPS).")
    vendor_dir: Path = Field(ROOT / "node_modules", description="Where `npm ci` put htmx (served locally).")
    upstream_timeout_s: float = Field(15.0, gt=0, description="One call to a service.")
    service_token: str | None = Field(None, description="The workspace's own bearer token (role ops) for the "
                                      "families' check-in page; on the embedded default the local issuer signs one.")

    def urls(self) -> dict[str, str]:
        return {"intake": self.intake_url, "triage": self.triage_url, "booking": self.booking_url,
                "notifications": self.notifications_url, "kpi": self.kpi_url}

    def issuer_dir(self) -> Path:
        return self.local_issuer_dir or self.data_dir / "keys"
