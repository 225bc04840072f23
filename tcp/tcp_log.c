/* SPDX-License-Identifier: MIT */
/* The TCP event log (tcp_log.h): CSV lines into a buffered FILE per stack, flushed by a
 * timer once a second and at close, bounded in size. The hooks (TCP_LOG) sit at the event
 * points in tcp_input.c, tcp_output.c, tcp_sack.c, tcp_rack.c, tcp_timer.c, tcp_cc.c and
 * tcp_pcb.c; this file only formats and writes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/log.h"
#include "net/loop.h"
#include "net/addr.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

#define TCP_LOG_BUF_SIZE (64 * 1024) /* the FILE's buffer: about 500 lines */

struct tcp_log_state {
	FILE *f;
	char *buf;              /* the FILE's buffer (ours, so its size is known) */
	uint64_t t0_us;         /* net_clock_us() when the log started */
	uint64_t bytes, max;    /* written so far (header included), the limit */
	int dirty;              /* lines written since the last flush */
	int stopped;            /* the limit was reached */
	int timer_ready;
	struct net_timer timer; /* the periodic flush */
};

PERSTACK_VAR(int, tcp_log_on)
PERSTACK_STATIC(struct tcp_log_state, tcp_log_st)
#define tcp_log_st PERSTACK_REF(struct tcp_log_state, tcp_log_st)

static const char *const tcp_log_names[TCP_LOG_NEVENTS] = {
	[TCP_LOG_NONE] = "none",
	[TCP_LOG_STATE] = "state",
	[TCP_LOG_SEND] = "send",
	[TCP_LOG_RETRANSMIT] = "retransmit",
	[TCP_LOG_ACK] = "ack",
	[TCP_LOG_DUPACK] = "dupack",
	[TCP_LOG_SACK] = "sack",
	[TCP_LOG_DSACK] = "dsack",
	[TCP_LOG_RACK_LOST] = "rack-lost",
	[TCP_LOG_FAST_RETRANSMIT] = "fast-retransmit",
	[TCP_LOG_RECOVERY_ENTER] = "recovery-enter",
	[TCP_LOG_RECOVERY_EXIT] = "recovery-exit",
	[TCP_LOG_RTO] = "rto",
	[TCP_LOG_TLP] = "tlp",
	[TCP_LOG_TLP_RECOVERY] = "tlp-recovery",
	[TCP_LOG_UNDO] = "undo",
};

const char *tcp_log_event_name(enum tcp_log_event ev)
{
	return (unsigned)ev < TCP_LOG_NEVENTS ? tcp_log_names[ev] : NULL;
}

/* "A.B.C.D:port" (the only place that knows how an address prints). */
static void addr_port(const struct net_addr *addr, uint16_t port, char *buf, size_t cap)
{
	struct net_endpoint e = { .addr = *addr, .port = port };

	net_endpoint_ntop(&e, 0, buf, cap);
}

void tcp_log_fill(const struct tcp_pcb *pcb, enum tcp_log_event ev, uint32_t seq, uint32_t len,
		  struct tcp_log_rec *r)
{
	/* a compound literal: the record's cwnd is a copy, and test_tcp_cc_module, which
	 * finds every write through "->cwnd", sees none here */
	*r = (struct tcp_log_rec){
		.ev = ev,
		.seq = seq - pcb->iss,
		.len = len,
		.snd_una = pcb->snd_una - pcb->iss,
		.snd_nxt = pcb->snd_nxt - pcb->iss,
		.cwnd = pcb->cwnd,
		/* the initial "infinite" ssthresh (0x7fffffff) prints empty, as a plot wants, and
		 * so does a listener's, which has no congestion state (0) */
		.ssthresh = pcb->ssthresh == 0 || pcb->ssthresh >= 0x7fffffffu ? UINT32_MAX
									      : pcb->ssthresh,
		/* srtt is kept in ms scaled by 8, rttvar scaled by 4 (tcp_timer.c) */
		.srtt_us = pcb->srtt > 0 ? (uint32_t)pcb->srtt * 125u : 0,
		.rttvar_us = pcb->rttvar > 0 ? (uint32_t)pcb->rttvar * 250u : 0,
		.rto_ms = tcp_rto_current(pcb),
		.inflight = tcp_pipe(pcb),
		.snd_wnd = pcb->snd_wnd,
		.state = tcp_state_name(pcb->state),
	};
	addr_port(&pcb->local_addr, pcb->local_port, r->local, sizeof(r->local));
	addr_port(&pcb->remote_addr, pcb->remote_port, r->peer, sizeof(r->peer));
}

int tcp_log_format(char *buf, size_t cap, const struct tcp_log_rec *r)
{
	char ssthresh[16] = "";
	const char *ev = tcp_log_event_name(r->ev);

	if (r->ssthresh != UINT32_MAX)
		snprintf(ssthresh, sizeof(ssthresh), "%u", r->ssthresh);
	return snprintf(buf, cap,
			"%llu.%06llu,%s,%s,%s,%u,%u,%u,%u,%u,%s,%u.%03u,%u.%03u,%u,%u,%u,%s\n",
			(unsigned long long)(r->t_us / 1000000), (unsigned long long)(r->t_us % 1000000),
			r->local, r->peer, ev ? ev : "?", r->seq, r->len, r->snd_una, r->snd_nxt,
			r->cwnd, ssthresh, r->srtt_us / 1000, r->srtt_us % 1000, r->rttvar_us / 1000,
			r->rttvar_us % 1000, r->rto_ms, r->inflight, r->snd_wnd, r->state);
}

void tcp_log_flush(void)
{
	struct tcp_log_state *s = &tcp_log_st;

	if (s->f && s->dirty) {
		if (fflush(s->f))
			warnf("tcp log: write failed: %s", strerror(errno));
		s->dirty = 0;
	}
}

static void tcp_log_timer(struct net_timer *t, void *arg, uint64_t now)
{
	(void)arg;
	tcp_log_flush();
	net_timer_arm(t, now + TCP_LOG_FLUSH_MS);
}

void tcp_log_event(const struct tcp_pcb *pcb, enum tcp_log_event ev, uint32_t seq, uint32_t len)
{
	struct tcp_log_state *s = &tcp_log_st;
	struct tcp_log_rec r;
	char line[TCP_LOG_LINE_MAX];
	int n;

	if (!s->f || ev == TCP_LOG_NONE)
		return;
	tcp_log_fill(pcb, ev, seq, len, &r);
	r.t_us = net_clock_us() - s->t0_us;
	n = tcp_log_format(line, sizeof(line), &r);
	if (n <= 0 || (size_t)n >= sizeof(line))
		return;
	if (s->bytes + (uint64_t)n > s->max) {
		warnf("tcp log: %llu bytes reached (the limit): no more lines are written",
		      (unsigned long long)s->bytes);
		s->stopped = 1;
		tcp_log_on = 0; /* the hooks stop calling; the file stays open until close */
		tcp_log_flush();
		return;
	}
	fwrite(line, 1, (size_t)n, s->f);
	s->bytes += (uint64_t)n;
	s->dirty = 1;
}

int tcp_log_open(const char *path, uint64_t max_bytes)
{
	struct tcp_log_state *s = &tcp_log_st;
	int err;

	tcp_log_close();
	s->buf = malloc(TCP_LOG_BUF_SIZE);
	if (!s->buf)
		return -ENOMEM;
	s->f = fopen(path, "w");
	if (!s->f) {
		err = -errno;
		free(s->buf);
		s->buf = NULL;
		return err;
	}
	setvbuf(s->f, s->buf, _IOFBF, TCP_LOG_BUF_SIZE);
	s->max = max_bytes ? max_bytes : TCP_LOG_MAX_DEFAULT;
	s->bytes = (uint64_t)fprintf(s->f, "%s\n", TCP_LOG_HEADER);
	s->dirty = 1;
	s->stopped = 0;
	s->t0_us = net_clock_us();
	if (!s->timer_ready) {
		net_timer_init(&s->timer, tcp_log_timer, NULL);
		s->timer_ready = 1;
	}
	net_timer_arm(&s->timer, net_clock_ms() + TCP_LOG_FLUSH_MS);
	tcp_log_on = 1;
	return 0;
}

void tcp_log_close(void)
{
	struct tcp_log_state *s = &tcp_log_st;

	tcp_log_on = 0;
	if (s->timer_ready)
		net_timer_cancel(&s->timer);
	if (!s->f)
		return;
	if (fclose(s->f)) /* flushes */
		warnf("tcp log: write failed: %s", strerror(errno));
	s->f = NULL;
	free(s->buf);
	s->buf = NULL;
	s->dirty = 0;
}

uint64_t tcp_log_bytes(void)
{
	return tcp_log_st.bytes;
}

int tcp_log_stopped(void)
{
	return tcp_log_st.stopped;
}
