# Watchkeeper developer tasks. `make` alone lists them (the `## ` text of each target).
# Everything runs from the project's own .venv/; uv never downloads a Python.

.DEFAULT_GOAL := help
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_VERSION := 0.13.8
CHECKED := $(wildcard src tests benchmarks scripts)

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON := $(CURDIR)/$(BIN)/python

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(UV):
	python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)

# Debian packages the node needs: GMT and GSHHG (full resolution) derive the land mask.
DEB_PACKAGES := gmt gmt-gshhg-full
# ... and those the tests need: a PostgreSQL server, started in a temporary directory, and
# Chromium, which the browser tests drive with Playwright (never a browser download).
DEB_TEST_PACKAGES := postgresql chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
GEO_DIR := $(VENV)/share/watchkeeper/geo
LAND := $(GEO_DIR)/land.parquet
# Derived from the land polygons: default 12/24 nm zones and the distance-to-shore grid.
DERIVED := $(GEO_DIR)/default-zones.geojson $(GEO_DIR)/shore.npz
# The picture's assets: MapLibre GL and PMTiles from the npm registry (versions pinned by
# package-lock.json, copied out of node_modules), and the vector basemap built from the above.
WEB_DIR := $(VENV)/share/watchkeeper/web
VENDOR := $(WEB_DIR)/vendor/.installed
BASEMAP := $(WEB_DIR)/basemap.pmtiles

# Bytecode is compiled once here: with PYTHONDONTWRITEBYTECODE set (as on the CI machines)
# every `watchkeeper` process would otherwise compile numba, scipy and the rest from source
# again (~4 s of CPU each; the tests start dozens).
.PHONY: install
install: $(UV) debs ## install Debian packages, the locked dependencies and derived geography into .venv/
	@$(UV) sync --frozen --quiet --group bench --compile-bytecode
	@$(BIN)/python -m compileall -q src
	@$(MAKE) --no-print-directory $(LAND) $(DERIVED) $(VENDOR) $(BASEMAP)

# $(call apt,PACKAGES): install the Debian packages that are missing.
define apt
	@dpkg -s $(1) >/dev/null 2>&1 || { \
		echo "installing Debian packages: $(1)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $(1) >/dev/null; }
endef

.PHONY: debs
debs: ## install the Debian packages the node needs (skipped when present)
	$(call apt,$(DEB_PACKAGES))
	@command -v npm >/dev/null 2>&1 || { \
		echo "installing Debian packages: nodejs npm (the picture's assets come from npm)"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; }

.PHONY: test-debs
test-debs: ## install the Debian packages the tests need (skipped when present)
	$(call apt,$(DEB_TEST_PACKAGES))

# GSHHG land polygons, built once when missing (~5 s, ~9 MB; see src/watchkeeper/geo/coastline.py),
# then what derives from them (~45 s, ~33 MB: geo/maritime.py and geo/shore.py).
# Rebuild with `rm $(LAND)` and `make install`, or `watchkeeper geo build`.
$(LAND):
	WATCHKEEPER_GEO_DIR=$(CURDIR)/$(GEO_DIR) $(BIN)/watchkeeper geo build

# Installs whose land file predates them (or is newer) get them on their own.
$(DERIVED) &: $(LAND)
	WATCHKEEPER_GEO_DIR=$(CURDIR)/$(GEO_DIR) $(BIN)/watchkeeper geo derive

# npm ci in a scratch folder under the venv, then only the files the browser loads (and
# their licences) are kept: nothing is fetched from a CDN at run time.
$(VENDOR): package.json package-lock.json
	rm -rf $(WEB_DIR)/npm $(WEB_DIR)/vendor
	mkdir -p $(WEB_DIR)/npm $(WEB_DIR)/vendor
	cp package.json package-lock.json $(WEB_DIR)/npm/
	cd $(WEB_DIR)/npm && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	cd $(WEB_DIR)/npm/node_modules && cp maplibre-gl/dist/maplibre-gl.mjs \
		maplibre-gl/dist/maplibre-gl-worker.mjs maplibre-gl/dist/maplibre-gl.css \
		pmtiles/dist/pmtiles.js $(CURDIR)/$(WEB_DIR)/vendor/
	cp $(WEB_DIR)/npm/node_modules/maplibre-gl/LICENSE.txt $(WEB_DIR)/vendor/maplibre-gl.LICENSE.txt
	rm -rf $(WEB_DIR)/npm
	touch $@

# Land and default zones as vector tiles (~25 s, ~8 MB: src/watchkeeper/geo/basemap.py).
$(BASEMAP): $(LAND) $(GEO_DIR)/default-zones.geojson
	WATCHKEEPER_GEO_DIR=$(CURDIR)/$(GEO_DIR) WATCHKEEPER_WEB_DIR=$(CURDIR)/$(WEB_DIR) \
		$(BIN)/watchkeeper geo basemap

.PHONY: run
run: install ## start a demo node on http://127.0.0.1:8000 with the central-med scenario playing live
	$(BIN)/watchkeeper serve --demo central-med

.PHONY: screenshot
screenshot: install test-debs ## docs/picture.png: the picture on the central-med demo, in headless chromium
	$(BIN)/python scripts/screenshot_picture.py

.PHONY: lint
lint: install ## check style: ruff check + ruff format --check
	$(BIN)/ruff check $(CHECKED)
	$(BIN)/ruff format --check $(CHECKED)

.PHONY: fmt
fmt: install ## fix what ruff can and reformat the code
	$(BIN)/ruff check --fix $(CHECKED)
	$(BIN)/ruff format $(CHECKED)

.PHONY: typecheck
typecheck: install ## type-check src/ with mypy (strict: see pyproject.toml)
	$(BIN)/mypy src

.PHONY: test
test: install test-debs lint typecheck ## lint, type-check, then run every test (what CI runs)
	$(BIN)/pytest

.PHONY: clean
clean: ## remove caches and build output (keeps .venv/ and watchkeeper-data/)
	rm -rf .mypy_cache .ruff_cache .pytest_cache .hypothesis benchmarks/out build dist
	find src tests $(wildcard benchmarks) -name __pycache__ -type d -prune -exec rm -rf {} +
