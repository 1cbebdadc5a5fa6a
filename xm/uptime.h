/* xm uptime's table (uptime.c), apart from xend so that it can be tested. */
#ifndef XENON_XM_UPTIME_H
#define XENON_XM_UPTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* Prints each domain of `domains` (xend's list: an inactive managed domain
 * has no "domid") as Xen 3's xm uptime did: a table of Name, ID and Uptime
 * ([D day[s], ]HH:MM:SS), or with `short_form` a line each in uptime(1)'s
 * manner (" 12:00:00 up  1:02, NAME (ID)"). A domain's uptime runs from its
 * start_time to `now`; Domain-0's is `host_uptime` (/proc/uptime's). */
void xm_uptime_print(FILE *out, json_t *domains, bool short_form, time_t now, double host_uptime);

#endif
