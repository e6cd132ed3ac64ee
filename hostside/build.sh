#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KVM patch series of hostside/series, on the host kernel series
# (linux-source of L1's kernel, CACHE/host-source, which make deps unpacks):
#   BUILD/hostside/linux   the patched kernel tree: a hard-link copy of
#                          CACHE/host-source with the series applied and its
#                          uapi headers installed in usr/include (the KVM
#                          selftests build from it)
#   BUILD/hostside/kvm     kvm.ko kvm-amd.ko kvm-intel.ko, built out of tree
#                          against that kernel's headers from make kernels
#                          (CACHE/kernels/list), -Werror
# CACHE/host-source is never written to: patch(1) replaces the files it
# changes instead of writing through their hard links, every make runs with
# O= or in a plain copy, and the end of the build checks that no file that
# is still a hard link was written to.
#
# Does nothing when the series, the patches, this script and the host
# kernel did not change (BUILD/hostside/stamp).
#
# usage: build.sh [--force]   build (or do nothing when up to date)
#        build.sh --each      apply 1..k and build, for every k (slow; not
#                             part of make check), in BUILD/hostside/each
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$here/.." && pwd)
CACHE=${CACHE:-$ROOT/.cache}
BUILD=${BUILD:-$ROOT/build}
jobs=$(nproc)

say() { echo "hostside: $*"; }
die() { echo "hostside: $*" >&2; exit 1; }

mode=build
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=1 ;;
	--each) mode=each ;;
	*) die "usage: $0 [--force|--each]" ;;
	esac
	shift
done

# series_names, series_base, touched, kvm_overlay, kvm_kbuild,
# kvm_trace_checked: shared with tests/series-check.
# shellcheck source-path=SCRIPTDIR source=kbuild.sh
. "$here/kbuild.sh"

series=$here out=$BUILD/hostside
[ -f "$CACHE/host.mk" ] || die "no $CACHE/host.mk (run make deps)"
series_base
[ -n "$kdir" ] || die "no headers of $kver in $CACHE/kernels/list (run make kernels)"
[ "${force-}" != 1 ] || rm -f "$out/stamp"
[ -f "$kdir/Makefile" ] || die "no headers in $kdir (run make deps)"
[ -f "$src/Makefile" ] || die "no kernel source in $src (run make deps)"

[ -f "$series/series" ] || die "no ${series#"$ROOT"/}/series"
patches=()
while read -r p; do
	[ -f "$series/$p" ] || die "series names $p, which is not in ${series#"$ROOT"/}/"
	patches+=("$series/$p")
done < <(series_names "$series")

# Make TREE a hard-link copy of the pristine source with the first N patches
# applied and its uapi headers installed into TREE/usr/include.
make_tree() {
	local tree=$1 n=$2 i f
	rm -rf "$tree" "$tree.hdr"
	mkdir -p "$(dirname "$tree")"
	cp -al "$src" "$tree"
	# Generated files of the pristine tree: a build must not reuse (and
	# write through) them, and O= builds want a clean source tree.
	rm -rf "$tree/usr/include" "$tree/include/generated" \
		"$tree/arch/x86/include/generated"
	for ((i = 0; i < n; i++)); do
		if ! patch -p1 -d "$tree" -F0 -N -s --batch --no-backup-if-mismatch \
			-r - < "${patches[i]}"; then
			die "${patches[i]##*/} does not apply (on top of the ones before it in series)"
		fi
	done
	# patch(1) must have replaced, not written through, the files it
	# changed: they no longer share an inode with the pristine source.
	for f in $(touched "${patches[@]:0:n}"); do
		[ -e "$src/$f" ] || continue
		[ "$(stat -c %i "$src/$f")" != "$(stat -c %i "$tree/$f")" ] ||
			die "$f still shares its inode with $src"
	done
	make -s -C "$tree" O="$tree.hdr" headers_install \
		INSTALL_HDR_PATH="$tree/usr" >/dev/null
}

# Build kvm.ko kvm-amd.ko kvm-intel.ko from TREE's arch/x86/kvm and virt/kvm
# in KB, with TREE's versions of the headers the patches change, everything
# else from the Debian headers package.
build_modules() {
	local tree=$1 kb=$2 n=$3 ov
	rm -rf "$kb"
	mkdir -p "$kb/arch/x86" "$kb/virt" "$kb/overlay"
	# Plain copies: the build writes next to the sources.
	cp -r "$tree/arch/x86/kvm" "$kb/arch/x86/"
	cp -r "$tree/virt/kvm" "$kb/virt/"
	ov=$kb/overlay
	kvm_overlay "$tree" "$ov" "${patches[@]:0:n}"
	kvm_kbuild "$kb" "$ov" hostside/build.sh > "$kb/arch/x86/kvm/Kbuild"
	grep -q 'virt/kvm/Makefile.kvm' "$kb/arch/x86/kvm/Kbuild" ||
		die "arch/x86/kvm/Makefile no longer includes virt/kvm/Makefile.kvm"
	# No BTF for the modules: the headers package has no vmlinux to base it on.
	make -s -C "$kdir" M="$kb/arch/x86/kvm" CONFIG_KVM_WERROR=y \
		CONFIG_DEBUG_INFO_BTF_MODULES= \
		KCFLAGS=-Werror -j"$jobs" modules
	kvm_trace_checked "$kb" "$ov" ||
		die "x86.o did not take its tracepoints from $kb/arch/x86/kvm/trace.h"
}

# No file of TREE that is still a hard link into the pristine source may
# have been written since REF was created.
check_pristine() {
	local tree=$1 ref=$2 bad
	bad=$(find "$tree" -type f -links +1 -newer "$ref" -print | head -n 5)
	[ -z "$bad" ] || die "wrote through hard links into $src: $bad"
}

if [ $mode = each ]; then
	n=${#patches[@]}
	for ((k = 1; k <= n; k++)); do
		say "[$k/$n] ${patches[k - 1]##*/}"
		t0=$(date +%s)
		ref=$out/each/ref
		mkdir -p "$out/each"
		touch "$ref"
		make_tree "$out/each/linux" "$k"
		build_modules "$out/each/linux" "$out/each/kbuild" "$k"
		tests=$(sed -n 's@^+++ b/tools/testing/selftests/kvm/\(x86_64/.*\)\.c$@\1@p' \
			"${patches[k - 1]}")
		if [ -n "$tests" ]; then
			say "[$k/$n] selftests:" $tests
			rm -rf "$out/each/selftests"
			mkdir -p "$out/each/selftests"
			(cd "$out/each/selftests" && mkdir -p $(dirname $tests | sort -u))
			make -s -C "$out/each/linux/tools/testing/selftests/kvm" \
				EXTRA_CFLAGS="-static -Werror" OUTPUT="$out/each/selftests" \
				$(printf "$out/each/selftests/%s " $tests)
		fi
		check_pristine "$out/each/linux" "$ref"
		say "[$k/$n] ok ($(($(date +%s) - t0)) s)"
	done
	rm -rf "$out/each"
	exit 0
fi

id=$( {
	echo "$kver $debver $(stat -c %Y "$src/Makefile")"
	cat "$0" "$here/kbuild.sh" "$series/series"
	[ ${#patches[@]} = 0 ] || cat "${patches[@]}"
} | sha256sum | cut -d' ' -f1)
if [ "$(cat "$out/stamp" 2>/dev/null)" = "$id" ] &&
   [ -f "$out/kvm/kvm.ko" ] && [ -f "$out/kvm/kvm-amd.ko" ] &&
   [ -f "$out/kvm/kvm-intel.ko" ] && [ -f "$out/linux/usr/include/linux/kvm.h" ]; then
	say "up to date (${#patches[@]} patches)"
	exit 0
fi

t0=$(date +%s)
rm -f "$out/stamp"
mkdir -p "$out"
ref=$out/ref
touch "$ref"
say "applying ${#patches[@]} patches to a hard-link copy of $src"
make_tree "$out/linux" ${#patches[@]}
# Tells tests/selftests/build.sh which tree its objects came from.
echo "$id" > "$out/linux/.pvops-id"
say "building kvm.ko kvm-amd.ko kvm-intel.ko against $kdir"
build_modules "$out/linux" "$out/kbuild" ${#patches[@]}
check_pristine "$out/linux" "$ref"
rm -rf "$out/kvm"
mkdir -p "$out/kvm"
for m in kvm kvm-amd kvm-intel; do
	# Like the distribution's modules: no debug info (the L1 image
	# carries them).
	strip --strip-debug -o "$out/kvm/$m.ko" "$out/kbuild/arch/x86/kvm/$m.ko"
done
echo "$id" > "$out/stamp"
say "built $out/kvm/{kvm,kvm-amd,kvm-intel}.ko in $(($(date +%s) - t0)) s"
