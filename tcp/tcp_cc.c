/* Congestion control behind struct tcp_cc_ops: the registry of algorithms (CUBIC, the
 * default, in tcp_cubic.c; NewReno here), switching a connection's algorithm, NewReno's slow
 * start and congestion avoidance (RFC 5681 3.1, RFC 3465 byte counting) and ssthresh
 * (RFC 5681 (4)), and today's fast retransmit/fast recovery window arithmetic with partial
 * ACKs (RFC 5681 3.2, RFC 6582), shared by every algorithm through its ssthresh(). BBR
 * (tcp_bbr.c) owns cwnd and pacing itself through cong_control. */
#include <string.h>

#include "tcp/tcp.h"

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
static void newreno_ack(struct tcp_pcb *pcb, uint32_t acked, uint64_t now)
{
	(void)now;
	if (pcb->cwnd < pcb->ssthresh) {
		uint32_t room = pcb->ssthresh - pcb->cwnd;
		uint32_t inc = tcp_hystart_slow_start(pcb, acked);

		if (pcb->cwnd >= pcb->ssthresh)
			return; /* HyStart++ ended slow start here */
		if (inc < room) {
			pcb->cwnd += inc;
			return;
		}
		pcb->cwnd = pcb->ssthresh;
		acked = acked > room ? acked - room : 0;
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
