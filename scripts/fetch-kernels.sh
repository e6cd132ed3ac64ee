#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The headers of every Debian 12 amd64 kernel flavour the apt lists offer
# (cloud, generic, rt; 6.1 and any newer series such as 6.12), for
# tests/packaging/kernels, which builds the guest modules against each.
#
# A flavour is a headers meta package, linux-headers-[SERIES-]FLAVOUR
# (linux-headers-amd64, linux-headers-6.12-rt-amd64, ...). Its candidate
# names the versioned headers package; that package and the linux-headers-*
# and linux-kbuild-* packages it depends on are fetched with
# `apt-get download` and unpacked with `dpkg -x` into CACHE/kernels/root:
# nothing is installed (the 6.12 headers depend on their kernel image), and
# no root is needed. The one absolute path of a headers tree, its Makefile's
# include of the -common tree, is pointed into that root.
#
# Writes CACHE/kernels/list: one line per flavour, "META KVER HEADERS-DIR".
# Idempotent: does nothing when the list's packages are all unpacked, and
# resolves nothing again while the apt lists stay the same.
set -euo pipefail

CACHE=${CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache}
dir=$CACHE/kernels
root=$dir/root

say() { echo "kernels: $*"; }
die() { echo "kernels: $*" >&2; exit 1; }

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }' | grep -v '(none)' || true; }

# The linux-headers-* / linux-kbuild-* packages PKG=VER depends on, with
# their exact versions where the dependency names one.
deps_of() {
	apt-cache show "$1=$2" 2>/dev/null | sed -n 's/^Depends: //p' | head -n 1 |
		tr ',|' '\n\n' | sed -n 's/^ *\(linux-\(headers\|kbuild\)-[^ ]*\).*/\1/p'
}

# The resolution below (about 40 apt-cache calls, a second each) depends
# only on the apt lists and this script: when neither changed since the
# list was written and its headers are all there, the list stands.
liststamp=$dir/list.stamp
fingerprint() {
	sha1sum "$0" | cut -d' ' -f1
	stat -c '%n %s %Y' /var/lib/apt/lists/*_Packages* /etc/apt/sources.list \
		/etc/apt/sources.list.d/* 2>/dev/null || true
}
if [ -f "$dir/list" ] && [ "$(fingerprint)" = "$(cat "$liststamp" 2>/dev/null)" ] &&
   awk '{ print $3 "/Makefile" }' "$dir/list" | xargs -r ls > /dev/null 2>&1; then
	say "$(wc -l < "$dir/list") flavours in $dir/list (apt lists unchanged)"
	exit 0
fi

metas=$(apt-cache pkgnames linux-headers- 2>/dev/null |
	grep -E '^linux-headers-([0-9]+\.[0-9]+-)?(cloud-|rt-)?amd64$' | sort) || true
[ -n "$metas" ] || die "no linux-headers-*amd64 meta packages in the apt lists (apt-get update)"

mkdir -p "$dir/debs" "$root"
list=$dir/list.new
: > "$list"
for meta in $metas; do
	mver=$(candidate "$meta")
	[ -n "$mver" ] || continue
	hdr=$(deps_of "$meta" "$mver" | head -n 1)
	[ -n "$hdr" ] || die "$meta $mver names no versioned headers package"
	kver=${hdr#linux-headers-}
	# The versioned package and, transitively, its headers and kbuild.
	todo=("$hdr")
	seen=
	while [ ${#todo[@]} -gt 0 ]; do
		p=${todo[0]}
		todo=("${todo[@]:1}")
		case " $seen " in *" $p "*) continue ;; esac
		seen="$seen $p"
		v=$(candidate "$p")
		[ -n "$v" ] || die "no candidate for $p (needed by $meta)"
		stamp=$dir/debs/$p.unpacked
		if [ "$(cat "$stamp" 2>/dev/null)" != "$v" ]; then
			say "fetching $p $v"
			rm -f "$dir/debs/${p}_"*.deb
			(cd "$dir/debs" && apt-get download -qq "$p=$v" 2>&1 |
				grep -v "^W: Download is performed unsandboxed" || true)
			deb=$(ls "$dir/debs/${p}_"*.deb 2>/dev/null | head -n 1)
			# Lists older than the mirror: update them once, start over.
			if [ ! -f "$deb" ] && [ -z "${PVOPS_KERNELS_UPDATED-}" ] && [ "$(id -u)" -eq 0 ]; then
				say "apt-get download $p=$v failed: apt-get update, then again"
				apt-get update -qq
				PVOPS_KERNELS_UPDATED=1 exec "$0" "$@"
			fi
			[ -f "$deb" ] || die "apt-get download $p=$v failed"
			dpkg -x "$deb" "$root"
			rm -f "$deb"
			echo "$v" > "$stamp"
		fi
		mapfile -t -O ${#todo[@]} todo < <(deps_of "$p" "$v")
	done
	hd=$root/usr/src/linux-headers-$kver
	[ -f "$hd/Makefile" ] || die "$hdr has no $hd/Makefile"
	# "include /usr/src/linux-headers-X-common/Makefile": into the root.
	sed -i "s@^include /usr/src/@include $root/usr/src/@" "$hd/Makefile"
	echo "$meta $kver $hd" >> "$list"
done
mv "$list" "$dir/list"
fingerprint > "$liststamp"
say "$(wc -l < "$dir/list") flavours in $dir/list"
