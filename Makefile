# 江海数字政府平台 — the two promised commands are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# The suite runs in two pytest-xdist workers (each with its own test database); PYTEST_ARGS="-n 0" runs it in one process.
PYTEST_ARGS ?= -n 2

.PHONY: run test lint typecheck check bench messages lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.base: requirements/base.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt
	touch $@

$(VENV)/.dev: requirements/base.txt requirements/dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements/base.txt -r requirements/dev.txt
	touch $(VENV)/.base $@

## run: install, migrate the embedded SQLite database, load the Jianghai demo data, serve on 127.0.0.1:$(PORT)
run: $(VENV)/.base
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_calendar
	$(BIN)/python manage.py load_processes
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py load_demo_registries
	$(BIN)/python manage.py load_demo_esign
	$(BIN)/python manage.py load_demo_credit
	$(BIN)/python manage.py load_demo_catalog
	$(BIN)/python manage.py load_demo_bundles
	$(BIN)/python manage.py load_demo_crossregion
	$(BIN)/python manage.py load_demo_licences
	$(BIN)/python manage.py load_demo_cases
	$(BIN)/python manage.py load_demo_ratings
	$(BIN)/python manage.py load_demo_hotline
	$(BIN)/python manage.py load_demo_indicators
	@echo ""
	@echo "  江海数字政府平台 Jianghai digital government: http://127.0.0.1:$(PORT)/"
	@echo "  Demo accounts (password: $${DGOV_DEMO_PASSWORD:-jianghai-demo-2025}):"
	@echo "    citizen enterprise clerk approver operator dispatcher handler gridworker leader dataofficer deptadmin admin security auditor"
	@echo ""
	DGOV_BASE_URL=$${DGOV_BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/python manage.py runserver --noreload 127.0.0.1:$(PORT)

## test: install the test dependencies and run the whole suite (SQLite; DATABASE_URL=postgres://… for PostgreSQL)
test: $(VENV)/.dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

check: lint typecheck test

## bench: performance benchmarks (not tests); figures go to docs/performance.md
bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

## messages: compile the .po translations into .mo files (pure Python, no gettext needed)
messages: $(VENV)/.dev
	$(BIN)/python scripts/compile_messages.py

## lock: re-pin the dependencies after editing requirements/*.in
lock: $(VENV)/.dev
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-header requirements/base.in -o requirements/base.txt
	$(BIN)/pip-compile --quiet --strip-extras --no-header requirements/dev.in -o requirements/dev.txt

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
