# Two commands do everything on a fresh clone; each bootstraps .venv on first use.
#   make run    run the baseline scenario and show its KPIs
#   make test   run the whole test suite (two processes; the browser tests need /usr/bin/chromium)
#   make check  the fast tier only: unit tests on small hand-built states (about a minute)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CDN := $(VENV)/share/solara/cdn
CDN_PACKAGES := @widgetti/solara-vuetify3-app@5.2.0 requirejs@2.3.6 font-awesome@4.5.0

.PHONY: run test check install compiled clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else "Python >= 3.12 is required (found " + sys.version.split()[0] + "); with pyenv, .python-version selects 3.12")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,cluster,notebooks]'
	@$(BIN)/python -c 'import mesa, sys; v = tuple(int(x) for x in mesa.__version__.split(".")[:2]); sys.exit(0 if v >= (3, 5) else "mesa " + mesa.__version__ + " installed; 3.5 is required")'
	@# The live app's browser assets (solara 1.64.1's page), from the npm registry, so the
	@# app works with no CDN: solara serves them from $(CDN).
	@tmp=$$(mktemp -d); for spec in $(CDN_PACKAGES); do \
	  file=$$(cd $$tmp && npm pack --silent $$spec) && mkdir -p "$(CDN)/$$spec" && \
	  tar xzf "$$tmp/$$file" -C "$(CDN)/$$spec" --strip-components=1 || exit 1; done; rm -rf $$tmp
	touch $(STAMP)

install: $(STAMP)

# The compiled rules, built once (about a minute) into the compile cache before the test
# workers start, so that they load it instead of all compiling at the same time.
compiled: $(STAMP)
	$(BIN)/python -c "from sim.runner import warm_up; warm_up()"

run: compiled
	$(BIN)/community-sim run scenarios/baseline.toml

test: compiled
	$(BIN)/python -m pytest -n 2 --dist loadfile

check: compiled
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not slow"

clean:
	rm -rf $(VENV)
