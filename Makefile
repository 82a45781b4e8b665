# Qorgau — two commands: `make run` (set up, demo data, serve) and `make test` (lint, types, tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export QORGAU_DATA_DIR ?= ./var

.PHONY: run test lint types unit bench bench-quick soak lock chromium clean serve

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/qorgau db upgrade
	$(BIN)/qorgau users ensure-admin
	$(BIN)/qorgau demo --if-empty
	$(BIN)/qorgau serve --host 127.0.0.1 --port 8000

serve: $(STAMP)
	$(BIN)/qorgau serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

types: $(STAMP)
	$(BIN)/mypy src

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium: apt install failed; browser tests will skip (fail under CI=true)"; \
	  else echo "chromium: not installed and not root; browser tests will skip (fail under CI=true)"; fi; }

test: $(STAMP) chromium lint types
	$(BIN)/pytest -q --basetemp=.pytest-tmp

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

soak: $(STAMP)  # the long fault tests: 100,000-fix streams through NATS and workers
	QORGAU_SOAK=1 $(BIN)/pytest -q --basetemp=.pytest-tmp-soak tests/integration/ingest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet --require-hashes -r bench/requirements.lock  # baselines (ruts)
	$(BIN)/python -m bench

bench-quick: $(STAMP)
	$(BIN)/python -m bench --quick

lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
