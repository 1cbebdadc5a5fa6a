#!/usr/bin/env bash
# The network hotplug scripts (hotplug/: network-bridge, network-route,
# network-nat, vif-bridge, vif-route, vif-nat) run as xend runs them, against
# our xenstored on a private socket, all inside network namespaces of their
# own so this machine's networking is never touched: "host" (the scripts'
# side, its uplink a veth), "lan" (the other end: the gateway) and "guest"
# (the far end of a veth standing for a guest's vif, for DHCP and pings).
# A TAP device stands for a vif where no traffic is needed. Needs root.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
hp=$root/hotplug
xenstored=$root/build/main/xenstored/xenstored

missing=
for t in ip bridge iptables dnsmasq busybox xenstore-write flock unshare; do
	command -v "$t" >/dev/null || missing="$missing $t"
done
[ -x "$xenstored" ] || missing="$missing $xenstored"
if [ "$(id -u)" -ne 0 ] || [ -n "$missing" ] || ! unshare -n true 2>/dev/null; then
	skip "the network hotplug scripts" "needs root, network namespaces and:${missing:- (all there)}"
	done_testing
	exit
fi

work=$(mktemp -d)
export XENSTORED_PATH=$work/socket XENSTORED_ROOTDIR=$work XEN_HOTPLUG_RUN_DIR=$work/run
H=xhp$$h L=xhp$$l G=xhp$$g
cleanup() {
	local n
	for n in $H $L $G; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$n" 2>/dev/null
	done
	kill "$(cat "$work/pid" 2>/dev/null)" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

"$xenstored" --pid-file "$work/pid" || { echo "Bail out! xenstored did not start"; exit 1; }
for n in $H $L $G; do
	if ! { ip netns add "$n" && ip -n "$n" link set lo up; } 2>/dev/null; then
		skip "the network hotplug scripts" "ip netns add does not work here"
		done_testing
		exit
	fi
done
ip link add uplink0 netns $H type veth peer name lan0 netns $L
ip -n $L addr add 192.168.50.1/24 dev lan0
ip -n $L link set lan0 up
ip -n $H link set uplink0 up
ip -n $H addr add 192.168.50.2/24 dev uplink0
ip -n $H addr add 192.168.50.9/24 dev uplink0 label uplink0:1
ip -n $H route add default via 192.168.50.1
ip -n $H route add 10.99.0.0/16 via 192.168.50.254

inh() { ip netns exec $H "$@"; }
ing() { ip netns exec $G "$@"; }
# vifscript SCRIPT COMMAND VIF DOMID DEVID [KEY=VALUE...]: as xend runs it.
vifscript() {
	local s=$1 c=$2 v=$3 d=$4 i=$5
	shift 5
	ip netns exec $H env XENBUS_PATH="backend/vif/$d/$i" vif="$v" domain=web devid="$i" \
		script="$hp/$s" "$hp/$s" "$c" "$@"
}
# backend DOMID DEVID KEY VALUE...: a vif's backend folder, as xend writes it.
backend() {
	local d=$1 i=$2 args=()
	shift 2
	args=("backend/vif/$d/$i/frontend-id" "$d" "backend/vif/$d/$i/handle" "$i")
	while [ $# -ge 2 ]; do
		args+=("backend/vif/$d/$i/$1" "$2")
		shift 2
	done
	xenstore-write "${args[@]}"
}
snapshot() { inh sh -c 'ip -4 -o addr; ip -o link; ip route; bridge link; ip -d link show xenbr0 | grep -o "forward_delay [0-9]*\|stp_state [0-9]"'; }
gw_ping() { "$@" busybox ping -c 1 -W 3 192.168.50.1 >/dev/null 2>&1; }
lan_ping() { ip netns exec $L busybox ping -c 1 -W 3 "$1" >/dev/null 2>&1; }

# --- network-bridge -----------------------------------------------------------
mac=$(inh cat /sys/class/net/uplink0/address)
out=$(inh "$hp/network-bridge" start 2>&1)
is "network-bridge start succeeds" "$?" 0
like "... it says what it did" "$out" 'moved uplink0.s IPv4 addresses'
ok "xenbr0 is a bridge, up" inh sh -c 'ip -o -d link show xenbr0 | grep -q "UP.*bridge forward_delay 0 .*stp_state 0"'
is "the default route's device (uplink0) is its port" "$(inh ip -o link show uplink0 | grep -o "master [^ ]*")" "master xenbr0"
is "the bridge took uplink0's MAC" "$(inh cat /sys/class/net/xenbr0/address)" "$mac"
like "uplink0's addresses moved to the bridge" "$(inh ip -4 -o addr show xenbr0)" 'inet 192\.168\.50\.2/24 .*xenbr0'
like "... a labelled one keeps its label, renamed" "$(inh ip -4 -o addr show xenbr0)" 'inet 192\.168\.50\.9/24 .*xenbr0:1'
is "... none is left on uplink0" "$(inh ip -4 -o addr show uplink0)" ""
like "the default route moved" "$(inh ip route)" '^default via 192\.168\.50\.1 dev xenbr0'
like "... and a static route" "$(inh ip route)" '^10\.99\.0\.0/16 via 192\.168\.50\.254 dev xenbr0'
ok "the host still reaches its gateway" gw_ping inh
before=$(snapshot)
out=$(inh "$hp/network-bridge" start 2>&1)
is "a second start succeeds" "$?" 0
is "... and changes nothing" "$(snapshot)" "$before"
out=$(inh "$hp/network-bridge" start bridge=xenbr1 netdev=none 2>&1)
is "network-bridge start bridge=xenbr1 netdev=none: a second bridge" "$?" 0
ok "... xenbr1 is a bridge with no port" inh sh -c 'ip link show type bridge dev xenbr1 | grep -q UP && [ -z "$(ip link show master xenbr1)" ]'
out=$(inh "$hp/network-bridge" start bridge=xenbr2 netdev=eth9 2>&1)
is "a netdev that does not exist fails" "$?" 1
like "... saying so" "$out" 'netdev eth9 does not exist'
ok "... and makes no bridge" inh sh -c '! ip link show xenbr2 2>/dev/null'
like "status shows the bridge, its ports and addresses" "$(inh "$hp/network-bridge" status)" 'uplink0.*master xenbr0'

# --- vif-bridge ---------------------------------------------------------------
inh ip link set uplink0 mtu 1400
inh ip tuntap add dev vif9.0 mode tap
inh ip tuntap add dev vif9.1 mode tap
backend 9 0 mac 00:16:3e:00:00:09
backend 9 1 mac 00:16:3e:00:01:09 bridge xenbr1
out=$(vifscript vif-bridge online vif9.0 9 0 2>&1)
is "vif-bridge online succeeds" "$?" 0
is "... hotplug-status is connected" "$(xenstore-read backend/vif/9/0/hotplug-status)" connected
is "... the vif is on xenbr0 (the default)" "$(inh ip -o link show vif9.0 | grep -o 'master [^ ]*')" "master xenbr0"
ok "... up, with the bridge's MTU" inh sh -c 'ip -o link show vif9.0 | grep -q "UP.* mtu 1400 "'
out=$(vifscript vif-bridge online vif9.1 9 1 bridge=xenbr0 2>&1)
is "the vif's own bridge (XenStore) wins over bridge=" "$(inh ip -o link show vif9.1 | grep -o 'master [^ ]*')" "master xenbr1"
inh ip link set vif9.1 nomaster
xenstore-write backend/vif/9/1/bridge xenbr7
out=$(vifscript vif-bridge online vif9.1 9 1 2>&1)
is "a bridge that does not exist fails" "$?" 1
like "... saying so on stderr" "$out" 'bridge xenbr7 does not exist \(run network-bridge start, or name a bridge with bridge=\)'
is "... hotplug-status is error" "$(xenstore-read backend/vif/9/1/hotplug-status)" error
like "... hotplug-error says what and where" "$(xenstore-read backend/vif/9/1/hotplug-error)" '^vif-bridge vif9\.1: bridge xenbr7 does not exist'
xenstore-rm backend/vif/9/1/bridge
out=$(vifscript vif-bridge online vif9.1 9 1 bridge=xenbr1 2>&1)
is "with no bridge node, bridge= is used" "$(inh ip -o link show vif9.1 | grep -o 'master [^ ]*')" "master xenbr1"
ok "... and hotplug-error is gone" bash -c '! xenstore-exists backend/vif/9/1/hotplug-error'

out=$(inh "$hp/network-bridge" stop 2>&1)
is "network-bridge stop with a vif still on the bridge succeeds" "$?" 0
like "... says it leaves the bridge" "$out" 'xenbr0 still has ports \(vif9\.0\)'
like "... the addresses are back on uplink0" "$(inh ip -4 -o addr show uplink0)" 'inet 192\.168\.50\.2/24'
like "... and the default route" "$(inh ip route)" '^default via 192\.168\.50\.1 dev uplink0'
is "... uplink0 is released" "$(inh ip -o link show uplink0 | grep -o 'master [^ ]*')" ""
ok "... the host still reaches its gateway" gw_ping inh
out=$(vifscript vif-bridge offline vif9.0 9 0 2>&1)
is "vif-bridge offline succeeds" "$?" 0
ok "... the vif is off the bridge and down" inh sh -c '! ip -o link show vif9.0 | grep -q -e master -e ",UP"'
inh ip tuntap del dev vif9.0 mode tap
out=$(vifscript vif-bridge offline vif9.0 9 0 2>&1)
is "offline when the vif has already gone succeeds" "$?" 0
out=$(inh "$hp/network-bridge" stop 2>&1)
ok "network-bridge stop, once no vif is left, deletes the bridge" inh sh -c '! ip link show xenbr0 2>/dev/null'

# The lock: a script waits for another holding it (here, timing out).
mkdir -p "$XEN_HOTPLUG_RUN_DIR"
flock "$XEN_HOTPLUG_RUN_DIR/lock" sleep 3 &
sleep 0.3
out=$(XEN_HOTPLUG_LOCK_TIMEOUT=1 vifscript vif-bridge online vif9.1 9 1 bridge=xenbr1 2>&1)
is "a vif script waits for the lock another holds" "$?" 1
like "... and says so when it gives up" "$out" 'timed out waiting for the lock'
wait
vifscript vif-bridge offline vif9.1 9 1 2>/dev/null
inh "$hp/network-bridge" stop bridge=xenbr1 2>/dev/null
inh ip tuntap del dev vif9.1 mode tap

# --- network-route, vif-route -------------------------------------------------
ip link add vif9.0 netns $H type veth peer name eth0 netns $G
ip -n $G link set eth0 address 00:16:3e:00:00:09 up
ip -n $G addr add 192.168.50.77/24 dev eth0
ip -n $G route add default via 192.168.50.2
inh ip link set uplink0 mtu 1500
inh sysctl -q -w net.ipv4.ip_forward=0
out=$(inh "$hp/network-route" start 2>&1)
is "network-route start succeeds" "$?" 0
is "... forwarding is on" "$(inh cat /proc/sys/net/ipv4/ip_forward)" 1
is "... proxy ARP on the default route's device" "$(inh cat /proc/sys/net/ipv4/conf/uplink0/proxy_arp)" 1
xenstore-rm backend/vif/9/0
backend 9 0 mac 00:16:3e:00:00:09
out=$(vifscript vif-route online vif9.0 9 0 2>&1)
is "vif-route online with no ip fails" "$?" 1
like "... saying what it needs" "$(xenstore-read backend/vif/9/0/hotplug-error)" "vif-route needs the guest's ip= in its vif entry"
xenstore-write backend/vif/9/0/ip 192.168.50.77
out=$(vifscript vif-route online vif9.0 9 0 2>&1)
is "vif-route online succeeds" "$?" 0
is "... hotplug-status is connected" "$(xenstore-read backend/vif/9/0/hotplug-status)" connected
like "... a host route to the guest" "$(inh ip route)" '^192\.168\.50\.77 dev vif9\.0 scope link src 192\.168\.50\.2'
like "... the vif has the host's address /32" "$(inh ip -4 -o addr show vif9.0)" 'inet 192\.168\.50\.2/32'
is "... proxy ARP on the vif" "$(inh cat /proc/sys/net/ipv4/conf/vif9.0/proxy_arp)" 1
ok "the LAN reaches the guest (proxy ARP)" lan_ping 192.168.50.77
ok "the guest reaches the LAN" gw_ping ing
out=$(vifscript vif-route offline vif9.0 9 0 2>&1)
is "vif-route offline succeeds" "$?" 0
unlike "... the route is gone" "$(inh ip route)" 'vif9\.0'
is "... and the address" "$(inh ip -4 -o addr show vif9.0)" ""

# --- network-nat, vif-nat -----------------------------------------------------
if inh iptables -t nat -S >/dev/null 2>&1; then
	out=$(inh "$hp/network-nat" start 2>&1)
	is "network-nat start succeeds" "$?" 0
	inh "$hp/network-nat" start 2>/dev/null
	is "... two starts leave one MASQUERADE rule for the default route's device" \
		"$(inh iptables -t nat -S POSTROUTING | grep MASQUERADE)" \
		"-A POSTROUTING -o uplink0 -m comment --comment xen-network-nat -j MASQUERADE"
	xenstore-rm backend/vif/9/0
	backend 9 0 mac 00:16:3e:00:00:09
	out=$(vifscript vif-nat online vif9.0 9 0 2>&1)
	is "vif-nat online succeeds" "$?" 0
	is "... the guest's default address is written to its ip node" "$(xenstore-read backend/vif/9/0/ip)" 10.0.9.1
	like "... the vif is its router" "$(inh ip -4 -o addr show vif9.0)" 'inet 10\.0\.9\.128/24'
	like "... a host route to the guest" "$(inh ip route)" '^10\.0\.9\.1 dev vif9\.0 scope link src 10\.0\.9\.128'
	ok "... a dnsmasq serves it" test -s "$XEN_HOTPLUG_RUN_DIR/dnsmasq-vif9.0.pid"
	ing ip addr flush dev eth0
	cat >"$work/udhcpc" <<-'EOF'
		#!/bin/sh
		[ "$1" = bound ] || exit 0
		ip addr add "$ip/$mask" dev "$interface"
		ip route add default via "$router"
		echo "$ip $mask $router $hostname" >"$UDHCPC_OUT"
	EOF
	chmod +x "$work/udhcpc"
	UDHCPC_OUT=$work/lease ing timeout 20 busybox udhcpc -i eth0 -n -q -t 5 -T 1 -s "$work/udhcpc" >/dev/null 2>&1
	is "the guest gets its address, router and name by DHCP" "$(cat "$work/lease" 2>/dev/null)" "10.0.9.1 24 10.0.9.128 web"
	ok "the guest reaches the LAN, masqueraded" gw_ping ing
	ing ip link set eth0 address 00:16:3e:00:00:99
	ing ip addr flush dev eth0
	rm -f "$work/lease"
	UDHCPC_OUT=$work/lease ing timeout 10 busybox udhcpc -i eth0 -n -q -t 2 -T 1 -s "$work/udhcpc" >/dev/null 2>&1
	ok "another MAC gets no address" test ! -e "$work/lease"
	pid=$(cat "$XEN_HOTPLUG_RUN_DIR/dnsmasq-vif9.0.pid")
	out=$(vifscript vif-nat offline vif9.0 9 0 2>&1)
	is "vif-nat offline succeeds" "$?" 0
	ok "... its dnsmasq has stopped" test ! -e "/proc/$pid"
	is "... the address is gone" "$(inh ip -4 -o addr show vif9.0)" ""

	xenstore-write backend/vif/9/0/ip 10.1.2.200
	out=$(vifscript vif-nat online vif9.0 9 0 dhcp=no 2>&1)
	like "a given address: the router is 127 below when above would pass 254" "$(inh ip -4 -o addr show vif9.0)" 'inet 10\.1\.2\.73/24'
	ok "... dhcp=no: no dnsmasq" test ! -e "$XEN_HOTPLUG_RUN_DIR/dnsmasq-vif9.0.pid"
	vifscript vif-nat offline vif9.0 9 0 2>/dev/null

	out=$(inh "$hp/network-nat" stop 2>&1)
	is "network-nat stop succeeds" "$?" 0
	is "... the rule is gone" "$(inh iptables -t nat -S POSTROUTING | grep -c MASQUERADE)" 0
	is "... forwarding stays on while network-route needs it" "$(inh cat /proc/sys/net/ipv4/ip_forward)" 1
	out=$(inh "$hp/network-nat" start netdev=none 2>&1)
	like "netdev=none masquerades what leaves by anything but a vif" \
		"$(inh iptables -t nat -S POSTROUTING)" '^-A POSTROUTING ! -o vif\+ .*-j MASQUERADE'
	inh "$hp/network-nat" stop 2>/dev/null
else
	skip "network-nat and vif-nat" "iptables does not work in a network namespace here"
fi

out=$(inh "$hp/network-route" stop 2>&1)
is "network-route stop succeeds" "$?" 0
is "... proxy ARP is back off" "$(inh cat /proc/sys/net/ipv4/conf/uplink0/proxy_arp)" 0
is "... forwarding is back off (it was off before)" "$(inh cat /proc/sys/net/ipv4/ip_forward)" 0
is "nothing is left in the run folder but the lock" "$(ls "$XEN_HOTPLUG_RUN_DIR")" lock
done_testing
