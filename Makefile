# TATviz: `make run` starts the app on the sample export; `make test` runs everything.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed
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

exe: $(DEV_STAMP) static
	TATVIZ_DATA_DIR=$(BUILD_DATA_DIR) $(PY) -m PyInstaller --noconfirm --clean tatviz.spec

# The README's pictures (docs/screenshot-*.png), from the browser tests.
screenshots: $(DEV_STAMP) static
	TATVIZ_DOCS_SCREENSHOTS=1 $(PY) -m pytest -m browser -q

bench: $(DEV_STAMP) static
	$(PY) benchmarks/run_all.py

clean:
	rm -rf build dist staticfiles
