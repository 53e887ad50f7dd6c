# SPDX-License-Identifier: GPL-2.0
#
# typestate-gen: typestate C APIs for the kernel, generated from YAML specs.
#
#   make gen            render specs/*.yaml into generated/ (the main job)
#   make test           everything below that CI runs
#   make check-gen      fail if generated/ is not what the specs produce
#   make pytest         the generator's own tests
#   make style          checkpatch --strict and kernel-doc on all kernel C
#   make compile-fail   build every legal and illegal use with kbuild
#   make kunit          KUnit on UML with real DMA mapping, KASAN, DMA-API debug
#   make migrate TREE=<kernel tree> [DIR=drivers/...]
#                       apply the generated semantic patches to a tree
#   make migrate-check  migrate a pristine 6.12 drivers/ tree, build what changed
#   make bench          sizes before/after migration, tool timings (not in test)
#
# Each target installs what it needs from Debian on first use (as root).
# The kernel tree and build directories are cached outside the repository,
# in $(TYPESTATE_CACHE) (default ~/.cache/typestate-gen).

PYTHON := /usr/bin/python3
SPECS := $(wildcard specs/*.yaml)
HEADERS = $(wildcard generated/include/linux/typestate/*.h)
KERNEL_C = $(wildcard generated/kunit/*.c kernel_tests/*.c kernel_tests/*.h)

.PHONY: all gen check-gen test pytest style compile-fail kunit deps-python \
	migrate migrate-check bench

all: gen

deps-python:
	@scripts/deps.sh python

gen: deps-python
	@$(PYTHON) -m generator gen

check-gen: deps-python
	@$(PYTHON) -m generator check

pytest: deps-python
	@scripts/deps.sh cocci
	@$(PYTHON) -m pytest -q -p no:cacheprovider tests

style: deps-python
	@scripts/deps.sh kernel
	@scripts/style.sh $(HEADERS) $(KERNEL_C)

compile-fail: deps-python
	@scripts/deps.sh kernel
	@$(PYTHON) kernel_tests/compile_suite.py "$$(scripts/kernel-tree.sh src)" \
		"$$(scripts/kernel-build.sh)"

kunit: deps-python
	@scripts/deps.sh kernel
	@$(PYTHON) kernel_tests/run_kunit.py

migrate: deps-python
	@test -n "$(TREE)" || { echo "usage: make migrate TREE=<kernel tree> [DIR=drivers/...]" >&2; exit 2; }
	@scripts/deps.sh cocci
	@$(PYTHON) scripts/migrate.py "$(TREE)" "$(or $(DIR),drivers)"

migrate-check: deps-python
	@scripts/migrate-check.sh

bench: deps-python
	@scripts/deps.sh cocci
	@$(PYTHON) bench/run.py

test: check-gen pytest style compile-fail migrate-check kunit
	@echo "make test: all passed"
