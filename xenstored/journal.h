/* The journal: what makes xenstored survive SIGKILL. One file, a snapshot of
 * the whole state followed by a log of changes, each a record with a length
 * and a CRC. Every turn of the event loop writes its changes to the file
 * before any reply of that turn goes out, so nothing acknowledged is lost;
 * when the log outgrows the snapshot, a new snapshot replaces the file
 * (written aside, renamed over it).
 *
 * No fsync: what the journal must survive is the daemon's death, and the
 * kernel keeps a dead process's writes. A host that crashes takes its
 * domains with it, and XenStore's state is worth nothing without them: a
 * journal from an earlier boot is ignored anyway.
 *
 * What is kept: the tree; the introduced domains; for each guest's ring
 * connection its watches, the IDs of its open transactions and the first
 * part of a request longer than the ring. Socket clients are not kept: they
 * see the socket close and connect again. A journal written before the host
 * last booted is ignored, as Xen's tools remove XenStore's database at boot:
 * no domain outlives the host. */
#ifndef XENSTORED_JOURNAL_H
#define XENSTORED_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* Reads the journal at `path` back into the daemon (an empty store and no
 * domains), or starts the tree afresh when there is none, then rewrites it
 * as a snapshot and keeps it open. 0, or -1 with the reason in `err`. */
int journal_open(const char *path, char *err, size_t errlen);
void journal_close(void);

/* Changes to record; nothing happens while no journal is open. */
void journal_node(const char *path, const struct node *n); /* n NULL: removed */
void journal_domain(uint32_t domid, uint64_t gfn, uint32_t port, bool introduced);
/* `added` false with an empty path: every watch of the domain went. */
void journal_watch(uint32_t domid, const char *path, const char *token, bool relative, bool added);
void journal_txn(uint32_t domid, uint32_t id, bool started);
void journal_target(uint32_t domid, uint32_t target);
/* The first `len` bytes of a long request; the rest starts at ring index
 * `index`. */
void journal_partial(uint32_t domid, uint32_t index, const void *bytes, size_t len);

/* Writes what was recorded. 0, or -errno. */
int journal_write(void);
/* The same, and a journal that cannot be written stops the daemon: going on
 * would acknowledge changes a restart would lose. */
void journal_write_or_die(void);

#endif
