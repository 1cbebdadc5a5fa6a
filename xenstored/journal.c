/* The journal (journal.h says what and why). A record on disk:
 *
 *   u32 length of what follows the CRC   u32 CRC-32 of it   u8 type   payload
 *
 * little-endian; strings and byte strings are a u32 length and the bytes.
 * Reading stops at the first record that is short or fails its CRC (a write
 * torn by the crash); what came before it stands. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fd_io.h"
#include "journal.h"
#include "log.h"
#include "xenstored.h"

#define MAGIC "xenon-xenstored-journal-1"
#define HEADER_SIZE 64 /* the magic, then the host's boot ID */
#define COMPACT_MIN (1u << 20)

enum record_type {
	R_NODE = 1,
	R_DELETE,
	R_INTRODUCE,
	R_RELEASE,
	R_WATCH,
	R_UNWATCH,
	R_TXN_START,
	R_TXN_END,
	R_PARTIAL,
	R_TARGET,
};

struct buffer {
	unsigned char *data;
	size_t len, cap;
	bool failed; /* out of memory: the write reports it */
};

static struct {
	int fd;            /* -1: no journal */
	char *path;
	struct buffer pending;
	size_t record_start; /* where the record being built begins in `pending` */
	uint64_t snapshot_bytes, log_bytes;
} j = { .fd = -1 };

/* ---- building records ---- */

static void put(struct buffer *b, const void *data, size_t len)
{
	if (b->failed)
		return;
	if (b->len + len > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + len)
			cap *= 2;
		unsigned char *d = realloc(b->data, cap);
		if (!d) {
			b->failed = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
}

static void put_u8(struct buffer *b, uint8_t v) { put(b, &v, 1); }
static void put_u32(struct buffer *b, uint32_t v) { put(b, &v, 4); }
static void put_u64(struct buffer *b, uint64_t v) { put(b, &v, 8); }

static void put_bytes(struct buffer *b, const void *data, size_t len)
{
	put_u32(b, (uint32_t)len);
	put(b, data, len);
}

static void put_str(struct buffer *b, const char *s)
{
	put_bytes(b, s, strlen(s));
}

/* Starts a record in `pending`; its length and CRC are filled by end(). */
static bool begin(enum record_type type)
{
	if (j.fd < 0)
		return false;
	j.record_start = j.pending.len;
	put_u32(&j.pending, 0);
	put_u32(&j.pending, 0);
	put_u8(&j.pending, (uint8_t)type);
	return true;
}

static void end(void)
{
	if (j.pending.failed)
		return;
	unsigned char *rec = j.pending.data + j.record_start;
	uint32_t len = (uint32_t)(j.pending.len - j.record_start - 8);
	uint32_t crc = (uint32_t)crc32(0, rec + 8, len);
	memcpy(rec, &len, 4);
	memcpy(rec + 4, &crc, 4);
}

void journal_node(const char *path, const struct node *n)
{
	if (!n) {
		if (begin(R_DELETE)) {
			put_str(&j.pending, path);
			end();
		}
		return;
	}
	if (!begin(R_NODE))
		return;
	put_u64(&j.pending, n->gen);
	put_str(&j.pending, n->path);
	put_bytes(&j.pending, n->value, n->len);
	put_u32(&j.pending, n->nperms);
	for (uint32_t i = 0; i < n->nperms; i++) {
		put_u32(&j.pending, n->perms[i].domid);
		put_u8(&j.pending, (uint8_t)n->perms[i].kind);
	}
	put_u32(&j.pending, n->nchildren);
	for (uint32_t i = 0; i < n->nchildren; i++)
		put_str(&j.pending, n->children[i]);
	end();
}

void journal_domain(uint32_t domid, uint64_t gfn, uint32_t port, bool introduced)
{
	if (!begin(introduced ? R_INTRODUCE : R_RELEASE))
		return;
	put_u32(&j.pending, domid);
	if (introduced) {
		put_u64(&j.pending, gfn);
		put_u32(&j.pending, port);
	}
	end();
}

void journal_watch(uint32_t domid, const char *path, const char *token, bool relative, bool added)
{
	if (!begin(added ? R_WATCH : R_UNWATCH))
		return;
	put_u32(&j.pending, domid);
	put_u8(&j.pending, relative);
	put_str(&j.pending, path);
	put_str(&j.pending, token);
	end();
}

void journal_txn(uint32_t domid, uint32_t id, bool started)
{
	if (!begin(started ? R_TXN_START : R_TXN_END))
		return;
	put_u32(&j.pending, domid);
	put_u32(&j.pending, id);
	end();
}

void journal_target(uint32_t domid, uint32_t target)
{
	if (!begin(R_TARGET))
		return;
	put_u32(&j.pending, domid);
	put_u32(&j.pending, target);
	end();
}

void journal_partial(uint32_t domid, uint32_t index, const void *bytes, size_t len)
{
	if (!begin(R_PARTIAL))
		return;
	put_u32(&j.pending, domid);
	put_u32(&j.pending, index);
	put_bytes(&j.pending, bytes, len);
	end();
}

/* ---- reading records back ---- */

struct reader {
	const unsigned char *p, *end;
	bool bad;
};

static const void *take(struct reader *r, size_t len)
{
	if (r->bad || (size_t)(r->end - r->p) < len) {
		r->bad = true;
		return NULL;
	}
	const void *at = r->p;
	r->p += len;
	return at;
}

static uint8_t get_u8(struct reader *r)
{
	const uint8_t *v = take(r, 1);
	return v ? *v : 0;
}

static uint32_t get_u32(struct reader *r)
{
	uint32_t v = 0;
	const void *at = take(r, 4);
	if (at)
		memcpy(&v, at, 4);
	return v;
}

static uint64_t get_u64(struct reader *r)
{
	uint64_t v = 0;
	const void *at = take(r, 8);
	if (at)
		memcpy(&v, at, 8);
	return v;
}

/* A byte string, copied and NUL-terminated (caller frees), or NULL. */
static char *get_bytes(struct reader *r, uint32_t *len_out)
{
	uint32_t len = get_u32(r);
	const char *at = take(r, len);
	if (!at)
		return NULL;
	char *s = malloc((size_t)len + 1);
	if (!s) {
		r->bad = true;
		return NULL;
	}
	memcpy(s, at, len);
	s[len] = '\0';
	if (len_out)
		*len_out = len;
	return s;
}

static struct node *read_node(struct reader *r)
{
	uint64_t gen = get_u64(r);
	char *path = get_bytes(r, NULL);
	struct node *n = path ? node_copy(NULL, path) : NULL;
	free(path);
	if (!n)
		return NULL;
	n->gen = gen;
	uint32_t len;
	char *value = get_bytes(r, &len);
	uint32_t nperms = value ? get_u32(r) : 0;
	/* Each entry takes 5 bytes: a count beyond what is left is damage. */
	if (!value || nperms == 0 || nperms > (size_t)(r->end - r->p) / 5) {
		free(value);
		node_free(n);
		r->bad = true;
		return NULL;
	}
	free(n->value);
	n->value = value;
	n->len = len;
	struct perm *perms = calloc(nperms, sizeof(*perms));
	for (uint32_t i = 0; perms && i < nperms; i++) {
		perms[i].domid = get_u32(r);
		perms[i].kind = (enum perm_kind)(get_u8(r) & 3);
	}
	if (!perms || node_set_perms(n, perms, nperms) < 0)
		r->bad = true;
	free(perms);
	uint32_t nchildren = get_u32(r);
	for (uint32_t i = 0; i < nchildren && !r->bad; i++) {
		char *child = get_bytes(r, NULL);
		if (!child || node_add_child(n, child) < 0)
			r->bad = true;
		free(child);
	}
	if (r->bad) {
		node_free(n);
		return NULL;
	}
	return n;
}

static struct txn *find_txn(struct conn *c, uint32_t id, struct txn ***link_out)
{
	for (struct txn **link = &c->txns; *link; link = &(*link)->next) {
		if ((*link)->id == id) {
			*link_out = link;
			return *link;
		}
	}
	return NULL;
}

/* Applies one record; false when it is malformed. */
static bool apply(struct reader *r)
{
	enum record_type type = get_u8(r);
	if (type == R_NODE) {
		struct node *n = read_node(r);
		return n && store_restore(&xs.store, n) == 0;
	}
	if (type == R_DELETE) {
		char *path = get_bytes(r, NULL);
		if (path)
			store_forget(&xs.store, path);
		free(path);
		return path != NULL;
	}
	uint32_t domid = get_u32(r);
	if (type == R_INTRODUCE) {
		uint64_t gfn = get_u64(r);
		uint32_t port = get_u32(r);
		return !r->bad && domain_restored(domid, gfn, port) != NULL;
	}
	if (type == R_RELEASE) {
		domain_release(domid);
		return !r->bad;
	}
	struct conn *c = domain_conn(domid);
	if (type == R_WATCH || type == R_UNWATCH) {
		bool relative = get_u8(r);
		char *path = get_bytes(r, NULL), *token = get_bytes(r, NULL);
		bool ok = path && token && c;
		if (ok && type == R_WATCH)
			watch_add(c, path, token, relative);
		else if (ok && !path[0])
			watch_remove_all(c);
		else if (ok)
			watch_remove(c, path, token);
		free(path);
		free(token);
		return ok;
	}
	if (type == R_TXN_START || type == R_TXN_END) {
		uint32_t id = get_u32(r);
		if (r->bad || !c)
			return false;
		struct txn **link, *t = find_txn(c, id, &link);
		if (type == R_TXN_START) {
			/* Its reads and writes died with the old daemon: it runs on
			 * but cannot commit, so the guest retries it (EAGAIN). */
			t = conn_txn_open(c, id);
			if (t)
				t->doomed = true;
			return t != NULL;
		}
		if (t) {
			*link = t->next;
			c->ntxns--;
			txn_free(t);
		}
		return true;
	}
	if (type == R_TARGET) {
		uint32_t target = get_u32(r);
		if (!r->bad && c)
			c->target = target;
		return !r->bad && c;
	}
	if (type == R_PARTIAL) {
		uint32_t index = get_u32(r), len;
		char *bytes = get_bytes(r, &len);
		bool ok = bytes && c && len <= sizeof(c->in);
		if (ok) {
			memcpy(c->in, bytes, len);
			c->in_len = len;
			c->in_released = len;
			domain_partial_restored(domid, index);
		}
		free(bytes);
		return ok;
	}
	return false;
}

static void read_boot_id(char out[HEADER_SIZE - sizeof(MAGIC)])
{
	memset(out, 0, HEADER_SIZE - sizeof(MAGIC));
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "r");
	if (!f)
		return;
	if (!fgets(out, HEADER_SIZE - sizeof(MAGIC), f))
		out[0] = '\0';
	fclose(f);
}

static void make_header(unsigned char header[HEADER_SIZE])
{
	memset(header, 0, HEADER_SIZE);
	memcpy(header, MAGIC, sizeof(MAGIC));
	read_boot_id((char *)header + sizeof(MAGIC));
}

/* Replays `data`; returns how many bytes of it were whole records. */
static size_t replay(const unsigned char *data, size_t size, unsigned *records)
{
	size_t pos = HEADER_SIZE;
	*records = 0;
	while (size - pos >= 9) {
		uint32_t len, crc;
		memcpy(&len, data + pos, 4);
		memcpy(&crc, data + pos + 4, 4);
		if (len == 0 || len > size - pos - 8 || crc32(0, data + pos + 8, len) != crc)
			break;
		struct reader r = { .p = data + pos + 8, .end = data + pos + 8 + len };
		if (!apply(&r) || r.bad)
			log_warn("journal record at byte %zu is malformed; skipped", pos);
		pos += 8 + len;
		(*records)++;
	}
	return pos;
}

/* Reads the file back, if it is this boot's. */
static int load(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(err, errlen, "reading the journal %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	unsigned char *data = malloc(st.st_size ? (size_t)st.st_size : 1);
	ssize_t got = data ? read(fd, data, (size_t)st.st_size) : -1;
	close(fd);
	if (got != st.st_size) {
		snprintf(err, errlen, "reading the journal %s: %s", path, got < 0 ? strerror(errno) : "short read");
		free(data);
		return -1;
	}
	unsigned char header[HEADER_SIZE];
	make_header(header);
	if ((size_t)got < HEADER_SIZE || memcmp(data, header, HEADER_SIZE) != 0) {
		log_info("journal %s is from an earlier boot of the host (or not ours): starting afresh", path);
		free(data);
		return 0;
	}
	unsigned records;
	size_t good = replay(data, (size_t)got, &records);
	if (good < (size_t)got)
		log_warn("journal %s: %zu bytes after byte %zu are torn or damaged; dropped", path,
			 (size_t)got - good, good);
	log_info("journal %s: %u records read back (%zu nodes)", path, records, xs.store.nodes.count);
	free(data);
	return 0;
}

/* Replaces the file with a snapshot of the state now: written beside it and
 * renamed over it, so a crash leaves one or the other whole. */
static int compact(void)
{
	size_t tmp_len = strlen(j.path) + 5;
	char *tmp = malloc(tmp_len);
	if (!tmp)
		return -ENOMEM;
	snprintf(tmp, tmp_len, "%s.new", j.path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		int e = -errno;
		free(tmp);
		return e;
	}
	/* The snapshot is built as records in `pending`, like any change. */
	struct buffer saved = j.pending;
	j.pending = (struct buffer){ 0 };
	unsigned char header[HEADER_SIZE];
	make_header(header);
	put(&j.pending, header, HEADER_SIZE);
	for (size_t i = 0; i < xs.store.nodes.nslots; i++)
		for (struct node *n = xs.store.nodes.slots[i]; n; n = n->hash_next)
			journal_node(n->path, n);
	domain_journal_all();
	int e = j.pending.failed ? -ENOMEM : fd_write_all(fd, j.pending.data, j.pending.len);
	if (!e && flock(fd, LOCK_EX | LOCK_NB) < 0)
		e = -errno;
	if (!e && rename(tmp, j.path) < 0)
		e = -errno;
	uint64_t size = j.pending.len;
	free(j.pending.data);
	j.pending = saved;
	if (e) {
		close(fd);
		unlink(tmp);
		free(tmp);
		return e;
	}
	free(tmp);
	close(j.fd);
	j.fd = fd;
	j.snapshot_bytes = size;
	j.log_bytes = 0;
	return 0;
}

int journal_write(void)
{
	if (j.fd < 0)
		return 0;
	if (j.pending.failed) {
		j.pending = (struct buffer){ .data = j.pending.data, .cap = j.pending.cap };
		return -ENOMEM;
	}
	if (j.pending.len == 0)
		return 0;
	int e = fd_write_all(j.fd, j.pending.data, j.pending.len);
	j.log_bytes += j.pending.len;
	j.pending.len = 0;
	if (e)
		return e;
	uint64_t limit = j.snapshot_bytes > COMPACT_MIN ? j.snapshot_bytes : COMPACT_MIN;
	if (j.log_bytes > limit) {
		e = compact();
		if (e)
			log_warn("journal %s: writing a snapshot failed (%s); the log goes on", j.path, strerror(-e));
	}
	return 0;
}

void journal_write_or_die(void)
{
	int e = journal_write();
	if (!e)
		return;
	log_err("cannot write the journal %s: %s; stopping, so that no change is acknowledged "
		"that a restart would lose",
		j.path, strerror(-e));
	exit(1);
}

int journal_open(const char *path, char *err, size_t errlen)
{
	if (load(path, err, errlen) < 0)
		return -1;
	if (!store_get(&xs.store, NULL, "/")) {
		store_free(&xs.store);
		if (store_init(&xs.store, xs.store.changed, xs.store.opaque) < 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
	}
	j.path = strdup(path);
	if (!j.path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Another daemon on the same journal would undo our writes. */
	int probe = open(path, O_RDONLY | O_CLOEXEC);
	if (probe >= 0 && flock(probe, LOCK_EX | LOCK_NB) < 0) {
		snprintf(err, errlen, "the journal %s is in use by another xenstored", path);
		close(probe);
		return -1;
	}
	if (probe >= 0)
		close(probe);
	j.fd = open("/dev/null", O_WRONLY | O_CLOEXEC); /* compact() replaces it */
	int e = j.fd < 0 ? -errno : compact();
	if (e) {
		snprintf(err, errlen, "writing the journal %s: %s", path, strerror(-e));
		if (j.fd >= 0)
			close(j.fd);
		j.fd = -1;
		return -1;
	}
	xs.store.recorded = journal_node;
	return 0;
}

void journal_close(void)
{
	if (j.fd < 0)
		return;
	journal_write();
	close(j.fd);
	j.fd = -1;
	free(j.path);
	free(j.pending.data);
	j.pending = (struct buffer){ 0 };
}
