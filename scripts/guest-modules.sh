#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make guest-modules: our guest modules, the test modules, kunit.ko and the
# kernel's locktorture for the newer kernel series that make deps fetched
# for the host (CACHE/host.mk, e.g. Linux 6.12), which L2 can boot too
# (tests/vm/run --l2-kernel). The pinned kernel's are built in the source
# tree (make kunit torture); these in a copy of the guest tree of their own,
# BUILD/guest/KVER/src, as a user's checkout would be built against that
# kernel's cloud headers (make kernels); kunit.ko and locktorture come from
# the kernel source of that series (CACHE/host-source). Every .ko under
# BUILD/guest/KVER is what tests/vm/run puts into L2.
#
# Incremental: the copy keeps its files' times (rsync), so make rebuilds
# only what changed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CACHE:-$ROOT/.cache}
BUILD=${BUILD:-$ROOT/build}

die() { echo "guest-modules: $*" >&2; exit 1; }

kver=$(sed -n 's/^PVOPS_HOST_KVER := //p' "$CACHE/host.mk" 2>/dev/null) || kver=
[ -n "$kver" ] || die "no host kernel series in $CACHE/host.mk (run make deps)"
kdir=$(awk -v k="$kver" '$2 == k { print $3 }' "$CACHE/kernels/list" 2>/dev/null) || kdir=
[ -f "${kdir:-/nonexistent}/Makefile" ] || die "no headers of $kver in $CACHE/kernels/list (run make kernels)"

dir=$BUILD/guest/$kver
mkdir -p "$dir/src"
cd "$ROOT"
# What the build reads: the guest tree, and the test modules' sources.
rsync -a --delete --exclude '*.o' --exclude '*.ko' --exclude '.*.cmd' \
	--exclude '*.mod*' --exclude 'modules.order' --exclude 'Module.symvers' \
	--exclude '.cache' --exclude 'build' \
	Makefile Kbuild Kconfig include pvops pvtlb pvspinlock pvclock "$dir/src/"
mkdir -p "$dir/src/tests/lib"
rsync -a --delete tests/kunit tests/torture "$dir/src/tests/"
rsync -a tests/lib/ksource.sh "$dir/src/tests/lib/"
echo "guest-modules: $kver ($kdir) in $dir"
make -C "$dir/src" KDIR="$kdir" CACHE="$CACHE" BUILD="$dir" kunit torture
