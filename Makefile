# Balise: the one task runner. `make demo` and `make test` work on a fresh machine with
# Python >= 3.11 and make; uv is fetched into .tools/ when it is not installed.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
PY := .venv/bin/python
BALISE := .venv/bin/balise
HOST ?= 127.0.0.1
PORT ?= 8000
# Parallel test workers: one per core by default.
WORKERS ?= auto

.PHONY: setup demo serve test test-unit test-e2e lint format messages bench load clean

$(UV):
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen
	@touch $@

# Compiled translations (.mo) are committed, so setting up needs no gettext tools.
setup: .venv/.synced
	@mkdir -p var
	$(BALISE) migrate --noinput

# Links in the demo's e-mails and its start message name the address it is served on,
# unless BALISE_SITE_URL is set.
demo: export BALISE_SITE_URL ?= http://$(HOST):$(PORT)
demo: setup
	$(BALISE) demo
	@echo "Balise : http://$(HOST):$(PORT)/  (Ctrl+C pour arrêter)"
	@trap 'kill 0' EXIT; \
	$(BALISE) db_worker & \
	$(BALISE) runserver $(HOST):$(PORT)

test: .venv/.synced
	$(PY) -m pytest -n $(WORKERS) $(PYTEST_ARGS)

lint: .venv/.synced
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format: .venv/.synced
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

messages: .venv/.synced
	cd balise && ../$(BALISE) makemessages -l en --no-obsolete --ignore=static --ignore='*/migrations/*'
	$(BALISE) compilemessages --ignore=.venv --ignore=.tools

bench: setup
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

# 200 concurrent respondents against gunicorn + PostgreSQL (needs a local PostgreSQL).
load: setup
	bench/load/run.sh

clean:
	rm -rf .venv .tools var/static
