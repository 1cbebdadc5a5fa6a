#!/usr/bin/env bash
# init/xendomains' choices, quickly, against a stand-in for xm that keeps
# its domains in a file (tests/system/xendomains.t boots real guests):
# which configs of the auto folder start, what stop tries for each domain
# and in which order (migrate, save, shutdown, destroy after
# XENDOMAINS_STOP_MAXWAIT), XENDOMAINS_AUTO_ONLY, empty settings, status's
# exit codes, and what it says when xend is not there.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
xendomains=$root/init/xendomains
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The stand-in: domains in $work/domains ("NAME ID STATE"), each call in
# $work/calls. A domain with a file $work/ignore-NAME ignores shutdown; with
# $work/down, xend is not running.
cat >"$work/xm" <<'XM'
#!/usr/bin/env bash
st=$XM_STUB
echo "$*" >>"$st/calls"
touch "$st/domains"
cmd=$1
shift
exec 9>>"$st/lock" # xendomains runs shutdowns side by side: one change at a time
if [ -e "$st/down" ]; then
	echo "Error: Unable to connect to xend: No such file or directory. Is xend running?" >&2
	exit 1
fi
case $cmd in
list)
	printf '%-40s %5s %5s %5s %10s %9s\n' Name ID Mem VCPUs State 'Time(s)' Domain-0 0 1024 2 r----- 10.0
	while read -r n i s; do
		printf '%-40s %5s %5s %5s %10s %9s\n' "$n" "$i" 128 1 "$s" 1.0
	done <"$st/domains"
	;;
create)
	n=$(sed -n -E "s/^name *= *[\"']([^\"']*)[\"'].*/\1/p" "$1")
	[ "$n" = "VM%d" ] && n=VM1
	if grep -q "^$n " "$st/domains"; then
		echo "Error: Domain '$n' already exists with ID '1'" >&2
		exit 1
	fi
	id=$(($(cat "$st/next" 2>/dev/null || echo 1)))
	echo $((id + 1)) >"$st/next"
	echo "$n $id -b----" >>"$st/domains"
	echo "Started domain $n (id=$id)"
	;;
shutdown)
	n=${*: -1}
	[ -e "$st/ignore-$n" ] && exec sleep 1000
	flock 9
	sed -i "/^$n /d" "$st/domains"
	;;
destroy) flock 9 && sed -i "/^$1 /d" "$st/domains" ;;
save | restore)
	# A host whose save folder is full: each fails.
	echo "Error: ${cmd^} failed: ${!#}: No space left on device" >&2
	exit 1
	;;
migrate)
	# A target host that does not answer.
	echo "Error: Migration failed: cannot reach peer port 8002: Connection refused (the domain runs on here)" >&2
	exit 1
	;;
*) echo "Error: Subcommand $cmd not found!" >&2; exit 1 ;;
esac
XM
chmod 755 "$work/xm"
mkdir -p "$work/etc/auto"
printf 'name = "web"\nmemory = 128\n' >"$work/etc/web"
printf "name = 'db'   # the database\n" >"$work/etc/db"
printf 'name = "VM%%d" %% vmid\nvmid = 1\n' >"$work/etc/vm"
ln -s ../web "$work/etc/auto/web"
ln -s ../db "$work/etc/auto/db"
ln -s ../vm "$work/etc/auto/vm"
cp "$work/etc/web" "$work/etc/auto/web~"
: >"$work/defaults"
export XM=$work/xm XM_STUB=$work XENON_CONFIG_DIR=$work/etc XENDOMAINS_DEFAULTS=$work/defaults \
	XENDOMAINS_CREATE_USLEEP=0 XENDOMAINS_SAVE=$work/save XENDOMAINS_STOP_MAXWAIT=2
xd() { "$xendomains" "$@" 2>&1; }
calls() { grep -vx list "$work/calls"; : >"$work/calls"; }
names() { awk '{ print $1 }' "$work/domains" | sort | paste -sd ' ' -; }

# ---- start ----
out=$(xd start)
is "start succeeds" "$?" 0
is "... creating each config of XENDOMAINS_AUTO (under XENON_CONFIG_DIR) once" "$(calls | sort)" \
	"create $work/etc/auto/db
create $work/etc/auto/vm
create $work/etc/auto/web"
is "... and they run" "$(names)" "VM1 db web"
like "... saying so" "$out" "^xendomains: $work/etc/auto/web: Started domain web \(id=[0-9]+\)$"
out=$(xd start)
is "a second start succeeds" "$?" 0
is "... and creates only what it cannot tell runs (a computed name)" "$(calls)" "create $work/etc/auto/vm"
like "... which xend refuses as already running" "$out" "auto/vm: Domain 'VM1' already exists.*: already running$"
like "... the others by name" "$out" '^xendomains: web \(.*/auto/web\) is already running$'
is "... nothing new runs" "$(names)" "VM1 db web"

ln -s ../nosuch "$work/etc/auto/gone"
out=$(xd start)
is "a broken link in auto fails start" "$?" 1
like "... naming it" "$out" "^xendomains: skipping $work/etc/auto/gone: not a readable file"
out=$(xd status)
is "status with a broken link: exit 3" "$?" 3
rm "$work/etc/auto/gone"
out=$(xd status)
is "status: all running, exit 0" "$?" 0
like "... naming each" "$out" '^xendomains: db is running'
like "... and what it cannot tell" "$out" 'auto/vm: its name is computed'

# ---- stop: save fails, shutdown, a domain that ignores it ----
echo "other 9 -b----" >>"$work/domains"
echo "kept 10 ---s--" >>"$work/domains"
touch "$work/ignore-db"
out=$(xd stop)
is "stop with a domain that ignores shutdown exits 1" "$?" 1
like "... tries to save each, and says why it cannot" "$out" \
	"^xendomains: cannot save web: Save failed: $work/save/web: No space left on device; shutting it down instead\$"
got=$(calls)
like "... asks xm save for each running domain" "$got" "^save other $work/save/other$"
like "... then shuts each down as XENDOMAINS_SHUTDOWN says" "$got" '^shutdown --halt --wait web$'
unlike "... leaves a shut-down (preserved) domain alone" "$got" ' kept$'
like "... destroys the one still running after XENDOMAINS_STOP_MAXWAIT" "$out" \
	'^xendomains: db did not shut down within 2s: destroying it$'
like "... with xm destroy" "$got" '^destroy db$'
is "... nothing runs but the preserved one" "$(names)" kept
is "... no image is left in XENDOMAINS_SAVE" "$(ls -A "$work/save")" ""
rm "$work/ignore-db"
out=$(xd status)
is "status when they are down: exit 3" "$?" 3

# ---- XENDOMAINS_AUTO_ONLY, XENDOMAINS_MIGRATE ----
xd start >/dev/null
calls >/dev/null
echo "other 9 -b----" >>"$work/domains"
out=$(XENDOMAINS_AUTO_ONLY=true XENDOMAINS_SAVE='' XENDOMAINS_MIGRATE='--live peer' xd stop)
is "stop with XENDOMAINS_AUTO_ONLY=true succeeds" "$?" 0
like "... leaves a domain not in auto running, saying so" "$out" '^xendomains: leaving other running: no config in .*/auto names it'
is "... and it runs on, as does the domain whose name auto's config computes" "$(names)" "VM1 kept other"
got=$(calls)
like "... tries to migrate each as XENDOMAINS_MIGRATE says" "$got" '^migrate web --live peer$'
like "... says why it cannot" "$out" '^xendomains: cannot migrate web: Migration failed: cannot reach peer port 8002.*; shutting it down instead$'
unlike "... with XENDOMAINS_SAVE empty, saves none" "$got" '^save'
unlike "... uses no XENDOMAINS_SHUTDOWN_ALL" "$got" '--all'

# ---- no shutdown settings: destroyed at once ----
out=$(XENDOMAINS_SHUTDOWN='' XENDOMAINS_SHUTDOWN_ALL='' XENDOMAINS_SAVE='' xd stop)
is "stop with empty shutdown settings succeeds" "$?" 0
like "... destroying, and saying why" "$out" '^xendomains: destroying other \(XENDOMAINS_SHUTDOWN and XENDOMAINS_SHUTDOWN_ALL are empty\)$'
is "... nothing shut down politely" "$(calls | grep -c '^shutdown')" 0

# ---- settings and xend ----
out=$(XENDOMAINS_STOP_MAXWAIT=soon xd stop)
is "a setting that is not a number stops it" "$?" 1
like "... naming it and the file" "$out" "^xendomains: XENDOMAINS_STOP_MAXWAIT=soon in $work/defaults is not a whole number$"
printf 'XENDOMAINS_AUTO=%s\n' "$work/nowhere" >"$work/defaults"
out=$(xd start)
is "an auto folder that does not exist starts nothing" "$?" 0
is "... creating nothing" "$(calls)" ""
: >"$work/defaults"
touch "$work/down"
out=$(xd start)
is "start without xend fails" "$?" 1
like "... saying xm's why" "$out" '^xendomains: cannot list the domains: Unable to connect to xend.*Is xend running\?$'
out=$(xd stop)
is "stop without xend fails" "$?" 1
out=$(xd frobnicate)
is "an unknown command exits 2" "$?" 2
like "... with the usage" "$out" '^usage: xendomains start\|stop\|restart\|status$'
done_testing
