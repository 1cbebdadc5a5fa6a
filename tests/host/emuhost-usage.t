#!/usr/bin/env bash
# A wrong invocation of tools/emuhost exits 2 with a message that names what is
# wrong, before booting anything.
. "$(dirname "$0")/../lib/tap.sh"
emuhost=$(repo_root)/tools/emuhost

expect_usage_error() { # DESCRIPTION PATTERN ARG...
	local desc=$1 pattern=$2 err status
	shift 2
	err=$("$emuhost" "$@" 2>&1 >/dev/null)
	status=$?
	is "$desc: exits 2" "$status" 2
	like "$desc: says what is wrong" "$err" "$pattern"
}

expect_usage_error "no command" "no command given" 
expect_usage_error "an unknown command" "unknown command 'boot'" boot
expect_usage_error "run without --" "expected -- before the command, got 'true'" run true
expect_usage_error "run with nothing after --" "run needs a command after --" run --
expect_usage_error "--mem that is not a number" "--mem wants a positive number, not 'lots'" run --mem lots -- true
expect_usage_error "--cpus 0" "--cpus wants a positive number, not '0'" run --cpus 0 -- true
expect_usage_error "--mem without a value" "--mem wants a value" run --mem
expect_usage_error "--env without =" "--env wants NAME=VALUE" run --env FOO -- true
expect_usage_error "--ip without --net" "--ip needs --net" run --ip 10.0.0.1/24 -- true
expect_usage_error "shell with a command" "shell takes no command" shell -- sh

help=$("$emuhost" --help)
is "--help exits 0" "$?" 0
like "--help shows the run form" "$help" 'tools/emuhost run \[OPTIONS\] -- CMD'

done_testing
