# InfraShare developer tooling. Two commands matter:
#   make run    set up, migrate, seed demo data, print demo tokens, serve on http://127.0.0.1:5000
#   make test   set up, start a throwaway PostgreSQL+PostGIS, run the whole pytest suite, stop it
# Everything installs itself (Debian packages via apt-get, .venv via pip);
# see scripts/bootstrap.sh.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

VENV        := .venv
PY          := $(VENV)/bin/python
FLASK       := $(VENV)/bin/flask --app api
HOST        ?= 127.0.0.1
PORT        ?= 5000
PYTEST_ARGS ?=
BENCH_ARGS  ?=

# GeoAlchemy2/SQLite load SpatiaLite through this name (libsqlite3-mod-spatialite).
export SPATIALITE_LIBRARY_PATH ?= mod_spatialite

.PHONY: help run run-dev test bench lint format clean bootstrap bootstrap-dev pg-start pg-stop pg-url fuzz

help:
	@echo "make run     install what is missing, migrate + seed the demo DB, print demo tokens, serve on http://$(HOST):$(PORT)"
	@echo "make run-dev Flask's reloading development server instead of gunicorn (no migration or seed)"
	@echo "make test    install what is missing, run the whole test suite against SQLite and a throwaway PostGIS (PYTEST_ARGS=...)"
	@echo "make bench   run the benchmarks (python -m bench) against a throwaway PostGIS (BENCH_ARGS=...)"
	@echo "make fuzz    schemathesis over the whole OpenAPI, long and random (FUZZ_EXAMPLES=300)"
	@echo "make lint    ruff check + ruff format --check + import contracts (lint-imports)"
	@echo "make format  ruff format + ruff check --fix"
	@echo "make clean   remove instance/, .pgtmp and caches (keeps .venv)"
	@echo "make pg-start | pg-url | pg-stop   manage the throwaway PostGIS cluster by hand"

bootstrap:
	@bash scripts/bootstrap.sh run

bootstrap-dev:
	@bash scripts/bootstrap.sh dev

run: bootstrap
	$(FLASK) db upgrade
	$(FLASK) seed demo --if-empty
	$(FLASK) demo-tokens --url http://$(HOST):$(PORT)
	@echo
	@echo "InfraShare is serving on http://$(HOST):$(PORT) with gunicorn: INFRASHARE_WORKERS workers"
	@echo "(default one per core on SpatiaLite, two on PostgreSQL); Ctrl-C stops it, kill -HUP <master pid> reloads the workers gracefully"
	@echo
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn -c api/gunicorn_conf.py 'api:create_app()'

run-dev: bootstrap
	$(FLASK) run --host $(HOST) --port $(PORT) --debug

test: bootstrap-dev
	bash scripts/with_pg.sh $(VENV)/bin/pytest $(PYTEST_ARGS)

FUZZ_EXAMPLES ?= 300

# The fuzz test of `make test`, with a large random budget instead of a small fixed one.
fuzz: bootstrap-dev
	INFRASHARE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) INFRASHARE_FUZZ_RANDOM=1 \
		bash scripts/with_pg.sh $(VENV)/bin/pytest -p no:cacheprovider tests/e2e/test_fuzz_openapi.py $(PYTEST_ARGS)

bench: bootstrap-dev
	bash scripts/with_pg.sh $(PY) -m bench $(BENCH_ARGS)

lint: bootstrap-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-logo

format: bootstrap-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

pg-start: bootstrap-dev
	@bash scripts/pg_cluster.sh start
	@bash scripts/pg_cluster.sh url

pg-url:
	@bash scripts/pg_cluster.sh url

pg-stop:
	@bash scripts/pg_cluster.sh stop

clean: pg-stop
	rm -rf instance/ .pgtmp/ .pytest_cache/ .ruff_cache/ .hypothesis/ build/ dist/ *.egg-info
	find . -path ./.venv -prune -o -type d -name __pycache__ -exec rm -rf {} +
