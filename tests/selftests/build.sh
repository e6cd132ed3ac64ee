#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the KVM selftests named in tests/selftests/list, statically, so that
# they run in L1's busybox initramfs.
#
# usage: build.sh LINUX_SOURCE_DIR OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$1
out=$2
kvm=$src/tools/testing/selftests/kvm
[ -d "$kvm" ] || { echo "selftests: no $kvm (run make deps)" >&2; exit 1; }

targets=()
while read -r t; do
	case $t in ''|'#'*) continue ;; esac
	targets+=("$out/$t")
done < "$here/list"
mkdir -p "$out"
echo "selftests: building ${#targets[@]} KVM selftests"
make -s -C "$kvm" EXTRA_CFLAGS=-static OUTPUT="$out" "${targets[@]}"
