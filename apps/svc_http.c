/* SPDX-License-Identifier: MIT */
/* http: HTTP/1.1 (RFC 9110, RFC 9112) static files from root=DIR (default: the current
 * directory). GET and HEAD, persistent connections and pipelined requests, Content-Length
 * on every response; 400 for malformed requests, 404 for missing files, 405 for other
 * methods. Paths are decoded and normalised before they meet the file system, and the
 * resolved file must still lie under the root (symbolic links included), so no request
 * reaches above it. Requests with a body are refused: nothing here takes one.
 *
 * Opening a file: openat2() with RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS from a descriptor
 * of the root kept by the service, then one fstat() (four system calls with the read and
 * close, where realpath() alone costs a readlink per path component). The kernel refuses
 * any resolution that would leave the root, so a file it opens lies under the root. Where
 * it refuses or fails (an absolute symbolic link, even one pointing back inside; a
 * missing file; a kernel without openat2), the request takes the full path: realpath()
 * and a check that the result is under the root, so what is served and what is refused is
 * the same either way. The root's path is stat()ed on every request and its descriptor
 * reopened when it names another directory, so a root replaced under its name is used at
 * once, as before. Files are opened non-blocking: a FIFO under the root is a 404, not a
 * server waiting for a writer.
 *
 * Small files (cache-file=, 64 KB) are answered from the open-file cache (http_cache.h):
 * content and response head in memory, so such a request costs no system call; an entry
 * is opened again by the rules above once cache-check (1 s) has passed since its last
 * check, so a change, a removal or a replaced root is seen within that time. cache=0
 * turns it off.
 *
 * Other files are streamed: the response head goes out with the file's first bytes (at
 * most the socket's free send space, svc_send_space, and 64 KB, read into a buffer on the
 * stack so that head and body leave together), then the rest goes each time the socket
 * has room again (writable) through svc_send_file (us_sendfile), at most 256 KB a call:
 * the stack reads the file straight into the socket's send buffer, so past that first
 * chunk a byte of it is copied once, by the kernel's read, never through the service or
 * the connection's queue, and a large file never sits in memory.
 *
 * Slowloris: while the server waits for a request head (from the accept, or from the end
 * of the previous response on a persistent connection), the whole head must arrive within
 * --http-header-timeout (20 s); else 408 and the connection is closed, however steadily
 * its bytes trickle in (which --idle-timeout alone cannot catch). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "apps/app.h"
#include "apps/http_cache.h"
#include "apps/http_head.h"
#include "apps/serve.h"
#include "net/log.h"

#define HTTP_FILE_CHUNK (64 * 1024) /* the most of a file sent with its head */
#define HTTP_FILE_STEP (256 * 1024) /* the most read into the socket at once (under the
                                     * stack lock: a bound on how long one read holds it) */
#define HTTP_REQ_FIRST 1024 /* request bytes held in the connection's own state */

/* What the open-file cache did, printed with --stats (http.cache_*); see http_cache.h. */
#define HTTP_COUNTERS(X)                                                                   \
	X(cache_hits) X(cache_checked) X(cache_filled) X(cache_stale) X(cache_evicted)    \
	X(cache_uncached)
STATS_DECLARE(http, HTTP_COUNTERS);
STATS_DEFINE(http, HTTP_COUNTERS)

struct http_conn {
	int file_fd;        /* the file being sent, -1 if none */
	off_t file_off, file_left;
	int keep_alive;     /* of the current response */
	int peer_eof;
	size_t len, cap;    /* bytes in req, its size */
	char *req;          /* received bytes not yet answered: req_first, or from malloc
	                     * once a head outgrows it */
	char req_first[HTTP_REQ_FIRST];
};

/* The service's state (svc.priv): a descriptor of the root, for openat2, and the cache. */
struct http_svc {
	int root_fd;        /* O_PATH, -1 if none */
	dev_t root_dev;     /* the directory root_fd refers to */
	ino_t root_ino;
	int no_openat2;     /* the kernel lacks it: the full path only */
	struct http_cache_cfg cache_cfg; /* from the options */
	struct http_cache cache;
	int cache_ready;    /* cache initialised */
};

#define HTTP_CACHE_ENTRIES 256
#define HTTP_CACHE_BYTES (16u << 20)
#define HTTP_CACHE_FILE (64u << 10)
#define HTTP_CACHE_CHECK_MS 1000
#define HTTP_CACHE_CHECK_MS_MAX 3600000

/* The service's state, made by the first option or by start. */
static struct http_svc *http_svc_get(struct svc *s)
{
	struct http_svc *hs = s->priv;

	if (hs)
		return hs;
	hs = calloc(1, sizeof(*hs));
	if (!hs)
		return NULL;
	hs->root_fd = -1;
	hs->cache_cfg = (struct http_cache_cfg){
		.max_entries = HTTP_CACHE_ENTRIES,
		.max_bytes = HTTP_CACHE_BYTES,
		.max_file = HTTP_CACHE_FILE,
		.check_ms = HTTP_CACHE_CHECK_MS,
	};
	s->priv = hs;
	return hs;
}

/* A count, or a size with an optional k or m suffix, from 0 to max. 0 or -EINVAL. */
static int parse_amount(const char *val, int suffixes, unsigned long long max,
			unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(val, &end, 10);
	if (suffixes && !errno && end != val && (*end == 'k' || *end == 'K'))
		v *= 1024, end++;
	else if (suffixes && !errno && end != val && (*end == 'm' || *end == 'M'))
		v *= 1024 * 1024, end++;
	if (errno || end == val || *end || val[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int http_option(struct svc *s, const char *key, const char *val, char *err, size_t n)
{
	struct http_svc *hs = http_svc_get(s);
	unsigned long long v;

	if (!hs) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	if (!strcmp(key, "root")) {
		if (!*val || strlen(val) >= sizeof(s->root)) {
			snprintf(err, n, "root= needs a directory");
			return -EINVAL;
		}
		strcpy(s->root, val);
	} else if (!strcmp(key, "cache")) {
		if (parse_amount(val, 0, 1u << 20, &v)) {
			snprintf(err, n, "cache= takes a number of files from 0 (none) to 1048576");
			return -EINVAL;
		}
		hs->cache_cfg.max_entries = (unsigned)v;
	} else if (!strcmp(key, "cache-bytes") || !strcmp(key, "cache-file")) {
		if (parse_amount(val, 1, 1ull << 30, &v)) {
			snprintf(err, n, "%s= takes a size in bytes up to 1g (k and m suffixes work)",
				 key);
			return -EINVAL;
		}
		if (key[6] == 'b')
			hs->cache_cfg.max_bytes = (size_t)v;
		else
			hs->cache_cfg.max_file = (size_t)v;
	} else if (!strcmp(key, "cache-check")) {
		if (parse_amount(val, 0, HTTP_CACHE_CHECK_MS_MAX, &v)) {
			snprintf(err, n, "cache-check= takes milliseconds from 0 (every request) to %u",
				 HTTP_CACHE_CHECK_MS_MAX);
			return -EINVAL;
		}
		hs->cache_cfg.check_ms = (unsigned)v;
	} else {
		snprintf(err, n, "unknown option '%s': http takes root=DIR, cache=FILES, "
			 "cache-bytes=SIZE, cache-file=SIZE and cache-check=MS", key);
		return -EINVAL;
	}
	return 0;
}

static int http_start(struct svc *s, char *err, size_t n)
{
	char real[PATH_MAX];
	struct http_svc *hs;
	struct stat st;

	if (!s->root[0])
		strcpy(s->root, ".");
	if (!realpath(s->root, real) || stat(real, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, n, "root '%s' is not a directory: give root=DIR with the files to serve",
			 s->root);
		return -ENOTDIR;
	}
	strcpy(s->root, real);
	hs = http_svc_get(s);
	if (!hs || (!hs->cache_ready && http_cache_init(&hs->cache, &hs->cache_cfg) < 0)) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	hs->cache_ready = 1;
	return 0;
}

static void http_stop(struct svc *s)
{
	struct http_svc *hs = s->priv;

	if (hs && hs->root_fd >= 0)
		close(hs->root_fd);
	if (hs && hs->cache_ready)
		http_cache_destroy(&hs->cache);
	free(hs);
	s->priv = NULL;
}

static const char *mime_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{ ".html", "text/html; charset=utf-8" }, { ".htm", "text/html; charset=utf-8" },
		{ ".txt", "text/plain; charset=utf-8" }, { ".css", "text/css" },
		{ ".js", "text/javascript" }, { ".json", "application/json" },
		{ ".png", "image/png" }, { ".jpg", "image/jpeg" }, { ".jpeg", "image/jpeg" },
		{ ".gif", "image/gif" }, { ".svg", "image/svg+xml" }, { ".ico", "image/x-icon" },
		{ ".pdf", "application/pdf" },
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

#define HTTP_HEAD_MAX 512

/* Formats a response head into b (HTTP_HEAD_MAX bytes); returns its length. */
static size_t format_head(struct svc_conn *c, char *b, int status, const char *reason,
			  const char *type, long long length, const char *extra)
{
	struct http_conn *h = c->priv;
	int n = snprintf(b, HTTP_HEAD_MAX,
			 "HTTP/1.1 %d %s\r\nServer: ustack\r\nContent-Type: %s\r\n"
			 "Content-Length: %lld\r\n%sConnection: %s\r\n\r\n",
			 status, reason, type, length, extra ? extra : "",
			 h->keep_alive ? "keep-alive" : "close");

	return n < HTTP_HEAD_MAX ? (size_t)n : HTTP_HEAD_MAX - 1;
}

static int send_head(struct svc_conn *c, int status, const char *reason, const char *type,
		     long long length, const char *extra)
{
	char head[HTTP_HEAD_MAX];

	return svc_send(c, head, format_head(c, head, status, reason, type, length, extra));
}

/* A short error response; its body is the status line. */
static int send_error(struct svc_conn *c, int status, const char *reason, int head_only,
		      const char *extra)
{
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, reason);

	if (send_head(c, status, reason, "text/plain; charset=utf-8", n, extra) < 0)
		return -EPIPE;
	return head_only ? 0 : svc_send(c, body, (size_t)n);
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Turns a request target into a clean relative path ("a/b.html", "" for the root):
 * percent-decoded, "." and empty segments dropped, ".." applied. -EINVAL if malformed or
 * if ".." would climb above the root. */
static int target_to_path(const char *target, char *out, size_t size)
{
	char dec[PATH_MAX];
	size_t n = 0, o = 0;
	const char *p = target, *seg;

	/* inline: its first byte (the '/' of origin-form) tells at once */
	if (http_nocase_eq(p, "http://", 7)) { /* absolute-form: drop the authority */
		p = strchr(p + 7, '/');
		if (!p)
			p = "/";
	}
	if (*p != '/')
		return -EINVAL;
	for (; *p && *p != '?' && *p != '#'; p++) {
		char ch = *p;
		if (ch == '%') {
			int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
			if (lo < 0)
				return -EINVAL;
			ch = (char)(hi * 16 + lo);
			p += 2;
			if (!ch)
				return -EINVAL;
		}
		if (n + 1 >= sizeof(dec))
			return -EINVAL;
		dec[n++] = ch;
	}
	dec[n] = '\0';
	out[0] = '\0';
	for (seg = dec; *seg;) {
		const char *end = strchr(seg, '/');
		size_t len = end ? (size_t)(end - seg) : strlen(seg);

		if (len == 0 || (len == 1 && seg[0] == '.')) {
			/* nothing */
		} else if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			if (!o)
				return -EINVAL;
			while (o && out[o - 1] != '/')
				o--;
			if (o)
				o--; /* the slash before the dropped segment */
			out[o] = '\0';
		} else {
			if (o + len + 2 >= size)
				return -EINVAL;
			if (o)
				out[o++] = '/';
			memcpy(out + o, seg, len);
			o += len;
			out[o] = '\0';
		}
		seg += len;
		if (*seg == '/')
			seg++;
	}
	return 0;
}

/* The root's descriptor, reopened if the root's path now names another directory; -1
 * when there is none to use (the caller then takes the full path). */
static int root_fd(struct svc *s)
{
	struct http_svc *hs = s->priv;
	struct stat st;

	if (!hs || hs->no_openat2 || stat(s->root, &st))
		return -1;
	if (hs->root_fd >= 0 && st.st_dev == hs->root_dev && st.st_ino == hs->root_ino)
		return hs->root_fd;
	if (hs->root_fd >= 0)
		close(hs->root_fd);
	hs->root_fd = open(s->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (hs->root_fd < 0)
		return -1;
	if (fstat(hs->root_fd, &st)) {
		close(hs->root_fd);
		hs->root_fd = -1;
		return -1;
	}
	hs->root_dev = st.st_dev;
	hs->root_ino = st.st_ino;
	return hs->root_fd;
}

static const int file_flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

/* openat2 of rel ("" for the directory itself) beneath dfd; the fd or -1 with errno. */
static int open_beneath(int dfd, const char *rel)
{
	struct open_how how = {
		.flags = (uint64_t)file_flags,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};

	return (int)syscall(SYS_openat2, dfd, rel[0] ? rel : ".", &how, sizeof(how));
}

/* The quick way: the fd of rel's file (or of its index.html) under the root, -ENOENT if
 * what opened is no regular file, or -EAGAIN if openat2 could not decide (the full path
 * must). An opened file is under the root by the kernel's word, as realpath would find. */
static int open_quick(struct svc *s, const char *rel, struct stat *st)
{
	char index[PATH_MAX];
	int dfd = root_fd(s), fd;

	if (dfd < 0)
		return -EAGAIN;
	fd = open_beneath(dfd, rel);
	if (fd < 0) {
		if (errno == ENOSYS)
			((struct http_svc *)s->priv)->no_openat2 = 1;
		return -EAGAIN;
	}
	if (fstat(fd, st)) {
		close(fd);
		return -EAGAIN;
	}
	if (S_ISDIR(st->st_mode)) {
		close(fd);
		if ((size_t)snprintf(index, sizeof(index), "%s%sindex.html", rel,
				     rel[0] ? "/" : "") >= sizeof(index))
			return -EAGAIN;
		fd = open_beneath(dfd, index);
		if (fd < 0)
			return -EAGAIN;
		if (fstat(fd, st)) {
			close(fd);
			return -EAGAIN;
		}
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* Opens the file for rel under the root. Returns the fd or -errno (-ENOENT for anything
 * that must look like a missing file, -EACCES when the file exists but may not be read). */
static int open_under_root(struct svc *s, const char *rel, struct stat *st)
{
	char path[PATH_MAX], real[PATH_MAX];
	const char *root = s->root;
	size_t rl = strlen(root);
	int fd = open_quick(s, rel, st);

	if (fd != -EAGAIN)
		return fd;
	/* The full path: resolve, then check the result is under the root. */
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >= sizeof(path))
		return -ENOENT;
	if (stat(path, st) == 0 && S_ISDIR(st->st_mode) &&
	    (size_t)snprintf(path, sizeof(path), "%s/%s%sindex.html", root, rel,
			     rel[0] ? "/" : "") >= sizeof(path))
		return -ENOENT;
	if (!realpath(path, real))
		return errno == EACCES ? -EACCES : -ENOENT;
	/* A symbolic link must not lead out of the root. */
	if (strncmp(real, root, rl) || (real[rl] != '/' && real[rl] != '\0' && rl > 1))
		return -ENOENT;
	fd = open(real, file_flags);
	if (fd < 0)
		return errno == EACCES ? -EACCES : -ENOENT;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -ENOENT;
	}
	return fd;
}

/* The header fields a request's answer depends on: the first occurrence of each, its
 * value with spaces and tabs trimmed (NULL: absent). */
struct req_fields {
	const char *connection, *host, *transfer_encoding, *content_length;
};

/* The entry of fields_scan's table whose name is n bytes long, or one past its end. */
static size_t field_by_len(size_t n)
{
	switch (n) {
	case 4: return 0;
	case 10: return 1;
	case 14: return 2;
	case 17: return 3;
	default: return 4;
	}
}

/* One pass over the header lines ("Name: value\n"...), which it cuts into strings in
 * place. */
static void fields_scan(char *headers, struct req_fields *f)
{
	static const struct { const char *name; size_t len; size_t off; } want[] = {
		{ "Host", 4, offsetof(struct req_fields, host) },
		{ "Connection", 10, offsetof(struct req_fields, connection) },
		{ "Content-Length", 14, offsetof(struct req_fields, content_length) },
		{ "Transfer-Encoding", 17, offsetof(struct req_fields, transfer_encoding) },
	};
	const size_t nwant = sizeof(want) / sizeof(want[0]);
	char *l = headers;

	_Static_assert(sizeof(want) / sizeof(want[0]) == 4, "field_by_len knows four names");

	*f = (struct req_fields){ 0 };
	while (l && *l) {
		char *end = strchr(l, '\n'), *colon, *v;
		const char **slot;
		size_t nl, i;

		if (end)
			*end = '\0';
		colon = strchr(l, ':');
		nl = colon ? (size_t)(colon - l) : 0;
		/* the names' lengths differ: the length picks the one name to compare */
		i = colon ? field_by_len(nl) : nwant;
		slot = i < nwant ? (const char **)((char *)f + want[i].off) : NULL;
		if (slot && !*slot && !strncasecmp(l, want[i].name, nl)) {
			v = colon + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			for (char *e = end ? end : v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
				*--e = '\0';
			*slot = v;
		}
		l = end ? end + 1 : NULL;
	}
}

/* Does the comma-separated header value list hold token (tl bytes; case-insensitive)? */
static int value_has_token(const char *v, const char *token, size_t tl)
{
	while (v && *v) {
		while (*v == ' ' || *v == ',')
			v++;
		if (!strncasecmp(v, token, tl) && (v[tl] == '\0' || v[tl] == ',' || v[tl] == ' '))
			return 1;
		v = strchr(v, ',');
	}
	return 0;
}

/* The most of the file to read now, from what the socket takes (space) and what the
 * connection's queue would still hold (room, should the socket take less). */
static size_t file_want(off_t left, size_t space, size_t room)
{
	size_t want = HTTP_FILE_CHUNK;

	if (want > space)
		want = space;
	if (want > room)
		want = room;
	if ((off_t)want > left)
		want = (size_t)left;
	return want;
}

/* The 200 response: the head and the file's first bytes (as many as the socket takes
 * beside the head) leave in one send, so a small file is one segment and not a head held
 * back by Nagle's algorithm behind its own ACK; the rest streams from conn_drained. Takes
 * ownership of fd. */
static int send_file(struct svc_conn *c, int fd, const struct stat *st, const char *rel,
		     int head_only)
{
	uint8_t b[HTTP_HEAD_MAX + HTTP_FILE_CHUNK]; /* on the stack: one per serving thread */
	struct http_conn *h = c->priv;
	size_t n = format_head(c, (char *)b, 200, "OK", mime_type(rel[0] ? rel : "index.html"),
			       (long long)st->st_size, NULL);
	size_t space = head_only ? 0 : svc_send_space(c), room = svc_out_room(c);
	size_t want = file_want(st->st_size, space > n ? space - n : 0, room > n ? room - n : 0);
	ssize_t r = 0;

	if (want) {
		r = pread(fd, b + n, want, 0);
		if (r < 0) {
			close(fd);
			return -EIO;
		}
	}
	if (svc_send(c, b, n + (size_t)r) < 0) {
		close(fd);
		return -EPIPE;
	}
	if (head_only || r == st->st_size) {
		close(fd);
		return 0;
	}
	h->file_fd = fd;
	h->file_off = r;
	h->file_left = st->st_size - r;
	c->want_drained = 1;
	return 0;
}

/* Adds what one lookup did to the counters. */
static void cache_count(const struct http_cache_stats *was, const struct http_cache_stats *now)
{
	STAT_ADD(http, cache_hits, now->hits - was->hits);
	STAT_ADD(http, cache_checked, now->checked - was->checked);
	STAT_ADD(http, cache_filled, now->filled - was->filled);
	STAT_ADD(http, cache_stale, now->stale - was->stale);
	STAT_ADD(http, cache_evicted, now->evicted - was->evicted);
	STAT_ADD(http, cache_uncached, now->uncached - was->uncached);
}

static int cache_open(void *ctx, const char *rel, struct stat *st)
{
	return open_under_root(ctx, rel, st);
}

/* The 200 response from the cache: the head, made once per entry, goes in the headroom
 * just before the content, so head and content leave in one send with no copy but the
 * socket's. -EAGAIN if the queue has no room for it all now (the caller streams the file
 * instead). */
static int send_cached(struct svc_conn *c, struct http_cache_entry *e, const char *rel,
		       int head_only)
{
	static const char ka[] = "Connection: keep-alive\r\n\r\n", cl[] = "Connection: close\r\n\r\n";
	struct http_conn *h = c->priv;
	const char *conn = h->keep_alive ? ka : cl;
	size_t connlen = h->keep_alive ? sizeof(ka) - 1 : sizeof(cl) - 1, hl, body;
	uint8_t *p;

	if (!e->head_len) {
		int n = snprintf(e->head, sizeof(e->head),
				 "HTTP/1.1 200 OK\r\nServer: ustack\r\nContent-Type: %s\r\n"
				 "Content-Length: %zu\r\n", mime_type(rel[0] ? rel : "index.html"),
				 e->size);
		if (n < 0 || (size_t)n >= sizeof(e->head) ||
		    (size_t)n + sizeof(ka) > HTTP_CACHE_HEADROOM)
			return -EAGAIN;
		e->head_len = (size_t)n;
	}
	hl = e->head_len + connlen;
	body = head_only ? 0 : e->size;
	if (hl + body > svc_out_room(c))
		return -EAGAIN;
	p = e->data - hl;
	memcpy(p, e->head, e->head_len);
	memcpy(p + e->head_len, conn, connlen);
	debugf("http peer=%s /%s size=%zu cached", svc_conn_name(c), rel, e->size);
	return svc_send(c, p, hl + body) < 0 ? -EPIPE : 0;
}

/* Answers one request head (NUL-terminated, CRs removed). 0, or <0 to close at once. */
static int http_respond(struct svc_conn *c, char *head)
{
	struct http_conn *h = c->priv;
	struct http_svc *hs = c->svc->priv;
	char *method = head, *target, *version, *headers, rel[PATH_MAX];
	struct req_fields f;
	struct stat st;
	int head_only, fd, http10;

	headers = strchr(head, '\n');
	if (headers)
		*headers++ = '\0';
	else
		headers = "";
	target = strchr(method, ' ');
	version = target ? strchr(target + 1, ' ') : NULL;
	h->keep_alive = 0;
	if (!target || !version || strncmp(version + 1, "HTTP/1.", 7) || strchr(version + 1, ' '))
		goto bad;
	*target++ = '\0';
	*version++ = '\0';
	/* "HTTP/1." is there: the minor digit, then the end */
	http10 = version[7] == '0' && version[8] == '\0';
	if (!http10 && !(version[7] == '1' && version[8] == '\0'))
		goto bad;
	fields_scan(headers, &f);
	h->keep_alive = http10 ? value_has_token(f.connection, "keep-alive", 10) :
		!value_has_token(f.connection, "close", 5);
	if (!http10 && !f.host)
		goto bad;
	if (f.transfer_encoding || (f.content_length && strcmp(f.content_length, "0")))
		goto bad;
	/* the method is followed by the rest of the head: 4 bytes past it are there */
	head_only = !memcmp(method, "HEAD", 5);
	if (!head_only && memcmp(method, "GET", 4))
		return send_error(c, 405, "Method Not Allowed", 0, "Allow: GET, HEAD\r\n");
	if (target_to_path(target, rel, sizeof(rel)))
		goto bad;
	fd = -1;
	if (hs->cache_ready) {
		struct http_cache_stats was = hs->cache.stats;
		struct http_cache_entry *e = http_cache_get(&hs->cache, rel, svc_now_us(),
							    cache_open, c->svc, &fd, &st);
		cache_count(&was, &hs->cache.stats);
		if (e) {
			int rc = send_cached(c, e, rel, head_only);
			if (rc != -EAGAIN)
				return rc;
			fd = open_under_root(c->svc, rel, &st); /* too big for the queue now */
		}
	} else {
		fd = open_under_root(c->svc, rel, &st);
	}
	if (fd == -EACCES)
		return send_error(c, 403, "Forbidden", head_only, NULL);
	if (fd < 0)
		return send_error(c, 404, "Not Found", head_only, NULL);
	debugf("http peer=%s %s /%s size=%lld", svc_conn_name(c), method, rel, (long long)st.st_size);
	return send_file(c, fd, &st, rel, head_only);
bad:
	h->keep_alive = 0; /* the byte stream can no longer be trusted */
	return send_error(c, 400, "Bad Request", 0, NULL);
}

/* The request-head clock: running while the server waits for a head (no response being
 * sent, none to come), started when the wait began; stopped otherwise. The wait is known
 * to serve (wait_since_us, for --max-conn) with or without a head timeout. A response
 * still in the output queue is being sent: the wait begins when the queue has drained
 * (conn_drained), since a client that has not got the response cannot ask again, and a
 * timeout then would cut the response short. */
static void head_clock(struct svc_conn *c)
{
	struct http_conn *h = c->priv;
	int waiting = h->file_fd < 0 && !c->close_when_flushed && !c->dead && !h->peer_eof;

	if (waiting && c->out_len) {
		waiting = 0;
		c->want_drained = 1;
	}
	if (!waiting) {
		c->wait_since_us = c->deadline_us = 0;
	} else if (!c->wait_since_us) {
		c->wait_since_us = svc_now_us();
		c->deadline_us = app_cfg.lim.http_header_timeout_s ?
			c->wait_since_us + app_cfg.lim.http_header_timeout_s * 1000000ull : 0;
	}
}

static int http_process_heads(struct svc_conn *c);

/* Answers every complete request head in the buffer, then (re)starts the head clock. */
static int http_process(struct svc_conn *c)
{
	int rc = http_process_heads(c);

	head_clock(c);
	return rc;
}

static void http_timeout(struct svc_conn *c)
{
	struct http_conn *h = c->priv;

	debugf("http peer=%s request head not complete in %u s", svc_conn_name(c),
	       app_cfg.lim.http_header_timeout_s);
	h->keep_alive = 0;
	send_error(c, 408, "Request Timeout", 0, NULL); /* best effort: it is closed anyway */
}

static int http_process_heads(struct svc_conn *c)
{
	struct http_conn *h = c->priv;

	while (h->file_fd < 0 && !c->close_when_flushed && !c->dead) {
		char *end = NULL, *r = h->req;
		size_t used, o;

		if (!h->len)
			return 0; /* all answered (no head, and far below http_max_header's 256) */
		for (char *nl = memchr(r, '\n', h->len); nl && !end;
		     nl = memchr(nl + 1, '\n', h->len - (size_t)(nl + 1 - r))) {
			size_t i = (size_t)(nl - r);
			if (i + 1 < h->len && r[i + 1] == '\n')
				end = r + i + 2;
			else if (i + 2 < h->len && r[i + 1] == '\r' && r[i + 2] == '\n')
				end = r + i + 3;
		}
		if (!end || (size_t)(end - r) > app_cfg.lim.http_max_header) {
			if (end || h->len >= app_cfg.lim.http_max_header) {
				h->keep_alive = 0;
				send_error(c, 431, "Request Header Fields Too Large", 0, NULL);
				svc_close_when_flushed(c);
			}
			return 0;
		}
		used = (size_t)(end - r);
		/* a whole head: the next one gets its own time */
		c->wait_since_us = c->deadline_us = 0;
		/* Strip CRs and skip blank lines before the request line (RFC 9112 2.2). */
		o = http_head_fold(r, used);
		r[o] = '\0';
		if (o) {
			/* answered in place: nothing below touches req before the memmove */
			int rc = http_respond(c, r);
			if (rc < 0)
				return rc;
		}
		memmove(r, r + used, h->len - used);
		h->len -= used;
		if (o && !h->keep_alive && h->file_fd < 0)
			svc_close_when_flushed(c);
	}
	return 0;
}

static int http_drained(struct svc_conn *c)
{
	struct http_conn *h = c->priv;

	if (h->file_fd < 0) { /* a response has left the queue: the next head's wait begins */
		c->want_drained = 0;
		head_clock(c);
		return 0;
	}

	/* Called with the queue empty and the socket writable: the file goes from the page
	 * cache straight into the socket's send buffer, as much as it takes now. */
	while (h->file_left > 0) {
		size_t step = h->file_left < HTTP_FILE_STEP ? (size_t)h->file_left : HTTP_FILE_STEP;
		ssize_t n = svc_send_file(c, h->file_fd, &h->file_off, step);

		if (n == 0)
			return 0; /* the socket is full: the next writable round goes on */
		if (n == -ENODATA || n == -EIO) {
			/* The file shrank under us (or its disk failed): the promised length
			 * cannot be kept. */
			warnf("http peer=%s file read failed; closing", svc_conn_name(c));
			return -EIO;
		}
		if (n < 0)
			return (int)n;
		h->file_left -= n;
	}
	close(h->file_fd);
	h->file_fd = -1;
	c->want_drained = 0;
	c->pause_read = 0;
	if (!h->keep_alive || h->peer_eof) {
		svc_close_when_flushed(c);
		return 0;
	}
	return http_process(c);
}

static int http_open(struct svc_conn *c)
{
	struct http_conn *h = c->priv; /* serve's, with the connection (conn_priv_size) */

	h->file_fd = -1;
	h->file_off = h->file_left = 0;
	h->keep_alive = h->peer_eof = 0;
	h->len = 0;
	h->cap = sizeof(h->req_first);
	h->req = h->req_first;
	head_clock(c); /* the first head is due from the accept */
	return 0;
}

static int http_data(struct svc_conn *c, const uint8_t *buf, size_t len)
{
	struct http_conn *h = c->priv;

	if (c->close_when_flushed)
		return 0; /* answered with an error or Connection: close; the rest is ignored */
	if (h->len + len > h->cap) {
		size_t cap = h->cap;
		char *nb;
		while (cap < h->len + len)
			cap *= 2;
		if (h->req == h->req_first) {
			nb = malloc(cap);
			if (nb)
				memcpy(nb, h->req, h->len);
		} else {
			nb = realloc(h->req, cap);
		}
		if (!nb)
			return -ENOMEM;
		h->req = nb;
		h->cap = cap;
	}
	memcpy(h->req + h->len, buf, len);
	h->len += len;
	if (http_process(c) < 0)
		return -EPIPE;
	/* Pipelined requests behind a file being sent: hold them at about one head's worth. */
	c->pause_read = h->file_fd >= 0 && h->len >= app_cfg.lim.http_max_header;
	return 0;
}

static void http_eof(struct svc_conn *c)
{
	struct http_conn *h = c->priv;

	h->peer_eof = 1;
	if (h->file_fd < 0)
		svc_close_when_flushed(c);
	head_clock(c);
}

static void http_close(struct svc_conn *c)
{
	struct http_conn *h = c->priv;

	if (h && h->file_fd >= 0)
		close(h->file_fd);
	if (h && h->req != h->req_first)
		free(h->req);
	if (h)
		h->file_fd = -1;
}

const struct svc_ops svc_http_ops = {
	.name = "http",
	.type = SOCK_STREAM,
	.default_port = 80,
	.option = http_option,
	.start = http_start,
	.stop = http_stop,
	.conn_priv_size = sizeof(struct http_conn),
	.conn_open = http_open,
	.conn_data = http_data,
	.conn_eof = http_eof,
	.conn_drained = http_drained,
	.conn_timeout = http_timeout,
	.conn_close = http_close,
};
