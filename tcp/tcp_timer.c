/* SPDX-License-Identifier: MIT */
/* Per-connection timers (an array indexed by enum tcp_timer_id on net_timer) and the
 * RFC 6298 retransmission timeout.
 *
 * The loss timers (retransmission, RACK reordering, tail loss probe) are armed and
 * cancelled for every flight: a keep-alive request's answer arms the first and the third,
 * its ACK cancels both. They share one heap entry (as Linux's one retransmit timer with a
 * pending-event kind), and each keeps only a due time (loss_due): arming one later than
 * the entry, or cancelling one, leaves the heap alone; the entry's run fires those due by
 * then and moves itself to the earliest still armed (nothing when none is). So the heap is
 * updated about once per RTO per connection, not four times per request. */
#include <errno.h>

#include "net/log.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

static void tcp_timer_fire(struct tcp_pcb *pcb, enum tcp_timer_id id, uint64_t now);
static void tcp_timer_loss_fn(struct net_timer *t, void *arg, uint64_t now);

#define TIMER_FN(id)                                                                        \
	static void tcp_timer_fn_##id(struct net_timer *t, void *arg, uint64_t now)         \
	{                                                                                   \
		(void)t;                                                                    \
		tcp_timer_fire(arg, id, now);                                               \
	}
TIMER_FN(TCPT_PERSIST)
TIMER_FN(TCPT_KEEP)
TIMER_FN(TCPT_2MSL)
TIMER_FN(TCPT_DELACK)
TIMER_FN(TCPT_PACE)

void tcp_timers_init(struct tcp_pcb *pcb)
{
	static const net_timer_fn fns[TCPT_NHEAP + 1] = {
		tcp_timer_fn_TCPT_PERSIST, tcp_timer_fn_TCPT_KEEP, tcp_timer_fn_TCPT_2MSL,
		tcp_timer_fn_TCPT_DELACK, tcp_timer_fn_TCPT_PACE, tcp_timer_loss_fn,
	};
	for (int i = 0; i <= TCPT_NHEAP; i++)
		net_timer_init(&pcb->timers[i], fns[i], pcb);
	for (int i = 0; i < TCPT_NLOSS; i++)
		pcb->loss_due[i] = 0;
}

/* The earliest loss timer armed (TCPT_NTIMERS when none is); on a tie the lower id, the
 * order their own entries had when armed at once (the retransmission timer first). */
static enum tcp_timer_id loss_next(const struct tcp_pcb *pcb)
{
	enum tcp_timer_id best = TCPT_NTIMERS;

	for (int i = 0; i < TCPT_NLOSS; i++)
		if (pcb->loss_due[i] &&
		    (best == TCPT_NTIMERS || pcb->loss_due[i] < pcb->loss_due[best - TCPT_NHEAP]))
			best = (enum tcp_timer_id)(TCPT_NHEAP + i);
	return best;
}

void tcp_timer_arm(struct tcp_pcb *pcb, enum tcp_timer_id t, uint64_t deadline)
{
	struct net_timer *e = &pcb->timers[TCPT_NHEAP];

	if (t < TCPT_NHEAP) {
		net_timer_arm(&pcb->timers[t], deadline);
		return;
	}
	if (!deadline)
		deadline = 1; /* 0 means "not armed" */
	pcb->loss_due[t - TCPT_NHEAP] = deadline;
	/* an entry due sooner runs early and moves itself (tcp_timer_loss_fn) */
	if (!net_timer_pending(e) || e->deadline > deadline)
		net_timer_arm(e, deadline);
}

void tcp_timer_cancel(struct tcp_pcb *pcb, enum tcp_timer_id t)
{
	if (t < TCPT_NHEAP) {
		if (net_timer_pending(&pcb->timers[t]))
			net_timer_cancel(&pcb->timers[t]);
	} else {
		pcb->loss_due[t - TCPT_NHEAP] = 0; /* its entry, if it runs, finds nothing due */
	}
}

void tcp_timers_cancel_all(struct tcp_pcb *pcb)
{
	/* a closing connection passes here up to three times (TIME_WAIT, drop, free), most
	 * of its timers idle: asked inline, not with a call each */
	for (int i = 0; i <= TCPT_NHEAP; i++)
		if (net_timer_pending(&pcb->timers[i]))
			net_timer_cancel(&pcb->timers[i]);
	for (int i = 0; i < TCPT_NLOSS; i++)
		pcb->loss_due[i] = 0;
}

/* Sets the loss timers' entry to the earliest of them (cancels it when none is armed). */
static void loss_entry_set(struct tcp_pcb *pcb)
{
	struct net_timer *e = &pcb->timers[TCPT_NHEAP];
	enum tcp_timer_id next = loss_next(pcb);

	if (next == TCPT_NTIMERS)
		net_timer_cancel(e);
	else if (!net_timer_pending(e) || e->deadline != pcb->loss_due[next - TCPT_NHEAP])
		net_timer_arm(e, pcb->loss_due[next - TCPT_NHEAP]);
}

/* The loss timers' entry: fires each loss timer due by now, earliest first (one may
 * cancel or move another), then waits for the earliest left. The retransmission timer
 * may drop the connection, so it fires last, the entry already moved on. */
static void tcp_timer_loss_fn(struct net_timer *t, void *arg, uint64_t now)
{
	struct tcp_pcb *pcb = arg;
	enum tcp_timer_id id;

	(void)t;
	for (int n = 0; n < 2 * TCPT_NLOSS; n++) {
		id = loss_next(pcb);
		if (id == TCPT_NTIMERS || pcb->loss_due[id - TCPT_NHEAP] > now)
			break;
		pcb->loss_due[id - TCPT_NHEAP] = 0;
		loss_entry_set(pcb);
		tcp_timer_fire(pcb, id, now);
		if (id == TCPT_REXMT)
			return;
	}
	loss_entry_set(pcb);
}

/* RFC 6298 2.2-2.3 with srtt scaled by 8 and rttvar by 4 (integer arithmetic).
 * A sample is a modular difference (our clock or TSval minus an echoed one), so a bogus or
 * forged TSecr (RFC 7323 4.3: the echo is only as good as the peer) yields a "negative"
 * (>= 2^31) or absurd value. No honest sample exceeds rto_max_ms: by then the timer has
 * fired, and Karn's rule keeps retransmitted segments (and older TSecr) out. Such samples
 * are dropped instead of poisoning srtt (and shifting a negative number). */
void tcp_rtt_update(struct tcp_pcb *pcb, uint32_t rtt_ms)
{
	int32_t r;

	if ((int32_t)rtt_ms < 0 || rtt_ms > tcp_config.rto_max_ms) {
		STAT_INC(tcp, rcv_rtt_bogus);
		debugf("%u->%u rtt sample %u ms rejected", pcb->local_port, pcb->remote_port, rtt_ms);
		return;
	}
	r = (int32_t)(rtt_ms ? rtt_ms : 1);
	STAT_INC(tcp, rtt_updates);
	debugf("%u->%u rtt=%u srtt=%d rttvar=%d", pcb->local_port, pcb->remote_port, rtt_ms,
	       pcb->srtt >> 3, pcb->rttvar >> 2);
	if (pcb->srtt == 0) {
		pcb->srtt = r << 3;
		pcb->rttvar = r << 1;
	} else {
		int32_t delta = r - (pcb->srtt >> 3);
		pcb->srtt += delta;                 /* srtt += (r - srtt) / 8 */
		if (delta < 0)
			delta = -delta;
		pcb->rttvar += delta - (pcb->rttvar >> 2); /* rttvar += (|d| - rttvar) / 4 */
	}
	pcb->rxtshift = 0;
	/* NOTE: RFC 6298 2.4 floors the whole RTO at rto_min; here the floor applies to the
	 * variance term, RTO = SRTT + max(4 RTTVAR, rto_min) (as Linux): a receiver may
	 * hold an ACK up to 200 ms (Linux's delayed-ACK ceiling, the default rto_min), and a
	 * timer at exactly rto_min raced it and lost, each a spurious timeout the D-SACK of
	 * the retransmission then revealed (bench/loss.sh) */
	pcb->rto = (uint32_t)((pcb->srtt >> 3) +
			      ((uint32_t)pcb->rttvar > tcp_config.rto_min_ms ? (uint32_t)pcb->rttvar :
			       tcp_config.rto_min_ms));
	if (pcb->rto > tcp_config.rto_max_ms)
		pcb->rto = tcp_config.rto_max_ms;
}

/* The RTO with exponential backoff (RFC 6298 5.5), capped at rto_max_ms. */
uint32_t tcp_rto_current(const struct tcp_pcb *pcb)
{
	uint64_t rto = (uint64_t)pcb->rto << (pcb->rxtshift < 16 ? pcb->rxtshift : 16);

	return rto > tcp_config.rto_max_ms ? tcp_config.rto_max_ms : (uint32_t)rto;
}

void tcp_rexmt_arm(struct tcp_pcb *pcb, uint64_t now)
{
	tcp_timer_cancel(pcb, TCPT_PERSIST);
	tcp_timer_arm(pcb, TCPT_REXMT, now + tcp_rto_current(pcb));
}

void tcp_keep_arm(struct tcp_pcb *pcb, uint64_t now)
{
	/* a TIME_WAIT pcb is a socket's stub (tcp_timewait.c): both sides are done */
	if (pcb->flags & TF_KEEPALIVE && TCP_SYNCHRONIZED(pcb->state) &&
	    pcb->state != TCP_TIME_WAIT) {
		pcb->keep_probes = 0;
		tcp_timer_arm(pcb, TCPT_KEEP, now + tcp_keep_idle(pcb));
	}
}

/* RFC 6298 5.4-5.7: go back to snd_una with a doubled RTO; give up after max_rexmits. */
static void tcp_timer_rexmt(struct tcp_pcb *pcb, uint64_t now)
{
	unsigned limit = pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED ?
			 tcp_config.syn_rexmits : tcp_config.max_rexmits;

	STAT_INC(tcp, rexmt_timeouts);
	if (pcb->rxtshift >= limit) {
		STAT_INC(tcp, conn_timeouts);
		debugf("%u->%u gives up after %u retransmissions", pcb->local_port,
		       pcb->remote_port, pcb->rxtshift);
		if (pcb->state != TCP_SYN_SENT)
			tcp_send_rst_pcb(pcb, now);
		tcp_pcb_drop(pcb, -ETIMEDOUT);
		return;
	}
	pcb->rxtshift++;
	/* Karn: a retransmitted segment is not timed (nor through an older timestamp) */
	pcb->rtt_start = 0;
	tcp_ts_rexmt_mark(pcb, now);
	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
		pcb->snd_nxt = pcb->snd_una; /* the SYN again */
	} else {
		/* everything in flight is taken as lost and resent from cwnd = 1 MSS
		 * (tcp_sack.c); snd_nxt stays: only the records marked lost go again */
		tcp_loss_timeout(pcb, now);
		tcp_timer_cancel(pcb, TCPT_REXMT);
	}
	TCP_LOG(pcb, TCP_LOG_RTO, pcb->snd_una, 0);
	tcp_output(pcb, now);
	/* tcp_output arms the timer with the new RTO only if it sent; be sure it runs */
	if (!tcp_timer_pending(pcb, TCPT_REXMT) && SEQ_LT(pcb->snd_una, pcb->snd_max))
		tcp_rexmt_arm(pcb, now);
}

/* RFC 9293 3.8.6.1: probe a zero window with one byte, backing off like the RTO. */
static void tcp_timer_persist(struct tcp_pcb *pcb, uint64_t now)
{
	uint64_t iv;

	STAT_INC(tcp, persist_timeouts);
	/* RFC 1122 4.2.2.17: the window may stay shut as long as the peer answers the probes.
	 * One silent through max_rexmits probes and longer than two of the longest intervals
	 * (an answering peer is never silent longer than one) is gone: give up as the
	 * retransmission timer does (Linux: tcp_probe_timer), or an orphan probes for ever. */
	if (pcb->persist_shift >= (tcp_config.max_rexmits < 16 ? tcp_config.max_rexmits : 16) &&
	    now - pcb->last_recv > 2ull * tcp_config.persist_max_ms) {
		STAT_INC(tcp, conn_timeouts);
		debugf("%u->%u gives up after %u unanswered window probes", pcb->local_port,
		       pcb->remote_port, pcb->persist_shift);
		tcp_send_rst_pcb(pcb, now);
		tcp_pcb_drop(pcb, -ETIMEDOUT);
		return;
	}
	if (pcb->persist_shift < 16)
		pcb->persist_shift++;
	if (pcb->snd_wnd > 0) {
		/* RFC 1122 4.2.3.4 override timeout: the window is open but smaller than
		 * sender SWS avoidance waits for; what fits goes now, as ordinary data under
		 * the retransmission timer (half the "largest window" is this one, once) */
		uint32_t max_sndwnd = pcb->max_sndwnd;

		pcb->max_sndwnd = pcb->snd_wnd;
		tcp_output(pcb, now);
		pcb->max_sndwnd = max_sndwnd;
		if (!tcp_timer_pending(pcb, TCPT_REXMT) &&
		    !tcp_timer_pending(pcb, TCPT_PERSIST))
			tcp_timer_arm(pcb, TCPT_PERSIST, now + tcp_config.persist_max_ms);
		return;
	}
	pcb->flags |= TF_FORCE_ONE;
	pcb->snd_nxt = pcb->snd_una;
	tcp_output(pcb, now);
	pcb->flags &= ~TF_FORCE_ONE;
	/* the probe byte is not counted as sent: it goes again with the data once the
	 * window opens (snd_max remembers it was sent, so Nagle does not hold it) */
	pcb->snd_nxt = pcb->snd_una;
	iv = (uint64_t)tcp_rto_current(pcb) << pcb->persist_shift;
	if (iv < tcp_config.persist_min_ms)
		iv = tcp_config.persist_min_ms;
	if (iv > tcp_config.persist_max_ms)
		iv = tcp_config.persist_max_ms;
	if (pcb->snd_wnd == 0 && !tcp_timer_pending(pcb, TCPT_REXMT))
		tcp_timer_arm(pcb, TCPT_PERSIST, now + iv);
}

/* RFC 1122 4.2.3.6: after keep_idle of silence send probes (seq = snd_una - 1) every
 * keep_intvl; drop after keep_probes unanswered ones. */
static void tcp_timer_keep(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, keep_timeouts);
	if (!TCP_SYNCHRONIZED(pcb->state) || !(pcb->flags & TF_KEEPALIVE))
		return;
	if (now - pcb->last_recv < tcp_keep_idle(pcb) && pcb->keep_probes == 0) {
		tcp_timer_arm(pcb, TCPT_KEEP, pcb->last_recv + tcp_keep_idle(pcb));
		return;
	}
	if (pcb->keep_probes >= tcp_keep_cnt(pcb)) {
		tcp_send_rst_pcb(pcb, now);
		tcp_pcb_drop(pcb, -ETIMEDOUT);
		return;
	}
	pcb->keep_probes++;
	tcp_send_keepalive(pcb, now);
	tcp_timer_arm(pcb, TCPT_KEEP, now + tcp_keep_intvl(pcb));
}

static void tcp_timer_fire(struct tcp_pcb *pcb, enum tcp_timer_id id, uint64_t now)
{
	switch (id) {
	case TCPT_REXMT:
		tcp_timer_rexmt(pcb, now);
		break;
	case TCPT_PERSIST:
		tcp_timer_persist(pcb, now);
		break;
	case TCPT_KEEP:
		tcp_timer_keep(pcb, now);
		break;
	case TCPT_2MSL:
		/* an orphaned FIN_WAIT_2 waited long enough (TIME_WAIT is a record with a
		 * timer of its own, tcp_timewait.c) */
		if (pcb->state == TCP_FIN_WAIT_2)
			STAT_INC(tcp, fin_wait_2_timeouts);
		tcp_pcb_drop(pcb, 0);
		break;
	case TCPT_DELACK:
		if (!(pcb->flags & TF_DELACK))
			break; /* the ACK left on a segment since (tcp_xmit leaves the timer) */
		if (now < pcb->delack_due) {
			/* armed for an earlier delay whose ACK left already */
			tcp_timer_arm(pcb, TCPT_DELACK, pcb->delack_due);
			break;
		}
		STAT_INC(tcp, snd_delacks);
		pcb->flags |= TF_ACKNOW;
		tcp_output(pcb, now);
		break;
	case TCPT_RACK:
		tcp_rack_timeout(pcb, now);
		break;
	case TCPT_PTO:
		tcp_tlp_fire(pcb, now);
		break;
	case TCPT_PACE:
		tcp_output(pcb, now); /* the pacing credit allows the next send */
		break;
	case TCPT_NTIMERS:
		break;
	}
}
