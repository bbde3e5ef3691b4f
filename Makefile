# Townhall: the commands a contributor or operator types. The work is done by
# the scripts in deploy/local/, which can also be run on their own.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.ONESHELL:
MAKEFLAGS += --no-print-directory

LOCAL := deploy/local
VENV := .venv
SCALE ?=
S ?=
export SCALE

.PHONY: help up down restart status logs test test-unit lint test-clocks bench migrate seed infra install deploy-check

help: ## show this list
	@echo "Townhall, on this machine:"
	awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-13s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	echo
	echo 'Scale a service: make up SCALE="bins=3 notify=2"   One service'"'"'s log: make logs S=bins'

up: ## start everything (infra, install, migrate, seed, services); safe to re-run
	@$(LOCAL)/up.sh

down: ## stop the services and gateway (infra keeps running)
	@$(LOCAL)/down.sh

restart: ## restart every service process (after a code change)
	@test -S var/supervisor.sock || { echo "Townhall is not running (make up starts it)"; exit 1; }
	$(VENV)/bin/supervisorctl -c var/supervisord.conf restart all

status: ## state of each process and of /healthz
	@$(LOCAL)/status.sh

logs: ## follow the service logs (S=bins for one service)
	@$(LOCAL)/logs.sh $(S)

test: ## lint, type-check and run the whole test suite (starts infra if needed, installs the venv)
	@$(LOCAL)/ensure-infra.sh
	$(LOCAL)/install.sh --no-node
	$(MAKE) lint
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test-unit: ## the fast loop: lint, type-check and the unit tests (no database, broker or network)
	@$(LOCAL)/install.sh --no-node
	$(MAKE) lint
	$(VENV)/bin/pytest tests/unit -q $(PYTEST_ARGS)

lint: ## ruff over the tree, mypy over the contracts and use cases (settings in pyproject.toml)
	@$(VENV)/bin/ruff check --quiet .
	$(VENV)/bin/mypy

test-clocks: ## the suite at four moments of the week (weekday morning and evening, Sunday, bank holiday)
	@$(LOCAL)/ensure-infra.sh
	$(LOCAL)/install.sh --no-node
	command -v faketime >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q faketime >/dev/null
	$(VENV)/bin/python -m tests.clock_lane $(PYTEST_ARGS)

bench: ## run the benchmarks (bench/run.py; BENCH_ARGS=--quick)
	@test -f bench/run.py || { echo "bench/run.py does not exist yet" >&2; exit 1; }
	$(LOCAL)/ensure-infra.sh
	$(LOCAL)/install.sh --no-node
	$(VENV)/bin/python -m bench.run $(BENCH_ARGS)

migrate: ## create databases, apply migrations, declare broker topology
	@$(LOCAL)/migrate.sh

seed: ## load the demo data (idempotent)
	@$(LOCAL)/seed.sh

infra: ## only make sure PostgreSQL, RabbitMQ and Redis are running
	@$(LOCAL)/ensure-infra.sh

install: ## only install the venv and the gateway assets
	@$(LOCAL)/install.sh

deploy-check: ## validate deploy/ (YAML, kustomize overlays, shell scripts)
	@$(LOCAL)/check-deploy.sh
