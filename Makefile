# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the pvops guest modules, plus the project's own
# targets: deps, demo, check (all tests). `make help` lists them.

CACHE ?= $(CURDIR)/.cache
BUILD ?= $(CURDIR)/build
-include $(CACHE)/pinned.mk

# The pinned Debian cloud headers when `make deps` installed them, else the
# running kernel's build tree (a real cloud VM).
ifeq ($(origin KDIR),undefined)
  ifneq ($(PVOPS_KVER),)
    ifneq ($(wildcard /usr/src/linux-headers-$(PVOPS_KVER)/Makefile),)
      KDIR := /usr/src/linux-headers-$(PVOPS_KVER)
    endif
  endif
endif
KDIR ?= /lib/modules/$(shell uname -r)/build

# Which guest modules to build; the Kconfig symbols of the same name.
PVOPS_CONFIG := CONFIG_PVOPS=m CONFIG_PVOPS_TLB=m CONFIG_PVOPS_SPINLOCK=m \
	CONFIG_PVOPS_CLOCK=m

# Test modules (KUnit suites, the engine's test backend), the KUnit ones
# built against our out-of-tree kunit.ko when the kernel has no CONFIG_KUNIT
# (see tests/kunit/README.md).
KUNIT_CONFIG := CONFIG_PVOPS_KUNIT_TEST=m CONFIG_PVOPS_TLB_KUNIT_TEST=m \
	CONFIG_PVOPS_SPINLOCK_KUNIT_TEST=m CONFIG_PVOPS_CLOCK_KUNIT_TEST=m \
	CONFIG_PVOPS_TEST_BACKEND=m CONFIG_PVOPS_CLOCK_BENCH=m
KUNIT_DIR := $(BUILD)/kunit
KERNEL_HAS_KUNIT = $(shell grep -qs '^CONFIG_KUNIT=[ym]' $(KDIR)/.config && echo y)

export CACHE BUILD

.PHONY: all modules kunit e2e-tools torture hostside selftests deps demo check bench clean help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) modules

kunit: modules
ifeq ($(KERNEL_HAS_KUNIT),y)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) $(KUNIT_CONFIG) modules
else
	KDIR=$(KDIR) tests/kunit/build-kunit.sh $(CACHE)/linux-source $(KUNIT_DIR)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) $(KUNIT_CONFIG) \
		KBUILD_EXTRA_SYMBOLS=$(KUNIT_DIR)/Module.symvers modules
endif

# Static userspace helpers of the e2e tests, put into L2 as /pvops/bin.
E2E_TOOLS := $(BUILD)/e2e/pvops-stress $(BUILD)/e2e/stale-tlb $(BUILD)/e2e/tlb-bench \
	$(BUILD)/e2e/clock-check $(BUILD)/e2e/testptp
# clock-watch: tests/e2e/migrate-checks.
E2E_TOOLS += $(BUILD)/e2e/clock-watch
# clock-bench: tests/bench/clock-guest.
E2E_TOOLS += $(BUILD)/e2e/clock-bench
e2e-tools: $(E2E_TOOLS)
$(BUILD)/e2e/%: tests/e2e/%.c tests/e2e/e2e.h
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Wextra -Werror -pthread -o $@ $<

# The kernel's own PTP test program, from linux-source, as it is.
$(BUILD)/e2e/testptp: $(CACHE)/linux-source/tools/testing/selftests/ptp/testptp.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -o $@ $<

# The kernel's lock torture test (torture.ko, locktorture.ko) built out of
# tree from linux-source, put into L2's /pvops/modules; a no-op when built.
torture:
	KDIR=$(KDIR) tests/torture/build.sh $(CACHE)/linux-source $(BUILD)/torture

# The KVM patch series: a patched tree and kvm*.ko in $(BUILD)/hostside.
hostside:
	hostside/build.sh

# Built from the patched tree, whose uapi headers have the pvops ABI.
selftests: hostside
	tests/selftests/build.sh $(BUILD)/hostside/linux $(BUILD)/selftests

deps:
	scripts/deps.sh

# demo and check run `make deps` first, then re-enter make so that the
# pinned kernel it wrote is what KDIR points at.
demo: deps
	$(MAKE) hostside kunit e2e-tools
	tests/demo

check: deps
	$(MAKE) hostside kunit e2e-tools selftests torture
	tests/check

# Benchmarks: ratios measured side by side in one boot (tests/bench/run).
bench: deps
	$(MAKE) hostside kunit e2e-tools
	tests/bench/run

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)

help:
	@echo 'make            build the guest modules (KDIR=$(KDIR))'
	@echo 'make deps       install packages, fetch the cloud kernel into $(CACHE)'
	@echo 'make demo       boot the nested testbed and show what the guest sees'
	@echo 'make check      all tests: KUnit in L2, KVM selftests in L1, e2e checks'
	@echo 'make bench      benchmarks on the testbed: TLB shootdowns, spinlocks, clock reads'
	@echo 'make kunit      build kunit.ko (if the kernel lacks it) and the test modules'
	@echo 'make torture    build torture.ko and locktorture.ko from linux-source'
	@echo 'make hostside   apply hostside/series, build kvm*.ko into $(BUILD)/hostside/kvm'
	@echo 'make selftests  build the KVM selftests statically (from the patched tree)'
	@echo 'tests/vm/run --help   the testbed CLI'
