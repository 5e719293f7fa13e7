# SPDX-License-Identifier: GPL-2.0
#
# libFuzzer targets for the pure core (module/wire.c, report.c, change.c,
# filter.c, slist.c), compiled unchanged in userspace through the shim
# headers of fuzz/shim/. Included by the top Makefile.
#
#   make fuzz            every target for FUZZ_TIME seconds (default 600),
#                        then the coverage report
#   make fuzz-smoke      every target for FUZZ_SMOKE_TIME seconds (default
#                        30) from the committed corpus (a make check stage)
#   make fuzz-coverage   line/region coverage of the five files, from the
#                        committed and the scratch corpus
#   make fuzz-build      only build build/fuzz/fuzz-<target>
#
# FUZZ_TARGETS=wire picks targets. See scripts/fuzz.sh.

FUZZ_CC ?= clang-14
FUZZ_TARGETS ?= wire report change slist
FUZZ_TIME ?= 600
FUZZ_SMOKE_TIME ?= 30
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_CORE := $(addprefix module/,wire.c report.c change.c filter.c slist.c)
FUZZ_DEPS := fuzz/shim.c $(FUZZ_CORE) $(wildcard fuzz/*.h fuzz/shim/*/*.h) \
	     $(wildcard module/*.h) include/uapi/linux/mchost.h
# Kernel-like code generation (no strict aliasing, NULL checks kept); the
# shim directory comes first so its headers stand in for the kernel's.
FUZZ_CFLAGS := -std=gnu11 -g -O1 -fno-strict-aliasing \
	       -fno-delete-null-pointer-checks -Wall -Wextra -Werror \
	       -Ifuzz/shim -Iinclude/uapi -Imodule -Ifuzz
FUZZ_SAN := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_COV := -fsanitize=fuzzer -fprofile-instr-generate -fcoverage-mapping
FUZZ_RUN = FUZZ_DIR=$(FUZZ_DIR) FUZZ_TARGETS="$(FUZZ_TARGETS)" scripts/fuzz.sh

.PHONY: fuzz fuzz-smoke fuzz-coverage fuzz-build fuzz-build-cov

$(FUZZ_DIR)/fuzz-%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) $< fuzz/shim.c $(FUZZ_CORE) -o $@

$(FUZZ_DIR)/cov/fuzz-%: fuzz/fuzz_%.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_COV) $< fuzz/shim.c $(FUZZ_CORE) -o $@

fuzz-build: deps-stamp
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz-%)

fuzz-build-cov: deps-stamp
	@$(MAKE) --no-print-directory $(FUZZ_TARGETS:%=$(FUZZ_DIR)/cov/fuzz-%)

fuzz: fuzz-build fuzz-build-cov
	$(FUZZ_RUN) run $(FUZZ_TIME)
	$(FUZZ_RUN) coverage

fuzz-smoke: fuzz-build
	$(FUZZ_RUN) smoke $(FUZZ_SMOKE_TIME)

fuzz-coverage: fuzz-build-cov
	$(FUZZ_RUN) coverage
