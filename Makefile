# Two commands: `make run` serves the app with the real figures; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# apt needs root: use sudo when we are not root (CI and the dev machines run as root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

MANAGE := $(BIN)/python manage.py
# Stops the embedded PostgreSQL server unless a live process still uses it (another `make run`).
DB_STOP_IF_UNUSED := $(BIN)/python -c "from config.embedded_db.server import stop_if_unused; stop_if_unused()"
# pytest-xdist workers, one per core of a 2-core machine (docs/testing.md); 0 runs in one process.
PYTEST_WORKERS ?= 2

.PHONY: run test fuzz install install-test chromium redis-server nginx wrk lint format screenshots db-stop \
	backup restore restore-file bench bench-uploads

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip compiles every installed file (11 s of a fresh `make test`); measured without it
# (--no-compile), the two test workers then compiled what they imported, and the tests took
# 30-40 s longer.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[test]"
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e ".[bench]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Ctrl-C stops the server and then the embedded database (unless something else still uses it).
run: export DJANGO_DEBUG ?= 1
run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) load_reference_data
	trap : INT TERM; $(MANAGE) runserver $(HOST):$(PORT); status=$$?; $(DB_STOP_IF_UNUSED); exit $$status

# Debian's chromium: Playwright's own browser download cannot work without internet.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's redis-server: the shared-cache tests (tests/ops/) start their own on a free port.
# Installing it does not start a system service where there is no init (containers, CI).
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		echo "Installing Debian's redis-server for the shared-cache tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; }

# Debian's nginx with its brotli modules: tests/ops/test_proxy.py serves deploy/nginx/breaches.conf
# on a free local port. Installing it starts no service where there is no init (containers, CI).
nginx:
	@test -e /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so || { \
		echo "Installing Debian's nginx and its brotli modules for the proxy tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			nginx libnginx-mod-http-brotli-filter libnginx-mod-http-brotli-static >/dev/null; }

# Debian's wrk, for the proxy benchmark (bench/bench_proxy.py; not part of `make test`).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing Debian's wrk for the benchmarks"; \
		$(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# axe-core for the accessibility tests, from the npm registry (pinned; no lock file needed).
AXE := node_modules/axe-core/axe.min.js
$(AXE):
	npm install --no-save --no-package-lock --silent axe-core@4.14.1

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The embedded database the tests started is stopped afterwards, whether they pass or not.
test: install-test chromium redis-server nginx $(AXE) lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS); status=$$?; $(DB_STOP_IF_UNUSED); exit $$status

# The long randomised sweep of hostile inputs (tests/hostile/), remembering what it found in
# Hypothesis's example database (.hypothesis/): FUZZ_EXAMPLES per property, 5,000 by default.
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest tests/hostile $(PYTEST_ARGS); \
	status=$$?; $(DB_STOP_IF_UNUSED); exit $$status

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

screenshots: install-test
	$(BIN)/python docs/screenshots.py

# Stops the embedded database now, also one a process killed by a signal left running.
db-stop: install
	$(BIN)/python -c "from config.embedded_db.server import stop; stop()"

# Backups of the configured database (the embedded server, or DATABASE_URL) with pg_dump and
# pg_restore (docs/deploy.md). `make backup` writes backups/<database>-<UTC time>.dump (or to
# BACKUP_DIR); `make restore FILE=...` replaces the database's contents with a backup's, in one
# transaction, after asking (YES=1 does not ask).
backup: install
	$(MANAGE) backup_db

restore: restore-file install
	$(MANAGE) restore_db "$(FILE)"$(if $(YES), --noinput)

restore-file:
	@test -n "$(FILE)" || { echo "Usage: make restore FILE=backups/<name>.dump [YES=1]" >&2; exit 2; }

# Incidents at scale against Datasette (bench/bench_incidents.py; not part of `make test`):
# builds 10k, 100k and 1M synthetic incidents (kept in bench/.data/ and incidents_bench_*
# databases between runs), measures, and rewrites the "Incidents at scale" section of
# docs/benchmarks.md. BENCH_ARGS="--sizes 10000,100000 --skip-import" for a quick run.
bench: $(VENV)/.installed-bench chromium
	$(BIN)/python bench/bench_incidents.py --write docs/benchmarks.md $(BENCH_ARGS)

# Heavy uploads through a real gunicorn worker (bench/bench_uploads.py; not part of `make test`):
# a 100,000-row CSV with errors, the same file valid (preview, reload, confirm) and the workbook
# whose shared strings expand to 290 MB; rewrites the "Heavy uploads" section of
# docs/benchmarks.md. BENCH_UPLOADS_PORT chooses the port (default 8120).
BENCH_UPLOADS_PORT ?= 8120
bench-uploads: install-test
	$(BIN)/python bench/bench_uploads.py --port $(BENCH_UPLOADS_PORT) --write docs/benchmarks.md
