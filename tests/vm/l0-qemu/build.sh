#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# usage: tests/vm/l0-qemu/build.sh CACHE
#
# L0's QEMU, the emulator the whole testbed runs on, built from Debian's
# source with the patches in this folder, into CACHE/qemu (usr/bin/
# qemu-system-x86_64, where tests/vm/run takes it from). Called by make
# deps; does nothing when CACHE/qemu holds a build made with the same
# patches and this same script (whichever source version it took then:
# CACHE/qemu/version names it).
#
# Why a build of our own (tests/vm/NOTES.md, "Root cause: CPU 0's
# hflags2"): every QEMU Debian ships lets one vCPU thread write back a
# stale copy of CPU 0's hflags2 (cpu_clear_ignne()), which undoes the SVM
# world switch's GIF and nested-paging updates of L1's CPU 0: the triple
# faults, resets and hangs the testbed had to retry. 0001 fixes it.
# And helper_vmrun() leaves an interrupt it delivered in exception_index,
# so that an exit request with no interrupt behind it delivers it once
# more, whatever the guest's IF (NOTES.md, "Root cause 2": L2's "stack
# guard page was hit" deaths, and hangs). 0002 fixes that.
# debug/count-redeliveries.diff (never applied here) counts such
# re-deliveries, for a control experiment: copy this folder, add it as a
# .patch, with or without 0002, and build into a cache of its own.
#
# Which QEMU: the newest source of 10.2 or later that the mirror serves,
# from the suites after Debian 12 (QEMU before 10.2 also loses interrupts
# between vCPU threads: "The lead in L0's source"). Only the upstream
# tarball (*.orig.tar.xz, checked against its Sources SHA-256) is used;
# the build dependencies are Debian 12's, plus meson and pycotap from
# Debian 13, unpacked here and never installed. The firmware is Debian
# 12's (qemu-system-data, seabios), installed by make deps for L1's QEMU.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=$(cd "${1:?usage: $0 CACHE}" && pwd)
SUITES=${PVOPS_L0_QEMU_SUITES:-"trixie-backports sid forky trixie"}
MIN=10.2
dest=$CACHE/qemu
work=$CACHE/qemu-build
bp=$CACHE/apt-qemu

say() { echo "deps: $*"; }
die() { echo "deps: $*" >&2; exit 1; }

apt=(-o "Dir::Etc::SourceList=$bp/sources.list" -o Dir::Etc::SourceParts=/dev/null
     -o "Dir::State::Lists=$bp/lists" -o "Dir::Cache=$bp/cache"
     -o "Dir::State::status=$bp/status" -o Debug::NoLocking=1)

# What a build depends on besides the source: the patches and this script.
recipe=$(cat "$HERE"/*.patch "$HERE/build.sh" | sha256sum | cut -c1-16)
if [ -x "$dest/usr/bin/qemu-system-x86_64" ] && [ -f "$dest/version" ] &&
   [ "$(sed -n 2p "$dest/version")" = "$recipe" ] &&
   "$dest/usr/bin/qemu-system-x86_64" --version >/dev/null 2>&1; then
	say "L0 QEMU up to date: $(head -n1 "$dest/version")"
	exit 0
fi

# The mirror this machine already uses for its own release.
uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(TARGET_OF)' 2>/dev/null |
      awk -v r="$(. /etc/os-release && echo "$VERSION_CODENAME")" '$2 == r && $3 == "deb" { print $1; exit }')
[ -n "$uri" ] || die "no apt source of this release's to take QEMU's source from"
rm -rf "$bp" "$work"
mkdir -p "$bp/lists/partial" "$bp/cache/archives/partial" "$work"
: > "$bp/status"
{
	for s in $SUITES; do
		echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri $s main"
	done
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $uri trixie main"
} > "$bp/sources.list"
say "apt-get update (QEMU's source in $SUITES)"
apt-get "${apt[@]}" update -qq || die "apt-get update of $SUITES failed"

# "VERSION DIRECTORY FILE SHA256" of each qemu source's upstream tarball,
# newest first.
apt-cache "${apt[@]}" showsrc qemu 2>/dev/null | awk '
BEGIN { RS = ""; FS = "\n" }
/(^|\n)Package: qemu(\n|$)/ {
	v = d = f = s = ""; ck = 0
	for (i = 1; i <= NF; i++) {
		if ($i ~ /^Version: /) v = substr($i, 10)
		else if ($i ~ /^Directory: /) d = substr($i, 12)
		else if ($i ~ /^Checksums-Sha256:/) ck = 1
		else if ($i ~ /^[^ ]/) ck = 0
		else if (ck && $i ~ /orig\.tar\.xz$/) { split($i, a, " "); s = a[1]; f = a[3] }
	}
	if (f != "") print v, d, f, s
}' | sort -u > "$work/sources"
tarball= ver=
while read -r v d f s; do
	upstream=${v#*:}
	upstream=${upstream%%[+-]*}
	dpkg --compare-versions "$upstream" ge "$MIN" || continue
	# The mirror may list a source it no longer serves: try the next.
	if /usr/lib/apt/apt-helper download-file "${uri%/}/$d/$f" "$work/$f.part" "SHA256:$s" \
		< /dev/null > "$work/fetch.log" 2>&1; then
		mv "$work/$f.part" "$work/$f"
		tarball=$f ver=$v
		break
	fi
	rm -f "$work/$f.part"
done < <(sort -r -V "$work/sources")
[ -n "$tarball" ] ||
	die "no QEMU source of $MIN or later could be fetched from $SUITES (tried: $(cut -d' ' -f1 "$work/sources" | tr '\n' ' '))"
say "building QEMU ${ver#*:} (L0) from $tarball with $(ls "$HERE"/*.patch | wc -l) patch(es) of ours"

# meson >= 1.5 and pycotap, which QEMU's configure wants and Debian 12
# has too old or not at all: Debian 13's, unpacked.
(cd "$work" && apt-get "${apt[@]}" download -qq meson/trixie python3-pycotap/trixie 2>&1 |
	grep -v "^W: Download is performed unsandboxed" || true)
for p in "$work"/meson_*.deb "$work"/python3-pycotap_*.deb; do
	[ -f "$p" ] || die "could not fetch meson and python3-pycotap of Debian 13"
	dpkg -x "$p" "$work/py"
done
export PYTHONPATH=$work/py/usr/lib/python3/dist-packages

tar -xf "$work/$tarball" -C "$work"
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n1)
[ -n "$src" ] || die "$tarball holds no qemu-* folder"
for p in "$HERE"/*.patch; do
	patch -d "$src" -p1 -s --fuzz=0 < "$p" || die "$(basename "$p") does not apply to QEMU ${ver#*:}"
done
# Debian's repacked source (+ds) leaves out the prebuilt firmware that
# pc-bios/meson.build lists; the build needs none of it (the firmware
# comes from Debian 12's packages), only the keymaps it defines.
printf "roms = []\nsubdir('keymaps')\n" > "$src/pc-bios/meson.build"
mkdir -p "$src/build"
(cd "$src/build" && ../configure --python=/usr/bin/python3 --target-list=x86_64-softmmu \
	--without-default-features --enable-tcg --enable-fdt=system --disable-docs \
	--disable-user --disable-tools --disable-werror --with-pkgversion=pvops \
	> "$work/configure.log" 2>&1) ||
	{ tail -n 20 "$work/configure.log" >&2; die "configuring QEMU ${ver#*:} failed ($work/configure.log)"; }
ninja -C "$src/build" -j "$(nproc)" qemu-system-x86_64 > "$work/build.log" 2>&1 ||
	{ grep -B2 -A10 -m3 'error' "$work/build.log" >&2 || tail -n 20 "$work/build.log" >&2
	  die "building QEMU ${ver#*:} failed ($work/build.log)"; }

rm -rf "$dest"
mkdir -p "$dest/usr/bin" "$dest/usr/share"
cp "$src/build/qemu-system-x86_64" "$dest/usr/bin/"
ln -s /usr/share/qemu "$dest/usr/share/qemu"
ln -s /usr/share/seabios "$dest/usr/share/seabios"
"$dest/usr/bin/qemu-system-x86_64" --version >/dev/null || die "the QEMU built in $dest does not run"
printf '%s\n%s\n' "${ver#*:} + $(cd "$HERE" && ls ./*.patch | sed 's|^\./||' | paste -sd' ')" "$recipe" > "$dest/version"
rm -rf "$work"
say "L0 QEMU: $(head -n1 "$dest/version") in $dest"
