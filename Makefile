# The two set-up commands of the README: `make serve` and `make test`. Everything they need is
# installed from the project's own files: Python packages from pyproject.toml into .venv, Pyodide
# and puppeteer-core from package-lock.json into node_modules, Debian's browsers for the browser
# tests (chromium; firefox-esr; webkit2gtk-driver, whose MiniBrowser runs on an xvfb display) and
# clang-19 / lld-19, with which the build checks the committed WebAssembly kernel against its source.
PY := .venv/bin/python
STAMP := .venv/.installed
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: serve build test bench debian clean model

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,train]'
	touch $(STAMP)

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund

DEBIAN_PACKAGES := chromium firefox-esr webkit2gtk-driver xvfb clang-19 lld-19
DEBIAN_COMMANDS := chromium firefox-esr WebKitWebDriver Xvfb clang-19 wasm-ld-19

debian:
	@(for c in $(DEBIAN_COMMANDS); do command -v $$c >/dev/null || exit 1; done) || \
	  { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $(DEBIAN_PACKAGES); }

build: $(STAMP) node_modules/.package-lock.json
	$(PY) build.py

serve: $(STAMP) node_modules/.package-lock.json
	$(PY) build.py serve

test: $(STAMP) node_modules/.package-lock.json debian
	$(PY) -m pytest

# A model from scratch, the whole pipeline (hours on CPU; replaces training/checkpoint.pt and weights/):
# train, refit the output layer, export and measure, write the model card, re-derive the cell claims.
model: $(STAMP)
	$(PY) -m training.train
	$(PY) -m training.refit
	$(PY) -m training.export --evaluate
	$(PY) -m training.card
	$(PY) -m analysis.cells --write

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) bench/engine.py

clean:
	rm -rf site .pytest_cache test-results
