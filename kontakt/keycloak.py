"""A local Keycloak (the OIDC provider the tests sign in against), from Maven Central's server distribution.

`prepare()` does the slow parts once into a cache folder (~/.cache/kontakt/keycloak-<version>): Maven fetches
the distribution zip, it is unpacked, `kc.sh build` augments it for an H2 file database, and one start on an
empty database leaves a template database (schema and master realm) and a class-data-sharing archive of the
classes loaded. A `Keycloak` is then one server on a free loopback port, in its own data directory (a copy of
the template), importing the realm file `deploy/keycloak/en-vag-in-realm.json` at start.

Why `start --optimized` and not `start-dev`: on 2 busy cores start-dev augments again on every start (~100 s)
and a fresh database costs ~35 s more; the prepared server starts in about a quarter of that (docs/security.md).

    python -m kontakt.keycloak prepare     # what `make test` does first (scripts/ensure-system-deps.sh)
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from kontakt.broker import free_port
from kontakt.keycloak_dist import (
    VERSION,
    KeycloakUnavailable,
    cache_home,
    fetch_zip,
    find_java,
    java_command,
    run_checked,
    unpack,
)

__all__ = ["REALM", "VERSION", "Keycloak", "KeycloakUnavailable", "find_java", "prepare"]

ROOT = Path(__file__).resolve().parent.parent
REALM_FILE = ROOT / "deploy" / "keycloak" / "en-vag-in-realm.json"
REALM = "en-vag-in"


def prepare(realm_file: Path = REALM_FILE) -> Path:
    """The cache folder, ready: distribution built, template databases and class archive made. Once per version
    (and once per content of the realm file)."""
    home = cache_home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once: one prepares, the other waits
        if not (home / ".prepared").exists():
            java = find_java()
            dist = unpack(fetch_zip(), home)
            if not (home / ".built").exists():
                run_checked(java_command(java, dist, dist, ["build", "--db=dev-file", "--health-enabled=false"]),
                     "kc.sh build")
                (home / ".built").write_text(VERSION)
            _make_template(home)
            (home / ".prepared").write_text(VERSION)
        if not (realm_template(realm_file) / ".complete").exists():
            _make_realm_template(realm_file)
    return home


def realm_template(realm_file: Path) -> Path:
    """Where the database with `realm_file` imported is kept: importing takes longer than the rest of a start."""
    digest = hashlib.sha256(realm_file.read_bytes()).hexdigest()[:16]
    return cache_home() / "template" / f"realm-{digest}"


def _make_template(home: Path) -> None:
    """Start once on an empty database with a bootstrap admin; keep the database and the loaded classes."""
    template = home / "template"
    shutil.rmtree(template, ignore_errors=True)
    template.mkdir()
    admin = {"username": "admin", "password": secrets.token_urlsafe(18)}
    (template / "admin.json").write_text(json.dumps(admin))
    (template / "admin.json").chmod(0o600)
    with tempfile.TemporaryDirectory(dir=template) as tmp:
        kc = Keycloak(Path(tmp), realm_file=REALM_FILE, mode="empty")
        kc.start(timeout=900, extra_env={"KC_BOOTSTRAP_ADMIN_USERNAME": admin["username"],
                                         "KC_BOOTSTRAP_ADMIN_PASSWORD": admin["password"]})
        kc.stop()
        shutil.copytree(Path(tmp) / "data" / "h2", template / "h2")


def _make_realm_template(realm_file: Path) -> None:
    target = realm_template(realm_file)
    shutil.rmtree(target, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        kc = Keycloak(Path(tmp), realm_file=realm_file, mode="import")
        kc.start(timeout=900)
        kc.stop()
        shutil.copytree(Path(tmp) / "data" / "h2", target / "h2")
    (target / ".complete").write_text(realm_file.name)


class Keycloak:
    """One Keycloak on 127.0.0.1 with its own data directory, the realm of `realm_file` in it from the start.

    `mode` is for `prepare()`: "empty" starts on an empty database and writes the class archive at exit,
    "import" imports the realm file into a copy of that database; "run" (everyone else) copies the result."""

    def __init__(self, data_dir: Path, port: int | None = None, *, realm_file: Path = REALM_FILE,
                 mode: str = "run") -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.realm_file = realm_file
        self.mode = mode
        self.home = cache_home()
        self.log_path = data_dir / "keycloak.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{REALM}"

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/certs"

    def _lay_out(self) -> None:
        """The data directory as a Keycloak home: the built distribution linked, the database its own."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        for part in ("lib", "providers", "themes", "conf"):
            if not (self.data_dir / part).exists():
                (self.data_dir / part).symlink_to(self.home / "dist" / part)
        data = self.data_dir / "data"
        source = {"run": realm_template(self.realm_file), "import": self.home / "template"}.get(self.mode)
        if source is not None and not (data / "h2").exists():
            shutil.copytree(source / "h2", data / "h2")
        if self.mode == "import":
            (data / "import").mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.realm_file, data / "import" / self.realm_file.name)

    def start(self, timeout: float = 300.0, extra_env: dict[str, str] | None = None) -> Keycloak:
        if self.mode == "run":
            prepare(self.realm_file)
        self._lay_out()
        archive = self.home / "classes.jsa"
        cds = [f"-XX:ArchiveClassesAtExit={archive}"] if self.mode == "empty" else \
            [f"-XX:SharedArchiveFile={archive}", "-Xshare:auto"]
        args = ["start", "--optimized", "--http-enabled=true", f"--http-port={self.port}", "--http-host=127.0.0.1",
                f"--hostname=http://127.0.0.1:{self.port}", "--cache=local",
                "--log-level=warn,org.keycloak.services:info"]
        if self.mode == "import":
            args.append("--import-realm")
        env = {**os.environ, **(extra_env or {})}
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(java_command(find_java(), self.data_dir, self.home / "dist", args, cds),
                                         env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> Keycloak:
        realm = "master" if self.mode == "empty" else REALM
        probe = f"{self.url}/realms/{realm}/.well-known/openid-configuration"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise KeycloakUnavailable(f"Keycloak exited ({self.proc and self.proc.returncode}); see "
                                          f"{self.log_path}:\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                if httpx.get(probe, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"Keycloak not ready after {timeout}s; see {self.log_path}")

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = 60.0) -> None:
        """SIGTERM: a clean shutdown (the H2 file is closed, a class archive being made is written)."""
        if self.proc is not None and self.running:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # -- the admin API (key rotation, ending a person's sessions) -----------------------------------
    def admin_token(self) -> str:
        creds = json.loads((self.home / "template" / "admin.json").read_text())
        r = httpx.post(f"{self.url}/realms/master/protocol/openid-connect/token", timeout=30, data={
            "grant_type": "password", "client_id": "admin-cli", **creds})
        r.raise_for_status()
        return str(r.json()["access_token"])

    def admin(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """A call to the realm's admin API (`path` below /admin/realms/<realm>)."""
        r = httpx.request(method, f"{self.url}/admin/realms/{REALM}{path}", timeout=30,
                          headers={"Authorization": f"Bearer {self.admin_token()}"}, **kw)
        r.raise_for_status()
        return r


def main(argv: list[str]) -> int:
    if argv[:1] != ["prepare"]:
        print(__doc__)
        return 2
    started = time.monotonic()
    try:
        home = prepare()
    except KeycloakUnavailable as e:
        print(e, file=sys.stderr)
        return 1
    print(f"Keycloak {VERSION} ready in {home} ({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
