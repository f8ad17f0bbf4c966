# Quick start: `make demo` (set up, then judge realistic agent commands with the default
# policy) and `make test` (set up, then run the whole suite). Only Python 3.10+ is needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-slow lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,dev]'
	touch $(STAMP)

demo: $(STAMP)
	@$(BIN)/python scripts/demo.py

test: $(STAMP)
	$(BIN)/ruff check gatekeep tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/gatekeep lint --strict policies/default.yaml
	$(BIN)/gatekeep test --min-coverage 100 builtin:default
	$(BIN)/python -m pytest -q -m "not slow"

# The long property runs: 20,000 differential commands against real bash, and the fuzzers.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -m slow -n auto

bench: $(STAMP)
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/decide.py
	$(BIN)/python benchmarks/replay.py
	$(BIN)/python benchmarks/mcp_calls.py
	$(BIN)/python benchmarks/everyday.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
