#!/usr/bin/env bash
# The errors an administrator meets with xm on this machine, whose KVM has no
# Xen support: each is one clear line naming what and where, a non-zero
# exit, and nothing left behind (no process, XenStore node or file). Run
# with xend, xenstored and every path in a folder of its own.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
bin=$root/build/main
xm=$bin/xm/xm
work=$(mktemp -d)
export XENON_RUN_DIR=$work/run XENON_LOG_DIR=$work/log XENSTORED_PATH=$work/xenstored/socket \
	XENSTORED_ROOTDIR=$work/xenstored XENON_CONFIG_DIR=$work/etc XENON_STATE_DIR=$work/state \
	XENON_HOTPLUG_DIR=$work/hotplug
cleanup() {
	"$bin/xend/xend" stop >/dev/null 2>&1
	[ -n "${xenstored_pid:-}" ] && kill "$xenstored_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/etc"
kernel=$("$root/tools/guestkit" kernel)
touch "$work/ramdisk"

# xend-config.sxp: a mistake stops xend before it starts anything.
printf '(vif-script vif-bridge)\n(network-script network-bridge\n' >"$work/etc/xend-config.sxp"
out=$("$bin/xend/xend" start 2>&1)
is "a malformed xend-config.sxp stops xend start" "$?" 1
is "... naming the file and line" "$out" "xend: $work/etc/xend-config.sxp:2: a '(' is never closed"
"$bin/xend/xend" status >/dev/null
is "... and no xend runs" "$?" 3
# The scripts xend ships (here a stand-in for network-bridge, which would
# rewire this machine's network) go where the administrator has none.
mkdir -p "$work/hotplug" "$work/etc/scripts"
printf '#!/bin/sh\necho "$0 $*" >>"%s/network-ran"\necho network-test says hello\n' "$work" >"$work/hotplug/network-test"
printf '#!/bin/sh\necho shipped\n' >"$work/hotplug/vif-test"
printf '#!/bin/sh\necho mine\n' >"$work/etc/scripts/vif-test"
chmod 755 "$work/hotplug/network-test" "$work/hotplug/vif-test" "$work/etc/scripts/vif-test"
printf "# test\n(network-script 'network-test netdev=lo')\n(vif-script vif-test)\n" >"$work/etc/xend-config.sxp"

ok "xend starts (and starts xenstored)" "$bin/xend/xend" start
# The xenstored that xend started for us: the one whose socket is ours.
for pid in $(pgrep -x xenstored); do
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "XENSTORED_PATH=$XENSTORED_PATH" &&
		xenstored_pid=$pid
done
ok "... which runs with our socket" [ -n "${xenstored_pid:-}" ]
ok "... installs a script the scripts folder lacks" [ -x "$work/etc/scripts/network-test" ]
like "... saying so in its log" "$(cat "$work/log/xend.log")" "installed $work/etc/scripts/network-test"
is "... and keeps the administrator's own" "$(cat "$work/etc/scripts/vif-test")" "#!/bin/sh
echo mine"
is "... and runs the network script with its arguments" "$(cat "$work/network-ran")" \
	"$work/etc/scripts/network-test start netdev=lo"
like "... its output in xen-hotplug.log" "$(cat "$work/log/xen-hotplug.log")" "network-test says hello"

create() { "$xm" create "$@" 2>&1; }

printf 'name = "bad"\nmemory = 256\nkernel = "%s\n' "$kernel" >"$work/etc/syntax"
out=$(create syntax)
is "a syntax error fails" "$?" 1
like "... naming the file and line" "$out" "^Error: $work/etc/syntax:3: .*string"

printf 'name = "mem"\nmemory = -5\nkernel = "%s"\n' "$kernel" >"$work/etc/mem"
out=$(create mem)
like "memory that is not a positive number is refused, naming file:line" "$out" "^Error: $work/etc/mem:2: memory"

printf 'name = "nord"\nkernel = "%s"\nramdisk = "/no/such/initrd"\n' "$kernel" >"$work/etc/nord"
out=$(create nord)
like "a missing ramdisk is named" "$out" "^Error: $work/etc/nord:3: .*/no/such/initrd"

printf 'name = "web"\nmemory = 128\nkernel = "%s"\nramdisk = "%s"\n' "$kernel" "$work/ramdisk" >"$work/etc/web"
if "$bin/probe/xenon-probe" >/dev/null 2>&1; then
	skip "a host without Xen support in KVM is named" "this machine's KVM has Xen support"
else
	out=$(create web)
	is "creating a domain on a host whose KVM lacks Xen support fails" "$?" 1
	like "... saying so, and where to go instead" "$out" "lacks Xen support.*tools/emuhost"
	is "no VMM is left running" "$(pgrep -x xenon-vmm)" ""
	is "no XenStore node is left" "$(xenstore-list /local/domain 2>&1)" ""
	is "no log but xend's, xenstored's and the scripts' is left" \
		"$(cd "$work/log" && find . -type f | sort | tr '\n' ' ')" "./xen-hotplug.log ./xend.log ./xenstored.log "
	is "no domain record is left" "$(find "$work/state" -type f)" ""
	is "no control socket is left but xend's" "$(cd "$work/run" && find . -type s | tr '\n' ' ')" "./xend.sock "
	like "xend's log says why" "$(cat "$work/log/xend.log")" "domain web: .*lacks Xen support"
fi
is "xm list shows only Domain-0" "$("$xm" list | tail -n +2 | awk '{ print $1 }')" Domain-0
out=$("$xm" frobnicate 2>&1)
like "an unknown subcommand is named" "$out" '^Error: Subcommand frobnicate not found'
out=$("$xm" pause 2>&1)
like "a command without its domain says so, with its usage" "$out" '^Usage: xm pause <Domain>'

# Disks: what is refused before any guest is involved.
touch "$work/disk.img"
out=$("$xm" block-attach nosuch "file:$work/disk.img" xvdb w 2>&1)
is "block-attach to a domain that does not exist fails" "$?" 1
is "... naming the domain" "$out" "Error: Domain 'nosuch' does not exist."
out=$("$xm" block-attach web file:disk.img xvdb w 2>&1)
like "block-attach checks the disk as a config's disk = [...] entry" "$out" \
	"^Error: disk entry 'file:disk.img,xvdb,w': .*absolute"
out=$("$xm" block-attach web "file:$work/disk.img" vdb w 2>&1)
like "... naming a device Xen does not know" "$out" "'vdb' is not a device name Xen knows"
out=$("$xm" block-attach web "file:$work/disk.img" xvdb rw! 2>&1)
like "... and a mode that is none of r, w, w!" "$out" "mode 'rw!' is none of r, w and w!"
out=$("$xm" block-attach web "file:$work/disk.img" xvdb 2>&1)
like "block-attach without its mode shows its usage" "$out" '^Usage: xm block-attach <Domain> <BackDev> <FrontDev> <Mode>'
out=$("$xm" block-detach nosuch xvdb 2>&1)
is "block-detach names a domain that does not exist" "$out" "Error: Domain 'nosuch' does not exist."
out=$("$xm" block-detach nosuch 2>&1)
like "block-detach without its device says so" "$out" '^Error: no device given'
out=$("$xm" block-list nosuch --long 2>&1)
is "block-list names a domain that does not exist" "$out" "Error: Domain 'nosuch' does not exist."

# Network interfaces: likewise.
out=$("$xm" network-attach nosuch bridge=xenbr0 2>&1)
is "network-attach to a domain that does not exist fails" "$?" 1
is "... naming the domain" "$out" "Error: Domain 'nosuch' does not exist."
out=$("$xm" network-attach web bridge=xenbr0 colour=blue 2>&1)
is "network-attach checks its options as a config's vif = [...] entry" "$out" \
	"Error: vif entry 'bridge=xenbr0, colour=blue': 'colour' is not a vif option (mac, bridge, ip, script, vifname, rate, model)"
out=$("$xm" network-attach web mac=00:16:3e:00:00 2>&1)
like "... and its MAC" "$out" "mac '00:16:3e:00:00' is not six hex octets"
out=$("$xm" network-detach web eth0 2>&1)
like "network-detach takes a vif's number" "$out" "^Error: <DevId> is a vif's number .*not 'eth0'"
out=$("$xm" network-detach nosuch 0 -f 2>&1)
is "network-detach names a domain that does not exist" "$out" "Error: Domain 'nosuch' does not exist."
out=$("$xm" network-list nosuch 2>&1)
is "network-list names a domain that does not exist" "$out" "Error: Domain 'nosuch' does not exist."
is "xm help lists the network commands" "$("$xm" help | grep -cE '^ network-(attach|detach|list) ')" 3
is "no backend is left in XenStore" "$(xenstore-list /local/domain/0/backend 2>/dev/null)" ""

ok "xend stop" "$bin/xend/xend" stop
out=$("$xm" list 2>&1)
like "with xend stopped, xm says to start it" "$out" 'Is xend running\?'
done_testing
