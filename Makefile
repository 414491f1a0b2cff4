# Targets shared by people and CI. Everything runs inside .venv, built from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export PREFECT_SERVER_ANALYTICS_ENABLED := false
# One pytest worker per core (pytest-xdist); a module's tests stay on one worker, so a module-scoped
# fixture is built once. Each worker has its own PREFECT_HOME (tests/conftest.py).
PYTEST_PARALLEL ?= -n auto --dist loadfile

.PHONY: setup syslibs demo test test-fast lint format typecheck check lock registry roster golden serve clean bench

# WeasyPrint needs Pango (required) and HarfBuzz's subsetter (optional, for speed): installed by
# scripts/syslibs.sh when we run as root or with passwordless sudo, else named with the line that
# installs them. Checked before anything else, so a missing Pango stops setup at once.
syslibs:
	@PYTHON=$(PYTHON) scripts/syslibs.sh

# Packages are compiled to bytecode once, here: where PYTHONDONTWRITEBYTECODE is set (CI,
# containers), every process would otherwise compile Prefect, Polars' Python and the rest again
# (importing the flow: 4.2 s → 1.8 s).
$(BIN)/ntm: requirements.lock pyproject.toml | syslibs
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

setup: syslibs $(BIN)/ntm  ## check the system libraries, create .venv (locked) and the ntm command

demo: setup  ## the main job on the embedded default: demo submissions in, summary out
	$(BIN)/ntm demo

test: setup  ## the whole test suite, lint and type check included (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_PARALLEL)

test-fast: setup  ## everything but the tests marked slow (servers, crashes, full renders)
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not slow" -q

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: setup
	$(BIN)/mypy

lock:  ## re-resolve requirements.lock after changing pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --group dev --group build --generate-hashes \
		--python-version 3.11 -o requirements.lock

registry: setup  ## rebuild the admin-unit registry and crosswalk from vietnam-provinces and vietnamadminunits (own venvs)
	for v in 0.5.0 0.6.0 2025.10.1; do \
		$(PYTHON) -m venv /tmp/vp-$$v && /tmp/vp-$$v/bin/pip install --quiet vietnam-provinces==$$v; \
	done
	$(PYTHON) -m venv /tmp/vau-1.0.4 && /tmp/vau-1.0.4/bin/pip install --quiet vietnamadminunits==1.0.4
	$(BIN)/python scripts/build_registry.py

roster: setup  ## regenerate the demo commune roster from the registry
	$(BIN)/python scripts/build_roster.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

serve: setup  ## a Prefect server, the process work pool and a worker on 127.0.0.1:4200
	scripts/serve.sh

golden: setup  ## rewrite tests/golden/ from the current report (review the diff before committing)
	NTM_UPDATE_GOLDEN=1 $(BIN)/pytest tests/test_report.py tests/test_review.py tests/test_report_programmes.py -k golden -q

SCALE ?= province
RUNS ?= 5
bench: setup  ## benchmarks (issue 6): SCALE=tiny|province|national RUNS=N, written to BENCHMARKS.md
	$(BIN)/python -m bench --scale $(SCALE) --runs $(RUNS) --out BENCHMARKS.md
