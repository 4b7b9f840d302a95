# salesplan: the two commands a newcomer needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed
EXAMPLE = examples/nordwind
# the example's CRM exports run to mid-October 2027 (salesplan demo-data --as-of 2027-10-15)
AS_OF   = 2027-10-15
# the HTML dashboard `make demo` writes (not committed) and `make screenshot` photographs
DASHBOARD = $(EXAMPLE)/out/dashboard.html
CHROMIUM ?= chromium

.PHONY: demo test docs bench fuzz install clean schemas help screenshot

help:
	@echo "make demo    set up .venv and run salesplan on $(EXAMPLE)"
	@echo "make test    set up .venv with test extras and run the tests"
	@echo "make docs    build the documentation site into site/ (mkdocs build --strict)"
	@echo "make bench   generate the benchmark workspace and measure salesplan against baselines"
	@echo "make fuzz    fuzz the YAML loader and the CSV intake for FUZZ_SECONDS (default 60)"
	@echo "make schemas regenerate schemas/ (JSON Schemas for editors)"
	@echo "make screenshot regenerate docs/img/dashboard.png (needs chromium)"
	@echo "make clean   remove .venv and caches"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/salesplan validate --workspace $(EXAMPLE) --as-of $(AS_OF)
	$(BIN)/salesplan plan --workspace $(EXAMPLE) --by quarter
	$(BIN)/salesplan report attainment --workspace $(EXAMPLE) --as-of $(AS_OF) --by segment
	$(BIN)/salesplan report --workspace $(EXAMPLE) --as-of $(AS_OF)
	$(BIN)/salesplan pam --workspace $(EXAMPLE) --as-of $(AS_OF) --month 2027-10
	$(BIN)/salesplan allocate --workspace $(EXAMPLE) --by accounts --dry-run
	@mkdir -p $(EXAMPLE)/out
	@$(BIN)/salesplan report --workspace $(EXAMPLE) --as-of $(AS_OF) --format html --output $(DASHBOARD)
	@echo "the example's dashboard: $(DASHBOARD) (open it in a browser)"

test: $(STAMP)
	$(BIN)/python -m pytest -q

# the documentation site: the generated reference pages (commands, presets) refreshed from the code, then
# mkdocs build --strict (a broken link, a missing page or anchor fails); site/ is not committed
DOCS_STAMP = $(VENV)/.installed-docs

$(DOCS_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,docs]'
	@touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	$(BIN)/python tools/gen_reference.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# reps of the benchmark workspace: 2000 is the full workload (1,000,000 deals, 5,000,000 activities)
BENCH_REPS ?= 100

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/run.py --reps $(BENCH_REPS) --write-doc

# seconds of fuzzing, shared by the targets (fuzz/run.py: yaml, csv); failures are saved under .fuzz/
FUZZ_SECONDS ?= 60

fuzz: $(STAMP)
	$(BIN)/python fuzz/run.py --seconds $(FUZZ_SECONDS)

screenshot: $(STAMP)
	@mkdir -p $(EXAMPLE)/out docs/img
	$(BIN)/salesplan report --workspace $(EXAMPLE) --as-of $(AS_OF) --format html --output $(DASHBOARD)
	$(CHROMIUM) --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run --hide-scrollbars \
		--window-size=1370,1500 --screenshot=docs/img/dashboard.png $(DASHBOARD)

schemas: $(STAMP)
	$(BIN)/salesplan schema --out schemas

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .bench .fuzz build site src/*.egg-info
