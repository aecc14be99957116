# Two commands do everything on a fresh clone; each bootstraps .venv on first use.
#   make run    run the baseline scenario and show its KPIs
#   make test   run the whole test suite (two processes; the browser tests need /usr/bin/chromium)
#   make check  the fast tier only: unit tests on small hand-built states (about a minute)
#   make check-mesa4  the fast tier again on Mesa 4 (MESA4 below), in .venv-mesa4
#   (make install-mesa4 builds .venv-mesa4 alone: CI builds it while make test runs)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CDN := $(VENV)/share/solara/cdn
CDN_PACKAGES := @widgetti/solara-vuetify3-app@5.2.0 requirejs@2.3.6 font-awesome@4.5.0
MESA4 := 4.0.0a0
VENV4 := .venv-mesa4
BIN4 := $(VENV4)/bin
STAMP4 := $(VENV4)/.installed

.PHONY: run test check check-mesa4 install install-mesa4 compiled clean notebooks-html

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
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder

check: compiled
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow"

# The project (with Dask: the fast tier checks its errors; not the notebooks') with every
# library at the version .venv holds, then Mesa $(MESA4) over the pin
# to 3.5 (--no-warn-conflicts: pip would report the pin it was told to override). The same
# numba, numpy and Python name the same compile cache, so the two venvs share it: whichever
# warms it first compiles, the other loads it in seconds.
$(STAMP4): $(STAMP)
	rm -rf $(VENV4)
	$(PYTHON) -m venv $(VENV4)
	$(BIN4)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip freeze --exclude-editable | grep -iv '^mesa==' > $(VENV4)/constraints.txt
	$(BIN4)/python -m pip install --quiet -c $(VENV4)/constraints.txt -e '.[dev,cluster]'
	$(BIN4)/python -m pip install --quiet --no-warn-conflicts -c $(VENV4)/constraints.txt 'mesa[network]==$(MESA4)'
	@$(BIN4)/python -c 'import mesa, sys; sys.exit(0 if mesa.__version__ == "$(MESA4)" else "mesa " + mesa.__version__ + " installed; $(MESA4) is required")'
	touch $(STAMP4)

install-mesa4: $(STAMP4)

check-mesa4: $(STAMP4)
	$(BIN4)/python -c "from sim.runner import warm_up; warm_up()"
	$(BIN4)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder -m "not slow"

# Execute every notebook and write its page to docs/notebooks/ (a few minutes), with one
# shared plotly.min.js: the results, charts included, browsable without Jupyter.
notebooks-html: compiled
	$(BIN)/python -m sim.report.notebook docs/notebooks

clean:
	rm -rf $(VENV) $(VENV4)
