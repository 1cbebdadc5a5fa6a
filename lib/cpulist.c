#include "cpulist.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* A CPU number of decimal digits only; false if none, or too large. */
static bool take_number(const char **p, unsigned *out)
{
	const char *s = *p;
	unsigned long n = 0;
	if (!isdigit((unsigned char)*s))
		return false;
	while (isdigit((unsigned char)*s)) {
		n = n * 10 + (unsigned long)(*s++ - '0');
		if (n >= CPULIST_MAX)
			return false;
	}
	*p = s;
	*out = (unsigned)n;
	return true;
}

static void skip_spaces(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

/* One item, from `*p` up to its comma or the end; false if malformed. */
static bool take_item(const char **p, cpu_set_t *set)
{
	unsigned first, last;
	skip_spaces(p);
	bool exclude = **p == '^';
	if (exclude)
		(*p)++;
	if (!take_number(p, &first))
		return false;
	last = first;
	if (!exclude && **p == '-') {
		(*p)++;
		if (!take_number(p, &last) || last < first)
			return false;
	}
	skip_spaces(p);
	if (**p != ',' && **p != '\0')
		return false;
	for (unsigned cpu = first; cpu <= last; cpu++) {
		if (exclude)
			CPU_CLR(cpu, set);
		else
			CPU_SET(cpu, set);
	}
	return true;
}

int cpulist_parse(const char *text, cpu_set_t *set, char *err, size_t errlen)
{
	CPU_ZERO(set);
	const char *p = text;
	skip_spaces(&p);
	if (!*p)
		return 0;
	for (;;) {
		const char *item = p;
		if (!take_item(&p, set)) {
			size_t len = strcspn(item, ",");
			snprintf(err, errlen, "'%.*s' in the CPU list '%s' is not a CPU (N), a range (N-M) or an "
				 "exclusion (^N) of CPUs 0 to %d", (int)len, item, text, CPULIST_MAX - 1);
			return -1;
		}
		if (!*p)
			return 0;
		p++; /* the comma */
	}
}

bool cpulist_format(const cpu_set_t *set, char *out, size_t len)
{
	size_t used = 0;
	if (len == 0)
		return false;
	out[0] = '\0';
	for (unsigned cpu = 0; cpu < CPULIST_MAX; cpu++) {
		if (!CPU_ISSET(cpu, set))
			continue;
		unsigned last = cpu;
		while (last + 1 < CPULIST_MAX && CPU_ISSET(last + 1, set))
			last++;
		const char *comma = used ? "," : "";
		int n = last == cpu ? snprintf(out + used, len - used, "%s%u", comma, cpu)
				    : snprintf(out + used, len - used, "%s%u-%u", comma, cpu, last);
		if (n < 0 || (size_t)n >= len - used) {
			out[0] = '\0';
			return false;
		}
		used += (size_t)n;
		cpu = last;
	}
	return true;
}

bool cpulist_host_online(cpu_set_t *set)
{
	char line[4096], err[64];
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	if (!f)
		return false;
	bool ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	line[strcspn(line, "\n")] = '\0';
	return cpulist_parse(line, set, err, sizeof(err)) == 0 && CPU_COUNT(set) > 0;
}
