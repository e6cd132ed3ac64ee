# SPDX-License-Identifier: GPL-2.0
# L2's QMP monitor, from L1 (busybox sh): sourced by the host agent
# (tests/lib/host-agent) and by l1-init (tests/vm/l1-init). Each QEMU of
# L2 (tests/vm/l2-qemu, generation GEN) has its monitor on the fifo
# /tmp/l2.GEN.qmp.in and its replies in /tmp/l2.GEN.qmp.log. Set qmp_id
# before the first command when more than one shell uses the monitor: the
# replies are told apart by the id of the command.

# qmp_now: L1's uptime in whole seconds. The waits below end by it, not
# by a count of their rounds: in an L1 whose CPUs a hung L2 keeps busy, a
# round of grep and sleep 0.1 took several times as long, and l1-init's
# dump of a hung L2 ran into the kill (tests/vm/NOTES.md, "The lock
# torture stall").
qmp_now() { cut -d. -f1 /proc/uptime; }

# qmp GEN SECS COMMAND [ARGUMENTS]: one QMP command to L2's QEMU of
# generation GEN, its reply line in $reply (SECS to wait for it). Fails on
# an error reply or none.
qmp_n=0
qmp_id=${qmp_id:-agent}
qmp() {
	_t=/tmp/l2.$1
	qmp_n=$((qmp_n + 1))
	_j="{\"execute\": \"$3\", \"id\": \"$qmp_id-$qmp_n\""
	[ -z "${4:-}" ] || _j="$_j, \"arguments\": $4"
	reply=
	# The fifo is QEMU's: never create a file in its place.
	if [ ! -p "$_t.qmp.in" ] || [ -e "$_t.rc" ]; then
		reply="no QEMU $1"
		return 1
	fi
	printf '%s}\n' "$_j" 1<>"$_t.qmp.in"
	_end=$(($(qmp_now) + $2))
	while :; do
		reply=$(grep -F "\"id\": \"$qmp_id-$qmp_n\"" "$_t.qmp.log")
		if [ -n "$reply" ]; then
			case $reply in *'"error"'*) return 1 ;; esac
			return 0
		fi
		[ ! -e "$_t.rc" ] && [ "$(qmp_now)" -lt $_end ] || break
		sleep 0.1
	done
	reply="no reply to $3 from QEMU $1"
	return 1
}

# qmp_ready GEN SECS: QEMU of generation GEN greets on QMP (its main loop
# runs, an -incoming socket listens); leave the capabilities negotiation.
qmp_ready() {
	[ -e "/tmp/l2.$1.qmp.ready" ] && return 0
	_end=$(($(qmp_now) + $2))
	until grep -q '"QMP"' "/tmp/l2.$1.qmp.log" 2>/dev/null; do
		if [ "$(qmp_now)" -ge $_end ] || [ -e "/tmp/l2.$1.rc" ]; then
			reply="no QMP greeting from QEMU $1"
			return 1
		fi
		sleep 0.1
	done
	qmp "$1" "$2" qmp_capabilities && : > "/tmp/l2.$1.qmp.ready"
}
