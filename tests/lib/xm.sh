# What system tests that drive xend and xm share. Sourced after tap.sh; sets
# bin, xm, xend, kernel and work (a temporary folder), and on exit stops
# xend, every VMM and xenstored and removes work and /etc/xen/$XM_TEST_CONFIGS.
root=$(repo_root)
bin=$root/build/main
xm=$bin/xm/xm
xend=$bin/xend/xend
kernel=$("$root/tools/guestkit" kernel)
work=$(mktemp -d)
xm_test_cleanup() {
	"$xend" stop >/dev/null 2>&1
	pkill -x xenon-vmm
	pkill -x xenstored
	xend_config_restore
	# shellcheck disable=SC2086 # a glob on purpose
	rm -rf "$work" ${XM_TEST_CONFIGS:+/etc/xen/$XM_TEST_CONFIGS}
}
trap xm_test_cleanup EXIT

# xend_config LINE...: /etc/xen/xend-config.sxp for this test, of those
# lines; the file that was there before (or none) comes back at exit.
xend_config() {
	mkdir -p /etc/xen
	if [ ! -e "$work/xend-config.saved" ]; then
		[ -e /etc/xen/xend-config.sxp ] && cp /etc/xen/xend-config.sxp "$work/xend-config.sxp"
		: >"$work/xend-config.saved"
	fi
	printf '%s\n' "$@" >/etc/xen/xend-config.sxp
}
xend_config_restore() {
	[ -e "$work/xend-config.saved" ] || return 0
	if [ -e "$work/xend-config.sxp" ]; then
		cp "$work/xend-config.sxp" /etc/xen/xend-config.sxp
	else
		rm -f /etc/xen/xend-config.sxp
	fi
}

# wait_for FILE REGEX [SECONDS]: until a line of FILE matches.
wait_for() {
	local i
	for ((i = 0; i < ${3:-120} * 5; i++)); do
		tr -d '\r' <"$1" 2>/dev/null | grep -qE -- "$2" && return 0
		sleep 0.2
	done
	return 1
}

console_log() { echo "/var/log/xen/console/guest-$1.log"; }
log_of() { tr -d '\r' <"$(console_log "$1")"; }

# Every test that drives xend ends by checking that no guest crashed
# without being made to: on_crash's default, restart, brings such a guest
# back under its name, so the test's own checks may not notice. A guest
# made to crash is created with on_crash preserve or destroy. What the
# guest's console and VMM said is shown, since the emulated host and its
# logs end with the test. (The logs' timestamps are local time, as here.)
xm_test_began=$(date '+[%Y-%m-%d %H:%M:%S')
no_guest_crashed() {
	local crashes name f
	crashes=$(cat /var/log/xen/xend.log.1 /var/log/xen/xend.log 2>/dev/null |
		awk -v t="$xm_test_began" '$0 >= t && /reason crash; on_crash says restart/')
	is "no guest crashed on its own" "$crashes" ""
	for name in $(printf '%s\n' "$crashes" | sed -n 's/.* domain \([^ ]*\) (.*/\1/p' | sort -u); do
		for f in /var/log/xen/xenon-vmm-"$name".log "$(console_log "$name")"*; do
			[ -e "$f" ] || continue
			diag "--- $f, where it crashed:"
			diag "$(tr -d '\r' <"$f" | grep -E -B2 -A25 -m2 'crashed|asked to crash|BUG:|Oops|Kernel panic' | head -60)"
		done
	done
}
tap_final_checks+=(no_guest_crashed)

# guest_config NAME KEY ENTRY...: writes /etc/xen/NAME, a guest of $MEMORY
# MiB (128; up to $MAXMEM if set) and $VCPUS vCPUs (1) booting $RAMDISK
# ($work/guest.img) with $EXTRA on its command line, and KEY = [ the
# entries ] (its disks, its vifs).
guest_config() {
	local name=$1 key=$2 entries="" e
	shift 2
	for e in "$@"; do entries+="'$e', "; done
	mkdir -p /etc/xen
	cat >"/etc/xen/$name" <<CFG
name = "$name"
memory = ${MEMORY:-128}
${MAXMEM:+maxmem = $MAXMEM}
vcpus = ${VCPUS:-1}
kernel = "$kernel"
ramdisk = "${RAMDISK:-$work/guest.img}"
extra = "console=hvc0 ${EXTRA:-}"
$key = [ $entries ]
CFG
}

# send NAME COMMAND: types COMMAND at the domain's console, then Ctrl-],
# which detaches once the line is written (however long xm takes to
# attach), and gives the guest a second to take the line up.
send() {
	printf '%s\n\035' "$2" | timeout 10 "$xm" console "$1" >/dev/null 2>&1
	sleep 1
}

# run NAME MARK CMD: types CMD at NAME's console, then waits up to 90 s for
# a line matching MARK there.
run() {
	send "$1" "$3"
	wait_for "$(console_log "$1")" "$2" 90
}
