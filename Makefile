# EvoSync: `make run` (the demo on SQLite) and `make test` (the whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# The MariaDB driver is installed only when DATABASE_URL asks for MariaDB (it needs pkg-config and libmariadb-dev).
ENV_FILE_DATABASE_URL := $(shell sed -n 's/^DATABASE_URL=//p' .env 2>/dev/null)
ifneq ($(filter mysql%,$(DATABASE_URL) $(BENCH_DATABASE_URL) $(ENV_FILE_DATABASE_URL)),)
STAMP += $(VENV)/.mysql
endif

.PHONY: run test lint audit format venv migrate messages bench bench-web bench-fleet chaos clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.mysql: requirements-mysql.txt $(VENV)/.installed
	pkg-config --exists libmariadb || pkg-config --exists mariadb || \
	  { echo "DATABASE_URL names MariaDB: first apt-get install pkg-config libmariadb-dev"; exit 1; }
	$(PY) -m pip install --quiet -r requirements-mysql.txt
	touch $@

venv: $(STAMP)

run: $(STAMP)
	rm -rf var/metrics
	DEBUG=$${DEBUG:-true} PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-$(CURDIR)/var/metrics} \
	  METRICS_ALLOWED_NETWORKS=$${METRICS_ALLOWED_NETWORKS:-127.0.0.1/32} $(PY) manage.py demo --host $(HOST) --port $(PORT)

test: $(STAMP)
	DJANGO_SETTINGS_MODULE=evosync.test_settings $(PY) -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache  # the layout's arrows: [tool.importlinter] in pyproject.toml

# pip-audit over the pinned requirements: fails on a known vulnerability; an unreachable vulnerability
# service is reported as NOT AUDITED without failing (AUDIT_ARGS=--strict fails then too). tools/audit.py.
audit: $(STAMP)
	$(PY) tools/audit.py $(AUDIT_ARGS)

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(STAMP)
	$(PY) manage.py migrate

# evosync/locale's Russian (model names' plural forms, admin phrases) compiled for Django; commit the .mo too.
messages:
	msgfmt --check -o evosync/locale/ru/LC_MESSAGES/django.mo evosync/locale/ru/LC_MESSAGES/django.po

bench: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py bench $(BENCH_ARGS)

bench-web: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py bench_web $(BENCH_ARGS)

# A fleet of shops on real Celery worker nodes; needs MariaDB (DATABASE_URL) and Redis (REDIS_URL and the next db).
bench-fleet: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py bench_fleet $(BENCH_ARGS)

# Faults injected into a real worker's sync, on a Redis and a MariaDB database of its own (tools/chaos/).
chaos: $(STAMP)
	DEBUG=$${DEBUG:-true} $(PY) manage.py chaos $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
