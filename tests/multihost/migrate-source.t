#!/usr/bin/env bash
# The source host of tests/multihost/migrate. Its guest (two vCPUs, a vif
# on the segment at 192.168.77.50, its disk on the peer's NBD export)
# counts ten times a second to the peer host over TCP. A live migration
# whose target's xend is killed midway fails and leaves the guest running
# here; then xm migrate --live moves it to the target for real, and the
# target sends it back without --live, through TLS. The peer checks the
# connection.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='migtest'
. "$(dirname "$0")/../lib/xm.sh"
. "$(dirname "$0")/lib.sh"

# The target migrates the guest back through TLS.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=source -keyout "$work/relocation.key" \
	-out "$work/relocation.crt" 2>/dev/null
xend_config "# tests/multihost: the segment is eth0; the target may migrate back." \
	"(network-script 'network-bridge netdev=eth0')" "(xend-relocation-server yes)" \
	"(xend-relocation-hosts-allow '^192\\\\.168\\\\.77\\\\.2\$')" "(xend-relocation-ssl-server yes)" \
	"(xend-relocation-server-ssl-key-file $work/relocation.key)" \
	"(xend-relocation-server-ssl-cert-file $work/relocation.crt)"
"$root/tools/guestkit" initrd "$root/tests/lib/console-guest.sh" "$work/guest.img"
VCPUS=2 guest_config migtest vif "bridge=xenbr0"
echo "disk = [ 'nbd:$peer_ip:10809,xvda,w' ]" >>/etc/xen/migtest
state() { "$xm" list | awk '$1 == "migtest" { print $5 }'; }
listed() { [ -n "$(state)" ]; }
# Reads sector N of its disk past its page cache, which migrated with it.
sector() { echo "echo 3 >/proc/sys/vm/drop_caches; dd if=/dev/xvda bs=512 skip=$1 count=1 2>/dev/null | tr -d '\\0'; echo"; }

ok "xend start (relocation servers, plain and TLS, for the target alone)" "$xend" start
like "... the TLS one on port 8003" "$(cat /var/log/xen/xend.log)" 'relocation server \(TLS\) listening on every address port 8003'
ok "the peer's NBD export answers" await "$peer_ip" 10809 600
ok "xm create migtest (its disk on the peer's export)" "$xm" create migtest
ok "it boots" wait_for "$(console_log migtest)" '^guest ready$' 300
ok "its network is up on the segment" run migtest '^up$' \
	"ip addr add $guest_ip/24 dev eth0 && ip link set eth0 up && echo up"
ok "it writes the shared disk" run migtest '^wrote$' \
	"printf written-on-source | dd of=/dev/xvda bs=512 conv=sync 2>/dev/null && sync && echo wrote"
send migtest 'i=0; while :; do i=$((i + 1)); echo "count $i"; sleep 0.1; done | nc -l -p 7000 &'
ok "the peer is connected and hears the count" await "$peer_ip" 9003 900

# --- the target's xend dies in the middle ---
out=$("$xm" migrate --live migtest "$target_ip" 2>&1)
status=$?
diag "xm migrate said: $out"
ok "xm migrate --live fails when the target's xend is killed midway" test "$status" -ne 0
like "... saying the domain runs on here" "$out" 'the domain runs on here'
like "migtest still runs here" "$(state)" '^[rb]-----$'
ok "its console answers" run migtest '^still here$' 'echo still here'

# --- live migration ---
ok "the target's new xend is ready" await "$target_ip" 9001 600
ok "xm migrate --live migtest $target_ip" "$xm" migrate --live migtest "$target_ip"
ok "migtest is no longer here" test -z "$(state)"
stats=$(grep 'migrated to .* live:' /var/log/xen/xend.log | tail -1)
diag "xend.log: ${stats#*: }"
like "xend logged the time, rounds, bytes and downtime" "$stats" \
	'live: [0-9.]+ s in all, [0-9]+ rounds, [0-9]+ pages, [0-9]+ bytes, suspended for [0-9]+ ms'

# --- and back, without --live, through TLS (the target migrates it) ---
# A target that cannot send it back says so on port 9005, so that a
# failure there does not keep this host waiting its whole time.
back_or_given_up() { listed || (exec 3<>"/dev/tcp/$target_ip/9005") 2>/dev/null; }
until_true 900 back_or_given_up
ok "migtest comes back from the target" listed
like "... through TLS" "$(cat /var/log/xen/xend.log)" 'relocation: a migration from 192\.168\.77\.2 .*\(TLS\)'
like "... and runs here" "$(state)" '^[rb]-----$'
ok "its console answers again" run migtest '^back$' 'echo back'
ok "it reads what the target wrote to the shared disk" run migtest '^written-on-target$' "$(sector 1)"
sleep 3
give_signal 9004
sleep 5
ok "xm destroy migtest" "$xm" destroy migtest
ok "xend stop" "$xend" stop
show_logs_on_failure
done_testing
