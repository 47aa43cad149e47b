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
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import httpx

from kontakt.broker import free_port

VERSION = "26.4.7"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
ROOT = Path(__file__).resolve().parent.parent
REALM_FILE = ROOT / "deploy" / "keycloak" / "en-vag-in-realm.json"
REALM = "en-vag-in"
MIN_JAVA = 21
HEAP = os.environ.get("KONTAKT_KEYCLOAK_HEAP", "512m")


class KeycloakUnavailable(RuntimeError):
    """No Java 21+, no Maven, or the distribution could not be fetched: the message says what to install."""


def cache_home() -> Path:
    if os.environ.get("KONTAKT_KEYCLOAK_HOME"):
        return Path(os.environ["KONTAKT_KEYCLOAK_HOME"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kontakt" / f"keycloak-{VERSION}"


def _release_major(java_home: Path) -> int:
    """The major version a JDK's `release` file names (JAVA_VERSION="25.0.1"), 0 when unreadable."""
    release = java_home / "release"
    found = re.search(r'JAVA_VERSION="(\d+)', release.read_text()) if release.is_file() else None
    return int(found.group(1)) if found else 0


def find_java() -> Path:
    """A `java` of version 21 or newer: KONTAKT_KEYCLOAK_JAVA_HOME, JAVA_HOME, then the newest in /usr/lib/jvm."""
    homes = [os.environ.get("KONTAKT_KEYCLOAK_JAVA_HOME"), os.environ.get("JAVA_HOME")]
    candidates = [Path(h) for h in homes if h]
    jvms = Path("/usr/lib/jvm")
    if jvms.is_dir():
        candidates += sorted((p for p in jvms.iterdir() if not p.is_symlink()), key=_release_major, reverse=True)
    for home in candidates:
        if _release_major(home) >= MIN_JAVA and (home / "bin" / "java").exists():
            return home / "bin" / "java"
    raise KeycloakUnavailable(f"Keycloak {VERSION} needs Java {MIN_JAVA} or newer (none in JAVA_HOME or "
                              "/usr/lib/jvm): scripts/ensure-system-deps.sh installs one where Debian has it, "
                              "or set KONTAKT_KEYCLOAK_JAVA_HOME")


def _java_command(java: Path, kc_home: Path, dist: Path, args: list[str], extra: list[str] | None = None) -> list[str]:
    """What kc.sh runs, with a heap and JIT for a small machine; `kc_home` holds data/ (the database, imports)."""
    return [str(java), f"-Xmx{HEAP}", "-Xms64m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
            "-XX:MaxMetaspaceSize=256m", "-XX:+ExitOnOutOfMemoryError", "-Dfile.encoding=UTF-8",
            "-Djava.security.egd=file:/dev/urandom", "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED", "--add-opens=java.base/java.security=ALL-UNNAMED",
            "-Duser.language=en", "-Duser.country=US",
            "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
            "io.quarkus.bootstrap.forkjoin.QuarkusForkJoinWorkerThreadFactory",
            f"-Dkc.home.dir={kc_home}", f"-Djboss.server.config.dir={dist / 'conf'}",
            "-Djava.util.logging.manager=org.jboss.logmanager.LogManager", "-Dpicocli.disable.closures=true",
            "-Dquarkus-log-max-startup-records=10000", *(extra or []),
            "-cp", str(dist / "lib" / "quarkus-run.jar"), "io.quarkus.bootstrap.runner.QuarkusEntryPoint", *args]


def _fetch_zip() -> Path:
    """The distribution zip in the local Maven repository, fetched from Maven Central once."""
    m2 = Path(os.environ.get("KONTAKT_M2_REPO") or Path.home() / ".m2" / "repository")
    zipped = m2 / "org" / "keycloak" / "keycloak-quarkus-dist" / VERSION / f"keycloak-quarkus-dist-{VERSION}.zip"
    if zipped.exists():
        return zipped
    if not shutil.which("mvn"):
        raise KeycloakUnavailable("fetching Keycloak from Maven Central needs Maven: apt-get install maven")
    done = subprocess.run(["mvn", "-q", "-B", "dependency:get", f"-Dartifact={ARTIFACT}"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not zipped.exists():
        raise KeycloakUnavailable(f"mvn could not fetch {ARTIFACT}:\n{(done.stdout + done.stderr)[-2000:]}")
    return zipped


def _unpack(zipped: Path, home: Path) -> Path:
    """Unzip into `home`/dist (atomically: a half-unpacked folder is never taken for a whole one)."""
    dist = home / "dist"
    if (dist / "lib" / "quarkus-run.jar").exists():
        return dist
    staging = Path(tempfile.mkdtemp(prefix="unpack-", dir=home))
    with zipfile.ZipFile(zipped) as z:
        z.extractall(staging)
    top = staging / f"keycloak-{VERSION}"
    for script in (top / "bin").glob("*.sh"):
        script.chmod(0o755)
    top.rename(dist)
    shutil.rmtree(staging, ignore_errors=True)
    return dist


def _run(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise KeycloakUnavailable(f"{what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")


def prepare(realm_file: Path = REALM_FILE) -> Path:
    """The cache folder, ready: distribution built, template databases and class archive made. Once per version
    (and once per content of the realm file)."""
    home = cache_home()
    home.mkdir(parents=True, exist_ok=True)
    with open(home / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test runs at once: one prepares, the other waits
        if not (home / ".prepared").exists():
            java = find_java()
            dist = _unpack(_fetch_zip(), home)
            if not (home / ".built").exists():
                _run(_java_command(java, dist, dist, ["build", "--db=dev-file", "--health-enabled=false"]),
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
            self.proc = subprocess.Popen(_java_command(find_java(), self.data_dir, self.home / "dist", args, cds),
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
