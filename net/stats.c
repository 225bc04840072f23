/* SPDX-License-Identifier: MIT */
#include "net/stats.h"

#include <string.h>

#define STATS_MAX_BLOCKS 64
/* The current stack's counters of block b. */
#define VALUES(b) ((uint64_t *)(ustack_cur_arena + *blocks[b].off))

struct stats_block {
	const char *layer;
	const char *const *names;
	const size_t *off; /* the block's place in a stack's arena */
	size_t n;
};

static struct stats_block blocks[STATS_MAX_BLOCKS];
static size_t nblocks;

void stats_register(const char *layer, const char *const *names, const size_t *off, size_t n)
{
	if (nblocks == STATS_MAX_BLOCKS)
		return; /* a build-time limit: raise STATS_MAX_BLOCKS */
	blocks[nblocks++] = (struct stats_block){ layer, names, off, n };
}

void stats_print(FILE *out, int all)
{
	for (size_t b = 0; b < nblocks; b++)
		for (size_t i = 0; i < blocks[b].n; i++)
			if (all || VALUES(b)[i])
				fprintf(out, "%s.%s %llu\n", blocks[b].layer, blocks[b].names[i],
					(unsigned long long)VALUES(b)[i]);
	fflush(out);
}

const uint64_t *stats_find(const char *dotted)
{
	const char *dot = strchr(dotted, '.');

	if (!dot)
		return NULL;
	for (size_t b = 0; b < nblocks; b++) {
		if (strlen(blocks[b].layer) != (size_t)(dot - dotted) ||
		    strncmp(blocks[b].layer, dotted, dot - dotted))
			continue;
		for (size_t i = 0; i < blocks[b].n; i++)
			if (!strcmp(blocks[b].names[i], dot + 1))
				return &VALUES(b)[i];
	}
	return NULL;
}

void stats_foreach(void (*fn)(const char *layer, const char *name, uint64_t value, void *arg),
		   void *arg)
{
	for (size_t b = 0; b < nblocks; b++)
		for (size_t i = 0; i < blocks[b].n; i++)
			fn(blocks[b].layer, blocks[b].names[i], VALUES(b)[i], arg);
}

size_t stats_count(void)
{
	size_t n = 0;

	for (size_t b = 0; b < nblocks; b++)
		n += blocks[b].n;
	return n;
}

void stats_reset(void)
{
	for (size_t b = 0; b < nblocks; b++)
		memset(VALUES(b), 0, blocks[b].n * sizeof(uint64_t));
}
