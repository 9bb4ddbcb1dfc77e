# One-command set-up: every target installs what it needs into .venv first.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test lint browser bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,dask,frames]'
	touch $(STAMP)

setup: $(STAMP)

## demo: ingest the bundled sample corpus and write the HTML report
demo: setup
	$(VENV)/bin/figtrace demo

browser:
	sh scripts/install-browser.sh

lint: setup
	$(VENV)/bin/ruff check figtrace tests bench scripts

## test: lint, then the whole suite (unit, golden, property, CLI, browser)
test: setup browser lint
	$(PY) -m pytest -q -n 2 --durations=10 $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build dist *.egg-info
