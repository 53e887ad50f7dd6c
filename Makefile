# SPDX-License-Identifier: GPL-2.0
#
# typestate-gen: typestate C APIs for the kernel, generated from YAML specs.
#
#   make gen            render specs/*.yaml into generated/ (the main job)
#   make test           everything below that CI runs
#   make check-gen      fail if generated/ is not what the specs produce
#   make pytest         the generator's own tests
#   make style          checkpatch --strict and kernel-doc on all kernel C,
#                       and on what tests/style_specs/ generate
#   make compile-fail [SPEC=<name>]
#                       build every legal and illegal use with kbuild
#   make kunit          KUnit on UML with real DMA mapping, KASAN, DMA-API debug
#   make migrate TREE=<kernel tree> [DIR=drivers/...] [SPEC=<name>]
#                       apply the generated semantic patches to a tree
#   make lint TREE=<kernel tree> [DIR=drivers/...] [SPEC=<name>]
#                       each spec's lint (generated/lint/) over a tree: what
#                       the handle types cannot catch; exit 1 on findings
#   make migrate-check  migrate a pristine 6.12 drivers/ tree, build what changed
#   make patches TREE=<pristine kernel tree> [DIR=drivers/...] OUT=<dir>
#                       the migration as a checked patch series for git send-email
#   make patches-check  make patches on a pristine 6.12 drivers/hwtracing/intel_th
#   make bench          sizes before/after migration, tool timings (not in test)
#   make fuzz [FUZZ_CASES=10000] [FUZZ_SEED=...] [FUZZ_JOBS=1]
#                       fuzz the generator with mutated specs (not in test)
#
# Each target installs what it needs from Debian on first use (as root).
# The kernel tree and build directories are cached outside the repository,
# in $(TYPESTATE_CACHE) (default ~/.cache/typestate-gen).  The extracted tree
# there is shared and read-only (scripts/kernel-tree.sh verify fails if
# anything wrote into it); what a checkout builds or installs lives in its
# own directory of the cache, so two checkouts can run `make test` at once.

PYTHON := /usr/bin/python3
SPECS := $(wildcard specs/*.yaml)
TYPESTATE_CACHE ?= $(HOME)/.cache/typestate-gen
# Stamps of this checkout, outside the repository: they only let make skip
# work whose inputs have not changed since it last succeeded.
STAMPS := $(TYPESTATE_CACHE)/stamps$(CURDIR)
# Everything `make gen` reads or writes, as shell globs (expanded when the
# recipe runs, so files the generator adds are seen).  Its state is the
# name, size and mtime (ns) of each: a file added, removed or touched
# changes it.  A state, not make's "newer than the stamp": file times move
# in clock ticks, and an edit in the same tick as the stamp would be missed.
GEN_GLOBS = specs/* templates/* generator/*.py generator/*.json generator/*.txt \
	generator/*/*.py generated/* generated/*/* generated/*/*/* \
	generated/*/*/*/* generated/*/*/*/*/* docs/*.svg scripts/diagrams.py
GEN_STATE = stat -c '%n %s %.9Y' $(GEN_GLOBS) 2>/dev/null | cksum
HEADERS = $(wildcard generated/include/linux/typestate/*.h)
# Specs at the limits of names and line widths, whose output must be as
# style-clean as that of specs/ (make style renders them in a temporary
# directory).
STYLE_SPECS = $(wildcard tests/style_specs/*.yaml)
# Specs outside specs/ whose compile cases make compile-fail builds too:
# the two models of clk that the errors about values holding resources
# point at (two dimensions; one dimension whose enabled value holds both).
COMPILE_SPECS = tests/style_specs/clk_long_names.yaml \
	tests/style_specs/clk_one_dimension.yaml
GENERATED_SPECS = $(notdir $(wildcard generated/compile/*))
KERNEL_C = $(wildcard generated/kunit/*.c kernel_tests/*.c kernel_tests/*.h kernel_tests/bench/*.c)

.PHONY: all gen check-gen test pytest style compile-fail kunit deps-python \
	migrate migrate-check lint patches patches-check bench fuzz cache-check

all: gen

# scripts/deps.sh asks dpkg about every package; once it has succeeded,
# that answer holds until dpkg's database or the script changes.
deps-python: $(STAMPS)/deps-python

$(STAMPS)/deps-python: scripts/deps.sh $(wildcard /var/lib/dpkg/status)
	@scripts/deps.sh python
	@mkdir -p $(@D) && touch $@

# Runs the generator only when a spec, template, generator file or
# generated file changed since its last successful run (see GEN_STATE), so
# an unchanged tree costs no Python start-up.  A generated file edited by
# hand has changed, and the run restores it.  `make check-gen` always runs
# the generator.
gen: deps-python
	@state=$$($(GEN_STATE)); \
	if [ "$$state" != "$$(cat $(STAMPS)/gen 2>/dev/null)" ]; then \
		$(PYTHON) -m generator gen && $(PYTHON) scripts/diagrams.py gen && \
		mkdir -p $(STAMPS) && \
		$(GEN_STATE) >$(STAMPS)/gen; \
	fi

check-gen: deps-python
	@$(PYTHON) -m generator check
	@$(PYTHON) scripts/diagrams.py check

pytest: deps-python
	@scripts/deps.sh cocci
	@$(PYTHON) -m pytest -q -p no:cacheprovider tests

style: deps-python
	@scripts/deps.sh kernel
	@scripts/style.sh $(HEADERS) $(KERNEL_C)
	@scripts/style-specs.sh $(STYLE_SPECS)

compile-fail: deps-python
	@test -z "$(SPEC)" -o -d "generated/compile/$(SPEC)" || { echo "compile-fail: no compile cases for spec '$(SPEC)'; known: $(GENERATED_SPECS)" >&2; exit 2; }
	@scripts/deps.sh kernel
	@$(PYTHON) kernel_tests/compile_suite.py "$$(scripts/kernel-tree.sh src)" \
		"$$(scripts/kernel-build.sh)" $(or $(SPEC),$(GENERATED_SPECS)) \
		$(if $(SPEC),,$(foreach s,$(COMPILE_SPECS),--extra $(s)))
	@scripts/kernel-tree.sh verify

kunit: deps-python
	@scripts/deps.sh kernel
	@$(PYTHON) kernel_tests/run_kunit.py
	@scripts/kernel-tree.sh verify

migrate: deps-python
	@test -n "$(TREE)" || { echo "usage: make migrate TREE=<kernel tree> [DIR=drivers/...]" >&2; exit 2; }
	@scripts/deps.sh cocci
	@$(PYTHON) scripts/migrate.py "$(TREE)" "$(or $(DIR),drivers)" $(if $(SPEC),--spec "$(SPEC)")

lint: deps-python
	@test -n "$(TREE)" || { echo "usage: make lint TREE=<kernel tree> [DIR=drivers/...]" >&2; exit 2; }
	@scripts/deps.sh cocci
	@$(PYTHON) scripts/lint.py "$(TREE)" $(if $(DIR),"$(DIR)") $(if $(SPEC),--spec "$(SPEC)")

migrate-check: deps-python
	@scripts/migrate-check.sh
	@scripts/kernel-tree.sh verify

# The series is checked as it is made: git am on a pristine copy, a build
# of what each patch touches, checkpatch --strict and kernel-doc -Wall.
patches: deps-python
	@test -n "$(TREE)" -a -n "$(OUT)" || { echo "usage: make patches TREE=<pristine kernel tree> [DIR=drivers/...] OUT=<dir>" >&2; exit 2; }
	@scripts/deps.sh cocci
	@$(PYTHON) scripts/patches.py "$(TREE)" "$(or $(DIR),drivers)" "$(OUT)"

patches-check: deps-python
	@scripts/deps.sh cocci
	@$(PYTHON) scripts/patches.py "$$(scripts/kernel-tree.sh pristine)" \
		"$(or $(DIR),drivers/hwtracing/intel_th)" \
		"$$(scripts/kernel-tree.sh checkout)/patches-check"
	@scripts/kernel-tree.sh verify

bench: deps-python
	@scripts/deps.sh cocci
	@$(PYTHON) bench/run.py

# A seeded campaign over mutated copies of specs/ and tests/bad_specs/;
# prints tracebacks, hangs, half-written trees and accepted specs whose
# output fails the style checks (all must be 0), then samples checkpatch
# and a kbuild compile of accepted headers.  Not part of `make test`.
FUZZ_CASES ?= 10000
FUZZ_SEED ?= 20261126
FUZZ_JOBS ?= 1
fuzz: deps-python
	@scripts/deps.sh kernel
	@$(PYTHON) tests/fuzz.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED) \
		--jobs $(FUZZ_JOBS) --checkpatch all --compile all

# The cached kernel tree, unchanged since its extraction (each kernel step
# above checks it too, as soon as it is done).
cache-check:
	@scripts/kernel-tree.sh verify

test: check-gen pytest style compile-fail migrate-check patches-check kunit
	@$(MAKE) -s cache-check
	@echo "make test: all passed"
