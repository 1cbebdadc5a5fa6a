#!/usr/bin/env bash
# A hundred simulated domains against one xenstored on this machine
# (tests/tools/xs-domsim: each a VMM socket handing over a ring, introduced
# by dom0, a thread speaking the guest's side), eight of them hostile: the
# well-behaved ones finish every round correctly while a flooder that never
# reads, a hog that takes all it may, a sender of oversized messages and a
# watcher that never reads its events do their worst; the quotas given on
# xenstored's command line hold, the bad ones are cut off, and the daemon's
# memory stays small.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
work=$(mktemp -d)
export XENSTORED_PATH=$work/socket XENSTORED_ROOTDIR=$work XENON_RUN_DIR=$work/run
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT

ok "xenstored starts with quotas of its own" "$root/build/main/xenstored/xenstored" --pid-file "$work/pid" \
	--entry-nb 200 --watch-nb 20 --transaction 3 --entry-size 1024 -Q outstanding=10 2>"$work/log"
out=$(timeout 300 "$root/build/main/tests/tools/xs-domsim" --domains 100 --hostile 8 --ops 40 \
	--xenstored-pid "$(cat "$work/pid")")
is "the simulation ran to its end" "$?" 0
val() { sed -n "s/^$1=//p" <<<"$out" | head -n 1; }
is "100 domains, 92 of them well-behaved" "$(val domains) $(val good_domains)" "100 92"
is "every round of the well-behaved ones succeeded, under attack too" \
	"$(val good_rounds_ok) $(val good_rounds_failed)" "3680 0"
ok "a hog owns no more nodes than --entry-nb 200 ($(val hog_nodes) of its own, beside its home and hog/)" \
	[ "$(val hog_nodes)" -le 198 ]
ok "... and was refused only at the quota" [ "$(val hog_nodes)" -ge 190 ]
is "a hog gets --watch-nb 20 watches" "$(val hog_watches)" 20
is "... and --transaction 3 transactions" "$(val hog_transactions)" 3
is "a value beyond --entry-size is refused" "$(val hog_oversized_refused)" 1
is "a domain sending oversized messages is cut off (its ring's error set)" "$(val garbage_cut_off)" 1
is "a domain that never reads its watch events is cut off" "$(val deaf-watcher_cut_off)" 1
like "xenstored's log says why" "$(cat "$work/log")" 'cutting its connection off: too many watch events left unread'
ok "xenstored is still running" kill -0 "$(cat "$work/pid")"
is "... and answers dom0" "$(xenstore-read /local/domain/0/busy/n1)" 1
rss=$(val xenstored_rss_kb_end)
ok "its memory stayed small under attack (${rss} KiB resident)" [ "$rss" -gt 0 ] && [ "$rss" -lt 65536 ]
echo "# latency of the well-behaved (us): alone p50 $(val alone_p50_us) p99 $(val alone_p99_us);" \
	"under attack p50 $(val attack_p50_us) p99 $(val attack_p99_us)"
done_testing
