/* SPDX-License-Identifier: MIT */
/* The stack as a whole: one call wires every layer together, one call takes it apart.
 *
 * The layers know only those below them and are called from below through the handlers
 * they register; something has to call each layer's init in order, and this is that wiring
 * point. It knows every layer, so it sits in lib/, above all of them (lib/ustack.c, the
 * life-cycle API, is its caller). */
#ifndef LIB_STACK_H
#define LIB_STACK_H

#include <stddef.h>

#include "net/netdev.h"

/* Initialises the loop and every protocol layer, and brings up the loopback device "lo"
 * with 127.0.0.1/8. Call once, before opening devices and before the loop thread starts.
 * Returns 0 or -errno (after logging which layer failed). */
int stack_init(void);

/* Stops the loop thread if it runs, closes every socket, removes the devices and frees
 * the layers' state and the buffer pool. The application threads must be done with the
 * socket API. Safe after a failed or partial stack_init. */
void stack_shutdown(void);

/* Waits, with the loop thread running, until no TCP connection the application closed
 * still has data or a FIN unacknowledged, or timeout_ms passes. Returns how many are
 * still closing (0 when all are done). Called without the lock. */
size_t stack_drain(unsigned timeout_ms);

/* The loopback device, NULL before stack_init. */
struct net_device *stack_loopback(void);

#endif
