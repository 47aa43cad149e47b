"""Settings of the staff workspace (environment prefix WORKSPACE_)."""
from __future__ import annotations

import ipaddress
import os
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from services.chassis.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class WorkspaceSettings(ServiceSettings):
    # WORKSPACE_SETTINGS_FILE: a file of WORKSPACE_...=value lines read under the environment (which wins)
    model_config = SettingsConfigDict(env_prefix="WORKSPACE_", extra="ignore",
                                      env_file=os.environ.get("WORKSPACE_SETTINGS_FILE"))
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
                                                  "where sign-in is the region's OIDC provider. Refused at start-up "
                                                  "unless http_host is a loopback address.")
    local_issuer_dir: Path | None = Field(None, description="Key directory of the local issuer; default data_dir/keys.")
    oidc_issuer: str = Field("", description="Staff and school sign-in: the OIDC provider's issuer URL (its "
                                             "/.well-known/openid-configuration is read). Empty: no OIDC sign-in.")
    oidc_client_id: str = Field("workspace", description="The workspace's client id at the provider.")
    oidc_client_secret: SecretStr = Field(SecretStr(""), description="The workspace's client secret.")
    oidc_scope: str = Field("openid", description="Scopes asked for at sign-in.")
    family_oidc_issuer: str = Field("", description="Families' sign-in (1177's e-identification in production); "
                                                    "empty: the staff provider.")
    family_oidc_client_id: str = Field("", description="Client id at the families' provider; empty: oidc_client_id.")
    family_oidc_client_secret: SecretStr = Field(SecretStr(""), description="Empty: oidc_client_secret.")
    public_url: str = Field("", description="The workspace's address as browsers reach it (the provider redirects "
                                            "back to it); empty: the address of the request.")
    oidc_refresh_margin_s: int = Field(60, ge=0, description="Refresh the access token this long before it expires.")
    session_idle_s: int = Field(30 * 60, ge=60, description="A session ends after this long without a request.")
    session_max_s: int = Field(12 * 3600, ge=60, description="A session ends this long after sign-in, used or not.")
    session_keys: SecretStr = Field(SecretStr(""), description="Fernet keys, comma-separated, that encrypt the tokens "
                                    "in the session table (the first encrypts; all decrypt). Empty: a key file in "
                                    "data_dir, made once (every process on that data_dir shares it).")
    cookie_secure: bool | None = Field(None, description="The Secure flag on the session cookie; default: set "
                                                         "unless http_host is a loopback address.")
    max_body_bytes: int = Field(128 * 1024, ge=4096, le=1024 * 1024,
                                description="Largest request body outside the upload routes (which have their own "
                                            "limits), counted as it streams in, chunked or not.")
    vendor_dir: Path = Field(ROOT / "node_modules", description="Where `npm ci` put htmx (served locally).")
    kontakt_gateway_token_file: Path | None = Field(None, description="Production: a file holding the workspace's "
                                                    "client-credentials token (role ops) for 'Kontakta oss' "
                                                    "submissions to intake, renewed by the deployment.")
    upstream_timeout_s: float = Field(15.0, gt=0, description="One call to a service.")
    service_token: str | None = Field(None, description="The workspace's own bearer token (role ops) for the "
                                      "families' check-in page; on the embedded default the local issuer signs one.")

    @model_validator(mode="after")
    def _local_signin_only_on_loopback(self) -> WorkspaceSettings:
        if self.local_signin and not is_loopback(self.http_host):
            raise ValueError(f"WORKSPACE_LOCAL_SIGNIN lets anyone pick a role: it is for the embedded default on "
                             f"this machine only, and http_host {self.http_host!r} is not a loopback address. "
                             "Sign in through the region's OIDC provider (WORKSPACE_OIDC_ISSUER) instead.")
        return self

    def urls(self) -> dict[str, str]:
        return {"intake": self.intake_url, "triage": self.triage_url, "booking": self.booking_url,
                "notifications": self.notifications_url, "kpi": self.kpi_url}

    def issuer_dir(self) -> Path:
        return self.local_issuer_dir or self.data_dir / "keys"

    def secure_cookie(self) -> bool:
        return self.cookie_secure if self.cookie_secure is not None else not is_loopback(self.http_host)

    def session_key_list(self) -> list[str]:
        """The configured keys, else the data dir's key file (created once, readable by the owner only)."""
        configured = [k.strip() for k in self.session_keys.get_secret_value().split(",") if k.strip()]
        if configured:
            return configured
        path = self.data_dir / "session.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".session.key.{os.getpid()}")
            tmp.write_bytes(Fernet.generate_key())
            tmp.chmod(0o600)
            try:
                os.link(tmp, path)  # fails if another process made it first: then theirs is the key
            except FileExistsError:
                pass
            tmp.unlink()
        return [path.read_text().strip()]
