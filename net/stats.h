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

#define STATS_FIELD_(n) uint64_t n;
#define STATS_NAME_(n) #n,

#define STATS_DECLARE(layer, LIST)                                                         \
	struct layer##_stats { LIST(STATS_FIELD_) };                                       \
	extern struct layer##_stats layer##_stats

#define STATS_DEFINE(layer, LIST)                                                          \
	struct layer##_stats layer##_stats;                                                \
	static const char *const layer##_stat_names[] = { LIST(STATS_NAME_) };             \
	__attribute__((constructor)) static void layer##_stats_ctor(void)                   \
	{                                                                                  \
		stats_register(#layer, layer##_stat_names, (uint64_t *)&layer##_stats,     \
			       sizeof(layer##_stat_names) / sizeof(layer##_stat_names[0])); \
	}

#define STAT_INC(layer, n) (layer##_stats.n++)
#define STAT_ADD(layer, n, v) (layer##_stats.n += (v))

/* Registers a block of counters; called from STATS_DEFINE's constructor. */
void stats_register(const char *layer, const char *const *names, uint64_t *values, size_t n);
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
