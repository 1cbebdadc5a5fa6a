#!/usr/bin/env bash
# xm save and xm restore, as Xen's: a guest of two vCPUs that counts in
# memory and sends each count over TCP to a peer on the host is saved to a
# file (the domain goes away), then restored: its count goes on from where
# it was, on the same TCP connection, its console answers, and its disk
# reads what was written before the save and takes new writes. A truncated or
# corrupted copy of the file is refused, naming what is wrong, and leaves
# no domain behind. xm save -c keeps the domain running, and restoring
# that checkpoint while it runs is refused (the name is taken).
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='savetest'
. "$(dirname "$0")/../lib/xm.sh"

"$root/tools/guestkit" initrd "$root/tests/lib/console-guest.sh" "$work/guest.img"
# Two vCPUs: the guest's resume takes its second one down and up again.
VCPUS=2 guest_config savetest vif "bridge=xenbr0"
truncate -s 16M "$work/disk.img"
echo "disk = [ 'file:$work/disk.img,xvda,w' ]" >>/etc/xen/savetest
# The first 512-byte block at sector N of the guest's disk, as the guest
# writes it and as the host reads the file back.
write_sector() { echo "printf '$2' | dd of=/dev/xvda bs=512 seek=$1 conv=sync 2>/dev/null && sync && echo 'wrote $2'"; }
sector_of_file() { dd if="$work/disk.img" bs=512 skip="$1" count=1 2>/dev/null | tr -d '\0'; }

# The peer: connects to the guest's counter and writes each line it gets
# to a file as it comes, until the guest closes or 10 minutes pass.
peer() {
	: >"$work/peer"
	python3 - "$work/peer" <<'PY' &
import socket, sys, time
out = open(sys.argv[1], "w", buffering=1)
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    try:
        s = socket.create_connection(("10.10.0.21", 7000), timeout=5)
        break
    except OSError:
        time.sleep(0.5)
s.settimeout(None)
f = s.makefile()
for line in f:
    out.write(line)
out.write("closed\n")
PY
	peer_pid=$!
}
counts() { grep -c '^count ' "$work/peer"; }
last_count() { sed -n 's/^count //p' "$work/peer" | tail -1; }
# Waits until the peer has N more counts than it had.
wait_counts() {
	local want=$(($(counts) + $1)) i
	for ((i = 0; i < 600; i++)); do
		[ "$(counts)" -ge "$want" ] && return 0
		sleep 0.5
	done
	return 1
}

ok "xend start" "$xend" start
ip addr add 10.10.0.1/24 dev xenbr0
ok "xm create savetest" "$xm" create savetest
ok "it boots" wait_for "$(console_log savetest)" '^guest ready$' 180
uuid=$("$xm" list --long savetest | sed -n 's/^ *(uuid \(.*\))$/\1/p')
ok "its network is up" run savetest '^up$' 'ip addr add 10.10.0.21/24 dev eth0 && ip link set eth0 up && echo up'
# The count lives in the shell's memory; nc sends each to the peer.
ok "it writes its disk before the save" run savetest '^wrote before-save$' "$(write_sector 0 before-save)"
send savetest 'i=0; while :; do i=$((i + 1)); echo "count $i"; sleep 1; done | nc -l -p 7000 &'
peer
ok "the peer hears the guest count" wait_counts 3

# --- save ---
# The target goes into the saved config; the image keeps the RAM it has.
ok "xm mem-set savetest 112 first" "$xm" mem-set savetest 112
ok "xm save savetest FILE" "$xm" save savetest "$work/savetest.save"
before=$(last_count)
is "the saved domain is gone" "$("$xm" list | awk '$1 == "savetest"')" ""
is "... and its VMM" "$(pgrep -x xenon-vmm)" ""
ok "the file is there, for root alone" test "$(stat -c %a "$work/savetest.save")" = 600
diag "saved at count $before: $(stat -c %s "$work/savetest.save") bytes"
is "no file is left aside" "$(ls "$work" | grep -c 'savetest.save.')" 0

# --- refused: cut short, or corrupt ---
size=$(stat -c %s "$work/savetest.save")
head -c $((size - 5000)) "$work/savetest.save" >"$work/cut.save"
out=$("$xm" restore "$work/cut.save" 2>&1)
is "a truncated file is refused" "$?" 1
like "... saying so" "$out" "^Error: Restore failed: $work/cut.save: truncated"
cp "$work/savetest.save" "$work/bad.save"
printf '\xff' | dd of="$work/bad.save" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
out=$("$xm" restore "$work/bad.save" 2>&1)
is "a corrupted file is refused" "$?" 1
like "... naming the record that fails its checksum" "$out" "corrupt: record [0-9]+ \\(offset [0-9]+, type [0-9]+\\) fails its checksum"
is "neither left a domain" "$("$xm" list | awk '$1 == "savetest"')" ""
is "... nor a VMM" "$(pgrep -x xenon-vmm)" ""

# --- restore ---
ok "xm restore FILE" "$xm" restore "$work/savetest.save"
like "savetest is back in xm list" "$("$xm" list | awk '$1 == "savetest"')" '^savetest +[0-9]+ '
like "... with its UUID" "$("$xm" list --long savetest)" "\\(uuid $uuid\\)"
like "... and its memory target" "$("$xm" list | awk '$1 == "savetest"')" '^savetest +[0-9]+ +112 '
ok "the count goes on, to the same peer" wait_counts 3
after=$(sed -n 's/^count //p' "$work/peer" | awk -v b="$before" '$1 > b' | head -1)
is "... from where it was saved (count $before, then $after)" "$after" $((before + 1))
ok "... every count once, none lost or repeated" \
	test "$(sed -n 's/^count //p' "$work/peer" | awk '$1 != NR' | wc -l)" = 0
is "the connection never closed" "$(grep -c '^closed$' "$work/peer")" 0
ok "the restored guest's console answers" run savetest '^console after restore$' 'echo "console after restore"'
ok "its disk reads what it wrote before the save (its cache dropped)" run savetest '^read before-save$' \
	'echo 3 >/proc/sys/vm/drop_caches; echo "read $(dd if=/dev/xvda bs=11 count=1 2>/dev/null)"'
ok "... and takes a write after the restore" run savetest '^wrote after-restore$' "$(write_sector 8 after-restore)"

# --- checkpoint ---
ok "xm save -c savetest FILE" "$xm" save -c savetest "$work/checkpoint.save"
like "the domain runs on" "$("$xm" list | awk '$1 == "savetest"')" '^savetest +[0-9]+ '
ok "... still counting" wait_counts 2
out=$("$xm" restore "$work/checkpoint.save" 2>&1)
is "restoring the checkpoint beside it is refused" "$?" 1
like "... because the name is taken" "$out" "Domain 'savetest' already exists"

ok "xm destroy savetest" "$xm" destroy savetest
is "the disk file has both writes: before the save" "$(sector_of_file 0)" before-save
is "... and after the restore" "$(sector_of_file 8)" after-restore
kill "$peer_pid" 2>/dev/null
done_testing
