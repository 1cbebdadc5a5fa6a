#!/usr/bin/env bash
# xentop, as an administrator watches a host: a guest with a disk and a vif
# on xenbr0 pings the host and reads its disk; xentop -b prints Xen's table
# for scripts, a row for Domain-0 and one for the guest (its name, state,
# memory, CPU(%), and its vif and disk counted), the lines of -n, -x and
# -v; xm top draws the screen on a terminal and quits on q, and without a
# terminal says it needs one.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='toptest-*'
. "$(dirname "$0")/../lib/xm.sh"
xentop=$bin/xentop/xentop

# The guest waits for its vif and disk, then runs each line typed at its console.
cat >"$work/guest.sh" <<'GUEST'
for i in $(seq 100); do [ -e /sys/class/net/eth0 ] && [ -b /dev/xvda ] && break; sleep 0.1; done
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

ok "xend start" "$xend" start
ip addr replace 10.10.0.1/24 dev xenbr0
truncate -s 32M "$work/disk.img"
guest_config toptest-a disk "file:$work/disk.img,xvda,w"
echo "vif = [ 'bridge=xenbr0' ]" >>/etc/xen/toptest-a
ok "xm create toptest-a (a disk and a vif)" "$xm" create toptest-a
ok "toptest-a comes up" wait_for "$(console_log toptest-a)" '^guest ready$' 180
ok "toptest-a pings the host and reads its disk" run toptest-a '^traffic done$' \
	'ip addr add 10.10.0.11/24 dev eth0 && ip link set eth0 up && ping -c 3 -W 5 10.10.0.1 >/dev/null; dd if=/dev/xvda of=/dev/null bs=64k count=64 2>/dev/null; echo traffic done'

out=$("$xentop" -b -i 2 -d 1)
ok "xentop -b -i 2 -d 1 exits 0" test $? -eq 0
header='      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID'
is "two frames, each under Xen's header" "$(grep -cxF -- "$header" <<<"$out")" 2
unlike "batch mode prints no summary, as Xen's" "$out" '^xentop - |domains: '
second=$(awk -v h="$header" '$0 == h { n++ } n == 2' <<<"$out")
is "the second frame: the header, then Domain-0 first" "$(sed -n 2p <<<"$second" | awk '{ print $1 }')" Domain-0
like "Domain-0 runs" "$(awk '$1 == "Domain-0"' <<<"$second")" '^  Domain-0 -----r +[0-9]+ +[0-9]+\.[0-9] '

# NAME STATE CPU(sec) CPU(%) MEM(k) MEM(%) MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS ...
read -r -a row <<<"$(awk '$1 == "toptest-a"' <<<"$second")"
diag "toptest-a: ${row[*]}"
is "a row for toptest-a" "${row[0]}" toptest-a
like "its state is one of Xen's six letters, running or blocked (xentop's order)" "${row[1]}" '^(-----r|--b---)$'
mem_mb=$("$xm" list toptest-a | awk '$1 == "toptest-a" { print $3 }')
is "MEM(k) is its memory as xm list gives it" "${row[4]}" "$((mem_mb * 1024))"
is "MAXMEM(k) too (no maxmem in its config)" "${row[6]}" "$((mem_mb * 1024))"
like "CPU(sec) is a number" "${row[2]}" '^[0-9]+$'
like "CPU(%) over the last second is a number" "${row[3]}" '^[0-9]+\.[0-9]$'
like "MEM(%) is a share of the host's memory" "${row[5]}" '^[0-9]+\.[0-9]$'
is "VCPUS: the one its config gives" "${row[8]}" 1
is "NETS: its one vif" "${row[9]}" 1
is "VBDS: its one disk" "${row[12]}" 1
ok "VBD_RD counts its reads" test "${row[14]:-0}" -gt 0
ok "VBD_RSECT counts the sectors read" test "${row[16]:-0}" -gt 0

# -n, -x, -v: a line per vif, vbd and vCPU under the domain's row.
out=$("$xentop" -b -i 1 -n -x -v)
detail=$(awk '$1 == "toptest-a" { on = 1; next } /^ +[^ ]+ [-a-z][-a-z][-a-z][-a-z][-a-z][-a-z] / { on = 0 } on' <<<"$out")
diag "$detail"
like "-n: its vif, with the bytes the ping moved both ways" "$detail" \
	'^Net0 RX: +[1-9][0-9]*bytes +[1-9][0-9]*pkts +0err +[0-9]+drop  TX: +[1-9][0-9]*bytes +[1-9][0-9]*pkts'
like "-x: its disk, xvda (51712, [ca: 0]), with its reads" "$detail" \
	'^VBD BlkBack 51712 \[ca: 0\]  OO: +[0-9]+   RD: +[1-9][0-9]*   WR: +[0-9]+   RSECT: +[1-9][0-9]*   WSECT: +[0-9]+$'
like "-v: its vCPU's time (xend's vcpu-list)" "$detail" '^VCPUs\(sec\):   0: +[0-9]+s$'

out=$("$xentop" -b -i 1 -d 0 2>&1)
ok "-d 0 is refused" test $? -ne 0
like "... saying what -d wants" "$out" '^xentop: -d wants seconds'

# xm top on a terminal (script gives it one): the summary and the table,
# and q quits. What the screen shows is curses' output, so only the text.
out=$(printf q | TERM=xterm script -qec "$xm top" /dev/null)
ok "xm top on a terminal quits on q, exit 0" test $? -eq 0
like "... having shown the host's summary" "$out" '2 domains: [0-9] running, [0-9] blocked, 0 paused, 0 crashed, 0 dying, 0 shutdown'
like "... its memory and CPUs" "$out" 'Mem: [0-9]+k total, [0-9]+k used, [0-9]+k free    CPUs: [0-9]+ @ [0-9]+MHz'
like "... and toptest-a's row" "$out" 'toptest-a'
out=$("$xm" top </dev/null 2>&1)
ok "xm top without a terminal fails" test $? -ne 0
like "... saying it needs one, and that xentop -b prints text" "$out" 'needs a terminal.*xentop -b'
out=$("$xm" top extra 2>&1)
like "xm top takes no arguments, as Xen's" "$out" '^Error: too many arguments'

"$xend" stop >/dev/null 2>&1
out=$("$xentop" -b -i 1 2>&1)
ok "xentop without xend fails" test $? -ne 0
like "... saying xend is not there" "$out" '^xentop: cannot reach xend at .*Is xend running\?$'

done_testing
