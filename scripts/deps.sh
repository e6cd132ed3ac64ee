#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make deps: install what the build and the testbed need, from Debian only.
#
# Idempotent. Picks the current cloud kernel ABI from the meta packages,
# installs its headers, the matching linux-source-6.1, QEMU, busybox and the
# tool chain, fetches the unsigned cloud image with `apt-get download` and
# unpacks it and the kernel source into the git-ignored cache. Stops with one
# line when headers, source and image are not the same version.
set -euo pipefail

CACHE=${CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache}
FLAVOUR=cloud-amd64
TOOLS="build-essential bc bison flex libelf-dev libssl-dev dwarves kmod cpio \
busybox-static qemu-system-x86 rsync python3 xz-utils perl git ca-certificates \
dkms sparse gnuplot-nox python3-docutils ccache \
ninja-build libglib2.0-dev libpixman-1-dev libfdt-dev python3-venv"

say() { echo "deps: $*"; }
die() { echo "deps: $*" >&2; exit 1; }

# Version apt would install for a package ("" when it knows none).
candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }' | grep -v '(none)' || true; }
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null | awk '$1 == "ii" { print $2 }'; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		die "not root; run: sudo $*"
	fi
}

apt_updated=
apt_update() {
	[ -n "$apt_updated" ] && return
	say "apt-get update"
	as_root apt-get update -qq
	apt_updated=1
}

# need_candidate VAR PKG [WHERE]: set VAR to the version apt would install
# of PKG. When the apt lists know none (never fetched, or older than the
# package), apt-get update once and ask again; when they still know none,
# stop: "no PKG in the apt lists (WHERE)". Call it as it is, not in $(...):
# apt_update's once-only flag stays set, and its message is not taken for
# the version.
need_candidate() {
	local _ver
	_ver=$(candidate "$2")
	if [ -z "$_ver" ]; then
		apt_update
		_ver=$(candidate "$2")
	fi
	[ -n "$_ver" ] || die "no $2 in the apt lists${3:+ ($3)}"
	printf -v "$1" '%s' "$_ver"
}

# find_abi: set abi to the ABI the cloud meta package points at, e.g.
# 6.1.0-56; of the form Debian gives its newer series too (6.12.118+deb12),
# should the meta package move there.
find_abi() {
	local ver
	need_candidate ver "linux-headers-$FLAVOUR"
	abi=$(apt-cache show "linux-headers-$FLAVOUR=$ver" 2>/dev/null |
	      sed -n 's/^Depends:.*linux-headers-\([0-9][0-9.]*\(-[0-9][0-9]*\|+deb[0-9][0-9]*\)\)-'"$FLAVOUR"'.*/\1/p' |
	      head -n1)
	[ -n "$abi" ] || die "linux-headers-$FLAVOUR $ver depends on no versioned headers package"
}

find_abi

HDR=linux-headers-$abi-$FLAVOUR
IMG=linux-image-$abi-$FLAVOUR-unsigned
# linux-source-SERIES of the ABI's series (6.1).
SRC=linux-source-$(echo "$abi" | cut -d. -f1-2)

missing=
for p in $HDR $TOOLS; do
	[ -n "$(installed "$p")" ] || missing="$missing $p"
done
# The source must follow point releases: install the candidate when it differs.
src_cand=$(candidate "$SRC")
[ -n "$src_cand" ] && [ "$(installed "$SRC")" != "$src_cand" ] && missing="$missing $SRC"
if [ -n "$missing" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "missing packages; run: sudo apt-get install -y --no-install-recommends$missing"
	fi
	apt_update
	say "installing$missing"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# L0's QEMU, the emulator the whole testbed runs on: Debian's source of a
# current QEMU with our fix of its SVM world switch on two vCPU threads,
# built into CACHE/qemu (tests/vm/l0-qemu/build.sh says why and how; the
# last line of TOOLS is what it builds with).
fetch_l0_qemu() {
	"$(dirname "$0")/../tests/vm/l0-qemu/build.sh" "$CACHE"
}

# unpack_image PKG VER DEST: apt-get download PKG=VER (a kernel image or
# source package) into CACHE/debs and dpkg -x it into DEST; nothing is
# installed.
unpack_image() {
	local deb
	rm -rf "$CACHE/debs"
	mkdir -p "$CACHE/debs"
	(cd "$CACHE/debs" && apt-get download -qq "$1=$2" 2>&1 | grep -v "^W: Download is performed unsandboxed" || true)
	deb=$(ls "$CACHE/debs/$1_"*.deb 2>/dev/null | head -n1)
	[ -f "$deb" ] || die "apt-get download $1=$2 failed"
	dpkg -x "$deb" "$3"
}

# depends_of PKG: the packages PKG needs (its Depends, recursively), a name
# a line, PKG itself not among them, nor virtual ones (<debconf-2.0>: one
# of the real packages that provide it is listed too).
depends_of() {
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances --no-pre-depends "$1" |
		grep -v -e '^ ' -e '^<' | grep -vx "$1" | sort -u
}

# unpack_tool PKG VER DIR BIN [PKG...]: apt-get download PKG=VER and the
# other packages into a scratch folder, dpkg -x them all into DIR (emptied
# first), check that DIR/BIN is there, record VER in DIR/.version; nothing
# is installed.
unpack_tool() {
	local pkg=$1 ver=$2 dir=$3 bin=$4 debs=$3.debs deb
	shift 4
	rm -rf "$dir" "$debs"
	mkdir -p "$debs"
	(cd "$debs" && apt-get download -qq "$pkg=$ver" "$@" 2>&1 |
		grep -v "^W: Download is performed unsandboxed" || true)
	for deb in "$debs"/*.deb; do
		[ -f "$deb" ] || die "apt-get download $pkg=$ver failed"
		dpkg -x "$deb" "$dir"
	done
	rm -rf "$debs"
	[ -x "$dir/$bin" ] || die "$pkg $ver has no $bin"
	echo "$ver" > "$dir/.version"
}

# kexec-tools, for the kexec tests' L2 (tests/vm/run --kexec): the apt
# lists' version unpacked into CACHE/kexec-tools with the libraries it
# needs that a Debian system may lack (Debian builds it with Xen support:
# libxen*, and what they need); nothing is installed.
fetch_kexec_tools() {
	local dir=$CACHE/kexec-tools ver pkgs
	need_candidate ver kexec-tools
	if [ -x "$dir/sbin/kexec" ] && [ "$(cat "$dir/.version" 2>/dev/null)" = "$ver" ]; then
		return 0
	fi
	say "fetching kexec-tools $ver and its Xen libraries"
	pkgs=$(depends_of kexec-tools | grep -E '^(libxen|libyajl)')
	# shellcheck disable=SC2086 # one word per package
	unpack_tool kexec-tools "$ver" "$dir" sbin/kexec $pkgs
}

# fetch_tool PKG BIN...: a Debian tool for L2 (tests/vm/run puts it in
# with the libraries it needs): the apt lists' version of PKG unpacked into
# CACHE/PKG with those of the packages it needs (its Depends, recursively)
# that this system lacks; nothing is installed. Fetched again when the
# version moves, or when a library it found on the system is gone (ldd, as
# tests/vm/run's add_program reads it). BIN: its programs, under CACHE/PKG.
fetch_tool() {
	local pkg=$1 dir=$CACHE/$1 ver pkgs="" p libs bin out fresh=1
	shift
	need_candidate ver "$pkg"
	if [ "$(cat "$dir/.version" 2>/dev/null)" = "$ver" ]; then
		libs=$(find "$dir" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')
		for bin in "$@"; do
			out=$(LD_LIBRARY_PATH=$libs ldd "$dir/$bin" 2>&1 || echo 'not found')
			case $out in *'not found'*) fresh=0 ;; esac
		done
		[ $fresh = 0 ] || return 0
	fi
	for p in $(depends_of "$pkg"); do
		[ -n "$(installed "$p")" ] || pkgs="$pkgs $p"
	done
	say "fetching $pkg $ver${pkgs:+ and$pkgs}"
	# shellcheck disable=SC2086 # one word per package
	unpack_tool "$pkg" "$ver" "$dir" "$1" $pkgs
	for bin in "$@"; do
		[ -x "$dir/$bin" ] || die "$pkg $ver has no $bin"
	done
}

# L1's kernel, the KVM host of the testbed (tests/vm/run's default): the
# cloud image of Debian 12's newer kernel series
# (bookworm-security), HOST_SERIES, at the point release its meta package
# names now, unpacked into CACHE/host-image and named in CACHE/host.mk; and
# linux-source-HOST_SERIES of the same point release, unpacked into
# CACHE/host-source, which the host series (hostside/build.sh) is applied
# to. The guests (L2) stay on the pinned kernel above. Nothing
# is installed.
HOST_SERIES=${PVOPS_HOST_SERIES:-6.12}
fetch_host_kernel() {
	local meta=linux-image-$HOST_SERIES-$FLAVOUR ver kver img stamp=$CACHE/host.mk want
	local srcpkg=linux-source-$HOST_SERIES srcver tmp
	need_candidate ver "$meta" "Debian 12's security suite has it"
	kver=$(apt-cache show "$meta=$ver" 2>/dev/null |
	       sed -n 's/^Depends:.*linux-image-\([^ ]*-'"$FLAVOUR"'\) .*/\1/p' | head -n1)
	[ -n "$kver" ] || die "$meta $ver names no versioned image"
	img=linux-image-$kver-unsigned
	srcver=$(candidate "$srcpkg")
	[ "$srcver" = "$ver" ] ||
		die "version mismatch: $meta $ver, $srcpkg ${srcver:-none} (apt-get update, then make deps again)"
	want="PVOPS_HOST_KVER := $kver
PVOPS_HOST_DEBVER := $ver"
	if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
	   [ -f "$CACHE/host-image/boot/vmlinuz-$kver" ] &&
	   [ -f "$CACHE/host-source/Makefile" ]; then
		say "host kernel up to date: $kver ($ver)"
		return
	fi
	say "fetching $img $ver (L1's kernel)"
	rm -rf "$CACHE/host-image" "$CACHE/host-source" "$stamp"
	unpack_image "$img" "$ver" "$CACHE/host-image"
	say "fetching $srcpkg $ver (the host series' base)"
	tmp=$CACHE/host-source.deb
	rm -rf "$tmp"
	unpack_image "$srcpkg" "$ver" "$tmp"
	[ -f "$tmp/usr/src/$srcpkg.tar.xz" ] || die "$srcpkg $ver has no usr/src/$srcpkg.tar.xz"
	tar -xf "$tmp/usr/src/$srcpkg.tar.xz" -C "$tmp"
	mv "$tmp/$srcpkg" "$CACHE/host-source"
	rm -rf "$tmp" "$CACHE/debs"
	echo "$want" > "$stamp"
	say "host kernel: $kver ($ver) in $CACHE/host-image, its source in $CACHE/host-source"
}

hdr_ver=$(installed "$HDR")
src_ver=$(installed "$SRC")
img_ver= # need_candidate sets it
need_candidate img_ver "$IMG"
if [ "$hdr_ver" != "$src_ver" ] || [ "$hdr_ver" != "$img_ver" ]; then
	die "version mismatch: $HDR $hdr_ver, $SRC $src_ver, $IMG $img_ver (apt-get update, then make deps again)"
fi

mkdir -p "$CACHE"
stamp=$CACHE/pinned.mk
want="PVOPS_ABI := $abi
PVOPS_KVER := $abi-$FLAVOUR
PVOPS_DEBVER := $hdr_ver"
fetch_l0_qemu
fetch_host_kernel
fetch_kexec_tools
# stress-ng: a workload of the TLB benchmark (tests/vm/run --stress-ng,
# tests/bench/tlb-guest's workload stress).
fetch_tool stress-ng usr/bin/stress-ng
# chrony: our PTP clock and ptp_kvm's as its refclocks (tests/vm/run
# --chrony, tests/e2e/chrony-checks).
fetch_tool chrony usr/sbin/chronyd usr/bin/chronyc
# The tracing tools of the README's recipes (tests/vm/run --trace-tools,
# tests/e2e/trace-recipes): trace-cmd, perf (linux-perf: Debian 12's, of
# its 6.1 series; it reads the 6.12 guest's tracepoints the same way) and
# bpftrace (with LLVM's and clang's libraries, about 150 MB in L2).
fetch_tool trace-cmd usr/bin/trace-cmd
fetch_tool linux-perf usr/bin/perf
fetch_tool bpftrace usr/bin/bpftrace
# udevadm, and Debian's udev rules, for the rule that names our PTP clock
# (tests/vm/run --udev, tests/e2e/udev-checks: udevadm test, L2 has no udevd).
fetch_tool udev bin/udevadm
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -f "$CACHE/image/boot/vmlinuz-$abi-$FLAVOUR" ] &&
   [ -f "$CACHE/linux-source/Makefile" ] &&
   [ -f "$CACHE/linux-source/usr/include/linux/kvm.h" ]; then
	say "up to date: $abi-$FLAVOUR ($hdr_ver)"
	exit 0
fi

say "fetching $IMG $img_ver"
rm -rf "$CACHE/image" "$CACHE/linux-source"
unpack_image "$IMG" "$img_ver" "$CACHE/image"

say "unpacking /usr/src/$SRC.tar.xz"
tar -xf /usr/src/$SRC.tar.xz -C "$CACHE"
mv "$CACHE/$SRC" "$CACHE/linux-source"
say "installing uapi headers into the source tree (for KVM selftests)"
make -s -C "$CACHE/linux-source" headers_install INSTALL_HDR_PATH=usr >/dev/null

echo "$want" > "$stamp"
say "ready: $abi-$FLAVOUR ($hdr_ver) in $CACHE"
