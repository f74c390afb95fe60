# The two set-up commands of the README: `make serve` and `make test`. Everything they need is
# installed from the project's own files into .venv (Python packages from pyproject.toml).
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: serve build test bench clean

$(STAMP): pyproject.toml
	python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,train]'
	touch $(STAMP)

serve: $(STAMP)
	@echo "The site builder (build.py) is not there yet: see the site issue. 'make test' works now." >&2
	@exit 1

test: $(STAMP)
	$(PY) -m pytest

bench: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) bench/engine.py

clean:
	rm -rf site .pytest_cache
