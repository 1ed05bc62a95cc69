# spamlabels: the two set-up commands are `make demo` and `make test`.
# Both create .venv (if missing) and install everything from this repository's own files.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: install demo test lint unit clean

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev,gnn]"
	@# TrackEval's metadata asks for opencv-python (GUI build, clashes with the headless one we
	@# use); its real runtime needs (numpy, scipy, pycocotools, tabulate) are our own deps.
	$(PY) -m pip install -q --no-deps trackeval==1.3.0
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/spam demo

lint: install
	$(VENV)/bin/ruff check spamlabels tests benchmarks
	$(VENV)/bin/ruff format --check spamlabels tests benchmarks
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) -c "import spamlabels, spamlabels.core, spamlabels.io, spamlabels.eval; print('import ok')"

test: lint
	$(PY) -m pytest $(PYTEST_ARGS)

unit: install
	$(PY) -m pytest -m "not integration and not slow" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache build *.egg-info
