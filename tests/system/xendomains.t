#!/usr/bin/env bash
# xendomains, as the host's boot and shutdown run it: two guests' configs
# linked in an auto folder; `xendomains start` boots both, and a second
# start does not start them twice; `xendomains status` sees them; `xm
# shutdown <TAB>` offers them; `xendomains stop` saves both to
# XENDOMAINS_SAVE, and the next `xendomains start` restores them from
# there (removing the images) rather than booting them afresh; with
# XENDOMAINS_SAVE empty, `stop` shuts both down cleanly through their own
# poweroff, leaving no domain and no saved image.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='xdtest-*'
. "$(dirname "$0")/../lib/xm.sh"

cat >"$work/guest.sh" <<'GUEST'
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"

guest_config xdtest-a disk
guest_config xdtest-b disk
mkdir -p "$work/auto" "$work/save"
ln -s /etc/xen/xdtest-a "$work/auto/xdtest-a"
ln -s /etc/xen/xdtest-b "$work/auto/xdtest-b"
# The shipped settings, with this test's folders and no pause between the
# two creates.
sed -e "s|^XENDOMAINS_AUTO=.*|XENDOMAINS_AUTO=$work/auto|" \
	-e "s|^XENDOMAINS_SAVE=.*|XENDOMAINS_SAVE=$work/save|" \
	-e "s|^XENDOMAINS_CREATE_USLEEP=.*|XENDOMAINS_CREATE_USLEEP=0|" \
	"$root/etc/default/xendomains" >"$work/xendomains"
export XENDOMAINS_DEFAULTS=$work/xendomains XM=$xm
xendomains=$root/init/xendomains

# The domain's "ID STATE" in xm list.
row() { "$xm" list | awk -v n="$1" '$1 == n { print $2, $5 }'; }
ours() { "$xm" list | grep -c '^xdtest-'; }
ids() { "$xm" list | awk '$1 ~ /^xdtest-/ { print $1, $2 }' | paste -sd ' ' -; }

ok "xend starts" "$xend" start

out=$("$xendomains" start 2>&1)
is "xendomains start succeeds" "$?" 0
like "... starting xdtest-a" "$out" '^xendomains: .*/auto/xdtest-a: Started domain xdtest-a \(id=[0-9]+\)$'
like "... and xdtest-b" "$out" '^xendomains: .*/auto/xdtest-b: Started domain xdtest-b \(id=[0-9]+\)$'
ok "xdtest-a boots" wait_for "$(console_log xdtest-a)" '^guest ready$'
ok "xdtest-b boots" wait_for "$(console_log xdtest-b)" '^guest ready$'
like "xm list shows xdtest-a running" "$(row xdtest-a)" '^[0-9]+ (r-----|-b----)$'
like "xm list shows xdtest-b running" "$(row xdtest-b)" '^[0-9]+ (r-----|-b----)$'
before=$(ids)

out=$("$xendomains" start 2>&1)
is "a second xendomains start succeeds" "$?" 0
like "... saying xdtest-a is already running" "$out" '^xendomains: xdtest-a \(.*\) is already running$'
like "... and xdtest-b" "$out" '^xendomains: xdtest-b \(.*\) is already running$'
is "... and starts neither again (same IDs)" "$(ids)" "$before"
is "... nor a third domain" "$(ours)" 2

out=$("$xendomains" status 2>&1)
is "xendomains status: all of auto run (exit 0)" "$?" 0
like "... naming xdtest-a" "$out" '^xendomains: xdtest-a is running'

offered=$(bash -c '. "$1"; COMP_WORDS=("$2" shutdown xdtest-); COMP_CWORD=2; _xm; printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " " -' \
	_ "$root/completion/xm" "$xm")
is "xm shutdown xdtest-<TAB> offers both domains" "$offered" "xdtest-a xdtest-b"

# ---- stop saves them, start restores them ----
out=$(timeout 900 "$xendomains" stop 2>&1)
is "xendomains stop succeeds" "$?" 0
like "... saving xdtest-a into XENDOMAINS_SAVE" "$out" "^xendomains: saved xdtest-a to $work/save/xdtest-a\$"
like "... and xdtest-b" "$out" "^xendomains: saved xdtest-b to $work/save/xdtest-b\$"
is "neither is listed any more" "$(ours)" 0
is "both images are there" "$(ls "$work/save" | paste -sd ' ' -)" "xdtest-a xdtest-b"
out=$("$xendomains" start 2>&1)
is "xendomains start succeeds" "$?" 0
like "... restoring xdtest-a" "$out" "^xendomains: restored $work/save/xdtest-a\$"
like "... and xdtest-b" "$out" "^xendomains: restored $work/save/xdtest-b\$"
like "... not booting xdtest-a afresh (it runs already)" "$out" '^xendomains: xdtest-a \(.*\) is already running$'
is "both run again" "$(ours)" 2
ok "xdtest-a goes on where it was (its console answers)" run xdtest-a '^still here$' 'echo "still here"'
is "... and did not boot again (its console log shows one boot)" "$(log_of xdtest-a | grep -c '^guest ready$')" 1
is "the images are gone once restored" "$(ls -A "$work/save")" ""

# ---- stop without XENDOMAINS_SAVE shuts them down ----
sed -i "s|^XENDOMAINS_SAVE=.*|XENDOMAINS_SAVE=|" "$work/xendomains"
start=$SECONDS
out=$(timeout 900 "$xendomains" stop 2>&1)
is "xendomains stop (XENDOMAINS_SAVE empty) succeeds" "$?" 0
diag "xendomains stop took $((SECONDS - start)) s and said:" "$out"
unlike "... destroys neither" "$out" 'destroy'
is "neither is listed any more" "$(ours)" 0
ok "xdtest-a powered itself off (ACPI S5)" grep -q 'reboot: Power down' "$(console_log xdtest-a)"
ok "xdtest-b powered itself off (ACPI S5)" grep -q 'reboot: Power down' "$(console_log xdtest-b)"
like "xend saw xdtest-a's own poweroff" "$(cat /var/log/xen/xend.log)" 'xdtest-a \([0-9]+\) has shut down: reason poweroff'
like "xend saw xdtest-b's own poweroff" "$(cat /var/log/xen/xend.log)" 'xdtest-b \([0-9]+\) has shut down: reason poweroff'
is "no saved image is left" "$(ls -A "$work/save")" ""

out=$("$xendomains" status 2>&1)
is "xendomains status: not running (exit 3)" "$?" 3
like "... naming xdtest-b" "$out" '^xendomains: xdtest-b is not running'

out=$("$xendomains" stop 2>&1)
is "xendomains stop with nothing running succeeds" "$?" 0
like "... saying so" "$out" '^xendomains: no domains to stop$'

ok "xend stop" "$xend" stop
done_testing
