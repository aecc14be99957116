# Two commands do everything on a fresh clone; each bootstraps .venv on first use.
#   make run    run the baseline scenario and show its KPIs
#   make test   run the test suite (two processes; the browser test needs /usr/bin/chromium)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python >= 3.12 is required (found " + sys.version.split()[0] + "); with pyenv, .python-version selects 3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster,notebooks]'
	@$(BIN)/python -c 'import mesa, sys; v = tuple(int(x) for x in mesa.__version__.split(".")[:2]); sys.exit(0 if v >= (3, 5) else "mesa " + mesa.__version__ + " installed; 3.5 is required")'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/community-sim run scenarios/baseline.toml

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV)
