#!/usr/bin/env bash
# The target host of tests/multihost/migrate. Its relocation server takes
# migrations from the source alone. The first migration it lets start,
# then kills its own xend: the half-built domain must go away by itself,
# and a new xend finds none. The second it lets finish: the guest runs
# here, reads what the source wrote to the shared disk and writes its
# own; then it goes back to the source, without --live, through TLS.
. "$(dirname "$0")/../lib/tap.sh"
XM_TEST_CONFIGS=''
. "$(dirname "$0")/../lib/xm.sh"
. "$(dirname "$0")/lib.sh"

xend_config "# tests/multihost: the segment is eth0; migrations come from the source." \
	"(network-script 'network-bridge netdev=eth0')" "(xend-relocation-server yes)" \
	"(xend-relocation-hosts-allow '^192\\\\.168\\\\.77\\\\.1\$')"
state() { "$xm" list | awk '$1 == "migtest" { print $5 }'; }
listed() { [ -n "$(state)" ]; }
vmm_running() { pgrep -x xenon-vmm >/dev/null; }
no_vmm() { ! vmm_running; }

ok "xend start (xend-relocation-server yes)" "$xend" start
like "it listens for migrations on port 8002" "$(cat /var/log/xen/xend.log)" 'relocation server listening on every address port 8002'

# --- a migration whose xend dies ---
# At once: its VMM starts when the stream does, and on an idle machine the
# whole migration can be over in three seconds.
ok "a live migration comes in (its VMM starts)" until_true 900 vmm_running
ok "kill -9 xend in the middle of it" pkill -KILL -x xend
ok "the half-built domain's VMM ends by itself" until_true 200 no_vmm
like "... as it was never let run" "$(cat /var/log/xen/xenon-vmm-migtest.log 2>/dev/null)" 'not let run within 60 s'
ok "xend start again" "$xend" start
is "the new xend has no domain but Domain-0" "$("$xm" list | awk 'NR > 1 { print $1 }')" Domain-0
give_signal 9001

# --- the live migration ---
ok "migtest arrives" until_true 900 listed
like "... and runs" "$(state)" '^[rb]-----$'
ok "its console answers here" run migtest '^here$' 'echo here'
ok "it reads what the source wrote to the shared disk" run migtest '^written-on-source$' \
	"echo 3 >/proc/sys/vm/drop_caches; dd if=/dev/xvda bs=512 count=1 2>/dev/null | tr -d '\\0'; echo"
ok "it writes the shared disk" run migtest '^wrote$' \
	"printf written-on-target | dd of=/dev/xvda bs=512 seek=1 conv=sync 2>/dev/null && sync && echo wrote"
sleep 5
ok "xm migrate --ssl migtest $source_ip (not live, through TLS)" "$xm" migrate --ssl migtest "$source_ip"
like "... which xend logged" "$(cat /var/log/xen/xend.log)" 'migrating to 192\.168\.77\.1 port 8003 over TLS'
ok "migtest is no longer here" test -z "$(state)"
listed && give_signal 9005
show_logs_on_failure
ok "xend stop" "$xend" stop
done_testing
