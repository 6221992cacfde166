# Order Hub: `make demo` runs the business scenarios end to end, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test unit bench soak run contracts lint clean preflight chromium chaos fuzz

# bytecode caches kept even where the shell turns them off: every test worker imports the hub
# and pytest rewrites every test module, a few seconds per process without them
unexport PYTHONDONTWRITEBYTECODE

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

# the console's browser tests drive Debian's Chromium (Playwright cannot download browsers here)
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Chromium for the console's browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "the console tests need Chromium: run 'sudo apt-get install -y chromium' (Debian/Ubuntu) and try again" >&2; exit 1; \
	  fi; }

# unit tests first, then integration tests in parallel workers (each gets its own vhost,
# database and partner ids); broker faults run on private nodes the tests start themselves.
# Integration tests wait on the broker a good part of the time: one worker more than the
# two cores keeps them busy (measured 4.6 vs 5.4 minutes)
TEST_WORKERS ?= 2
INTEGRATION_WORKERS ?= 3
test: preflight chromium
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal tests/unit
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(INTEGRATION_WORKERS) tests/integration

unit: $(STAMP)
	@$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist worksteal tests/unit

bench: preflight
	@$(BIN)/python -m bench.order_submit --runs 3 --svg bench/order_submit.svg
	@$(BIN)/python bench/asset_domain.py
	@$(BIN)/python -m bench.opportunity_transfer
	@$(BIN)/python -m bench.backoffice

soak: preflight   # RSS of one worker over 100,000 orders (takes a while)
	@$(BIN)/python -m bench.soak

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
