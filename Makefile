# Two commands do everything on a fresh machine:
#   make demo   set up, then compare the embedded model with a tempered (sharpened) copy of it on the embedded
#               sample (scoring, generating, the samples scored) and write the report
#   make test   set up, then lint (ruff), build the documentation site strictly (mkdocs build --strict: the
#               reference pages are generated from the code, a link to a statistic, option or metadata key that
#               does not exist fails it) and run every test (the slow ones included: real model, wheel install),
#               as CI does
#   make test-fast   the tests without the slow ones
# Both run pytest in two worker processes (pyproject's addopts: -n 2 --dist loadfile).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-fast docs

setup: $(VENV)/.installed

# torch first and pinned: a CPU wheel is on the machine's wheel path, and anything that pulls an
# unpinned torch would download several GB of CUDA packages instead.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	touch $@

demo: setup
	$(BIN)/summ-pref demo --out summ_pref_demo

test: setup
	$(BIN)/ruff check . && $(MAKE) docs && $(BIN)/python -m pytest -m "slow or not slow"

# The site goes to a temporary folder: the build checks the pages, it leaves nothing in the checkout.
docs: setup
	site=$$(mktemp -d) && NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir $$site; \
	status=$$?; rm -rf $$site; exit $$status

test-fast: setup
	$(BIN)/python -m pytest
