# Recourse — the two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

# Development mode is explicit: without DEBUG=true the portal runs (and refuses to start) as production.
run migrate test test-fast bench load: export DEBUG := true

.PHONY: run test test-fast lint format bench load migrate clean help

help:
	@echo "make run    - set up and serve http://127.0.0.1:8000 (SQLite, local broker, worker + beat, demo data)"
	@echo "make test   - set up and run the test suite"
	@echo "make lint   - ruff and the import layers (lint-imports)"
	@echo "make bench  - benchmarks (see benchmarks/RESULTS.md)"
	@echo "make load   - the load benchmark on PostgreSQL + Redis and on the embedded default (benchmarks/load/REPORT.md)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(RUNTIME_STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(RUNTIME_STAMP) $@

migrate: $(RUNTIME_STAMP)
	$(PY) manage.py migrate --noinput

run: migrate
	$(PY) manage.py seed_demo
	$(PY) -m portal.embedded --port 8000

test: $(DEV_STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: $(DEV_STAMP)
	$(PY) -m pytest -m "not integration and not e2e and not slow" $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

format: $(DEV_STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(DEV_STAMP)
	$(PY) benchmarks/hash_speed.py
	$(PY) benchmarks/hash_index.py
	OPENBLAS_NUM_THREADS=1 $(PY) benchmarks/hash_robustness.py
	$(PY) benchmarks/notice_render.py
	$(PY) benchmarks/discovery_match.py

# Needs PostgreSQL on 127.0.0.1:5432 (creates and drops the database load_bench) and Redis on 127.0.0.1:6379
# (flushes its databases 10 and 11). Bounded: 9 + 5 minutes at most. Writes benchmarks/load/REPORT.md.
load: $(DEV_STAMP)
	$(PY) benchmarks/load/run.py postgres; status=$$?; $(PY) benchmarks/load/run.py embedded && exit $$status

clean:
	rm -rf var test-artifacts .pytest_cache
