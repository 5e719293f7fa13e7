# SPDX-License-Identifier: GPL-2.0
#
# mchost: out-of-tree build and the project's targets.
#
#   make               mchost.ko for KDIR (default: the running kernel's
#                      headers) and the mchostctl CLI, into build/
#   make install       the module, mchostctl, man pages, uAPI header, bash
#                      completion, systemd unit, /etc/mchost/mchost.conf
#                      (DESTDIR, PREFIX; see README)
#   make dkms-install  register the module with DKMS (dkms-remove undoes it)
#   make check         everything CI runs (see README)
#   make ynl-gen       regenerate include/uapi/linux/mchost.h from the YNL
#                      spec Documentation/netlink/specs/mchost.yaml
#   make demo          boot 6.12 in QEMU and show mchost working
#   make bench         stock vs mchost in one 6.12 VM run (QUICK=1: N up
#                      to 10,000; ICOUNT=1: the guest clock counts
#                      instructions); results in build/bench/ (see README)
#   make stress        STRESS_RUNS (20) VM runs of the benchmark and a
#                      join/delete/netns-delete stress loop on the KASAN
#                      kernel (STRESS_KERNEL); not part of check (long)
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
KBUILD_ARGS = MCHOST_INC=$(ROOT)/include/uapi MCHOST_VERSION=$(VERSION)
# The test builds (W=1, sparse, modules-plain) compile on every core, unless
# make already runs under a job server (make -jN check) that they share.
TEST_J = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(shell nproc))
MODULE_SRCS := $(wildcard module/*.c module/*.h) module/Kbuild
CHECKPATCH := $(MCHOST_CACHE)/src/linux-source-6.12/scripts/checkpatch.pl

# The one place the version is kept: the module (MODULE_VERSION), the CLI
# (mchostctl -V) and dkms.conf all read VERSION.
VERSION := $(shell cat $(ROOT)/VERSION)

CLI_CFLAGS := -O2 -g -Wall -Wextra -Wshadow -Wformat=2 -Werror -std=gnu11 \
	      -I$(ROOT)/include/uapi '-DMCHOSTCTL_VERSION="$(VERSION)"'

.PHONY: all module modules-all modules-plain cli clean deps deps-stamp check \
	style sparse kunit vmtest demo install install-module install-tools \
	dkms-install dkms-remove dkms-src dkms-check cli-test bench help \
	stress ynl-check ynl-gen \
	debug-kernel modules-stock fuzz fuzz-smoke fuzz-coverage

all: module cli

help:
	@sed -n '3,/^$$/{/^$$/d;p;}' Makefile

# Build one kernel's module in its own directory so that two kernels' objects
# never mix: build/<release>/ holds symlinks to module/.
module_dir = mkdir -p $(BUILD)/$(1) && \
	ln -sf $(ROOT)/module/*.[ch] $(ROOT)/module/Kbuild $(BUILD)/$(1)/ && \
	find $(BUILD)/$(1) -maxdepth 1 -xtype l -delete

# Where "make module" (and so install and DKMS) builds mchost.ko.
MODULE_BUILD ?= $(BUILD)/default

module:
	@test -f $(KDIR)/Makefile || { \
		echo "error: no kernel headers in $(KDIR)."; \
		echo "Install the running kernel's headers (apt-get install linux-headers-$(RUNNING_KREL))"; \
		echo "or name a kernel build tree with KDIR=/path/to/build."; exit 1; }
	mkdir -p $(MODULE_BUILD) && \
		ln -sf $(ROOT)/module/*.[ch] $(ROOT)/module/Kbuild $(MODULE_BUILD)/ && \
		find $(MODULE_BUILD) -maxdepth 1 -xtype l -delete
	$(MAKE) -C $(KDIR) M=$(MODULE_BUILD) $(KBUILD_ARGS) modules
	@echo "built $(MODULE_BUILD)/mchost.ko for $(KDIR)"

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
			$(MAKE) -s $(TEST_J) -C $(call khdr,$$k) M=$$d $(KBUILD_ARGS) \
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

# Both pinned kernels as "make module" builds them (no W=1), each in its own
# directory: the VM test t95 installs these with "make install", so that the
# guest does not compile.
modules-plain: deps-stamp debug-kernel
	@set -e; kd=$(DEBUG_KREL); for k in $(KVERS) $$kd; do \
		$(MAKE) -s $(TEST_J) module KDIR=$(call khdr,$$k) \
			MODULE_BUILD=$(BUILD)/plain-$$k >/dev/null; \
	done

cli: $(BUILD)/mchostctl

CLI_SRCS := $(addprefix scripts/mchostctl/,main.c cmds.c dump.c stats.c monitor.c \
	      netlink.c batch.c apply.c print.c util.c)
$(BUILD)/mchostctl: $(CLI_SRCS) scripts/mchostctl/mchostctl.h \
		    include/uapi/linux/mchost.h VERSION
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
		$(MAKE) -s $(TEST_J) -C $(call khdr,$$k) M=$(BUILD)/sparse-$$k \
			$(KBUILD_ARGS) C=2 CF=-D__CHECK_ENDIAN__ modules 2>&1 \
			| tee $(BUILD)/sparse-$$k/sparse.log; \
		if grep -E 'warning:|error:' $(BUILD)/sparse-$$k/sparse.log; then \
			echo "FAIL: sparse findings for $$k"; exit 1; fi; \
	done

kunit: deps-stamp
	scripts/kunit.sh

vmtest: modules-all modules-plain cli
	scripts/vmtest.sh

# Host-side tests of what needs no kernel: CLI parsing, man pages, bash
# completion, the systemd unit, make install into scratch DESTDIRs (also
# with each test kernel's module, hence modules-plain).
cli-test: deps-stamp cli modules-plain
	scripts/cli-test.sh

# include/uapi/linux/mchost.h is generated from the YNL spec
# (Documentation/netlink/specs/mchost.yaml) by the kernel's ynl-gen-c.py:
# ynl-check fails when they differ, ynl-gen rewrites the header.
ynl-check: deps-stamp
	scripts/ynl.sh check

ynl-gen: deps-stamp
	scripts/ynl.sh gen

# The DKMS build against both pinned kernels, in a scratch DKMS tree.
dkms-check: deps-stamp
	scripts/dkms-check.sh

# The README's test command: every layer, in order of cost, each one timed
# (the times are printed also when a stage fails).
CHECK_STAGES := deps-stamp debug-kernel ynl-check modules-all cli style cli-test dkms-check sparse fuzz-smoke kunit vmtest
check:
	@MAKE='$(MAKE)' scripts/timed-stages.sh $(CHECK_STAGES)
	@echo "make check: all stages passed"

demo: deps-stamp modules-stock cli
	scripts/demo.sh

# `make bench QUICK=1` is `scripts/bench.sh --quick` (make has no --quick),
# ICOUNT=1 is --icount.
bench: deps-stamp modules-stock cli $(BUILD)/benchjoin $(BUILD)/benchflood
	scripts/bench.sh $(if $(QUICK),--quick) $(if $(ICOUNT),--icount)

# The join loop of the benchmark, the same C for both stacks.
$(BUILD)/benchjoin: scripts/bench/benchjoin.c include/uapi/linux/mchost.h
	mkdir -p $(BUILD)
	$(CC) $(CLI_CFLAGS) $< $$(pkg-config --cflags --libs libmnl) -o $@

# The frame flood of the benchmark (UDP receive rate, query flood).
$(BUILD)/benchflood: scripts/bench/benchflood.c
	mkdir -p $(BUILD)
	$(CC) $(CLI_CFLAGS) $< -o $@

# The slab-corruption hunt of issue 8: STRESS_RUNS boots of STRESS_KERNEL,
# one at a time, each running the benchmark's joins and a join / device and
# netns delete / rmmod loop; any kernel report fails (scripts/stress.sh).
STRESS_RUNS ?= 20
STRESS_KERNEL ?= 6.12-debug
stress: modules-all cli
	STRESS_RUNS=$(STRESS_RUNS) scripts/stress.sh --kernel $(STRESS_KERNEL)

# ---------------------------------------------------------------------------
# Installing. DESTDIR stages the files under another root (packaging);
# PREFIX (default /usr/local) is where programs and data go. The
# configuration is always under SYSCONFDIR (default /etc).
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
UNITDIR ?= $(PREFIX)/lib/systemd/system
# Where tools/net/ynl's "make install" puts the specs (ynl --family finds
# them there).
YNLSPECDIR ?= $(PREFIX)/share/ynl/specs
SYSCONFDIR ?= /etc

# The release of the kernel in KDIR, and its module signing key. kbuild
# signs on install when the kernel's config says so; distribution headers
# never ship the key, and then signing only prints SSL errors: skip it.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)
sig_key = $(patsubst "%",%,$(shell sed -n 's/^CONFIG_MODULE_SIG_KEY=//p' \
	$(KDIR)/include/config/auto.conf 2>/dev/null))
MODSIGN_ARGS = $(if $(sig_key),$(if $(wildcard $(KDIR)/$(sig_key) \
	$(filter /%,$(sig_key))),,CONFIG_MODULE_SIG_ALL=))

# Installed modules carry no debug information, as distribution kernels'
# (INSTALL_MOD_STRIP=0 keeps it), and go to /lib/modules/<release>/updates
# on every kernel (6.1's kbuild would pick extra/, 6.12's updates/).
INSTALL_MOD_STRIP ?= 1
INSTALL_MOD_DIR ?= updates

install: install-module install-tools

# Kbuild's own depmod (only where the headers have a System.map) is left
# out: depmod runs below, or on the target when DESTDIR stages the files.
install-module: module
	$(MAKE) -C $(KDIR) M=$(MODULE_BUILD) $(KBUILD_ARGS) $(MODSIGN_ARGS) \
		DEPMOD=true INSTALL_MOD_STRIP=$(INSTALL_MOD_STRIP) \
		INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	@if [ -n "$(DESTDIR)" ]; then \
		echo "DESTDIR is set: run 'depmod $(KREL)' on the target"; \
	else \
		echo "depmod $(KREL)"; depmod $(KREL); \
	fi

# Everything but the module: what a DKMS install needs besides dkms-install.
install-tools: cli
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(INCLUDEDIR)/linux \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(UNITDIR) \
		$(DESTDIR)$(SYSCONFDIR)/mchost $(DESTDIR)$(YNLSPECDIR)
	install -m 0755 $(BUILD)/mchostctl $(DESTDIR)$(SBINDIR)/mchostctl
	install -m 0644 man/mchostctl.8 $(DESTDIR)$(MANDIR)/man8/mchostctl.8
	install -m 0644 man/mchost.7 $(DESTDIR)$(MANDIR)/man7/mchost.7
	install -m 0644 include/uapi/linux/mchost.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/mchost.h
	install -m 0644 Documentation/netlink/specs/mchost.yaml \
		$(DESTDIR)$(YNLSPECDIR)/mchost.yaml
	install -m 0644 dist/mchostctl.bash $(DESTDIR)$(BASHCOMPDIR)/mchostctl
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/mchost.service.in >$(DESTDIR)$(UNITDIR)/mchost.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/mchost.service
	@# The operator's configuration is never overwritten.
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/mchost/mchost.conf ]; then \
		echo "keeping $(DESTDIR)$(SYSCONFDIR)/mchost/mchost.conf"; \
	else \
		echo "install -m 0644 dist/mchost.conf $(DESTDIR)$(SYSCONFDIR)/mchost/mchost.conf"; \
		install -m 0644 dist/mchost.conf \
			$(DESTDIR)$(SYSCONFDIR)/mchost/mchost.conf; \
	fi

# DKMS: the module's sources go to /usr/src/mchost-VERSION, and DKMS builds
# and installs it for the running kernel now and for every kernel installed
# later (AUTOINSTALL). Re-running replaces the registration.
DKMS_SRC := Makefile Kbuild Kconfig VERSION dkms.conf scripts/kernels.env \
	    include/uapi/linux/mchost.h $(MODULE_SRCS)
DKMS_DIR := /usr/src/mchost-$(VERSION)

dkms-install:
	@command -v dkms >/dev/null || { echo "error: dkms is not installed (apt-get install dkms)"; exit 1; }
	@if dkms status -m mchost -v $(VERSION) | grep -q .; then \
		echo "dkms remove mchost/$(VERSION) --all"; \
		dkms remove -m mchost -v $(VERSION) --all; \
	fi
	$(MAKE) -s dkms-src
	dkms add -m mchost -v $(VERSION)
	dkms install -m mchost -v $(VERSION)
	dkms status -m mchost

# The DKMS source tree, into DKMS_DIR (dkms-check points it elsewhere).
dkms-src:
	rm -rf $(DKMS_DIR)
	for f in $(DKMS_SRC); do install -D -m 0644 $$f $(DKMS_DIR)/$$f; done

dkms-remove:
	@if dkms status -m mchost -v $(VERSION) | grep -q .; then \
		echo "dkms remove mchost/$(VERSION) --all"; \
		dkms remove -m mchost -v $(VERSION) --all; \
	fi
	rm -rf $(DKMS_DIR)

clean:
	rm -rf $(BUILD)

# fuzz, fuzz-smoke, fuzz-coverage: libFuzzer targets of the pure core.
# (The DKMS source tree has no fuzz/: it only builds the module.)
ifneq ($(wildcard $(ROOT)/fuzz/fuzz.mk),)
include $(ROOT)/fuzz/fuzz.mk
endif
