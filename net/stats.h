/* SPDX-License-Identifier: MIT */
/* Named counters: every layer declares its counters once with an X-macro list, and every
 * drop reason has its own counter. `--stats` and SIGUSR1 print them; tests assert on them.
 *
 *   #define ARP_COUNTERS(X) X(rx) X(rx_short) ...
 *   STATS_DECLARE(arp, ARP_COUNTERS)      in arp.h   -> struct arp_stats arp_stats;
 *   STATS_DEFINE(arp, ARP_COUNTERS)       in arp.c   -> storage plus a name table
 *   STAT_INC(arp, rx_short);
 */
#ifndef NET_STATS_H
#define NET_STATS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "net/perstack.h"

#define STATS_FIELD_(n) uint64_t n;
#define STATS_NAME_(n) #n,

/* The counters are per stack (net/perstack.h): each header follows STATS_DECLARE with
 *   #define arp_stats STATS_REF(arp)
 * so that arp_stats names the current stack's. */
#define STATS_DECLARE(layer, LIST)                                                         \
	struct layer##_stats_s { LIST(STATS_FIELD_) };                                     \
	extern size_t layer##_stats__off
#define STATS_REF(layer) PERSTACK_REF(struct layer##_stats_s, layer##_stats)

#define STATS_DEFINE(layer, LIST)                                                          \
	PERSTACK_DEFINE_(, struct layer##_stats_s, layer##_stats__off, layer##_stats__reg, \
			 NULL, NULL)                                                       \
	static const char *const layer##_stat_names[] = { LIST(STATS_NAME_) };             \
	__attribute__((constructor)) static void layer##_stats_ctor(void)                   \
	{                                                                                  \
		stats_register(#layer, layer##_stat_names, &layer##_stats__off,              \
			       sizeof(layer##_stat_names) / sizeof(layer##_stat_names[0])); \
	}

/* STATS_DEFINE printed under another prefix (counters that live beside another layer's). */
#define STATS_DEFINE_AS(layer, prefix, LIST)                                               \
	PERSTACK_DEFINE_(, struct layer##_stats_s, layer##_stats__off, layer##_stats__reg, \
			 NULL, NULL)                                                       \
	static const char *const layer##_stat_names[] = { LIST(STATS_NAME_) };             \
	__attribute__((constructor)) static void layer##_stats_ctor(void)                   \
	{                                                                                  \
		stats_register(prefix, layer##_stat_names, &layer##_stats__off,            \
			       sizeof(layer##_stat_names) / sizeof(layer##_stat_names[0])); \
	}

#define STAT_INC(layer, n) (STATS_REF(layer).n++)
#define STAT_ADD(layer, n, v) (STATS_REF(layer).n += (v))

/* Registers a block of counters; called from STATS_DEFINE's constructor. */
/* The block sits at *off in every stack's arena; print, find and reset use the current
 * stack's. */
void stats_register(const char *layer, const char *const *names, const size_t *off, size_t n);
/* Prints "layer.name value" for every counter (only non-zero ones unless all is set). */
void stats_print(FILE *out, int all);
/* Looks a counter up by "layer.name"; NULL when there is none. */
const uint64_t *stats_find(const char *dotted);
/* Calls fn for every counter, in registration order (the same order every time). */
void stats_foreach(void (*fn)(const char *layer, const char *name, uint64_t value, void *arg),
		   void *arg);
/* How many counters stats_foreach visits. */
size_t stats_count(void);
/* Zeroes every counter (tests). */
void stats_reset(void);

#endif
