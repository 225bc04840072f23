/* SPDX-License-Identifier: MIT */
/* http's open-file cache (see http_cache.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apps/http_cache.h"

int http_cache_init(struct http_cache *hc, const struct http_cache_cfg *cfg)
{
	uint32_t nb = 16;

	memset(hc, 0, sizeof(*hc));
	hc->cfg = *cfg;
	TAILQ_INIT(&hc->lru);
	if (!cfg->max_entries)
		return 0;
	while (nb < cfg->max_entries * 2u && nb < (1u << 20))
		nb *= 2;
	hc->buckets = calloc(nb, sizeof(*hc->buckets));
	if (!hc->buckets)
		return -ENOMEM;
	hc->nbuckets = nb;
	return 0;
}

/* FNV-1a */
static uint32_t key_hash(const char *key)
{
	uint32_t h = 2166136261u;

	for (; *key; key++)
		h = (h ^ (uint8_t)*key) * 16777619u;
	return h;
}

static struct http_cache_entry **bucket_slot(struct http_cache *hc, const char *key,
					     uint32_t hash)
{
	struct http_cache_entry **pp = &hc->buckets[hash & (hc->nbuckets - 1)];

	while (*pp && ((*pp)->hash != hash || strcmp((*pp)->key, key)))
		pp = &(*pp)->next;
	return pp;
}

static void entry_drop(struct http_cache *hc, struct http_cache_entry *e)
{
	struct http_cache_entry **pp = bucket_slot(hc, e->key, e->hash);

	*pp = e->next;
	TAILQ_REMOVE(&hc->lru, e, lru);
	hc->nentries--;
	hc->bytes -= e->size;
	free(e->data - HTTP_CACHE_HEADROOM);
	free(e);
}

void http_cache_destroy(struct http_cache *hc)
{
	struct http_cache_entry *e;

	while ((e = TAILQ_FIRST(&hc->lru)))
		entry_drop(hc, e);
	free(hc->buckets);
	hc->buckets = NULL;
	hc->nbuckets = 0;
}

/* Is st the file e was read from, unchanged? */
static int entry_same(const struct http_cache_entry *e, const struct stat *st)
{
	return st->st_dev == e->dev && st->st_ino == e->ino && (size_t)st->st_size == e->size &&
	       st->st_mtim.tv_sec == e->mtime.tv_sec && st->st_mtim.tv_nsec == e->mtime.tv_nsec &&
	       st->st_ctim.tv_sec == e->ctime.tv_sec && st->st_ctim.tv_nsec == e->ctime.tv_nsec;
}

/* Reads fd's st->st_size bytes into a new entry, making room for it; NULL if the file
 * does not fit the bounds, memory is short, or it changed size while read. */
static struct http_cache_entry *entry_fill(struct http_cache *hc, const char *key,
					   uint32_t hash, int fd, const struct stat *st,
					   uint64_t now_us)
{
	size_t size = (size_t)st->st_size, klen = strlen(key), got = 0;
	struct http_cache_entry *e;
	uint8_t *buf;
	struct stat after;

	if (!S_ISREG(st->st_mode) || st->st_size < 0 || size > hc->cfg.max_file ||
	    size > hc->cfg.max_bytes)
		return NULL;
	e = malloc(sizeof(*e) + klen + 1);
	buf = malloc(HTTP_CACHE_HEADROOM + size + 1); /* + 1: an empty file has a buffer */
	if (!e || !buf)
		goto fail;
	while (got < size) {
		ssize_t n = pread(fd, buf + HTTP_CACHE_HEADROOM + got, size - got, (off_t)got);
		if (n <= 0)
			goto fail; /* shrank (or failed): serve it from the file, as it is */
		got += (size_t)n;
	}
	/* Written to while read: not kept, since what was read may mix two versions. */
	if (fstat(fd, &after) || !entry_same(&(struct http_cache_entry){
		.dev = st->st_dev, .ino = st->st_ino, .size = size,
		.mtime = st->st_mtim, .ctime = st->st_ctim }, &after))
		goto fail;
	while (hc->nentries && (hc->nentries >= hc->cfg.max_entries ||
				hc->bytes + size > hc->cfg.max_bytes)) {
		entry_drop(hc, TAILQ_LAST(&hc->lru, http_cache_lru));
		hc->stats.evicted++;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->key, key, klen + 1);
	e->data = buf + HTTP_CACHE_HEADROOM;
	e->size = size;
	e->dev = st->st_dev;
	e->ino = st->st_ino;
	e->mtime = st->st_mtim;
	e->ctime = st->st_ctim;
	e->checked_us = now_us;
	e->hash = hash;
	e->next = hc->buckets[hash & (hc->nbuckets - 1)];
	hc->buckets[hash & (hc->nbuckets - 1)] = e;
	TAILQ_INSERT_HEAD(&hc->lru, e, lru);
	hc->nentries++;
	hc->bytes += size;
	hc->stats.filled++;
	return e;
fail:
	free(e);
	free(buf);
	return NULL;
}

struct http_cache_entry *http_cache_get(struct http_cache *hc, const char *key,
					uint64_t now_us, http_cache_open_fn open, void *ctx,
					int *fd, struct stat *st)
{
	struct http_cache_entry *e = NULL;
	uint32_t hash = 0;

	if (hc->cfg.max_entries) {
		hash = key_hash(key);
		e = *bucket_slot(hc, key, hash);
	}
	if (e && now_us - e->checked_us < hc->cfg.check_ms * 1000ull) {
		hc->stats.hits++;
		goto use;
	}
	*fd = open(ctx, key, st);
	if (!e && *fd < 0)
		return NULL;
	if (e) {
		if (*fd >= 0 && entry_same(e, st)) {
			close(*fd);
			*fd = -1;
			e->checked_us = now_us;
			hc->stats.checked++;
			goto use;
		}
		entry_drop(hc, e); /* changed, replaced, gone, or no longer allowed */
		hc->stats.stale++;
		if (*fd < 0)
			return NULL;
	}
	e = hc->cfg.max_entries ? entry_fill(hc, key, hash, *fd, st, now_us) : NULL;
	if (!e) {
		hc->stats.uncached++;
		return NULL;
	}
	close(*fd);
	*fd = -1;
	return e;
use:
	if (e != TAILQ_FIRST(&hc->lru)) {
		TAILQ_REMOVE(&hc->lru, e, lru);
		TAILQ_INSERT_HEAD(&hc->lru, e, lru);
	}
	return e;
}
