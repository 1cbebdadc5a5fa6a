#!/usr/bin/env bash
# The emulated host is what later tests stand on: KVM with AMD-V and nested
# paging, this machine's root visible and writable (in an overlay), the
# kernel's own modules loadable, cgroup v2 mounted.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)

ok "/dev/kvm is a character device" test -c /dev/kvm
like "kvm_amd enabled nested paging" "$(dmesg)" 'kvm_amd: Nested Paging enabled'
ok "the build tree is visible at its own path" test -f "$root/meson.build"
ok "Debian's tools from this machine run" qemu-system-x86_64 --version
like "/ is an overlay" "$(awk '$2 == "/" { print $3 }' /proc/mounts)" '^overlay$'
ok "files can be written anywhere" sh -c 'echo x >/etc/emuhost-test && rm /etc/emuhost-test'
ok "the kernel's modules load (tun)" modprobe tun
ok "the kernel's modules load (bridge)" modprobe bridge
ok "/dev/net/tun exists after loading tun" test -c /dev/net/tun
is "bash's process substitution works (/dev/fd)" "$(cat <(echo through-dev-fd))" through-dev-fd
like "cgroup v2 is mounted" "$(awk '$2 == "/sys/fs/cgroup" { print $3 }' /proc/mounts)" '^cgroup2$'
is "the host's name is emuhost" "$(hostname)" emuhost

done_testing
