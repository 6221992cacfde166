# Order Hub: `make demo` runs the business scenarios end to end, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test unit bench run contracts lint clean preflight chaos fuzz

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

# fault injection on private RabbitMQ nodes it starts itself (never the broker at AMQP_URL)
CHAOS_ORDERS ?= 1000
chaos: $(STAMP)
	@$(BIN)/python -m chaos --orders $(CHAOS_ORDERS)

# every parser fed generated input; FUZZ_SECONDS bounds the whole run
FUZZ_SECONDS ?= 60
fuzz: $(STAMP)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) $(BIN)/python -m pytest -q -p no:cacheprovider tests/fuzz

run: preflight
	@$(BIN)/hub run

contracts: $(STAMP)
	@$(BIN)/hub asyncapi
	@$(BIN)/hub schemas

lint: $(STAMP)
	@$(BIN)/ruff check hub connectors simulators tests bench demo chaos

clean:
	rm -rf $(VENV) hub.db hub.db-* demo.db demo.db-*
