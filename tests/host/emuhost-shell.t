#!/usr/bin/env bash
# tools/emuhost shell: an interactive root shell on a terminal inside the host;
# what is typed reaches it, and leaving the shell powers the host off.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
work=$(mktemp -d)
trap 'exec 7>&-; rm -rf "$work"' EXIT
mkfifo "$work/keys"

# script(1) gives the shell a terminal, as a person's would be.
(cd "$root" && timeout 120 script -qec "tools/emuhost shell" /dev/null <"$work/keys" >"$work/screen" 2>&1) &
session=$!
exec 7>"$work/keys"

for ((i = 0; i < 900; i++)); do
	grep -q '\[emuhost ' "$work/screen" && break
	sleep 0.1
done
like "a root prompt appears" "$(cat "$work/screen")" '\[emuhost [^]]*\]# '
printf 'echo "sum=$((6 * 7)) uid=$(id -u)"; tty\n' >&7
printf 'exit 5\n' >&7
wait "$session"
status=$?
screen=$(tr -d '\r' <"$work/screen" | sed 's/\x1b\[[?0-9;]*[a-zA-Z]//g')   # without terminal escapes
like "typed commands run, as root" "$screen" '^sum=42 uid=0$'
like "the shell has a terminal (the host's console)" "$screen" '^/dev/hvc0$'
is "leaving the shell ends the session with its status" "$status" 5

done_testing
