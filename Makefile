# The README's two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PORT ?= 8000
export APP_URL ?= http://localhost:$(PORT)
# gunicorn's and Celery's processes add their Prometheus figures up here (emptied at start).
export PROMETHEUS_MULTIPROC_DIR ?= $(CURDIR)/var/metrics

.PHONY: run test install lint bench soak

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Web server (gunicorn) and worker (Celery) on embedded defaults: SQLite and a file broker.
## Waits for /readyz, then prints the manifest URL and how to install.
run: install
	@rm -rf "$(PROMETHEUS_MULTIPROC_DIR)" && mkdir -p "$(PROMETHEUS_MULTIPROC_DIR)"
	$(BIN)/flask --app app db-upgrade
	@$(BIN)/celery -A app.celery_app worker --beat --schedule var/celerybeat-schedule --loglevel=INFO --concurrency=2 & worker=$$!; \
	$(BIN)/gunicorn --config app/gunicorn_conf.py --bind 0.0.0.0:$(PORT) 'app:create_app()' & web=$$!; \
	trap 'kill -TERM $$worker $$web 2>/dev/null; wait' EXIT INT TERM; \
	for i in $$(seq 60); do curl -fsS http://127.0.0.1:$(PORT)/readyz >/dev/null 2>&1 && break; sleep 1; done; \
	curl -fsS http://127.0.0.1:$(PORT)/readyz >/dev/null || echo "not ready: $$(curl -s http://127.0.0.1:$(PORT)/readyz)"; \
	echo; echo "Ready. Manifest URL: $(APP_URL)/api/manifest"; \
	echo "  1. Saleor must reach $(APP_URL) (set APP_URL and ALLOWED_SALEOR_API_URLS for a remote Saleor)."; \
	echo "  2. Saleor dashboard: Apps -> Install external app, paste the manifest URL above."; \
	echo "  3. Open Fulfillment -> Apps -> Drop-ship: add a vendor, assign products, send a test PO."; echo; \
	wait -n

## The whole suite: installs what it needs (Chromium), uses PostgreSQL/Redis when they answer.
test: install
	@# Chromium for the browser tests; HarfBuzz's subsetter, without which WeasyPrint warns on import
	@# (warnings are errors in the tests).
	@{ command -v chromium >/dev/null && ldconfig -p | grep -q libharfbuzz-subset; } || { apt-get update -qq && apt-get install -y -qq chromium libharfbuzz-subset0; }
	@export PROMETHEUS_MULTIPROC_DIR="$$(mktemp -d -t dropship-metrics-XXXXXX)" && source .ci/services.sh && $(BIN)/ruff check . && $(BIN)/mypy app && $(BIN)/python -m pytest -n auto --maxprocesses 4 --cov=app --cov-branch --cov-report=term:skip-covered --cov-fail-under=90

lint: install
	$(BIN)/ruff check . && $(BIN)/lint-imports && $(BIN)/mypy app/domain app/services

bench: install
	$(BIN)/python bench/webhook_ingest.py

## The fault-injection soak in its small size (needs PostgreSQL and Redis on loopback).
soak: install
	@export PROMETHEUS_MULTIPROC_DIR="$$(mktemp -d -t dropship-metrics-XXXXXX)" && source .ci/services.sh && $(BIN)/python -m pytest -p no:cacheprovider tests/e2e/test_soak.py
