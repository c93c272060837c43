# kamresearch — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# the first Python >= 3.11 found; override with `make PYTHON=/path/to/python3.12 ...`
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
JOBS ?= 2
SAMPLE := data/sample/sample_transactions.parquet
OUT ?= reports/sample

.PHONY: help venv reports test fuzz lint format bench sample notebooks template clean

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: Python >= 3.11 not found; install it or pass PYTHON=/path/to/python3.11" >&2; exit 2; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

# the spark extra (pyspark, Ibis's pyspark backend) for the tests only: `make reports`
# never needs it; the Spark tests run when Java >= 17 is installed, else they are skipped
$(SPARK_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,spark]"
	@touch $(SPARK_STAMP)

venv: $(STAMP) ## create or update .venv with the project and its test tools

sample: $(STAMP) ## write the built-in synthetic sample to data/sample/
	$(VENV)/bin/kamresearch sample --out $(SAMPLE)

reports: $(STAMP) sample ## run the per-region reports on the built-in sample (README command 1)
	$(VENV)/bin/kamresearch report --data $(SAMPLE) --region all --out $(OUT) --jobs $(JOBS)

test: $(SPARK_STAMP) lint ## run the whole test suite, notebooks (nbval) included (README command 2)
	$(PY) -m pytest tests
	$(PY) -m pytest --doctest-modules kamresearch -p no:cacheprovider
	$(PY) -m pytest --nbval --nbval-current-env notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg -p no:cacheprovider

fuzz: $(STAMP) ## property-based tests of the reader with thousands of random inputs (hypothesis)
	KAMRESEARCH_FUZZ=fuzz $(PY) -m pytest tests/test_io_fuzz.py -p no:cacheprovider

lint: $(STAMP) ## ruff check and format check
	$(VENV)/bin/ruff check kamresearch tests benchmarks
	$(VENV)/bin/ruff format --check kamresearch tests benchmarks

format: $(STAMP) ## ruff format and fix
	$(VENV)/bin/ruff format kamresearch tests benchmarks
	$(VENV)/bin/ruff check --fix kamresearch tests benchmarks

notebooks: $(STAMP) ## re-execute the committed notebooks on the built-in sample (after a change of output)
	cd notebooks && ../$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 --ExecutePreprocessor.record_timing=False *.ipynb
	$(MAKE) template

template: $(STAMP) ## copy notebooks/region_report.ipynb, outputs cleared, to the packaged template
	$(VENV)/bin/jupyter nbconvert --to notebook --ClearOutputPreprocessor.enabled=True \
		--ClearMetadataPreprocessor.enabled=True --ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags \
		notebooks/region_report.ipynb --output-dir kamresearch/templates --output region_report.ipynb

bench: $(STAMP) ## run the benchmarks (installs the bench extra: lifetimes, xlsxwriter)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	$(PY) benchmarks/run_all.py

clean: ## remove generated reports and caches (keeps .venv)
	rm -rf reports/sample data/sample .pytest_cache .ruff_cache
