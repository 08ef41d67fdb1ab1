# Two commands do all the set-up: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
# The exported settings below are for run/seed; pytest must get its own, or the env var would win over pyproject's.
PYTEST := DJANGO_SETTINGS_MODULE=microcredit.settings.test $(VENV)/bin/pytest
export DJANGO_SETTINGS_MODULE ?= microcredit.settings.local

.PHONY: install run migrate seed test test-fast test-browser test-integration lint fuzz bench messages clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# Web + Celery worker + beat in one terminal; Ctrl-C stops all three.
run: seed
	$(PY) manage.py collectstatic --noinput -v0
	@echo "Serving on http://127.0.0.1:$(PORT)  (demo logins above)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A microcredit worker -l warning --concurrency 2 & \
	$(VENV)/bin/celery -A microcredit beat -l warning & \
	$(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload

# The whole suite. Integration tests need DATABASE_URL (PostgreSQL) and REDIS_URL, browser tests Debian's
# chromium: without them those tests are reported as skipped, never silently passed. With CI=true (.ci/run sets it)
# a skipped browser, integration or contract test fails the run instead (tests/conftest.py).
test: install
	$(PYTEST) $(PYTEST_ARGS)

test-fast: install
	$(PYTEST) -m "not browser and not integration" $(PYTEST_ARGS)

test-browser: install
	$(PYTEST) -m browser $(PYTEST_ARGS)

test-integration: install
	$(PYTEST) -m integration $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

# Schemathesis against the live API (gunicorn, production settings, a throwaway PostgreSQL database
# microcredit_fuzz): every check, stateful phase included; FUZZ_MAX_EXAMPLES (25) bounds the cases per operation.
fuzz: install
	.ci/schemathesis

# Benchmarks print their figures; PostgreSQL only (a database of their own, created when missing).
bench: install
	DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/microcredit_bench} $(PY) bench/run.py $(BENCH_ARGS)

messages: install
	$(PY) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
