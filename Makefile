# Two entry points, both usable on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test bench serve system-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bcf-xl demo --out out/demo

# The web intake on the demo data (templates, returns, keys and submissions made once in
# ./bcf-xl-data); it prints where the keys are. http://127.0.0.1:8000/
serve: $(STAMP)
	$(BIN)/bcf-xl serve --demo

system-deps:
	sh scripts/install-system-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	for script in bench/bench_*.py; do $(BIN)/python "$$script" || exit 1; done

# The fuzzer of tests/test_fuzz.py at length: FUZZ_EXAMPLES cases per mutation family (CI runs 20).
FUZZ_EXAMPLES ?= 500
.PHONY: fuzz
fuzz: $(STAMP)
	BCF_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -q tests/test_fuzz.py
