#!/usr/bin/env bash
# Two emulated hosts started with the same --net segment share one Ethernet,
# each with its own address: one serves a line over TCP, the other fetches it.
. "$(dirname "$0")/../lib/tap.sh"
emuhost=$(repo_root)/tools/emuhost
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
segment=test-$$

"$emuhost" run --net "$segment" --ip 192.168.77.1/24 --name server --timeout 150 -- \
	sh -c 'echo "hello from $(hostname)" | timeout 100 busybox nc -l -p 7777' \
	>"$work/server.out" 2>&1 &
server=$!

"$emuhost" run --net "$segment" --ip 192.168.77.2/24 --name client --timeout 150 -- sh -c '
	ip -4 -o addr show eth0
	for i in $(seq 90); do
		line=$(busybox nc 192.168.77.1 7777 </dev/null 2>/dev/null) && [ -n "$line" ] &&
			{ echo "got: $line"; exit 0; }
		sleep 1
	done
	exit 1' >"$work/client.out" 2>&1
client_status=$?
wait "$server"
server_status=$?

out=$(cat "$work/client.out")
like "the client has its own address on eth0" "$out" 'eth0 +inet 192\.168\.77\.2/24'
is "the client reached the server" "$client_status" 0
like "the line came from the other host" "$out" '^got: hello from server$'
is "the server served it and ended" "$server_status" 0

done_testing
