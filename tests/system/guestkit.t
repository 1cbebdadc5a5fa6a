#!/usr/bin/env bash
# The guest kit boots under the emulated host's KVM (QEMU -enable-kvm, the
# peer our benchmarks compare with): Debian's kernel, the kit's initramfs, the
# test's script run as init's job, its exit status reported, power off.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/script" <<'SCRIPT'
echo "script runs as pid-1's child: $(cat /proc/1/comm)"
echo "modules: $(ls /lib/modules/*/kernel | tr '\n' ' ')"
grep -q hypervisor /proc/cpuinfo && echo "sees a hypervisor"
exit 3
SCRIPT
"$root/tools/guestkit" initrd "$work/script" "$work/initrd"
is "guestkit initrd builds an initramfs" "$?" 0

timeout 120 qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-accel kvm -cpu host -m 256 -kernel "$("$root/tools/guestkit" kernel)" \
	-initrd "$work/initrd" -append "console=ttyS0 quiet panic=-1" \
	-serial "file:$work/console" </dev/null
is "the guest powered off by itself" "$?" 0
console=$(tr -d '\r' <"$work/console")
like "the test's script ran" "$console" '^script runs as pid-1.s child: init$'
for m in xen-blkfront xen-netfront xen-evtchn xenfs xen-gntdev; do
	like "the kit carries $m" "$console" "^modules: .*\\b$m\\.ko\\b"
done
like "the guest ran under KVM" "$console" '^sees a hypervisor$'
like "the script's exit status is reported" "$console" '^guestkit: exit 3$'

done_testing
