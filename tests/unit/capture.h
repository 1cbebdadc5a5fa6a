/* For tests of what xm prints: its output caught in a string, and JSON
 * replies written as text. Include after cmocka.h. */
#ifndef XENON_TESTS_CAPTURE_H
#define XENON_TESTS_CAPTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* What was written to the stream `capture` gave, once it is closed. */
static char *output;
static size_t output_len;

static inline FILE *capture(void)
{
	free(output);
	output = NULL;
	FILE *f = open_memstream(&output, &output_len);
	assert_non_null(f);
	return f;
}

static inline json_t *json(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);
	if (!j)
		fail_msg("bad JSON in the test: %s", e.text);
	return j;
}

/* A group teardown: frees the last output. */
static inline int capture_teardown(void **state)
{
	(void)state;
	free(output);
	output = NULL;
	return 0;
}

#endif
