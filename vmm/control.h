/* The VMM's control socket (lib/control.h's protocol), for xend and
 * xenstored: at $XENON_RUN_DIR/vmm/DOMID.sock. Requests:
 *
 *   info            the domain's state, CPU time, console PTY
 *   pause, unpause  stop or resume the vCPUs (a managed domain starts paused)
 *   destroy         end the domain now, and this process with it
 *   watch           this connection hears {"event":"ended","reason":R}
 *   xenstore-ring   {gfn, port} -> the ring's memory and eventfds, for xenstored
 *   vbd-attach      {devid, vdev, kind, target, mode, cdrom, backend, frontend}
 *                   -> {sectors, sector_size}. Opens the disk (kind, target and
 *                   mode as lib/vbd.h names them: "file", "phy", "qcow2",
 *                   "nbd"; "r", "w", "w!") and serves it as vbd `devid`. xend
 *                   has written the backend folder (`backend`, its XenStore
 *                   path); the VMM adds its own nodes there (features, size,
 *                   state) and follows the frontend at `frontend`. An error
 *                   names the disk and why, and leaves nothing open.
 *   vbd-detach      {devid, force}: without force, asks the guest to let go
 *                   (backend state Closing) and replies at once; the backend
 *                   reaches Closed (6) once the guest has closed its end, and
 *                   the VMM then forgets the device. With force, closes it now
 *                   (state Closed before the reply).
 *   info            (as above) also carries "vbds": [{devid, vdev, kind,
 *                   target, mode, state, rd_req, wr_req, f_req, ds_req,
 *                   oo_req, rd_sect, wr_sect, errors}], the statistics xentop
 *                   and xm list --long show.
 *   vif-attach      {devid, mac, ifname, rate_bytes, rate_interval_us,
 *                   backend, frontend} -> {ifname}. Makes the host's end of
 *                   vif `devid`: a TAP device named `ifname` (vifDOMID.DEVID
 *                   or the config's vifname), left down with the address
 *                   fe:ff:ff:ff:ff:ff, for the vif script to bring up and
 *                   wire (a bridge, routes). `mac` is the guest's address
 *                   (for the log and info); rate_bytes per rate_interval_us
 *                   limits what the guest sends (0: no limit). As for a vbd,
 *                   xend has written the backend folder; the VMM adds its
 *                   features and state there. An error names the vif and
 *                   why (a name already taken on the host, say), and leaves
 *                   nothing behind.
 *   vif-detach      {devid, force}: as vbd-detach; the TAP device goes when
 *                   the VMM forgets the vif.
 *   info            also carries "vifs": [{devid, ifname, mac, state,
 *                   tx_packets, tx_bytes, tx_drops, rx_packets, rx_bytes,
 *                   rx_drops}], counted from the guest's side as xentop
 *                   shows them (tx: what the guest sent; a tx drop is a
 *                   packet it sent that went nowhere, an rx drop one for it
 *                   that found no room in its ring).
 *   info            also carries the balloon's counts: "populated" and
 *                   "max" (frames the guest holds and may hold), and the
 *                   same as "memory_kb" and "maxmem_kb".
 *   set-maxmem      {mb}: the most the guest may hold (xm mem-max); frames
 *                   it asks back beyond it are refused. A maximum below
 *                   what it holds now takes nothing away.
 *   dump-core       {live} and a descriptor beside it: an empty file, which
 *                   gets the domain's core (vmm/dump_core.h: its RAM and
 *                   each vCPU's registers) -> {bytes}. Unless live, the
 *                   vCPUs are paused while it is written (a domain already
 *                   paused stays so). Works on a domain that has ended,
 *                   until destroy (xend's enable-dump). The VMM never opens
 *                   a path: xend names, makes and renames the file.
 *   xen-console     -> {text}: what the guest wrote to Xen's console
 *                   (console_io, port 0xe9) since the last call, whole
 *                   lines, sanitized, the newest XEN_CONSOLE_KEEP bytes at
 *                   most (vmm/xen_console.h); taken, so a call gets each
 *                   line once. xend puts them in xm dmesg.
 *   vcpus           -> {vcpus: [{vcpu, online, running, blocked, cpu_ns, cpu,
 *                   affinity}]}, each vCPU as xm vcpu-list shows it: online
 *                   as the guest has it (vmm/vcpu_control.h), its thread
 *                   running or blocked, its CPU time (ns), the host CPU it
 *                   last ran on, and the host CPUs it may run on ("0-1,3").
 *   save            a descriptor beside it: the domain, which has suspended
 *                   (reason "suspend"), is written there as the VMM's part
 *                   of the save stream (vmm/save.h, docs/save-format.md)
 *                   -> {bytes, pages}. The domain stays suspended. With
 *                   {precopied: true}, after a pre-copy: only what it left.
 *   resume          a suspended domain goes on; the guest sees its suspend
 *                   cancelled (xm save -c, or a save that failed).
 *   precopy         a descriptor beside it: live migration's rounds of RAM
 *                   while the domain runs (vmm/precopy.h) -> {rounds, pages,
 *                   bytes, left}; precopy-cancel ends one whose migration
 *                   failed before its stop-and-copy.
 *   info            also carries "incoming": a domain migrated in that has
 *                   not been unpaused yet (--incoming).
 *   restored        -> {loaded}: whether a restored domain's image has
 *                   loaded; an error if it did not load (the VMM then exits).
 *                   For a restore (--restore-fd) the socket opens before
 *                   the image loads, so that xend can set up the vifs (and
 *                   their hotplug scripts run) meanwhile: until it has
 *                   loaded, only info, destroy, watch, vif-attach,
 *                   vif-detach and restored are served.
 *   vcpu-pin        {vcpu, cpus}: the vCPU's thread runs only on the host
 *                   CPUs `cpus` (lib/cpulist.h's list, or "all"); refused,
 *                   nothing changed, when the host has none of them.
 *
 * A domain that has ended stays, in state "shutdown" with its reason, until
 * destroy: xend decides what on_poweroff and friends mean. */
#ifndef XENON_VMM_CONTROL_H
#define XENON_VMM_CONTROL_H

#include <jansson.h>
#include <stdbool.h>

#include "domain.h"

/* Opens the control socket; with `restoring`, for the few requests that
 * may come while the image loads, until control_server_restored. */
int control_server_start(struct domain *d, bool restoring);
/* The image has loaded (ok) or will not: "restored" answers. */
void control_server_restored(bool ok);
/* The domain ended: tell the watchers, then wait for destroy (or a signal
 * that ends this process): false. After a suspend, "resume" may come
 * first: true, and the domain is to run on (its watchers stay). */
bool control_server_wait_release(struct domain *d, enum domain_end why);
/* Lets control_server_wait_release return true. */
void control_server_resume(void);
/* Lets control_server_wait_release return (destroy, or a signal). */
void control_server_release(void);
void control_server_stop(void);
/* A domain that comes in by migration stays paused until its toolstack
 * unpauses it (the source has let its copy go), and says so in info from
 * the start (control_server_hold_incoming, before the socket opens). If
 * the unpause does not come within `seconds` of its image's loading
 * (control_server_await_commit), the migration failed with no one left
 * to say so, and the domain is destroyed. */
void control_server_hold_incoming(struct domain *d);
void control_server_await_commit(unsigned seconds);

const char *domain_end_name(enum domain_end why);

/* A request's handler (the table in control.c lists them): replies on `fd`
 * with control_reply_ok or control_reply_error. */
typedef void control_handler(int fd, json_t *req);
/* The domain this VMM runs. */
struct domain *control_domain(void);
/* Whether the domain still runs; if not, replies so on `fd`. */
bool control_domain_running(int fd);
/* Whether it has suspended and its vCPU threads have ended (the watchers
 * have been told), until destroy or resume. */
bool control_domain_suspended(void);
/* A descriptor that came with the request being handled, now the
 * handler's to close; -1 if none (is left). Those not taken are closed
 * after the handler returns. */
int control_take_fd(void);

/* Handlers kept in files of their own. */
control_handler control_dump_core;   /* dump_op.c */
control_handler control_xen_console; /* xen_console.c */

#endif
