/* SPDX-License-Identifier: MIT */
/* The sender's scoreboard and RACK-TLP (RFC 8985).
 *
 * Scoreboard: one record (struct tcp_sent) per transmitted segment above snd_una, in
 * sequence order, in a per-connection ring that doubles when full (no malloc per packet;
 * at most tcp_config.sent_max_segs records, past which new data joins the last record). A
 * TSO super-segment gets one record per MSS. Each record knows when it last left, whether
 * the receiver SACKed it, whether it is deemed lost and whether its retransmission is in
 * flight; sacked_out, lost_out and retrans_out sum those bytes, so RFC 6675's pipe is
 * flight - sacked - lost + retransmitted, without a walk.
 *
 * RACK: a segment is lost once a segment sent sufficiently later has been delivered (RFC
 * 8985 6.2): "later" in time, not in sequence, so a lost retransmission is found the same
 * way as a lost original. Records in sequence order that were never retransmitted are in
 * time order too, and a retransmitted one left after all of them; so the walk that looks for
 * losses stops at the first never-retransmitted record sent after RACK.xmit_ts.
 *
 * TLP: when the tail of a flight is lost no later segment is delivered to trigger RACK; a
 * probe (one new segment, or the last one again) after about two round trips draws the ACK
 * (with SACK) that lets RACK repair the tail, instead of waiting for the RTO (RFC 8985 7). */
#include <stdlib.h>
#include <string.h>

#include "net/log.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

uint64_t tcp_now_us(void)
{
	return net_clock_us();
}

/* ---- the records ---- */

#define SQ_AT(q, i) (&(q)->v[((q)->head + (i)) & ((q)->cap - 1)])

struct tcp_sent *tcp_sent_at(const struct tcp_pcb *pcb, unsigned i)
{
	return SQ_AT(&pcb->sentq, i);
}

void tcp_sent_free(struct tcp_pcb *pcb)
{
	if (pcb->sentq.v != pcb->sentq.inl)
		free(pcb->sentq.v);
	memset(&pcb->sentq, 0, sizeof(pcb->sentq));
	pcb->sacked_out = pcb->lost_out = pcb->retrans_out = 0;
}

static int sq_grow(struct tcp_sentq *q)
{
	unsigned ncap = q->cap ? q->cap * 2 : TCP_SENTQ_INLINE;
	struct tcp_sent *nv;

	if (ncap > tcp_config.sent_max_segs && q->cap)
		return -1;
	if (!q->cap) {
		q->v = q->inl;
		q->cap = ncap;
		q->head = 0;
		return 0;
	}
	nv = malloc(ncap * sizeof(*nv));
	if (!nv)
		return -1;
	for (unsigned i = 0; i < q->len; i++)
		nv[i] = *SQ_AT(q, i);
	if (q->v != q->inl)
		free(q->v);
	q->v = nv;
	q->cap = ncap;
	q->head = 0;
	return 0;
}

/* Opens a slot at index i (records from i up move one up). */
static struct tcp_sent *sq_insert(struct tcp_sentq *q, unsigned i)
{
	if (q->len == q->cap && sq_grow(q) < 0)
		return NULL;
	for (unsigned j = q->len; j > i; j--)
		*SQ_AT(q, j) = *SQ_AT(q, j - 1);
	q->len++;
	if (q->lost_hint > i)
		q->lost_hint++;
	return SQ_AT(q, i);
}

static unsigned sq_index(const struct tcp_sentq *q, const struct tcp_sent *e)
{
	return (unsigned)((e - q->v) - q->head) & (q->cap - 1);
}

/* Index of the first record whose end lies above seq (q->len if none): binary search. */
static unsigned sq_find(const struct tcp_sentq *q, uint32_t seq)
{
	unsigned lo = 0, hi = q->len;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (SEQ_LEQ(SQ_AT(q, mid)->end, seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Cuts record i at seq (inside it) into [seq_i, seq) and [seq, end_i); both keep the flags
 * and times (the byte counters do not change). Returns 0, or -1 when no record is free. */
static int sq_split(struct tcp_sentq *q, unsigned i, uint32_t seq)
{
	struct tcp_sent *e;

	if (!sq_insert(q, i + 1))
		return -1;
	e = SQ_AT(q, i);
	*SQ_AT(q, i + 1) = *e;
	SQ_AT(q, i + 1)->seq = seq;
	e->end = seq;
	return 0;
}

void tcp_sent_mark_lost(struct tcp_pcb *pcb, struct tcp_sent *e)
{
	struct tcp_sentq *q = &pcb->sentq;
	unsigned i = sq_index(q, e);

	if (e->flags & TSENT_SACKED)
		return;
	if (!(e->flags & TSENT_LOST)) {
		e->flags |= TSENT_LOST;
		pcb->lost_out += e->end - e->seq;
		pcb->rate.lost += e->end - e->seq;
	}
	if (e->flags & TSENT_RETRANS) {
		/* the retransmission was lost too: it is no longer in flight */
		e->flags &= (uint16_t)~TSENT_RETRANS;
		pcb->retrans_out -= e->end - e->seq;
		STAT_INC(tcp, snd_rexmt_lost);
	}
	if (i < q->lost_hint)
		q->lost_hint = i;
}

struct tcp_sent *tcp_sent_next_lost(struct tcp_pcb *pcb)
{
	struct tcp_sentq *q = &pcb->sentq;

	if (pcb->lost_out == 0)
		return NULL;
	for (unsigned i = q->lost_hint; i < q->len; i++) {
		struct tcp_sent *e = SQ_AT(q, i);
		if ((e->flags & (TSENT_LOST | TSENT_RETRANS | TSENT_SACKED)) == TSENT_LOST) {
			q->lost_hint = i;
			return e;
		}
	}
	q->lost_hint = q->len;
	return NULL;
}

uint32_t tcp_pipe(const struct tcp_pcb *pcb)
{
	uint32_t flight = pcb->snd_max - pcb->snd_una;
	uint32_t out = pcb->sacked_out + pcb->lost_out;

	/* without SACK, duplicate ACKs during recovery stand for segments that left the
	 * network (RFC 6675's pipe with RFC 5681's estimate; as Linux's "reno SACKs") */
	if (!(pcb->flags & TF_SACK_OK) && pcb->flags & TF_INRECOVERY) {
		uint32_t dup = pcb->dupacks * (uint32_t)pcb->mss;
		out += dup < flight ? dup : flight;
	}
	return (out < flight ? flight - out : 0) + pcb->retrans_out;
}

static void sq_append(struct tcp_pcb *pcb, uint32_t seq, uint32_t end, uint64_t now_us, int empty)
{
	struct tcp_sentq *q = &pcb->sentq;

	while (SEQ_LT(seq, end)) {
		uint32_t n = end - seq > pcb->mss ? pcb->mss : end - seq;
		struct tcp_sent *e = q->len < q->cap || sq_grow(q) == 0 ? sq_insert(q, q->len) : NULL;

		if (!e) {
			/* out of records: the last one grows (its bytes then count as sent
			 * now, which only makes RACK slower to call them lost) */
			STAT_INC(tcp, sent_seg_merged);
			if (q->len) {
				e = SQ_AT(q, q->len - 1);
				if (e->flags & TSENT_LOST)
					pcb->lost_out += end - e->end;
				if (e->flags & TSENT_SACKED)
					pcb->sacked_out += end - e->end;
				if (e->flags & TSENT_RETRANS)
					pcb->retrans_out += end - e->end;
				e->end = end;
				e->xmit_us = now_us;
			}
			return;
		}
		e->seq = seq;
		e->end = seq + n;
		e->xmit_us = now_us;
		e->flags = 0;
		e->xmits = 1;
		tcp_rate_sent(pcb, e, empty, now_us);
		seq += n;
	}
}

void tcp_sent_xmit(struct tcp_pcb *pcb, uint32_t seq, uint32_t end, uint64_t now_us)
{
	struct tcp_sentq *q = &pcb->sentq;
	uint32_t last = q->len ? SQ_AT(q, q->len - 1)->end : seq;
	int empty = q->len == 0;
	unsigned i;

	if (SEQ_LT(seq, pcb->snd_una))
		seq = pcb->snd_una;
	if (!SEQ_LT(seq, end))
		return;
	tcp_pace_charge(pcb, end - seq);
	/* the part already recorded is a retransmission */
	for (i = sq_find(q, seq); i < q->len && SEQ_LT(SQ_AT(q, i)->seq, end); i++) {
		struct tcp_sent *e = SQ_AT(q, i);
		if (SEQ_LT(e->seq, seq)) {
			if (sq_split(q, i, seq) < 0)
				continue;
			continue; /* the next turn takes [seq, end_i) */
		}
		if (SEQ_GT(e->end, end) && sq_split(q, i, end) < 0) {
			/* cannot cut: the whole record counts as resent */
		}
		e = SQ_AT(q, i);
		e->xmit_us = now_us;
		if (e->xmits < UINT16_MAX)
			e->xmits++;
		e->flags &= (uint16_t)~TSENT_PRE_RTO;
		tcp_rate_sent(pcb, e, 0, now_us);
		if (!(e->flags & (TSENT_RETRANS | TSENT_SACKED))) {
			/* a lost record's copy is in flight again; so is one resent without
			 * being lost (RFC 6675 NextSeg (3), the probe), counted twice in pipe */
			e->flags |= TSENT_RETRANS;
			pcb->retrans_out += e->end - e->seq;
		}
	}
	if (SEQ_GT(end, last) || q->len == 0)
		sq_append(pcb, SEQ_MAX(seq, last), end, now_us, empty);
}

/* ---- RACK (RFC 8985 6) ---- */

/* RACK_sent_after(t1, seq1, t2, seq2) */
static int sent_after(uint64_t t1, uint32_t seq1, uint64_t t2, uint32_t seq2)
{
	return t1 > t2 || (t1 == t2 && SEQ_GT(seq1, seq2));
}

/* Step 2: RACK.rtt, RACK.min_RTT, RACK.xmit_ts and RACK.end_seq from a delivered record. */
void tcp_rack_update(struct tcp_pcb *pcb, const struct tcp_sent *e, const struct tcp_hdr *th,
		     uint64_t now_us)
{
	struct tcp_rack *r = &pcb->rack;
	uint64_t rtt = now_us - e->xmit_us;

	if (e->xmits > 1) {
		/* an ACK of the original would make the sample too short: skip it when the
		 * echoed timestamp predates the retransmission, or the sample is shorter
		 * than any round trip seen */
		if (pcb->flags & TF_TS_OK && th->opt.has_ts && th->opt.tsecr &&
		    SEQ_LT(th->opt.tsecr, (uint32_t)(e->xmit_us / 1000) + pcb->ts_offset))
			return;
		uint64_t floor = r->min_rtt_us ? r->min_rtt_us : (uint64_t)(pcb->srtt >> 3) * 1000;
		if (rtt < floor)
			return; /* before any RACK sample, the handshake's RTT (as Linux) */
	}
	if (rtt > UINT32_MAX)
		rtt = UINT32_MAX;
	r->rtt_us = (uint32_t)rtt;
	/* NOTE: RFC 8985 keeps min_RTT over a recent window; the minimum over the
	 * connection does here, it only sizes the reordering window */
	if (!r->min_rtt_us || rtt < r->min_rtt_us)
		r->min_rtt_us = rtt ? (uint32_t)rtt : 1;
	if (sent_after(e->xmit_us, e->end, r->xmit_us, r->end_seq)) {
		r->xmit_us = e->xmit_us;
		r->end_seq = e->end;
	}
}

/* Step 4: a D-SACK widens the reordering window for 16 recoveries (one step per round). */
void tcp_rack_update_reo_wnd(struct tcp_pcb *pcb)
{
	struct tcp_rack *r = &pcb->rack;

	if (r->dsack_round_on && SEQ_GEQ(pcb->snd_una, r->dsack_round))
		r->dsack_round_on = 0;
	if (r->dsack_seen && !r->dsack_round_on) {
		r->dsack_round_on = 1;
		r->dsack_round = pcb->snd_max;
		if (r->reo_wnd_mult < 255)
			r->reo_wnd_mult++;
		r->reo_wnd_persist = 16;
	}
	r->dsack_seen = 0;
}

/* RACK_reo_wnd(): no allowance for reordering never seen once recovery is under way or
 * DupThresh segments are SACKed (then RACK acts as RFC 6675's rule would); else a quarter
 * of min_RTT per step, at most SRTT. */
static uint64_t rack_reo_wnd(const struct tcp_pcb *pcb)
{
	const struct tcp_rack *r = &pcb->rack;
	uint64_t w, srtt_us = (uint64_t)(pcb->srtt >> 3) * 1000;

	if (!r->reordering_seen) {
		if (pcb->flags & (TF_INRECOVERY | TF_LOSS))
			return 0;
		if (pcb->sacked_out >= 3u * pcb->mss)
			return 0;
	}
	w = (uint64_t)(r->reo_wnd_mult ? r->reo_wnd_mult : 1) * r->min_rtt_us / 4;
	if (srtt_us && w > srtt_us)
		w = srtt_us;
	return w;
}

/* Step 5 (RACK_detect_loss) and 6.3 (the reordering timer). */
uint32_t tcp_rack_detect_loss(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_sentq *q = &pcb->sentq;
	struct tcp_rack *r = &pcb->rack;
	uint64_t now_us = tcp_now_us(), reo_wnd = rack_reo_wnd(pcb);
	int64_t timeout = 0;
	uint32_t lost = 0;

	if (!r->xmit_us)
		return 0;
	for (unsigned i = 0; i < q->len; i++) {
		struct tcp_sent *e = SQ_AT(q, i);
		int64_t remaining;

		if (e->flags & TSENT_SACKED)
			continue;
		if ((e->flags & (TSENT_LOST | TSENT_RETRANS)) == TSENT_LOST)
			continue; /* already waiting for its retransmission */
		if (!sent_after(r->xmit_us, r->end_seq, e->xmit_us, e->end)) {
			if (e->xmits == 1)
				break; /* every later record left later still */
			continue;
		}
		remaining = (int64_t)(e->xmit_us + r->rtt_us + reo_wnd) - (int64_t)now_us;
		if (remaining <= 0) {
			STAT_INC(tcp, rack_lost_segs);
			lost += e->end - e->seq;
			tcp_sent_mark_lost(pcb, e);
			TCP_LOG(pcb, TCP_LOG_RACK_LOST, e->seq, e->end - e->seq);
		} else if (remaining > timeout) {
			timeout = remaining;
		}
	}
	if (timeout > 0)
		tcp_timer_arm(pcb, TCPT_RACK, now + (uint64_t)(timeout + 999) / 1000);
	else
		tcp_timer_cancel(pcb, TCPT_RACK);
	return lost;
}

/* 6.3: the reordering window passed for a segment RACK held back. */
void tcp_rack_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, rack_reo_timeouts);
	if (tcp_rack_detect_loss(pcb, now) && !(pcb->flags & TF_LOSS))
		tcp_loss_enter_recovery(pcb, now);
	tcp_output(pcb, now);
}

/* ---- TLP (RFC 8985 7) ---- */

#define TLP_WCDELACK_MS 200 /* WCDelAckT: the longest a receiver delays an ACK */
#define TLP_MIN_MS 10       /* as Linux: a timer finer than this fires on noise */

/* 7.2: schedules the probe when the flight has no SACKed data and no recovery is under
 * way (else RACK or the recovery has what it needs); one probe per flight. */
void tcp_tlp_schedule(struct tcp_pcb *pcb, uint64_t now)
{
	uint32_t flight = pcb->snd_max - pcb->snd_una;
	uint64_t pto, rto = tcp_rto_current(pcb);

	if (!tcp_config.rack || !(pcb->flags & TF_SACK_OK) || pcb->tlp_on || flight == 0 ||
	    pcb->flags & (TF_INRECOVERY | TF_LOSS) || pcb->sacked_out ||
	    !(pcb->state == TCP_ESTABLISHED || pcb->state == TCP_CLOSE_WAIT ||
	      pcb->state == TCP_FIN_WAIT_1 || pcb->state == TCP_CLOSING ||
	      pcb->state == TCP_LAST_ACK)) {
		tcp_timer_cancel(pcb, TCPT_PTO);
		return;
	}
	if (pcb->srtt) {
		pto = 2ull * (uint64_t)(pcb->srtt >> 3);
		if (flight <= pcb->mss)
			pto += TLP_WCDELACK_MS;
	} else {
		pto = 1000;
	}
	if (pto < TLP_MIN_MS)
		pto = TLP_MIN_MS;
	if (pto > rto)
		pto = rto;
	tcp_timer_arm(pcb, TCPT_PTO, now + pto);
}

/* 7.3: new data if the windows allow one segment, else the last segment again. */
void tcp_tlp_fire(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_sentq *q = &pcb->sentq;
	uint32_t unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_max;

	if (pcb->tlp_on || pcb->snd_una == pcb->snd_max || pcb->sacked_out ||
	    pcb->flags & (TF_INRECOVERY | TF_LOSS) || !q->len)
		return;
	STAT_INC(tcp, snd_tlp_probes);
	TCP_LOG(pcb, TCP_LOG_TLP, pcb->snd_max, 0);
	if ((int32_t)unsent > 0 && pcb->snd_nxt == pcb->snd_max &&
	    SEQ_LEQ(pcb->snd_max + (unsent < pcb->mss ? unsent : pcb->mss),
		    pcb->snd_una + pcb->snd_wnd)) {
		uint32_t before = pcb->snd_max;

		/* one segment past cwnd (RFC 8985 7.3 sends it whatever cwnd says): tcp_output
		 * takes pipe + 1 MSS for cwnd */
		pcb->flags |= TF_TLP_ONE;
		tcp_output(pcb, now);
		pcb->flags &= ~TF_TLP_ONE;
		if (pcb->snd_max != before) {
			STAT_INC(tcp, snd_tlp_new_data);
			pcb->tlp_on = 1;
			pcb->tlp_is_retrans = 0;
			pcb->tlp_end_seq = pcb->snd_max;
		}
	}
	if (!pcb->tlp_on) {
		struct tcp_sent *e = SQ_AT(q, q->len - 1);
		tcp_rexmt_range(pcb, e->seq, e->end - e->seq, now);
		pcb->tlp_on = 1;
		pcb->tlp_is_retrans = 1;
		pcb->tlp_end_seq = pcb->snd_max;
	}
	tcp_rexmt_arm(pcb, now);
}

/* 7.4: a retransmitted probe that the receiver did not report twice (D-SACK) repaired a
 * loss, which the congestion controller must hear of. */
void tcp_tlp_ack(struct tcp_pcb *pcb, uint32_t ack, int dsack, int dsack_tlp, uint64_t now)
{
	(void)dsack;
	if (!pcb->tlp_on || SEQ_LT(ack, pcb->tlp_end_seq))
		return;
	if (!pcb->tlp_is_retrans) {
		pcb->tlp_on = 0;
	} else if (dsack_tlp) {
		STAT_INC(tcp, tlp_unneeded);
		pcb->tlp_on = 0;
	} else if (SEQ_GT(ack, pcb->tlp_end_seq) || pcb->snd_una == pcb->snd_max) {
		pcb->tlp_on = 0;
		if (!(pcb->flags & (TF_INRECOVERY | TF_LOSS))) {
			/* EnterRecovery() and ExitRecovery() at once: cwnd = ssthresh */
			STAT_INC(tcp, tlp_recoveries);
			tcp_cc_tlp_recovery(pcb, now);
			TCP_LOG(pcb, TCP_LOG_TLP_RECOVERY, ack, 0);
		}
	}
}
