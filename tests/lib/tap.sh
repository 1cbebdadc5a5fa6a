# TAP helpers for the test scripts (tests/host/*.t, tests/system/*.t), sourced.
# Each check prints one "ok N - description" or "not ok N - description";
# done_testing prints the plan. What went wrong is shown as "#" lines.

tap_count=0
tap_failed=0
# Commands done_testing runs first: checks that every test of a kind ends
# with (tests/lib/xm.sh adds one).
tap_final_checks=()

tap_result() { # tap_result PASSED DESCRIPTION
	tap_count=$((tap_count + 1))
	if [ "$1" -eq 1 ]; then
		echo "ok $tap_count - $2"
	else
		echo "not ok $tap_count - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

# ok DESCRIPTION CMD [ARG...]: passes when CMD exits 0.
ok() {
	local desc=$1
	shift
	if "$@"; then tap_result 1 "$desc"; else tap_result 0 "$desc"; diag "failed: $*"; fi
}

# is DESCRIPTION GOT WANT: passes when the two strings are equal.
is() {
	if [ "$2" = "$3" ]; then tap_result 1 "$1"; else
		tap_result 0 "$1"
		diag "got:  '$2'" "want: '$3'"
	fi
}

# like DESCRIPTION TEXT REGEX: passes when a line of TEXT matches the ERE.
like() {
	if printf '%s\n' "$2" | grep -qE -- "$3"; then tap_result 1 "$1"; else
		tap_result 0 "$1"
		diag "no line matches /$3/ in:" "$2"
	fi
}

# unlike DESCRIPTION TEXT REGEX: passes when no line of TEXT matches.
unlike() {
	if ! printf '%s\n' "$2" | grep -qE -- "$3"; then tap_result 1 "$1"; else
		tap_result 0 "$1"
		diag "a line matches /$3/ in:" "$2"
	fi
}

# skip DESCRIPTION REASON: a check this machine truly cannot run, and why.
skip() {
	tap_count=$((tap_count + 1))
	echo "ok $tap_count - $1 # SKIP $2"
}

done_testing() {
	local check
	for check in "${tap_final_checks[@]}"; do "$check"; done
	echo "1..$tap_count"
	[ "$tap_failed" -eq 0 ]
}

# The repository's root, for scripts under tests/.
repo_root() { (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd); }
