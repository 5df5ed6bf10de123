# Recourse — the two commands: `make run` and `make test`. Both set up .venv themselves.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

# Development mode is explicit: without DEBUG=true the portal runs (and refuses to start) as production.
run migrate test test-fast faults bench security load screenshots: export DEBUG := true

.PHONY: run test test-fast faults lint format bench load migrate clean help check-deploy security screenshots

help:
	@echo "make run    - set up and serve http://127.0.0.1:8000, or PORT=... (gunicorn, SQLite, local broker, worker + beat, demo data)"
	@echo "make test   - set up and run the test suite (without the fault injection)"
	@echo "make faults - fault injection: private PostgreSQL + Redis, killed workers (tests/faults)"
	@echo "make lint   - ruff and the import layers (lint-imports)"
	@echo "make bench  - benchmarks (see benchmarks/RESULTS.md)"
	@echo "make security - check --deploy with production settings, the URL x role matrix, headers, CSP"
	@echo "make screenshots - the README's pictures of each audience's main page, from demo data (docs/img/)"
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
	$(PY) -m portal.embedded --port $(PORT)

# The fault-injection tests start servers of their own and run once, in their own target (and CI step).
test: $(DEV_STAMP)
	$(PY) -m pytest -m "not faults" $(PYTEST_ARGS)

faults: $(DEV_STAMP)
	$(PY) -m pytest tests/faults -m faults $(PYTEST_ARGS)

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
	$(PY) benchmarks/access_code_hash.py

# `manage.py check --deploy` under production settings (DEBUG=false) with a realistic, freshly generated
# environment; --fail-level WARNING makes a warning fail it too. tests/test_settings.py runs the same check.
check-deploy: $(RUNTIME_STAMP)
	env -u DJANGO_SETTINGS_MODULE DEBUG=false \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  FIELD_ENCRYPTION_KEY="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	  EMAIL_URL="smtp+tls://notices:$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(16))')@smtp.internal:587" \
	  DATABASE_URL="postgres://recourse:$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(16))')@db.internal:5432/recourse" \
	  REDIS_URL=redis://redis.internal:6379/0 CACHE_URL=redis://redis.internal:6379/1 \
	  ALLOWED_HOSTS=recourse.helpline.test CSRF_TRUSTED_ORIGINS=https://recourse.helpline.test \
	  PUBLIC_BASE_URL=https://recourse.helpline.test RELAY_EMAIL_DOMAIN=relay.helpline.test \
	  BEHIND_TLS_PROXY=true TRUSTED_PROXIES=172.28.0.2 ADMIN_PATH=k7-back-office/ \
	  OPERATOR_NAME="Helpline Ltd" OPERATOR_POSTAL_ADDRESS="PO Box 7, Leeds LS1 1AA, United Kingdom" \
	  OPERATOR_EMAIL=notices@helpline.test OPERATOR_PHONE="+44 113 000 0000" OPERATOR_WEBSITE=https://helpline.test \
	  $(PY) manage.py check --deploy --fail-level WARNING

# The security checks on their own (they also run in `make test`): the deployment check, every URL asked by
# every role (tests/security/test_access_matrix.py), response headers and CSP-blocked code.
security: check-deploy $(DEV_STAMP)
	$(PY) -m pytest tests/security tests/test_settings.py $(PYTEST_ARGS)

# Needs PostgreSQL on 127.0.0.1:5432 (creates and drops the database load_bench) and Redis on 127.0.0.1:6379
# (flushes its databases 10 and 11). Bounded: 9 + 5 minutes at most. Writes benchmarks/load/REPORT.md.
load: $(DEV_STAMP)
	$(PY) benchmarks/load/run.py postgres; status=$$?; $(PY) benchmarks/load/run.py embedded && exit $$status

# The README's screenshots (docs/img/*.png): demo data on a throw-away SQLite, Debian's Chromium, loopback only.
screenshots: $(DEV_STAMP)
	$(PY) docs/screenshots.py

clean:
	rm -rf var test-artifacts .pytest_cache
