#!/usr/bin/env bash
# tools/emuhost run: exit status, folder, streams, arguments and settings reach
# the caller as if CMD had run here.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
emuhost=$root/tools/emuhost
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/caller dir"

cd "$work/caller dir" || exit 1
"$emuhost" run --mem 1024 --timeout 120 --env GREETING='hello there' -- \
	sh -c 'pwd; echo "to stdout"; echo "to stderr" >&2; printf "<%s>" "$@"; echo;
	       echo "$GREETING"; nproc; grep MemTotal /proc/meminfo; id -u; exit 7' \
	sh 'two words' "it's" '$HOME' >"$work/out" 2>"$work/err"
status=$?
cd "$work" || exit 1
out=$(cat "$work/out")
err=$(cat "$work/err")

is "sh -c 'exit 7' inside exits 7 outside" "$status" 7
is "CMD runs in the caller's folder" "$(sed -n 1p "$work/out")" "$work/caller dir"
like "CMD's stdout reaches stdout" "$out" '^to stdout$'
unlike "CMD's stderr stays off stdout" "$out" 'to stderr'
like "CMD's stderr reaches stderr" "$err" '^to stderr$'
like "arguments arrive unsplit and unexpanded" "$out" "^<two words><it's><\\\$HOME>$"
like "--env sets a variable for CMD" "$out" '^hello there$'
like "--cpus defaults to 1" "$out" '^1$'
mem_kb=$(awk '/MemTotal/ { print $2 }' "$work/out")
ok "--mem 1024 gives about 1 GiB (MemTotal ${mem_kb:-?} kB)" test "${mem_kb:-0}" -gt 900000 -a "${mem_kb:-0}" -le 1048576
like "CMD runs as root" "$out" '^0$'

"$emuhost" run --timeout 120 -- false >/dev/null 2>"$work/err"
is "false inside exits 1 outside" "$?" 1
is "a failing CMD adds no message of emuhost's own" "$(cat "$work/err")" ""

cd "$root" || exit 1
out=$("$emuhost" run --cpus 2 --timeout 120 -- sh -c 'pwd; nproc; test -x tools/emuhost && echo sees-tree; echo x >/usr/emuhost-write-test && cat /usr/emuhost-write-test; uname -r')
like "pwd prints the caller's folder (the repository)" "$out" "^$root\$"
like "--cpus 2 gives two CPUs" "$out" '^2$'
like "the build tree is visible at the same path" "$out" '^sees-tree$'
like "the root is writable inside (overlay)" "$out" '^x$'
ok "writes inside do not reach this machine" test ! -e /usr/emuhost-write-test
like "the host runs Debian's 6.12 kernel" "$out" '^6\.12\.'

done_testing
