# Safeguard: `make run` and `make test` are all a new machine needs (Python 3.11, PostgreSQL, Redis).
#   make run    install what is missing, start PostgreSQL and Redis if down, migrate, load the demo,
#               then serve http://127.0.0.1:8000 with a Celery worker and beat (Procfile, honcho).
#   make test   install what is missing (Chromium for the browser tests too), start the services if
#               down, then lint, format check, import borders, migrations check, deployment checklist,
#               type check and the tests (in two processes, with line and branch coverage and its floor).
#   make load, make screenshots: see their targets below.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
RANDOM_KEY = $$(head -c 64 /dev/urandom | base64 | tr -d '/+=\n')
# Production-like: no debug, no demo, a random secret key, a base URL for e-mails' links. SSL
# redirect off only so that the test client's plain-HTTP requests reach the views; `deploy-check`
# runs with it on.
TEST_ENV = SAFEGUARD_DEBUG=0 SAFEGUARD_DEMO=0 SAFEGUARD_SSL_REDIRECT=0 SAFEGUARD_SECRET_KEY=$(RANDOM_KEY) \
	SAFEGUARD_BASE_URL=https://safeguard.test
DEPLOY_ENV = SAFEGUARD_DEBUG=0 SAFEGUARD_DEMO=0 SAFEGUARD_SECRET_KEY=$(RANDOM_KEY) \
	SAFEGUARD_BASE_URL=https://safeguard.police.example $(CHECKPOINT_ENV)
# Where production keeps the audit checkpoints' key and files (docs/audit.md); `deploy-check` needs them set.
CHECKPOINT_ENV = SAFEGUARD_AUDIT_CHECKPOINT_KEY=/etc/safeguard/audit-checkpoint.key \
	SAFEGUARD_AUDIT_CHECKPOINT_PUBLIC_KEYS=/etc/safeguard/audit-checkpoint.pub \
	SAFEGUARD_AUDIT_CHECKPOINT_DIR=/var/lib/safeguard/audit-checkpoints
# CI is always a fresh machine; a fresh test database also keeps a changed migration from meeting
# a stale one. Pass PYTEST_ARGS= (empty) to reuse the test database locally.
PYTEST_ARGS ?= --create-db

.PHONY: run test load screenshots install services database replication chromium checks lint format migrations-check deploy-check typecheck pytest fuzz clean bench bench-data restore-drill

# One virtual environment for running and testing, from the pinned requirements; reinstalled only
# when a requirements file changes.
$(VENV_STAMP): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "ERROR: $(PYTHON) is needed (see docs/setup.md)." >&2; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing pinned requirements into $(VENV)..."
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(VENV_STAMP)

install: $(VENV_STAMP)

services:
	@bash .ci/services

database:
	@bash .ci/services --database

# The replica tests (tests/replica) need replication connections from 127.0.0.1 (.ci/replication).
replication: database
	@bash .ci/replication

# The web server, worker and beat connect as safeguard_app, which cannot change or remove audit
# entries (docs/audit.md); migrations and the demo load run as the database's owner before that.
# Local trust authentication lets safeguard_app in without a password; elsewhere set this URL.
APP_DATABASE_URL ?= $(shell echo "$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/safeguard}" | sed -E 's#//[^@/]*@#//safeguard_app@#')

# The browser tests (tests/browser) drive Debian's Chromium; Playwright never downloads a browser.
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Chromium for the browser tests (Debian package)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Demo mode on http://127.0.0.1:8000: debug on, no HTTPS redirect, demo users with passwords printed once.
run: export SAFEGUARD_DEBUG := 1
run: export SAFEGUARD_DEMO := 1
run: export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
run: $(VENV_STAMP) database
	@$(PY) manage.py migrate --no-input -v 0
	@# Audit: the owner and application roles (docs/audit.md); idempotent, after every migrate.
	@$(PY) manage.py setup_database_roles
	@$(PY) manage.py collectstatic --no-input -v 0
	@$(PY) manage.py load_demo
	@# The summaries the dashboard, deadlines page and figures read (docs/figures.md); beat keeps them.
	@$(PY) manage.py refresh_summaries
	@mkdir -p var var/audit-checkpoints
	@# Audit checkpoints (docs/audit.md): a development signing key, made once, readable by this user only.
	@$(PY) manage.py audit_checkpoint_key --if-missing
	@echo "Safeguard: http://127.0.0.1:8000/ (Ctrl-C stops the web server, worker and beat)"
	@DATABASE_URL="$(APP_DATABASE_URL)" honcho start -f Procfile

test: $(VENV_STAMP) database chromium checks pytest

# The checks before the tests, two at a time (mypy, the longest, beside the others); each one's
# output is printed together when it is done. Any failure stops `make test` before pytest.
checks: $(VENV_STAMP)
	@$(MAKE) --no-print-directory -j 2 --output-sync=target lint migrations-check deploy-check typecheck

lint: $(VENV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	@# The borders between apps and between an app's modules (pyproject.toml, docs/design.md).
	$(VENV)/bin/lint-imports

format: $(VENV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV_STAMP)
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

deploy-check: $(VENV_STAMP)
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

typecheck: $(VENV_STAMP)
	$(TEST_ENV) $(VENV)/bin/mypy .

# `make test` runs the tests in PYTEST_WORKERS processes (pytest-xdist; 0 for one process), each with
# a test database of its own and a test file's tests kept together in one process, the files handed
# out in the order tests/conftest.py puts them in (the slowest first), and measures coverage of lines
# and branches (pytest-cov; the floor is `fail_under` in pyproject.toml), and lists the 25 slowest
# tests (to keep the run within its time). `make pytest` alone does none of that, for a quick run of a
# few tests.
PYTEST_WORKERS ?= 2
test: PYTEST_TEST_ARGS = -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --cov --cov-report=term-missing:skip-covered --durations=25
PYTEST_TEST_ARGS ?=

# Exit 5 means pytest collected no tests (e.g. a -k that matches nothing): say so, do not fail.
pytest: $(VENV_STAMP) database replication chromium
	@status=0; $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_TEST_ARGS) $(PYTEST_ARGS) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests."; exit 0; fi; exit $$status

# Bad-input tests with many more examples per form and per case file than `make test` runs
# (docs/reliability.md). SAFEGUARD_FUZZ_EXAMPLES=2000 make fuzz for a longer run.
fuzz: $(VENV_STAMP) database
	SAFEGUARD_FUZZ_EXAMPLES=$${SAFEGUARD_FUZZ_EXAMPLES:-200} $(TEST_ENV) $(VENV)/bin/pytest $(PYTEST_ARGS) \
		tests/reliability/test_bad_input.py tests/reliability/test_bad_import.py

# Load test (bench/load/run.py): 50 users for 5 minutes against gunicorn on loopback, on a throwaway copy of
# the demo; then the audit chain and the audit of every case read. Figures in var/load/figures.txt.
# Smaller: make load LOAD_ARGS="--users 5 --duration 30s".
LOAD_ARGS ?=
load: $(VENV_STAMP) database
	$(PY) -m bench.load.run $(LOAD_ARGS)

# Backup and point-in-time restore, end to end, on scratch clusters of their own (ops/restore_drill.py,
# docs/setup.md "Backups and restore"): WAL archiving, a base backup, a restore to a time between two
# writes, then verify_audit on the restored database. Needs PostgreSQL's server tools (initdb, pg_ctl).
restore-drill: $(VENV_STAMP)
	$(TEST_ENV) $(PY) -m ops.restore_drill

# Pictures of the main pages for README.md, from the demo in a throwaway database (bench/screenshots.py).
screenshots: $(VENV_STAMP) database chromium
	$(PY) -m bench.screenshots

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .coverage .coverage.*

# Benchmarks at national scale (docs/performance.md); not part of `make test`.
#   make bench-data CASES=1000000   a fresh database sg_bench_<CASES>, migrated and filled
#                                   (WAL=minimal: load with wal_level = minimal; restarts PostgreSQL twice)
#   make bench CASES=1000000        measure the pages against it (ITERATIONS=30)
CASES ?= 100000
ITERATIONS ?= 30
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_URL ?= $(BENCH_SERVER)/sg_bench_$(CASES)
WAL ?=
BENCH_ENV = $(TEST_ENV) DJANGO_SETTINGS_MODULE=safeguard.settings DATABASE_URL=$(BENCH_URL)

bench-data: $(VENV_STAMP) services
	psql -q "$(BENCH_SERVER)/postgres" -c "DROP DATABASE IF EXISTS sg_bench_$(CASES)" -c "CREATE DATABASE sg_bench_$(CASES)"
	$(BENCH_ENV) $(PY) manage.py migrate --no-input -v 0
	$(BENCH_ENV) $(PY) manage.py setup_database_roles
	@# WAL=minimal: the load runs with wal_level = minimal, restarting the server before and after (bench/wal-level).
	$(if $(filter minimal,$(WAL)),BENCH_SERVER=$(BENCH_SERVER) bash bench/wal-level minimal && trap 'BENCH_SERVER=$(BENCH_SERVER) bash bench/wal-level default' EXIT && )$(BENCH_ENV) $(PY) -m bench.generate --cases $(CASES)
	$(BENCH_ENV) $(PY) manage.py verify_audit
	@# The summaries Celery would keep (docs/figures.md), filled as after any bulk load.
	$(BENCH_ENV) $(PY) manage.py refresh_summaries --full

bench: $(VENV_STAMP) services
	$(BENCH_ENV) $(PY) -m bench.run --iterations $(ITERATIONS)
