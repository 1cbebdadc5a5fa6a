#!/usr/bin/env bash
# The third host of tests/multihost/migrate: the shared storage both
# hosts need (an NBD export of the guest's disk) and the guest's peer,
# which holds one TCP connection to the guest through every migration and
# times the counts it sends, ten a second: the longest gap is the
# downtime a peer sees. It also checks that the target's relocation
# server refuses a host its xend-relocation-hosts-allow leaves out.
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/lib.sh"
work=$(mktemp -d)
trap 'kill "$peer_pid" 2>/dev/null; kill "$(cat "$work/nbd.pid" 2>/dev/null)" 2>/dev/null; rm -rf "$work"' EXIT

truncate -s 16M "$work/disk.img"
ok "qemu-nbd serves the guests' disk" qemu-nbd --fork --persistent --shared=8 --format=raw \
	--bind="$peer_ip" --port=10809 --pid-file="$work/nbd.pid" "$work/disk.img"

# The target allows the source alone.
first_line() {
	python3 - "$1" "$2" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
print(s.makefile().readline().strip())
PY
}
ok "the target's relocation server listens" await "$target_ip" 8002 600
like "it refuses this host, which its hosts-allow does not name" "$(first_line "$target_ip" 8002 2>&1)" \
	"^refused: 192\\.168\\.77\\.3 is not in the xend-relocation-hosts-allow"

# The peer: one connection, each line with the time it came.
python3 - "$work/counts" "$guest_ip" <<'PY' &
import socket, sys, time
out = open(sys.argv[1], "w", buffering=1)
deadline = time.monotonic() + 1400
while time.monotonic() < deadline:
    try:
        s = socket.create_connection((sys.argv[2], 7000), timeout=5)
        break
    except OSError:
        time.sleep(0.5)
s.settimeout(None)
for line in s.makefile():
    out.write("%.3f %s" % (time.monotonic(), line))
out.write("closed\n")
PY
peer_pid=$!
counts() { cat "$work/counts" 2>/dev/null | grep -c ' count '; }
counting() { [ "$(counts)" -ge 10 ]; }
ok "the peer hears the guest count" until_true 900 counting
give_signal 9003
ok "the source says the guest is done" await "$source_ip" 9004 1400
sleep 1
kill "$peer_pid" 2>/dev/null

unlike "the connection to the guest never closed" "$(cat "$work/counts")" '^closed$'
# Consecutive counts, and the longest gaps between them.
report=$(awk '$2 == "count" { if (last && $3 != last + 1) bad++; if (last) { g = $1 - t; if (g > max) max = g }
	last = $3; t = $1; n++ } END { printf "%d %d %.2f\n", n, bad, max }' "$work/counts")
read -r total broken longest <<<"$report"
diag "the peer got $total counts; the longest gaps between two (seconds, after count):" \
	"$(awk '$2 == "count" { if (t) printf "%.2f %d\n", $1 - t, $3 - 1; t = $1 }' "$work/counts" | sort -rn | head -3)"
is "every count came once and in order, through all three migrations (longest gap $longest s)" "$broken" 0
ok "the peer heard counts after the guest came back (more than 300 in all)" test "$total" -gt 300
done_testing
