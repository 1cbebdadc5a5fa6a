#!/usr/bin/env bash
# Once everything is fetched, preparing again downloads nothing: apt-get and
# apt-cache are replaced by stand-ins that record any call and fail.
. "$(dirname "$0")/../lib/tap.sh"
root=$(repo_root)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
for tool in apt-get apt-cache; do
	printf '#!/bin/sh\necho "%s $*" >>%s/calls\nexit 1\n' "$tool" "$work" >"$work/bin/$tool"
	chmod +x "$work/bin/$tool"
done
export PATH=$work/bin:$PATH

ok "scripts/deps finds every package installed" "$root/scripts/deps"
ok "tools/debian-kernel finds the cached kernel" "$root/tools/debian-kernel"
ok "tools/emuhost prepare finds its cached initramfs" "$root/tools/emuhost" prepare
ok "tools/guestkit prepare finds its cached initramfs" "$root/tools/guestkit" prepare
is "nothing asked Debian's registry" "$(cat "$work/calls" 2>/dev/null)" ""

done_testing
