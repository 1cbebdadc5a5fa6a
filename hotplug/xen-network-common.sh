# shellcheck shell=bash
# Functions shared by the network scripts (network-bridge, network-route,
# network-nat) and, through vif-common.sh, by the vif scripts. Sourced, from
# the calling script's own folder:  dir=$(dirname "$0"); . "$dir/xen-network-common.sh"
#
# Everything logged goes to stderr: xend appends it to
# /var/log/xen/xen-hotplug.log (run by hand, it shows on the terminal).
#
# State the scripts keep between calls (what they changed, so that stop and
# offline undo exactly that, and the lock) lives in $XEN_HOTPLUG_RUN_DIR,
# /run/xen-hotplug unless set otherwise (the tests set it).

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH

XEN_HOTPLUG_RUN_DIR=${XEN_HOTPLUG_RUN_DIR:-/run/xen-hotplug}
hotplug_name=${hotplug_name:-$(basename "$0")}

# log MESSAGE...: one line on stderr, naming the script.
log() {
	printf '%s: %s\n' "$hotplug_name" "$*" >&2
}

# fatal MESSAGE...: log it and exit 1. (vif-common.sh redefines it to also
# report the failure in XenStore.)
fatal() {
	log "$*"
	exit 1
}

# usage TEXT: the command line was wrong.
usage() {
	printf 'usage: %s %s\n' "$hotplug_name" "$*" >&2
	exit 2
}

# parse_args "KEY1 KEY2 ..." WORD...: each KEY=VALUE word whose KEY is one of
# the known keys sets the shell variable KEY to VALUE (a later word wins). An
# unknown key is logged and ignored; a word that is not KEY=VALUE is an error.
parse_args() {
	local known=" $1 " word key
	for word in "${@:2}"; do
		case $word in
		[A-Za-z_]*=*)
			key=${word%%=*}
			if [[ $key =~ ^[A-Za-z_][A-Za-z0-9_]*$ && $known == *" $key "* ]]; then
				printf -v "$key" '%s' "${word#*=}"
			else
				log "ignoring unknown argument '$word' (known keys: $1)"
			fi
			;;
		*)
			fatal "unexpected argument '$word' (arguments are KEY=VALUE; known keys: $1)"
			;;
		esac
	done
}

# valid_ifname NAME: a Linux interface name (at most 15 characters, no
# slash, space or colon).
valid_ifname() {
	[[ $1 =~ ^[A-Za-z0-9_.@+-]{1,15}$ && $1 != . && $1 != .. ]]
}

# check_ifname WHAT NAME: fatal unless NAME is a valid interface name.
check_ifname() {
	valid_ifname "$2" || fatal "$1 '$2' is not a valid interface name"
}

# valid_ipv4 ADDR: a dotted quad, each part 0..255.
valid_ipv4() {
	local IFS=. a
	[[ $1 =~ ^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || return 1
	for a in $1; do
		[ $((10#$a)) -le 255 ] || return 1
	done
}

# link_exists DEV: the network device exists (in this network namespace).
link_exists() {
	ip link show dev "$1" >/dev/null 2>&1
}

# is_bridge DEV: DEV exists and is a Linux bridge.
is_bridge() {
	[ -n "$(ip -o link show type bridge dev "$1" 2>/dev/null)" ]
}

# master_of DEV: prints the device DEV is enslaved to (a bridge, a bond), if any.
master_of() {
	link_field "$1" master || true
}

# link_field DEV KEYWORD: prints the word after KEYWORD in `ip -o link show
# dev DEV` (mtu, link/ether, ...).
link_field() {
	local words w next=
	read -ra words <<<"$(ip -o link show dev "$1" 2>/dev/null)"
	for w in "${words[@]}"; do
		if [ "$next" = 1 ]; then
			printf '%s\n' "$w"
			return 0
		fi
		[ "$w" = "$2" ] && next=1
	done
	return 1
}

# bridge_ports BRIDGE: prints the devices enslaved to BRIDGE, one a line.
bridge_ports() {
	ip -o link show master "$1" 2>/dev/null | while read -r _ name _; do
		name=${name%:}
		printf '%s\n' "${name%@*}"
	done
}

# default_netdev: prints the device of the IPv4 default route (the first
# one, lowest metric first as the kernel lists them), or "none".
default_netdev() {
	local words i
	read -ra words <<<"$(ip -4 route show default 2>/dev/null | head -n 1)"
	for ((i = 0; i < ${#words[@]} - 1; i++)); do
		if [ "${words[i]}" = dev ]; then
			printf '%s\n' "${words[i + 1]}"
			return 0
		fi
	done
	echo none
}

# first_ipv4 DEV: prints the first IPv4 address of DEV (without its prefix
# length); nothing if it has none.
first_ipv4() {
	local line words
	line=$(ip -4 -o addr show dev "$1" 2>/dev/null | head -n 1)
	[ -n "$line" ] || return 0
	read -ra words <<<"${line#*inet }"
	printf '%s\n' "${words[0]%/*}"
}

# set_conf DEV KEY VALUE: writes /proc/sys/net/ipv4/conf/DEV/KEY (DEV may
# hold dots, which sysctl(8) would take for separators).
set_conf() {
	local f=/proc/sys/net/ipv4/conf/$1/$2
	[ -w "$f" ] || { log "cannot set $2 on $1: $f is missing"; return 1; }
	echo "$3" >"$f" 2>/dev/null || { log "cannot set $2 on $1"; return 1; }
}

get_conf() {
	cat "/proc/sys/net/ipv4/conf/$1/$2" 2>/dev/null
}

# run_dir: makes $XEN_HOTPLUG_RUN_DIR (root's alone).
run_dir() {
	[ -d "$XEN_HOTPLUG_RUN_DIR" ] && return 0
	mkdir -p "$XEN_HOTPLUG_RUN_DIR" 2>/dev/null && chmod 0700 "$XEN_HOTPLUG_RUN_DIR" 2>/dev/null ||
		fatal "cannot create $XEN_HOTPLUG_RUN_DIR"
}

# hotplug_lock: takes the one lock every network and vif script holds while
# it changes bridges, routes, iptables and dnsmasq, so that two running at
# once (two vifs of a domain coming up together) do not race. Held until
# the script exits. It waits at most 25 s (XEN_HOTPLUG_LOCK_TIMEOUT): xend
# kills a script that has not finished in 30 s, and this way it says why.
hotplug_lock() {
	run_dir
	exec {hotplug_lock_fd}>>"$XEN_HOTPLUG_RUN_DIR/lock" ||
		fatal "cannot open the lock $XEN_HOTPLUG_RUN_DIR/lock"
	flock -w "${XEN_HOTPLUG_LOCK_TIMEOUT:-25}" "$hotplug_lock_fd" ||
		fatal "timed out waiting for the lock $XEN_HOTPLUG_RUN_DIR/lock (another hotplug script is stuck?)"
}

# do_or_die CMD [ARG...]: runs CMD; if it fails, fatal with CMD and what it
# said (on one line).
do_or_die() {
	local out
	out=$("$@" 2>&1) && return 0
	out=${out//$'\n'/; }
	fatal "'$*' failed${out:+: $out}"
}

# IPv4 forwarding is shared: network-route and network-nat both need it. The
# first to turn it on records the value it had; it goes back to that value
# once the last of them has stopped (and only then).
forwarding_on() { # forwarding_on USER
	local f=$XEN_HOTPLUG_RUN_DIR/ip_forward
	run_dir
	[ -e "$f.orig" ] || cat /proc/sys/net/ipv4/ip_forward >"$f.orig"
	: >"$f.user-$1"
	if [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 1 ]; then
		echo 1 >/proc/sys/net/ipv4/ip_forward || fatal "cannot turn on IPv4 forwarding"
		log "IPv4 forwarding turned on (net.ipv4.ip_forward=1)"
	fi
}

forwarding_off() { # forwarding_off USER
	local f=$XEN_HOTPLUG_RUN_DIR/ip_forward orig users
	rm -f "$f.user-$1"
	users=$(compgen -G "$f.user-*")
	[ -z "$users" ] && [ -e "$f.orig" ] || return 0
	orig=$(cat "$f.orig")
	rm -f "$f.orig"
	if [ "$orig" = 0 ] && [ "$(cat /proc/sys/net/ipv4/ip_forward)" != 0 ]; then
		echo 0 >/proc/sys/net/ipv4/ip_forward &&
			log "IPv4 forwarding turned back off (it was off before)"
	fi
}

# state_get FILE KEY: the value of KEY=VALUE in a state file, if any.
state_get() {
	[ -r "$1" ] || return 0
	sed -n "s/^$2=//p" "$1" | tail -n 1
}
