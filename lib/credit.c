/* Xen's credit scheduler parameters (credit.h). */
#include "credit.h"

#include <stdio.h>

bool credit_weight_valid(long long weight, char *why, size_t len)
{
	if (weight >= CREDIT_WEIGHT_MIN && weight <= CREDIT_WEIGHT_MAX)
		return true;
	snprintf(why, len, "Cpu weight out of range, valid values are within range from %d to %d",
		 CREDIT_WEIGHT_MIN, CREDIT_WEIGHT_MAX);
	return false;
}

bool credit_cap_valid(long long cap, unsigned vcpus, char *why, size_t len)
{
	if (cap >= 0 && cap <= CREDIT_CAP_MAX(vcpus))
		return true;
	snprintf(why, len, "Cpu cap out of range, valid range is from 0 to %lld for specified number of vcpus",
		 CREDIT_CAP_MAX(vcpus));
	return false;
}
