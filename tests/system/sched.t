#!/usr/bin/env bash
# emuhost: --cpus 2
# The credit scheduler's weight and cap, as an administrator uses them:
# xend-config.sxp's dom0-cpus keeps CPU 0 for the host, so two CPU-bound
# guests share CPU 1; weights 256 and 512 (cpu_weight in the config) give
# them CPU time 1:2, and xm sched-credit changes that while they run; a
# guest with cpu_cap = 50 gets half of one CPU, and all of it once the cap
# is lifted. Each share is measured from the CPU time the host kernel
# counts in each domain's cgroup over an interval. The values live on in
# the domain's record (a killed xend) and through a reboot (a new VMM), and xm sched-credit shows
# them in Xen 3.2's table and refuses what Xen refused.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='sched-*'
. "$(dirname "$0")/../lib/xm.sh"

group=/sys/fs/cgroup/xenon
xend_config "# tests/system/sched.t: CPU 0 is the host's, domains run on CPU 1." \
	"(dom0-cpus 1)" "(network-script '')"

# The guest runs each line typed at its console: the test types a busy loop.
cat >"$work/guest.sh" <<'GUEST'
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

config() { # NAME LINE...: a guest of one vCPU and no devices, the lines added
	guest_config "$1" disk
	printf '%s\n' "${@:2}" >>"/etc/xen/$1"
}
spin() { send "$1" 'while :; do :; done'; }
vmm_pid() { pgrep -f -- "xenon-vmm .*--name $1 " | head -1; }
# usage_usec ID: sets usec to the CPU time of domain ID's group so far,
# from the host kernel's accounting (cpu.stat): the CPU time the weights
# and caps divide, read at once, whether or not a busy VMM answers xend.
usage_usec() {
	local key value
	usec=0
	while read -r key value; do
		if [ "$key" = usage_usec ]; then usec=$value; fi
	done <"$group/$1/cpu.stat"
}
# cpu_times: sets times to "ID MICROSECONDS ..." for every domain, read by
# the shell itself: no process competes with the domains for this.
cpu_times() {
	local stat id
	times=""
	for stat in "$group"/[0-9]*/cpu.stat; do
		id=${stat%/cpu.stat} id=${id##*/}
		usage_usec "$id" && times+="$id $usec "
	done
}
# cpu_of TIMES NAME: NAME's CPU seconds in TIMES.
cpu_of() {
	awk -v id="$("$xm" domid "$2")" '{ for (i = 1; i < NF; i += 2) if ($i == id) printf "%.6f\n", $(i + 1) / 1e6 }' <<<"$1"
}
# settle ID...: until each of these domains' groups has had CPU time in
# each of 3 seconds in a row (a minute at most); sets settled to the
# seconds before those 3.
settle() {
	local -A last=()
	local id streak=0 all
	for id in "$@"; do usage_usec "$id" && last[$id]=$usec; done
	for ((settled = 0; settled < 60 && streak < 3; settled++)); do
		sleep 1
		all=1
		for id in "$@"; do
			usage_usec "$id"
			((usec - last[$id] > 50000)) || all=0
			last[$id]=$usec
		done
		if ((all)); then streak=$((streak + 1)); else streak=0; fi
	done
	settled=$((settled - streak))
}
# sample SECONDS: sets wall (seconds passed) and before/after (cpu_times);
# series has each second's CPU times, for a reader when a check fails.
sample() {
	local w0 w1 i
	cpu_times
	w0=$(date +%s.%N) before=$times series=""
	for ((i = 0; i < $1; i++)); do
		sleep 1
		cpu_times
		series+="$EPOCHREALTIME $times"$'\n'
	done
	w1=$(date +%s.%N) after=$times
	wall=$(awk -v a="$w0" -v b="$w1" 'BEGIN { printf "%.2f", b - a }')
}
used() { awk -v a="$(cpu_of "$before" "$1")" -v b="$(cpu_of "$after" "$1")" 'BEGIN { printf "%.2f", b - a }'; }
quotient() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
# near VALUE WANT: within 10% of WANT.
near() { awk -v v="$1" -v w="$2" 'BEGIN { d = v - w; if (d < 0) d = -d; exit !(d <= 0.1 * w) }'; }
above() { awk -v v="$1" -v w="$2" 'BEGIN { exit !(v > w) }'; }
# twice_as_much WHAT HEAVY LIGHT: over 20 s, HEAVY's CPU time is twice
# LIGHT's, within 10%.
twice_as_much() {
	local heavy light ratio
	sample 20
	heavy=$(used "$2") light=$(used "$3")
	ratio=$(quotient "$heavy" "$light")
	ok "$1: CPU time $heavy s to $light s in $wall s, a ratio of $ratio (2 wanted, within 10%)" \
		near "$ratio" 2.0
	near "$ratio" 2.0 || show_sample "$2" "$3"
}
# show_sample NAME...: how the last sample went, second by second, and
# the domains' groups and vCPU threads now.
show_sample() {
	local d id pid
	diag "each second: time, then each group's ID and CPU microseconds so far:" "$series"
	for d in "$@"; do
		id=$("$xm" domid "$d") pid=$(vmm_pid "$d")
		diag "$d ($id): cpu.weight $(cat "$group/$id/cpu.weight"), cpu.max $(cat "$group/$id/cpu.max")," \
			"$(tr '\n' ' ' <"$group/$id/cpu.stat")" \
			"threads (name: state): $(sed -E 's/^[0-9]+ \((.*)\) ([A-Za-z]) .*/\1: \2,/' /proc/"$pid"/task/*/stat 2>/dev/null | tr '\n' ' ')"
	done
}
# The row of xm sched-credit for NAME: "NAME ID WEIGHT CAP".
sched_row() { "$xm" sched-credit | awk -v n="$1" '$1 == n { print $1, $2, $3, $4 }'; }

log_start=$(cat /var/log/xen/xend.log 2>/dev/null | wc -l)
xend_log() { tail -n +"$((log_start + 1))" /var/log/xen/xend.log; }

ok "xend start (dom0-cpus 1)" "$xend" start
ok "cgroup v2 is mounted at /sys/fs/cgroup in the emulated host" \
	test "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs
unlike "xend can enforce weights and caps (no complaint in its log)" "$(xend_log)" 'cannot be enforced'
is "dom0-cpus 1 keeps CPU 0 for the host: domains' group may use CPU 1 alone" "$(cat $group/cpuset.cpus)" 1
like "xend logged where domains run" "$(xend_log)" 'dom0-cpus 1: domains run on the CPUs 1,'

# --- two CPU-bound guests, weights 256 and 512, on one CPU ---
config sched-a
config sched-b "cpu_weight = 512"
ok "xm create sched-a (the default weight)" "$xm" create sched-a
ok "xm create sched-b (cpu_weight = 512)" "$xm" create sched-b
for d in a b; do
	ok "sched-$d boots" wait_for "$(console_log sched-$d)" '^guest ready$' 240
done
ida=$("$xm" domid sched-a) idb=$("$xm" domid sched-b)
out=$("$xm" sched-credit)
like "xm sched-credit prints Xen 3.2's header" "$out" '^Name {32}ID Weight  Cap$'
like "... Domain-0 with Xen's defaults" "$out" '^Domain-0 +0 +256 +0$'
is "... sched-a with the default weight" "$(sched_row sched-a)" "sched-a $ida 256 0"
is "... sched-b with its config's cpu_weight" "$(sched_row sched-b)" "sched-b $idb 512 0"
out=$("$xm" sched-credit -d sched-b)
is "xm sched-credit -d shows that domain alone" "$(printf '%s\n' "$out" | tail -n +2 | awk '{ print $1, $2, $3, $4 }')" \
	"sched-b $idb 512 0"
like "xm list --long shows (cpu_weight 512)" "$("$xm" list --long sched-b)" '^    \(cpu_weight 512\)$'
like "... and (cpu_cap 0)" "$("$xm" list --long sched-b)" '^    \(cpu_cap 0\)$'
for d in a b; do
	id=$("$xm" domid sched-$d) pid=$(vmm_pid sched-$d)
	is "sched-$d's VMM (pid $pid) is in its own group $group/$id" "$(cat "$group/$id/cgroup.procs")" "$pid"
	is "... all its threads with it" "$(sort -n "$group/$id/cgroup.threads" | tr '\n' ' ')" \
		"$(ls "/proc/$pid/task" | sort -n | tr '\n' ' ')"
	like "... which run on CPU 1 alone" "$(grep Cpus_allowed_list "/proc/$pid/status")" $'\t1$'
done
is "sched-a's group has cpu.weight 100 (Xen's 256)" "$(cat "$group/$ida/cpu.weight")" 100
is "sched-b's group has cpu.weight 200 (Xen's 512)" "$(cat "$group/$idb/cpu.weight")" 200

spin sched-a
spin sched-b
sleep 3
twice_as_much "weights 512 and 256 on one CPU" sched-b sched-a

ok "xm sched-credit -d sched-a -w 1024 (while it runs)" "$xm" sched-credit -d sched-a -w 1024
is "xm sched-credit shows it" "$(sched_row sched-a)" "sched-a $ida 1024 0"
is "sched-a's group has cpu.weight 400" "$(cat "$group/$ida/cpu.weight")" 400
# Linux 6.12 (the emulated host's) runs the group whose weight rose alone
# for some seconds after the change (up to about 20 s seen here), then divides
# the CPU as the weights say: the shares are measured from then on, and
# how long it took is shown.
settle "$ida" "$idb"
diag "both groups had the CPU from ${settled} s after the change on"
twice_as_much "weights 1024 and 512" sched-a sched-b

ok "xm destroy sched-a" "$xm" destroy sched-a
ok "xm destroy sched-b" "$xm" destroy sched-b
ok "their groups are gone" test ! -e "$group/$ida" -a ! -e "$group/$idb"

# --- cpu_cap = 50: half of one CPU ---
config sched-c "cpu_cap = 50"
ok "xm create sched-c (cpu_cap = 50)" "$xm" create sched-c
ok "sched-c boots" wait_for "$(console_log sched-c)" '^guest ready$' 240
idc=$("$xm" domid sched-c)
is "xm sched-credit shows its cap" "$(sched_row sched-c)" "sched-c $idc 256 50"
is "its group's cpu.max is 50 ms of each 100 ms" "$(cat "$group/$idc/cpu.max")" "50000 100000"
spin sched-c
sleep 3
sample 20
uc=$(used sched-c) share=$(quotient "$uc" "$wall")
ok "cap 50: $uc s of CPU in $wall s, a share of $share of one CPU (0.5 wanted, within 10%)" near "$share" 0.5

ok "xm sched-credit -d sched-c -c 0 lifts the cap" "$xm" sched-credit -d sched-c -c 0
is "its group's cpu.max says none" "$(cat "$group/$idc/cpu.max")" "max 100000"
sleep 2
sample 10
uc=$(used sched-c) share=$(quotient "$uc" "$wall")
ok "uncapped: $uc s of CPU in $wall s, a share of $share (well past the cap's 0.5)" above "$share" 0.75

# --- the values outlive xend and a reboot ---
ok "xm sched-credit -d sched-c -w 384 -c 90" "$xm" sched-credit -d sched-c -w 384 -c 90
pid=$(vmm_pid sched-c)
kill -9 "$(cat /run/xenon/xend.pid)"
sleep 0.5
ok "xend starts again after a SIGKILL" "$xend" start
is "the new xend shows sched-c's weight and cap" "$(sched_row sched-c)" "sched-c $idc 384 90"
is "its VMM is still in its group" "$(cat "$group/$idc/cgroup.procs")" "$pid"
is "... which still has cpu.max 90 ms of 100" "$(cat "$group/$idc/cpu.max")" "90000 100000"
ok "xm reboot sched-c" "$xm" reboot sched-c
for ((i = 0; i < 900; i++)); do
	new=$("$xm" domid sched-c 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$idc" ] && break
	sleep 0.2
done
ok "it comes back under a new ID ($idc, then $new)" test "${new:-0}" -gt "$idc"
is "the rebooted domain keeps its weight and cap" "$(sched_row sched-c)" "sched-c $new 384 90"
is "... in a group of its own" "$(cat "$group/$new/cgroup.procs")" "$(vmm_pid sched-c)"
is "... with cpu.max 90 ms of 100" "$(cat "$group/$new/cpu.max")" "90000 100000"
is "... and cpu.weight 150" "$(cat "$group/$new/cpu.weight")" 150
ok "the old domain's group is gone" test ! -e "$group/$idc"

# --- what Xen refused ---
out=$("$xm" sched-credit -d sched-c -w 0 2>&1)
is "weight 0 is refused" "$?" 1
like "... in Xen's words" "$out" '^Error: Cpu weight out of range, valid values are within range from 1 to 65535$'
out=$("$xm" sched-credit -d sched-c -c 101 2>&1)
is "cap 101 for one vCPU is refused" "$?" 1
like "... in Xen's words" "$out" '^Error: Cpu cap out of range, valid range is from 0 to 100 for specified number of vcpus$'
is "neither changed anything" "$(sched_row sched-c)" "sched-c $new 384 90"
out=$("$xm" sched-credit -w 512 2>&1)
like "a weight without a domain is refused" "$out" '^Error: No domain given\.$'
out=$("$xm" sched-credit -d nosuch 2>&1)
like "a domain that does not exist is named" "$out" "Domain 'nosuch' does not exist"
out=$("$xm" sched-credit -d Domain-0 -w 512 2>&1)
like "Domain-0's weight is the host's own" "$out" '^Error: Domain-0 is the host itself'
config sched-bad "cpu_cap = 150"
out=$("$xm" create sched-bad 2>&1)
like "a config's cpu_cap past 100 per vCPU is refused, naming file and line" "$out" \
	'^Error: /etc/xen/sched-bad:[0-9]+: cpu_cap = 150: Cpu cap out of range'

ok "xm destroy sched-c" "$xm" destroy sched-c
ok "its group is gone" test ! -e "$group/$new"
is "no VMM is left" "$(pgrep -x xenon-vmm)" ""
ok "xend stop" "$xend" stop
done_testing
