# SPDX-License-Identifier: GPL-2.0
# TAP helpers for the test scripts that run inside L1 and L2 (busybox sh).
# Source it, call tap_plan N, then one tap_check/tap_result per test.

tap_n=0
tap_failed=0

tap_plan() { echo "1..$1"; }

tap_diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# tap_result RC DESCRIPTION
tap_result() {
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

# tap_check DESCRIPTION CMD...: ok when CMD succeeds; its output is shown
# as diagnostics when it fails.
tap_check() {
	_desc=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	tap_result $_rc "$_desc"
	[ $_rc -eq 0 ] || tap_diag "$_out"
	return $_rc
}

# A helper for tap_check: "expect WHAT GOT WANT" fails with a clear line.
expect_eq() {
	[ "$2" = "$3" ] && return 0
	echo "$1: got '$2', want '$3'"
	return 1
}

# tap_section NAME CMD...: run CMD with its TAP framed by markers that
# tests/lib/extract finds in a console log. Returns CMD's status.
tap_section() {
	_name=$1
	shift
	echo "@@ TAP-BEGIN $_name"
	"$@"
	_rc=$?
	echo "@@ TAP-END $_name"
	return $_rc
}

# one_cpu CMD...: run CMD with every CPU but CPU 0 offline, then bring them
# back online; returns CMD's status. For the first switch of an op to a
# backend, which places the op's ftrace hook: patching kernel text that
# other vCPUs may be running resets L2 now and then under L0's TCG
# (cross-modifying code), even at rest; with one CPU online nobody runs it.
one_cpu() {
	_cpus=$(cd /sys/devices/system/cpu && ls -d cpu[1-9]* 2>/dev/null)
	for _c in $_cpus; do
		echo 0 > "/sys/devices/system/cpu/$_c/online"
	done
	"$@"
	_rc=$?
	for _c in $_cpus; do
		echo 1 > "/sys/devices/system/cpu/$_c/online" ||
			{ echo "one_cpu: $_c did not come back online"; _rc=1; }
	done
	return $_rc
}

# host_request SECS REQUEST TAG [ARGS...]: ask the host agent in L1
# (tests/lib/host-agent) with "@@ HOST-REQUEST TAG ARGS" and wait up to SECS
# seconds for its "@@ HOST-REQUEST-REPLY TAG rc=N ...", which the agent
# writes into L2's console input (for MIGRATE and STOPCONT), L2's only
# channel from L1 that works on every machine type (microvm included) and
# follows L2 through a live migration. The request goes to /dev/console,
# wherever this shell's output goes. Prints the reply; returns its N, or
# 124 when none came in time.
host_request() {
	_secs=$1 _req=$2 _tag=$3
	shift 3
	# The reply comes in as a typed line: the console must not echo it.
	stty -echo < /dev/console 2>/dev/null
	echo "@@ HOST-$_req $_tag${*:+ $*}" > /dev/console
	_t=$(cut -d. -f1 /proc/uptime)
	_end=$((_t + _secs))
	while [ "$(cut -d. -f1 /proc/uptime)" -lt $_end ]; do
		# shellcheck disable=SC3045 # busybox ash has read -t
		read -r -t 1 _line < /dev/console || continue
		case $_line in
		"@@ HOST-$_req-REPLY $_tag rc="*)
			echo "$_line"
			_rc=${_line#* rc=}
			return "${_rc%% *}"
			;;
		esac
	done
	echo "no @@ HOST-$_req-REPLY $_tag in $_secs s (is tests/lib/host-agent running in L1?)"
	return 124
}
