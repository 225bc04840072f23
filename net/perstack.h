/* SPDX-License-Identifier: MIT */
/* Per-stack state: what each layer used to keep in file-level variables, one copy per stack.
 *
 * Every layer declares its mutable state where it always did, one variable at a time, and
 * a macro of the same name makes each use reach the copy of the *current* stack:
 *
 *   PERSTACK_STATIC(struct neigh_table, arp_tbl)
 *   #define arp_tbl PERSTACK_REF(struct neigh_table, arp_tbl)
 *
 * At load time each declaration reserves a slot (offset, size) in a per-stack block, the
 * arena; a stack is one arena. The current stack is a per-thread pointer to its arena: the
 * loop thread of a stack has that stack current, and every public entry point (ustack_*,
 * us_* with the stack encoded in the descriptor) selects its stack before it takes that
 * stack's lock (net_mutex is per stack too). A thread that never selected one works on the
 * process's default stack, the one the program and the unit tests use through the internal
 * API. docs/architecture.md ("One stack or several") has the inventory and the costs. */
#ifndef NET_PERSTACK_H
#define NET_PERSTACK_H

#include <stddef.h>

/* The current stack's arena for the calling thread (never NULL). */
extern __thread char *ustack_cur_arena;

/* Most stacks a process holds at once, the default one included. */
#define PERSTACK_MAX_STACKS 64
/* The descriptor of a socket carries its stack's id above this bit (id 0: the default
 * stack, whose descriptors are the plain table indices). */
#define PERSTACK_FD_SHIFT 20
#define PERSTACK_FD_MASK ((1 << PERSTACK_FD_SHIFT) - 1)

/* Reserves a slot: called by the declaration macros' constructors. */
void perstack_register(size_t *off, size_t size, size_t align, const void *tmpl,
		       void (*init)(void));

/* A new stack's arena, every slot at its initial value (its template, or zero, then its
 * init function run with the new arena current), and an id for it; NULL when memory or
 * ids run out. */
char *perstack_new(void);
/* Frees an arena from perstack_new (not the default one) and its id. */
void perstack_free(char *arena);
/* The id of an arena (0 for the default one), and the arena with an id (NULL if none). */
int perstack_id(const char *arena);
char *perstack_by_id(int id);
/* The current stack's id (0: the default one). */
int perstack_cur_id(void);
/* The default stack's arena. */
char *perstack_default(void);

/* Makes the stack a descriptor names current for the calling thread; returns the index
 * within that stack's table, or -1 when the id names no stack (EBADF for the caller). */
int perstack_select_fd(int fd);

#define PERSTACK_REF(type, name) (*(__typeof__(type) *)(ustack_cur_arena + name##__off))

/* off and reg are pasted names (name##__off): a paste keeps name from expanding to the
 * macro that stands for the variable. */
#define PERSTACK_DEFINE_(storage, type, off, reg, tmpl, init)                              \
	storage size_t off;                                                                \
	__attribute__((constructor(101))) static void reg(void)                            \
	{                                                                                  \
		perstack_register(&off, sizeof(type), _Alignof(type), tmpl, init);         \
	}

/* A per-stack variable starting at zero; _INIT with a constant initial value; _FN with an
 * init function (for what points at itself, such as list heads). EXTERN in a header. */
#define PERSTACK_EXTERN(type, name) extern size_t name##__off
#define PERSTACK_VAR(type, name) PERSTACK_DEFINE_(, type, name##__off, name##__reg, NULL, NULL)
#define PERSTACK_STATIC(type, name)                                                        \
	PERSTACK_DEFINE_(static, type, name##__off, name##__reg, NULL, NULL)
#define PERSTACK_VAR_INIT(type, name, ...)                                                 \
	static const __typeof__(type) name##__tmpl = __VA_ARGS__;                          \
	PERSTACK_DEFINE_(, type, name##__off, name##__reg, &name##__tmpl, NULL)
#define PERSTACK_STATIC_INIT(type, name, ...)                                              \
	static const __typeof__(type) name##__tmpl = __VA_ARGS__;                          \
	PERSTACK_DEFINE_(static, type, name##__off, name##__reg, &name##__tmpl, NULL)
#define PERSTACK_VAR_FN(type, name, fn)                                                    \
	PERSTACK_DEFINE_(, type, name##__off, name##__reg, NULL, fn)
#define PERSTACK_STATIC_FN(type, name, fn)                                                 \
	PERSTACK_DEFINE_(static, type, name##__off, name##__reg, NULL, fn)

#endif
