# AdvisorOS. `make run` and `make test` work on a fresh machine with Python 3.11+, make
# and a C compiler: they create .venv, install everything, and use the embedded
# PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test install lint stop clean-data bench

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || (echo "Python 3.11 or newer is required" && exit 1)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

## Set everything up and run web + Celery worker + beat on the embedded stack.
run: $(STAMP)
	$(BIN)/python -m advisoros.devstack

## Set everything up and run the whole test suite.
test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

## Stop the embedded PostgreSQL and Redis (left running by test runs).
stop: $(STAMP)
	$(BIN)/python -c "from pathlib import Path; from advisoros import embedded; embedded.stop_all(Path('.data').resolve())"

clean-data: stop
	rm -rf .data

## Seed the seed scale if missing, run every load scenario (granian + Celery on
## 127.0.0.1) and every bench_* command; writes docs/bench-report.{json,md} and the report
## block of docs/benchmarks.md. Its own database and Redis numbers: dev data is untouched.
## BENCH_ARGS passes options, e.g. BENCH_ARGS="--size small --serving-matrix".
bench: $(STAMP)
	ADVISOROS_DB_NAME=$${ADVISOROS_DB_NAME:-advisoros_bench} REDIS_DB_BASE=$${REDIS_DB_BASE:-8} \
		$(BIN)/python manage.py bench_all $(BENCH_ARGS)
