# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Sourced by tests/kunit/build-kunit.sh and tests/torture/build.sh, which
# build parts of the kernel (kunit.ko, locktorture) out of tree from the
# kernel source of the target kernel's series, and by tests/check and
# tests/demo, which name the guest kernels by series.
#
# series_of KVER: the series of a kernel release, e.g. 6.12 of
# 6.12.118+deb12-cloud-amd64; nothing for something else.
series_of() {
	echo "$1" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p'
}

#
# ksource KDIR TREE...: the first TREE whose series (VERSION.PATCHLEVEL of
# its Makefile) is that of the kernel KDIR builds for; fails with one line
# on stderr when none is.
ksource() {
	local kdir=$1 kver series tree v p
	shift
	kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h" 2>/dev/null) ||
		true
	[ -n "$kver" ] || { echo "no kernel release in $kdir (not a kernel build tree?)" >&2; return 1; }
	series=$(series_of "$kver")
	for tree; do
		v=$(sed -n 's/^VERSION = //p' "$tree/Makefile" 2>/dev/null)
		p=$(sed -n 's/^PATCHLEVEL = //p' "$tree/Makefile" 2>/dev/null)
		if [ "$v.$p" = "$series" ]; then
			echo "$tree"
			return 0
		fi
	done
	echo "no kernel source of Linux $series ($kver) among: $* (run make deps)" >&2
	return 1
}
