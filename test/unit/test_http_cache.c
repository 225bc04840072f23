/* SPDX-License-Identifier: MIT */
/* http's open-file cache (apps/http_cache.c): a hit costs no open, an entry is checked
 * again once check_ms has passed (time given by the test), a changed or removed file is
 * dropped at that check, the bounds in entries and bytes evict the least recently used
 * entry, files above the size limit are handed back opened and not kept. The files are
 * real ones in a temporary directory; the cache's open function counts its calls. The
 * file is compiled in here: it is part of the program, not of libustack. */
#include "test/unit/testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "apps/http_cache.c"

struct dir {
	char path[64];
	int fd;
	int opens;      /* calls of dir_open */
};

static int dir_open(void *ctx, const char *key, struct stat *st)
{
	struct dir *d = ctx;
	int fd;

	d->opens++;
	fd = openat(d->fd, key, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static void dir_make(struct dir *d)
{
	strcpy(d->path, "/tmp/ust-http-cache.XXXXXX");
	assert_non_null(mkdtemp(d->path));
	d->fd = open(d->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(d->fd >= 0);
	d->opens = 0;
}

/* Writes name with body (replacing it under its name when replace is set). */
static void dir_write(struct dir *d, const char *name, const char *body, int replace)
{
	int fd = openat(d->fd, replace ? ".new" : name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	if (replace)
		assert_int_equal(renameat(d->fd, ".new", d->fd, name), 0);
}

static void dir_remove(struct dir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", d->path);
	assert_int_equal(system(cmd), 0);
	close(d->fd);
}

static struct http_cache_entry *get(struct http_cache *hc, struct dir *d, const char *key,
				    uint64_t now_ms, int *fd)
{
	struct stat st;

	return http_cache_get(hc, key, now_ms * 1000, dir_open, d, fd, &st);
}

static void assert_body(const struct http_cache_entry *e, const char *body)
{
	assert_non_null(e);
	assert_int_equal(e->size, strlen(body));
	assert_memory_equal(e->data, body, e->size);
}

static const struct http_cache_cfg cfg_default = {
	.max_entries = 8, .max_bytes = 1 << 20, .max_file = 64 << 10, .check_ms = 1000,
};

static void test_hit(void **state)
{
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	dir_make(&d);
	dir_write(&d, "a.txt", "hello", 0);
	assert_int_equal(http_cache_init(&hc, &cfg_default), 0);
	assert_body(get(&hc, &d, "a.txt", 0, &fd), "hello");
	assert_int_equal(fd, -1);
	assert_int_equal(hc.stats.filled, 1);
	for (int i = 0; i < 5; i++)
		assert_body(get(&hc, &d, "a.txt", 999, &fd), "hello");
	assert_int_equal(hc.stats.hits, 5);
	assert_int_equal(d.opens, 1); /* the hits opened nothing */
	/* a missing file is not kept: every request looks */
	assert_null(get(&hc, &d, "missing", 0, &fd));
	assert_int_equal(fd, -ENOENT);
	assert_null(get(&hc, &d, "missing", 0, &fd));
	assert_int_equal(d.opens, 3);
	assert_int_equal(hc.nentries, 1);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

static void test_check_after_period(void **state)
{
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	dir_make(&d);
	dir_write(&d, "a.txt", "one", 0);
	dir_write(&d, "b.txt", "bee", 0);
	assert_int_equal(http_cache_init(&hc, &cfg_default), 0);
	assert_body(get(&hc, &d, "a.txt", 0, &fd), "one");
	assert_body(get(&hc, &d, "b.txt", 0, &fd), "bee");
	/* unchanged: checked once the period has passed, then trusted again */
	assert_body(get(&hc, &d, "b.txt", 1000, &fd), "bee");
	assert_int_equal(hc.stats.checked, 1);
	assert_body(get(&hc, &d, "b.txt", 1999, &fd), "bee");
	assert_int_equal(hc.stats.hits, 1);
	/* replaced under its name (same size): old content until the check, then the new */
	dir_write(&d, "a.txt", "two", 1);
	assert_body(get(&hc, &d, "a.txt", 999, &fd), "one");
	assert_body(get(&hc, &d, "a.txt", 1000, &fd), "two");
	assert_int_equal(hc.stats.stale, 1);
	assert_int_equal(hc.stats.filled, 3);
	/* rewritten in place, longer */
	dir_write(&d, "a.txt", "three", 0);
	assert_body(get(&hc, &d, "a.txt", 2000, &fd), "three");
	assert_int_equal(hc.stats.stale, 2);
	/* removed: served until the check, then gone */
	assert_int_equal(unlinkat(d.fd, "a.txt", 0), 0);
	assert_body(get(&hc, &d, "a.txt", 2500, &fd), "three");
	assert_null(get(&hc, &d, "a.txt", 3000, &fd));
	assert_int_equal(fd, -ENOENT);
	assert_int_equal(hc.stats.stale, 3);
	assert_int_equal(hc.nentries, 1);
	assert_int_equal(hc.bytes, 3);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

static void test_check_every_request(void **state)
{
	struct http_cache_cfg cfg = cfg_default;
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	cfg.check_ms = 0;
	dir_make(&d);
	dir_write(&d, "a.txt", "one", 0);
	assert_int_equal(http_cache_init(&hc, &cfg), 0);
	assert_body(get(&hc, &d, "a.txt", 5, &fd), "one");
	assert_body(get(&hc, &d, "a.txt", 5, &fd), "one");
	dir_write(&d, "a.txt", "two", 1);
	assert_body(get(&hc, &d, "a.txt", 5, &fd), "two");
	assert_int_equal(hc.stats.hits, 0);
	assert_int_equal(hc.stats.checked, 1);
	assert_int_equal(hc.stats.stale, 1);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

static void test_evict_entries(void **state)
{
	struct http_cache_cfg cfg = cfg_default;
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	cfg.max_entries = 2;
	dir_make(&d);
	dir_write(&d, "a", "A", 0);
	dir_write(&d, "b", "B", 0);
	dir_write(&d, "c", "C", 0);
	assert_int_equal(http_cache_init(&hc, &cfg), 0);
	assert_body(get(&hc, &d, "a", 0, &fd), "A");
	assert_body(get(&hc, &d, "b", 0, &fd), "B");
	assert_body(get(&hc, &d, "a", 0, &fd), "A"); /* a is now the most recent */
	assert_body(get(&hc, &d, "c", 0, &fd), "C"); /* b goes */
	assert_int_equal(hc.stats.evicted, 1);
	assert_int_equal(hc.nentries, 2);
	d.opens = 0;
	assert_body(get(&hc, &d, "a", 0, &fd), "A");
	assert_body(get(&hc, &d, "c", 0, &fd), "C");
	assert_int_equal(d.opens, 0);
	assert_body(get(&hc, &d, "b", 0, &fd), "B");
	assert_int_equal(d.opens, 1);
	assert_int_equal(hc.stats.evicted, 2);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

static void test_evict_bytes_and_large(void **state)
{
	struct http_cache_cfg cfg = cfg_default;
	char big[101], mid[61];
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	cfg.max_bytes = 100;
	cfg.max_file = 80;
	memset(big, 'x', 100), big[100] = '\0';
	memset(mid, 'm', 60), mid[60] = '\0';
	dir_make(&d);
	dir_write(&d, "m1", mid, 0);
	dir_write(&d, "m2", mid, 0);
	dir_write(&d, "big", big, 0);
	assert_int_equal(http_cache_init(&hc, &cfg), 0);
	assert_body(get(&hc, &d, "m1", 0, &fd), mid);
	assert_body(get(&hc, &d, "m2", 0, &fd), mid); /* 120 bytes would not fit: m1 goes */
	assert_int_equal(hc.stats.evicted, 1);
	assert_int_equal(hc.bytes, 60);
	/* above max_file: opened for the caller, not kept */
	assert_null(get(&hc, &d, "big", 0, &fd));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hc.stats.uncached, 1);
	assert_int_equal(hc.nentries, 1);
	/* a cached file that grows past max_file leaves the cache at its check */
	dir_write(&d, "m2", big, 0);
	assert_null(get(&hc, &d, "m2", 1000, &fd));
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hc.nentries, 0);
	assert_int_equal(hc.bytes, 0);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

static void test_disabled(void **state)
{
	struct http_cache_cfg cfg = cfg_default;
	struct http_cache hc;
	struct dir d;
	int fd;

	(void)state;
	cfg.max_entries = 0;
	dir_make(&d);
	dir_write(&d, "a", "A", 0);
	assert_int_equal(http_cache_init(&hc, &cfg), 0);
	for (int i = 0; i < 3; i++) {
		assert_null(get(&hc, &d, "a", 0, &fd));
		assert_true(fd >= 0);
		close(fd);
	}
	assert_int_equal(d.opens, 3);
	assert_int_equal(hc.nentries, 0);
	http_cache_destroy(&hc);
	dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit),
		cmocka_unit_test(test_check_after_period),
		cmocka_unit_test(test_check_every_request),
		cmocka_unit_test(test_evict_entries),
		cmocka_unit_test(test_evict_bytes_and_large),
		cmocka_unit_test(test_disabled),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
