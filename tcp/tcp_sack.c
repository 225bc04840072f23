/* SPDX-License-Identifier: MIT */
/* Loss recovery on the sending side, driven by every acceptable ACK (tcp_loss_ack):
 *
 *  - SACK blocks (RFC 2018) mark the scoreboard (tcp_rack.c); a first block below the
 *    cumulative ACK or inside the second is a D-SACK (RFC 2883): a segment arrived twice.
 *  - Loss detection: RACK (RFC 8985, tcp_rack.c) when tcp_config.rack; else RFC 6675's
 *    DupThresh rule (IsLost) as written; without SACK, three duplicate ACKs (RFC 5681 3.2)
 *    and NewReno's partial ACKs (RFC 6582).
 *  - Fast recovery: Proportional Rate Reduction (RFC 6937, tcp_cc.c) sets cwnd on each ACK
 *    so that what is sent during recovery follows what is delivered, ending at ssthresh.
 *    This file only signals the events (tcp_cc_enter_recovery, tcp_cc_ack, ...); cwnd and
 *    ssthresh are written by tcp_cc.c and the algorithms.
 *  - After a retransmission timeout everything in flight is taken as lost and resent in
 *    slow start; RACK still finds lost retransmissions, so a lost retransmission costs a
 *    round trip, not another timeout. F-RTO (RFC 5682, SACK-enhanced) finds a spurious
 *    timeout by sending new data first.
 *  - Undo (RFC 3708 with D-SACK, RFC 3522 with timestamps): a reduction shown spurious is
 *    reverted (cwnd and ssthresh restored, cc->undo).
 * What goes on the wire is chosen by tcp_output: records marked lost first (NextSeg
 * rule (1)), then new data, while pipe < cwnd. */
#include "net/log.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

static int sack_ok(const struct tcp_pcb *pcb)
{
	return pcb->flags & TF_SACK_OK;
}

static int rack_on(const struct tcp_pcb *pcb)
{
	return tcp_config.rack && sack_ok(pcb);
}

/* Duplicate ACKs that mean a loss: 3 (RFC 5681 3.2), or with fewer than four segments in
 * flight and nothing new to send, one less than those segments (RFC 5827 2.1 early
 * retransmit): a flight that small cannot raise three duplicates. */
unsigned tcp_dupthresh(const struct tcp_pcb *pcb)
{
	uint32_t flight = pcb->snd_max - pcb->snd_una;
	uint32_t segs = (flight + pcb->mss - 1) / pcb->mss;
	uint32_t unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_max;

	if (segs >= 4 || segs < 2 || ((int32_t)unsent > 0 && pcb->snd_wnd > flight))
		return 3;
	return segs - 1;
}

/* RFC 3042 limited transmit (peers without SACK; with SACK the pipe leaves SACKed data
 * out and has the same effect): the first and second duplicate ACK each let one new
 * segment go beyond cwnd. The allowance tcp_output adds. */
uint32_t tcp_limited_transmit(const struct tcp_pcb *pcb)
{
	if (sack_ok(pcb) || pcb->flags & (TF_INRECOVERY | TF_LOSS) || pcb->dupacks == 0 ||
	    pcb->dupacks > 2 || pcb->snd_nxt != pcb->snd_max)
		return 0;
	return pcb->dupacks * pcb->mss;
}

/* ---- undo (RFC 3708, RFC 3522) ---- */

/* An episode begins (tcp_cc_loss_event keeps cwnd and ssthresh). */
static void undo_begin(struct tcp_pcb *pcb)
{
	pcb->undo_marker = pcb->snd_una;
	pcb->undo_retrans = tcp_config.dsack_undo ? 0 : -1;
	pcb->undo_ts_on = 0;
}

static void exit_recovery(struct tcp_pcb *pcb, uint64_t now, int undone);

/* The reduction of this episode was spurious: back to the window before it. */
static void undo(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_sentq *q = &pcb->sentq;

	tcp_cc_undo(pcb);
	/* what was taken as lost was not: the originals are in flight or delivered */
	for (unsigned i = 0; i < q->len; i++)
		tcp_sent_at(pcb, i)->flags &= (uint16_t)~(TSENT_LOST | TSENT_RETRANS | TSENT_PRE_RTO);
	pcb->lost_out = pcb->retrans_out = 0;
	pcb->undo_retrans = -1;
	pcb->flags &= ~(TF_LOSS | TF_FRTO | TF_FRTO_NEW);
	if (pcb->flags & TF_INRECOVERY)
		exit_recovery(pcb, now, 1);
	pcb->dupacks = 0;
}

/* RFC 3522: the ACK echoes a timestamp older than the first retransmission, so it was
 * the original that arrived. */
static int eifel(const struct tcp_pcb *pcb, const struct tcp_hdr *th)
{
	return tcp_config.dsack_undo && pcb->flags & TF_TS_OK && th->opt.has_ts && th->opt.tsecr &&
	       pcb->undo_ts_on && pcb->undo_retrans >= 0 && SEQ_LT(th->opt.tsecr, pcb->undo_tsval);
}

/* ---- fast recovery (PRR, RFC 6937, in tcp_cc.c) ---- */

void tcp_loss_enter_recovery(struct tcp_pcb *pcb, uint64_t now)
{
	if (pcb->flags & (TF_INRECOVERY | TF_LOSS))
		return;
	STAT_INC(tcp, snd_fast_rexmt);
	STAT_INC(tcp, prr_recoveries);
	undo_begin(pcb);
	tcp_cc_enter_recovery(pcb, now);
	pcb->recover = pcb->snd_max;
	pcb->flags |= TF_INRECOVERY;
	pcb->tlp_on = 0;
	tcp_timer_cancel(pcb, TCPT_PTO);
	TCP_LOG(pcb, TCP_LOG_RECOVERY_ENTER, pcb->snd_una, pcb->recover - pcb->snd_una);
	debugf("%u->%u recovery: una=%u max=%u ssthresh=%u", pcb->local_port, pcb->remote_port,
	       pcb->snd_una, pcb->snd_max, pcb->ssthresh);
}

/* undone: an undo set cwnd, which stays */
static void exit_recovery(struct tcp_pcb *pcb, uint64_t now, int undone)
{
	STAT_INC(tcp, recovery_exits);
	pcb->flags &= ~TF_INRECOVERY;
	pcb->dupacks = 0;
	tcp_cc_exit_recovery(pcb, now, undone);
	TCP_LOG(pcb, TCP_LOG_RECOVERY_EXIT, pcb->snd_una, 0);
	/* RFC 8985 6.2 step 4: the widened reordering window lasts 16 recoveries */
	if (pcb->rack.reo_wnd_persist && --pcb->rack.reo_wnd_persist == 0)
		pcb->rack.reo_wnd_mult = 1;
}

/* ---- RFC 6675 IsLost() (tcp_config.rack off) ---- */

/* Marks lost every unSACKed record with DupThresh SACKed segments, or more than
 * (DupThresh - 1) * SMSS SACKed bytes, above it (RFC 6675 4 IsLost). */
static uint32_t rfc6675_mark_lost(struct tcp_pcb *pcb)
{
	struct tcp_sentq *q = &pcb->sentq;
	uint32_t above = 0, segs = 0, lost = 0;
	unsigned dupthresh = 3;

	for (unsigned i = q->len; i-- > 0;) {
		struct tcp_sent *e = tcp_sent_at(pcb, i);
		if (e->flags & TSENT_SACKED) {
			above += e->end - e->seq;
			segs++;
			continue;
		}
		if (segs >= dupthresh || above > (dupthresh - 1) * (uint32_t)pcb->mss) {
			if (!(e->flags & TSENT_LOST)) {
				STAT_INC(tcp, rfc6675_lost_segs);
				lost += e->end - e->seq;
				tcp_sent_mark_lost(pcb, e);
			}
		}
	}
	return lost;
}

/* The first record not cumulatively acknowledged (HighACK + 1), if any. */
static struct tcp_sent *first_unsacked(struct tcp_pcb *pcb)
{
	for (unsigned i = 0; i < pcb->sentq.len; i++) {
		struct tcp_sent *e = tcp_sent_at(pcb, i);
		if (!(e->flags & TSENT_SACKED))
			return e;
	}
	return NULL;
}

/* ---- the ACK ---- */

/* RFC 2883 4: the first block is a D-SACK when it lies below the cumulative ACK or
 * inside the second block. */
static int is_dsack(const struct tcp_opts *o, uint32_t ack)
{
	if (!o->nsack)
		return 0;
	if (SEQ_LT(o->sack[0].left, ack))
		return 1;
	return o->nsack > 1 && SEQ_GEQ(o->sack[0].left, o->sack[1].left) &&
	       SEQ_LEQ(o->sack[0].right, o->sack[1].right);
}

/* One D-SACK block [l, r): RFC 3708 counts the retransmissions of the episode it reports
 * as unnecessary; when all are, the reduction was spurious. */
static void dsack_block(struct tcp_pcb *pcb, uint32_t l, uint32_t r)
{
	STAT_INC(tcp, rcv_dsack);
	TCP_LOG(pcb, TCP_LOG_DSACK, l, r - l);
	pcb->rack.dsack_seen = 1;
	if (pcb->undo_retrans > 0 && SEQ_GEQ(l, pcb->undo_marker) && SEQ_LEQ(r, pcb->snd_max) &&
	    SEQ_LT(l, r)) {
		int32_t segs = (int32_t)((r - l + pcb->mss - 1) / pcb->mss);
		STAT_ADD(tcp, rcv_dsack_undo_segs, (uint64_t)segs);
		pcb->undo_retrans -= segs;
		if (pcb->undo_retrans < 0)
			pcb->undo_retrans = 0;
	}
}

/* Marks records inside [l, r) SACKed; returns the bytes newly SACKed. */
static uint32_t sack_block(struct tcp_pcb *pcb, const struct tcp_hdr *th, uint32_t l, uint32_t r,
			   uint64_t now_us, uint32_t prior_fack, int *orig_acked,
			   struct tcp_rate_sample *rs)
{
	struct tcp_sentq *q = &pcb->sentq;
	uint32_t n = 0;

	for (unsigned i = 0; i < q->len; i++) {
		struct tcp_sent *e = tcp_sent_at(pcb, i);
		uint32_t len;

		if (SEQ_LEQ(e->end, l))
			continue;
		if (SEQ_GEQ(e->seq, r))
			break;
		/* NOTE: a block that covers only part of a record leaves it unSACKed (the
		 * receiver then holds a part that will be sent again): a peer SACKs whole
		 * segments, and records are segments */
		if (SEQ_LT(e->seq, l) || SEQ_GT(e->end, r) || e->flags & TSENT_SACKED)
			continue;
		len = e->end - e->seq;
		tcp_rate_delivered(pcb, e, rs, now_us);
		if (e->flags & TSENT_LOST)
			pcb->lost_out -= len;
		if (e->flags & TSENT_RETRANS)
			pcb->retrans_out -= len;
		e->flags = (uint16_t)((e->flags & ~(TSENT_LOST | TSENT_RETRANS)) | TSENT_SACKED);
		pcb->sacked_out += len;
		n += len;
		if (e->flags & TSENT_PRE_RTO)
			*orig_acked = 1; /* an original from before the RTO arrived (F-RTO) */
		tcp_rack_update(pcb, e, th, now_us);
		if (SEQ_LT(e->end, prior_fack) && e->xmits == 1)
			pcb->rack.reordering_seen = 1;
		if (SEQ_GT(e->end, pcb->high_sacked))
			pcb->high_sacked = e->end;
	}
	return n;
}

void tcp_loss_ack(struct tcp_pcb *pcb, const struct tcp_hdr *th, const struct tcp_ack_info *ai,
		  uint64_t now)
{
	const struct tcp_opts *o = &th->opt;
	uint64_t now_us = tcp_now_us();
	uint32_t ack = ai->ack, prior_fack = pcb->rack.fack, delivered = 0, acked = 0;
	int dsack = 0, dsack_tlp = 0, orig_acked = 0, newly_sacked = 0, karn_ok = 0;
	struct tcp_sentq *q = &pcb->sentq;
	uint64_t lost_before = pcb->rate.lost;
	struct tcp_rate_sample rs;

	tcp_rate_sample_init(pcb, &rs);

	if (SEQ_LT(pcb->high_sacked, pcb->snd_una))
		pcb->high_sacked = pcb->snd_una;
	if (SEQ_LT(prior_fack, pcb->snd_una))
		prior_fack = pcb->snd_una;
	/* SACK and D-SACK blocks (RFC 2018, RFC 2883) */
	if (sack_ok(pcb) && o->nsack) {
		uint32_t sacked;
		unsigned k = 0;

		if (is_dsack(o, ack)) {
			dsack = 1;
			dsack_block(pcb, o->sack[0].left, o->sack[0].right);
			if (pcb->tlp_on && pcb->tlp_is_retrans &&
			    SEQ_LT(o->sack[0].left, pcb->tlp_end_seq) &&
			    SEQ_GEQ(o->sack[0].right, pcb->tlp_end_seq))
				dsack_tlp = 1;
			k = 1;
		}
		for (; k < o->nsack; k++) {
			uint32_t l = o->sack[k].left, r = o->sack[k].right;
			if (!SEQ_LT(l, r) || SEQ_LEQ(r, ack) || SEQ_GT(r, pcb->snd_max)) {
				STAT_INC(tcp, rcv_sack_ignored);
				debugf("%u->%u sack block %u-%u ignored (ack=%u max=%u)",
				       pcb->local_port, pcb->remote_port, l, r, ack, pcb->snd_max);
				continue;
			}
			sacked = sack_block(pcb, th, SEQ_MAX(l, ack), r, now_us, prior_fack,
					    &orig_acked, &rs);
			delivered += sacked;
			newly_sacked |= sacked != 0;
			if (sacked)
				TCP_LOG(pcb, TCP_LOG_SACK, SEQ_MAX(l, ack), r - SEQ_MAX(l, ack));
		}
	}
	/* the cumulative ACK */
	if (SEQ_GT(ack, pcb->snd_una)) {
		acked = ack - pcb->snd_una;
		while (q->len && SEQ_LEQ(tcp_sent_at(pcb, 0)->end, ack)) {
			struct tcp_sent *e = tcp_sent_at(pcb, 0);
			if (!(e->flags & TSENT_SACKED)) {
				delivered += e->end - e->seq;
				tcp_rate_delivered(pcb, e, &rs, now_us);
				karn_ok |= e->xmits == 1;
				tcp_rack_update(pcb, e, th, now_us);
				if (SEQ_LT(e->end, prior_fack) && e->xmits == 1)
					pcb->rack.reordering_seen = 1;
				if (e->flags & TSENT_PRE_RTO)
					orig_acked = 1;
			}
			if (e->flags & TSENT_SACKED)
				pcb->sacked_out -= e->end - e->seq;
			if (e->flags & TSENT_LOST)
				pcb->lost_out -= e->end - e->seq;
			if (e->flags & TSENT_RETRANS)
				pcb->retrans_out -= e->end - e->seq;
			q->head = (q->head + 1) & (q->cap - 1);
			q->len--;
			if (q->lost_hint)
				q->lost_hint--;
		}
		if (q->len && SEQ_LT(tcp_sent_at(pcb, 0)->seq, ack)) {
			/* part of a record: it shrinks from the left */
			struct tcp_sent *e = tcp_sent_at(pcb, 0);
			uint32_t part = ack - e->seq;
			if (e->flags & TSENT_SACKED)
				pcb->sacked_out -= part;
			else
				delivered += part;
			if (e->flags & TSENT_LOST)
				pcb->lost_out -= part;
			if (e->flags & TSENT_RETRANS)
				pcb->retrans_out -= part;
			e->seq = ack;
		}
		if (!q->len) /* nothing recorded (a record could not be kept) */
			pcb->sacked_out = pcb->lost_out = pcb->retrans_out = 0;
		pcb->snd_una = ack;
		if (SEQ_LT(pcb->high_sacked, ack))
			pcb->high_sacked = ack;
	}
	if (SEQ_GT(ack, pcb->rack.fack))
		pcb->rack.fack = ack;
	if (SEQ_GT(pcb->high_sacked, pcb->rack.fack))
		pcb->rack.fack = pcb->high_sacked;
	if (delivered && pcb->rack.rtt_us)
		tcp_cc_rtt(pcb, pcb->rack.rtt_us, now);
	/* Karn (RFC 6298 5.7 with RFC 6298 3): the backed-off RTO stays until a segment
	 * that was never retransmitted is acknowledged. Timestamp samples (tcp_input) do not
	 * come while retransmissions go on (an older TSecr is not taken), and under heavy
	 * loss the backoff then grew for good: seconds between timeouts. */
	if (karn_ok && pcb->rxtshift)
		pcb->rxtshift = 0;

	/* duplicate ACKs (RFC 5681 2; RFC 6675 2 counts an ACK SACKing new data as one) */
	if (acked) {
		TCP_LOG(pcb, TCP_LOG_ACK, ack, delivered);
		if (!sack_ok(pcb) && pcb->flags & TF_INRECOVERY) {
			/* NewReno: the duplicates stood for segments now acknowledged */
			uint32_t segs = acked / pcb->mss;
			pcb->dupacks = pcb->dupacks > segs ? pcb->dupacks - segs : 0;
		} else {
			pcb->dupacks = 0;
		}
	} else if (pcb->snd_una != pcb->snd_max && (ai->dup || newly_sacked)) {
		STAT_INC(tcp, rcv_dup_acks);
		pcb->dupacks++;
		if (!sack_ok(pcb))
			delivered += pcb->mss; /* RFC 6937: one segment left the network */
		TCP_LOG(pcb, TCP_LOG_DUPACK, ack, delivered);
	} else if (!dsack) {
		pcb->dupacks = 0;
	}

	/* undo: every retransmission D-SACKed (RFC 3708), or the original echoed (RFC 3522) */
	if (pcb->flags & (TF_INRECOVERY | TF_LOSS) && pcb->undo_retrans == 0 && dsack &&
	    pcb->undo_ts_on) {
		STAT_INC(tcp, undo_dsack);
		undo(pcb, now);
	} else if (pcb->flags & (TF_INRECOVERY | TF_LOSS) && acked && eifel(pcb, th) &&
		   (SEQ_GEQ(ack, pcb->recover) || pcb->flags & TF_LOSS)) {
		STAT_INC(tcp, undo_eifel);
		undo(pcb, now);
	}
	/* F-RTO (RFC 5682 3.1, SACK-enhanced, as Linux runs it) */
	if (pcb->flags & TF_LOSS && pcb->flags & TF_FRTO) {
		if (orig_acked) {
			/* an original sent before the timeout arrived: the timeout was spurious */
			STAT_INC(tcp, frto_spurious);
			STAT_INC(tcp, undo_frto);
			undo(pcb, now);
		} else if (SEQ_GT(pcb->snd_max, pcb->recover)) {
			/* step 3a: new data went out and the receiver still reports a hole */
			if (newly_sacked || ai->dup) {
				STAT_INC(tcp, frto_real);
				pcb->flags &= ~(TF_FRTO | TF_FRTO_NEW);
			}
		} else if (acked && SEQ_LT(ack, pcb->recover)) {
			/* step 2b: the first ACK after the timeout covers the retransmission;
			 * new data instead of more retransmissions tells the two cases apart */
			uint32_t unsent = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len - pcb->snd_max;
			if ((int32_t)unsent > 0 && SEQ_GT(pcb->snd_una + pcb->snd_wnd, pcb->snd_max)) {
				pcb->flags |= TF_FRTO_NEW;
				pcb->recover = pcb->snd_max;
			} else {
				STAT_INC(tcp, frto_real);
				pcb->flags &= ~TF_FRTO;
			}
		} else if (!acked) {
			pcb->flags &= ~(TF_FRTO | TF_FRTO_NEW);
		}
	}
	/* end of an episode: everything outstanding at its start is acknowledged */
	if (pcb->flags & TF_INRECOVERY && SEQ_GEQ(ack, pcb->recover) && acked) {
		exit_recovery(pcb, now, 0);
		acked = 0; /* no growth on the ACK that ends recovery (RFC 6937) */
	}
	if (pcb->flags & TF_LOSS && SEQ_GEQ(ack, pcb->recover) && acked) {
		pcb->flags &= ~(TF_LOSS | TF_FRTO | TF_FRTO_NEW);
		if (pcb->rack.reo_wnd_persist && --pcb->rack.reo_wnd_persist == 0)
			pcb->rack.reo_wnd_mult = 1;
	}
	tcp_rack_update_reo_wnd(pcb);

	/* loss detection */
	if (pcb->snd_una != pcb->snd_max) {
		if (rack_on(pcb)) {
			tcp_rack_detect_loss(pcb, now);
		} else if (sack_ok(pcb)) {
			struct tcp_sent *first = first_unsacked(pcb);

			rfc6675_mark_lost(pcb);
			/* RFC 6675 5: DupAcks >= DupThresh (or IsLost(HighACK + 1)) and HighACK
			 * past RecoveryPoint start recovery; (4.3) with HighACK + 1 resent */
			if (!(pcb->flags & (TF_INRECOVERY | TF_LOSS)) && first &&
			    SEQ_GEQ(pcb->snd_una, pcb->recover) &&
			    (pcb->dupacks >= tcp_dupthresh(pcb) || first->flags & TSENT_LOST)) {
				tcp_sent_mark_lost(pcb, first);
				TCP_LOG(pcb, TCP_LOG_FAST_RETRANSMIT, first->seq, first->end - first->seq);
				tcp_loss_enter_recovery(pcb, now);
			}
		} else if (!(pcb->flags & (TF_INRECOVERY | TF_LOSS))) {
			/* RFC 6582 3.2 step 2: only past the last recovery point. NOTE: it asks
			 * for an ACK above `recover`; reaching it is enough (as Linux's check
			 * against high_seq), or a loss right after a recovery waits for the RTO */
			if (pcb->dupacks >= tcp_dupthresh(pcb) && SEQ_GEQ(pcb->snd_una, pcb->recover) &&
			    q->len) {
				tcp_sent_mark_lost(pcb, tcp_sent_at(pcb, 0));
				TCP_LOG(pcb, TCP_LOG_FAST_RETRANSMIT, pcb->snd_una, pcb->mss);
				tcp_loss_enter_recovery(pcb, now);
			}
		} else if (pcb->flags & TF_INRECOVERY && acked && q->len) {
			/* RFC 6582 3.2 step 5: a partial ACK; the next hole goes at once */
			tcp_sent_mark_lost(pcb, tcp_sent_at(pcb, 0));
		}
		if (pcb->lost_out > pcb->retrans_out && !(pcb->flags & (TF_INRECOVERY | TF_LOSS)) &&
		    sack_ok(pcb))
			tcp_loss_enter_recovery(pcb, now);
	} else {
		tcp_timer_cancel(pcb, TCPT_RACK);
	}

	/* the window (tcp_cc.c): the algorithm's own with this ACK's rate sample, or PRR in
	 * recovery and the algorithm's growth outside it */
	tcp_rate_gen(pcb, delivered, (uint32_t)(pcb->rate.lost - lost_before), &rs, now_us);
	tcp_cc_ack(pcb, acked, delivered, &rs, now, now_us);

	tcp_tlp_ack(pcb, ack, dsack, dsack_tlp, now);
	/* RFC 8985 7.2: an ACK of new data re-arms the probe, once tcp_output has sent
	 * what it allows (tcp_input), so that the flight it sees is the new one */
	if (acked)
		tcp_timer_cancel(pcb, TCPT_PTO);
}

/* RFC 6298 5.4-5.6, RFC 5681 3.1 (4)-(5), RFC 6675 5.1: every record not SACKed is taken
 * as lost and sent again from cwnd = 1 MSS. The SACKed ones are not (the receiver holds
 * them) unless the timer fires again, in case the receiver reneged (RFC 2018 8). */
void tcp_loss_timeout(struct tcp_pcb *pcb, uint64_t now)
{
	struct tcp_sentq *q = &pcb->sentq;

	if (!(pcb->flags & TF_LOSS)) {
		if (!(pcb->flags & TF_INRECOVERY)) {
			undo_begin(pcb);
			tcp_cc_loss_event(pcb, now);
		} else {
			pcb->undo_retrans = -1; /* a timeout in recovery: no undo */
		}
		if (tcp_config.frto && pcb->rxtshift == 1)
			pcb->flags |= TF_FRTO;
	} else {
		pcb->flags &= ~(TF_FRTO | TF_FRTO_NEW);
	}
	tcp_cc_on_rto(pcb, now);
	pcb->flags &= ~TF_INRECOVERY;
	pcb->flags |= TF_LOSS;
	pcb->recover = pcb->snd_max;
	pcb->dupacks = 0;
	pcb->tlp_on = 0;
	tcp_timer_cancel(pcb, TCPT_PTO);
	tcp_timer_cancel(pcb, TCPT_RACK);
	for (unsigned i = 0; i < q->len; i++) {
		struct tcp_sent *e = tcp_sent_at(pcb, i);
		if (e->flags & TSENT_SACKED && pcb->rxtshift > 1) {
			e->flags &= (uint16_t)~TSENT_SACKED;
			pcb->sacked_out -= e->end - e->seq;
		}
		if (!(e->flags & TSENT_SACKED)) {
			if (!(e->flags & TSENT_LOST))
				STAT_INC(tcp, rto_lost_segs);
			tcp_sent_mark_lost(pcb, e);
			if (pcb->rxtshift == 1 && e->xmits == 1)
				e->flags |= TSENT_PRE_RTO;
		}
	}
	if (pcb->rxtshift > 1)
		pcb->high_sacked = pcb->snd_una;
}

void tcp_loss_mark_all(struct tcp_pcb *pcb)
{
	for (unsigned i = 0; i < pcb->sentq.len; i++)
		tcp_sent_mark_lost(pcb, tcp_sent_at(pcb, i));
}
