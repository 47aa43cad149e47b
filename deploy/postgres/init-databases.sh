#!/usr/bin/env bash
# One database and one role per service (a service never reads another's tables), plus the key vault's and
# the workspace's (its sessions).
# Runs once, on the first start of the PostgreSQL container (docker-entrypoint-initdb.d).
set -euo pipefail

password="${KONTAKT_DB_PASSWORD:?set KONTAKT_DB_PASSWORD}"
for name in ${KONTAKT_DATABASES:-intake triage booking notifications kpi keyvault workspace}; do
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE "$name" LOGIN PASSWORD '$password';
CREATE DATABASE "$name" OWNER "$name";
REVOKE ALL ON DATABASE "$name" FROM PUBLIC;
SQL
done
