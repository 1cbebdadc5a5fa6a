#include "save_stream.h"

#include "fd_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const uint8_t zeros[8];

static size_t padding(uint64_t length)
{
	return (size_t)(-length & 7);
}

int save_write_header(int fd)
{
	struct save_stream_header h = { .version = SAVE_VERSION };
	memcpy(h.magic, SAVE_MAGIC, sizeof(h.magic));
	return fd_write_all(fd, &h, sizeof(h));
}

int save_write_record(int fd, uint32_t type, const struct iovec *iov, int iovcnt)
{
	struct save_record_header h = { .type = type };
	uLong crc = crc32(0, Z_NULL, 0);
	for (int i = 0; i < iovcnt; i++) {
		h.length += iov[i].iov_len;
		/* zlib takes lengths as uInt: feed it in pieces it can count. */
		const uint8_t *p = iov[i].iov_base;
		for (size_t left = iov[i].iov_len; left;) {
			uInt chunk = left > (1u << 30) ? 1u << 30 : (uInt)left;
			crc = crc32(crc, p, chunk);
			p += chunk;
			left -= chunk;
		}
	}
	if (h.length > SAVE_RECORD_MAX)
		return -EFBIG;
	h.crc = (uint32_t)crc;
	int e = fd_write_all(fd, &h, sizeof(h));
	for (int i = 0; !e && i < iovcnt; i++)
		e = fd_write_all(fd, iov[i].iov_base, iov[i].iov_len);
	if (!e)
		e = fd_write_all(fd, zeros, padding(h.length));
	return e;
}

/* 1: read whole; 0: the stream ended first; -errno. */
static int read_all(struct save_reader *r, void *buf, size_t len)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = read(r->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		p += n;
		len -= (size_t)n;
		r->offset += (uint64_t)n;
	}
	return 1;
}

int save_read_header(struct save_reader *r, int fd, char *err, size_t errlen)
{
	*r = (struct save_reader){ .fd = fd };
	struct save_stream_header h;
	int got = read_all(r, &h, sizeof(h));
	if (got <= 0) {
		snprintf(err, errlen, "%s", got < 0 ? strerror(-got) : "too short to be a saved domain");
		return -1;
	}
	if (memcmp(h.magic, SAVE_MAGIC, sizeof(h.magic)) != 0) {
		snprintf(err, errlen, "not a saved domain (no Xenon save header)");
		return -1;
	}
	if (h.version != SAVE_VERSION) {
		snprintf(err, errlen, "saved by a format of version %u; this Xenon reads version %u", h.version,
			 SAVE_VERSION);
		return -1;
	}
	return 0;
}

int save_read_record(struct save_reader *r, struct save_record *rec, char *err, size_t errlen)
{
	*rec = (struct save_record){ 0 };
	uint64_t at = r->offset;
	unsigned index = r->records + 1;
	struct save_record_header h;
	int got = read_all(r, &h, sizeof(h));
	if (got <= 0) {
		snprintf(err, errlen, "%s after %u records (offset %llu)",
			 got < 0 ? strerror(-got) : "truncated: it ends", r->records, (unsigned long long)at);
		return -1;
	}
	if (h.length > SAVE_RECORD_MAX) {
		snprintf(err, errlen, "corrupt: record %u (offset %llu) claims %llu bytes", index,
			 (unsigned long long)at, (unsigned long long)h.length);
		return -1;
	}
	size_t stored = (size_t)h.length + padding(h.length);
	uint8_t *body = malloc(stored ? stored : 1);
	if (!body) {
		snprintf(err, errlen, "out of memory for record %u", index);
		return -1;
	}
	got = read_all(r, body, stored);
	if (got <= 0) {
		snprintf(err, errlen, "%s in record %u (offset %llu)", got < 0 ? strerror(-got) : "truncated",
			 index, (unsigned long long)at);
		free(body);
		return -1;
	}
	uint32_t crc = (uint32_t)crc32(crc32(0, Z_NULL, 0), body, (uInt)h.length);
	if (crc != h.crc) {
		snprintf(err, errlen, "corrupt: record %u (offset %llu, type %u) fails its checksum", index,
			 (unsigned long long)at, h.type);
		free(body);
		return -1;
	}
	r->records++;
	*rec = (struct save_record){ .type = h.type, .length = h.length, .body = body };
	return 0;
}

int save_check_stream(int fd, char *err, size_t errlen)
{
	struct save_reader r;
	if (save_read_header(&r, fd, err, errlen) < 0)
		return -1;
	for (;;) {
		struct save_record rec;
		if (save_read_record(&r, &rec, err, errlen) < 0)
			return -1;
		free(rec.body);
		if (rec.type == SAVE_REC_END)
			return 0;
	}
}
