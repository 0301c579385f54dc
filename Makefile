# Two commands, each from a fresh clone with nothing but Python 3.10+ and make:
#   make lab    set up .venv (first time only) and open the course in JupyterLab (make lab-ko: 한국어판)
#   make test   set up .venv (first time only), run the unit tests and every notebook under strict nbval
# More: make test-browser (every notebook in JupyterLab in headless Chromium), make test-binder (the
# Binder build, by repo2docker's dry run), make bench, make notebooks
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab

.PHONY: lab lab-ko test test-unit test-browser test-binder bench notebooks experiments nbdime course-load notation-lint clean site test-site
BROWSER_STAMP := $(VENV)/.installed-browser

# Two tiers. `make test` and every target that checks, times or re-executes the notebooks install the
# environment the notebooks were executed in: the ranges of requirements.txt with the exact versions of
# constraints.txt (made on Python 3.11), so strict nbval compares like with like, plus the references
# only tests use (requirements-test.txt: scikit-learn). `make lab` does NOT use
# the constraints: it installs the tested ranges alone, as a student's own `pip install -r
# requirements.txt` does, so it keeps working on a newer Python where an old pin has no wheel (printed
# digits may then differ from the saved ones). A venv set up by `make test` satisfies the ranges, so
# `make lab` installs nothing more; after `make lab`, `make test` moves the venv to the pins.
CHECK_PYTHON = @$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "The course needs Python 3.10 or newer; $(PYTHON) is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'

$(STAMP): requirements.txt requirements-test.txt constraints.txt pyproject.toml
	$(CHECK_PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.version_info[:2] == (3, 11) or print("note: constraints.txt pins the Python 3.11 environment; if a pin fails to install here, use make PYTHON=python3.11 ...")'
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-test.txt -c constraints.txt
	touch $(STAMP) $(LAB_STAMP)

$(LAB_STAMP): requirements.txt pyproject.toml
	$(CHECK_PYTHON)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(LAB_STAMP)

# JupyterLab refuses to start as root (as in many containers) without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: $(LAB_STAMP)
	$(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) notebooks/00_overview.ipynb

# 한국어판: the Korean edition (notebooks/ko/), opened at its 00; normlib speaks Korean in any notebook
# started from this server too (NORMLIB_LANG=ko), a student's own included.
lab-ko: $(LAB_STAMP)
	NORMLIB_LANG=ko $(BIN)/jupyter lab --ip=127.0.0.1 $(ROOT_FLAG) notebooks/ko/00_overview.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest -m "not browser"

# The unit tests alone: no notebooks, no multi-seed claim tests (those carry "claim" in their names),
# spread over every core by pytest-xdist (they share no state: each writes only to its own tmp_path).
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests -m "not browser" -k "not claim" -n auto

$(BROWSER_STAMP): $(STAMP) requirements-browser.txt
	$(BIN)/python -m pip install --quiet -r requirements-browser.txt -c constraints.txt
	touch $(BROWSER_STAMP)

# Needs the system's Chromium (apt-get install chromium); screenshots and latencies go to build/browser/.
test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -m browser -s tests/browser

# Binder: repo2docker's dry run (no Docker) must give Python 3.11 and one install, of binder/requirements.txt
# (constraints.txt + normlib editable), after the whole repository is copied. repo2docker lives in its own
# venv under build/; its version is pinned because the test reads the Dockerfile it writes.
R2D_VERSION := 2026.4.0
R2D_VENV    := build/repo2docker
R2D_STAMP   := $(R2D_VENV)/.installed-$(R2D_VERSION)

$(R2D_STAMP):
	$(CHECK_PYTHON)
	rm -rf $(R2D_VENV)
	$(PYTHON) -m venv $(R2D_VENV)
	$(R2D_VENV)/bin/python -m pip install --quiet jupyter-repo2docker==$(R2D_VERSION)
	touch $(R2D_STAMP)

test-binder: $(STAMP) $(R2D_STAMP)
	REPO2DOCKER=$(CURDIR)/$(R2D_VENV)/bin/jupyter-repo2docker $(BIN)/python -m pytest tests/test_environment.py -k binder

# The course website (site/build.py): both editions (notebooks/ and, when it exists, notebooks/ko/)
# as static pages by Jupyter Book 1, from the committed outputs (nothing is executed), warnings as
# errors, offline (MathJax from the npm registry's package, fetched once by npm into build/site/).
# Jupyter Book lives in its own venv, .venv-site (requirements-site.txt). Output: build/site/html/
# (open build/site/html/index.html, or serve it). SITE_REPO=owner/name sets the Binder links.
SITE_VENV  := .venv-site
SITE_STAMP := $(SITE_VENV)/.installed

$(SITE_STAMP): requirements-site.txt
	$(CHECK_PYTHON)
	test -x $(SITE_VENV)/bin/python || $(PYTHON) -m venv $(SITE_VENV)
	echo '*' > $(SITE_VENV)/.gitignore
	$(SITE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(SITE_VENV)/bin/python -m pip install --quiet -r requirements-site.txt
	touch $(SITE_STAMP)

site: $(SITE_STAMP)
	$(SITE_VENV)/bin/python site/build.py

# Every page of the built site in headless Chromium, served from 127.0.0.1 (tests/site/), and the
# Korean path on a generated fixture; needs Chromium and fonts-noto-cjk (.ci/run installs them).
test-site: site $(BROWSER_STAMP)
	SITE_PYTHON=$(CURDIR)/$(SITE_VENV)/bin/python $(BIN)/python -m pytest -m browser tests/site

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_norms.py
	$(BIN)/python benchmarks/bench_bn_backward.py
	$(BIN)/python benchmarks/bench_bn_benefits.py
	$(BIN)/python benchmarks/bench_explorers.py
	$(BIN)/python benchmarks/bench_notebooks.py

# Re-execute every notebook in place and save it with its outputs (after editing one); then rebuild
# the Korean edition, notebooks/ko/, from the English notebooks and their translations in i18n/ko/
# (tools/korean_edition.py; nothing to do while i18n/ko/ is empty).
notebooks: $(STAMP)
	$(BIN)/python tools/execute_notebooks.py notebooks/*.ipynb
	$(BIN)/python tools/korean_edition.py

# The long experiments a notebook cannot afford to run in its 20 s: each lesson that has them has a
# long_runs.py, which saves its results (with the command and the versions that made them) under
# normlib/lessons/<lesson>/results/; the notebook loads and plots them, and says so.
experiments: $(STAMP)
	for f in normlib/lessons/*/long_runs.py; do \
	    [ -e "$$f" ] || continue; \
	    m=$$(echo "$${f%.py}" | tr / .); echo "$$m"; $(BIN)/python -m "$$m" || exit 1; \
	done

# Issue 16's table: prose words, code cells, explorers, numbers in prose and estimated minutes of each
# notebook's main path (before its first "Optional"/"Going further" heading); "!" marks a value over
# the one-sitting limits (40 min, 2,000 words, 60 numbers). `python tools/course_load.py --check`
# exits 1 when a main path is over.
course-load: $(STAMP)
	$(BIN)/python tools/course_load.py

# The notebooks' LaTeX and prose against the notation card, docs/notation.md: findings per notebook
# and rule (-v for each one). Report only; tests/tools/test_notation_lint.py fails on the notebooks
# already converted to the card.
notation-lint: $(STAMP)
	$(BIN)/python tools/notation_lint.py

# Notebook diffs a reviewer can read: nbdime shows cell by cell what changed (.gitattributes names
# the driver); this installs it into .venv and registers it in this clone's git config only.
nbdime: $(STAMP)
	$(BIN)/python -m pip install --quiet nbdime -c constraints.txt
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/nbdime config-git --enable

# Instructor kit (INSTRUCTORS.md): nbgrader in its own venv, .venv-instructor, from
# requirements-instructor.txt (students never install it, and the course's .venv is not touched), makes
# the student versions: `make assignments` rebuilds instructor/source/ and writes them to
# instructor/release/; `make assignments EDITION=ko` does the same for the Korean edition in instructor/ko/
# (its checkers answer in Korean; the grader answers each student in the language of their notebook). `make grade SUBMISSIONS=dir [JOBS=n] [CELL_TIMEOUT=s]` grades
# dir/<student>/<NN_name>.ipynb into build/instructor/grades.csv and totals.csv: every notebook in a
# bubblewrap sandbox (apt-get install bubblewrap), JOBS at a time (default: every core).
.PHONY: assignments grade test-instructor
INSTRUCTOR_VENV  := .venv-instructor
INSTRUCTOR_STAMP := $(INSTRUCTOR_VENV)/.installed
GRADE_FLAGS = $(if $(JOBS),--jobs $(JOBS)) $(if $(CELL_TIMEOUT),--cell-timeout $(CELL_TIMEOUT))

$(INSTRUCTOR_STAMP): requirements-instructor.txt constraints.txt
	$(CHECK_PYTHON)
	test -x $(INSTRUCTOR_VENV)/bin/python || $(PYTHON) -m venv $(INSTRUCTOR_VENV)
	echo '*' > $(INSTRUCTOR_VENV)/.gitignore
	$(INSTRUCTOR_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INSTRUCTOR_VENV)/bin/python -m pip install --quiet -r requirements-instructor.txt -c constraints.txt
	touch $(INSTRUCTOR_STAMP)

assignments: $(INSTRUCTOR_STAMP)
	$(INSTRUCTOR_VENV)/bin/python instructor/assignments.py $(if $(EDITION),--edition $(EDITION))

grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=dir [JOBS=n] [CELL_TIMEOUT=s]   (dir/<student>/<NN_name>.ipynb; see INSTRUCTORS.md)"; exit 2; }
	@command -v bwrap >/dev/null || { echo "grading runs each notebook in a bubblewrap sandbox: apt-get install bubblewrap (see INSTRUCTORS.md)"; exit 2; }
	$(BIN)/python instructor/grade.py "$(SUBMISSIONS)" $(GRADE_FLAGS)

# The student versions equal the course's cells; every exercise's solution gets full credit and its
# classic mistake zero with its diagnosis, through the sandboxed grader; bad, tampering, killing and
# planting submissions get what INSTRUCTORS.md says. (The tests that need neither nbgrader nor
# bubblewrap also run in `make test`.)
test-instructor: $(STAMP) $(INSTRUCTOR_STAMP)
	@command -v bwrap >/dev/null || { echo "make test-instructor needs bubblewrap: apt-get install bubblewrap"; exit 2; }
	NORMLIB_INSTRUCTOR_TESTS=1 INSTRUCTOR_PYTHON=$(CURDIR)/$(INSTRUCTOR_VENV)/bin/python \
	    $(BIN)/python -m pytest tests/instructor -rxX -s

clean:
	rm -rf $(VENV)
