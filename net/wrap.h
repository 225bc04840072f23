/* SPDX-License-Identifier: MIT */
/* Device wrappers, usable on any device: a capture writer (both directions; pcap with
 * nanosecond timestamps through libpcap, or pcapng, net/capture.c), a tracer (one
 * timestamped, decoded line per packet in and out, optionally only the frames a
 * pcap-filter expression matches), and a seeded fault injector, as one wrapping device
 * over the device's driver (net/wrap.c says how).
 *
 *   --pcap FILE   --trace [FILTER]   --trace-time abs|rel
 *   --impair loss=P,dup=P,reorder=P,delay=MS,corrupt=P,seed=N
 *
 * P is a percentage (0-100, decimals allowed). Impairments apply to both directions, and to
 * the frames of the wire: a TSO/GSO super-frame's segments are judged one by one. */
#ifndef NET_WRAP_H
#define NET_WRAP_H

#include <stdint.h>
#include <stdio.h>

#include "net/capture.h"
#include "net/netdev.h"

struct net_impair {
	double loss, dup, reorder, corrupt; /* percent */
	unsigned delay_ms;
	uint64_t seed;
	int enabled;
	unsigned reorder_hold_ms; /* a lone reordered frame goes on after this (hold=MS);
	                             0 means NET_WRAP_REORDER_HOLD_MS */
};

#define NET_IMPAIR_DEFAULT_SEED 1      /* without seed=, runs still repeat exactly */
#define NET_IMPAIR_DELAY_MAX_MS 60000
#define NET_WRAP_REORDER_HOLD_MS 50
#define NET_WRAP_PCAP_FLUSH_MS 1000    /* captured frames reach the file within this */
#define NET_WRAP_PCAP_SNAPLEN 262144  /* tcpdump's: a 64 KB GSO super-frame fits whole */

/* Writes one line (no newline, truncated to size) describing a frame of dev, for --trace.
 * Decoding means knowing every protocol, which net/ does not: the caller hands one in
 * (lib/trace.c's trace_format). */
typedef void (*net_trace_fn)(const struct net_device *dev, const uint8_t *frame, size_t len,
			     char *buf, size_t size);

struct net_wrap_opts {
	const char *pcap_path; /* NULL: none. A name ending in ".pcapng" is one pcapng file
	                          for every device (an interface block each); else pcap, and
	                          with several devices FILE gets "-DEV" before its extension
	                          for every device but the first. */
	int trace;             /* print one line per packet to trace_out */
	FILE *trace_out;       /* NULL: stdout */
	net_trace_fn trace_fmt; /* the decoder; needed when trace is set */
	const char *trace_filter; /* pcap-filter(7) expression: only the frames it matches are
	                             traced (the capture file keeps them all); NULL: all */
	enum net_trace_time trace_time; /* the stamp of each line: wall clock or relative */
	struct net_impair impair;
};

#define IMPAIR_COUNTERS(X)                                                                 \
	X(dropped) X(duplicated) X(reordered) X(delayed) X(corrupted) X(passed) X(nomem)   \
	X(discarded_at_close) X(corrupted_gso_dropped) X(cut_supersegs) X(cut_segments)       \
	X(cut_failed) X(delay_rx_polls)
STATS_DECLARE(impair, IMPAIR_COUNTERS);
#define impair_stats STATS_REF(impair)

/* Parses an --impair value. 0, or -EINVAL with a one-line reason in err. */
int net_impair_parse(const char *spec, struct net_impair *out, char *err, size_t errlen);
/* Attaches the wrappers to dev (registered, not yet wrapped): dev becomes the wrapping
 * device and keeps everything the stack knows it by (pointer, name, addresses, routes);
 * its driver moves into a lower device below it. Nothing to attach leaves dev as it is.
 * 0, or -errno with a reason in err (dev unchanged). Lock held. */
int net_wrap_attach(struct net_device *dev, const struct net_wrap_opts *o, char *err,
		    size_t errlen);
/* The driver's device below a wrapped dev, or NULL if dev is not wrapped. */
struct net_device *net_wrap_lower(const struct net_device *dev);

/* What net_wrap_update changes: the capture (o->pcap_path: the exact file, NULL stops it),
 * the tracer (o->trace, o->trace_out, o->trace_fmt) and the fault injector (o->impair;
 * not enabled stops it). */
#define NET_WRAP_SET_PCAP   0x1
#define NET_WRAP_SET_TRACE  0x2
#define NET_WRAP_SET_IMPAIR 0x4
/* Changes the wrappers of a registered device, running or not (`ustack ctl`): a device
 * without a wrapper gets one when something turns on, and loses it (its driver takes the
 * direct path again) when everything is off. Frames the injector holds back are never
 * lost: with the injector off, or delay=0, they go on at once; under a new delay they keep
 * their deadlines. New settings restart the injector's stream from their seed. A capture
 * already running is not replaced, nor a pcap file another device writes opened again
 * (-EBUSY); stopping one closes the file, complete. 0, or
 * -errno with a reason in err and dev unchanged. Lock held. */
int net_wrap_update(struct net_device *dev, const struct net_wrap_opts *o, unsigned what,
		    char *err, size_t errlen);
/* dev's settings into o (pcap_path valid under the lock, until the next change); 1 if dev
 * is wrapped, else 0 with o all off. Lock held. */
int net_wrap_status(const struct net_device *dev, struct net_wrap_opts *o);
/* The capture file of one of several devices, as --pcap names it: path itself for the
 * first, "-DEV" before the extension for the others ("out.pcap" -> "out-tap1.pcap"). */
void net_wrap_pcap_name(const char *path, const char *dev, int first, char *out, size_t size);

#endif
