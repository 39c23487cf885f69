# TATviz: `make run` starts the app on the sample export; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
# The exe is frozen from a venv of its own: the runtime pins and PyInstaller,
# with numpy built from its source without OpenBLAS (28 MB of the folder; the
# forecast's least squares run on numpy's own LAPACK-lite there).
EXE_VENV := .venv-exe
EXE_PY := $(EXE_VENV)/bin/python
EXE_STAMP := $(EXE_VENV)/.installed
NUMPY_PIN := $(shell grep '^numpy==' requirements.txt)
NO_BLAS := -Csetup-args=-Dblas=none -Csetup-args=-Dlapack=none -Csetup-args=-Dallow-noblas=true
# Build-time commands import settings, which creates a data dir: keep it temporary.
BUILD_DATA_DIR := $(CURDIR)/build/data

.PHONY: run test lint format static exe bench screenshots clean

$(RUNTIME_STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(DEV_STAMP): $(RUNTIME_STAMP) requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# numpy first, alone: the build settings must reach only it, and its build
# tools leave before anything is frozen. pip keeps the wheel it builds
# (~5 min) in its cache, so a new venv reuses it.
$(EXE_STAMP): requirements.txt requirements-exe.txt requirements-numpy-build.txt
	test -x $(EXE_PY) || $(PYTHON) -m venv $(EXE_VENV)
	$(EXE_PY) -m pip install --quiet --disable-pip-version-check -r requirements-numpy-build.txt
	PATH="$(CURDIR)/$(EXE_VENV)/bin:$$PATH" $(EXE_PY) -m pip install --quiet \
		--disable-pip-version-check --no-build-isolation --no-binary numpy \
		$(NO_BLAS) "$(NUMPY_PIN)"
	$(EXE_PY) -m pip uninstall --quiet --yes -r requirements-numpy-build.txt
	$(EXE_PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements-exe.txt -r requirements.txt
	$(EXE_PY) -c "import numpy; blas = numpy.__config__.CONFIG['Build Dependencies']['blas']['name']; assert blas == 'none', blas"
	touch $@

static: $(RUNTIME_STAMP)
	TATVIZ_DATA_DIR=$(BUILD_DATA_DIR) $(PY) manage.py collectstatic --noinput --clear -v0

run: static
	$(PY) launcher.py --sample

lint: $(DEV_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(DEV_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

test: $(DEV_STAMP) static lint
	$(PY) -m pytest

exe: $(EXE_STAMP) static
	TATVIZ_DATA_DIR=$(BUILD_DATA_DIR) $(EXE_PY) -m PyInstaller --noconfirm --clean tatviz.spec

# The README's pictures (docs/screenshot-*.png), from the browser tests.
screenshots: $(DEV_STAMP) static
	TATVIZ_DOCS_SCREENSHOTS=1 $(PY) -m pytest -m browser -q

bench: $(DEV_STAMP) static
	$(PY) benchmarks/run_all.py

clean:
	rm -rf build dist staticfiles
