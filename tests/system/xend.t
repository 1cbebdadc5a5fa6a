#!/usr/bin/env bash
# xend as a daemon its xend-config.sxp configures, and the domains it
# manages: a loglevel it does not know stops it, naming file and line;
# (xend-unix-server no) leaves xm outside; its log goes to (logfile ...) at
# (loglevel ...) and rotates as Xen's did (1 MiB, xend.log.1 ... .5); xm
# finds xend at (xend-unix-path ...); xm new, list, start (-p), shutdown
# (the domain stays listed, inactive), start again (the same UUID), destroy,
# delete; a managed domain outlives kill -9 of xend, running or not; xm
# rename, running and not; xm uptime.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS='xendtest-*'
. "$(dirname "$0")/../lib/xm.sh"

# xend's config, its records and the domains' configs are this test's own;
# the console logs stay in /var/log/xen.
export XENON_CONFIG_DIR=$work/etc XENON_STATE_DIR=$work/state
mkdir -p "$work/etc"
log=$work/logs/xend.log
socket=$work/sock/xm-socket
settings() { # LEVEL [MORE...]: writes xend-config.sxp
	{
		echo "# tests/system/xend.t"
		echo "(network-script '')"
		echo "(logfile $log)"
		echo "(loglevel $1)"
		echo "(xend-unix-path $socket)"
		shift
		printf '%s\n' "$@"
	} >"$work/etc/xend-config.sxp"
}

cat >"$work/guest.sh" <<'GUEST'
echo "guest ready"
while read -r cmd; do eval "$cmd"; done
GUEST
"$root/tools/guestkit" initrd "$work/guest.sh" "$work/guest.img"
config() { # NAME: a 128 MiB domain of one vCPU
	cat >"$work/etc/$1" <<CFG
name = "$1"
memory = 128
kernel = "$kernel"
ramdisk = "$work/guest.img"
extra = "console=hvc0"
CFG
}

row() { "$xm" list | awk -v n="$1" '$1 == n'; }
uuid_of() { "$xm" list --long "$1" | sed -n 's/^ *(uuid \(.*\))$/\1/p'; }
boots() { tr -d '\r' <"$(console_log "$1")" 2>/dev/null | grep -c '^guest ready$'; }
xend_pid() { cat /run/xenon/xend.pid; }
kill_xend() { # SIGKILL, and wait until it is gone (reaped)
	local pid i
	pid=$(xend_pid)
	kill -9 "$pid"
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
}
quiet() { "$@" >/dev/null; }

# --- what xend-config.sxp says of the daemon ---
settings LOUD
out=$("$xend" start 2>&1)
is "a loglevel Python's logging does not know stops xend start" "$?" 1
is "... naming the file and its line" "$out" \
	"xend: $work/etc/xend-config.sxp:4: (loglevel ...) takes one value: DEBUG, INFO, WARNING, ERROR or CRITICAL"
is "... and no xend runs" "$("$xend" status >/dev/null; echo $?)" 3

settings INFO '(xend-unix-server no)'
ok "with (xend-unix-server no) xend still starts" "$xend" start
out=$("$xm" list 2>&1)
is "... but xm cannot reach it" "$?" 1
like "... and says so as Xen's xm did" "$out" '^Error: Unable to connect to xend'
like "xend's log says xm cannot reach it" "$(cat "$log")" "WARNING \\(xend\\) .*xend-unix-server no.*xm cannot reach this xend"
ok "xend stop" "$xend" stop

settings INFO
ok "xend starts with its log at (logfile ...) and its socket at (xend-unix-path ...)" "$xend" start
pid=$(xend_pid)
like "the log is at the configured logfile, in Xen's format" "$(cat "$log")" \
	"^\\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} $pid\\] INFO \\(xend\\) started \\(pid $pid\\), listening on $socket\$"
unlike "... and not in the default one" "$(cat /var/log/xen/xend.log 2>/dev/null)" "^\\[.* $pid\\] "
ok "xend listens at the configured xend-unix-path" test -S "$socket"
like "xm finds it there" "$("$xm" list)" '^Domain-0 +0 '
unlike "at loglevel INFO, xm's requests (DEBUG) are not logged" "$(cat "$log")" 'DEBUG'

# --- xm new: kept, listed, not started ---
config xendtest-m
config xendtest-n
ok "xm new keeps a domain in xend" "$xm" new xendtest-m
like "xm list shows it with no ID, its memory and vCPUs, ------ and no time" "$(row xendtest-m)" \
	'^xendtest-m +128 +1 +------ +0\.0$'
is "... and nothing runs for it" "$(pgrep -x xenon-vmm)" ""
uuid=$(uuid_of xendtest-m)
ok "its definition is in xend's records" test -f "$work/state/domains/$uuid/config.json"
like "xm uptime lists it with no ID and no uptime" "$("$xm" uptime)" '^xendtest-m {30}0:00:00$'
ok "a second managed domain" "$xm" new xendtest-n
out=$("$xm" new xendtest-m 2>&1)
like "xm new of a name xend manages already is refused" "$out" "^Error: VM name 'xendtest-m' already exists"
out=$("$xm" create xendtest-n 2>&1)
like "... and so is xm create" "$out" "^Error: VM name 'xendtest-n' already exists"
out=$("$xm" shutdown xendtest-n 2>&1)
like "a managed domain that is not running cannot be shut down" "$out" "^Error: Domain 'xendtest-n' is not running"

# --- managed and not: what destroy leaves ---
ok "xm start -p starts it paused" "$xm" start -p xendtest-n
like "... listed with an ID, paused" "$(row xendtest-n)" '^xendtest-n +[0-9]+ +128 +1 +--p--- '
ok "xm destroy ends it" "$xm" destroy xendtest-n
like "... and it stays listed, inactive" "$(row xendtest-n)" '^xendtest-n +128 +1 +------ +0\.0$'
config xendtest-c
ok "xm create -p makes a domain xend does not manage" quiet "$xm" create -p xendtest-c
ok "xm destroy ends it" "$xm" destroy xendtest-c
is "... and it is gone from xm list" "$(row xendtest-c)" ""

# --- xm start: it boots ---
t0=$(date +%s)
ok "xm start starts it" "$xm" start xendtest-m
t1=$(date +%s)
id=$("$xm" domid xendtest-m)
like "xm list shows it running under an ID" "$(row xendtest-m)" "^xendtest-m +$id +128 +1 +(r-----|-b----) "
is "it keeps its UUID" "$(uuid_of xendtest-m)" "$uuid"
ok "the guest boots" wait_for "$(console_log xendtest-m)" '^guest ready$'
out=$("$xm" start xendtest-m 2>&1)
like "xm start of a running domain is refused" "$out" "^Error: Domain 'xendtest-m' is already running"
out=$("$xm" delete xendtest-m 2>&1)
like "xm delete of a running domain is refused (not halted)" "$out" "^Error: Domain 'xendtest-m' is not halted"

# --- xm uptime ---
host0=$(cut -d. -f1 /proc/uptime)
now0=$(date +%s)
out=$("$xm" uptime)
host1=$(cut -d' ' -f1 /proc/uptime | awk '{ print int($1 + 1) }')
now1=$(date +%s)
like "xm uptime's header is Xen's" "$(head -1 <<<"$out")" '^Name {32}ID Uptime $'
# A row's uptime in seconds: NAME ID [D day[s],] H:MM:SS
secs() { awk -v n="$1" '$1 == n { split($NF, t, ":"); d = $4 ~ /^day/ ? $3 : 0; print d * 86400 + t[1] * 3600 + t[2] * 60 + t[3] }' <<<"$out"; }
up=$(secs Domain-0)
ok "Domain-0's uptime is the host's ($host0 <= $up <= $host1 s)" test "$up" -ge "$host0" -a "$up" -le "$host1"
up=$(secs xendtest-m)
ok "the domain's runs from its start ($((now0 - t1)) <= $up <= $((now1 - t0 + 1)) s)" \
	test "$up" -ge $((now0 - t1)) -a "$up" -le $((now1 - t0 + 1))
like "... on its row with its ID" "$out" "^xendtest-m +$id +[ 0-9]{2}:[0-9]{2}:[0-9]{2}\$"
like "xm uptime -s prints uptime(1)'s line" "$("$xm" uptime -s xendtest-m)" \
	"^ [0-9]{2}:[0-9]{2}:[0-9]{2} up +[0-9]+:[0-9]{2}, xendtest-m \\($id\\)\$"
out=$("$xm" uptime nosuch 2>&1)
like "xm uptime names a domain that does not exist" "$out" "^Error: Domain 'nosuch' does not exist"

# --- kill -9: the running managed domain and the inactive one survive ---
kill_xend
ok "xend starts again after kill -9" "$xend" start
like "the new xend lists the running managed domain under its ID" "$(row xendtest-m)" "^xendtest-m +$id +128 "
like "... and the inactive one" "$(row xendtest-n)" '^xendtest-n +128 +1 +------ +0\.0$'

# --- xm rename, running ---
out=$("$xm" rename xendtest-m xendtest-n 2>&1)
like "xm rename to a name in use is refused" "$out" "^Error: VM name 'xendtest-n' already exists"
ok "xm rename renames a running domain" "$xm" rename xendtest-m xendtest-r
like "xm list shows the new name under the same ID" "$(row xendtest-r)" "^xendtest-r +$id +128 "
is "... and no longer the old one" "$(row xendtest-m)" ""
is "XenStore's /local/domain/ID/name has it" "$(xenstore-read "/local/domain/$id/name")" xendtest-r
is "... and /vm/UUID/name" "$(xenstore-read "/vm/$uuid/name")" xendtest-r
like "... and xend's record" "$(cat "$work/state/domains/$uuid.json")" '"name": "xendtest-r"'

# --- shutdown: still listed, inactive; start again: the same domain ---
ok "xm shutdown -w returns once the guest has powered off" timeout 120 "$xm" shutdown -w xendtest-r
like "the managed domain stays listed, inactive" "$(row xendtest-r)" '^xendtest-r +128 +1 +------ +0\.0$'
is "its XenStore tree is gone" "$(xenstore-ls "/local/domain/$id" 2>/dev/null)" ""
is "no VMM is left" "$(pgrep -x xenon-vmm)" ""
ok "xm start starts it again" "$xm" start xendtest-r
id2=$("$xm" domid xendtest-r)
like "... under a new ID ($id, then $id2)" "$(row xendtest-r)" "^xendtest-r +$id2 +128 "
is "... with the same UUID" "$(uuid_of xendtest-r)" "$uuid"
ok "... and boots under its new name" wait_for "$(console_log xendtest-r)" '^guest ready$'
ok "xm destroy ends it" "$xm" destroy xendtest-r
like "... and it stays listed, inactive" "$(row xendtest-r)" '^xendtest-r +128 +1 +------ +0\.0$'

# --- xm rename, not running; and kill -9 again ---
ok "xm rename renames an inactive managed domain" "$xm" rename xendtest-n xendtest-o
like "xm list shows the new name" "$(row xendtest-o)" '^xendtest-o +128 +1 +------ '
kill_xend
ok "xend starts again after another kill -9" "$xend" start
like "the inactive managed domains are still listed" "$("$xm" list | awk '$1 ~ /^xendtest-/ { print $1 }' | tr '\n' ' ')" \
	'^xendtest-o xendtest-r $'

# --- xm delete ---
ok "xm delete removes an inactive managed domain" "$xm" delete xendtest-r
is "it is gone from xm list" "$(row xendtest-r)" ""
ok "... and from xend's records" test ! -e "$work/state/domains/$uuid"
ok "xm delete the other" "$xm" delete xendtest-o
out=$("$xm" delete xendtest-o 2>&1)
like "xm delete of a domain that does not exist says so" "$out" "^Error: Domain 'xendtest-o' does not exist"
is "xm list has only Domain-0 left" "$("$xm" list | tail -n +2 | awk '{ print $1 }')" Domain-0

# --- loglevel DEBUG, and the log rotated as it grows ---
ok "xend stop" "$xend" stop
settings DEBUG
ok "xend starts at loglevel DEBUG" "$xend" start
quiet "$xm" list
like "xm's requests are logged at DEBUG" "$(cat "$log")" 'DEBUG \(xend\) request from xm: \{"op":"list"\}'
# The log grows (to 40 bytes short of 1 MiB here, with lines standing for
# a busy xend's) until xend's own lines take it to its limit.
filler='a line standing for what a busy xend logs'
grow() {
	local size i
	size=$(stat -c %s "$log")
	yes "$filler" | head -n $(((1048576 - 40 - size) / (${#filler} + 1))) >>"$log"
	for ((i = 0; i < 20; i++)); do
		quiet "$xm" list
		[ "$(stat -c %s "$log")" -lt 1048000 ] && return 0
	done
	return 1
}
ok "xend rotates its log before it reaches 1 MiB" grow
size=$(stat -c %s "$log.1")
ok "xend.log.1 is the full log, under 1 MiB ($size bytes)" test "$size" -gt 1047000 -a "$size" -lt 1048576
like "... ending with the lines before" "$(tail -1 "$log.1")" 'DEBUG \(xend\) request from xm|a line standing for'
like "xend.log goes on with xend's next line" "$(head -1 "$log")" "^\\[.* $(xend_pid)\\] DEBUG \\(xend\\) request from xm"
for n in 2 3 4 5 6; do grow || break; done
ok "five rotations later, xend.log.5 is the oldest" test -f "$log.5"
ok "... and no xend.log.6 is kept" test ! -e "$log.6"
like "... while xend.log is xend's own again" "$(head -1 "$log")" 'DEBUG \(xend\) request from xm'

ok "xend stop stops the daemon" "$xend" stop
ok "... and removes its socket" test ! -e "$socket"
done_testing
