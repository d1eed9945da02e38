# commsim: the two commands of the README, plus helpers.
#   make run    set up (first time) and run the default comparison -> results/reports/
#   make test   set up (first time) and run the fast test suite (installs Chromium for the browser test)
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

CHROMIUM ?= /usr/bin/chromium

.PHONY: help setup run test test-slow test-load test-full demo-ui workbench browser-deps fonts slurm-up slurm-down clean

help:
	@echo "make run        set up and run the default comparison (report in results/reports/default_comparison/)"
	@echo "make test       set up and run the fast test suite"
	@echo "make test-slow  run only the slow tier (CI runs it after make test)"
	@echo "make test-full  both tiers at once"
	@echo "make test-load  30 browser contexts play the classroom page at once; none may stall (~140 s)"
	@echo "make demo-ui    serve the classroom page at http://localhost:8521/ (works offline)"
	@echo "make workbench  serve the strategist's workbench at http://localhost:8522/ (export in, decision out; offline)"
	@echo "make browser-deps  install Debian's chromium for the browser test (apt-get; needs root or sudo)"
	@echo "make slurm-up     start a real one-node SLURM cluster on 127.0.0.1 (cluster/slurm-local.sh; as root)"
	@echo "make slurm-down   stop it"
	@echo "make fonts         install a Chinese font for report.language=zh figures (Debian's fonts-wqy-microhei)"
	@echo "make clean      remove the virtual environment and caches (keeps results/)"

# An editable install in setuptools' "compat" mode (the source tree on sys.path): Hydra finds the
# launcher plugin in hydra_plugins/ by scanning that namespace, which the default (strict) editable
# mode hides. The code itself imports only `commsim.*` (tests/test_imports.py).
$(STAMP): pyproject.toml
	@py=$$(bash -c "$$FIND_PYTHON") || { \
	  echo "commsim needs Python >= 3.12 (Mesa 3.5 requires it) and none was found." >&2; \
	  echo "Install one (e.g. 'pyenv install 3.12' or 'apt-get install python3.12 python3.12-venv')," >&2; \
	  echo "or point COMMSIM_PYTHON at it: make COMMSIM_PYTHON=/path/to/python3.12 test" >&2; exit 1; }; \
	echo "commsim: using $$py ($$($$py --version))"; \
	rm -rf $(VENV) && $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]" --config-settings editable_mode=compat
	@touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(PY) -m experiments.compare experiment=default_comparison compare.jobs=2 $(ARGS)

# Tests run in parallel (pytest-xdist, one worker per core; a module's tests stay on one worker so
# that its fixtures are built once). A test that hangs fails after --timeout seconds (pytest-timeout;
# its set-up and teardown included) with its stack, instead of stalling the run: the fast tier's
# longest test takes under a minute, the slow tier's CollegeMsg calibration 8 to 20 (it shares the two
# cores with the other slow tests; tests/conftest.py starts the longest modules first).
XDIST := -n auto --dist loadscope

test: $(STAMP) browser-deps fonts
	$(PY) -m pytest $(XDIST) --timeout=300 $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(PY) -m pytest $(XDIST) --timeout=2400 -m "slow and not load" $(PYTEST_ARGS)

# 30 browser contexts playing the classroom page at once (tests/test_classroom_load.py, ~140 s)
test-load: $(STAMP) browser-deps
	$(PY) -m pytest -m load $(PYTEST_ARGS)

test-full: $(STAMP) browser-deps fonts
	$(PY) -m pytest $(XDIST) --timeout=2400 -m "not load" $(PYTEST_ARGS)

# order-only (|): an installed page keeps serving offline even when pyproject.toml is newer than the
# install (after a git pull); `make setup` updates it when there is internet
demo-ui: | $(STAMP)
	$(PY) -m experiments.demo $(ARGS)

workbench: | $(STAMP)
	@$(MAKE) --no-print-directory fonts || echo "commsim: no Chinese font (offline?): Chinese reports' figures keep English labels" >&2
	$(PY) -m experiments.workbench $(ARGS)

# A real one-node SLURM cluster (munge, slurmctld, slurmd) with its files in /tmp/commsim-slurm-<uid>/;
# then `eval "$$(cluster/slurm-local.sh env)"` and runner=slurm runs there (docs/cluster.md).
slurm-up:
	cluster/slurm-local.sh up

slurm-down:
	cluster/slurm-local.sh down

# The browser test drives Debian's chromium (never a downloaded browser). Without root or sudo
# this only warns: the test is then skipped, or fails where COMMSIM_REQUIRE_BROWSER=1 / CI is set.
browser-deps:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "commsim: no $(CHROMIUM) and no root: the browser test will be skipped (apt-get install chromium)" >&2; exit 0; fi; \
	echo "commsim: installing Debian's chromium for the browser test"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium >/dev/null \
	  || { echo "commsim: apt-get install chromium failed" >&2; exit 1; }

# Chinese reports' figures need a font with Chinese glyphs (4 MB from Debian, never downloaded at run
# time); without one, their labels stay in English and the report says so.
fonts:
	@if fc-list :lang=zh 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else echo "commsim: no Chinese font and no root: report.language=zh figures keep English labels (apt-get install fonts-wqy-microhei)" >&2; exit 0; fi; \
	echo "commsim: installing Debian's fonts-wqy-microhei for Chinese figures"; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq fonts-wqy-microhei fontconfig >/dev/null \
	  || { echo "commsim: apt-get install fonts-wqy-microhei failed" >&2; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
