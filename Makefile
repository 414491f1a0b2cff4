# Targets shared by people and CI. Everything runs inside .venv, built from requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
export PREFECT_SERVER_ANALYTICS_ENABLED := false

.PHONY: setup syslibs demo test test-fast lint format typecheck check lock registry roster golden serve clean bench

# WeasyPrint needs Pango; HarfBuzz's subsetter makes the PDF fonts small and fast. Checked
# before anything is installed, so a missing one stops setup with the line that fixes it.
SYSTEM_LIBS := libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz-subset.so.0
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0

syslibs:
	@missing=""; for lib in $(SYSTEM_LIBS); do \
		ldconfig -p 2>/dev/null | grep -q "$$lib" || missing="$$missing $$lib"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "missing system libraries:$$missing" >&2; \
		echo "install them with: apt-get install -y $(APT_PACKAGES)" >&2; \
		exit 1; \
	fi

$(BIN)/ntm: requirements.lock pyproject.toml | syslibs
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps --no-build-isolation -e .
	@touch $@

setup: syslibs $(BIN)/ntm  ## check the system libraries, create .venv (locked) and the ntm command

demo: setup  ## the main job on the embedded default: demo submissions in, summary out
	$(BIN)/ntm demo

test: setup  ## the whole test suite, lint and type check included (what CI runs)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest

test-fast: setup  ## everything but the tests marked slow (servers, crashes, full renders)
	$(BIN)/pytest -m "not slow" -q

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
