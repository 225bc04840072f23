/* SPDX-License-Identifier: MIT */
/* http's open-file cache: the content of small files kept in memory, keyed by the
 * request's clean relative path, so that a request for one costs no system call.
 *
 * Bounded in entries and in bytes (the least recently used entry goes first), and only
 * files up to a size are kept. An entry is trusted for `check_ms` after it was last
 * checked; the first request after that opens the file again the way an uncached request
 * does (the caller's open function: openat2 beneath the root, or the full path and its
 * check) and compares what it finds (device, inode, size, modification and change times)
 * with the entry. A file changed, replaced or removed, a link that now leads out of the
 * root, or a root replaced under its name is therefore seen within check_ms; 0 checks on
 * every request. Time is passed in, never read here. */
#ifndef APPS_HTTP_CACHE_H
#define APPS_HTTP_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>

#define HTTP_CACHE_HEADROOM 256 /* free bytes in front of an entry's content */
#define HTTP_CACHE_HEAD_MAX 200 /* the caller's precomputed bytes (http: the head) */

struct http_cache_cfg {
	unsigned max_entries;   /* 0: no cache (every lookup opens the file) */
	size_t max_bytes;       /* content of all entries together */
	size_t max_file;        /* largest file kept */
	unsigned check_ms;      /* an entry is trusted this long after its last check */
};

struct http_cache_entry {
	uint8_t *data;          /* the content: size bytes, HTTP_CACHE_HEADROOM free before */
	size_t size;
	char head[HTTP_CACHE_HEAD_MAX]; /* the caller's, kept with the entry (head_len 0: none) */
	size_t head_len;
	/* private */
	dev_t dev;
	ino_t ino;
	struct timespec mtime, ctime;
	uint64_t checked_us;
	uint32_t hash;
	struct http_cache_entry *next;  /* in its hash bucket */
	TAILQ_ENTRY(http_cache_entry) lru;
	char key[];
};

struct http_cache_stats {
	uint64_t hits;          /* answered from memory, no check due */
	uint64_t checked;       /* checked after check_ms and found the same */
	uint64_t filled;        /* read into the cache */
	uint64_t stale;         /* checked and found changed, replaced or gone: dropped */
	uint64_t evicted;       /* dropped to stay within the bounds */
	uint64_t uncached;      /* opened but not kept (too large, or changed while read) */
};

struct http_cache {
	struct http_cache_cfg cfg;
	struct http_cache_entry **buckets;
	uint32_t nbuckets;      /* a power of two */
	TAILQ_HEAD(http_cache_lru, http_cache_entry) lru; /* most recently used first */
	unsigned nentries;
	size_t bytes;
	struct http_cache_stats stats;
};

/* Opens key's file the safe way: its descriptor with *st filled, or -errno (which
 * http_cache_get hands back). */
typedef int (*http_cache_open_fn)(void *ctx, const char *key, struct stat *st);

/* 0, or -ENOMEM. cfg->max_entries 0 makes a cache that keeps nothing. */
int http_cache_init(struct http_cache *hc, const struct http_cache_cfg *cfg);
void http_cache_destroy(struct http_cache *hc);

/* The entry for key, checked if check_ms has passed since its last check, or read into
 * the cache if absent and small enough. NULL otherwise: then *fd is the file opened for
 * the caller to stream (it owns it, *st filled), or -errno from open (no such file, not
 * allowed, ...). An entry returned stays valid until the next call. */
struct http_cache_entry *http_cache_get(struct http_cache *hc, const char *key,
					uint64_t now_us, http_cache_open_fn open, void *ctx,
					int *fd, struct stat *st);

#endif
