# CitySteward — one command file. Each target bootstraps its own virtual environment.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
PYTEST_ARGS ?=

.PHONY: demo test test-fast bench lint docs system-deps clean mqtt

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian's chromium and a CJK font for the browser tests (Playwright cannot download a browser here).
system-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "!! chromium / fonts-wqy-microhei missing and cannot be installed: browser tests will fail"; fi; \
	fi

demo: $(STAMP) mqtt
	$(BIN)/citysteward demo --host 127.0.0.1 --port 8000

# Mosquitto on 127.0.0.1:1883 for the sensors (citysteward sensors subscribe), started where it is not running.
mqtt:
	@if ! $(PYTHON) -c "import socket,sys; s=socket.socket(); s.settimeout(2); sys.exit(s.connect_ex(('127.0.0.1', 1883)) != 0)"; then \
	  if command -v mosquitto >/dev/null; then \
	    conf=$$(mktemp -d)/mosquitto.conf; \
	    printf 'listener 1883 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\n' > $$conf; \
	    mosquitto -d -c $$conf && echo "Mosquitto started on 127.0.0.1:1883"; \
	  else echo "!! mosquitto is not installed (apt-get install mosquitto): sensors cannot publish over MQTT"; fi; \
	fi

test: $(STAMP) system-deps mqtt
	@if ! $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
	  echo ""; echo "!!!!!!!! PostgreSQL does not answer at $(PG_URL): running the SQLite half only !!!!!!!!"; \
	  if [ -n "$$CI" ]; then echo "!!!!!!!! CI requires PostgreSQL: failing"; exit 1; fi; echo ""; fi
	$(BIN)/lint-imports --no-cache >/dev/null || $(BIN)/lint-imports --no-cache
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not browser" $(PYTEST_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  apt-get install -y -qq wrk >/dev/null; } || echo "!! wrk missing: bench/http.py falls back to httpx"
	$(BIN)/python bench/point_to_grid.py
	$(BIN)/python bench/intake.py
	$(BIN)/python bench/case_list.py
	$(BIN)/python bench/http.py --db sqlite,postgresql --stored 1000000 --cs-workers 1,2
	$(BIN)/python bench/dashboard.py --db postgresql --stored 1000000

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/lint-imports --no-cache
	$(BIN)/mypy

docs: $(STAMP)
	$(BIN)/python -m citysteward.docsgen

clean:
	rm -rf $(VENV) var .pytest_cache
