#!/usr/bin/env bash
# emuhost: --cpus 2
# xenon-vmm boots Debian's stock kernel and the guest kit as a Xen guest
# (PVH): the guest sees Xen 4.17, its console is hvc0 and takes input, the
# kit's Xen frontends load, its timers and IPIs work (sleep, two vCPUs), it
# powers off through ACPI, and a guest that panics ends the domain as
# crashed.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
vmm=$root/build/main/vmm/xenon-vmm
kernel=$("$root/tools/guestkit" kernel)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

boot() { # NAME VCPUS SCRIPT [INPUT]: boots the guest kit running SCRIPT
	local name=$1 vcpus=$2 script=$3 input=${4:-}
	printf '%s\n' "$script" >"$work/$name.sh"
	"$root/tools/guestkit" initrd "$work/$name.sh" "$work/$name.img"
	printf '%s' "$input" | timeout -k 5 300 "$vmm" --name "$name" --memory 256 --vcpus "$vcpus" \
		--kernel "$kernel" --ramdisk "$work/$name.img" --cmdline "console=hvc0" \
		--console-log "$work/$name.log" >"$work/$name.out" 2>"$work/$name.err"
	echo $?
}

status=$(boot one 1 '
echo "hypervisor: $(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)"
echo "nproc: $(nproc)"
echo "console: $(cat /sys/class/tty/console/active)"
read -r line && echo "typed: $line"
sleep 1 && echo "slept"
echo "loaded: $(cut -d" " -f1 /proc/modules | tr "\n" " ")"
dmesg | grep -E "Hypervisor detected|Booting kernel on" ' 'a line typed at the console
')
out=$(tr -d '\r' <"$work/one.out")
is "the domain powers off by itself: exit 0" "$status" 0
like "the guest's hypervisor is Xen" "$out" '^hypervisor: xen 4\.17$'
like "one vCPU gives nproc 1" "$out" '^nproc: 1$'
like "the guest's console is hvc0" "$out" '^console: hvc0$'
like "input reaches the guest through hvc0" "$out" '^typed: a line typed at the console$'
like "the guest's timer works (sleep returns)" "$out" '^slept$'
like "Linux detected Xen" "$out" 'Hypervisor detected: Xen'
like "Linux booted as a Xen PVH guest" "$out" 'Booting kernel on Xen PVH'
like "the guest's init ran to its end" "$out" '^guestkit: exit 0$'
for m in xen_blkfront xen_netfront xen_evtchn xenfs xen_gntdev; do
	like "the guest kit's $m loads in the Xen guest" "$out" "^loaded: .*\\b$m\\b"
done
is "the console log holds what the console showed" "$(tr -d '\r' <"$work/one.log")" "$out"

status=$(boot two 2 '
echo "nproc: $(nproc)"
grep -c resched /proc/interrupts')
out=$(tr -d '\r' <"$work/two.out")
is "two vCPUs: the domain powers off by itself" "$status" 0
like "vcpus = 2 gives nproc 2" "$out" '^nproc: 2$'
like "each vCPU has its IPI channel" "$out" '^2$'

status=$(boot crash 1 'echo c >/proc/sysrq-trigger')
is "a guest that panics ends the domain as crashed (exit 3)" "$status" 3
like "the VMM says the guest crashed" "$(cat "$work/crash.err")" 'the guest asked to crash'

done_testing
