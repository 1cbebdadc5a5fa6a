/* The save stream (lib/save_stream.h): what xm save writes and xm restore
 * refuses, on a file in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "save_stream.h"

static int memfile(void)
{
	int fd = memfd_create("save", MFD_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* A stream of a config record, a record in two pieces and END. */
static int sample_stream(void)
{
	int fd = memfile();
	const char *config = "{\"name\":\"web\"}";
	uint8_t page[4096];
	memset(page, 0x5a, sizeof(page));
	uint64_t count = 1, frame = 7;
	struct iovec one = { (void *)config, strlen(config) };
	struct iovec pages[3] = { { &count, sizeof(count) }, { &frame, sizeof(frame) }, { page, sizeof(page) } };
	assert_int_equal(save_write_header(fd), 0);
	assert_int_equal(save_write_record(fd, SAVE_REC_CONFIG, &one, 1), 0);
	assert_int_equal(save_write_record(fd, SAVE_REC_PAGES, pages, 3), 0);
	assert_int_equal(save_write_record(fd, SAVE_REC_END, NULL, 0), 0);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static void test_records_come_back_as_written(void **state)
{
	(void)state;
	int fd = sample_stream();
	char err[256];
	struct save_reader r;
	assert_int_equal(save_read_header(&r, fd, err, sizeof(err)), 0);
	struct save_record rec;
	assert_int_equal(save_read_record(&r, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.type, SAVE_REC_CONFIG);
	assert_int_equal(rec.length, strlen("{\"name\":\"web\"}"));
	assert_memory_equal(rec.body, "{\"name\":\"web\"}", rec.length);
	free(rec.body);
	assert_int_equal(save_read_record(&r, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.type, SAVE_REC_PAGES);
	assert_int_equal(rec.length, 16 + 4096);
	assert_int_equal(((uint8_t *)rec.body)[16 + 4095], 0x5a);
	free(rec.body);
	assert_int_equal(save_read_record(&r, &rec, err, sizeof(err)), 0);
	assert_int_equal(rec.type, SAVE_REC_END);
	free(rec.body);
	lseek(fd, 0, SEEK_SET);
	assert_int_equal(save_check_stream(fd, err, sizeof(err)), 0);
	close(fd);
}

/* Cut anywhere short of its end, the stream is refused as truncated. */
static void test_a_stream_cut_short_is_refused_wherever_it_ends(void **state)
{
	(void)state;
	int fd = sample_stream();
	off_t whole = lseek(fd, 0, SEEK_END);
	uint8_t *copy = malloc((size_t)whole);
	assert_int_equal(pread(fd, copy, (size_t)whole, 0), whole);
	for (off_t len = 0; len < whole; len += 7) {
		int cut = memfile();
		assert_int_equal(write(cut, copy, (size_t)len), len);
		lseek(cut, 0, SEEK_SET);
		char err[256] = "";
		assert_int_equal(save_check_stream(cut, err, sizeof(err)), -1);
		if (len >= (off_t)sizeof(struct save_stream_header))
			assert_non_null(strstr(err, "truncated"));
		close(cut);
	}
	free(copy);
	close(fd);
}

static void test_a_flipped_bit_fails_its_record_checksum(void **state)
{
	(void)state;
	int fd = sample_stream();
	/* A bit of the page, in the second record. */
	off_t at = (off_t)(sizeof(struct save_stream_header) + sizeof(struct save_record_header) + 16 +
			   sizeof(struct save_record_header) + 16 + 100);
	uint8_t b;
	assert_int_equal(pread(fd, &b, 1, at), 1);
	b ^= 0x10;
	assert_int_equal(pwrite(fd, &b, 1, at), 1);
	char err[256];
	assert_int_equal(save_check_stream(fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "record 2"));
	assert_non_null(strstr(err, "checksum"));
	close(fd);
}

static void test_not_a_save_file_or_another_version_is_named_so(void **state)
{
	(void)state;
	int fd = memfile();
	assert_int_equal(write(fd, "#!/bin/sh\necho hello\n", 21), 21);
	lseek(fd, 0, SEEK_SET);
	char err[256];
	assert_int_equal(save_check_stream(fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a saved domain"));
	close(fd);

	fd = sample_stream();
	uint32_t version = SAVE_VERSION + 1;
	assert_int_equal(pwrite(fd, &version, sizeof(version), 8), sizeof(version));
	assert_int_equal(save_check_stream(fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "version 2"));
	close(fd);
}

static void test_a_record_claiming_too_much_is_refused_before_reading_it(void **state)
{
	(void)state;
	int fd = memfile();
	assert_int_equal(save_write_header(fd), 0);
	struct save_record_header h = { .type = SAVE_REC_PAGES, .length = (uint64_t)1 << 40 };
	assert_int_equal(write(fd, &h, sizeof(h)), sizeof(h));
	lseek(fd, 0, SEEK_SET);
	char err[256];
	assert_int_equal(save_check_stream(fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "claims"));
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_come_back_as_written),
		cmocka_unit_test(test_a_stream_cut_short_is_refused_wherever_it_ends),
		cmocka_unit_test(test_a_flipped_bit_fails_its_record_checksum),
		cmocka_unit_test(test_not_a_save_file_or_another_version_is_named_so),
		cmocka_unit_test(test_a_record_claiming_too_much_is_refused_before_reading_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
