/* xend's settings and its scripts folder, as Xen kept them:
 *
 *   /etc/xen/xend-config.sxp   (key value) settings: the keys below
 *   /etc/xen/scripts           the hotplug scripts, the administrator's to
 *                              edit: xend installs the ones it ships that
 *                              are missing, and never replaces one */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "sxp.h"
#include "xend.h"

/* Every key xend reads, its kind, its default (as Xen's shipped file has
 * it, or ours where we differ) and where it goes. */
enum setting_kind { TEXT, COMMAND, YES_NO, NUMBER, LOG_LEVEL, PATTERNS };
static const struct setting {
	const char *key;
	enum setting_kind kind;
	const char *fallback;
	size_t offset;
} settings[] = {
	{ "network-script", COMMAND, "network-bridge", offsetof(struct xend_settings, network_script) },
	{ "vif-script", COMMAND, "vif-bridge", offsetof(struct xend_settings, vif_script) },
	{ "logfile", TEXT, "", offsetof(struct xend_settings, logfile) },
	{ "loglevel", LOG_LEVEL, "DEBUG", offsetof(struct xend_settings, loglevel) },
	{ "xend-unix-server", YES_NO, "yes", offsetof(struct xend_settings, unix_server) },
	{ "xend-unix-path", TEXT, "", offsetof(struct xend_settings, unix_path) },
	{ "dom0-min-mem", NUMBER, "256", offsetof(struct xend_settings, dom0_min_mem_mb) },
	{ "dom0-cpus", NUMBER, "0", offsetof(struct xend_settings, dom0_cpus) },
	{ "enable-dump", YES_NO, "no", offsetof(struct xend_settings, enable_dump) },
	{ "xend-relocation-server", YES_NO, "no", offsetof(struct xend_settings, relocation_server) },
	{ "xend-relocation-port", NUMBER, "8002", offsetof(struct xend_settings, relocation_port) },
	{ "xend-relocation-address", TEXT, "", offsetof(struct xend_settings, relocation_address) },
	{ "xend-relocation-hosts-allow", PATTERNS, "", offsetof(struct xend_settings, relocation_hosts_allow) },
	{ "xend-relocation-ssl-server", YES_NO, "no", offsetof(struct xend_settings, relocation_ssl_server) },
	{ "xend-relocation-ssl-port", NUMBER, "8003", offsetof(struct xend_settings, relocation_ssl_port) },
	{ "xend-relocation-server-ssl-key-file", TEXT, "/etc/xen/xmlrpc.key",
	  offsetof(struct xend_settings, relocation_ssl_key_file) },
	{ "xend-relocation-server-ssl-cert-file", TEXT, "/etc/xen/xmlrpc.crt",
	  offsetof(struct xend_settings, relocation_ssl_cert_file) },
	{ "xend-relocation-ssl", YES_NO, "no", offsetof(struct xend_settings, relocation_ssl) },
	{ "vnc-listen", TEXT, "127.0.0.1", offsetof(struct xend_settings, vnc_listen) },
};

/* Whether the setting is kept as a string (malloc'd). */
static bool is_text(enum setting_kind kind)
{
	return kind == TEXT || kind == COMMAND || kind == LOG_LEVEL || kind == PATTERNS;
}

static const char *kind_wants(enum setting_kind kind)
{
	switch (kind) {
	case COMMAND: return "a script and its arguments, quoted if there are several ('vif-bridge bridge=xenbr1')";
	case YES_NO: return "yes or no";
	case NUMBER: return "a whole number";
	case LOG_LEVEL: return "DEBUG, INFO, WARNING, ERROR or CRITICAL";
	case PATTERNS: return "regular expressions, space-separated, in one quoted string";
	default: return "one word, or a quoted string";
	}
}

/* Each space-separated extended regular expression of `patterns` against
 * the `n` subjects: 1 when one matches one, 0 when none does, -1 when a
 * pattern does not compile (or memory runs out). */
static int match_patterns(const char *patterns, const char *const *subjects, size_t n)
{
	char *list = strdup(patterns), *save = NULL;
	int r = list ? 0 : -1;
	for (char *p = list ? strtok_r(list, " \t", &save) : NULL; p && r == 0; p = strtok_r(NULL, " \t", &save)) {
		regex_t re;
		if (regcomp(&re, p, REG_EXTENDED | REG_NOSUB | REG_ICASE) != 0) {
			r = -1;
			break;
		}
		for (size_t i = 0; i < n && r == 0; i++)
			r = subjects[i] && regexec(&re, subjects[i], 0, NULL, 0) == 0;
		regfree(&re);
	}
	free(list);
	return r;
}

bool hosts_allow_matches(const char *patterns, const char *addr, const char *name)
{
	const char *subjects[] = { addr, name };
	return !patterns[0] || match_patterns(patterns, subjects, 2) == 1;
}

/* Stores `text` as the setting says; false if it is not of its kind. */
static bool store_setting(const struct setting *k, const char *text, struct xend_settings *s)
{
	void *field = (char *)s + k->offset;
	if (k->kind == YES_NO) {
		if (strcmp(text, "yes") != 0 && strcmp(text, "no") != 0)
			return false;
		*(bool *)field = text[0] == 'y';
		return true;
	}
	if (k->kind == NUMBER) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(text, &end, 10);
		if (!*text || *end || errno || text[0] == '-')
			return false;
		*(uint64_t *)field = v;
		return true;
	}
	if (k->kind == LOG_LEVEL && !log_level_from_name(text, NULL))
		return false;
	if (k->kind == PATTERNS && match_patterns(text, NULL, 0) < 0)
		return false;
	*(char **)field = strdup(text);
	return true;
}

int xend_settings_load(const char *path, struct xend_settings *s, char *err, size_t errlen)
{
	*s = (struct xend_settings){ 0 };
	struct sxp top;
	if (sxp_load(path, &top, err, errlen) < 0)
		return -1;
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(settings) / sizeof(settings[0]); i++) {
		const struct setting *k = &settings[i];
		const struct sxp *l = sxp_find(&top, k->key);
		if (l && (l->n != 2 || !l->items[1].atom || !store_setting(k, l->items[1].atom, s))) {
			snprintf(err, errlen, "%s:%u: (%s ...) takes one value: %s", path, l->line, k->key,
				 kind_wants(k->kind));
			r = -1;
		} else if (!l && !store_setting(k, k->fallback, s)) {
			r = -1; /* a default is always of its kind: out of memory */
		}
		if (r == 0 && is_text(k->kind) && !*(char **)((char *)s + k->offset)) {
			snprintf(err, errlen, "out of memory");
			r = -1;
		}
	}
	sxp_free(&top);
	if (r < 0)
		xend_settings_free(s);
	return r;
}

void xend_settings_free(struct xend_settings *s)
{
	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		if (is_text(settings[i].kind))
			free(*(char **)((char *)s + settings[i].offset));
	*s = (struct xend_settings){ 0 };
}

int make_folders(const char *dir)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	return mkdir(buf, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int sync_folder_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ?: 1, path) >= (int)sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int r = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

int json_save_durably(const json_t *j, const char *path)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	errno = EIO; /* what a dump that fails without a failed write says */
	int r = json_dumpfd(j, fd, JSON_INDENT(1)) < 0 || fsync(fd) < 0 ? -1 : 0;
	int e = errno;
	if (close(fd) < 0 && r == 0) {
		r = -1;
		e = errno;
	}
	if (r == 0 && rename(tmp, path) < 0) {
		r = -1;
		e = errno;
	}
	if (r < 0) {
		unlink(tmp);
		errno = e;
		return -1;
	}
	return sync_folder_of(path);
}

/* Copies `from` to `to`, which must not exist, with the mode `mode`: written
 * aside and linked into place, so neither half a script nor a replaced one
 * is ever there. 0 (also when one appeared meanwhile), or -1 with errno. */
static int copy_new(const char *from, const char *to, const char *dir, const char *name, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof(tmp), "%s/.%s.xend-new", dir, name) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -1;
	int out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = out < 0 ? -1 : 0;
	char buf[65536];
	ssize_t n;
	while (r == 0 && (n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0 || write(out, buf, (size_t)n) != n)
			r = -1;
	}
	if (r == 0 && fchmod(out, mode) < 0)
		r = -1;
	int e = errno;
	close(in);
	if (out >= 0 && close(out) < 0 && r == 0)
		r = -1, e = errno;
	if (r == 0 && link(tmp, to) < 0 && errno != EEXIST)
		r = -1, e = errno;
	if (out >= 0)
		unlink(tmp);
	errno = e;
	return r;
}

int scripts_install(const char *from, const char *to, char *err, size_t errlen)
{
	DIR *dh = opendir(from);
	if (!dh) {
		snprintf(err, errlen, "%s: %s", from, strerror(errno));
		return -1;
	}
	if (make_folders(to) < 0) {
		snprintf(err, errlen, "cannot make %s: %s", to, strerror(errno));
		closedir(dh);
		return -1;
	}
	int installed = 0;
	struct dirent *e;
	while ((e = readdir(dh))) {
		if (e->d_name[0] == '.')
			continue; /* ., .., and what editors leave */
		char src[PATH_MAX], dst[PATH_MAX];
		struct stat st, there;
		if (snprintf(src, sizeof(src), "%s/%s", from, e->d_name) >= (int)sizeof(src) ||
		    snprintf(dst, sizeof(dst), "%s/%s", to, e->d_name) >= (int)sizeof(dst) || lstat(src, &st) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (lstat(dst, &there) == 0 || errno != ENOENT)
			continue; /* the administrator's, whatever it is */
		if (copy_new(src, dst, to, e->d_name, st.st_mode & 0777) < 0) {
			snprintf(err, errlen, "installing %s: %s", dst, strerror(errno));
			closedir(dh);
			return -1;
		}
		log_info("installed %s", dst);
		installed++;
	}
	closedir(dh);
	return installed;
}
