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
# The kernel sources make deps unpacks (6.1's and L1's 6.12): kunit.ko and
# locktorture come from the one of KDIR's series.
KSOURCES := $(CACHE)/linux-source $(CACHE)/host-source
KERNEL_HAS_KUNIT = $(shell grep -qs '^CONFIG_KUNIT=[ym]' $(KDIR)/.config && echo y)

export CACHE BUILD

.PHONY: all modules kunit e2e-tools torture guest-modules hostside selftests \
	deps kernels series-check demo check check-full bench bench-modules \
	bench-local install-bench uninstall-bench clean help

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) modules

kunit: modules
ifeq ($(KERNEL_HAS_KUNIT),y)
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) $(KUNIT_CONFIG) modules
else
	KDIR=$(KDIR) tests/kunit/build-kunit.sh $(KUNIT_DIR) $(KSOURCES)
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
# exit-storm: the testbed's control experiments (tests/vm/NOTES.md).
E2E_TOOLS += $(BUILD)/e2e/exit-storm
# hcfuzz-user: hypercalls from CPL 3 (tests/e2e/hcfuzz-checks).
E2E_TOOLS += $(BUILD)/e2e/hcfuzz-user
e2e-tools: $(E2E_TOOLS)
# They report through the kernel's kselftest.h, from linux-source (make deps).
KSFT_DIR := $(CACHE)/linux-source/tools/testing/selftests
$(BUILD)/e2e/%: tests/e2e/%.c tests/e2e/e2e.h $(KSFT_DIR)/kselftest.h
	@mkdir -p $(@D)
	$(CC) -static -O2 -Wall -Wextra -Werror -pthread -I$(KSFT_DIR) -o $@ $<

# Without linux-source (a user's VM): say where kselftest.h comes from.
$(KSFT_DIR)/kselftest.h:
	@echo "pvops: no $@: the test tools report through the kernel's kselftest.h (make deps unpacks linux-source; else KSFT_DIR=<a Linux source>/tools/testing/selftests)" >&2; exit 1

# The kernel's own PTP test program, from linux-source, as it is.
$(BUILD)/e2e/testptp: $(CACHE)/linux-source/tools/testing/selftests/ptp/testptp.c
	@mkdir -p $(@D)
	$(CC) -static -O2 -o $@ $<

# The kernel's lock torture test (torture.ko, locktorture.ko) built out of
# tree from linux-source, put into L2's /pvops/modules; a no-op when built.
torture:
	KDIR=$(KDIR) tests/torture/build.sh $(BUILD)/torture $(KSOURCES)

# The same modules, test modules, kunit.ko and locktorture for the newer
# series that L1 runs (.cache/host.mk), in $(BUILD)/guest/KVER, for an L2 on
# that series (tests/vm/run --l2-kernel).
guest-modules: kernels
	scripts/guest-modules.sh

# The KVM patch series on L1's kernel (linux-source-6.12): a patched tree
# and kvm*.ko in $(BUILD)/hostside, against that kernel's headers from
# make kernels.
hostside: kernels
	hostside/build.sh

# Built from the patched tree, whose uapi headers have the series' ABI.
selftests: hostside
	tests/selftests/build.sh $(BUILD)/hostside/linux $(BUILD)/selftests

deps:
	scripts/deps.sh

# demo and check run `make deps` first, then re-enter make so that the
# pinned kernel it wrote is what KDIR points at.
demo: deps
	$(MAKE) hostside kunit e2e-tools guest-modules
	tests/demo

# Through ccache when make deps installed it (tests/check says why).
check: deps kernels
	if [ -x /usr/lib/ccache/gcc ]; then export PATH=/usr/lib/ccache:$$PATH; fi; \
		$(MAKE) hostside kunit e2e-tools selftests torture guest-modules
	tests/check

# The same with the stress layers at their full lengths (tests/check).
check-full:
	$(MAKE) check PVOPS_CHECK=full

# The host series as posted: git am onto linux-source, patches 1..k build.
series-check: deps
	tests/series-check

# The headers of every Debian 12 kernel flavour, for tests/packaging/kernels.
kernels:
	scripts/fetch-kernels.sh

# Benchmarks: ratios measured side by side in one boot (tests/bench/run).
bench: deps
	$(MAKE) hostside kunit e2e-tools
	tests/bench/run

# pvops-bench (tests/bench/pvops-bench): make bench's parts on the VM it
# runs in. Besides our four modules it loads three test modules, and the
# parts run two of the tools above.
BENCH_CONFIG := CONFIG_PVOPS_TEST_BACKEND=m CONFIG_PVOPS_CLOCK_BENCH=m
BENCH_MODULES := pvops/pvops_test_backend pvops/pvops_lockload pvclock/pvclock_bench
BENCH_TOOLS := $(BUILD)/e2e/tlb-bench $(BUILD)/e2e/clock-bench
BENCH_SCRIPTS := $(foreach p,tlb lock clock hist,tests/bench/$(p)-guest tests/bench/$(p)-table) \
	tests/bench/report tests/bench/pvops-bench tests/bench/pvops-host-stat
PREFIX ?= /usr/local
BENCH_LIBDIR = $(DESTDIR)$(PREFIX)/lib/pvops-bench

bench-modules: kconfig-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 $(PVOPS_CONFIG) $(BENCH_CONFIG) modules

# As root, in this VM: the tree's modules and tools (BENCH_ARGS: pvops-bench's
# options, e.g. "-r 3 -s 2 -p tlb,clock").
bench-local: bench-modules $(BENCH_TOOLS)
	tests/bench/pvops-bench $(foreach d,pvops pvtlb pvspinlock pvclock,-m $(d)) \
		-b $(BUILD)/e2e $(BENCH_ARGS)

# PREFIX/sbin/pvops-bench and pvops-host-stat (to be copied to the VM's
# host, for pvops-bench -H), their files in PREFIX/lib/pvops-bench: bench/ and
# lib/ as in tests/, bin/ the tools, modules/KVER/ the test modules for the
# kernel they were built against (KDIR, KVER as for make install).
install-bench: bench-modules $(BENCH_TOOLS)
	install -d $(BENCH_LIBDIR)/bench $(BENCH_LIBDIR)/lib $(BENCH_LIBDIR)/bin \
		$(BENCH_LIBDIR)/modules/$(KVER) $(DESTDIR)$(PREFIX)/sbin
	install -m 755 $(BENCH_SCRIPTS) $(BENCH_LIBDIR)/bench/
	install -m 644 tests/bench/benchdata.py $(BENCH_LIBDIR)/bench/
	install -m 644 tests/lib/tap.sh tests/lib/testbed.py $(BENCH_LIBDIR)/lib/
	install -m 755 $(BENCH_TOOLS) $(BENCH_LIBDIR)/bin/
	install -m 644 $(addsuffix .ko,$(BENCH_MODULES)) $(BENCH_LIBDIR)/modules/$(KVER)/
	ln -sf ../lib/pvops-bench/bench/pvops-bench $(DESTDIR)$(PREFIX)/sbin/pvops-bench
	ln -sf ../lib/pvops-bench/bench/pvops-host-stat $(DESTDIR)$(PREFIX)/sbin/pvops-host-stat

uninstall-bench:
	rm -rf $(BENCH_LIBDIR) $(DESTDIR)$(PREFIX)/sbin/pvops-bench \
		$(DESTDIR)$(PREFIX)/sbin/pvops-host-stat

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)

help:
	@echo 'make            build the guest modules, for Linux 6.1 or 6.12 (KDIR=$(KDIR))'
	@echo 'make deps       install packages, fetch the cloud kernel into $(CACHE)'
	@echo 'make demo       boot the nested testbed and show what the guest sees'
	@echo 'make check      all tests: KUnit in L2, KVM selftests in L1, e2e checks'
	@echo 'make check-full the same, the stress layers at their full lengths'
	@echo 'make bench      benchmarks on the testbed: TLB shootdowns, spinlocks, clock reads'
	@echo 'make kunit      build kunit.ko (if the kernel lacks it) and the test modules'
	@echo 'make torture    build torture.ko and locktorture.ko from linux-source'
	@echo 'make guest-modules  all of the above for the host kernel series (L2 on 6.12)'
	@echo 'make hostside   apply hostside/series to the host kernel series, build kvm*.ko into $(BUILD)/hostside/kvm'
	@echo 'make selftests  build the KVM selftests statically (from the patched tree)'
	@echo 'make series-check  git am the host series onto linux-source, build 1..k for every k'
	@echo 'make install    install the 4 modules into /lib/modules/$(KVER)/$(INSTALL_MOD_DIR), depmod'
	@echo '                (INSTALL_MOD_PATH=, INSTALL_MOD_DIR=, KVER=, KDIR=); make uninstall'
	@echo 'make dkms-install  sources to $(DKMS_SRCDIR), dkms add/build/install; dkms-uninstall'
	@echo '                both install the udev rule for /dev/ptp_pvclock (make install-udev)'
	@echo 'make install-bench  pvops-bench, make bench on your own VM, into $(PREFIX) (DESTDIR=);'
	@echo '                uninstall-bench; make bench-local runs it from this tree (as root)'
	@echo 'tests/vm/run --help   the testbed CLI'

# Installing the four guest modules. The kernel's modules_install puts what
# modules.order lists (hence the rebuild with $(PVOPS_CONFIG) only: no test
# module) into $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR);
# it runs depmod only when KDIR has a System.map, a headers tree has none.
# KVER is KDIR's release; KVER=X alone means KDIR=/lib/modules/X/build.
ifneq ($(filter command line environment,$(origin KVER)),)
  ifeq ($(origin KDIR),file)
    KDIR := /lib/modules/$(KVER)/build
  endif
endif
KVER ?= $(or $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null),$(shell uname -r))
INSTALL_MOD_DIR ?= extra
PVOPS_MODULES := pvops/pvops pvtlb/pvtlb pvspinlock/pvspinlock pvclock/pvclock
# Kconfig's `depends on` (which an out-of-tree build does not apply); the
# same list as BUILD_EXCLUSIVE_CONFIG in scripts/dkms.conf, and the same
# series as its BUILD_EXCLUSIVE_KERNEL (6.1 and 6.12, include/pvops/compat.h).
PVOPS_NEEDS := CONFIG_PARAVIRT CONFIG_KVM_GUEST CONFIG_DYNAMIC_FTRACE_WITH_REGS \
	CONFIG_PARAVIRT_SPINLOCKS CONFIG_PTP_1588_CLOCK
# DKMS: the sources the build needs, with scripts/dkms.conf at their root.
# The modules' MODULE_VERSION, owned by include/pvops/version.h.
PVOPS_VERSION := $(shell sed -n 's/^.define PVOPS_VERSION "\(.*\)"$$/\1/p' \
	$(CURDIR)/include/pvops/version.h)
ifeq ($(PVOPS_VERSION),)
  $(error no PVOPS_VERSION in include/pvops/version.h)
endif
DKMS_SRCDIR ?= /usr/src/pvops-$(PVOPS_VERSION)
DKMS_FILES := Kbuild Kconfig Makefile $(wildcard include/pvops/*.h) \
	$(foreach d,pvops pvtlb pvspinlock pvclock,$(d)/Kbuild $(wildcard $(d)/*.h) \
	$(filter-out %.mod.c %_kunit.c %_test_backend.c %_lockload.c %_hcfuzz.c %_bench.c, \
	$(wildcard $(d)/*.c)))

.PHONY: kconfig-check install uninstall dkms-source dkms-install dkms-uninstall \
	install-udev uninstall-udev

modules: kconfig-check
kconfig-check:
	@test -f $(KDIR)/.config || { echo "pvops: no kernel build tree at $(KDIR) (install linux-headers-$(KVER), or set KDIR)" >&2; exit 1; }
	@case "$(KVER)" in 6.1.*|6.12.*) ;; *) echo "pvops: kernel $(KVER) ($(KDIR)) is neither Linux 6.1 nor 6.12, the series pvops is written for (include/pvops/compat.h)" >&2; exit 1 ;; esac
	@for c in $(PVOPS_NEEDS); do grep -q "^$$c=[ym]" $(KDIR)/.config || \
		{ echo "pvops: kernel $(KVER) ($(KDIR)) lacks $$c; pvops needs $(PVOPS_NEEDS)" >&2; exit 1; }; done

# A headers tree has no signing key: then do not try to sign (sign-file
# would print an error for each module).
install: modules install-udev
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(PVOPS_CONFIG) INSTALL_MOD_DIR=$(INSTALL_MOD_DIR) \
		$(if $(wildcard $(KDIR)/certs/signing_key.x509),,CONFIG_MODULE_SIG_ALL=) modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

# The udev rule that names pvclock's PTP clock /dev/ptp_pvclock
# (scripts/60-pvclock.rules); on the running system (no DESTDIR) udev
# rereads its rules and names a clock that is there already.
UDEV_RULES_DIR ?= /etc/udev/rules.d
PVOPS_UDEV_RULE = $(DESTDIR)$(UDEV_RULES_DIR)/60-pvclock.rules
install-udev:
	install -D -m 644 scripts/60-pvclock.rules $(PVOPS_UDEV_RULE)
ifeq ($(DESTDIR),)
	-if command -v udevadm > /dev/null; then udevadm control --reload && \
		udevadm trigger --subsystem-match=ptp --action=add; fi
endif

uninstall-udev:
	rm -f $(PVOPS_UDEV_RULE)

PVOPS_MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
uninstall: uninstall-udev
	rm -f $(foreach m,$(PVOPS_MODULES),$(foreach s,.ko .ko.gz .ko.xz .ko.zst,$(PVOPS_MODDIR)/$(m)$(s)))
	-rmdir $(foreach m,$(PVOPS_MODULES),$(PVOPS_MODDIR)/$(dir $(m))) $(PVOPS_MODDIR) 2>/dev/null
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

dkms-source:
	rm -rf $(DKMS_SRCDIR)
	mkdir -p $(DKMS_SRCDIR)
	cp --parents $(DKMS_FILES) $(DKMS_SRCDIR)/
	sed 's/@PVOPS_VERSION@/$(PVOPS_VERSION)/' scripts/dkms.conf > $(DKMS_SRCDIR)/dkms.conf

# DKMS builds against /lib/modules/$(KVER)/build, installs into
# /lib/modules/$(KVER)/updates/dkms and runs depmod; AUTOINSTALL rebuilds for
# kernels installed later.
dkms-install: dkms-uninstall
	$(MAKE) dkms-source DKMS_SRCDIR=/usr/src/pvops-$(PVOPS_VERSION)
	dkms add pvops/$(PVOPS_VERSION)
	dkms install pvops/$(PVOPS_VERSION) -k $(KVER)
	$(MAKE) install-udev

dkms-uninstall: uninstall-udev
	if dkms status pvops/$(PVOPS_VERSION) | grep -q .; then dkms remove pvops/$(PVOPS_VERSION) --all; fi
	rm -rf /usr/src/pvops-$(PVOPS_VERSION)
