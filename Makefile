# SPDX-License-Identifier: GPL-2.0
#
# mchost: out-of-tree build and the project's targets.
#
#   make               mchost.ko for KDIR (default: the running kernel's
#                      headers) and the mchostctl CLI, into build/
#   make check         everything CI runs (see README)
#   make demo          boot 6.12 in QEMU and show mchost working
#
# Kernel versions are pinned in scripts/kernels.env, nowhere else.

include scripts/kernels.env
MCHOST_CACHE := $(or $(MCHOST_CACHE_OVERRIDE),$(MCHOST_CACHE))
-include $(MCHOST_CACHE)/kernels.resolved

ROOT := $(CURDIR)
BUILD := $(ROOT)/build
KVERS := $(MCHOST_K61) $(MCHOST_K612)
RUNNING_KREL := $(shell uname -r)
KDIR ?= /lib/modules/$(RUNNING_KREL)/build
# The pinned test kernels' headers, extracted by scripts/deps.sh (never
# installed on the host).
khdr = $(MCHOST_CACHE)/kernels/$(1)/usr/src/linux-headers-$(1)
KBUILD_ARGS = MCHOST_INC=$(ROOT)/include/uapi
MODULE_SRCS := $(wildcard module/*.c module/*.h) module/Kbuild
CHECKPATCH := $(MCHOST_CACHE)/src/linux-source-6.12/scripts/checkpatch.pl

CLI_CFLAGS := -O2 -g -Wall -Wextra -Wshadow -Wformat=2 -Werror -std=gnu11 \
	      -I$(ROOT)/include/uapi

.PHONY: all module modules-all cli clean deps deps-stamp check style sparse \
	kunit vmtest demo install bench help debug-kernel modules-stock

all: module cli

help:
	@sed -n '3,10p' Makefile

# Build one kernel's module in its own directory so that two kernels' objects
# never mix: build/<release>/ holds symlinks to module/.
module_dir = mkdir -p $(BUILD)/$(1) && \
	ln -sf $(ROOT)/module/*.[ch] $(ROOT)/module/Kbuild $(BUILD)/$(1)/ && \
	find $(BUILD)/$(1) -maxdepth 1 -xtype l -delete

module:
	@test -f $(KDIR)/Makefile || { \
		echo "error: no kernel headers in $(KDIR)."; \
		echo "Install the running kernel's headers (apt-get install linux-headers-$(RUNNING_KREL))"; \
		echo "or name a kernel build tree with KDIR=/path/to/build."; exit 1; }
	$(call module_dir,default)
	$(MAKE) -C $(KDIR) M=$(BUILD)/default $(KBUILD_ARGS) modules
	@echo "built $(BUILD)/default/mchost.ko for $(KDIR)"

# The sanitizer kernel (scripts/kernel/debug.config), built once and cached.
debug-kernel: deps-stamp
	scripts/debug-kernel.sh

# Its release name carries a hash of its config (a shell command for recipes;
# assign it to a variable first so that a failure stops the recipe).
DEBUG_KREL = $$(scripts/debug-kernel.sh --release)

# mchost.ko with W=1 for each kernel release in $(1); warnings are errors
# (the log is checked). Each also gets the test build
# (build/<release>/testing/mchost.ko, with MCHOST_TESTING knobs) that some VM
# tests load.
modules_w1 = set -e; for k in $(1); do \
		for v in "" testing; do \
			d=$(BUILD)/$$k$${v:+/$$v}; \
			$(call module_dir,$$k$${v:+/$$v}); \
			echo "== mchost.ko for $$k$${v:+ ($$v build)} (W=1)"; \
			$(MAKE) -s -C $(call khdr,$$k) M=$$d $(KBUILD_ARGS) \
				$${v:+MCHOST_TESTING=y} W=1 modules 2>&1 | \
				tee $$d/build.log; \
			if grep -E 'warning:|error:' $$d/build.log; then \
				echo "FAIL: compiler warnings for $$k $$v"; exit 1; fi; \
			test -f $$d/mchost.ko; \
		done; \
	done

# The two pinned stock kernels.
modules-stock: deps-stamp
	@$(call modules_w1,$(KVERS))

# The pinned kernels and the debug kernel.
modules-all: modules-stock debug-kernel
	@set -e; kd=$(DEBUG_KREL); $(call modules_w1,$$kd)

cli: $(BUILD)/mchostctl

CLI_SRCS := $(addprefix scripts/mchostctl/,main.c cmds.c dump.c stats.c \
	      netlink.c batch.c print.c util.c)
$(BUILD)/mchostctl: $(CLI_SRCS) scripts/mchostctl/mchostctl.h \
		    include/uapi/linux/mchost.h
	mkdir -p $(BUILD)
	$(CC) $(CLI_CFLAGS) $(CLI_SRCS) $$(pkg-config --cflags --libs libmnl) -o $@

deps:
	scripts/deps.sh

# deps once per make invocation tree
deps-stamp:
	@scripts/deps.sh

style: deps-stamp
	scripts/style.sh

sparse: deps-stamp debug-kernel
	@set -e; kd=$(DEBUG_KREL); for k in $(KVERS) $$kd; do \
		$(call module_dir,sparse-$$k); \
		echo "== sparse (C=2) against $$k"; \
		$(MAKE) -s -C $(call khdr,$$k) M=$(BUILD)/sparse-$$k \
			$(KBUILD_ARGS) C=2 CF=-D__CHECK_ENDIAN__ modules 2>&1 \
			| tee $(BUILD)/sparse-$$k/sparse.log; \
		if grep -E 'warning:|error:' $(BUILD)/sparse-$$k/sparse.log; then \
			echo "FAIL: sparse findings for $$k"; exit 1; fi; \
	done

kunit: deps-stamp
	scripts/kunit.sh

vmtest: modules-all cli
	scripts/vmtest.sh

# The README's test command: every layer, in order of cost, each one timed
# (the times are printed also when a stage fails).
CHECK_STAGES := deps-stamp debug-kernel modules-all cli style sparse fuzz-smoke kunit vmtest
check:
	@MAKE='$(MAKE)' scripts/timed-stages.sh $(CHECK_STAGES)
	@echo "make check: all stages passed"

demo: deps-stamp modules-stock cli
	scripts/demo.sh

bench: deps-stamp modules-stock cli
	scripts/bench.sh

install: module
	$(MAKE) -C $(KDIR) M=$(BUILD)/default $(KBUILD_ARGS) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR))) 2>/dev/null || depmod -a
	install -m 0755 $(BUILD)/mchostctl /usr/local/sbin/mchostctl

clean:
	rm -rf $(BUILD)

# fuzz, fuzz-smoke, fuzz-coverage: libFuzzer targets of the pure core.
include fuzz/fuzz.mk
