/* SPDX-License-Identifier: MIT */
/* Congestion control behind struct tcp_cc_ops: the registry of algorithms (CUBIC, the
 * default, in tcp_cubic.c; NewReno here), switching a connection's algorithm, NewReno's slow
 * start and congestion avoidance (RFC 5681 3.1, RFC 3465 byte counting) and ssthresh
 * (RFC 5681 (4)), and the events loss detection signals (tcp_cc_enter_recovery, ...): the
 * window arithmetic of a loss response shared by every algorithm (PRR during fast recovery,
 * RFC 6937; cwnd = ssthresh at its end; undo, RFC 3708), calling the algorithm's ops. BBR
 * (tcp_bbr.c) owns cwnd and pacing itself through cong_control. Outside this file and the
 * algorithms' no code writes cwnd or ssthresh (test_tcp_cc_module). */
#include <string.h>

#include "net/log.h"

#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

static const struct tcp_cc_ops *const tcp_cc_algos[] = { &tcp_cc_cubic, &tcp_cc_newreno,
							   &tcp_cc_bbr };
#define TCP_CC_NALGOS (sizeof(tcp_cc_algos) / sizeof(tcp_cc_algos[0]))

const struct tcp_cc_ops *tcp_cc_list(unsigned i)
{
	return i < TCP_CC_NALGOS ? tcp_cc_algos[i] : NULL;
}

const struct tcp_cc_ops *tcp_cc_find(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = 0; i < TCP_CC_NALGOS; i++)
		if (!strcmp(tcp_cc_algos[i]->name, name))
			return tcp_cc_algos[i];
	return NULL;
}

const struct tcp_cc_ops *tcp_cc_default(void)
{
	const struct tcp_cc_ops *cc = tcp_cc_find(tcp_config.cc_name);

	return cc ? cc : &tcp_cc_cubic;
}

/* Before the connection starts, init() sets everything up later. On a running connection
 * (as Linux's TCP_CONGESTION) the window stays and the new algorithm's own state starts
 * fresh; HyStart++ goes on only while the first slow start does. */
void tcp_cc_set(struct tcp_pcb *pcb, const struct tcp_cc_ops *ops)
{
	if (pcb->cc == ops)
		return;
	pcb->cc = ops;
	memset(&pcb->ccv, 0, sizeof(pcb->ccv));
	pcb->bytes_acked = 0;
	pcb->pacing_rate = 0; /* an algorithm that paces sets it again (cong_control) */
}

static uint32_t flight_size(const struct tcp_pcb *pcb)
{
	return pcb->snd_max - pcb->snd_una;
}

/* RFC 6928: IW = min(10*MSS, max(2*MSS, 14600)) (with the configurable segment count). */
static void newreno_init(struct tcp_pcb *pcb)
{
	uint32_t iw = tcp_config.initial_window_segs * pcb->mss;
	uint32_t cap = 2u * pcb->mss > 14600 ? 2u * pcb->mss : 14600;

	if (tcp_config.initial_window_segs >= 10 && iw > cap)
		iw = cap;
	pcb->cwnd = iw;
	pcb->ssthresh = 0x7fffffff;
	pcb->dupacks = 0;
	pcb->recover = pcb->iss; /* nothing recovered yet: any loss may start a recovery */
	pcb->bytes_acked = 0;
	memset(&pcb->ccv, 0, sizeof(pcb->ccv));
	tcp_hystart_init(pcb);
}

/* NOTE: RFC 5681 3.1 grows cwnd by at most one SMSS per ACK in slow start and by
 * SMSS*SMSS/cwnd per ACK after; here both count the bytes an ACK covers (RFC 3465 byte
 * counting, in slow start without its L limit, as Linux's tcp_slow_start): a receiver
 * whose GRO merges a TSO super-segment ACKs 16 or more segments at once, and counting ACKs
 * would grow cwnd by one MSS per round trip, so a single super-segment would fill the
 * window and one lost ACK would cost a timeout. Slow start stops at ssthresh; the rest of
 * the ACK goes to congestion avoidance, one MSS per cwnd of bytes acknowledged. In the
 * first slow start HyStart++ (tcp_cubic.c) caps the growth per ACK at L = 8 segments
 * (RFC 9406 4.2, unpaced) and slows or ends it when the RTT rises. */
uint32_t tcp_cc_slow_start(struct tcp_pcb *pcb, uint32_t acked)
{
	uint32_t room = pcb->ssthresh - pcb->cwnd;
	uint32_t inc = tcp_hystart_slow_start(pcb, acked);

	if (pcb->cwnd >= pcb->ssthresh)
		return 0; /* HyStart++ ended slow start here */
	if (inc < room) {
		pcb->cwnd += inc;
		return 0;
	}
	pcb->cwnd = pcb->ssthresh;
	return acked > room ? acked - room : 0;
}

/* NewReno (RFC 5681): slow start (above), then one MSS per cwnd of bytes acknowledged. */
static void newreno_ack(struct tcp_pcb *pcb, uint32_t acked, uint64_t now)
{
	(void)now;
	if (pcb->cwnd < pcb->ssthresh) {
		acked = tcp_cc_slow_start(pcb, acked);
		if (!acked)
			return;
	}
	pcb->bytes_acked += acked;
	if (pcb->bytes_acked >= pcb->cwnd) {
		pcb->bytes_acked -= pcb->cwnd;
		pcb->cwnd += pcb->mss;
	}
}

/* RFC 5681 (4): half the flight, at least two segments. */
static uint32_t newreno_ssthresh(struct tcp_pcb *pcb, uint64_t now)
{
	uint32_t half = flight_size(pcb) / 2;

	(void)now;
	tcp_hystart_loss(pcb);
	pcb->bytes_acked = 0;
	return half > 2u * pcb->mss ? half : 2u * pcb->mss;
}

/* RFC 5681 3.1 (5): after a timeout cwnd = 1 MSS (the caller set ssthresh). */
static void newreno_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	(void)now;
	pcb->cwnd = pcb->mss;
	pcb->bytes_acked = 0;
}

const struct tcp_cc_ops tcp_cc_newreno = {
	.name = "newreno",
	.init = newreno_init,
	.ack = newreno_ack,
	.ssthresh = newreno_ssthresh,
	.recovery_exit = NULL,
	.timeout = newreno_timeout,
	.undo = NULL, /* no state beyond cwnd and ssthresh, which the caller restores */
	.rtt_sample = tcp_hystart_rtt, /* HyStart++ is all either algorithm does with it */
};

/* ---- events: the only callers of an algorithm's ops, the only writers of cwnd and ssthresh
 * outside the algorithms ---- */

void tcp_cc_init(struct tcp_pcb *pcb)
{
	pcb->cc->init(pcb);
}

void tcp_cc_rtt(struct tcp_pcb *pcb, uint32_t rtt_us, uint64_t now)
{
	if (pcb->cc->rtt_sample)
		pcb->cc->rtt_sample(pcb, rtt_us, now);
}

void tcp_cc_sent(struct tcp_pcb *pcb, uint32_t len)
{
	if (pcb->flags & TF_INRECOVERY) {
		pcb->prr_out += len;
		STAT_ADD(tcp, prr_sent_bytes, len);
	}
}

/* RFC 6937 3: sndcnt from what this ACK delivered; cwnd = pipe + sndcnt. */
static void prr_ack(struct tcp_pcb *pcb, uint32_t delivered)
{
	uint32_t pipe = tcp_pipe(pcb);
	int64_t sndcnt;

	pcb->prr_delivered += delivered;
	if (pipe > pcb->ssthresh) {
		/* proportional part: ceil(prr_delivered * ssthresh / RecoverFS) - prr_out */
		uint64_t fs = pcb->recover_fs ? pcb->recover_fs : 1;
		sndcnt = (int64_t)(((uint64_t)pcb->prr_delivered * pcb->ssthresh + fs - 1) / fs) -
			 (int64_t)pcb->prr_out;
	} else {
		/* slow start reduction bound (PRR-SSRB) */
		int64_t limit = (int64_t)pcb->prr_delivered - (int64_t)pcb->prr_out;

		if (limit < (int64_t)delivered)
			limit = delivered;
		limit += pcb->mss;
		sndcnt = (int64_t)pcb->ssthresh - (int64_t)pipe;
		if (sndcnt > limit)
			sndcnt = limit;
	}
	if (sndcnt < 0)
		sndcnt = 0;
	/* whole segments, rounded up (as Linux counts PRR in packets): a remainder below
	 * one MSS would let nothing go, and a lost retransmission at the tail would then
	 * wait for the RTO with no later segment delivered to show RACK the loss */
	sndcnt = (sndcnt + pcb->mss - 1) / pcb->mss * pcb->mss;
	/* the first retransmission goes whatever the proportion says (RFC 6675 4.3) */
	if (pcb->prr_out == 0 && sndcnt < pcb->mss && pcb->lost_out > pcb->retrans_out)
		sndcnt = pcb->mss;
	pcb->cwnd = pipe + (uint32_t)sndcnt;
}

/* The window after an ACK: the algorithm's own (cong_control, with the ACK's rate sample),
 * else PRR in recovery and the algorithm's growth outside it. */
void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked, uint32_t delivered,
		const struct tcp_rate_sample *rs, uint64_t now, uint64_t now_us)
{
	if (pcb->cc->cong_control)
		pcb->cc->cong_control(pcb, rs, now_us);
	else if (pcb->flags & TF_INRECOVERY)
		prr_ack(pcb, delivered);
	else if (acked)
		pcb->cc->ack(pcb, acked, now);
}

void tcp_cc_loss_event(struct tcp_pcb *pcb, uint64_t now)
{
	pcb->prior_cwnd = pcb->cwnd;
	pcb->prior_ssthresh = pcb->ssthresh;
	pcb->ssthresh = pcb->cc->ssthresh(pcb, now);
}

void tcp_cc_enter_recovery(struct tcp_pcb *pcb, uint64_t now)
{
	tcp_cc_loss_event(pcb, now);
	pcb->prr_delivered = pcb->prr_out = 0;
	pcb->recover_fs = pcb->snd_max - pcb->snd_una; /* RecoverFS = snd.nxt - snd.una */
}

/* RFC 6937: the window at the end of recovery is ssthresh (unless the algorithm owns cwnd:
 * BBR restores its own); after an undo the restored window stays. */
void tcp_cc_exit_recovery(struct tcp_pcb *pcb, uint64_t now, int keep_cwnd)
{
	uint32_t cwnd = pcb->cwnd;

	if (!pcb->cc->cong_control)
		pcb->cwnd = pcb->ssthresh;
	if (pcb->cwnd < pcb->mss)
		pcb->cwnd = pcb->mss;
	pcb->bytes_acked = 0;
	if (pcb->cc->recovery_exit)
		pcb->cc->recovery_exit(pcb, now);
	if (keep_cwnd)
		pcb->cwnd = cwnd;
}

/* RFC 8985 7.4: EnterRecovery() and ExitRecovery() at once, cwnd = ssthresh. */
void tcp_cc_tlp_recovery(struct tcp_pcb *pcb, uint64_t now)
{
	tcp_cc_loss_event(pcb, now);
	if (!pcb->cc->cong_control) /* else the algorithm owns cwnd */
		pcb->cwnd = pcb->ssthresh;
	if (pcb->cc->recovery_exit)
		pcb->cc->recovery_exit(pcb, now);
}

/* RFC 5681 3.1 (5): the algorithm's loss window (1 MSS for CUBIC and NewReno). */
void tcp_cc_on_rto(struct tcp_pcb *pcb, uint64_t now)
{
	pcb->cc->timeout(pcb, now);
}

/* RFC 3708: back to the window before the reduction (never below what it is now). */
void tcp_cc_undo(struct tcp_pcb *pcb)
{
	debugf("%u->%u undo: cwnd %u -> %u", pcb->local_port, pcb->remote_port, pcb->cwnd,
	       pcb->prior_cwnd);
	if (pcb->cwnd < pcb->prior_cwnd)
		pcb->cwnd = pcb->prior_cwnd;
	if (pcb->ssthresh < pcb->prior_ssthresh)
		pcb->ssthresh = pcb->prior_ssthresh;
	if (pcb->cc->undo)
		pcb->cc->undo(pcb);
	TCP_LOG(pcb, TCP_LOG_UNDO, pcb->snd_una, 0);
}
