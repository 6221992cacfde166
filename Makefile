# Order Hub: `make demo` runs the business scenarios end to end, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test unit bench run contracts lint clean preflight

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# the demo needs the product plus its simulators' extras; the tests need everything (dev)
$(DEMO_STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip
	@$(BIN)/python -m pip install --quiet -e '.[demo]'
	@touch $(DEMO_STAMP)

preflight: $(STAMP)
	@$(BIN)/python -m hub.preflight

demo: $(DEMO_STAMP)
	@$(BIN)/python -m hub.preflight
	@$(BIN)/python -m demo

test: preflight
	@$(BIN)/python -m pytest -q -p no:cacheprovider

unit: $(STAMP)
	@$(BIN)/python -m pytest -q tests/unit

bench: preflight
	@$(BIN)/python -m bench.order_submit
	@$(BIN)/python bench/asset_domain.py
	@$(BIN)/python -m bench.opportunity_transfer
	@$(BIN)/python -m bench.backoffice

run: preflight
	@$(BIN)/hub run

contracts: $(STAMP)
	@$(BIN)/hub asyncapi
	@$(BIN)/hub schemas

lint: $(STAMP)
	@$(BIN)/ruff check hub connectors simulators tests bench demo

clean:
	rm -rf $(VENV) hub.db hub.db-* demo.db demo.db-*
