/* SPDX-License-Identifier: MIT */
/* Delivery rate estimation (draft-cheng-iccrg-delivery-rate-estimation) and pacing.
 *
 * Rate: the connection counts the bytes delivered (cumulatively ACKed or newly SACKed) and
 * when the last delivery happened. Each sent-segment record takes a snapshot of that count,
 * of that time and of when the current flight's first segment left. When an ACK delivers
 * records, the newest of them (the last sent) gives the sample: the bytes delivered since
 * it left, over the longer of its send interval (first_tx to its own send) and its ACK
 * interval (the delivery before it left to now). The longer one, because ACK compression
 * can make the ACK interval short and a burst of sends can make the send interval short;
 * neither can make the delivered amount go faster than the bottleneck did over both.
 * Samples taken while the application left the pipe short are marked app-limited: they
 * measure the application, not the path, and only count when they raise the estimate.
 *
 * Pacing: an algorithm with cong_control (BBR) sets pcb->pacing_rate in bytes per second.
 * The loop's timers count milliseconds, so sends are paced in quanta: a credit grows with
 * time at the pacing rate up to a burst of max(2 segments, 1 ms worth); a segment leaves
 * while the credit is positive and takes its length off it, and when the credit is spent
 * the TCPT_PACE timer fires when it is positive again. No allocation: the credit and its
 * time stamp live in the pcb. */
#include "net/log.h"
#include "tcp/tcp_var.h"

#define USEC_PER_SEC 1000000ull

void tcp_rate_sent(struct tcp_pcb *pcb, struct tcp_sent *e, int empty, uint64_t now_us)
{
	struct tcp_rate *r = &pcb->rate;

	/* nothing in flight: the sampling flight (and the ACK interval) start here */
	if (empty) {
		r->first_tx_us = now_us;
		r->delivered_us = now_us;
	}
	e->delivered = r->delivered;
	e->delivered_us = r->delivered_us ? r->delivered_us : 1;
	e->first_tx_us = r->first_tx_us;
	if (r->app_limited)
		e->flags |= TSENT_APP_LIMITED;
	else
		e->flags &= (uint16_t)~TSENT_APP_LIMITED;
}

/* The draft's CheckIfApplicationLimited: less than a segment waits to be sent, the pipe is
 * below cwnd and no loss waits for its retransmission. The bubble ends once everything in
 * flight now is delivered. */
void tcp_rate_check_app_limited(struct tcp_pcb *pcb)
{
	uint32_t unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_nxt;
	uint32_t pipe = tcp_pipe(pcb);

	if ((int32_t)unsent < (int32_t)pcb->mss && pipe < pcb->cwnd &&
	    pcb->lost_out <= pcb->retrans_out) {
		uint64_t mark = pcb->rate.delivered + pipe;
		pcb->rate.app_limited = mark ? mark : 1;
	}
}

void tcp_rate_sample_init(struct tcp_pcb *pcb, struct tcp_rate_sample *rs)
{
	*rs = (struct tcp_rate_sample){ .delivered = -1, .interval_us = -1, .rtt_us = -1,
					.send_us = -1 };
	rs->prior_in_flight = tcp_pipe(pcb);
}

static int sent_after(uint64_t t1, uint32_t end1, uint64_t t2, uint32_t end2)
{
	return t1 > t2 || (t1 == t2 && SEQ_GT(end1, end2));
}

void tcp_rate_delivered(struct tcp_pcb *pcb, struct tcp_sent *e, struct tcp_rate_sample *rs,
			uint64_t now_us)
{
	(void)pcb;
	if (e->xmits == 1 && now_us >= e->xmit_us &&
	    (rs->rtt_us < 0 || (int64_t)(now_us - e->xmit_us) < rs->rtt_us))
		rs->rtt_us = (int64_t)(now_us - e->xmit_us);
	if (!e->delivered_us)
		return; /* sampled already (SACKed before), or sent before sampling began */
	if (!rs->prior_set || sent_after(e->xmit_us, e->end, rs->prior_xmit_us, rs->prior_end)) {
		rs->prior_set = 1;
		rs->prior_delivered = e->delivered;
		rs->prior_us = e->delivered_us;
		rs->prior_xmit_us = e->xmit_us;
		rs->prior_end = e->end;
		rs->is_app_limited = !!(e->flags & TSENT_APP_LIMITED);
		rs->is_retrans = e->xmits > 1;
		rs->send_us = (int64_t)(e->xmit_us - e->first_tx_us);
		/* the next flight's send interval starts at this record's send */
		pcb->rate.first_tx_us = e->xmit_us;
	}
	e->delivered_us = 0;
}

void tcp_rate_gen(struct tcp_pcb *pcb, uint32_t delivered, uint32_t lost,
		  struct tcp_rate_sample *rs, uint64_t now_us)
{
	struct tcp_rate *r = &pcb->rate;
	int64_t ack_us;

	r->delivered += delivered; /* r->lost counts as records are marked (tcp_rack.c) */
	if (r->app_limited && r->delivered > r->app_limited)
		r->app_limited = 0; /* the bubble has left the pipe */
	if (delivered)
		r->delivered_us = now_us;
	rs->acked_sacked = delivered;
	rs->losses = lost;
	if (!rs->prior_set) {
		rs->delivered = rs->interval_us = -1;
		return;
	}
	rs->delivered = (int64_t)(r->delivered - rs->prior_delivered);
	ack_us = (int64_t)(now_us - rs->prior_us);
	rs->interval_us = rs->send_us > ack_us ? rs->send_us : ack_us;
	/* shorter than a round trip: a delayed or stretched ACK cut the interval short, and
	 * the rate it gives would be too high (the draft, "Bounding the interval") */
	if (rs->interval_us < (int64_t)pcb->rack.min_rtt_us) {
		rs->interval_us = -1;
		return;
	}
	if (rs->delivered > 0 && rs->interval_us > 0 &&
	    (!rs->is_app_limited || !r->rate_interval_us ||
	     (uint64_t)rs->delivered * r->rate_interval_us >=
		     r->rate_delivered * (uint64_t)rs->interval_us)) {
		r->rate_delivered = (uint64_t)rs->delivered;
		r->rate_interval_us = (uint64_t)rs->interval_us;
		r->rate_app_limited = rs->is_app_limited;
	}
}

uint64_t tcp_rate_bps(const struct tcp_pcb *pcb)
{
	const struct tcp_rate *r = &pcb->rate;

	return r->rate_interval_us ? r->rate_delivered * 1000000u / r->rate_interval_us : 0;
}

/* ---- pacing ---- */

static uint64_t pace_burst(const struct tcp_pcb *pcb)
{
	uint64_t ms = pcb->pacing_rate / 1000;

	return ms > 2u * pcb->mss ? ms : 2u * pcb->mss;
}

uint32_t tcp_pace_quantum(const struct tcp_pcb *pcb)
{
	uint64_t q;

	if (!pcb->pacing_rate)
		return 0;
	q = pace_burst(pcb);
	if (q > 65536)
		q = 65536;
	return (uint32_t)(q - q % pcb->mss);
}

static void pace_refill(struct tcp_pcb *pcb, uint64_t now_us)
{
	uint64_t burst = pace_burst(pcb);

	if (now_us > pcb->pace_stamp_us) {
		uint64_t add = pcb->pacing_rate * (now_us - pcb->pace_stamp_us) / USEC_PER_SEC;

		if (pcb->pace_stamp_us == 0 || add > burst)
			add = burst; /* the first send, or idle long enough */
		pcb->pace_credit += (int64_t)add;
		pcb->pace_stamp_us = now_us;
	}
	if (pcb->pace_credit > (int64_t)burst)
		pcb->pace_credit = (int64_t)burst;
}

int tcp_pace_ok(struct tcp_pcb *pcb, uint64_t now)
{
	uint64_t wait_us, wait_ms;

	if (!pcb->pacing_rate)
		return 1;
	pace_refill(pcb, tcp_now_us());
	if (pcb->pace_credit > 0)
		return 1;
	/* until the credit is positive again, in whole ms (the loop's timers) */
	wait_us = ((uint64_t)(-pcb->pace_credit) + 1) * USEC_PER_SEC / pcb->pacing_rate;
	wait_ms = (wait_us + 999) / 1000;
	if (!wait_ms)
		wait_ms = 1;
	STAT_INC(tcp, snd_paced);
	tcp_timer_arm(pcb, TCPT_PACE, now + wait_ms);
	return 0;
}

void tcp_pace_charge(struct tcp_pcb *pcb, uint32_t len)
{
	if (pcb->pacing_rate)
		pcb->pace_credit -= len;
}
