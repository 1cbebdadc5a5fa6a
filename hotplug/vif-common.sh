# shellcheck shell=bash
# Functions shared by the vif scripts (vif-bridge, vif-route, vif-nat).
# Sourced, from the calling script's own folder:
#     dir=$(dirname "$0"); . "$dir/vif-common.sh"
#
# The calling contract (xend's):
#     vif-SCRIPT online|offline [KEY=VALUE...]
# with, in the environment, XENBUS_PATH=backend/vif/DOMID/DEVID (the vif's
# backend folder, relative to /local/domain/0 or absolute), vif=IFNAME (the
# host's device for it, already made, down), domain=NAME, devid=N, script=PATH.
# The KEY=VALUE words (xend-config.sxp's vif-script) give defaults; the vif's
# own settings are in XenStore under $XENBUS_PATH: bridge, ip, mac,
# frontend-id, handle, vifname.
#
# online ends with $XENBUS_PATH/hotplug-status = connected and exit 0; a
# failure writes hotplug-status = error and hotplug-error = the message (one
# line: what and where), prints it on stderr, and exits 1. offline tolerates
# a device that has already gone.
#
# After sourcing: $command (online|offline), $vif, $domid, $devid, $vif_ips
# (the ip node: space-separated addresses, maybe empty), $vif_mac, $vif_keys;
# fatal, success, xs_read, xs_read_default, xs_write, vif_down.

# The keys every vif script takes (each uses those it needs, so that one
# vif-script line can serve several): bridge= (vif-bridge), netdev=
# (vif-route), dhcp= (vif-nat).
vif_keys="bridge netdev dhcp"

dir=${dir:-$(dirname "$0")}
. "$dir/xen-network-common.sh"

case ${1:-} in
online | add) command=online ;;
offline | remove) command=offline ;;
*) usage "online|offline [KEY=VALUE...] (run by xend, with XENBUS_PATH and vif in the environment)" ;;
esac
shift

# fatal MESSAGE...: report the failure in XenStore (hotplug-error first, then
# hotplug-status = error, in one transaction), on stderr, and exit 1.
fatal() {
	local msg="$hotplug_name: $*"
	msg=${msg//$'\n'/; }
	if [ -n "${XENBUS_PATH:-}" ] && xenstore-exists "$XENBUS_PATH" >/dev/null 2>&1; then
		xenstore-write "$XENBUS_PATH/hotplug-error" "$msg" \
			"$XENBUS_PATH/hotplug-status" error >/dev/null 2>&1 ||
			printf '%s\n' "$hotplug_name: could not write hotplug-status to XenStore at $XENBUS_PATH" >&2
	fi
	printf '%s\n' "$msg" >&2
	exit 1
}

# xs_read PATH: the node's value; fails if the node is absent.
xs_read() {
	xenstore-read "$1" 2>/dev/null
}

# xs_read_default PATH DEFAULT: the node's value, or DEFAULT if absent.
xs_read_default() {
	local v
	if v=$(xenstore-read "$1" 2>/dev/null); then
		printf '%s\n' "$v"
	else
		printf '%s\n' "$2"
	fi
}

# xs_write PATH VALUE [PATH VALUE...]: writes, or fatal.
xs_write() {
	local out
	out=$(xenstore-write "$@" 2>&1) || fatal "cannot write $1 in XenStore: ${out//$'\n'/; }"
}

# success: the vif is wired; tell xend.
success() {
	xenstore-rm "$XENBUS_PATH/hotplug-error" >/dev/null 2>&1
	xs_write "$XENBUS_PATH/hotplug-status" connected
}

[ -n "${XENBUS_PATH:-}" ] ||
	fatal "XENBUS_PATH is not set (xend runs vif scripts with XENBUS_PATH=backend/vif/DOMID/DEVID)"
XENBUS_PATH=${XENBUS_PATH%/}

if ! xenstore-exists "$XENBUS_PATH" >/dev/null 2>&1; then
	if [ "$command" = online ]; then
		hotplug_name="$hotplug_name ${vif:-}"
		fatal "the backend folder $XENBUS_PATH is not in XenStore (is xenstored running? XENSTORED_PATH=${XENSTORED_PATH:-default})"
	fi
	# offline after xend has already removed the folder: go on with what the
	# environment says.
fi

domid=${XENBUS_PATH%/*}
domid=${domid##*/}
domid=$(xs_read_default "$XENBUS_PATH/frontend-id" "$domid")
devid=${devid:-$(xs_read_default "$XENBUS_PATH/handle" "${XENBUS_PATH##*/}")}
[[ $domid =~ ^[0-9]+$ ]] || fatal "no domain ID: $XENBUS_PATH/frontend-id is '$domid'"
[[ $devid =~ ^[0-9]+$ ]] || fatal "no device ID: devid is '$devid'"
vif=${vif:-$(xs_read_default "$XENBUS_PATH/vifname" "")}
vif=${vif:-vif$domid.$devid}
hotplug_name="$hotplug_name $vif"
check_ifname vif "$vif"

vif_ips=$(xs_read_default "$XENBUS_PATH/ip" "")
vif_ips=${vif_ips//,/ }
vif_mac=$(xs_read_default "$XENBUS_PATH/mac" "")

# vif_down: offline's common end: the device down, if it is still there.
# Fails only if the device is there and cannot be brought down.
vif_down() {
	link_exists "$vif" || return 0
	local out
	out=$(ip link set dev "$vif" down 2>&1) && return 0
	link_exists "$vif" || return 0 # went meanwhile
	fatal "cannot bring $vif down: ${out//$'\n'/; }"
}
