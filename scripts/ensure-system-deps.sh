#!/usr/bin/env bash
# System parts the test suite uses for real: PostgreSQL (installed and started if absent),
# Debian's Chromium for the dashboard's browser test, and Apache Kafka (Java, Maven, its jars). Idempotent; quiet when all is there.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
apt_updated=0
apt_install() {
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

if ! command -v npm >/dev/null 2>&1; then
  echo "installing Node.js and npm (the workspace's htmx and the tests' axe-core come from npm)…"
  apt_install nodejs npm
fi
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "installing PostgreSQL…"
  apt_install postgresql
fi
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  ver=$(ls /etc/postgresql | sort -n | tail -1)
  if [ ! -d "/etc/postgresql/$ver/main" ]; then $SUDO pg_createcluster "$ver" main; fi
  conf="/etc/postgresql/$ver/main/pg_hba.conf"
  if ! grep -q "kontakt-trust" "$conf"; then
    # tests connect as postgres over loopback without a password, as on the developers' machines
    $SUDO sed -i '1i host all all 127.0.0.1/32 trust # kontakt-trust\nhost all all ::1/128 trust # kontakt-trust' "$conf"
  fi
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not start" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing Chromium (Debian) for the dashboard's browser test…"
  apt_install chromium chromium-driver
fi

# Apache Kafka, the production broker the tests run on (KONTAKT_TEST_BROKER=apache): Java 17+ runs it,
# Maven resolves its jars from Maven Central (deploy/kafka/pom.xml) into a cache folder, once.
if ! command -v java >/dev/null 2>&1 || ! command -v mvn >/dev/null 2>&1; then
  echo "installing Java 17 and Maven (Debian: openjdk-17-jre-headless maven) for Apache Kafka…"
  apt_install openjdk-17-jre-headless maven
fi
root="$(cd "$(dirname "$0")/.." && pwd)"
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$root/deploy/kafka/pom.xml")
kafka_lib="${KONTAKT_KAFKA_LIB:-${XDG_CACHE_HOME:-$HOME/.cache}/kontakt/kafka-$kafka_version/lib}"
if [ ! -f "$kafka_lib/.complete" ]; then
  echo "fetching Apache Kafka $kafka_version from Maven Central into $kafka_lib…"
  staging="$(dirname "$kafka_lib")/lib-staging"
  rm -rf "$staging"
  mvn -q -B -f "$root/deploy/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$staging" -DincludeScope=runtime
  echo "$kafka_version" > "$staging/.complete"
  rm -rf "$kafka_lib"
  mv "$staging" "$kafka_lib"
fi

# Keycloak, the OIDC provider the sign-in tests run against (kontakt/keycloak.py), needs Java 21 or newer
# beside Apache Kafka's 17: a JDK in JAVA_HOME or /usr/lib/jvm (this kind of machine has a Temurin there), else
# Debian's openjdk-21 or -25 where the release has one. The distribution itself comes from Maven Central.
java21=""
for home in ${KONTAKT_KEYCLOAK_JAVA_HOME:-} ${JAVA_HOME:-} /usr/lib/jvm/*; do
  major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release" 2>/dev/null || true)
  if [ -n "$major" ] && [ "$major" -ge 21 ] && [ -x "$home/bin/java" ]; then java21="$home"; break; fi
done
if [ -z "$java21" ]; then
  if [ $apt_updated = 0 ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  for pkg in openjdk-25-jre-headless openjdk-21-jre-headless; do
    if apt-cache policy "$pkg" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
      echo "installing $pkg (Debian) for Keycloak…"; apt_install "$pkg"; java21=yes; break
    fi
  done
  [ -n "$java21" ] || echo "no Java 21+ here and none in this Debian release: the Keycloak sign-in tests will say so;" \
    "install a JDK 21+ under /usr/lib/jvm or set KONTAKT_KEYCLOAK_JAVA_HOME" >&2
fi
