"""Keycloak's server distribution: a Java 21+ found, the zip fetched from Maven Central once, unpacked, and the
command line kc.sh would run, tuned for a small machine."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

VERSION = "26.4.7"
ARTIFACT = f"org.keycloak:keycloak-quarkus-dist:{VERSION}:zip"
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


def java_command(java: Path, kc_home: Path, dist: Path, args: list[str], extra: list[str] | None = None) -> list[str]:
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


def fetch_zip() -> Path:
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


def unpack(zipped: Path, home: Path) -> Path:
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


def run_checked(cmd: list[str], what: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise KeycloakUnavailable(f"{what} failed ({done.returncode}):\n{(done.stdout + done.stderr)[-3000:]}")
