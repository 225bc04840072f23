/* SPDX-License-Identifier: MIT */
/* The stack host of the preload library (docs/preload.md): an API socket CTL_DIR/NAME.api
 * that programs running with libustack-preload.so connect to, and one thread that serves
 * their control requests and pumps bytes between each program-side unix socket and its
 * ustack socket, driven by a kernel epoll over the unix ends and the readiness set's
 * us_epoll_fd. Only the public API (<ustack.h>) is used on the stack. */
#ifndef PRELOAD_HOST_H
#define PRELOAD_HOST_H

#include <stddef.h>

#include "net/stats.h"

/* The host's counters, per stack, printed with --stats as preload.NAME: what it carried
 * and every thing it dropped. */
#define PRELOAD_COUNTERS(X)                                                                \
	X(clients) X(requests) X(bad_requests) X(sockets) X(connects_held) X(accepted)     \
	X(accept_held) X(bytes_to_stack) X(bytes_to_prog) X(bytes_dropped_rd_shut)         \
	X(resets) X(tombs_evicted) X(udp_to_stack) X(udp_to_prog) X(udp_bad_header)        \
	X(udp_send_errors) X(udp_dropped_full) X(udp_errors_to_prog) X(scope_unknown)
STATS_DECLARE(preload, PRELOAD_COUNTERS);
#define preload_stats STATS_REF(preload)

struct ustack;
struct pl_host;

/* Listens on CTL_DIR/NAME.api (replacing a stale socket) and starts the host thread on
 * st, which must run (ustack_start). Returns 0, -EADDRINUSE when a live stack serves the
 * name, or -errno; err has one line that says why. */
int pl_host_start(struct ustack *st, const char *name, struct pl_host **out, char *err,
		  size_t errlen);
/* Control connections open plus ustack sockets a program still holds: 0 once every
 * process that used the stack has gone. */
int pl_host_busy(const struct pl_host *h);
/* Stops the thread, closes every socket and connection, removes the API socket. */
void pl_host_stop(struct pl_host *h);
/* The API socket's path for name into buf: 0 or -EINVAL (bad name). */
int pl_api_path(const char *name, char *buf, size_t size);

#endif
