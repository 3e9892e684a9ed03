# Two entry points on a fresh machine:  make serve  (run the hub)  and  make test  (run every check).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/modelhub_test

.PHONY: serve test install system lint postgres bench lock screenshots

# Installs exactly the versions in requirements.lock (every file checked against its sha256), so a new
# machine gets what CI tested. torch is pinned there as the local CPU wheel; --no-deps keeps anything
# from asking for another torch (which would pull gigabytes of CUDA packages).
$(BIN)/modelhub: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --no-deps -e .
	touch $(BIN)/modelhub

## refresh requirements.lock on purpose (newest releases allowed by pyproject.toml and constraints.txt)
PIP_TOOLS := pip-tools==7.7.0
lock:
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install -q $(PIP_TOOLS)
	build/lock-venv/bin/pip-compile -q --extra dev --generate-hashes --allow-unsafe --strip-extras \
	  --no-emit-index-url --no-emit-find-links -c constraints.txt -o requirements.lock pyproject.toml
	rm -rf build/lock-venv

install: $(BIN)/modelhub system

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
## Debian packages: bubblewrap runs package code in a sandbox during automated checks;
## chromium is the real browser the page tests drive (through Playwright); nginx is the load
## balancer in front of several `modelhub serve` replicas (docs/deploy/nginx.conf, and the test
## that runs two replicas behind it)
system:
	@missing=""; command -v bwrap >/dev/null || missing="$$missing bubblewrap"; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing="$$missing nginx"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y $$missing; fi

## run the hub: SQLite + local files + demo content on http://127.0.0.1:8000
serve: install
	$(BIN)/modelhub serve --demo

## run every check: lint, types, and the whole suite on SQLite and on PostgreSQL
## two pytest workers (one per core of the CI machine), a test file stays on one worker
PYTEST := $(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=15
test: install postgres lint
	$(PYTEST)
	# again on PostgreSQL: every test that uses a database (browser tests drive the same pages)
	MODELHUB_TEST_DATABASE_URL=$(PG_URL) $(PYTEST) -m "not dbless and not browser and not once"

lint: install
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/mypy

postgres: install
	$(BIN)/python scripts/ensure_postgres.py $(PG_URL)

bench: install
	$(BIN)/python bench/run_all.py

## the docs' screenshots from the demo, each page also checked at 320, 390 and 1280 px;
## an emoji font first (resource icons are emoji)
screenshots: install
	@fc-list ':charset=1f52c' | grep -q . || { $(SUDO) apt-get update && $(SUDO) apt-get install -y fonts-noto-color-emoji; }
	$(BIN)/python scripts/screenshots.py
