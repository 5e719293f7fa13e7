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
	kunit vmtest demo install bench help

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

# Both pinned kernels, W=1, warnings are errors (the log is checked). Each
# also gets the test build (build/<release>/testing/mchost.ko, with
# MCHOST_TESTING knobs) that some VM tests load.
modules-all: deps-stamp
	@set -e; for k in $(KVERS); do \
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

sparse: deps-stamp
	@set -e; for k in $(KVERS); do \
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

# The README's test command: every layer, in order of cost.
check: deps-stamp modules-all cli style sparse fuzz-smoke kunit vmtest
	@echo "make check: all stages passed"

demo: deps-stamp modules-all cli
	scripts/demo.sh

bench: deps-stamp modules-all cli
	scripts/bench.sh

install: module
	$(MAKE) -C $(KDIR) M=$(BUILD)/default $(KBUILD_ARGS) modules_install
	depmod -a $(notdir $(patsubst %/build,%,$(KDIR))) 2>/dev/null || depmod -a
	install -m 0755 $(BUILD)/mchostctl /usr/local/sbin/mchostctl

clean:
	rm -rf $(BUILD)

# fuzz, fuzz-smoke, fuzz-coverage: libFuzzer targets of the pure core.
include fuzz/fuzz.mk
