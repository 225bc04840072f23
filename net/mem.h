/* SPDX-License-Identifier: MIT */
/* Memory given back after a load. Buffers freed in bulk (TCP rings, cached packet
 * buffers) leave glibc's heaps holding the pages: free() returns memory to the system
 * only from the top of a heap. Once a second, while there is something to give back, a
 * reclaim timer trims the packet-buffer pool's free lists (buffers no allocation took during
 * the whole last period go back, down to a floor) and, after at least trim_min_bytes were
 * freed, calls malloc_trim(0), which hands every free page in every arena back.
 *
 * The timer is armed from a loop hook (after a batch of work), never per packet. */
#ifndef NET_MEM_H
#define NET_MEM_H

#include "net/perstack.h"
#include <stddef.h>
#include <stdint.h>

#include "net/stats.h"

struct net_mem_config_s {
	unsigned reclaim_ms;    /* period of the reclaim timer (1000) */
	size_t trim_min_bytes;  /* freed since the last malloc_trim before another (1 MiB) */
	int trim;               /* call malloc_trim at all (1) */
};
PERSTACK_EXTERN(struct net_mem_config_s, net_mem_config);
#define net_mem_config PERSTACK_REF(struct net_mem_config_s, net_mem_config)

#define MEM_COUNTERS(X) X(reclaims) X(malloc_trims) X(malloc_trim_released) X(freed_bytes)
STATS_DECLARE(mem, MEM_COUNTERS);
#define mem_stats STATS_REF(mem)

/* Registers the loop hook that arms the reclaim timer (stack_init). */
int net_mem_init(void);
/* Cancels the reclaim timer (stack_shutdown, before the loop goes). */
void net_mem_shutdown(void);
/* Large frees (ring storage) worth a malloc_trim once enough add up. */
void net_mem_freed(size_t bytes);
/* One reclaim pass (the timer's work; tests call it directly). Returns 1 if there is more
 * to give back later. */
int net_mem_reclaim(uint64_t now);

#endif
