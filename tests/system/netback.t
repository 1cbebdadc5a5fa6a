#!/usr/bin/env bash
# emuhost: --cpus 2
# Virtual networks, as an administrator builds them: vif = [...] in a
# config, the guest's own xen-netfront, Xen's scripts in /etc/xen/scripts.
# Two guests on xenbr0 (which xend's network-bridge made) ping each other
# and the host and pass a file over TCP intact; a routed guest and a NAT'd
# guest reach a network namespace standing for the outside world, which
# reaches the routed one back; a guest with two vCPUs gets two queues;
# rate=2Mb/s holds; network-attach gives a running guest a second
# interface on a second bridge, network-detach takes it away; xm
# network-list and list --long show the vifs and their counts.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='nettest-*'
. "$(dirname "$0")/../lib/xm.sh"

# The guest runs each line typed at its console. udhcpc (busybox) gets its
# address from vif-nat's dnsmasq through this script.
cat >"$work/guest.sh" <<'GUEST'
mkdir -p /etc
cat >/etc/udhcpc.sh <<'DHCP'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/${mask:-24}" dev "$interface"
for r in $router; do ip route add default via "$r"; done
echo "dhcp: $ip via $router"
DHCP
chmod 755 /etc/udhcpc.sh
for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
echo "guest ready, mac $(cat /sys/class/net/eth0/address 2>/dev/null)"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

config() { guest_config "$1" vif "${@:2}"; }

# The last value a guest printed as "KEY value".
said() { log_of "$1" | sed -n "s/^$2 //p" | tail -1; }

# The outside world: a namespace behind a veth pair; the host's end, up0,
# is the uplink the routed and NAT networks use.
ip netns add nettest-outside
ip link add up0 type veth peer name out0
ip link set out0 netns nettest-outside
ip addr add 10.99.0.1/24 dev up0
ip link set up0 up
ip netns exec nettest-outside ip addr add 10.99.0.2/24 dev out0
ip netns exec nettest-outside ip link set out0 up
ip netns exec nettest-outside ip link set lo up
trap 'xm_test_cleanup; ip netns del nettest-outside; ip link del up0 2>/dev/null
	/etc/xen/scripts/network-nat stop >/dev/null 2>&1
	/etc/xen/scripts/network-route stop >/dev/null 2>&1' EXIT

ok "xend start" "$xend" start
ok "xend's network-bridge made xenbr0" test -d /sys/class/net/xenbr0/bridge
ip addr add 10.10.0.1/24 dev xenbr0
# The outside is where the default route leads (added after xend's
# network-bridge, which would otherwise have taken up0 as its uplink).
ip route add default via 10.99.0.2 dev up0
ok "network-route start (the routed network, by hand: its uplink is the default route's up0)" \
	/etc/xen/scripts/network-route start
ok "network-nat start (the NAT network, the same uplink)" /etc/xen/scripts/network-nat start
ok "network-bridge start bridge=xenbr1 netdev=none (a second, isolated bridge)" \
	/etc/xen/scripts/network-bridge start bridge=xenbr1 netdev=none
ip addr add 10.11.0.1/24 dev xenbr1

# Two vCPUs: netfront asks for a queue each.
VCPUS=2 config nettest-a "bridge=xenbr0"
# A rate the emulated path carries several times over even when the
# machine is loaded (it carries 6-16 Mb/s then): what is measured is the
# limit, not the machine.
config nettest-b "mac=00:16:3e:0b:0b:0b, bridge=xenbr0, rate=2Mb/s"
config nettest-r "script=vif-route, ip=10.99.0.50"
config nettest-n "script=vif-nat"
for d in a b r n; do
	ok "xm create nettest-$d" "$xm" create "nettest-$d"
done
for d in a b r n; do
	ok "nettest-$d comes up with an eth0" wait_for "$(console_log "nettest-$d")" '^guest ready, mac ..:' 180
done
ida=$("$xm" domid nettest-a)
like "nettest-a's MAC is Xen's (00:16:3e)" "$(log_of nettest-a)" '^guest ready, mac 00:16:3e:'
like "nettest-b has the MAC its config names" "$(log_of nettest-b)" '^guest ready, mac 00:16:3e:0b:0b:0b$'
ok "the host's end is vif$ida.0, on xenbr0" test "$(basename "$(readlink /sys/class/net/vif$ida.0/master)")" = xenbr0
is "... with Xen's backend address" "$(cat /sys/class/net/vif$ida.0/address)" fe:ff:ff:ff:ff:ff
fe=/local/domain/$ida/device/vif/0
ok "netfront asked for receive by copy and offered its offloads" test \
	"$(for n in request-rx-copy feature-sg feature-gso-tcpv4; do xenstore-read "$fe/$n"; done | tr '\n' ' ')" = "1 1 1 "
is "netfront asked for two queues (one per vCPU)" "$(xenstore-read "$fe/multi-queue-num-queues")" 2
ok "... and granted their rings (queue-1/rx-ring-ref)" xenstore-read "$fe/queue-1/rx-ring-ref"
is "the backend is connected (state 4)" "$(xenstore-read "$(xenstore-read "$fe/backend")/state")" 4
is "the vif script said so (hotplug-status)" "$(xenstore-read "$(xenstore-read "$fe/backend")/hotplug-status")" connected

# --- bridged: two guests and the host on xenbr0 ---
run nettest-a '^up$' 'ip addr add 10.10.0.11/24 dev eth0 && ip link set eth0 up && echo up'
run nettest-b '^up$' 'ip addr add 10.10.0.12/24 dev eth0 && ip link set eth0 up && echo up'
ok "nettest-a pings nettest-b" run nettest-a '^ping-b 0$' 'ping -c 3 -W 5 10.10.0.12 >/dev/null; echo "ping-b $?"'
ok "nettest-b pings nettest-a" run nettest-b '^ping-a 0$' 'ping -c 3 -W 5 10.10.0.11 >/dev/null; echo "ping-a $?"'
ok "nettest-a pings the host" run nettest-a '^ping-host 0$' 'ping -c 3 -W 5 10.10.0.1 >/dev/null; echo "ping-host $?"'
ok "the host pings both" busybox ping -c 2 -W 5 10.10.0.11
ok "... and nettest-b" busybox ping -c 2 -W 5 10.10.0.12
# A file over TCP, guest to guest: the sender's sum and the receiver's.
# (busybox nc ends when its input does: the listener's never does.)
run nettest-b '^listening$' 'sleep 600 | nc -l -p 5000 >/tmp/got & sleep 1; echo listening'
ok "nettest-a sends 4 MB to nettest-b over TCP" run nettest-a '^sent [0-9a-f]+$' \
	'head -c 4000000 /dev/urandom >/tmp/blob && nc 10.10.0.12 5000 </tmp/blob; echo "sent $(md5sum </tmp/blob | cut -c1-32)"'
ok "... which has it whole" run nettest-b '^got [0-9]+ ' 'sleep 2; echo "got $(wc -c </tmp/got) $(md5sum </tmp/got | cut -c1-32)"'
is "... with the same checksum" "$(said nettest-b got)" "4000000 $(said nettest-a sent)"

# --- rate=2Mb/s: what nettest-b sends, measured at the host ---
# The rate is taken after the first 256 KiB: as Xen's, the limit lets an
# idle vif save up a 128 KiB burst, and one 64 KiB packet may overdraw it.
python3 - "$work/rate" <<'PY' &
import socket, sys, time
burst = 256 * 1024
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.10.0.1", 5002))
l.listen(1)
open(sys.argv[1] + ".listening", "w").close()
# A stream that stalls ends the measurement (what arrived by then is the
# rate) rather than the test.
l.settimeout(120)
total, start, at_start = 0, None, 0
try:
    c, _ = l.accept()
    c.settimeout(60)
    while True:
        d = c.recv(1 << 16)
        if not d:
            break
        total += len(d)
        if start is None and total >= burst:
            start, at_start = time.monotonic(), total
except socket.timeout:
    pass
elapsed = time.monotonic() - start if start else 0
bits = (total - at_start) * 8 / elapsed if elapsed else 0
open(sys.argv[1], "w").write("%d %d %.3f %.0f\n" % (total, total - at_start, elapsed, bits))
PY
# A loaded host may take seconds to start the listener: the guest's nc,
# refused, would send nothing.
for _ in $(seq 150); do [ -e "$work/rate.listening" ] && break; sleep 0.2; done
run nettest-b '^rate sent$' 'head -c 3000000 /dev/zero | nc 10.10.0.1 5002; echo "rate sent"'
wait
read -r bytes counted secs bits <"$work/rate"
diag "nettest-b sent $bytes bytes; the last $counted took $secs s: $bits bit/s (rate=2Mb/s)"
ok "rate=2Mb/s holds within 10% ($bits bit/s)" test "$bits" -ge 1800000 -a "$bits" -le 2200000

# --- routed: the outside reaches the guest and the guest the outside ---
run nettest-r '^up$' 'ip addr add 10.99.0.50/24 dev eth0 && ip link set eth0 up && echo up'
idr=$("$xm" domid nettest-r)
ok "vif-route gave the host's end the uplink's address" ip -4 addr show dev "vif$idr.0" to 10.99.0.1
ok "... and a route to the guest" ip route get 10.99.0.50 oif "vif$idr.0"
ok "the routed guest reaches the outside" run nettest-r '^out 0$' 'ping -c 3 -W 5 10.99.0.2 >/dev/null; echo "out $?"'
ok "the outside reaches the routed guest" ip netns exec nettest-outside busybox ping -c 3 -W 5 10.99.0.50

# --- NAT: DHCP from vif-nat's dnsmasq, then out through the host ---
ok "the NAT guest gets its address by DHCP" run nettest-n '^dhcp: 10\.' \
	'ip link set eth0 up && udhcpc -i eth0 -n -q -f -s /etc/udhcpc.sh; ip -4 addr show eth0 | grep -q inet || echo "dhcp: failed"'
like "... the address vif-nat chose for it" "$(said nettest-n dhcp:)" "^10\\.0\\.$("$xm" domid nettest-n)\\.1 via "
ok "the NAT guest reaches the outside" run nettest-n '^nat-out 0$' 'ping -c 3 -W 5 10.99.0.2 >/dev/null; echo "nat-out $?"'
ip netns exec nettest-outside timeout 60 python3 -c '
import socket, sys
l = socket.socket()
l.bind(("10.99.0.2", 6000))
l.listen(1)
open(sys.argv[1] + ".listening", "w").close()
c, peer = l.accept()
open(sys.argv[1], "w").write(peer[0])
' "$work/nat-peer" &
for _ in $(seq 150); do [ -e "$work/nat-peer.listening" ] && break; sleep 0.2; done
run nettest-n '^nat-tcp 0$' 'echo hello | nc 10.99.0.2 6000; echo "nat-tcp $?"'
wait
is "... and the outside sees its connection come from the host (masquerade)" "$(cat "$work/nat-peer")" 10.99.0.1

# --- hot-plug: a second interface on xenbr1 ---
ok "xm network-attach nettest-a bridge=xenbr1" "$xm" network-attach nettest-a bridge=xenbr1
ok "the guest gets eth1" run nettest-a '^eth1 here$' \
	'for i in $(seq 100); do [ -e /sys/class/net/eth1 ] && break; sleep 0.1; done; [ -e /sys/class/net/eth1 ] && echo "eth1 here"'
ok "its host end is vif$ida.1, on xenbr1" test "$(basename "$(readlink /sys/class/net/vif$ida.1/master)")" = xenbr1
run nettest-a '^up1$' 'ip addr add 10.11.0.11/24 dev eth1 && ip link set eth1 up && echo up1'
ok "the guest pings the host over eth1" run nettest-a '^ping1 0$' 'ping -c 3 -W 5 10.11.0.1 >/dev/null; echo "ping1 $?"'
list=$("$xm" network-list nettest-a)
like "xm network-list has Xen's header" "$list" '^Idx BE +MAC Addr\. +handle state evt-ch tx-/rx-ring-ref BE-path$'
like "... the first vif, connected" "$list" '^0 +0 +00:16:3e:[0-9a-f:]+ +0 +4 +[0-9]+ +[0-9]+ +/[0-9]+ +/local/domain/0/backend/vif/'
like "... and the second" "$list" '^1 +0 +00:16:3e:[0-9a-f:]+ +1 +4 +[0-9]+ '
like "xm list --long counts what the first one carried" "$("$xm" list --long nettest-a)" \
	'\(tx_bytes [1-9][0-9]{6,}\)'
ok "xm network-detach nettest-a 1" "$xm" network-detach nettest-a 1
ok "the guest's eth1 is gone" run nettest-a '^eth1 gone$' \
	'for i in $(seq 50); do [ -e /sys/class/net/eth1 ] || break; sleep 0.1; done; [ -e /sys/class/net/eth1 ] || echo "eth1 gone"'
ok "... and the host's vif$ida.1" test ! -e "/sys/class/net/vif$ida.1"
ok "... and its backend folder" test -z "$(xenstore-list "/local/domain/0/backend/vif/$ida" 2>/dev/null | grep -x 1)"
unlike "xm network-list no longer shows it" "$("$xm" network-list nettest-a)" '^1 +0 '
ok "eth0 still works" run nettest-a '^still 0$' 'ping -c 2 -W 5 10.10.0.12 >/dev/null; echo "still $?"'

# --- teardown: destroy leaves nothing on the host ---
for d in a b r n; do
	ok "xm destroy nettest-$d" "$xm" destroy "nettest-$d"
done
ok "no vif is left on the host" test -z "$(ls /sys/class/net | grep '^vif')"
ok "nor any dnsmasq of vif-nat's" test -z "$(pgrep -f 'dnsmasq.*vif')"
ok "nor a vif's backend folder" test -z "$(xenstore-list /local/domain/0/backend/vif 2>/dev/null)"

done_testing
