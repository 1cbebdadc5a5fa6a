#!/usr/bin/env bash
# make install, into a folder of the test's own (DESTDIR): every program,
# script, configuration file, man page, the bash completion and the systemd
# units land where README.md's Install section says; the man pages render
# without a warning and document every subcommand, setting and config
# option the code has; `xm cre<TAB>` completes to create; the units pass
# systemd-analyze verify; the installed xend runs, starts the installed
# xenstored and fills an empty scripts folder from its own copies; a second
# install keeps what the administrator changed in /etc. Needs root (for
# xend); PREFIX=/usr builds build/install once.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
work=$(mktemp -d)
cleanup() {
	[ -x "$work/dest/usr/local/sbin/xend" ] && XENON_RUN_DIR=$work/run "$work/dest/usr/local/sbin/xend" stop >/dev/null 2>&1
	[ -n "${xenstored_pid:-}" ] && kill "$xenstored_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

out=$(make -C "$root" --no-print-directory install DESTDIR="$work/dest" 2>&1)
status=$?
is "make install DESTDIR=... succeeds" "$status" 0
[ "$status" -eq 0 ] || diag "$out"
dest=$work/dest
prefix=$dest/usr/local

# ---- the programs ----
for p in sbin/xm sbin/xend sbin/xenstored sbin/xenon-vmm bin/xenon-probe; do
	ok "$p is installed, executable" test -x "$prefix/$p"
done
if [ -f "$root/xentop/meson.build" ]; then
	ok "sbin/xentop is installed, executable" test -x "$prefix/sbin/xentop"
fi
# Whatever else meson installs lands too.
missing=$(meson introspect "$root/build/main" --installed |
	python3 -c 'import json, sys
for to in json.load(sys.stdin).values(): print(to)' |
	while read -r to; do [ -e "$dest$to" ] || echo "$to"; done)
is "every file meson installs is there" "$missing" ""

# ---- hotplug scripts: xend's copies, and /etc/xen/scripts ----
differ=
for f in "$root"/hotplug/*; do
	name=${f##*/}
	for to in "$prefix/share/xenon/hotplug/$name" "$dest/etc/xen/scripts/$name"; do
		if ! cmp -s "$f" "$to" || { [ -x "$f" ] && [ ! -x "$to" ]; } || { [ ! -x "$f" ] && [ -x "$to" ]; }; then
			differ="$differ $to"
		fi
	done
done
is "each hotplug script is in share/xenon/hotplug and /etc/xen/scripts, as shipped" "$differ" ""

# ---- /etc ----
for f in xen/xend-config.sxp xen/xmexample1 xen/xmexample2 default/xendomains; do
	ok "/etc/$f is installed as shipped" cmp -s "$root/etc/$f" "$dest/etc/$f"
done
ok "/etc/xen/auto is an empty folder" test -d "$dest/etc/xen/auto"
is "... with nothing in it" "$(ls -A "$dest/etc/xen/auto" 2>&1)" ""
ok "xendomains is installed in lib/xenon, executable" test -x "$prefix/lib/xenon/xendomains"

# ---- man pages ----
pages="man1/xm.1 man1/xentop.1 man5/xmdomain.cfg.5 man5/xend-config.sxp.5 man8/xend.8 man8/xendomains.8"
for page in $pages; do
	file=$prefix/share/man/$page
	ok "$page is installed" test -f "$file"
	warnings=$(groff -man -Tutf8 -ww -z "$file" 2>&1)
	is "$page renders without warnings" "$warnings" ""
	name=${page#*/}
	like "man -l $page shows its NAME section" "$(MANWIDTH=80 man -l "$file" 2>/dev/null | col -b)" \
		"^ +${name%.*} +- "
done
man_text() { MANWIDTH=200 man -l "$prefix/share/man/$1" 2>/dev/null | col -b; }

xm_page=$(man_text man1/xm.1)
undocumented=
for cmd in $("$prefix/sbin/xm" help | awk '/^ [a-z]/ { print $1 }'); do
	grep -qE "^ {7}$cmd( |$)" <<<"$xm_page" || undocumented="$undocumented $cmd"
done
is "xm.1 has an entry for every subcommand xm help lists" "$undocumented" ""

keys=$(sed -n 's/^\t{ "\([a-z0-9-]*\)", \(TEXT\|COMMAND\|YES_NO\|NUMBER\),.*/\1/p' "$root/xend/settings.c")
ok "xend/settings.c's table of keys is found" test "$(wc -w <<<"$keys")" -ge 10
sxp_page=$(man_text man5/xend-config.sxp.5)
undocumented=
for key in $keys; do
	grep -qE "^ {7}\($key " <<<"$sxp_page" || undocumented="$undocumented $key"
	grep -qE "^#?\($key " "$dest/etc/xen/xend-config.sxp" || undocumented="$undocumented xend-config.sxp:$key"
done
is "xend-config.sxp.5 and the shipped xend-config.sxp show every key xend reads" "$undocumented" ""

options=$(grep -oE '\(l, "[a-z_]+"' "$root/xm/domain_config.c" | sed 's/.*"\(.*\)"/\1/' | sort -u)
ok "the options xm/domain_config.c reads are found" test "$(wc -w <<<"$options")" -ge 10
cfg_page=$(man_text man5/xmdomain.cfg.5)
undocumented=
for option in $options; do
	grep -qE "^ {7}$option( |$)" <<<"$cfg_page" || undocumented="$undocumented $option"
done
is "xmdomain.cfg.5 describes every option xm create reads" "$undocumented" ""

variables=$(grep -oE '\{XENDOMAINS_[A-Z_]+=' "$root/init/xendomains" | tr -d '{=' | sort -u)
undocumented=
for v in $variables; do
	grep -qE "^$v=" "$dest/etc/default/xendomains" || undocumented="$undocumented $v"
done
is "/etc/default/xendomains sets every variable xendomains reads" "$undocumented" ""

# ---- bash completion ----
completion=$prefix/share/bash-completion/completions/xm
ok "the bash completion for xm is installed" test -f "$completion"
# complete WORD...: what TAB offers after the words (the last is the one
# being completed), from the installed completion and the installed xm.
complete_words() {
	PATH=$prefix/sbin:$PATH XENON_CONFIG_DIR=$dest/etc/xen bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_xm
		printf "%s\n" "${COMPREPLY[@]}" | sort | paste -sd " " -' _ "$completion" "$@"
}
is "xm cre<TAB> completes to create" "$(complete_words xm cre)" create
is "xm net<TAB> offers the network commands" "$(complete_words xm net)" \
	"network-attach network-detach network-list"
is "xm help shut<TAB> completes to shutdown" "$(complete_words xm help shut)" shutdown
is "xm create xmex<TAB> offers the example configs in /etc/xen" "$(complete_words xm create xmex)" \
	"xmexample1 xmexample2"
is "xm create -c xmexample2 <TAB> offers no config for var=value" "$(complete_words xm create -c xmexample2 '')" ""
is "xm list --l<TAB> completes to --long" "$(complete_words xm list --l)" --long

# ---- systemd units ----
units=$prefix/lib/systemd/system
for u in xenstored xend xendomains; do
	ok "$u.service is installed" test -f "$units/$u.service"
done
like "xend.service runs the installed xend" "$(cat "$units/xend.service")" '^ExecStart=/usr/local/sbin/xend start$'
like "... and ends xend alone, not the domains" "$(cat "$units/xend.service")" '^KillMode=process$'
like "xendomains.service runs the installed xendomains" "$(cat "$units/xendomains.service")" \
	'^ExecStop=/usr/local/lib/xenon/xendomains stop$'
if command -v systemd-analyze >/dev/null; then
	# Checked in a root of their own holding the install and the system's
	# targets, so that the programs and man pages they name are the ones
	# just installed.
	cp -a "$dest" "$work/verify"
	mkdir -p "$work/verify/usr/lib/systemd/system"
	cp /usr/lib/systemd/system/*.target "$work/verify/usr/lib/systemd/system/"
	out=$(cd "$work/verify/usr/local/lib/systemd/system" && MANPATH=$work/verify/usr/local/share/man \
		systemd-analyze verify --root="$work/verify" xenstored.service xend.service xendomains.service 2>&1)
	status=$?
	is "systemd-analyze verify passes the units" "$status" 0
	is "... without a warning" "$out" ""
else
	skip "systemd-analyze verify passes the units" "systemd-analyze is not installed"
fi

# ---- the installed xend runs, and finds its scripts ----
# Everything in folders of the test's own; no network script, so this
# machine's network is left alone.
export XENON_RUN_DIR=$work/run XENON_LOG_DIR=$work/log XENON_STATE_DIR=$work/state \
	XENON_CONFIG_DIR=$work/etc XENON_SCRIPT_DIR=$work/scripts \
	XENSTORED_PATH=$work/xenstored/socket XENSTORED_ROOTDIR=$work/xenstored
mkdir -p "$work/etc"
printf "(network-script '')\n" >"$work/etc/xend-config.sxp"
ok "the installed xend starts" "$prefix/sbin/xend" start
for pid in $(pgrep -x xenstored); do
	tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qx "XENSTORED_PATH=$XENSTORED_PATH" &&
		xenstored_pid=$pid
done
ok "... and starts the installed xenstored" test "$(readlink "/proc/${xenstored_pid:-0}/exe")" = "$prefix/sbin/xenstored"
is "... and fills an empty scripts folder from share/xenon/hotplug" \
	"$(ls "$work/scripts" 2>&1 | paste -sd ' ' -)" "$(ls "$root/hotplug" | paste -sd ' ' -)"
like "the installed xm lists Domain-0" "$("$prefix/sbin/xm" list 2>&1)" '^Domain-0 +0 '
ok "the installed xend stops" "$prefix/sbin/xend" stop
unset XENON_RUN_DIR XENON_LOG_DIR XENON_STATE_DIR XENON_CONFIG_DIR XENON_SCRIPT_DIR XENSTORED_PATH XENSTORED_ROOTDIR

# ---- a second install keeps the administrator's /etc ----
echo "(dom0-min-mem 512)" >>"$dest/etc/xen/xend-config.sxp"
echo "# mine" >>"$dest/etc/xen/scripts/vif-bridge"
echo "XENDOMAINS_SAVE=" >>"$dest/etc/default/xendomains"
out=$(make -C "$root" --no-print-directory install DESTDIR="$dest" 2>&1)
is "make install again succeeds" "$?" 0
like "it says it kept the changed xend-config.sxp" "$out" \
	'kept /etc/xen/xend-config.sxp, which you changed; the shipped one is /etc/xen/xend-config.sxp.xenon'
ok "... which is still the administrator's" grep -qx "(dom0-min-mem 512)" "$dest/etc/xen/xend-config.sxp"
ok "... the shipped one beside it" cmp -s "$root/etc/xen/xend-config.sxp" "$dest/etc/xen/xend-config.sxp.xenon"
ok "a changed hotplug script is kept" grep -qx "# mine" "$dest/etc/xen/scripts/vif-bridge"
ok "... with no copy beside it (xend's copy is in share/xenon/hotplug)" test ! -e "$dest/etc/xen/scripts/vif-bridge.xenon"
ok "a changed /etc/default/xendomains is kept" grep -qx "XENDOMAINS_SAVE=" "$dest/etc/default/xendomains"
ok "an unchanged file is simply installed again" test ! -e "$dest/etc/xen/xmexample1.xenon"

# ---- another PREFIX ----
out=$(make -C "$root" --no-print-directory install PREFIX=/usr DESTDIR="$work/usr" 2>&1)
status=$?
is "make install PREFIX=/usr succeeds" "$status" 0
[ "$status" -eq 0 ] || diag "$out"
ok "... xm in /usr/sbin" test -x "$work/usr/usr/sbin/xm"
ok "... the man pages in /usr/share/man" test -f "$work/usr/usr/share/man/man1/xm.1"
ok "... the completion in /usr/share/bash-completion/completions/xm" \
	test -f "$work/usr/usr/share/bash-completion/completions/xm"
like "... units that run /usr/sbin/xend" "$(cat "$work/usr/usr/lib/systemd/system/xend.service" 2>&1)" \
	'^ExecStart=/usr/sbin/xend start$'
out=$(make -C "$root" --no-print-directory install PREFIX=usr DESTDIR="$work/rel" 2>&1)
ok "a relative PREFIX is refused" test $? -ne 0
like "... saying why" "$out" "PREFIX must be an absolute path"

done_testing
