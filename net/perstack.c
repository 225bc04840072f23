/* SPDX-License-Identifier: MIT */
/* The per-stack arenas: net/perstack.h. */
#include "net/perstack.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The default stack's arena is static, so the per-thread pointer can start at it and is
 * never NULL. Its size bounds the sum of every layer's slots: perstack_register aborts at
 * load time when a build outgrows it. */
#define PERSTACK_DEFAULT_BYTES (1u << 20)
#define PERSTACK_MAX_SLOTS 512

struct slot {
	size_t off, size;
	const void *tmpl;
	void (*init)(void);
};

static char default_arena[PERSTACK_DEFAULT_BYTES] __attribute__((aligned(64)));
__thread char *ustack_cur_arena = default_arena;

/* Written by the constructors only, read-only afterwards: per process. */
static struct slot slots[PERSTACK_MAX_SLOTS];
static size_t nslots, arena_size;

/* The ids in use, under their own lock (stacks come and go from any thread). */
static pthread_mutex_t ids_lock = PTHREAD_MUTEX_INITIALIZER;
static char *by_id[PERSTACK_MAX_STACKS] = { default_arena };

void perstack_register(size_t *off, size_t size, size_t align, const void *tmpl,
		       void (*init)(void))
{
	size_t o = (arena_size + align - 1) & ~(align - 1);

	if (nslots == PERSTACK_MAX_SLOTS || o + size > PERSTACK_DEFAULT_BYTES) {
		fprintf(stderr, "ustack: per-stack state outgrows its limits (net/perstack.c)\n");
		abort();
	}
	*off = o;
	arena_size = o + size;
	slots[nslots++] = (struct slot){ o, size, tmpl, init };
	/* The default stack gets its initial value now (this thread has it current). */
	if (tmpl)
		memcpy(default_arena + o, tmpl, size);
	if (init)
		init();
}

/* Each arena's own id, as a per-stack variable: no lock to read it. */
PERSTACK_STATIC(int, self_id)
#define self_id PERSTACK_REF(int, self_id)

int perstack_cur_id(void)
{
	return self_id;
}

char *perstack_default(void)
{
	return default_arena;
}

char *perstack_new(void)
{
	char *a = aligned_alloc(64, (arena_size + 63) & ~(size_t)63);
	char *saved = ustack_cur_arena;
	int id;

	if (!a)
		return NULL;
	memset(a, 0, arena_size);
	pthread_mutex_lock(&ids_lock);
	for (id = 1; id < PERSTACK_MAX_STACKS && by_id[id]; id++)
		;
	if (id < PERSTACK_MAX_STACKS)
		by_id[id] = a;
	pthread_mutex_unlock(&ids_lock);
	if (id == PERSTACK_MAX_STACKS) {
		free(a);
		return NULL;
	}
	ustack_cur_arena = a;
	for (size_t i = 0; i < nslots; i++) {
		if (slots[i].tmpl)
			memcpy(a + slots[i].off, slots[i].tmpl, slots[i].size);
		if (slots[i].init)
			slots[i].init();
	}
	self_id = id;
	ustack_cur_arena = saved;
	return a;
}

void perstack_free(char *arena)
{
	int id = perstack_id(arena);

	if (!arena || arena == default_arena)
		return;
	if (ustack_cur_arena == arena)
		ustack_cur_arena = default_arena;
	pthread_mutex_lock(&ids_lock);
	if (id > 0)
		by_id[id] = NULL;
	pthread_mutex_unlock(&ids_lock);
	free(arena);
}

int perstack_id(const char *arena)
{
	int id = -1;

	if (arena == default_arena)
		return 0;
	pthread_mutex_lock(&ids_lock);
	for (int i = 1; i < PERSTACK_MAX_STACKS; i++)
		if (by_id[i] == arena)
			id = i;
	pthread_mutex_unlock(&ids_lock);
	return id;
}

char *perstack_by_id(int id)
{
	char *a;

	if (id < 0 || id >= PERSTACK_MAX_STACKS)
		return NULL;
	if (id == 0)
		return default_arena;
	pthread_mutex_lock(&ids_lock);
	a = by_id[id];
	pthread_mutex_unlock(&ids_lock);
	return a;
}

int perstack_select_fd(int fd)
{
	char *a;

	if (fd < 0)
		return -1;
	if (!(fd >> PERSTACK_FD_SHIFT))
		a = default_arena; /* the common case takes no lock */
	else if (!(a = perstack_by_id(fd >> PERSTACK_FD_SHIFT)))
		return -1;
	ustack_cur_arena = a;
	return fd & PERSTACK_FD_MASK;
}
