/* SPDX-License-Identifier: MIT */
/* Segment arrival, RFC 9293 3.10.7 step by step, with RFC 5961 (challenge ACKs), RFC 7323
 * (timestamps, PAWS, window scale) and RFC 6582 (NewReno recovery). The segment being
 * processed is a struct tcp_seg passed by pointer. Every path leaves through one of the
 * labels drop / dropafterack / dropwithreset, which free the pkb exactly once (unless it
 * was queued out of order, in which case seg->p is NULL and the pcb owns it). */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "net/perstack.h"
#include "ip/icmp.h"
#include "net/log.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

struct tcp_seg {
	struct tcp_hdr th;
	struct pkb *p;
	uint8_t *data;      /* payload */
	uint32_t len;       /* payload bytes */
	struct net_addr src, dst;
	const struct net_family_ops *fam; /* the family that delivered it */
	uint64_t now;
	int tw_reopen;      /* a SYN reopening a TIME_WAIT connection: use tw_iss */
	uint32_t tw_iss;
	uint32_t hash;      /* tcp_pcb_hash4 of the 4-tuple (local first): the one hash of it */
};

static uint32_t seg_seqlen(const struct tcp_seg *s)
{
	return s->len + !!(s->th.flags & TCP_SYN) + !!(s->th.flags & TCP_FIN);
}

/* RFC 5961 7: challenge ACKs are limited to challenge_ack_per_s across the stack. */
PERSTACK_STATIC(uint64_t, chack_start)
#define chack_start PERSTACK_REF(uint64_t, chack_start)
PERSTACK_STATIC(unsigned, chack_count)
#define chack_count PERSTACK_REF(unsigned, chack_count)

int tcp_challenge_allowed(uint64_t now)
{
	if (now - chack_start >= 1000) {
		chack_start = now;
		chack_count = 0;
	}
	if (chack_count >= tcp_config.challenge_ack_per_s) {
		STAT_INC(tcp, snd_challenge_limited);
		return 0;
	}
	chack_count++;
	STAT_INC(tcp, snd_challenge_ack);
	return 1;
}

static void tcp_challenge_ack(struct tcp_pcb *pcb, uint64_t now)
{
	if (tcp_challenge_allowed(now))
		tcp_send_ack(pcb, now);
}

/* Options of a SYN (RFC 9293 3.7.1, RFC 7323 2-3, RFC 2018). */
void tcp_syn_options(struct tcp_pcb *pcb, const struct tcp_opts *o, uint64_t now)
{
	tcp_pcb_set_mss(pcb, o->has_mss ? o->mss : 0);
	if (o->has_wscale && tcp_config.window_scaling) {
		pcb->flags |= TF_WS_OK;
		/* RFC 7323 2.3: values above 14 are taken as 14 */
		pcb->snd_wscale = o->wscale > 14 ? 14 : o->wscale;
	} else {
		pcb->snd_wscale = pcb->rcv_wscale = 0;
	}
	if (o->has_ts && tcp_config.timestamps) {
		pcb->flags |= TF_TS_OK;
		pcb->ts_recent = o->tsval;
		pcb->ts_recent_age = now;
		pcb->mss -= 12; /* every segment carries the 12-byte option */
	}
	if (o->sack_permitted && tcp_config.sack)
		pcb->flags |= TF_SACK_OK; /* our ACKs carry SACK blocks (tcp_reass.c) */
	tcp_cc_init(pcb);
}

static void tcp_established(struct tcp_pcb *pcb, uint64_t now)
{
	tcp_pcb_set_state(pcb, TCP_ESTABLISHED);
	STAT_INC(tcp, conn_established);
	pcb->last_recv = now;
	/* quick ACK mode (as Linux): the sender's window grows with our ACKs, so the first
	 * segments are ACKed one by one rather than every second or after a delay */
	pcb->quickack = tcp_config.quickacks;
	pcb->last_data_rcv = now;
	tcp_keep_arm(pcb, now);
	if (pcb->flags & TF_FIN_QUEUED)
		tcp_pcb_set_state(pcb, TCP_FIN_WAIT_1); /* close() came before the handshake ended */
}

static void tcp_sync_input(struct tcp_pcb *pcb, struct tcp_seg *s);

/* ---- LISTEN (RFC 9293 3.10.7.2) ----
 * A SYN makes a syncache entry (or a cookie), not a control block; the ACK that completes
 * the handshake makes the child, which then takes the ACK as SYN_RECEIVED would. */
static void tcp_listen_input(struct tcp_pcb *l, struct tcp_seg *s)
{
	enum tcp_sc_verdict v;
	struct tcp_pcb *c;

	if (s->th.flags & TCP_RST) {
		tcp_syncache_rst(l, &s->th, &s->src, &s->dst, s->hash);
		goto drop;
	}
	if (s->th.flags & TCP_ACK) {
		if (s->th.flags & TCP_SYN) {
			STAT_INC(tcp, rcv_listen_bad_ack);
			goto dropwithreset;
		}
		c = tcp_syncache_ack(l, &s->th, &s->src, &s->dst, s->hash, s->now, &v);
		if (c) {
			tcp_sync_input(c, s);
			return;
		}
		if (v == TCP_SC_RESET)
			goto dropwithreset;
		goto drop;
	}
	if (!(s->th.flags & TCP_SYN)) {
		STAT_INC(tcp, rcv_listen_no_syn);
		goto drop;
	}
	/* one from a broadcast or multicast address cannot be a peer (as BSD checks here) */
	if (net_addr_is_any(&s->src) || s->fam->is_broadcast(&s->src) ||
	    s->fam->is_multicast(&s->src)) {
		STAT_INC(tcp_sc, rcv_syn_bad_src);
		goto drop;
	}
	/* NOTE: RFC 9293 3.10.7.2: data or FIN in the SYN is not queued; it is not
	 * acknowledged either, so the peer sends it again. */
	tcp_syncache_syn(l, &s->th, &s->src, &s->dst, s->hash, s->tw_reopen, s->tw_iss,
			 s->now);
	goto drop;
dropwithreset:
	tcp_send_reset_limited(&s->dst, &s->src, &s->th, seg_seqlen(s), s->now);
drop:
	pkb_free(s->p);
}

/* ---- SYN_SENT (RFC 9293 3.10.7.3) ---- */
static void tcp_synsent_input(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	const struct tcp_hdr *th = &s->th;
	int ack_ok = 0;

	if (th->flags & TCP_ACK) {
		if (SEQ_LEQ(th->ack, pcb->iss) || SEQ_GT(th->ack, pcb->snd_max)) {
			STAT_INC(tcp, rcv_synsent_bad_ack);
			if (th->flags & TCP_RST)
				goto drop;
			goto dropwithreset;
		}
		ack_ok = 1;
	}
	if (th->flags & TCP_RST) {
		if (ack_ok) {
			STAT_INC(tcp, rcv_rst);
			pkb_free(s->p);
			tcp_pcb_drop(pcb, -ECONNREFUSED);
			return;
		}
		/* RFC 9293 3.10.7.3 second: without an ACK of our SYN it proves nothing */
		STAT_INC(tcp, rcv_synsent_rst_no_ack);
		debugf("SYN_SENT: RST without ACK dropped");
		goto drop;
	}
	if (!(th->flags & TCP_SYN)) {
		STAT_INC(tcp, rcv_synsent_no_syn);
		goto drop;
	}
	pcb->irs = th->seq;
	pcb->rcv_nxt = th->seq + 1;
	pcb->rcv_adv = pcb->rcv_acked = pcb->rcv_nxt;
	tcp_syn_options(pcb, &s->th.opt, s->now);
	if (ack_ok) {
		pcb->snd_una = th->ack;
		if (pcb->rtt_start && !(pcb->flags & TF_TS_OK))
			tcp_rtt_update(pcb, (uint32_t)(s->now - pcb->rtt_start));
		else if (pcb->flags & TF_TS_OK && th->opt.tsecr)
			tcp_rtt_update(pcb, tcp_ts_now(pcb, s->now) - th->opt.tsecr);
		pcb->rtt_start = 0;
		pcb->rxtshift = 0;
		tcp_timer_cancel(pcb, TCPT_REXMT);
		pcb->snd_wnd = th->wnd;
		pcb->max_sndwnd = pcb->snd_wnd;
		pcb->snd_wl1 = th->seq;
		pcb->snd_wl2 = th->ack;
		tcp_established(pcb, s->now);
		pcb->flags |= TF_ACKNOW;
		tcp_output(pcb, s->now);
		tcp_pcb_notify(pcb);
		goto drop;
	}
	/* simultaneous open (RFC 9293 3.5 figure 8): answer with SYN,ACK from the same ISS */
	pcb->snd_wnd = th->wnd;
	pcb->max_sndwnd = pcb->snd_wnd;
	pcb->snd_wl1 = th->seq;
	tcp_pcb_set_state(pcb, TCP_SYN_RECEIVED);
	pcb->snd_nxt = pcb->iss;
	tcp_output(pcb, s->now);
	goto drop;
dropwithreset:
	tcp_send_reset(&s->dst, &s->src, &s->th, seg_seqlen(s), s->now);
drop:
	pkb_free(s->p);
}

/* RFC 9293 3.10.7.4 first: the four acceptability cases. */
static int tcp_seq_acceptable(const struct tcp_pcb *pcb, const struct tcp_seg *s)
{
	uint32_t wnd = SEQ_GT(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	uint32_t seq = s->th.seq, len = seg_seqlen(s);

	if (len == 0) {
		if (wnd == 0)
			return seq == pcb->rcv_nxt;
		return SEQ_LEQ(pcb->rcv_nxt, seq) && SEQ_LT(seq, pcb->rcv_nxt + wnd);
	}
	if (wnd == 0)
		return 0;
	return (SEQ_LEQ(pcb->rcv_nxt, seq) && SEQ_LT(seq, pcb->rcv_nxt + wnd)) ||
	       (SEQ_LEQ(pcb->rcv_nxt, seq + len - 1) && SEQ_LT(seq + len - 1, pcb->rcv_nxt + wnd));
}


/* RFC 9293 3.10.7.4 eighth: the FIN, acknowledged at once, except where the application
 * can still answer: in CLOSE_WAIT under run to completion (net_loop_driven, as the quick
 * ACK) the ACK waits for the end of the round, where the hook (tcp_ack_flush) sends it
 * unless what the application sent or its close (the FIN) carried it first. A peer that
 * closes a connection unused, or ends a keep-alive connection, so gets FIN and ACK in one
 * segment, as Linux's delayed ACK gives it. A repeated FIN (our ACK was lost), and a FIN
 * in FIN_WAIT_1 or FIN_WAIT_2 (our FIN already sent; TIME_WAIT's record takes over just
 * after the output) are ACKed at once. */
static void tcp_process_fin(struct tcp_pcb *pcb)
{
	if (pcb->flags & TF_RCVD_FIN) {
		pcb->flags |= TF_ACKNOW;
		return;
	}
	pcb->rcv_nxt++;
	pcb->flags |= TF_RCVD_FIN;
	switch (pcb->state) {
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
		tcp_pcb_set_state(pcb, TCP_CLOSE_WAIT);
		if (tcp_ack_batching() && net_loop_driven())
			tcp_ack_defer(pcb);
		else
			pcb->flags |= TF_ACKNOW;
		break;
	case TCP_FIN_WAIT_1:
		/* our FIN not yet acknowledged (else we would be in FIN_WAIT_2) */
		tcp_pcb_set_state(pcb, TCP_CLOSING);
		pcb->flags |= TF_ACKNOW;
		break;
	case TCP_FIN_WAIT_2:
		tcp_pcb_set_state(pcb, TCP_TIME_WAIT); /* a record takes over (tcp_sync_input) */
		tcp_timers_cancel_all(pcb);
		pcb->flags |= TF_ACKNOW;
		break;
	default:
		pcb->flags |= TF_ACKNOW;
		break;
	}
	tcp_pcb_notify(pcb);
}

/* RFC 9293 3.10.7.4 fifth, the ACK field, once the ACK is known to be acceptable. Returns
 * 1 if the pcb was freed (LAST_ACK completed). */
static int tcp_process_ack(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	const struct tcp_hdr *th = &s->th;
	uint32_t ack = th->ack, wnd = (uint32_t)th->wnd << pcb->snd_wscale;
	int ourfinisacked = 0;

	struct tcp_ack_info ai = { .ack = ack, .wnd = wnd };

	if (SEQ_LEQ(ack, pcb->snd_una)) {
		/* RFC 5681 2: a duplicate ACK carries no data, does not move the window and
		 * arrives while data is outstanding; RFC 6675 2 adds one that SACKs new data
		 * whatever its window (Linux's receiver opens its window while it queues
		 * out-of-order data: every such ACK missed would cost a timeout). */
		ai.dup = ack == pcb->snd_una && s->len == 0 && !(th->flags & (TCP_SYN | TCP_FIN)) &&
			 wnd == pcb->snd_wnd && wnd != 0 && pcb->snd_una != pcb->snd_max;
		if (ack == pcb->snd_una)
			tcp_loss_ack(pcb, th, &ai, s->now);
	} else {
		uint32_t data_end = pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len;
		uint32_t upto = SEQ_MIN(ack, data_end);

		/* RTT sample: timestamps (RFC 7323 4.1) or the timed segment (Karn) */
		/* NOTE: RFC 7323 4.1 takes every echoed timestamp; one older than our last
		 * retransmission timed the original send, so the sample would include the
		 * RTO wait and, under heavy loss, feed the backoff into the RTO (Karn's rule
		 * applied to timestamps, as the Eifel algorithm RFC 3522 reasons). */
		if (pcb->flags & TF_TS_OK && th->opt.has_ts && th->opt.tsecr) {
			if (!pcb->ts_rexmt || SEQ_GEQ(th->opt.tsecr, pcb->ts_rexmt))
				tcp_rtt_update(pcb, tcp_ts_now(pcb, s->now) - th->opt.tsecr);
			else
				/* no sample, but new data acknowledged: the path delivers, so
				 * the backoff goes, as with Linux and the BSDs (they take any
				 * echo as a sample). After a timeout several retransmissions
				 * are in flight and the mark is the latest one's, so the ACK
				 * of an earlier one gave no sample and kept the backoff: under
				 * heavy loss it could grow from one timeout to the next while
				 * data moved (the likely cause of t_tcp_lossy's echo sitting in
				 * a 53 s timeout at 20% loss; not reproduced). */
				pcb->rxtshift = 0;
		} else if (pcb->rtt_start && SEQ_GT(ack, pcb->rtt_seq))
			tcp_rtt_update(pcb, (uint32_t)(s->now - pcb->rtt_start));
		if (pcb->rtt_start && SEQ_GT(ack, pcb->rtt_seq))
			pcb->rtt_start = 0;
		if (SEQ_GT(upto, pcb->snd_buf_seq)) {
			tcp_ring_drop(&pcb->snd_buf, upto - pcb->snd_buf_seq);
			pcb->snd_buf_seq = upto;
		}
		/* not TF_SENT_FIN: a retransmission timeout clears it, and the ACK of the first
		 * FIN may still arrive before the FIN goes again (ack <= snd_max was checked) */
		if (pcb->flags & TF_FIN_QUEUED && SEQ_GT(ack, pcb->fin_seq))
			ourfinisacked = 1;
		tcp_loss_ack(pcb, th, &ai, s->now); /* moves snd_una */
		pcb->snd_una = ack;
		if (SEQ_LT(pcb->snd_nxt, pcb->snd_una))
			pcb->snd_nxt = pcb->snd_una;
		/* RFC 6298 5.2-5.3 */
		if (pcb->snd_una == pcb->snd_max)
			tcp_timer_cancel(pcb, TCPT_REXMT);
		else
			tcp_timer_arm(pcb, TCPT_REXMT, s->now + tcp_rto_current(pcb));
		tcp_snd_space_expand(pcb); /* before the writer hears of the space */
		tcp_pcb_notify(pcb);
	}
	/* RFC 9293 3.10.7.4 fifth: update the send window from newer segments only */
	if (SEQ_LT(pcb->snd_wl1, th->seq) ||
	    (pcb->snd_wl1 == th->seq && SEQ_LEQ(pcb->snd_wl2, ack))) {
		int opened = pcb->snd_wnd == 0 && wnd > 0;
		pcb->snd_wnd = wnd;
		pcb->snd_wl1 = th->seq;
		pcb->snd_wl2 = ack;
		if (wnd > pcb->max_sndwnd)
			pcb->max_sndwnd = wnd;
		if (opened && tcp_timer_pending(pcb, TCPT_PERSIST)) {
			tcp_timer_cancel(pcb, TCPT_PERSIST);
			pcb->persist_shift = 0;
		}
		if (opened)
			tcp_pcb_notify(pcb);
	}
	switch (pcb->state) {
	case TCP_FIN_WAIT_1:
		if (ourfinisacked) {
			tcp_pcb_set_state(pcb, TCP_FIN_WAIT_2);
			/* NOTE: RFC 9293 3.10.7.4: FIN_WAIT_2 may last forever; an orphan does
			 * not wait longer than fin_wait_2_ms (as BSD and Linux do). */
			if (pcb->flags & TF_ORPHAN)
				tcp_timer_arm(pcb, TCPT_2MSL, s->now + tcp_config.fin_wait_2_ms);
			tcp_pcb_notify(pcb);
		}
		break;
	case TCP_CLOSING:
		if (ourfinisacked) {
			tcp_pcb_set_state(pcb, TCP_TIME_WAIT); /* a record takes over */
			tcp_timers_cancel_all(pcb);
		}
		break;
	case TCP_LAST_ACK:
		if (ourfinisacked) {
			STAT_INC(tcp, conn_closed);
			tcp_pcb_set_state(pcb, TCP_CLOSED);
			return tcp_pcb_drop(pcb, 0);
		}
		break;
	default:
		break;
	}
	return 0;
}

/* ---- synchronized states (RFC 9293 3.10.7.4) ---- */
static void tcp_sync_input(struct tcp_pcb *pcb, struct tcp_seg *s)
{
	struct tcp_hdr *th = &s->th;
	uint64_t now = s->now;
	uint32_t wnd;

	/* RFC 9293 3.10.7.4: a retransmitted SYN in SYN_RECEIVED gets the SYN,ACK again */
	if (pcb->state == TCP_SYN_RECEIVED && th->flags & TCP_SYN && !(th->flags & TCP_ACK) &&
	    th->seq == pcb->irs) {
		pcb->snd_nxt = pcb->iss;
		tcp_output(pcb, now);
		goto drop;
	}
	/* RFC 9293 3.5 figure 7, simultaneous open: the peer's SYN,ACK repeats the SYN we
	 * already hold and acknowledges ours. Its SYN is not new data (as Linux reads it): take
	 * it as the ACK that completes the handshake instead of an old segment to drop. */
	if (pcb->state == TCP_SYN_RECEIVED && !pcb->parent &&
	    (th->flags & (TCP_SYN | TCP_ACK | TCP_RST)) == (TCP_SYN | TCP_ACK) &&
	    th->seq == pcb->irs && th->ack == pcb->snd_max) {
		th->flags &= (uint8_t)~TCP_SYN;
		th->seq++;
	}
	/* RFC 7323 5.3: PAWS */
	if (pcb->flags & TF_TS_OK && th->opt.has_ts && !(th->flags & TCP_RST) &&
	    SEQ_LT(th->opt.tsval, pcb->ts_recent) &&
	    now - pcb->ts_recent_age < 24ull * 24 * 3600 * 1000) {
		STAT_INC(tcp, rcv_paws_drop);
		goto dropafterack;
	}
	/* first: sequence number */
	if (!tcp_seq_acceptable(pcb, s)) {
		if (th->flags & TCP_RST) {
			STAT_INC(tcp, rcv_rst_out_of_window);
			goto drop;
		}
		/* RFC 5961 4.2: a SYN gets the challenge ACK whatever its SEQ, so the limit of
		 * RFC 5961 7 holds for SYNs outside the window too (as Linux does) */
		if (th->flags & TCP_SYN)
			goto challenge_syn;
		STAT_INC(tcp, rcv_not_acceptable);
		goto dropafterack;
	}
	/* second: RST (RFC 5961 3.2: only an exact match resets, else a challenge ACK) */
	if (th->flags & TCP_RST) {
		if (th->seq != pcb->rcv_nxt) {
			STAT_INC(tcp, rcv_rst_challenged);
			tcp_challenge_ack(pcb, now);
			goto drop;
		}
		STAT_INC(tcp, rcv_rst);
		pkb_free(s->p);
		switch (pcb->state) {
		case TCP_SYN_RECEIVED:
			/* passive open: the child just goes away; active: refused */
			tcp_pcb_drop(pcb, pcb->parent ? 0 : -ECONNREFUSED);
			break;
		case TCP_CLOSING:
		case TCP_LAST_ACK:
			tcp_pcb_drop(pcb, 0);
			break;
		default:
			tcp_pcb_drop(pcb, -ECONNRESET);
			break;
		}
		return;
	}
	/* fourth: SYN in a synchronized state (RFC 5961 4.2): challenge ACK */
	if (th->flags & TCP_SYN) {
challenge_syn:
		STAT_INC(tcp, rcv_syn_challenged);
		tcp_challenge_ack(pcb, now);
		goto drop;
	}
	/* trim to the window (what was acceptable may overlap either edge) */
	if (SEQ_LT(th->seq, pcb->rcv_nxt)) {
		uint32_t todrop = pcb->rcv_nxt - th->seq;
		if (todrop > s->len) {
			/* everything is old, a FIN included: just ACK it */
			if (th->flags & TCP_FIN && todrop == s->len + 1)
				tcp_process_fin(pcb);
			th->flags &= (uint8_t)~TCP_FIN;
			todrop = s->len;
		}
		STAT_INC(tcp, rcv_dup_data);
		s->data += todrop;
		s->len -= todrop;
		th->seq += todrop;
		pcb->flags |= TF_ACKNOW;
	}
	wnd = SEQ_GT(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	if (SEQ_GT(th->seq + s->len, pcb->rcv_nxt + wnd)) {
		STAT_INC(tcp, rcv_after_window);
		s->len = pcb->rcv_nxt + wnd - th->seq;
		th->flags &= (uint8_t)~TCP_FIN;
		pcb->flags |= TF_ACKNOW;
	}
	/* fifth: ACK */
	if (!(th->flags & TCP_ACK)) {
		STAT_INC(tcp, rcv_no_ack);
		goto drop;
	}
	/* RFC 9293 3.10.7.4 fifth, SYN_RECEIVED: only SND.UNA < SEG.ACK =< SND.NXT is
	 * acceptable, anything else is answered with a RST */
	if (pcb->state == TCP_SYN_RECEIVED &&
	    !(SEQ_LT(pcb->snd_una, th->ack) && SEQ_LEQ(th->ack, pcb->snd_max))) {
		STAT_INC(tcp, rcv_ack_too_new);
		goto dropwithreset;
	}
	/* RFC 5961 5.2: SND.UNA - MAX.SND.WND <= SEG.ACK <= SND.NXT */
	if (SEQ_GT(th->ack, pcb->snd_max)) {
		STAT_INC(tcp, rcv_ack_too_new);
		tcp_challenge_ack(pcb, now);
		goto drop;
	}
	if (SEQ_LT(th->ack, pcb->snd_una - pcb->max_sndwnd)) {
		STAT_INC(tcp, rcv_ack_too_old);
		tcp_challenge_ack(pcb, now);
		goto drop;
	}
	if (pcb->state == TCP_SYN_RECEIVED) {
		tcp_established(pcb, now);
		pcb->snd_wnd = (uint32_t)th->wnd << pcb->snd_wscale;
		pcb->max_sndwnd = pcb->snd_wnd;
		pcb->snd_wl1 = th->seq;
		pcb->snd_wl2 = th->ack;
		if (pcb->parent) {
			struct tcp_pcb *l = pcb->parent;
			TAILQ_REMOVE(&l->synq, pcb, qlink);
			l->synq_len--;
			TAILQ_INSERT_TAIL(&l->acceptq, pcb, qlink);
			l->acceptq_len++;
			pcb->on_acceptq = 1;
			STAT_INC(tcp, conn_accepts);
		}
		tcp_pcb_notify(pcb);
	}
	/* RFC 7323 4.3: remember the newest timestamp from an in-order segment */
	if (pcb->flags & TF_TS_OK && th->opt.has_ts && SEQ_LEQ(th->seq, pcb->rcv_acked) &&
	    SEQ_GEQ(th->opt.tsval, pcb->ts_recent)) {
		pcb->ts_recent = th->opt.tsval;
		pcb->ts_recent_age = now;
	}
	pcb->last_recv = now;
	if (pcb->flags & TF_KEEPALIVE)
		pcb->keep_probes = 0;
	if (tcp_process_ack(pcb, s)) {
		pkb_free(s->p);
		return;
	}
	/* sixth: URG is not supported (RFC 6093 advises against its use) */
	/* seventh: segment text */
	if (s->len > 0) {
		if (pcb->state != TCP_ESTABLISHED && pcb->state != TCP_FIN_WAIT_1 &&
		    pcb->state != TCP_FIN_WAIT_2) {
			/* the text is ignored, but its ACK was taken: output runs as after any
			 * ACK (a window it opened or shut needs sending or the persist timer) */
			STAT_INC(tcp, rcv_data_after_close);
			goto output;
		}
		if (pcb->flags & TF_RCV_SHUT) {
			/* NOTE: RFC 9293 3.10.4 / RFC 2525 2.17: nobody will read it */
			STAT_INC(tcp, rcv_data_after_close);
			tcp_send_rst_pcb(pcb, now);
			pkb_free(s->p);
			tcp_pcb_drop(pcb, 0);
			return;
		}
		if (th->seq == pcb->rcv_nxt) {
			int gapfill = !TAILQ_EMPTY(&pcb->ooo);
			if (tcp_reass_deliver(pcb, s->p, s->data, s->len))
				s->p = NULL; /* held, uncopied */
			if (gapfill && tcp_reass_drain(pcb))
				tcp_process_fin(pcb);
			/* delayed ACK (RFC 9293 3.8.6.3, RFC 5681 4.2): every second full
			 * segment, at once when filling a gap, else within delack_ms; in quick
			 * ACK mode (the first segments, and after the receiver idled an RTO,
			 * when the sender restarts from a small window) every segment */
			uint32_t owed = pcb->rcv_nxt - pcb->rcv_acked;
			if (now - pcb->last_data_rcv > (pcb->rto ? pcb->rto : tcp_config.rto_min_ms))
				pcb->quickack = tcp_config.quickacks;
			pcb->last_data_rcv = now;
			if (pcb->quickack) {
				pcb->quickack--;
				STAT_INC(tcp, snd_quickacks);
				/* run to completion: the application answers in this thread
				 * before the loop's hook flushes the ACK, and the answer carries
				 * it (net_loop_driven); a gap filled is ACKed at once all the
				 * same (RFC 5681 4.2: the sender in recovery waits for it) */
				if (!gapfill && tcp_ack_batching() && net_loop_driven())
					tcp_ack_defer(pcb);
				else
					pcb->flags |= TF_ACKNOW;
			} else if (!gapfill && owed >= 2u * pcb->rcv_mss && tcp_ack_batching() &&
			    owed < pcb->rcv_buf.cap / 4) {
				tcp_ack_defer(pcb);
			} else if (gapfill || owed >= 2u * pcb->rcv_mss) {
				pcb->flags |= TF_ACKNOW;
			} else if (!(pcb->flags & TF_ACKNOW)) {
				if (!(pcb->flags & TF_DELACK)) {
					pcb->flags |= TF_DELACK;
					pcb->delack_due = now + tcp_config.delack_ms;
				}
				/* the timer a sent ACK left armed (tcp_xmit) may be due sooner:
				 * its run moves it to delack_due */
				if (!tcp_timer_pending(pcb, TCPT_DELACK) ||
				    pcb->timers[TCPT_DELACK].deadline > pcb->delack_due)
					tcp_timer_arm(pcb, TCPT_DELACK, pcb->delack_due);
			}
			tcp_pcb_notify(pcb);
		} else {
			/* out of order: queue it and ACK at once (RFC 5681 4.2) */
			pcb->flags |= TF_ACKNOW;
			tcp_reass_insert(pcb, s->p, s->data, th->seq, s->len, th->flags & TCP_FIN);
			s->p = NULL; /* the queue owns it now, or freed it */
			goto output;
		}
	}
	/* eighth: FIN, only in order. One after a hole is out of order like data (RFC 5681
	 * 4.2): ACKed at once, so the sender learns of the hole, and held with the queue
	 * until the hole fills (tcp_reass_drain), as one riding on out-of-order data is. */
	if (th->flags & TCP_FIN) {
		if (th->seq + s->len == pcb->rcv_nxt) {
			tcp_process_fin(pcb);
		} else if (s->len == 0 && SEQ_GT(th->seq, pcb->rcv_nxt)) {
			pcb->flags |= TF_ACKNOW;
			if (!(pcb->flags & TF_RCVD_FIN)) {
				tcp_reass_insert(pcb, s->p, s->data, th->seq, 0, 1);
				s->p = NULL; /* the queue owns it now, or freed it */
			}
		}
	}
output:
	pkb_free(s->p);
	tcp_output(pcb, now);
	/* TIME_WAIT just entered, its ACK sent: a small record takes over (tcp_timewait.c) */
	if (pcb->state == TCP_TIME_WAIT) {
		tcp_tw_enter(pcb, now);
		return;
	}
	if (!tcp_timer_pending(pcb, TCPT_PTO))
		tcp_tlp_schedule(pcb, now);
	return;
dropafterack:
	if (!(th->flags & TCP_RST)) {
		pcb->flags |= TF_ACKNOW;
		tcp_output(pcb, now);
	}
	goto drop;
dropwithreset:
	tcp_send_reset(&s->dst, &s->src, th, seg_seqlen(s), now);
drop:
	pkb_free(s->p);
}

/* Protocol 6 of every family. Takes ownership of p. */
void tcp_input(struct pkb *p, const struct net_rx *rx, uint64_t now)
{
	struct tcp_seg seg;
	struct tcp_pcb *pcb, *l;
	int err;

	NET_ASSERT_LOCKED();
	STAT_INC(tcp, rcv_total);
	memset(&seg, 0, sizeof(seg));
	seg.p = p;
	seg.src = rx->src;
	seg.dst = rx->dst;
	seg.fam = rx->fam;
	seg.now = now;
	/* RFC 1122 4.2.3.10: no connections to broadcast or multicast addresses */
	if (rx->flags & (NET_RX_BCAST | NET_RX_MCAST | NET_RX_SUBNET)) {
		STAT_INC(tcp, rcv_bcast);
		goto drop;
	}
	/* A segment the local kernel handed over with a partial or validated checksum (TAP
	 * offload, driver/tap.c) is not verified: the kernel's own receive path trusts it the
	 * same way, and the field holds only the pseudo-header sum. */
	err = tcp_parse_csum(p->data, p->len, &seg.src, &seg.dst, p->csum == PKB_CSUM_NONE,
			     &seg.th);
	switch (err) {
	case TCP_PARSE_OK:
		break;
	case TCP_PARSE_SHORT:
		STAT_INC(tcp, rcv_short);
		goto drop;
	case TCP_PARSE_DOFF:
		STAT_INC(tcp, rcv_bad_doff);
		goto drop;
	case TCP_PARSE_CKSUM:
		STAT_INC(tcp, rcv_bad_sum);
		goto drop;
	default:
		STAT_INC(tcp, rcv_bad_opt);
		goto drop;
	}
	seg.data = p->data + seg.th.hlen;
	seg.len = (uint32_t)(p->len - seg.th.hlen);
	{
		char fl[9];
		debugf("%u->%u %s seq=%u ack=%u len=%u wnd=%u tsval=%u tsecr=%u", seg.th.sport,
		       seg.th.dport, tcp_flags_str(seg.th.flags, fl), seg.th.seq, seg.th.ack, seg.len,
		       seg.th.wnd, seg.th.opt.tsval, seg.th.opt.tsecr);
	}
	/* SYN and FIN together mean nothing good (a scan, or an attempt at a stack that
	 * would queue the FIN): dropped in every state, as BSD's drop_synfin */
	if ((seg.th.flags & (TCP_SYN | TCP_FIN)) == (TCP_SYN | TCP_FIN)) {
		STAT_INC(tcp_sc, rcv_syn_fin);
		goto drop;
	}
	/* A SYN from our own address and port to themselves (land): answered, it would come
	 * back to us as the answer, for ever. NOTE: this also refuses a socket connecting to
	 * its own address and port (a simultaneous open with itself, which Linux allows);
	 * nothing real does that. */
	if (seg.th.flags & TCP_SYN && !(seg.th.flags & TCP_ACK) &&
	    net_addr_eq(&seg.src, &seg.dst) && seg.th.sport == seg.th.dport) {
		STAT_INC(tcp_sc, rcv_land);
		debugf("land SYN to port %u dropped", seg.th.dport);
		goto drop;
	}
	/* one hash of the 4-tuple for every table: the connections', TIME_WAIT's, the
	 * syncache's, and a new connection's place in the first */
	seg.hash = tcp_pcb_hash4(&seg.dst, seg.th.dport, &seg.src, seg.th.sport);
	pcb = tcp_pcb_lookup_conn_hash(seg.hash, &seg.dst, seg.th.dport, &seg.src, seg.th.sport);
	if (!pcb) {
		/* TIME_WAIT is a record in a table of its own, ahead of the listeners */
		struct tcp_tw *tw = tcp_tw_lookup_hash(seg.hash, &seg.dst, seg.th.dport, &seg.src,
						       seg.th.sport);

		/* a bound connection's record hears only its device, as the connection did
		 * (tcp_pcb_dev_ok) */
		if (tw && tw->ifindex && p->dev && p->dev->type != NET_DEV_LOOPBACK &&
		    p->dev->index != tw->ifindex)
			tw = NULL;
		if (tw) {
			if (tcp_tw_input(tw, &seg.th, seg.len, now, &l, &seg.tw_iss)) {
				seg.tw_reopen = 1;
				tcp_listen_input(l, &seg);
				return;
			}
			goto drop;
		}
		pcb = tcp_pcb_lookup_listener(&seg.dst, seg.th.dport);
	}
	if (!pcb || pcb->state == TCP_CLOSED || !tcp_pcb_dev_ok(pcb, p->dev)) {
		STAT_INC(tcp, rcv_no_conn);
		tcp_send_reset_limited(&seg.dst, &seg.src, &seg.th, seg_seqlen(&seg), now);
		goto drop;
	}
	switch (pcb->state) {
	case TCP_LISTEN:
		tcp_listen_input(pcb, &seg);
		return;
	case TCP_SYN_SENT:
		tcp_synsent_input(pcb, &seg);
		return;
	default:
		tcp_sync_input(pcb, &seg);
		return;
	}
drop:
	pkb_free(p);
}

/* ICMP errors quoting our segments (RFC 1122 4.2.3.9, RFC 5927 sanity check on the
 * quoted sequence number, RFC 1191 for fragmentation needed). */
void tcp_icmp_error(const struct net_err *e, uint64_t now)
{
	const uint8_t *payload = e->payload;
	struct tcp_pcb *pcb;
	uint32_t seq;

	if (e->len < 8)
		return;
	seq = (uint32_t)payload[4] << 24 | (uint32_t)payload[5] << 16 | (uint32_t)payload[6] << 8 | payload[7];
	pcb = tcp_pcb_lookup_conn(&e->local.addr, e->local.port, &e->remote.addr, e->remote.port);
	/* RFC 5927 4.1: only a segment in flight, SND.UNA <= seq < SND.NXT (snd_max here:
	 * our snd_nxt rewinds on retransmission) */
	if (!pcb || SEQ_LT(seq, pcb->snd_una) || SEQ_GEQ(seq, pcb->snd_max))
		return;
	STAT_INC(tcp, icmp_errors);
	if (e->kind == NET_ERR_TIME_EXCEEDED || e->kind == NET_ERR_PARAM_PROB)
		return; /* RFC 1122 4.2.3.9: soft errors */
	if (e->kind == NET_ERR_FRAG_NEEDED) {
		unsigned hdrs = e->fam->hdr_len + 20; /* the network and TCP headers */
		unsigned mss = e->info > hdrs + 68 ? e->info - hdrs : 68;
		if (pcb->flags & TF_TS_OK)
			mss -= 12;
		if (mss < pcb->mss) {
			STAT_INC(tcp, pmtu_lowered);
			pcb->mss = (uint16_t)mss;
			/* resend what was lost at the smaller size (no congestion response) */
			tcp_loss_mark_all(pcb);
			tcp_output(pcb, now);
		}
		return;
	}
	/* RFC 1122 4.2.3.9: hard errors end a connection attempt; later they are soft */
	if (pcb->state == TCP_SYN_SENT) {
		int err = e->kind == NET_ERR_PORT_UNREACH || e->kind == NET_ERR_PROTO_UNREACH ?
			  -ECONNREFUSED :
			  e->kind == NET_ERR_NET_UNREACH ? -ENETUNREACH : -EHOSTUNREACH;
		tcp_pcb_drop(pcb, err);
	}
}
