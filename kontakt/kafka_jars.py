"""Apache Kafka's jars: resolved once from Maven Central through `deploy/kafka/pom.xml` (its `kafka.version` is the
version of docker-compose.yml's apache/kafka image) into a cache folder, with Java checked first."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "deploy" / "kafka" / "pom.xml"
JAVA_PACKAGES = "openjdk-17-jre-headless maven"


class KafkaUnavailable(RuntimeError):
    """Java or Maven is missing, or the jars could not be resolved: the message says what to install."""


def kafka_version() -> str:
    found = re.search(r"<kafka\.version>([^<]+)</kafka\.version>", POM.read_text())
    if not found:
        raise KafkaUnavailable(f"{POM} names no kafka.version")
    return found.group(1)


def lib_dir() -> Path:
    """Where the jars live: KONTAKT_KAFKA_LIB, else ~/.cache/kontakt/kafka-<version>/lib."""
    if os.environ.get("KONTAKT_KAFKA_LIB"):
        return Path(os.environ["KONTAKT_KAFKA_LIB"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "kontakt" / f"kafka-{kafka_version()}" / "lib"


def _java_major() -> int:
    out = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    found = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if not found:
        return 0
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major


def check_java() -> None:
    if not shutil.which("java"):
        raise KafkaUnavailable(f"Apache Kafka needs Java 17 or newer: apt-get install {JAVA_PACKAGES}")
    if _java_major() < 17:
        raise KafkaUnavailable(f"Apache Kafka {kafka_version()} needs Java 17 or newer, found "
                               f"{_java_major()}: apt-get install openjdk-17-jre-headless")


def ensure_jars() -> Path:
    """The broker's jars, resolved from Maven Central once (`mvn dependency:copy-dependencies`)."""
    lib = lib_dir()
    if (lib / ".complete").exists():
        return lib
    check_java()
    if not shutil.which("mvn"):
        raise KafkaUnavailable(f"fetching Apache Kafka's jars needs Maven: apt-get install {JAVA_PACKAGES}")
    lib.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="lib-", dir=lib.parent))
    done = subprocess.run(["mvn", "-q", "-B", "-f", str(POM), "dependency:copy-dependencies",
                           f"-DoutputDirectory={staging}", "-DincludeScope=runtime"],
                          capture_output=True, text=True)
    if done.returncode != 0 or not any(staging.glob("kafka_2.13-*.jar")):
        shutil.rmtree(staging, ignore_errors=True)
        raise KafkaUnavailable(f"mvn could not resolve Apache Kafka {kafka_version()} from Maven Central:\n"
                               f"{(done.stdout + done.stderr)[-2000:]}")
    (staging / ".complete").write_text(kafka_version())
    shutil.rmtree(lib, ignore_errors=True)
    staging.rename(lib)  # atomic: a half-fetched folder is never taken for a complete one
    return lib
