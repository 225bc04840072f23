/* Congestion control behind struct tcp_cc_ops. NewReno: slow start and congestion
 * avoidance (RFC 5681 3.1), fast retransmit/fast recovery with partial ACKs (RFC 6582). */
#include "tcp/tcp.h"

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
}

/* NOTE: RFC 5681 3.1 grows cwnd by at most one SMSS per ACK in slow start and by
 * SMSS*SMSS/cwnd per ACK after; here both count the bytes an ACK covers (RFC 3465 byte
 * counting, in slow start without its L limit, as Linux's tcp_slow_start): a receiver
 * whose GRO merges a TSO super-segment ACKs 16 or more segments at once, and counting ACKs
 * would grow cwnd by one MSS per round trip, so a single super-segment would fill the
 * window and one lost ACK would cost a timeout. Slow start stops at ssthresh; the rest of
 * the ACK goes to congestion avoidance, one MSS per cwnd of bytes acknowledged. */
static void newreno_ack(struct tcp_pcb *pcb, uint32_t acked, uint64_t now)
{
	(void)now;
	if (pcb->cwnd < pcb->ssthresh) {
		uint32_t inc = acked < pcb->ssthresh - pcb->cwnd ? acked : pcb->ssthresh - pcb->cwnd;

		pcb->cwnd += inc;
		acked -= inc;
	}
	pcb->bytes_acked += acked;
	if (pcb->bytes_acked >= pcb->cwnd) {
		pcb->bytes_acked -= pcb->cwnd;
		pcb->cwnd += pcb->mss;
	}
}

static void set_ssthresh(struct tcp_pcb *pcb)
{
	uint32_t half = flight_size(pcb) / 2;

	pcb->ssthresh = half > 2u * pcb->mss ? half : 2u * pcb->mss; /* RFC 5681 (4) */
	pcb->bytes_acked = 0;
}

static void newreno_enter_recovery(struct tcp_pcb *pcb)
{
	set_ssthresh(pcb);
	pcb->recover = pcb->snd_max;
	pcb->cwnd = pcb->ssthresh + 3u * pcb->mss;
}

static void newreno_dupack(struct tcp_pcb *pcb)
{
	pcb->cwnd += pcb->mss;
}

/* RFC 6582 3.2 step 3: a full ACK deflates to min(ssthresh, flight + MSS); a partial ACK
 * deflates by the amount acknowledged and adds back one MSS. */
static void newreno_recovery_ack(struct tcp_pcb *pcb, uint32_t acked, int full)
{
	if (full) {
		uint32_t f = flight_size(pcb) + pcb->mss;
		pcb->cwnd = pcb->ssthresh < f ? pcb->ssthresh : f;
		return;
	}
	pcb->cwnd = pcb->cwnd > acked ? pcb->cwnd - acked : 0;
	if (acked >= pcb->mss)
		pcb->cwnd += pcb->mss;
	if (pcb->cwnd < pcb->mss)
		pcb->cwnd = pcb->mss;
}

/* RFC 5681 (4): half the flight, at least two segments. */
static uint32_t newreno_ssthresh(struct tcp_pcb *pcb, uint64_t now)
{
	uint32_t half = flight_size(pcb) / 2;

	(void)now;
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
	.enter_recovery = newreno_enter_recovery,
	.dupack = newreno_dupack,
	.recovery_ack = newreno_recovery_ack,
	.timeout = newreno_timeout,
};
