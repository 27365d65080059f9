# drweb.cluster — the commands the README names. Every target installs what it needs (via `setup`).
SHELL := /bin/bash
NODES ?= 3
VENV := .venv
PYTHON := $(VENV)/bin/python
INVENTORY := tests/lab/state/inventory.yml
DOCSITE := .build/docsite
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Python bytecode kept (beside the sources; .gitignore keeps __pycache__ out of git): ansible-playbook's main process
# loads the collection's filter files, and so does each worker of a playbook without the preflight (docs/performance.md)
unexport PYTHONDONTWRITEBYTECODE

.PHONY: help setup lab lab-down packages demo report test lint sanity galaxy units unit integration molecule collection docs clean

help:
	@echo "make demo        set up this machine, build the $(NODES)-node lab and converge playbooks/site.yml (with a cluster report)"
	@echo "make test        run every test (lint, sanity, units, double, lab integration, Molecule); last line 'N passed, N failed'"
	@echo "make setup       Debian packages + $(VENV) (idempotent)"
	@echo "make lab [NODES=3] / make lab-down   bring the lab of network-namespace hosts up / down"
	@echo "make packages    build the drwcsd test double's installation packages"
	@echo "make docs        the plugin and role reference (antsibull-docs, Sphinx) in $(DOCSITE)/build/html"

setup:
	@bash tests/setup/setup.sh

lab: setup
	@$(PYTHON) tests/lab/lab.py up --nodes $(NODES)

lab-down:
	@if [ -x $(PYTHON) ]; then $(PYTHON) tests/run_tests.py labs-down; else python3 tests/run_tests.py labs-down; fi

packages: setup
	@$(PYTHON) tests/drwcsd_double/build.py

collection: setup
	@bash tests/setup/collection_path.sh

# The reference is generated from the plugins' DOCUMENTATION and the roles' argument specs and never committed: only
# docs/docsite/ (extra-docs.yml, links.yml, rst/) is. Without a network the intersphinx inventories (Python, Ansible,
# Jinja) cannot be fetched, so references to docs.ansible.com pages (common return values, action plugins, other
# collections' modules) do not resolve: those warnings are left out, the rest of Sphinx's are shown.
DOCS_OFFLINE := ^WARNING: failed to reach any of the inventories|^intersphinx inventory '|undefined label: '(common_return_values|action_plugins|ansible_configuration_settings|ansible_collections\.(ansible|community)\.[a-z_.]+)'
docs: setup collection
	@rm -rf $(DOCSITE) && mkdir -m 0700 -p $(DOCSITE)
	@antsibull-docs sphinx-init --use-current --fail-on-error --squash-hierarchy --dest-dir $(DOCSITE) \
		--project drweb.cluster --title drweb.cluster drweb.cluster >/dev/null
	@cd $(DOCSITE) && antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --fail-on-error \
		--use-current --squash-hierarchy --dest-dir rst drweb.cluster
	@set -o pipefail; sphinx-build -M html $(DOCSITE)/rst $(DOCSITE)/build -c $(DOCSITE) -q 2>&1 \
		| { grep -vE "$(DOCS_OFFLINE)" || true; }
	@echo "docs: $(DOCSITE)/build/html/index.html"

demo: setup lab packages collection
	@ansible-playbook playbooks/site.yml

lint: setup collection
	@$(PYTHON) tests/run_tests.py lint

sanity: setup
	@$(PYTHON) tests/run_tests.py sanity

galaxy: setup
	@$(PYTHON) tests/run_tests.py galaxy

units: setup
	@$(PYTHON) tests/run_tests.py units

unit: setup
	@$(PYTHON) tests/run_tests.py unit

integration: setup lab packages collection
	@$(PYTHON) tests/run_tests.py integration

molecule: setup lab packages collection
	@$(PYTHON) tests/run_tests.py molecule

test: setup packages collection
	@$(PYTHON) tests/run_tests.py all --nodes $(NODES)

clean: lab-down
	rm -rf .build tests/output tests/drwcsd_double/build
