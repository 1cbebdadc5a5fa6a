#!/usr/bin/env bash
# tools/emuhost leaves nothing running and nothing behind however it ends:
# interrupted (Ctrl-C, SIGTERM), timed out, or when the host fails to boot.
. "$(dirname "$0")/../lib/tap.sh"
emuhost=$(repo_root)/tools/emuhost
work=$(mktemp -d)
trap 'pkill -KILL -f "$work" 2>/dev/null; rm -rf "$work"' EXIT
export TMPDIR=$work/tmp   # emuhost's run folder goes here, so we can look for leftovers
mkdir -p "$TMPDIR"

leftovers() { # processes or files of runs under $work
	pgrep -af "$work" | grep -v "^$$ " || true
	find "$TMPDIR" -mindepth 1 -maxdepth 1
}

wait_for_line() { # FILE TEXT SECONDS: until FILE holds a line TEXT
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		grep -qx "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# Starts a run of `sleep` in a session of its own, as a terminal would, with the
# default reaction to SIGINT (a background job of a script ignores it).
start_sleeper() {
	: >"$work/out"
	setsid env --default-signal=INT "$emuhost" run -- sh -c 'echo started; exec sleep 300' \
		>"$work/out" 2>"$work/err" &
	sleeper=$!
	wait_for_line "$work/out" started 120
}

interrupt() { # SIGNAL WANT-STATUS NAME
	local status
	if ! start_sleeper; then
		tap_result 0 "$3: the command started"
		diag "$(cat "$work/err")"
		return
	fi
	kill "-$1" -- "-$sleeper"   # the whole process group, as Ctrl-C does
	wait "$sleeper"
	status=$?
	is "$3: emuhost exits $2" "$status" "$2"
	is "$3: nothing is left running or on disk" "$(leftovers)" ""
}

interrupt INT 130 "Ctrl-C"
interrupt TERM 143 "SIGTERM"

# SIGTERM to emuhost alone (not its group): it must still take QEMU down.
if start_sleeper; then
	kill -TERM "$sleeper"
	wait "$sleeper"
	is "SIGTERM to emuhost alone: exits 143" "$?" 143
	is "SIGTERM to emuhost alone: nothing is left" "$(leftovers)" ""
else
	tap_result 0 "SIGTERM to emuhost alone: the command started"
fi

"$emuhost" run --timeout 8 -- sleep 300 >/dev/null 2>"$work/err"
is "--timeout: exits 124" "$?" 124
like "--timeout: says it timed out" "$(cat "$work/err")" 'timed out after 8s'
is "--timeout: nothing is left" "$(leftovers)" ""

# 48 MB is too little for the kernel and its initramfs: the host cannot boot.
"$emuhost" run --mem 48 --timeout 120 -- true >/dev/null 2>"$work/err"
is "a host that cannot boot: exits 125" "$?" 125
like "a host that cannot boot: says so" "$(cat "$work/err")" '^emuhost: the emulated host stopped before CMD ended'
like "a host that cannot boot: says how far it got" "$(cat "$work/err")" "host's console|printed nothing on its console"
is "a host that cannot boot: nothing is left" "$(leftovers)" ""

done_testing
