# Two entry points (see README): `make example` and `make test`.
# Everything is installed from pyproject.toml into .venv; nothing by hand.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

EXAMPLE := examples/china-russia-security-ties-2018-06-04.txt

.PHONY: setup example test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev]'
	touch $(STAMP)

setup: $(STAMP)

## Set up, then audit the bundled example brief.
example: $(STAMP)
	$(BIN)/citecheck extract $(EXAMPLE) --format table

## Set up, then run the whole test suite (what CI runs).
test: $(STAMP)
	scripts/ensure-chromium.sh
	$(BIN)/python -m pytest

## Unit tests only (no local servers).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check citecheck tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
