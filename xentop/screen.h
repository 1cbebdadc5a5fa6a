/* xentop's curses screen: the summary, the table and the key line at the
 * bottom, a new frame every delay, and Xen's keys. */
#ifndef XENTOP_SCREEN_H
#define XENTOP_SCREEN_H

#include "table.h"

/* Runs until Q or Esc (or `iterations` frames, where not 0); `v` and
 * `delay` are where the keys start from. Refuses, saying so, without a
 * terminal on standard input and output. Returns the exit status. */
int xt_screen_run(struct xt_view *v, double delay, unsigned iterations);

/* A delay typed at the D prompt or given to -d: seconds, over 0 and at
 * most a day. True with *out set, or false. */
bool xt_parse_delay(const char *text, double *out);

#endif
