#!/usr/bin/env bash
# emuhost: --cpus 2
# vCPUs as Xen 3's xm handled them: xm vcpu-set takes a guest's second vCPU
# down and brings it back (the guest's own cpu_hotplug follows
# cpu/N/availability); maxvcpus = 2 with vcpus = 1 boots with one online;
# cpus = "0" and xm vcpu-pin set the host CPU affinity of the vCPUs'
# threads; xm vcpu-list shows all of it in Xen's format; a reboot keeps the
# online count and the pinning; and the errors Xen gave.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='vcputest-*'
. "$(dirname "$0")/../lib/xm.sh"

# The guest says how many CPUs it has online at boot, then runs each line
# typed at its console.
cat >"$work/guest.sh" <<'GUEST'
# cpus WANT MARK: waits (30 s at most) for the online CPUs to be WANT, then
# says what they are.
cpus() {
	i=0
	while [ "$(cat /sys/devices/system/cpu/online)" != "$1" ] && [ $i -lt 150 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	echo "$2: online $(cat /sys/devices/system/cpu/online) nproc $(nproc)"
}
# The kernel's lines (a CPU going down, coming up) would cut into the
# lines the test reads on the console: they stay in dmesg only.
dmesg -n 1
echo "boot: online $(cat /sys/devices/system/cpu/online) nproc $(nproc) cpu1 $(xenstore-read cpu/1/availability 2>&1)"
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

config() { # NAME LINE...: /etc/xen/NAME, a guest with those lines more
	local name=$1
	shift
	mkdir -p /etc/xen
	{
		echo "name = \"$name\""
		echo "memory = 128"
		echo "kernel = \"$kernel\""
		echo "ramdisk = \"$work/guest.img\""
		echo 'extra = "console=hvc0"'
		printf '%s\n' "$@"
	} >"/etc/xen/$name"
}

vcpus_column() { "$xm" list | awk -v n="$1" '$1 == n { print $4 }'; }
vmm_pid() { pgrep -f -- "xenon-vmm .*--name $1 " | head -1; }
# The thread of vCPU N of a domain (the VMM names it "vcpu N").
vcpu_tid() {
	local t
	for t in /proc/"$(vmm_pid "$1")"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "vcpu $2" ] && echo "${t##*/}"
	done
}
allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$(vmm_pid "$1")/task/$(vcpu_tid "$1" "$2")/status"; }
thread_seconds() { awk '{ printf "%.3f\n", $1 / 1e9 }' "/proc/$(vmm_pid "$1")/task/$(vcpu_tid "$1" "$2")/schedstat"; }
# vCPU N's line of xm vcpu-list DOMAIN, its fields separated by one space.
vcpu_line() { "$xm" vcpu-list "$1" | awk -v n="$1" -v v="$2" '$1 == n && $3 == v { $1 = $1; print }'; }
boots() { log_of "$1" | grep -c '^guest ready$'; }
last_boot() { log_of "$1" | grep '^boot:' | tail -1; }

ok "xend start" "$xend" start
config vcputest-two 'vcpus = 2'
config vcputest-max 'maxvcpus = 2' 'vcpus = 1' 'cpus = "0"'
ok "xm create vcputest-two (vcpus = 2)" "$xm" create vcputest-two
ok "xm create vcputest-max (maxvcpus = 2, vcpus = 1, cpus = \"0\")" "$xm" create vcputest-max
ok "vcputest-two comes up" wait_for "$(console_log vcputest-two)" '^guest ready$' 240
ok "vcputest-max comes up" wait_for "$(console_log vcputest-max)" '^guest ready$' 240
two=$("$xm" domid vcputest-two)
max=$("$xm" domid vcputest-max)

# --- at boot ---
is "vcputest-two boots with both CPUs online, cpu/1/availability online" "$(last_boot vcputest-two)" \
	"boot: online 0-1 nproc 2 cpu1 online"
is "vcputest-max boots with one CPU online; the guest reads cpu/1/availability offline" "$(last_boot vcputest-max)" \
	"boot: online 0 nproc 1 cpu1 offline"
is "xm list shows vcputest-two's 2 vCPUs" "$(vcpus_column vcputest-two)" 2
is "xm list shows vcputest-max's 1 vCPU online" "$(vcpus_column vcputest-max)" 1
out=$("$xm" vcpu-list vcputest-max)
is "xm vcpu-list's header is Xen's" "$(head -1 <<<"$out")" \
	"Name                                ID  VCPU   CPU State   Time(s) CPU Affinity"
like "vcputest-max's vCPU 0 runs on host CPU 0, to which cpus = \"0\" pins it" "$out" \
	"^vcputest-max +$max +0 +0 +[r-][b-]- +[0-9]+\\.[0-9] 0\$"
like "vcputest-max's vCPU 1 is offline: CPU '-', state '--p', as Xen showed it" "$out" \
	"^vcputest-max +$max +1 +- +--p +[0-9]+\\.[0-9] 0\$"
is "cpus = \"0\": vCPU 0's thread may run on host CPU 0 only" "$(allowed vcputest-max 0)" 0
is "... and so may vCPU 1's" "$(allowed vcputest-max 1)" 0
like "vcputest-two's vCPUs run anywhere (any cpu)" "$("$xm" vcpu-list vcputest-two)" \
	"^vcputest-two +$two +1 +[01] +[r-][b-]- +[0-9]+\\.[0-9] any cpu\$"

# --- xm vcpu-set: down and up again ---
ok "xm vcpu-set vcputest-two 1" "$xm" vcpu-set vcputest-two 1
run vcputest-two '^down1:' 'cpus 0 down1'
like "the guest took its second CPU down" "$(log_of vcputest-two)" '^down1: online 0 nproc 1$'
is "cpu/1/availability is offline" "$(xenstore-read "/local/domain/$two/cpu/1/availability")" offline
is "xm list shows 1 vCPU" "$(vcpus_column vcputest-two)" 1
like "xm vcpu-list shows vCPU 1 offline" "$(vcpu_line vcputest-two 1)" "^vcputest-two $two 1 - --p [0-9]+\\.[0-9] any cpu\$"
ok "xm vcpu-set vcputest-two 2" "$xm" vcpu-set vcputest-two 2
run vcputest-two '^up1:' 'cpus 0-1 up1'
# (nproc, which counts what its shell may use, stays 1: the guest's kernel
# took CPU 1 out of the affinity of the processes running while it was down.)
like "the guest brought its second CPU back" "$(log_of vcputest-two)" '^up1: online 0-1 '
is "xm list shows 2 vCPUs" "$(vcpus_column vcputest-two)" 2
like "xm vcpu-list shows vCPU 1 online again" "$(vcpu_line vcputest-two 1)" \
	"^vcputest-two $two 1 [01] [r-][b-]- [0-9]+\\.[0-9] any cpu\$"
ok "xm vcpu-set vcputest-max 2 (beyond vcpus, up to maxvcpus)" "$xm" vcpu-set vcputest-max 2
run vcputest-max '^up2:' 'cpus 0-1 up2'
like "vcputest-max brought its second CPU up" "$(log_of vcputest-max)" '^up2: online 0-1 nproc 2$'
is "xm list shows vcputest-max's 2 vCPUs" "$(vcpus_column vcputest-max)" 2

out=$("$xm" vcpu-set vcputest-two 3 2>&1)
is "xm vcpu-set beyond maxvcpus fails" "$?" 1
like "... with Xen's words" "$out" '^Error: Cannot set vcpus greater than max vcpus on running domain$'
out=$("$xm" vcpu-set vcputest-two 0 2>&1)
like "xm vcpu-set 0 fails with Xen's words" "$out" '^Error: Zero or less VCPUs is invalid$'

# --- xm vcpu-pin ---
ok "xm vcpu-pin vcputest-two 1 1" "$xm" vcpu-pin vcputest-two 1 1
is "vCPU 1's thread may run on host CPU 1 only (taskset -p)" \
	"$(taskset -pc "$(vcpu_tid vcputest-two 1)" | sed 's/.*: //')" 1
is "... and vCPU 0's anywhere still" "$(allowed vcputest-two 0)" 0-1
# Something for the guest's CPU 1 to do, so that its vCPU runs, now on host CPU 1.
send vcputest-two 'taskset 2 sh -c "while :; do sleep 0.1; done" &'
for ((i = 0; i < 100; i++)); do
	[[ $(vcpu_line vcputest-two 1) =~ ^vcputest-two\ $two\ 1\ 1\  ]] && break
	sleep 0.3
done
like "xm vcpu-list shows vCPU 1 on host CPU 1, its affinity 1" "$(vcpu_line vcputest-two 1)" \
	"^vcputest-two $two 1 1 [r-][b-]- [0-9]+\\.[0-9] 1\$"
before=$(thread_seconds vcputest-two 0)
shown=$(vcpu_line vcputest-two 0 | cut -d' ' -f6)
after=$(thread_seconds vcputest-two 0)
ok "vCPU 0's Time(s) is its thread's CPU time ($before <= $shown <= $after, to 0.1 s)" \
	awk -v a="$before" -v x="$shown" -v b="$after" 'BEGIN { exit !(x >= a - 0.05 && x <= b + 0.05 && x > 0) }'
out=$("$xm" vcpu-pin vcputest-two 5 1 2>&1)
like "xm vcpu-pin of a vCPU the domain lacks fails, saying which it has" "$out" \
	'^Error: Cannot pin vcpu: 5 to cpu: 1 - the domain has vCPUs 0 to 1$'
out=$("$xm" vcpu-pin vcputest-two 0 7 2>&1)
like "xm vcpu-pin to a CPU the host lacks fails" "$out" '^Error: Cannot pin vcpu: 0 to cpu: 7 - '
is "... and leaves vCPU 0 where it was" "$(allowed vcputest-two 0)" 0-1
out=$("$xm" vcpu-pin vcputest-two 0 x-y 2>&1)
like "xm vcpu-pin with a malformed CPU list says which item" "$out" "^Error: 'x-y' in the CPU list 'x-y' is not a CPU"

# --- a reboot keeps the online count and the pinning ---
ok "xm vcpu-set vcputest-two 1 (before a reboot)" "$xm" vcpu-set vcputest-two 1
booted=$(boots vcputest-two)
ok "xm reboot vcputest-two" "$xm" reboot vcputest-two
for ((i = 0; i < 900 && $(boots vcputest-two) <= booted; i++)); do sleep 0.2; done
new=$("$xm" domid vcputest-two)
ok "vcputest-two came back as a new domain ($two, then $new)" test "${new:-0}" -gt "$two"
is "the rebooted guest boots with one CPU online, cpu/1/availability offline" "$(last_boot vcputest-two)" \
	"boot: online 0 nproc 1 cpu1 offline"
is "xm list shows 1 vCPU" "$(vcpus_column vcputest-two)" 1
like "xm vcpu-list shows vCPU 1 offline and still pinned to host CPU 1" "$(vcpu_line vcputest-two 1)" \
	"^vcputest-two $new 1 - --p [0-9]+\\.[0-9] 1\$"
is "the new VMM's vCPU 1 thread may run on host CPU 1 only" "$(allowed vcputest-two 1)" 1
ok "xm vcpu-pin vcputest-two all all" "$xm" vcpu-pin vcputest-two all all
is "vCPU 1's thread may run anywhere again" "$(allowed vcputest-two 1)" 0-1
like "xm vcpu-list says any cpu" "$(vcpu_line vcputest-two 1)" ' any cpu$'

# --- every domain ---
out=$("$xm" vcpu-list)
like "xm vcpu-list lists Domain-0's vCPUs (the host's CPUs)" "$out" '^Domain-0 +0 +1 +1 +[r-][b-]- +[0-9]+\.[0-9] any cpu$'
like "... and every guest's" "$out" "^vcputest-max +$max +1 "

done_testing
