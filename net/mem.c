/* SPDX-License-Identifier: MIT */
#include "net/perstack.h"
#include "net/mem.h"

#include <malloc.h>

#include "net/loop.h"
#include "net/pkb.h"
#include "net/pool.h"

STATS_DEFINE(mem, MEM_COUNTERS)

PERSTACK_VAR_INIT(struct net_mem_config_s, net_mem_config, {
	.reclaim_ms = 1000,
	.trim_min_bytes = 1024 * 1024,
	.trim = 1,
})

PERSTACK_STATIC(struct net_timer, reclaim_timer)
#define reclaim_timer PERSTACK_REF(struct net_timer, reclaim_timer)
PERSTACK_STATIC(int, reclaim_ready)
#define reclaim_ready PERSTACK_REF(int, reclaim_ready)
PERSTACK_STATIC(size_t, freed_pending) /* bytes freed since the last malloc_trim */
#define freed_pending PERSTACK_REF(size_t, freed_pending)

void net_mem_freed(size_t bytes)
{
	freed_pending += bytes;
	STAT_ADD(mem, freed_bytes, bytes);
}

int net_mem_reclaim(uint64_t now)
{
	int more;

	(void)now;
	STAT_INC(mem, reclaims);
	more = pkb_pool_trim();
	net_mem_freed(net_pool_reclaim()); /* control-block slabs a load left wholly free */
	if (net_mem_config.trim && freed_pending >= net_mem_config.trim_min_bytes) {
		freed_pending = 0;
		STAT_INC(mem, malloc_trims);
		if (malloc_trim(0))
			STAT_INC(mem, malloc_trim_released);
	}
	return more || freed_pending >= net_mem_config.trim_min_bytes;
}

static void reclaim_fn(struct net_timer *t, void *arg, uint64_t now)
{
	(void)arg;
	if (net_mem_reclaim(now))
		net_timer_arm(t, now + net_mem_config.reclaim_ms);
}

/* After each batch: arm the timer if something may be given back later. */
static void reclaim_hook(uint64_t now)
{
	if (net_timer_pending(&reclaim_timer))
		return;
	if (pkb_pool_reclaimable() || net_pool_reclaimable() || (net_mem_config.trim &&
					freed_pending >= net_mem_config.trim_min_bytes))
		net_timer_arm(&reclaim_timer, now + net_mem_config.reclaim_ms);
}

int net_mem_init(void)
{
	if (!reclaim_ready) {
		net_timer_init(&reclaim_timer, reclaim_fn, NULL);
		reclaim_ready = 1;
	}
	return net_loop_add_hook(reclaim_hook);
}

void net_mem_shutdown(void)
{
	if (reclaim_ready)
		net_timer_cancel(&reclaim_timer);
	freed_pending = 0;
}
