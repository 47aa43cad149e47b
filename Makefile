# The two commands a newcomer needs: `make up` (run the system on the embedded
# default) and `make test` (install everything and run the whole suite).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install up test check demo docs schemas clean kafka keycloak

$(BIN)/kontakt: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/kontakt

# the staff workspace's browser assets (htmx) and the browser tests' axe-core, exactly as package-lock.json says
node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || bash scripts/ensure-system-deps.sh
	npm ci --no-audit --no-fund --loglevel=error

install: $(BIN)/kontakt node_modules/.package-lock.json

up: install
	$(BIN)/kontakt up

# Apache Kafka's jars from Maven Central into ~/.cache/kontakt (needs java 17+ and mvn; `make test` does it too)
kafka: install
	$(BIN)/python -m kontakt.apache_kafka fetch

# Keycloak (the tests' OIDC provider) from Maven Central into ~/.cache/kontakt, built and with its realm imported
# once (needs java 21+ and mvn; `make test` does it too)
keycloak: install
	$(BIN)/python -m kontakt.keycloak prepare

# `make demo` a month; `make demo DEMO_ARGS=--year` a full year
demo: install
	$(BIN)/kontakt demo $(DEMO_ARGS)

# the checkers first: a type error or a lint finding fails the run before any test starts
check: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python scripts/type_ignores.py

test: check
	bash scripts/ensure-system-deps.sh
	-$(BIN)/python -m kontakt.keycloak prepare  # without Java 21+ the Keycloak tests say why; the rest still run
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

schemas: install
	$(BIN)/kontakt contracts export

docs: install
	$(BIN)/kontakt contracts asyncapi

clean:
	rm -rf $(VENV) .kontakt
