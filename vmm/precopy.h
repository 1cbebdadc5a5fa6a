/* Live migration's pre-copy (xm migrate --live): RAM goes to the target
 * while the guest runs, KVM logging the frames it writes meanwhile; then
 * round after round the frames written since the last are sent again,
 * until few are left or their number stops falling. What is left goes
 * in the stop-and-copy: xend suspends the guest and asks for "save" with
 * "precopied", which writes the vCPUs and precopy_last_round's frames.
 *
 * The stream is the save stream (lib/save_stream.h): the pre-copy writes
 * the domain's record and PAGES records; a page sent in several rounds
 * is simply loaded again, the last copy winning. */
#ifndef XENON_VMM_PRECOPY_H
#define XENON_VMM_PRECOPY_H

#include <stdbool.h>
#include <stdint.h>

#include "control.h"

struct domain;

/* Control requests: "precopy", with the stream's descriptor passed,
 * answers once the rounds are done ({rounds, pages, bytes, left}), the
 * domain running on; "precopy-cancel" ends a pre-copy whose migration
 * failed before the stop-and-copy. */
control_handler control_precopy;
control_handler control_precopy_cancel;

bool precopy_active(void);
/* The frames the stop-and-copy sends (malloc'd, a bit per RAM frame):
 * those written since the last round, those left unsent, and those the
 * backends hold for writing. Logging stops. NULL with the error logged. */
uint64_t *precopy_last_round(struct domain *d);
/* Ends a pre-copy, if one is under way: logging stops. */
void precopy_stop(struct domain *d);

#endif
