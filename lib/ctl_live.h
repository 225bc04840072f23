/* SPDX-License-Identifier: MIT */
/* `ustack ctl NAME impair|trace|pcap ...`: the device wrappers (net/wrap.h) changed on a
 * running stack (docs/ctl.md). ctl_request (lib/ctl.h) hands these requests here. */
#ifndef LIB_CTL_LIVE_H
#define LIB_CTL_LIVE_H

#include <stddef.h>
#include <stdio.h>

#include "net/wrap.h"

struct ustack;

enum ctl_live_kind { CTL_LIVE_IMPAIR, CTL_LIVE_TRACE, CTL_LIVE_PCAP };

/* One parsed request. */
#define CTL_LIVE_FILTER_MAX 512

struct ctl_live_req {
	enum ctl_live_kind kind;
	int show;                 /* no setting given: print the current ones */
	int on;                   /* impair SPEC (enabled), trace on, pcap FILE; 0: off */
	const char *dev;          /* dev DEV; NULL: every device but the loopback */
	const char *file;         /* pcap FILE */
	struct net_impair impair; /* impair SPEC */
	char filter[CTL_LIVE_FILTER_MAX]; /* trace on FILTER: the words after "on", as
	                                     --trace takes them; "" for every frame */
};

/* Parses argv (argv[0] is "impair", "trace" or "pcap"; the words point into argv). 0, or
 * -EINVAL with one line in err. */
int ctl_live_parse(int argc, char **argv, struct ctl_live_req *r, char *err, size_t errlen);
/* Runs an impair, trace or pcap request: changes the devices' wrappers under the stack
 * lock and prints each device's settings after it, one line per device. 0, or a negative
 * errno with one line in err (a capture that failed on one device is stopped on all the
 * request had started it on). */
int ctl_live_request(struct ustack *st, int argc, char **argv, FILE *out, char *err,
		     size_t errlen);
/* Writes settings as `impair` prints them: "loss=20,delay=50,seed=1" (the non-zero ones
 * and the seed: a valid --impair value), or "off". */
void ctl_live_impair_fmt(const struct net_impair *imp, char *buf, size_t size);
/* Where `trace on` sends its lines: the stream --trace uses (stdout for serve). NULL:
 * stdout. Per process, as the program has one trace output. */
void ctl_live_set_trace_out(FILE *out);
/* How `trace on` stamps its lines: as --trace-time says (NET_TRACE_TIME_ABS unless set). */
void ctl_live_set_trace_time(enum net_trace_time t);

#endif
