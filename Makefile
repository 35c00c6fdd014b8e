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
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,dev,demo]'
	touch $(STAMP)

setup: $(STAMP)

## Set up, then audit the bundled example brief (HTML report in reports/).
## Its sources are real sites: offline, the audit still ends cleanly, with
## every source `inconclusive` and a note that the machine looks offline,
## pointing to `citecheck demo` (every verdict, on a simulated local web).
## Exit 1 (findings: the example has a malformed citation) is the tool
## working, so it is reported, not failed on; 2 and 3 fail the target.
EXAMPLE_FLAGS ?= --timeout 8 --report-dir reports --db citecheck.db
example: $(STAMP)
	@$(BIN)/citecheck audit $(EXAMPLE) $(EXAMPLE_FLAGS); code=$$?; \
	if [ $$code -eq 1 ]; then \
	  echo "make example: citecheck found problems in the example brief (exit 1): see the HTML report in reports/"; \
	  echo "make example: offline, or to see every verdict: $(BIN)/citecheck demo --open"; \
	elif [ $$code -ne 0 ]; then exit $$code; fi

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
