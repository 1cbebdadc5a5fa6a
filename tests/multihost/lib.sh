# What the hosts of a multi-host test share (sourced after tap.sh): their
# addresses on the segment, and signals from one host to another, each a
# TCP port the giver opens once and the waiter connects to. The giver
# waits until it is taken: a host that went on and powered off would take
# its signal with it.
source_ip=192.168.77.1
target_ip=192.168.77.2
peer_ip=192.168.77.3
guest_ip=192.168.77.50

# give_signal PORT: waits (up to 15 minutes) for a host to connect to PORT.
give_signal() { timeout 900 busybox nc -l -p "$1" </dev/null >/dev/null 2>&1; }

# await HOST PORT SECONDS: until HOST takes a connection on PORT.
await() {
	local i
	for ((i = 0; i < $3; i++)); do
		(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
		sleep 1
	done
	return 1
}

# until_true SECONDS CMD...: until CMD succeeds, once a second.
until_true() {
	local i n=$1
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 1
	done
	return 1
}

# show_logs_on_failure: after a failed check, what a reader needs to see
# why, since the emulated host and its logs end with the test: the end of
# the guest's console, its VMM's log and xend's log here.
show_logs_on_failure() {
	[ "$tap_failed" -eq 0 ] && return
	local f
	for f in "$(console_log migtest)" /var/log/xen/xenon-vmm-migtest.log /var/log/xen/xend.log; do
		[ -e "$f" ] || continue
		diag "--- the last lines of $f:"
		diag "$(tail -n 25 "$f" | tr -d '\r')"
	done
}
