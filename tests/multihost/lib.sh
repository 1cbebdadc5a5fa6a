# What the hosts of a multi-host test share (sourced after tap.sh): their
# addresses on the segment, and signals from one host to another, each a
# TCP port the giver opens once and the waiter connects to.
source_ip=192.168.77.1
target_ip=192.168.77.2
peer_ip=192.168.77.3
guest_ip=192.168.77.50

# give_signal PORT: the next host to connect to PORT here gets it.
give_signal() { (busybox nc -l -p "$1" </dev/null >/dev/null 2>&1 &); }

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
