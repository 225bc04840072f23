/* SPDX-License-Identifier: MIT */
/* tcp_config by name, for `--tcp NAME=VALUE,...` (as Linux's net.ipv4.tcp_* sysctls). Only
 * the integer knobs; buffer sizes have their own options. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/tcp_var.h"

struct tcp_knob {
	const char *name;
	size_t off;
	int is_int;          /* an int field, else unsigned */
	long min, max;
	const char *help;
};

#define KU(f, lo, hi, h) { #f, offsetof(struct tcp_config_s, f), 0, lo, hi, h }
#define KI(f, lo, hi, h) { #f, offsetof(struct tcp_config_s, f), 1, lo, hi, h }

static const struct tcp_knob knobs[] = {
	KI(syncookies, 0, 2, "SYN cookies: 0 never, 1 when the SYN queue is full, 2 always"),
	KU(syn_backlog_max, 1, 1000000, "SYN-queue (syncache) entries per listener"),
	KU(syncache_max, 1, 10000000, "syncache entries across all listeners"),
	KU(synack_rexmits, 0, 20, "SYN,ACK retransmissions from a syncache entry"),
	KI(abort_on_overflow, 0, 1, "accept queue full at the handshake's ACK: 1 RST, 0 drop it"),
	KU(rst_per_s, 0, 10000000, "RSTs per second for segments with no connection, 0 no limit"),
	KU(rst_burst, 1, 10000000, "depth of that RST token bucket"),
	KU(max_conns, 1, 10000000, "control blocks alive at once"),
	KU(challenge_ack_per_s, 1, 10000000, "RFC 5961 challenge ACKs per second"),
	KU(rto_initial_ms, 1, 600000, "initial retransmission timeout (ms)"),
	KU(syn_rexmits, 0, 20, "SYN retransmissions of an active open"),
	KU(msl_ms, 1, 600000, "maximum segment lifetime; TIME_WAIT lasts twice this (ms)"),
	KI(timestamps, 0, 1, "offer RFC 7323 timestamps"),
	KI(window_scaling, 0, 1, "offer RFC 7323 window scale"),
	KI(sack, 0, 1, "offer SACK-permitted"),
	KI(rack, 0, 1, "RACK-TLP loss detection (RFC 8985); 0: RFC 6675's DupThresh rule"),
	KI(frto, 0, 1, "F-RTO spurious timeout detection (RFC 5682)"),
	KI(dsack_undo, 0, 1, "undo a reduction D-SACKs or timestamps show spurious"),
	KU(quickacks, 0, 1000, "segments ACKed at once at the start and after idle"),
	KU(sent_max_segs, 16, 1000000, "sent-segment records per connection"),
	KI(hystart, 0, 1, "HyStart++ (RFC 9406) in the first slow start"),
	KU(rto_min_ms, 1, 600000, "floor of the retransmission timeout's variance term (ms)"),
	KU(rto_max_ms, 1, 600000, "ceiling of the retransmission timeout (ms)"),
	KU(delack_ms, 1, 200, "delayed ACK timeout (ms)"),
	KU(fin_wait_2_ms, 1, 3600000, "orphaned FIN_WAIT_2 timeout (ms)"),
	KU(tw_drain_ms, 0, 600000, "--drain waits for TIME_WAIT until its peer is quiet this long (ms), or 2 RTOs"),
	KU(max_tw_buckets, 0, 10000000, "TIME_WAIT records at once; past it a closing connection skips TIME_WAIT"),
	KU(ooo_max_segs, 1, 1000000, "out-of-order segments held per connection"),
	KI(rcvbuf_autotune, 0, 1, "grow the receive window with what the application reads"),
	KU(wmem_max, 0, 1 << 30, "send buffers grow with cwnd up to this (bytes) unless SO_SNDBUF set"),
	KU(mem_pressure, 0, UINT_MAX, "buffer memory of all connections (bytes: rings, held segments) that stops buffer growth"),
	KU(buf_idle_ms, 1, 600000, "a ring unused this long gives its storage back (ms)"),
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

static const struct tcp_knob *knob_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NKNOBS; i++)
		if (strlen(knobs[i].name) == len && !strncmp(knobs[i].name, name, len))
			return &knobs[i];
	return NULL;
}

static int knob_set(const struct tcp_knob *k, const char *value)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (errno || end == value || *end)
		return -EINVAL;
	if (v < k->min || v > k->max)
		return -ERANGE;
	if (k->is_int)
		*(int *)((char *)&tcp_config + k->off) = (int)v;
	else
		*(unsigned *)((char *)&tcp_config + k->off) = (unsigned)v;
	return 0;
}

int tcp_config_set(const char *name, const char *value)
{
	const struct tcp_knob *k = knob_find(name, strlen(name));

	return k ? knob_set(k, value) : -ENOENT;
}

int tcp_config_parse(const char *spec, char *bad, size_t badlen)
{
	const char *p = spec;

	if (badlen)
		bad[0] = '\0';
	while (*p) {
		const char *comma = strchr(p, ','), *eq = strchr(p, '=');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		char val[32];
		const struct tcp_knob *k;
		int err;

		if (badlen)
			snprintf(bad, badlen, "%.*s", (int)len, p);
		if (!eq || eq > p + len)
			return -EINVAL;
		k = knob_find(p, (size_t)(eq - p));
		if (!k)
			return -ENOENT;
		if ((size_t)(p + len - eq - 1) >= sizeof(val))
			return -EINVAL;
		memcpy(val, eq + 1, (size_t)(p + len - eq - 1));
		val[p + len - eq - 1] = '\0';
		err = knob_set(k, val);
		if (err)
			return err;
		p += len;
		if (*p == ',')
			p++;
	}
	if (badlen)
		bad[0] = '\0';
	return 0;
}

void tcp_config_list(FILE *out)
{
	for (size_t i = 0; i < NKNOBS; i++) {
		const struct tcp_knob *k = &knobs[i];
		long v = k->is_int ? *(const int *)((const char *)&tcp_config + k->off) :
			 (long)*(const unsigned *)((const char *)&tcp_config + k->off);
		fprintf(out, "  %-20s %-9ld %s (%ld..%ld)\n", k->name, v, k->help, k->min, k->max);
	}
}
