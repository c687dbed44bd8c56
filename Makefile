# Two commands on a fresh machine with Python 3.11 and make: `make run` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint typecheck bench reliability clean

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when a requirements file changed (the stamp remembers the last install).
$(VENV)/.stamp-run: requirements.txt | $(VENV)/bin/activate
	$(PIP) install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.stamp-dev: requirements.txt requirements-dev.txt $(VENV)/.stamp-run
	$(PIP) install --disable-pip-version-check -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.stamp-run
	$(PY) app.py

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .

typecheck: $(VENV)/.stamp-dev
	$(VENV)/bin/mypy verzek/domain verzek/engine

test: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy verzek/domain verzek/engine
	$(PY) -m pytest -q -n 2

bench: $(VENV)/.stamp-dev
	$(PY) bench/run_all.py

reliability: $(VENV)/.stamp-dev
	VERZEK_RELIABILITY_KILLS=200 $(PY) -m pytest -q -s --timeout=5400 tests/reliability

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
