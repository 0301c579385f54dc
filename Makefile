# Two commands, each from a fresh clone with nothing but Python 3.10+ and make:
#   make lab    set up .venv (first time only) and open the course in JupyterLab
#   make test   set up .venv (first time only), run the unit tests and every notebook under strict nbval
# More: make test-browser (every notebook in JupyterLab in headless Chromium), make bench, make notebooks
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab test test-unit test-browser bench notebooks experiments nbdime clean
BROWSER_STAMP := $(VENV)/.installed-browser

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "The course needs Python 3.10 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# JupyterLab refuses to start as root (as in many containers) without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) notebooks/00_overview.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

# The unit tests alone: no notebooks, no multi-seed claim tests (those carry "claim" in their names).
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -k "not claim"

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt
	touch $(BROWSER_STAMP)

# Needs the system's Chromium (apt-get install chromium); screenshots and latencies go to build/browser/.
test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -m browser -s tests/browser

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_norms.py
	$(BIN)/python benchmarks/bench_bn_backward.py
	$(BIN)/python benchmarks/bench_bn_benefits.py
	$(BIN)/python benchmarks/bench_explorers.py
	$(BIN)/python benchmarks/bench_notebooks.py

# Re-execute every notebook in place and save it with its outputs (after editing one).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb

# The long experiments a notebook cannot afford to run in its 20 s: each lesson that has them has a
# long_runs.py, which saves its results (with the command and the versions that made them) under
# normlib/lessons/<lesson>/results/; the notebook loads and plots them, and says so.
experiments: $(STAMP)
	for f in normlib/lessons/*/long_runs.py; do \
	    [ -e "$$f" ] || continue; \
	    m=$$(echo "$${f%.py}" | tr / .); echo "$$m"; $(BIN)/python -m "$$m" || exit 1; \
	done

# Notebook diffs a reviewer can read: nbdime shows cell by cell what changed (.gitattributes names
# the driver); this installs it into .venv and registers it in this clone's git config only.
nbdime: $(STAMP)
	$(BIN)/python -m pip install --quiet nbdime
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbdime config-git --enable

clean:
	rm -rf $(VENV)
