# Order Hub: `make demo` runs the business scenarios end to end, `make test` runs the tests.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.installed-demo

.PHONY: demo test unit bench run contracts lint clean preflight chromium

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

test: preflight chromium
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
