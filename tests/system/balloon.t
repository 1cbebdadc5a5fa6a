#!/usr/bin/env bash
# A running domain's memory, through the guest's own balloon driver: xm
# mem-set 128 on a 256 MiB guest takes 128 MiB from the guest (its MemTotal)
# and gives it back to the host (the VMM's resident memory), mem-set 256
# returns it; mem-set above the maximum is refused; mem-max 192 holds the
# guest to 192 MiB even when memory/target asks for more (the VMM refuses
# the pages); xm list's Mem column is the target; the values live on in the
# domain's record; dom0-min-mem refuses a domain, or a growth, the host
# cannot spare.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='balloontest-*'
. "$(dirname "$0")/../lib/xm.sh"

xend_config=/etc/xen/xend-config.sxp
mkdir -p /etc/xen
[ -e "$xend_config" ] && cp "$xend_config" "$work/xend-config.sxp.saved"
restore_xend_config() {
	if [ -e "$work/xend-config.sxp.saved" ]; then
		cp "$work/xend-config.sxp.saved" "$xend_config"
	else
		rm -f "$xend_config"
	fi
}
trap 'restore_xend_config; xm_test_cleanup' EXIT
# xend_settings LINES: xend-config.sxp for this test (no network script).
xend_settings() { printf "(network-script '')\n%s\n" "$*" >"$xend_config"; }
xend_settings ""

# The guest runs each line typed at its console. `settle MARK` waits until
# its MemTotal has held still for 5 s (the balloon has done what it will),
# then prints "MARK <MemTotal in kB>".
cat >"$work/guest.sh" <<'GUEST'
memtotal() { awk '/^MemTotal:/ { print $2 }' /proc/meminfo; }
settle() {
	last=$(memtotal) still=0
	for i in $(seq 180); do
		sleep 1
		now=$(memtotal)
		if [ "$now" = "$last" ]; then still=$((still + 1)); [ $still -ge 5 ] && break
		else still=0 last=$now; fi
	done
	echo "$1 $(memtotal)"
}
# Touches all the memory the guest can spare, then frees it: the host
# holds those pages until the balloon gives them back.
fill() {
	mb=$(( $(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo) / 1024 - 32 ))
	dd if=/dev/zero of=/fill bs=1M count=$mb 2>/dev/null
	rm -f /fill
	echo "filled $mb"
}
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

said() { log_of "$1" | sed -n "s/^$2 //p" | tail -1; }
# settled NAME MARK: the guest's MemTotal (kB) once its balloon is still.
settled() { run "$1" "^$2 [0-9]+$" "settle $2" && said "$1" "$2"; }
mem_column() { "$xm" list | awk -v n="$1" '$1 == n { print $3 }'; }
maxmem_of() { "$xm" list --long "$1" | sed -n 's/^ *(maxmem \(.*\))$/\1/p'; }
# What the domain's VMM holds of its guest's RAM (kB).
vmm_resident() { awk '/^RssShmem:/ { print $2 }' "/proc/$(pgrep -f -- "--name $1 --domid")/status"; }

ok "xend start" "$xend" start
MEMORY=256 MAXMEM=256 guest_config balloontest-a disk
ok "xm create balloontest-a (memory = 256)" "$xm" create balloontest-a
ok "the guest comes up" wait_for "$(console_log balloontest-a)" '^guest ready$' 180
id=$("$xm" domid balloontest-a)
is "xm list's Mem column shows 256" "$(mem_column balloontest-a)" 256
is "memory/target is 262144 KiB" "$(xenstore-read "/local/domain/$id/memory/target")" 262144

ok "the guest touches the memory it can spare" run balloontest-a '^filled [0-9]+$' fill
diag "the guest filled $(said balloontest-a filled) MiB"
boot=$(settled balloontest-a memtotal-boot)
rss_full=$(vmm_resident balloontest-a)
diag "before: MemTotal $boot kB in the guest, RssShmem $rss_full kB in its VMM"

# --- mem-set 128: the guest gives 128 MiB back, and the host has them ---
ok "xm mem-set balloontest-a 128" "$xm" mem-set balloontest-a 128
is "xm list's Mem column shows the target, 128" "$(mem_column balloontest-a)" 128
is "memory/target is 131072 KiB" "$(xenstore-read "/local/domain/$id/memory/target")" 131072
half=$(settled balloontest-a memtotal-128)
rss_half=$(vmm_resident balloontest-a)
diag "after mem-set 128: MemTotal $half kB, RssShmem $rss_half kB"
is "mem-set 128: the guest's MemTotal fell by 128 MiB (131072 kB)" "$((boot - half))" 131072
# The guest had touched more than 128 MiB; its VMM may now hold no more
# than the guest's 128 MiB of frames and the VMM's own 48 pages in the same
# memfd (rings, grant frames). Pages the guest had never touched were never
# the host's: the fall is what was resident of the 128 MiB given back.
ok "before mem-set 128 the VMM held more than 128 MiB ($rss_full kB)" test "$rss_full" -gt 131072
ok "after mem-set 128 it holds no more than 128 MiB ($rss_half kB, $((rss_full - rss_half)) kB less)" \
	test "$rss_half" -le $((131072 + 48 * 4))

# --- mem-set 256: it comes back ---
ok "xm mem-set balloontest-a 256" "$xm" mem-set balloontest-a 256
is "xm list's Mem column shows 256" "$(mem_column balloontest-a)" 256
full=$(settled balloontest-a memtotal-256)
diag "after mem-set 256: MemTotal $full kB, RssShmem $(vmm_resident balloontest-a) kB"
is "mem-set 256: the guest's MemTotal is back to its boot value ($boot kB)" "$full" "$boot"

out=$("$xm" mem-set balloontest-a 300 2>&1)
is "mem-set 300, above maxmem 256, fails" "$?" 1
like "... saying the target is above the maximum" "$out" 'memory target of 300 MiB is above its maximum of 256 MiB'
is "... and the Mem column stays 256" "$(mem_column balloontest-a)" 256

# --- mem-max 192: the guest may not take more than 192 MiB back ---
ok "xm mem-set balloontest-a 128 (again)" "$xm" mem-set balloontest-a 128
is "mem-set 128 again: MemTotal 128 MiB below boot" "$((boot - $(settled balloontest-a memtotal-128-again)))" 131072
out=$("$xm" mem-max balloontest-a 100 2>&1)
is "mem-max 100, below the target 128, fails" "$?" 1
like "... saying the maximum is below the target" "$out" 'maximum of 100 MiB is below its memory target of 128 MiB'
ok "xm mem-max balloontest-a 192" "$xm" mem-max balloontest-a 192
is "xm list --long shows (maxmem 192)" "$(maxmem_of balloontest-a)" 192
out=$("$xm" mem-set balloontest-a 256 2>&1)
is "mem-set 256 above mem-max 192 fails" "$?" 1
like "... saying the target is above the maximum" "$out" 'memory target of 256 MiB is above its maximum of 192 MiB'
is "... and the Mem column stays 128" "$(mem_column balloontest-a)" 128
# Past xend, as any dom0 tool could: the guest asks for all 256 MiB and
# its VMM refuses the pages beyond 192.
ok "xenstore-write memory/target 262144 (past xend)" \
	xenstore-write "/local/domain/$id/memory/target" 262144
capped=$(settled balloontest-a memtotal-capped)
diag "asked for 256 MiB under mem-max 192: MemTotal $capped kB"
is "the guest holds 192 MiB, not 256: MemTotal 64 MiB (65536 kB) below boot" "$((boot - capped))" 65536
ok "xm mem-set balloontest-a 192 (the maximum)" "$xm" mem-set balloontest-a 192
is "xm list's Mem column shows 192" "$(mem_column balloontest-a)" 192

# --- past the RAM it booted with: maxmem allows it, the guest cannot ---
ok "xm mem-max balloontest-a 512" "$xm" mem-max balloontest-a 512
out=$("$xm" mem-set balloontest-a 384 2>&1)
is "mem-set 384 (under maxmem 512, above the 256 MiB it booted with) fails" "$?" 1
like "... saying it cannot grow past the RAM it booted with" "$out" 'booted with 256 MiB and cannot grow past it'
is "... and the Mem column stays 192" "$(mem_column balloontest-a)" 192
ok "xm mem-max balloontest-a 192 (as before)" "$xm" mem-max balloontest-a 192

# --- the record: a new xend finds the domain's memory as it stands ---
ok "xend stop" "$xend" stop
ok "xend start" "$xend" start
is "after an xend restart, the Mem column shows 192" "$(mem_column balloontest-a)" 192
is "... and maxmem is 192" "$(maxmem_of balloontest-a)" 192

# --- dom0-min-mem: the host keeps what the setting says ---
ok "xm mem-set balloontest-a 128 (shrinking needs nothing from the host)" "$xm" mem-set balloontest-a 128
available=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
ok "xend stop" "$xend" stop
xend_settings "(dom0-min-mem $available)"
ok "xend start with dom0-min-mem $available (all the host has)" "$xend" start
MEMORY=128 guest_config balloontest-b disk
out=$("$xm" create balloontest-b 2>&1)
is "xm create of a 128 MiB domain fails" "$?" 1
like "... naming the need, the numbers and dom0-min-mem" "$out" \
	"cannot create domain balloontest-b: it needs 128 MiB, and the host has [0-9]+ MiB for domains \(MemAvailable [0-9]+ MiB.*keeps $available MiB for itself \(dom0-min-mem"
unlike "... and no domain balloontest-b is left" "$("$xm" list)" '^balloontest-b '
out=$("$xm" mem-set balloontest-a 192 2>&1)
is "mem-set 192 (growing by 64 MiB) fails" "$?" 1
like "... naming dom0-min-mem" "$out" "cannot grow domain balloontest-a from 128 to 192 MiB: it needs 64 MiB.*dom0-min-mem"
is "... and the Mem column stays 128" "$(mem_column balloontest-a)" 128
ok "xend stop" "$xend" stop
xend_settings ""
ok "xend start with the default dom0-min-mem" "$xend" start
ok "xm create balloontest-b now succeeds" "$xm" create balloontest-b

ok "xm destroy balloontest-a" "$xm" destroy balloontest-a
ok "xm destroy balloontest-b" "$xm" destroy balloontest-b
done_testing
