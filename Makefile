# The README's two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
PORT ?= 8000
export APP_URL ?= http://localhost:$(PORT)

.PHONY: run test install lint bench

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

## Web server (gunicorn) and worker (Celery) on embedded defaults: SQLite and a file broker.
run: install
	$(BIN)/flask --app app db-upgrade
	@$(BIN)/celery -A app.celery_app worker --beat --schedule var/celerybeat-schedule --loglevel=INFO --concurrency=2 & worker=$$!; \
	$(BIN)/gunicorn --config app/gunicorn_conf.py --bind 0.0.0.0:$(PORT) 'app:create_app()' & web=$$!; \
	trap 'kill -TERM $$worker $$web 2>/dev/null; wait' EXIT INT TERM; \
	wait -n

## The whole suite: installs what it needs (Chromium), uses PostgreSQL/Redis when they answer.
test: install
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }
	@source .ci/services.sh && $(BIN)/ruff check . && $(BIN)/mypy app && $(BIN)/python -m pytest --cov=app --cov-branch --cov-report=term:skip-covered --cov-fail-under=90

lint: install
	$(BIN)/ruff check . && $(BIN)/lint-imports && $(BIN)/mypy app/domain app/services

bench: install
	$(BIN)/python bench/webhook_ingest.py
