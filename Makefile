# The Leeds Practice Model platform. Needs Python 3.11, make and npm; everything else is
# installed into .venv from the lock file (uv.lock), and the staff pages' assets into
# services/staff/node_modules from package-lock.json, on first use.

PYTHON ?= python3.11
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install kafka run test test-fast lint typecheck bench demo schemas migrate clean check-deploy

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(VENV)/.installed: $(UV) uv.lock pyproject.toml libs/*/pyproject.toml services/*/pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

STAFF_ASSETS := services/staff/node_modules/.installed

# The staff pages' GOV.UK Frontend assets (and axe-core for the browser tests), from package-lock.json.
$(STAFF_ASSETS): services/staff/package.json services/staff/package-lock.json
	npm ci --prefix services/staff --no-audit --no-fund
	@touch $@

install: $(VENV)/.installed $(STAFF_ASSETS) ## install the workspace and its pinned dependencies (and Apache Kafka when java and mvn exist)
	@if command -v java >/dev/null && command -v mvn >/dev/null; then $(MAKE) --no-print-directory kafka; fi

KAFKA_LIB := $(TOOLS)/kafka/lib

# The Apache Kafka jars pinned in deploy/kafka/pom.xml, copied for runtime.broker.KRaftBroker.
# Copied again only when the pom's content changes (its hash is the stamp, not its mtime: a
# fresh checkout must not redo it), into a new folder swapped in whole, so a broker starting
# meanwhile from the same .tools never finds the folder half-filled.
kafka: ## Apache Kafka (KRaft) jars into .tools/kafka/lib (needs java 17+ and mvn)
	@want=$$(sha256sum deploy/kafka/pom.xml | cut -d' ' -f1); \
	if [ "$$(cat $(KAFKA_LIB)/.copied 2>/dev/null)" = "$$want" ]; then exit 0; fi; \
	new=$(KAFKA_LIB).new.$$$$; rm -rf $$new; \
	mvn -q -B -f deploy/kafka/pom.xml dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=$(CURDIR)/$$new \
	&& echo "$$want" > $$new/.copied \
	&& old=$(KAFKA_LIB).old.$$$$ && { mv $(KAFKA_LIB) $$old 2>/dev/null || true; } \
	&& mv $$new $(KAFKA_LIB) && rm -rf $$old

run: install ## start broker, dev issuer and the five services on 127.0.0.1 (Ctrl-C stops them)
	$(VENV)/bin/lpm run

# Four workers on two cores: the integration tests mostly wait on the broker's group joins, and
# each test has its own broker, databases and ports, so they run side by side safely.
TEST_WORKERS ?= 4

# PostgreSQL: the server at LPM_TEST_POSTGRES_URL, else 127.0.0.1:5432, else a throwaway cluster
# started from the installed server binaries for this run and removed after it.
# The browser tests run after the rest, in a pytest run of their own (see conftest.py).
PYTEST := $(PY) -m pytest -q -p no:cacheprovider --dist loadfile
test: install ## the whole test suite (real broker, SQLite and PostgreSQL, Chromium)
	$(PY) -m runtime.pgserver run -- sh -c '\
		$(PYTEST) -n $(TEST_WORKERS) -m "not browser" && \
		$(PYTEST) -n 2 -m browser'

test-fast: install ## unit tests only
	$(PY) -m pytest -q -m "not integration and not browser" -p no:cacheprovider

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install ## mypy --strict on the domain layers and shared libs, mypy on every service
	$(VENV)/bin/mypy --strict services/*/src/*/domain libs/contracts/src libs/runtime/src libs/client/src
	$(VENV)/bin/mypy services/*/src

schemas: install ## regenerate committed JSON Schemas and the AsyncAPI document
	$(PY) -m contracts.schemagen

migrate: install
	$(VENV)/bin/lpm migrate

# The HTTP figures need wrk (Debian/Ubuntu: apt-get install wrk; macOS: brew install wrk);
# without it the bench says so and prints the rest.
bench: install ## intake beside its bare baseline (wrk), lag on both brokers (not part of make test)
	@command -v wrk >/dev/null || echo "make bench: wrk not found (apt-get install wrk); the intake figures will be skipped"
	$(PY) -m benchmarks.slice

demo: install ## drive the whole journey through the public APIs, then print the scorecard
	$(PY) -m benchmarks.demo

check-deploy: install ## validate docker-compose.yml and deploy/k8s offline
	$(PY) -m pytest -q tests/deploy -p no:cacheprovider

clean:
	rm -rf $${LPM_DATA_DIR:-var} .pytest_cache
