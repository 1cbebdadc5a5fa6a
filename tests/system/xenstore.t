#!/usr/bin/env bash
# XenStore with a running guest: the guest's own xenstore tools (Debian's,
# through /dev/xen/xenbus) read and write its nodes and are refused other
# domains'; then xenstored is killed with SIGKILL and started again: the tree
# is all there, a request the guest made meanwhile is answered, the guest's
# watches (its kernel's included) still fire, and xm list, xm console and
# xm shutdown go on working.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS=xstest
. "$(dirname "$0")/../lib/xm.sh"

cat >"$work/guest.sh" <<'GUEST'
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"
mkdir -p /etc/xen
cat >/etc/xen/xstest <<CFG
name = "xstest"
memory = 256
kernel = "$kernel"
ramdisk = "$work/guest.img"
extra = "console=hvc0"
CFG

log=$(console_log xstest)
# ask MARK COMMAND: runs COMMAND in the guest and prints its output, which
# the guest frames with MARK lines.
ask() {
	send xstest "echo '<$1'; $2 2>&1; echo '$1>'"
	wait_for "$log" "^$1>$" 30 || return 1
	tr -d '\r' <"$log" | sed -n "/^<$1\$/,/^$1>\$/p" | sed '1d;$d'
}

rm -f "$log"
ok "xend starts" "$xend" start
ok "xm create starts the guest" "$xm" create xstest
ok "the guest comes up" wait_for "$log" '^guest ready$'
id=$("$xm" domid xstest)
home=/local/domain/$id

is "in the guest, xenstore-read reads its own name (a relative path)" "$(ask a 'xenstore-read name')" xstest
is "... and its domid by its full path" "$(ask b "xenstore-read $home/domid")" "$id"
ask c 'xenstore-write data/greeting hello-from-the-guest' >/dev/null
is "a guest's xenstore-write lands in its home" "$(xenstore-read "$home/data/greeting")" hello-from-the-guest
like "the guest owns what it wrote" "$(xenstore-ls -p "$home/data")" "greeting = \"hello-from-the-guest\" .*\\(n$id\\)"
xenstore-write /local/domain/77/secret s3cret
xenstore-chmod /local/domain/77 n0
xenstore-chmod /local/domain/77/secret n0
out=$(ask d 'xenstore-read /local/domain/77/secret')
like "another domain's node is refused to the guest's xenstore-read" "$out" "couldn't read path"
unlike "... which shows nothing of it" "$out" s3cret
like "... and to its xenstore-write" "$(ask e 'xenstore-write /local/domain/77/secret stolen')" \
	'could not write path'
is "... which changed nothing" "$(xenstore-read /local/domain/77/secret)" s3cret
like "dom0's own nodes are refused too" "$(ask f 'xenstore-write /tool/x 1')" 'could not write path'
ok "... and stay as they were" bash -c '! xenstore-exists /tool/x'
like "the guest's xenstore-ls lists its home" "$(ask g "xenstore-ls $home")" '^name = "xstest"$'

# A watch in the guest, registered before xenstored dies.
send xstest 'xenstore-watch data/watched &'
ok "the guest's watch fires at once" wait_for "$log" '^data/watched$'
watch_events() { tr -d '\r' <"$log" | grep -c '^data/watched$'; }

# --- SIGKILL ---
pkill -KILL -x xenstored
for _ in $(seq 50); do pgrep -x xenstored >/dev/null || break; sleep 0.1; done
ok "xenstored is gone" bash -c '! pgrep -x xenstored >/dev/null'
send xstest 'xenstore-write data/during-outage answered-later &'
sleep 2
ok "xenstored starts again" "$bin/xenstored/xenstored" 2>>"$work/xenstored.log"
like "... reading its journal back: the domain and its watches" "$(cat "$work/xenstored.log")" "domain $id restored \\([1-9][0-9]* watches"
is "the tree survived: the guest's node" "$(xenstore-read "$home/data/greeting")" hello-from-the-guest
is "... xend's nodes" "$(xenstore-read "$home/name")" xstest
is "... and permissions" "$(xenstore-ls -p /local/domain/77 | sed -n 's/^secret = .* (\(.*\))$/\1/p')" n0
for _ in $(seq 50); do xenstore-exists "$home/data/during-outage" && break; sleep 0.2; done
is "a request the guest made while xenstored was down is answered" \
	"$(xenstore-read "$home/data/during-outage" 2>&1)" answered-later
sleep 1
before=$(watch_events)
xenstore-write "$home/data/watched" changed
for _ in $(seq 100); do [ "$(watch_events)" -gt "$before" ] && break; sleep 0.2; done
ok "the guest's watch still fires after the restart" [ "$(watch_events)" -gt "$before" ]
is "the guest still reads and writes" "$(ask h 'xenstore-write data/after ok && xenstore-read data/after')" ok
like "xm list still shows the domain" "$("$xm" list)" "^xstest +$id "
ask i 'echo console-works' >/dev/null
ok "xm console still reaches the guest" wait_for "$log" '^console-works$'
ok "xm shutdown still works (the guest's kernel watch fired)" "$xm" shutdown -w xstest
like "... and the domain is gone" "$("$xm" list)" '^Domain-0'
unlike "... from the list" "$("$xm" list)" '^xstest '
ok "its XenStore home went with it" bash -c "! xenstore-exists '$home'"
done_testing
