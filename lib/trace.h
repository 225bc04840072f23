/* SPDX-License-Identifier: MIT */
/* --trace's decoder: one line per frame, every layer's headers (lib/trace.c). It sits above
 * the protocols; the device wrapper (net/wrap.c) gets it as net_wrap_opts.trace_fmt. */
#ifndef LIB_TRACE_H
#define LIB_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "net/netdev.h"

/* One decoded line for a frame (Ethernet or bare IP by dev->type), no newline; truncated
 * to size. Has the type net_trace_fn of net/wrap.h. */
void trace_format(const struct net_device *dev, const uint8_t *frame, size_t len, char *buf,
		  size_t size);

/* TCP options (len bytes at opts) as the line shows them, "options [mss 1460,sackOK,...]",
 * truncated to size; never reads past opts + len, and names what is malformed. */
void trace_tcp_options(const uint8_t *opts, size_t len, char *buf, size_t size);

#endif
