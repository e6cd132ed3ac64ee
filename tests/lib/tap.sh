# SPDX-License-Identifier: GPL-2.0
# The project's one TAP emitter, for every test script: in L1 and L2
# (busybox sh) and on this machine (bash). It has the semantics of
# kselftest's ktap_helpers.sh: the emitter numbers the results and counts
# them, and no script computes a plan. tap_done prints the plan from that
# count at the end (TAP allows the plan last) with the totals. A script that
# stops before tap_done prints no plan, which tests/lib/tap-summary counts
# as a failure of its layer: a level that crashes or hangs cannot look green.
# Source it, then one tap_check, tap_result or tap_skip per test, then
# tap_done (its status: 0 when every result passed or was skipped).

tap_n=0
tap_failed=0
tap_skipped=0

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

# tap_skip DESCRIPTION WHY: a test that cannot run here; counted as
# skipped, never as passed.
tap_skip() {
	tap_n=$((tap_n + 1))
	tap_skipped=$((tap_skipped + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# tap_done: the plan and the totals; fails unless every result passed or
# was skipped, and when there was none.
tap_done() {
	echo "1..$tap_n"
	echo "# Totals: pass:$((tap_n - tap_failed - tap_skipped)) fail:$tap_failed skip:$tap_skipped"
	[ "$tap_n" -gt 0 ] && [ "$tap_failed" -eq 0 ]
}

# tap_check DESCRIPTION CMD...: ok when CMD succeeds; its output is shown
# as diagnostics when it fails.
tap_check() { tap_run_ 0 "$@"; }

# tap_check_v DESCRIPTION CMD...: tap_check, with the output shown as
# diagnostics also when it passes (what a check measured).
tap_check_v() { tap_run_ 1 "$@"; }

tap_run_() {
	_verbose=$1 _desc=$2
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	tap_result $_rc "$_desc"
	[ $_rc -eq 0 ] && [ "$_verbose" = 0 ] || tap_diag "$_out"
	return $_rc
}

# ptp_of NAME: /dev/ptpN of the PTP clock whose clock_name is NAME.
ptp_of() {
	for _p in /sys/class/ptp/ptp*; do
		[ "$(cat "$_p/clock_name" 2>/dev/null)" = "$1" ] && { echo "/dev/${_p##*/}"; return 0; }
	done
	return 1
}

# mod_file NAME: the first NAME.ko in the folders $PVOPS_MODDIR lists
# (the testbed's /pvops/modules, a source tree's module folders,
# pvops-bench's own test modules); status 1 when none has it.
mod_file() {
	for _d in ${PVOPS_MODDIR:-}; do
		[ -f "$_d/$1.ko" ] && { echo "$_d/$1.ko"; return 0; }
	done
	return 1
}

# mod_load NAME [PARAM...]: insmod mod_file's NAME.ko, else modprobe NAME
# (a module make install or DKMS installed), with the parameters; refused
# when NAME is loaded already (modprobe would say nothing and leave its
# parameters as they are).
mod_load() {
	if grep -q "^$1 " /proc/modules; then
		echo "mod_load: $1 is loaded already" >&2
		return 1
	fi
	_f=$(mod_file "$1") || { modprobe "$@"; return; }
	shift
	insmod "$_f" "$@"
}

# mod_known NAME: true when mod_load has a NAME to load.
mod_known() { mod_file "$1" > /dev/null || modinfo -n "$1" > /dev/null 2>&1; }

# A helper for tap_check: "dmesg_clean FROM [MORE]" fails, showing them,
# when the kernel log after its first FROM lines has a warning, BUG, oops,
# lockup, RCU stall or hung task (MORE: further grep -E alternatives).
dmesg_clean() {
	! dmesg | tail -n +$(($1 + 1)) |
		grep -E "WARNING:|BUG:|Oops|soft lockup|hard LOCKUP|rcu.*stall|blocked for more than${2:+|$2}"
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

# console_drain: return once the console has sent all that was written to
# it. A line echoed to a serial console waits in the UART driver's buffer;
# a crash, kexec or power-off right after it drops what is left, and a lost
# "@@ TAP-END" ran one section into the next (tests/vm/NOTES.md, "A TAP
# section that ran into the next"). stty setting the console's own mode
# again is a tcsetattr(TCSADRAIN), which waits for that buffer to empty.
console_drain() {
	_mode=$(stty -F /dev/console -g 2>/dev/null) &&
		stty -F /dev/console "$_mode" 2>/dev/null
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

# host_stat_mark TAG [exits]: a benchmark part asks for the host's KVM
# statistics ("@@ HOST-STAT TAG [exits]", tests/bench/pvops-host-stat). The
# testbed's host agent answers on L1's console while the part goes on; under
# pvops-bench -H (PVOPS_HOST_ACK: a folder) the part waits, up to 30 s,
# until pvops-bench has the reply (it makes PVOPS_HOST_ACK/TAG), so that a
# slow host command cannot take the sample inside the measured window.
host_stat_mark() {
	echo "@@ HOST-STAT $*"
	[ -n "${PVOPS_HOST_ACK:-}" ] || return 0
	_i=300
	while [ ! -e "$PVOPS_HOST_ACK/$1" ] && [ $_i -gt 0 ]; do
		sleep 0.1
		_i=$((_i - 1))
	done
}

# host_request SECS REQUEST TAG [ARGS...]: ask the host agent in L1
# (tests/lib/host-agent) with "@@ HOST-REQUEST TAG ARGS" and wait up to SECS
# seconds for its "@@ HOST-REQUEST-REPLY TAG rc=N ...", which the agent
# writes into L2's console input (for MIGRATE and STOPCONT), L2's only
# channel from L1 that works on every machine type (microvm included) and
# follows L2 through a live migration. The request goes to /dev/console,
# wherever this shell's output goes. A reader in the background takes
# whole lines from the console (busybox's read -t can stop in the middle
# of a line at its deadline and lose the line). After 20 s with no reply,
# and every 10 s on, it prints "@@ HOST-RESEND REQUEST TAG": the agent then
# writes the reply again, if it has sent it, with " (resent)" at its end (a
# fallback: no reply was lost since the reader takes whole lines).
# Prints the reply (and how many resends it asked for); returns its N, or
# 124 when none came in time.
host_request() {
	_secs=$1 _req=$2 _tag=$3
	shift 3
	_got=/tmp/host-reply.$$
	rm -f "$_got" "$_got.new"
	# The reply comes in as a typed line: the console must not echo it.
	stty -echo < /dev/console 2>/dev/null
	while read -r _line; do
		case $_line in
		"@@ HOST-$_req-REPLY $_tag rc="*)
			printf '%s\n' "$_line" > "$_got.new"
			mv "$_got.new" "$_got"
			break
			;;
		esac
	done < /dev/console &
	_reader=$!
	echo "@@ HOST-$_req $_tag${*:+ $*}" > /dev/console
	_t0=$(cut -d. -f1 /proc/uptime)
	_t=$_t0
	_resends=0
	while [ ! -e "$_got" ] && [ "$_t" -lt $((_t0 + _secs)) ]; do
		sleep 0.2
		_t=$(cut -d. -f1 /proc/uptime)
		if [ ! -e "$_got" ] && [ $((_t - _t0)) -ge $((20 + 10 * _resends)) ]; then
			_resends=$((_resends + 1))
			echo "@@ HOST-RESEND $_req $_tag" > /dev/console
		fi
	done
	kill $_reader 2>/dev/null
	wait $_reader 2>/dev/null
	if [ ! -e "$_got" ]; then
		echo "no @@ HOST-$_req-REPLY $_tag in $_secs s, $_resends requests to resend (is tests/lib/host-agent running in L1?)"
		return 124
	fi
	_line=$(cat "$_got")
	rm -f "$_got"
	echo "$_line"
	[ $_resends = 0 ] || echo "(after $_resends requests to resend it, $((_t - _t0)) s)"
	_rc=${_line#* rc=}
	return "${_rc%% *}"
}

# neighbour_start TOOL SECS: a second VM beside this one (the host agent's
# HOST-NEIGHBOUR: 2 vCPUs under a lock load, tests/e2e/neighbour-load)
# whose load runs SECS seconds; the agent replies once the load runs (up to
# 240 s for its boot). On failure, one line naming TOOL and status 1.
# neighbour_wait SECS: wait for it to end (it only had to load: killed,
# rc 124, if its load still runs SECS + 120 s on).
neighbour_start() {
	host_request 240 NEIGHBOUR nb "$2" || { echo "$1: no second VM" >&2; return 1; }
}
neighbour_wait() {
	host_request $(($1 + 120)) NEIGHBOUR-WAIT nb 1 > /dev/null
}

# only_listed LIST WORD...: the WORDs named in the comma-separated LIST, in
# their order, on one line (a benchmark's -c: the configurations it keeps).
only_listed() {
	_list=$1
	shift
	_kept=
	for _w in "$@"; do
		case ,$_list, in *,"$_w",*) _kept="$_kept $_w" ;; esac
	done
	echo "${_kept# }"
}
