# commsim: the two commands of the README, plus helpers.
#   make run    set up (first time) and run the default comparison -> results/reports/
#   make test   set up (first time) and run the fast test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-commsim

# The first Python >= 3.12 found: $COMMSIM_PYTHON, python3.12/3.13, python3
# (pyenv reads .python-version), then pyenv's own versions.
define FIND_PYTHON
for c in "$$COMMSIM_PYTHON" python3.12 python3.13 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
  [ -n "$$c" ] || continue; p=$$(command -v "$$c" 2>/dev/null) || continue; \
  "$$p" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1 && { echo "$$p"; exit 0; }; \
done; exit 1
endef
export FIND_PYTHON

.PHONY: help setup run test test-full clean

help:
	@echo "make run        set up and run the default comparison (report in results/reports/default_comparison/)"
	@echo "make test       set up and run the fast test suite"
	@echo "make test-full  also run the slow tests"
	@echo "make clean      remove the virtual environment and caches (keeps results/)"

$(STAMP): pyproject.toml
	@py=$$(bash -c "$$FIND_PYTHON") || { \
	  echo "commsim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2; \
	  echo "Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv')," >&2; \
	  echo "or point COMMSIM_PYTHON at it: make COMMSIM_PYTHON=/path/to/python3.12 test" >&2; exit 1; }; \
	echo "commsim: using $$py ($$($$py --version))"; \
	rm -rf $(VENV) && $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m experiments.compare experiment=default_comparison compare.jobs=2 $(ARGS)

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

test-full: $(STAMP)
	$(PY) -m pytest -m "slow or not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
