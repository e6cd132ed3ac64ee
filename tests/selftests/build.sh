#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KVM selftests named in tests/selftests/list, statically, so that
# they run in L1's busybox initramfs.
#
# usage: build.sh LINUX_TREE OUT_DIR [LIST]
#
# LINUX_TREE is the patched tree of hostside/build.sh (build/hostside/linux),
# whose usr/include has the patched uapi headers; make selftests passes it.
# When that tree was rebuilt (another series), OUT_DIR is emptied first: the
# selftests' make does not track the uapi headers its objects depend on.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$1" && pwd)
mkdir -p "$2"
out=$(cd "$2" && pwd)
kvm=$src/tools/testing/selftests/kvm
[ -d "$kvm" ] || { echo "selftests: no $kvm (run make hostside)" >&2; exit 1; }
[ -f "$src/usr/include/linux/kvm.h" ] ||
	{ echo "selftests: no uapi headers in $src/usr/include" >&2; exit 1; }

id=$(cat "$src/.pvops-id" 2>/dev/null || echo "$src")
if [ "$(cat "$out/.source-id" 2>/dev/null)" != "$id" ]; then
	rm -rf "$out"
	mkdir -p "$out"
	echo "$id" > "$out/.source-id"
fi

targets=()
while read -r t; do
	case $t in ''|'#'*) continue ;; esac
	targets+=("$out/$t")
done < "${3:-$here/list}"
echo "selftests: building ${#targets[@]} KVM selftests from $src"
make -s -C "$kvm" EXTRA_CFLAGS=-static OUTPUT="$out" "${targets[@]}"
