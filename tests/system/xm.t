#!/usr/bin/env bash
# emuhost: --cpus 2
# The administrator's path: xend start, a config in /etc/xen, xm create -c
# boots Debian's stock kernel as a Xen guest with its console on hvc0 (input
# included); xm list, pause and unpause, a killed and a restarted xend (the
# domain lives on and the new xend takes it back), reboot (a new domain ID),
# shutdown -w through the guest's own poweroff, destroy of a guest that
# ignores shutdown, vcpus = 2, a crash kept by on_crash=preserve; and the
# errors an administrator meets.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='xmtest-*'
. "$(dirname "$0")/../lib/xm.sh"

# The guest prints what it sees, then runs each line typed at its console.
cat >"$work/guest.sh" <<'GUEST'
echo "hypervisor: $(cat /sys/hypervisor/type) $(cat /sys/hypervisor/version/major)"
echo "nproc: $(nproc)"
echo "console: $(cat /sys/class/tty/console/active)"
dmesg | grep -E "Hypervisor detected|Booting kernel on"
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

config() { # NAME VCPUS: writes /etc/xen/NAME
	mkdir -p /etc/xen
	cat >"/etc/xen/$1" <<CFG
# a domain for tests/system/xm.t
name = "$1"
memory = 256
vcpus = $2
kernel = "$kernel"
ramdisk = "$work/guest.img"
extra = "console=hvc0"
CFG
}

# The domain's row in xm list: "NAME ID MEM VCPUS STATE TIME".
row() { "$xm" list | awk -v n="$1" '$1 == n { print $1, $2, $3, $4, $5 }'; }
cpu_time() { "$xm" list --long "$1" | sed -n 's/^ *(cpu_time \(.*\))$/\1/p'; }
quiet() { "$@" >/dev/null; }

out=$("$xm" list 2>&1)
is "xm without xend says so" "$?" 1
like "... and asks whether xend runs" "$out" 'Unable to connect to xend.*Is xend running\?'

ok "xend start starts the daemon" "$xend" start
like "xend status says it runs" "$("$xend" status)" '^xend is running'
like "xm list shows Domain-0" "$("$xm" list)" '^Domain-0 +0 +[0-9]+ +2 +r-----'

# --- xm create -c: the console, input, Ctrl-] ---
config xmtest-one 1
mkfifo "$work/in"
exec 3<>"$work/in"
"$xm" create -c xmtest-one <"$work/in" >"$work/console" 2>&1 &
xm_pid=$!
ok "the guest comes up on the console xm create -c attached" wait_for "$work/console" '^guest ready$'
out=$(tr -d '\r' <"$work/console")
like "xm create says which domain it started" "$out" '^Started domain xmtest-one \(id=1\)$'
like "the guest's hypervisor is Xen 4" "$out" '^hypervisor: xen 4$'
like "vcpus = 1 gives nproc 1" "$out" '^nproc: 1$'
like "the guest's console is hvc0" "$out" '^console: hvc0$'
like "Linux detected Xen" "$out" 'Hypervisor detected: Xen'
like "Linux booted as a Xen PVH guest" "$out" 'Booting kernel on Xen PVH'
echo 'echo "typed: $((6 * 7))"' >&3
ok "input typed at xm console reaches the guest" wait_for "$work/console" '^typed: 42$'
printf '\035' >&3
for i in $(seq 50); do kill -0 $xm_pid 2>/dev/null || break; sleep 0.1; done
kill $xm_pid 2>/dev/null # if Ctrl-] did nothing, the check below fails
wait $xm_pid
is "Ctrl-] detaches xm console (exit 0)" "$?" 0
exec 3>&-

like "xm list shows the domain running" "$(row xmtest-one)" '^xmtest-one 1 256 1 (r-----|-b----)$'
ok "the console log under /var/log/xen holds the boot" grep -q 'Booting kernel on Xen PVH' "$(console_log xmtest-one)"
is "xm domid names the domain's ID" "$("$xm" domid xmtest-one)" 1
is "xm domname names the domain" "$("$xm" domname 1)" xmtest-one
# Linux's xenbus writes these itself once it has found XenStore.
is "the guest's xenbus reached XenStore (it wrote control/feature-poweroff)" \
	"$(xenstore-read /local/domain/1/control/feature-poweroff 2>&1)" 1
like "xm list --long prints SXP" "$("$xm" list --long xmtest-one)" '^    \(memory 256\)$'

# --- pause and unpause: a guest that ticks on its console ---
ticks() { tr -d '\r' <"$(console_log xmtest-one)" | grep -c '^tick$'; }
send xmtest-one 'while :; do echo tick; sleep 0.2; done & echo $! >/tmp/ticker'
sleep 2
ok "xm pause succeeds" "$xm" pause xmtest-one
like "xm list shows the domain paused" "$(row xmtest-one)" ' --p--- *$'
sleep 1
n0=$(ticks) t0=$(cpu_time xmtest-one); sleep 3; n1=$(ticks) t1=$(cpu_time xmtest-one)
is "a paused guest makes no progress (no tick on its console)" "$n1" "$n0"
ok "a paused domain's CPU time stays still ($t0 s, then $t1 s)" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a < 0.01) }'
ok "xm unpause succeeds" "$xm" unpause xmtest-one
sleep 1
n0=$(ticks) t0=$(cpu_time xmtest-one); sleep 3; n1=$(ticks) t1=$(cpu_time xmtest-one)
ok "an unpaused guest goes on ($n0 ticks, then $n1)" test "$n1" -gt "$n0"
ok "... and its CPU time grows again ($t0 s, then $t1 s)" awk -v a="$t0" -v b="$t1" 'BEGIN { exit !(b - a >= 0.02) }'
send xmtest-one 'kill $(cat /tmp/ticker)'

# --- xend dies (SIGKILL); a new one takes the running domain back ---
id=$("$xm" domid xmtest-one)
kill -9 "$(cat /run/xenon/xend.pid)"
sleep 0.5
like "the domain outlives a killed xend" "$(pgrep -a xenon-vmm)" 'xenon-vmm .*--name xmtest-one'
ok "xend starts again" "$xend" start
like "the new xend lists the running domain under its ID" "$(row xmtest-one)" "^xmtest-one $id 256 1 (r-----|-b----)\$"
ok "xend restart keeps it too" quiet "$xend" restart
like "... and lists it" "$(row xmtest-one)" "^xmtest-one $id 256 1 "

# --- reboot: the guest reboots itself and comes back as a new domain ---
boots() { tr -d '\r' <"$(console_log "$1")" | grep -c '^guest ready$'; }
booted=$(boots xmtest-one)
ok "xm reboot asks the guest to reboot" "$xm" reboot xmtest-one
for ((i = 0; i < 600 && "$(row xmtest-one | cut -d' ' -f2)" == "$id"; i++)); do sleep 0.2; done
new=$(row xmtest-one | cut -d' ' -f2)
ok "after xm reboot the domain runs again under a new ID ($id, then $new)" test "${new:-0}" -gt "$id"
for ((i = 0; i < 600 && $(boots xmtest-one) <= booted; i++)); do sleep 0.2; done
is "the rebooted guest boots again (its console log shows one boot more)" "$(boots xmtest-one)" $((booted + 1))

# --- shutdown -w: the guest powers itself off ---
ok "xm shutdown -w returns once the guest has powered off" timeout 120 "$xm" shutdown -w xmtest-one
is "the domain is gone from xm list" "$(row xmtest-one)" ""
like "xend logged the guest's own poweroff" "$(cat /var/log/xen/xend.log)" "xmtest-one \\($new\\) has shut down: reason poweroff"
ok "the guest ran its poweroff (ACPI S5)" grep -q 'reboot: Power down' "$(console_log xmtest-one)"
is "its XenStore tree is gone" "$(xenstore-ls /local/domain/$new 2>/dev/null)" ""

# --- two vCPUs; a guest that ignores shutdown; destroy ---
config xmtest-two 2
ok "xm create starts a second domain" quiet "$xm" create xmtest-two
ok "it boots" wait_for "$(console_log xmtest-two)" '^guest ready$'
like "vcpus = 2 gives nproc 2" "$(tr -d '\r' <"$(console_log xmtest-two)")" '^nproc: 2$'
id=$("$xm" domid xmtest-two)
out=$("$xm" create xmtest-two 2>&1)
is "a second domain of the same name is refused" "$?" 1
like "... saying it exists and where" "$out" "Domain 'xmtest-two' already exists with ID '$id'"
send xmtest-two 'echo /bin/false >/proc/sys/kernel/poweroff_cmd; echo ignoring'
wait_for "$(console_log xmtest-two)" '^ignoring' 30
ok "xm shutdown asks" "$xm" shutdown xmtest-two
sleep 8
like "a guest that ignores shutdown keeps running" "$(row xmtest-two)" "^xmtest-two $id 256 2 "
ok "xm destroy ends it" "$xm" destroy xmtest-two
is "it is gone from xm list" "$(row xmtest-two)" ""
is "no VMM is left running" "$(pgrep -x xenon-vmm)" ""

# --- a guest that crashes: on_crash = "preserve" keeps it, shown crashed ---
config xmtest-crash 1
ok "a domain created with on_crash=preserve on the command line" quiet "$xm" create xmtest-crash on_crash=preserve
ok "it boots" wait_for "$(console_log xmtest-crash)" '^guest ready$'
id=$("$xm" domid xmtest-crash)
send xmtest-crash 'echo c >/proc/sysrq-trigger'
for ((i = 0; i < 300; i++)); do [[ "$(row xmtest-crash)" == *----c-* ]] && break; sleep 0.2; done
like "a guest that panics shows crashed in xm list" "$(row xmtest-crash)" "^xmtest-crash $id 256 1 ----c-\$"
like "xend logged the crash and what on_crash said" "$(cat /var/log/xen/xend.log)" "xmtest-crash \\($id\\) has shut down: reason crash; on_crash says preserve"
ok "xm destroy clears the crashed domain" "$xm" destroy xmtest-crash
is "it is gone" "$(row xmtest-crash)" ""
is "no VMM is left" "$(pgrep -x xenon-vmm)" ""

# --- errors an administrator meets ---
cat >/etc/xen/xmtest-bad <<CFG
name = "xmtest-bad"
memory = 'lots'
kernel = "$kernel"
CFG
out=$("$xm" create xmtest-bad 2>&1)
like "a bad memory value is refused, naming file and line" "$out" '^Error: /etc/xen/xmtest-bad:2: memory'
printf 'name = "xmtest-nok"\nkernel = "/nonexistent/vmlinuz"\n' >/etc/xen/xmtest-nok
out=$("$xm" create xmtest-nok 2>&1)
like "a missing kernel is refused, naming file, line and path" "$out" '^Error: /etc/xen/xmtest-nok:2: .*/nonexistent/vmlinuz'
out=$("$xm" create xmtest-none 2>&1)
like "a config that is not there is named" "$out" 'xmtest-none.*not found'
out=$("$xm" destroy nosuchdomain 2>&1)
like "a domain that does not exist is named" "$out" "Domain 'nosuchdomain' does not exist"
is "xm list has only Domain-0 left" "$("$xm" list | tail -n +2 | awk '{ print $1 }')" "Domain-0"

ok "xend stop stops the daemon" "$xend" stop
is "xend status says it is stopped (exit 3)" "$("$xend" status >/dev/null; echo $?)" 3
done_testing
