# Knuff: `make run` starts everything locally, `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The exact versions CI passed with, pip and the build backend included. `make install`
# installs them and nothing newer; `make upgrade` refreshes the file from the newest
# releases, after which `make test` says whether the new set passes.
LOCK := constraints.txt
TEST_POSTGRES_URL ?=

.PHONY: run test bench lint install upgrade browsers clean

$(STAMP): pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet -c $(LOCK) pip setuptools
	$(BIN)/pip install --quiet --no-build-isolation -c $(LOCK) -e ".[dev]"
	$(BIN)/pip check
	touch $(STAMP)

install: $(STAMP)

# Newest releases that pyproject.toml allows, in a scratch venv; writes $(LOCK) anew.
upgrade:
	rm -rf .venv-upgrade
	$(PY) -m venv .venv-upgrade
	.venv-upgrade/bin/pip install --quiet --upgrade pip setuptools
	.venv-upgrade/bin/pip install --quiet --no-build-isolation -e ".[dev]"
	( echo "# make upgrade wrote this from the newest releases; make install installs exactly these."; \
	  .venv-upgrade/bin/pip freeze --all --exclude-editable | LC_ALL=C sort -f ) > $(LOCK)
	rm -rf .venv-upgrade
	@echo "$(LOCK) refreshed: run make test, then commit it with what changed"

run: $(STAMP)
	$(BIN)/flask --app bot db upgrade
	$(BIN)/flask --app bot seed-demo
	$(BIN)/python -m bot.dev

test: $(STAMP) browsers
	command -v msgfmt >/dev/null || (apt-get update -qq && apt-get install -y -qq gettext)
	$(BIN)/ruff check .
	TEST_POSTGRES_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest -q

bench: $(STAMP)
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
	$(BIN)/python -m bench

# Debian's chromium for the browser tests (tests/browser); never `playwright install`,
# which downloads its own browser build.
browsers:
	command -v chromium >/dev/null || (apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

lint: $(STAMP)
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .venv-upgrade instance .pytest_cache
