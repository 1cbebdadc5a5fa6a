/* Xen's credit scheduler parameters, as xm and xend both check them: a
 * domain's weight (its share of a contended CPU, relative to the others')
 * and cap (the most CPU it may use, in percent of one CPU; 0: no cap). */
#ifndef XENON_CREDIT_H
#define XENON_CREDIT_H

#include <stdbool.h>
#include <stddef.h>

#define CREDIT_WEIGHT_DEFAULT 256
#define CREDIT_WEIGHT_MIN 1
#define CREDIT_WEIGHT_MAX 65535
#define CREDIT_CAP_DEFAULT 0
/* A cap is at most 100 per vCPU: more than all of them can use is none. */
#define CREDIT_CAP_MAX(vcpus) (100LL * (long long)(vcpus))

/* Whether weight and cap are in Xen's ranges (xend's domain_sched_credit_set
 * refused the others); false with Xen's message in `why`. */
bool credit_weight_valid(long long weight, char *why, size_t len);
bool credit_cap_valid(long long cap, unsigned vcpus, char *why, size_t len);

#endif
