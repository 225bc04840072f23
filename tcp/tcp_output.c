/* SPDX-License-Identifier: MIT */
/* Segment departure: segmentation of the send ring by the effective MSS, Nagle, sender and
 * receiver SWS avoidance, the persist probe, ACKs and RSTs. Each segment is built once in
 * one pkb (headers go into its headroom below) and handed to its family's output (ip_output
 * for IPv4), which owns it afterwards. */
#include <errno.h>
#include <string.h>

#include "net/perstack.h"
#include "net/log.h"
#include "net/loop.h"
#include "tcp/tcp_log.h"
#include "tcp/tcp_var.h"

uint32_t tcp_ts_now(const struct tcp_pcb *pcb, uint64_t now)
{
	return (uint32_t)now + pcb->ts_offset;
}

/* Receiver SWS avoidance (RFC 9293 3.8.6.2.2): the right edge moves only by at least
 * min(rcvbuf/2, MSS), and never moves left. */
/* A peer without SACK is waiting for us to fill a hole (tcp_rcv_window). */
int tcp_rcv_edge_held(const struct tcp_pcb *pcb)
{
	return !(pcb->flags & TF_SACK_OK) && !TAILQ_EMPTY(&pcb->ooo);
}

uint32_t tcp_rcv_window(const struct tcp_pcb *pcb)
{
	uint32_t space = (uint32_t)tcp_rcv_space(pcb);
	uint32_t adv = SEQ_GT(pcb->rcv_adv, pcb->rcv_nxt) ? pcb->rcv_adv - pcb->rcv_nxt : 0;
	uint32_t thresh = (uint32_t)(pcb->rcv_buf.cap / 2 < pcb->mss ? pcb->rcv_buf.cap / 2 : pcb->mss);

	/* While out-of-order data waits, the right edge holds still for a peer without SACK:
	 * RFC 5681 2 counts an ACK as a duplicate only if its window is unchanged, so a
	 * window opened by the application reading would cost such a sender its fast
	 * retransmit. A SACK sender reads the blocks instead (RFC 6675), and holding the
	 * edge through a lossy stretch starved it of window (bench/loss.sh uploads). */
	if (space <= adv || space - adv < thresh || tcp_rcv_edge_held(pcb))
		return adv;
	return space;
}

static void tcp_fill_syn_opts(const struct tcp_pcb *pcb, struct tcp_opts *o, uint64_t now)
{
	int synack = pcb->state == TCP_SYN_RECEIVED;

	o->has_mss = 1;
	o->mss = pcb->rcv_mss;
	if (tcp_config.window_scaling && (!synack || pcb->flags & TF_WS_OK)) {
		o->has_wscale = 1;
		o->wscale = pcb->rcv_wscale;
	}
	if (tcp_config.sack && (!synack || pcb->flags & TF_SACK_OK))
		o->sack_permitted = 1;
	if (tcp_config.timestamps && (!synack || pcb->flags & TF_TS_OK)) {
		o->has_ts = 1;
		o->tsval = tcp_ts_now(pcb, now);
		o->tsecr = synack ? pcb->ts_recent : 0;
	}
}

const struct tcp_route *tcp_route_lookup(struct tcp_route *rt, const struct net_addr *dst,
					 int ifindex)
{
	const struct net_family_ops *f = net_family(dst->family);
	const struct net_nexthop *nh;

	if (f && net_route_fresh(&rt->rc, f, dst, ifindex))
		return rt;
	memset(rt, 0, sizeof(*rt));
	if (!f) { /* a family no layer carries: no route, and output refuses it */
		rt->rc.dst = *dst;
		rt->rc.ifindex = ifindex;
		rt->rc.err = -EAFNOSUPPORT;
		return rt;
	}
	if (net_route_cached(&rt->rc, f, dst, ifindex, &nh) == 0) {
		/* NET_DEV_F_TSO in rt->offloads: the device cuts this family's TCP. */
		unsigned fl = nh->dev->flags;

		rt->offloads = fl & NET_DEV_F_CSUM_TX;
		if ((f->flags & NET_FAM_F_TSO && fl & NET_DEV_F_TSO) ||
		    (f->flags & NET_FAM_F_TSO6 && fl & NET_DEV_F_TSO6))
			rt->offloads |= NET_DEV_F_TSO;
		rt->gso_max = nh->dev->gso_max_size;
	}
	return rt;
}

unsigned tcp_route_mtu(const struct tcp_route *rt)
{
	const struct net_route_cache *rc = &rt->rc;

	if (!rc->fam || rc->err)
		return 0;
	return rc->fam->nh_mtu ? rc->fam->nh_mtu(&rc->nh, &rc->dst) :
				 rc->fam->mtu(&rc->dst, rc->ifindex);
}

/* The connection's route: the device, next hop and offloads its segments leave by,
 * looked up again only when the routing table or a device changed since (the generation
 * moved) or the remote address did. Every segment used to cost three lookups. */
static const struct tcp_route *tcp_route_get(struct tcp_pcb *pcb)
{
	return tcp_route_lookup(&pcb->route, &pcb->remote_addr, pcb->ipo.ifindex);
}

/* The most new data one segment may carry: the MSS, or for a TSO device a super-segment
 * of whole MSS-sized segments that fits a 64 KB IP packet (the device cuts it up, and the
 * peer sees ordinary segments). */
static size_t tcp_seg_max(struct tcp_pcb *pcb)
{
	const struct tcp_route *rt = tcp_route_get(pcb);
	size_t room;

	if (!(rt->offloads & NET_DEV_F_TSO) || !tcp_config.tso ||
	    rt->gso_max <= rt->rc.fam->hdr_len + TCP_HDR_MAX)
		return pcb->mss;
	room = rt->gso_max - rt->rc.fam->hdr_len - TCP_HDR_MAX;
	return room < pcb->mss ? pcb->mss : room - room % pcb->mss;
}

/* Builds and sends one segment: `len` data bytes from the send ring at `seq`. More than
 * the MSS makes a TSO super-segment (only tcp_output asks for one, for a TSO device). */
static int tcp_xmit(struct tcp_pcb *pcb, uint32_t seq, uint8_t flags, size_t len, uint64_t now)
{
	const struct tcp_route *rt;
	struct tcp_hdr h;
	struct pkb *p;
	size_t hlen;
	uint32_t wnd;
	int err;

	memset(&h, 0, sizeof(h));
	h.sport = pcb->local_port;
	h.dport = pcb->remote_port;
	h.seq = seq;
	h.flags = flags;
	if (flags & TCP_ACK)
		h.ack = pcb->rcv_nxt;
	if (flags & TCP_SYN) {
		tcp_fill_syn_opts(pcb, &h.opt, now);
	} else if (pcb->flags & TF_TS_OK) {
		h.opt.has_ts = 1;
		h.opt.tsval = tcp_ts_now(pcb, now);
		h.opt.tsecr = pcb->ts_recent;
	}
	/* RFC 2018 3: SACK blocks in ACKs while data waits out of order, in a data segment
	 * only in the room a short one leaves (pcb->mss counts no options past timestamps) */
	if (!(flags & (TCP_SYN | TCP_RST)))
		tcp_sack_rcv_fill(pcb, &h.opt, len == 0 ? TCP_OPT_SPACE : len < pcb->mss ? pcb->mss - len : 0);
	if (!(flags & TCP_RST)) {
		wnd = tcp_rcv_window(pcb);
		if (flags & TCP_SYN) {
			/* RFC 7323 2.2: the window in a SYN is never scaled */
			h.wnd = wnd > 65535 ? 65535 : (uint16_t)wnd;
			wnd = h.wnd;
		} else {
			uint32_t w = wnd >> pcb->rcv_wscale;
			h.wnd = w > 65535 ? 65535 : (uint16_t)w;
			wnd = (uint32_t)h.wnd << pcb->rcv_wscale;
		}
		if (SEQ_GT(pcb->rcv_nxt + wnd, pcb->rcv_adv))
			pcb->rcv_adv = pcb->rcv_nxt + wnd;
	}
	hlen = tcp_hdr_len(&h);
	p = pkb_alloc(hlen + len);
	if (!p) {
		STAT_INC(tcp, snd_nomem);
		return -ENOMEM;
	}
	pkb_put(p, hlen + len);
	if (len)
		tcp_ring_peek(&pcb->snd_buf, seq - pcb->snd_buf_seq, p->data + hlen, len);
	rt = tcp_route_get(pcb);
	/* A device that finishes checksums gets them partial: one pass over the data saved.
	 * A super-segment always is (the kernel fixes each segment's sum from it). */
	if (rt->offloads & NET_DEV_F_CSUM_TX || len > pcb->mss) {
		tcp_emit_csum(&h, p->data, p->len, len, &pcb->local_addr, &pcb->remote_addr, 1);
		pkb_csum_set_partial(p, p->data, p->data + 16);
		if (len > pcb->mss) {
			p->gso_size = pcb->mss;
			STAT_INC(tcp, snd_tso_segs);
		}
	} else {
		tcp_emit(&h, p->data, p->len, len, &pcb->local_addr, &pcb->remote_addr);
	}
	STAT_INC(tcp, snd_total);
	if (flags & TCP_ACK) {
		pcb->flags &= ~(TF_ACKNOW | TF_DELACK);
		pcb->rcv_acked = pcb->rcv_nxt;
		if (!pcb->out_owed)
			tcp_ack_undefer(pcb); /* an owed send stays listed (tcp_output clears it) */
	}
	/* NOTE: the delayed-ACK timer is left armed (as Linux leaves its ACK timer): a
	 * request-answer exchange would otherwise arm and cancel it once each, two heap
	 * updates per request; run with TF_DELACK clear it does nothing (tcp_timer.c). */
	/* owns p; without a route the family's output routes, counts and refuses it */
	if (rt->rc.fam) {
		err = rt->rc.fam->output(IP_PROTO_TCP, p, &pcb->local_addr, &pcb->remote_addr,
					 &pcb->ipo, rt->rc.err == 0 ? &rt->rc.nh : NULL, now);
	} else {
		pkb_free(p); /* a family no layer carries */
		err = -EAFNOSUPPORT;
	}
	if (err < 0) {
		STAT_INC(tcp, snd_ip_err);
		debugf("ip_output err=%d", err);
	}
	return err;
}

/* ---- ACK coalescing ----
 * RFC 9293 3.8.6.3 / RFC 5681 4.2 ask for an ACK at least every second full-sized segment.
 * NOTE: when the loop reads a batch of frames (up to NET_DEV_BATCH), that ACK is sent once
 * at the end of the batch instead of after each pair, as Linux does after GRO merges a
 * batch; the ACK is at most one batch late, and acks_owed caps the stretch. Coalescing
 * starts once the loop has run our hook: without the loop (tests that feed frames by hand)
 * nothing would flush it, so ACKs go at once. */
static void ack_owed_init(void);
PERSTACK_STATIC_FN(struct tcp_pcb_list, ack_owed, ack_owed_init)
#define ack_owed PERSTACK_REF(struct tcp_pcb_list, ack_owed)

static void ack_owed_init(void)
{
	TAILQ_INIT(&ack_owed);
}
PERSTACK_STATIC(int, ack_loop_seen)
#define ack_loop_seen PERSTACK_REF(int, ack_loop_seen)

int tcp_ack_batching(void)
{
	return ack_loop_seen && tcp_config.ack_per_batch;
}

void tcp_ack_defer(struct tcp_pcb *pcb)
{
	if (!pcb->ack_pending) {
		pcb->ack_pending = 1;
		TAILQ_INSERT_TAIL(&ack_owed, pcb, acklink);
	}
}

void tcp_ack_undefer(struct tcp_pcb *pcb)
{
	pcb->out_owed = 0;
	if (pcb->ack_pending) {
		pcb->ack_pending = 0;
		TAILQ_REMOVE(&ack_owed, pcb, acklink);
	}
}

/* Output deferred to the end of the round (as lwIP's tcp_write leaves it to tcp_output,
 * and Linux's corked write queue to the end of the system call): only in the round of the
 * thread that drives the loop, since only there is the hook sure to run before that
 * thread waits (net_loop_owe_hooks: net_loop_once runs owed hooks before any wait). A
 * send from any other thread, or before the loop has run the hook once (tests that feed
 * frames by hand), goes at once as before. */
void tcp_output_soon(struct tcp_pcb *pcb, uint64_t now)
{
	NET_ASSERT_LOCKED();
	if (ack_loop_seen && net_loop_driven() && net_loop_driver_is_self()) {
		if (!pcb->out_owed)
			STAT_INC(tcp, snd_deferred);
		tcp_ack_defer(pcb);
		pcb->out_owed = 1;
		net_loop_owe_hooks(); /* a send before any iteration of the round owed them */
		return;
	}
	tcp_output(pcb, now);
}

/* The loop hook: runs after every batch with the stack lock held (under a driver, at the
 * start of the next iteration, after the driver's round of socket calls). */
void tcp_ack_flush(uint64_t now)
{
	struct tcp_pcb *pcb;

	NET_ASSERT_LOCKED();
	ack_loop_seen = 1;
	while ((pcb = TAILQ_FIRST(&ack_owed)) != NULL) {
		int out = pcb->out_owed;

		tcp_ack_undefer(pcb);
		if (pcb->rcv_acked != pcb->rcv_nxt) {
			pcb->flags |= TF_ACKNOW;
			out = 1;
		}
		if (out)
			tcp_output(pcb, now);
	}
}

void tcp_ack_reset(void)
{
	struct tcp_pcb *pcb;

	while ((pcb = TAILQ_FIRST(&ack_owed)) != NULL)
		tcp_ack_undefer(pcb);
	ack_loop_seen = 0;
}

/* The sequence number of a segment without data (a pure ACK, our RST): snd_max, not
 * snd_nxt (as BSD does): after a timeout rewound snd_nxt, the peer may already hold data
 * past it, and would find an ACK at snd_nxt old, drop it unread and answer with its own
 * ACK, which we would drop the same way for ever. But a peer whose window is shut takes
 * only SEG.SEQ = RCV.NXT (RFC 9293 3.10.7.4 first), and snd_max is then past it (a
 * window probe's byte, tcp_timer_persist, or data sent before the window shut): such an
 * ACK (of the peer's FIN, say) was dropped, and the peer sent its FIN again and again.
 * The ACK that shut the window said where RCV.NXT was: snd_una (BSD sends snd_nxt,
 * which it keeps at the window's edge while it persists). Should the peer hold more by
 * now, it answers the old ACK with its own, which moves snd_una. */
static uint32_t tcp_bare_seq(const struct tcp_pcb *pcb)
{
	if (pcb->snd_wnd == 0 && TCP_SYNCHRONIZED(pcb->state) && pcb->state != TCP_SYN_RECEIVED)
		return pcb->snd_una;
	return pcb->snd_max;
}

int tcp_send_ack(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, snd_acks);
	return tcp_xmit(pcb, tcp_bare_seq(pcb), TCP_ACK, 0, now);
}

/* RFC 1122 4.2.3.6: a keepalive probe is an ACK one byte below what the peer expects. */
int tcp_send_keepalive(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, keep_probes);
	return tcp_xmit(pcb, pcb->snd_una - 1, TCP_ACK, 0, now);
}

/* seq = snd_max (tcp_bare_seq): the peer's rcv_nxt is at most there and RFC 5961 3.2
 * wants an exact hit */
void tcp_send_rst_pcb(struct tcp_pcb *pcb, uint64_t now)
{
	STAT_INC(tcp, snd_rst);
	tcp_xmit(pcb, tcp_bare_seq(pcb), TCP_RST | TCP_ACK, 0, now);
}

/* RFC 9293 3.10.7.1: if the segment has ACK, <SEQ=SEG.ACK><CTL=RST>, else
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>. src is our address. */
void tcp_send_reset(const struct net_addr *src, const struct net_addr *dst,
		    const struct tcp_hdr *th, size_t seglen, uint64_t now)
{
	struct tcp_hdr h;

	if (th->flags & TCP_RST)
		return;
	memset(&h, 0, sizeof(h));
	h.sport = th->dport;
	h.dport = th->sport;
	if (th->flags & TCP_ACK) {
		h.seq = th->ack;
		h.flags = TCP_RST;
	} else {
		h.ack = th->seq + (uint32_t)seglen;
		h.flags = TCP_RST | TCP_ACK;
	}
	if (tcp_send_bare(&h, src, dst, NULL, NULL, now) == 0)
		STAT_INC(tcp, snd_rst);
}

int tcp_send_bare(const struct tcp_hdr *h, const struct net_addr *src,
		  const struct net_addr *dst, const struct net_out_opts *o,
		  const struct net_nexthop *nh, uint64_t now)
{
	const struct net_family_ops *f = net_family(dst->family);
	size_t hlen = tcp_hdr_len(h);
	struct pkb *p = f ? pkb_alloc(hlen) : NULL;

	if (!p) {
		STAT_INC(tcp, snd_nomem);
		return -ENOMEM;
	}
	pkb_put(p, hlen);
	tcp_emit(h, p->data, p->len, 0, src, dst);
	STAT_INC(tcp, snd_total);
	if (f->output(IP_PROTO_TCP, p, src, dst, o, nh, now) < 0) /* owns p */
		STAT_INC(tcp, snd_ip_err);
	return 0;
}

void tcp_rexmt_range(struct tcp_pcb *pcb, uint32_t seq, uint32_t len, uint64_t now)
{
	uint32_t off = seq - pcb->snd_buf_seq;
	size_t avail = off < pcb->snd_buf.len ? pcb->snd_buf.len - off : 0;
	uint8_t flags = TCP_ACK;
	int fin;

	if (len > avail)
		len = (uint32_t)avail;
	if (len > pcb->mss)
		len = pcb->mss;
	fin = pcb->flags & TF_FIN_QUEUED && seq + len == pcb->fin_seq;
	if (fin)
		flags |= TCP_FIN;
	if (len > 0 && len == avail)
		flags |= TCP_PSH; /* as when it first left (tcp_output) */
	STAT_INC(tcp, snd_rexmt_segs);
	pcb->total_retrans++;
	STAT_ADD(tcp, snd_rexmt_bytes, len);
	pcb->rtt_start = 0; /* Karn */
	tcp_ts_rexmt_mark(pcb, now);
	/* RFC 3708: the retransmissions of a recovery, to be matched by D-SACKs */
	if (pcb->flags & (TF_INRECOVERY | TF_LOSS) && pcb->undo_retrans >= 0) {
		pcb->undo_retrans++;
		if (!pcb->undo_ts_on) {
			pcb->undo_ts_on = 1;
			pcb->undo_tsval = tcp_ts_now(pcb, now);
		}
	}
	tcp_sent_xmit(pcb, seq, seq + len + (fin ? 1 : 0), tcp_now_us());
	tcp_cc_sent(pcb, len + (fin ? 1 : 0));
	TCP_LOG(pcb, TCP_LOG_RETRANSMIT, seq, len);
	tcp_xmit(pcb, seq, flags, len, now);
}

/* A super-segment carries at most 1/TCP_TSO_WIN_SPLIT of min(cwnd, snd_wnd) (tcp_output). */
#define TCP_TSO_WIN_SPLIT 4

static int tcp_can_send_data(enum tcp_state s)
{
	return s == TCP_ESTABLISHED || s == TCP_CLOSE_WAIT || s == TCP_FIN_WAIT_1 ||
	       s == TCP_CLOSING || s == TCP_LAST_ACK;
}

int tcp_output(struct tcp_pcb *pcb, uint64_t now)
{
	NET_ASSERT_LOCKED();
	size_t seg_max = tcp_seg_max(pcb);
	int frto_new = !!(pcb->flags & TF_FRTO_NEW);

	pcb->flags &= ~TF_FRTO_NEW;
	pcb->out_owed = 0; /* whatever may go goes now (the pcb stays listed for an owed ACK) */

	for (;;) {
		uint32_t wnd, end, off, pipe;
		int32_t usable;
		size_t avail = 0, len;
		int fin, send = 0;
		uint8_t flags = TCP_ACK;

		if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN)
			return 0;
		if ((pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) &&
		    pcb->snd_nxt == pcb->iss) {
			flags = pcb->state == TCP_SYN_SENT ? TCP_SYN : TCP_SYN | TCP_ACK;
			pcb->snd_nxt = pcb->iss + 1;
			if (SEQ_GT(pcb->snd_nxt, pcb->snd_max)) {
				pcb->snd_max = pcb->snd_nxt;
			} else {
				STAT_INC(tcp, snd_rexmt_segs);
				pcb->total_retrans++;
				TCP_LOG(pcb, TCP_LOG_RETRANSMIT, pcb->iss, 0); /* the SYN again */
			}
			if (pcb->rxtshift == 0) {
				pcb->rtt_seq = pcb->iss;
				pcb->rtt_start = now;
			}
			if (!tcp_timer_pending(pcb, TCPT_REXMT))
				tcp_rexmt_arm(pcb, now);
			return tcp_xmit(pcb, pcb->iss, flags, 0, now);
		}
		if (!tcp_can_send_data(pcb->state)) {
			if (pcb->flags & TF_ACKNOW && pcb->state != TCP_SYN_SENT)
				return tcp_send_ack(pcb, now);
			return 0;
		}
		/* RFC 6675 5 (C) / RFC 8985: while the pipe leaves room in cwnd, the first
		 * segment marked lost goes first (NextSeg rule (1)), then new data (2).
		 * F-RTO's step 2b sends new data only. */
		pipe = tcp_pipe(pcb);
		if (!frto_new && !(pcb->flags & TF_TLP_ONE)) {
			struct tcp_sent *e = tcp_sent_next_lost(pcb);

			if (e && (pipe + (e->end - e->seq > pcb->mss ? pcb->mss : e->end - e->seq) <=
				  pcb->cwnd || pipe == 0)) {
				uint32_t seq = e->seq;

				if (!tcp_pace_ok(pcb, now))
					goto paced;
				tcp_rexmt_range(pcb, seq, e->end - seq, now);
				e = tcp_sent_next_lost(pcb);
				if (e && e->seq == seq)
					goto nodata; /* not sent (no data held for it) */
				continue;
			}
			if (e)
				goto nodata;
		}
		/* the loss probe goes whatever cwnd says (tcp_tlp_fire) */
		wnd = (pcb->flags & TF_TLP_ONE ? pipe + pcb->mss : pcb->cwnd) +
		      tcp_limited_transmit(pcb);
		usable = wnd > pipe ? (int32_t)(wnd - pipe) : 0;
		if (usable > (int32_t)(pcb->snd_una + pcb->snd_wnd - pcb->snd_nxt))
			usable = (int32_t)(pcb->snd_una + pcb->snd_wnd - pcb->snd_nxt);
		/* RFC 6675 NextSeg rule (3), with RACK off: nothing lost and no new data, an
		 * unSACKed segment below the highest SACK goes once. NOTE: a segment resent by
		 * rules (3) and (4) counts twice in pipe until acknowledged (RFC 6675 counts
		 * rule (4)'s once: HighRxt does not move) */
		if (!tcp_config.rack && pcb->flags & TF_INRECOVERY && pcb->flags & TF_SACK_OK &&
		    pipe + pcb->mss <= pcb->cwnd &&
		    (usable <= 0 || pcb->snd_nxt == pcb->snd_buf_seq + (uint32_t)pcb->snd_buf.len)) {
			for (unsigned i = 0; i < pcb->sentq.len; i++) {
				struct tcp_sent *e = tcp_sent_at(pcb, i);
				if (SEQ_GT(e->end, pcb->high_sacked))
					break;
				if (!(e->flags & (TSENT_SACKED | TSENT_RETRANS | TSENT_LOST))) {
					tcp_rexmt_range(pcb, e->seq, e->end - e->seq, now);
					goto again;
				}
			}
			/* rule (4): once per recovery, a rescue retransmission of the highest
			 * unSACKed segment, so that a lost tail draws an ACK before the RTO */
			if (!pcb->rescue_on || SEQ_GT(pcb->snd_una, pcb->rescue_rxt)) {
				for (unsigned i = pcb->sentq.len; i-- > 0;) {
					struct tcp_sent *e = tcp_sent_at(pcb, i);
					if (e->flags & (TSENT_SACKED | TSENT_RETRANS))
						continue;
					pcb->rescue_on = 1;
					pcb->rescue_rxt = pcb->recover;
					tcp_rexmt_range(pcb, e->seq, e->end - e->seq, now);
					goto again;
				}
			}
		}
		if (usable < 0)
			usable = 0;
		off = pcb->snd_nxt - pcb->snd_buf_seq;
		avail = off < pcb->snd_buf.len ? pcb->snd_buf.len - off : 0;
		if (pcb->flags & TF_FORCE_ONE && usable == 0 && avail > 0)
			usable = 1;
		len = avail < (size_t)usable ? avail : (size_t)usable;
		/* TSO: new data only, outside recovery; a retransmission stays one segment so
		 * loss recovery reasons about segments as before. */
		if (len > pcb->mss && seg_max > pcb->mss && !SEQ_LT(pcb->snd_nxt, pcb->snd_max) &&
		    !(pcb->flags & (TF_FORCE_ONE | TF_INRECOVERY | TF_LOSS | TF_TLP_ONE))) {
			size_t quarter = (pcb->cwnd < pcb->snd_wnd ? pcb->cwnd : pcb->snd_wnd) /
					 TCP_TSO_WIN_SPLIT;

			if (len > seg_max)
				len = seg_max;
			if (tcp_pace_quantum(pcb) && len > tcp_pace_quantum(pcb))
				len = tcp_pace_quantum(pcb); /* paced: about 1 ms per super-segment */
			/* At most a quarter of the window per super-segment, so the window
			 * holds several and draws several ACKs: a receiver that merges a
			 * super-segment (GRO) ACKs it once, and were it the whole window,
			 * one lost ACK would leave nothing in flight to draw another, and
			 * the sender would wait for its timer. */
			if (len > quarter)
				len = quarter > pcb->mss ? quarter : pcb->mss;
			/* Whole segments, but for the tail of what is queued: the device's last
			 * segment is then the short one, as it would have been. */
			if (len != avail)
				len -= len % pcb->mss;
		} else if (len > pcb->mss) {
			len = pcb->mss;
		}
		end = pcb->snd_nxt + (uint32_t)len;
		fin = pcb->flags & TF_FIN_QUEUED && end == pcb->fin_seq &&
		      (len == avail);
		if (len > 0) {
			if (len >= pcb->mss)
				send = 1;
			/* Nagle (RFC 9293 3.7.4): a short segment only when nothing is in flight */
			else if (len == avail && (pcb->flags & TF_NODELAY || pcb->snd_max == pcb->snd_una))
				send = 1;
			/* sender SWS avoidance (3.8.6.2.1): or when it fills half the peer's window */
			else if (pcb->max_sndwnd && len >= pcb->max_sndwnd / 2)
				send = 1;
			else if (SEQ_LT(pcb->snd_nxt, pcb->snd_max) ||
				 pcb->flags & (TF_FORCE_ONE | TF_TLP_ONE) || fin)
				send = 1;
		} else if (fin && (!(pcb->flags & TF_SENT_FIN) || SEQ_LT(pcb->snd_nxt, pcb->snd_max) ||
				   pcb->snd_nxt == pcb->fin_seq)) {
			send = 1;
		}
		if (!send) {
nodata:
			/* data waits for a window, shut or too small for the SWS rule, with
			 * nothing in flight to bring a larger one: the persist timer keeps
			 * asking (and is the SWS override of RFC 1122 4.2.3.4, as in BSD);
			 * armed before an owed ACK goes, or that ACK would leave it unarmed */
			if (avail > 0 &&
			    !tcp_timer_pending(pcb, TCPT_REXMT) &&
			    !tcp_timer_pending(pcb, TCPT_PERSIST)) {
				pcb->persist_shift = 0;
				tcp_timer_arm(pcb, TCPT_PERSIST, now + (tcp_rto_current(pcb) >
					tcp_config.persist_min_ms ? tcp_rto_current(pcb) : tcp_config.persist_min_ms));
			}
			if (pcb->flags & TF_ACKNOW)
				return tcp_send_ack(pcb, now);
			return 0;
		}
		if (len > 0 && !(pcb->flags & (TF_FORCE_ONE | TF_TLP_ONE)) && !tcp_pace_ok(pcb, now)) {
paced:
			/* the pacing timer (TCPT_PACE) sends the rest (F-RTO's new data too) */
			if (frto_new)
				pcb->flags |= TF_FRTO_NEW;
			if (pcb->flags & TF_ACKNOW)
				return tcp_send_ack(pcb, now);
			return 0;
		}
		if (fin)
			flags |= TCP_FIN;
		if (len > 0 && len == avail)
			flags |= TCP_PSH;
		if (SEQ_LT(pcb->snd_nxt, pcb->snd_max)) {
			STAT_INC(tcp, snd_rexmt_segs);
			pcb->total_retrans++;
			STAT_ADD(tcp, snd_rexmt_bytes, len);
			TCP_LOG(pcb, TCP_LOG_RETRANSMIT, pcb->snd_nxt, (uint32_t)len);
		} else {
			STAT_ADD(tcp, snd_data_bytes, len);
			TCP_LOG(pcb, TCP_LOG_SEND, pcb->snd_nxt, (uint32_t)len);
		}
		if (pcb->flags & TF_FORCE_ONE)
			STAT_INC(tcp, snd_probe);
		{
			uint32_t seq = pcb->snd_nxt;
			pcb->snd_nxt = end + (fin ? 1 : 0);
			if (fin)
				pcb->flags |= TF_SENT_FIN;
			if (SEQ_GT(pcb->snd_nxt, pcb->snd_max)) {
				pcb->snd_max = pcb->snd_nxt;
				if (pcb->rtt_start == 0 && !(pcb->flags & TF_TS_OK)) {
					pcb->rtt_seq = seq;
					pcb->rtt_start = now;
				}
			}
			if (!(pcb->flags & TF_FORCE_ONE) &&
			    !tcp_timer_pending(pcb, TCPT_REXMT))
				tcp_rexmt_arm(pcb, now);
			tcp_sent_xmit(pcb, seq, pcb->snd_nxt, tcp_now_us());
			tcp_cc_sent(pcb, pcb->snd_nxt - seq);
			tcp_xmit(pcb, seq, flags, len, now);
			/* the probe comes 2 SRTT after the last new segment (as Linux) */
			tcp_tlp_schedule(pcb, now);
		}
		if (pcb->flags & (TF_FORCE_ONE | TF_TLP_ONE) || fin)
			return 0;
		continue;
again:
		;
	}
}
