#!/usr/bin/env bash
# xenstored on this machine (no KVM needed), driven by Debian's own
# xenstore-utils through libxenstore, unmodified: the tree, permissions,
# watches (removals included), the read-only socket, and a clean start and
# stop; a SIGKILL loses nothing acknowledged (the journal).
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
xenstored=$root/build/main/xenstored/xenstored
work=$(mktemp -d)
export XENSTORED_PATH=$work/socket XENSTORED_ROOTDIR=$work
trap 'kill $(cat "$work/pid" 2>/dev/null) 2>/dev/null; rm -rf "$work"' EXIT

ok "xenstored starts and detaches once it listens" "$xenstored" --pid-file "$work/pid"
ok "its socket is there" test -S "$XENSTORED_PATH"
like "the socket is root's alone (no group or other bits)" "$(stat -c %a "$XENSTORED_PATH")" '^[67]00$'
out=$("$xenstored" 2>&1)
is "a second xenstored on the same socket refuses to start" "$?" 1
like "... saying why" "$out" 'already listening'

ok "xenstore-write writes several nodes" xenstore-write /local/domain/7/name web /local/domain/7/memory/target 262144
is "xenstore-read reads one back" "$(xenstore-read /local/domain/7/name)" web
is "xenstore-list lists children in order" "$(xenstore-list /local/domain/7 | tr '\n' ' ')" "name memory "
ok "xenstore-exists finds a node" xenstore-exists /local/domain/7/memory/target
ok "... and not a missing one" bash -c '! xenstore-exists /local/domain/7/nothing'
like "xenstore-ls shows the tree" "$(xenstore-ls /local/domain/7)" '^memory = ""$'
like "xenstore-ls -f gives full paths" "$(xenstore-ls -f /local/domain/7)" '^/local/domain/7/memory/target = "262144"$'
ok "a value with spaces and newlines survives" xenstore-write /data/text "two words
and a line"
is "... read back exactly (raw)" "$(xenstore-read -R /data/text)" "two words
and a line"

ok "xenstore-chmod sets permissions" xenstore-chmod /local/domain/7/name n7 r3
like "xenstore-ls -p shows owner and grants" "$(xenstore-ls -p /local/domain/7)" '^name = "web" .*\(n7,r3\)$'
like "a new node inherits its parent's permissions" \
	"$(xenstore-chmod /local/domain/7 b7 && xenstore-write /local/domain/7/new x && xenstore-ls -p /local/domain/7)" \
	'^new = "x" .*\(b7\)$'

timeout 20 xenstore-watch -n 3 /local/domain/7 >"$work/events" &
watcher=$!
sleep 0.5
xenstore-write /local/domain/7/state 1
xenstore-rm /local/domain/7/memory
xenstore-write /elsewhere 1
wait $watcher
events=$(cat "$work/events")
like "a watch fires at once on its own path" "$events" '^/local/domain/7$'
like "a write below a watched path fires it" "$events" '^/local/domain/7/state$'
like "a removal fires it" "$events" '^/local/domain/7/memory$'
unlike "a write elsewhere does not" "$events" '^/elsewhere$'

ok "xenstore-rm removes a subtree" xenstore-rm /local/domain/7
ok "... all of it" bash -c '! xenstore-exists /local/domain/7/name'
out=$(XENSTORED_PATH=${XENSTORED_PATH}_ro xenstore-write /data/ro 1 2>&1)
is "the read-only socket refuses writes" "$?" 1
is "... and reads through it work" "$(XENSTORED_PATH=${XENSTORED_PATH}_ro xenstore-read -R /data/text | head -1)" "two words"

# SIGKILL: nothing acknowledged is lost.
xenstore-write /kept/a 1 /kept/b "two words"
xenstore-chmod /kept/a n5 r6
xenstore-rm /kept/b
xenstore-write /kept/c 3
kill -KILL "$(cat "$work/pid")"
for _ in $(seq 50); do kill -0 "$(cat "$work/pid")" 2>/dev/null || break; sleep 0.1; done
ok "after SIGKILL xenstored starts again on the same socket" "$xenstored" --pid-file "$work/pid" 2>>"$work/log"
is "every acknowledged write is there" "$(xenstore-read /kept/a /kept/c | tr '\n' ' ')" "1 3 "
ok "... a removal too" bash -c '! xenstore-exists /kept/b'
like "... and permissions" "$(xenstore-ls -p /kept)" '^a = "1" .*\(n5,r6\)$'
is "... and the tree from before (a value with a newline)" "$(xenstore-read -R /data/text | tail -1)" "and a line"
kill -KILL "$(cat "$work/pid")"
for _ in $(seq 50); do kill -0 "$(cat "$work/pid")" 2>/dev/null || break; sleep 0.1; done
printf 'torn\0\0\0' >>"$work/journal"
ok "a journal with a torn last record still starts" "$xenstored" --pid-file "$work/pid" 2>"$work/log"
is "... with everything before it" "$(xenstore-read /kept/c)" 3
like "... and says what it dropped" "$(cat "$work/log")" 'torn or damaged; dropped'

kill "$(cat "$work/pid")"
for _ in $(seq 50); do [ -e "$XENSTORED_PATH" ] || break; sleep 0.1; done
ok "SIGTERM stops it and removes its sockets" bash -c "[ ! -e '$XENSTORED_PATH' ] && [ ! -e '${XENSTORED_PATH}_ro' ]"
done_testing
