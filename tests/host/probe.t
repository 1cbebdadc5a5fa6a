#!/usr/bin/env bash
# xenon-probe run directly on this machine. Where KVM is PVM (our machines) or
# absent, it must say no, why, and point to tools/emuhost; where it says yes,
# every required Xen flag must be present.
. "$(dirname "$0")/../lib/tap.sh"
probe=$(repo_root)/build/main/probe/xenon-probe

out=$("$probe")
status=$?
like "it gives an answer" "$out" '^answer: (yes|no)'
if grep -q '^answer: yes' <<<"$out"; then
	is "yes exits 0" "$status" 0
	unlike "yes: no required flag is missing" "$out" 'no +\(required\)'
else
	is "no exits 1" "$status" 1
	like "no: says what to do instead" "$out" '^instead: .*tools/emuhost'
fi
if [ -e /sys/module/kvm_pvm ]; then
	like "on a PVM machine it names PVM as the reason" "$out" '^answer: no, .*PVM \(kvm_pvm\)'
elif [ ! -e /dev/kvm ]; then
	like "without /dev/kvm it says so" "$out" '^answer: no, .*: /dev/kvm does not exist'
fi

"$probe" --device /nonexistent/kvm >"${TMPDIR:-/tmp}/probe.$$" 2>&1
status=$?
out=$(cat "${TMPDIR:-/tmp}/probe.$$"); rm -f "${TMPDIR:-/tmp}/probe.$$"
is "a missing device: exits 1" "$status" 1
like "a missing device: names it" "$out" '^answer: no, .*: /nonexistent/kvm does not exist'

"$probe" --bogus >/dev/null 2>&1
is "a wrong option exits 2" "$?" 2

done_testing
