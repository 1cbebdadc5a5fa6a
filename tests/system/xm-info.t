#!/usr/bin/env bash
# emuhost: --cpus 2
# The host's and hypervisor's side of xm: xm info (the host's real CPUs and
# memory, the Xen our guests see, the KVM probe's answer, free memory that
# a running guest takes), xm dmesg (xend's banner, a guest's creation, what
# a guest writes to Xen's debug port; -c empties it), xm log (xend's log),
# xm sysrq (a key that reaches the guest's kernel), xm dump-core (a core
# readelf reads: PT_LOAD segments as large as the guest's memory, one
# NT_PRSTATUS per vCPU; the guest goes on after, -C ends it; a bad path
# leaves nothing), and enable-dump (a guest that crashes leaves its core).
. "$(dirname "$0")/../lib/tap.sh"
. "$(dirname "$0")/../lib/xm.sh"

# xend's settings and the domains' configs are this test's own.
export XENON_CONFIG_DIR=$work/etc
mkdir -p "$work/etc"
cat >"$work/etc/xend-config.sxp" <<'SXP'
# tests/system/xm-info.t
(network-script '')
(enable-dump yes)
SXP

cat >"$work/guest.sh" <<'GUEST'
echo "xen: $(cat /sys/hypervisor/version/major).$(cat /sys/hypervisor/version/minor)$(cat /sys/hypervisor/version/extra)"
echo "caps: $(cat /sys/hypervisor/properties/capabilities)"
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"
config() { # NAME VCPUS [MORE...]: a 128 MiB domain
	{
		printf 'name = "%s"\nmemory = 128\nvcpus = %s\nkernel = "%s"\n' "$1" "$2" "$kernel"
		printf 'ramdisk = "%s"\nextra = "console=hvc0"\n' "$work/guest.img"
		shift 2
		printf '%s\n' "$@"
	} >"$work/etc/$1"
}

quiet() { "$@" >/dev/null; }
row() { "$xm" list | awk -v n="$1" '$1 == n { print $1, $2, $3, $4, $5 }'; }
info_value() { printf '%s\n' "$1" | sed -n "s/^$2 *: //p"; }
info_keys() { printf '%s\n' "$1" | sed -n 's/^\([a-z_]*\) *: .*/\1/p' | tr '\n' ' '; }
# The sum of the MemSiz of a core's PT_LOAD segments.
load_bytes() {
	local sum=0 size
	for size in $(readelf -lW "$1" | awk '$1 == "LOAD" { print $6 }'); do sum=$((sum + size)); done
	echo "$sum"
}
# Writes TEXT to Xen's debug port 0xe9 from inside the guest, a byte at a time.
port_e9() { printf 'for c in %s; do printf "%%s" "$c" | dd of=/dev/port bs=1 seek=233 count=1 conv=notrunc 2>/dev/null; done; printf "\\n" | dd of=/dev/port bs=1 seek=233 count=1 conv=notrunc 2>/dev/null; echo e9 done' "$(echo "$1" | sed 's/./& /g')"; }

ok "xend starts" "$xend" start
pid=$(cat /run/xenon/xend.pid)

# --- xm info: the host, and the Xen our guests see ---
info=$("$xm" info)
is "xm info exits 0" "$?" 0
is "its keys are Xen 3's, in Xen's order, then ours" "$(info_keys "$info")" \
	"host release version machine nr_cpus nr_nodes cores_per_socket threads_per_core cpu_mhz hw_caps virt_caps total_memory free_memory node_to_cpu node_to_memory xen_major xen_minor xen_extra xen_caps xen_scheduler xen_pagesize platform_params xen_changeset cc_compiler cc_compile_by cc_compile_domain cc_compile_date xend_config_format xenon_version kvm "
like "each key is padded to 23 columns, as Xen's xm printed it" "$info" '^nr_cpus                : [0-9]+$'
is "host is this host" "$(info_value "$info" host)" "$(uname -n)"
is "nr_cpus is the host's CPU count" "$(info_value "$info" nr_cpus)" "$(getconf _NPROCESSORS_ONLN)"
is "total_memory is the host's MemTotal (MiB)" "$(info_value "$info" total_memory)" \
	"$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)"
is "virt_caps: this CPU has hardware virtualization" "$(info_value "$info" virt_caps)" hvm
is "xen_caps: 64-bit PVH guests, which Xen counts as HVM" "$(info_value "$info" xen_caps)" hvm-3.0-x86_64
is "xen_scheduler is credit" "$(info_value "$info" xen_scheduler)" credit
is "the kvm line is the KVM probe's answer, as xenon-probe gives it" "$(info_value "$info" kvm)" \
	"$("$bin/probe/xenon-probe" | sed -n 's/^answer: //p')"
like "xenon_version is ours" "$(info_value "$info" xenon_version)" '^[0-9]+\.[0-9]+\.[0-9]+'
free_before=$(info_value "$info" free_memory)
out=$("$xm" info extra 2>&1)
is "xm info takes no arguments" "$?" 1

# --- xm dmesg: xend's banner ---
dmesg=$("$xm" dmesg)
like "xm dmesg shows xend's banner: the Xen our guests see" "$dmesg" \
	"^\\(XEN\\) Xen version $(info_value "$info" xen_major)\\.$(info_value "$info" xen_minor)$(info_value "$info" xen_extra) "
like "... the KVM probe's answer" "$dmesg" "^\\(XEN\\) KVM: $(info_value "$info" kvm)\$"
like "... and this xend's start" "$dmesg" "^\\(XEN\\) xend started \\(pid $pid\\)\$"

# --- a guest of two vCPUs ---
config infotest-a 2
ok "xm create starts a guest of two vCPUs" quiet "$xm" create infotest-a
ok "it boots" wait_for "$(console_log infotest-a)" '^guest ready$'
id=$("$xm" domid infotest-a)
xen=$(info_value "$info" xen_major).$(info_value "$info" xen_minor)$(info_value "$info" xen_extra)
like "the guest sees the Xen version xm info reports" "$(log_of infotest-a)" "^xen: $xen\$"
like "... and its capabilities" "$(log_of infotest-a)" "^caps: $(info_value "$info" xen_caps)\$"
free_after=$(info_value "$("$xm" info)" free_memory)
ok "free_memory drops while the guest runs ($free_before MiB, then $free_after MiB)" \
	test "$free_after" -lt "$free_before"
like "xm dmesg shows the guest's creation" "$("$xm" dmesg)" "^\\(XEN\\) Domain $id \\(infotest-a\\) created"
send infotest-a "$(port_e9 hello-from-the-guest)"
wait_for "$(console_log infotest-a)" '^e9 done' 60
like "what the guest writes to Xen's debug port shows in xm dmesg, under its ID" "$("$xm" dmesg)" \
	"^\\(XEN\\) \\(d$id\\) hello-from-the-guest\$"
out=$("$xm" dmesg -c)
like "xm dmesg -c prints the ring" "$out" "^\\(XEN\\) Domain $id \\(infotest-a\\) created"
unlike "... and empties it" "$("$xm" dmesg)" 'Xen version|created'

# --- xm log ---
log=$("$xm" log)
like "xm log prints xend's log: its start" "$log" "started \\(pid $pid\\)"
like "... and the guest's" "$log" "infotest-a \\($id\\) started"

# --- xm sysrq ---
ok "xm sysrq sends h" "$xm" sysrq infotest-a h
ok "the guest's kernel runs SysRq h: its help is on the guest's console" \
	wait_for "$(console_log infotest-a)" 'sysrq: HELP' 60
out=$("$xm" sysrq infotest-a hh 2>&1)
is "a key of two letters is refused" "$?" 1
like "... saying what a key is" "$out" '<letter> is one SysRq key'
out=$("$xm" sysrq nosuchdomain h 2>&1)
like "a domain that does not exist is named" "$out" "Domain 'nosuchdomain' does not exist"

# --- xm dump-core ---
core=$work/a.core
out=$(cd "$work" && "$xm" dump-core infotest-a a.core)
is "xm dump-core writes a core (a name relative to xm's folder)" "$?" 0
like "... saying so as Xen's xm did" "$out" '^Dumping core of domain: infotest-a \.\.\.$'
ok "readelf reads it" quiet readelf -a "$core"
like "it is an ELF core" "$(readelf -h "$core")" 'Type: +CORE \(Core file\)'
is "its PT_LOAD segments hold the guest's memory (128 MiB)" "$(load_bytes "$core")" $((128 << 20))
is "one NT_PRSTATUS per vCPU" "$(readelf -n "$core" | grep -c NT_PRSTATUS)" 2
is "only root may read it" "$(stat -c %a "$core")" 600
is "nothing is left aside" "$(ls "$work" | grep -c '^a\.core\.')" 0
like "the domain is running again, not paused" "$(row infotest-a)" "^infotest-a $id 128 2 (r-----|-b----)\$"
ok "the guest goes on after the dump" run infotest-a '^after the dump$' 'echo after the dump'

out=$("$xm" dump-core -L infotest-a)
is "xm dump-core -L (live) without a name" "$?" 0
ls_dump=$(ls /var/xen/dump)
like "... writes Xen's name under /var/xen/dump" "$ls_dump" "^[0-9]{4}-[0-9]{4}-[0-9]{4}\\.[0-9]{2}-infotest-a\\.$id\\.core\$"
is "... as large a memory" "$(load_bytes "/var/xen/dump/$(printf '%s\n' "$ls_dump" | grep "infotest-a\\.$id\\.core" | head -1)")" \
	$((128 << 20))

out=$("$xm" dump-core infotest-a /nonexistent/x.core 2>&1)
is "a core into a folder that does not exist fails" "$?" 1
like "... naming the path" "$out" '^Error: Failed to dump core: /nonexistent/x\.core: No such file or directory'
out=$("$xm" dump-core infotest-a "$work" 2>&1)
like "a core onto a folder is refused, as Xen refused it" "$out" "Cannot dump core in a directory: $work\$"
like "... and the domain still runs" "$(row infotest-a)" "^infotest-a $id 128 2 "

out=$("$xm" dump-core -C infotest-a "$work/c.core")
is "xm dump-core -C" "$?" 0
like "... says it destroys the domain" "$out" '^Destroying domain: infotest-a \.\.\.$'
is "... which is gone" "$(row infotest-a)" ""
is "... after its core was written" "$(load_bytes "$work/c.core")" $((128 << 20))

# --- enable-dump: a guest that crashes leaves its core ---
config infotest-c 1 'on_crash = "destroy"'
ok "a second guest" quiet "$xm" create infotest-c
ok "it boots" wait_for "$(console_log infotest-c)" '^guest ready$'
cid=$("$xm" domid infotest-c)
# Debian's kernel.sysrq mask lets h through, not c: its administrator
# allows every key first.
ok "it allows every SysRq key" run infotest-c '^sysrq allowed$' 'echo 1 >/proc/sys/kernel/sysrq; echo sysrq allowed'
ok "xm sysrq c crashes it" "$xm" sysrq infotest-c c
for ((i = 0; i < 300; i++)); do [ -z "$(row infotest-c)" ] && break; sleep 0.2; done
is "on_crash = destroy ends it" "$(row infotest-c)" ""
[ -n "$(row infotest-c)" ] && diag "its console ends:" "$(log_of infotest-c | tail -25)"
crashcore=$(ls /var/xen/dump | grep "infotest-c\\.$cid\\.core\$")
ok "(enable-dump yes) left its core in /var/xen/dump" test -n "$crashcore"
is "... one NT_PRSTATUS for its vCPU" "$(readelf -n "/var/xen/dump/$crashcore" 2>/dev/null | grep -c NT_PRSTATUS)" 1
like "xm dmesg shows the crash" "$("$xm" dmesg)" "^\\(XEN\\) Domain $cid \\(infotest-c\\) has shut down: reason crash\$"
like "xend logged where the core went" "$(cat /var/log/xen/xend.log)" \
	"infotest-c \\($cid\\) crashed; its core is in /var/xen/dump/$crashcore"

rm -f /var/xen/dump/*-infotest-[ac].*.core
ok "xend stops" "$xend" stop
done_testing
