/* Xenon's save stream: what `xm save` writes to a file and `xm migrate`
 * will send to another host (docs/save-format.md describes it byte by
 * byte). A header (magic and version), then records, each with its type,
 * length and the CRC-32 of its body, the last one END. A reader checks
 * every record before it believes it: a stream cut short lacks END, a
 * corrupt one fails a CRC, and each says where. */
#ifndef XENON_LIB_SAVE_STREAM_H
#define XENON_LIB_SAVE_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define SAVE_MAGIC "XenonSav"
#define SAVE_VERSION 1
/* The largest record a reader accepts: a batch of pages is the largest
 * there is (SAVE_PAGES_PER_RECORD pages and their frame numbers). */
#define SAVE_RECORD_MAX (8u << 20)
#define SAVE_PAGES_PER_RECORD 1024

enum save_record_type {
	SAVE_REC_END = 0,     /* empty: the stream is whole */
	SAVE_REC_CONFIG = 1,  /* xend's: the domain's config, name and UUID (JSON) */
	SAVE_REC_DOMAIN = 2,  /* the VMM's: struct save_domain */
	SAVE_REC_VCPU = 3,    /* struct save_vcpu, one per vCPU */
	SAVE_REC_PAGES = 4,   /* u64 count, count RAM frame numbers, count pages */
	SAVE_REC_BALLOON = 5, /* u64 populated, u64 max_pages, the given-back bitmap */
};

struct save_stream_header {
	char magic[8];
	uint32_t version;
	uint32_t flags; /* 0 */
};

struct save_record_header {
	uint32_t type;
	uint32_t crc;    /* CRC-32 (zlib's) of the body */
	uint64_t length; /* of the body; padding to 8 bytes follows it */
};

/* A record as read: its body malloc'd (the caller frees it). */
struct save_record {
	uint32_t type;
	uint64_t length;
	void *body;
};

/* Writes the stream's header. 0, or -errno. */
int save_write_header(int fd);
/* Writes one record whose body is the pieces of `iov`. 0, or -errno. */
int save_write_record(int fd, uint32_t type, const struct iovec *iov, int iovcnt);

/* The reader keeps where it is, to say where something went wrong. */
struct save_reader {
	int fd;
	uint64_t offset;
	unsigned records;
};
/* Reads and checks the header. 0, or -1 with `err` saying what is wrong. */
int save_read_header(struct save_reader *r, int fd, char *err, size_t errlen);
/* Reads the next record and checks its CRC. 0, or -1 with `err` saying
 * which record, where, and what is wrong with it. */
int save_read_record(struct save_reader *r, struct save_record *rec, char *err, size_t errlen);
/* Reads the stream to its END, checking every record, without keeping
 * them: whether a file is whole before anything is built from it. */
int save_check_stream(int fd, char *err, size_t errlen);

#endif
