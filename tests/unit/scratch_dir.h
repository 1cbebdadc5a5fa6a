/* A folder of the test's own for tests that work on real files:
 * /tmp/PROGRAM.XXXXXX, made by scratch_setup and removed with all it holds
 * by scratch_teardown (cmocka fixtures, for one test or a group), paths in
 * it, and files written and read there. Include after cmocka.h. */
#ifndef XENON_TESTS_SCRATCH_DIR_H
#define XENON_TESTS_SCRATCH_DIR_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char scratch_dir[64];

/* Named for the test program, so that one left behind says whose it is. */
static inline int scratch_setup(void **state)
{
	(void)state;
	snprintf(scratch_dir, sizeof(scratch_dir), "/tmp/%s.XXXXXX", program_invocation_short_name);
	return mkdtemp(scratch_dir) ? 0 : -1;
}

static inline int scratch_remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* Depth first, not following links: a test's symlink to elsewhere is no
 * licence to remove what it points at. */
static inline int scratch_teardown(void **state)
{
	(void)state;
	return nftw(scratch_dir, scratch_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A test that has a new folder of its own. */
#define scratch_unit_test(f) cmocka_unit_test_setup_teardown(f, scratch_setup, scratch_teardown)

/* SCRATCH/NAME. The last four paths stay valid, so that one call can take
 * several. */
static inline const char *at(const char *name)
{
	static char paths[4][256];
	static unsigned slot;
	char *p = paths[slot++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", scratch_dir, name);
	return p;
}

/* Writes the `len` bytes at `data` to `path`, replacing what was there. */
static inline void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static inline void write_file(const char *path, const char *text)
{
	write_bytes(path, text, strlen(text));
}

/* The file's text (malloc'd), NULL if it does not exist. */
static inline char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *text = calloc(1, 1 << 16);
	assert_non_null(text);
	size_t n = fread(text, 1, (1 << 16) - 1, f);
	assert_true(n < (1 << 16) - 1); /* all of it */
	text[n] = '\0';
	fclose(f);
	return text;
}

#endif
