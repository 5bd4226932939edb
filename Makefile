# perfsight — `make help` lists the targets.
.DEFAULT_GOAL := help
.PHONY: help run test lint unit deps bench clean dashboards rules demo demo-stop

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Debian packages the tests start as real servers
DEBIAN_PACKAGES := prometheus prometheus-node-exporter prometheus-alertmanager victoria-metrics \
  postgresql mariadb-server redis-server memcached chromium \
  prometheus-postgres-exporter prometheus-redis-exporter prometheus-mysqld-exporter \
  prometheus-blackbox-exporter

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.runtime ## start the exporter with the embedded default config (ARGS=... for flags)
	$(BIN)/perfsight serve $(ARGS)

deps: ## install the Debian packages the tests need (apt-get as root, else print the command)
	@tests/harness/debian-packages.sh $(DEBIAN_PACKAGES)

lint: $(VENV)/.dev ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/mypy

unit: $(VENV)/.dev ## the unit tests only (no servers)
	$(BIN)/pytest -q -m "not integration"

test: $(VENV)/.dev deps lint ## lint, then every test, starting real servers
	$(BIN)/pytest -q --durations=12

dashboards: $(VENV)/.dev ## regenerate every dashboard, rule file, Alertmanager config and runbook index from perfsight.yaml
	$(BIN)/python -m bundle

rules: dashboards ## same as dashboards: one spec, every artifact

DEMO_DIR ?= /tmp/perfsight-demo
demo: $(VENV)/.dev deps ## start Prometheus (generated rules), Alertmanager, perfsight, PostgreSQL, Redis, an HTTP origin on 127.0.0.1; print the URLs
	$(BIN)/python -m demo start --state-dir $(DEMO_DIR)

demo-stop: ## stop everything `make demo` started (pid files in DEMO_DIR)
	$(BIN)/python -m demo stop --state-dir $(DEMO_DIR)

bench: $(VENV)/.dev deps ## benchmarks against the Go peers; prints ratios
	$(BIN)/python bench/system_exporter.py
	$(BIN)/python bench/db_cache_exporters.py
	$(BIN)/python bench/probes.py

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
