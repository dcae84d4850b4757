# Heartline: `make run` starts it with demo data; `make test` runs every check and test.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL := $(or $(HEARTLINE_TEST_POSTGRES_URL),postgresql://postgres@127.0.0.1:5432/postgres)
PYTEST_ARGS ?=

.PHONY: install run test test-sqlite test-postgres lint format browser lock clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements/dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes -r requirements/dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $@

run: install
	$(BIN)/python manage.py serve

# Debian's chromium for the browser tests (installed once, via apt, when missing).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	HEARTLINE_DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py makemigrations --check --dry-run
	HEARTLINE_DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py permissions_doc --check

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: install browser lint
	@mkdir -p var && rm -f var/test-passes.txt
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite: install
	HEARTLINE_DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(BIN)/pytest $(PYTEST_ARGS)
	@echo sqlite >> var/test-passes.txt

test-postgres: install
	@if $(BIN)/python scripts/pg_reachable.py "$(PG_URL)"; then \
	  HEARTLINE_DATABASE_URL="$(PG_URL)" $(BIN)/pytest $(PYTEST_ARGS) && echo postgresql >> var/test-passes.txt; \
	elif [ "$$CI" = "true" ]; then \
	  echo "PostgreSQL at $(PG_URL) is not reachable, and CI=true requires the PostgreSQL pass." >&2; exit 1; \
	else \
	  echo "PostgreSQL at $(PG_URL) is not reachable: PostgreSQL pass skipped."; \
	fi

# Re-lock after changing dependencies in pyproject.toml.
lock: $(BIN)/python
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 --generate-hashes --quiet -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes --quiet -o requirements/dev.lock

clean:
	rm -rf $(VENV) var/static var/test.sqlite3* var/test-passes.txt
