"""Workspace processes signed in through the tests' Keycloak, and what a test reads of their sessions."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Page

from kontakt.keycloak import Keycloak
from services.chassis.db import make_engine
from services.workspace.sessions import COOKIE, Session, Sessions, cipher
from services.workspace.settings import WorkspaceSettings

CLIENT_SECRET = "workspace-test-secret"  # deploy/keycloak/en-vag-in-realm.json: the test realm's, nothing else's
PASSWORD = "test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class WorkspaceProcess:
    """`python -m services.workspace` signing people in at `keycloak`; the five services are not running (a page
    that needs one says so), which is all sign-in needs. Processes on one data_dir share its sessions."""

    def __init__(self, data_dir: Path, keycloak: Keycloak, port: int | None = None, **env: str) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        gone = f"http://127.0.0.1:{free_port()}"
        self.env = {**os.environ, "KONTAKT_DATA_DIR": str(data_dir), "WORKSPACE_HTTP_PORT": str(self.port),
                    "WORKSPACE_OIDC_ISSUER": keycloak.issuer, "WORKSPACE_OIDC_CLIENT_SECRET": CLIENT_SECRET,
                    "AUTH_ISSUER": keycloak.issuer, "AUTH_JWKS_URL": keycloak.jwks_url,
                    "WORKSPACE_UPSTREAM_TIMEOUT_S": "2", "PYTHONUNBUFFERED": "1",
                    **{f"WORKSPACE_{s}_URL": gone for s in ("INTAKE", "TRIAGE", "BOOKING", "NOTIFICATIONS", "KPI")},
                    **env}
        self.env.pop("WORKSPACE_LOCAL_SIGNIN", None)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> WorkspaceProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / f"workspace-{self.port}.log", "ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "services.workspace"], env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"the workspace exited; see {self.data_dir}"
            try:
                if httpx.get(self.url + "/health/ready", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the workspace did not start in {timeout}s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(20)

    def sessions(self) -> Sessions:
        """The sessions store as the workspace keeps it (to read what a test may not see through the browser)."""
        settings = WorkspaceSettings(data_dir=self.data_dir)
        return Sessions(make_engine(settings.resolved_database_url()), cipher(settings.session_key_list()),
                        settings.session_idle_s, settings.session_max_s)

    def session_of(self, context: BrowserContext) -> Session | None:
        sid = next((c["value"] for c in context.cookies() if c["name"] == COOKIE), None)
        return self.sessions().get(sid)


def sign_in(page: Page, start_url: str, username: str, lands_on: str) -> None:
    """Through the provider's own login page, as a person does; ends on the page the role lands on."""
    page.goto(start_url)
    page.locator("a.button.primary").click()
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#kc-login")
    page.wait_for_url(lands_on, timeout=30_000)
